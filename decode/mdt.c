/* mdt.c - Cisco MDT framing and payload decoding (see mdt.h).
 *
 * Field numbers: Cisco telemetry.proto (telemetry_bis): Telemetry{node_id_str 1,
 * subscription_id_str 3, encoding_path 6, model_version 7, collection_id 8,
 * collection_start_time 9, msg_timestamp 10, data_gpbkv 11, data_gpb 12,
 * collection_end_time 13}; TelemetryField{timestamp 1, name 2, bytes 4, string 5, bool 6,
 * uint32 7, uint64 8, sint32 9, sint64 10, double 11, float 12, fields 15, delete 16}.
 * Stream invariant: at most one partial frame is buffered (header bytes, then payload up
 * to VG_MDT_MAX_PAYLOAD); complete frames inside one read are decoded in place. */
#include "decode/mdt.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/byteorder.h"
#include "common/buf.h"
#include "common/err.h"
#include "decode/oc_map.h"
#include "decode/pbwalk.h"

struct vg_mdt_stream {
    uint8_t hdr[VG_MDT_HDR_LEN];
    size_t hlen;          /* header bytes buffered */
    uint32_t need;        /* payload length of the current frame (valid when hlen == 12) */
    int encap, type;
    vg_buf_t payload;     /* payload bytes buffered */
    int broken;           /* a bad header desynchronised the stream */
};

vg_mdt_stream_t *
vg_mdt_stream_new (void)
{
    return calloc (1, sizeof (vg_mdt_stream_t));
}

void
vg_mdt_stream_destroy (vg_mdt_stream_t **self_p)
{
    if (self_p && *self_p) {
        vg_buf_free (&(*self_p)->payload);
        free (*self_p);
        *self_p = NULL;
    }
}

size_t
vg_mdt_stream_pending (const vg_mdt_stream_t *s)
{
    return s->hlen + s->payload.len;
}

/* Validate a header; returns 0 or a negative code (counted). */
static int
s_header (const uint8_t *h, int *type, int *encap, uint32_t *len, vg_decode_stats_t *st)
{
    *type = vg_get_be16 (h);
    *encap = vg_get_be16 (h + 2);
    uint16_t ver = vg_get_be16 (h + 4), flags = vg_get_be16 (h + 6);
    *len = vg_get_be32 (h + 8);
    if (*type != VG_MDT_TYPE_DATA && *type != VG_MDT_TYPE_HEARTBEAT)
        return vg_decode_fail (st, -VG_EPROTO, "mdt: unknown msg_type %d", *type);
    if (*encap < VG_MDT_ENCAP_GPB || *encap > VG_MDT_ENCAP_GPB_KV)
        return vg_decode_fail (st, -VG_EPROTO, "mdt: unknown msg_encap %d", *encap);
    if (ver != 1)
        return vg_decode_fail (st, -VG_EPROTO, "mdt: header version %u", ver);
    if (flags != 0)
        return vg_decode_fail (st, -VG_EUNSUPP, "mdt: header flags 0x%x (compression?) unsupported", flags);
    if (*len > VG_MDT_MAX_PAYLOAD)
        return vg_decode_fail (st, -VG_ETOOBIG, "mdt: payload of %u bytes over the 1 MiB cap", *len);
    return 0;
}

static int
s_frame (int type, int encap, const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
         const vg_sink_t *sink, vg_decode_stats_t *st)
{
    if (type == VG_MDT_TYPE_HEARTBEAT) {
        st->messages++;
        return 0;
    }
    return vg_mdt_decode_payload (p, len, encap, ctx, sink, st);
}

/* Payload errors are counted and survivable; only a sink refusal stops a stream. */
static int
s_is_payload_error (int rc)
{
    return rc == -VG_ETRUNC || rc == -VG_EPROTO || rc == -VG_ETOOBIG || rc == -VG_EUNSUPP || rc == -VG_EINVAL;
}

