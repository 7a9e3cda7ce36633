/* udp_notif.c - UDP-notif header, segment reassembly, YANG-push JSON decoding (the walk
 * itself is decode/yang_json.c; here list keys become sorted labels and leaves samples).
 *
 * Invariants: pending entries <= max_pending, buffered bytes <= max_bytes, every entry's
 * segments fit max_segments; a datagram is never read past `len`; the JSON walk is
 * bounded by VG_UDP_NOTIF_MAX_DEPTH and never allocates per sample (path and labels live
 * in fixed buffers on the stack). */
#include "decode/udp_notif.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/byteorder.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"
#include "decode/oc_map.h"
#include "decode/yang_json.h"

#define S_SRC_LEN 64
#define S_SEQ_SLOTS 32

typedef struct {
    int used;
    char src[S_SRC_LEN];
    uint32_t odid, msgid;
    int64_t first_ms;
    uint64_t age;            /* insertion order, for eviction */
    int32_t last_seg;        /* number of the segment with the last flag, -1 = not seen */
    uint32_t nseen;
    uint32_t *off, *len;     /* per segment number: offset/length in data; len UINT32_MAX = missing */
    vg_buf_t data;
} s_pend_t;

typedef struct {
    int used;
    char src[S_SRC_LEN];
    uint32_t odid, last_id;
    uint64_t age;
} s_seq_t;

struct vg_udp_notif {
    vg_udp_notif_cfg_t cfg;
    s_pend_t *pend;
    size_t npending, bytes;
    uint64_t clock;          /* insertion counter */
    s_seq_t seq[S_SEQ_SLOTS];
    vg_buf_t scratch;        /* reassembled payload */
    vg_udp_notif_counters_t c;
};

void
vg_udp_notif_cfg_default (vg_udp_notif_cfg_t *cfg)
{
    cfg->max_pending = 64;
    cfg->max_bytes = 8u << 20;
    cfg->max_msg_bytes = 4u << 20;
    cfg->max_segments = 128;
    cfg->timeout_ms = 5000;
}

vg_udp_notif_t *
vg_udp_notif_new (const vg_udp_notif_cfg_t *cfg)
{
    vg_udp_notif_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    vg_udp_notif_cfg_default (&self->cfg);
    if (cfg) {
        if (cfg->max_pending) self->cfg.max_pending = cfg->max_pending;
        if (cfg->max_bytes) self->cfg.max_bytes = cfg->max_bytes;
        if (cfg->max_msg_bytes) self->cfg.max_msg_bytes = cfg->max_msg_bytes;
        if (cfg->max_segments) self->cfg.max_segments = cfg->max_segments;
        if (cfg->timeout_ms) self->cfg.timeout_ms = cfg->timeout_ms;
    }
    if (self->cfg.max_segments > 32768)
        self->cfg.max_segments = 32768;   /* the segment number has 15 bits */
    if (self->cfg.max_msg_bytes > VG_UDP_NOTIF_MAX_JSON)
        self->cfg.max_msg_bytes = VG_UDP_NOTIF_MAX_JSON;
    self->pend = calloc (self->cfg.max_pending, sizeof *self->pend);
    if (!self->pend)
        goto fail;
    for (size_t i = 0; i < self->cfg.max_pending; i++) {
        self->pend[i].off = calloc (self->cfg.max_segments, sizeof (uint32_t));
        self->pend[i].len = calloc (self->cfg.max_segments, sizeof (uint32_t));
        if (!self->pend[i].off || !self->pend[i].len)
            goto fail;
    }
    return self;
fail:
    vg_udp_notif_destroy (&self);
    return NULL;
}

void
vg_udp_notif_destroy (vg_udp_notif_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_udp_notif_t *self = *self_p;
    if (self->pend) {
        for (size_t i = 0; i < self->cfg.max_pending; i++) {
            free (self->pend[i].off);
            free (self->pend[i].len);
            vg_buf_free (&self->pend[i].data);
        }
        free (self->pend);
    }
    vg_buf_free (&self->scratch);
    free (self);
    *self_p = NULL;
}

