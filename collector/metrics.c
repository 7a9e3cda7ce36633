/* metrics.c - table-driven Prometheus exposition of the collector's counters (see metrics.h).
 * The metric names are part of the interface (dashboards, tests): rename nothing lightly. */
#include "collector/metrics.h"

#include <stdlib.h>

#define S_CORE(fam, type, labels, field, repr) VG_METRIC_ROW (vg_metrics_core_t, fam, type, labels, NULL, field, repr)
#define S_DET(fam, type, labels, field, repr) VG_METRIC_ROW (vg_detect_stage_stats_t, fam, type, labels, NULL, field, repr)
#define S_AGT(fam, type, labels, field) VG_METRIC_ROW (vg_agent_limit_stats_t, fam, type, labels, NULL, field, VG_METRIC_U64)
#define S_KAF(fam, type, labels, sfx, field, repr) VG_METRIC_ROW (vg_alerter_stats_t, fam, type, labels, sfx, field, repr)

static const vg_metric_t s_core[] = {
    S_CORE ("vigil_batches_total", "counter", "result=\"accepted\"", ingest.batches, VG_METRIC_U64),
    S_CORE ("vigil_batches_total", "counter", "result=\"duplicate\"", ingest.duplicates, VG_METRIC_U64),
    S_CORE ("vigil_batches_total", "counter", "result=\"rejected\"", batches_rejected, VG_METRIC_U64),
    S_CORE ("vigil_batches_total", "counter", "result=\"out_of_order\"", ingest.gaps, VG_METRIC_U64),
    S_CORE ("vigil_batches_total", "counter", "result=\"deferred\"", server.deferred, VG_METRIC_U64),
    S_CORE ("vigil_batches_total", "counter", "result=\"throttled\"", server.throttled, VG_METRIC_U64),
    S_CORE ("vigil_batches_total", "counter", "result=\"backlog\"", server.backlog_deferred, VG_METRIC_U64),
    S_CORE ("vigil_agent_resumes_total", "counter", NULL, ingest.resumes, VG_METRIC_U64),
    S_CORE ("vigil_samples_total", "counter", "result=\"stored\"", ingest.samples, VG_METRIC_U64),
    S_CORE ("vigil_samples_total", "counter", "result=\"rejected\"", ingest.samples_rejected, VG_METRIC_U64),
    S_CORE ("vigil_series_refused_samples_total", "counter", NULL, ingest.series_refused, VG_METRIC_U64),
    S_CORE ("vigil_events_total", "counter", NULL, ingest.events, VG_METRIC_U64),
    S_CORE ("vigil_ingest_bytes_total", "counter", NULL, ingest.bytes, VG_METRIC_U64),
    S_CORE ("vigil_series", "gauge", NULL, series, VG_METRIC_SIZE),
    S_CORE ("vigil_messages_total", "counter", "kind=\"all\"", server.msgs_in, VG_METRIC_U64),
    S_CORE ("vigil_messages_total", "counter", "kind=\"malformed\"", server.bad_msgs, VG_METRIC_U64),
    S_CORE ("vigil_messages_total", "counter", "kind=\"hello\"", server.hello, VG_METRIC_U64),
    S_CORE ("vigil_messages_total", "counter", "kind=\"heartbeat\"", server.heartbeats, VG_METRIC_U64),
    S_CORE ("vigil_commits_total", "counter", "result=\"ok\"", server.commits, VG_METRIC_U64),
    S_CORE ("vigil_commits_total", "counter", "result=\"error\"", server.commit_errors, VG_METRIC_U64),
    S_CORE ("vigil_store_writable", "gauge", NULL, server.store_writable, VG_METRIC_U64),
    S_CORE ("vigil_commit_seconds_max", "gauge", NULL, server.commit_us_max, VG_METRIC_I64_US),
    S_CORE ("vigil_commit_seconds_sum", "counter", NULL, server.commit_us_total, VG_METRIC_I64_US),
    S_CORE ("vigil_store_sample_sst_bytes", "gauge", NULL, sample_sst_bytes, VG_METRIC_U64),
    S_CORE ("vigil_store_duplicate_samples_total", "counter", "value=\"same\"", dup_samples, VG_METRIC_U64),
    S_CORE ("vigil_store_duplicate_samples_total", "counter", "value=\"conflicting\"", conflict_samples, VG_METRIC_U64),
    S_CORE ("vigil_zap_allowed_total", "counter", NULL, server.zap_allowed, VG_METRIC_U64),
    S_CORE ("vigil_zap_denied_total", "counter", NULL, server.zap_denied, VG_METRIC_U64),
    S_CORE ("vigil_wrong_agent_total", "counter", NULL, server.wrong_agent, VG_METRIC_U64),
    S_CORE ("vigil_revoked_key_messages_total", "counter", NULL, server.revoked, VG_METRIC_U64),
    S_CORE ("vigil_revoked_key_connections_closed_total", "counter", NULL, server.revoked_cut, VG_METRIC_U64),
    S_CORE ("vigil_collector_rss_bytes", "gauge", NULL, rss_bytes, VG_METRIC_U64),
    S_CORE ("vigil_memory_ceiling_deferred_total", "counter", NULL, rss_deferred, VG_METRIC_U64),
};

