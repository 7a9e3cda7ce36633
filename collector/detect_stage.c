/* detect_stage.c - committed batches -> detector engine -> alert records (see detect_stage.h).
 *
 * Threads: vg_detect_stage_new/submit/stop run in the server's thread; everything that
 * touches the engine, the feed (detect_feed.h), the write batch runs in the stage
 * thread once it is started (or in the caller's thread with vg_detect_stage_process).
 * Counters are published to an array of atomics after each loop turn. */
#include "collector/detect_stage.h"
#include "collector/detect_feed.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/file_read.h"
#include "common/log.h"
#include "detectors/rules.h"
#include "detectors/rules_diff.h"
#include "store/alert_store.h"
#include "store/series_meta.h"
#include "proto/vigil.pb-c.h"

#define S_STATE_KEY "engine"
#define S_INVENTORY_KEY "inventory" /* the same without the engine blob */
#define S_KEEP_ALERTS 100000 /* alert records kept across failed commits before they count as lost */
#define S_MAX_RULES_BYTES (4u << 20)
#define S_NSTATS (sizeof (vg_detect_stage_stats_t) / sizeof (uint64_t))

_Static_assert (sizeof (vg_detect_stage_stats_t) % sizeof (uint64_t) == 0, "stats are 8-byte fields");

struct vg_detect_stage {
    vg_detect_stage_cfg_t cfg;
    char *rules_path;        /* owned copy, read again on reload */
    atomic_int reload_req;   /* set by vg_detect_stage_reload, taken by the stage thread */
    vg_store_t *store;
    vg_rules_t *rules;
    vg_engine_t *engine;
    vg_store_txn_t *txn;
    uint64_t txn_alerts;
    bool txn_kept;           /* txn holds the writes of a failed commit (tried again with the next) */
    vg_buf_t json, blob, packed;
    /* hooks */
    vg_detect_alert_hook alert_fn;
    void *alert_ctx;
    vg_detect_commit_hook commit_fn;
    void *commit_ctx;
    vg_detect_poll_fn poll_fn;
    void *poll_ctx;
    int poll_fd;           /* extra fd that wakes the loop; -1 = none */
    /* feeding batches to the engine: device inventory (saved with the state so series can be
     * re-declared before load), decode scratch, event time */
    vg_detect_feed_t *feed;
    /* live sources idle on the wall clock */
    struct s_idle {
        int64_t base, base_wall, set; /* clock at its last data advance, wall then, last value we set */
        int64_t step;                 /* typical advance of the clock by data (EWMA, ms) */
    } *idle;
    size_t nidle;
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
    atomic_uint_least64_t queued_bytes; /* submitted and not processed */
    /* counters: owned by the stage thread, mirrored for readers */
    vg_detect_stage_stats_t st;
    atomic_uint_least64_t mirror[S_NSTATS];
    vg_ratelimit_t rl;       /* stage thread */
    vg_ratelimit_t rl_submit; /* submitting thread */
};

/* ------------------------------------------------------------------------------------ */
/* Counters */

static void
s_publish (vg_detect_stage_t *st)
{
    vg_engine_stats (st->engine, &st->st.engine);
    vg_detect_feed_stats_t fs;
    vg_detect_feed_stats (st->feed, &fs);
    st->st.batches = fs.batches;
    st->st.bad_batches = fs.bad_batches;
    st->st.viewed = fs.viewed;
    st->st.samples = fs.samples;
    st->st.events = fs.events;
    st->st.skipped = fs.skipped;
    st->st.late = fs.late;
    int64_t et = vg_detect_feed_event_time (st->feed);
    st->st.event_time_ms = et == INT64_MIN ? 0 : et;
    st->st.rules = st->rules->nrules;
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
    out->queued_bytes = vg_detect_stage_queued_bytes (st);
}

uint64_t
vg_detect_stage_queued_bytes (const vg_detect_stage_t *st)
{
    return atomic_load_explicit (&((vg_detect_stage_t *) st)->queued_bytes, memory_order_relaxed);
}