size_t
vg_udp_notif_pending (const vg_udp_notif_t *self)
{
    return self->npending;
}

vg_udp_notif_counters_t
vg_udp_notif_counters (const vg_udp_notif_t *self)
{
    return self->c;
}

/* ---------------------------------------------------------------------------------------
 * Small helpers shared by the walk */

const char *
vg_yang_module_vendor (const char *m, size_t n)
{
    static const struct { const char *prefix; const char *vendor; } tab[] = {
        { "huawei-", "Huawei" },   { "Cisco-IOS-", "Cisco" }, { "cisco-", "Cisco" },
        { "junos", "Juniper" },    { "juniper-", "Juniper" }, { "jnx-", "Juniper" },
        { "nokia-", "Nokia" },     { "srl_nokia-", "Nokia" }, { "arista-", "Arista" },
        { "ciena-", "Ciena" },     { "ericsson-", "Ericsson" }, { "zte-", "ZTE" },
        { "h3c-", "H3C" },
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        size_t l = strlen (tab[i].prefix);
        if (n >= l && memcmp (m, tab[i].prefix, l) == 0)
            return tab[i].vendor;
    }
    return NULL;
}

int
vg_yang_parse_number (const char *s, double *v)
{
    return vg_yang_number (s, strlen (s), VG_YANG_NUM_STRICT, v);
}

/* Host part of "addr:port", "[v6]:port", bare v4 or bare v6. */
static void
s_host_of (const char *src, char *out, size_t size)
{
    const char *b = src, *e = src + strlen (src);
    if (*src == '[') {
        const char *r = strchr (src, ']');
        if (r) {
            b = src + 1;
            e = r;
        }
    } else {
        const char *c = strchr (src, ':');
        if (c && !strchr (c + 1, ':'))
            e = c;
    }
    size_t n = (size_t) (e - b);
    if (n >= size)
        n = size - 1;
    memcpy (out, b, n);
    out[n] = '\0';
}

/* ---------------------------------------------------------------------------------------
 * OpenConfig mapping of huawei-ifm interface leaves (relative to .../interface/). */

typedef struct {
    const char *native;
    const char *oc;
    vg_kind_t kind;
    int upcase;        /* STATE values to upper case (OpenConfig enums) */
} s_map_t;

static const s_map_t s_ifm_map[] = {
    { "mib-statistics/receive-byte", "/interfaces/interface/state/counters/in-octets", VG_KIND_COUNTER, 0 },
    { "mib-statistics/send-byte", "/interfaces/interface/state/counters/out-octets", VG_KIND_COUNTER, 0 },
    { "mib-statistics/receive-packet", "/interfaces/interface/state/counters/in-pkts", VG_KIND_COUNTER, 0 },
    { "mib-statistics/send-packet", "/interfaces/interface/state/counters/out-pkts", VG_KIND_COUNTER, 0 },
    { "mib-statistics/receive-unicast-packet", "/interfaces/interface/state/counters/in-unicast-pkts", VG_KIND_COUNTER, 0 },
    { "mib-statistics/send-unicast-packet", "/interfaces/interface/state/counters/out-unicast-pkts", VG_KIND_COUNTER, 0 },
    { "mib-statistics/receive-multicast-packet", "/interfaces/interface/state/counters/in-multicast-pkts", VG_KIND_COUNTER, 0 },
    { "mib-statistics/send-multicast-packet", "/interfaces/interface/state/counters/out-multicast-pkts", VG_KIND_COUNTER, 0 },
    { "mib-statistics/receive-broad-packet", "/interfaces/interface/state/counters/in-broadcast-pkts", VG_KIND_COUNTER, 0 },
    { "mib-statistics/send-broad-packet", "/interfaces/interface/state/counters/out-broadcast-pkts", VG_KIND_COUNTER, 0 },
    { "mib-statistics/receive-error-packet", "/interfaces/interface/state/counters/in-errors", VG_KIND_COUNTER, 0 },
    { "mib-statistics/send-error-packet", "/interfaces/interface/state/counters/out-errors", VG_KIND_COUNTER, 0 },
    { "mib-statistics/receive-drop-packet", "/interfaces/interface/state/counters/in-discards", VG_KIND_COUNTER, 0 },
    { "mib-statistics/send-drop-packet", "/interfaces/interface/state/counters/out-discards", VG_KIND_COUNTER, 0 },
    { "mib-statistics/eth-port-err-sts/rx-crc", "/interfaces/interface/ethernet/state/counters/in-crc-errors", VG_KIND_COUNTER, 0 },
    { "mib-statistics/eth-port-err-sts/rx-fragment", "/interfaces/interface/ethernet/state/counters/in-fragment-frames", VG_KIND_COUNTER, 0 },
    { "mib-statistics/eth-port-err-sts/rx-jabber", "/interfaces/interface/ethernet/state/counters/in-jabber-frames", VG_KIND_COUNTER, 0 },
    { "mib-statistics/eth-port-err-sts/rx-undersize", "/interfaces/interface/ethernet/state/counters/in-undersize-frames", VG_KIND_COUNTER, 0 },
    { "mib-statistics/eth-port-err-sts/rx-long", "/interfaces/interface/ethernet/state/counters/in-oversize-frames", VG_KIND_COUNTER, 0 },
    { "mib-statistics/eth-port-err-sts/rx-pause", "/interfaces/interface/ethernet/state/counters/in-mac-pause-frames", VG_KIND_COUNTER, 0 },
    { "mib-statistics/eth-port-err-sts/tx-pause", "/interfaces/interface/ethernet/state/counters/out-mac-pause-frames", VG_KIND_COUNTER, 0 },
    { "dynamic/oper-status", "/interfaces/interface/state/oper-status", VG_KIND_STATE, 1 },
    { "admin-status", "/interfaces/interface/state/admin-status", VG_KIND_STATE, 1 },
    { "dynamic/mtu", "/interfaces/interface/state/mtu", VG_KIND_GAUGE, 0 },
};

