/* replay.h - stored samples and events of a time range through a detector engine (vigil replay).
 *
 * Reads a store bucket by bucket (the store's time buckets, docs/PROTOCOL.md): the samples
 * of every selected series in the bucket are decoded into one scratch array, merged into
 * data-time order (replay_merge.h) together with the bucket's events and fed to a fresh
 * engine the way the collector's detect stage feeds it: each series declared with its
 * device inventory and its source ("agent/input", so per-source clocks and silence behave
 * as they did live), samples and state samples, events, and engine ticks whenever data time
 * advanced tick_ms.  Memory is at most about max_held decoded samples (16 bytes each: a
 * bucket holding more is read in stretches of data time, its chunks decoded once per
 * stretch) plus the engine's state, whatever the range.
 * Engine state: a replay starts from empty detector state; warmup_ms of data before the
 * range is fed first with its alerts withheld, so baselines exist when the range starts.
 * At the end of the range the engine is flushed (the end of the range is the end of input).
 * Inventory: the collector's saved device inventory (its detector state record) when
 * present, else the device id and vendor stored with each series. */
#ifndef VG_REPLAY_H
#define VG_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "detectors/alert.h"
#include "detectors/rules.h"
#include "store/store.h"

typedef struct {
    int64_t from_ms, to_ms;   /* alerts of [from, to) are emitted; data of [from - warmup, to) is fed */
    int64_t warmup_ms;        /* data fed before from with alerts withheld (0 = none) */
    const char *device;       /* shell globs selecting devices by id, site and vendor; NULL = any */
    const char *site;
    const char *vendor;
    int64_t tick_ms;          /* engine self-tick granularity in data time (collector detect.tick; 0 = 10 s) */
    int64_t lateness_ms;      /* per-stream reorder window (collector detect.lateness; < 0 = 30 s) */
    size_t max_buffered;      /* reorder buffer bound (0 = the engine's default) */
    size_t max_held;          /* decoded samples held at once, about (0 = 4 Mi: 64 MiB) */
} vg_replay_cfg_t;

typedef struct {
    uint64_t buckets;         /* time buckets read */
    uint64_t series;          /* series fed (declared in the engine) */
    uint64_t series_skipped;  /* stored series not selected or not declarable */
    uint64_t samples, events; /* fed to the engine */
    uint64_t corrupt;         /* unreadable keys or values (counted, skipped) */
    uint64_t alerts;          /* records emitted */
    uint64_t warmup_alerts;   /* records withheld (before from) */
    uint64_t max_bucket_samples; /* the most samples held at once */
    uint64_t max_stretches;   /* the most stretches one bucket was read in (1: whole buckets) */
} vg_replay_stats_t;

typedef struct vg_replay vg_replay_t;

/* A replay of store view v (borrowed, with the store s it reads; both must outlive the
 * replay) through an engine built from rules (borrowed).  on_alert gets every emitted
 * record, in the order the engine makes them.  NULL with the reason in err on failure. */
vg_replay_t *vg_replay_new (const vg_replay_cfg_t *cfg, vg_store_t *s, vg_store_view_t *v, const vg_rules_t *rules,
                            vg_alert_fn on_alert, void *ctx, char *err, size_t errlen);
/* Free the replay and its engine; NULL-safe; sets *self_p to NULL. */
void vg_replay_destroy (vg_replay_t **self_p);

/* Run the whole range.  Returns 0, -VG_ESTORE (a read failed) or -VG_ENOMEM.  Once. */
int vg_replay_run (vg_replay_t *r);

/* Counters so far. */
void vg_replay_stats (const vg_replay_t *r, vg_replay_stats_t *out);

#endif
