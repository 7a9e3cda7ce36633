/* onset.h - sparse, calibrated univariate anomaly score for any metric, in fixed memory.
 *
 * Per sample (strictly causal, sample-count time scales): z-scores of the value against
 * EWMA baselines at several time scales (or against a time-of-day profile, or a
 * time-of-week one, when that explains the series clearly better) -> one raw surprise in
 * [0,1] -> anomaly likelihood (tail probability of its short average under the long-run
 * distribution of that average, so metrics with heavy or light tails land on one scale) ->
 * log score in [0,1] -> onset gate (a score is passed only while it rises above a decaying
 * hold of earlier scores, and a passed score lifts the hold above itself, so an alarm is
 * reported at its start and when it escalates, not for its whole length).  A value beyond
 * the range seen so far (by more than a fraction of the range and of the series' mean
 * absolute step) scores at least range_score, unless that side of the range grew recently
 * (a drifting series).  Measured on NAB: docs/DETECTION.md.
 * Invariant: vg_onset_t is plain data (no pointers, fixed size); scoring a prefix of a
 * series gives exactly the scores the whole series gives for that prefix. */
#ifndef VG_ONSET_H
#define VG_ONSET_H

#include <stddef.h>
#include <stdint.h>

#define VG_ONSET_SCALES 3
#define VG_ONSET_MAX_ABS 1e150 /* larger magnitudes are dropped: their squares would overflow */
#define VG_ONSET_SHORT_MAX 64
#define VG_ONSET_SLOTS 336 /* slots of a profile: 288 used by the daily one (5 minutes each),
                              336 by the weekly one (30 minutes each) */

/* Read-only configuration (one per rule or per `vigil detect` run). */
typedef struct {
    double scale[VG_ONSET_SCALES]; /* baseline time scales, in samples (EWMA span) */
    double zlo;           /* z below which the raw surprise is 0 (< zcap) */
    double clip;          /* winsorise baseline updates at this many sd (0 = off) */
    double zcap;          /* z at which the raw surprise saturates */
    int short_n;          /* samples in the short average of raw surprises (1..64) */
    double long_n;        /* span (samples) of the long-run distribution of the short average */
    double min_sd;        /* floor of that distribution's standard deviation */
    double tail_q;        /* quantile of the short average tracked to calibrate that
                             distribution's tail (0 = off): where it lies further out than
                             a Gaussian's, bursts are normal and the likelihood z shrinks
                             in proportion */
    double tail_eta;      /* step of that quantile tracker, in long-run standard deviations */
    double tail_zg;       /* derived: the Gaussian z of tail_q, set by vg_onset_cfg_default
                             and vg_onset_cfg_set, checked by vg_onset_cfg_check */
    int warmup;           /* samples before any non-zero score */
    double hold;          /* samples for the onset hold to decay by 1 (full score scale) */
    double suppress;      /* factor applied to a score that does not rise above the hold */
    double escalate;      /* a score that passes the gate sets the hold to score x (1 +
                             this) (0 = to the score): a score rising row by row is
                             reported at its start and when it has grown by that much */
    double range_margin;  /* a new value beyond the seen range by this fraction of it ... */
    double range_score;   /* ... scores at least this */
    double range_gap;     /* ... unless that side had such an event less than this
                             fraction of the samples seen ago (a drift; 0 = off) */
    double range_step;    /* the new-range margin is also at least this x the mean absolute
                             step from one sample to the next (0 = off) */
    double rel_floor;     /* deviation scale floor as a fraction of the seen range */
    double run_score;     /* minimum score, once, of a run of one repeated value longer
                             than run_factor x the longest earlier run (0 = off) ... */
    double run_factor;    /* ... (a stuck sensor, a rate gone to zero) ... */
    double run_mult;      /* ... and longer than this x the mean length of earlier runs
                             of two or more, ... */
    int run_min;          /* ... counted once the longest earlier run is this long */
    double season_alpha;  /* EWMA weight per day of a time-of-day slot (0 = no daily profile) */
    double season_gain;   /* use the daily profile when its residual sd is below this
                             fraction of the mid-scale sd */
    double week_alpha;    /* EWMA weight per week of a time-of-week slot (0 = no weekly profile) */
    double week_gain;     /* use the weekly profile when its residual sd is below this
                             fraction of the sd otherwise used (daily residual or mid-scale) */
} vg_onset_cfg_t;

