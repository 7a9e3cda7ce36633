/* metrics_text.h - Prometheus text exposition (format 0.0.4), driven by tables; shared by
 * both daemons.
 *
 * Each counter or gauge is one row: family name, type, labels, and where its value lives in
 * a stats struct (offset and representation).  One renderer turns a table plus one or more
 * stats structs (instances, each with its own labels: one per agent input) into exposition
 * text, writing the "# TYPE" line once per family and every sample of a family together, so
 * adding a metric is adding a row.  Invariant: rows of one family are adjacent in a table. */
#ifndef VG_METRICS_TEXT_H
#define VG_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>

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

/* A bounded output buffer; text past the end is dropped and `truncated` set.  buf stays
 * NUL-terminated once anything was written. */
typedef struct {
    char *buf;
    size_t size, len;
    int truncated;
} vg_metric_out_t;

/* One stats struct to render a table from, and the labels that set it apart
 * ("input=\"pcap#2\"", made with vg_metrics_label; NULL = none).  Both borrowed. */
typedef struct {
    const void *stats;
    const char *labels;
} vg_metric_instance_t;

/* One row of a table over the stats struct T (field: a member of T, nested ones allowed). */
#define VG_METRIC_ROW(T, family, type, labels, suffix, field, repr) \
    { family, type, labels, suffix, offsetof (T, field), repr }
#define VG_METRICS_N(table) (sizeof (table) / sizeof (table)[0])

/* Start a rendering into out: NUL-terminate what it holds.  Returns 0 when out has no room
 * at all (size 0: render nothing), 1 otherwise. */
int vg_metrics_begin (vg_metric_out_t *out);

/* Append printf-formatted text to out (dropped and out->truncated set past its end). */
void vg_metrics_put (vg_metric_out_t *out, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Append the rows of table (n of them) read from stats to out. */
void vg_metrics_render (vg_metric_out_t *out, const vg_metric_t *table, size_t n, const void *stats);

/* Append the rows of table for each of the ninst instances: per family one TYPE line, then
 * that family's rows for every instance in turn, each sample labelled with the instance's
 * labels followed by the row's.  Nothing is written when ninst is 0. */
void vg_metrics_render_each (vg_metric_out_t *out, const vg_metric_t *table, size_t n,
                             const vg_metric_instance_t *inst, size_t ninst);

/* Write the label pair name="value" into buf (size bytes, always NUL-terminated), escaping
 * value as the text format wants: backslash, double quote and newline become \\, \" and \n.
 * Returns 0, or -VG_ETOOBIG when it did not fit (buf then holds "" so no half label leaks
 * into the output). */
int vg_metrics_label (char *buf, size_t size, const char *name, const char *value);

#endif
