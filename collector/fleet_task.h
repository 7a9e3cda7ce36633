/* fleet_task.h - the fleet state of one partition of the fleet topic: an engine with the
 * fleet rules, the KPI stage (detectors/kpi_stage.h) and where the partition was read to.
 *
 * A task applies vigil.FleetBatch messages in partition order: inventory to the engine,
 * PM counter pairs through the KPI stage into the kpi/... series (X02), findings to the fleet
 * detectors (vg_engine_finding: X01), then ticks the engine to the newest data time.  No
 * clock, no I/O: the same messages from the same saved state give the same alert records
 * (same uids), which is what makes a partition's state movable between fleet instances.
 * Not thread-safe; alerts go to on_alert synchronously during apply. */
#ifndef VG_FLEET_TASK_H
#define VG_FLEET_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "detectors/alert.h"
#include "detectors/rules.h"

typedef struct vg_fleet_task vg_fleet_task_t;

typedef struct {
    uint64_t messages;       /* applied */
    uint64_t bad_messages;   /* undecodable or inconsistent (counted, skipped) */
    uint64_t devices;        /* inventory records applied */
    uint64_t samples;        /* counter samples through the KPI stage */
    uint64_t kpis;           /* KPI values fed to the engine */
    uint64_t findings;       /* findings fed to the fleet detectors */
    uint64_t errors;         /* engine refusals (full tables, unknown devices) */
    uint64_t alerts;         /* alert records emitted */
} vg_fleet_task_stats_t;

/* A task over rules (borrowed: must outlive the task); alerts go to on_alert(ctx, alert).
 * NULL on allocation failure. */
vg_fleet_task_t *vg_fleet_task_new (const vg_rules_t *rules, vg_alert_fn on_alert, void *ctx);
/* NULL-safe; sets *self_p to NULL. */
void vg_fleet_task_destroy (vg_fleet_task_t **self_p);

/* Apply one FleetBatch message.  Returns 0, or -VG_EPROTO for a message that does not
 * decode or validate (counted; nothing of it is applied). */
int vg_fleet_task_apply (vg_fleet_task_t *t, const uint8_t *msg, size_t len);

/* Serialise the state as a vigil.FleetState with next_offset (the first message offset not
 * applied) into out (replacing its contents).  Returns 0 or -VG_ENOMEM. */
int vg_fleet_task_save (vg_fleet_task_t *t, int64_t next_offset, vg_buf_t *out);
/* Restore a FleetState into a fresh task; *next_offset says where to resume.  Returns 0 or
 * -VG_EINVAL (malformed: the task is then unusable, destroy it). */
int vg_fleet_task_load (vg_fleet_task_t *t, const uint8_t *p, size_t len, int64_t *next_offset);

void vg_fleet_task_stats (const vg_fleet_task_t *t, vg_fleet_task_stats_t *out);

#endif
