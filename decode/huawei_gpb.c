/* huawei_gpb.c - Huawei gRPC dial-out Telemetry decoder (see huawei_gpb.h).
 *
 * Field numbers: huawei-telemetry.proto (Telemetry 1..16, TelemetryGPBTable{row 1,
 * delete 2, generator 3}, TelemetryRowGPB{timestamp 1, content 11}, DataPath{timestamp 1,
 * path 2}, Path{node 1}, PathElem{name 1, key 2}) and, for row content, the goyang
 * openconfig-interfaces proto used by CE12800 (Interfaces{interface 1}, Interface{name 3,
 * state 4, subinterfaces 5}, State{admin_status 1, counters 2, ..., oper_status 10},
 * Counters{carrier_transitions 1 ... out_unicast_pkts 16}). */
#include "decode/huawei_gpb.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "decode/oc_map.h"
#include "decode/pbwalk.h"

/* ---- openconfig_interfaces.Interfaces -------------------------------------------- */

static const char *const s_admin[] = { "INVALID", "UP", "DOWN", "TESTING" };
static const char *const s_oper[] = { "INVALID", "UP", "DOWN", "TESTING", "UNKNOWN", "DORMANT", "NOT_PRESENT",
                                      "LOWER_LAYER_DOWN" };

#define U(n, s) { n, VG_OC_F_U64, s, NULL, NULL, NULL, 0 }
static const vg_oc_fielddesc_t s_counters_f[] = {
    U (1, "carrier-transitions"), U (2, "in-broadcast-pkts"), U (3, "in-discards"), U (4, "in-errors"),
    U (5, "in-fcs-errors"), U (6, "in-multicast-pkts"), U (7, "in-octets"), U (8, "in-unicast-pkts"),
    U (9, "in-unknown-protos"), U (10, "last-clear"), U (11, "out-broadcast-pkts"), U (12, "out-discards"),
    U (13, "out-errors"), U (14, "out-multicast-pkts"), U (15, "out-octets"), U (16, "out-unicast-pkts"),
};
static const vg_oc_msgdesc_t s_counters = { s_counters_f, sizeof s_counters_f / sizeof s_counters_f[0] };

static const vg_oc_fielddesc_t s_state_f[] = {
    { 1, VG_OC_F_ENUM, "admin-status", NULL, NULL, s_admin, 4 },
    { 2, VG_OC_F_MSG, "counters", NULL, &s_counters, NULL, 0 },
    U (4, "enabled"),
    U (5, "ifindex"),
    U (6, "last-change"),
    U (8, "mtu"),
    { 10, VG_OC_F_ENUM, "oper-status", NULL, NULL, s_oper, 8 },
};
static const vg_oc_msgdesc_t s_state = { s_state_f, sizeof s_state_f / sizeof s_state_f[0] };

static const vg_oc_fielddesc_t s_substate_f[] = {
    { 1, VG_OC_F_ENUM, "admin-status", NULL, NULL, s_admin, 4 },
    { 2, VG_OC_F_MSG, "counters", NULL, &s_counters, NULL, 0 },
    U (4, "enabled"),
    U (5, "ifindex"),
    U (7, "last-change"),
    { 9, VG_OC_F_ENUM, "oper-status", NULL, NULL, s_oper, 8 },
};
static const vg_oc_msgdesc_t s_substate = { s_substate_f, sizeof s_substate_f / sizeof s_substate_f[0] };
#undef U

static const vg_oc_fielddesc_t s_sub_f[] = {
    { 2, VG_OC_F_KEY_U64, NULL, "index", NULL, NULL, 0 },
    { 3, VG_OC_F_MSG, "state", NULL, &s_substate, NULL, 0 },
};
static const vg_oc_msgdesc_t s_sub = { s_sub_f, 2 };

static const vg_oc_fielddesc_t s_subs_f[] = {
    { 1, VG_OC_F_MSG, "subinterface", NULL, &s_sub, NULL, 0 },
};
static const vg_oc_msgdesc_t s_subs = { s_subs_f, 1 };

