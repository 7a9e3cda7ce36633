/* detect_stage.c - committed batches -> detector engine -> alert records (see detect_stage.h).
 *
 * Threads: vg_detect_stage_new/submit/stop run in the server's thread; everything that
 * touches the engine, the stage's write batch or the device table runs in the stage
 * thread once it is started (or in the caller's thread with vg_detect_stage_process).
 * Counters are published to an array of atomics after each loop turn. */
#include "collector/detect_stage.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "store/alert_store.h"
#include "common/chunk.h"
#include "common/clock.h"
#include "common/compress.h"
#include "common/err.h"
#include "common/samples.h"
#include "common/hash.h"
#include "common/log.h"
#include "detectors/rules.h"
#include "common/u64map.h"
#include "proto/batch.h"
#include "proto/vigil.pb-c.h"

#define S_STATE_KEY "engine"
#define S_MAX_RULES_BYTES (4u << 20)
#define S_NSTATS (sizeof (vg_detect_stage_stats_t) / sizeof (uint64_t))

_Static_assert (sizeof (vg_detect_stage_stats_t) % sizeof (uint64_t) == 0, "stats are 8-byte fields");

typedef struct {
    char *f[6];       /* id, vendor, model, role, site, sw_version */
    vg_device_t view;
} s_dev_t;

struct vg_detect_stage {
    vg_detect_stage_cfg_t cfg;
    vg_store_t *store;
    vg_rules_t *rules;
    vg_engine_t *engine;
    vg_store_txn_t *txn;
    uint64_t txn_alerts;
    vg_buf_t json, blob, packed, plain;
    /* hooks */
    vg_detect_alert_hook alert_fn;
    void *alert_ctx;
    vg_detect_commit_hook commit_fn;
    void *commit_ctx;
    vg_detect_poll_fn poll_fn;
    void *poll_ctx;
    int poll_fd;           /* extra fd that wakes the loop; -1 = none */
    /* device inventory (saved with the state so series can be re-declared before load) */
    s_dev_t *devs;
    size_t ndevs, capdevs;
    vg_u64map_t dev_map;     /* hash(id) -> index */
    /* decode scratch */
    vg_samples_t scratch;   /* decoded samples of the current batch, series after series */
    size_t used;            /* of scratch */
    struct s_cur {
        uint64_t sid;
        const Vigil__Series *s;
        const s_dev_t *d;
        const char *path;
        size_t off;
        uint32_t n, pos;
    } *cur;                 /* decoded series of the current batch */
    uint32_t *heap;         /* merge heap over cur */
    size_t ncur, capcur;
    uint32_t *bcount;       /* bucket order: counts per time bucket */
    size_t capb;
    uint32_t *oidx, *oser;  /* bucket order: sample index and its series */
    size_t capo, capos;
    /* time */
    int64_t event_time, last_tick;
    struct s_idle {
        int64_t base, base_wall, set; /* clock at its last data advance, wall then, last value we set */
    } *idle;
    size_t nidle;
    char source[VG_MAX_ID_LEN + 80]; /* scratch: "agent/input" */
    int64_t next_save_mono;
    int dirty;               /* batches processed since the last save */
    uint64_t batches_life;   /* persisted batch count */
    /* thread and queue */
    void *zctx, *rx, *tx;
    pthread_t thread;
    int started, stopped, ready;
    int final_rc;
    atomic_int dead;
    atomic_uint_least64_t submitted;
    /* counters: owned by the stage thread, mirrored for readers */
    vg_detect_stage_stats_t st;
    atomic_uint_least64_t mirror[S_NSTATS];
    vg_ratelimit_t rl;       /* stage thread */
    vg_ratelimit_t rl_late;  /* stage thread: late samples */
    vg_ratelimit_t rl_submit; /* submitting thread */
};

/* ------------------------------------------------------------------------------------ */
/* Counters */

static void
s_publish (vg_detect_stage_t *st)
{
    vg_engine_stats (st->engine, &st->st.engine);
    st->st.event_time_ms = st->event_time == INT64_MIN ? 0 : st->event_time;
    uint64_t tmp[S_NSTATS];
    memcpy (tmp, &st->st, sizeof tmp);
    for (size_t i = 0; i < S_NSTATS; i++)
        atomic_store_explicit (&st->mirror[i], tmp[i], memory_order_relaxed);
}