/* A time-slot profile (daily: 288 slots of 5 minutes; weekly: 336 of 30 minutes): each
 * slot an EWMA over past periods of the mean of its visits, and the residual's running
 * mean and variance.  Plain data. */
typedef struct {
    double acc_sum;                 /* current slot visit: sum and count of values */
    uint32_t acc_n;
    int32_t cur;                    /* slot of the current visit, -1 before the first */
    double rm, rv;                  /* residual vs the profile: EWMA mean / variance */
    float m[VG_ONSET_SLOTS];        /* per slot: EWMA over periods of its visits' means */
    uint8_t n[VG_ONSET_SLOTS];      /* visits (periods) folded into each slot, saturating */
} vg_onset_prof_t;

/* State of one series (4,128 bytes).  Plain data: may be copied, saved and restored byte
 * for byte. */
typedef struct {
    uint64_t n;                     /* samples accepted */
    double m[VG_ONSET_SCALES];      /* EWMA mean per scale */
    double v[VG_ONSET_SCALES];      /* EWMA variance per scale */
    double lo, hi;                  /* range of values seen */
    double ring[VG_ONSET_SHORT_MAX];/* last raw surprises */
    double ring_sum;
    double lm, lv;                  /* long-run mean / variance of the short average */
    double lq;                      /* its tracked tail_q quantile */
    double hold;                    /* decaying hold of recent scores */
    uint32_t ring_pos, ring_n;
    uint32_t dropped;               /* non-finite inputs ignored */
    uint32_t pad;
    uint64_t lo_n, hi_n;            /* sample count at the last new-range event per side */
    double xv;                      /* slow variance of the value around the mid baseline */
    double dabs, xprev;             /* long-run mean absolute step; previous value */
    uint32_t run, run_max;          /* current run of one repeated value; longest ended run */
    double run_mean;                /* mean length of ended runs of two or more */
    uint64_t run_cnt;               /* how many such runs ended */
    vg_onset_prof_t day, week;      /* time-of-day and time-of-week profiles */
} vg_onset_t;

/* Fill cfg with the defaults (the values measured in docs/DETECTION.md). */
void vg_onset_cfg_default (vg_onset_cfg_t *cfg);
/* Set one parameter by name (see vg_onset_param; derived fields follow).  Returns 0, or
 * -VG_EINVAL for an unknown name or a value outside the parameter's range (cfg unchanged
 * then). */
int vg_onset_cfg_set (vg_onset_cfg_t *cfg, const char *name, double value);
/* Check a configuration (every parameter in its range, zlo < zcap, tail_zg derived from
 * tail_q).  Returns 0 or -VG_EINVAL. */
int vg_onset_cfg_check (const vg_onset_cfg_t *cfg);
/* Name of the i-th parameter accepted by vg_onset_cfg_set, or NULL past the last; its help
 * text and range in *help, *min, *max when those are non-NULL (static strings). */
const char *vg_onset_param (size_t i, const char **help, double *min, double *max);
/* Reset a state to empty. */
void vg_onset_init (vg_onset_t *o);
/* Feed one value at event time ts_ms (only its time of day and of week are used, for the
 * profiles); returns its score in [0,1].  A non-finite value, or one larger in magnitude
 * than VG_ONSET_MAX_ABS, scores 0 and leaves the state unchanged apart from the dropped
 * counter.  cfg must pass vg_onset_cfg_check and stay the same for the life of the state.
 * No allocation, no I/O; not thread-safe per state. */
double vg_onset_step (vg_onset_t *o, const vg_onset_cfg_t *cfg, int64_t ts_ms, double x);

#endif
