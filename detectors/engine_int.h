/* engine_int.h - the engine's shared state and internal calls (detectors/engine*.c only).
 *
 * Invariant: only detectors/engine*.c include this; everything here is private to the engine
 * (types and functions vg_engine__*, as libuv's uv__*), the public contract is engine.h.
 * Containers are iterated in creation order, never hash order, so output is deterministic. */
#ifndef VG_ENGINE_INT_H
#define VG_ENGINE_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "detectors/engine.h"
#include "detectors/hindex.h"

enum { EP_PENDING = 1, EP_FIRING = 2 };

struct vg_engine__stream;

typedef struct vg_engine__dev {
    char *id, *vendor, *model, *role, *site, *sw;
    vg_device_t view;
    uint32_t vendor_tag;
    uint32_t watched;      /* silence instances linked */
    uint32_t silent_n;     /* of those, silent at their source's last tick */
    int silent;            /* device silence: every watched series of one of its streams silent */
    int inhibited;         /* device silence inhibited by its source's outage */
    int64_t now;           /* device time: newest released sample or source tick */
    int64_t next_tick;     /* next device tick boundary (cfg.tick_ms > 0) */
    const vg_rule_t *silence_rule;
    struct vg_engine__ep *ep;       /* device silence episode */
    struct vg_engine__ep *pep;      /* series silence episode: some of its series silent (one
                                     * finding per device, not per series) */
    struct vg_engine__inst **by_rule; /* DEVICE-scoped instances by rule index (lazy) */
    uint8_t *rule_ok;      /* rule device-match cache by rule index */
    struct vg_engine__stream **streams; /* its streams (one per source) */
    uint32_t nstreams, capstreams;
    struct vg_engine__inst **dtick; /* device-bound instances with on_tick (not silence) */
    size_t ndtick, capdtick;
    uint32_t kp_mark;      /* counted by the kind-peers scan of this generation (engine_peers.c) */
    int events;            /* an event of it was taken (not saved: the next one sets it again) */
} vg_engine__dev_t;

struct vg_engine__series;

/* A sample waiting in a stream's reorder buffer (its series by pointer: no second lookup
 * when it is released; series never move or go away before vg_engine_destroy). */
typedef struct {
    struct vg_engine__series *s;
    uint64_t id;           /* s->id, for ordering without touching the series */
    int64_t ts;
    double v;
} vg_engine__pend_t;

struct vg_engine__src;

/* (device, source): one clock, one reorder buffer. */
typedef struct vg_engine__stream {
    vg_engine__dev_t *dev;
    struct vg_engine__src *src;
    int64_t rmax;          /* newest sample received */
    int64_t rel;           /* newest sample released to detectors */
    vg_engine__pend_t *buf;         /* pending samples buf[head .. head+len), sorted by ts (stable) */
    size_t head, len, cap;
    struct vg_engine__inst **sil;   /* its SERIES-scoped silence instances */
    uint32_t nsil, capsil;
    uint32_t silent_n;     /* of those, silent at the source's last tick */
    int silent;            /* all of them silent */
    int64_t next_check;    /* no series can turn silent before this (healthy stream) */
    int64_t wake;          /* earliest time a clear series of it can turn silent, as of its
                            * last judgement (INT64_MAX: none can; INT64_MIN: unknown) */
} vg_engine__stream_t;

/* An input stream delivering data (agent/input): its own data-time clock. */
typedef struct vg_engine__src {
    char *name;
    int64_t max;           /* newest data time delivered (or set by vg_engine_source_time) */
    int64_t next_tick;     /* next silence evaluation boundary (cfg.tick_ms > 0) */
    vg_engine__stream_t **streams;
    size_t nstreams, capstreams;
    struct vg_engine__ep *ep;       /* source outage episode */
    /* Silence ticks: as of the source's last full judgement, no stream of it can turn
     * silent before sk_min (INT64_MIN = unknown: judge in full), and whether an outage
     * would be found with none silent (a configuration with a zero minimum). */
    int64_t sk_min;
    int sk_outage0;
    int64_t wake;          /* min of its streams' wake at the last full judgement (long advances) */
} vg_engine__src_t;

