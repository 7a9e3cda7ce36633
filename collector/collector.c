/* collector.c - one vigil-collector: the store, ingest, server loop, detect stage, Kafka
 * alerter and metrics endpoint, built from a loaded configuration and wired together.
 * main.c only parses arguments and handles signals. */
#include "collector/collector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/alerter.h"
#include "collector/detect_stage.h"
#include "collector/fleet_publish.h"
#include "collector/ingest.h"
#include "collector/mem_ceiling.h"
#include "collector/metrics.h"
#include "common/metrics_http.h"
#include "collector/server.h"
#include "common/clock.h"
#include "common/config_diff.h"
#include "common/curve_mode.h"
#include "common/err.h"
#include "common/file_read.h"
#include "common/log.h"
#include "common/private_file.h"
#include "common/version.h"
#include "detectors/rules.h"
#include "store/store.h"

struct vg_collector {
    const vg_collector_cfg_t *cfg; /* borrowed */
    vg_agent_acl_t *acl;
    vg_zap_key_t *keys;
    vg_server_t *server;
    vg_ingest_t *ingest;
    vg_store_t *store;
    vg_metrics_http_t *http;
    vg_detect_stage_t *detect;
    vg_alerter_t *alerter;
    vg_fleet_pub_t *fleet;       /* fleet.publish.topic set */
    vg_rules_t *fleet_rules;     /* the rules the publisher reads X01's sources from */
    vg_alerter_prop_t *props;    /* kafka.properties as the Kafka clients take them */
    size_t nacl;                 /* entries of acl and keys */
    vg_daemon_reload_t reload; /* SIGHUP count and loader (vg_collector_on_hup) */
    vg_collector_cfg_t *reloaded; /* the configuration acl and keys point into after a reload */
    uint64_t detect_queue_bytes; /* limits.detect_queue_bytes in force (reloadable) */
    vg_mem_ceiling_t *mem;       /* limits.max_rss_bytes */
    char backlog_why[160];       /* the backlog gate's answer (s_backlog) */
};

/* Detect-stage hooks (stage thread): the outbox record joins the alert's write batch, the
 * alert is produced after the commit, and delivery reports are served on every turn; the
 * fleet publisher's outbox takes the findings fleet rules count into the same write. */
static void
s_on_alert (void *ctx, const vg_alert_t *alert, vg_store_txn_t *txn)
{
    vg_collector_t *c = ctx;
    if (c->alerter)
        vg_alerter_stage (c->alerter, alert, txn); /* failures are counted (not_staged) */
    if (c->fleet)
        vg_fleet_pub_alert (c->fleet, alert, txn);
}

static void
s_on_committed (void *ctx)
{
    vg_collector_t *c = ctx;
    if (c->alerter)
        vg_alerter_committed (c->alerter, true);
    if (c->fleet)
        vg_fleet_pub_committed (c->fleet);
}

static void
s_on_poll (void *ctx)
{
    vg_collector_t *c = ctx;
    /* The stage commits before every poll turn and calls on_committed only on success, so
     * records still staged here belong to a batch whose commit failed: forget them. */
    if (c->alerter) {
        vg_alerter_committed (c->alerter, false);
        vg_alerter_poll (c->alerter, 0);
    }
    if (c->fleet)
        vg_fleet_pub_poll (c->fleet);
}

static void
s_on_batch (void *ctx, const Vigil__Batch *b)
{
    vg_fleet_pub_batch (ctx, b);
}

/* The ingest ACL and the CURVE allow list of cfg's agents (arrays of cfg->nagents); an
 * agent without a key is reported (it cannot connect while CURVE is on). */
static void
s_agent_lists (const vg_collector_cfg_t *cfg, vg_agent_acl_t *acl, vg_zap_key_t *keys)
{
    for (size_t i = 0; i < cfg->nagents; i++) {
        if (!cfg->curve_insecure && !(cfg->agents[i].public_key && cfg->agents[i].public_key[0]))
            vg_log (VG_LOG_WARN, "collector", "agent '%s' has no public_key: it cannot connect while CURVE is on",
                    cfg->agents[i].id);
        acl[i].id = cfg->agents[i].id;
        acl[i].devices = (const char *const *) cfg->agents[i].devices;
        acl[i].ndevices = cfg->agents[i].ndevices;
        keys[i] = (vg_zap_key_t){ cfg->agents[i].id, cfg->agents[i].public_key };
    }
}

