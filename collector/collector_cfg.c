/* collector_cfg.c - the option tables of vigil-collector. */
#include "collector/collector_cfg.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/curve_mode.h"
#include "common/err.h"

static const vg_cfg_opt_t s_agent_opts[] = {
    VG_CFG_OPT ("id", VG_CFG_STR, vg_agent_entry_t, id, 0, 0, NULL,
                "agent id (listed twice, with the same devices, to admit two keys during a key rotation)"),
    VG_CFG_STRLIST_OPT ("devices", vg_agent_entry_t, devices, ndevices, 0, 4096, "[]",
                        "device id patterns (fnmatch) the agent may report; empty = any"),
    VG_CFG_OPT ("public_key", VG_CFG_STR, vg_agent_entry_t, public_key, 0, 0, "",
                "agent's CURVE public key (Z85, its .pub from vigil keygen); without it the agent cannot connect "
                "unless curve.insecure"),
};
static const vg_cfg_table_t s_agent_table = VG_CFG_TABLE ("agent", s_agent_opts, vg_agent_entry_t);

static const vg_cfg_opt_t s_kafka_prop_opts[] = {
    VG_CFG_OPT ("key", VG_CFG_STR, vg_kafka_prop_entry_t, key, 0, 0, NULL, "librdkafka property name"),
    VG_CFG_SECRET_OPT ("value", vg_kafka_prop_entry_t, value, 0,
                       "its value (text, as librdkafka takes it); for a secret (sasl.password, ssl.key.password, "
                       "...) give value_file: a 0600 file holding it instead (never logged)"),
};
static const vg_cfg_table_t s_kafka_prop_table = VG_CFG_TABLE ("kafka property", s_kafka_prop_opts,
                                                               vg_kafka_prop_entry_t);
static const char *const s_kafka_formats[] = { "json", "protobuf", NULL };
static const char *const s_roles[] = { "site", "fleet", NULL };

