/* batcher.h - the agent's sink: collects normalised samples and events into batches.
 *
 * Samples are appended to a fixed pool (no per-sample allocation); at flush they are
 * grouped per series, compressed with the chunk codec, and packed with the devices,
 * series metadata (strings deduplicated through a per-batch string table) and events
 * into one vigil.Batch.  Memory is bounded by the configuration: the pool, the event
 * arena and the number of series and devices the agent will track.  Data that does not
 * fit, or that the caller could not keep (spool full), is turned into explicit gap events
 * in a later batch: nothing is dropped silently. */
#ifndef VG_BATCHER_H
#define VG_BATCHER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/sink.h"

typedef struct {
    const char *agent_id;
    uint32_t max_samples;     /* samples per batch (pool size) */
    uint32_t max_events;      /* events per batch */
    uint32_t max_series;      /* distinct series tracked for the agent's lifetime */
    int64_t max_age_ms;       /* flush a non-empty batch at least this often */
    int compression;          /* zstd level of packed batches: 0 = default (1), < 0 = off */
} vg_batcher_cfg_t;

typedef struct {
    uint64_t samples_in, events_in;
    uint64_t samples_dropped, events_dropped;  /* turned into gap events */
    uint64_t batches, bytes_out;               /* bytes_out as sent (compressed) */
    uint64_t bytes_raw;                        /* packed size before compression */
    uint64_t series, devices;
    uint64_t rejected_points;                  /* malformed points from inputs */
} vg_batcher_stats_t;

typedef struct vg_batcher vg_batcher_t;

/* NULL on allocation failure. */
vg_batcher_t *vg_batcher_new (const vg_batcher_cfg_t *cfg);
void vg_batcher_destroy (vg_batcher_t **self_p);

/* The sink inputs deliver into.  sample() returns -VG_EFULL when the pool is full (the
 * sample is counted into a gap); the caller should flush before that happens. */
vg_sink_t vg_batcher_sink (vg_batcher_t *b);

/* Name the agent input instance whose points arrive next ("pcap", "pcap#2"; NULL = none,
 * at most 63 bytes kept).  A series carries the source that first delivered it, so the
 * collector can give each source its own data-time clock. */
void vg_batcher_set_source (vg_batcher_t *b, const char *source);

/* Samples plus events waiting, plus devices whose gap is not yet told (a flush carries it
 * as an event, even in a batch without data). */
size_t vg_batcher_pending (const vg_batcher_t *b);
/* True if the pool is at least `fill` full (0..1) or the oldest item is older than
 * max_age_ms at monotonic time now_ms. */
bool vg_batcher_due (const vg_batcher_t *b, double fill, int64_t now_ms);

/* Pack everything waiting into out (replacing its contents) as batch (epoch, seq), as a
 * zstd frame unless compression is off (see common/compress.h for telling them apart).
 * Returns the number of samples+events packed (0: nothing to send, out untouched), or a
 * negative error.  created_ms is the wall-clock stamp put in the batch. */
int vg_batcher_flush (vg_batcher_t *b, uint64_t epoch, uint64_t seq, int64_t created_ms, vg_buf_t *out);

/* The batch last flushed could not be kept (spool full): record its content as gaps so
 * the next batch carries VG_EV_GAP events for the affected devices. */
void vg_batcher_lost_last (vg_batcher_t *b, const char *reason);

void vg_batcher_stats (const vg_batcher_t *b, vg_batcher_stats_t *st);

#endif
