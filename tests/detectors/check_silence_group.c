/* check_silence_group.c - series silence is one finding per device: a router whose CPU, memory
 * and uptime series stop at one instant (a sensor group or subscription that stopped) while
 * its interface series keep coming gets one A01 alert naming how many series are silent, not
 * one per series; the device-wide silence replaces it when the rest stops too. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "detectors/engine.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/read_assert.h"
#include "tests/support/suite.h"

#define T0 1767614400000LL /* Monday 2026-01-05 12:00Z */
#define STEP 10000LL

static const char *RULES =
    "rules:\n"
    "  - id: sil\n    detector: silence\n    keep_firing_for: 0s\n    match: { path: \"*\" }\n"
    "    params: { k: 2, min_silence: 15s }\n    techniques: [T1529]\n";

static vg_device_t R1 = { "s1/r1", "VendorX", "m1", "router", "s1", "7.1" };

enum { NIF = 3, NSYS = 3, NSER = NIF + NSYS };

static const char *const PATHS[NSER] = {
    "/interfaces/interface[name=a]/state/counters/in-octets",
    "/interfaces/interface[name=b]/state/counters/in-octets",
    "/interfaces/interface[name=c]/state/counters/in-octets",
    "/system/cpus/cpu/state/total/instant",
    "/system/memory/state/used",
    "/system/state/up-time",
};

static vg_test_engine_t s_f;
static uint64_t s_id[NSER];

static void
setup (void)
{
    vg_test_engine_open (&s_f, RULES, "t", NULL);
    for (int i = 0; i < NSER; i++) {
        s_id[i] = vg_series_id (R1.id, PATHS[i], NULL, 0);
        vg_series_info_t si = { &R1, PATHS[i], NULL, 0, VG_KIND_GAUGE };
        ck_assert_int_ge (vg_engine_series_from (s_f.e, s_id[i], &si, "ag/mdt"), 1);
    }
}

static void
teardown (void)
{
    vg_test_engine_close (&s_f);
}

/* n steps from *t: the interface series always, the system ones when sys, the whole device
 * not at all when !any. */
static void
run (int64_t *t, int n, int sys, int any)
{
    for (int k = 0; k < n; k++, *t += STEP) {
        for (int i = 0; any && i < NSER; i++)
            if (i < NIF || sys)
                ck_assert_int_eq (vg_engine_sample (s_f.e, s_id[i], *t, 1.0 + k), 0);
        vg_engine_tick (s_f.e, *t);
    }
}

START_TEST (series_silent_together_one_alert)
{
    vg_test_alerts_t *c = &s_f.alerts;
    int64_t t = T0;
    run (&t, 20, 1, 1);
    ck_assert_uint_eq (c->n, 0);
    run (&t, 20, 0, 1); /* CPU, memory and uptime stop together */
    ck_assert_uint_eq (vg_test_alerts_count (c, "sil", VG_ACT_CREATE), 1);
    size_t i = 0;
    while (c->a[i].activity != VG_ACT_CREATE)
        i++;
    ck_assert_str_eq (c->a[i].device, R1.id);
    ck_assert_str_eq (c->a[i].signal, "series");
    ck_assert_msg (strstr (c->a[i].headline, "3 of 6") != NULL, "%s", c->a[i].headline);
    run (&t, 10, 1, 1); /* back: the one finding closes */
    ck_assert_uint_eq (vg_test_alerts_count (c, "sil", VG_ACT_CLOSE), 1);
    ck_assert_uint_eq (vg_test_alerts_count (c, "sil", VG_ACT_CREATE), 1);
}
END_TEST

