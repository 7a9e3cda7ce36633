/* detector.h - the contract every detector kind implements, and the small types they share.
 *
 * A detector kind is a const ops table (designated initialisers); an instance is created per
 * (rule, scope key) by the engine and fed samples, events, ticks or other alerts.  A kind
 * whose state is one plain struct declares it in the table (VG_DETECTOR_STATE, with an
 * optional validate and cold callback) and gets save/load from detector.c; a kind whose
 * instance is one allocation uses vg_detector_free (and vg_detector_new_plain when it needs
 * nothing from the rule or entity at creation).  Detectors are pure: no I/O, no
 * clock, no threads, no logging, no allocation after new(); the same inputs in the same
 * order give the same verdicts.  Time is the telemetry's event time, passed in. */
#ifndef VG_DETECTOR_H
#define VG_DETECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/model.h"

/* Severities (OCSF severity_id). */
enum { VG_SEV_INFO = 1, VG_SEV_LOW = 2, VG_SEV_MEDIUM = 3, VG_SEV_HIGH = 4, VG_SEV_CRITICAL = 5 };

/* CIA class of a detector kind: availability, confidentiality, integrity, cross-cutting. */
enum { VG_CIA_A = 'A', VG_CIA_C = 'C', VG_CIA_I = 'I', VG_CIA_X = 'X' };

/* What one instance of a kind covers; the scope key names the instance inside a rule. */
typedef enum {
    VG_SCOPE_SERIES = 0, /* one series: device + path + labels */
    VG_SCOPE_ENTITY = 1, /* device + labels (e.g. one cell: its success and attempt counters) */
    VG_SCOPE_DEVICE = 2, /* one device (all its matched series and events) */
    VG_SCOPE_ROLE = 3,   /* all devices of one role (shared novelty sets) */
    VG_SCOPE_VENDOR = 4, /* all devices of one vendor (fleet common-mode) */
    VG_SCOPE_SITE = 5    /* all devices of one site (vendor divergence) */
} vg_scope_t;

typedef enum {
    VG_VERDICT_NONE = 0,  /* no opinion (warm-up, dropped or pooled sample) */
    VG_VERDICT_CLEAR = 1, /* condition false */
    VG_VERDICT_FIRE = 2   /* condition true */
} vg_verdict_state_t;

/* What a detector says about one input.  The engine resets state, oneshot, fresh, severity,
 * signal, device, evidence[0], title[0] and clear_since_ms before each call; the rest is valid when state != NONE
 * (score may be NAN when the input was not scored). */
typedef struct {
    int state;               /* vg_verdict_state_t */
    int oneshot;             /* FIRE of an event finding: no clear condition, auto-closes */
    int fresh;               /* FIRE whose evidence is disjoint from the open episode's (a new
                                cluster of a fleet finding): the engine closes the open episode
                                (at its last true time + keep_firing_for) and opens a new one */
    int severity;            /* 0 = the rule's severity */
    double score;            /* anomaly score in [0,1]; NAN = not scored */
    double observed;         /* observed value (rate for counters) */
    double expected;         /* baseline value */
    double lo, hi;           /* expected band */
    int64_t window_start_ms; /* evaluation window; 0 = the input's time */
    int64_t window_end_ms;
    int64_t clear_since_ms;  /* CLEAR: data time the condition became false, when the detector
                                knows it was earlier than the input's time (a fleet finding's
                                window lapsing between ticks); 0 = the input's time */
    const char *signal;      /* sub-entity of the dedup key ("dst=203.0.113.9:443"); NULL = none;
                                detector-owned, valid until the next call */
    const vg_device_t *device; /* entity device when the scope is wider than a device
                                  (ROLE/VENDOR/SITE); NULL = the instance's */
    char evidence[256];      /* short human-readable evidence */
    char title[160];         /* headline naming the entity and the deciding values
                                ("r1 interface et-0/0/1: oper-status DOWN for 45 s");
                                "" = the engine composes one from the rule title */
} vg_verdict_t;

/* Parameter types of a kind's parameter table. */
typedef enum {
    VG_PARAM_NUM = 0,  /* double */
    VG_PARAM_DUR = 1,  /* duration: "10s", "5m", "2h", "7d" or bare ms; stored as ms */
    VG_PARAM_BOOL = 2, /* true/false; stored as 0/1 */
    VG_PARAM_STR = 3,  /* string (e.g. an allowlist name); stored in ps[] */
    VG_PARAM_ENUM = 4  /* one of choices "a|b|c"; stored as the index */
} vg_param_type_t;

