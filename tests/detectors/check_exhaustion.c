/* check_exhaustion.c - the exhaustion kind's trend fit: the slopes kept sorted between
 * refits give the Theil-Sen median of the last 32 trend points (checked against a
 * brute-force median computed here), the same after a save/load at any point, and the
 * fit stays sane with non-finite (float-overflowing) points in the ring. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "detectors/detector.h"
#include "detectors/rules.h"
#include "tests/support/suite.h"

#define T0 1767614400000LL
#define RING 32

/* level -1e18 rising: every sample fires with "level breached; trend X per hour", so the
 * evidence carries the fitted slope. */
static const char RULES[] = "rules:\n"
                            "  - { id: ex, detector: exhaustion, for: 0s, match: { path: mem },\n"
                            "      params: { level: -1e18, limit: 1e18, direction: rising, every: 5m } }\n";

static vg_rules_t *g_rules;

static void
setup (void)
{
    char err[256];
    ck_assert_int_eq (vg_rules_parse (RULES, sizeof RULES - 1, "t.yaml", &g_rules, err, sizeof err), 0);
}

static void
teardown (void)
{
    vg_rules_destroy (&g_rules);
}

static vg_detector_t *
s_new (const vg_rule_t *r)
{
    vg_device_t dev = { "r1", "V", "m", "router", "s1", "1" };
    vg_entity_t ent = { &dev, "mem", NULL, 0, VG_KIND_GAUGE, "s1/r1" };
    vg_detector_t *d = r->ops->new (r, &ent);
    ck_assert_ptr_nonnull (d);
    d->ops = r->ops;
    d->rule = r;
    return d;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Theil-Sen slope of the points, per hour, as the detector prints it. */
static void
s_ref_trend (const int64_t *ts, const float *v, size_t n, char *out, size_t outlen)
{
    double sl[RING * RING];
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (ts[j] != ts[i])
                sl[ns++] = ((double) v[j] - v[i]) / (double) (ts[j] - ts[i]);
    qsort (sl, ns, sizeof *sl, s_cmp);
    double m = ns % 2 ? sl[ns / 2] : 0.5 * (sl[ns / 2 - 1] + sl[ns / 2]);
    if (m == 0)
        m = 0; /* the detector may hold either zero */
    snprintf (out, outlen, "trend %.4g per hour", m * 3600000.0);
}

static const char *
s_trend (const char *ev)
{
    const char *p = strstr (ev, "trend ");
    ck_assert_ptr_nonnull (p);
    return p;
}

/* Values that give ties, zero slopes and both signs; every 5 min one trend point. */
static double
s_value (int i)
{
    unsigned x = (unsigned) i * 2654435761u;
    return 50.0 + (i % 7 == 0 ? 0.0 : 0.01 * i) + (double) (x % 13) * ((i / 40) % 2 ? 0.5 : -0.25);
}

START_TEST (incremental_fit_is_the_median)
{
    const vg_rule_t *r = &g_rules->rules[0];
    vg_detector_t *d = s_new (r);
    int64_t pts[RING];
    float pv[RING];
    size_t np = 0, pos = 0;
    vg_verdict_t v;
    int checked = 0;
    for (int i = 0; i < 600; i++) {
        int64_t t = T0 + (int64_t) i * 60000;
        double x = s_value (i);
        if (i % 5 == 0) { /* stored: 5 min since the last point */
            pts[pos] = t;
            pv[pos] = (float) x;
            pos = (pos + 1) % RING;
            if (np < RING)
                np++;
        }
        memset (&v, 0, sizeof v);
        ck_assert_int_eq (r->ops->on_sample (d, t, x, &v), 0);
        ck_assert_int_eq (v.state, VG_VERDICT_FIRE);
        if (np >= 2 && i % 5 == 0) {
            char want[80], got[80];
            s_ref_trend (pts, pv, np, want, sizeof want);
            const char *tr = s_trend (v.evidence), *end = strstr (tr, " per hour");
            ck_assert_ptr_nonnull (end);
            snprintf (got, sizeof got, "%.*s per hour", (int) (end - tr), tr);
            if (!strcmp (got, "trend -0 per hour"))
                snprintf (got, sizeof got, "trend 0 per hour");
            ck_assert_msg (!strcmp (got, want), "point %d: got '%s', want '%s'", i, got, want);
            checked++;
        }
    }
    ck_assert_int_ge (checked, 100);
    r->ops->destroy (&d);
}
END_TEST

/* A restored instance (no sorted slopes yet) continues with the same verdicts as one that
 * kept running, whenever the restart happens. */
START_TEST (restore_anywhere_same_verdicts)
{
    const vg_rule_t *r = &g_rules->rules[0];
    vg_detector_t *a = s_new (r), *b = s_new (r);
    vg_buf_t blob = VG_BUF_INIT;
    for (int i = 0; i < 400; i++) {
        int64_t t = T0 + (int64_t) i * 60000;
        if (i % (7 + _i) == 0) { /* b restarts from a's saved state */
            vg_buf_reset (&blob);
            ck_assert_int_eq (r->ops->save (a, &blob), 0);
            r->ops->destroy (&b);
            b = s_new (r);
            ck_assert_int_eq (r->ops->load (b, blob.data, blob.len), 0);
        }
        vg_verdict_t va, vb;
        memset (&va, 0, sizeof va);
        memset (&vb, 0, sizeof vb);
        r->ops->on_sample (a, t, s_value (i), &va);
        r->ops->on_sample (b, t, s_value (i), &vb);
        ck_assert_int_eq (va.state, vb.state);
        ck_assert (va.score == vb.score);
        ck_assert_str_eq (va.evidence, vb.evidence);
    }
    vg_buf_free (&blob);
    r->ops->destroy (&a);
    r->ops->destroy (&b);
}
END_TEST

/* Values beyond float range make infinite points: the fit must not crash or loop, and
 * recovers (finite trend) once they left the ring. */
START_TEST (non_finite_points_pass)
{
    const vg_rule_t *r = &g_rules->rules[0];
    vg_detector_t *d = s_new (r);
    vg_verdict_t v;
    int64_t t = T0;
    for (int i = 0; i < 300; i++, t += 300000) {
        memset (&v, 0, sizeof v);
        double x = i >= 40 && i < 45 ? 1e300 : 10.0 + i;
        ck_assert_int_eq (r->ops->on_sample (d, t, x, &v), 0);
    }
    ck_assert_ptr_nonnull (strstr (v.evidence, "trend 12 per hour")); /* +1 per 5 min */
    r->ops->destroy (&d);
}
END_TEST

/* A CPU pinned at 85-100 % sampled every 10 s (noise around a 93 % level): the level holds
 * until the value falls below the level by `hysteresis` of it, so single dips under 90 % do
 * not restart the rule's 5-minute hold (through the wire at 10-s samples a pinned CPU took
 * 72 minutes to alert).  A CPU that falls back to 40 % clears. */
START_TEST (noisy_level_holds)
{
    static const char RS[] = "rules:\n"
                             "  - { id: cpu, detector: exhaustion, for: 5m, keep_firing_for: 0s, match: { path: cpu },\n"
                             "      params: { level: 90, direction: rising, limit: 100, horizon: 1m } }\n";
    vg_rules_t *rs = NULL;
    char err[256];
    ck_assert_int_eq (vg_rules_parse (RS, sizeof RS - 1, "c.yaml", &rs, err, sizeof err), 0);
    const vg_rule_t *r = &rs->rules[0];
    vg_detector_t *d = s_new (r);
    vg_verdict_t v;
    int64_t t = T0, fired = 0;
    uint64_t rng = 5;
    for (int i = 0; i < 30; i++, t += 10000) { /* 5 min at 20 % */
        memset (&v, 0, sizeof v);
        r->ops->on_sample (d, t, 20, &v);
        ck_assert_int_eq (v.state, VG_VERDICT_CLEAR);
    }
    int64_t start = t, since = 0;
    for (int i = 0; i < 180; i++, t += 10000) { /* 30 min pinned, every 6th sample a dip */
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        double x = i % 6 == 5 ? 85 + (double) (rng >> 62) : 91 + (double) (rng >> 61);
        memset (&v, 0, sizeof v);
        r->ops->on_sample (d, t, x, &v);
        if (v.state != VG_VERDICT_FIRE)
            since = 0;
        else if (!since)
            since = t;
        if (!fired && since && t - since >= 300000)
            fired = t;
    }
    ck_assert_msg (fired && fired - start <= 320000, "fired %lld ms after the start", (long long) (fired - start));
    memset (&v, 0, sizeof v);
    r->ops->on_sample (d, t, 40, &v);
    ck_assert_int_eq (v.state, VG_VERDICT_CLEAR);
    r->ops->destroy (&d);
    vg_rules_destroy (&rs);
}
END_TEST

/* A leak rule (max_growth 1 %/h) on bytes used: a benign cycle of +-2 % over 9.4 h rises up
 * to 1.3 %/h, and without past_range it fires every cycle; with past_range 24h it fires only
 * while the value is past the range of the day before the trend window, so the cycle stays
 * quiet after its first rise and a real leak (4 %/h from hour 40) still fires. */
static int
s_leak_fires (const char *params, int64_t from_h, int64_t to_h, int leak_at_h)
{
    char text[512], err[256];
    snprintf (text, sizeof text,
              "rules:\n  - { id: lk, detector: exhaustion, for: 0s, match: { path: mem },\n"
              "      params: { level: 1e18, limit: 1e18, direction: rising, max_growth: 0.01, min_span: 1h%s } }\n",
              params);
    vg_rules_t *rs;
    ck_assert_int_eq (vg_rules_parse (text, strlen (text), "t.yaml", &rs, err, sizeof err), 0);
    const vg_rule_t *r = &rs->rules[0];
    vg_detector_t *d = s_new (r);
    int fires = 0;
    for (int64_t m = 0; m < to_h * 60; m++) {
        int64_t ts = T0 + m * 60000;
        double h = (double) m / 60.0;
        double v = 1e9 * (1.0 + 0.02 * sin (h / 1.5));
        if (leak_at_h >= 0 && h >= leak_at_h)
            v += 1e9 * 0.04 * (h - leak_at_h);
        vg_verdict_t out;
        memset (&out, 0, sizeof out);
        ck_assert_int_eq (r->ops->on_sample (d, ts, v, &out), 0);
        fires += m >= from_h * 60 && out.state == VG_VERDICT_FIRE;
    }
    r->ops->destroy (&d);
    vg_rules_destroy (&rs);
    return fires;
}

START_TEST (leak_needs_new_range)
{
    ck_assert_int_gt (s_leak_fires ("", 24, 72, -1), 0);                   /* the old rule: the cycle fires */
    ck_assert_int_eq (s_leak_fires (", past_range: 24h", 24, 72, -1), 0); /* quiet once a day is known */
    ck_assert_int_gt (s_leak_fires (", past_range: 24h", 40, 52, 40), 0); /* a leak still fires */
}
END_TEST

Suite *
vg_exhaustion_suite (void)
{
    const TTest *tests[] = { incremental_fit_is_the_median, non_finite_points_pass, noisy_level_holds,
                             leak_needs_new_range };
    Suite *s = vg_test_suite ("exhaustion", "fit", tests, 4, 30, setup, teardown);
    TCase *tc = vg_test_tcase (s, "restore", NULL, 0, 30, setup, teardown);
    tcase_add_loop_test (tc, restore_anywhere_same_verdicts, 0, 4);
    return s;
}
