/* detect_feed.c - feed committed batches to a detector engine: device inventory, series
 * declaration with their source, samples ordered in time, events, event-time ticks.
 *
 * Invariant: every sample and event of a batch reaches the engine exactly once or is counted
 * (skipped, late, bad_batches); the feed allocates only when a batch is larger than any
 * before (scratch arrays grow, never shrink). */
#include "collector/detect_feed.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/batch_view.h"
#include "common/arena.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/chunk.h"
#include "common/clock.h"
#include "common/compress.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/samples.h"
#include "common/u64map.h"
#include "proto/batch.h"
#include "proto/batch_skim.h"
#include "proto/vigil.pb-c.h"

typedef struct {
    char *f[6];       /* id, vendor, model, role, site, sw_version */
    vg_device_t view;
} s_dev_t;

struct vg_detect_feed {
    vg_detect_feed_cfg_t cfg;
    vg_engine_t *engine;     /* borrowed */
    vg_detect_feed_stats_t st;
    /* device inventory */
    s_dev_t *devs;
    size_t ndevs, capdevs;
    vg_u64map_t dev_map;     /* hash(id) -> index */
    /* decode scratch */
    vg_arena_t arena;        /* the unpacked batch (reset per batch) */
    ProtobufCAllocator alloc;
    vg_buf_t plain;         /* an inflated batch */
    vg_buf_t rest;          /* a batch's bytes but its series (vg_batch_skim) */
    vg_samples_t scratch;   /* decoded samples of the current batch, series after series */
    size_t used;            /* of scratch */
    struct s_cur {
        uint64_t sid;
        vg_engine_series_ref_t *ref;
        const Vigil__Series *s;
        const s_dev_t *d;
        const char *path;
        size_t off;
        uint32_t n, pos;
        bool state;         /* a STATE series (its kind, kept here: c->s is a cache miss) */
        uint8_t nup;        /* STATE: names mapped in up (0: map each sample's name) */
        uint32_t nnames;    /* STATE: the series' state names in this batch */
        uint64_t up;        /* STATE: bit i = the value of state name i (vg_engine_state_value) */
    } *cur;                 /* decoded series of the current batch */
    uint32_t *heap;         /* merge heap over cur */
    size_t ncur, capcur;
    struct s_okey {
        uint64_t sid;
        uint32_t dev, i;
    } *okey;                /* sort keys of the feeding order */
    size_t capokey;
    uint64_t *osid;         /* a view's sids, in batch order, that operm was made for */
    uint32_t *operm;        /* their id order (positions in batch order) */
    size_t *ooff;           /* a view's sample offset of each series (batch order) */
    size_t nosid, caposid, capoperm, capooff;
    uint32_t *bcount;       /* bucket order: counts per time bucket */
    size_t capb;
    uint32_t *oidx, *oser;  /* bucket order: sample index and its series */
    size_t capo, capos;
    struct s_hint {
        uint64_t sid;
        vg_engine_series_ref_t *ref;
    } *hints;               /* by ingest's series index (view idx): the engine series, if sid matches */
    size_t caphints;
    /* time */
    int64_t event_time, last_tick;
    int64_t *src_tick;       /* each engine source's clock at the last tick (by source index) */
    size_t nsrc_tick, capsrc_tick;
    char source[VG_MAX_ID_LEN + 80]; /* "agent/input" of the current batch's series */
    const char *source_of;   /* the batch string source[] was made from (NULL = none) */
    vg_ratelimit_t rl;       /* undecodable batches */
    vg_ratelimit_t rl_late;  /* late samples */
    vg_detect_batch_fn batch_fn;
    void *batch_ctx;
};