/* Render and publish the Prometheus text exposition of the collector's counters. */
static void
s_publish_metrics (void *ctx)
{
    vg_collector_t *c = ctx;
    if (!c->http)
        return;
    vg_metrics_core_t core = { .ingest = *vg_ingest_stats (c->ingest),
                               .server = *vg_server_stats (c->server),
                               .series = vg_ingest_series_count (c->ingest),
                               .limits = vg_server_limits (c->server),
                               .rss_bytes = vg_mem_ceiling_rss (c->mem, vg_clock_mono_ms ()),
                               .rss_deferred = vg_mem_ceiling_stats (c->mem)->over };
    core.batches_rejected = core.ingest.rejected + core.server.bad_batches;
    vg_store_property (c->store, VG_CF_SAMPLES, "rocksdb.total-sst-files-size", &core.sample_sst_bytes);
    vg_store_sample_dups (c->store, &core.dup_samples, &core.conflict_samples);
    vg_detect_stage_stats_t d;
    vg_alerter_stats_t k;
    if (c->detect)
        vg_detect_stage_stats (c->detect, &d);
    if (c->alerter)
        vg_alerter_stats (c->alerter, &k);
    char buf[65536];
    vg_metric_out_t out = { buf, sizeof buf, 0, 0 };
    size_t n = vg_metrics_collector (&out, &core, c->detect ? &d : NULL, c->alerter ? &k : NULL);
    vg_metrics_publish (c->http, buf, n);
    /* /healthz: 503 while the store refuses writes (nothing is being acknowledged). */
    const char *store_err = vg_server_store_error (c->server);
    char why[320];
    if (store_err)
        snprintf (why, sizeof why, "store not writable: %.280s", store_err);
    vg_metrics_health (c->http, store_err == NULL, store_err ? why : NULL);
}

/* ------------------------------------------------------------------------------------ */
/* Reload (SIGHUP) */

static const vg_agent_acl_t *
s_acl_find (const vg_agent_acl_t *acl, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp (acl[i].id, id))
            return &acl[i];
    return NULL;
}

static int
s_acl_same (const vg_agent_acl_t *a, const vg_agent_acl_t *b, const vg_zap_key_t *ka, const vg_zap_key_t *kb)
{
    const char *pa = ka->public_key ? ka->public_key : "", *pb = kb->public_key ? kb->public_key : "";
    if (a->ndevices != b->ndevices || strcmp (pa, pb))
        return 0;
    for (size_t i = 0; i < a->ndevices; i++)
        if (strcmp (a->devices[i], b->devices[i]))
            return 0;
    return 1;
}

/* Log which agents a reload added, removed or changed (devices or key). */
static void
s_log_agents_diff (const vg_collector_t *c, const vg_agent_acl_t *acl, const vg_zap_key_t *keys, size_t n)
{
    char add[256] = "", del[256] = "", chg[256] = "";
    for (size_t i = 0; i < n; i++) {
        const vg_agent_acl_t *o = s_acl_find (c->acl, c->nacl, acl[i].id);
        char *to = !o ? add : !s_acl_same (o, &acl[i], &c->keys[o - c->acl], &keys[i]) ? chg : NULL;
        if (to && strlen (to) + strlen (acl[i].id) + 3 < sizeof add)
            snprintf (to + strlen (to), sizeof add - strlen (to), "%s%s", to[0] ? ", " : "", acl[i].id);
    }
    for (size_t i = 0; i < c->nacl; i++)
        if (!s_acl_find (acl, n, c->acl[i].id) && strlen (del) + strlen (c->acl[i].id) + 3 < sizeof del)
            snprintf (del + strlen (del), sizeof del - strlen (del), "%s%s", del[0] ? ", " : "", c->acl[i].id);
    vg_log (VG_LOG_INFO, "collector", "agents reloaded: %zu listed; added [%s], removed [%s], changed [%s]", n, add,
            del, chg);
}

/* Options a SIGHUP applies (names, or prefixes ending in '.'); any other option changed in
 * the file is named in a warning (a restart applies it).  Of ingest.*, group_commit sizes
 * the server's and the detect stage's group arrays, and allow_unknown_agents is part of
 * the agents' admission (ZAP and ingest tables): both need a restart. */
