/* main.c - vigil-collector: load the configuration, open the store, serve agents. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/version.h"
#include "collector/alerter.h"
#include "collector/collector_cfg.h"
#include "collector/detect_stage.h"
#include "collector/ingest.h"
#include "common/log.h"
#include "collector/metrics_http.h"
#include "collector/server.h"
#include "store/store.h"

static volatile sig_atomic_t s_stop;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

typedef struct {
    vg_server_t *server;
    vg_ingest_t *ingest;
    vg_store_t *store;
    vg_metrics_http_t *http;
    vg_detect_stage_t *detect;
    vg_alerter_t *alerter;
} s_app_t;

/* The alerter's counters, appended to the exposition.  Returns the bytes written. */
static size_t
s_kafka_metrics (const vg_alerter_t *a, char *buf, size_t size)
{
    vg_alerter_stats_t k;
    vg_alerter_stats (a, &k);
    int n = snprintf (buf, size,
                      "# TYPE vigil_kafka_alerts_total counter\n"
                      "vigil_kafka_alerts_total{result=\"staged\"} %llu\n"
                      "vigil_kafka_alerts_total{result=\"produced\"} %llu\n"
                      "vigil_kafka_alerts_total{result=\"resent\"} %llu\n"
                      "vigil_kafka_alerts_total{result=\"delivered\"} %llu\n"
                      "vigil_kafka_alerts_total{result=\"not_staged\"} %llu\n"
                      "# TYPE vigil_kafka_errors_total counter\n"
                      "vigil_kafka_errors_total{kind=\"delivery\"} %llu\n"
                      "vigil_kafka_errors_total{kind=\"produce\"} %llu\n"
                      "vigil_kafka_errors_total{kind=\"queue_full\"} %llu\n"
                      "vigil_kafka_errors_total{kind=\"client\"} %llu\n"
                      "vigil_kafka_errors_total{kind=\"store\"} %llu\n"
                      "vigil_kafka_errors_total{kind=\"fatal_reset\"} %llu\n"
                      "# TYPE vigil_kafka_outbox_alerts gauge\nvigil_kafka_outbox_alerts %llu\n"
                      "# TYPE vigil_kafka_outbox_bytes gauge\nvigil_kafka_outbox_bytes %llu\n"
                      "# TYPE vigil_kafka_inflight gauge\nvigil_kafka_inflight %llu\n"
                      "# TYPE vigil_kafka_latency_seconds summary\n"
                      "vigil_kafka_latency_seconds{quantile=\"0.5\"} %.6f\n"
                      "vigil_kafka_latency_seconds{quantile=\"0.99\"} %.6f\n"
                      "vigil_kafka_latency_seconds_sum %.6f\n"
                      "vigil_kafka_latency_seconds_count %llu\n"
                      "# TYPE vigil_kafka_latency_seconds_max gauge\nvigil_kafka_latency_seconds_max %.6f\n",
                      (unsigned long long) k.staged, (unsigned long long) k.produced, (unsigned long long) k.resent,
                      (unsigned long long) k.delivered, (unsigned long long) k.render_errors,
                      (unsigned long long) k.delivery_errors, (unsigned long long) k.produce_errors,
                      (unsigned long long) k.queue_full, (unsigned long long) k.kafka_errors,
                      (unsigned long long) k.store_errors, (unsigned long long) k.fatal_resets,
                      (unsigned long long) k.outbox_count, (unsigned long long) k.outbox_bytes,
                      (unsigned long long) k.inflight, k.latency_p50_us / 1e6, k.latency_p99_us / 1e6,
                      k.latency_sum_us / 1e6, (unsigned long long) k.latency_count, k.latency_max_us / 1e6);
    return n < 0 ? 0 : (size_t) n < size ? (size_t) n : size - 1;
}

/* Detect-stage hooks (stage thread): the outbox record joins the alert's write batch, the
 * alert is produced after the commit, and delivery reports are served on every turn. */
