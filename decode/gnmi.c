/* gnmi.c - gNMI SubscribeResponse decoder (see gnmi.h).
 *
 * Field numbers from openconfig/gnmi proto/gnmi/gnmi.proto and gnmi_ext.proto.  The
 * response is walked twice: first to find the notification and the extensions (the
 * Juniper header can follow the update on the wire), then to emit.  All buffers are
 * bounded and on the stack. */
#include "decode/gnmi.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "decode/oc_map.h"
#include "decode/pbwalk.h"

typedef struct {
    char path[VG_MAX_PATH_LEN];
    size_t len;
    char origin[128];
    char target[VG_MAX_ID_LEN];
    int has_module;           /* first element carries a module prefix ("huawei-ifm:ifm") */
} s_path_t;

static int
s_is_oc_origin (const char *o)
{
    return o[0] == '\0' || strcmp (o, "openconfig") == 0 || strncmp (o, "openconfig-", 11) == 0;
}

static int
s_append (s_path_t *sp, const uint8_t *name, size_t n)
{
    if (sp->len + 1 + n + 1 > sizeof sp->path)
        return -VG_ETOOBIG;
    if (sp->len == 0 && memchr (name, ':', n))
        sp->has_module = 1;
    sp->path[sp->len++] = '/';
    memcpy (sp->path + sp->len, name, n);
    sp->len += n;
    sp->path[sp->len] = '\0';
    return 0;
}

/* Add a key label; a key already used by an outer element becomes "<elem>-<key>". */
static void
s_key (vg_oc_labels_t *lb, const uint8_t *elem, size_t en, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
    for (size_t i = 0; i < lb->n; i++) {
        if (strlen (lb->l[i].key) == kn && memcmp (lb->l[i].key, k, kn) == 0) {
            char q[VG_MAX_LABEL_LEN];
            int n = snprintf (q, sizeof q, "%.*s-%.*s", (int) (en < 100 ? en : 100), (const char *) elem,
                              (int) (kn < 100 ? kn : 100), (const char *) k);
            vg_oc_labels_add (lb, q, (size_t) n, (const char *) v, vn);
            return;
        }
    }
    vg_oc_labels_add (lb, (const char *) k, kn, (const char *) v, vn);
}

/* Parse a gnmi.Path into sp (appending) and lb. */
static int
s_path (const uint8_t *p, size_t len, s_path_t *sp, vg_oc_labels_t *lb)
{
    vg_pb_reader_t r, er, kr;
    vg_pb_field_t f, e, k;
    int rc;
    vg_pb_init (&r, p, len);
    while (vg_pb_more (&r, &f, &rc)) {
        if (f.wt != VG_PB_LEN)
            continue;
        if (f.num == 1) {           /* deprecated string element */
            rc = s_append (sp, f.p, f.len);
        } else if (f.num == 2) {
            vg_pb_strcpy (sp->origin, sizeof sp->origin, &f);
        } else if (f.num == 4) {
            vg_pb_strcpy (sp->target, sizeof sp->target, &f);
        } else if (f.num == 3) {    /* PathElem { name = 1; map<string,string> key = 2; } */
            const uint8_t *name = NULL;
            size_t nn = 0;
            vg_pb_init (&er, f.p, f.len);
            while (vg_pb_more (&er, &e, &rc)) {
                if (e.num == 1 && e.wt == VG_PB_LEN) {
                    name = e.p;
                    nn = e.len;
                }
            }
            if (rc < 0)
                return rc;
            if (nn)
                rc = s_append (sp, name, nn);
            if (rc < 0)
                return rc;
            vg_pb_init (&er, f.p, f.len);
            while (vg_pb_more (&er, &e, &rc)) {
                if (e.num != 2 || e.wt != VG_PB_LEN)
                    continue;
                const uint8_t *kk = NULL, *vv = (const uint8_t *) "";
                size_t kl = 0, vl = 0;
                vg_pb_init (&kr, e.p, e.len);
                while (vg_pb_more (&kr, &k, &rc)) {
                    if (k.wt != VG_PB_LEN)
                        continue;
                    if (k.num == 1) {
                        kk = k.p;
                        kl = k.len;
                    } else if (k.num == 2) {
                        vv = k.p;
                        vl = k.len;
                    }
                }
                if (rc < 0)
                    return rc;
                if (kl)
                    s_key (lb, name ? name : (const uint8_t *) "", nn, kk, kl, vv, vl);
            }
        }
        if (rc < 0)
            return rc;
    }
    return rc;
}

/* Vendor path string of sp: "origin:/a/b" for non-OpenConfig origins, "mod:a/b" when the
 * first element is module-qualified, else "/a/b". */
