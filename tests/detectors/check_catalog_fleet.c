/* check_catalog_fleet.c - the fleet-wide detectors of the catalogue through the engine:
 * X01 common mode (findings of many devices of one vendor within a window, on large and
 * small vendor fleets, clusters hours apart as separate episodes) and X02 vendor divergence
 * (one vendor's KPI drifting from the others').  Set-up: fixture_catalog.c. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/detectors/fixture_catalog.h"
#include "tests/support/suite.h"

START_TEST (x01_common_mode)
{
    vg_device_t devs[40];
    char names[40][16];
    for (int i = 0; i < 40; i++) {
        snprintf (names[i], sizeof names[i], "s1/g%02d", i);
        devs[i] = (vg_device_t) { names[i], i < 20 ? "VX" : "VY", "g", "gnb", "s1", "1.0" };
        ck_assert_int_eq (vg_engine_device (fx.e, &devs[i]), 0);
    }
    vg_label_t why[] = { { "reason", "unknown" } };
    fx_event (&devs[25], T0, VG_EV_REBOOT, why, 1, NULL); /* one VY reboot: nothing fleet-wide */
    for (int i = 0; i < 4; i++)
        fx_event (&devs[i], T0 + i * MIN, VG_EV_REBOOT, why, 1, NULL);
    ck_assert_uint_eq (fx_count ("x01", 0), 0); /* k = 4 < min_k */
    for (int i = 4; i < 6; i++)
        fx_event (&devs[i], T0 + i * MIN, VG_EV_REBOOT, why, 1, NULL);
    const vg_alert_t *a = fx_first ("x01");
    ck_assert_ptr_nonnull (a);
    ck_assert_int_eq (a->cia, 'X');
    ck_assert_str_eq (a->device, "VX");
    ck_assert_str_eq (a->vendor, "VX");
    ck_assert_int_eq (a->severity, VG_SEV_CRITICAL); /* 6 of 20 > 20 % */
    ck_assert_double_eq (a->observed, 5);
    /* The window passes: the finding resolves after its hold-down. */
    vg_engine_tick (fx.e, T0 + 40 * MIN);
    vg_engine_tick (fx.e, T0 + 60 * MIN);
    ck_assert_uint_eq (fx_count ("x01", VG_ACT_CLOSE), 1);
}
END_TEST

/* Twenty gNBs of vendor VX declared to the engine. */
typedef struct {
    vg_device_t devs[20];
    char names[20][16];
} s_vx_fleet_t;

static void
s_vx_fleet (s_vx_fleet_t *f)
{
    for (int i = 0; i < 20; i++) {
        snprintf (f->names[i], sizeof f->names[i], "s1/g%02d", i);
        f->devs[i] = (vg_device_t) { f->names[i], "VX", "g", "gnb", "s1", "1.0" };
        ck_assert_int_eq (vg_engine_device (fx.e, &f->devs[i]), 0);
    }
}

static void
s_reboot (const vg_device_t *d, int64_t ts)
{
    vg_label_t why[] = { { "reason", "unknown" } };
    fx_event (d, ts, VG_EV_REBOOT, why, 1, NULL);
}

/* A source that does not know the vendor (UDP-notif without its vendor module) declares
 * the device with empty attributes: what is known stays, the reboots still count in the
 * vendor's fleet. */
START_TEST (x01_anonymous_declarations_keep_the_vendor)
{
    s_vx_fleet_t f;
    s_vx_fleet (&f);
    vg_device_t anon[20];
    for (int i = 0; i < 20; i++) {
        anon[i] = (vg_device_t) { f.names[i], "", "", "", "", NULL };
        ck_assert_int_eq (vg_engine_device (fx.e, &anon[i]), 0);
    }
    for (int i = 0; i < 6; i++)
        s_reboot (&anon[i], T0 + i * MIN);
    const vg_alert_t *a = fx_first ("x01");
    ck_assert_ptr_nonnull (a);
    ck_assert_str_eq (a->vendor, "VX");
    ck_assert_double_eq (a->observed, 5);
}
END_TEST