static const vg_cfg_opt_t s_opts[] = {
    VG_CFG_OPT ("collector.id", VG_CFG_STR, vg_collector_cfg_t, id, 0, 0, "collector", "collector id"),
    VG_CFG_OPT ("collector.log_level", VG_CFG_STR, vg_collector_cfg_t, log_level, 0, 0, "info",
                "debug|info|warn|error"),
    VG_CFG_OPT ("collector.listen", VG_CFG_STR, vg_collector_cfg_t, listen, 0, 0, "tcp://127.0.0.1:5555",
                "ZeroMQ endpoint agents connect to"),
    VG_CFG_OPT ("collector.metrics_listen", VG_CFG_STR, vg_collector_cfg_t, metrics_listen, 0, 0, "",
                "IPv4 HOST:PORT serving /metrics and /healthz; a bare PORT is 127.0.0.1:PORT (empty = off)"),
    VG_METRICS_OPTS ("collector", vg_collector_cfg_t, metrics),
    VG_CFG_OPT ("store.path", VG_CFG_STR, vg_collector_cfg_t, store_path, 0, 0, NULL, "RocksDB directory"),
    VG_CFG_OPT ("store.bucket", VG_CFG_DURATION, vg_collector_cfg_t, bucket_ms, 60000, 7 * 86400000.0, "24h",
                "time bucket of sample chunks (fixed when the store is created); retention deletes whole "
                "buckets, and each series' samples of a bucket are sealed into one chunk"),
    VG_CFG_OPT ("store.sync", VG_CFG_BOOL, vg_collector_cfg_t, store_sync, 0, 0, "true",
                "fsync every commit before acknowledging (durability)"),
    VG_CFG_OPT ("store.cache", VG_CFG_SIZE, vg_collector_cfg_t, cache_bytes, 0, 1e12, "64MiB", "block cache"),
    VG_CFG_OPT ("store.retention", VG_CFG_DURATION, vg_collector_cfg_t, retention_ms, 0, 3650 * 86400000.0, "30d",
                "drop samples and events older than this (0 = keep forever)"),
    VG_CFG_OPT ("ingest.max_past", VG_CFG_DURATION, vg_collector_cfg_t, max_past_ms, 0, 36500 * 86400000.0, "30d",
                "oldest sample accepted, relative to now (replays of old captures need a wide window)"),
    VG_CFG_OPT ("ingest.max_future", VG_CFG_DURATION, vg_collector_cfg_t, max_future_ms, 0, 86400000, "5m",
                "newest sample accepted, relative to now (clock skew)"),
    VG_CFG_OPT ("ingest.max_batch_bytes", VG_CFG_SIZE, vg_collector_cfg_t, max_batch_bytes, 1024, 64 << 20, "16MiB",
                "largest batch accepted"),
    VG_CFG_OPT ("ingest.max_series", VG_CFG_UINT, vg_collector_cfg_t, max_series, 1, 1 << 22, "1048576",
                "series per batch"),
    VG_CFG_OPT ("ingest.max_events", VG_CFG_UINT, vg_collector_cfg_t, max_events, 1, 1 << 20, "65536",
                "events per batch"),
    VG_CFG_OPT ("ingest.max_series_samples", VG_CFG_UINT, vg_collector_cfg_t, max_series_samples, 1, 1 << 20,
                "1048576", "samples per series per batch"),
    VG_CFG_OPT ("ingest.max_samples", VG_CFG_UINT, vg_collector_cfg_t, max_samples, 1, 1 << 26, "1048576",
                "samples per batch (the agent's batch.max_samples is at most 1048576); bounds ingest's decode "
                "memory (17 bytes per sample)"),
    VG_CFG_OPT ("ingest.group_commit", VG_CFG_UINT, vg_collector_cfg_t, max_group, 1, 4096, "64",
                "batches committed together with one fsync"),
    VG_CFG_OPT ("ingest.allow_unknown_agents", VG_CFG_BOOL, vg_collector_cfg_t, allow_unknown_agents, 0, 0, "false",
                "accept agents not listed under agents (development only)"),
    VG_CFG_OPT ("limits.agent_batches_per_s", VG_CFG_DOUBLE, vg_collector_cfg_t, agent_batches_per_s, 0, 1e6, "1000",
                "batches per second one agent may send (sustained; token bucket); over it the agent is answered "
                "RETRY and backs off (0 = no limit)"),
    VG_CFG_OPT ("limits.agent_samples_per_s", VG_CFG_DOUBLE, vg_collector_cfg_t, agent_samples_per_s, 0, 1e9,
                "10000000", "samples per second one agent may send (sustained; charged per batch after it is read); "
                "over it the agent is answered RETRY and backs off (0 = no limit)"),
    VG_CFG_OPT ("limits.agent_burst", VG_CFG_DURATION, vg_collector_cfg_t, agent_burst_ms, 100, 3600000, "2s",
                "depth of the two token buckets, in time at their rate (a burst above the rate this long is admitted)"),
    VG_CFG_OPT ("limits.agent_series", VG_CFG_UINT, vg_collector_cfg_t, agent_series, 0, 1u << 31, "1000000",
                "series one agent may create; samples of further new series are refused and counted (its known "
                "series go on) (0 = no limit)"),
    VG_CFG_OPT ("limits.receive_queue", VG_CFG_UINT, vg_collector_cfg_t, receive_queue, 1, 100000, "32",
                "messages queued per agent connection before TCP pushes back (each at most 2 x "
                "ingest.max_batch_bytes)"),
    VG_CFG_OPT ("limits.group_bytes", VG_CFG_SIZE, vg_collector_cfg_t, group_bytes, 1 << 20, 1 << 30, "64MiB",
                "batch bytes held for one group commit at most (received and inflated); reaching it commits the "
                "group early"),
    VG_CFG_OPT ("limits.detect_queue_bytes", VG_CFG_SIZE, vg_collector_cfg_t, detect_queue_bytes, 1 << 20,
                1099511627776.0,
                "256MiB", "batch bytes waiting for the detect stage at most; beyond it new batches are answered "
                "RETRY until it catches up"),
    VG_CFG_OPT ("limits.max_rss_bytes", VG_CFG_SIZE, vg_collector_cfg_t, max_rss_bytes, 0, 1099511627776.0, "0",
                "resident memory ceiling of the collector (read from /proc/self/statm every 100 ms); over it every "
                "agent's batches are answered RETRY until it is under again (0 = none; set it above the memory "
                "budget of docs/SECURITY.md)"),
    VG_CFG_LIST_OPT ("agents", vg_collector_cfg_t, agents, nagents, &s_agent_table, 0, 100000, "[]",
                     "agents allowed to send, and the devices each may report"),
    VG_CFG_SECRET_OPT ("curve.secret_key", vg_collector_cfg_t, curve_secret_key, 0,
                       "collector's CURVE secret key (Z85, from vigil keygen); required unless curve.insecure"),
    VG_CFG_OPT ("curve.public_key", VG_CFG_STR, vg_collector_cfg_t, curve_public_key, 0, 0, "",
                "collector's CURVE public key (Z85; optional, what agents set as curve.server_key; checked against the secret key)"),
    VG_CFG_OPT ("curve.insecure", VG_CFG_BOOL, vg_collector_cfg_t, curve_insecure, 0, 0, "false",
                "true = no CURVE: plain TCP, unauthenticated and unencrypted (tests and labs only; warned "
                "at every start); false = curve.secret_key is required"),
    VG_CFG_OPT ("detect.enabled", VG_CFG_BOOL, vg_collector_cfg_t, detect_enabled, 0, 0, "false",
                "run the detectors on every committed batch and store their alerts"),
    VG_CFG_OPT ("detect.rules", VG_CFG_STR, vg_collector_cfg_t, detect_rules, 0, 0, "",
                "detector rules file (e.g. detectors/rules.yaml); required when detect.enabled"),
    VG_CFG_OPT ("detect.tick", VG_CFG_DURATION, vg_collector_cfg_t, detect_tick_ms, 100, 3600000, "10s",
                "advance detector time (silence, hold-downs) every this much event time"),
    VG_CFG_OPT ("detect.save_every", VG_CFG_DURATION, vg_collector_cfg_t, detect_save_every_ms, 0, 86400000, "60s",
                "save detector state this often (wall clock) and at shutdown; 0 = only at shutdown"),
    VG_CFG_OPT ("detect.journal", VG_CFG_BOOL, vg_collector_cfg_t, detect_journal, 0, 0, "true",
                "keep every committed batch in the store until a state save covers it, so that after a crash "
                "the batches not analysed yet (or analysed after the last save) are analysed at the next start, "
                "exactly once; costs one more write of each batch (about twice the bytes written before "
                "compaction); false = a crash loses up to detect.save_every of analysis"),
    VG_CFG_OPT ("detect.lateness", VG_CFG_DURATION, vg_collector_cfg_t, detect_lateness_ms, 0, 86400000, "30s",
                "per device and source, samples up to this much older than the newest are put back in time "
                "order before detection; older ones are counted as late and skipped (0 = no reordering)"),
    VG_CFG_OPT ("detect.max_buffered", VG_CFG_UINT, vg_collector_cfg_t, detect_max_buffered, 1000, 1u << 30,
                "1000000", "samples held for reordering at most (32 bytes each); beyond, the oldest go early"),
    VG_CFG_OPT ("detect.live_idle", VG_CFG_DURATION, vg_collector_cfg_t, detect_live_idle_ms, 0, 86400000, "60s",
                "a live source (data near wall-clock time) that delivers nothing for this long, plus its typical "
                "data step (one ROP for PM files), has its clock moved on by wall time one step behind, so its "
                "devices' silence is still judged (0 = never)"),
    VG_CFG_OPT ("kafka.enabled", VG_CFG_BOOL, vg_collector_cfg_t, kafka_enabled, 0, 0, "false",
                "send every alert (OCSF Detection Finding) to Kafka through the store's outbox"),
    VG_CFG_OPT ("kafka.brokers", VG_CFG_STR, vg_collector_cfg_t, kafka_brokers, 0, 0, "127.0.0.1:9092",
                "bootstrap.servers (host:port,...)"),
    VG_CFG_OPT ("kafka.topic", VG_CFG_STR, vg_collector_cfg_t, kafka_topic, 0, 249, "telemetry.alerts.ocsf.v1",
                "topic the findings are produced to (key = dedup key)"),
    VG_CFG_ENUM_OPT ("kafka.format", vg_collector_cfg_t, kafka_format, s_kafka_formats, "json",
                     "payload encoding (only json is implemented)"),
    VG_CFG_LIST_OPT ("kafka.properties", vg_collector_cfg_t, kafka_props, nkafka_props, &s_kafka_prop_table, 0, 256,
                     "[]", "librdkafka properties passed through unchanged (TLS, SASL, ...): [{key: k, value: v}]"),
    VG_CFG_OPT ("kafka.max_inflight", VG_CFG_UINT, vg_collector_cfg_t, kafka_max_inflight, 1, 1 << 24, "10000",
                "alerts handed to librdkafka and not yet acknowledged; beyond it they wait in the outbox"),
    VG_CFG_OPT ("kafka.flush_timeout", VG_CFG_DURATION, vg_collector_cfg_t, kafka_flush_ms, 0, 600000, "5s",
                "at shutdown, wait this long for outstanding acknowledgements (the rest stays in the outbox)"),
    VG_CFG_ENUM_OPT ("role", vg_collector_cfg_t, role, s_roles, "site",
                     "site: receive from agents, store, detect; fleet: a member of the fleet consumer group "
                     "(fleet.*; also --role fleet; docs/SCALING.md)"),
    VG_CFG_OPT ("fleet.publish.topic", VG_CFG_STR, vg_collector_cfg_t, fleet_publish_topic, 0, 249, "",
                "site role: publish inventory, KPI counters and the findings fleet rules count to this topic "
                "(\"\" = off; needs detect.enabled)"),
    VG_CFG_OPT ("fleet.brokers", VG_CFG_STR, vg_collector_cfg_t, fleet_brokers, 0, 0, "127.0.0.1:9092",
                "bootstrap.servers of the fleet topics (kafka.properties apply too)"),
    VG_CFG_OPT ("fleet.topic", VG_CFG_STR, vg_collector_cfg_t, fleet_topic, 0, 249, "vigil.fleet.v1",
                "fleet role: the topic consumed (the site collectors' fleet.publish.topic)"),
    VG_CFG_OPT ("fleet.partitions", VG_CFG_UINT, vg_collector_cfg_t, fleet_partitions, 1, 4096, "6",
                "partitions of the fleet topic when it is created (at most this many fleet instances share the work)"),
    VG_CFG_OPT ("fleet.group", VG_CFG_STR, vg_collector_cfg_t, fleet_group, 0, 200, "vigil-fleet",
                "fleet role: consumer group id (and prefix of the transactional ids)"),
    VG_CFG_OPT ("fleet.state_topic", VG_CFG_STR, vg_collector_cfg_t, fleet_state_topic, 0, 249, "vigil.fleet.state.v1",
                "fleet role: compacted topic of the per-partition fleet state, committed with the alerts and offsets"),
    VG_CFG_OPT ("fleet.commit_every", VG_CFG_DURATION, vg_collector_cfg_t, fleet_commit_every_ms, 50, 60000, "1s",
                "fleet role: one transaction (alerts + state + offsets) per partition this often; alerts are "
                "visible to read_committed consumers after it"),
    VG_CFG_OPT ("fleet.session_timeout", VG_CFG_DURATION, vg_collector_cfg_t, fleet_session_timeout_ms, 6000, 300000,
                "10s", "fleet role: a member silent this long leaves the group and its partitions move"),
};