static const vg_metric_t s_detect[] = {
    S_DET ("vigil_detect_batches_total", "counter", "result=\"ok\"", batches, VG_METRIC_U64),
    S_DET ("vigil_detect_batches_total", "counter", "result=\"bad\"", bad_batches, VG_METRIC_U64),
    S_DET ("vigil_detect_batches_viewed_total", "counter", NULL, viewed, VG_METRIC_U64),
    S_DET ("vigil_detect_inputs_total", "counter", "kind=\"sample\"", samples, VG_METRIC_U64),
    S_DET ("vigil_detect_inputs_total", "counter", "kind=\"event\"", events, VG_METRIC_U64),
    S_DET ("vigil_detect_inputs_total", "counter", "kind=\"skipped\"", skipped, VG_METRIC_U64),
    S_DET ("vigil_detect_alerts_total", "counter", "result=\"stored\"", alerts, VG_METRIC_U64),
    S_DET ("vigil_detect_alerts_total", "counter", "result=\"lost\"", alerts_lost, VG_METRIC_U64),
    S_DET ("vigil_detect_alerts_total", "counter", "activity=\"create\"", engine.creates, VG_METRIC_U64),
    S_DET ("vigil_detect_alerts_total", "counter", "activity=\"update\"", engine.updates, VG_METRIC_U64),
    S_DET ("vigil_detect_alerts_total", "counter", "activity=\"close\"", engine.closes, VG_METRIC_U64),
    S_DET ("vigil_detect_alerts_total", "counter", "activity=\"suppressed\"", engine.suppressed, VG_METRIC_U64),
    S_DET ("vigil_detect_alerts_total", "counter", "activity=\"inhibited\"", engine.inhibited, VG_METRIC_U64),
    S_DET ("vigil_detect_commits_total", "counter", "result=\"ok\"", commits, VG_METRIC_U64),
    S_DET ("vigil_detect_commits_total", "counter", "result=\"error\"", commit_errors, VG_METRIC_U64),
    S_DET ("vigil_detect_state_saves_total", "counter", "result=\"ok\"", saves, VG_METRIC_U64),
    S_DET ("vigil_detect_state_saves_total", "counter", "result=\"error\"", save_errors, VG_METRIC_U64),
    S_DET ("vigil_detect_state_bytes", "gauge", NULL, save_bytes, VG_METRIC_U64),
    S_DET ("vigil_detect_queue_batches", "gauge", NULL, queued, VG_METRIC_U64),
    S_DET ("vigil_detect_queue_bytes", "gauge", NULL, queued_bytes, VG_METRIC_U64),
    S_DET ("vigil_detect_lag_seconds", "gauge", NULL, lag_ms, VG_METRIC_I64_MS),
    S_DET ("vigil_detect_lag_seconds_max", "gauge", NULL, lag_max_ms, VG_METRIC_I64_MS),
    S_DET ("vigil_detect_seconds_total", "counter", NULL, process_us_total, VG_METRIC_I64_US),
    S_DET ("vigil_detect_done_monotonic_seconds", "gauge", NULL, done_mono_ms, VG_METRIC_I64_MS),
    S_DET ("vigil_detect_event_time_seconds", "gauge", NULL, event_time_ms, VG_METRIC_I64_MS),
    S_DET ("vigil_detect_series", "gauge", NULL, engine.series, VG_METRIC_U64),
    S_DET ("vigil_detect_devices", "gauge", NULL, engine.devices, VG_METRIC_U64),
    S_DET ("vigil_detect_instances", "gauge", NULL, engine.instances, VG_METRIC_U64),
    S_DET ("vigil_detect_episodes_open", "gauge", NULL, engine.episodes_open, VG_METRIC_U64),
    S_DET ("vigil_detect_engine_errors_total", "counter", "kind=\"detector\"", engine.detector_errors, VG_METRIC_U64),
    S_DET ("vigil_detect_engine_errors_total", "counter", "kind=\"dropped_sample\"", engine.dropped, VG_METRIC_U64),
    S_DET ("vigil_detect_engine_errors_total", "counter", "kind=\"unknown_series\"", engine.unknown_series,
           VG_METRIC_U64),
    S_DET ("vigil_detect_engine_errors_total", "counter", "kind=\"full\"", engine.full, VG_METRIC_U64),
    S_DET ("vigil_detect_samples_total", "counter", "result=\"processed\"", engine.processed, VG_METRIC_U64),
    S_DET ("vigil_detect_samples_total", "counter", "result=\"late\"", engine.late, VG_METRIC_U64),
    S_DET ("vigil_detect_samples_total", "counter", "result=\"forced\"", engine.forced, VG_METRIC_U64),
    S_DET ("vigil_detect_samples_buffered", "gauge", NULL, engine.buffered, VG_METRIC_U64),
    S_DET ("vigil_detect_sources", "gauge", NULL, engine.sources, VG_METRIC_U64),
    S_DET ("vigil_detect_rules", "gauge", NULL, rules, VG_METRIC_U64),
    S_DET ("vigil_detect_rule_reloads_total", "counter", "result=\"ok\"", reloads, VG_METRIC_U64),
    S_DET ("vigil_detect_rule_reloads_total", "counter", "result=\"error\"", reload_errors, VG_METRIC_U64),
};