static const vg_oc_fielddesc_t s_if_f[] = {
    { 3, VG_OC_F_KEY_STR, NULL, "name", NULL, NULL, 0 },
    { 4, VG_OC_F_MSG, "state", NULL, &s_state, NULL, 0 },
    { 5, VG_OC_F_MSG, "subinterfaces", NULL, &s_subs, NULL, 0 },
};
static const vg_oc_msgdesc_t s_if = { s_if_f, sizeof s_if_f / sizeof s_if_f[0] };

static const vg_oc_fielddesc_t s_ifs_f[] = {
    { 1, VG_OC_F_MSG, "interface", NULL, &s_if, NULL, 0 },
};
static const vg_oc_msgdesc_t s_ifs = { s_ifs_f, 1 };

/* proto_path -> (vendor path root, descriptor) */
static const struct {
    const char *proto;
    const char *root;
    const vg_oc_msgdesc_t *d;
} s_protos[] = {
    { "openconfig_interfaces.Interfaces", "/interfaces", &s_ifs },
};

/* ---- helpers ----------------------------------------------------------------------- */

static int
s_wire_fail (vg_decode_stats_t *st, int rc, const char *what)
{
    return vg_decode_wire_fail (st, rc, "huawei-gpb", what);
}

/* DataPath{timestamp 1, path 2: Path{node 1: PathElem{name 1, key 2: {1 k, 2 v}}}} -> event */
static int
s_delete (const vg_oc_out_t *o, const uint8_t *p, size_t len)
{
    vg_pb_reader_t r, pr, er;
    vg_pb_field_t f, n, e;
    char path[VG_MAX_PATH_LEN];
    size_t pl = 0;
    vg_oc_labels_t lb;
    int64_t ts = o->ts_ms;
    int rc;
    path[0] = '\0';
    vg_oc_labels_reset (&lb);
    vg_pb_init (&r, p, len);
    while (vg_pb_more (&r, &f, &rc)) {
        if (f.num == 1 && f.wt == VG_PB_VARINT && f.u)
            ts = (int64_t) f.u;
        if (f.num != 2 || f.wt != VG_PB_LEN)
            continue;
        vg_pb_init (&pr, f.p, f.len);
        while (vg_pb_more (&pr, &n, &rc)) {
            if (n.num != 1 || n.wt != VG_PB_LEN)
                continue;
            vg_pb_init (&er, n.p, n.len);
            while (vg_pb_more (&er, &e, &rc)) {
                if (e.wt != VG_PB_LEN)
                    continue;
                if (e.num == 1) {
                    if (pl + e.len + 2 > sizeof path)
                        return -VG_ETOOBIG;
                    if (pl)
                        path[pl++] = '/';
                    memcpy (path + pl, e.p, e.len);
                    pl += e.len;
                    path[pl] = '\0';
                } else if (e.num == 2) {
                    vg_pb_field_t kk = { 0 }, vv = { 0 };
                    const vg_pb_want_t want[] = { { 1, VG_PB_LEN, &kk }, { 2, VG_PB_LEN, &vv } };
                    rc = vg_pb_pick (e.p, e.len, want, 2);
                    if (rc < 0)
                        return rc;
                    if (kk.p)
                        vg_oc_labels_add (&lb, (const char *) kk.p, kk.len, vv.p ? (const char *) vv.p : "",
                                          vv.len);
                }
            }
            if (rc < 0)
                return rc;
        }
        if (rc < 0)
            return rc;
    }
    if (rc < 0)
        return rc;
    vg_oc_out_t at = *o;
    at.ts_ms = ts;
    return vg_oc_delete (&at, path, &lb);
}

/* JSON rows (encoding 1): data_str / data_json.  Accepted shapes: {"row":[{"timestamp":..,
 * "content": <object or JSON text>}]} or any object, flattened under the sensor path. */