int
vg_mdt_stream_feed (vg_mdt_stream_t *s, const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
                    const vg_sink_t *sink, vg_decode_stats_t *st)
{
    if (s->broken)
        return vg_decode_fail (st, -VG_EPROTO, "mdt: stream desynchronised by an earlier bad header");
    while (len > 0) {
        if (s->hlen < VG_MDT_HDR_LEN) {
            if (s->hlen == 0 && len >= VG_MDT_HDR_LEN) {
                /* Fast path: whole header (and maybe the whole frame) in this read. */
                uint32_t plen;
                int rc = s_header (p, &s->type, &s->encap, &plen, st);
                if (rc < 0) {
                    s->broken = 1;
                    return rc;
                }
                if (len - VG_MDT_HDR_LEN >= plen) {
                    rc = s_frame (s->type, s->encap, p + VG_MDT_HDR_LEN, plen, ctx, sink, st);
                    if (rc < 0 && !s_is_payload_error (rc))
                        return rc;
                    p += VG_MDT_HDR_LEN + plen;
                    len -= VG_MDT_HDR_LEN + plen;
                    continue;
                }
                memcpy (s->hdr, p, VG_MDT_HDR_LEN);
                s->hlen = VG_MDT_HDR_LEN;
                s->need = plen;
                p += VG_MDT_HDR_LEN;
                len -= VG_MDT_HDR_LEN;
                vg_buf_reset (&s->payload);
                continue;
            }
            size_t take = VG_MDT_HDR_LEN - s->hlen;
            if (take > len)
                take = len;
            memcpy (s->hdr + s->hlen, p, take);
            s->hlen += take;
            p += take;
            len -= take;
            if (s->hlen < VG_MDT_HDR_LEN)
                return 0;
            uint32_t plen;
            int rc = s_header (s->hdr, &s->type, &s->encap, &plen, st);
            if (rc < 0) {
                s->broken = 1;
                return rc;
            }
            s->need = plen;
            vg_buf_reset (&s->payload);
        }
        size_t want = s->need - s->payload.len;
        size_t take = want < len ? want : len;
        if (take && vg_buf_append (&s->payload, p, take) < 0)
            return vg_decode_fail (st, -VG_ENOMEM, "mdt: out of memory buffering a frame");
        p += take;
        len -= take;
        if (s->payload.len == s->need) {
            int rc = s_frame (s->type, s->encap, s->payload.data, s->payload.len, ctx, sink, st);
            s->hlen = 0;
            vg_buf_reset (&s->payload);
            if (rc < 0 && !s_is_payload_error (rc))
                return rc;
        }
    }
    return 0;
}

int
vg_mdt_decode_datagram (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
                        const vg_sink_t *sink, vg_decode_stats_t *st)
{
    if (len < VG_MDT_HDR_LEN)
        return vg_decode_fail (st, -VG_ETRUNC, "mdt: datagram of %zu bytes has no header", len);
    int type, encap;
    uint32_t plen;
    int rc = s_header (p, &type, &encap, &plen, st);
    if (rc < 0)
        return rc;
    if (plen != len - VG_MDT_HDR_LEN)
        return vg_decode_fail (st, -VG_ETRUNC, "mdt: header says %u payload bytes, datagram has %zu", plen,
                               len - VG_MDT_HDR_LEN);
    return s_frame (type, encap, p + VG_MDT_HDR_LEN, plen, ctx, sink, st);
}

/* ---- kvGPB ------------------------------------------------------------------------- */

typedef struct {
    vg_oc_out_t o;
    vg_oc_labels_t lb;
    char path[VG_MAX_PATH_LEN];
    vg_decode_stats_t *st;
} s_kv_t;

/* Name of a TelemetryField (field 2), or NULL. */
static int
s_kv_name (const uint8_t *p, size_t len, vg_pb_field_t *name)
{
    vg_pb_reader_t r;
    vg_pb_field_t f;
    int rc;
    name->p = NULL;
    name->len = 0;
    vg_pb_init (&r, p, len);
    while (vg_pb_more (&r, &f, &rc)) {
        if (f.num == 2 && f.wt == VG_PB_LEN)
            *name = f;
    }
    return rc;
}

