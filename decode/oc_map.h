/* oc_map.h - shared normalisation of vendor telemetry leaves to OpenConfig series.
 *
 * Every vendor decoder funnels its leaves through here: a vendor schema path (no keys) plus
 * key labels and a value becomes one vg_point_t.  A static sorted table maps known vendor
 * leaves (Juniper JTI ifd/ifl counters, Huawei huawei-ifm / huawei-devm, Cisco XR
 * infra-statsd / wdsysmon / nto-misc, OpenConfig module-prefixed paths) to OpenConfig paths
 * and kinds; unmapped leaves keep their vendor path under its origin and get a kind guessed
 * from the leaf name.  Invariant (tests/decode/check_pbwalk.c, tests/integration/
 * test_vocabulary.py): equivalent leaves of every vendor map to one OpenConfig path with one
 * kind and one unit (times in ms; an entry's scale converts).  No allocation, no global
 * mutable state: label sets and path buffers are bounded and caller-owned. */
#ifndef VG_OC_MAP_H
#define VG_OC_MAP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "decode/decoder.h"
#include "common/model.h"
#include "common/sink.h"

#define VG_OC_LABEL_STORE 2048   /* bytes of label text per label set */

/* A bounded set of key labels with its own string storage.  Scoped use: remember
 * (n, used) with vg_oc_labels_mark() before adding inner keys, truncate back afterwards. */
typedef struct {
    vg_label_t l[VG_MAX_LABELS];
    size_t n;
    size_t used;
    char store[VG_OC_LABEL_STORE];
} vg_oc_labels_t;

typedef struct {
    size_t n, used;
} vg_oc_mark_t;

/* Empty the set. */
void vg_oc_labels_reset (vg_oc_labels_t *lb);
/* Add key=value (both copied, truncated to VG_MAX_LABEL_LEN - 1).  Vendor key names of
 * interfaces ("if_name", "interface-name", ...) are renamed to the OpenConfig key "name".
 * A key already present is left as is (outer keys win).  Returns 0, or -VG_EFULL when the
 * set or its storage is full (the label is dropped). */
int vg_oc_labels_add (vg_oc_labels_t *lb, const char *key, size_t klen, const char *val, size_t vlen);
/* Same, with a NUL-terminated key and an unsigned integer value. */
int vg_oc_labels_add_u64 (vg_oc_labels_t *lb, const char *key, uint64_t v);
static inline vg_oc_mark_t vg_oc_labels_mark (const vg_oc_labels_t *lb)
{
    vg_oc_mark_t m = { lb->n, lb->used };
    return m;
}
static inline void vg_oc_labels_restore (vg_oc_labels_t *lb, vg_oc_mark_t m)
{
    lb->n = m.n;
    lb->used = m.used;
}

/* Where normalised leaves go: the sink, stats, and the per-message identity. */
typedef struct {
    const vg_sink_t *sink;
    vg_decode_stats_t *st;
    const char *device;      /* announced device id */
    const char *input;       /* "jti", "mdt", "huawei-gpb", "gnmi" */
    int64_t ts_ms;           /* timestamp of the leaves being emitted */
} vg_oc_out_t;

/* One entry of the mapping table (exposed for docs/tests). */
typedef struct {
    const char *vendor;      /* vendor schema path, no keys */
    const char *oc;          /* OpenConfig path */
    vg_kind_t kind;
    const char *unit;        /* may be NULL */
    double scale;            /* vendor value x scale = value in `unit`; 0 means 1 (so the
                              * project's one unit per path holds: times in ms, ...) */
} vg_oc_entry_t;

/* Look up a vendor schema path; NULL when not mapped.  Thread-safe (static table). */
const vg_oc_entry_t *vg_oc_lookup (const char *vendor_path);
/* Number of table entries and the i-th entry (for tests and docs). */
size_t vg_oc_table_size (void);
const vg_oc_entry_t *vg_oc_table_at (size_t i);

/* Kind of an unmapped numeric leaf guessed from its name: COUNTER for octets, packets,
 * errors, discards, drops...; GAUGE for rates, utilisation, sizes and everything else. */
vg_kind_t vg_oc_guess_kind (const char *leaf);

/* Canonical form of a vendor path into out[cap]: OpenConfig module prefixes
 * ("openconfig-interfaces:", "oc-if:") are stripped from every element and the result is
 * rooted at "/"; a path whose first element carries a non-OpenConfig module prefix
 * ("huawei-ifm:ifm/...") or an origin ("srl_nokia-interfaces:/...") is kept as is.
 * Returns 0 or -VG_ETOOBIG. */
int vg_oc_canon_path (char *out, size_t cap, const char *vendor_path);

/* Emit a numeric leaf.  vpath is the vendor schema path (no keys); it is looked up, else
 * canonicalised and kept.  kind < 0 means "guess from the leaf name".  Labels are copied
 * and sorted by key.  Returns 0 or the sink's negative code; counts st->samples. */
int vg_oc_num (const vg_oc_out_t *o, const char *vpath, const vg_oc_labels_t *lb, double v, int kind);
/* Same for a value of type vt (common/num.h): integers reach the sink exact, unless the
 * table scales the leaf (then the scaled value is a double). */
