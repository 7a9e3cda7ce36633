/* wire_mdt.c - Cisco IOS XR MDT encoder (see wire_mdt.h).  A message is an encoding path
 * and rows of (keys, flat content leaves); the same rows are written as JSON (numbers as
 * JSON numbers, ids and timestamps as strings, as IOS XR does) or as kvGPB TelemetryField
 * trees (row = {timestamp, keys{...}, content{...}}).  Field numbers: telemetry.proto as in
 * docs/VENDORS.md (Telemetry node_id_str 1, subscription_id_str 3, encoding_path 6,
 * collection_id 8, collection_start_time 9, msg_timestamp 10, data_gpbkv 11,
 * collection_end_time 13; TelemetryField timestamp 1, name 2, string 5, uint64 8,
 * double 11, fields 15). */
#include "sim/wire_mdt.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "sim/wire_pb.h"

#define S_LEAVES 16
#define S_ROWS VG_WIRE_MAX_IFS

enum { L_U64, L_DBL, L_STR };

typedef struct {
    const char *name;
    int t;
    uint64_t u;
    double d;
    const char *s;
} s_leaf_t;

typedef struct {
    const char *kname, *kval; /* one key (NULL = keyless) */
    size_t nleaf;
    s_leaf_t leaf[S_LEAVES];
} s_row_t;

typedef struct {
    const char *path;
    int64_t ts_ms;
    size_t nrows;
    s_row_t rows[S_ROWS];
} s_msg_t;

int
vg_wire_mdt_frame (vg_buf_t *out, int encap, const void *payload, size_t len)
{
    uint8_t h[12] = { 0, 1, 0, (uint8_t) encap, 0, 1, 0, 0 };
    h[8] = (uint8_t) (len >> 24);
    h[9] = (uint8_t) (len >> 16);
    h[10] = (uint8_t) (len >> 8);
    h[11] = (uint8_t) len;
    int rc = vg_buf_append (out, h, sizeof h);
    return rc ? rc : vg_buf_append (out, payload, len);
}

static s_leaf_t *
s_leaf (s_row_t *r, const char *name, int t)
{
    s_leaf_t *l = &r->leaf[r->nleaf++];
    memset (l, 0, sizeof *l);
    l->name = name;
    l->t = t;
    return l;
}

static void
s_u64 (s_row_t *r, const char *name, double v)
{
    s_leaf (r, name, L_U64)->u = v > 0 ? (uint64_t) v : 0;
}

static void
s_str (s_row_t *r, const char *name, const char *v)
{
    s_leaf (r, name, L_STR)->s = v;
}

static int
s_json (const s_msg_t *m, const char *node, const char *sub, uint64_t cid, vg_buf_t *o)
{
    long long ts = (long long) m->ts_ms;
    int rc = vg_buf_printf (o,
                       "{\"node_id_str\":\"%s\",\"subscription_id_str\":\"%s\",\"encoding_path\":\"%s\","
                       "\"collection_id\":\"%llu\",\"collection_start_time\":\"%lld\",\"msg_timestamp\":\"%lld\","
                       "\"data_json\":[",
                       node, sub, m->path, (unsigned long long) cid, ts, ts + 2);
    for (size_t i = 0; i < m->nrows && rc == 0; i++) {
        const s_row_t *r = &m->rows[i];
        rc = vg_buf_printf (o, "%s{\"timestamp\":\"%lld\",", i ? "," : "", ts + 1);
        if (rc == 0 && r->kname)
            rc = vg_buf_printf (o, "\"keys\":{\"%s\":\"%s\"},", r->kname, r->kval);
        if (rc == 0)
            rc = vg_buf_printf (o, "\"content\":{");
        for (size_t j = 0; j < r->nleaf && rc == 0; j++) {
            const s_leaf_t *l = &r->leaf[j];
            const char *c = j ? "," : "";
            if (l->t == L_U64)
                rc = vg_buf_printf (o, "%s\"%s\":%llu", c, l->name, (unsigned long long) l->u);
            else if (l->t == L_DBL)
                rc = vg_buf_printf (o, "%s\"%s\":%.17g", c, l->name, l->d);
            else
                rc = vg_buf_printf (o, "%s\"%s\":\"%s\"", c, l->name, l->s);
        }
        if (rc == 0)
            rc = vg_buf_printf (o, "}}");
    }
    if (rc == 0)
        rc = vg_buf_printf (o, "],\"collection_end_time\":\"%lld\"}", ts + 2);
    return rc;
}