/* ------------------------------------------------------------------------------------ */
/* Alerts and commits */

static void
s_on_alert (void *ctx, const vg_alert_t *a)
{
    vg_detect_stage_t *st = ctx;
    if (vg_alert_store_put (st->txn, a, vg_clock_now_ms (), &st->json) < 0) {
        st->st.alerts_lost++;
        return;
    }
    st->txn_alerts++;
    st->st.alerts++;
    if (st->alert_fn)
        st->alert_fn (st->alert_ctx, a, st->txn);
}

/* Pack ds into st->packed and add it to the txn under key.  0 or -VG_ENOMEM. */
static int
s_put_record (vg_detect_stage_t *st, const char *key, const Vigil__DetectState *ds)
{
    size_t sz = vigil__detect_state__get_packed_size (ds);
    vg_buf_reset (&st->packed);
    int rc = vg_buf_reserve (&st->packed, sz);
    if (rc < 0)
        return rc;
    vigil__detect_state__pack (ds, st->packed.data);
    st->packed.len = sz;
    vg_store_txn_put (st->txn, VG_CF_DETSTATE, key, strlen (key), st->packed.data, sz);
    return 0;
}

/* Add the saved state to the stage's txn. */
static int
s_put_state (vg_detect_stage_t *st)
{
    vg_buf_reset (&st->blob);
    int rc = vg_engine_save (st->engine, &st->blob);
    if (rc < 0)
        return rc;
    size_t ndevs = vg_detect_feed_ndevices (st->feed);
    Vigil__Device *devs = ndevs ? calloc (ndevs, sizeof *devs) : NULL;
    Vigil__Device **ptrs = ndevs ? calloc (ndevs, sizeof *ptrs) : NULL;
    if (ndevs && (!devs || !ptrs)) {
        free (devs);
        free (ptrs);
        return -VG_ENOMEM;
    }
    for (size_t i = 0; i < ndevs; i++) {
        const vg_device_t *d = vg_detect_feed_device_at (st->feed, i);
        vigil__device__init (&devs[i]);
        devs[i].id = (char *) d->id;
        devs[i].vendor = (char *) d->vendor;
        devs[i].model = (char *) d->model;
        devs[i].role = (char *) d->role;
        devs[i].site = (char *) d->site;
        devs[i].sw_version = (char *) d->sw_version;
        ptrs[i] = &devs[i];
    }
    Vigil__DetectState ds = VIGIL__DETECT_STATE__INIT;
    ds.version = 1;
    ds.rules_digest = st->rules->digest;
    ds.saved_ms = vg_clock_now_ms ();
    int64_t et = vg_detect_feed_event_time (st->feed);
    ds.event_time_ms = et == INT64_MIN ? 0 : et;
    ds.n_devices = ndevs;
    ds.devices = ptrs;
    ds.engine.data = st->blob.data;
    ds.engine.len = st->blob.len;
    ds.batches = st->batches_life;
    rc = s_put_record (st, S_STATE_KEY, &ds);
    /* The same record without the engine blob, for readers that need only the inventory
     * (vigil replay: a few KB to read instead of the whole state; same write batch). */
    ds.engine.data = NULL;
    ds.engine.len = 0;
    rc = rc ? rc : s_put_record (st, S_INVENTORY_KEY, &ds);
    free (devs);
    free (ptrs);
    return rc;
}