static void
s_kafka_on_alert (void *ctx, const vg_alert_t *alert, vg_store_txn_t *txn)
{
    vg_alerter_stage (ctx, alert, txn); /* failures are counted (not_staged) */
}

static void
s_kafka_on_committed (void *ctx)
{
    vg_alerter_committed (ctx, true);
}

static void
s_kafka_poll (void *ctx)
{
    /* The stage commits before every poll turn and calls on_committed only on success, so
     * records still staged here belong to a batch whose commit failed: forget them. */
    vg_alerter_committed (ctx, false);
    vg_alerter_poll (ctx, 0);
}

/* The detect stage's counters, appended to the exposition.  Returns the bytes written. */
static size_t
s_detect_metrics (const vg_detect_stage_t *st, char *buf, size_t size)
{
    vg_detect_stage_stats_t d;
    vg_detect_stage_stats (st, &d);
    int n = snprintf (buf, size,
                      "# TYPE vigil_detect_batches_total counter\n"
                      "vigil_detect_batches_total{result=\"ok\"} %llu\n"
                      "vigil_detect_batches_total{result=\"bad\"} %llu\n"
                      "# TYPE vigil_detect_inputs_total counter\n"
                      "vigil_detect_inputs_total{kind=\"sample\"} %llu\n"
                      "vigil_detect_inputs_total{kind=\"event\"} %llu\n"
                      "vigil_detect_inputs_total{kind=\"skipped\"} %llu\n"
                      "# TYPE vigil_detect_alerts_total counter\n"
                      "vigil_detect_alerts_total{result=\"stored\"} %llu\n"
                      "vigil_detect_alerts_total{result=\"lost\"} %llu\n"
                      "vigil_detect_alerts_total{activity=\"create\"} %llu\n"
                      "vigil_detect_alerts_total{activity=\"update\"} %llu\n"
                      "vigil_detect_alerts_total{activity=\"close\"} %llu\n"
                      "vigil_detect_alerts_total{activity=\"suppressed\"} %llu\n"
                      "vigil_detect_alerts_total{activity=\"inhibited\"} %llu\n"
                      "# TYPE vigil_detect_commits_total counter\n"
                      "vigil_detect_commits_total{result=\"ok\"} %llu\n"
                      "vigil_detect_commits_total{result=\"error\"} %llu\n"
                      "# TYPE vigil_detect_state_saves_total counter\n"
                      "vigil_detect_state_saves_total{result=\"ok\"} %llu\n"
                      "vigil_detect_state_saves_total{result=\"error\"} %llu\n"
                      "# TYPE vigil_detect_state_bytes gauge\nvigil_detect_state_bytes %llu\n"
                      "# TYPE vigil_detect_queue_batches gauge\nvigil_detect_queue_batches %llu\n"
                      "# TYPE vigil_detect_lag_seconds gauge\nvigil_detect_lag_seconds %.3f\n"
                      "# TYPE vigil_detect_lag_seconds_max gauge\nvigil_detect_lag_seconds_max %.3f\n"
                      "# TYPE vigil_detect_seconds_total counter\nvigil_detect_seconds_total %.6f\n"
                      "# TYPE vigil_detect_event_time_seconds gauge\nvigil_detect_event_time_seconds %.3f\n"
                      "# TYPE vigil_detect_series gauge\nvigil_detect_series %llu\n"
                      "# TYPE vigil_detect_devices gauge\nvigil_detect_devices %llu\n"
                      "# TYPE vigil_detect_instances gauge\nvigil_detect_instances %llu\n"
                      "# TYPE vigil_detect_episodes_open gauge\nvigil_detect_episodes_open %llu\n"
                      "# TYPE vigil_detect_engine_errors_total counter\n"
                      "vigil_detect_engine_errors_total{kind=\"detector\"} %llu\n"
                      "vigil_detect_engine_errors_total{kind=\"dropped_sample\"} %llu\n"
                      "vigil_detect_engine_errors_total{kind=\"unknown_series\"} %llu\n"
                      "vigil_detect_engine_errors_total{kind=\"full\"} %llu\n",
                      (unsigned long long) d.batches, (unsigned long long) d.bad_batches,
                      (unsigned long long) d.samples, (unsigned long long) d.events, (unsigned long long) d.skipped,
                      (unsigned long long) d.alerts, (unsigned long long) d.alerts_lost,
                      (unsigned long long) d.engine.creates, (unsigned long long) d.engine.updates,
                      (unsigned long long) d.engine.closes, (unsigned long long) d.engine.suppressed,
                      (unsigned long long) d.engine.inhibited, (unsigned long long) d.commits,
                      (unsigned long long) d.commit_errors, (unsigned long long) d.saves,
                      (unsigned long long) d.save_errors, (unsigned long long) d.save_bytes,
                      (unsigned long long) d.queued, d.lag_ms / 1e3, d.lag_max_ms / 1e3, d.process_us_total / 1e6,
                      d.event_time_ms / 1e3, (unsigned long long) d.engine.series,
                      (unsigned long long) d.engine.devices, (unsigned long long) d.engine.instances,
                      (unsigned long long) d.engine.episodes_open, (unsigned long long) d.engine.detector_errors,
                      (unsigned long long) d.engine.dropped, (unsigned long long) d.engine.unknown_series,
                      (unsigned long long) d.engine.full);
    if (n >= 0 && (size_t) n < size)
        n += snprintf (buf + n, size - (size_t) n,
                       "# TYPE vigil_detect_samples_total counter\n"
                       "vigil_detect_samples_total{result=\"processed\"} %llu\n"
                       "vigil_detect_samples_total{result=\"late\"} %llu\n"
                       "vigil_detect_samples_total{result=\"forced\"} %llu\n"
                       "# TYPE vigil_detect_samples_buffered gauge\nvigil_detect_samples_buffered %llu\n"
                       "# TYPE vigil_detect_sources gauge\nvigil_detect_sources %llu\n",
                       (unsigned long long) d.engine.processed, (unsigned long long) d.engine.late,
                       (unsigned long long) d.engine.forced, (unsigned long long) d.engine.buffered,
                       (unsigned long long) d.engine.sources);
    return n < 0 ? 0 : (size_t) n < size ? (size_t) n : size - 1;
}

