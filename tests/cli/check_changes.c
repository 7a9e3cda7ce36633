/* check_changes.c - change finding: a real step is one level shift with its before and
 * after levels; daily swings, noise and lone spikes are not; states, gaps, resets, late
 * starts and early stops are reported where they happen; the cap keeps facts first. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli/changes.h"
#include "tests/support/suite.h"

#define N 600
#define STEP 60000
#define S_PI 3.14159265358979323846

static int64_t s_ts[N];
static double s_v[N];
static vg_change_t s_out[256];

/* Deterministic noise in [-1, 1]. */
static double
s_noise (uint32_t *st)
{
    *st = *st * 1664525u + 1013904223u;
    return ((double) (*st >> 8) / (double) (1u << 24)) * 2.0 - 1.0;
}

static void
s_times (size_t n)
{
    for (size_t i = 0; i < n; i++)
        s_ts[i] = 1790000000000LL + (int64_t) i * STEP;
}

static size_t
s_count (size_t n, vg_change_kind_t k)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += s_out[i].kind == k;
    return c;
}

START_TEST (test_step_is_one_level_shift)
{
    uint32_t st = 1;
    s_times (200);
    for (size_t i = 0; i < 200; i++)
        s_v[i] = (i < 120 ? 10.0 : 50.0) + 0.5 * s_noise (&st);
    size_t n = vg_changes_find (s_ts, s_v, 200, 0, 0, s_ts[0], s_ts[199], s_out, 256);
    ck_assert_uint_eq (n, 1);
    ck_assert_int_eq (s_out[0].kind, VG_CHANGE_LEVEL);
    ck_assert_int_eq (s_out[0].ts, s_ts[120]);
    ck_assert (fabs (s_out[0].before - 10.0) < 0.5 && fabs (s_out[0].after - 50.0) < 0.5);
    ck_assert (s_out[0].strength >= 8.0);
    /* Downwards as well, and a NaN in the middle changes nothing. */
    for (size_t i = 0; i < 200; i++)
        s_v[i] = -s_v[i];
    s_v[30] = NAN;
    n = vg_changes_find (s_ts, s_v, 200, 0, 0, s_ts[0], s_ts[199], s_out, 256);
    ck_assert_uint_eq (n, 1);
    ck_assert_int_eq (s_out[0].ts, s_ts[120]);
    ck_assert (s_out[0].after < s_out[0].before);
}
END_TEST

START_TEST (test_daily_swing_and_spikes_are_quiet)
{
    uint32_t st = 7;
    /* Two days of 5-minute samples of a noisy daily cycle. */
    size_t n = 576;
    for (size_t i = 0; i < n; i++) {
        s_ts[i] = 1790000000000LL + (int64_t) i * 300000;
        s_v[i] = 200.0 + 100.0 * sin ((double) i * 2.0 * S_PI / 288.0) + 5.0 * s_noise (&st);
    }
    ck_assert_uint_eq (vg_changes_find (s_ts, s_v, n, 0, 0, s_ts[0], s_ts[n - 1], s_out, 256), 0);
    /* A sparse error counter: one increment now and then is no level shift. */
    double c = 100;
    for (size_t i = 0; i < n; i++) {
        c += (i % 37 == 5) ? 1 : 0;
        s_v[i] = c;
    }
    ck_assert_uint_eq (vg_changes_find (s_ts, s_v, n, 0, 1, s_ts[0], s_ts[n - 1], s_out, 256), 0);
    /* A flat series: nothing. */
    for (size_t i = 0; i < n; i++)
        s_v[i] = 3;
    ck_assert_uint_eq (vg_changes_find (s_ts, s_v, n, 0, 0, s_ts[0], s_ts[n - 1], s_out, 256), 0);
}
END_TEST

START_TEST (test_counter_rate_shift_and_reset)
{
    s_times (200);
    double c = 1e12;
    for (size_t i = 0; i < 200; i++) {
        if (i == 150)
            c = 0; /* the device rebooted */
        c += i < 100 ? 6000.0 : 600.0; /* 100/s, then 10/s */
        s_v[i] = c;
    }
    size_t n = vg_changes_find (s_ts, s_v, 200, 0, 1, s_ts[0], s_ts[199], s_out, 256);
    ck_assert_uint_eq (n, 2);
    ck_assert_int_eq (s_out[0].kind, VG_CHANGE_LEVEL);
    ck_assert_int_eq (s_out[0].ts, s_ts[100]);
    ck_assert (fabs (s_out[0].before - 100.0) < 1e-9 && fabs (s_out[0].after - 10.0) < 1e-9);
    ck_assert_int_eq (s_out[1].kind, VG_CHANGE_RESET);
    ck_assert_int_eq (s_out[1].ts, s_ts[150]);
    ck_assert (s_out[1].after == 600.0);

    int64_t rts[4];
    double r[4];
    const int64_t ts[] = { 0, 1000, 1000, 3000 };
    const double v[] = { 10, 20, 25, 5 };
    ck_assert_uint_eq (vg_changes_rate (ts, v, 4, rts, r), 2); /* no time step: skipped */
    ck_assert (rts[0] == 1000 && r[0] == 10.0);
    ck_assert (rts[1] == 3000 && r[1] == 2.5); /* reset: 5 counted from zero over 2 s */
}
END_TEST

