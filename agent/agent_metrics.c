/* agent_metrics.c - the agent's Prometheus exposition, health rule and publisher (see
 * agent_metrics.h).  Invariant: only vg_agent_metrics_tick() reads the agent's parts, at
 * most once per VG_AGENT_METRICS_EVERY_MS, on the agent's thread. */
#include "agent/agent_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/metrics_http.h"

#define S_IN(fam, type, field) VG_METRIC_ROW (vg_agent_input_metrics_t, fam, type, NULL, NULL, field, VG_METRIC_U64)
#define S_DEC(fam, field) VG_METRIC_ROW (vg_decode_stats_t, fam, "counter", NULL, NULL, field, VG_METRIC_U64)
#define S_AG(fam, type, labels, field, repr) VG_METRIC_ROW (vg_agent_metrics_snapshot_t, fam, type, labels, NULL, field, repr)

/* Per input (label input="..."): what it delivered into the batcher. */
static const vg_metric_t s_input[] = {
    S_IN ("vigil_agent_input_samples_total", "counter", samples),
    S_IN ("vigil_agent_input_events_total", "counter", events),
    S_IN ("vigil_agent_input_rejected_total", "counter", rejected),
};

/* Per input that decodes: its decoder's counters. */
static const vg_metric_t s_decode[] = {
    S_DEC ("vigil_agent_decoder_messages_total", messages),
    S_DEC ("vigil_agent_decoder_samples_total", samples),
    S_DEC ("vigil_agent_decoder_events_total", events),
    S_DEC ("vigil_agent_decoder_errors_total", errors),
    S_DEC ("vigil_agent_decoder_undecoded_total", undecoded),
    S_DEC ("vigil_agent_decoder_lost_total", lost),
    S_DEC ("vigil_agent_decoder_suspect_total", suspect),
};

