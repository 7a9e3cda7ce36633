/* check_onset.c - the sparse onset score: causality (a prefix scores as the whole, a copied
 * state continues identically), high at the onset of a spike / level shift / missing daily
 * swing and low afterwards, low on flat, noisy and seasonal benign series; a stuck value
 * scored once; parameters. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "common/err.h"
#include "tests/support/rng.h"
#include "detectors/onset.h"
#include "tests/support/suite.h"

#define STEP_MS (5 * 60000LL)
#define DAY_MS 86400000LL
/* Monday 2026-01-05 00:00 UTC */
#define T0 1767571200000LL
/* The level one threshold is set at (the NAB development split chose 0.352, docs/DETECTION.md). */
#define HIGH 0.35
#define N 6000

/* Deterministic normal noise (xorshift + Box-Muller). */

/* Smooth daily profile between 20 and 80 with 2 % noise. */
static double
daily (int64_t ts, rng_t *r)
{
    double h = (double) ((ts / 60000) % 1440) / 60.0;
    return 50 + 30 * sin (2 * M_PI * h / 24) + rng_n (r);
}

static double xs[N], sc[N];

/* Score xs[0..n) from a fresh state into out. */
static void
score_all (const vg_onset_cfg_t *c, size_t n, double *out)
{
    vg_onset_t o;
    vg_onset_init (&o);
    for (size_t i = 0; i < n; i++)
        out[i] = vg_onset_step (&o, c, T0 + (int64_t) i * STEP_MS, xs[i]);
}

/* Rows in [from, to) scoring >= HIGH. */
static int
count_high (size_t from, size_t to)
{
    int k = 0;
    for (size_t i = from; i < to; i++)
        k += sc[i] >= HIGH;
    return k;
}

static double
max_in (size_t from, size_t to)
{
    double m = 0;
    for (size_t i = from; i < to; i++)
        m = sc[i] > m ? sc[i] : m;
    return m;
}

static void
noisy (rng_t *r, double mean, double sd)
{
    for (size_t i = 0; i < N; i++)
        xs[i] = mean + sd * rng_n (r);
}

/* The scorer's default configuration. */
static vg_onset_cfg_t
s_defaults (void)
{
    vg_onset_cfg_t c;
    vg_onset_cfg_default (&c);
    return c;
}

START_TEST (prefix_scores_as_whole)
{
    vg_onset_cfg_t c = s_defaults ();
    rng_t r = { 7 };
    for (size_t i = 0; i < N; i++)
        xs[i] = daily (T0 + (int64_t) i * STEP_MS, &r) + (i > 4000 ? 25 : 0) + (i == 3000 ? 40 : 0);
    score_all (&c, N, sc);
    static double pre[N];
    size_t cuts[] = { 1, 2, 150, 2999, 3001, 4321 };
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        score_all (&c, cuts[k], pre);
        for (size_t i = 0; i < cuts[k]; i++)
            ck_assert_msg (pre[i] == sc[i], "cut %zu row %zu: %g != %g", cuts[k], i, pre[i], sc[i]);
    }
    /* Plain data: a state copied mid-stream continues exactly as the original. */
    vg_onset_t a, b;
    vg_onset_init (&a);
    for (size_t i = 0; i < 3500; i++)
        vg_onset_step (&a, &c, T0 + (int64_t) i * STEP_MS, xs[i]);
    memcpy (&b, &a, sizeof a);
    for (size_t i = 3500; i < N; i++) {
        double sa = vg_onset_step (&a, &c, T0 + (int64_t) i * STEP_MS, xs[i]);
        double sb = vg_onset_step (&b, &c, T0 + (int64_t) i * STEP_MS, xs[i]);
        ck_assert (sa == sb && sa == sc[i]);
    }
}
END_TEST

START_TEST (spike_high_at_onset_low_after)
{
    vg_onset_cfg_t c = s_defaults ();
    rng_t r = { 11 };
    noisy (&r, 100, 5);
    xs[4000] = 200; /* 20 sd and beyond the range seen */
    score_all (&c, N, sc);
    ck_assert_msg (max_in (4000, 4003) >= HIGH, "spike onset %g", max_in (4000, 4003));
    ck_assert_int_le (count_high (4000, 4100), 3);
    ck_assert_msg (max_in (4100, N) < HIGH, "after the spike %g", max_in (4100, N));
}
END_TEST