START_TEST (test_states_gaps_starts_stops)
{
    /* 100 samples, 10 missing in the middle, state 0 -> 1 -> 0. */
    size_t n = 0;
    for (size_t i = 0; i < 100; i++) {
        if (i >= 40 && i < 50)
            continue;
        s_ts[n] = 1790000000000LL + (int64_t) i * STEP;
        s_v[n++] = (i >= 20 && i < 70) ? 1 : 0;
    }
    int64_t first = 1790000000000LL - 3600000, last = s_ts[n - 1] + 3600000;
    size_t k = vg_changes_find (s_ts, s_v, n, 1, 0, first, last, s_out, 256);
    ck_assert_uint_eq (k, 5);
    ck_assert_int_eq (s_out[0].kind, VG_CHANGE_START);
    ck_assert_int_eq (s_out[0].until, first);
    ck_assert_int_eq (s_out[1].kind, VG_CHANGE_STATE);
    ck_assert (s_out[1].before == 0 && s_out[1].after == 1);
    ck_assert_int_eq (s_out[1].ts, 1790000000000LL + 20 * STEP);
    ck_assert_int_eq (s_out[2].kind, VG_CHANGE_GAP);
    ck_assert_int_eq (s_out[2].ts, 1790000000000LL + 39 * STEP);
    ck_assert_int_eq (s_out[2].until, 1790000000000LL + 50 * STEP);
    ck_assert_int_eq (s_out[3].kind, VG_CHANGE_STATE);
    ck_assert_int_eq (s_out[4].kind, VG_CHANGE_STOP);
    ck_assert_int_eq (s_out[4].ts, s_ts[n - 1]);
    ck_assert_int_eq (vg_changes_interval (s_ts, n), STEP);
    ck_assert_int_eq (vg_changes_interval (s_ts, 1), 0);
}
END_TEST

START_TEST (test_cap_keeps_facts_then_strongest)
{
    /* A flapping state: 299 changes, 10 kept, the first 10 in time order. */
    s_times (300);
    for (size_t i = 0; i < 300; i++)
        s_v[i] = (double) (i % 2);
    size_t k = vg_changes_find (s_ts, s_v, 300, 1, 0, s_ts[0], s_ts[299], s_out, 10);
    ck_assert_uint_eq (k, 299);
    for (size_t i = 0; i < 10; i++)
        ck_assert_int_eq (s_out[i].ts, s_ts[i + 1]);
    /* Three steps of different heights and one gap, cap 2: the gap and the tallest step. */
    uint32_t st = 3;
    size_t n = 0;
    for (size_t i = 0; i < 400; i++) {
        if (i >= 340 && i < 360)
            continue;
        s_ts[n] = 1790000000000LL + (int64_t) i * STEP;
        s_v[n++] = (i < 100 ? 0 : i < 200 ? 40 : i < 300 ? 140 : 100) + s_noise (&st);
    }
    k = vg_changes_find (s_ts, s_v, n, 0, 0, s_ts[0], s_ts[n - 1], s_out, 2);
    ck_assert_uint_eq (k, 4);
    ck_assert_uint_eq (s_count (2, VG_CHANGE_GAP), 1);
    ck_assert_uint_eq (s_count (2, VG_CHANGE_LEVEL), 1);
    ck_assert_int_eq (s_out[0].kind, VG_CHANGE_LEVEL); /* time order: the step at 200 first */
    ck_assert_int_eq (s_out[0].ts, 1790000000000LL + 200 * STEP);
    ck_assert_str_eq (vg_change_kind_name (VG_CHANGE_GAP), "gap");
    ck_assert_str_eq (vg_change_kind_name ((vg_change_kind_t) 99), "?");
}
END_TEST

Suite *
vg_changes_suite (void)
{
    const TTest *tests[] = {
        test_step_is_one_level_shift, test_daily_swing_and_spikes_are_quiet,
        test_counter_rate_shift_and_reset, test_states_gaps_starts_stops,
        test_cap_keeps_facts_then_strongest,
    };
    return vg_test_suite ("changes", "find", tests, sizeof tests / sizeof tests[0], 30, NULL, NULL);
}