/* Findings hours apart do not count together, whichever side of the evaluation time they
 * fall on: four reboots at T0+3h (k = 4 < min_k) and one stamped T0 by a source that is
 * behind are not five "within 15 min". */
START_TEST (x01_window_both_sides)
{
    s_vx_fleet_t f;
    s_vx_fleet (&f);
    for (int i = 0; i < 4; i++)
        s_reboot (&f.devs[i], T0 + 180 * MIN + i * MIN);
    s_reboot (&f.devs[10], T0);
    ck_assert_uint_eq (fx_count ("x01", 0), 0);
    /* A fifth within the window of the four: now it is five. */
    s_reboot (&f.devs[11], T0 + 185 * MIN);
    ck_assert_uint_eq (fx_count ("x01", VG_ACT_CREATE), 1);
}
END_TEST

/* Two common-mode events hours apart are two episodes even when nothing ticked between
 * them (fleet findings arrive at the data times of their own sources): the first is
 * closed at its last evidence + keep_firing_for, the second is created.  Either order. */
START_TEST (x01_disjoint_clusters_are_two_episodes)
{
    s_vx_fleet_t f;
    s_vx_fleet (&f);
    int64_t first = _i ? T0 : T0 + 150 * MIN, second = _i ? T0 + 150 * MIN : T0;
    for (int i = 0; i < 5; i++)
        s_reboot (&f.devs[i], first + i * MIN);
    ck_assert_uint_eq (fx_count ("x01", VG_ACT_CREATE), 1);
    for (int i = 0; i < 5; i++)
        s_reboot (&f.devs[5 + i], second + i * MIN);
    ck_assert_uint_eq (fx_count ("x01", VG_ACT_CREATE), 2);
    ck_assert_uint_eq (fx_count ("x01", VG_ACT_CLOSE), 1);
}
END_TEST

/* The episode closes at its last finding + window + keep_firing_for even when the next
 * evaluation comes hours later (a tick at the data time of a source far ahead). */
START_TEST (x01_closes_when_its_window_lapsed)
{
    s_vx_fleet_t f;
    s_vx_fleet (&f);
    for (int i = 0; i < 5; i++)
        s_reboot (&f.devs[i], T0 + i * MIN);
    ck_assert_uint_eq (fx_count ("x01", VG_ACT_CREATE), 1);
    vg_engine_tick (fx.e, T0 + 360 * MIN);
    vg_engine_tick (fx.e, T0 + 400 * MIN);
    ck_assert_uint_eq (fx_count ("x01", VG_ACT_CLOSE), 1);
    for (size_t i = 0; i < fx.alerts.n; i++)
        if (!strcmp (fx.alerts.rid[i], "x01") && fx.alerts.a[i].activity == VG_ACT_CLOSE)
            ck_assert_int_eq (fx.alerts.a[i].time_ms, T0 + 4 * MIN + 15 * MIN + 5 * MIN); /* last + W + keep (5 min default) */
}
END_TEST

START_TEST (x02_vendor_divergence)
{
    vg_device_t a = { "s1/ga", "VX", "g", "gnb", "s1", "1" }, b = { "s1/gb", "VY", "g", "gnb", "s1", "1" };
    vg_device_t c = { "s1/gc", "VZ", "g", "gnb", "s1", "1" };
    uint64_t ia = fx_decl (&a, "kpi/ho", VG_KIND_GAUGE, NULL), ib = fx_decl (&b, "kpi/ho", VG_KIND_GAUGE, NULL);
    uint64_t ic = fx_decl (&c, "kpi/ho", VG_KIND_GAUGE, NULL);
    int64_t t = T0;
    uint64_t s = 99;
    for (int i = 0; i < 4 * 24 * 3; i++, t += 15 * MIN) { /* 3 days, common load swings */
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double common = 0.985 + 0.005 * sin (i * 2 * M_PI / 96);
        double n = ((double) (s >> 11) / 9007199254740992.0 - 0.5) * 0.002;
        vg_engine_sample (fx.e, ia, t, common + n);
        vg_engine_sample (fx.e, ib, t, common - n);
        vg_engine_sample (fx.e, ic, t, common + 0.5 * n);
        vg_engine_tick (fx.e, t);
    }
    ck_assert_uint_eq (fx_count ("x02", 0), 0);
    for (int i = 0; i < 12; i++, t += 15 * MIN) { /* VX drifts down 3 pp; others flat */
        vg_engine_sample (fx.e, ia, t, 0.985 - 0.03 * (i + 1) / 12.0);
        vg_engine_sample (fx.e, ib, t, 0.985);
        vg_engine_sample (fx.e, ic, t, 0.985);
        vg_engine_tick (fx.e, t);
    }
    const vg_alert_t *al = fx_first ("x02");
    ck_assert_ptr_nonnull (al);
    ck_assert_str_eq (al->signal, "vendor=VX");
    ck_assert_str_eq (al->site, "s1");
}
END_TEST