/* The agent as a whole: batcher, spool, sender, health. */
static const vg_metric_t s_agent[] = {
    S_AG ("vigil_agent_samples_total", "counter", "result=\"accepted\"", batcher.samples_in, VG_METRIC_U64),
    S_AG ("vigil_agent_samples_total", "counter", "result=\"dropped\"", batcher.samples_dropped, VG_METRIC_U64),
    S_AG ("vigil_agent_events_total", "counter", "result=\"accepted\"", batcher.events_in, VG_METRIC_U64),
    S_AG ("vigil_agent_events_total", "counter", "result=\"dropped\"", batcher.events_dropped, VG_METRIC_U64),
    S_AG ("vigil_agent_points_rejected_total", "counter", NULL, batcher.rejected_points, VG_METRIC_U64),
    S_AG ("vigil_agent_batches_built_total", "counter", NULL, batcher.batches, VG_METRIC_U64),
    S_AG ("vigil_agent_batch_bytes_total", "counter", "form=\"compressed\"", batcher.bytes_out, VG_METRIC_U64),
    S_AG ("vigil_agent_batch_bytes_total", "counter", "form=\"raw\"", batcher.bytes_raw, VG_METRIC_U64),
    S_AG ("vigil_agent_series", "gauge", NULL, batcher.series, VG_METRIC_U64),
    S_AG ("vigil_agent_devices", "gauge", NULL, batcher.devices, VG_METRIC_U64),
    S_AG ("vigil_agent_spool_batches", "gauge", NULL, spool.batches, VG_METRIC_U64),
    S_AG ("vigil_agent_spool_bytes", "gauge", NULL, spool.bytes, VG_METRIC_U64),
    S_AG ("vigil_agent_spool_oldest_age_seconds", "gauge", NULL, spool_oldest_age_ms, VG_METRIC_I64_MS),
    S_AG ("vigil_agent_spool_limit_batches", "gauge", NULL, spool.max_batches, VG_METRIC_U64),
    S_AG ("vigil_agent_spool_limit_bytes", "gauge", NULL, spool.max_bytes, VG_METRIC_U64),
    S_AG ("vigil_agent_spool_puts_total", "counter", NULL, spool.put_total, VG_METRIC_U64),
    S_AG ("vigil_agent_spool_full_total", "counter", NULL, spool.full_rejects, VG_METRIC_U64),
    S_AG ("vigil_agent_spool_unspooled_batches_total", "counter", NULL, unspooled, VG_METRIC_U64),
    S_AG ("vigil_agent_spool_corrupt_dropped_total", "counter", NULL, spool.corrupt_dropped, VG_METRIC_U64),
    S_AG ("vigil_agent_spool_io_errors_total", "counter", NULL, spool.io_errors, VG_METRIC_U64),
    S_AG ("vigil_agent_batches_sent_total", "counter", NULL, sender.sent, VG_METRIC_U64),
    S_AG ("vigil_agent_batches_resent_total", "counter", NULL, sender.resent, VG_METRIC_U64),
    S_AG ("vigil_agent_batches_acked_total", "counter", NULL, sender.acked, VG_METRIC_U64),
    S_AG ("vigil_agent_batches_duplicate_total", "counter", NULL, sender.duplicates, VG_METRIC_U64),
    S_AG ("vigil_agent_batches_rejected_total", "counter", NULL, sender.rejected, VG_METRIC_U64),
    S_AG ("vigil_agent_batches_retried_total", "counter", NULL, sender.retries, VG_METRIC_U64),
    S_AG ("vigil_agent_batches_inflight", "gauge", NULL, inflight, VG_METRIC_U64),
    S_AG ("vigil_agent_failovers_total", "counter", NULL, sender.failovers, VG_METRIC_U64),
    S_AG ("vigil_agent_heartbeats_total", "counter", NULL, sender.heartbeats, VG_METRIC_U64),
    S_AG ("vigil_agent_backoffs_total", "counter", NULL, sender.backoffs, VG_METRIC_U64),
    S_AG ("vigil_agent_backoff_seconds_total", "counter", NULL, sender.backoff_wait_ms, VG_METRIC_I64_MS),
    S_AG ("vigil_agent_backoff_step_seconds", "gauge", NULL, sender.backoff_step_ms, VG_METRIC_I64_MS),
    S_AG ("vigil_agent_collector_connected", "gauge", NULL, connected, VG_METRIC_U64),
    S_AG ("vigil_agent_collector_index", "gauge", NULL, endpoint, VG_METRIC_U64),
    S_AG ("vigil_agent_healthy", "gauge", NULL, healthy, VG_METRIC_U64),
};

/* Inputs shown: all the configuration allows. */
static size_t
s_shown (const vg_agent_metrics_snapshot_t *snap)
{
    return snap->ninputs < VG_AGENT_METRICS_MAX_INPUTS ? snap->ninputs : VG_AGENT_METRICS_MAX_INPUTS;
}

/* vigil_agent_input_info{input,index,type} 1: which configured input a label names.  in[i]:
 * an input's metrics and its input="..." label. */
static void
s_info (vg_metric_out_t *out, const vg_metric_instance_t *in, size_t n)
{
    if (n == 0)
        return;
    vg_metrics_put (out, "# TYPE vigil_agent_input_info gauge\n");
    for (size_t i = 0; i < n; i++) {
        const vg_agent_input_metrics_t *m = in[i].stats;
        char type[96];
        vg_metrics_label (type, sizeof type, "type", m->type);
        vg_metrics_put (out, "vigil_agent_input_info{%s,index=\"%zu\",%s} 1\n", in[i].labels, m->index, type);
    }
}

/* vigil_agent_input_kind_total{input,counter}: each kind's own counters (datagrams,
 * truncated, refused, too_large, ...), one family for every kind.  in[i] as for s_info. */