START_TEST (device_silence_replaces_series_finding)
{
    vg_test_alerts_t *c = &s_f.alerts;
    int64_t t = T0;
    run (&t, 20, 1, 1);
    run (&t, 10, 0, 1); /* the system series stop */
    ck_assert_uint_eq (vg_test_alerts_count (c, "sil", VG_ACT_CREATE), 1);
    /* Then the whole device: the device finding, the series one closed as superseded.  A
     * second source keeps time moving (the engine judges a source at its own clock). */
    vg_device_t r2 = { "s1/r2", "VendorX", "m1", "router", "s1", "7.1" };
    uint64_t other = vg_series_id (r2.id, PATHS[0], NULL, 0);
    vg_series_info_t si = { &r2, PATHS[0], NULL, 0, VG_KIND_GAUGE };
    ck_assert_int_ge (vg_engine_series_from (s_f.e, other, &si, "ag/mdt"), 1);
    for (int k = 0; k < 20; k++, t += STEP) {
        ck_assert_int_eq (vg_engine_sample (s_f.e, other, t, 1), 0);
        vg_engine_tick (s_f.e, t);
    }
    ck_assert_uint_eq (vg_test_alerts_count (c, "sil", VG_ACT_CREATE), 2);
    int device = 0, superseded = 0;
    for (size_t i = 0; i < c->n; i++) {
        device += c->a[i].activity == VG_ACT_CREATE && !strcmp (c->a[i].signal, "device");
        superseded += c->a[i].activity == VG_ACT_CLOSE && !strcmp (c->a[i].signal, "series") &&
                      !strcmp (c->a[i].reason, "superseded_by_device_silence");
    }
    ck_assert_int_eq (device, 1);
    ck_assert_int_eq (superseded, 1);
}
END_TEST

/* A saved engine with the series finding open restores it: no second Create after a load. */
START_TEST (series_finding_survives_save_load)
{
    vg_test_alerts_t *c = &s_f.alerts;
    int64_t t = T0;
    run (&t, 20, 1, 1);
    run (&t, 10, 0, 1);
    ck_assert_uint_eq (vg_test_alerts_count (c, "sil", VG_ACT_CREATE), 1);
    vg_buf_t blob = { 0 };
    ck_assert_int_eq (vg_engine_save (s_f.e, &blob), 0);
    vg_test_engine_close (&s_f);
    setup ();
    ck_assert_int_eq (vg_engine_load (s_f.e, blob.data, blob.len), 0);
    vg_buf_free (&blob);
    c = &s_f.alerts;
    run (&t, 10, 0, 1); /* still silent: no new Create */
    ck_assert_uint_eq (vg_test_alerts_count (c, "sil", VG_ACT_CREATE), 0);
    run (&t, 10, 1, 1); /* back: the restored finding closes */
    ck_assert_uint_eq (vg_test_alerts_count (c, "sil", VG_ACT_CLOSE), 1);
}
END_TEST

/* A source outage lasting past the rule's repeat, while another source (and so the engine's
 * clock) is two hours ahead: its periodic Updates and its Close follow its own source's
 * clock, so no Update comes after (or is stamped later than) its Close.  With the engine's
 * clock, `vigil replay` emitted an Update due at the global time before the Close. */
START_TEST (outage_updates_follow_their_source_clock)
{
    static const char *RS = "rules:\n"
                            "  - id: sil\n    detector: silence\n    keep_firing_for: 2m\n    repeat: 30m\n"
                            "    match: { path: \"*\" }\n"
                            "    params: { k: 2, min_silence: 30s, outage_fraction: 0.5, outage_min_devices: 2 }\n";
    vg_engine_cfg_t cfg = { 0 };
    cfg.lateness_ms = 3600000; /* a reorder window for late PM files: the source's clock is
                                * its judged time, an hour behind its newest data */
    cfg.tick_ms = 10000;
    vg_test_engine_t f;
    vg_test_engine_open (&f, RS, "t", &cfg);
    vg_device_t fd = { "s9/fast", "VX", "m", "router", "s9", "1" };
    vg_device_t pd[3] = { { "s9/p1", "VX", "m", "gnb", "s9", "1" }, { "s9/p2", "VX", "m", "gnb", "s9", "1" },
                          { "s9/p3", "VX", "m", "gnb", "s9", "1" } };
    uint64_t fid = vg_series_id (fd.id, "/x", NULL, 0), pid[3];
    vg_series_info_t fsi = { &fd, "/x", NULL, 0, VG_KIND_GAUGE };
    ck_assert_int_ge (vg_engine_series_from (f.e, fid, &fsi, "fast"), 1);
    for (int k = 0; k < 3; k++) {
        pid[k] = vg_series_id (pd[k].id, "/x", NULL, 0);
        vg_series_info_t si = { &pd[k], "/x", NULL, 0, VG_KIND_GAUGE };
        ck_assert_int_ge (vg_engine_series_from (f.e, pid[k], &si, "pm"), 1);
    }
    const int64_t AHEAD = 2 * 3600000LL, down = T0 + 20 * 60000, up = down + 45 * 60000;
    for (int64_t t = T0; t < T0 + 5 * 3600000LL; t += 60000) {
        ck_assert_int_eq (vg_engine_sample (f.e, fid, t + AHEAD, 1), 0);
        for (int k = 0; k < 3; k++)
            if (k == 2 || t < down || t >= up)
                ck_assert_int_eq (vg_engine_sample (f.e, pid[k], t, 1), 0);
        vg_engine_tick (f.e, t + AHEAD);
    }
    int64_t last = INT64_MIN;
    int closed = 0, n = 0;
    for (size_t i = 0; i < f.alerts.n; i++) {
        const vg_alert_t *a = &f.alerts.a[i];
        if (!strstr (a->dedup_key, ":collector:outage"))
            continue;
        n++;
        ck_assert_msg (!closed, "record %d after the Close", a->activity);
        ck_assert_int_ge (a->time_ms, last);
        ck_assert_int_le (a->time_ms, up + 5 * 60000);
        last = a->time_ms;
        closed = a->activity == VG_ACT_CLOSE;
    }
    ck_assert_int_ge (n, 3); /* Create, an Update at +30 min, Close */
    ck_assert (closed);
    vg_test_engine_close (&f);
}
END_TEST