/* Commit the txn (alerts, and the state when a save is due or forced). */
static int
s_finish (vg_detect_stage_t *st, int force_save)
{
    int64_t mono = vg_clock_mono_ms ();
    /* While a failed commit's writes wait in the txn no further state is added to it: one
     * snapshot per try would pile up for as long as the store refuses writes. */
    int save = st->dirty && (force_save || (!st->txn_kept && st->cfg.save_every_ms > 0 && mono >= st->next_save_mono));
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
        if (save)
            st->st.save_errors++; /* still dirty: saved again with the next commit */
        rc = crc;
        /* The store refuses writes for now (a full disk, most often; the server stops
         * acknowledging meanwhile).  Keep the records for the next turn's commit rather
         * than lose them, up to a bound: past it they are counted lost. */
        if (!force_save && st->txn_alerts < S_KEEP_ALERTS) {
            vg_log_rl (&st->rl, VG_LOG_ERROR, "detect", "committing %llu alert records failed: %s; kept for the next try",
                       (unsigned long long) st->txn_alerts, err);
            st->txn_kept = true;
            return rc;
        }
        st->st.alerts_lost += st->txn_alerts;
        vg_log_rl (&st->rl, VG_LOG_ERROR, "detect", "committing %llu alert records failed: %s",
                   (unsigned long long) st->txn_alerts, err);
    }
    vg_store_txn_clear (st->txn);
    st->txn_alerts = 0;
    st->txn_kept = false;
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Feeding one batch */

/* Feed one batch to the engine; alerts land in st->txn. */
static int
s_batch (vg_detect_stage_t *st, const uint8_t *p, size_t len, const uint8_t *view, size_t view_len)
{
    int64_t t0 = vg_clock_mono_ns ();
    int rc = vg_detect_feed_batch_view (st->feed, p, len, view, view_len, vg_clock_now_ms ());
    if (rc < 0)
        return rc;
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
            ni[i] = (struct s_idle) { INT64_MIN, 0, INT64_MIN, 0 };
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
            /* Learn the step from data's own advances (not across a wall-clock stretch,
             * unless none is known yet). */
            if (x->base != INT64_MIN && c > x->base && (x->step == 0 || x->set == x->base)) {
                int64_t adv = c - x->base;
                x->step = x->step ? x->step + (adv - x->step) / 4 : adv;
            }
            x->base = x->set = c;
            x->base_wall = wall;
            continue;
        }
        /* A source whose data comes in steps (PM files: one ROP every 15 minutes) is not
         * idle between two steps: it follows the wall clock only after live_idle plus its
         * typical step, and one step behind, so one late file is not a silence. */
        int64_t lag = x->base_wall - x->base;
        if (wall - x->base_wall < st->cfg.live_idle_ms + x->step || lag > S_LIVE_WINDOW_MS ||
            lag < -S_LIVE_WINDOW_MS)
            continue;
        int64_t to = x->base + (wall - x->base_wall) - x->step;
        if (to > c && vg_engine_source_time (st->engine, name, to) == 0) {
            x->set = vg_engine_source_clock (st->engine, name);
            st->st.idle_moves++;
        }
    }
}

int
vg_detect_stage_process (vg_detect_stage_t *st, const uint8_t *batch, size_t len, int force_save)
{
    int rc = s_batch (st, batch, len, NULL, 0);
    int frc = s_finish (st, force_save);
    s_publish (st);
    return rc < 0 ? rc : frc;
}

/* ------------------------------------------------------------------------------------ */
/* Start-up: rules, engine, saved state */

static char *
s_read_file (const char *path, size_t *len, char *err, size_t errlen)
{
    vg_buf_t b = VG_BUF_INIT;
    int rc = vg_file_read (path, S_MAX_RULES_BYTES, &b);
    if (rc == -VG_EIO && !b.data) {
        snprintf (err, errlen, "detect.rules: cannot open '%s': %s", path, strerror (errno));
        return NULL;
    }
    if (rc < 0) {
        snprintf (err, errlen, "detect.rules: cannot read '%s' (or larger than %u bytes)", path, S_MAX_RULES_BYTES);
        vg_buf_free (&b);
        return NULL;
    }
    *len = b.len;
    return (char *) b.data; /* NUL-terminated; the caller frees it */
}

typedef struct {
    vg_detect_stage_t *st;
    vg_engine_t *engine;      /* the engine to declare into */
    size_t declared, skipped;
} s_decl_t;