static void
s_kind_counters (vg_metric_out_t *out, const vg_metric_instance_t *in, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any = any || ((const vg_agent_input_metrics_t *) in[i].stats)->ncounters > 0;
    if (!any)
        return;
    vg_metrics_put (out, "# TYPE vigil_agent_input_kind_total counter\n");
    for (size_t i = 0; i < n; i++) {
        const vg_agent_input_metrics_t *m = in[i].stats;
        char counter[96];
        for (size_t k = 0; k < m->ncounters; k++) {
            vg_metrics_label (counter, sizeof counter, "counter", m->counter_names[k]);
            vg_metrics_put (out, "vigil_agent_input_kind_total{%s,%s} %llu\n", in[i].labels, counter,
                            (unsigned long long) m->counter_values[k]);
        }
    }
}

size_t
vg_agent_metrics_render (vg_metric_out_t *out, const vg_agent_metrics_snapshot_t *snap)
{
    if (!vg_metrics_begin (out))
        return 0;
    vg_metrics_render (out, s_agent, VG_METRICS_N (s_agent), snap);
    /* Instances: every input for s_input, those that decode for s_decode. */
    char labels[VG_AGENT_METRICS_MAX_INPUTS][160];
    vg_metric_instance_t all[VG_AGENT_METRICS_MAX_INPUTS], dec[VG_AGENT_METRICS_MAX_INPUTS];
    size_t n = s_shown (snap), nd = 0;
    for (size_t i = 0; i < n; i++) {
        const vg_agent_input_metrics_t *in = &snap->inputs[i];
        vg_metrics_label (labels[i], sizeof labels[i], "input", in->name);
        all[i] = (vg_metric_instance_t) { in, labels[i] };
        if (in->has_decode)
            dec[nd++] = (vg_metric_instance_t) { &in->decode, labels[i] };
    }
    s_info (out, all, n);
    vg_metrics_render_each (out, s_input, VG_METRICS_N (s_input), all, n);
    vg_metrics_render_each (out, s_decode, VG_METRICS_N (s_decode), dec, nd);
    s_kind_counters (out, all, n);
    return out->len;
}

bool
vg_agent_metrics_health (const vg_agent_metrics_snapshot_t *snap, char *reason, size_t size)
{
    const vg_spool_stats_t *sp = &snap->spool;
    double by_bytes = sp->max_bytes ? (double) sp->bytes / (double) sp->max_bytes : 0;
    double by_batches = sp->max_batches ? (double) sp->batches / (double) sp->max_batches : 0;
    double used = by_bytes > by_batches ? by_bytes : by_batches;
    char age[32];
    vg_duration_format (snap->spool_oldest_age_ms, age, sizeof age);
    if (used >= VG_AGENT_HEALTH_SPOOL_FULL) {
        snprintf (reason, size,
                  "spool %.0f%% full (%llu batches, %llu bytes, oldest %s), %s: new data will become gap events",
                  used * 100, (unsigned long long) sp->batches, (unsigned long long) sp->bytes, age,
                  snap->connected ? "collector connected but not keeping up" : "no collector connected");
        return false;
    }
    if (snap->connected)
        snprintf (reason, size, "ok");
    else
        snprintf (reason, size, "ok: spooling, no collector connected (%llu batches, %.0f%% of the spool, oldest %s)",
                  (unsigned long long) sp->batches, used * 100, age);
    return true;
}

/* ---- the publisher ---- */

struct vg_agent_metrics {
    vg_metrics_http_t *http;
    vg_agent_input_metrics_t *inputs;
    size_t ninputs;
    int64_t next_ms;          /* monotonic time of the next publication */
    char *buf;
    size_t size;
    bool truncated_logged;
};

