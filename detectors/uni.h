/* uni.h - univariate anomaly scoring for any metric, in fixed memory per series.
 *
 * Pipeline per sample (strictly causal): counter -> rate (a negative delta is a reset and
 * that interval is dropped) -> seasonal baseline (hour-of-week or hour-of-day slots, EWMA
 * over past visits of the slot's mean and mean absolute deviation, interpolated between
 * slot centres; the current visit is folded in when it ends) -> robust z ->
 * short average of the directional z -> anomaly likelihood in [0,1] (tail probability under
 * the running distribution of that average) and a SPOT/DSPOT-style extreme-value threshold
 * (peaks over threshold, generalised Pareto by method of moments) set by one risk q.
 * Invariant: vg_uni_t is plain data (no pointers) and fits in well under 2 KB. */
#ifndef VG_UNI_H
#define VG_UNI_H

#include <stdint.h>

#include "detectors/detector.h"

#define VG_UNI_SLOTS 168

enum { VG_SEASON_NONE = 0, VG_SEASON_DAY = 1, VG_SEASON_WEEK = 2 };
enum { VG_DIR_LOW = 0, VG_DIR_HIGH = 1, VG_DIR_BOTH = 2 };

/* Shared, read-only configuration (one per rule or per `vigil detect` run). */
typedef struct {
    int season;          /* VG_SEASON_* */
    int direction;       /* VG_DIR_*: which side is anomalous */
    double alpha;        /* slot EWMA weight per visit (0.1); early visits average */
    int64_t warmup_ms;   /* no decision before the series is this old */
    int min_slot_n;      /* visits a slot needs before it can decide (2) */
    double short_alpha;  /* EWMA weight of the directional z average (0.5) */
    double lik_alpha;    /* weight of the running distribution of that average (0.002) */
    double q;            /* SPOT risk: probability of exceeding the threshold per sample */
    double init_sigma;   /* SPOT initial threshold t = mean + init_sigma * sd */
    int init_n;          /* warm samples before t is frozen */
    double min_z;        /* floor of the decision threshold (in average-z units) */
    double clip_z;       /* winsorise baseline updates at +-clip_z robust sd */
    double rel_floor;    /* deviation scale floor as a fraction of |expected| */
    double abs_floor;    /* deviation scale floor, absolute */
    double drop_ratio;   /* LOW: also need observed < drop_ratio * expected (0 = off) */
    double rise_ratio;   /* HIGH: also need observed > rise_ratio * expected (0 = off) */
    double floor;        /* LOW: expected must exceed this (ignore idle series) */
    double min_delta;    /* |observed - expected| must exceed this */
} vg_uni_cfg_t;

typedef struct {
    int64_t last_ts, first_ts;
    double last_raw;        /* previous counter value */
    double s;               /* short average of directional z */
    double lik_m, lik_v;    /* running mean/variance of s */
    double t;               /* SPOT initial threshold (frozen after init_n) */
    double zq;              /* current decision threshold on s */
    double n_obs;           /* warm observations counted by SPOT */
    double n_pk, pk_m, pk_v;/* peaks over t: count, mean, variance of excess */
    double acc_sum, acc_dev;   /* current visit: inliers */
    double acc_osum, acc_odev; /* current visit: outliers, winsorised */
    int64_t acc_hour;          /* clock hour of the current visit */
    uint32_t acc_n, acc_out;
    uint8_t acc_slot, pad2[3];
    uint32_t n;             /* samples accepted */
    uint32_t resets, dropped;
    uint8_t has_raw, frozen, pad[2];
    float slot_m[VG_UNI_SLOTS];
    float slot_d[VG_UNI_SLOTS];
    uint8_t slot_n[VG_UNI_SLOTS];
} vg_uni_t;

/* Defaults: hour-of-week, direction both, q = 1e-4, 14-day warm-up. */
void vg_uni_cfg_default (vg_uni_cfg_t *cfg);
/* Reset a state to empty. */
void vg_uni_init (vg_uni_t *u);
/* Feed one raw sample (counter values are converted to per-second rates).  Fills out and
 * returns 0; out->state is NONE during warm-up or for a dropped sample (NaN, infinite,
 * out of order, counter reset), else FIRE or CLEAR; out->score is the likelihood. */
int vg_uni_step (vg_uni_t *u, const vg_uni_cfg_t *cfg, int64_t ts_ms, double raw, int is_counter,
                 vg_verdict_t *out);
/* Check a loaded state's invariants. Returns 0 or -VG_EINVAL. */
int vg_uni_validate (const vg_uni_t *u);
/* Build a configuration from a rule of kind "seasonal" (its parameters). */
void vg_seasonal_cfg (const vg_rule_t *r, vg_uni_cfg_t *cfg);
/* Slot of a timestamp for a season (0..167 / 0..23 / 0); Monday 00:00 UTC is slot 0. */
int vg_uni_slot (int season, int64_t ts_ms);

#endif