vg_detect_feed_t *
vg_detect_feed_new (const vg_detect_feed_cfg_t *cfg, vg_engine_t *engine)
{
    vg_detect_feed_t *f = calloc (1, sizeof *f);
    if (!f)
        return NULL;
    f->cfg = *cfg;
    /* Committed batches passed ingest's size limit; the bound only stops a runaway. */
    f->arena = (vg_arena_t) VG_ARENA_INIT (256 * 1024, (size_t) 1 << 31);
    vg_batch_arena_allocator (&f->arena, &f->alloc);
    f->engine = engine;
    f->event_time = f->last_tick = INT64_MIN;
    f->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 5);
    f->rl_late = (vg_ratelimit_t) VG_RATELIMIT_INIT (60000, 3);
    return f;
}

/* ------------------------------------------------------------------------------------ */
/* Device inventory */

static uint64_t
s_dev_hash (const char *id)
{
    uint64_t h = vg_hash64 (id, strlen (id), 0x646576);
    return h ? h : 1;
}

static int
s_dev_same (const s_dev_t *d, const vg_device_t *in)
{
    const char *src[6] = { in->id, in->vendor, in->model, in->role, in->site, in->sw_version };
    for (int i = 0; i < 6; i++)
        if (strcmp (d->f[i], src[i] ? src[i] : ""))
            return 0;
    return 1;
}

static void
s_dev_free_fields (s_dev_t *d)
{
    for (int i = 0; i < 6; i++) {
        free (d->f[i]);
        d->f[i] = NULL;
    }
}

/* Remember a device (new or changed inventory) and tell the engine.  Returns the kept
 * record (its view stays valid until the next change of that device), or NULL. */
static const s_dev_t *
s_dev_note (vg_detect_feed_t *f, const vg_device_t *in)
{
    if (!in->id || !in->id[0] || strlen (in->id) >= VG_MAX_ID_LEN)
        return NULL;
    uint64_t h = s_dev_hash (in->id);
    uint32_t idx;
    s_dev_t *d = NULL;
    if (vg_u64map_get (&f->dev_map, h, &idx) && !strcmp (f->devs[idx].f[0], in->id)) {
        d = &f->devs[idx];
        if (s_dev_same (d, in))
            return d;
    }
    if (!d) {
        if (f->ndevs >= (f->cfg.max_devices ? f->cfg.max_devices : 100000))
            return NULL;
        if (vg_array_reserve ((void **) &f->devs, &f->capdevs, f->ndevs + 1, sizeof *f->devs) < 0)
            return NULL;
        /* A hash collision with another id leaves that id's entry reachable only by scan;
         * it is still saved and re-declared correctly (ids are compared, never assumed). */
        d = &f->devs[f->ndevs];
        memset (d, 0, sizeof *d);
        if (vg_u64map_put (&f->dev_map, h, (uint32_t) f->ndevs) < 0)
            return NULL;
        f->ndevs++;
    }
    const char *src[6] = { in->id, in->vendor, in->model, in->role, in->site, in->sw_version };
    char *nf[6];
    for (int i = 0; i < 6; i++) {
        nf[i] = strdup (src[i] ? src[i] : "");
        if (!nf[i]) {
            while (i--)
                free (nf[i]);
            return NULL;
        }
    }
    s_dev_free_fields (d);
    memcpy (d->f, nf, sizeof nf);
    d->view = (vg_device_t) { d->f[0], d->f[1], d->f[2], d->f[3], d->f[4], d->f[5] };
    if (vg_engine_device (f->engine, &d->view) < 0)
        return NULL;
    return d;
}