/* The default rules at 10-s samples: a router that stops is reported within two reporting
 * intervals of its last sample (the silence TTD target); with min_silence 30 s it took three.
 * Two routers keep the source's clock moving. */
START_TEST (default_rules_ten_second_stream_two_intervals)
{
    size_t len;
    char path[1024];
    snprintf (path, sizeof path, "%s/detectors/rules.yaml", VG_SOURCE_DIR);
    uint8_t *y = vg_test_read_or_fail (path, &len);
    char *yaml = calloc (1, len + 1);
    ck_assert_ptr_nonnull (yaml);
    memcpy (yaml, y, len);
    free (y);
    vg_engine_cfg_t cfg = { 0 };
    cfg.lateness_ms = 1000;
    cfg.tick_ms = 1000;
    vg_test_engine_t f;
    vg_test_engine_open (&f, yaml, "rules.yaml", &cfg);
    free (yaml);
    vg_device_t d[3] = { { "s1/a", "VX", "m", "router", "s1", "1" }, { "s1/b", "VX", "m", "router", "s1", "1" },
                         { "s1/c", "VX", "m", "router", "s1", "1" } };
    uint64_t id[3];
    for (int k = 0; k < 3; k++) {
        id[k] = vg_series_id (d[k].id, "/system/state/up-time", NULL, 0);
        vg_series_info_t si = { &d[k], "/system/state/up-time", NULL, 0, VG_KIND_GAUGE };
        ck_assert_int_ge (vg_engine_series_from (f.e, id[k], &si, "ag/mdt"), 1);
    }
    int64_t t = T0 + 6 * 3600000LL, last = 0; /* 18:00Z: outside the change windows */
    for (int i = 0; i < 120; i++, t += STEP)
        for (int k = 0; k < 3; k++)
            if (k != 2 || i < 60) {
                ck_assert_int_eq (vg_engine_sample (f.e, id[k], t, 1e6 + i * STEP), 0);
                if (k == 2)
                    last = t;
            }
    const vg_alert_t *a = vg_test_alerts_first (&f.alerts, "a01-silence", VG_ACT_CREATE);
    ck_assert_ptr_nonnull (a);
    ck_assert_str_eq (a->device, "s1/c");
    ck_assert_msg (a->time_ms - last <= 2 * STEP + 1000, "silent %lld ms after the last sample",
                   (long long) (a->time_ms - last));
    vg_test_engine_close (&f);
}
END_TEST

Suite *
vg_silence_group_suite (void)
{
    Suite *s = suite_create ("silence_group");
    vg_test_case_t cases[] = {
        { "series_silent_together_one_alert", series_silent_together_one_alert },
        { "device_silence_replaces_series_finding", device_silence_replaces_series_finding },
        { "series_finding_survives_save_load", series_finding_survives_save_load },
    };
    vg_test_cases (s, cases, sizeof cases / sizeof cases[0], 60, setup, teardown);
    vg_test_case_t own[] = { { "outage_updates_follow_source_clock", outage_updates_follow_their_source_clock },
                             { "default_rules_ten_second_stream", default_rules_ten_second_stream_two_intervals } };
    vg_test_cases (s, own, 2, 60, NULL, NULL);
    return s;
}
