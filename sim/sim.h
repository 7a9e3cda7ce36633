/* sim.h - a deterministic simulated multi-vendor 5G fleet (gNBs, cell-site routers, AMF,
 * SMF, UPF, transport PE routers) that emits normalised telemetry to a sink.
 *
 * Invariant: every value is a function of (seed, series, step) plus that series' own running
 * state (counter totals), so the same configuration yields the same byte-identical stream no
 * matter how vg_sim_announce / vg_sim_step / vg_sim_next_ts calls are interleaved.  Time is
 * simulated: the sim never reads a clock.  Path and label conventions are listed in sim.c. */
#ifndef VG_SIM_H
#define VG_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "common/sink.h"

typedef struct {
    uint64_t seed;           /* any value; selects vendors, profiles, noise */
    uint32_t sites;          /* cell sites, 1..10000 (one gNB + one cell-site router each) */
    uint32_t cells_per_gnb;  /* 1..24 */
    int64_t start_ms;        /* timestamp of step 0, ms since the epoch (>= 0); clock is UTC */
    int64_t interval_ms;     /* sample interval, 1000 ms .. 1 day; RAN PM counters are also
                                emitted every interval (cumulative), not per 15-min ROP */
    int64_t end_ms;          /* 0 = unbounded; otherwise steps with ts < end_ms are produced */
    const char *scenario;    /* NULL or "" = none; else a built-in scenario name (see
                                sim_scenario.h): incidents are injected and labelled over
                                [start_ms, end_ms), or 17 days when end_ms is 0 (borrowed:
                                only read by vg_sim_new) */
    uint32_t scenario_n;     /* incidents per type; 0 = the scenario's default */
    const char *site_prefix; /* NULL or "" = none; else prepended to every site name, at most
                                VG_SIM_SITE_PREFIX_MAX bytes ("east-" gives east-site001/gnb1
                                and east-core/pe1), so several simulated fleets can share a
                                store; values are those of the unprefixed fleet (borrowed: only
                                read by vg_sim_new) */
    const char *majority_vendor; /* NULL or "" = off; else a vendor name ("Huawei"): each
                                site after the first four takes it for its gNB and its router
                                (the roles this vendor makes) with probability majority_pct %,
                                so one vendor is most of the fleet (borrowed: only read by
                                vg_sim_new) */
    uint32_t majority_pct;   /* 0..100; used with majority_vendor */
} vg_sim_cfg_t;

#define VG_SIM_SITE_PREFIX_MAX 15

/* Fill cfg with the defaults: seed 1, 20 sites, 3 cells per gNB, start 2026-01-01T00:00Z,
 * interval 60 s, unbounded, no scenario.  The default fleet has 50 devices and 2,454 series. */
void vg_sim_cfg_defaults (vg_sim_cfg_t *cfg);

typedef struct vg_sim vg_sim_t;

/* Build the fleet described by cfg (copied).  Returns NULL on failure and sets *err (if err
 * is not NULL) to -VG_EINVAL for an out-of-range field or an unknown scenario, or
 * -VG_ENOMEM. */
vg_sim_t *vg_sim_new (const vg_sim_cfg_t *cfg, int *err);

/* Free the sim; NULL-safe; sets *self_p to NULL. */
void vg_sim_destroy (vg_sim_t **self_p);

/* Deliver every device to sink->device, in a fixed order.  Call it before the first step
 * (the sink contract wants a device before its samples); it does not change the sim's state,
 * so it may be called again at any time (e.g. after a reconnect).  Returns 0 or the sink's
 * negative error. */
int vg_sim_announce (vg_sim_t *s, const vg_sink_t *sink);

/* Timestamp of the next step, or INT64_MAX when end_ms has been reached. */
int64_t vg_sim_next_ts (const vg_sim_t *s);

/* Emit every sample and event of the next step (all with the same timestamp) and advance.
 * Returns the number of samples emitted (events are not counted), 0 once the end has been
 * reached, or the sink's negative error.  After a sink error the step is not consumed: the
 * next call regenerates and re-emits the same step from the start, identically. */
int vg_sim_step (vg_sim_t *s, const vg_sink_t *sink);

/* Number of series (samples per step) and devices of the fleet. */
size_t vg_sim_series_count (const vg_sim_t *s);
size_t vg_sim_device_count (const vg_sim_t *s);

/* Ground truth for tests and scenario labels: the daily traffic profile of a device's site,
 * "residential" or "business", or NULL for core devices and unknown ids.  The string is
 * static. */
const char *vg_sim_device_profile (const vg_sim_t *s, const char *device_id);

/* The simulated operator's change calendar, as a rules file's `windows:` section (YAML text,
 * static): planned config changes and ticketed reloads happen 00:00-05:00 UTC on every
 * device, and the gNBs' maintenance is the same hours.  The default rules define no windows
 * (an operator's calendar is their own); evaluations of simulated data add this one. */
const char *vg_sim_windows_yaml (void);

#endif
