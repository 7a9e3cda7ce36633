/* check_uni.c - univariate scoring: seasonal baseline, likelihood score, SPOT threshold,
 * counter rates; hand-made series with step, spike, drift, seasonality, resets, NaN, gaps. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "tests/support/rng.h"
#include "detectors/uni.h"
#include "tests/support/suite.h"

#define STEP_MS (5 * 60000LL)
#define WEEK (7 * 86400000LL)
/* Monday 2026-01-05 00:00 UTC */
#define T0 1767571200000LL

/* Deterministic normal noise (xorshift + Box-Muller). */

/* Residential daily profile, weekend x1.08, 5 % noise. */
static double
profile (int64_t ts, rng_t *r, double base)
{
    double h = (double) ((ts / 60000) % 1440) / 60.0;
    int wd = (int) (((ts / 86400000) + 3) % 7);
    double d = 0.6 + 0.3 * sin (2 * M_PI * (h - 14) / 24) + 0.1 * sin (4 * M_PI * (h - 2) / 24);
    double w = wd >= 5 ? 1.08 : 1.0;
    return base * d * w * (1 + 0.05 * rng_n (r));
}

static void
cfg_for (vg_uni_cfg_t *c, int dir)
{
    vg_uni_cfg_default (c);
    c->direction = dir;
    c->min_z = 4;
}

/* Feed weeks of clean data; returns the state ready for tests. */
static void
warm (vg_uni_t *u, const vg_uni_cfg_t *c, rng_t *r, int64_t from, int64_t to, double base)
{
    vg_verdict_t v;
    for (int64_t t = from; t < to; t += STEP_MS)
        vg_uni_step (u, c, t, profile (t, r, base), 0, &v);
}

/* One scorer: its state, configuration (cfg_for), noise and last verdict. */
typedef struct {
    vg_uni_t u;
    vg_uni_cfg_t c;
    rng_t r;
    vg_verdict_t v;
} fx_t;

static void
fx_init (fx_t *f, uint64_t seed, int dir)
{
    memset (f, 0, sizeof *f);
    cfg_for (&f->c, dir);
    f->r.s = seed;
    vg_uni_init (&f->u);
}

/* A fixture without season or warm-up (both directions): every sample is scored at once. */
static void
fx_init_flat (fx_t *f, uint64_t seed)
{
    fx_init (f, seed, VG_DIR_BOTH);
    f->c.season = VG_SEASON_NONE;
    f->c.warmup_ms = 0;
}

START_TEST (clean_seasonal_week)
{
    fx_t f;
    fx_init (&f, 42, VG_DIR_BOTH);
    warm (&f.u, &f.c, &f.r, T0, T0 + 2 * WEEK, 1e6);
    int fires = 0, run = 0, maxrun = 0, scored = 0;
    for (int64_t t = T0 + 2 * WEEK; t < T0 + 3 * WEEK; t += STEP_MS) {
        vg_uni_step (&f.u, &f.c, t, profile (t, &f.r, 1e6), 0, &f.v);
        ck_assert_int_ne (f.v.state, VG_VERDICT_NONE);
        ck_assert (f.v.score >= 0 && f.v.score <= 1);
        scored++;
        if (f.v.state == VG_VERDICT_FIRE) {
            fires++;
            run++;
        } else {
            run = 0;
        }
        if (run > maxrun)
            maxrun = run;
    }
    ck_assert_int_eq (scored, 2016);
    ck_assert_int_le (fires, 4);   /* q = 1e-4 per sample -> ~0.2 expected */
    ck_assert_int_lt (maxrun, 3);  /* never enough for a 15-minute pending period */
}
END_TEST

START_TEST (warmup_no_decision)
{
    fx_t f;
    fx_init (&f, 7, VG_DIR_BOTH);
    for (int64_t t = T0; t < T0 + 13 * 86400000LL; t += STEP_MS) {
        vg_uni_step (&f.u, &f.c, t, t == T0 + 86400000LL ? 1e9 : profile (t, &f.r, 1e6), 0, &f.v);
        ck_assert_int_eq (f.v.state, VG_VERDICT_NONE);
    }
}
END_TEST

