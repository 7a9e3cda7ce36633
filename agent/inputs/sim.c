/* sim.c - the simulator as an agent input (sim.h generates, this file paces).
 *
 * Realtime: one step per turn when due.  Max: as many steps as the spool allows (the
 * agent's throttle), a step never split over two batches.  Progress is recorded next to
 * the spool before each batch is put, with the batch's seq and the position before it, so
 * a restarted agent resumes after what was spooled, never repeating or skipping a step,
 * whenever it was killed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/file_replace.h"
#include "agent/input.h"
#include "common/log.h"
#include "sim/sim.h"

typedef struct {
    vg_sim_t *sim;
    vg_sim_cfg_t sc;
    vg_input_host_t host;
    uint64_t batch_max_samples;
    bool max_speed;
    char state_path[512];   /* where progress is recorded (next step time) */
    bool state_sync;        /* the record is fsync'd (spool.fsync) */
    int64_t saved_next;     /* resume point of the last batch put (0: the start) */
    int64_t pending_next;   /* resume point recorded for the batch being put */
    int64_t wake_ms;        /* computed by the last service */
    int64_t wake_at_mono;
} s_sim_t;

static const char *const s_keys[] = { "type",  "seed", "sites", "cells_per_gnb", "scenario", "start",
                                      "interval", "end", "speed", "site",          NULL };

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

/* Replace the record (temp + rename: a kill leaves the old record or the new one, never a
 * torn one): resume at next if the put of seq in epoch was made, at prev if not. */
static void
s_write_record (s_sim_t *in, const vg_sim_cfg_t *sc, int64_t next, int64_t prev, uint64_t epoch, uint64_t seq)
{
    char rec[256];
    int n = snprintf (rec, sizeof rec, "sim %llu %llu %llu %lld %lld next %lld prev %lld epoch %llu seq %llu\n",
                      (unsigned long long) sc->seed, (unsigned long long) sc->sites,
                      (unsigned long long) sc->cells_per_gnb, (long long) sc->start_ms, (long long) sc->interval_ms,
                      (long long) next, (long long) prev, (unsigned long long) epoch, (unsigned long long) seq);
    if (n < 0 || (size_t) n >= sizeof rec || vg_file_replace (in->state_path, rec, (size_t) n, in->state_sync) < 0)
        vg_log (VG_LOG_WARN, "agent", "sim progress record %s not written: %s", in->state_path, strerror (errno));
}

/* A sim input records how far it has delivered into the spool, so a restarted agent
 * continues where it stopped instead of replaying (and duplicating) the simulation.  The
 * record keeps the start time it was made with, so a relative start ("-1d") is evaluated
 * once per spool; resuming fast-forwards by generating and discarding, so counter totals
 * stay identical to an uninterrupted run.  A record for other parameters is ignored. */
static int64_t
s_load_record (s_sim_t *in, vg_sim_cfg_t *sc, const char *spool_dir, size_t idx)
{
    snprintf (in->state_path, sizeof in->state_path, "%s/input-%zu.sim", spool_dir, idx);
    FILE *f = fopen (in->state_path, "r");
    if (!f)
        return 0;
    char line[256] = "";
    char *ok = fgets (line, sizeof line, f);
    fclose (f);
    unsigned long long seed, sites, cells, epoch, seq;
    long long start, interval, next, prev;
    if (!ok)
        return 0;
    int n = sscanf (line, "sim %llu %llu %llu %lld %lld next %lld prev %lld epoch %llu seq %llu", &seed, &sites, &cells,
                    &start, &interval, &next, &prev, &epoch, &seq);
    if ((n != 6 && n != 9) || seed != sc->seed || sites != sc->sites || cells != sc->cells_per_gnb ||
        interval != sc->interval_ms)
        return 0;
    sc->start_ms = start;
    /* Written before the put of batch seq: if that put did not happen (killed between the
     * two), what the batch would have held was never spooled: resume before it.  That seq
     * may be handed out again, to a batch of another input put before this one steps (so
     * no new record): record now that either answer means prev. */
    if (n == 9 && in->host.held && !in->host.held (in->host.arg, epoch, seq)) {
        s_write_record (in, sc, prev, prev, epoch, seq);
        return prev;
    }
    return next;
}

static void
s_fast_forward (s_sim_t *in, int64_t next, size_t idx)
{
    vg_sink_t discard = { NULL, s_discard_device, s_discard_sample, s_discard_event };
    uint64_t skipped = 0;
    while (vg_sim_next_ts (in->sim) < next && vg_sim_step (in->sim, &discard) > 0)
        skipped++;
    in->saved_next = next;
    vg_log (VG_LOG_INFO, "agent", "sim input %zu resumes at %lld (skipped %llu delivered steps)", idx, (long long) next,
            (unsigned long long) skipped);
}

/* Before batch seq of epoch is put: record where the sim resumes if it was (its next step)
 * and if it was not (the last spooled position). */
static void
s_will_spool (void *self, uint64_t epoch, uint64_t seq)
{
    s_sim_t *in = self;
    in->pending_next = vg_sim_next_ts (in->sim);
    /* No step since the last batch put: the record on disk resolves to this position
     * whether or not its own put happened (if it did not, its next and prev are equal). */
    if (!in->state_path[0] || in->pending_next == in->saved_next)
        return;
    s_write_record (in, &in->sc, in->pending_next, in->saved_next, epoch, seq);
}