/* ---- X01 on a small vendor fleet ------------------------------------------------------ */

static void
s_small_fleet (int failing)
{
    vg_device_t g[4];
    char names[4][16];
    uint64_t at[4];
    for (int i = 0; i < 4; i++) {
        snprintf (names[i], sizeof names[i], "s9/g%d", i);
        g[i] = (vg_device_t) { names[i], "VS", "g", "gnb", "s9", "1" };
        at[i] = fx_decl (&g[i], "RRC.ConnEstabAtt", VG_KIND_GAUGE, "1");
    }
    int64_t t = T0;
    for (int k = 0; k < 30; k++, t += 15 * MIN)
        for (int i = 0; i < 4; i++)
            vg_engine_sample (fx.e, at[i], t + i * 1000, 250 + 10 * i);
    for (int k = 0; k < 3; k++, t += 15 * MIN)
        for (int i = 0; i < 4; i++)
            vg_engine_sample (fx.e, at[i], t + i * 1000, i < failing ? 0 : 250 + 10 * i);
}

START_TEST (x01_small_vendor_fleet_all_cells)
{
    s_small_fleet (4);
    ck_assert_uint_eq (fx_count ("cell", VG_ACT_CREATE), 4);
    ck_assert_uint_eq (fx_count ("x01s", VG_ACT_CREATE), 1);
    const vg_alert_t *a = fx_first ("x01s");
    ck_assert_str_eq (a->device, "VS");
    ck_assert_msg (strstr (a->headline, "vendor VS: ") != NULL && strstr (a->headline, "of 4 devices") != NULL, "%s",
                   a->headline);
    ck_assert_uint_eq (fx_count ("x01", 0), 0); /* min_k 5 there */
}
END_TEST

START_TEST (x01_small_vendor_fleet_one_element)
{
    s_small_fleet (1);
    ck_assert_uint_eq (fx_count ("cell", VG_ACT_CREATE), 1);
    ck_assert_uint_eq (fx_count ("x01s", 0), 0);
}
END_TEST

Suite *
vg_catalog_fleet_suite (void)
{
    Suite *s = suite_create ("catalog_fleet");
    const vg_test_case_t cases[] = {
        { "x01_common_mode", x01_common_mode },
        { "x01_anonymous", x01_anonymous_declarations_keep_the_vendor },
        { "x01_window_both_sides", x01_window_both_sides },
        { "x02_divergence", x02_vendor_divergence },
        { "x01_small_fleet", x01_small_vendor_fleet_all_cells },
        { "x01_small_one", x01_small_vendor_fleet_one_element },
    };
    vg_test_cases (s, cases, sizeof cases / sizeof cases[0], 30, fx_setup, fx_teardown);
    TCase *tc = tcase_create ("x01_disjoint_clusters");
    tcase_add_checked_fixture (tc, fx_setup, fx_teardown);
    tcase_add_loop_test (tc, x01_disjoint_clusters_are_two_episodes, 0, 2); /* later, earlier */
    tcase_add_test (tc, x01_closes_when_its_window_lapsed);
    suite_add_tcase (s, tc);
    return s;
}
