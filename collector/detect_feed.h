/* detect_feed.h - feed committed vigil.Batch bytes to a detector engine.
 *
 * The part of the detect stage that a replay can reuse without the stage's thread, queue and
 * store commits: unpack and validate a batch (proto/batch.h), keep the device inventory and
 * tell the engine about new or changed devices, declare each series with its source
 * ("agent/input"), put the batch's samples in time order (a batch packs them series by
 * series) and feed them and the events, then tick the engine with the batch's event time.
 * Invariant: the feed reads no clock for detection; the caller passes the wall time that
 * bounds max_past/max_future, so the same batches and times give the same engine calls. */
#ifndef VG_DETECT_FEED_H
#define VG_DETECT_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "common/model.h"
#include "detectors/engine.h"
#include "proto/vigil.pb-c.h"

typedef struct {
    int64_t tick_ms;          /* tick the engine whenever event time advanced this much (> 0) */
    int64_t max_past_ms;      /* samples/events outside [now - max_past, now + max_future] are */
    int64_t max_future_ms;    /*   skipped (0 = no bound) */
    int64_t lateness_ms;      /* the engine's per-stream reorder window; orders the batch */
    size_t max_devices;       /* inventory bound (0 = 100000) */
} vg_detect_feed_cfg_t;

typedef struct {
    uint64_t batches;         /* fed */
    uint64_t bad_batches;     /* could not be decoded (counted, skipped) */
    uint64_t samples, events; /* fed to the engine */
    uint64_t skipped;         /* outside the time window, unknown device or bad state index */
    uint64_t late;            /* samples the engine refused as older than their stream */
    uint64_t viewed;          /* batches whose ids and samples came from ingest's view */
} vg_detect_feed_stats_t;

typedef struct vg_detect_feed vg_detect_feed_t;

/* A feed for engine (borrowed; it must outlive the feed).  NULL on out of memory. */
vg_detect_feed_t *vg_detect_feed_new (const vg_detect_feed_cfg_t *cfg, vg_engine_t *engine);
/* Free the feed (not the engine); NULL-safe; sets *self_p NULL.  Destroy the engine first
 * or keep it from using device views afterwards: the views belong to the feed. */
void vg_detect_feed_destroy (vg_detect_feed_t **self_p);

/* Feed one batch (raw vigil.Batch bytes, zstd-compressed or not) to the engine; now_ms is
 * the wall time for the max_past/max_future bounds.  Returns 0, -VG_EPROTO for an
 * undecodable batch (counted, logged rate-limited) or -VG_ENOMEM.  Not thread-safe. */
int vg_detect_feed_batch (vg_detect_feed_t *f, const uint8_t *batch, size_t len, int64_t now_ms);

/* vg_detect_feed_batch with ingest's decoded view of the same batch (collector/batch_view.h;
 * borrowed, 8-byte aligned): series ids and samples are taken from it instead of hashing and
 * decoding again.  A view that is malformed or does not match the batch (series or sample
 * counts) is ignored and the batch decoded as without one.  Same results either way. */
int vg_detect_feed_batch_view (vg_detect_feed_t *f, const uint8_t *batch, size_t len, const uint8_t *view,
                               size_t view_len, int64_t now_ms);

/* Called with every batch the feed decoded and validated (proto/batch.h), after its samples
 * and events were fed; b is valid during the call only. */
typedef void (*vg_detect_batch_fn) (void *ctx, const Vigil__Batch *b);
/* Set (fn NULL: remove) the batch hook. */
void vg_detect_feed_on_batch (vg_detect_feed_t *f, vg_detect_batch_fn fn, void *ctx);

/* Remember a device (new or changed inventory) and tell the engine.  Returns the kept view
 * (valid until the next change of that device or the feed's destruction), or NULL when the
 * id is empty or too long, the inventory is full or memory ran out. */
const vg_device_t *vg_detect_feed_device (vg_detect_feed_t *f, const vg_device_t *in);
/* The kept view of device id, or NULL. */
const vg_device_t *vg_detect_feed_find (const vg_detect_feed_t *f, const char *id);
/* Feed another engine from now on (borrowed, as at vg_detect_feed_new): a rule reload
 * builds a new engine.  The device inventory, event time and counters stay; every known
 * device is told to the new engine.  Returns 0, or -VG_ENOMEM (the engine may then know
 * only part of the inventory; a later batch tells it the rest). */
int vg_detect_feed_set_engine (vg_detect_feed_t *f, vg_engine_t *engine);
/* Devices in the inventory, and the i-th (0 <= i < count), for saving it. */
size_t vg_detect_feed_ndevices (const vg_detect_feed_t *f);
const vg_device_t *vg_detect_feed_device_at (const vg_detect_feed_t *f, size_t i);

/* Newest data time fed (INT64_MIN = none yet). */
int64_t vg_detect_feed_event_time (const vg_detect_feed_t *f);
/* Restore the event time (and the last tick) from saved state; INT64_MIN = none. */
void vg_detect_feed_set_event_time (vg_detect_feed_t *f, int64_t t);

/* Counters since the feed was made. */
void vg_detect_feed_stats (const vg_detect_feed_t *f, vg_detect_feed_stats_t *out);

#endif
