/* changes.h - what changed in one series, and when: sudden level shifts, state changes,
 * gaps, counter resets, a late start or an early stop.
 *
 * Pure functions over arrays (no store, no I/O), so `vigil timeline` and its tests share
 * them.  A level shift is a point where the median of the next w samples (3..12) differs
 * from the median of the previous w by at least 8 noise units (noise: the robust spread of
 * successive differences), a quarter of the series' range and a tenth of the level, and is
 * the strongest such point within w samples; slow daily swings move the windows too little
 * and lone spikes not at all. */
#ifndef VG_CHANGES_H
#define VG_CHANGES_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    VG_CHANGE_LEVEL = 0, /* before -> after: window medians */
    VG_CHANGE_STATE,     /* before -> after: state indices */
    VG_CHANGE_GAP,       /* no samples from ts to until */
    VG_CHANGE_RESET,     /* counter went down: before -> after (raw values) */
    VG_CHANGE_START,     /* first sample at ts, later than the device's first (until) */
    VG_CHANGE_STOP,      /* last sample at ts, earlier than the device's last (until) */
} vg_change_kind_t;

typedef struct {
    vg_change_kind_t kind;
    int64_t ts;
    int64_t until;     /* GAP, START, STOP: see above; otherwise ts */
    double before, after;
    double strength;   /* LEVEL: shift in noise units; others 0 */
} vg_change_t;

/* Name of a kind ("level", "state", "gap", "reset", "start", "stop"). */
const char *vg_change_kind_name (vg_change_kind_t k);

/* The typical spacing of ts[0..n) (median difference), or 0 with fewer than 2 points. */
int64_t vg_changes_interval (const int64_t *ts, size_t n);

/* Per-second rate of a counter v at ts (n points, ascending time): writes n - 1 points
 * (time of the later sample) into rts/rate and returns that count (0 if n < 2).  A decrease
 * is a reset: that step's rate counts from zero.  Points with no time step are skipped. */
size_t vg_changes_rate (const int64_t *ts, const double *v, size_t n, int64_t *rts, double *rate);

/* How much the values v[0..n) move, 0 (flat) .. 2: with is_state the number of distinct
 * values beyond the first (capped); otherwise the 5..95 percentile spread over the larger
 * magnitude of those percentiles (capped).  NaNs are ignored.  -1 when out of memory. */
double vg_changes_spread (const double *v, size_t n, int is_state);

/* Changes of one series x at ts (n points, ascending time, NaN values ignored); is_state:
 * x holds state indices (changes of value, no level shifts); is_counter: x is a raw counter
 * (resets reported; level shifts are found in its rate).  span_from/span_to: first and
 * last sample time of the whole device (for START/STOP).  Writes at most max changes to
 * out, in time order (when more are found, gaps, states, resets, starts and stops are kept
 * first in time order, then the strongest level shifts) and returns how many were found
 * (may be > max), or 0 on allocation failure. */
size_t vg_changes_find (const int64_t *ts, const double *x, size_t n, int is_state, int is_counter,
                        int64_t span_from, int64_t span_to, vg_change_t *out, size_t max);

#endif
