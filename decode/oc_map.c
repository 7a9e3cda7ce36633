/* oc_map.c - vendor leaf -> OpenConfig series normalisation (see oc_map.h): labels, kinds,
 * canonical paths, emission, the JSON flattener and the described-protobuf walk.
 *
 * The mapping table itself is data, in oc_table.c.  Emission copies labels into a stack
 * array and sorts them, so a caller's label set can be reused for many leaves. */
#include "decode/oc_map.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/hash.h"
#include "decode/pbwalk.h"
#include "decode/yang_json.h"

/* IOS XR Im-state-enum values ("im-state-up", "im-state-admin-down", ...) as OpenConfig
 * status: oper-status is UP only for im-state-up; admin-status is DOWN only for
 * im-state-admin-down (any other state means the operator left it enabled).  NULL for
 * values of other vendors. */
static const char *
s_im_state (const char *oc_path, const char *value)
{
    if (strncmp (value, "im-state-", 9) != 0)
        return NULL;
    const char *v = value + 9;
    if (strstr (oc_path, "admin-status"))
        return strcmp (v, "admin-down") == 0 ? "DOWN" : "UP";
    return strcmp (v, "up") == 0 ? "UP" : "DOWN";
}

/* ---- labels ------------------------------------------------------------------------ */

/* Vendor spellings of the interface key; OpenConfig calls it "name". */
static const char *const s_ifkeys[] = { "if_name", "if-name", "ifname", "ifName", "interface-name",
                                        "interface_name", "interfaceName" };

static int
s_is_ifkey (const char *k, size_t n)
{
    for (size_t i = 0; i < sizeof s_ifkeys / sizeof s_ifkeys[0]; i++)
        if (strlen (s_ifkeys[i]) == n && memcmp (s_ifkeys[i], k, n) == 0)
            return 1;
    return 0;
}

void
vg_oc_labels_reset (vg_oc_labels_t *lb)
{
    lb->n = 0;
    lb->used = 0;
}

static const char *
s_store (vg_oc_labels_t *lb, const char *s, size_t n)
{
    if (n > VG_MAX_LABEL_LEN - 1)
        n = VG_MAX_LABEL_LEN - 1;
    if (lb->used + n + 1 > sizeof lb->store)
        return NULL;
    char *d = lb->store + lb->used;
    if (n)
        memcpy (d, s, n);
    d[n] = '\0';
    lb->used += n + 1;
    return d;
}

int
vg_oc_labels_add (vg_oc_labels_t *lb, const char *key, size_t klen, const char *val, size_t vlen)
{
    if (s_is_ifkey (key, klen)) {
        key = "name";
        klen = 4;
    }
    for (size_t i = 0; i < lb->n; i++)
        if (strncmp (lb->l[i].key, key, klen) == 0 && lb->l[i].key[klen] == '\0')
            return 0;
    if (lb->n == VG_MAX_LABELS)
        return -VG_EFULL;
    size_t mark = lb->used;
    const char *k = s_store (lb, key, klen);
    const char *v = k ? s_store (lb, val, vlen) : NULL;
    if (!v) {
        lb->used = mark;
        return -VG_EFULL;
    }
    lb->l[lb->n].key = k;
    lb->l[lb->n].value = v;
    lb->n++;
    return 0;
}

int
vg_oc_labels_add_u64 (vg_oc_labels_t *lb, const char *key, uint64_t v)
{
    char tmp[24];
    int n = snprintf (tmp, sizeof tmp, "%llu", (unsigned long long) v);
    return vg_oc_labels_add (lb, key, strlen (key), tmp, (size_t) n);
}

/* ---- kinds and paths --------------------------------------------------------------- */

/* Words that decide an unmapped leaf's kind; a gauge word wins over a counter word
 * ("if_1sec_octets" is a rate).  One pass over the leaf, comparing only at positions
 * whose character starts some word (this runs once per sample). */