#define S_IFM_PREFIX "huawei-ifm:ifm/interfaces/interface/"

static const s_map_t *
s_map_find (const char *path)
{
    size_t pl = sizeof S_IFM_PREFIX - 1;
    if (strncmp (path, S_IFM_PREFIX, pl) != 0)
        return NULL;
    const char *rest = path + pl;
    for (size_t i = 0; i < sizeof s_ifm_map / sizeof s_ifm_map[0]; i++)
        if (strcmp (rest, s_ifm_map[i].native) == 0)
            return &s_ifm_map[i];
    return NULL;
}

/* Known list keys where the YANG key is not the first member; otherwise the first scalar
 * member of a list entry is taken as its key (YANG encoders emit keys first). */
static const struct { const char *list; const char *key; } s_keys[] = {
    { "interface", "name" },  { "instance", "name" },   { "topology", "name" },
    { "af", "type" },         { "cpu-info", "position" }, { "memory-info", "position" },
    { "board-resouce-state", "position" },
    { "ipv4-route-statistic", "protocol-type" }, { "ipv6-route-statistic", "protocol-type" },
};

/* ---------------------------------------------------------------------------------------
 * The walk */

typedef struct {
    vg_yang_walk_t walk; /* path, depth bound, hooks */
    const vg_sink_t *sink;
    vg_decode_stats_t *st;
    const char *device;
    int64_t ts_ms;
    vg_label_t labels[VG_MAX_LABELS];
    char lkey[VG_MAX_LABELS][64];
    char lnum[VG_MAX_LABELS][40]; /* number key values, printed */
    size_t nlabels;
    int rc;            /* first sink error */
} s_walk_t;

static int
s_is_state_name (const char *n)
{
    size_t l = strlen (n);
    return (l >= 6 && strcmp (n + l - 6, "status") == 0) || (l >= 5 && strcmp (n + l - 5, "state") == 0);
}