typedef struct {
    const char *name;
    int type;            /* vg_param_type_t */
    double def;          /* default (NUM/DUR/BOOL/ENUM index) */
    double min, max;     /* accepted range (NUM/DUR) */
    const char *choices; /* ENUM: "low|high|both"; STR: default value or NULL */
    const char *help;
} vg_param_def_t;

#define VG_MAX_PARAMS 20

struct vg_rule;
struct vg_alert;
typedef struct vg_rule vg_rule_t;

/* What an instance covers.  The engine keeps these strings alive for the instance's
 * lifetime, so a detector may keep the pointers. */
typedef struct {
    const vg_device_t *device; /* NULL for ROLE/VENDOR/SITE scopes */
    const char *path;          /* SERIES scope only, else NULL */
    const vg_label_t *labels;  /* SERIES/ENTITY scope, else NULL */
    size_t nlabels;
    vg_kind_t kind;            /* SERIES scope: the series kind */
    const char *key;           /* the scope key ("site/r1", "router", "VendorX", ...) */
} vg_entity_t;

/* The base of every instance: kinds embed it as their first member. */
typedef struct vg_detector {
    const struct vg_detector_ops *ops;
    const vg_rule_t *rule;
} vg_detector_t;

typedef struct vg_detector_ops {
    const char *name;    /* kind name used in the rules file ("seasonal", "silence", ...) */
    const char *version; /* semantic version of the algorithm */
    int cia_class;       /* VG_CIA_* */
    int scope;           /* vg_scope_t */
    uint32_t event_mask; /* bit (1u << vg_event_type_t) for each event type it consumes */
    int is_silence;      /* the engine aggregates these into device/collector silence */
    size_t size;         /* bytes of one instance (for memory accounting) */
    const vg_param_def_t *params;
    size_t nparams;
    /* Create an instance; NULL on allocation failure. */
    vg_detector_t *(*new) (const vg_rule_t *rule, const vg_entity_t *entity);
    /* Free an instance; NULL-safe; sets *self_p to NULL. */
    void (*destroy) (vg_detector_t **self_p);
    /* One sample of a SERIES-scoped instance's series. May be NULL. */
    int (*on_sample) (vg_detector_t *self, int64_t ts_ms, double value, vg_verdict_t *out);
    /* One sample of a wider-scoped instance: slot = index of the rule path pattern the
     * series matched, dev = the series' device. May be NULL. */
    int (*on_input) (vg_detector_t *self, int slot, const vg_device_t *dev, int64_t ts_ms,
                     double value, vg_verdict_t *out);
    /* One event of a device in scope; dev is the event's device. May be NULL. */
    int (*on_event) (vg_detector_t *self, const vg_event_t *ev, const vg_device_t *dev,
                     vg_verdict_t *out);
    /* Time passed (event time); used for silence, bucket closing and decay. May be NULL. */
    int (*on_tick) (vg_detector_t *self, int64_t now_ms, vg_verdict_t *out);
    /* A finding created by another rule (fleet detectors); peers = devices known for the
     * instance's scope key (e.g. devices of that vendor).  For VENDOR scope the engine also
     * hands the finding to the other vendors' existing instances, with a->vendor not theirs
     * and peers = the devices of the vendors other than theirs (the fleet a vendor is judged
     * against); a verdict of such a call is not applied. May be NULL. */
    int (*on_alert) (vg_detector_t *self, const struct vg_alert *alert, uint32_t peers,
                     vg_verdict_t *out);
    /* Append the instance state to out (for restart). Returns 0 or -VG_ENOMEM. */
    int (*save) (const vg_detector_t *self, vg_buf_t *out);
    /* Restore state saved by the same version. Returns 0, or -VG_EINVAL / -VG_ETRUNC on a bad
     * blob (the instance is then reset to a fresh state). */
    int (*load) (vg_detector_t *self, const uint8_t *p, size_t len);
    /* Like on_input, with the id of the series the sample belongs to, for wider-scoped kinds
     * that keep per-series state (e.g. counters restarting together on one device).  When
     * set, the engine calls it instead of on_input.  May be NULL (trailing member: kinds
     * that do not set it are unaffected). */
    int (*on_series_input) (vg_detector_t *self, int slot, uint64_t series_id, const vg_device_t *dev,
                            int64_t ts_ms, double value, vg_verdict_t *out);
    /* Plain-struct state, for the generic save/load (VG_DETECTOR_STATE): where the state
     * lives in an instance, its size and the tag of its blob.  state_size 0 = the kind has
     * its own save/load (variable-size state). */
    size_t state_off, state_size;
    uint32_t state_tag;
    /* Check a loaded state's invariants (finite numbers, indices in range, terminated
     * strings): 0 or -VG_EINVAL.  NULL = any bytes of the right size are valid. */
    int (*validate) (const vg_detector_t *self);
    /* Give a zeroed state its non-zero fresh values (-1 = "none" markers and the like); the
     * generic new and a refused blob call it.  NULL = all-zero is the fresh state. */
    void (*cold) (vg_detector_t *self);
    /* Optional hint, no effect on results: the engine calls it a few samples before it
     * hands this instance the sample (ts_ms) of series series_id in slot, so that a kind
     * whose per-sample state lies deep in a large instance (a table slot, a time-of-week
     * bucket) can __builtin_prefetch it.  It must read nothing (the state is not in cache
     * yet): only compute addresses.  NULL = nothing to fetch beyond the instance's start. */
    void (*prefetch) (const vg_detector_t *self, int slot, uint64_t series_id, int64_t ts_ms);
    /* 1 = on_sample never writes *out (it only learns; silence): the engine then neither
     * resets a verdict for it nor reads one after it.  0 = the verdict is reset and read. */
    int sample_quiet;
} vg_detector_ops_t;

