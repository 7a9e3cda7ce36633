/* detect_stage.c - committed batches -> detector engine -> alert records (see detect_stage.h).
 *
 * Threads: vg_detect_stage_new/submit/stop run in the server's thread; everything that
 * touches the engine, the feed (detect_feed.h), the write batch runs in the stage
 * thread once it is started (or in the caller's thread with vg_detect_stage_process).
 * Counters are published to an array of atomics after each loop turn. */
#include "collector/detect_stage_int.h"

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
#include "common/log.h"
#include "detectors/rules.h"
#include "store/alert_store.h"
#include "proto/vigil.pb-c.h"

#define S_HEAD 24 /* a queued message's header (s_submit) */
#define S_KEEP_ALERTS 100000 /* alert records kept across failed commits before they count as lost */

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
    uint64_t tmp[VG_DETECT__NSTATS];
    memcpy (tmp, &st->st, sizeof tmp);
    for (size_t i = 0; i < VG_DETECT__NSTATS; i++)
        atomic_store_explicit (&st->mirror[i], tmp[i], memory_order_relaxed);
}

void
vg_detect_stage_stats (const vg_detect_stage_t *st, vg_detect_stage_stats_t *out)
{
    uint64_t tmp[VG_DETECT__NSTATS];
    for (size_t i = 0; i < VG_DETECT__NSTATS; i++)
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

void
vg_detect__on_alert (void *ctx, const vg_alert_t *a)
{
    vg_detect_stage_t *st = ctx;
    if (st->jsilent)
        return; /* recovery: this batch's alerts were committed before the stop */
    if (vg_alert_store_put (st->txn, a, vg_clock_now_ms (), vg_store_path (st->store), &st->json) < 0) {
        st->st.alerts_lost++;
        return;
    }
    st->txn_alerts++;
    st->st.alerts++;
    if (st->alert_fn)
        st->alert_fn (st->alert_ctx, a, st->txn);
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
        rc = vg_detect__put_state (st);
        if (rc < 0) {
            st->st.save_errors++;
            vg_log_rl (&st->rl, VG_LOG_WARN, "detect", "saving detector state failed: %s", vg_strerror (rc));
            save = 0;
        }
    }
    vg_detect__journal_txn (st, save);
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
            st->jsaved = st->jlast;
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
s_batch (vg_detect_stage_t *st, const uint8_t *p, size_t len, const uint8_t *view, size_t view_len, uint64_t order)
{
    int64_t t0 = vg_clock_mono_ns ();
    if (order)
        st->jlast = order;
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
    int rc = s_batch (st, batch, len, NULL, 0, 0);
    int frc = s_finish (st, force_save);
    s_publish (st);
    return rc < 0 ? rc : frc;
}

int
vg_detect_stage_reload (vg_detect_stage_t *st)
{
    if (st->started) {
        atomic_store (&st->reload_req, 1);
        return 0;
    }
    int rc = vg_detect__reload (st);
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
    text = vg_detect__read_rules (cfg->rules_path, &len, err, errlen);
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
    st->engine = vg_engine_new (st->rules, &st->cfg.engine, vg_detect__on_alert, st);
    st->txn = vg_store_txn_new (store);
    vg_detect_feed_cfg_t fc = { st->cfg.tick_ms, st->cfg.max_past_ms, st->cfg.max_future_ms,
                                st->cfg.lateness_ms, st->cfg.engine.max_devices };
    st->feed = st->engine ? vg_detect_feed_new (&fc, st->engine) : NULL;
    if (!st->engine || !st->txn || !st->feed) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    vg_detect__restore (st);
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
        int got = 0;
        for (int group = 0; group < st->cfg.max_group && !stop; group++) {
            zmq_msg_t m;
            zmq_msg_init (&m);
            if (zmq_msg_recv (&m, st->rx, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close (&m);
                break;
            }
            size_t n = zmq_msg_size (&m);
            const uint8_t *p = zmq_msg_data (&m);
            uint64_t vlen = 0, order = 0;
            if (n >= S_HEAD)
                memcpy (&vlen, p + 8, 8);
            if (n < S_HEAD || vlen > n - S_HEAD) {
                stop = 1; /* stop marker: everything before it has been processed */
            } else {
                int64_t t0;
                memcpy (&t0, p, 8);
                memcpy (&order, p + 16, 8);
                s_batch (st, p + S_HEAD + vlen, n - S_HEAD - vlen, vlen ? p + S_HEAD : NULL, vlen, order);
                got = 1;
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
        int reloaded = !stop && atomic_exchange (&st->reload_req, 0) && vg_detect__reload (st) == 0;
        int rc = s_finish (st, stop || reloaded);
        if (stop)
            st->final_rc = rc;
        if (got)
            st->st.done_mono_ms = vg_clock_mono_ms ();
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

static int s_submit (vg_detect_stage_t *st, const uint8_t *batch, size_t len, const uint8_t *view, size_t view_len,
                     uint64_t order);

int
vg_detect_stage_submit_view (vg_detect_stage_t *st, const uint8_t *batch, size_t len, const uint8_t *view,
                             size_t view_len)
{
    return s_submit (st, batch, len, view, view_len, 0);
}

/* A message is [submit time 8][view length 8][journal order 8][view][batch]: the view
 * first, so that it keeps the 8-byte alignment of the message data (a view's length is a
 * multiple of 8). */
static int
s_submit (vg_detect_stage_t *st, const uint8_t *batch, size_t len, const uint8_t *view, size_t view_len,
          uint64_t order)
{
    if (!st->started || st->stopped || atomic_load (&st->dead))
        return -VG_EIO;
    if (!view || view_len % 8)
        view_len = 0;
    zmq_msg_t m;
    if (zmq_msg_init_size (&m, S_HEAD + view_len + len) != 0)
        return -VG_ENOMEM;
    int64_t t0 = vg_clock_mono_ms ();
    uint64_t vl = view_len;
    uint8_t *d = zmq_msg_data (&m);
    memcpy (d, &t0, 8);
    memcpy (d + 8, &vl, 8);
    memcpy (d + 16, &order, 8);
    if (view_len)
        memcpy (d + S_HEAD, view, view_len);
    memcpy (d + S_HEAD + view_len, batch, len);
    atomic_fetch_add_explicit (&st->submitted, 1, memory_order_relaxed);
    atomic_fetch_add_explicit (&st->queued_bytes, S_HEAD + view_len + len, memory_order_relaxed);
    for (;;) {
        if (zmq_msg_send (&m, st->tx, 0) >= 0)
            return 0;
        if (errno != EINTR || atomic_load (&st->dead))
            break;
    }
    zmq_msg_close (&m);
    atomic_fetch_sub_explicit (&st->submitted, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit (&st->queued_bytes, S_HEAD + view_len + len, memory_order_relaxed);
    return -VG_EIO;
}

void
vg_detect_stage_commit_fn (void *ctx, const vg_server_committed_t *done, int n)
{
    vg_detect_stage_t *st = ctx;
    for (int i = 0; i < n; i++)
        if (s_submit (st, done[i].batch, done[i].len, done[i].view, done[i].view_len, done[i].order) < 0)
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
    st->batch_fn = fn;
    st->batch_ctx = ctx;
    vg_detect_feed_on_batch (st->feed, fn, ctx);
}

int
vg_detect__feed (vg_detect_stage_t *st, const uint8_t *p, size_t len, uint64_t order)
{
    return s_batch (st, p, len, NULL, 0, order);
}

int
vg_detect__finish (vg_detect_stage_t *st, int force_save)
{
    int rc = s_finish (st, force_save);
    s_publish (st);
    return rc;
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