START_TEST (level_shift_high_at_onset_low_after)
{
    vg_onset_cfg_t c = s_defaults ();
    rng_t r = { 12 };
    noisy (&r, 100, 5);
    for (size_t i = 3000; i < N; i++)
        xs[i] += 12; /* +2.4 sd, inside the range already seen */
    score_all (&c, N, sc);
    ck_assert_msg (max_in (3000, 3030) >= HIGH, "shift onset %g", max_in (3000, 3030));
    /* sparse: only rows of the rising edge report it, then it is the new normal; later
     * only a new record of the value range may score high (noise records: <= 2 here) */
    ck_assert_int_le (count_high (3000, 3030), 10);
    ck_assert_msg (max_in (3030, 3300) < HIGH, "after the shift %g", max_in (3030, 3300));
    ck_assert_int_le (count_high (3300, N), 2);
}
END_TEST

START_TEST (missing_daily_swing)
{
    vg_onset_cfg_t c = s_defaults ();
    rng_t r = { 13 };
    int64_t day = DAY_MS / STEP_MS; /* 288 samples */
    for (size_t i = 0; i < N; i++) {
        int64_t t = T0 + (int64_t) i * STEP_MS;
        xs[i] = daily (t, &r);
        /* day 14: the afternoon dip does not happen (value held at the noon level) */
        if ((int64_t) i >= 14 * day + day / 2 && (int64_t) i < 15 * day)
            xs[i] = 50 + rng_n (&r);
    }
    score_all (&c, N, sc);
    size_t on = (size_t) (14 * day + day / 2);
    ck_assert_msg (max_in (on, on + (size_t) day / 2) >= HIGH, "missing swing %g", max_in (on, on + (size_t) day / 2));
    ck_assert_msg (max_in (600, on) < HIGH, "regular days %g", max_in (600, on));
}
END_TEST

START_TEST (benign_series_stay_low)
{
    vg_onset_cfg_t c = s_defaults ();
    rng_t r = { 14 };
    /* flat */
    for (size_t i = 0; i < N; i++)
        xs[i] = 42;
    score_all (&c, N, sc);
    ck_assert_msg (max_in (0, N) == 0, "flat %g", max_in (0, N));
    /* Gaussian noise: only new records of the value range (about ln(N/600) per side) */
    noisy (&r, 10, 1);
    score_all (&c, N, sc);
    ck_assert_int_le (count_high (600, N), 4);
    /* heavy-tailed noise (product of normals, kurtosis 9): at most 1 row in 1000 */
    for (size_t i = 0; i < N; i++)
        xs[i] = 10 + rng_n (&r) * rng_n (&r);
    score_all (&c, N, sc);
    ck_assert_int_le (count_high (600, N), 6);
    /* a daily profile */
    for (size_t i = 0; i < N; i++)
        xs[i] = daily (T0 + (int64_t) i * STEP_MS, &r);
    score_all (&c, N, sc);
    ck_assert_int_le (count_high (600, N), 2);
    for (size_t i = 0; i < N; i++)
        ck_assert (sc[i] >= 0 && sc[i] <= 1);
}
END_TEST

/* Demand per 30 minutes: weekdays peak morning and evening, weekends one lower midday
 * hump; 2 % noise.  holiday: a day index that looks like a Sunday. */
static void
weekly (rng_t *r, int64_t step, int holiday)
{
    for (size_t i = 0; i < N; i++) {
        int64_t t = T0 + (int64_t) i * step;
        int day = (int) ((t - T0) / DAY_MS);
        double h = (double) ((t / 60000) % 1440) / 60.0;
        double v;
        if (day % 7 >= 5 || day == holiday)
            v = 900 + 500 * exp (-(h - 14) * (h - 14) / 18);
        else
            v = 800 + 1200 * exp (-(h - 9) * (h - 9) / 6) + 1400 * exp (-(h - 19) * (h - 19) / 8);
        xs[i] = v * (1 + 0.02 * rng_n (r));
    }
}