static const char *const s_reloadable[] = { "agents",
                                            "limits.",
                                            "collector.log_level",
                                            "ingest.max_past",
                                            "ingest.max_future",
                                            "ingest.max_batch_bytes",
                                            "ingest.max_series",
                                            "ingest.max_events",
                                            "ingest.max_series_samples",
                                            "ingest.max_samples",
                                            NULL };

/* The agents of nc (already checked): the CURVE allow list, then ingest's view; both stay as
 * they were when either fails.  Returns 0, or -1 with err. */
static int
s_apply_agents (vg_collector_t *c, const vg_collector_cfg_t *nc, char *err, size_t errlen)
{
    vg_agent_acl_t *acl = calloc (nc->nagents ? nc->nagents : 1, sizeof *acl);
    vg_zap_key_t *keys = calloc (nc->nagents ? nc->nagents : 1, sizeof *keys);
    if (!acl || !keys) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    s_agent_lists (nc, acl, keys);
    if (vg_server_set_agent_keys (c->server, keys, nc->nagents, err, errlen) < 0)
        goto fail;
    int rc = vg_ingest_set_agents (c->ingest, acl, nc->nagents);
    if (rc < 0) {
        snprintf (err, errlen, "rebuilding the agents' view: %s", vg_strerror (rc));
        char ignored[200];
        vg_server_set_agent_keys (c->server, c->keys, c->nacl, ignored, sizeof ignored);
        vg_ingest_set_agents (c->ingest, c->acl, c->nacl);
        goto fail;
    }
    s_log_agents_diff (c, acl, keys, nc->nagents);
    free (c->acl);
    free (c->keys);
    c->acl = acl;
    c->keys = keys;
    c->nacl = nc->nagents;
    return 0;
fail:
    free (acl);
    free (keys);
    return -1;
}

/* Ingest's configuration of cfg (also at start; agents are set by the caller). */
static vg_ingest_cfg_t
s_ingest_cfg (const vg_collector_cfg_t *cfg)
{
    return (vg_ingest_cfg_t){ .max_past_ms = cfg->max_past_ms,
                              .max_future_ms = cfg->max_future_ms,
                              .max_batch_bytes = cfg->max_batch_bytes,
                              .max_series = (uint32_t) cfg->max_series,
                              .max_events = (uint32_t) cfg->max_events,
                              .max_series_samples = (uint32_t) cfg->max_series_samples,
                              .max_agent_series = (uint32_t) cfg->agent_series,
                              .max_samples = (uint32_t) cfg->max_samples,
                              .allow_unknown_agents = cfg->allow_unknown_agents };
}

/* The server's per-agent limits of cfg (also at start). */
static vg_agent_limits_cfg_t
s_agent_limits (const vg_collector_cfg_t *cfg)
{
    return (vg_agent_limits_cfg_t){ .batches_per_s = cfg->agent_batches_per_s,
                                    .samples_per_s = cfg->agent_samples_per_s,
                                    .burst_s = (double) cfg->agent_burst_ms / 1000.0,
                                    .max_agents = cfg->nagents + 64 };
}

/* Every limits.* option and ingest's per-batch limits of nc, in force from the next batch;
 * the state behind them (token balances, counters, series counts, queued batches) is kept. */
static void
s_apply_limits (vg_collector_t *c, const vg_collector_cfg_t *nc)
{
    vg_agent_limits_cfg_t lc = s_agent_limits (nc);
    vg_server_set_limits (c->server, &lc, (int) nc->receive_queue, (size_t) nc->group_bytes,
                          (size_t) nc->max_batch_bytes);
    vg_ingest_cfg_t ic = s_ingest_cfg (nc);
    vg_ingest_set_limits (c->ingest, &ic);
    c->detect_queue_bytes = nc->detect_queue_bytes;
    vg_mem_ceiling_set (c->mem, nc->max_rss_bytes);
    vg_log (VG_LOG_INFO, "collector",
            "limits reloaded: agent_batches_per_s %g, agent_samples_per_s %g, agent_burst %lld ms, agent_series %llu, "
            "receive_queue %llu (new connections), group_bytes %llu, detect_queue_bytes %llu, max_rss_bytes %llu",
            nc->agent_batches_per_s, nc->agent_samples_per_s, (long long) nc->agent_burst_ms,
            (unsigned long long) nc->agent_series, (unsigned long long) nc->receive_queue,
            (unsigned long long) nc->group_bytes, (unsigned long long) nc->detect_queue_bytes,
            (unsigned long long) nc->max_rss_bytes);
    vg_log (VG_LOG_INFO, "collector",
            "ingest limits reloaded: max_past %lld s, max_future %lld s, max_batch_bytes %llu, max_series %llu, "
            "max_events %llu, max_series_samples %llu, max_samples %llu",
            (long long) (nc->max_past_ms / 1000), (long long) (nc->max_future_ms / 1000),
            (unsigned long long) nc->max_batch_bytes, (unsigned long long) nc->max_series,
            (unsigned long long) nc->max_events, (unsigned long long) nc->max_series_samples,
            (unsigned long long) nc->max_samples);
}

