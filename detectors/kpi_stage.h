/* kpi_stage.h - the PM/KPI stage: success ratios derived from success/attempt counter pairs
 * (3GPP PM counters such as RRC.ConnEstabSucc / RRC.ConnEstabAtt -> kpi/rrc_success_ratio),
 * one value per 15-minute result output period (ROP), as X02 (vendor divergence) consumes.
 *
 * Per entity (device + labels) the stage keeps the previous counter totals and the deltas
 * pooled over the current ROP; the first sample of a new ROP emits the previous ROP's ratio.
 * A counter reset, a first sample or an inconsistent pair (success delta above attempts)
 * skips that interval.  The table is bounded and grows by doubling up to its bound (no
 * allocation per sample once an entity is known); pure computation: no I/O, no clock.
 * State saves and loads for the fleet tier. */
#ifndef VG_KPI_STAGE_H
#define VG_KPI_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define VG_KPI_ROP_MS 900000LL /* 15-minute result output period */

typedef struct vg_kpi_stage vg_kpi_stage_t;

typedef struct {
    uint64_t samples;  /* counter samples taken */
    uint64_t kpis;     /* KPI values emitted */
    uint64_t full;     /* samples refused: the entity table is full */
} vg_kpi_stage_stats_t;

/* A stage with room for up to cap entities (cap rounded up to a power of two, one slot kept
 * empty; 0 = 131072); the table starts small and doubles while at least half full.  NULL
 * on allocation failure. */
vg_kpi_stage_t *vg_kpi_stage_new (size_t cap);
/* NULL-safe; sets *self_p to NULL. */
void vg_kpi_stage_destroy (vg_kpi_stage_t **self_p);

/* The KPI path a counter path feeds ("kpi/rrc_success_ratio"), with *is_succ = 1 for the
 * success counter and 0 for the attempt counter; NULL when path is not a paired counter. */
const char *vg_kpi_stage_path (const char *path, int *is_succ);

/* One sample of a counter of kpi entity kpi_id (vg_series_id of device, the KPI path and the
 * counter's labels: both counters of a pair give the same id).  Samples of one entity come
 * in time order, the attempt counter before the success counter of the same timestamp.
 * Returns 1 and sets *ratio when a ROP completed (the KPI value is for this sample's time),
 * 0 when nothing is emitted, -VG_EFULL when the table is full (counted). */
int vg_kpi_stage_sample (vg_kpi_stage_t *k, uint64_t kpi_id, int is_succ, int64_t ts_ms, double value,
                         double *ratio);

/* Grow the table now so that n more entities fit without growing (up to the bound): slots
 * from vg_kpi_stage_claim stay valid until the next reserve or vg_kpi_stage_sample.
 * Returns 0 or -VG_ENOMEM. */
int vg_kpi_stage_reserve (vg_kpi_stage_t *k, size_t n);
/* The slot of entity kpi_id, claimed when new: >= 0, or -VG_EFULL (the table is full). */
int64_t vg_kpi_stage_claim (vg_kpi_stage_t *k, uint64_t kpi_id);
/* vg_kpi_stage_sample on a claimed slot (no lookup); the caller counts -VG_EFULL claims. */
int vg_kpi_stage_sample_at (vg_kpi_stage_t *k, size_t slot, int is_succ, int64_t ts_ms, double value,
                            double *ratio);

/* Read the home slot of kpi_id and return what is there (a value to ignore): called for a
 * run of ids before sampling them, their cache misses overlap instead of coming one by one
 * (a portable prefetch).  Changes nothing. */
uint64_t vg_kpi_stage_touch (const vg_kpi_stage_t *k, uint64_t kpi_id);

/* Append the state (used entries, format KPI2) to out.  Returns 0 or -VG_ENOMEM. */
int vg_kpi_stage_save (const vg_kpi_stage_t *k, vg_buf_t *out);
/* Replace the state with a saved one (KPI2, or KPI1 of earlier versions).  Returns 0,
 * -VG_EINVAL (malformed) or -VG_EFULL. */
int vg_kpi_stage_load (vg_kpi_stage_t *k, const uint8_t *p, size_t len);

void vg_kpi_stage_stats (const vg_kpi_stage_t *k, vg_kpi_stage_stats_t *out);

#endif