/* Scalar of a TelemetryField as text for a label; returns length or -1 if none. */
static int
s_kv_label_value (const uint8_t *p, size_t len, char *out, size_t cap)
{
    vg_pb_reader_t r;
    vg_pb_field_t f;
    vg_pb_init (&r, p, len);
    while (vg_pb_next (&r, &f) == 1) {
        if ((f.num == 5 || f.num == 4) && f.wt == VG_PB_LEN) {
            vg_pb_strcpy (out, cap, &f);
            return (int) strlen (out);
        }
        if (f.wt == VG_PB_VARINT && f.num >= 6 && f.num <= 10) {
            if (f.num == 9 || f.num == 10)
                return snprintf (out, cap, "%lld", (long long) vg_pb_sint (f.u));
            return snprintf (out, cap, "%llu", (unsigned long long) f.u);
        }
    }
    return -1;
}

/* A child TelemetryField p[0..len) as a label: its name into nm and its scalar as text into
 * val (both VG_MAX_LABEL_LEN bytes).  Returns 1 and sets *vl when it has a scalar, 0 when
 * not, or a negative wire code. */
static int
s_kv_label (const uint8_t *p, size_t len, char *nm, char *val, size_t *vl)
{
    vg_pb_field_t name;
    int rc = s_kv_name (p, len, &name);
    if (rc < 0)
        return rc;
    vg_pb_strcpy (nm, VG_MAX_LABEL_LEN, &name);
    int n = s_kv_label_value (p, len, val, VG_MAX_LABEL_LEN);
    if (n < 0)
        return 0;
    *vl = (size_t) n;
    return 1;
}

static int s_kv_children (s_kv_t *k, const uint8_t *p, size_t len, size_t plen, int depth);

/* One TelemetryField under path k->path[0..plen). */
static int
s_kv_field (s_kv_t *k, const uint8_t *p, size_t len, size_t plen, int depth)
{
    vg_pb_reader_t r;
    vg_pb_field_t f, name = { 0 };
    int rc, has_children = 0;
    if (depth > VG_PB_MAX_DEPTH)
        return -VG_ETOOBIG;
    rc = s_kv_name (p, len, &name);
    if (rc < 0)
        return rc;
    size_t np = plen;
    if (name.len) {
        if (plen + 1 + name.len + 1 > sizeof k->path)
            return -VG_ETOOBIG;
        k->path[np++] = '/';
        memcpy (k->path + np, name.p, name.len);
        np += name.len;
        k->path[np] = '\0';
    }
    vg_pb_init (&r, p, len);
    while (vg_pb_more (&r, &f, &rc)) {
        switch (f.num) {
        case 5:
            if (f.wt == VG_PB_LEN)
                rc = vg_oc_str (&k->o, k->path, &k->lb, (const char *) f.p, f.len);
            break;
        case 6:
            if (f.wt == VG_PB_VARINT)
                rc = vg_oc_num (&k->o, k->path, &k->lb, f.u ? 1.0 : 0.0, VG_KIND_GAUGE);
            break;
        case 7:
        case 8:
            if (f.wt == VG_PB_VARINT)
                rc = vg_oc_num_exact (&k->o, k->path, &k->lb, vg_num_u64 (f.u), VG_NUM_U64, -1);
            break;
        case 9:
        case 10:
            if (f.wt == VG_PB_VARINT)
                rc = vg_oc_num_exact (&k->o, k->path, &k->lb, vg_num_i64 (vg_pb_sint (f.u)), VG_NUM_I64, -1);
            break;
        case 11:
            if (f.wt == VG_PB_FIXED64)
                rc = vg_oc_num (&k->o, k->path, &k->lb, vg_pb_double (f.u), -1);
            break;
        case 12:
            if (f.wt == VG_PB_FIXED32)
                rc = vg_oc_num (&k->o, k->path, &k->lb, (double) vg_pb_float (f.u), -1);
            break;
        case 15:
            has_children = 1;
            break;
        default:
            break;
        }
        if (rc < 0)
            break;
    }
    if (rc == 0 && has_children)
        rc = s_kv_children (k, p, len, np, depth + 1);
    k->path[plen] = '\0';
    return rc;
}