static const struct {
    const char *w;
    uint8_t len, gauge;
} s_kind_words[] = {
    { "rate", 4, 1 }, { "1sec", 4, 1 }, { "util", 4, 1 }, { "usage", 5, 1 }, { "percent", 7, 1 },
    { "occupancy", 9, 1 }, { "size", 4, 1 }, { "allocated", 9, 1 }, { "free", 4, 1 }, { "memory", 6, 1 },
    { "avg", 3, 1 }, { "peak", 4, 1 }, { "cur_", 4, 1 }, { "current", 7, 1 }, { "threshold", 9, 1 },
    { "time", 4, 1 }, { "last", 4, 1 }, { "mtu", 3, 1 }, { "speed", 5, 1 }, { "temperature", 11, 1 },
    { "power", 5, 1 }, { "voltage", 7, 1 },
    { "octets", 6, 0 }, { "pkts", 4, 0 }, { "packets", 7, 0 }, { "errors", 6, 0 }, { "discards", 8, 0 },
    { "drops", 5, 0 }, { "dropped", 7, 0 }, { "drop_", 5, 0 }, { "drop-", 5, 0 }, { "bytes", 5, 0 },
    { "transitions", 11, 0 }, { "received", 8, 0 }, { "sent", 4, 0 }, { "accepted", 8, 0 },
};

/* Candidate words by first character: 1-based indexes into s_kind_words, 0-terminated. */
static const uint8_t s_kind_first[128][6] = {
    ['1'] = { 2 },
    ['a'] = { 8, 11, 36 },
    ['b'] = { 32 },
    ['c'] = { 13, 14 },
    ['d'] = { 27, 28, 29, 30, 31 },
    ['e'] = { 26 },
    ['f'] = { 9 },
    ['l'] = { 17 },
    ['m'] = { 10, 18 },
    ['o'] = { 6, 23 },
    ['p'] = { 5, 12, 21, 24, 25 },
    ['r'] = { 1, 34 },
    ['s'] = { 7, 19, 35 },
    ['t'] = { 15, 16, 20, 33 },
    ['u'] = { 3, 4 },
    ['v'] = { 22 }
};

vg_kind_t
vg_oc_guess_kind (const char *leaf)
{
    int counter = 0;
    size_t n = strlen (leaf);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) leaf[i];
        if (c >= 128)
            continue;
        for (const uint8_t *k = s_kind_first[c]; *k; k++) {
            const char *w = s_kind_words[*k - 1].w;
            size_t wl = s_kind_words[*k - 1].len;
            if (wl > n - i || memcmp (leaf + i, w, wl) != 0)
                continue;
            if (s_kind_words[*k - 1].gauge)
                return VG_KIND_GAUGE;
            counter = 1;
        }
    }
    return counter ? VG_KIND_COUNTER : VG_KIND_GAUGE;
}

static int
s_is_oc_module (const char *e, size_t n)
{
    return (n >= 11 && memcmp (e, "openconfig-", 11) == 0) || (n >= 3 && memcmp (e, "oc-", 3) == 0);
}

int
vg_oc_canon_path (char *out, size_t cap, const char *vp)
{
    const char *s = vp;
    if (*s == '/')
        s++;
    const char *slash = strchr (s, '/');
    size_t first = slash ? (size_t) (slash - s) : strlen (s);
    const char *colon = memchr (s, ':', first);
    int keep = 0;
    if (colon && !s_is_oc_module (s, (size_t) (colon - s)))
        keep = 1;  /* vendor module or origin: keep verbatim */
    if (keep || (*vp != '/' && !colon)) {
        const char *from = keep ? s : vp;  /* "/huawei-ifm:ifm/..." -> "huawei-ifm:ifm/..." */
        size_t n = strlen (from);
        if (n + 1 > cap)
            return -VG_ETOOBIG;
        memcpy (out, from, n + 1);
        return 0;
    }
    size_t o = 0;
    while (*s) {
        const char *e = s;
        while (*e && *e != '/')
            e++;
        size_t n = (size_t) (e - s);
        const char *c = memchr (s, ':', n);
        if (c && s_is_oc_module (s, (size_t) (c - s))) {
            n -= (size_t) (c + 1 - s);
            s = c + 1;
        }
        if (o + 1 + n + 1 > cap)
            return -VG_ETOOBIG;
        out[o++] = '/';
        memcpy (out + o, s, n);
        o += n;
        s = *e ? e + 1 : e;
    }
    if (o == 0) {
        if (cap < 2)
            return -VG_ETOOBIG;
        out[o++] = '/';
    }
    out[o] = '\0';
    return 0;
}