const vg_cfg_table_t vg_collector_cfg_table = VG_CFG_TABLE ("vigil-collector", s_opts, vg_collector_cfg_t);

static int
s_entry_by_id (const void *a, const void *b)
{
    const vg_agent_entry_t *x = *(const vg_agent_entry_t *const *) a, *y = *(const vg_agent_entry_t *const *) b;
    return strcmp (x->id, y->id);
}

static bool
s_same_devices (const vg_agent_entry_t *a, const vg_agent_entry_t *b)
{
    if (a->ndevices != b->ndevices)
        return false;
    for (size_t i = 0; i < a->ndevices; i++)
        if (strcmp (a->devices[i], b->devices[i]) != 0)
            return false;
    return true;
}

/* An agent id may be listed more than once, one entry per key (a key rotation: old and new
 * key admitted together), but only with the same devices: ingest keeps one device list per
 * agent id.  Returns 0, -VG_ECONFIG or -VG_ENOMEM with err. */
static int
s_check_agent_ids (const vg_collector_cfg_t *cfg, char *err, size_t errlen)
{
    if (cfg->nagents < 2)
        return 0;
    const vg_agent_entry_t **by_id = malloc (cfg->nagents * sizeof *by_id);
    if (!by_id) {
        snprintf (err, errlen, "out of memory");
        return -VG_ENOMEM;
    }
    for (size_t i = 0; i < cfg->nagents; i++)
        by_id[i] = &cfg->agents[i];
    qsort (by_id, cfg->nagents, sizeof *by_id, s_entry_by_id);
    int rc = 0;
    for (size_t i = 1; i < cfg->nagents && rc == 0; i++)
        if (strcmp (by_id[i - 1]->id, by_id[i]->id) == 0 && !s_same_devices (by_id[i - 1], by_id[i])) {
            snprintf (err, errlen,
                      "agent '%s' is listed twice with different devices: entries of one agent id (one per key, "
                      "for a key rotation) must list the same devices",
                      by_id[i]->id);
            rc = -VG_ECONFIG;
        }
    free (by_id);
    return rc;
}

