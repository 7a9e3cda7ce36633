/* check_burst.c - error bursts (A04) found after the same number of intervals whatever the
 * cadence: the same burst (0.5 errors/s on a link whose background is 0.01/s) through the
 * default rule's parameters at 60-s, 30-s and 10-s samples.  The minimum count was per
 * interval (10, tuned on 60-s samples), so at 10 s this burst (5 per interval) was never
 * found and faster ones only after many intervals. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "detectors/engine.h"
#include "tests/support/suite.h"

#define T0 1767614400000LL /* Monday 2026-01-05 12:00Z */

/* The parameters of a04-error-burst in detectors/rules.yaml. */
static const char *RULES = "rules:\n"
                           "  - { id: burst, detector: burst, keep_firing_for: 10m,\n"
                           "      match: { path: [\"*/in-errors\"] },\n"
                           "      params: { ratio: 10, min_count: 10, min_intervals: 2, background: 1h } }\n";

typedef struct {
    int creates;
    int64_t first_ms;
    char headline[256];
} s_got_t;

static void
s_on_alert (void *ctx, const vg_alert_t *a)
{
    s_got_t *g = ctx;
    if (a->activity == VG_ACT_CREATE && g->creates++ == 0) {
        g->first_ms = a->time_ms;
        snprintf (g->headline, sizeof g->headline, "%s", a->headline);
    }
}

/* Samples every step_ms: two hours of background (0.01 errors/s, a steady trickle), then
 * burst_per_s; returns the intervals from the burst's start to the first Create (-1 none). */
static double
s_run (int64_t step_ms, double burst_per_s, s_got_t *g)
{
    char err[256];
    vg_rules_t *rules = NULL;
    ck_assert_int_eq (vg_rules_parse (RULES, strlen (RULES), "burst", &rules, err, sizeof err), 0);
    memset (g, 0, sizeof *g);
    vg_engine_t *e = vg_engine_new (rules, NULL, s_on_alert, g);
    ck_assert_ptr_nonnull (e);
    vg_device_t d = { "s1/r1", "VX", "m", "router", "s1", "7.1" };
    vg_label_t l[] = { { "name", "et-0/0/0" } };
    const char *path = "/interfaces/interface/state/counters/in-errors";
    uint64_t id = vg_series_id (d.id, path, l, 1);
    vg_series_info_t si = { &d, path, l, 1, VG_KIND_COUNTER };
    ck_assert_int_ge (vg_engine_series (e, id, &si), 1);
    double ctr = 1000, bg = 0.01;
    int64_t burst_at = T0 + 2 * 3600000LL, t = T0;
    for (; t < burst_at + 20 * 60000LL && g->creates == 0; t += step_ms) {
        double rate = t > burst_at ? burst_per_s : bg;
        ctr += rate * (double) step_ms / 1000.0;
        vg_engine_sample (e, id, t, floor (ctr));
    }
    vg_engine_destroy (&e);
    vg_rules_destroy (&rules);
    return g->creates ? (double) (g->first_ms - burst_at) / (double) step_ms : -1;
}

START_TEST (burst_same_intervals_at_any_cadence)
{
    static const int64_t steps[] = { 60000, 30000, 10000 };
    s_got_t g;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        double n = s_run (steps[i], 0.5, &g);
        ck_assert_msg (n > 0 && n <= 2.0, "%lld-s samples: burst found after %.1f intervals", (long long) steps[i] / 1000,
                       n);
        ck_assert_int_eq (g.creates, 1);
        ck_assert_msg (strstr (g.headline, "in-errors") != NULL, "%s", g.headline);
    }
    /* The background trickle itself, at every cadence, is never a burst. */
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        ck_assert_msg (s_run (steps[i], 0.01, &g) < 0, "%lld-s samples: background alerted: %s",
                       (long long) steps[i] / 1000, g.headline);
}
END_TEST

/* Creates on days 2 and 3 of three days of out-discards at 60-s samples: none except each
 * day's congestion, rising from 0 at 12:00 to `peak` per second at 15:00 and back to 0 at
 * 18:00 (the same every day), plus, when burst_day3, 0.5 errors/s on day 3 from 04:00 to
 * 04:30.  `params` go to the default rule's parameters. */
static int
s_daily (const char *params, int burst_day3, double peak)
{
    char text[512], err[256];
    snprintf (text, sizeof text,
              "rules:\n  - { id: burst, detector: burst, keep_firing_for: 10m,\n"
              "      match: { path: [\"*/out-discards\"] },\n"
              "      params: { ratio: 10, min_count: 10, min_intervals: 2, background: 1h%s } }\n",
              params);
    vg_rules_t *rules = NULL;
    ck_assert_int_eq (vg_rules_parse (text, strlen (text), "burst", &rules, err, sizeof err), 0);
    s_got_t g;
    memset (&g, 0, sizeof g);
    vg_engine_t *e = vg_engine_new (rules, NULL, s_on_alert, &g);
    ck_assert_ptr_nonnull (e);
    vg_device_t d = { "s1/r1", "VX", "m", "router", "s1", "7.1" };
    vg_label_t l[] = { { "name", "et-0/0/0" } };
    const char *path = "/interfaces/interface/state/counters/out-discards";
    uint64_t id = vg_series_id (d.id, path, l, 1);
    vg_series_info_t si = { &d, path, l, 1, VG_KIND_COUNTER };
    ck_assert_int_ge (vg_engine_series (e, id, &si), 1);
    const int64_t day0 = T0 - 12 * 3600000LL; /* Monday 00:00Z */
    double ctr = 0;
    int before = 0;
    for (int64_t t = day0; t < day0 + 3 * 86400000LL; t += 60000) {
        double h = (double) ((t - day0) % 86400000LL) / 3600000.0, rate = 0;
        if (h >= 12 && h < 18)
            rate = peak * (1.0 - fabs (h - 15) / 3.0);
        if (burst_day3 && t >= day0 + 2 * 86400000LL + 4 * 3600000LL && t < day0 + 2 * 86400000LL + 4 * 3600000LL + 1800000)
            rate += 0.5;
        ctr += rate * 60;
        if (t == day0 + 86400000LL)
            before = g.creates;
        vg_engine_sample (e, id, t, floor (ctr));
    }
    vg_engine_destroy (&e);
    vg_rules_destroy (&rules);
    return g.creates - before;
}

/* Congestion discards that come back at every day's peak are the counter's background:
 * without `season` the onset alerted every day (indie_fleet: 37 false A04 in 3 days, one per
 * busy link per day); with it only the first day can, and a burst at night still alerts. */
START_TEST (daily_congestion_is_background)
{
    ck_assert_int_ge (s_daily ("", 0, 3.0), 2);
    ck_assert_int_eq (s_daily (", season: 24h", 0, 3.0), 0);
    ck_assert_int_eq (s_daily (", season: 24h", 1, 3.0), 1);
}
END_TEST

Suite *
vg_burst_suite (void)
{
    const TTest *t[] = { burst_same_intervals_at_any_cadence, daily_congestion_is_background };
    return vg_test_suite ("burst", "cadence", t, 2, 60, NULL, NULL);
}