/* Load the configuration again and apply what a reload can: the agents (with their keys),
 * every limits.* option and the log level; name the other options the file changed.  A file
 * that does not load or check is refused (logged) and everything in force stays. */
static void
s_reload_config (vg_collector_t *c)
{
    char err[700];
    vg_collector_cfg_t *nc = calloc (1, sizeof *nc);
    if (!nc || c->reload.load (c->reload.ctx, nc, err, sizeof err) < 0) {
        free (nc);
        vg_log (VG_LOG_ERROR, "collector", "configuration reload refused, agents and limits unchanged: %s",
                nc ? err : "out of memory");
        return;
    }
    if (vg_collector_check (nc, err, sizeof err) < 0 || s_apply_agents (c, nc, err, sizeof err) < 0) {
        vg_log (VG_LOG_ERROR, "collector", "configuration reload refused, agents and limits unchanged: %s", err);
        vg_cfg_free (&vg_collector_cfg_table, nc);
        free (nc);
        return;
    }
    s_apply_limits (c, nc);
    vg_log_set_level ((vg_log_level_t) vg_log_level_parse (nc->log_level));
    char names[400];
    size_t n = vg_cfg_diff (&vg_collector_cfg_table, c->cfg, nc, s_reloadable, names, sizeof names);
    if (n)
        vg_log (VG_LOG_WARN, "collector",
                "%zu changed option(s) not applied by a reload, restart to apply them: %s (a reload applies agents, "
                "limits.*, ingest.* but group_commit and allow_unknown_agents, and collector.log_level)",
                n, names);
    if (c->reloaded)
        vg_cfg_free (&vg_collector_cfg_table, c->reloaded);
    free (c->reloaded);
    c->reloaded = nc;
}

/* Server tick (about once a second, between commits): a pending reload, then metrics. */
static void
s_tick (void *ctx)
{
    vg_collector_t *c = ctx;
    if (vg_daemon_reload_due (&c->reload)) {
        vg_log (VG_LOG_INFO, "collector", "SIGHUP: reloading the agents list, limits%s",
                c->detect ? " and the detector rules" : " (detectors off: no rules to reload)");
        if (c->reload.load)
            s_reload_config (c);
        if (c->detect)
            vg_detect_stage_reload (c->detect);
    }
    s_publish_metrics (c);
}

vg_alerter_prop_t *
vg_collector_kafka_props (const vg_collector_cfg_t *cfg)
{
    vg_alerter_prop_t *props = calloc (cfg->nkafka_props ? cfg->nkafka_props : 1, sizeof *props);
    for (size_t i = 0; props && i < cfg->nkafka_props; i++)
        props[i] = (vg_alerter_prop_t){ cfg->kafka_props[i].key, cfg->kafka_props[i].value };
    return props;
}

void
vg_collector_on_hup (vg_collector_t *c, volatile sig_atomic_t *hup, vg_daemon_load_fn load, void *ctx)
{
    vg_daemon_reload_watch (&c->reload, hup, load, ctx);
}

/* The Kafka alerter, hooked into the detect stage. */
static int
s_start_alerter (vg_collector_t *c, char *err, size_t errlen)
{
    const vg_collector_cfg_t *cfg = c->cfg;
    vg_alerter_cfg_t kc = { .brokers = cfg->kafka_brokers,
                            .topic = cfg->kafka_topic,
                            .format = cfg->kafka_format,
                            .props = c->props,
                            .nprops = cfg->nkafka_props,
                            .max_inflight = (size_t) cfg->kafka_max_inflight,
                            .flush_ms = cfg->kafka_flush_ms,
                            .ocsf = { .product_version = VG_VERSION, .collector_id = cfg->id, .store_path = cfg->store_path } };
    c->alerter = vg_alerter_new (&kc, c->store, err, errlen);
    if (!c->alerter)
        return -1;
    vg_detect_stage_poll_fd (c->detect, vg_alerter_fd (c->alerter));
    vg_log (VG_LOG_INFO, "collector", "alerts to Kafka: topic %s, brokers %s", cfg->kafka_topic, cfg->kafka_brokers);
    return 0;
}