static int
s_json_rows (vg_oc_out_t *o, const char *base, const char *txt, size_t len)
{
    json_error_t je;
    json_t *j = json_loadb (txt, len, JSON_DECODE_INT_AS_REAL, &je);
    if (!j)
        return vg_decode_fail (o->st, -VG_EPROTO, "huawei-gpb: bad JSON rows at %d: %s", je.position, je.text);
    vg_oc_labels_t *lb = malloc (sizeof *lb);
    int rc = 0;
    if (!lb) {
        json_decref (j);
        return vg_decode_fail (o->st, -VG_ENOMEM, "huawei-gpb: out of memory");
    }
    vg_oc_labels_reset (lb);
    json_t *rows = json_object_get (j, "row");
    if (json_is_array (rows)) {
        size_t i;
        json_t *row;
        int64_t ts0 = o->ts_ms;
        json_array_foreach (rows, i, row) {
            json_t *ts = json_object_get (row, "timestamp");
            double d;
            o->ts_ms = ts0;
            if (json_is_number (ts))
                o->ts_ms = vg_oc_d2i64 (json_number_value (ts));
            else if (json_is_string (ts) && vg_oc_parse_number (json_string_value (ts), json_string_length (ts), &d))
                o->ts_ms = vg_oc_d2i64 (d);
            json_t *c = json_object_get (row, "content");
            if (json_is_string (c)) {
                json_t *cj = json_loadb (json_string_value (c), json_string_length (c), JSON_DECODE_INT_AS_REAL, &je);
                if (!cj) {
                    o->st->undecoded++;
                    continue;
                }
                rc = vg_oc_json (o, base, cj, lb);
                json_decref (cj);
            } else if (c) {
                rc = vg_oc_json (o, base, c, lb);
            }
            if (rc < 0)
                break;
        }
    } else {
        rc = vg_oc_json (o, base, j, lb);
    }
    free (lb);
    json_decref (j);
    if (rc == -VG_ETOOBIG)
        return vg_decode_fail (o->st, rc, "huawei-gpb: JSON rows too deep");
    return rc;
}

int
vg_huawei_gpb_decode (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx, const vg_sink_t *sink,
                      vg_decode_stats_t *st)
{
    vg_pb_reader_t r;
    vg_pb_field_t node = { 0 }, sensor = { 0 }, proto = { 0 }, prod = { 0 }, sw = { 0 }, table = { 0 },
                  dstr = { 0 }, ts_f = { 0 }, enc_f = { 0 };
    const vg_pb_want_t want[] = {
        { 1, VG_PB_LEN, &node },     { 3, VG_PB_LEN, &sensor }, { 6, VG_PB_VARINT, &ts_f },
        { 7, VG_PB_LEN, &table },    { 11, VG_PB_LEN, &prod },  { 12, VG_PB_VARINT, &enc_f },
        { 13, VG_PB_LEN, &proto },   { 14, VG_PB_LEN, &dstr },  { 16, VG_PB_LEN, &sw },
    };
    int rc = vg_pb_pick (p, len, want, sizeof want / sizeof want[0]);
    if (rc < 0)
        return s_wire_fail (st, rc, "Telemetry");
    uint64_t msg_ts = ts_f.u, encoding = enc_f.u;

    char dev[VG_MAX_ID_LEN], model[128], swv[128], sp[VG_MAX_PATH_LEN], pp[128];
    vg_pb_strcpy (model, sizeof model, &prod);
    vg_pb_strcpy (swv, sizeof swv, &sw);
    vg_pb_strcpy (sp, sizeof sp, &sensor);
    vg_pb_strcpy (pp, sizeof pp, &proto);
    vg_device_t d = { 0 };
    d.vendor = "Huawei";
    d.model = model[0] ? model : NULL;
    d.sw_version = swv[0] ? swv : NULL;
    rc = vg_decode_device (sink, ctx, node.len ? (const char *) node.p : NULL, node.len, &d, dev);
    if (rc)
        return rc;
    vg_oc_out_t o = { sink, st, dev, "huawei-gpb", msg_ts ? (int64_t) msg_ts : (ctx ? ctx->received_ms : 0) };

    if (encoding == 1 || dstr.len) {
        rc = s_json_rows (&o, sp, (const char *) dstr.p, dstr.len);
        if (rc < 0)
            return rc;   /* counted already, or the sink's code */
        st->messages++;
        return 0;
    }

    const vg_oc_msgdesc_t *desc = NULL;
    const char *root = NULL;
    for (size_t i = 0; i < sizeof s_protos / sizeof s_protos[0]; i++)
        if (strcmp (pp, s_protos[i].proto) == 0) {
            desc = s_protos[i].d;
            root = s_protos[i].root;
        }
    vg_oc_labels_t lb;
    char path[VG_MAX_PATH_LEN];
    vg_pb_field_t row;
    vg_pb_init (&r, table.p, table.len);
    while (vg_pb_more (&r, &row, &rc)) {
        if (row.wt != VG_PB_LEN)
            continue;
        if (row.num == 2) {
            rc = s_delete (&o, row.p, row.len);
        } else if (row.num == 1) {
            /* TelemetryRowGPB { timestamp 1; content 11; } */
            vg_pb_field_t ts_x = { 0 }, content = { 0 };
            const vg_pb_want_t row_want[] = { { 1, VG_PB_VARINT, &ts_x }, { 11, VG_PB_LEN, &content } };
            rc = vg_pb_pick (row.p, row.len, row_want, 2);
            if (rc < 0)
                break;
            uint64_t ts = ts_x.u;
            if (!desc) {
                st->undecoded++;
                continue;
            }
            o.ts_ms = ts ? (int64_t) ts : (msg_ts ? (int64_t) msg_ts : o.ts_ms);
            snprintf (path, sizeof path, "%s", root);
            vg_oc_labels_reset (&lb);
            rc = vg_oc_pb (&o, desc, content.p, content.len, path, strlen (path), &lb, 1);
        }
        if (rc < 0)
            break;
    }
    if (rc < 0)
        return vg_decode_is_wire_error (rc) ? s_wire_fail (st, rc, "data_gpb row") : rc;
    st->messages++;
    return 0;
}

