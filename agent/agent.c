/* agent.c - the agent's single-threaded loop (see agent.h). */
#include "agent/agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "agent/agent_metrics.h"
#include "agent/batcher.h"
#include "common/clock.h"
#include "common/config_diff.h"
#include "common/curve_mode.h"
#include "common/err.h"
#include "agent/input.h"
#include "common/log.h"
#include "agent/sender.h"
#include "agent/spool.h"

/* The batcher's event arena is 1 MiB; flush well before an estimate of what events use
 * could reach it, so a burst of events becomes more batches rather than gap events. */
#define EVENT_BYTES_FLUSH (512u << 10)

struct vg_agent {
    const vg_agent_cfg_t *cfg;
    vg_input_t **inputs;
    char (*sources)[64];    /* per input: its source name, "pcap", "pcap#2" (vg_batcher_set_source) */
    size_t ninputs;
    vg_spool_t *spool;
    vg_batcher_t *batcher;
    vg_sink_t sink;         /* the batcher */
    vg_sink_t guard;        /* what inputs deliver into: flushes before the batcher is full */
    uint64_t events_since_flush, event_bytes_since_flush;
    vg_sender_t *sender;
    vg_agent_metrics_t *metrics; /* NULL unless agent.metrics_listen is set */
    vg_buf_t out;
    size_t largest_batch;   /* bytes of the largest batch packed so far */
    uint64_t spool_full;
    vg_ratelimit_t rl;
    zmq_pollitem_t *items;
    int *fds;
    size_t items_cap;
    vg_daemon_reload_t reload; /* SIGHUP count and loader (vg_agent_watch_hup) */
    uint32_t window;        /* send.window in force (reloadable) */
};

static int s_flush (vg_agent_t *a);

/* ---- what inputs see of the agent (vg_input_host_t) ---- */

static size_t
s_host_pending (void *arg)
{
    vg_agent_t *a = arg;
    return vg_batcher_pending (a->batcher);
}

static int
s_host_flush (void *arg)
{
    return s_flush (arg);
}

/* Replay-like inputs pause while a few windows of batches wait for acknowledgement, and
 * before the spool's bounds would refuse a batch: while it has no room for two more as large
 * as the largest so far (the one being filled, and the next), so that pausing loses nothing
 * where a full spool would turn the batch into a gap. */
static bool
s_host_throttled (void *arg)
{
    vg_agent_t *a = arg;
    vg_spool_stats_t st;
    vg_spool_stats (a->spool, &st);
    return st.batches >= 2 * a->window || !vg_spool_has_room (a->spool, a->largest_batch, 2);
}

/* The spool would refuse the batch being filled or the next (vg_input_host_t.full). */
static bool
s_host_full (void *arg)
{
    vg_agent_t *a = arg;
    return !vg_spool_has_room (a->spool, a->largest_batch, 2);
}

/* Was batch seq of epoch put (held or acknowledged)?  Another epoch: a wiped spool cannot
 * tell, so yes (resume where the input's record says, as before records knew seqs). */
static bool
s_host_held (void *arg, uint64_t epoch, uint64_t seq)
{
    vg_agent_t *a = arg;
    return epoch != vg_spool_epoch (a->spool) || vg_spool_holds (a->spool, seq);
}

/* ---- the guard sink: inputs whose units can be larger than a batch (a big MDT or VES
 * message) deliver through it, so a full batch is spooled before the next item instead of
 * becoming a gap. ---- */

static int
s_guard_device (void *ctx, const vg_device_t *d)
{
    vg_agent_t *a = ctx;
    return vg_sink_device (&a->sink, d);
}

static int
s_guard_sample (void *ctx, const vg_point_t *p)
{
    vg_agent_t *a = ctx;
    if (vg_batcher_pending (a->batcher) >= a->cfg->batch_max_samples)
        s_flush (a);
    return vg_sink_sample (&a->sink, p);
}