/* The server's backlog gate (server thread, before each batch): closed while the process
 * is over limits.max_rss_bytes, or the detect stage holds more than
 * limits.detect_queue_bytes of batches. */
static const char *
s_backlog (void *ctx)
{
    vg_collector_t *c = ctx;
    if (vg_mem_ceiling_over (c->mem, vg_clock_mono_ms (), c->backlog_why, sizeof c->backlog_why))
        return c->backlog_why;
    uint64_t q = c->detect ? vg_detect_stage_queued_bytes (c->detect) : 0;
    if (q <= c->detect_queue_bytes)
        return NULL;
    snprintf (c->backlog_why, sizeof c->backlog_why,
              "detect stage behind: %llu bytes queued, over limits.detect_queue_bytes %llu", (unsigned long long) q,
              (unsigned long long) c->detect_queue_bytes);
    return c->backlog_why;
}

/* The server's accept hook: the batch into the detect stage's journal (as the agent sent it:
 * compressed, a third of the plain bytes through ingest's write) and, when publishing, the
 * fleet journal (in ingest's write). */
static void
s_on_accept (void *ctx, const char *agent_id, uint64_t epoch, uint64_t seq, uint64_t order, const uint8_t *batch,
             size_t len, const uint8_t *wire, size_t wire_len, vg_store_txn_t *txn)
{
    vg_collector_t *c = ctx;
    if (c->cfg->detect_journal)
        vg_detect_stage_journal (NULL, agent_id, epoch, seq, order, wire, wire_len, txn);
    if (c->fleet)
        vg_fleet_pub_journal (NULL, agent_id, epoch, seq, order, batch, len, txn);
}

/* The fleet publisher (fleet.publish.topic), hooked into the detect stage. */
static int
s_start_fleet_pub (vg_collector_t *c, char *err, size_t errlen)
{
    const vg_collector_cfg_t *cfg = c->cfg;
    vg_buf_t text = VG_BUF_INIT;
    int rc = vg_file_read (cfg->detect_rules, 4u << 20, &text);
    if (rc == 0)
        rc = vg_rules_parse ((const char *) text.data, text.len, cfg->detect_rules, &c->fleet_rules, err, errlen);
    else
        snprintf (err, errlen, "rules %s: %s", cfg->detect_rules, vg_strerror (rc));
    vg_buf_free (&text);
    if (rc < 0)
        return -1;
    vg_fleet_pub_cfg_t pc = { .brokers = cfg->fleet_brokers,
                              .topic = cfg->fleet_publish_topic,
                              .partitions = (int) cfg->fleet_partitions,
                              .props = c->props,
                              .nprops = cfg->nkafka_props,
                              .collector_id = cfg->id,
                              .store = c->store,
                              .rules = c->fleet_rules };
    c->fleet = vg_fleet_pub_new (&pc, err, errlen);
    if (!c->fleet)
        return -1;
    vg_detect_stage_on_batch (c->detect, s_on_batch, c->fleet);
    return 0;
}