/* Render the Prometheus text exposition of the collector's counters. */
static void
s_publish_metrics (void *ctx)
{
    s_app_t *app = ctx;
    if (!app->http)
        return;
    const vg_server_stats_t *s = vg_server_stats (app->server);
    const vg_ingest_stats_t *i = vg_ingest_stats (app->ingest);
    uint64_t sst = 0;
    vg_store_property (app->store, VG_CF_SAMPLES, "rocksdb.total-sst-files-size", &sst);
    char buf[8192];
    int n = snprintf (buf, sizeof buf,
                      "# TYPE vigil_batches_total counter\n"
                      "vigil_batches_total{result=\"accepted\"} %llu\n"
                      "vigil_batches_total{result=\"duplicate\"} %llu\n"
                      "vigil_batches_total{result=\"rejected\"} %llu\n"
                      "vigil_batches_total{result=\"out_of_order\"} %llu\n"
                      "# TYPE vigil_samples_total counter\n"
                      "vigil_samples_total{result=\"stored\"} %llu\n"
                      "vigil_samples_total{result=\"rejected\"} %llu\n"
                      "# TYPE vigil_events_total counter\nvigil_events_total %llu\n"
                      "# TYPE vigil_ingest_bytes_total counter\nvigil_ingest_bytes_total %llu\n"
                      "# TYPE vigil_series gauge\nvigil_series %zu\n"
                      "# TYPE vigil_messages_total counter\n"
                      "vigil_messages_total{kind=\"all\"} %llu\n"
                      "vigil_messages_total{kind=\"malformed\"} %llu\n"
                      "vigil_messages_total{kind=\"hello\"} %llu\n"
                      "vigil_messages_total{kind=\"heartbeat\"} %llu\n"
                      "# TYPE vigil_commits_total counter\n"
                      "vigil_commits_total{result=\"ok\"} %llu\n"
                      "vigil_commits_total{result=\"error\"} %llu\n"
                      "# TYPE vigil_commit_seconds_max gauge\nvigil_commit_seconds_max %.6f\n"
                      "# TYPE vigil_commit_seconds_sum counter\nvigil_commit_seconds_sum %.6f\n"
                      "# TYPE vigil_store_sample_sst_bytes gauge\nvigil_store_sample_sst_bytes %llu\n"
                      "# TYPE vigil_zap_allowed_total counter\nvigil_zap_allowed_total %llu\n"
                      "# TYPE vigil_zap_denied_total counter\nvigil_zap_denied_total %llu\n"
                      "# TYPE vigil_wrong_agent_total counter\nvigil_wrong_agent_total %llu\n",
                      (unsigned long long) i->batches, (unsigned long long) i->duplicates,
                      (unsigned long long) i->rejected, (unsigned long long) i->gaps, (unsigned long long) i->samples,
                      (unsigned long long) i->samples_rejected, (unsigned long long) i->events,
                      (unsigned long long) i->bytes, vg_ingest_series_count (app->ingest),
                      (unsigned long long) s->msgs_in, (unsigned long long) s->bad_msgs, (unsigned long long) s->hello,
                      (unsigned long long) s->heartbeats, (unsigned long long) s->commits,
                      (unsigned long long) s->commit_errors, s->commit_us_max / 1e6, s->commit_us_total / 1e6,
                      (unsigned long long) sst, (unsigned long long) s->zap_allowed,
                      (unsigned long long) s->zap_denied, (unsigned long long) s->wrong_agent);
    if (app->detect && n > 0 && (size_t) n < sizeof buf)
        n += (int) s_detect_metrics (app->detect, buf + n, sizeof buf - (size_t) n);
    if (app->alerter && n > 0 && (size_t) n < sizeof buf)
        n += (int) s_kafka_metrics (app->alerter, buf + n, sizeof buf - (size_t) n);
    if (n > 0)
        vg_metrics_publish (app->http, buf, (size_t) n < sizeof buf ? (size_t) n : sizeof buf - 1);
}