static int
s_guard_event (void *ctx, const vg_event_t *e)
{
    vg_agent_t *a = ctx;
    uint64_t bytes = 128;
    for (size_t i = 0; i < e->nattrs && i < VG_MAX_ATTRS; i++)
        bytes += 32 + (e->attrs[i].key ? strlen (e->attrs[i].key) : 0) +
                 (e->attrs[i].value ? strlen (e->attrs[i].value) : 0);
    if (a->events_since_flush + 1 > a->cfg->batch_max_events ||
        a->event_bytes_since_flush + bytes > EVENT_BYTES_FLUSH ||
        vg_batcher_pending (a->batcher) >= a->cfg->batch_max_samples)
        s_flush (a);
    a->events_since_flush++;
    a->event_bytes_since_flush += bytes;
    return vg_sink_event (&a->sink, e);
}

/* Input i's source name: its type, numbered from the second input of that type
 * ("pcap", "pcap#2"), so each capture or directory keeps its own data-time clock. */
static void
s_source_name (const vg_agent_cfg_t *cfg, size_t i, char name[64])
{
    const char *type = cfg->inputs[i].type ? cfg->inputs[i].type : "input";
    size_t nth = 1;
    for (size_t j = 0; j < i; j++)
        if (cfg->inputs[j].type && strcmp (cfg->inputs[j].type, type) == 0)
            nth++;
    if (nth == 1)
        snprintf (name, 64, "%s", type);
    else
        snprintf (name, 64, "%s#%zu", type, nth);
}

vg_agent_t *
vg_agent_new (const vg_agent_cfg_t *cfg, char *err, size_t errlen)
{
    if (vg_agent_cfg_check (cfg, err, errlen) < 0)
        return NULL;
    if (cfg->curve_insecure)
        vg_log (VG_LOG_WARN, "agent", "%s", VG_CURVE_INSECURE_WARNING);
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
    a->guard = (vg_sink_t) { a, s_guard_device, s_guard_sample, s_guard_event };
    a->inputs = calloc (cfg->ninputs, sizeof *a->inputs);
    a->sources = calloc (cfg->ninputs, sizeof *a->sources);
    if (!a->inputs || !a->sources) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < cfg->ninputs; i++) {
        s_source_name (cfg, i, a->sources[i]);
        vg_input_env_t env = { .cfg = &cfg->inputs[i], .index = i, .spool_dir = cfg->spool_dir,
                               .spool_fsync = cfg->spool_fsync, .batch_max_samples = cfg->batch_max_samples,
                               .sink = &a->guard,
                               .host = { a, s_host_pending, s_host_flush, s_host_throttled, s_host_full, s_host_held } };
        a->inputs[i] = vg_input_new (&env, err, errlen);
        if (!a->inputs[i])
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
                           cfg->curve_secret_key,
                           cfg->backoff_base_ms,
                           cfg->backoff_max_ms };
    a->window = (uint32_t) cfg->window;
    a->sender = vg_sender_new (&sd, a->spool, err, errlen);
    if (!a->sender)
        goto fail;
    if (cfg->metrics_listen && cfg->metrics_listen[0]) {
        a->metrics = vg_agent_metrics_new (cfg, (const char (*)[64]) a->sources, err, errlen);
        if (!a->metrics)
            goto fail;
    }
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
    vg_agent_metrics_destroy (&a->metrics);
    vg_sender_destroy (&a->sender);
    for (size_t i = 0; i < a->ninputs; i++)
        vg_input_destroy (&a->inputs[i]);
    free (a->inputs);
    free (a->sources);
    free (a->items);
    free (a->fds);
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
    a->events_since_flush = 0;
    a->event_bytes_since_flush = 0;
    if (vg_batcher_pending (a->batcher) == 0)
        return 0;
    uint64_t seq = vg_spool_next_seq (a->spool);
    int n = vg_batcher_flush (a->batcher, vg_spool_epoch (a->spool), seq, vg_clock_now_ms (), &a->out);
    if (n <= 0)
        return n;
    if (a->out.len > a->largest_batch)
        a->largest_batch = a->out.len;
    for (size_t i = 0; i < a->ninputs; i++)
        vg_input_will_spool (a->inputs[i], vg_spool_epoch (a->spool), seq);
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
        vg_input_spooled (a->inputs[i]);
    /* On disk now (the sender reads it back): a large buffer is not kept while the next
     * batch fills the pool (docs/PERFORMANCE.md, "Agent memory"). */
    if (a->out.cap >= (128u << 10))
        vg_buf_free (&a->out);
    return 1;
}