/* Per agent (label agent="ID"), for the agents that sent anything. */
static const vg_metric_t s_agent[] = {
    S_AGT ("vigil_agent_batches_total", "counter", "result=\"admitted\"", admitted),
    S_AGT ("vigil_agent_batches_total", "counter", "result=\"throttled\"", throttled),
    S_AGT ("vigil_agent_samples_total", "counter", NULL, samples),
    S_AGT ("vigil_agent_series_refused_samples_total", "counter", NULL, series_refused),
};

static const vg_metric_t s_kafka[] = {
    S_KAF ("vigil_kafka_alerts_total", "counter", "result=\"staged\"", NULL, staged, VG_METRIC_U64),
    S_KAF ("vigil_kafka_alerts_total", "counter", "result=\"produced\"", NULL, produced, VG_METRIC_U64),
    S_KAF ("vigil_kafka_alerts_total", "counter", "result=\"resent\"", NULL, resent, VG_METRIC_U64),
    S_KAF ("vigil_kafka_alerts_total", "counter", "result=\"already_delivered\"", NULL, already_delivered,
           VG_METRIC_U64),
    S_KAF ("vigil_kafka_alerts_total", "counter", "result=\"delivered\"", NULL, delivered, VG_METRIC_U64),
    S_KAF ("vigil_kafka_alerts_total", "counter", "result=\"not_staged\"", NULL, render_errors, VG_METRIC_U64),
    S_KAF ("vigil_kafka_errors_total", "counter", "kind=\"delivery\"", NULL, delivery_errors, VG_METRIC_U64),
    S_KAF ("vigil_kafka_errors_total", "counter", "kind=\"produce\"", NULL, produce_errors, VG_METRIC_U64),
    S_KAF ("vigil_kafka_errors_total", "counter", "kind=\"queue_full\"", NULL, queue_full, VG_METRIC_U64),
    S_KAF ("vigil_kafka_errors_total", "counter", "kind=\"client\"", NULL, kafka_errors, VG_METRIC_U64),
    S_KAF ("vigil_kafka_errors_total", "counter", "kind=\"store\"", NULL, store_errors, VG_METRIC_U64),
    S_KAF ("vigil_kafka_errors_total", "counter", "kind=\"fatal_reset\"", NULL, fatal_resets, VG_METRIC_U64),
    S_KAF ("vigil_kafka_outbox_alerts", "gauge", NULL, NULL, outbox_count, VG_METRIC_U64),
    S_KAF ("vigil_kafka_outbox_bytes", "gauge", NULL, NULL, outbox_bytes, VG_METRIC_U64),
    S_KAF ("vigil_kafka_inflight", "gauge", NULL, NULL, inflight, VG_METRIC_U64),
    S_KAF ("vigil_kafka_latency_seconds", "summary", "quantile=\"0.5\"", NULL, latency_p50_us, VG_METRIC_U64_US),
    S_KAF ("vigil_kafka_latency_seconds", "summary", "quantile=\"0.99\"", NULL, latency_p99_us, VG_METRIC_U64_US),
    S_KAF ("vigil_kafka_latency_seconds", "summary", NULL, "_sum", latency_sum_us, VG_METRIC_U64_US),
    S_KAF ("vigil_kafka_latency_seconds", "summary", NULL, "_count", latency_count, VG_METRIC_U64),
    S_KAF ("vigil_kafka_latency_seconds_max", "gauge", NULL, NULL, latency_max_us, VG_METRIC_U64_US),
};

