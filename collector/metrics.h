/* metrics.h - the collector's Prometheus text exposition, driven by tables.
 *
 * Each counter or gauge is one row: family name, type, labels, and where its value lives in
 * a stats struct (offset and representation).  One renderer turns a table plus a stats
 * struct into exposition text, writing the "# TYPE" line once per family, so adding a
 * metric is adding a row.  The tables of the collector's modules are in metrics.c. */
#ifndef VG_METRICS_H
#define VG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "collector/alerter.h"
#include "collector/detect_stage.h"
#include "collector/ingest.h"
#include "collector/server.h"

typedef enum {
    VG_METRIC_U64,     /* uint64_t, printed as an integer */
    VG_METRIC_SIZE,    /* size_t, printed as an integer */
    VG_METRIC_I64_MS,  /* int64_t milliseconds, printed in seconds */
    VG_METRIC_I64_US,  /* int64_t microseconds, printed in seconds */
    VG_METRIC_U64_US,  /* uint64_t microseconds, printed in seconds */
} vg_metric_repr_t;

typedef struct {
    const char *family;        /* "vigil_batches_total" */
    const char *type;          /* "counter", "gauge" or "summary" */
    const char *labels;        /* "result=\"accepted\"", or NULL; a summary's "quantile=..." */
    const char *suffix;        /* appended to the family for this row ("_sum"), or NULL */
    size_t offset;             /* of the value in the stats struct */
    vg_metric_repr_t repr;
} vg_metric_t;

/* A bounded output buffer; text past the end is dropped and `truncated` set. */
typedef struct {
    char *buf;
    size_t size, len;
    int truncated;
} vg_metric_out_t;

/* Append the rows of table (n of them) read from stats to out. */
void vg_metrics_render (vg_metric_out_t *out, const vg_metric_t *table, size_t n, const void *stats);

/* Values of the collector's core that are not in a module's stats struct. */
typedef struct {
    vg_ingest_stats_t ingest;
    vg_server_stats_t server;
    size_t series;              /* series known to ingest */
    uint64_t sample_sst_bytes;  /* RocksDB SST bytes of the samples column family */
} vg_metrics_core_t;

/* The collector's exposition: core, then the detect stage and the alerter when present
 * (either may be NULL).  Returns the text length (out->buf is NUL-terminated). */
size_t vg_metrics_collector (vg_metric_out_t *out, const vg_metrics_core_t *core,
                             const vg_detect_stage_stats_t *detect, const vg_alerter_stats_t *kafka);

#endif
