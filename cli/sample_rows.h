/* sample_rows.h - stored samples as CSV or NDJSON lines (vigil query, vigil export).
 *
 * One printer per output: the caller names the series (its stored SeriesMeta) and then
 * hands over its samples; each becomes one line, built in a reused buffer and written in
 * large blocks, so printing does not allocate per row.  Values go through vg_num_format:
 * integers exact, doubles in the shortest form that reads back as the same bits, state
 * series as their state names.  CSV columns are chosen by name (default
 * device,path,labels,timestamp_ms,time,value: what `vigil query` always printed;
 * "timestamp_ms,value" is what `vigil detect` reads).  NDJSON lines carry every field:
 * {"device","path","labels":{...},"kind","ts_ms","time","value"}, with non-finite values
 * as the strings "NaN", "Inf", "-Inf". */
#ifndef VG_SAMPLE_ROWS_H
#define VG_SAMPLE_ROWS_H

#include <stdint.h>
#include <stdio.h>

#include "common/num.h"
#include "proto/vigil.pb-c.h"

typedef struct vg_rows vg_rows_t;

typedef enum { VG_ROWS_CSV = 0, VG_ROWS_NDJSON = 1 } vg_rows_format_t;

/* A printer writing to out (borrowed; must outlive it).  columns: CSV only, a
 * comma-separated list of device, path, labels, kind, unit, timestamp_ms, time, value
 * (NULL = the default).  Returns NULL with the reason in err (unknown or repeated column,
 * columns with NDJSON, out of memory). */
vg_rows_t *vg_rows_new (FILE *out, vg_rows_format_t format, const char *columns, char *err, size_t errlen);
/* Write what is buffered (not closing out).  NULL-safe; sets *self_p to NULL. */
void vg_rows_destroy (vg_rows_t **self_p);

/* The CSV header line (nothing for NDJSON).  Returns 0 or -VG_EIO / -VG_ENOMEM. */
int vg_rows_header (vg_rows_t *r);
/* The series the next samples belong to (borrowed until the next call or destroy).
 * Returns 0 or -VG_ENOMEM. */
int vg_rows_series (vg_rows_t *r, const Vigil__SeriesMeta *m);
/* One sample of the current series.  Returns 0, or -VG_EIO once a write failed. */
int vg_rows_sample (vg_rows_t *r, int64_t ts_ms, vg_num_t v, vg_numtype_t type);
/* Write the buffered lines; 0 or -VG_EIO (a write failed, now or before). */
int vg_rows_flush (vg_rows_t *r);
/* Lines printed so far (header excluded). */
uint64_t vg_rows_count (const vg_rows_t *r);

#endif