#define S_LABEL_MAX (VG_MAX_ID_LEN * 2 + 16)

/* The per-agent rows of every agent that sent a batch (heap: once per publication). */
static void
s_render_agents (vg_metric_out_t *out, const vg_agent_limits_t *al)
{
    size_t n = al ? vg_agent_limits_count (al) : 0, k = 0;
    if (n == 0)
        return;
    vg_metric_instance_t *inst = malloc (n * sizeof *inst);
    char *labels = malloc (n * S_LABEL_MAX);
    for (size_t i = 0; inst && labels && i < n; i++) {
        const vg_agent_limit_stats_t *a = vg_agent_limits_at (al, i);
        if (a->admitted + a->throttled == 0 || vg_metrics_label (labels + k * S_LABEL_MAX, S_LABEL_MAX, "agent",
                                                                 a->agent_id) < 0)
            continue;
        inst[k] = (vg_metric_instance_t){ a, labels + k * S_LABEL_MAX };
        k++;
    }
    if (inst && labels)
        vg_metrics_render_each (out, s_agent, VG_METRICS_N (s_agent), inst, k);
    else
        out->truncated = 1;
    free (inst);
    free (labels);
}

#define S_FLT(fam, type, labels, field) VG_METRIC_ROW (vg_fleet_stats_t, fam, type, labels, NULL, field, VG_METRIC_U64)

static const vg_metric_t s_fleet[] = {
    S_FLT ("vigil_fleet_messages_total", "counter", "result=\"applied\"", messages),
    S_FLT ("vigil_fleet_messages_total", "counter", "result=\"bad\"", bad_messages),
    S_FLT ("vigil_fleet_inputs_total", "counter", "kind=\"counter_sample\"", samples),
    S_FLT ("vigil_fleet_inputs_total", "counter", "kind=\"kpi\"", kpis),
    S_FLT ("vigil_fleet_inputs_total", "counter", "kind=\"finding\"", findings),
    S_FLT ("vigil_fleet_alerts_total", "counter", NULL, alerts),
    S_FLT ("vigil_fleet_transactions_total", "counter", "result=\"committed\"", commits),
    S_FLT ("vigil_fleet_transactions_total", "counter", "result=\"aborted\"", aborts),
    S_FLT ("vigil_fleet_partition_changes_total", "counter", "kind=\"assigned\"", assigned),
    S_FLT ("vigil_fleet_partition_changes_total", "counter", "kind=\"revoked\"", revoked),
    S_FLT ("vigil_fleet_partition_changes_total", "counter", "kind=\"restored\"", restored),
    S_FLT ("vigil_fleet_partitions", "gauge", NULL, partitions),
    S_FLT ("vigil_fleet_state_bytes_max", "gauge", NULL, state_bytes),
};

size_t
vg_metrics_fleet (vg_metric_out_t *out, const vg_fleet_stats_t *st)
{
    vg_metrics_render (out, s_fleet, VG_METRICS_N (s_fleet), st);
    return out->len;
}

size_t
vg_metrics_collector (vg_metric_out_t *out, const vg_metrics_core_t *core, const vg_detect_stage_stats_t *detect,
                      const vg_alerter_stats_t *kafka)
{
    if (!vg_metrics_begin (out))
        return 0;
    vg_metrics_render (out, s_core, VG_METRICS_N (s_core), core);
    s_render_agents (out, core->limits);
    if (detect)
        vg_metrics_render (out, s_detect, VG_METRICS_N (s_detect), detect);
    if (kafka)
        vg_metrics_render (out, s_kafka, VG_METRICS_N (s_kafka), kafka);
    return out->len;
}