static const char *
s_leaf (const char *path)
{
    const char *s = strrchr (path, '/');
    return s ? s + 1 : path;
}

/* ---- emission ---------------------------------------------------------------------- */

int
vg_oc_delete (const vg_oc_out_t *o, const char *path, const vg_oc_labels_t *lb)
{
    vg_label_t attrs[VG_MAX_LABELS + 1];
    size_t na = 0;
    attrs[na].key = "path";
    attrs[na++].value = path;
    for (size_t i = 0; lb && i < lb->n; i++)
        attrs[na++] = lb->l[i];
    vg_event_t ev = { 0 };
    ev.device = o->device;
    ev.ts_ms = o->ts_ms;
    ev.type = VG_EV_DELETE;
    ev.attrs = attrs;
    ev.nattrs = na;
    ev.input = o->input;
    int rc = vg_sink_event (o->sink, &ev);
    if (rc == 0)
        o->st->events++;
    return rc;
}

static int
s_emit_num (const vg_oc_out_t *o, const char *path, const char *origin_path, vg_kind_t kind, const char *unit,
            const vg_oc_labels_t *lb, vg_num_t v, vg_numtype_t vt, const char *state)
{
    vg_label_t l[VG_MAX_LABELS];
    size_t n = lb ? lb->n : 0;
    for (size_t i = 0; i < n; i++) {
        vg_label_t x = lb->l[i];
        size_t j = i;
        while (j > 0 && strcmp (l[j - 1].key, x.key) > 0) {
            l[j] = l[j - 1];
            j--;
        }
        l[j] = x;
    }
    vg_point_t pt = { 0 };
    pt.device = o->device;
    pt.path = path;
    pt.labels = l;
    pt.nlabels = n;
    pt.kind = kind;
    pt.input = o->input;
    pt.origin_path = origin_path;
    pt.unit = unit;
    pt.ts_ms = o->ts_ms;
    vg_point_set_num (&pt, v, vt);
    pt.state = state;
    int rc = vg_sink_sample (o->sink, &pt);
    if (rc == 0)
        o->st->samples++;
    return rc;
}

int
vg_oc_emit (const vg_oc_out_t *o, const char *path, const char *origin_path, vg_kind_t kind,
            const char *unit, const vg_oc_labels_t *lb, double v, const char *state)
{
    return s_emit_num (o, path, origin_path, kind, unit, lb, vg_num_f64 (v), VG_NUM_F64, state);
}

/* A mapped leaf: scaled values become doubles, unscaled ones keep their exact type. */
static int
s_emit_entry (const vg_oc_out_t *o, const vg_oc_entry_t *e, const char *vpath, const vg_oc_labels_t *lb, vg_num_t v,
              vg_numtype_t vt)
{
    if (e->scale != 0)
        return s_emit_num (o, e->oc, vpath, e->kind, e->unit, lb, vg_num_f64 (vg_num_to_double (v, vt) * e->scale),
                           VG_NUM_F64, NULL);
    return s_emit_num (o, e->oc, vpath, e->kind, e->unit, lb, v, vt, NULL);
}

int
vg_oc_num (const vg_oc_out_t *o, const char *vpath, const vg_oc_labels_t *lb, double v, int kind)
{
    return vg_oc_num_exact (o, vpath, lb, vg_num_f64 (v), VG_NUM_F64, kind);
}

