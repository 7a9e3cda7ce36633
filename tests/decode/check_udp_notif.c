/* check_udp_notif.c - UDP-notif: golden replay of a real Huawei NE40E capture compared with
 * pmacct's expected output, reassembly (order, duplicates, timeouts, caps) and hostile input. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "decode/pcap_replay.h"
#include "tests/support/capture_sink.h"
#include "decode/udp_notif.h"
#include "tests/support/suite.h"

#define HW VG_SAMPLES_DIR "/huawei/"

/* ---- collecting sink ---- */
typedef struct {
    char *device, *path, *origin, *labels, *state;
    int kind;
    int64_t ts;
    double value;
} rec_t;

typedef struct {
    vg_test_devices_t dev; /* first: vg_test_devices_note writes here */
    rec_t *r;
    size_t n, cap;
    int fail_after;   /* sink returns -VG_EFULL after this many samples (<0: never) */
} coll_t;

static int
c_sample (void *ctx, const vg_point_t *p)
{
    coll_t *c = ctx;
    if (c->fail_after >= 0 && (int) c->n >= c->fail_after)
        return -VG_EFULL;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->r = realloc (c->r, c->cap * sizeof *c->r);
    }
    char lab[1024];
    ck_assert (vg_test_labels_sorted (p->labels, p->nlabels));   /* sorted, unique */
    vg_test_labels (lab, sizeof lab, p->labels, p->nlabels);
    ck_assert_str_eq (p->input, "udp-notif");
    ck_assert_ptr_nonnull (p->origin_path);
    rec_t *r = &c->r[c->n++];
    r->device = strdup (p->device);
    r->path = strdup (p->path);
    r->origin = strdup (p->origin_path);
    r->labels = strdup (lab);
    r->state = p->state ? strdup (p->state) : NULL;
    r->kind = p->kind;
    r->ts = p->ts_ms;
    r->value = p->value;
    return 0;
}

static int
c_event (void *ctx, const vg_event_t *e)
{
    return 0;
}

/* The sink recording into c. */
static vg_sink_t
c_sink (coll_t *c)
{
    vg_sink_t s = { c, vg_test_devices_note, c_sample, c_event };
    return s;
}

static void
c_free (coll_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free (c->r[i].device);
        free (c->r[i].path);
        free (c->r[i].origin);
        free (c->r[i].labels);
        free (c->r[i].state);
    }
    free (c->r);
}

static const rec_t *
c_find (const coll_t *c, const char *path, const char *labels, int64_t ts)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->r[i].ts == ts && strcmp (c->r[i].path, path) == 0 && strcmp (c->r[i].labels, labels) == 0)
            return &c->r[i];
    return NULL;
}

/* ---- one decoder and what it delivered: the set-up of the hand-made datagram tests ---- */
typedef struct {
    vg_udp_notif_t *un;
    coll_t c;
    vg_sink_t sink;
    vg_decode_stats_t st;
    vg_decode_ctx_t ctx;
} fix_t;

/* A decoder (cfg NULL = defaults) whose datagrams come from src at received_ms. */
static void
s_open (fix_t *f, const vg_udp_notif_cfg_t *cfg, const char *src, int64_t received_ms)
{
    memset (f, 0, sizeof *f);
    f->un = vg_udp_notif_new (cfg);
    ck_assert_ptr_nonnull (f->un);
    f->c.fail_after = -1;
    f->sink = c_sink (&f->c);
    f->ctx = (vg_decode_ctx_t) { src, received_ms };
}

static int
s_feed (fix_t *f, const uint8_t *d, size_t len)
{
    return vg_udp_notif_decode (f->un, d, len, &f->ctx, &f->sink, &f->st);
}

static void
s_close (fix_t *f)
{
    vg_udp_notif_destroy (&f->un);
    c_free (&f->c);
}

/* ---- replay glue ---- */
typedef struct {
    vg_udp_notif_t *un;
    vg_sink_t sink;
    vg_decode_stats_t st;
    uint64_t datagrams;
} replay_t;

static int
on_udp (void *arg, const vg_pcap_pkt_t *pk, const uint8_t *d, size_t n)
{
    replay_t *r = arg;
    r->datagrams++;
    vg_decode_ctx_t ctx = { pk->src, pk->ts_us / 1000 };
    (void) vg_udp_notif_decode (r->un, d, n, &ctx, &r->sink, &r->st);
    return 0;
}