static int
s_leaf (vg_yang_walk_t *yw, const char *name, const json_t *v)
{
    s_walk_t *w = yw->ctx;
    double num = 0;
    vg_num_t exact = vg_num_u64 (0);
    vg_numtype_t et = VG_NUM_F64; /* integers (JSON or RFC 7951 strings) stay exact */
    const char *str = NULL;
    if (json_is_integer (v)) {
        exact = vg_num_i64 (json_integer_value (v));
        et = VG_NUM_I64;
    } else if (json_is_number (v))
        num = json_number_value (v);
    else if (json_is_string (v)) {
        str = json_string_value (v);
        if (vg_num_parse_int (str, json_string_length (v), &exact, &et))
            str = NULL;
        else if (vg_yang_parse_number (str, &num))
            str = NULL;
        else if (!s_is_state_name (name) || json_string_length (v) >= VG_MAX_STATE_LEN
                 || strlen (str) != json_string_length (v))
            return 0;  /* free text, addresses, dates: not a series */
    } else
        return 0;    /* booleans (mostly configuration), null, empty */

    const s_map_t *m = s_map_find (w->walk.path);
    /* Other modules (huawei-system, huawei-debug, ...) share the decoders' table, so a leaf
     * is stored under the same name and unit whichever input carried it. */
    const vg_oc_entry_t *e = m ? NULL : vg_oc_lookup (w->walk.path);
    if (e && (e->kind == VG_KIND_STATE) != (str != NULL))
        e = NULL;
    int upcase = m ? m->upcase : (e && e->kind == VG_KIND_STATE && strstr (e->oc, "-status") != NULL);
    char up[VG_MAX_STATE_LEN];
    vg_point_t p;
    memset (&p, 0, sizeof p);
    p.device = w->device;
    p.input = "udp-notif";
    p.origin_path = w->walk.path;
    p.labels = w->labels;
    p.nlabels = w->nlabels;
    p.ts_ms = w->ts_ms;
    if (m) {
        p.path = m->oc;
        p.kind = m->kind;
        if (m->kind == VG_KIND_STATE && !str)
            return 0;
        if (m->kind != VG_KIND_STATE && str)
            return 0;
    } else if (e) {
        p.path = e->oc;
        p.kind = e->kind;
        p.unit = e->unit;
        if (!str && e->scale != 0) {
            num = (et != VG_NUM_F64 ? vg_num_to_double (exact, et) : num) * e->scale;
            et = VG_NUM_F64;
        }
    } else {
        p.path = w->walk.path;
        p.kind = str ? VG_KIND_STATE : VG_KIND_GAUGE;
        /* Everything under huawei-ifm mib-statistics is a cumulative counter. */
        if (!str && strncmp (w->walk.path, S_IFM_PREFIX "mib-statistics/", sizeof S_IFM_PREFIX + 14) == 0)
            p.kind = VG_KIND_COUNTER;
    }
    if (str) {
        size_t i = 0;
        for (; str[i] && i + 1 < sizeof up; i++)
            up[i] = (upcase && str[i] >= 'a' && str[i] <= 'z') ? (char) (str[i] - 32) : str[i];
        up[i] = '\0';
        p.state = up;
    } else if (et != VG_NUM_F64)
        vg_point_set_num (&p, exact, et);
    else
        p.value = num;
    int rc = vg_sink_sample (w->sink, &p);
    if (rc != 0 && w->rc == 0)
        w->rc = rc;
    else
        w->st->samples++;
    return w->rc;
}

static const char *
s_list_key (const char *list, json_t *entry, json_t **kv)
{
    for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0]; i++)
        if (strcmp (list, s_keys[i].list) == 0) {
            json_t *v = json_object_get (entry, s_keys[i].key);
            if (v && (json_is_string (v) || json_is_number (v))) {
                *kv = v;
                return s_keys[i].key;
            }
        }
    void *it = json_object_iter (entry);
    if (it) {
        json_t *v = json_object_iter_value (it);
        if (json_is_string (v) || json_is_number (v)) {
            *kv = v;
            return json_object_iter_key (it);
        }
    }
    return NULL;
}

/* A list entry: its key (s_keys, else its first scalar member) becomes a label, kept
 * sorted by key, and is not walked as a leaf. */