/* An instance record.  Its first 64 bytes (one cache line: the record is allocated on a
 * line boundary, VG_ENGINE__INST_ALIGN) hold what a sample's verdict reads: the rule, the
 * device and the default episode (vg_engine__apply on a clear verdict stops there), and what
 * the silence scan reads of a healthy series (last_ts, open, tick_state, tick_exp); s_release
 * prefetches that one line a few samples ahead. */
#define VG_ENGINE__INST_ALIGN 64
typedef struct vg_engine__inst {
    vg_hlink_t hl;         /* first: e->inst_ix links it (hl.h = vg_engine__inst_hkey) */
    const vg_rule_t *rule;
    vg_engine__dev_t *dev;          /* SERIES/ENTITY/DEVICE scope, else NULL */
    struct vg_engine__ep *ep;       /* episode of the default signal */
    int64_t last_ts;       /* silence: newest sample fed (INT64_MIN = none) */
    uint32_t open;         /* open episodes */
    int tick_state;        /* silence kinds: latest tick verdict */
    double tick_exp;       /* silence kinds: the threshold of that verdict (the scan reads it) */
    /* cold: set up once, read by ticks, episodes and read-outs */
    vg_detector_t *det;
    char *key;             /* scope key */
    char *entity;          /* "path{k=v}" / "{k=v}" or "" */
    char *path;
    vg_label_t *labels;
    size_t nlabels;
    vg_entity_t ent;
    uint64_t series_id;    /* SERIES scope */
    vg_engine__stream_t *stream;    /* SERIES-scoped silence: the stream its series belongs to */
    double tick_obs;
} vg_engine__inst_t;

/* A series' route to one instance, with what the per-sample call needs from it copied in:
 * a sample touches the instance record itself only when the detector has a verdict (or, for
 * a silence kind, to note the sample's time). */
enum { VG_ENGINE__CALL_SAMPLE = 0, VG_ENGINE__CALL_SERIES_INPUT = 1, VG_ENGINE__CALL_INPUT = 2 };
typedef struct {
    vg_engine__inst_t *inst;
    vg_detector_t *det;             /* inst->det */
    const vg_detector_ops_t *ops;   /* inst->rule->ops */
    int16_t slot;
    uint8_t silence;                /* ops->is_silence: the sample's time goes to inst->last_ts */
    uint8_t prefetch;               /* ops->prefetch is set */
    uint8_t call;                   /* VG_ENGINE__CALL_*: which of ops' sample calls (on_sample for a
                                     * SERIES-scoped kind, else on_series_input, else on_input) */
    uint8_t wide;                   /* ops->scope >= VG_SCOPE_VENDOR: a verdict names no device */
    uint8_t per_series;             /* ops->scope == VG_SCOPE_SERIES: a verdict carries the series id */
    uint8_t quiet;                  /* call SAMPLE of a kind with ops->sample_quiet: no verdict */
} vg_engine__link_t;
_Static_assert (sizeof (vg_engine__link_t) == 32, "two links per cache line (the series block holds two)");

/* A declared series; lives in e->ser_pages (stable address) and is found by id through
 * e->ser_tab.  One 128-byte block, two cache lines: what a sample needs of the series in the
 * first, its links in the second when it has at most VG_ENGINE__SER_INLINE (most series),
 * so the release walk finds them in the line next to the series (a line pair the hardware
 * fetches together) instead of in a separate allocation.  The last verdict, which only
 * offline scoring reads, is kept apart and only with cfg.keep_last. */
enum { VG_ENGINE__SER_INLINE = 2, VG_ENGINE__SER_ALIGN = 128 };
typedef struct vg_engine__series {
    _Alignas (VG_ENGINE__SER_ALIGN) uint64_t id;
    vg_engine__dev_t *dev;
    vg_engine__stream_t *stream;
    int64_t last_ts;
    vg_engine__link_t *links;       /* in_links, or an allocation when nlinks > SER_INLINE */
    uint32_t nlinks;
    uint32_t idx;                   /* creation index (its e->last_pages record) */
    _Alignas (64) vg_engine__link_t in_links[VG_ENGINE__SER_INLINE];
} vg_engine__series_t;

