/* engine.h - routes series, events and time to detector instances and runs the alert lifecycle.
 *
 * Single-threaded and deterministic: the same calls in the same order give the same alerts
 * with the same uids.  Time is event time; the engine never reads a clock.  Declaring a
 * series matches it against the rules once; vg_engine_sample is then a hash lookup plus the
 * linked instances (vg_engine_sample_ref skips the lookup) and allocates nothing (the reorder buffers grow amortised, bounded).
 *
 * Event time per source (docs/DETECTORS.md, "Event time"): a series belongs to a stream =
 * (device, source); the source is the input that delivers it (vg_engine_series_from).
 * Each stream has its own clock and, when cfg.lateness_ms > 0, a reorder buffer: samples
 * are released to the detectors in time order once the stream (or its source) is
 * lateness_ms past them; a sample older than what its stream already released is late:
 * dropped and counted (vg_engine_sample returns -VG_ERANGE).  Each source has its own
 * clock (newest data time it delivered, or what vg_engine_source_time says); silence is
 * judged per series at that source's clock, so sources advancing at different data rates
 * do not make each other look silent.  With cfg.tick_ms > 0 the engine ticks itself from
 * data time (streams at their release, sources at their watermark); vg_engine_tick then
 * only serves device-less (fleet) detectors and lifecycle timers.  With cfg.tick_ms == 0
 * (legacy, offline tools) vg_engine_tick(now) moves every source to now and does it all.
 * Fleet detectors (on_alert: X01) get the engine's findings in data-time order: with
 * cfg.tick_ms > 0 a finding is held until every source with data and not in outage has
 * judged its time, so their verdicts do not depend on which source's data arrived first. */
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
    int64_t lateness_ms;      /* per-stream reorder window; 0 = none (per-series order only) */
    int64_t tick_ms;          /* self-ticking granularity in data time; 0 = caller ticks */
    size_t max_buffered;      /* samples held in all reorder buffers (0 = 1,000,000) */
    int keep_last;            /* keep each series' last verdict (vg_engine_last_verdict); off by
                               * default: a write per sample that only offline scoring reads */
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
    uint64_t dropped;          /* NaN / duplicate-time samples dropped by the engine */
    uint64_t late;             /* older than their stream's released time: dropped */
    uint64_t forced;           /* released before the lateness because a buffer bound was hit */
    uint64_t processed;        /* samples handed to detectors (after the reorder buffer) */
    uint64_t buffered;         /* samples waiting in reorder buffers now */
    uint64_t sources, streams;
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
/* The same, naming the source that delivers the series ("agent-1/jti"; NULL or "" = the
 * default source).  A series keeps the source it was first declared with, except that one
 * declared without a source (restored state) joins the first source named for it. */
int vg_engine_series_from (vg_engine_t *e, uint64_t series_id, const vg_series_info_t *info, const char *source);
/* A declared series, to feed without looking it up by id: valid until vg_engine_destroy
 * (the engine never forgets or moves a series). */
typedef struct vg_engine__series vg_engine_series_ref_t;
/* vg_engine_series_from that also sets *ref (when ref is not NULL) to the series' handle,
 * or to NULL when it returns an error. */
int vg_engine_series_ref (vg_engine_t *e, uint64_t series_id, const vg_series_info_t *info, const char *source,
                          vg_engine_series_ref_t **ref);
/* Declare or update a device's inventory (vendor, role, ...) without a series.
 * Returns 0 or a negative error. */
int vg_engine_device (vg_engine_t *e, const vg_device_t *dev);

/* One sample of a declared series (value as received; counters are raw counts).
 * Returns 0, -VG_ENOTFOUND for an undeclared series, -VG_ERANGE for a late sample (older
 * than what its stream released; dropped), each counted. */
int vg_engine_sample (vg_engine_t *e, uint64_t series_id, int64_t ts_ms, double value);
/* The same for the series behind ref (from vg_engine_series_ref of this engine). */
int vg_engine_sample_ref (vg_engine_t *e, vg_engine_series_ref_t *ref, int64_t ts_ms, double value);
/* A state sample ("UP", "ESTABLISHED", ...): mapped to 1 for up-like states
 * (UP, ESTABLISHED, ACTIVE, ENABLED, OK, TRUE, RUNNING, LOCKED-IN), else 0. */
