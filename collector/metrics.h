/* metrics.h - the collector's Prometheus text exposition: the tables of the collector's
 * modules (metrics.c), rendered by common/metrics_text.h. */
#ifndef VG_METRICS_H
#define VG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "collector/agent_limits.h"
#include "collector/alerter.h"
#include "collector/detect_stage.h"
#include "collector/fleet_consume.h"
#include "collector/ingest.h"
#include "collector/server.h"
#include "common/metrics_text.h"

/* Values of the collector's core that are not in a module's stats struct. */
typedef struct {
    vg_ingest_stats_t ingest;
    vg_server_stats_t server;
    uint64_t batches_rejected;  /* every batch answered REJECTED: ingest's and the server's own */
    size_t series;              /* series known to ingest */
    uint64_t sample_sst_bytes;  /* RocksDB SST bytes of the samples column family */
    uint64_t dup_samples;       /* samples dropped by the store's merge: (series, ts) already stored, */
    uint64_t conflict_samples;  /* ... with the same value / with another value (vg_store_sample_dups) */
    const vg_agent_limits_t *limits; /* per-agent admission rows (agent="ID"); NULL = none */
    uint64_t rss_bytes;         /* resident memory (collector/mem_ceiling.h) */
    uint64_t rss_deferred;      /* batches answered RETRY over limits.max_rss_bytes */
} vg_metrics_core_t;

/* The collector's exposition: core, then the detect stage and the alerter when present
 * (either may be NULL).  Returns the text length (out->buf is NUL-terminated). */
size_t vg_metrics_collector (vg_metric_out_t *out, const vg_metrics_core_t *core,
                             const vg_detect_stage_stats_t *detect, const vg_alerter_stats_t *kafka);

/* A fleet instance's exposition (vigil-collector --role fleet).  Returns the text length. */
size_t vg_metrics_fleet (vg_metric_out_t *out, const vg_fleet_stats_t *st);

#endif
