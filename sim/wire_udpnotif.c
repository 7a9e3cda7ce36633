/* wire_udpnotif.c - Huawei UDP-notif encoder (see wire_udpnotif.h).  Header: version 1,
 * S 0, media type 1 (YANG-JSON) in the first byte, header length 12, message length,
 * observation domain id, message id, all big-endian; the payload is an
 * ietf-notification:notification with an ietf-yang-push:push-update. */
#include "sim/wire_udpnotif.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/err.h"

static unsigned long long
s_u (double v)
{
    return v > 0 ? (unsigned long long) v : 0;
}

/* Start a datagram: reserve the header and open the notification. */
static int
s_open (vg_buf_t *b, const vg_wire_router_t *r, const vg_wire_udpnotif_t *st)
{
    uint8_t h[12] = { 0x21, 12 };
    vg_buf_reset (b);
    int rc = vg_buf_append (b, h, sizeof h);
    time_t t = (time_t) (r->ts_ms / 1000);
    struct tm tm;
    if (rc == 0 && !gmtime_r (&t, &tm))
        rc = -VG_EINVAL;
    if (rc == 0)
        rc = vg_buf_printf (b,
                       "{\"ietf-notification:notification\":{\"eventTime\":\"%04d-%02d-%02dT%02d:%02d:%02dZ\","
                       "\"ietf-yang-push:push-update\":{\"id\":%u,\"datastore-contents\":{",
                       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, st->sub_id);
    return rc;
}

/* Close the notification, fill the header, hand the datagram over. */
static int
s_close (vg_buf_t *b, vg_wire_udpnotif_t *st, vg_wire_udpnotif_fn fn, void *arg)
{
    int rc = vg_buf_printf (b, "}}}}");
    if (rc)
        return rc;
    if (b->len > 65535)
        return -VG_EINVAL;
    uint8_t *h = b->data;
    h[2] = (uint8_t) (b->len >> 8);
    h[3] = (uint8_t) b->len;
    for (int i = 0; i < 4; i++) {
        h[4 + i] = (uint8_t) (st->odid >> (24 - 8 * i));
        h[8 + i] = (uint8_t) (st->msg_id >> (24 - 8 * i));
    }
    st->msg_id++;
    return fn (arg, b->data, b->len);
}

int
vg_wire_udpnotif_encode (const vg_wire_router_t *r, vg_wire_udpnotif_t *st, vg_buf_t *b, vg_wire_udpnotif_fn fn,
                         void *arg)
{
    int n = 0, rc = 0;
    for (size_t i = 0; i < r->nifs && rc == 0; i++, n++) {
        const vg_wire_if_t *f = &r->ifs[i];
        rc = s_open (b, r, st);
        if (rc == 0)
            rc = vg_buf_printf (b,
                           "\"huawei-ifm:ifm\":{\"interfaces\":{\"interface\":[{\"name\":\"%s\",\"mib-statistics\":{"
                           "\"receive-byte\":\"%llu\",\"send-byte\":\"%llu\",\"receive-packet\":\"%llu\","
                           "\"send-packet\":\"%llu\",\"receive-unicast-packet\":\"%llu\",",
                           f->name, s_u (f->in_octets), s_u (f->out_octets), s_u (f->in_pkts), s_u (f->out_pkts),
                           s_u (f->in_pkts));
        if (rc == 0)
            rc = vg_buf_printf (b,
                           "\"receive-multicast-packet\":\"0\",\"receive-broad-packet\":\"0\","
                           "\"send-unicast-packet\":\"%llu\",\"send-multicast-packet\":\"0\",\"send-broad-packet\":\"0\","
                           "\"receive-error-packet\":\"%llu\",\"receive-drop-packet\":\"%llu\","
                           "\"send-error-packet\":\"0\",\"send-drop-packet\":\"%llu\"},"
                           "\"dynamic\":{\"oper-status\":\"%s\",\"admin-status\":\"up\"}}]}}",
                           s_u (f->out_pkts), s_u (f->in_errors), s_u (f->in_discards), s_u (f->out_discards),
                           f->up ? "up" : "down");
        if (rc == 0)
            rc = s_close (b, st, fn, arg);
    }
    if (rc == 0)
        rc = s_open (b, r, st);
    if (rc == 0)
        rc = vg_buf_printf (b, "\"huawei-devm:devm\":{\"cpu-infos\":{\"cpu-info\":[{\"position\":\"17\","
                          "\"system-cpu-usage\":%.0f}]}}",
                       nearbyint (r->cpu));
    if (rc == 0)
        rc = s_close (b, st, fn, arg);
    if (rc == 0)
        rc = s_open (b, r, st);
    if (rc == 0)
        rc = vg_buf_printf (b, "\"huawei-system:system\":{\"system-info\":{\"sys-name\":\"%s\",\"sys-uptime\":%lld}}",
                       r->host, (long long) ((r->ts_ms - r->boot_ms) / 1000));
    if (rc == 0)
        rc = s_close (b, st, fn, arg);
    return rc ? rc : n + 2;
}