int vg_engine_state (vg_engine_t *e, uint64_t series_id, int64_t ts_ms, const char *state);
/* The value vg_engine_state feeds for state (not NULL): 1.0 up-like, else 0.0.  A caller that
 * sees the same names again (a batch's STATE series) maps them once and feeds the values with
 * vg_engine_sample_ref: the same samples, without a lookup and string compares per sample. */
double vg_engine_state_value (const char *state);
/* One event; dev describes ev->device (required: dev->id). Returns 0 or -VG_EINVAL. */
int vg_engine_event (vg_engine_t *e, const vg_event_t *ev, const vg_device_t *dev);
/* A finding made elsewhere (a site collector's Create record, carried to the fleet tier) fed
 * to the fleet detectors (on_alert: X01) as if this engine had made it.  a->device must be
 * declared (vg_engine_device) and a->vendor, a->detector, a->rule_id and a->time_ms set; the
 * rest is not read.  Fed at once (its own engine judged it in data-time order).  Returns 0,
 * -VG_ENOTFOUND (device not declared) or -VG_EINVAL. */
int vg_engine_finding (vg_engine_t *e, const vg_alert_t *a);
/* Advance event time to now_ms: hold-downs, periodic updates, bucket closing of device-less
 * (fleet) detectors; with cfg.tick_ms == 0 also silence and every detector tick, with all
 * sources moved to now_ms.  now_ms earlier than the engine's time is ignored.  Returns 0. */
int vg_engine_tick (vg_engine_t *e, int64_t now_ms);
/* Move a source's clock to now_ms (ignored when not later): used for a live source that
 * delivers nothing (its devices' silence must still be judged).  Releases what the new
 * watermark allows and runs the source's ticks.  Returns 0, or -VG_ENOTFOUND. */
int vg_engine_source_time (vg_engine_t *e, const char *source, int64_t now_ms);
/* A source's clock (newest data time, INT64_MIN if none) or INT64_MIN when unknown. */
int64_t vg_engine_source_clock (const vg_engine_t *e, const char *source);
/* Number of sources and the name/clock of source i (creation order); NULL past the end. */
size_t vg_engine_nsources (const vg_engine_t *e);
const char *vg_engine_source_at (const vg_engine_t *e, size_t i, int64_t *clock);
/* Release every buffered sample (end of input, stop) in time order per stream, then every
 * finding held for the fleet detectors.  Returns 0. */
int vg_engine_flush (vg_engine_t *e);

/* The verdict of the most recent sample of a series' first linked instance (state, score,
 * observed, expected, band), for offline scoring; kept only by an engine made with
 * cfg.keep_last.  Returns 0, -VG_ENOTFOUND if the series is unknown or has no instance, or
 * -VG_EUNSUPP without keep_last.  out->evidence and out->signal are not kept. */
int vg_engine_last_verdict (const vg_engine_t *e, uint64_t series_id, vg_verdict_t *out);

/* Serialise all instance state, open episodes and device/series times into out.
 * Returns 0 or -VG_ENOMEM. */
int vg_engine_save (const vg_engine_t *e, vg_buf_t *out);
/* Restore a saved state into an engine built from the same rules.  Declare the series
 * first; device-scoped instances are recreated from the saved inventory.  Entries without
 * a match are skipped and counted.  Returns 0, -VG_EINVAL / -VG_ETRUNC on a malformed blob
 * (state before the bad entry stays loaded), or -VG_ENOMEM. */
int vg_engine_load (vg_engine_t *e, const uint8_t *p, size_t len);
/* The same, skipping (and counting in load_skipped) the instances and open episodes of every
 * rule i of the engine's rules with fresh[i] != 0: rules added or changed since the save
 * (detectors/rules_diff.h), which start cold.  fresh NULL = vg_engine_load. */
int vg_engine_load_fresh (vg_engine_t *e, const uint8_t *p, size_t len, const uint8_t *fresh);

/* End the open episodes of every rule i of the engine's rules with gone[i] != 0 (a reload
 * removed or changed it): an announced episode gets a Close record (reason, e.g.
 * "rule_reloaded") at its device's time, a pending one is dropped.  Returns the number of
 * Close records emitted. */
int vg_engine_retire (vg_engine_t *e, const uint8_t *gone, const char *reason);

/* Counters. */
void vg_engine_stats (const vg_engine_t *e, vg_engine_stats_t *out);
/* Bytes of memory held per series for a given series (instances + records), for reporting. */
size_t vg_engine_series_bytes (const vg_engine_t *e, uint64_t series_id);

#endif