/* The last verdict of a series' first link (cfg.keep_last), by creation index. */
typedef struct {
    int8_t state;
    float score;
    double obs, exp, lo, hi;
} vg_engine__last_t;

/* One slot of the series index (open addressing; id 0 = empty). */
typedef struct {
    uint64_t id;
    vg_engine__series_t *s;
} vg_engine__ser_slot_t;

enum { VG_ENGINE__SER_PAGE = 1024 }; /* series per page of e->ser_pages */

/* A finding held for the fleet detectors until every source waited for has judged its time
 * (vg_engine__fleet_release); e->fq keeps them sorted by time, in arrival order within one. */
typedef struct vg_engine__fq {
    vg_engine__dev_t *dev; /* devices live until vg_engine_destroy */
    const vg_rule_t *rule;
    int64_t time_ms;
    double src_lp;         /* silence: log P of its vendor's share of its source's silent
                            * devices as the source judged them (s_src_share); 0 = none */
    int others_only;       /* an inhibited device silence: evidence for the other vendors only */
} vg_engine__fq_t;

/* Per vendor, the devices that can have a finding of one kind (engine_peers.c), as of the
 * engine's instances, devices and vendors when counted. */
typedef struct {
    const vg_detector_ops_t *kind; /* NULL: slot unused */
    uint32_t *n;                   /* by vendor tag */
    size_t cap, nvendors, ninsts, ndevs, epoch;
    uint32_t total;
} vg_engine__kp_t;
#define VG_ENGINE__KP 8

/* Most findings held at once; past it the oldest time is released early (counted in st.full):
 * a source that never catches up cannot grow the queue without bound. */
#define VG_ENGINE__FQ_MAX 65536

typedef struct vg_engine__ep {
    vg_hlink_t hl;         /* first: e->ep_ix links it (hl.h = hash of key) */
    char key[VG_ALERT_KEY_MAX];
    char signal[128];
    const vg_rule_t *rule;
    vg_engine__inst_t *inst;        /* NULL for engine-made device/collector silence */
    vg_engine__dev_t *dev;
    vg_engine__src_t *src;          /* source outage episode: its source */
    uint64_t series_id;
    int state, oneshot, emitted, severity, cond;
    int64_t start_ms, last_true_ms, clear_since_ms, last_emit_ms;
    int64_t ws, we;
    double score, obs, exp, lo, hi;
    char evidence[256];
    char title[160];       /* detector headline of the latest evidence, "" = composed */
    struct vg_engine__ep *prev, *next;
} vg_engine__ep_t;

