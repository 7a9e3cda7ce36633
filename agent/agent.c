/* agent.c - the agent's single-threaded loop (see agent.h). */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "batcher.h"
#include "clock.h"
#include "err.h"
#include "linux.h"
#include "log.h"
#include "sender.h"
#include "sim.h"
#include "spool.h"

typedef struct {
    const vg_input_cfg_t *cfg;
    char state_path[512];   /* sim: where progress is recorded (next step time) */
    int64_t saved_next;     /* sim: last progress written */
    vg_sim_cfg_t sim_cfg;
    vg_sim_t *sim;
    vg_linux_t *host;
    bool max_speed;
    int64_t next_poll_ms;   /* linux: monotonic time of the next poll */
    bool done;
} s_input_t;

struct vg_agent {
    const vg_agent_cfg_t *cfg;
    s_input_t *inputs;
    size_t ninputs;
    vg_spool_t *spool;
    vg_batcher_t *batcher;
    vg_sink_t sink;
    vg_sender_t *sender;
    vg_buf_t out;
    uint64_t spool_full;
    vg_ratelimit_t rl;
};

static int
s_time (const char *text, int64_t now, int64_t *ts)
{
    return vg_clock_parse (text, now, ts);
}

static int
s_discard_device (void *ctx, const vg_device_t *d)
{
    (void) ctx;
    (void) d;
    return 0;
}
static int
s_discard_sample (void *ctx, const vg_point_t *p)
{
    (void) ctx;
    (void) p;
    return 0;
}
static int
s_discard_event (void *ctx, const vg_event_t *e)
{
    (void) ctx;
    (void) e;
    return 0;
}

/* A sim input records how far it has delivered into the spool, so a restarted agent
 * continues where it stopped instead of replaying (and duplicating) the simulation.  The
 * record keeps the start time it was made with, so a relative start ("-1d") is evaluated
 * once per spool; resuming fast-forwards by generating and discarding, so counter totals
 * stay identical to an uninterrupted run.  A record for other parameters is ignored. */
static int64_t
s_sim_load_record (s_input_t *in, vg_sim_cfg_t *sc, const char *spool_dir, size_t idx)
{
    snprintf (in->state_path, sizeof in->state_path, "%s/input-%zu.sim", spool_dir, idx);
    FILE *f = fopen (in->state_path, "r");
    if (!f)
        return 0;
    unsigned long long seed, sites, cells;
    long long start, interval, next;
    int n = fscanf (f, "sim %llu %llu %llu %lld %lld next %lld", &seed, &sites, &cells, &start, &interval, &next);
    fclose (f);
    if (n != 6 || seed != sc->seed || sites != sc->sites || cells != sc->cells_per_gnb || interval != sc->interval_ms)
        return 0;
    sc->start_ms = start;
    return next;
}

static void
s_sim_fast_forward (s_input_t *in, int64_t next, size_t idx)
{
    vg_sink_t discard = { NULL, s_discard_device, s_discard_sample, s_discard_event };
    uint64_t skipped = 0;
    while (vg_sim_next_ts (in->sim) < next && vg_sim_step (in->sim, &discard) > 0)
        skipped++;
    in->saved_next = next;
    vg_log (VG_LOG_INFO, "agent", "sim input %zu resumes at %lld (skipped %llu delivered steps)", idx, (long long) next,
            (unsigned long long) skipped);
}

/* After a batch is spooled: everything before the sim's next step is safe on disk. */
static void
s_sim_record (s_input_t *in, const vg_sim_cfg_t *sc)
{
    int64_t next = vg_sim_next_ts (in->sim);
    if (!in->state_path[0] || next == in->saved_next)
        return;
    char tmp[600];
    snprintf (tmp, sizeof tmp, "%s.tmp", in->state_path);
    FILE *f = fopen (tmp, "w");
    if (!f)
        return;
    fprintf (f, "sim %llu %llu %llu %lld %lld next %lld\n", (unsigned long long) sc->seed,
             (unsigned long long) sc->sites, (unsigned long long) sc->cells_per_gnb, (long long) sc->start_ms,
             (long long) sc->interval_ms, (long long) next);
    if (fclose (f) == 0 && rename (tmp, in->state_path) == 0)
        in->saved_next = next;
}