void
vg_detect_stage_stats (const vg_detect_stage_t *st, vg_detect_stage_stats_t *out)
{
    uint64_t tmp[S_NSTATS];
    for (size_t i = 0; i < S_NSTATS; i++)
        tmp[i] = atomic_load_explicit (&((vg_detect_stage_t *) st)->mirror[i], memory_order_relaxed);
    memcpy (out, tmp, sizeof tmp);
    uint64_t sub = atomic_load_explicit (&((vg_detect_stage_t *) st)->submitted, memory_order_relaxed);
    out->queued = sub > out->batches + out->bad_batches ? sub - out->batches - out->bad_batches : 0;
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
s_dev_note (vg_detect_stage_t *st, const vg_device_t *in)
{
    if (!in->id || !in->id[0] || strlen (in->id) >= VG_MAX_ID_LEN)
        return NULL;
    uint64_t h = s_dev_hash (in->id);
    uint32_t idx;
    s_dev_t *d = NULL;
    if (vg_u64map_get (&st->dev_map, h, &idx) && !strcmp (st->devs[idx].f[0], in->id)) {
        d = &st->devs[idx];
        if (s_dev_same (d, in))
            return d;
    }
    if (!d) {
        if (st->ndevs >= (st->cfg.engine.max_devices ? st->cfg.engine.max_devices : 100000))
            return NULL;
        if (st->ndevs == st->capdevs) {
            size_t nc = st->capdevs ? st->capdevs * 2 : 64;
            s_dev_t *nd = realloc (st->devs, nc * sizeof *nd);
            if (!nd)
                return NULL;
            st->devs = nd;
            st->capdevs = nc;
        }
        /* A hash collision with another id leaves that id's entry reachable only by scan;
         * it is still saved and re-declared correctly (ids are compared, never assumed). */
        d = &st->devs[st->ndevs];
        memset (d, 0, sizeof *d);
        if (vg_u64map_put (&st->dev_map, h, (uint32_t) st->ndevs) < 0)
            return NULL;
        st->ndevs++;
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
    if (vg_engine_device (st->engine, &d->view) < 0)
        return NULL;
    return d;
}

static const s_dev_t *
s_dev_find (const vg_detect_stage_t *st, const char *id)
{
    uint32_t idx;
    if (vg_u64map_get (&st->dev_map, s_dev_hash (id), &idx) && !strcmp (st->devs[idx].f[0], id))
        return &st->devs[idx];
    return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Alerts and commits */

static void
s_on_alert (void *ctx, const vg_alert_t *a)
{
    vg_detect_stage_t *st = ctx;
    if (vg_alert_store_put (st->txn, a, &st->json) < 0) {
        st->st.alerts_lost++;
        return;
    }
    st->txn_alerts++;
    st->st.alerts++;
    if (st->alert_fn)
        st->alert_fn (st->alert_ctx, a, st->txn);
}

/* Add the saved state to the stage's txn. */
static int
s_put_state (vg_detect_stage_t *st)
{
    vg_buf_reset (&st->blob);
    int rc = vg_engine_save (st->engine, &st->blob);
    if (rc < 0)
        return rc;
    Vigil__Device *devs = st->ndevs ? calloc (st->ndevs, sizeof *devs) : NULL;
    Vigil__Device **ptrs = st->ndevs ? calloc (st->ndevs, sizeof *ptrs) : NULL;
    if (st->ndevs && (!devs || !ptrs)) {
        free (devs);
        free (ptrs);
        return -VG_ENOMEM;
    }
    for (size_t i = 0; i < st->ndevs; i++) {
        vigil__device__init (&devs[i]);
        devs[i].id = st->devs[i].f[0];
        devs[i].vendor = st->devs[i].f[1];
        devs[i].model = st->devs[i].f[2];
        devs[i].role = st->devs[i].f[3];
        devs[i].site = st->devs[i].f[4];
        devs[i].sw_version = st->devs[i].f[5];
        ptrs[i] = &devs[i];
    }
    Vigil__DetectState ds = VIGIL__DETECT_STATE__INIT;
    ds.version = 1;
    ds.rules_digest = st->rules->digest;
    ds.saved_ms = vg_clock_now_ms ();
    ds.event_time_ms = st->event_time == INT64_MIN ? 0 : st->event_time;
    ds.n_devices = st->ndevs;
    ds.devices = ptrs;
    ds.engine.data = st->blob.data;
    ds.engine.len = st->blob.len;
    ds.batches = st->batches_life;
    size_t sz = vigil__detect_state__get_packed_size (&ds);
    vg_buf_reset (&st->packed);
    rc = vg_buf_reserve (&st->packed, sz);
    if (rc == 0) {
        vigil__detect_state__pack (&ds, st->packed.data);
        st->packed.len = sz;
        vg_store_txn_put (st->txn, VG_CF_DETSTATE, S_STATE_KEY, strlen (S_STATE_KEY), st->packed.data, sz);
    }
    free (devs);
    free (ptrs);
    return rc;
}

/* Commit the txn (alerts, and the state when a save is due or forced). */
static int
s_finish (vg_detect_stage_t *st, int force_save)
{
    int64_t mono = vg_clock_mono_ms ();
    int save = st->dirty && (force_save || (st->cfg.save_every_ms > 0 && mono >= st->next_save_mono));
    int rc = 0;
    if (save) {
        rc = s_put_state (st);
        if (rc < 0) {
            st->st.save_errors++;
            vg_log_rl (&st->rl, VG_LOG_WARN, "detect", "saving detector state failed: %s", vg_strerror (rc));
            save = 0;
        }
    }
    if (vg_store_txn_count (st->txn) == 0)
        return rc;
    char err[256] = "";
    int crc = -VG_ESTORE;
    for (int attempt = 0; attempt < 3 && crc < 0; attempt++) {
        crc = vg_store_commit (st->store, st->txn, err, sizeof err);
        if (crc < 0 && attempt < 2) {
            struct timespec ts = { 0, 100 * 1000000L };
            nanosleep (&ts, NULL);
        }
    }
    if (crc == 0) {
        st->st.commits++;
        if (save) {
            st->st.saves++;
            st->st.save_bytes = st->packed.len;
            st->dirty = 0;
            st->next_save_mono = mono + st->cfg.save_every_ms;
        }
        if (st->txn_alerts && st->commit_fn)
            st->commit_fn (st->commit_ctx);
    } else {
        st->st.commit_errors++;
        st->st.alerts_lost += st->txn_alerts;
        if (save)
            st->st.save_errors++;
        vg_log_rl (&st->rl, VG_LOG_ERROR, "detect", "committing %llu alert records failed: %s",
                   (unsigned long long) st->txn_alerts, err);
        rc = crc;
    }
    vg_store_txn_clear (st->txn);
    st->txn_alerts = 0;
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Feeding one batch */

static int
s_in_window (const vg_detect_stage_t *st, int64_t now, int64_t t)
{
    if (st->cfg.max_past_ms > 0 && t < now - st->cfg.max_past_ms)
        return 0;
    if (st->cfg.max_future_ms > 0 && t > now + st->cfg.max_future_ms)
        return 0;
    return 1;
}

/* Decode one series of a batch into the stage's scratch (appended) and note it in
 * st->cur for the time-ordered merge; invalid series are counted as skipped. */
static void
s_decode_series (vg_detect_stage_t *st, const Vigil__Batch *b, const Vigil__Series *s, const s_dev_t *const *dv)
{
    if (!dv[s->device]) {
        st->st.skipped += s->count;
        return;
    }
    vg_label_t labels[VG_MAX_LABELS];
    size_t nl = vg_batch_labels (b, s, labels);
    const s_dev_t *d = dv[s->device];
    const char *path = b->strings[s->path];
    uint64_t sid = vg_series_id (d->view.id, path, labels, nl);
    vg_series_info_t info = { &d->view, path, labels, nl, (vg_kind_t) s->kind };
    /* The source: the agent and the input kind that produced the series. */
    snprintf (st->source, sizeof st->source, "%s/%s", b->agent_id ? b->agent_id : "",
              s->input < b->n_strings && b->strings[s->input][0] ? b->strings[s->input] : "-");
    int codec;
    uint32_t n = 0;
    if (vg_engine_series_from (st->engine, sid, &info, st->source) < 0 ||
        vg_chunk_header (s->chunk.data, s->chunk.len, &codec, &n) < 0 || vg_samples_reserve (&st->scratch, st->used + n) < 0) {
        st->st.skipped += s->count;
        return;
    }
    if (st->ncur == st->capcur) {
        size_t nc = st->capcur ? st->capcur * 2 : 256;
        struct s_cur *ncur = realloc (st->cur, nc * sizeof *ncur);
        uint32_t *nh = realloc (st->heap, nc * sizeof *nh);
        if (ncur)
            st->cur = ncur;
        if (nh)
            st->heap = nh;
        if (!ncur || !nh) {
            st->st.skipped += s->count;
            return;
        }
        st->capcur = nc;
    }
    size_t got = 0, used = 0;
    if (vg_chunk_decode (s->chunk.data, s->chunk.len, st->scratch.ts + st->used, st->scratch.v + st->used,
                         st->scratch.cap - st->used, &got, &used) < 0) {
        st->st.skipped += s->count;
        return;
    }
    st->cur[st->ncur++] = (struct s_cur) { sid, s, d, path, st->used, (uint32_t) got, 0 };
    st->used += got;
}

/* Feed one decoded sample of series c. */
static void
s_feed_one (vg_detect_stage_t *st, const struct s_cur *c, int64_t t, double v, int64_t now, int64_t *max_ts)
{
    if (!s_in_window (st, now, t)) {
        st->st.skipped++;
        return;
    }
    int rc;
    if (c->s->kind == VIGIL__SERIES_KIND__SERIES_KIND_STATE) {
        if (!(v >= 0 && v < (double) c->s->n_state_names)) {
            st->st.skipped++;
            return;
        }
        rc = vg_engine_state (st->engine, c->sid, t, c->s->state_names[(size_t) v]);
    } else {
        rc = vg_engine_sample (st->engine, c->sid, t, v);
    }
    if (rc == -VG_ERANGE) {
        st->st.late++;
        char when[40];
        vg_clock_rfc3339 (t, when, sizeof when);
        vg_log_rl (&st->rl_late, VG_LOG_WARN, "detect",
                   "late sample skipped by detection (stored all the same): %s %s at %s is older than what this "
                   "device's stream already analysed, by more than detect.lateness (%lld ms); %llu late so far",
                   c->d->view.id, c->path, when, (long long) st->cfg.lateness_ms,
                   (unsigned long long) st->st.late);
    }
    st->st.samples++;
    if (t > *max_ts)
        *max_ts = t;
}

/* Sift heap slot i down (min-heap of series cursors by their next timestamp, ties by
 * position in the batch). */
static inline int
s_cur_less (const vg_detect_stage_t *st, uint32_t a, uint32_t b)
{
    const struct s_cur *x = &st->cur[a], *y = &st->cur[b];
    int64_t tx = st->scratch.ts[x->off + x->pos], ty = st->scratch.ts[y->off + y->pos];
    return tx < ty || (tx == ty && a < b);
}

static void
s_sift (vg_detect_stage_t *st, size_t n, size_t i)
{
    uint32_t *h = st->heap;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && s_cur_less (st, h[l], h[m]))
            m = l;
        if (l + 1 < n && s_cur_less (st, h[l + 1], h[m]))
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
s_grow_u32 (uint32_t **p, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 1024;
    while (nc < n)
        nc *= 2;
    uint32_t *np = realloc (*p, nc * sizeof *np);
    if (!np)
        return -1;
    *p = np;
    *cap = nc;
    return 0;
}

/* Feed the batch's decoded series in time order: a batch packs each series' samples
 * together (series-major), which would otherwise look out of order to the engine whenever
 * a batch spans more data time than detect.lateness (any fast replay).  Order needed is
 * only up to half the lateness (the engine puts the rest in order): a batch spanning less
 * is fed as it is, a longer one by a stable counting sort into lateness/2 time buckets,
 * and only when that would need too many buckets (or lateness is 0) by an exact merge. */
static void
s_feed_merged (vg_detect_stage_t *st, int64_t now, int64_t *max_ts)
{
    int64_t w = st->cfg.lateness_ms / 2, tmin = INT64_MAX, tmax = INT64_MIN;
    for (size_t i = 0; i < st->used; i++) {
        int64_t t = st->scratch.ts[i];
        if (t < tmin)
            tmin = t;
        if (t > tmax)
            tmax = t;
    }
    if (st->used && w > 0 && (uint64_t) tmax - (uint64_t) tmin <= (uint64_t) w) {
        for (size_t i = 0; i < st->ncur; i++) {
            struct s_cur *c = &st->cur[i];
            for (; c->pos < c->n; c->pos++)
                s_feed_one (st, c, st->scratch.ts[c->off + c->pos], st->scratch.v[c->off + c->pos], now, max_ts);
        }
        st->ncur = st->used = 0;
        return;
    }
    uint64_t nb = st->used && w > 0 ? ((uint64_t) tmax - (uint64_t) tmin) / (uint64_t) w + 1 : UINT64_MAX;
    if (nb <= st->used + 1024 && s_grow_u32 (&st->bcount, &st->capb, (size_t) nb + 1) == 0 &&
        s_grow_u32 (&st->oidx, &st->capo, st->used) == 0) {
        if (s_grow_u32 (&st->oser, &st->capos, st->used) == 0) {
            uint32_t *bc = st->bcount;
            memset (bc, 0, ((size_t) nb + 1) * sizeof *bc);
            for (size_t i = 0; i < st->used; i++)
                bc[((uint64_t) st->scratch.ts[i] - (uint64_t) tmin) / (uint64_t) w + 1]++;
            for (size_t b = 1; b <= nb; b++)
                bc[b] += bc[b - 1];
            for (size_t ci = 0; ci < st->ncur; ci++) {
                const struct s_cur *c = &st->cur[ci];
                for (uint32_t k = 0; k < c->n; k++) {
                    size_t i = c->off + k;
                    uint32_t at = bc[((uint64_t) st->scratch.ts[i] - (uint64_t) tmin) / (uint64_t) w]++;
                    st->oidx[at] = (uint32_t) i;
                    st->oser[at] = (uint32_t) ci;
                }
            }
            for (size_t k = 0; k < st->used; k++) {
                uint32_t i = st->oidx[k];
                s_feed_one (st, &st->cur[st->oser[k]], st->scratch.ts[i], st->scratch.v[i], now, max_ts);
            }
            st->ncur = st->used = 0;
            return;
        }
    }
    size_t n = 0;
    for (size_t i = 0; i < st->ncur; i++)
        if (st->cur[i].n)
            st->heap[n++] = (uint32_t) i;
    for (size_t i = n / 2; i-- > 0;)
        s_sift (st, n, i);
    while (n) {
        struct s_cur *c = &st->cur[st->heap[0]];
        s_feed_one (st, c, st->scratch.ts[c->off + c->pos], st->scratch.v[c->off + c->pos], now, max_ts);
        if (++c->pos == c->n)
            st->heap[0] = st->heap[--n];
        s_sift (st, n, 0);
    }
    st->ncur = 0;
    st->used = 0;
}

static void
s_feed_event (vg_detect_stage_t *st, const Vigil__Batch *b, const Vigil__Event *e, const s_dev_t *const *dv,
              int64_t now, int64_t *max_ts)
{
    if (!dv[e->device] || !s_in_window (st, now, e->ts_ms)) {
        st->st.skipped++;
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
    if (e->flow) {
        const Vigil__FlowSummary *f = e->flow;
        flow = (vg_flow_t) { f->src, f->dst, f->vrf, f->dst_country, f->dst_port, f->protocol,
                             f->interval_ms, f->dst_asn, f->bytes, f->packets };
        ev.flow = &flow;
    }
    if (e->gap) {
        gap = (vg_gap_t) { e->gap->from_ms, e->gap->to_ms, e->gap->samples, e->gap->events, e->gap->reason };
        ev.gap = &gap;
    }
    if (vg_engine_event (st->engine, &ev, &d->view) < 0) {
        st->st.skipped++;
        return;
    }
    st->st.events++;
    if (e->ts_ms > *max_ts)
        *max_ts = e->ts_ms;
}

/* Feed one batch to the engine; alerts land in st->txn. */
static int
s_batch (vg_detect_stage_t *st, const uint8_t *p, size_t len)
{
    int64_t t0 = vg_clock_mono_ns ();
    if (vg_is_zstd (p, len)) {
        /* The server hands over inflated batches; a compressed one (offline replay of a
         * spool, say) is inflated here under the same bound as ingest's default. */
        if (vg_zstd_decompress (p, len, 64u << 20, &st->plain) < 0) {
            st->st.bad_batches++;
            return -VG_EPROTO;
        }
        p = st->plain.data;
        len = st->plain.len;
    }
    /* Committed batches passed ingest's limits; here only the structure matters. */
    static const vg_batch_limits_t lim = { UINT32_MAX, UINT32_MAX, UINT32_MAX };
    Vigil__Batch *b = vigil__batch__unpack (NULL, len, p);
    char why[200] = "not a vigil.Batch";
    if (!b || vg_batch_validate (b, &lim, NULL, why, sizeof why) < 0) {
        st->st.bad_batches++;
        vg_log_rl (&st->rl, VG_LOG_WARN, "detect", "skipping an undecodable batch (%zu bytes): %s", len, why);
        if (b)
            vigil__batch__free_unpacked (b, NULL);
        return -VG_EPROTO;
    }
    const s_dev_t *small[64];
    const s_dev_t **dv = b->n_devices <= 64 ? small : malloc (b->n_devices * sizeof *dv);
    if (!dv) {
        vigil__batch__free_unpacked (b, NULL);
        return -VG_ENOMEM;
    }
    /* Device records can move when the table grows: resolve pointers after all notes. */
    for (size_t i = 0; i < b->n_devices; i++) {
        const Vigil__Device *d = b->devices[i];
        vg_device_t in = { d->id, d->vendor, d->model, d->role, d->site, d->sw_version };
        s_dev_note (st, &in);
    }
    for (size_t i = 0; i < b->n_devices; i++)
        dv[i] = b->devices[i]->id ? s_dev_find (st, b->devices[i]->id) : NULL;
    int64_t now = vg_clock_now_ms ();
    int64_t max_ts = INT64_MIN;
    for (size_t i = 0; i < b->n_series; i++)
        s_decode_series (st, b, b->series[i], dv);
    s_feed_merged (st, now, &max_ts);
    for (size_t i = 0; i < b->n_events; i++)
        s_feed_event (st, b, b->events[i], dv, now, &max_ts);
    if (max_ts > st->event_time)
        st->event_time = max_ts;
    if (st->event_time != INT64_MIN &&
        (st->last_tick == INT64_MIN || st->event_time - st->last_tick >= st->cfg.tick_ms)) {
        vg_engine_tick (st->engine, st->event_time);
        st->last_tick = st->event_time;
    }
    if (dv != small)
        free (dv);
    vigil__batch__free_unpacked (b, NULL);
    st->st.batches++;
    st->batches_life++;
    st->dirty = 1;
    st->st.process_us_total += (vg_clock_mono_ns () - t0) / 1000;
    return 0;
}

/* A source counts as live when its data time was within this of the wall clock. */
#define S_LIVE_WINDOW_MS (3600 * 1000LL)

/* Live sources that deliver nothing follow the wall clock, so the silence of their devices is
 * judged while it lasts (an agent whose only router stopped sends heartbeats, no data).  A
 * backlog or a replay of old captures is not live and is never moved by the wall clock. */
static void
s_idle_sources (vg_detect_stage_t *st, int64_t wall)
{
    if (st->cfg.live_idle_ms <= 0)
        return;
    size_t n = vg_engine_nsources (st->engine);
    if (n > st->nidle) {
        struct s_idle *ni = realloc (st->idle, n * sizeof *ni);
        if (!ni)
            return;
        for (size_t i = st->nidle; i < n; i++)
            ni[i] = (struct s_idle) { INT64_MIN, 0, INT64_MIN };
        st->idle = ni;
        st->nidle = n;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t c;
        const char *name = vg_engine_source_at (st->engine, i, &c);
        struct s_idle *x = &st->idle[i];
        if (!name || c == INT64_MIN)
            continue;
        if (c != x->set) { /* data moved it (or first sight) */
            x->base = x->set = c;
            x->base_wall = wall;
            continue;
        }
        int64_t lag = x->base_wall - x->base;
        if (wall - x->base_wall < st->cfg.live_idle_ms || lag > S_LIVE_WINDOW_MS || lag < -S_LIVE_WINDOW_MS)
            continue;
        int64_t to = x->base + (wall - x->base_wall);
        if (to > c && vg_engine_source_time (st->engine, name, to) == 0) {
            x->set = vg_engine_source_clock (st->engine, name);
            st->st.idle_moves++;
        }
    }
}

int
vg_detect_stage_process (vg_detect_stage_t *st, const uint8_t *batch, size_t len, int force_save)
{
    int rc = s_batch (st, batch, len);
    int frc = s_finish (st, force_save);
    s_publish (st);
    return rc < 0 ? rc : frc;
}

/* ------------------------------------------------------------------------------------ */
/* Start-up: rules, engine, saved state */

static char *
s_read_file (const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        snprintf (err, errlen, "detect.rules: cannot open '%s': %s", path, strerror (errno));
        return NULL;
    }
    char *buf = malloc (S_MAX_RULES_BYTES + 1);
    size_t n = buf ? fread (buf, 1, S_MAX_RULES_BYTES + 1, f) : 0;
    int bad = !buf || ferror (f) || n > S_MAX_RULES_BYTES;
    fclose (f);
    if (bad) {
        snprintf (err, errlen, "detect.rules: cannot read '%s' (or larger than %u bytes)", path, S_MAX_RULES_BYTES);
        free (buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

typedef struct {
    vg_detect_stage_t *st;
    size_t declared, skipped;
} s_decl_t;

/* Re-declare a stored series whose device is in the saved inventory. */
static int
s_declare_stored (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_decl_t *dc = ctx;
    if (kl != 8)
        return 0;
    Vigil__SeriesMeta *m = vigil__series_meta__unpack (NULL, vl, v);
    if (!m)
        return 0;
    const s_dev_t *d = m->device ? s_dev_find (dc->st, m->device) : NULL;
    if (d && m->n_labels <= VG_MAX_LABELS && m->path && (int) m->kind >= 0 &&
        m->kind <= VIGIL__SERIES_KIND__SERIES_KIND_STATE) {
        vg_label_t labels[VG_MAX_LABELS];
        for (size_t i = 0; i < m->n_labels; i++) {
            labels[i].key = m->labels[i]->key;
            labels[i].value = m->labels[i]->value;
        }
        vg_series_info_t info = { &d->view, m->path, labels, m->n_labels, (vg_kind_t) m->kind };
        if (vg_engine_series (dc->st->engine, vg_get_be64 (k), &info) >= 0)
            dc->declared++;
        else
            dc->skipped++;
    } else {
        dc->skipped++;
    }
    vigil__series_meta__free_unpacked (m, NULL);
    return 0;
}

static void
s_restore (vg_detect_stage_t *st)
{
    vg_buf_t val = VG_BUF_INIT;
    int rc = vg_store_get (st->store, VG_CF_DETSTATE, S_STATE_KEY, strlen (S_STATE_KEY), &val);
    if (rc == -VG_ENOTFOUND) {
        vg_log (VG_LOG_INFO, "detect", "no saved detector state: detectors start cold and warm up on new data");
        vg_buf_free (&val);
        return;
    }
    Vigil__DetectState *ds = rc == 0 ? vigil__detect_state__unpack (NULL, val.len, val.data) : NULL;
    if (!ds || ds->version != 1) {
        vg_log (VG_LOG_WARN, "detect", "saved detector state unreadable (%s): detectors start cold",
                rc < 0 ? vg_strerror (rc) : "bad record");
        if (ds)
            vigil__detect_state__free_unpacked (ds, NULL);
        vg_buf_free (&val);
        return;
    }
    for (size_t i = 0; i < ds->n_devices; i++) {
        const Vigil__Device *d = ds->devices[i];
        vg_device_t in = { d->id, d->vendor, d->model, d->role, d->site, d->sw_version };
        s_dev_note (st, &in);
    }
    s_decl_t dc = { st, 0, 0 };
    rc = vg_store_scan (st->store, VG_CF_SERIES, NULL, 0, NULL, 0, s_declare_stored, &dc);
    if (rc < 0)
        vg_log (VG_LOG_WARN, "detect", "re-declaring stored series: %s", vg_strerror (rc));
    if (ds->rules_digest != st->rules->digest)
        vg_log (VG_LOG_INFO, "detect", "rules changed since the state was saved: state of removed rules is dropped");
    rc = vg_engine_load (st->engine, ds->engine.data, ds->engine.len);
    if (rc < 0)
        vg_log (VG_LOG_WARN, "detect", "saved engine state partly loaded: %s", vg_strerror (rc));
    st->event_time = ds->event_time_ms > 0 ? ds->event_time_ms : INT64_MIN;
    st->last_tick = st->event_time;
    st->batches_life = ds->batches;
    vg_engine_stats_t es;
    vg_engine_stats (st->engine, &es);
    char t[40];
    vg_clock_rfc3339 (ds->saved_ms, t, sizeof t);
    vg_log (VG_LOG_INFO, "detect",
            "detector state restored (saved %s): %zu devices, %zu series, %llu instances, %llu open episodes, "
            "%llu entries skipped",
            t, st->ndevs, dc.declared, (unsigned long long) es.instances, (unsigned long long) es.episodes_open,
            (unsigned long long) es.load_skipped);
    vigil__detect_state__free_unpacked (ds, NULL);
    vg_buf_free (&val);
}

vg_detect_stage_t *
vg_detect_stage_new (const vg_detect_stage_cfg_t *cfg, vg_store_t *store, char *err, size_t errlen)
{
    vg_detect_stage_t *st = calloc (1, sizeof *st);
    char *text = NULL;
    if (!st) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    st->poll_fd = -1;
    st->cfg = *cfg;
    st->cfg.rules_path = NULL;
    if (st->cfg.queue <= 0)
        st->cfg.queue = 64;
    if (st->cfg.max_group <= 0)
        st->cfg.max_group = 64;
    if (st->cfg.tick_ms <= 0)
        st->cfg.tick_ms = 10000;
    st->store = store;
    st->event_time = st->last_tick = INT64_MIN;
    st->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 5);
    st->rl_late = (vg_ratelimit_t) VG_RATELIMIT_INIT (60000, 3);
    st->rl_submit = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 5);
    st->final_rc = 0;
    if (!cfg->rules_path || !cfg->rules_path[0]) {
        snprintf (err, errlen, "detect.rules: a rules file is required");
        goto fail;
    }
    size_t len = 0;
    text = s_read_file (cfg->rules_path, &len, err, errlen);
    if (!text)
        goto fail;
    char perr[512];
    if (vg_rules_parse (text, len, cfg->rules_path, &st->rules, perr, sizeof perr) < 0) {
        snprintf (err, errlen, "%s", perr);
        goto fail;
    }
    /* Self-ticking per source and stream: see detectors/engine.h. */
    st->cfg.engine.tick_ms = st->cfg.tick_ms;
    st->cfg.engine.lateness_ms = st->cfg.lateness_ms > 0 ? st->cfg.lateness_ms : 0;
    if (st->cfg.max_buffered)
        st->cfg.engine.max_buffered = st->cfg.max_buffered;
    st->engine = vg_engine_new (st->rules, &st->cfg.engine, s_on_alert, st);
    st->txn = vg_store_txn_new (store);
    if (!st->engine || !st->txn) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    s_restore (st);
    st->next_save_mono = vg_clock_mono_ms () + st->cfg.save_every_ms;

    st->zctx = zmq_ctx_new ();
    st->rx = st->zctx ? zmq_socket (st->zctx, ZMQ_PAIR) : NULL;
    st->tx = st->zctx ? zmq_socket (st->zctx, ZMQ_PAIR) : NULL;
    if (!st->rx || !st->tx) {
        snprintf (err, errlen, "zmq: %s", zmq_strerror (errno));
        goto fail;
    }
    int hwm = st->cfg.queue / 2 > 0 ? st->cfg.queue / 2 : 1, zero = 0;
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://vg-detect-%p", (void *) st);
    zmq_setsockopt (st->rx, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt (st->tx, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt (st->rx, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt (st->tx, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind (st->rx, ep) != 0 || zmq_connect (st->tx, ep) != 0) {
        snprintf (err, errlen, "zmq inproc: %s", zmq_strerror (errno));
        goto fail;
    }
    s_publish (st);
    st->ready = 1;
    free (text);
    return st;
fail:
    free (text);
    vg_detect_stage_destroy (&st);
    return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* The stage thread */

static void *
s_run (void *arg)
{
    vg_detect_stage_t *st = arg;
    zmq_pollitem_t it[2] = { { st->rx, 0, ZMQ_POLLIN, 0 }, { NULL, st->poll_fd, ZMQ_POLLIN, 0 } };
    int stop = 0;
    while (!stop) {
        int prc = zmq_poll (it, st->poll_fd >= 0 ? 2 : 1, 100);
        if (prc < 0 && errno != EINTR) {
            vg_log (VG_LOG_ERROR, "detect", "poll failed: %s; detect stage stops", zmq_strerror (errno));
            break;
        }
        for (int group = 0; group < st->cfg.max_group && !stop; group++) {
            zmq_msg_t m;
            zmq_msg_init (&m);
            if (zmq_msg_recv (&m, st->rx, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close (&m);
                break;
            }
            size_t n = zmq_msg_size (&m);
            const uint8_t *p = zmq_msg_data (&m);
            if (n < 8) {
                stop = 1; /* stop marker: everything before it has been processed */
            } else {
                int64_t t0;
                memcpy (&t0, p, 8);
                s_batch (st, p + 8, n - 8);
                int64_t lag = vg_clock_mono_ms () - t0;
                st->st.lag_ms = lag;
                if (lag > st->st.lag_max_ms)
                    st->st.lag_max_ms = lag;
            }
            zmq_msg_close (&m);
        }
        /* What waits in the reorder buffers at stop is saved with the state, not flushed:
         * a restart continues as if it had not happened. */
        if (!stop)
            s_idle_sources (st, vg_clock_now_ms ());
        int rc = s_finish (st, stop);
        if (stop)
            st->final_rc = rc;
        if (st->poll_fn)
            st->poll_fn (st->poll_ctx);
        s_publish (st);
    }
    atomic_store (&st->dead, 1);
    return NULL;
}

int
vg_detect_stage_start (vg_detect_stage_t *st)
{
    if (st->started)
        return -VG_EINVAL;
    if (pthread_create (&st->thread, NULL, s_run, st) != 0)
        return -VG_ENOMEM;
    st->started = 1;
    return 0;
}

int
vg_detect_stage_submit (vg_detect_stage_t *st, const uint8_t *batch, size_t len)
{
    if (!st->started || st->stopped || atomic_load (&st->dead))
        return -VG_EIO;
    zmq_msg_t m;
    if (zmq_msg_init_size (&m, len + 8) != 0)
        return -VG_ENOMEM;
    int64_t t0 = vg_clock_mono_ms ();
    memcpy (zmq_msg_data (&m), &t0, 8);
    memcpy ((uint8_t *) zmq_msg_data (&m) + 8, batch, len);
    atomic_fetch_add_explicit (&st->submitted, 1, memory_order_relaxed);
    for (;;) {
        if (zmq_msg_send (&m, st->tx, 0) >= 0)
            return 0;
        if (errno != EINTR || atomic_load (&st->dead))
            break;
    }
    zmq_msg_close (&m);
    atomic_fetch_sub_explicit (&st->submitted, 1, memory_order_relaxed);
    return -VG_EIO;
}

void
vg_detect_stage_commit_fn (void *ctx, const uint8_t *const *batches, const size_t *lens, int n)
{
    vg_detect_stage_t *st = ctx;
    for (int i = 0; i < n; i++)
        if (vg_detect_stage_submit (st, batches[i], lens[i]) < 0)
            vg_log_rl (&st->rl_submit, VG_LOG_ERROR, "detect", "detect stage not running: a committed batch is not analysed");
}

int
vg_detect_stage_stop (vg_detect_stage_t *st)
{
    if (!st->ready || st->stopped)
        return st->final_rc;
    st->stopped = 1;
    if (!st->started) {
        st->final_rc = s_finish (st, 1);
        s_publish (st);
        return st->final_rc;
    }
    if (!atomic_load (&st->dead)) {
        uint8_t marker = 0;
        while (zmq_send (st->tx, &marker, 1, 0) < 0 && errno == EINTR && !atomic_load (&st->dead))
            ;
    }
    pthread_join (st->thread, NULL);
    const vg_detect_stage_stats_t *d = &st->st; /* the thread is gone: plain reads */
    vg_log (VG_LOG_INFO, "detect",
            "stopped: batches=%llu samples=%llu processed=%llu late=%llu skipped=%llu events=%llu alerts=%llu "
            "sources=%llu streams=%llu",
            (unsigned long long) d->batches, (unsigned long long) d->samples,
            (unsigned long long) d->engine.processed, (unsigned long long) d->engine.late,
            (unsigned long long) d->skipped, (unsigned long long) d->events, (unsigned long long) d->alerts,
            (unsigned long long) d->engine.sources, (unsigned long long) d->engine.streams);
    return st->final_rc;
}

void
vg_detect_stage_on_alert (vg_detect_stage_t *st, vg_detect_alert_hook fn, void *ctx)
{
    st->alert_fn = fn;
    st->alert_ctx = ctx;
}

void
vg_detect_stage_on_committed (vg_detect_stage_t *st, vg_detect_commit_hook fn, void *ctx)
{
    st->commit_fn = fn;
    st->commit_ctx = ctx;
}

void
vg_detect_stage_poll_fd (vg_detect_stage_t *st, int fd)
{
    st->poll_fd = fd;
}

void
vg_detect_stage_poll_hook (vg_detect_stage_t *st, vg_detect_poll_fn fn, void *ctx)
{
    st->poll_fn = fn;
    st->poll_ctx = ctx;
}

void
vg_detect_stage_destroy (vg_detect_stage_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_detect_stage_t *st = *self_p;
    vg_detect_stage_stop (st);
    if (st->tx)
        zmq_close (st->tx);
    if (st->rx)
        zmq_close (st->rx);
    if (st->zctx)
        zmq_ctx_term (st->zctx);
    vg_engine_destroy (&st->engine);
    vg_rules_destroy (&st->rules);
    vg_store_txn_destroy (&st->txn);
    for (size_t i = 0; i < st->ndevs; i++)
        s_dev_free_fields (&st->devs[i]);
    free (st->devs);
    vg_u64map_free (&st->dev_map);
    vg_samples_free (&st->scratch);
    free (st->idle);
    free (st->cur);
    free (st->heap);
    free (st->bcount);
    free (st->oidx);
    free (st->oser);
    vg_buf_free (&st->json);
    vg_buf_free (&st->blob);
    vg_buf_free (&st->packed);
    vg_buf_free (&st->plain);
    free (st);
    *self_p = NULL;
}