int
vg_huawei_dialout_decode (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
                          const vg_sink_t *sink, vg_decode_stats_t *st)
{
    vg_pb_field_t data = { 0 }, djson = { 0 }, err = { 0 };
    const vg_pb_want_t want[] = { { 2, VG_PB_LEN, &data }, { 3, VG_PB_LEN, &err }, { 4, VG_PB_LEN, &djson } };
    int rc = vg_pb_pick (p, len, want, 3);
    if (rc < 0)
        return s_wire_fail (st, rc, "serviceArgs");
    if (err.len) {
        char e[100];
        return vg_decode_fail (st, -VG_EPROTO, "huawei-gpb: device reported error: %s", vg_pb_strcpy (e, sizeof e, &err));
    }
    if (data.p)
        return vg_huawei_gpb_decode (data.p, data.len, ctx, sink, st);
    if (djson.p) {
        /* JSON Telemetry: same field names as the proto. */
        json_error_t je;
        json_t *j = json_loadb ((const char *) djson.p, djson.len, JSON_DECODE_INT_AS_REAL, &je);
        if (!j || !json_is_object (j)) {
            json_decref (j);
            return vg_decode_fail (st, -VG_EPROTO, "huawei-gpb: bad data_json");
        }
        const char *node = json_string_value (json_object_get (j, "node_id_str"));
        const char *sp = json_string_value (json_object_get (j, "sensor_path"));
        char dev[VG_MAX_ID_LEN];
        vg_device_t d = { 0 };
        d.vendor = "Huawei";
        rc = vg_decode_device (sink, ctx, node, node ? strlen (node) : 0, &d, dev);
        if (rc == 0) {
            vg_oc_out_t o = { sink, st, dev, "huawei-gpb", ctx ? ctx->received_ms : 0 };
            json_t *ts = json_object_get (j, "msg_timestamp");
            double v;
            if (json_is_number (ts))
                o.ts_ms = vg_oc_d2i64 (json_number_value (ts));
            else if (json_is_string (ts) && vg_oc_parse_number (json_string_value (ts), json_string_length (ts), &v))
                o.ts_ms = vg_oc_d2i64 (v);
            json_t *ds = json_object_get (j, "data_str");
            char *txt = NULL;
            if (json_is_string (ds))
                rc = s_json_rows (&o, sp ? sp : "", json_string_value (ds), json_string_length (ds));
            else if (ds) {
                txt = json_dumps (ds, JSON_COMPACT);
                rc = txt ? s_json_rows (&o, sp ? sp : "", txt, strlen (txt)) : -VG_ENOMEM;
                free (txt);
            }
            if (rc == 0)
                st->messages++;
        }
        json_decref (j);
        return rc;
    }
    st->messages++;   /* keepalive without data */
    return 0;
}