static int
s_input_new (vg_agent_t *a, s_input_t *in, const vg_input_cfg_t *c, char *err, size_t errlen)
{
    in->cfg = c;
    int64_t now = vg_clock_now_ms ();
    if (strcmp (c->type, "sim") == 0) {
        vg_sim_cfg_t sc;
        vg_sim_cfg_defaults (&sc);
        sc.seed = c->seed;
        sc.sites = (uint32_t) c->sites;
        sc.cells_per_gnb = (uint32_t) c->cells_per_gnb;
        sc.interval_ms = c->interval_ms;
        if (s_time (c->start, now, &sc.start_ms) < 0) {
            snprintf (err, errlen, "input sim: bad start time '%s'", c->start);
            return -VG_ECONFIG;
        }
        sc.start_ms -= sc.start_ms % sc.interval_ms;
        size_t idx = (size_t) (in - a->inputs);
        int64_t resume = s_sim_load_record (in, &sc, a->cfg->spool_dir, idx);
        sc.end_ms = 0;
        if (c->end && c->end[0] && s_time (c->end, now, &sc.end_ms) < 0) {
            snprintf (err, errlen, "input sim: bad end time '%s'", c->end);
            return -VG_ECONFIG;
        }
        int rc = 0;
        in->sim = vg_sim_new (&sc, &rc);
        if (!in->sim) {
            snprintf (err, errlen, "input sim: %s", vg_strerror (rc));
            return rc ? rc : -VG_EINVAL;
        }
        if (vg_sim_series_count (in->sim) > a->cfg->batch_max_samples) {
            snprintf (err, errlen, "input sim: one step has %zu samples; batch.max_samples (%llu) must be at least that",
                      vg_sim_series_count (in->sim), (unsigned long long) a->cfg->batch_max_samples);
            return -VG_ECONFIG;
        }
        in->max_speed = c->speed == 1;
        in->sim_cfg = sc;
        if (resume)
            s_sim_fast_forward (in, resume, idx);
        vg_log (VG_LOG_INFO, "agent", "sim: %zu devices, %zu series, every %lld ms from %lld", vg_sim_device_count (in->sim),
                vg_sim_series_count (in->sim), (long long) sc.interval_ms, (long long) sc.start_ms);
        return vg_sim_announce (in->sim, &a->sink);
    }
    if (strcmp (c->type, "linux") == 0) {
        vg_linux_cfg_t lc = { 0 };
        lc.proc_root = c->proc_root;
        lc.device_id = c->device_id && c->device_id[0] ? c->device_id : NULL;
        lc.site = c->site && c->site[0] ? c->site : NULL;
        int rc = 0;
        in->host = vg_linux_new (&lc, &rc);
        if (!in->host) {
            snprintf (err, errlen, "input linux: %s", vg_strerror (rc));
            return rc ? rc : -VG_EINVAL;
        }
        return 0;
    }
    snprintf (err, errlen, "unknown input type '%s' (known: sim, linux)", c->type);
    return -VG_ECONFIG;
}