/* Re-declare a stored series whose device is in the saved inventory. */
static int
s_declare_stored (void *ctx, uint64_t sid, Vigil__SeriesMeta **meta_p)
{
    s_decl_t *dc = ctx;
    const Vigil__SeriesMeta *m = *meta_p;
    const vg_device_t *d = m->device ? vg_detect_feed_find (dc->st->feed, m->device) : NULL;
    if (d && m->n_labels <= VG_MAX_LABELS && m->path && (int) m->kind >= 0 &&
        m->kind <= VIGIL__SERIES_KIND__SERIES_KIND_STATE) {
        vg_label_t labels[VG_MAX_LABELS];
        for (size_t i = 0; i < m->n_labels; i++) {
            labels[i].key = m->labels[i]->key;
            labels[i].value = m->labels[i]->value;
        }
        vg_series_info_t info = { d, m->path, labels, m->n_labels, (vg_kind_t) m->kind };
        if (vg_engine_series (dc->engine, sid, &info) >= 0)
            dc->declared++;
        else
            dc->skipped++;
    } else {
        dc->skipped++;
    }
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
        vg_detect_feed_device (st->feed, &in);
    }
    s_decl_t dc = { st, st->engine, 0, 0 };
    rc = vg_series_meta_scan (st->store, s_declare_stored, &dc, NULL);
    if (rc < 0)
        vg_log (VG_LOG_WARN, "detect", "re-declaring stored series: %s", vg_strerror (rc));
    if (ds->rules_digest != st->rules->digest)
        vg_log (VG_LOG_INFO, "detect", "rules changed since the state was saved: state of removed rules is dropped");
    rc = vg_engine_load (st->engine, ds->engine.data, ds->engine.len);
    if (rc < 0)
        vg_log (VG_LOG_WARN, "detect", "saved engine state partly loaded: %s", vg_strerror (rc));
    vg_detect_feed_set_event_time (st->feed, ds->event_time_ms > 0 ? ds->event_time_ms : INT64_MIN);
    st->batches_life = ds->batches;
    vg_engine_stats_t es;
    vg_engine_stats (st->engine, &es);
    char t[40];
    vg_clock_rfc3339 (ds->saved_ms, t, sizeof t);
    vg_log (VG_LOG_INFO, "detect",
            "detector state restored (saved %s): %zu devices, %zu series, %llu instances, %llu open episodes, "
            "%llu entries skipped",
            t, vg_detect_feed_ndevices (st->feed), dc.declared, (unsigned long long) es.instances, (unsigned long long) es.episodes_open,
            (unsigned long long) es.load_skipped);
    vigil__detect_state__free_unpacked (ds, NULL);
    vg_buf_free (&val);
}

/* ------------------------------------------------------------------------------------ */
/* Reload (SIGHUP): new rules, new engine, unchanged rules' state carried over */

/* Build an engine over rules with the current engine's state, skipping the state of the
 * rules marked in fresh, into *out; the feed then feeds it.  Returns 0, or a negative code
 * with the feed still on the old engine. */
static int
s_engine_carry (vg_detect_stage_t *st, const vg_rules_t *rules, const uint8_t *fresh, vg_engine_t **out,
                size_t *declared)
{
    vg_buf_t blob = VG_BUF_INIT;
    vg_engine_t *ne = vg_engine_new (rules, &st->cfg.engine, s_on_alert, st);
    int rc = ne ? vg_engine_save (st->engine, &blob) : -VG_ENOMEM;
    if (rc == 0)
        rc = vg_detect_feed_set_engine (st->feed, ne);
    s_decl_t dc = { st, ne, 0, 0 };
    if (rc == 0)
        rc = vg_series_meta_scan (st->store, s_declare_stored, &dc, NULL);
    if (rc == 0)
        rc = vg_engine_load_fresh (ne, blob.data, blob.len, fresh);
    vg_buf_free (&blob);
    if (rc < 0) {
        vg_detect_feed_set_engine (st->feed, st->engine);
        vg_engine_destroy (&ne);
        return rc;
    }
    *out = ne;
    *declared = dc.declared;
    return 0;
}