int
vg_oc_num_exact (const vg_oc_out_t *o, const char *vpath, const vg_oc_labels_t *lb, vg_num_t v, vg_numtype_t vt,
                 int kind)
{
    const vg_oc_entry_t *e = vg_oc_lookup (vpath);
    if (e && e->kind != VG_KIND_STATE)
        return s_emit_entry (o, e, vpath, lb, v, vt);
    char path[VG_MAX_PATH_LEN];
    if (vg_oc_canon_path (path, sizeof path, vpath) < 0)
        return 0;  /* unreachable for bounded callers; skip rather than fail the unit */
    if (strcmp (path, vpath) != 0) {
        e = vg_oc_lookup (path);
        if (e && e->kind != VG_KIND_STATE)
            return s_emit_entry (o, e, vpath, lb, v, vt);
    }
    vg_kind_t k = kind >= 0 ? (vg_kind_t) kind : vg_oc_guess_kind (s_leaf (path));
    return s_emit_num (o, path, vpath, k, NULL, lb, v, vt, NULL);
}

static int
s_ends_with (const char *s, size_t n, const char *suf)
{
    size_t m = strlen (suf);
    return n >= m && memcmp (s + n - m, suf, m) == 0;
}

static int
s_statelike (const char *leaf)
{
    size_t n = strlen (leaf);
    return s_ends_with (leaf, n, "status") || s_ends_with (leaf, n, "-state") ||
           s_ends_with (leaf, n, "_state") || strcmp (leaf, "state") == 0;
}

int
vg_oc_str (const vg_oc_out_t *o, const char *vpath, const vg_oc_labels_t *lb, const char *s, size_t slen)
{
    char st[VG_MAX_STATE_LEN];
    size_t n = slen < sizeof st - 1 ? slen : sizeof st - 1;
    memcpy (st, s, n);
    st[n] = '\0';
    const vg_oc_entry_t *e = vg_oc_lookup (vpath);
    char path[VG_MAX_PATH_LEN];
    if (!e) {
        if (vg_oc_canon_path (path, sizeof path, vpath) < 0)
            return 0;
        e = vg_oc_lookup (path);
    }
    if (e && e->kind != VG_KIND_STATE && e->unit && strcmp (e->unit, "ms") == 0) {
        /* A time leaf sent as an RFC 3339 date (IETF discontinuity-time): ms since the epoch. */
        int64_t ms;
        if (n > 0 && st[0] >= '0' && st[0] <= '9' && vg_clock_parse (st, 0, &ms) == 0)
            return vg_oc_emit (o, e->oc, vpath, e->kind, e->unit, lb, (double) ms, NULL);
        return 0;
    }
    if (e && e->kind == VG_KIND_STATE) {
        if (strstr (e->oc, "-status")) {
            const char *oc_value = s_im_state (e->oc, st);
            if (oc_value)
                return vg_oc_emit (o, e->oc, vpath, VG_KIND_STATE, NULL, lb, 0, oc_value);
            for (size_t i = 0; i < n; i++)
                st[i] = (char) toupper ((unsigned char) st[i]);
        }
        return vg_oc_emit (o, e->oc, vpath, VG_KIND_STATE, NULL, lb, 0, st);
    }
    if (e || !s_statelike (s_leaf (path)))
        return 0;  /* names, descriptions, free text: not a series */
    return vg_oc_emit (o, path, vpath, VG_KIND_STATE, NULL, lb, 0, st);
}

int64_t
vg_oc_d2i64 (double d)
{
    if (!(d == d))
        return 0;
    if (d >= 9.2233720368547748e18)
        return INT64_MAX;
    if (d <= -9.2233720368547748e18)
        return INT64_MIN;
    return (int64_t) d;
}

int
vg_oc_parse_number (const char *s, size_t len, double *v)
{
    return vg_yang_number (s, len, VG_YANG_NUM_LENIENT, v);
}

/* ---- JSON flattening --------------------------------------------------------------- */

