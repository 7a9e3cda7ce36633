/* collector_cfg.h - vigil-collector's configuration table (YAML, --help, docs/CONFIG.md). */
#ifndef VG_COLLECTOR_CFG_H
#define VG_COLLECTOR_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/metrics_opts.h"

typedef struct {
    char *id;
    char **devices;        /* fnmatch patterns of device ids this agent may report */
    size_t ndevices;
    char *public_key;      /* CURVE public key (Z85), for the allow list */
} vg_agent_entry_t;

/* One librdkafka property under kafka.properties, passed through unchanged. */
typedef struct {
    char *key;
    char *value;
} vg_kafka_prop_entry_t;

typedef struct {
    char *id;
    char *log_level;
    char *listen;
    char *metrics_listen;  /* host:port for /metrics and /healthz; "" = off */
    vg_metrics_opts_t metrics; /* /metrics basic auth and TLS */
    char *store_path;
    int64_t bucket_ms;
    bool store_sync;
    uint64_t cache_bytes;
    int64_t retention_ms;
    int64_t max_past_ms;
    int64_t max_future_ms;
    uint64_t max_batch_bytes;
    uint64_t max_series;
    uint64_t max_events;
    uint64_t max_series_samples;
    uint64_t max_samples;         /* per batch */
    uint64_t max_group;
    bool allow_unknown_agents;
    double agent_batches_per_s;   /* per-agent token buckets (0 = no limit) */
    double agent_samples_per_s;
    int64_t agent_burst_ms;
    uint64_t agent_series;        /* series one agent may create (0 = no limit) */
    uint64_t receive_queue;       /* ZeroMQ messages per connection */
    uint64_t group_bytes;         /* batch bytes per group commit */
    uint64_t detect_queue_bytes;  /* detect stage backlog ceiling */
    uint64_t max_rss_bytes;       /* resident memory ceiling (0 = none) */
    vg_agent_entry_t *agents;
    size_t nagents;
    char *curve_secret_key;
    char *curve_public_key;
    bool curve_insecure;   /* plain TCP, explicitly; else curve_secret_key is required */
    bool detect_enabled;   /* run the detect stage on committed batches */
    char *detect_rules;    /* rules file; required when detect_enabled */
    int64_t detect_tick_ms;
    int64_t detect_save_every_ms;
    bool detect_journal;          /* keep committed batches until a save covers them */
    int64_t detect_lateness_ms;   /* per-stream reorder window (event time) */
    uint64_t detect_max_buffered; /* samples held in reorder buffers */
    int64_t detect_live_idle_ms;  /* a live source idle this long (wall) is moved by wall clock */
    bool kafka_enabled;    /* send alerts to Kafka through the outbox */
    char *kafka_brokers;
    char *kafka_topic;
    int kafka_format;      /* 0 json, 1 protobuf */
    vg_kafka_prop_entry_t *kafka_props;
    size_t nkafka_props;
    uint64_t kafka_max_inflight;
    int64_t kafka_flush_ms;
    int role;              /* VG_ROLE_SITE or VG_ROLE_FLEET */
    char *fleet_publish_topic; /* site role: publish fleet inputs here ("" = off) */
    char *fleet_brokers;
    char *fleet_topic;     /* fleet role: the topic consumed */
    uint64_t fleet_partitions;
    char *fleet_group;
    char *fleet_state_topic;
    int64_t fleet_commit_every_ms;
    int64_t fleet_session_timeout_ms;
} vg_collector_cfg_t;

enum { VG_ROLE_SITE = 0, VG_ROLE_FLEET = 1 };

extern const vg_cfg_table_t vg_collector_cfg_table;

/* Cross-option checks after loading: refuses ingest.max_past longer than store.retention
 * (such samples would be acknowledged and then deleted by retention), a configuration
 * with neither curve.secret_key nor curve.insecure: true, or with both (common/curve_mode.h),
 * and an agent id listed twice (one entry per key, for a key rotation) with different devices.
 * Returns 0, or -VG_ECONFIG with the reason (and the fix) in err. */
int vg_collector_cfg_check (const vg_collector_cfg_t *cfg, char *err, size_t errlen);

#endif