static int
s_kv_leaf (vg_buf_t *o, const s_leaf_t *l)
{
    size_t f = vg_wire_pb_begin (o);
    int rc = vg_wire_pb_str (o, 2, l->name);
    if (rc == 0)
        rc = l->t == L_U64 ? vg_wire_pb_u64 (o, 8, l->u)
             : l->t == L_DBL ? vg_wire_pb_double (o, 11, l->d)
                             : vg_wire_pb_str (o, 5, l->s);
    return rc ? rc : vg_wire_pb_end (o, 15, f);
}

static int
s_kvgpb (const s_msg_t *m, const char *node, const char *sub, uint64_t cid, vg_buf_t *o)
{
    uint64_t ts = (uint64_t) m->ts_ms;
    int rc = vg_wire_pb_str (o, 1, node);
    if (rc == 0)
        rc = vg_wire_pb_str (o, 3, sub);
    if (rc == 0)
        rc = vg_wire_pb_str (o, 6, m->path);
    if (rc == 0)
        rc = vg_wire_pb_u64 (o, 8, cid);
    if (rc == 0)
        rc = vg_wire_pb_u64 (o, 9, ts);
    if (rc == 0)
        rc = vg_wire_pb_u64 (o, 10, ts + 2);
    for (size_t i = 0; i < m->nrows && rc == 0; i++) {
        const s_row_t *r = &m->rows[i];
        size_t row = vg_wire_pb_begin (o);
        rc = vg_wire_pb_u64 (o, 1, ts + 1);
        if (rc == 0 && r->kname) {
            size_t k = vg_wire_pb_begin (o);
            s_leaf_t key = { r->kname, L_STR, 0, 0, r->kval };
            rc = vg_wire_pb_str (o, 2, "keys");
            if (rc == 0)
                rc = s_kv_leaf (o, &key);
            if (rc == 0)
                rc = vg_wire_pb_end (o, 15, k);
        }
        size_t c = vg_wire_pb_begin (o);
        if (rc == 0)
            rc = vg_wire_pb_str (o, 2, "content");
        for (size_t j = 0; j < r->nleaf && rc == 0; j++)
            rc = s_kv_leaf (o, &r->leaf[j]);
        if (rc == 0)
            rc = vg_wire_pb_end (o, 15, c);
        if (rc == 0)
            rc = vg_wire_pb_end (o, 11, row);
    }
    if (rc == 0)
        rc = vg_wire_pb_u64 (o, 13, ts + 2);
    return rc;
}

static int
s_emit (const s_msg_t *m, const char *node, const char *sub, uint64_t *cid, int encap, vg_buf_t *out)
{
    vg_buf_t p = VG_BUF_INIT;
    int rc = encap == VG_WIRE_MDT_KVGPB ? s_kvgpb (m, node, sub, *cid, &p) : s_json (m, node, sub, *cid, &p);
    if (rc == 0)
        rc = vg_wire_mdt_frame (out, encap, p.data, p.len);
    vg_buf_free (&p);
    (*cid)++;
    return rc;
}

/* Rows of one message; each builder fills the path and the rows from the router. */
static s_row_t *
s_row (s_msg_t *m, const char *kname, const char *kval)
{
    s_row_t *w = &m->rows[m->nrows++];
    w->kname = kname;
    w->kval = kval;
    return w;
}