enum { S_LABEL_ALL, S_LABEL_KEYS, S_FIELDS };

/* One pass over the children (field 15) of a TelemetryField p[0..len): S_LABEL_ALL adds
 * every scalar child as a label, S_LABEL_KEYS the key-like ones, S_FIELDS walks all other
 * children under k->path[0..plen).  Returns 0 or a negative code. */
static int
s_kv_pass (s_kv_t *k, const uint8_t *p, size_t len, int what, size_t plen, int depth)
{
    vg_pb_reader_t r;
    vg_pb_field_t f;
    char nm[VG_MAX_LABEL_LEN], val[VG_MAX_LABEL_LEN];
    size_t vl = 0;
    int rc;
    vg_pb_init (&r, p, len);
    while (vg_pb_more (&r, &f, &rc)) {
        if (f.num != 15 || f.wt != VG_PB_LEN)
            continue;
        rc = s_kv_label (f.p, f.len, nm, val, &vl);
        if (rc < 0)
            return rc;
        int label = rc == 1 && (what == S_LABEL_ALL || vg_oc_keylike (nm));
        rc = 0;
        if (what != S_FIELDS && label)
            vg_oc_labels_add (&k->lb, nm, strlen (nm), val, vl);
        else if (what == S_FIELDS && !label)
            rc = s_kv_field (k, f.p, f.len, plen, depth);
        if (rc < 0)
            return rc;
    }
    return rc;
}

/* The children (field 15) of a TelemetryField: key-like scalar children label the rest. */
static int
s_kv_children (s_kv_t *k, const uint8_t *p, size_t len, size_t plen, int depth)
{
    vg_oc_mark_t m = vg_oc_labels_mark (&k->lb);
    int rc = s_kv_pass (k, p, len, S_LABEL_KEYS, plen, depth);
    if (rc == 0)
        rc = s_kv_pass (k, p, len, S_FIELDS, plen, depth);
    vg_oc_labels_restore (&k->lb, m);
    return rc;
}

/* One data_gpbkv row: {1: ts, 15: {name "keys", ...}, 15: {name "content", ...}}. */
static int
s_kv_row (s_kv_t *k, const uint8_t *p, size_t len, size_t plen, int64_t msg_ts)
{
    vg_pb_reader_t r;
    vg_pb_field_t f, name;
    int rc, structured = 0;
    k->o.ts_ms = msg_ts;
    vg_oc_labels_reset (&k->lb);
    vg_pb_init (&r, p, len);
    for (;;) {   /* pass 1: timestamp and keys */
        rc = vg_pb_next (&r, &f);
        if (rc != 1)
            break;
        if (f.num == 1 && f.wt == VG_PB_VARINT && f.u)
            k->o.ts_ms = (int64_t) f.u;
        if (f.num != 15 || f.wt != VG_PB_LEN)
            continue;
        rc = s_kv_name (f.p, f.len, &name);
        if (rc < 0)
            return rc;
        if (name.len == 4 && memcmp (name.p, "keys", 4) == 0) {
            structured = 1;
            rc = s_kv_pass (k, f.p, f.len, S_LABEL_ALL, plen, 1);
            if (rc < 0)
                return rc;
        } else if (name.len == 7 && memcmp (name.p, "content", 7) == 0) {
            structured = 1;
        }
    }
    if (rc < 0)
        return rc;
    vg_pb_init (&r, p, len);
    for (;;) {   /* pass 2: content (or, unstructured, every child) */
        rc = vg_pb_next (&r, &f);
        if (rc != 1)
            break;
        rc = 0;
        if (f.num != 15 || f.wt != VG_PB_LEN)
            continue;
        if (structured) {
            rc = s_kv_name (f.p, f.len, &name);
            if (rc < 0)
                break;
            if (name.len == 7 && memcmp (name.p, "content", 7) == 0)
                rc = s_kv_children (k, f.p, f.len, plen, 1);
        } else {
            rc = s_kv_field (k, f.p, f.len, plen, 1);
        }
        if (rc < 0)
            break;
    }
    return rc;
}