struct vg_engine {
    const vg_rules_t *rules;
    vg_engine_cfg_t cfg;
    vg_alert_fn on_alert;
    void *ctx;
    int64_t now;
    vg_engine_stats_t st;
    /* devices */
    vg_engine__dev_t **devs;
    size_t ndevs, capdevs;
    uint32_t *dev_hash;    /* index+1, open addressing */
    size_t dev_hcap;
    char **vendors;
    uint32_t *vendor_n;
    size_t nvendors, capvendors;
    /* series: creation order in pages (addresses never change), found by id in ser_tab */
    vg_engine__series_t **ser_pages;
    vg_engine__last_t **last_pages; /* per ser_pages page (cfg.keep_last), else NULL */
    size_t nser, npages, cappages, caplast;
    vg_engine__ser_slot_t *ser_tab;
    size_t ser_cap;         /* slots in ser_tab (power of two, > 2 * nser) */
    /* instances */
    vg_engine__inst_t **insts;
    size_t ninsts, capinsts;
    vg_hindex_t inst_ix;   /* by vg_engine__inst_hkey */
    vg_engine__inst_t **sil;        /* silence instances, creation order */
    size_t nsil, capsil;
    vg_engine__inst_t **tickers;    /* other instances with on_tick, creation order */
    size_t ntick, captick;
    vg_engine__inst_t **ftick;      /* of those, fleet detectors' (on_alert), creation order */
    size_t nftick, capftick;
    /* episodes */
    vg_engine__ep_t *ep_head, *ep_tail;
    vg_hindex_t ep_ix;     /* by hash of the episode key */
    size_t nep;
    vg_engine__src_t **srcs;        /* sources, creation order */
    size_t nsrcs, capsrcs;
    vg_engine__stream_t *cur_stream; /* stream of the series being declared */
    size_t nbuf;           /* samples in all reorder buffers */
    size_t nsilent;        /* streams silent (stream.silent) */
    size_t nsil_ep;        /* device, series and source outage silence episodes held by a device or source */
    int in_fleet;
    int fleet_defer;       /* a silence judgement of an instant is running: hold fq */
    const struct vg_engine__src *fleet_src; /* the source being judged then */
    struct vg_engine__fq *fq; /* findings held for the fleet detectors: fq[fq_head .. nfq) */
    size_t fq_head, nfq, capfq;
    int64_t fleet_h;       /* newest time of a released finding (INT64_MIN: none yet) */
    int64_t fleet_hz;      /* the horizon the last release judged by (INT64_MAX: none) */
    int64_t fleet_tk;      /* fleet time the fleet detectors were last ticked at by a release */
    vg_engine__kp_t kp[VG_ENGINE__KP]; /* fleet detectors' peers by kind (engine_peers.c) */
    size_t kp_next;        /* next kp slot to reuse */
    size_t kp_epoch;       /* bumped when a device changes vendor or takes its first event */
    uint32_t kp_gen;
    vg_alert_t alert;      /* scratch record */
    vg_verdict_t v;        /* scratch verdict */
};

/* --- engine.c: tables (devices, instances, series) ------------------------------------ */

/* Copy of s (NULL copies ""); NULL on allocation failure. Caller frees. */
char *vg_engine__dup (const char *s);
/* Reset a verdict to "no opinion" before handing it to a detector (inline: it runs for
 * every link of every sample). */
static inline void
vg_engine__vreset (vg_verdict_t *v)
{
    /* Everything before evidence[] from one constant (a few wide stores instead of one per
     * field), values too: a detector that sets none (an event finding) must not pass on the
     * previous verdict's, which would make a record depend on what was processed just before
     * it. */
    static const vg_verdict_t none = {
        .state = VG_VERDICT_NONE,
        .score = NAN,
        .observed = NAN,
        .expected = NAN,
        .lo = NAN,
        .hi = NAN,
    };
    memcpy (v, &none, offsetof (vg_verdict_t, evidence));
    v->evidence[0] = '\0';
    v->title[0] = '\0';
}

/* Append p to a growable pointer array (*arr, *n, *cap).  Returns 0 or -VG_ENOMEM
 * (the array is unchanged then). */
int vg_engine__ptr_push (void ***arr, size_t *n, size_t *cap, void *p);
/* The device with this id, or NULL. */
vg_engine__dev_t *vg_engine__dev_find (const vg_engine_t *e, const char *id);
/* Find or create a device record (refreshing its inventory from in).  NULL on a bad id,
 * the max_devices bound (counted in st.full) or allocation failure. */
vg_engine__dev_t *vg_engine__dev_get (vg_engine_t *e, const vg_device_t *in);
/* Free a device record and what it owns; NULL-safe. */
void vg_engine__dev_free (vg_engine__dev_t *d);
/* Hash of an instance identity (rule, scope key, series id) for vg_engine__inst_find. */
uint64_t vg_engine__inst_hkey (const vg_rule_t *r, const char *key, uint64_t series_id);
/* The instance of rule r for (key, series_id) with hash hk, or NULL. */
vg_engine__inst_t *vg_engine__inst_find (const vg_engine_t *e, const vg_rule_t *r, const char *key,
                                         uint64_t series_id, uint64_t hk);