static int
s_b64val (char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

/* OpenConfig ieeefloat32 inside RFC 7951 JSON: base64 of 4 big-endian bytes, which is
 * exactly 6 base64 characters + "==". */
static int
s_b64_float (const char *s, size_t n, double *v)
{
    if (n != 8 || s[6] != '=' || s[7] != '=')
        return 0;
    uint64_t acc = 0;
    for (int i = 0; i < 6; i++) {
        int x = s_b64val (s[i]);
        if (x < 0)
            return 0;
        acc = acc << 6 | (uint64_t) x;
    }
    if (acc & 15)
        return 0;  /* non-zero padding bits: not base64 of 4 bytes */
    *v = (double) vg_pb_float ((uint32_t) (acc >> 4));
    return 1;
}

int
vg_oc_keylike (const char *k)
{
    size_t n = strlen (k);
    return strcmp (k, "name") == 0 || strcmp (k, "index") == 0 || strcmp (k, "id") == 0 ||
           s_ends_with (k, n, "-name") || s_ends_with (k, n, "_name") ||
           s_ends_with (k, n, "-index") || s_ends_with (k, n, "-id") || s_ends_with (k, n, "_id");
}

typedef struct {
    vg_yang_walk_t walk; /* path, depth bound, hooks */
    const vg_oc_out_t *o;
    vg_oc_labels_t *lb;
} s_jctx_t;

static int
s_json_leaf (vg_yang_walk_t *w, const char *name, const json_t *v)
{
    s_jctx_t *c = w->ctx;
    double d;
    (void) name;
    switch (json_typeof (v)) {
    case JSON_INTEGER:
        return vg_oc_num_exact (c->o, w->path, c->lb, vg_num_i64 (json_integer_value (v)), VG_NUM_I64, -1);
    case JSON_REAL:
        return vg_oc_num (c->o, w->path, c->lb, json_real_value (v), -1);
    case JSON_TRUE:
    case JSON_FALSE:
        return vg_oc_num (c->o, w->path, c->lb, json_is_true (v) ? 1.0 : 0.0, VG_KIND_GAUGE);
    case JSON_STRING: {
        const char *s = json_string_value (v);
        size_t n = json_string_length (v);
        vg_num_t x;
        vg_numtype_t xt;
        if (vg_num_parse_int (s, n, &x, &xt)) /* RFC 7951: 64-bit integers travel as strings */
            return vg_oc_num_exact (c->o, w->path, c->lb, x, xt, -1);
        if (vg_oc_parse_number (s, n, &d))
            return vg_oc_num (c->o, w->path, c->lb, d, -1);
        if (s_b64_float (s, n, &d))
            return vg_oc_num (c->o, w->path, c->lb, d, VG_KIND_GAUGE);
        return vg_oc_str (c->o, w->path, c->lb, s, n);
    }
    default:
        return 0;  /* null */
    }
}

/* Key-like scalars of an object label every sibling leaf (and are not leaves). */
/* Hash of an element's key-like scalar members (names and values, in order); 0 when it has none. */
static uint64_t
s_key_hash (const json_t *obj)
{
    uint64_t h = 0;
    int any = 0;
    const char *k;
    json_t *v;
    char tmp[32];
    json_object_foreach ((json_t *) obj, k, v) {
        const char *val;
        size_t vlen;
        if (!vg_oc_keylike (k))
            continue;
        if (json_is_string (v)) {
            val = json_string_value (v);
            vlen = json_string_length (v);
        } else if (json_is_number (v)) {
            vlen = (size_t) snprintf (tmp, sizeof tmp, "%.17g", json_number_value (v));
            val = tmp;
        } else
            continue;
        any = 1;
        h = vg_hash64 (val, vlen, vg_hash64 (k, strlen (k), h));
    }
    return any ? h | 1 : 0;
}

static int
s_u64_cmp (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

/* An array's elements are told apart by position when their key-like members do not tell
 * them apart: a keyless operational list (IOS XR lpts static-info, whose "stream-name" is
 * shared by several entries) would otherwise give every element one series at one time,
 * and the store keeps one sample per (series, timestamp).  One pass and a sort per array. */
static int
s_json_positional (vg_yang_walk_t *w, const char *name, const json_t *arr)
{
    (void) w;
    (void) name;
    size_t n = json_array_size (arr), m = 0, i;
    uint64_t stack[256], *h = n <= 256 ? stack : malloc (n * sizeof *h);
    if (!h)
        return 1;   /* lossless either way */
    int positional = 0;
    json_t *e;
    json_array_foreach ((json_t *) arr, i, e) {
        if (!json_is_object (e))
            continue;
        uint64_t x = s_key_hash (e);
        if (x == 0) {
            positional = 1;
            break;
        }
        h[m++] = x;
    }
    if (!positional && m > 1) {
        qsort (h, m, sizeof *h, s_u64_cmp);
        for (i = 1; i < m && !positional; i++)
            positional = h[i] == h[i - 1];
    }
    if (h != stack)
        free (h);
    return positional;
}

static int
s_json_enter (vg_yang_walk_t *w, const char *list, const json_t *obj, const char **skip,
              vg_yang_mark_t *mark)
{
    s_jctx_t *c = w->ctx;
    vg_oc_mark_t m = vg_oc_labels_mark (c->lb);
    const char *k;
    json_t *v;
    char tmp[32];
    (void) skip;
    mark->a = m.n;
    mark->b = m.used;
    json_object_foreach ((json_t *) obj, k, v) {
        if (!vg_oc_keylike (k))
            continue;
        if (json_is_string (v))
            vg_oc_labels_add (c->lb, k, strlen (k), json_string_value (v), json_string_length (v));
        else if (json_is_integer (v) || json_is_real (v)) {
            double d = json_number_value (v);
            int n = snprintf (tmp, sizeof tmp, "%.17g", d);
            vg_oc_labels_add (c->lb, k, strlen (k), tmp, (size_t) n);
        }
    }
    if (list && w->index >= 0) {   /* s_json_positional: the position is part of the identity */
        int n = snprintf (tmp, sizeof tmp, "%ld", w->index);
        vg_oc_labels_add (c->lb, list, strlen (list), tmp, (size_t) n);
    }
    return 0;
}

static void
s_json_leave (vg_yang_walk_t *w, const vg_yang_mark_t *mark)
{
    s_jctx_t *c = w->ctx;
    vg_oc_mark_t m = { mark->a, mark->b };
    vg_oc_labels_restore (c->lb, m);
}

static int
s_json_skip (vg_yang_walk_t *w, const char *k, const json_t *v)
{
    (void) w;
    return vg_oc_keylike (k) && (json_is_string (v) || json_is_number (v));
}

int
vg_oc_json (const vg_oc_out_t *o, const char *base, const json_t *node, vg_oc_labels_t *lb)
{
    s_jctx_t c;
    memset (&c.walk, 0, sizeof c.walk);
    c.walk.max_depth = VG_PB_MAX_DEPTH;
    c.walk.flags = VG_YANG_WALK_ALL_ELEMENTS | VG_YANG_WALK_PATH_FATAL | VG_YANG_WALK_SQUASH_SLASH;
    c.walk.ctx = &c;
    c.walk.enter = s_json_enter;
    c.walk.positional = s_json_positional;
    c.walk.leave = s_json_leave;
    c.walk.skip_member = s_json_skip;
    c.walk.leaf = s_json_leaf;
    c.o = o;
    c.lb = lb;
    size_t n = strlen (base);
    if (n + 1 > sizeof c.walk.path)
        return -VG_ETOOBIG;
    memcpy (c.walk.path, base, n + 1);
    c.walk.plen = n;
    vg_oc_mark_t m = vg_oc_labels_mark (lb);
    int rc = vg_yang_walk (&c.walk, node);
    vg_oc_labels_restore (lb, m);
    return rc;
}

/* ---- described protobuf messages --------------------------------------------------- */

static const vg_oc_fielddesc_t *
s_fd (const vg_oc_msgdesc_t *d, uint32_t num)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->f[i].num == num)
            return &d->f[i];
    return NULL;
}