START_TEST (step_down_fires)
{
    fx_t f;
    fx_init (&f, 43, VG_DIR_LOW);
    f.c.drop_ratio = 0.5;
    int64_t start = T0 + 2 * WEEK + 86400000LL + 12 * 3600000LL; /* Tuesday noon, week 3 */
    warm (&f.u, &f.c, &f.r, T0, start, 1e6);
    int consecutive = 0, first = -1;
    for (int i = 0; i < 12; i++) {
        int64_t t = start + i * STEP_MS;
        vg_uni_step (&f.u, &f.c, t, 0.3 * profile (t, &f.r, 1e6), 0, &f.v);
        if (f.v.state == VG_VERDICT_FIRE) {
            consecutive++;
            if (first < 0)
                first = i;
        }
        ck_assert (f.v.observed < f.v.expected);
    }
    ck_assert_int_ge (first, 0);
    ck_assert_int_le (first, 2);
    ck_assert_int_ge (consecutive, 10);
    ck_assert (f.v.score > 0.99);
}
END_TEST

START_TEST (spike_fires_once)
{
    fx_t f;
    fx_init (&f, 44, VG_DIR_HIGH);
    int64_t at = T0 + 2 * WEEK + 3 * 86400000LL + 15 * 3600000LL;
    warm (&f.u, &f.c, &f.r, T0, at, 1e6);
    vg_uni_step (&f.u, &f.c, at, 5 * profile (at, &f.r, 1e6), 0, &f.v);
    ck_assert_int_eq (f.v.state, VG_VERDICT_FIRE);
    ck_assert (f.v.observed > f.v.hi);
    /* A low value is not anomalous for direction high. */
    for (int i = 1; i < 10; i++)
        vg_uni_step (&f.u, &f.c, at + i * STEP_MS, profile (at + i * STEP_MS, &f.r, 1e6), 0, &f.v);
    vg_uni_step (&f.u, &f.c, at + 10 * STEP_MS, 0.1 * profile (at, &f.r, 1e6), 0, &f.v);
    ck_assert_int_eq (f.v.state, VG_VERDICT_CLEAR);
}
END_TEST

START_TEST (drift_fires)
{
    fx_t f;
    fx_init (&f, 45, VG_DIR_BOTH);
    int64_t start = T0 + 2 * WEEK;
    warm (&f.u, &f.c, &f.r, T0, start, 1e6);
    int64_t fired_at = -1;
    for (int64_t t = start; t < start + 86400000LL; t += STEP_MS) {
        double k = 1 + 0.8 * (double) (t - start) / 86400000.0; /* +80 % over one day */
        vg_uni_step (&f.u, &f.c, t, k * profile (t, &f.r, 1e6), 0, &f.v);
        if (f.v.state == VG_VERDICT_FIRE && fired_at < 0)
            fired_at = t - start;
    }
    ck_assert_int_ge (fired_at, 0);
    ck_assert_int_lt (fired_at, 18 * 3600000LL);
}
END_TEST

START_TEST (counter_reset_dropped)
{
    fx_t f;
    fx_init_flat (&f, 46);
    double ctr = 1e12;
    int fires = 0;
    for (int i = 0; i < 600; i++) {
        int64_t t = T0 + i * 10000LL;
        double inc = 1e6 * (1 + 0.05 * rng_n (&f.r));
        ctr += inc;
        if (i == 400)
            ctr = inc; /* reboot: counter restarts near zero */
        vg_uni_step (&f.u, &f.c, t, ctr, 1, &f.v);
        if (i == 0 || i == 400)
            ck_assert_int_eq (f.v.state, VG_VERDICT_NONE);
        if (f.v.state == VG_VERDICT_FIRE)
            fires++;
        if (i > 300 && i != 400)
            ck_assert (fabs (f.v.observed - 1e5) < 3e4); /* 1e6 per 10 s = 1e5/s */
    }
    ck_assert_uint_eq (f.u.resets, 1);
    ck_assert_int_le (fires, 2);
}
END_TEST