START_TEST (holiday_found_weekends_not)
{
    /* a weekday that looks like a Sunday is found once the weekly profile has two weeks;
     * the weekends themselves are not anomalies (week_alpha 0: the holiday is missed) */
    int64_t step = 30 * 60000LL, per_day = DAY_MS / step;
    int holiday = 7 * 10 + 2; /* a Wednesday, 10 weeks in */
    vg_onset_cfg_t c = s_defaults ();
    rng_t r = { 17 };
    weekly (&r, step, holiday);
    vg_onset_t o;
    vg_onset_init (&o);
    for (size_t i = 0; i < N; i++)
        sc[i] = vg_onset_step (&o, &c, T0 + (int64_t) i * step, xs[i]);
    size_t on = (size_t) (holiday * per_day);
    ck_assert_msg (max_in (on, on + (size_t) per_day) >= HIGH, "holiday %g", max_in (on, on + (size_t) per_day));
    ck_assert_int_le (count_high (600, on), 1);
    ck_assert_int_le (count_high (on + 2 * (size_t) per_day, N), 1);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "week_alpha", 0), 0);
    vg_onset_init (&o);
    for (size_t i = 0; i < N; i++)
        sc[i] = vg_onset_step (&o, &c, T0 + (int64_t) i * step, xs[i]);
    ck_assert_msg (max_in (on, on + (size_t) per_day) < HIGH, "holiday without weekly profile %g",
                   max_in (on, on + (size_t) per_day));
}
END_TEST

START_TEST (bursty_counts_calibrated)
{
    /* counts per 5 minutes whose normal life has bursts (1-12 rows at 2-40x, Pareto sizes,
     * one every ~250 rows): with the tail calibrated at the 98th percentile of the short
     * average they score high on fewer normal rows than with a Gaussian tail; a flood far
     * beyond anything seen is still found */
    rng_t r = { 18 };
    int burst = 0;
    double mag = 1;
    for (size_t i = 0; i < N; i++) {
        double lam = 20 * exp (0.35 * rng_n (&r));
        if (burst == 0 && rng_u (&r) < 0.004) {
            burst = 1 + (int) (rng_u (&r) * 12);
            mag = 2 * pow (rng_u (&r), -1 / 1.5);
        }
        if (burst) {
            lam *= mag;
            burst--;
        }
        xs[i] = floor (lam + sqrt (lam) * rng_n (&r) + 0.5);
        if (xs[i] < 0)
            xs[i] = 0;
    }
    for (size_t i = 5000; i < 5024; i++)
        xs[i] = 20000;
    vg_onset_cfg_t c = s_defaults ();
    score_all (&c, N, sc);
    int with = count_high (600, 5000);
    double flood = max_in (5000, 5024);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "tail_q", 0), 0);
    score_all (&c, N, sc);
    int without = count_high (600, 5000);
    ck_assert_msg (flood >= HIGH, "flood %g", flood);
    ck_assert_msg (with < without, "rows high: %d calibrated, %d Gaussian", with, without);
}
END_TEST

START_TEST (rising_score_reported_at_start)
{
    /* a shift of 3 sd: the short average of surprises, hence the score, rises row by row;
     * with escalate the alarm is reported at its start and when it has grown, not on every
     * row of the rise (escalate 0: the onset gate alone) */
    rng_t r = { 15 };
    noisy (&r, 100, 5);
    for (size_t i = 3000; i < N; i++)
        xs[i] += 15;
    vg_onset_cfg_t c = s_defaults ();
    score_all (&c, N, sc);
    int with = count_high (3000, 3100);
    double first = max_in (3000, 3030);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "escalate", 0), 0);
    score_all (&c, N, sc);
    int without = count_high (3000, 3100);
    ck_assert_msg (first >= HIGH, "shift onset %g", first);
    ck_assert_msg (with >= 1 && with <= 3 && with < without, "rows high: %d with escalate, %d without", with, without);
}
END_TEST

