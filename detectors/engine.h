/* engine.h - routes series, events and time to detector instances and runs the alert lifecycle.
 *
 * Single-threaded and deterministic: the same calls in the same order give the same alerts
 * with the same uids.  Time is event time: the latest sample/event timestamp or the `now`
 * passed to vg_engine_tick; the engine never reads a clock.  Declaring a series matches it
 * against the rules once; vg_engine_sample is then a hash lookup plus the linked instances
 * and allocates nothing. */
#ifndef VG_ENGINE_H
#define VG_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "detectors/alert.h"
#include "detectors/detector.h"
#include "detectors/rules.h"

typedef struct vg_engine vg_engine_t;

typedef struct {
    size_t max_series;        /* declared series bound (0 = 1,000,000) */
    size_t max_devices;       /* device bound (0 = 100,000) */
    size_t max_episodes;      /* open episodes bound (0 = 100,000) */
} vg_engine_cfg_t;

/* What the caller knows about a series when declaring it. Borrowed for the call. */
typedef struct {
    const vg_device_t *device; /* required; device->id required */
    const char *path;          /* required */
    const vg_label_t *labels;
    size_t nlabels;
    vg_kind_t kind;
} vg_series_info_t;

typedef struct {
    uint64_t samples, events, ticks;
    uint64_t unknown_series;   /* samples for an undeclared series id */
    uint64_t dropped;          /* NaN / out-of-order samples dropped by the engine */
    uint64_t detector_errors;  /* negative returns from detectors */
    uint64_t alerts, creates, updates, closes, suppressed, inhibited;
    uint64_t series, devices, instances, episodes_open;
    uint64_t full;             /* declarations or episodes refused by a bound */
    uint64_t load_skipped;     /* saved entries with no matching instance on load */
} vg_engine_stats_t;

/* Create an engine over a parsed rule set (borrowed: it must outlive the engine).
 * on_alert is called synchronously for every lifecycle record; ctx is passed through.
 * cfg may be NULL for defaults.  Returns NULL on allocation failure. */
vg_engine_t *vg_engine_new (const vg_rules_t *rules, const vg_engine_cfg_t *cfg, vg_alert_fn on_alert,
                            void *ctx);
/* Free the engine and all instances; NULL-safe; sets *self_p to NULL. */
void vg_engine_destroy (vg_engine_t **self_p);

/* Declare (or re-declare, a no-op) a series; the engine copies what it keeps.
 * series_id must be unique per series (use vg_series_id()).  Returns the number of rule
 * instances linked (>= 0), or -VG_EINVAL (bad info), -VG_EFULL, -VG_ENOMEM. */
int vg_engine_series (vg_engine_t *e, uint64_t series_id, const vg_series_info_t *info);
/* Declare or update a device's inventory (vendor, role, ...) without a series.
 * Returns 0 or a negative error. */
int vg_engine_device (vg_engine_t *e, const vg_device_t *dev);

/* One sample of a declared series (value as received; counters are raw counts).
 * Returns 0, or -VG_ENOTFOUND for an undeclared series (counted). */
int vg_engine_sample (vg_engine_t *e, uint64_t series_id, int64_t ts_ms, double value);
/* A state sample ("UP", "ESTABLISHED", ...): mapped to 1 for up-like states
 * (UP, ESTABLISHED, ACTIVE, ENABLED, OK, TRUE, RUNNING, LOCKED-IN), else 0. */
int vg_engine_state (vg_engine_t *e, uint64_t series_id, int64_t ts_ms, const char *state);
/* One event; dev describes ev->device (required: dev->id). Returns 0 or -VG_EINVAL. */
int vg_engine_event (vg_engine_t *e, const vg_event_t *ev, const vg_device_t *dev);
/* Advance event time to now_ms: silence detection, hold-downs, periodic updates, bucket
 * closing.  now_ms earlier than the engine's time is ignored.  Returns 0. */
int vg_engine_tick (vg_engine_t *e, int64_t now_ms);

/* The verdict of the most recent sample of a series' first linked instance (state, score,
 * observed, expected, band), for offline scoring.  Returns 0, or -VG_ENOTFOUND if the
 * series is unknown or has no instance.  out->evidence and out->signal are not kept. */
int vg_engine_last_verdict (const vg_engine_t *e, uint64_t series_id, vg_verdict_t *out);

/* Serialise all instance state, open episodes and device/series times into out.
 * Returns 0 or -VG_ENOMEM. */
int vg_engine_save (const vg_engine_t *e, vg_buf_t *out);
/* Restore a saved state into an engine built from the same rules.  Declare the series
 * first; device-scoped instances are recreated from the saved inventory.  Entries without
 * a match are skipped and counted.  Returns 0, -VG_EINVAL / -VG_ETRUNC on a malformed blob
 * (state before the bad entry stays loaded), or -VG_ENOMEM. */
int vg_engine_load (vg_engine_t *e, const uint8_t *p, size_t len);

/* Counters. */
void vg_engine_stats (const vg_engine_t *e, vg_engine_stats_t *out);
/* Bytes of memory held per series for a given series (instances + records), for reporting. */
size_t vg_engine_series_bytes (const vg_engine_t *e, uint64_t series_id);

#endif