/* Read, parse and apply the rules file; logs the outcome.  Returns 0, -VG_ECONFIG (the file
 * is refused: the rules in force stay) or another negative code. */
static int
s_reload (vg_detect_stage_t *st)
{
    char err[512], perr[512];
    size_t len = 0;
    vg_rules_t *nr = NULL;
    uint8_t *fresh = NULL;
    int rc = -VG_ECONFIG;
    char *text = s_read_file (st->rules_path, &len, err, sizeof err);
    if (text && vg_rules_parse (text, len, st->rules_path, &nr, perr, sizeof perr) < 0)
        snprintf (err, sizeof err, "%s", perr);
    free (text);
    if (!nr)
        goto refused;
    fresh = calloc (nr->nrules + st->rules->nrules + 1, 1);
    if (!fresh) {
        snprintf (err, sizeof err, "out of memory");
        rc = -VG_ENOMEM;
        goto refused;
    }
    uint8_t *gone = fresh + nr->nrules; /* old rules removed or changed */
    vg_rules_diff_t d = vg_rules_diff (st->rules, nr, fresh, gone);
    size_t declared = 0;
    vg_engine_t *ne = NULL;
    rc = s_engine_carry (st, nr, fresh, &ne, &declared);
    if (rc < 0) {
        snprintf (err, sizeof err, "cannot rebuild the engine with the saved state: %s", vg_strerror (rc));
        goto refused;
    }
    char ids[3][256], t[40] = "none";
    int64_t et = vg_detect_feed_event_time (st->feed);
    if (et != INT64_MIN)
        vg_clock_rfc3339 (et, t, sizeof t);
    vg_log (VG_LOG_INFO, "detect",
            "rules reloaded from %s at data time %s (%lld): %zu rules, %zu unchanged (state kept), %zu added [%s], "
            "%zu changed [%s] (start cold), %zu removed [%s]; %zu windows, %zu allowlists; %zu series re-declared",
            st->rules_path, t, (long long) (et == INT64_MIN ? 0 : et), nr->nrules, d.unchanged, d.added,
            vg_rules_diff_ids (st->rules, nr, 'a', ids[0], 256), d.changed,
            vg_rules_diff_ids (st->rules, nr, 'c', ids[1], 256), d.removed,
            vg_rules_diff_ids (st->rules, nr, 'r', ids[2], 256), nr->nwindows, nr->nallowlists, declared);
    /* The episodes of removed and changed rules end here (Close, reason rule_reloaded); a
     * changed rule raises its own again if its condition holds. */
    int closed = vg_engine_retire (st->engine, gone, "rule_reloaded");
    if (closed)
        vg_log (VG_LOG_INFO, "detect", "%d open episodes of removed or changed rules closed", closed);
    vg_engine_destroy (&st->engine);
    vg_rules_destroy (&st->rules);
    st->engine = ne;
    st->rules = nr;
    free (st->idle); /* indexed by the old engine's sources */
    st->idle = NULL;
    st->nidle = 0;
    st->dirty = 1; /* save the state with the new rules' digest at once */
    st->st.reloads++;
    free (fresh);
    return 0;
refused:
    st->st.reload_errors++;
    vg_log (VG_LOG_ERROR, "detect", "rules reload refused, the %zu rules in force stay: %s", st->rules->nrules, err);
    vg_rules_destroy (&nr);
    free (fresh);
    return rc;
}