static int
s_pb_keys (const vg_oc_msgdesc_t *d, const uint8_t *msg, size_t len, vg_oc_labels_t *lb)
{
    vg_pb_reader_t r;
    vg_pb_field_t f;
    int rc;
    vg_pb_init (&r, msg, len);
    while (vg_pb_more (&r, &f, &rc)) {
        const vg_oc_fielddesc_t *fd = s_fd (d, f.num);
        if (!fd)
            continue;
        if (fd->type == VG_OC_F_KEY_STR && f.wt == VG_PB_LEN) {
            vg_oc_labels_add (lb, fd->label, strlen (fd->label), (const char *) f.p, f.len);
        } else if (fd->type == VG_OC_F_KEY_U64 && f.wt == VG_PB_VARINT) {
            vg_oc_labels_add_u64 (lb, fd->label, f.u);
        } else if (fd->type == VG_OC_F_KEY_IFL && f.wt == VG_PB_LEN) {
            const char *s = (const char *) f.p;
            const char *dot = NULL;
            for (size_t i = f.len; i > 0; i--)
                if (s[i - 1] == '.') {
                    dot = s + i - 1;
                    break;
                }
            if (dot) {
                vg_oc_labels_add (lb, "name", 4, s, (size_t) (dot - s));
                vg_oc_labels_add (lb, "index", 5, dot + 1, f.len - (size_t) (dot + 1 - s));
            } else {
                vg_oc_labels_add (lb, "name", 4, s, f.len);
                vg_oc_labels_add (lb, "index", 5, "0", 1);
            }
        }
    }
    return rc;
}