static int
s_enter (vg_yang_walk_t *yw, const char *list, const json_t *obj, const char **skip,
         vg_yang_mark_t *mark)
{
    s_walk_t *w = yw->ctx;
    json_t *kv = NULL;
    const char *key = list ? s_list_key (list, (json_t *) obj, &kv) : NULL;
    if (!key)
        return 0;
    if (w->nlabels >= VG_MAX_LABELS) {
        yw->overflow++;
        return 1;
    }
    char *lk = w->lkey[w->nlabels];
    const char *final = key;
    for (size_t j = 0; j < w->nlabels; j++)
        if (strcmp (w->labels[j].key, key) == 0) {
            snprintf (lk, sizeof w->lkey[0], "%s-%s", list, key);
            final = lk;
            break;
        }
    if (final == key)
        snprintf (lk, sizeof w->lkey[0], "%s", key);
    const char *val;
    /* A number key is printed into this label's slot: it must live until s_leave. */
    if (json_is_string (kv))
        val = json_string_value (kv);
    else {
        char *numbuf = w->lnum[w->nlabels];
        snprintf (numbuf, sizeof w->lnum[0], "%.17g", json_number_value (kv));
        val = numbuf;
    }
    if (strlen (val) >= VG_MAX_LABEL_LEN) {
        yw->overflow++;
        return 1;
    }
    /* Keep labels sorted by key: insert in place, remove by pointer in s_leave. */
    size_t at = w->nlabels;
    while (at > 0 && strcmp (w->labels[at - 1].key, lk) > 0) {
        w->labels[at] = w->labels[at - 1];
        at--;
    }
    w->labels[at].key = lk;
    w->labels[at].value = val;
    mark->a = w->nlabels;
    mark->p = lk;
    w->nlabels++;
    *skip = key;
    return 0;
}

static void
s_leave (vg_yang_walk_t *yw, const vg_yang_mark_t *mark)
{
    s_walk_t *w = yw->ctx;
    if (!mark->p)
        return;
    for (size_t j = 0; j < w->nlabels; j++)
        if (w->labels[j].key == mark->p) {
            memmove (&w->labels[j], &w->labels[j + 1], (w->nlabels - j - 1) * sizeof w->labels[0]);
            break;
        }
    w->nlabels = mark->a;
}

/* Module name of a "module:node" member name, or NULL. */
static const char *
s_vendor_of_member (const char *k)
{
    const char *c = strchr (k, ':');
    return c ? vg_yang_module_vendor (k, (size_t) (c - k)) : NULL;
}

static int64_t
s_event_time (json_t *notif, int64_t fallback)
{
    json_t *t = json_object_get (notif, "eventTime");
    int64_t ts;
    if (json_is_string (t)) {
        const char *s = json_string_value (t);
        /* Accept only absolute times (vg_clock_parse also knows relative forms). */
        if (s[0] >= '0' && s[0] <= '9' && strlen (s) >= 19 && vg_clock_parse (s, 0, &ts) == 0)
            return ts;
    }
    return fallback;
}

static int
s_decode_tree (json_t *root, const char *device, const vg_decode_ctx_t *ctx, const vg_sink_t *sink,
               vg_decode_stats_t *st)
{
    if (!json_is_object (root))
        return vg_decode_fail (st, -VG_EPROTO, "udp-notif: payload is not a JSON object");
    json_t *notif = NULL;
    const char *k;
    json_t *v;
    json_object_foreach (root, k, v) {
        size_t l = strlen (k);
        if (l >= 13 && strcmp (k + l - 13, ":notification") == 0 && json_is_object (v)) {
            notif = v;
            break;
        }
    }
    if (!notif)
        return vg_decode_fail (st, -VG_EPROTO, "udp-notif: no notification object");
    json_t *upd = json_object_get (notif, "ietf-yang-push:push-update");
    if (!upd) {
        /* push-change-update, subscription state changes, other notifications. */
        st->messages++;
        st->undecoded++;
        return 0;
    }
    json_t *dc = json_object_get (upd, "datastore-contents");
    if (!json_is_object (upd) || (dc && !json_is_object (dc)))
        return vg_decode_fail (st, -VG_EPROTO, "udp-notif: push-update without datastore-contents object");

    s_walk_t wk;
    s_walk_t *w = &wk;
    memset (&w->walk, 0, sizeof w->walk);
    w->walk.max_depth = VG_UDP_NOTIF_MAX_DEPTH;
    w->walk.ctx = w;
    w->walk.enter = s_enter;
    w->walk.leave = s_leave;
    w->walk.leaf = s_leaf;
    w->sink = sink;
    w->st = st;
    w->device = device;
    w->ts_ms = s_event_time (notif, ctx ? ctx->received_ms : 0);
    w->nlabels = 0;
    w->rc = 0;

    const char *vendor = NULL;
    if (dc) {
        void *it = json_object_iter (dc);
        if (it)
            vendor = s_vendor_of_member (json_object_iter_key (it));
    }
    vg_device_t d = { device, vendor, NULL, NULL, NULL, NULL };
    int rc = vg_sink_device (sink, &d);
    if (rc == 0 && dc)
        rc = vg_yang_walk (&w->walk, dc);
    if (rc == -VG_ETOOBIG)
        return vg_decode_fail (st, rc, "udp-notif: YANG tree deeper than %d", VG_UDP_NOTIF_MAX_DEPTH);
    if (rc != 0)
        return rc;   /* the sink's verdict */
    st->messages++;
    return 0;
}