static void
s_ifstats (s_msg_t *m, const vg_wire_router_t *r)
{
    m->path = "Cisco-IOS-XR-infra-statsd-oper:infra-statistics/interfaces/interface/latest/generic-counters";
    for (size_t i = 0; i < r->nifs && i < S_ROWS; i++) {
        const vg_wire_if_t *f = &r->ifs[i];
        s_row_t *w = s_row (m, "interface-name", f->name);
        s_u64 (w, "packets-received", f->in_pkts);
        s_u64 (w, "bytes-received", f->in_octets);
        s_u64 (w, "packets-sent", f->out_pkts);
        s_u64 (w, "bytes-sent", f->out_octets);
        s_u64 (w, "input-drops", f->in_discards);
        s_u64 (w, "input-errors", f->in_errors);
        s_u64 (w, "crc-errors", f->in_fcs_errors);
        s_u64 (w, "output-drops", f->out_discards);
        s_u64 (w, "output-errors", 0);
        s_u64 (w, "carrier-transitions", 0);
    }
}

static void
s_ifstate (s_msg_t *m, const vg_wire_router_t *r)
{
    m->path = "Cisco-IOS-XR-pfi-im-cmd-oper:interfaces/interface-xr/interface";
    for (size_t i = 0; i < r->nifs && i < S_ROWS; i++) {
        const vg_wire_if_t *f = &r->ifs[i];
        s_row_t *w = s_row (m, "interface-name", f->name);
        s_str (w, "state", f->up ? "im-state-up" : "im-state-down");
        s_str (w, "line-state", f->up ? "im-state-up" : "im-state-down");
        s_str (w, "interface-type", "IFT_TENGETHERNET");
        s_u64 (w, "mtu", 9216);
    }
}

static void
s_cpu (s_msg_t *m, const vg_wire_router_t *r)
{
    m->path = "Cisco-IOS-XR-wdsysmon-fd-oper:system-monitoring/cpu-utilization";
    s_row_t *w = s_row (m, "node-name", "0/RP0/CPU0");
    s_u64 (w, "total-cpu-one-minute", nearbyint (r->cpu));
    s_u64 (w, "total-cpu-five-minute", nearbyint (r->cpu));
    s_u64 (w, "total-cpu-fifteen-minute", nearbyint (r->cpu));
}

static void
s_memory (s_msg_t *m, const vg_wire_router_t *r)
{
    m->path = "Cisco-IOS-XR-nto-misc-oper:memory-summary/nodes/node/summary";
    s_row_t *w = s_row (m, "node-name", "0/RP0/CPU0");
    s_u64 (w, "page-size", 4096);
    s_u64 (w, "ram-memory", r->mem_phys);
    s_u64 (w, "free-physical-memory", r->mem_phys - r->mem_used);
    s_u64 (w, "system-ram-memory", r->mem_phys);
}

static void
s_uptime (s_msg_t *m, const vg_wire_router_t *r)
{
    m->path = "Cisco-IOS-XR-shellutil-oper:system-time/uptime";
    s_row_t *w = s_row (m, NULL, NULL);
    s_str (w, "host-name", r->host);
    s_u64 (w, "uptime", (double) ((r->ts_ms - r->boot_ms) / 1000));
}

/* The messages of one export, in order, with their subscription names. */
static const struct {
    void (*build) (s_msg_t *m, const vg_wire_router_t *r);
    const char *sub;
} s_msgs[] = {
    { s_ifstats, "vigil-ifstats" }, { s_ifstate, "vigil-ifstate" }, { s_cpu, "vigil-system" },
    { s_memory, "vigil-system" },   { s_uptime, "vigil-system" },
};

int
vg_wire_mdt_encode (const vg_wire_router_t *r, const char *sub, uint64_t *cid, int encap, vg_buf_t *out)
{
    s_msg_t m; /* ~10 KiB */
    size_t n = sizeof s_msgs / sizeof s_msgs[0];
    for (size_t i = 0; i < n; i++) {
        memset (&m, 0, sizeof m);
        m.ts_ms = r->ts_ms;
        s_msgs[i].build (&m, r);
        int rc = s_emit (&m, r->host, s_msgs[i].sub, cid, encap, out);
        if (rc < 0)
            return rc;
    }
    return (int) n;
}