/* Let inputs produce what is due or ready. Returns ms until the next input wants service. */
static int64_t
s_inputs (vg_agent_t *a, int64_t mono, bool *all_done)
{
    int64_t wake = 1000;
    int64_t now = vg_clock_now_ms ();
    *all_done = true;
    for (size_t i = 0; i < a->ninputs; i++) {
        vg_input_t *in = a->inputs[i];
        if (vg_input_done (in))
            continue;
        vg_batcher_stats_t before;
        if (a->metrics)
            vg_batcher_stats (a->batcher, &before);
        vg_batcher_set_source (a->batcher, a->sources[i]);
        int rc = vg_input_service (in, now, mono, &a->guard);
        vg_batcher_set_source (a->batcher, NULL);
        if (a->metrics)
            vg_agent_metrics_delivered (a->metrics, i, &before, a->batcher);
        if (rc < 0)
            vg_log_rl (&a->rl, VG_LOG_WARN, "agent", "input %zu: %s", i, vg_strerror (rc));
        if (vg_input_done (in))
            continue;
        *all_done = false;
        int64_t w = vg_input_next_wake (in, mono);
        if (w < wake)
            wake = w;
    }
    return wake < 0 ? 0 : wake;
}

/* The sender's socket plus every input's fds.  Returns the item count (0 on OOM: then
 * only the timeout paces the loop). */
static size_t
s_pollitems (vg_agent_t *a)
{
    for (;;) {
        size_t cap = a->items_cap > 1 ? a->items_cap - 1 : 0, n = 0;
        bool fit = true;
        for (size_t i = 0; i < a->ninputs; i++) {
            size_t room = n < cap ? cap - n : 0;
            size_t k = vg_input_pollfds (a->inputs[i], a->fds ? a->fds + n : NULL, room);
            if (k > room)
                fit = false;
            n += k;
        }
        if (fit && a->items) {
            a->items[0] = (zmq_pollitem_t) { vg_sender_socket (a->sender), 0, ZMQ_POLLIN, 0 };
            for (size_t i = 0; i < n; i++)
                a->items[i + 1] = (zmq_pollitem_t) { NULL, a->fds[i], ZMQ_POLLIN, 0 };
            return n + 1;
        }
        size_t want = (n + 1) * 2 + 8;
        zmq_pollitem_t *it = realloc (a->items, want * sizeof *it);
        if (it)
            a->items = it;
        int *fds = realloc (a->fds, want * sizeof *fds);
        if (fds)
            a->fds = fds;
        if (!it || !fds)
            return 0;
        a->items_cap = want;
    }
}

void
vg_agent_watch_hup (vg_agent_t *a, volatile sig_atomic_t *hup, vg_daemon_load_fn load, void *ctx)
{
    vg_daemon_reload_watch (&a->reload, hup, load, ctx);
}

/* Options a SIGHUP applies; any other option changed in the file is named in a warning. */
static const char *const s_reloadable[] = { "agent.log_level", "send.", NULL };