int
vg_udp_notif_decode_json (const char *json, size_t len, const char *device, const vg_decode_ctx_t *ctx,
                          const vg_sink_t *sink, vg_decode_stats_t *st)
{
    if (len > VG_UDP_NOTIF_MAX_JSON)
        return vg_decode_fail (st, -VG_ETOOBIG, "udp-notif: JSON payload of %zu bytes exceeds %u", len,
                               VG_UDP_NOTIF_MAX_JSON);
    json_error_t err;
    json_t *root = json_loadb (json, len, JSON_DECODE_INT_AS_REAL, &err);
    if (!root)
        return vg_decode_fail (st, -VG_EPROTO, "udp-notif: bad JSON at %d: %.80s", err.position, err.text);
    int rc = s_decode_tree (root, device, ctx, sink, st);
    json_decref (root);
    return rc;
}

/* ---------------------------------------------------------------------------------------
 * Datagrams and reassembly */

static void
s_pend_free (vg_udp_notif_t *self, s_pend_t *e)
{
    self->bytes -= e->data.len;
    self->npending--;
    e->used = 0;
    vg_buf_reset (&e->data);
    if (e->data.cap > (256u << 10))
        vg_buf_free (&e->data);
}

static void
s_expire (vg_udp_notif_t *self, int64_t now, vg_decode_stats_t *st)
{
    if (now <= 0 || self->npending == 0)
        return;
    for (size_t i = 0; i < self->cfg.max_pending; i++) {
        s_pend_t *e = &self->pend[i];
        if (e->used && now - e->first_ms > self->cfg.timeout_ms) {
            s_pend_free (self, e);
            self->c.expired++;
            st->lost++;
        }
    }
}

static s_pend_t *
s_pend_get (vg_udp_notif_t *self, const char *src, uint32_t odid, uint32_t msgid, int64_t now,
            vg_decode_stats_t *st)
{
    s_pend_t *free_e = NULL;
    for (size_t i = 0; i < self->cfg.max_pending; i++) {
        s_pend_t *e = &self->pend[i];
        if (!e->used) {
            if (!free_e)
                free_e = e;
        } else if (e->odid == odid && e->msgid == msgid && strcmp (e->src, src) == 0)
            return e;
    }
    if (!free_e) {
        /* Table full: evict the oldest partial message. */
        s_pend_t *old = NULL;
        for (size_t i = 0; i < self->cfg.max_pending; i++)
            if (!old || self->pend[i].age < old->age)
                old = &self->pend[i];
        s_pend_free (self, old);
        self->c.evicted++;
        st->lost++;
        free_e = old;
    }
    s_pend_t *e = free_e;
    e->used = 1;
    snprintf (e->src, sizeof e->src, "%s", src);
    e->odid = odid;
    e->msgid = msgid;
    e->first_ms = now;
    e->age = ++self->clock;
    e->last_seg = -1;
    e->nseen = 0;
    for (uint32_t s = 0; s < self->cfg.max_segments; s++)
        e->len[s] = UINT32_MAX;
    self->npending++;
    return e;
}