int vg_oc_num_exact (const vg_oc_out_t *o, const char *vpath, const vg_oc_labels_t *lb, vg_num_t v, vg_numtype_t vt,
                     int kind);

/* Emit a string leaf: a STATE sample when the leaf is mapped as STATE or named like a
 * status ("oper-status", "*-state", "*status"), value truncated to VG_MAX_STATE_LEN - 1;
 * other strings (names, descriptions) are skipped.  Returns 0 or the sink's code. */
int vg_oc_str (const vg_oc_out_t *o, const char *vpath, const vg_oc_labels_t *lb, const char *s, size_t slen);

/* Emit a DELETE event for the vendor path `path` at o->ts_ms; its attributes are "path"
 * then the labels of lb (may be NULL).  Returns 0 or the sink's code; counts st->events. */
int vg_oc_delete (const vg_oc_out_t *o, const char *path, const vg_oc_labels_t *lb);

/* Emit an already-normalised point (path, kind fixed by the caller's own table). */
int vg_oc_emit (const vg_oc_out_t *o, const char *path, const char *origin_path, vg_kind_t kind,
                const char *unit, const vg_oc_labels_t *lb, double v, const char *state);

/* A double as int64, saturating (NaN -> 0): timestamps from JSON must not overflow. */
int64_t vg_oc_d2i64 (double d);

/* Parse a whole string as a number (JSON numbers-as-strings, RFC 7951 int64/decimal) with
 * the lenient grammar of decode/yang_json.h (VG_YANG_NUM_LENIENT: "+1", "5.", ".5" pass).
 * Returns 1 and sets *v when s[0..len) is a decimal number, else 0. */
int vg_oc_parse_number (const char *s, size_t len, double *v);

/* True when a member/field name is used as a list key and becomes a label ("name",
 * "*-name", "*_name", "index", "*-index", "id", "*-id", "*_id"). */
int vg_oc_keylike (const char *name);

/* Flatten a JSON subtree rooted at vendor path `base` into leaves: object members extend
 * the path; arrays repeat the element's path; key-like scalar members of an object
 * ("name", "*-name", "index", "*-index", "id", "*-id") become labels of everything under
 * that object instead of samples; numbers and numeric strings become numeric leaves,
 * booleans 0/1, other strings go through vg_oc_str.  Depth is bounded by VG_PB_MAX_DEPTH.
 * The walk is decode/yang_json.h's, with every array element one level deeper.
 * lb holds the outer labels and is restored on return.  Returns 0, the sink's code, or
 * -VG_ETOOBIG when the path or nesting exceeds the bounds. */
int vg_oc_json (const vg_oc_out_t *o, const char *base, const json_t *node, vg_oc_labels_t *lb);

/* ---- described protobuf messages ------------------------------------------------------
 * For sensors whose .proto we know (Juniper JTI extensions, Huawei openconfig_interfaces),
 * a static descriptor names the fields; vg_oc_pb() walks a message with it: key fields
 * become labels (collected in a first pass, so wire order does not matter), numeric fields
 * become leaves at "<path>/<name>", sub-messages recurse.  Unknown fields and fields whose
 * wire type does not match are skipped. */
typedef enum {
    VG_OC_F_U64 = 1,   /* varint, unsigned */
    VG_OC_F_I64,       /* varint, two's complement int32/int64 */
    VG_OC_F_S64,       /* varint, zig-zag sint32/sint64 */
    VG_OC_F_DBL,       /* fixed64 double */
    VG_OC_F_FLT,       /* fixed32 float */
    VG_OC_F_STR,       /* string leaf -> vg_oc_str */
    VG_OC_F_ENUM,      /* varint enum -> STATE with the name from `names` */
    VG_OC_F_KEY_STR,   /* string key -> label `label` */
    VG_OC_F_KEY_U64,   /* varint key -> label `label` */
    VG_OC_F_KEY_IFL,   /* "ifd.unit" logical interface -> labels name=ifd, index=unit */
    VG_OC_F_MSG        /* embedded message described by `sub` */
} vg_oc_ftype_t;

typedef struct vg_oc_msgdesc vg_oc_msgdesc_t;

typedef struct {
    uint32_t num;
    vg_oc_ftype_t type;
    const char *name;                 /* path element; NULL for keys */
    const char *label;                /* keys: label key */
    const vg_oc_msgdesc_t *sub;       /* VG_OC_F_MSG */
    const char *const *names;         /* VG_OC_F_ENUM: names[value], nnames entries */
    size_t nnames;
} vg_oc_fielddesc_t;

struct vg_oc_msgdesc {
    const vg_oc_fielddesc_t *f;
    size_t n;
};

/* Walk msg[0..len) described by d under vendor path `path` (its length plen < cap of a
 * VG_MAX_PATH_LEN buffer owned by the caller; restored on return).  Returns 0, a negative
 * wire error (-VG_ETRUNC/-VG_EPROTO), -VG_ETOOBIG on excess depth, or the sink's code. */
int vg_oc_pb (const vg_oc_out_t *o, const vg_oc_msgdesc_t *d, const uint8_t *msg, size_t len,
              char *path, size_t plen, vg_oc_labels_t *lb, int depth);

#endif