vg_agent_metrics_t *
vg_agent_metrics_new (const vg_agent_cfg_t *cfg, const char (*sources)[64], char *err, size_t errlen)
{
    vg_agent_metrics_t *m = calloc (1, sizeof *m);
    if (!m) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    m->ninputs = cfg->ninputs;
    m->inputs = calloc (cfg->ninputs ? cfg->ninputs : 1, sizeof *m->inputs);
    /* The agent part is ~4 KiB; an input with every family and a dozen counters ~2 KiB. */
    m->size = 16384 + 4096 * cfg->ninputs;
    m->buf = malloc (m->size);
    if (!m->inputs || !m->buf) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < cfg->ninputs; i++) {
        snprintf (m->inputs[i].name, sizeof m->inputs[i].name, "%s", sources[i]);
        m->inputs[i].type = cfg->inputs[i].type ? cfg->inputs[i].type : "input";
        m->inputs[i].index = i;
    }
    m->http = vg_metrics_http_new (cfg->metrics_listen, &cfg->metrics, err, errlen);
    if (!m->http)
        goto fail;
    vg_metrics_http_stale_after (m->http, VG_AGENT_HEALTH_STALE_MS);
    return m;
fail:
    vg_agent_metrics_destroy (&m);
    return NULL;
}

void
vg_agent_metrics_destroy (vg_agent_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_agent_metrics_t *m = *self_p;
    vg_metrics_http_destroy (&m->http);
    free (m->inputs);
    free (m->buf);
    free (m);
    *self_p = NULL;
}

void
vg_agent_metrics_delivered (vg_agent_metrics_t *m, size_t i, const vg_batcher_stats_t *before,
                            const vg_batcher_t *batcher)
{
    if (i >= m->ninputs)
        return;
    vg_batcher_stats_t after;
    vg_batcher_stats (batcher, &after);
    vg_agent_input_metrics_t *in = &m->inputs[i];
    in->samples += after.samples_in - before->samples_in;
    in->events += after.events_in - before->events_in;
    in->rejected += after.rejected_points - before->rejected_points;
}

/* Copy input in's decoder and kind counters into im. */
static void
s_read_input (vg_agent_input_metrics_t *im, const vg_input_t *in)
{
    const vg_decode_stats_t *st = vg_input_stats (in);
    im->has_decode = st != NULL;
    if (st)
        im->decode = *st;
    im->ncounters = 0;
    for (size_t k = 0; k < VG_AGENT_METRICS_MAX_COUNTERS; k++) {
        const char *name = vg_input_counter (in, k, &im->counter_values[k]);
        if (!name)
            break;
        im->counter_names[k] = name;
        im->ncounters++;
    }
}

void
vg_agent_metrics_tick (vg_agent_metrics_t *m, int64_t mono_ms, const vg_agent_parts_t *parts)
{
    if (mono_ms < m->next_ms)
        return;
    m->next_ms = mono_ms + VG_AGENT_METRICS_EVERY_MS;
    for (size_t i = 0; i < m->ninputs; i++)
        s_read_input (&m->inputs[i], parts->inputs[i]);
    vg_agent_metrics_snapshot_t snap = { .inputs = m->inputs, .ninputs = m->ninputs, .unspooled = parts->unspooled };
    vg_batcher_stats (parts->batcher, &snap.batcher);
    vg_spool_stats (parts->spool, &snap.spool);
    vg_sender_stats (parts->sender, &snap.sender);
    snap.inflight = vg_sender_inflight (parts->sender);
    snap.connected = snap.sender.ready;
    snap.endpoint = snap.sender.endpoint;
    if (snap.spool.oldest_ms > 0) {
        int64_t age = vg_clock_now_ms () - snap.spool.oldest_ms;
        snap.spool_oldest_age_ms = age > 0 ? age : 0;
    }
    char reason[256];
    bool ok = vg_agent_metrics_health (&snap, reason, sizeof reason);
    snap.healthy = ok;
    vg_metric_out_t out = { m->buf, m->size, 0, 0 };
    size_t n = vg_agent_metrics_render (&out, &snap);
    if (out.truncated && !m->truncated_logged) {
        vg_log (VG_LOG_WARN, "agent", "metrics text truncated at %zu bytes", m->size);
        m->truncated_logged = true;
    }
    vg_metrics_publish (m->http, m->buf, n);
    vg_metrics_health (m->http, ok, reason);
}