static const s_dev_t *
s_dev_find (const vg_detect_feed_t *f, const char *id)
{
    uint32_t idx;
    if (vg_u64map_get (&f->dev_map, s_dev_hash (id), &idx) && !strcmp (f->devs[idx].f[0], id))
        return &f->devs[idx];
    return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Feeding one batch */

static int
s_in_window (const vg_detect_feed_t *f, int64_t now, int64_t t)
{
    if (f->cfg.max_past_ms > 0 && t < now - f->cfg.max_past_ms)
        return 0;
    if (f->cfg.max_future_ms > 0 && t > now + f->cfg.max_future_ms)
        return 0;
    return 1;
}

/* Decode one series of a batch into the stage's scratch (appended) and note it in
 * f->cur for the time-ordered merge; invalid series are counted as skipped.  With ingest's
 * view (vs: this series' entry, its samples from vts/vv) the id and samples come from it. */
static void
s_decode_series (vg_detect_feed_t *f, const Vigil__Batch *b, const Vigil__Series *s, const s_dev_t *const *dv,
                 const vg_batch_view_series_t *vs, const int64_t *vts, const double *vv)
{
    if (!dv[s->device] || (vs && vs->idx == VG_BATCH_VIEW_REFUSED)) {
        f->st.skipped += s->count; /* refused by ingest (series ceiling): never stored */
        return;
    }
    const s_dev_t *d = dv[s->device];
    const char *path = b->strings[s->path];
    struct s_hint *hint = vs && vs->idx < f->caphints ? &f->hints[vs->idx] : NULL;
    size_t had = f->caphints;
    if (vs && vs->idx != UINT32_MAX && !hint &&
        vg_array_reserve ((void **) &f->hints, &f->caphints, (size_t) vs->idx + 1, sizeof *f->hints) == 0) {
        memset (f->hints + had, 0, (f->caphints - had) * sizeof *f->hints); /* sid 0: no series */
        hint = &f->hints[vs->idx];
    }
    vg_engine_series_ref_t *ref = hint && hint->sid == vs->sid ? hint->ref : NULL;
    /* The source, whose data time is the series' clock: the agent and its input instance
     * ("pcap#2"), or the input kind for agents that do not name instances.  Formatted once
     * per batch and source string (a batch's series mostly share one). */
    const char *src = s->source && s->source < b->n_strings && b->strings[s->source][0] ? b->strings[s->source]
                      : s->input < b->n_strings && b->strings[s->input][0]                 ? b->strings[s->input]
                                                                                            : "-";
    if (src != f->source_of) {
        snprintf (f->source, sizeof f->source, "%s/%s", b->agent_id ? b->agent_id : "", src);
        f->source_of = src;
    }
    uint64_t sid = vs ? vs->sid : 0;
    if (!ref) {
        vg_label_t labels[VG_MAX_LABELS];
        size_t nl = vg_batch_labels (b, s, labels);
        if (!vs)
            sid = vg_series_id (d->view.id, path, labels, nl);
        vg_series_info_t info = { &d->view, path, labels, nl, (vg_kind_t) s->kind };
        if (vg_engine_series_ref (f->engine, sid, &info, f->source, &ref) < 0) {
            f->st.skipped += s->count;
            return;
        }
        if (hint)
            *hint = (struct s_hint) { sid, ref };
    }
    int codec;
    uint32_t n = vs ? vs->n : 0;
    if ((!vs && vg_chunk_header (s->chunk.data, s->chunk.len, &codec, &n) < 0) ||
        vg_samples_reserve (&f->scratch, f->used + n) < 0) {
        f->st.skipped += s->count;
        return;
    }
    if (f->ncur == f->capcur) {
        size_t nc = f->capcur ? f->capcur * 2 : 256;
        struct s_cur *ncur = realloc (f->cur, nc * sizeof *ncur);
        uint32_t *nh = realloc (f->heap, nc * sizeof *nh);
        if (ncur)
            f->cur = ncur;
        if (nh)
            f->heap = nh;
        if (!ncur || !nh) {
            f->st.skipped += s->count;
            return;
        }
        f->capcur = nc;
    }
    size_t got = 0, used = 0;
    if (vs) {
        memcpy (f->scratch.ts + f->used, vts, n * sizeof *vts);
        memcpy (f->scratch.v + f->used, vv, n * sizeof *vv);
        got = n;
    } else if (vg_chunk_decode (s->chunk.data, s->chunk.len, f->scratch.ts + f->used, f->scratch.v + f->used,
                                f->scratch.cap - f->used, &got, &used) < 0) {
        f->st.skipped += s->count;
        return;
    }
    struct s_cur *c = &f->cur[f->ncur++];
    *c = (struct s_cur) { sid, ref, s, d, path, f->used, (uint32_t) got, 0,
                          s->kind == VIGIL__SERIES_KIND__SERIES_KIND_STATE, 0,
                          (uint32_t) s->n_state_names, 0 };
    if (c->state && s->n_state_names <= 64) {
        size_t k = 0;
        for (; k < s->n_state_names && s->state_names[k]; k++)
            c->up |= (uint64_t) (vg_engine_state_value (s->state_names[k]) != 0) << k;
        c->nup = k == s->n_state_names ? (uint8_t) k : 0;
    }
    f->used += got;
}

/* A sample the engine refused as late: counted and logged (rate-limited). */
static __attribute__ ((noinline, cold)) void
s_late (vg_detect_feed_t *f, const struct s_cur *c, int64_t t)
{
    f->st.late++;
    char when[40];
    vg_clock_rfc3339 (t, when, sizeof when);
    vg_log_rl (&f->rl_late, VG_LOG_WARN, "detect",
               "late sample skipped by detection (stored all the same): %s %s at %s is older than what this "
               "device's stream already analysed, by more than detect.lateness (%lld ms); %llu late so far",
               c->d->view.id, c->path, when, (long long) f->cfg.lateness_ms, (unsigned long long) f->st.late);
}

/* Feed one decoded sample of series c (inline: once per sample, from the merge's loops). */
static inline __attribute__ ((always_inline)) void
s_feed_one (vg_detect_feed_t *f, const struct s_cur *c, int64_t t, double v, int64_t now, int64_t *max_ts)
{
    if (!s_in_window (f, now, t)) {
        f->st.skipped++;
        return;
    }
    int rc;
    if (c->state) {
        if (!(v >= 0 && v < (double) c->nnames)) {
            f->st.skipped++;
            return;
        }
        size_t k = (size_t) v;
        rc = k < c->nup ? vg_engine_sample_ref (f->engine, c->ref, t, (double) ((c->up >> k) & 1))
                        : vg_engine_state (f->engine, c->sid, t, c->s->state_names[k]);
    } else {
        rc = vg_engine_sample_ref (f->engine, c->ref, t, v);
    }
    if (rc == -VG_ERANGE)
        s_late (f, c, t);
    f->st.samples++;
    if (t > *max_ts)
        *max_ts = t;
}

/* Sift heap slot i down (min-heap of series cursors by their next timestamp, ties by
 * position in the batch). */
static inline int
s_cur_less (const vg_detect_feed_t *f, uint32_t a, uint32_t b)
{
    const struct s_cur *x = &f->cur[a], *y = &f->cur[b];
    int64_t tx = f->scratch.ts[x->off + x->pos], ty = f->scratch.ts[y->off + y->pos];
    return tx < ty || (tx == ty && a < b);
}

static void
s_sift (vg_detect_feed_t *f, size_t n, size_t i)
{
    uint32_t *h = f->heap;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && s_cur_less (f, h[l], h[m]))
            m = l;
        if (l + 1 < n && s_cur_less (f, h[l + 1], h[m]))
            m = l + 1;
        if (m == i)
            return;
        uint32_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static int
s_okey_cmp (const void *a, const void *b)
{
    const struct s_okey *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    if (x->sid != y->sid)
        return x->sid < y->sid ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* The order in which to take a view's series: by device, then series id (stable), in
 * f->operm, and each series' sample offset in f->ooff.  The engine keeps each stream's
 * samples of one instant in (time, series id) order; fed in batch order (the agent's) nearly
 * every sample is an insertion into its stream's reorder buffer, fed in id order an append,
 * and a device's series together keep its stream in cache.  What the engine releases is the
 * same in any order: the order only changes which of one time bucket's samples arrive first
 * (s_feed_merged), and none of them can be behind a watermark another moved.  An agent's
 * batches mostly repeat their series in the same order, so the last permutation is reused
 * when the ids match.  Returns 0, or -1 (no memory: batch order). */
static int
s_view_order (vg_detect_feed_t *f, const Vigil__Batch *b, const vg_batch_view_t *vw)
{
    size_t n = vw->nseries;
    if (vg_array_reserve ((void **) &f->ooff, &f->capooff, n, sizeof *f->ooff) < 0)
        return -1;
    int same = n == f->nosid;
    for (size_t i = 0, off = 0; i < n; i++) {
        f->ooff[i] = off;
        off += vw->series[i].n;
        same = same && f->osid[i] == vw->series[i].sid;
    }
    if (same)
        return 0;
    if (vg_array_reserve ((void **) &f->okey, &f->capokey, n, sizeof *f->okey) < 0 ||
        vg_array_reserve ((void **) &f->osid, &f->caposid, n, sizeof *f->osid) < 0 ||
        vg_array_reserve ((void **) &f->operm, &f->capoperm, n, sizeof *f->operm) < 0) {
        f->nosid = 0;
        return -1;
    }
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        f->okey[i] = (struct s_okey) { vw->series[i].sid, b->series[i]->device, (uint32_t) i };
        f->osid[i] = vw->series[i].sid;
        sorted &= i == 0 || s_okey_cmp (&f->okey[i - 1], &f->okey[i]) < 0;
    }
    if (!sorted)
        qsort (f->okey, n, sizeof *f->okey, s_okey_cmp);
    for (size_t i = 0; i < n; i++)
        f->operm[i] = f->okey[i].i;
    f->nosid = n;
    return 0;
}

/* Feed the batch's decoded series in time order: a batch packs each series' samples
 * together (series-major), which would otherwise look out of order to the engine whenever
 * a batch spans more data time than detect.lateness (any fast replay).  Order needed is
 * only up to half the lateness (the engine puts the rest in order): a batch spanning less
 * is fed as it is, a longer one by a stable counting sort into lateness/2 time buckets,
 * and only when that would need too many buckets (or lateness is 0) by an exact merge. */
static void
s_feed_merged (vg_detect_feed_t *f, int64_t now, int64_t *max_ts)
{
    int64_t w = f->cfg.lateness_ms / 2, tmin = INT64_MAX, tmax = INT64_MIN;
    for (size_t i = 0; i < f->used; i++) {
        int64_t t = f->scratch.ts[i];
        if (t < tmin)
            tmin = t;
        if (t > tmax)
            tmax = t;
    }
    if (f->used && w > 0 && (uint64_t) tmax - (uint64_t) tmin <= (uint64_t) w) {
        for (size_t i = 0; i < f->ncur; i++) {
            struct s_cur *c = &f->cur[i];
            for (; c->pos < c->n; c->pos++)
                s_feed_one (f, c, f->scratch.ts[c->off + c->pos], f->scratch.v[c->off + c->pos], now, max_ts);
        }
        f->ncur = f->used = 0;
        return;
    }
    uint64_t nb = f->used && w > 0 ? ((uint64_t) tmax - (uint64_t) tmin) / (uint64_t) w + 1 : UINT64_MAX;
    if (nb <= f->used + 1024 && vg_array_reserve ((void **) &f->bcount, &f->capb, (size_t) nb + 1, sizeof *f->bcount) == 0 &&
        vg_array_reserve ((void **) &f->oidx, &f->capo, f->used, sizeof *f->oidx) == 0) {
        if (vg_array_reserve ((void **) &f->oser, &f->capos, f->used, sizeof *f->oser) == 0) {
            uint32_t *bc = f->bcount;
            memset (bc, 0, ((size_t) nb + 1) * sizeof *bc);
            for (size_t i = 0; i < f->used; i++)
                bc[((uint64_t) f->scratch.ts[i] - (uint64_t) tmin) / (uint64_t) w + 1]++;
            for (size_t b = 1; b <= nb; b++)
                bc[b] += bc[b - 1];
            for (size_t ci = 0; ci < f->ncur; ci++) {
                const struct s_cur *c = &f->cur[ci];
                for (uint32_t k = 0; k < c->n; k++) {
                    size_t i = c->off + k;
                    uint32_t at = bc[((uint64_t) f->scratch.ts[i] - (uint64_t) tmin) / (uint64_t) w]++;
                    f->oidx[at] = (uint32_t) i;
                    f->oser[at] = (uint32_t) ci;
                }
            }
            for (size_t k = 0; k < f->used; k++) {
                uint32_t i = f->oidx[k];
                s_feed_one (f, &f->cur[f->oser[k]], f->scratch.ts[i], f->scratch.v[i], now, max_ts);
            }
            f->ncur = f->used = 0;
            return;
        }
    }
    size_t n = 0;
    for (size_t i = 0; i < f->ncur; i++)
        if (f->cur[i].n)
            f->heap[n++] = (uint32_t) i;
    for (size_t i = n / 2; i-- > 0;)
        s_sift (f, n, i);
    while (n) {
        struct s_cur *c = &f->cur[f->heap[0]];
        s_feed_one (f, c, f->scratch.ts[c->off + c->pos], f->scratch.v[c->off + c->pos], now, max_ts);
        if (++c->pos == c->n)
            f->heap[0] = f->heap[--n];
        s_sift (f, n, 0);
    }
    f->ncur = 0;
    f->used = 0;
}

static void
s_feed_event (vg_detect_feed_t *f, const Vigil__Batch *b, const Vigil__Event *e, const s_dev_t *const *dv,
              int64_t now, int64_t *max_ts)
{
    if (!dv[e->device] || !s_in_window (f, now, e->ts_ms)) {
        f->st.skipped++;
        return;
    }
    vg_label_t attrs[VG_MAX_ATTRS];
    size_t na = e->n_attrs;
    for (size_t i = 0; i < na; i++) {
        attrs[i].key = e->attrs[i]->key;
        attrs[i].value = e->attrs[i]->value;
    }
    vg_flow_t flow;
    vg_gap_t gap;
    const s_dev_t *d = dv[e->device];
    vg_event_t ev = { d->view.id, e->ts_ms, (vg_event_type_t) e->type, attrs, na, NULL, NULL, b->strings[e->input] };
    vg_batch_event_extras (e->flow, e->gap, &flow, &gap, &ev);
    if (vg_engine_event (f->engine, &ev, &d->view) < 0) {
        f->st.skipped++;
        return;
    }
    f->st.events++;
    if (e->ts_ms > *max_ts)
        *max_ts = e->ts_ms;
}

int
vg_detect_feed_batch (vg_detect_feed_t *f, const uint8_t *p, size_t len, int64_t now_ms)
{
    return vg_detect_feed_batch_view (f, p, len, NULL, 0, now_ms);
}

/* Did any engine source's clock advance tick_ms since the last tick?  The engine's time is
 * the newest of all sources: once the fastest source's data ended (a capture replayed at
 * speed max beside a slower input), it no longer moves, yet the slower sources' episodes
 * fall due at their devices' clocks (oneshot closes, periodic updates, clears), and the
 * lifecycle timers run only in vg_engine_tick: a tick is due when any source moved a tick. */
static int
s_source_moved (const vg_detect_feed_t *f)
{
    size_t n = vg_engine_nsources (f->engine);
    for (size_t i = 0; i < n; i++) {
        int64_t c;
        if (!vg_engine_source_at (f->engine, i, &c) || c == INT64_MIN)
            continue;
        if (i >= f->nsrc_tick || f->src_tick[i] == INT64_MIN || c - f->src_tick[i] >= f->cfg.tick_ms)
            return 1;
    }
    return 0;
}

/* Remember every source's clock at this tick (sources only grow; out of memory: those not
 * remembered count as moved, so ticks come with every batch rather than never). */
static void
s_source_mark (vg_detect_feed_t *f)
{
    size_t n = vg_engine_nsources (f->engine);
    if (n > f->capsrc_tick && vg_array_reserve ((void **) &f->src_tick, &f->capsrc_tick, n, sizeof *f->src_tick) < 0)
        n = f->capsrc_tick;
    for (size_t i = 0; i < n; i++)
        if (!vg_engine_source_at (f->engine, i, &f->src_tick[i]))
            f->src_tick[i] = INT64_MIN;
    f->nsrc_tick = n;
}

int
vg_detect_feed_batch_view (vg_detect_feed_t *f, const uint8_t *p, size_t len, const uint8_t *view, size_t view_len,
                           int64_t now_ms)
{
    if (vg_is_zstd (p, len)) {
        /* The server hands over inflated batches; a compressed one (offline replay of a
         * spool, say) is inflated here under the same bound as ingest's default. */
        if (vg_zstd_decompress (p, len, 64u << 20, &f->plain) < 0) {
            f->st.bad_batches++;
            return -VG_EPROTO;
        }
        p = f->plain.data;
        len = f->plain.len;
    }
    /* Committed batches passed ingest's limits; here only the structure matters. */
    static const vg_batch_limits_t lim = { UINT32_MAX, UINT32_MAX, UINT32_MAX };
    vg_arena_reset (&f->arena);
    /* Series' samples are read from ingest's view or decoded from their chunks in place:
     * skimmed, nothing of a series is copied but its labels and state names.  A batch
     * callback (fleet publisher) gets protobuf-c's complete batch. */
    Vigil__Batch *b = f->batch_fn ? vigil__batch__unpack (&f->alloc, len, p)
                                  : vg_batch_skim (&f->alloc, &f->arena, &f->rest, p, len);
    char why[200] = "not a vigil.Batch";
    size_t total = 0;
    if (!b || vg_batch_validate (b, &lim, &total, why, sizeof why) < 0) {
        f->st.bad_batches++;
        vg_log_rl (&f->rl, VG_LOG_WARN, "detect", "skipping an undecodable batch (%zu bytes): %s", len, why);
        return -VG_EPROTO;
    }
    /* Ingest's view, when it is one of this batch (same series and sample counts). */
    vg_batch_view_t vw = { 0 };
    int use_view = view && vg_batch_view_parse (view, view_len, &vw) == 0 && vw.nseries == b->n_series &&
                   vw.nsamples == total;
    for (size_t i = 0; use_view && i < b->n_series; i++)
        use_view = vw.series[i].n == b->series[i]->count;
    f->st.viewed += (uint64_t) use_view;
    const s_dev_t *small[64];
    const s_dev_t **dv = b->n_devices <= 64 ? small : malloc (b->n_devices * sizeof *dv);
    if (!dv)
        return -VG_ENOMEM;
    /* Device records can move when the table grows: resolve pointers after all notes. */
    for (size_t i = 0; i < b->n_devices; i++) {
        const Vigil__Device *d = b->devices[i];
        vg_device_t in = { d->id, d->vendor, d->model, d->role, d->site, d->sw_version };
        s_dev_note (f, &in);
    }
    for (size_t i = 0; i < b->n_devices; i++)
        dv[i] = b->devices[i]->id ? s_dev_find (f, b->devices[i]->id) : NULL;
    int64_t now = now_ms;
    int64_t max_ts = INT64_MIN;
    f->source_of = NULL;
    if (use_view && s_view_order (f, b, &vw) == 0) {
        for (size_t k = 0; k < b->n_series; k++) {
            size_t i = f->operm[k];
            s_decode_series (f, b, b->series[i], dv, &vw.series[i], vw.ts + f->ooff[i], vw.v + f->ooff[i]);
        }
    } else {
        for (size_t i = 0, off = 0; i < b->n_series; i++) {
            if (use_view)
                s_decode_series (f, b, b->series[i], dv, &vw.series[i], vw.ts + off, vw.v + off);
            else
                s_decode_series (f, b, b->series[i], dv, NULL, NULL, NULL);
            off += b->series[i]->count;
        }
    }
    s_feed_merged (f, now, &max_ts);
    for (size_t i = 0; i < b->n_events; i++)
        s_feed_event (f, b, b->events[i], dv, now, &max_ts);
    if (max_ts > f->event_time)
        f->event_time = max_ts;
    if (f->event_time != INT64_MIN &&
        (f->last_tick == INT64_MIN || f->event_time - f->last_tick >= f->cfg.tick_ms || s_source_moved (f))) {
        vg_engine_tick (f->engine, f->event_time);
        f->last_tick = f->event_time;
        s_source_mark (f);
    }
    if (f->batch_fn)
        f->batch_fn (f->batch_ctx, b);
    if (dv != small)
        free (dv);
    f->st.batches++;
    return 0;
}

const vg_device_t *
vg_detect_feed_device (vg_detect_feed_t *f, const vg_device_t *in)
{
    const s_dev_t *d = s_dev_note (f, in);
    return d ? &d->view : NULL;
}

void
vg_detect_feed_on_batch (vg_detect_feed_t *f, vg_detect_batch_fn fn, void *ctx)
{
    f->batch_fn = fn;
    f->batch_ctx = ctx;
}

const vg_device_t *
vg_detect_feed_find (const vg_detect_feed_t *f, const char *id)
{
    const s_dev_t *d = s_dev_find (f, id);
    return d ? &d->view : NULL;
}

int
vg_detect_feed_set_engine (vg_detect_feed_t *f, vg_engine_t *engine)
{
    f->engine = engine;
    f->nsrc_tick = 0; /* the new engine's sources (its own order) */
    if (f->hints) /* they point into the old engine */
        memset (f->hints, 0, f->caphints * sizeof *f->hints);
    for (size_t i = 0; i < f->ndevs; i++)
        if (vg_engine_device (engine, &f->devs[i].view) < 0)
            return -VG_ENOMEM;
    return 0;
}

size_t
vg_detect_feed_ndevices (const vg_detect_feed_t *f)
{
    return f->ndevs;
}

const vg_device_t *
vg_detect_feed_device_at (const vg_detect_feed_t *f, size_t i)
{
    return i < f->ndevs ? &f->devs[i].view : NULL;
}

int64_t
vg_detect_feed_event_time (const vg_detect_feed_t *f)
{
    return f->event_time;
}

void
vg_detect_feed_set_event_time (vg_detect_feed_t *f, int64_t t)
{
    f->event_time = f->last_tick = t;
}

void
vg_detect_feed_stats (const vg_detect_feed_t *f, vg_detect_feed_stats_t *out)
{
    *out = f->st;
}

void
vg_detect_feed_destroy (vg_detect_feed_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_detect_feed_t *f = *self_p;
    for (size_t i = 0; i < f->ndevs; i++)
        s_dev_free_fields (&f->devs[i]);
    free (f->devs);
    vg_u64map_free (&f->dev_map);
    vg_samples_free (&f->scratch);
    free (f->cur);
    free (f->heap);
    free (f->okey);
    free (f->osid);
    free (f->operm);
    free (f->ooff);
    free (f->bcount);
    free (f->oidx);
    free (f->oser);
    free (f->hints);
    free (f->src_tick);
    vg_buf_free (&f->plain);
    vg_buf_free (&f->rest);
    vg_arena_free (&f->arena);
    free (f);
    *self_p = NULL;
}