START_TEST (nan_and_order_dropped)
{
    fx_t f;
    fx_init_flat (&f, 1);
    for (int i = 0; i < 300; i++)
        vg_uni_step (&f.u, &f.c, T0 + i * 1000LL, 100 + (i % 7), 0, &f.v);
    vg_uni_t before = f.u;
    vg_uni_step (&f.u, &f.c, T0 + 301000, NAN, 0, &f.v);
    ck_assert_int_eq (f.v.state, VG_VERDICT_NONE);
    vg_uni_step (&f.u, &f.c, T0 + 302000, INFINITY, 0, &f.v);
    ck_assert_int_eq (f.v.state, VG_VERDICT_NONE);
    vg_uni_step (&f.u, &f.c, T0 + 1000, 100, 0, &f.v); /* out of order */
    ck_assert_int_eq (f.v.state, VG_VERDICT_NONE);
    ck_assert_uint_eq (f.u.dropped, before.dropped + 3);
    ck_assert (memcmp (f.u.slot_m, before.slot_m, sizeof f.u.slot_m) == 0);
    ck_assert_double_eq (f.u.s, before.s);
    vg_uni_step (&f.u, &f.c, T0 + 303000, 103, 0, &f.v);
    ck_assert_int_eq (f.v.state, VG_VERDICT_CLEAR);
}
END_TEST

START_TEST (gap_no_false_alarm)
{
    fx_t f;
    fx_init (&f, 47, VG_DIR_BOTH);
    int64_t start = T0 + 2 * WEEK + 86400000LL;
    warm (&f.u, &f.c, &f.r, T0, start, 1e6);
    int fires = 0;
    /* 8 hours without data, then normal data resumes. */
    for (int64_t t = start + 8 * 3600000LL; t < start + 14 * 3600000LL; t += STEP_MS) {
        vg_uni_step (&f.u, &f.c, t, profile (t, &f.r, 1e6), 0, &f.v);
        fires += f.v.state == VG_VERDICT_FIRE;
    }
    ck_assert_int_le (fires, 1);
}
END_TEST

START_TEST (scale_invariant)
{
    /* One risk setting for every metric: the same shape at 1e9 and at 0.01 decides alike. */
    vg_uni_t a, b;
    vg_uni_cfg_t c;
    rng_t ra = { 48 }, rb = { 48 };
    vg_verdict_t va, vb;
    cfg_for (&c, VG_DIR_BOTH);
    c.abs_floor = 0;
    vg_uni_init (&a);
    vg_uni_init (&b);
    int agree = 0, n = 0;
    for (int64_t t = T0; t < T0 + 3 * WEEK; t += STEP_MS) {
        double x = profile (t, &ra, 1.0);
        (void) profile (t, &rb, 1.0);
        if (t == T0 + 2 * WEEK + 86400000LL)
            x *= 4;
        vg_uni_step (&a, &c, t, x * 1e9, 0, &va);
        vg_uni_step (&b, &c, t, x * 0.01, 0, &vb);
        if (va.state != VG_VERDICT_NONE) {
            n++;
            agree += va.state == vb.state;
        }
    }
    ck_assert_int_eq (agree, n);
    ck_assert_int_gt (n, 2000);
}
END_TEST

START_TEST (state_fits_2k)
{
    ck_assert_uint_le (sizeof (vg_uni_t), 2048);
    extern const vg_detector_ops_t vg_det_seasonal;
    ck_assert_uint_le (vg_det_seasonal.size, 2048);
    vg_uni_t u;
    vg_uni_init (&u);
    ck_assert_int_eq (vg_uni_validate (&u), 0);
    u.slot_m[3] = NAN;
    ck_assert_int_lt (vg_uni_validate (&u), 0);
}
END_TEST

START_TEST (slot_math)
{
    ck_assert_int_eq (vg_uni_slot (VG_SEASON_WEEK, T0), 0);                     /* Monday 00:00 */
    ck_assert_int_eq (vg_uni_slot (VG_SEASON_WEEK, T0 + 6 * 86400000LL + 23 * 3600000LL), 167);
    ck_assert_int_eq (vg_uni_slot (VG_SEASON_DAY, T0 + 13 * 3600000LL + 59 * 60000), 13);
    ck_assert_int_eq (vg_uni_slot (VG_SEASON_NONE, T0), 0);
}
END_TEST

Suite *
vg_uni_suite (void)
{
    Suite *s = suite_create ("uni");
    vg_test_case_t cases[] = {
        { "clean_seasonal_week", clean_seasonal_week }, { "warmup", warmup_no_decision },
        { "step", step_down_fires }, { "spike", spike_fires_once }, { "drift", drift_fires },
        { "counter_reset", counter_reset_dropped }, { "nan", nan_and_order_dropped },
        { "gaps", gap_no_false_alarm }, { "scale_invariant", scale_invariant },
        { "state_size", state_fits_2k }, { "slot_math", slot_math },
    };
    vg_test_cases (s, cases, sizeof cases / sizeof cases[0], 60, NULL, NULL);
    return s;
}