START_TEST (golden_huawei_capture)
{
    coll_t c = { .fail_after = -1 };
    replay_t r = { .un = vg_udp_notif_new (NULL), .sink = c_sink (&c) };
    ck_assert_ptr_nonnull (r.un);
    vg_pcap_port_t ports[] = { { 10003, VG_PCAP_PROTO_UDP, on_udp, &r } };
    vg_pcap_cfg_t cfg = { .ports = ports, .nports = 1 };
    vg_pcap_stats_t ps;
    memset (&ps, 0, sizeof ps);
    ck_assert_int_eq (vg_pcap_replay_file (HW "pmacct-800-huawei-udp-notif-yangpush-json.pcap", &cfg, &ps), 0);
    ck_assert_uint_eq (r.datagrams, 544);
    ck_assert_msg (r.st.errors == 0, "errors: %s", r.st.last_error);
    ck_assert_uint_eq (r.st.messages, 418);
    ck_assert_uint_eq (r.st.lost, 0);
    vg_udp_notif_counters_t k = vg_udp_notif_counters (r.un);
    ck_assert_uint_eq (k.reassembled, 28);
    ck_assert_uint_eq (k.segments, 544 - 418 + 28);
    ck_assert_uint_eq (vg_udp_notif_pending (r.un), 0);
    ck_assert_uint_eq (r.st.samples, c.n);
    ck_assert_str_eq (c.dev.vendor, "Huawei");
    ck_assert_str_eq (c.r[0].device, "203.0.113.21");

    /* Compare with pmacct's expected output, leaf by leaf, for every message. */
    FILE *f = fopen (HW "pmacct-800-huawei-udp-notif-expected-output.json", "r");
    ck_assert_ptr_nonnull (f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int checked_oct = 0, checked_state = 0, checked_cpu = 0, checked_route = 0;
    while ((got = getline (&line, &cap, f)) > 0) {
        json_t *j = json_loads (line, JSON_DECODE_INT_AS_REAL, NULL);
        ck_assert_ptr_nonnull (j);
        json_t *n = json_object_get (json_object_get (j, "telemetry_data"), "ietf-notification:notification");
        if (!n) {
            json_decref (j);
            continue;
        }
        int64_t ts;
        ck_assert_int_eq (vg_clock_parse (json_string_value (json_object_get (n, "eventTime")), 0, &ts), 0);
        json_t *dc = json_object_get (json_object_get (n, "ietf-yang-push:push-update"), "datastore-contents");
        json_t *ifs = json_object_get (json_object_get (json_object_get (dc, "huawei-ifm:ifm"), "interfaces"), "interface");
        size_t i;
        json_t *e;
        json_array_foreach (ifs, i, e) {
            char lab[300];
            snprintf (lab, sizeof lab, "name=%s", json_string_value (json_object_get (e, "name")));
            json_t *ms = json_object_get (e, "mib-statistics");
            const char *rb = json_string_value (json_object_get (ms, "receive-byte"));
            const char *sd = json_string_value (json_object_get (ms, "send-drop-packet"));
            if (rb) {
                const rec_t *x = c_find (&c, "/interfaces/interface/state/counters/in-octets", lab, ts);
                ck_assert_msg (x != NULL, "missing in-octets %s", lab);
                ck_assert (x->value == strtod (rb, NULL));
                ck_assert_int_eq (x->kind, VG_KIND_COUNTER);
                ck_assert_str_eq (x->origin, "huawei-ifm:ifm/interfaces/interface/mib-statistics/receive-byte");
                x = c_find (&c, "/interfaces/interface/state/counters/out-discards", lab, ts);
                ck_assert (x != NULL && x->value == strtod (sd, NULL));
                checked_oct++;
            }
            json_t *crc = json_object_get (json_object_get (ms, "eth-port-err-sts"), "rx-crc");
            if (crc) {
                const rec_t *x = c_find (&c, "/interfaces/interface/ethernet/state/counters/in-crc-errors", lab, ts);
                ck_assert (x != NULL && x->value == strtod (json_string_value (crc), NULL));
            }
            const char *os = json_string_value (json_object_get (json_object_get (e, "dynamic"), "oper-status"));
            if (os) {
                const rec_t *x = c_find (&c, "/interfaces/interface/state/oper-status", lab, ts);
                ck_assert_msg (x != NULL, "missing oper-status %s", lab);
                ck_assert_int_eq (x->kind, VG_KIND_STATE);
                ck_assert_int_eq (strcasecmp (x->state, os), 0);
                json_t *mtu = json_object_get (json_object_get (e, "dynamic"), "mtu");
                x = c_find (&c, "/interfaces/interface/state/mtu", lab, ts);
                ck_assert (x != NULL && x->value == json_number_value (mtu));
                checked_state++;
            }
        }
        json_t *cpus = json_object_get (json_object_get (json_object_get (dc, "huawei-debug:debug"), "cpu-infos"), "cpu-info");
        json_array_foreach (cpus, i, e) {
            char lab[300];
            snprintf (lab, sizeof lab, "position=%s", json_string_value (json_object_get (e, "position")));
            /* CPU usage in percent: the OpenConfig CPU leaf every vendor's CPU lands on. */
            const rec_t *x = c_find (&c, "/components/component/cpu/utilization/state/instant", lab, ts);
            ck_assert_msg (x != NULL, "missing cpu %s", lab);
            ck_assert (x->value == json_number_value (json_object_get (e, "system-cpu-usage")));
            ck_assert_str_eq (x->origin, "huawei-debug:debug/cpu-infos/cpu-info/system-cpu-usage");
            x = c_find (&c, "huawei-debug:debug/cpu-infos/cpu-info/current-overload-state", lab, ts);
            ck_assert (x != NULL && x->kind == VG_KIND_STATE
                       && strcmp (x->state, json_string_value (json_object_get (e, "current-overload-state"))) == 0);
            checked_cpu++;
        }
        /* Nested lists: instance/af/topology/route-statistic keys all become labels. */
        json_t *inst = json_object_get (json_object_get (json_object_get (dc, "huawei-network-instance:network-instance"), "instances"), "instance");
        json_array_foreach (inst, i, e) {
            json_t *af = json_array_get (json_object_get (json_object_get (e, "huawei-l3vpn:afs"), "af"), 0);
            json_t *topo = json_array_get (json_object_get (json_object_get (json_object_get (json_object_get (af, "huawei-routing:routing"), "routing-manage"), "topologys"), "topology"), 0);
            json_t *stats = json_object_get (topo, "routes");
            json_t *v6 = json_object_get (json_object_get (stats, "ipv6-route-statistics"), "ipv6-route-statistic");
            json_t *rs = json_array_get (v6, 0);
            if (!rs)
                continue;
            char lab[600];
            snprintf (lab, sizeof lab, "name=%s,protocol-type=%s,topology-name=%s,type=%s",
                      json_string_value (json_object_get (e, "name")), json_string_value (json_object_get (rs, "protocol-type")),
                      json_string_value (json_object_get (topo, "name")), json_string_value (json_object_get (af, "type")));
            const rec_t *x = c_find (&c, "huawei-network-instance:network-instance/instances/instance/huawei-l3vpn:afs/af/"
                                         "huawei-routing:routing/routing-manage/topologys/topology/routes/"
                                         "ipv6-route-statistics/ipv6-route-statistic/total-num", lab, ts);
            ck_assert_msg (x != NULL, "missing route stat %s", lab);
            ck_assert (x->value == json_number_value (json_object_get (rs, "total-num")));
            checked_route++;
        }
        json_decref (j);
    }
    free (line);
    fclose (f);
    ck_assert_int_ge (checked_oct, 150);
    ck_assert_int_ge (checked_state, 200);
    ck_assert_int_eq (checked_cpu, 8);
    ck_assert_int_gt (checked_route, 0);
    vg_udp_notif_destroy (&r.un);
    ck_assert_ptr_null (r.un);
    c_free (&c);
}
END_TEST

/* ---- synthetic datagrams ---- */
static size_t
s_dgram (uint8_t *out, int mt, uint32_t odid, uint32_t id, int seg, int last, const char *pl, size_t n)
{
    size_t h = seg >= 0 ? 16 : 12;
    size_t len = h + n;
    out[0] = (uint8_t) (0x20 | mt);
    out[1] = (uint8_t) h;
    out[2] = (uint8_t) (len >> 8);
    out[3] = (uint8_t) len;
    out[4] = (uint8_t) (odid >> 24); out[5] = (uint8_t) (odid >> 16); out[6] = (uint8_t) (odid >> 8); out[7] = (uint8_t) odid;
    out[8] = (uint8_t) (id >> 24); out[9] = (uint8_t) (id >> 16); out[10] = (uint8_t) (id >> 8); out[11] = (uint8_t) id;
    if (seg >= 0) {
        uint16_t v = (uint16_t) ((seg << 1) | (last ? 1 : 0));
        out[12] = 1; out[13] = 4; out[14] = (uint8_t) (v >> 8); out[15] = (uint8_t) v;
    }
    memcpy (out + h, pl, n);
    return len;
}

static const char *JSON1 =
    "{\"ietf-notification:notification\":{\"eventTime\":\"2024-10-04T07:13:53Z\",\"ietf-yang-push:push-update\":"
    "{\"id\":4,\"datastore-contents\":{\"huawei-ifm:ifm\":{\"interfaces\":{\"interface\":[{\"name\":\"GE0/0/1\","
    "\"mib-statistics\":{\"receive-byte\":\"18446744073709551615\",\"send-byte\":\"12\"},"
    "\"dynamic\":{\"oper-status\":\"down\",\"mac-address\":\"00-11\",\"is-offline\":false}}]}}}}}}";

START_TEST (segments_any_order_and_dups)
{
    fix_t f;
    s_open (&f, NULL, "[2001:db8::1]:4000", 1000);
    size_t n = strlen (JSON1), third = n / 3;
    uint8_t d[3][2048];
    size_t l0 = s_dgram (d[0], 1, 7, 100, 0, 0, JSON1, third);
    size_t l1 = s_dgram (d[1], 1, 7, 100, 1, 0, JSON1 + third, third);
    size_t l2 = s_dgram (d[2], 1, 7, 100, 2, 1, JSON1 + 2 * third, n - 2 * third);
    ck_assert_int_eq (s_feed (&f, d[2], l2), 0);
    ck_assert_int_eq (s_feed (&f, d[0], l0), 0);
    ck_assert_int_eq (s_feed (&f, d[0], l0), 0);   /* duplicate */
    ck_assert_uint_eq (vg_udp_notif_pending (f.un), 1);
    ck_assert_uint_eq (f.st.messages, 0);
    ck_assert_int_eq (s_feed (&f, d[1], l1), 0);
    ck_assert_uint_eq (f.st.messages, 1);
    ck_assert_uint_eq (f.st.errors, 0);
    ck_assert_uint_eq (vg_udp_notif_counters (f.un).duplicates, 1);
    ck_assert_uint_eq (vg_udp_notif_pending (f.un), 0);
    /* 2 counters + oper-status; mac-address and booleans are not series */
    ck_assert_uint_eq (f.c.n, 3);
    ck_assert_str_eq (f.c.r[0].device, "2001:db8::1");
    const rec_t *x = c_find (&f.c, "/interfaces/interface/state/counters/in-octets", "name=GE0/0/1", 1728026033000);
    ck_assert_ptr_nonnull (x);
    ck_assert (x->value == 18446744073709551615.0);   /* RFC 7951 uint64 string */
    x = c_find (&f.c, "/interfaces/interface/state/oper-status", "name=GE0/0/1", 1728026033000);
    ck_assert (x && strcmp (x->state, "DOWN") == 0);
    s_close (&f);
}
END_TEST

START_TEST (timeouts_caps_and_gaps)
{
    vg_udp_notif_cfg_t cfg;
    vg_udp_notif_cfg_default (&cfg);
    cfg.max_pending = 4;
    cfg.timeout_ms = 100;
    cfg.max_bytes = 1000;
    fix_t f;
    s_open (&f, &cfg, "192.0.2.9:1", 1000);
    uint8_t d[2048];
    char pad[400];
    memset (pad, 'x', sizeof pad);
    /* 6 first-segments: the table holds 4, the two oldest are evicted. */
    for (uint32_t id = 0; id < 6; id++) {
        size_t l = s_dgram (d, 1, 1, id, 0, 0, pad, 100);
        ck_assert_int_eq (s_feed (&f, d, l), 0);
    }
    ck_assert_uint_eq (vg_udp_notif_pending (f.un), 4);
    ck_assert_uint_eq (vg_udp_notif_counters (f.un).evicted, 2);
    /* byte cap: 4*100 + 400 fits 1000 exactly? 800 <= 1000; one more 400 evicts the oldest */
    size_t l = s_dgram (d, 1, 1, 50, 0, 0, pad, 400);
    ck_assert_int_eq (s_feed (&f, d, l), 0);
    ck_assert_uint_le (vg_udp_notif_pending (f.un), 4);
    /* a segment larger than the byte cap is refused */
    vg_udp_notif_cfg_t c2 = cfg;
    c2.max_msg_bytes = 300;
    vg_udp_notif_t *small = vg_udp_notif_new (&c2);
    l = s_dgram (d, 1, 1, 60, 0, 0, pad, 400);
    ck_assert_int_eq (vg_udp_notif_decode (small, d, l, &f.ctx, &f.sink, &f.st), -VG_ETOOBIG);
    vg_udp_notif_destroy (&small);
    /* time passes: everything pending expires */
    uint64_t lost = f.st.lost;
    f.ctx.received_ms = 2000;
    l = s_dgram (d, 1, 1, 61, -1, 0, JSON1, strlen (JSON1));
    ck_assert_int_eq (s_feed (&f, d, l), 0);
    ck_assert_uint_eq (vg_udp_notif_pending (f.un), 0);
    ck_assert_uint_ge (f.st.lost, lost + 3);
    /* message-id gap: 61 then 70 from the same ODID = 8 lost */
    lost = f.st.lost;
    l = s_dgram (d, 1, 1, 70, -1, 0, JSON1, strlen (JSON1));
    ck_assert_int_eq (s_feed (&f, d, l), 0);
    ck_assert_uint_eq (f.st.lost, lost + 8);
    /* segment number beyond max_segments */
    l = s_dgram (d, 1, 1, 80, 200, 1, pad, 10);
    ck_assert_int_lt (s_feed (&f, d, l), 0);
    s_close (&f);
}
END_TEST

/* Feed one unsegmented datagram of media type mt from ODID 9 (message id) around text. */
static int
s_feed_whole (fix_t *f, int mt, uint32_t id, const char *text)
{
    uint8_t d[2048];
    size_t l = s_dgram (d, mt, 9, id, -1, 0, text, strlen (text));
    return s_feed (f, d, l);
}

START_TEST (media_types_and_notifications)
{
    fix_t f;
    s_open (&f, NULL, NULL, 5);
    ck_assert_int_eq (s_feed_whole (&f, 2, 1, "<notification/>"), 0);   /* YANG XML */
    ck_assert_uint_eq (f.st.undecoded, 1);
    ck_assert_int_eq (s_feed_whole (&f, 1, 2,
                                    "{\"ietf-notification:notification\":{\"eventTime\":\"2024-01-01T00:00:00Z\","
                                    "\"ietf-subscribed-notifications:subscription-started\":{\"id\":1}}}"),
                      0);
    ck_assert_uint_eq (f.st.undecoded, 2);
    ck_assert_uint_eq (f.st.messages, 2);
    /* No source: the device is named after the ODID; no eventTime: received time. */
    ck_assert_int_eq (s_feed_whole (&f, 1, 3,
                                    "{\"ietf-notification:notification\":{\"ietf-yang-push:push-update\":{\"datastore-contents\":"
                                    "{\"openconfig-interfaces:interfaces\":{\"interface\":[{\"name\":\"e1\",\"state\":{\"counters\":"
                                    "{\"in-octets\":\"5\"}}}]}}}}}"),
                      0);
    ck_assert_uint_eq (f.c.n, 1);
    ck_assert_str_eq (f.c.r[0].device, "odid-9");
    ck_assert_str_eq (f.c.dev.vendor, "");   /* openconfig-* is not a vendor module */
    ck_assert_int_eq (f.c.r[0].ts, 5);
    ck_assert_str_eq (f.c.r[0].path, "openconfig-interfaces:interfaces/interface/state/counters/in-octets");
    /* The sink's error stops the walk and is returned as is. */
    f.c.fail_after = 1;
    ck_assert_int_eq (s_feed_whole (&f, 1, 4, JSON1), -VG_EFULL);
    s_close (&f);
}
END_TEST

START_TEST (hostile_input)
{
    fix_t f;
    s_open (&f, NULL, "198.51.100.1:9", 1);
    static uint8_t d[70000];
    size_t l = s_dgram (d, 1, 1, 1, -1, 0, JSON1, strlen (JSON1));
    /* every prefix is refused, with a counted error */
    for (size_t n = 0; n < l; n++) {
        uint64_t e = f.st.errors;
        ck_assert_int_lt (s_feed (&f, d, n), 0);
        ck_assert_uint_eq (f.st.errors, e + 1);
    }
    ck_assert_int_eq (s_feed (&f, d, l), 0);
    /* truncated JSON inside a well-formed header */
    l = s_dgram (d, 1, 1, 2, -1, 0, JSON1, strlen (JSON1) - 5);
    ck_assert_int_eq (s_feed (&f, d, l), -VG_EPROTO);
    ck_assert_ptr_nonnull (strstr (f.st.last_error, "bad JSON"));
    /* bad version, bad header length, bad option */
    l = s_dgram (d, 1, 1, 3, -1, 0, JSON1, strlen (JSON1));
    d[0] = (uint8_t) ((2 << 5) | 1);
    ck_assert_int_eq (s_feed (&f, d, l), -VG_EUNSUPP);
    d[0] = 0x21;
    d[1] = 5;
    ck_assert_int_eq (s_feed (&f, d, l), -VG_EPROTO);
    l = s_dgram (d, 1, 1, 4, 0, 1, JSON1, strlen (JSON1));
    d[13] = 1;   /* option length 1 */
    ck_assert_int_eq (s_feed (&f, d, l), -VG_EPROTO);
    /* deep nesting is refused */
    char deep[4000];
    size_t o = (size_t) snprintf (deep, sizeof deep, "{\"ietf-notification:notification\":{\"ietf-yang-push:push-update\":{\"datastore-contents\":{\"a:b\":");
    for (int i = 0; i < 100; i++)
        o += (size_t) snprintf (deep + o, sizeof deep - o, "{\"x\":");
    o += (size_t) snprintf (deep + o, sizeof deep - o, "1");
    for (int i = 0; i < 104; i++)
        deep[o++] = '}';
    l = s_dgram (d, 1, 1, 5, -1, 0, deep, o);
    ck_assert_int_eq (s_feed (&f, d, l), -VG_ETOOBIG);
    /* random datagrams never crash; every one is counted as error or decoded */
    srand (42);
    for (int i = 0; i < 20000; i++) {
        size_t n = (size_t) (rand () % 300);
        for (size_t k = 0; k < n; k++)
            d[k] = (uint8_t) rand ();
        if (n > 1 && (i & 1)) {
            d[0] = 0x21;
            d[1] = (uint8_t) (12 + (rand () % 8));
            d[2] = (uint8_t) (n >> 8);
            d[3] = (uint8_t) n;
        }
        uint64_t before = f.st.errors + f.st.messages + vg_udp_notif_counters (f.un).segments;
        int rc = s_feed (&f, d, n);
        if (rc < 0)
            ck_assert_uint_gt (f.st.errors + f.st.messages + vg_udp_notif_counters (f.un).segments, before);
    }
    ck_assert_uint_le (vg_udp_notif_pending (f.un), 64);
    s_close (&f);
}
END_TEST

START_TEST (number_and_vendor_helpers)
{
    double v;
    ck_assert_int_eq (vg_yang_parse_number ("123", &v), 1);
    ck_assert (v == 123);
    ck_assert_int_eq (vg_yang_parse_number ("-1.5", &v), 1);
    ck_assert (v == -1.5);
    ck_assert_int_eq (vg_yang_parse_number ("1e5", &v), 0);
    ck_assert_int_eq (vg_yang_parse_number (" 1", &v), 0);
    ck_assert_int_eq (vg_yang_parse_number ("0x10", &v), 0);
    ck_assert_int_eq (vg_yang_parse_number ("nan", &v), 0);
    ck_assert_int_eq (vg_yang_parse_number ("1.", &v), 0);
    ck_assert_int_eq (vg_yang_parse_number ("", &v), 0);
    ck_assert_str_eq (vg_yang_module_vendor ("huawei-ifm", 10), "Huawei");
    ck_assert_str_eq (vg_yang_module_vendor ("Cisco-IOS-XR-infra", 18), "Cisco");
    ck_assert_ptr_null (vg_yang_module_vendor ("ietf-interfaces", 15));
    ck_assert_ptr_null (vg_yang_module_vendor ("openconfig-if", 13));
}
END_TEST

Suite *
vg_udp_notif_suite (void)
{
    const TTest *tests[] = {
        golden_huawei_capture, segments_any_order_and_dups, timeouts_caps_and_gaps,
        media_types_and_notifications, hostile_input, number_and_vendor_helpers,
    };
    return vg_test_suite ("udp_notif", "udp_notif", tests, sizeof tests / sizeof tests[0], 120, NULL, NULL);
}