int
vg_detect_stage_reload (vg_detect_stage_t *st)
{
    if (st->started) {
        atomic_store (&st->reload_req, 1);
        return 0;
    }
    int rc = s_reload (st);
    s_publish (st);
    return rc;
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
    st->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 5);
    st->rl_submit = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 5);
    st->final_rc = 0;
    if (!cfg->rules_path || !cfg->rules_path[0]) {
        snprintf (err, errlen, "detect.rules: a rules file is required");
        goto fail;
    }
    st->rules_path = strdup (cfg->rules_path);
    if (!st->rules_path) {
        snprintf (err, errlen, "out of memory");
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
    vg_detect_feed_cfg_t fc = { st->cfg.tick_ms, st->cfg.max_past_ms, st->cfg.max_future_ms,
                                st->cfg.lateness_ms, st->cfg.engine.max_devices };
    st->feed = st->engine ? vg_detect_feed_new (&fc, st->engine) : NULL;
    if (!st->engine || !st->txn || !st->feed) {
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
            uint64_t vlen = 0;
            if (n >= 16)
                memcpy (&vlen, p + 8, 8);
            if (n < 16 || vlen > n - 16) {
                stop = 1; /* stop marker: everything before it has been processed */
            } else {
                int64_t t0;
                memcpy (&t0, p, 8);
                s_batch (st, p + 16 + vlen, n - 16 - vlen, vlen ? p + 16 : NULL, vlen);
                atomic_fetch_sub_explicit (&st->queued_bytes, n, memory_order_relaxed);
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
        int reloaded = !stop && atomic_exchange (&st->reload_req, 0) && s_reload (st) == 0;
        int rc = s_finish (st, stop || reloaded);
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
    return vg_detect_stage_submit_view (st, batch, len, NULL, 0);
}

/* A message is [submit time 8][view length 8][view][batch]: the view first, so that it
 * keeps the 8-byte alignment of the message data (a view's length is a multiple of 8). */
int
vg_detect_stage_submit_view (vg_detect_stage_t *st, const uint8_t *batch, size_t len, const uint8_t *view,
                             size_t view_len)
{
    if (!st->started || st->stopped || atomic_load (&st->dead))
        return -VG_EIO;
    if (!view || view_len % 8)
        view_len = 0;
    zmq_msg_t m;
    if (zmq_msg_init_size (&m, 16 + view_len + len) != 0)
        return -VG_ENOMEM;
    int64_t t0 = vg_clock_mono_ms ();
    uint64_t vl = view_len;
    uint8_t *d = zmq_msg_data (&m);
    memcpy (d, &t0, 8);
    memcpy (d + 8, &vl, 8);
    if (view_len)
        memcpy (d + 16, view, view_len);
    memcpy (d + 16 + view_len, batch, len);
    atomic_fetch_add_explicit (&st->submitted, 1, memory_order_relaxed);
    atomic_fetch_add_explicit (&st->queued_bytes, 16 + view_len + len, memory_order_relaxed);
    for (;;) {
        if (zmq_msg_send (&m, st->tx, 0) >= 0)
            return 0;
        if (errno != EINTR || atomic_load (&st->dead))
            break;
    }
    zmq_msg_close (&m);
    atomic_fetch_sub_explicit (&st->submitted, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit (&st->queued_bytes, 16 + view_len + len, memory_order_relaxed);
    return -VG_EIO;
}

void
vg_detect_stage_commit_fn (void *ctx, const vg_server_committed_t *done, int n)
{
    vg_detect_stage_t *st = ctx;
    for (int i = 0; i < n; i++)
        if (vg_detect_stage_submit_view (st, done[i].batch, done[i].len, done[i].view, done[i].view_len) < 0)
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
vg_detect_stage_on_batch (vg_detect_stage_t *st, vg_detect_batch_fn fn, void *ctx)
{
    vg_detect_feed_on_batch (st->feed, fn, ctx);
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
    free (st->rules_path);
    vg_store_txn_destroy (&st->txn);
    vg_detect_feed_destroy (&st->feed);
    free (st->idle);
    vg_buf_free (&st->json);
    vg_buf_free (&st->blob);
    vg_buf_free (&st->packed);
    free (st);
    *self_p = NULL;
}
