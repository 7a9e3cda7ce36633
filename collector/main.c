/* main.c - vigil-collector: load the configuration, open the store, serve agents. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector_cfg.h"
#include "ingest.h"
#include "log.h"
#include "metrics_http.h"
#include "server.h"
#include "store.h"

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
} s_app_t;

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
    char buf[4096];
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
                      "# TYPE vigil_store_sample_sst_bytes gauge\nvigil_store_sample_sst_bytes %llu\n",
                      (unsigned long long) i->batches, (unsigned long long) i->duplicates,
                      (unsigned long long) i->rejected, (unsigned long long) i->gaps, (unsigned long long) i->samples,
                      (unsigned long long) i->samples_rejected, (unsigned long long) i->events,
                      (unsigned long long) i->bytes, vg_ingest_series_count (app->ingest),
                      (unsigned long long) s->msgs_in, (unsigned long long) s->bad_msgs, (unsigned long long) s->hello,
                      (unsigned long long) s->heartbeats, (unsigned long long) s->commits,
                      (unsigned long long) s->commit_errors, s->commit_us_max / 1e6, s->commit_us_total / 1e6,
                      (unsigned long long) sst);
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
    vg_store_cfg_t sc = { cfg.store_path, VG_STORE_RW, cfg.bucket_ms, cfg.store_sync, cfg.cache_bytes };
    app.store = acl ? vg_store_open (&sc, err, sizeof err) : NULL;
    if (!app.store) {
        fprintf (stderr, "vigil-collector: store: %s\n", acl ? err : "out of memory");
        goto done;
    }
    for (size_t i = 0; i < cfg.nagents; i++) {
        acl[i].id = cfg.agents[i].id;
        acl[i].devices = (const char *const *) cfg.agents[i].devices;
        acl[i].ndevices = cfg.agents[i].ndevices;
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
    if (cfg.retention_ms > 0 && ic.max_past_ms > cfg.retention_ms) {
        /* Data older than the retention horizon would be deleted at the next retention run:
         * refuse it at the door (counted) rather than acknowledge and then drop it. */
        vg_log (VG_LOG_INFO, "collector", "ingest.max_past capped at store.retention (%lld ms)",
                (long long) cfg.retention_ms);
        ic.max_past_ms = cfg.retention_ms;
    }
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
                           cfg.curve_public_key, cfg.max_batch_bytes };
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
done:
    vg_metrics_http_destroy (&app.http);
    vg_server_destroy (&app.server);
    vg_ingest_destroy (&app.ingest);
    vg_store_destroy (&app.store);
    free (acl);
    vg_cfg_free (&vg_collector_cfg_table, &cfg);
    return rc;
}