/* The detect stage (and the alerter when Kafka is on), started and fed by the server. */
static int
s_start_detect (vg_collector_t *c, const vg_ingest_cfg_t *ic, char *err, size_t errlen)
{
    const vg_collector_cfg_t *cfg = c->cfg;
    vg_detect_stage_cfg_t dc = { .rules_path = cfg->detect_rules,
                                 .tick_ms = cfg->detect_tick_ms,
                                 .save_every_ms = cfg->detect_save_every_ms,
                                 .max_past_ms = ic->max_past_ms,
                                 .max_future_ms = ic->max_future_ms,
                                 .lateness_ms = cfg->detect_lateness_ms,
                                 .max_buffered = (size_t) cfg->detect_max_buffered,
                                 .live_idle_ms = cfg->detect_live_idle_ms };
    c->detect = vg_detect_stage_new (&dc, c->store, err, errlen);
    if (!c->detect)
        return -1;
    if (cfg->kafka_enabled && s_start_alerter (c, err, errlen) < 0)
        return -1;
    if (cfg->fleet_publish_topic[0] && s_start_fleet_pub (c, err, errlen) < 0)
        return -1;
    if (c->alerter || c->fleet) {
        vg_detect_stage_on_alert (c->detect, s_on_alert, c);
        vg_detect_stage_on_committed (c->detect, s_on_committed, c);
        vg_detect_stage_poll_hook (c->detect, s_on_poll, c);
    }
    /* Each accepted batch also into the journals, in ingest's write: analysed and published
     * after a crash even when the detect stage never got to it.  What an earlier run left
     * is analysed now, before the server takes batches. */
    vg_server_on_accept (c->server, s_on_accept, c);
    /* A store that refuses writes now (a full disk) must not keep the collector from
     * starting: what was fed stays in the engine, the journal and its mark stay as the
     * last successful write left them, and the stage's next save covers it. */
    if (vg_detect_stage_recover (c->detect) < 0)
        vg_log (VG_LOG_ERROR, "collector", "the detect journal was analysed but not saved: the stage saves it later");
    if (vg_detect_stage_start (c->detect) < 0) {
        snprintf (err, errlen, "cannot start the detect stage");
        return -1;
    }
    vg_server_on_commit (c->server, vg_detect_stage_commit_fn, c->detect);
    vg_log (VG_LOG_INFO, "collector", "detectors on, rules %s", cfg->detect_rules);
    return 0;
}

int
vg_collector_check (const vg_collector_cfg_t *cfg, char *err, size_t errlen)
{
    if (vg_log_level_parse (cfg->log_level) < 0) {
        snprintf (err, errlen, "collector.log_level '%s' is not debug|info|warn|error", cfg->log_level);
        return -1;
    }
    if (cfg->detect_enabled && !cfg->detect_rules[0]) {
        snprintf (err, errlen, "detect.rules is required when detect.enabled is true");
        return -1;
    }
    return vg_collector_cfg_check (cfg, err, errlen);
}

vg_collector_t *
vg_collector_new (const vg_collector_cfg_t *cfg, char *err, size_t errlen)
{
    if (vg_collector_check (cfg, err, errlen) < 0)
        return NULL;
    vg_collector_t *c = calloc (1, sizeof *c);
    if (!c) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    c->cfg = cfg;
    c->acl = calloc (cfg->nagents ? cfg->nagents : 1, sizeof *c->acl);
    c->keys = calloc (cfg->nagents ? cfg->nagents : 1, sizeof *c->keys);
    c->props = vg_collector_kafka_props (cfg);
    c->mem = vg_mem_ceiling_new (cfg->max_rss_bytes);
    c->detect_queue_bytes = cfg->detect_queue_bytes;
    if (!c->acl || !c->keys || !c->props || !c->mem) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    char why[512];
    /* The store holds every element's telemetry: created owner-only (the umask set in main
     * keeps RocksDB's own files 0600); an older, looser directory is reported, not changed. */
    if (vg_private_mkdirs (cfg->store_path) < 0) {
        snprintf (err, errlen, "store: cannot create %s: %s", cfg->store_path, strerror (errno));
        goto fail;
    }
    if (vg_private_is_loose (cfg->store_path))
        vg_log (VG_LOG_WARN, "collector", "store %s is accessible to group or others: chmod -R go-rwx %s",
                cfg->store_path, cfg->store_path);
    vg_store_cfg_t sc = { cfg->store_path, VG_STORE_RW, cfg->bucket_ms, cfg->store_sync, cfg->cache_bytes };
    c->store = vg_store_open (&sc, why, sizeof why);
    if (!c->store) {
        snprintf (err, errlen, "store: %s", why);
        goto fail;
    }
    if (cfg->curve_insecure)
        vg_log (VG_LOG_WARN, "collector", "%s; listening on %s", VG_CURVE_INSECURE_WARNING, cfg->listen);
    else if (cfg->allow_unknown_agents)
        vg_log (VG_LOG_WARN, "collector", "ingest.allow_unknown_agents has no effect while CURVE is on: only the keys "
                                          "listed under agents can connect");
    s_agent_lists (cfg, c->acl, c->keys);
    c->nacl = cfg->nagents;
    vg_ingest_cfg_t ic = s_ingest_cfg (cfg);
    ic.agents = c->acl;
    ic.nagents = cfg->nagents;
    if (cfg->nagents == 0 && !cfg->allow_unknown_agents)
        vg_log (VG_LOG_WARN, "collector", "no agents configured and allow_unknown_agents is false: every batch will "
                                          "be rejected");
    c->ingest = vg_ingest_new (&ic, c->store, err, errlen);
    if (!c->ingest)
        goto fail;
    vg_server_cfg_t vc = { .listen = cfg->listen,
                           .collector_id = cfg->id,
                           .max_group = (int) cfg->max_group,
                           .retention_ms = cfg->retention_ms,
                           .retention_every_ms = 3600000,
                           .curve_secret_key = cfg->curve_secret_key,
                           .curve_public_key = cfg->curve_public_key,
                           .max_batch_bytes = cfg->max_batch_bytes,
                           .agent_keys = c->keys,
                           .nagent_keys = cfg->nagents,
                           .limits = s_agent_limits (cfg),
                           .receive_queue = (int) cfg->receive_queue,
                           .group_bytes = (size_t) cfg->group_bytes };
    c->server = vg_server_new (&vc, c->store, c->ingest, err, errlen);
    if (!c->server)
        goto fail;
    if (cfg->metrics_listen && cfg->metrics_listen[0]) {
        c->http = vg_metrics_http_new (cfg->metrics_listen, &cfg->metrics, err, errlen);
        if (!c->http)
            goto fail;
    }
    if (cfg->detect_enabled && s_start_detect (c, &ic, err, errlen) < 0)
        goto fail;
    /* Journals nothing will read any more (an earlier run had the stage or publishing on):
     * dropped with a line saying so, rather than kept in the store for ever. */
    if (!cfg->detect_enabled && vg_detect_journal_drop (c->store) < 0)
        vg_log (VG_LOG_WARN, "collector", "an earlier run's detect journal stays in the store");
    if (!c->fleet && vg_fleet_pub_journal_drop (c->store) < 0)
        vg_log (VG_LOG_WARN, "collector", "an earlier run's fleet journal stays in the store");
    if (cfg->kafka_enabled && !cfg->detect_enabled)
        vg_log (VG_LOG_WARN, "collector", "kafka.enabled has no effect without detect.enabled (no alerts to send)");
    if (cfg->fleet_publish_topic[0] && !cfg->detect_enabled)
        vg_log (VG_LOG_WARN, "collector", "fleet.publish.topic has no effect without detect.enabled");
    vg_server_on_backlog (c->server, s_backlog, c);
    vg_server_on_tick (c->server, s_tick, c);
    s_publish_metrics (c);
    return c;
fail:
    vg_collector_destroy (&c);
    return NULL;
}