/* Find or create the instance of rule r for scope key (series_id for SERIES scope, else 0);
 * path/labels/kind only matter for new SERIES/ENTITY instances.  A new SERIES-scoped
 * silence instance joins e->cur_stream.  NULL on allocation failure. */
vg_engine__inst_t *vg_engine__inst_get (vg_engine_t *e, const vg_rule_t *r, vg_engine__dev_t *d,
                                        const char *key, uint64_t series_id, const char *path,
                                        const vg_label_t *labels, size_t nl, vg_kind_t kind);
/* Scope key of rule r for device d (and labels, ENTITY scope) into buf. */
void vg_engine__scope_key (const vg_rule_t *r, const vg_engine__dev_t *d, const vg_label_t *labels,
                           size_t nl, char *buf, size_t size);
/* The declared series with this id, or NULL. */
vg_engine__series_t *vg_engine__ser_find (const vg_engine_t *e, uint64_t id);
/* The i-th declared series (i < e->nser), in creation order. */
static inline vg_engine__series_t *
vg_engine__ser_at (const vg_engine_t *e, size_t i)
{
    return &e->ser_pages[i / VG_ENGINE__SER_PAGE][i % VG_ENGINE__SER_PAGE];
}

/* --- engine_time.c: sources, streams, reorder buffers, ticks ----------------------------- */

/* Find or create the source named name (NULL = ""); NULL on allocation failure. */
vg_engine__src_t *vg_engine__src_get (vg_engine_t *e, const char *name);
/* Find or create the stream (d, src); NULL on allocation failure. */
vg_engine__stream_t *vg_engine__stream_get (vg_engine_t *e, vg_engine__dev_t *d, vg_engine__src_t *src);
/* Free a source and its streams; NULL-safe. */
void vg_engine__src_free (vg_engine__src_t *s);
/* Watch a SERIES-scoped silence instance on stream st.  Returns 0 or -VG_ENOMEM. */
int vg_engine__stream_add_sil (vg_engine__stream_t *st, vg_engine__inst_t *in);
/* Move series s (and its silence instances) to the stream of its device and source. */
void vg_engine__ser_rehome (vg_engine_t *e, vg_engine__series_t *s, const char *source);
/* Insert x into st's reorder buffer after every pending sample with ts <= x->ts (stable).
 * Returns 0 or -VG_ENOMEM. */
int vg_engine__buffer (vg_engine_t *e, vg_engine__stream_t *st, const vg_engine__pend_t *x);
/* vg_engine__buffer's common case without its call: when x belongs at the tail of st's
 * buffer (nothing pending is after it in (ts, id) order) and there is room, append it and
 * return 1; else 0 (nothing changed: call vg_engine__buffer). */
static inline int
vg_engine__buffer_tail (vg_engine_t *e, vg_engine__stream_t *st, const vg_engine__pend_t *x)
{
    size_t end = st->head + st->len;
    if (end < st->cap && (!st->len || st->buf[end - 1].ts < x->ts ||
                          (st->buf[end - 1].ts == x->ts && st->buf[end - 1].id <= x->id))) {
        st->buf[end] = *x;
        st->len++;
        e->nbuf++;
        return 1;
    }
    return 0;
}

/* --- engine_silence.c: the silence judgement ------------------------------------------- */

/* Judge the silence of src's series, devices and the source itself at time now (src's
 * clock): emits the verdicts through the episode lifecycle. */
void vg_engine__src_silence (vg_engine_t *e, vg_engine__src_t *src, int64_t now);

/* --- engine_episode.c: lifecycle, inhibition, emission ---------------------------------- */

/* Dedup key of a finding of rule r (instance in, device d, signal) into out
 * (VG_ALERT_KEY_MAX bytes; a too long key keeps a prefix and a hash). */
void vg_engine__key (char *out, const vg_rule_t *r, const vg_engine__inst_t *in, const vg_engine__dev_t *d,
                     const char *signal);
/* The open episode with dedup key key (hash h), or NULL. */
vg_engine__ep_t *vg_engine__ep_find (const vg_engine_t *e, const char *key, uint64_t h);
/* A new, zeroed episode appended in creation order; NULL at max_episodes (counted) or on
 * allocation failure. */