/* Count message-id gaps per (source, ODID). */
static void
s_sequence (vg_udp_notif_t *self, const char *src, uint32_t odid, uint32_t id, vg_decode_stats_t *st)
{
    s_seq_t *hit = NULL, *old = NULL;
    for (int i = 0; i < S_SEQ_SLOTS; i++) {
        s_seq_t *q = &self->seq[i];
        if (q->used && q->odid == odid && strcmp (q->src, src) == 0) {
            hit = q;
            break;
        }
        if (!old || !q->used || (old->used && q->age < old->age))
            old = q;
    }
    if (!hit) {
        hit = old;
        hit->used = 1;
        snprintf (hit->src, sizeof hit->src, "%s", src);
        hit->odid = odid;
    } else {
        uint32_t d = id - hit->last_id;   /* wraps correctly */
        /* A small forward jump is loss; anything else is reordering or a restart. */
        if (d > 1 && d < 100000)
            st->lost += d - 1;
    }
    hit->last_id = id;
    hit->age = ++self->clock;
}

static int
s_payload (vg_udp_notif_t *self, int mt, const uint8_t *pl, size_t n, const char *device,
           const vg_decode_ctx_t *ctx, const vg_sink_t *sink, vg_decode_stats_t *st)
{
    if (mt != VG_UDP_NOTIF_MT_JSON) {
        st->messages++;
        st->undecoded++;
        return 0;
    }
    return vg_udp_notif_decode_json ((const char *) pl, n, device, ctx, sink, st);
}