static void
s_vpath (const s_path_t *sp, char *out, size_t cap)
{
    const char *p = sp->len ? sp->path : "/";
    if (!s_is_oc_origin (sp->origin))
        snprintf (out, cap, "%s:%s", sp->origin, p);
    else if (sp->has_module)
        snprintf (out, cap, "%s", p + 1);
    else
        snprintf (out, cap, "%s", p);
}

static const char *
s_vendor_guess (const char *vpath)
{
    if (strncmp (vpath, "srl_nokia", 9) == 0 || strncmp (vpath, "nokia", 5) == 0 || strstr (vpath, "/state/port"))
        return "Nokia";
    if (strncmp (vpath, "huawei-", 7) == 0)
        return "Huawei";
    if (strncmp (vpath, "Cisco-", 6) == 0)
        return "Cisco";
    if (strncmp (vpath, "/junos/", 7) == 0)
        return "Juniper";
    if (strncmp (vpath, "eos_native", 10) == 0 || strncmp (vpath, "arista", 6) == 0)
        return "Arista";
    return "";
}

typedef struct {
    const vg_oc_out_t *o;
    vg_decode_stats_t *st;
} s_ctx_t;

static int s_value (s_ctx_t *c, const char *vpath, const vg_oc_labels_t *lb, const uint8_t *p, size_t len, int depth);

static int
s_json (s_ctx_t *c, const char *vpath, const vg_oc_labels_t *lb, const uint8_t *p, size_t len)
{
    json_error_t je;
    json_t *j = json_loadb ((const char *) p, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &je);
    if (!j) {
        c->st->undecoded++;
        return 0;
    }
    vg_oc_labels_t copy = *lb;
    int rc = vg_oc_json (c->o, vpath, j, &copy);
    json_decref (j);
    if (rc == -VG_ETOOBIG) {
        c->st->undecoded++;   /* a JSON value nested too deep is passed over, not fatal */
        return 0;
    }
    return rc;
}

/* One TypedValue. */
static int
s_value (s_ctx_t *c, const char *vpath, const vg_oc_labels_t *lb, const uint8_t *p, size_t len, int depth)
{
    vg_pb_reader_t r;
    vg_pb_field_t f;
    int rc;
    if (depth > VG_PB_MAX_DEPTH)
        return -VG_ETOOBIG;
    vg_pb_init (&r, p, len);
    while (vg_pb_more (&r, &f, &rc)) {
        switch (f.num) {
        case 1:  /* string_val */
        case 12: /* ascii_val */
            if (f.wt == VG_PB_LEN)
                rc = vg_oc_str (c->o, vpath, lb, (const char *) f.p, f.len);
            break;
        case 2:  /* int_val: plain varint, two's complement */
            if (f.wt == VG_PB_VARINT)
                rc = vg_oc_num_exact (c->o, vpath, lb, vg_num_u64 (f.u), VG_NUM_I64, -1);
            break;
        case 3:
            if (f.wt == VG_PB_VARINT)
                rc = vg_oc_num_exact (c->o, vpath, lb, vg_num_u64 (f.u), VG_NUM_U64, -1);
            break;
        case 4:
            if (f.wt == VG_PB_VARINT)
                rc = vg_oc_num (c->o, vpath, lb, f.u ? 1.0 : 0.0, VG_KIND_GAUGE);
            break;
        case 5:  /* bytes_val: OpenConfig ieeefloat32 is 4 big-endian bytes */
            if (f.wt == VG_PB_LEN && f.len == 4) {
                uint32_t b = (uint32_t) f.p[0] << 24 | (uint32_t) f.p[1] << 16 | (uint32_t) f.p[2] << 8 | f.p[3];
                rc = vg_oc_num (c->o, vpath, lb, (double) vg_pb_float (b), VG_KIND_GAUGE);
            } else {
                c->st->undecoded++;
            }
            break;
        case 6:
            if (f.wt == VG_PB_FIXED32)
                rc = vg_oc_num (c->o, vpath, lb, (double) vg_pb_float (f.u), -1);
            break;
        case 14:
            if (f.wt == VG_PB_FIXED64)
                rc = vg_oc_num (c->o, vpath, lb, vg_pb_double (f.u), -1);
            break;
        case 7:  /* Decimal64 { int64 digits = 1; uint32 precision = 2; } */
            if (f.wt == VG_PB_LEN) {
                vg_pb_reader_t dr;
                vg_pb_field_t d;
                int64_t digits = 0;
                uint64_t prec = 0;
                vg_pb_init (&dr, f.p, f.len);
                while (vg_pb_more (&dr, &d, &rc)) {
                    if (d.num == 1 && d.wt == VG_PB_VARINT)
                        digits = (int64_t) d.u;
                    else if (d.num == 2 && d.wt == VG_PB_VARINT)
                        prec = d.u;
                }
                if (rc < 0)
                    return rc;
                rc = vg_oc_num (c->o, vpath, lb, (double) digits / pow (10.0, (double) (prec > 30 ? 30 : prec)), -1);
            }
            break;
        case 8:  /* ScalarArray { repeated TypedValue element = 1; } -> label "index" */
            if (f.wt == VG_PB_LEN) {
                vg_pb_reader_t ar;
                vg_pb_field_t a;
                uint64_t i = 0;
                vg_pb_init (&ar, f.p, f.len);
                while (vg_pb_more (&ar, &a, &rc)) {
                    if (a.num != 1 || a.wt != VG_PB_LEN)
                        continue;
                    vg_oc_labels_t el = *lb;
                    vg_oc_labels_add_u64 (&el, "index", i++);
                    rc = s_value (c, vpath, &el, a.p, a.len, depth + 1);
                    if (rc < 0)
                        return rc;
                }
            }
            break;
        case 10: /* json_val */
        case 11: /* json_ietf_val */
            if (f.wt == VG_PB_LEN)
                rc = s_json (c, vpath, lb, f.p, f.len);
            break;
        default: /* any_val (9), proto_bytes (13), unknown */
            c->st->undecoded++;
            break;
        }
        if (rc < 0)
            return rc;
    }
    return rc;
}