int
main (int argc, char **argv)
{
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp (argv[i], "-c") || !strcmp (argv[i], "--config")) && i + 1 < argc)
            config = argv[++i];
        else if (!strcmp (argv[i], "-h") || !strcmp (argv[i], "--help")) {
            printf ("usage: vigil-collector -c CONFIG.yaml\n\n");
            vg_cfg_print_help (&vg_collector_cfg_table, stdout);
            return 0;
        } else {
            fprintf (stderr, "vigil-collector: unknown argument '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    if (!config) {
        fprintf (stderr, "usage: vigil-collector -c CONFIG.yaml   (--help lists every key)\n");
        return 2;
    }
    vg_collector_cfg_t cfg;
    vg_cfg_error_t cerr;
    char msg[600];
    if (vg_cfg_load_file (&vg_collector_cfg_table, config, &cfg, &cerr) < 0) {
        fprintf (stderr, "vigil-collector: %s\n", vg_cfg_error_format (&cerr, msg, sizeof msg));
        return 2;
    }
    int level = vg_log_level_parse (cfg.log_level);
    if (level < 0) {
        fprintf (stderr, "vigil-collector: %s: collector.log_level '%s' is not debug|info|warn|error\n", config,
                 cfg.log_level);
        vg_cfg_free (&vg_collector_cfg_table, &cfg);
        return 2;
    }
    vg_log_set_level ((vg_log_level_t) level);
    if (vg_collector_cfg_check (&cfg, msg, sizeof msg) < 0) {
        fprintf (stderr, "vigil-collector: %s: %s\n", config, msg);
        vg_cfg_free (&vg_collector_cfg_table, &cfg);
        return 2;
    }
    if (cfg.detect_enabled && !cfg.detect_rules[0]) {
        fprintf (stderr, "vigil-collector: %s: detect.rules is required when detect.enabled is true\n", config);
        vg_cfg_free (&vg_collector_cfg_table, &cfg);
        return 2;
    }
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGINT, &sa, NULL);
    signal (SIGPIPE, SIG_IGN);

    int rc = 1;
    char err[512];
    s_app_t app = { 0 };
    vg_agent_acl_t *acl = calloc (cfg.nagents ? cfg.nagents : 1, sizeof *acl);
    vg_zap_key_t *keys = calloc (cfg.nagents ? cfg.nagents : 1, sizeof *keys);
    vg_store_cfg_t sc = { cfg.store_path, VG_STORE_RW, cfg.bucket_ms, cfg.store_sync, cfg.cache_bytes };
    app.store = acl && keys ? vg_store_open (&sc, err, sizeof err) : NULL;
    if (!app.store) {
        fprintf (stderr, "vigil-collector: store: %s\n", acl && keys ? err : "out of memory");
        goto done;
    }
    for (size_t i = 0; i < cfg.nagents; i++) {
        acl[i].id = cfg.agents[i].id;
        acl[i].devices = (const char *const *) cfg.agents[i].devices;
        acl[i].ndevices = cfg.agents[i].ndevices;
        keys[i] = (vg_zap_key_t){ cfg.agents[i].id, cfg.agents[i].public_key };
    }
    vg_ingest_cfg_t ic = { cfg.max_past_ms,
                           cfg.max_future_ms,
                           cfg.max_batch_bytes,
                           (uint32_t) cfg.max_series,
                           (uint32_t) cfg.max_events,
                           (uint32_t) cfg.max_series_samples,
                           cfg.allow_unknown_agents,
                           acl,
                           cfg.nagents };
    if (cfg.nagents == 0 && !cfg.allow_unknown_agents)
        vg_log (VG_LOG_WARN, "collector", "no agents configured and allow_unknown_agents is false: every batch will "
                                          "be rejected");
    app.ingest = vg_ingest_new (&ic, app.store, err, sizeof err);
    if (!app.ingest) {
        fprintf (stderr, "vigil-collector: %s\n", err);
        goto done;
    }
    vg_server_cfg_t vc = { cfg.listen,           cfg.id,
                           (int) cfg.max_group,  cfg.retention_ms,
                           3600000,              cfg.curve_secret_key,
                           cfg.curve_public_key, cfg.max_batch_bytes,
                           keys,                 cfg.nagents };
    app.server = vg_server_new (&vc, app.store, app.ingest, err, sizeof err);
    if (!app.server) {
        fprintf (stderr, "vigil-collector: %s\n", err);
        goto done;
    }
    if (cfg.metrics_listen && cfg.metrics_listen[0]) {
        app.http = vg_metrics_http_new (cfg.metrics_listen, err, sizeof err);
        if (!app.http) {
            fprintf (stderr, "vigil-collector: %s\n", err);
            goto done;
        }
    }
    if (cfg.detect_enabled) {
        vg_detect_stage_cfg_t dc = { .rules_path = cfg.detect_rules,
                                     .tick_ms = cfg.detect_tick_ms,
                                     .save_every_ms = cfg.detect_save_every_ms,
                                     .max_past_ms = ic.max_past_ms,
                                     .max_future_ms = ic.max_future_ms,
                                     .lateness_ms = cfg.detect_lateness_ms,
                                     .max_buffered = (size_t) cfg.detect_max_buffered,
                                     .live_idle_ms = cfg.detect_live_idle_ms };
        app.detect = vg_detect_stage_new (&dc, app.store, err, sizeof err);
        if (!app.detect) {
            fprintf (stderr, "vigil-collector: %s\n", err);
            goto done;
        }
        if (cfg.kafka_enabled) {
            vg_alerter_prop_t *props = calloc (cfg.nkafka_props ? cfg.nkafka_props : 1, sizeof *props);
            for (size_t i = 0; props && i < cfg.nkafka_props; i++)
                props[i] = (vg_alerter_prop_t){ cfg.kafka_props[i].key, cfg.kafka_props[i].value };
            vg_alerter_cfg_t kc = { .brokers = cfg.kafka_brokers,
                                    .topic = cfg.kafka_topic,
                                    .format = cfg.kafka_format,
                                    .props = props,
                                    .nprops = cfg.nkafka_props,
                                    .max_inflight = (size_t) cfg.kafka_max_inflight,
                                    .flush_ms = cfg.kafka_flush_ms,
                                    .ocsf = { VG_VERSION, cfg.id, cfg.store_path, NULL } };
            app.alerter = props ? vg_alerter_new (&kc, app.store, err, sizeof err) : NULL;
            free (props);
            if (!app.alerter) {
                fprintf (stderr, "vigil-collector: %s\n", props ? err : "out of memory");
                goto done;
            }
            vg_detect_stage_on_alert (app.detect, s_kafka_on_alert, app.alerter);
            vg_detect_stage_on_committed (app.detect, s_kafka_on_committed, app.alerter);
            vg_detect_stage_poll_hook (app.detect, s_kafka_poll, app.alerter);
            vg_detect_stage_poll_fd (app.detect, vg_alerter_fd (app.alerter));
            vg_log (VG_LOG_INFO, "collector", "alerts to Kafka: topic %s, brokers %s", cfg.kafka_topic,
                    cfg.kafka_brokers);
        }
        if (vg_detect_stage_start (app.detect) < 0) {
            fprintf (stderr, "vigil-collector: cannot start the detect stage\n");
            goto done;
        }
        vg_server_on_commit (app.server, vg_detect_stage_commit_fn, app.detect);
        vg_log (VG_LOG_INFO, "collector", "detectors on, rules %s", cfg.detect_rules);
    }
    if (cfg.kafka_enabled && !cfg.detect_enabled)
        vg_log (VG_LOG_WARN, "collector", "kafka.enabled has no effect without detect.enabled (no alerts to send)");
    vg_server_on_tick (app.server, s_publish_metrics, &app);
    s_publish_metrics (&app);
    vg_log (VG_LOG_INFO, "collector", "listening on %s, store %s (%zu series known)", cfg.listen, cfg.store_path,
            vg_ingest_series_count (app.ingest));
    rc = vg_server_run (app.server, &s_stop) < 0 ? 1 : 0;
    const vg_ingest_stats_t *st = vg_ingest_stats (app.ingest);
    vg_log (VG_LOG_INFO, "collector",
            "stopping: batches=%llu duplicates=%llu rejected=%llu samples=%llu events=%llu series=%zu",
            (unsigned long long) st->batches, (unsigned long long) st->duplicates, (unsigned long long) st->rejected,
            (unsigned long long) st->samples, (unsigned long long) st->events, vg_ingest_series_count (app.ingest));
    if (app.detect && vg_detect_stage_stop (app.detect) < 0)
        rc = 1; /* the final state save failed (logged) */
done:
    vg_detect_stage_destroy (&app.detect);
    vg_alerter_destroy (&app.alerter); /* after the stage thread: flushes for kafka.flush_timeout */
    vg_metrics_http_destroy (&app.http);
    vg_server_destroy (&app.server);
    vg_ingest_destroy (&app.ingest);
    vg_store_destroy (&app.store);
    free (acl);
    free (keys);
    vg_cfg_free (&vg_collector_cfg_table, &cfg);
    return rc;
}