int
vg_udp_notif_decode (vg_udp_notif_t *self, const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
                     const vg_sink_t *sink, vg_decode_stats_t *st)
{
    self->c.datagrams++;
    int64_t now = ctx ? ctx->received_ms : 0;
    s_expire (self, now, st);
    if (len < VG_UDP_NOTIF_HDR_LEN)
        return vg_decode_fail (st, -VG_ETRUNC, "udp-notif: datagram of %zu bytes shorter than the header", len);
    int version = p[0] >> 5;
    int sflag = (p[0] >> 4) & 1;
    int mt = p[0] & 0x0F;
    size_t hlen = p[1];
    size_t mlen = vg_get_be16 (p + 2);
    uint32_t odid = vg_get_be32 (p + 4);
    uint32_t msgid = vg_get_be32 (p + 8);
    if (version != 1)
        return vg_decode_fail (st, -VG_EUNSUPP, "udp-notif: version %d", version);
    if (hlen < VG_UDP_NOTIF_HDR_LEN || hlen > mlen)
        return vg_decode_fail (st, -VG_EPROTO, "udp-notif: header length %zu (message length %zu)", hlen, mlen);
    if (mlen > len)
        return vg_decode_fail (st, -VG_ETRUNC, "udp-notif: message length %zu > datagram %zu", mlen, len);
    if (mlen < len)
        return vg_decode_fail (st, -VG_EPROTO, "udp-notif: %zu trailing bytes after the message", len - mlen);

    /* Options. */
    int segmented = 0, last = 1;
    uint32_t segno = 0;
    for (size_t o = VG_UDP_NOTIF_HDR_LEN; o < hlen;) {
        if (hlen - o < 2)
            return vg_decode_fail (st, -VG_EPROTO, "udp-notif: truncated option at %zu", o);
        size_t ot = p[o], ol = p[o + 1];
        if (ol < 2 || ol > hlen - o)
            return vg_decode_fail (st, -VG_EPROTO, "udp-notif: option %zu length %zu", ot, ol);
        if (ot == 1) {
            if (ol != 4)
                return vg_decode_fail (st, -VG_EPROTO, "udp-notif: segmentation option length %zu", ol);
            uint32_t v = vg_get_be16 (p + o + 2);
            segmented = 1;
            segno = v >> 1;
            last = (int) (v & 1);
        }
        o += ol;   /* unknown and private-encoding options are skipped */
    }
    const char *src = ctx && ctx->source ? ctx->source : "";
    char device[VG_MAX_ID_LEN];
    if (*src)
        s_host_of (src, device, sizeof device);
    else
        snprintf (device, sizeof device, "odid-%u", odid);
    if (sflag) {
        /* Private media type: we do not know how to read it. */
        s_sequence (self, src, odid, msgid, st);
        st->messages++;
        st->undecoded++;
        return 0;
    }
    const uint8_t *pl = p + hlen;
    size_t n = mlen - hlen;
    if (!segmented || (segno == 0 && last)) {
        s_sequence (self, src, odid, msgid, st);
        return s_payload (self, mt, pl, n, device, ctx, sink, st);
    }

    self->c.segments++;
    if (segno >= self->cfg.max_segments)
        return vg_decode_fail (st, -VG_ETOOBIG, "udp-notif: segment %u beyond the limit %u", segno,
                               self->cfg.max_segments);
    s_pend_t *e = s_pend_get (self, src, odid, msgid, now, st);
    if (e->len[segno] != UINT32_MAX) {
        self->c.duplicates++;
        return 0;
    }
    if (e->last_seg >= 0 && segno > (uint32_t) e->last_seg) {
        s_pend_free (self, e);
        return vg_decode_fail (st, -VG_EPROTO, "udp-notif: segment %u after the last one in message %u", segno, msgid);
    }
    if (last && e->last_seg >= 0 && (uint32_t) e->last_seg != segno) {
        s_pend_free (self, e);
        return vg_decode_fail (st, -VG_EPROTO, "udp-notif: two last segments for message %u", msgid);
    }
    if (e->data.len + n > self->cfg.max_msg_bytes) {
        s_pend_free (self, e);
        return vg_decode_fail (st, -VG_ETOOBIG, "udp-notif: reassembled message %u exceeds %zu bytes", msgid,
                               self->cfg.max_msg_bytes);
    }
    /* Global byte cap: evict the oldest other partial messages until this one fits. */
    while (self->bytes + n > self->cfg.max_bytes) {
        s_pend_t *old = NULL;
        for (size_t i = 0; i < self->cfg.max_pending; i++)
            if (self->pend[i].used && &self->pend[i] != e && (!old || self->pend[i].age < old->age))
                old = &self->pend[i];
        if (!old) {
            s_pend_free (self, e);
            return vg_decode_fail (st, -VG_EFULL, "udp-notif: reassembly byte cap %zu reached", self->cfg.max_bytes);
        }
        s_pend_free (self, old);
        self->c.evicted++;
        st->lost++;
    }
    if (vg_buf_append (&e->data, pl, n) < 0) {
        s_pend_free (self, e);
        return vg_decode_fail (st, -VG_ENOMEM, "udp-notif: out of memory in reassembly");
    }
    e->off[segno] = (uint32_t) (e->data.len - n);
    e->len[segno] = (uint32_t) n;
    self->bytes += n;
    e->nseen++;
    if (last)
        e->last_seg = (int32_t) segno;
    if (e->last_seg < 0 || e->nseen != (uint32_t) e->last_seg + 1)
        return 0;
    /* nseen == last+1 and no segment number above last was accepted? Check all present. */
    for (int32_t s = 0; s <= e->last_seg; s++)
        if (e->len[s] == UINT32_MAX) {
            s_pend_free (self, e);
            return vg_decode_fail (st, -VG_EPROTO, "udp-notif: segment beyond the last one in message %u", msgid);
        }
    vg_buf_reset (&self->scratch);
    int rc = vg_buf_reserve (&self->scratch, e->data.len);
    for (int32_t s = 0; rc == 0 && s <= e->last_seg; s++)
        rc = vg_buf_append (&self->scratch, e->data.data + e->off[s], e->len[s]);
    s_pend_free (self, e);
    if (rc < 0)
        return vg_decode_fail (st, -VG_ENOMEM, "udp-notif: out of memory in reassembly");
    self->c.reassembled++;
    s_sequence (self, src, odid, msgid, st);
    rc = s_payload (self, mt, self->scratch.data, self->scratch.len, device, ctx, sink, st);
    if (self->scratch.cap > (1u << 20))
        vg_buf_free (&self->scratch);
    return rc;
}