/* The Juniper header extension: GnmiJuniperTelemetryHeaderExtension. */
static int
s_juniper_ext (const uint8_t *p, size_t len, char *sysid, size_t cap)
{
    vg_pb_field_t id = { 0 };
    const vg_pb_want_t want[] = { { 1, VG_PB_LEN, &id } };
    int rc = vg_pb_pick (p, len, want, 1);
    if (rc == 0 && id.p)
        vg_pb_strcpy (sysid, cap, &id);
    return rc;
}

static int
s_fail (vg_decode_stats_t *st, int rc, const char *what)
{
    return vg_decode_wire_fail (st, rc, "gnmi", what);
}

int
vg_gnmi_decode (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx, const vg_sink_t *sink,
                vg_decode_stats_t *st)
{
    vg_pb_reader_t r;
    vg_pb_field_t f, notif = { 0 };
    int rc, have_notif = 0;
    char jsys[VG_MAX_ID_LEN] = "";

    vg_pb_init (&r, p, len);
    while (vg_pb_more (&r, &f, &rc)) {
        if (f.num == 1 && f.wt == VG_PB_LEN) {
            notif = f;
            have_notif = 1;
        } else if (f.num == 5 && f.wt == VG_PB_LEN) {
            /* Extension { RegisteredExtension registered_ext = 1 { id = 1; bytes msg = 2; } } */
            vg_pb_reader_t er;
            vg_pb_field_t e;
            vg_pb_init (&er, f.p, f.len);
            while (vg_pb_more (&er, &e, &rc)) {
                if (e.num != 1 || e.wt != VG_PB_LEN)
                    continue;
                vg_pb_field_t id = { 0 }, msg = { 0 };
                const vg_pb_want_t want[] = { { 1, VG_PB_VARINT, &id }, { 2, VG_PB_LEN, &msg } };
                rc = vg_pb_pick (e.p, e.len, want, 2);
                if (rc == 0 && id.u == 1 && msg.p)
                    rc = s_juniper_ext (msg.p, msg.len, jsys, sizeof jsys);
                if (rc < 0)
                    break;
            }
            if (rc < 0)
                return s_fail (st, rc, "extension");
        } else if (f.num == 4) {
            st->undecoded++;  /* deprecated error */
        }
    }
    if (rc < 0)
        return s_fail (st, rc, "SubscribeResponse");
    if (!have_notif) {
        st->messages++;   /* sync_response (3) or an empty response */
        return 0;
    }

    /* Notification: timestamp 1, prefix 2, update 4, delete 5. */
    uint64_t ts = 0;
    s_path_t pre;
    vg_oc_labels_t plb;
    memset (&pre, 0, sizeof pre);
    vg_oc_labels_reset (&plb);
    vg_pb_init (&r, notif.p, notif.len);
    while (vg_pb_more (&r, &f, &rc)) {
        if (f.num == 1 && f.wt == VG_PB_VARINT)
            ts = f.u;
        else if (f.num == 2 && f.wt == VG_PB_LEN)
            rc = s_path (f.p, f.len, &pre, &plb);
        if (rc < 0)
            break;
    }
    if (rc < 0)
        return s_fail (st, rc, "notification prefix");

    const char *dev = pre.target[0] ? pre.target : jsys[0] ? jsys : (ctx && ctx->source) ? ctx->source : "unknown";
    char dev_id[VG_MAX_ID_LEN];
    snprintf (dev_id, sizeof dev_id, "%s", dev);
    int64_t ts_ms = ts ? (int64_t) (ts / 1000000u) : (ctx ? ctx->received_ms : 0);

    vg_oc_out_t o = { sink, st, dev_id, "gnmi", ts_ms };
    s_ctx_t c = { &o, st };
    int announced = 0;
    char vpath[VG_MAX_PATH_LEN + 160];

    vg_pb_init (&r, notif.p, notif.len);
    while (vg_pb_more (&r, &f, &rc)) {
        if ((f.num != 4 && f.num != 5) || f.wt != VG_PB_LEN)
            continue;
        s_path_t sp = pre;
        vg_oc_labels_t lb = plb;
        const uint8_t *val = NULL;
        size_t vlen = 0;
        int legacy = 0;
        if (f.num == 4) {   /* Update { path 1; value 2 (deprecated); val 3; duplicates 4 } */
            vg_pb_reader_t ur;
            vg_pb_field_t u;
            vg_pb_init (&ur, f.p, f.len);
            while (vg_pb_more (&ur, &u, &rc)) {
                if (u.wt != VG_PB_LEN)
                    continue;
                if (u.num == 1)
                    rc = s_path (u.p, u.len, &sp, &lb);
                else if (u.num == 3) {
                    val = u.p;
                    vlen = u.len;
                } else if (u.num == 2 && !val) {
                    val = u.p;
                    vlen = u.len;
                    legacy = 1;
                }
                if (rc < 0)
                    break;
            }
            if (rc < 0)
                return s_fail (st, rc, "update");
            if (!val)
                continue;   /* Huawei sends an empty Update next to deletes */
        } else {
            rc = s_path (f.p, f.len, &sp, &lb);
            if (rc < 0)
                return s_fail (st, rc, "delete path");
        }
        s_vpath (&sp, vpath, sizeof vpath);
        if (!announced) {
            vg_device_t d = { 0 };
            d.id = dev_id;
            d.vendor = jsys[0] ? "Juniper" : s_vendor_guess (vpath);
            rc = vg_sink_device (sink, &d);
            if (rc)
                return rc;
            announced = 1;
        }
        if (f.num == 5) {
            rc = vg_oc_delete (&o, vpath, &lb);
            if (rc)
                return rc;
            continue;
        }
        if (legacy) {
            /* Value { bytes value = 1; Encoding type = 2; }: JSON encodings only. */
            vg_pb_field_t b = { 0 }, enc = { 0 };
            const vg_pb_want_t want[] = { { 1, VG_PB_LEN, &b }, { 2, VG_PB_VARINT, &enc } };
            rc = vg_pb_pick (val, vlen, want, 2);
            if (rc < 0)
                return s_fail (st, rc, "value");
            if (b.p && (enc.u == 0 || enc.u == 4))
                rc = s_json (&c, vpath, &lb, b.p, b.len);
            else
                st->undecoded++;
        } else {
            rc = s_value (&c, vpath, &lb, val, vlen, 0);
        }
        if (rc < 0)
            return vg_decode_is_wire_error (rc) ? s_fail (st, rc, "value") : rc;
    }
    if (rc < 0)
        return s_fail (st, rc, "notification");
    st->messages++;
    return 0;
}

int
vg_gnmi_decode_delimited (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
                          const vg_sink_t *sink, vg_decode_stats_t *st)
{
    size_t off = 0;
    int first = 0;
    while (off < len) {
        uint64_t n;
        size_t h = vg_pb_delim_len (p + off, p + len, &n);
        if (h == 0)
            return vg_decode_fail (st, -VG_ETRUNC, "gnmi: truncated length prefix at offset %zu", off);
        if (n > VG_GNMI_MAX_MSG)
            return vg_decode_fail (st, -VG_ETOOBIG, "gnmi: message of %llu bytes over the limit", (unsigned long long) n);
        if (n > len - off - h)
            return vg_decode_fail (st, -VG_ETRUNC, "gnmi: message at offset %zu runs past the end", off);
        int rc = vg_gnmi_decode (p + off + h, (size_t) n, ctx, sink, st);
        if (rc < 0 && rc != -VG_ETRUNC && rc != -VG_EPROTO && rc != -VG_ETOOBIG)
            return rc;  /* the sink refused: stop */
        if (rc < 0 && first == 0)
            first = rc;
        off += h + (size_t) n;
    }
    return first;
}
