/* batcher_int.h - what batcher.c (the sink side: pool, series, devices, events, gaps) and
 * batcher_flush.c (a batch out of them) share: the batcher object and a few helpers.  Not
 * for other modules: they use agent/batcher.h.  One thread, the batcher's owner. */
#ifndef VG_BATCHER_INT_H
#define VG_BATCHER_INT_H

#include "agent/batcher.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/num.h"
#include "common/u64map.h"
#include "proto/batch_writer.h"

#define VG_BATCHER__EVENT_ARENA (1u << 20)
/* A batch whose packed form is at least this large gives back its writer and packed buffer
 * arrays at every flush (batcher_flush.c s_pack): glibc maps such buffers on their own (its mmap
 * threshold, fixed at 128 KiB once agent/main.c sets M_TRIM_THRESHOLD), so freeing them
 * returns their pages; making them again costs the page faults of what is written. */
#define VG_BATCHER__KEEP_BYTES (128u << 10)
#define VG_BATCHER__TRIM_SAMPLES 16u

typedef struct {
    char *id, *vendor, *model, *role, *site, *sw_version;
    /* per flush */
    int32_t batch_idx;
    int64_t from_ms, to_ms;     /* data range in the current batch (for gaps) */
    uint64_t samples, events;
} vg_batcher__device_t;

typedef struct {
    int64_t from_ms, to_ms;
    uint64_t samples, events;
    const char *reason;
    bool pending;
} vg_batcher__gap_t;

typedef struct {
    uint64_t sid;
    uint32_t device;
    uint8_t kind;
    uint8_t nlabels;
    uint16_t nstates;
    const char *path, *input, *origin, *unit;
    const char *source;         /* the agent input instance that delivered it first */
    const char **labels;        /* 2 * nlabels interned strings */
    const char **states;        /* STATE series: names seen so far */
    uint32_t count;             /* samples in the current batch */
    uint32_t head, tail;        /* its first and last sample in the pool (count > 0) */
    bool has_int;               /* some sample of the current batch is an exact integer */
    uint8_t vtype;              /* at flush: the type all its samples of the batch share */
} vg_batcher__series_t;

typedef struct {
    vg_event_type_t type;
    uint32_t device;
    int64_t ts_ms;
    const char *input;
    vg_label_t *attrs;
    size_t nattrs;
    vg_flow_t *flow;
    vg_gap_t *gap;
} vg_batcher__event_t;

struct vg_batcher {
    vg_batcher_cfg_t cfg;
    char source[64];            /* input instance now delivering (vg_batcher_set_source) */
    /* interned strings */
    vg_u64map_t str_map;        /* hash -> index in strs */
    char **strs;
    size_t nstrs, strs_cap;
    /* devices */
    vg_batcher__device_t *devices;
    size_t ndevices, devices_cap;
    vg_u64map_t device_map;     /* hash(id) -> index */
    vg_batcher__gap_t *gaps;              /* per device, pending gap */
    size_t gaps_pending;        /* devices whose gap is pending (not yet an event of a batch) */
    /* series */
    vg_batcher__series_t *series;
    size_t nseries, series_cap;
    vg_u64map_t series_map;     /* sid -> index */
    /* pool: 17 bytes a sample, capacity pool_cap <= max_samples */
    int32_t *tso;               /* timestamps as ms after ts_base, the batch's first one ... */
    int64_t ts_base;
    int64_t *tsw;               /* ... or, once a batch spans more than int32 ms, all of them
                                 * in full until the flush (NULL otherwise) */
    vg_num_t *v;                /* values as given (double or exact integer) */
    uint8_t *vt;                /* their vg_numtype_t */
    uint32_t *next;             /* next sample of the same series (after its tail: unused) */
    size_t npool, pool_cap;
    /* one series' samples gathered at flush, in arrival order; as large as the largest
     * series count of a batch so far */
    int64_t *gts;
    vg_num_t *gv;
    size_t gcap;
    uint32_t *touched;          /* series slots with samples in this batch */
    size_t ntouched, touched_cap;
    int64_t oldest_mono;        /* monotonic ms of the first item in the batch, 0 = empty */
    /* events */
    vg_batcher__event_t *events;
    size_t nevents;
    uint8_t *arena;
    size_t arena_used;
    /* packing, reused */
    vg_batch_writer_t *writer;
    uint32_t *dorder;           /* devices of the batch being written, in batch order */
    size_t ndorder, dorder_cap;
    vg_buf_t packed;            /* uncompressed batch before zstd */
    vg_batcher_stats_t stats;
    size_t gap_first, ngap;     /* the pending gaps this flush carries as events */
    /* devices touched by the last flush and the gaps it carried (for lost_last) */
    uint32_t *last_devices;
    vg_batcher__gap_t *last_ranges;       /* nlast_data ranges of data, then the gaps carried */
    size_t nlast, nlast_data;
};

/* Intern s (NULL as ""): the canonical copy, kept for the batcher's lifetime, or NULL on
 * allocation failure. */
const char *vg_batcher__intern (vg_batcher_t *b, const char *s);
/* Make arrays *ts and *v hold cap items each; 0, or -VG_ENOMEM (either may have grown). */
int vg_batcher__grow_tv (int64_t **ts, vg_num_t **v, size_t cap);
/* n bytes of the event arena (8-aligned), a copy of src when src is not NULL; NULL when the
 * arena is full.  Valid until the next flush. */
void *vg_batcher__arena_copy (vg_batcher_t *b, const void *src, size_t n);
/* Timestamp of pool sample k. */
static inline int64_t
vg_batcher__ts (const vg_batcher_t *b, size_t k)
{
    return b->tsw ? b->tsw[k] : b->ts_base + b->tso[k];
}
/* Merge a range and counts into device dev's pending gap. */
void vg_batcher__gap_merge (vg_batcher_t *b, uint32_t dev, int64_t ts, uint64_t samples, uint64_t events,
                            const char *reason);
/* Count data the batch could not hold into device dev's pending gap (and the drop stats). */
void vg_batcher__gap_add (vg_batcher_t *b, uint32_t dev, int64_t ts, uint64_t samples, uint64_t events,
                          const char *reason);

#endif