int
vg_collector_run (vg_collector_t *c, volatile sig_atomic_t *stop)
{
    const vg_collector_cfg_t *cfg = c->cfg;
    vg_log (VG_LOG_INFO, "collector", "listening on %s, store %s (%zu series known)", cfg->listen, cfg->store_path,
            vg_ingest_series_count (c->ingest));
    int rc = vg_server_run (c->server, stop) < 0 ? -1 : 0;
    const vg_ingest_stats_t *st = vg_ingest_stats (c->ingest);
    vg_log (VG_LOG_INFO, "collector",
            "stopping: batches=%llu duplicates=%llu rejected=%llu samples=%llu events=%llu series=%zu",
            (unsigned long long) st->batches, (unsigned long long) st->duplicates, (unsigned long long) st->rejected,
            (unsigned long long) st->samples, (unsigned long long) st->events, vg_ingest_series_count (c->ingest));
    if (c->detect && vg_detect_stage_stop (c->detect) < 0)
        rc = -1; /* the final state save failed (logged) */
    return rc;
}

void
vg_collector_destroy (vg_collector_t **self_p)
{
    vg_collector_t *c = *self_p;
    if (!c)
        return;
    vg_detect_stage_destroy (&c->detect);
    vg_alerter_destroy (&c->alerter); /* after the stage thread: flushes for kafka.flush_timeout */
    vg_fleet_pub_destroy (&c->fleet);
    vg_rules_destroy (&c->fleet_rules);
    free (c->props);
    vg_metrics_http_destroy (&c->http);
    vg_server_destroy (&c->server);
    vg_ingest_destroy (&c->ingest);
    vg_store_destroy (&c->store);
    vg_mem_ceiling_destroy (&c->mem);
    free (c->acl);
    free (c->keys);
    if (c->reloaded)
        vg_cfg_free (&vg_collector_cfg_table, c->reloaded);
    free (c->reloaded);
    free (c);
    *self_p = NULL;
}