static int
s_wire_fail (vg_decode_stats_t *st, int rc, const char *what)
{
    return vg_decode_wire_fail (st, rc, "mdt", what);
}

static int
s_gpb (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx, const vg_sink_t *sink, vg_decode_stats_t *st)
{
    vg_pb_reader_t r;
    vg_pb_field_t f, node = { 0 }, epath = { 0 };
    uint64_t msg_ts = 0;
    int rc, rows = 0;
    vg_pb_init (&r, p, len);
    while (vg_pb_more (&r, &f, &rc)) {
        if (f.wt == VG_PB_LEN && f.num == 1)
            node = f;
        else if (f.wt == VG_PB_LEN && f.num == 6)
            epath = f;
        else if (f.wt == VG_PB_VARINT && f.num == 10)
            msg_ts = f.u;
        else if (f.wt == VG_PB_LEN && (f.num == 11 || f.num == 12))
            rows++;
    }
    if (rc < 0)
        return s_wire_fail (st, rc, "Telemetry");
    if (!epath.len && rows)
        return vg_decode_fail (st, -VG_EPROTO, "mdt: Telemetry rows without encoding_path");

    s_kv_t *k = malloc (sizeof *k);   /* ~4 KiB; one per message, not per sample */
    if (!k)
        return vg_decode_fail (st, -VG_ENOMEM, "mdt: out of memory");
    char dev[VG_MAX_ID_LEN];
    vg_device_t d = { 0 };
    d.vendor = "Cisco";
    rc = vg_decode_device (sink, ctx, node.len ? (const char *) node.p : NULL, node.len, &d, dev);
    if (rc) {
        free (k);
        return rc;
    }
    int64_t ts = msg_ts ? (int64_t) msg_ts : (ctx ? ctx->received_ms : 0);
    k->o.sink = sink;
    k->o.st = st;
    k->o.device = dev;
    k->o.input = "mdt";
    k->o.ts_ms = ts;
    k->st = st;
    vg_pb_strcpy (k->path, sizeof k->path, &epath);
    size_t plen = strlen (k->path);

    vg_pb_init (&r, p, len);
    while (vg_pb_more (&r, &f, &rc)) {
        if (f.num == 11 && f.wt == VG_PB_LEN) {
            rc = s_kv_row (k, f.p, f.len, plen, ts);
            k->path[plen] = '\0';
        } else if (f.num == 12 && f.wt == VG_PB_LEN) {
            /* TelemetryGPBTable { repeated TelemetryRowGPB row = 1; }: needs per-path protos */
            vg_pb_reader_t tr;
            vg_pb_field_t t;
            vg_pb_init (&tr, f.p, f.len);
            while (vg_pb_more (&tr, &t, &rc)) {
                if (t.num == 1)
                    st->undecoded++;
            }
        }
        if (rc < 0)
            break;
    }
    free (k);
    if (rc < 0)
        return vg_decode_is_wire_error (rc) ? s_wire_fail (st, rc, "kvGPB row") : rc;
    st->messages++;
    return 0;
}

/* ---- JSON ------------------------------------------------------------------------- */

static int64_t
s_json_i64 (const json_t *v)
{
    double d;
    if (json_is_string (v) && vg_oc_parse_number (json_string_value (v), json_string_length (v), &d))
        return vg_oc_d2i64 (d);
    if (json_is_number (v))
        return vg_oc_d2i64 (json_number_value (v));
    return 0;
}