int
vg_collector_cfg_check (const vg_collector_cfg_t *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->nkafka_props; i++)
        if (!cfg->kafka_props[i].value || !cfg->kafka_props[i].value[0]) {
            snprintf (err, errlen, "kafka.properties[%zu] (%s): value or value_file is required", i,
                      cfg->kafka_props[i].key);
            return -VG_ECONFIG;
        }
    if (cfg->retention_ms > 0 && cfg->max_past_ms > cfg->retention_ms) {
        snprintf (err, errlen,
                  "ingest.max_past (%lld s) is longer than store.retention (%lld s): samples that old would be "
                  "acknowledged and then deleted by retention; raise store.retention (0 = keep forever) or "
                  "lower ingest.max_past",
                  (long long) (cfg->max_past_ms / 1000), (long long) (cfg->retention_ms / 1000));
        return -VG_ECONFIG;
    }
    const char *const keys[] = { cfg->curve_secret_key };
    const char *const names[] = { "curve.secret_key" };
    vg_curve_need_t need = { cfg->curve_insecure, keys, names, 1,
                             "Make the collector's key pair with `vigil keygen --out /etc/vigil/collector`, set "
                             "curve.secret_key_file: /etc/vigil/collector.key, and give each entry under agents the "
                             "public_key of that agent's own pair" };
    int mode = vg_curve_mode (&need, err, errlen);
    return mode < 0 ? mode : s_check_agent_ids (cfg, err, errlen);
}