/* After the put: everything before the recorded next step is safe on disk. */
static void
s_spooled (void *self)
{
    s_sim_t *in = self;
    in->saved_next = in->pending_next;
}

static void
s_destroy (void **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_sim_t *in = *self_p;
    vg_sim_destroy (&in->sim);
    free (in);
    *self_p = NULL;
}

static void *
s_create (const vg_input_env_t *env, char *err, size_t errlen)
{
    const vg_input_cfg_t *c = env->cfg;
    s_sim_t *in = vg_input_calloc (sizeof *in, err, errlen);
    if (!in)
        return NULL;
    in->host = env->host;
    in->batch_max_samples = env->batch_max_samples;
    int64_t now = vg_clock_now_ms ();
    vg_sim_cfg_t sc;
    vg_sim_cfg_defaults (&sc);
    sc.seed = c->seed;
    sc.sites = (uint32_t) c->sites;
    sc.cells_per_gnb = (uint32_t) c->cells_per_gnb;
    sc.scenario = c->scenario && c->scenario[0] ? c->scenario : NULL;
    sc.interval_ms = c->interval_ms;
    sc.site_prefix = c->site && c->site[0] ? c->site : NULL;
    if (sc.site_prefix && (strlen (sc.site_prefix) > VG_SIM_SITE_PREFIX_MAX || strchr (sc.site_prefix, '/'))) {
        snprintf (err, errlen, "site '%s': a sim site prefix has at most %d bytes and no '/'", sc.site_prefix,
                  VG_SIM_SITE_PREFIX_MAX);
        goto fail;
    }
    if (vg_clock_parse (c->start, now, &sc.start_ms) < 0) {
        snprintf (err, errlen, "bad start time '%s'", c->start);
        goto fail;
    }
    sc.start_ms -= sc.start_ms % sc.interval_ms;
    in->state_sync = env->spool_fsync;
    int64_t resume = s_load_record (in, &sc, env->spool_dir, env->index);
    sc.end_ms = 0;
    if (c->end && c->end[0] && vg_clock_parse (c->end, now, &sc.end_ms) < 0) {
        snprintf (err, errlen, "bad end time '%s'", c->end);
        goto fail;
    }
    int rc = 0;
    in->sim = vg_sim_new (&sc, &rc);
    if (!in->sim) {
        snprintf (err, errlen, "%s", vg_strerror (rc ? rc : -VG_EINVAL));
        goto fail;
    }
    if (vg_sim_series_count (in->sim) > env->batch_max_samples) {
        snprintf (err, errlen, "one step has %zu samples; batch.max_samples (%llu) must be at least that",
                  vg_sim_series_count (in->sim), (unsigned long long) env->batch_max_samples);
        goto fail;
    }
    in->max_speed = c->speed == 1;
    in->sc = sc;
    if (resume)
        s_fast_forward (in, resume, env->index);
    vg_log (VG_LOG_INFO, "agent", "sim: %zu devices, %zu series, every %lld ms from %lld", vg_sim_device_count (in->sim),
            vg_sim_series_count (in->sim), (long long) sc.interval_ms, (long long) sc.start_ms);
    rc = vg_sim_announce (in->sim, env->sink);
    if (rc < 0) {
        snprintf (err, errlen, "announce: %s", vg_strerror (rc));
        goto fail;
    }
    return in;
fail:
    s_destroy ((void **) &in);
    return NULL;
}

static int
s_service (void *self, int64_t now, int64_t mono, const vg_sink_t *sink)
{
    s_sim_t *in = self;
    const vg_input_host_t *h = &in->host;
    in->wake_at_mono = mono;
    in->wake_ms = 1000;
    int64_t next = vg_sim_next_ts (in->sim);
    if (next == INT64_MAX)
        return 0;
    bool throttled = h->throttled (h->arg);
    size_t per_step = vg_sim_series_count (in->sim);
    int steps = 0;
    while (next <= now && (!in->max_speed || !throttled) && steps < 1000) {
        if (h->pending (h->arg) + per_step > in->batch_max_samples) {
            if (h->flush (h->arg) < 0)
                break;
            throttled = h->throttled (h->arg);
            if (in->max_speed && throttled)
                break;
        }
        if (vg_sim_step (in->sim, sink) < 0)
            break;
        steps++;
        next = vg_sim_next_ts (in->sim);
        if (!in->max_speed)
            break; /* realtime: one step per turn is plenty */
    }
    if (next != INT64_MAX)
        in->wake_ms = next > now ? next - now : (throttled ? 5 : 0);
    return 0;
}

static bool
s_done (const void *self)
{
    const s_sim_t *in = self;
    return vg_sim_next_ts (in->sim) == INT64_MAX;
}

static int64_t
s_next_wake (const void *self, int64_t mono)
{
    const s_sim_t *in = self;
    return in->wake_ms - (mono - in->wake_at_mono);
}

const vg_input_ops_t vg_in_sim_ops = {
    .name = "sim",
    .summary = "simulated RAN + transport fleet (agent/inputs/sim.h)",
    .keys = s_keys,
    .create = s_create,
    .destroy = s_destroy,
    .service = s_service,
    .done = s_done,
    .next_wake = s_next_wake,
    .will_spool = s_will_spool,
    .spooled = s_spooled,
};