START_TEST (drift_records_stay_low)
{
    /* a level held for hours that steps by one quantum now and then (a random walk): its
     * range grows by records that follow each other closely, the normal state of a
     * drifting series; an isolated jump beyond the range still scores high */
    rng_t r = { 16 };
    double v = 50;
    for (size_t i = 0; i < N; i++) {
        if (rng_u (&r) < 0.01)
            v += rng_u (&r) < 0.5 ? -0.5 : 0.5;
        xs[i] = v;
    }
    vg_onset_cfg_t c = s_defaults ();
    score_all (&c, N, sc);
    int with = count_high (600, N);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "range_gap", 0), 0);
    score_all (&c, N, sc);
    int without = count_high (600, N);
    ck_assert_msg (with < without, "records high: %d with range_gap, %d without", with, without);
}
END_TEST

START_TEST (edge_reached_by_noise_stays_low)
{
    /* white noise: a value just past the range seen (by 6 % of it, about 0.4 sd, less than
     * half the mean step of 1.13 sd) is the edge reached by ordinary noise, not a record;
     * one 2 sd past it still is */
    rng_t r = { 23 };
    noisy (&r, 20, 1);
    vg_onset_cfg_t c = s_defaults ();
    vg_onset_t o;
    double s_near[2], s_far;
    for (int pass = 0; pass < 2; pass++) {
        vg_onset_init (&o);
        for (size_t i = 0; i < 3000; i++)
            vg_onset_step (&o, &c, T0 + (int64_t) i * STEP_MS, xs[i]);
        vg_onset_t keep = o;
        s_near[pass] = vg_onset_step (&o, &c, T0 + 3000 * STEP_MS, o.hi + 0.06 * (o.hi - o.lo));
        if (pass == 0) {
            o = keep;
            s_far = vg_onset_step (&o, &c, T0 + 3000 * STEP_MS, o.hi + 2);
        }
        ck_assert_int_eq (vg_onset_cfg_set (&c, "range_step", 0), 0);
    }
    ck_assert_msg (s_near[0] < HIGH && s_near[1] >= 0.5, "edge: %g with range_step, %g without", s_near[0],
                   s_near[1]);
    ck_assert_msg (s_far >= 0.5, "2 sd past the range: %g", s_far);
}
END_TEST

START_TEST (stuck_run_scores_once)
{
    /* writes in bursts between idle runs of zeros (geometric, mean 8 rows), then the rate
     * stays at zero for 600 rows: a run of one value longer than 1.2 x the longest before
     * and 10 x the mean run scores once, early in the stuck stretch; the idle runs before,
     * records of their own among a few hundred runs, do not (no false row from the rule) */
    rng_t r = { 31 };
    size_t i = 0;
    while (i < 4000) {
        for (int k = 0; i < 4000 && (k == 0 || rng_u (&r) > 1.0 / 8); k++)
            xs[i++] = 0;
        for (int k = 0; i < 4000 && (k == 0 || rng_u (&r) > 1.0 / 3); k++)
            xs[i++] = 1e6 * exp (rng_n (&r));
    }
    for (; i < N; i++)
        xs[i] = i < 4600 ? 0 : 1e6 * exp (rng_n (&r));
    vg_onset_cfg_t c = s_defaults ();
    score_all (&c, N, sc);
    int before = count_high (0, 3990), stuck = count_high (4000, 4600);
    double first = max_in (4000, 4300);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "run_score", 0), 0);
    score_all (&c, N, sc);
    int before_off = count_high (0, 3990), stuck_off = count_high (4000, 4600);
    ck_assert_msg (first >= HIGH && stuck == 1 && stuck_off == 0, "stuck: max %g, %d rows high (%d without the rule)",
                   first, stuck, stuck_off);
    ck_assert_msg (before == before_off, "idle runs: %d rows high with the rule, %d without", before, before_off);
    /* a constant series has no ended run to compare with: it never scores */
    for (i = 0; i < N; i++)
        xs[i] = 7;
    c = s_defaults ();
    score_all (&c, N, sc);
    ck_assert_int_eq (count_high (0, N), 0);
}
END_TEST