/* Load the configuration again and apply its reloadable options (see vg_agent_watch_hup). */
static void
s_reload (vg_agent_t *a)
{
    vg_agent_cfg_t nc;
    char err[700];
    if (a->reload.load (a->reload.ctx, &nc, err, sizeof err) < 0) {
        vg_log (VG_LOG_ERROR, "agent", "configuration reload refused, nothing changed: %s", err);
        return;
    }
    if (vg_log_level_parse (nc.log_level) < 0)
        snprintf (err, sizeof err, "agent.log_level '%s' is not debug|info|warn|error", nc.log_level);
    if (vg_log_level_parse (nc.log_level) < 0 || vg_agent_cfg_check (&nc, err, sizeof err) < 0) {
        vg_log (VG_LOG_ERROR, "agent", "configuration reload refused, nothing changed: %s", err);
        vg_cfg_free (&vg_agent_cfg_table, &nc);
        return;
    }
    vg_log_set_level ((vg_log_level_t) vg_log_level_parse (nc.log_level));
    vg_sender_cfg_t sd = { .window = (uint32_t) nc.window,
                           .heartbeat_ms = nc.heartbeat_ms,
                           .timeout_ms = nc.timeout_ms,
                           .primary_retry_ms = nc.primary_retry_ms,
                           .backoff_base_ms = nc.backoff_base_ms,
                           .backoff_max_ms = nc.backoff_max_ms };
    vg_sender_set_timing (a->sender, &sd);
    a->window = (uint32_t) nc.window;
    vg_log (VG_LOG_INFO, "agent",
            "reloaded: log_level %s, send.window %llu, heartbeat %lld ms, timeout %lld ms, primary_retry %lld ms, "
            "backoff_base %lld ms, backoff_max %lld ms",
            nc.log_level, (unsigned long long) nc.window, (long long) nc.heartbeat_ms, (long long) nc.timeout_ms,
            (long long) nc.primary_retry_ms, (long long) nc.backoff_base_ms, (long long) nc.backoff_max_ms);
    char names[400];
    size_t n = vg_cfg_diff (&vg_agent_cfg_table, a->cfg, &nc, s_reloadable, names, sizeof names);
    if (n)
        vg_log (VG_LOG_WARN, "agent",
                "%zu changed option(s) not applied by a reload, restart to apply them: %s (a reload applies "
                "agent.log_level and send.*; the spool makes a restart lossless)",
                n, names);
    vg_cfg_free (&vg_agent_cfg_table, &nc);
}

/* SIGHUP: reload what can be (s_reload), then log the counters. */
static void
s_on_hup (vg_agent_t *a)
{
    if (!vg_daemon_reload_due (&a->reload))
        return;
    vg_log (VG_LOG_INFO, "agent", "SIGHUP: reloading agent.log_level and send.*; counters follow");
    if (a->reload.load)
        s_reload (a);
    vg_agent_log_stats (a);
}

int
vg_agent_run (vg_agent_t *a, volatile sig_atomic_t *stop, bool exit_when_done)
{
    while (!*stop) {
        s_on_hup (a);
        int64_t mono = vg_clock_mono_ms ();
        bool done = false;
        int64_t wake = s_inputs (a, mono, &done);
        if (vg_batcher_due (a->batcher, 0.9, mono) || (done && vg_batcher_pending (a->batcher)))
            s_flush (a);
        if (vg_sender_service (a->sender, vg_clock_mono_ms ()) < 0)
            return -VG_EIO;
        if (a->metrics)
            vg_agent_metrics_tick (a->metrics, mono,
                                   &(vg_agent_parts_t) { a->inputs, a->batcher, a->spool, a->sender, a->spool_full });
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
        size_t n = s_pollitems (a);
        if (n)
            zmq_poll (a->items, (int) n, (long) (wake > 1000 ? 1000 : wake));
        else {
            zmq_pollitem_t item = { vg_sender_socket (a->sender), 0, ZMQ_POLLIN, 0 };
            zmq_poll (&item, 1, (long) (wake > 1000 ? 1000 : wake));
        }
    }
    /* Clean stop: whatever is buffered goes to the spool (sent next time if not now). */
    s_flush (a);
    vg_sender_service (a->sender, vg_clock_mono_ms ());
    return 0;
}

uint64_t
vg_agent_batches_rejected (const vg_agent_t *a)
{
    vg_sender_stats_t s;
    vg_sender_stats (a->sender, &s);
    return s.rejected;
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
    for (size_t i = 0; i < a->ninputs; i++)
        vg_input_log_stats (a->inputs[i]);
}