int
vg_oc_pb (const vg_oc_out_t *o, const vg_oc_msgdesc_t *d, const uint8_t *msg, size_t len,
          char *path, size_t plen, vg_oc_labels_t *lb, int depth)
{
    if (depth > VG_PB_MAX_DEPTH)
        return -VG_ETOOBIG;
    vg_oc_mark_t m = vg_oc_labels_mark (lb);
    int rc = s_pb_keys (d, msg, len, lb);
    vg_pb_reader_t r;
    vg_pb_field_t f;
    vg_pb_init (&r, msg, len);
    while (rc == 0) {
        rc = vg_pb_next (&r, &f);
        if (rc != 1)
            break;
        rc = 0;
        const vg_oc_fielddesc_t *fd = s_fd (d, f.num);
        if (!fd || !fd->name)
            continue;
        size_t nl = strlen (fd->name);
        if (plen + 1 + nl + 1 > VG_MAX_PATH_LEN) {
            rc = -VG_ETOOBIG;
            break;
        }
        path[plen] = '/';
        memcpy (path + plen + 1, fd->name, nl + 1);
        vg_num_t v = vg_num_u64 (0);
        vg_numtype_t vt = VG_NUM_F64;
        int num = 1;
        switch (fd->type) {
        case VG_OC_F_U64: /* integers stay exact: counters pass 2^53 */
            num = f.wt == VG_PB_VARINT;
            v = vg_num_u64 (f.u);
            vt = VG_NUM_U64;
            break;
        case VG_OC_F_I64:
            num = f.wt == VG_PB_VARINT;
            v = vg_num_u64 (f.u); /* two's complement already */
            vt = VG_NUM_I64;
            break;
        case VG_OC_F_S64:
            num = f.wt == VG_PB_VARINT;
            v = vg_num_i64 (vg_pb_sint (f.u));
            vt = VG_NUM_I64;
            break;
        case VG_OC_F_DBL:
            num = f.wt == VG_PB_FIXED64;
            v = vg_num_f64 (vg_pb_double (f.u));
            break;
        case VG_OC_F_FLT:
            num = f.wt == VG_PB_FIXED32;
            v = vg_num_f64 ((double) vg_pb_float (f.u));
            break;
        case VG_OC_F_STR:
            if (f.wt == VG_PB_LEN)
                rc = vg_oc_str (o, path, lb, (const char *) f.p, f.len);
            num = 0;
            break;
        case VG_OC_F_ENUM:
            if (f.wt == VG_PB_VARINT && f.u < fd->nnames)
                rc = vg_oc_str (o, path, lb, fd->names[f.u], strlen (fd->names[f.u]));
            num = 0;
            break;
        case VG_OC_F_MSG:
            if (f.wt == VG_PB_LEN)
                rc = vg_oc_pb (o, fd->sub, f.p, f.len, path, plen + 1 + nl, lb, depth + 1);
            num = 0;
            break;
        default:
            num = 0;
            break;
        }
        if (num)
            rc = vg_oc_num_exact (o, path, lb, v, vt, -1);
    }
    path[plen] = '\0';
    vg_oc_labels_restore (lb, m);
    return rc;
}