vg_agent_t *
vg_agent_new (const vg_agent_cfg_t *cfg, char *err, size_t errlen)
{
    vg_agent_t *a = calloc (1, sizeof *a);
    if (!a) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    a->cfg = cfg;
    a->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (5000, 3);
    vg_spool_cfg_t sc = { cfg->spool_dir, cfg->spool_max_bytes, 0, cfg->spool_fsync };
    int rc = 0;
    a->spool = vg_spool_new (&sc, &rc);
    if (!a->spool) {
        snprintf (err, errlen, "spool %s: %s", cfg->spool_dir, vg_strerror (rc));
        goto fail;
    }
    vg_batcher_cfg_t bc = { cfg->id, (uint32_t) cfg->batch_max_samples, (uint32_t) cfg->batch_max_events,
                            (uint32_t) cfg->max_series, cfg->batch_max_age_ms, 0 };
    a->batcher = vg_batcher_new (&bc);
    if (!a->batcher) {
        snprintf (err, errlen, "out of memory (batcher)");
        goto fail;
    }
    a->sink = vg_batcher_sink (a->batcher);
    a->inputs = calloc (cfg->ninputs, sizeof *a->inputs);
    if (!a->inputs) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < cfg->ninputs; i++) {
        if (s_input_new (a, &a->inputs[i], &cfg->inputs[i], err, errlen) < 0)
            goto fail;
        a->ninputs++;
    }
    vg_sender_cfg_t sd = { cfg->id,
                           (const char *const *) cfg->collectors,
                           cfg->ncollectors,
                           (uint32_t) cfg->window,
                           cfg->heartbeat_ms,
                           cfg->timeout_ms,
                           cfg->primary_retry_ms,
                           cfg->curve_server_key,
                           cfg->curve_public_key,
                           cfg->curve_secret_key };
    a->sender = vg_sender_new (&sd, a->spool, err, errlen);
    if (!a->sender)
        goto fail;
    return a;
fail:
    vg_agent_destroy (&a);
    return NULL;
}

void
vg_agent_destroy (vg_agent_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_agent_t *a = *self_p;
    vg_sender_destroy (&a->sender);
    for (size_t i = 0; i < a->ninputs; i++) {
        vg_sim_destroy (&a->inputs[i].sim);
        vg_linux_destroy (&a->inputs[i].host);
    }
    free (a->inputs);
    vg_batcher_destroy (&a->batcher);
    vg_spool_destroy (&a->spool);
    vg_buf_free (&a->out);
    free (a);
    *self_p = NULL;
}

/* Pack what the batcher holds, spool it, hand it to the sender. */
static int
s_flush (vg_agent_t *a)
{
    if (vg_batcher_pending (a->batcher) == 0)
        return 0;
    uint64_t seq = vg_spool_next_seq (a->spool);
    int n = vg_batcher_flush (a->batcher, vg_spool_epoch (a->spool), seq, vg_clock_now_ms (), &a->out);
    if (n <= 0)
        return n;
    int rc = vg_spool_put (a->spool, seq, a->out.data, a->out.len);
    if (rc < 0) {
        /* Not kept: the next batch says exactly what was lost. */
        a->spool_full++;
        vg_batcher_lost_last (a->batcher, rc == -VG_EFULL ? "spool_full" : "spool_error");
        vg_log_rl (&a->rl, VG_LOG_WARN, "agent", "batch of %d items not spooled (%s): recorded as a gap", n,
                   vg_strerror (rc));
        return 0;
    }
    for (size_t i = 0; i < a->ninputs; i++)
        if (a->inputs[i].sim)
            s_sim_record (&a->inputs[i], &a->inputs[i].sim_cfg);
    return 1;
}

