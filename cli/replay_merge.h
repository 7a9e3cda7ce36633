/* replay_merge.h - k-way merge of time-sorted runs into one time order (vigil replay).
 *
 * A replay reads a time bucket as one run of samples per series (each run sorted by time:
 * the store keeps a series' samples in order) and must feed them to the detectors in data
 * time order.  The merge holds the runs' positions and one time slice of (index, run)
 * pairs: the samples stay in the caller's arrays.  Order: by timestamp, ties by run number (the order runs were added), then by
 * position in the run, so the same runs always give the same sequence. */
#ifndef VG_REPLAY_MERGE_H
#define VG_REPLAY_MERGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct vg_replay_merge vg_replay_merge_t;

/* An empty merge.  NULL on out of memory. */
vg_replay_merge_t *vg_replay_merge_new (void);
/* Free it; NULL-safe; sets *self_p to NULL. */
void vg_replay_merge_destroy (vg_replay_merge_t **self_p);

/* Forget every run (keeps memory, so a merge per bucket does not allocate once warm). */
void vg_replay_merge_reset (vg_replay_merge_t *m);
/* Add run number `vg_replay_merge_runs()`: the n timestamps ts[off .. off+n) of the array
 * that vg_replay_merge_start is given, sorted ascending (not checked).  Empty runs are
 * accepted and never yielded.  Returns 0 or -VG_ENOMEM (also when off + n exceeds 2^32:
 * indexes are 32-bit). */
int vg_replay_merge_add (vg_replay_merge_t *m, size_t off, size_t n);
/* Runs added since the last reset. */
size_t vg_replay_merge_runs (const vg_replay_merge_t *m);
/* Start merging the runs over ts and their values v (NULL: none; both borrowed until the
 * merge is done or reset).  Returns 0 or
 * -VG_ENOMEM (then nothing is yielded).  Memory: about 32 bytes per sample of a slice
 * (some 130,000 samples at most unless more share one millisecond), not per run. */
int vg_replay_merge_start (vg_replay_merge_t *m, const int64_t *ts, const double *v);
/* The next sample: its time, value, index into ts and run (in *out).  Returns 1, 0 when every run is
 * exhausted, or -VG_ENOMEM when the next slice could not be built (the merge then stops).
 * The next sample's timestamp without taking it: vg_replay_merge_peek. */
typedef struct {
    int64_t ts;
    double v;                 /* v[idx], 0 without values */
    size_t idx;               /* index into ts and v */
    uint32_t run;
} vg_replay_sample_t;
int vg_replay_merge_next (vg_replay_merge_t *m, vg_replay_sample_t *out);
/* Timestamp of the sample vg_replay_merge_next would return, or INT64_MAX when none. */
int64_t vg_replay_merge_peek (const vg_replay_merge_t *m);

#endif