START_TEST (nonfinite_dropped)
{
    vg_onset_cfg_t c = s_defaults ();
    vg_onset_t a, b;
    vg_onset_init (&a);
    for (int i = 0; i < 50; i++)
        vg_onset_step (&a, &c, T0 + i * STEP_MS, i % 3);
    memcpy (&b, &a, sizeof a);
    ck_assert (vg_onset_step (&a, &c, T0 + 50 * STEP_MS, NAN) == 0);
    ck_assert (vg_onset_step (&a, &c, T0 + 50 * STEP_MS, INFINITY) == 0);
    ck_assert (vg_onset_step (&a, &c, T0 + 50 * STEP_MS, -1e308) == 0); /* its square overflows */
    ck_assert_uint_eq (a.dropped, 3);
    a.dropped = 0;
    ck_assert (memcmp (&a, &b, sizeof a) == 0);
    /* huge values do not blind the score afterwards */
    for (int i = 51; i < 400; i++)
        vg_onset_step (&a, &c, T0 + i * STEP_MS, i % 50 == 0 ? 1e300 : (double) (i % 3));
    ck_assert (vg_onset_step (&a, &c, T0 + 400 * STEP_MS, 50) >= HIGH);
}
END_TEST

START_TEST (parameters)
{
    vg_onset_cfg_t c = s_defaults ();
    ck_assert_int_eq (vg_onset_cfg_check (&c), 0);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "short_n", 12), 0);
    ck_assert_int_eq (c.short_n, 12);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "short_n", 12.5), -VG_EINVAL);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "short_n", VG_ONSET_SHORT_MAX + 1), -VG_EINVAL);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "hold", 0), -VG_EINVAL);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "no_such", 1), -VG_EINVAL);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "zcap", NAN), -VG_EINVAL);
    ck_assert_int_eq (c.short_n, 12);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "fast", 4), 0);
    ck_assert (c.scale[0] == 4);
    size_t n = 0;
    const char *help;
    double lo, hi;
    while (vg_onset_param (n, &help, &lo, &hi)) {
        ck_assert (help && *help && lo <= hi);
        n++;
    }
    ck_assert_uint_ge (n, 10);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "zlo", 5), 0);
    ck_assert_int_eq (vg_onset_cfg_check (&c), -VG_EINVAL); /* zlo >= zcap */
    ck_assert_int_eq (vg_onset_cfg_set (&c, "zcap", 6), 0);
    ck_assert_int_eq (vg_onset_cfg_check (&c), 0);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "tail_q", 0.9), 0); /* its Gaussian z follows */
    ck_assert_int_eq (vg_onset_cfg_check (&c), 0);
    ck_assert (fabs (c.tail_zg - 1.2815516) < 1e-6);
    c.tail_q = 0.95; /* set by hand: the derived z is stale */
    ck_assert_int_eq (vg_onset_cfg_check (&c), -VG_EINVAL);
    ck_assert_int_eq (vg_onset_cfg_set (&c, "tail_q", 0.95), 0);
    ck_assert_int_eq (vg_onset_cfg_check (&c), 0);
    c.short_n = 0;
    ck_assert_int_eq (vg_onset_cfg_check (&c), -VG_EINVAL);
    ck_assert_int_eq (vg_onset_cfg_check (NULL), -VG_EINVAL);
}
END_TEST

Suite *
vg_onset_suite (void)
{
    const TTest *tests[] = {
        prefix_scores_as_whole, spike_high_at_onset_low_after, level_shift_high_at_onset_low_after,
        missing_daily_swing, benign_series_stay_low, rising_score_reported_at_start, drift_records_stay_low,
        edge_reached_by_noise_stays_low, stuck_run_scores_once,
        holiday_found_weekends_not, bursty_counts_calibrated,
        nonfinite_dropped, parameters,
    };
    return vg_test_suite ("onset", "onset", tests, sizeof tests / sizeof tests[0], 60, NULL, NULL);
}