/* Designated-initialiser helpers for a kind's ops table:
 *   VG_DETECTOR_PARAMS (s_x_params)              .params and .nparams from one array;
 *   VG_DETECTOR_STATE (s_x_t, st, 0x58585801)    instance size, the state member `st` and
 *                                                its tag, and the generic save/load. */
#define VG_DETECTOR_PARAMS(table) .params = (table), .nparams = sizeof (table) / sizeof (table)[0]
#define VG_DETECTOR_STATE(type, member, tag)                                                   \
    .size = sizeof (type), .state_off = offsetof (type, member),                               \
    .state_size = sizeof (((type *) 0)->member), .state_tag = (tag),                           \
    .save = vg_detector_save_state, .load = vg_detector_load_state

/* The built-in kinds, in a fixed order; NULL-terminated. */
extern const vg_detector_ops_t *const vg_detector_kinds[];

/* Look up a kind by name; NULL when unknown. */
const vg_detector_ops_t *vg_detector_find (const char *name);

/* Save/load helper for kinds whose state is a plain struct: writes a 4-byte tag, a 4-byte
 * length and the bytes; load checks tag and length and, on any failure, zeroes dst (a cold
 * start).  Save returns 0 or -VG_ENOMEM; load 0, -VG_EINVAL or -VG_ETRUNC. */
int vg_detector_save_pod (vg_buf_t *out, uint32_t tag, const void *p, size_t n);
int vg_detector_load_pod (const uint8_t *p, size_t len, uint32_t tag, void *dst, size_t n);

/* The generic save/load of a kind declared with VG_DETECTOR_STATE: the state bytes at
 * self->ops->state_off as one pod blob.  Load then runs ops->validate; on any failure the
 * state is zeroed and ops->cold applied (a fresh state) and the error returned.  self->ops
 * must be set (the engine fills the base after new()).  Same contracts as ops->save/load. */
int vg_detector_save_state (const vg_detector_t *self, vg_buf_t *out);
int vg_detector_load_state (vg_detector_t *self, const uint8_t *p, size_t len);

/* Generic new for kinds whose instance is one zeroed allocation of rule->ops->size bytes
 * with ops->cold applied; fills the base.  NULL on allocation failure. */
vg_detector_t *vg_detector_new_plain (const vg_rule_t *rule, const vg_entity_t *entity);

/* Generic destroy for kinds whose instance is a single allocation; NULL-safe, sets
 * *self_p to NULL. */
void vg_detector_free (vg_detector_t **self_p);

/* An event finding without a measured value: FIRE, oneshot, the severity (0 = the rule's),
 * observed 1 against expected 0, score 1. */
void vg_verdict_finding (vg_verdict_t *out, int severity);
/* Fill out->evidence with printf-style text (truncates). */
void vg_verdict_note (vg_verdict_t *out, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
/* Fill out->title with printf-style text (truncates). */
void vg_verdict_title (vg_verdict_t *out, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
/* Human name of an instance's entity into buf: "r1 interface et-0/0/1", "gnb7 cell 12",
 * "r1 component Kernel" (a series under /components/), "r1 {k=v}" or the device id alone.  Always NUL-terminates; returns buf. */
const char *vg_entity_name (const vg_entity_t *e, char *buf, size_t size);

#endif