static void
s_json_keys (const json_t *keys, vg_oc_labels_t *lb)
{
    /* {"k": v, ...} or [{"k": v}, ...] */
    const json_t *objs[1] = { keys };
    size_t nobj = json_is_object (keys) ? 1 : json_array_size (keys);
    for (size_t i = 0; i < nobj; i++) {
        const json_t *o = json_is_object (keys) ? objs[0] : json_array_get (keys, i);
        const char *k;
        json_t *v;
        char tmp[32];
        json_object_foreach ((json_t *) o, k, v) {
            if (json_is_string (v))
                vg_oc_labels_add (lb, k, strlen (k), json_string_value (v), json_string_length (v));
            else if (json_is_number (v)) {
                int n = snprintf (tmp, sizeof tmp, "%.17g", json_number_value (v));
                vg_oc_labels_add (lb, k, strlen (k), tmp, (size_t) n);
            }
        }
    }
}

static int
s_json (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx, const vg_sink_t *sink, vg_decode_stats_t *st)
{
    json_error_t je;
    json_t *j = json_loadb ((const char *) p, len, JSON_DECODE_INT_AS_REAL, &je);
    if (!j)
        return vg_decode_fail (st, -VG_EPROTO, "mdt: bad JSON at %d: %s", je.position, je.text);
    int rc = 0;
    if (!json_is_object (j)) {
        rc = vg_decode_fail (st, -VG_EPROTO, "mdt: JSON payload is not an object");
        goto done;
    }
    const char *node = json_string_value (json_object_get (j, "node_id_str"));
    const char *epath = json_string_value (json_object_get (j, "encoding_path"));
    json_t *rows = json_object_get (j, "data_json");
    if (rows && (!json_is_array (rows) || !epath)) {
        rc = vg_decode_fail (st, -VG_EPROTO, "mdt: data_json without encoding_path or not a list");
        goto done;
    }
    char dev[VG_MAX_ID_LEN];
    vg_device_t d = { 0 };
    d.vendor = "Cisco";
    rc = vg_decode_device (sink, ctx, node, node ? strlen (node) : 0, &d, dev);
    if (rc)
        goto done;
    int64_t mts = s_json_i64 (json_object_get (j, "msg_timestamp"));
    if (!mts && ctx)
        mts = ctx->received_ms;
    vg_oc_out_t o = { sink, st, dev, "mdt", mts };
    vg_oc_labels_t *lb = malloc (sizeof *lb);
    if (!lb) {
        rc = vg_decode_fail (st, -VG_ENOMEM, "mdt: out of memory");
        goto done;
    }
    size_t i;
    json_t *row;
    json_array_foreach (rows, i, row) {
        vg_oc_labels_reset (lb);
        int64_t ts = s_json_i64 (json_object_get (row, "timestamp"));
        o.ts_ms = ts ? ts : mts;
        json_t *keys = json_object_get (row, "keys");
        if (keys)
            s_json_keys (keys, lb);
        json_t *content = json_object_get (row, "content");
        if (!content)
            continue;
        rc = vg_oc_json (&o, epath, content, lb);
        if (rc < 0)
            break;
    }
    free (lb);
    if (rc == -VG_ETOOBIG)
        rc = vg_decode_fail (st, rc, "mdt: JSON content too deep or path too long");
    else if (rc == 0)
        st->messages++;
done:
    json_decref (j);
    return rc;
}

int
vg_mdt_decode_payload (const uint8_t *p, size_t len, int encap, const vg_decode_ctx_t *ctx,
                       const vg_sink_t *sink, vg_decode_stats_t *st)
{
    if (encap == VG_MDT_ENCAP_AUTO) {
        size_t i = 0;
        while (i < len && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
            i++;
        encap = (i < len && p[i] == '{') ? VG_MDT_ENCAP_JSON : VG_MDT_ENCAP_GPB;
    }
    if (encap == VG_MDT_ENCAP_JSON)
        return s_json (p, len, ctx, sink, st);
    if (encap >= VG_MDT_ENCAP_GPB && encap <= VG_MDT_ENCAP_GPB_KV)
        return s_gpb (p, len, ctx, sink, st);
    return vg_decode_fail (st, -VG_EINVAL, "mdt: unknown encapsulation %d", encap);
}