vg_engine__ep_t *vg_engine__ep_new (vg_engine_t *e, const char *key, uint64_t h);
/* Unlink and free an episode (and the back pointers of its instance/device/source). */
void vg_engine__ep_del (vg_engine_t *e, vg_engine__ep_t *p);
/* Emit one lifecycle record (VG_ACT_*) of p at time now, unless inhibited. */
void vg_engine__emit (vg_engine_t *e, vg_engine__ep_t *p, int activity, int64_t now, const char *reason);
/* End of a silence judgement (an instant): stop holding fq and release what the sources'
 * clocks allow (vg_engine__fleet_release). */
void vg_engine__fleet_flush (vg_engine_t *e);
/* End of input (vg_engine_flush): no finding can come any more, so fleet time runs on past the
 * newest one (or the engine's time, if later) by each fleet detector's `hold`, and a cluster
 * waiting for its hold is judged now. */
void vg_engine__fleet_end (vg_engine_t *e);
/* The time a fleet detector's verdict v, given at tick time t, is applied at: a firing
 * verdict at the end of the window it judged when that is earlier (a held cluster judged at
 * a later tick became due then), else t. */
static inline int64_t
vg_engine__fleet_at (const vg_verdict_t *v, int64_t t)
{
    return v->state == VG_VERDICT_FIRE && v->window_end_ms > 0 && v->window_end_ms < t ? v->window_end_ms : t;
}

/* --- engine_peers.c ------------------------------------------------------------------ */
/* Per vendor, the devices that can have a finding of detector `kind` (an instance of a rule
 * of it, or a match of such a rule that takes events only), counted again when instances,
 * devices or vendors changed since.  NULL for kind NULL or when out of memory (the caller
 * counts the whole fleet). */
const vg_engine__kp_t *vg_engine__kind_peers (vg_engine_t *e, const vg_detector_ops_t *kind);
void vg_engine__kind_peers_free (vg_engine_t *e);

/* Hold finding (device d, rule, time, others_only, src_lp: see vg_engine__fq_t) for the fleet
 * detectors, in time order after every held finding of the same time; releases nothing (the
 * caller does, or the next source time / tick).  Returns the held entry, or NULL when the
 * queue cannot grow (counted in st.full). */
vg_engine__fq_t *vg_engine__fleet_hold (vg_engine_t *e, vg_engine__dev_t *d, const vg_rule_t *rule, int64_t time_ms,
                                        int others_only, double src_lp);
/* Feed the fleet detectors the held findings whose time every source still waited for has
 * judged (self-ticking: its last judged tick; a source with no data or in outage is not
 * waited for; legacy mode and `all`: every held finding), in time order, and within one time
 * every finding to the other vendors' instances first, then each to its own vendor's: the
 * verdicts do not depend on which source's data arrived first.  Not while a silence
 * judgement runs (e->fleet_defer) or inside a fleet detector's call. */
void vg_engine__fleet_release (vg_engine_t *e, int all);
/* Run one verdict of instance in (rule r, device d) through its episode's lifecycle. */
void vg_engine__apply (vg_engine_t *e, const vg_rule_t *r, vg_engine__inst_t *in, vg_engine__dev_t *d,
                       uint64_t series_id, const vg_verdict_t *v, int64_t now);
/* Open, refresh or close the engine-made episode *slot (device silence or source outage)
 * with verdict v at time now. */
void vg_engine__ep_silence (vg_engine_t *e, vg_engine__ep_t **slot, const vg_rule_t *r, vg_engine__dev_t *d,
                            vg_engine__src_t *src, const char *key, const char *signal, int severity,
                            const vg_verdict_t *v, int64_t now);
/* Lifecycle timers of every open episode (auto close, clear close, announcement after
 * inhibition, periodic update) at its device's time (self-ticking) or at now (legacy). */
void vg_engine__ep_timers (vg_engine_t *e, int64_t now, int legacy);

#endif