/* Let inputs produce what is due. Returns ms until the next input wants service. */
static int64_t
s_inputs (vg_agent_t *a, int64_t mono, bool *all_done)
{
    int64_t wake = 1000;
    int64_t now = vg_clock_now_ms ();
    vg_spool_stats_t st;
    vg_spool_stats (a->spool, &st);
    /* Replay-like inputs pause while a few windows of batches wait for acknowledgement. */
    bool throttled = st.batches >= 2 * a->cfg->window;
    *all_done = true;
    for (size_t i = 0; i < a->ninputs; i++) {
        s_input_t *in = &a->inputs[i];
        if (in->sim) {
            int64_t next = vg_sim_next_ts (in->sim);
            if (next == INT64_MAX) {
                in->done = true;
                continue;
            }
            *all_done = false;
            size_t per_step = vg_sim_series_count (in->sim);
            int steps = 0;
            while (next <= now && (!in->max_speed || !throttled) && steps < 1000) {
                if (vg_batcher_pending (a->batcher) + per_step > a->cfg->batch_max_samples) {
                    if (s_flush (a) < 0)
                        break;
                    vg_spool_stats (a->spool, &st);
                    throttled = st.batches >= 2 * a->cfg->window;
                    if (in->max_speed && throttled)
                        break;
                }
                if (vg_sim_step (in->sim, &a->sink) < 0)
                    break;
                steps++;
                next = vg_sim_next_ts (in->sim);
                if (!in->max_speed)
                    break; /* realtime: one step per turn is plenty */
            }
            if (next == INT64_MAX) {
                in->done = true;
                continue;
            }
            int64_t w = next > now ? next - now : (throttled ? 5 : 0);
            if (w < wake)
                wake = w;
        } else if (in->host) {
            *all_done = false;
            if (mono >= in->next_poll_ms) {
                vg_linux_poll (in->host, now, &a->sink);
                in->next_poll_ms = mono + in->cfg->interval_ms;
            }
            int64_t w = in->next_poll_ms - mono;
            if (w < wake)
                wake = w;
        }
    }
    (void) mono;
    return wake < 0 ? 0 : wake;
}

int
vg_agent_run (vg_agent_t *a, volatile sig_atomic_t *stop, bool exit_when_done)
{
    while (!*stop) {
        int64_t mono = vg_clock_mono_ms ();
        bool done = false;
        int64_t wake = s_inputs (a, mono, &done);
        if (vg_batcher_due (a->batcher, 0.9, mono) || (done && vg_batcher_pending (a->batcher)))
            s_flush (a);
        if (vg_sender_service (a->sender, vg_clock_mono_ms ()) < 0)
            return -VG_EIO;
        vg_spool_stats_t st;
        vg_spool_stats (a->spool, &st);
        if (exit_when_done && done && vg_batcher_pending (a->batcher) == 0 && st.batches == 0)
            return 0;
        int64_t sw = vg_sender_next_wake (a->sender, vg_clock_mono_ms ());
        if (sw < wake)
            wake = sw;
        if (vg_batcher_pending (a->batcher)) {
            int64_t age = a->cfg->batch_max_age_ms / 2;
            if (age < wake)
                wake = age;
        }
        zmq_pollitem_t item = { vg_sender_socket (a->sender), 0, ZMQ_POLLIN, 0 };
        zmq_poll (&item, 1, (long) (wake > 1000 ? 1000 : wake));
    }
    /* Clean stop: whatever is buffered goes to the spool (sent next time if not now). */
    s_flush (a);
    vg_sender_service (a->sender, vg_clock_mono_ms ());
    return 0;
}

void
vg_agent_log_stats (const vg_agent_t *a)
{
    vg_batcher_stats_t b;
    vg_sender_stats_t s;
    vg_spool_stats_t p;
    vg_batcher_stats (a->batcher, &b);
    vg_sender_stats (a->sender, &s);
    vg_spool_stats (a->spool, &p);
    vg_log (VG_LOG_INFO, "agent",
            "samples_in=%llu events_in=%llu dropped=%llu batches=%llu bytes=%llu series=%llu sent=%llu resent=%llu "
            "acked=%llu rejected=%llu failovers=%llu spooled=%llu spool_full=%llu",
            (unsigned long long) b.samples_in, (unsigned long long) b.events_in,
            (unsigned long long) (b.samples_dropped + b.events_dropped), (unsigned long long) b.batches,
            (unsigned long long) b.bytes_out, (unsigned long long) b.series, (unsigned long long) s.sent,
            (unsigned long long) s.resent, (unsigned long long) s.acked, (unsigned long long) s.rejected,
            (unsigned long long) s.failovers, (unsigned long long) p.batches, (unsigned long long) a->spool_full);
}
