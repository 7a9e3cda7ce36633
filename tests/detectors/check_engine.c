/* check_engine.c - the engine's routing and Alertmanager-style lifecycle: pending -> firing ->
 * resolved, dedup, periodic updates, maintenance suppression (availability only), inhibition
 * by silence, collector outage, determinism, save/load without a false alert, bad input.
 * Event time per source is check_engine_time.c; the alert's JSON, check_ocsf.c. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detectors/engine.h"
#include "common/err.h"
#include "common/hash.h"
#include "tests/detectors/fixture_engine.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/suite.h"

#define T0 1767614400000LL /* Monday 2026-01-05 12:00Z */

static uint64_t
decl (vg_engine_t *e, const vg_device_t *d, const char *path, vg_kind_t kind)
{
    vg_label_t l[] = { { "name", "ge-0/0/1" } };
    uint64_t id = vg_series_id (d->id, path, l, 1);
    vg_series_info_t si = { d, path, l, 1, kind };
    ck_assert_int_ge (vg_engine_series (e, id, &si), 1);
    return id;
}

static vg_device_t R1 = { "s1/r1", "VendorX", "m1", "router", "s1", "7.1" };
static vg_device_t RM = { "maint/r9", "VendorX", "m1", "router", "maint", "7.1" };

/* The engine on VG_TEST_ENGINE_RULES that the lifecycle tests share (a fresh one per test: setup runs in
 * each test's process). */
static vg_test_engine_t s_f;

static void
setup (void)
{
    vg_test_engine_open (&s_f, VG_TEST_ENGINE_RULES, "t", NULL);
}

static void
teardown (void)
{
    vg_test_engine_close (&s_f);
}

START_TEST (pending_firing_resolved)
{
    vg_engine_t *e = s_f.e;
    vg_test_alerts_t *c = &s_f.alerts;
    uint64_t id = decl (e, &R1, "/bgp/neighbors/neighbor/state/session-state", VG_KIND_STATE);
    int64_t t = T0;
    for (int i = 0; i < 5; i++, t += 10000)
        vg_engine_state (e, id, t, "ESTABLISHED");
    /* A 20 s blip is shorter than for: no alert. */
    vg_engine_state (e, id, t, "IDLE"), t += 10000;
    vg_engine_state (e, id, t, "ACTIVE"), t += 10000;
    vg_engine_state (e, id, t, "ESTABLISHED"), t += 10000;
    ck_assert_uint_eq (c->n, 0);
    int64_t down = t;
    for (int i = 0; i < 6; i++, t += 10000)
        vg_engine_state (e, id, t, "IDLE");
    ck_assert_uint_eq (vg_test_alerts_count (c, "bgp", VG_ACT_CREATE), 1);
    ck_assert_int_eq (c->a[0].time_ms, down + 30000);
    ck_assert_int_eq (c->a[0].status, VG_STATUS_NEW);
    ck_assert_int_eq (c->a[0].first_seen_ms, down);
    ck_assert_int_eq (c->a[0].cia, 'A');
    ck_assert_str_eq (c->a[0].techniques, "FGT5004");
    char uid[512];
    snprintf (uid, sizeof uid, "%s@%lld", c->a[0].dedup_key, (long long) down);
    ck_assert_str_eq (c->a[0].uid, uid);
    ck_assert (strstr (c->a[0].dedup_key, "bgp:s1/r1:") == c->a[0].dedup_key);
    /* Condition clears: Close only after keep_firing_for (60 s). */
    int64_t up = t;
    for (int i = 0; i < 5; i++, t += 10000)
        vg_engine_state (e, id, t, "ESTABLISHED");
    ck_assert_uint_eq (vg_test_alerts_count (c, "bgp", VG_ACT_CLOSE), 0);
    vg_engine_tick (e, up + 60000);
    ck_assert_uint_eq (vg_test_alerts_count (c, "bgp", VG_ACT_CLOSE), 1);
    ck_assert_int_eq (c->a[c->n - 1].status, VG_STATUS_RESOLVED);
    ck_assert_str_eq (c->a[c->n - 1].uid, uid);
    /* Re-fire opens a new episode: new uid, same dedup key. */
    t = up + 120000;
    for (int i = 0; i < 5; i++, t += 10000)
        vg_engine_state (e, id, t, "IDLE");
    ck_assert_uint_eq (vg_test_alerts_count (c, "bgp", VG_ACT_CREATE), 2);
    ck_assert_str_eq (c->a[c->n - 1].dedup_key, c->a[0].dedup_key);
    ck_assert_str_ne (c->a[c->n - 1].uid, uid);
}
END_TEST

/* A close that fell due between two verdicts (no tick in between) is made first; the new
 * episode that the second verdict opens keeps the rule's dedup key.  It used to be keyed
 * from an unset buffer when the closed episode was the instance's own (seen in vigil eval
 * as a Create with an empty dedup_key). */
/* n samples of a BGP session state, 10 s apart from *t (advanced past them). */
static void
feed (vg_engine_t *e, uint64_t id, int64_t *t, const char *state, int n)
{
    for (int i = 0; i < n; i++, *t += 10000)
        vg_engine_state (e, id, *t, state);
}

START_TEST (refire_after_due_close_keeps_key)
{
    vg_engine_t *e = s_f.e;
    vg_test_alerts_t *c = &s_f.alerts;
    int64_t t = T0;
    uint64_t id = decl (e, &R1, "/bgp/neighbors/neighbor/state/session-state", VG_KIND_STATE);
    feed (e, id, &t, "ESTABLISHED", 5);
    feed (e, id, &t, "IDLE", 6);
    ck_assert_uint_eq (vg_test_alerts_count (c, "bgp", VG_ACT_CREATE), 1);
    int64_t up = t;
    feed (e, id, &t, "ESTABLISHED", 1);
    ck_assert_uint_eq (vg_test_alerts_count (c, "bgp", VG_ACT_CLOSE), 0);
    /* down again 90 s later, past keep_firing_for (60 s), with nothing in between */
    t = up + 90000;
    feed (e, id, &t, "IDLE", 5);
    ck_assert_uint_eq (vg_test_alerts_count (c, "bgp", VG_ACT_CLOSE), 1);
    ck_assert_uint_eq (vg_test_alerts_count (c, "bgp", VG_ACT_CREATE), 2);
    const vg_alert_t *first = &c->a[0], *close = NULL, *second = NULL;
    for (size_t i = 1; i < c->n; i++) {
        if (c->a[i].activity == VG_ACT_CLOSE)
            close = &c->a[i];
        if (c->a[i].activity == VG_ACT_CREATE)
            second = &c->a[i];
    }
    ck_assert_int_eq (close->time_ms, up + 60000); /* closed at its due time */
    ck_assert (strstr (first->dedup_key, "bgp:s1/r1:") == first->dedup_key);
    ck_assert_str_eq (second->dedup_key, first->dedup_key);
    char uid[512];
    snprintf (uid, sizeof uid, "%s@%lld", first->dedup_key, (long long) (up + 90000));
    ck_assert_str_eq (second->uid, uid);
}
END_TEST

START_TEST (flap_keeps_firing_without_flood)
{
    vg_engine_t *e = s_f.e;
    vg_test_alerts_t *c = &s_f.alerts;
    uint64_t id = decl (e, &R1, "/interfaces/interface/state/oper-status", VG_KIND_STATE);
    int64_t t = T0;
    /* 4 transitions in 6 minutes, sampled every 30 s. */
    const char *seq[] = { "UP", "UP", "DOWN", "DOWN", "UP", "UP", "DOWN", "DOWN", "UP", "UP", "UP", "UP" };
    for (size_t i = 0; i < 12; i++, t += 30000)
        vg_engine_state (e, id, t, seq[i]);
    ck_assert_uint_eq (vg_test_alerts_count (c, "flap", VG_ACT_CREATE), 1);
    ck_assert_uint_eq (vg_test_alerts_count (c, "flap", 0), 1); /* dedup: no Update per sample */
    /* Penalty decays: 4000 -> below 750 after ~2.5 half-lives; Close comes on a tick. */
    vg_engine_tick (e, t + 20 * 60000);
    ck_assert_uint_eq (vg_test_alerts_count (c, "flap", VG_ACT_CLOSE), 0);
    vg_engine_tick (e, t + 50 * 60000);
    ck_assert_uint_eq (vg_test_alerts_count (c, "flap", VG_ACT_CLOSE), 1);
}
END_TEST

START_TEST (periodic_update)
{
    vg_engine_t *e = s_f.e;
    vg_test_alerts_t *c = &s_f.alerts;
    uint64_t id = decl (e, &R1, "/bgp/neighbors/neighbor/state/session-state", VG_KIND_STATE);
    int64_t t = T0;
    for (int i = 0; i < 90; i++, t += 10000) { /* 15 minutes down */
        vg_engine_state (e, id, t, "IDLE");
        vg_engine_tick (e, t);
    }
    ck_assert_uint_eq (vg_test_alerts_count (c, "bgp", VG_ACT_CREATE), 1);
    ck_assert_uint_eq (vg_test_alerts_count (c, "bgp", VG_ACT_UPDATE), 1); /* repeat: 10m */
    ck_assert_str_eq (c->a[c->n - 1].reason, "periodic");
}
END_TEST

START_TEST (maintenance_suppresses_availability_not_security)
{
    vg_engine_t *e = s_f.e;
    vg_test_alerts_t *c = &s_f.alerts;
    uint64_t id = decl (e, &RM, "/bgp/neighbors/neighbor/state/session-state", VG_KIND_STATE);
    int64_t t = T0 + 5 * 60000; /* 12:05, inside the window */
    for (int i = 0; i < 5; i++, t += 10000)
        vg_engine_state (e, id, t, "IDLE");
    vg_flow_t fl = { "10.9.9.9", "203.0.113.45", "MGMT", "CN", 443, 6, 60000, 64512, 48213376, 35012 };
    vg_event_t ev = { RM.id, t, VG_EV_FLOW_SUMMARY, NULL, 0, &fl, NULL, "ipfix" };
    ck_assert_int_eq (vg_engine_event (e, &ev, &RM), 0);
    ck_assert_uint_eq (c->n, 2);
    ck_assert_str_eq (c->a[0].rule_id, "bgp");
    ck_assert_int_eq (c->a[0].status, VG_STATUS_SUPPRESSED);
    ck_assert_str_eq (c->a[0].reason, "maintenance:mw");
    ck_assert_str_eq (c->a[1].rule_id, "ch");
    ck_assert_int_eq (c->a[1].status, VG_STATUS_NEW);
    ck_assert_int_eq (c->a[1].severity, VG_SEV_HIGH);
    ck_assert_int_eq (c->a[1].cia, 'C');
    ck_assert_str_eq (c->a[1].signal, "dst=203.0.113.45:443");
    ck_assert (strstr (c->json[1], "\"is_alert\":true") != NULL);
    ck_assert (strstr (c->json[0], "\"status_id\":3") != NULL);
    /* Same destination again: dedup, no new record. */
    ev.ts_ms += 60000;
    vg_engine_event (e, &ev, &RM);
    ck_assert_uint_eq (c->n, 2);
    vg_engine_stats_t st = vg_test_engine_stats (e);
    ck_assert_uint_eq (st.suppressed, 1);
}
END_TEST

START_TEST (silent_device_inhibits_its_metric_alerts)
{
    vg_engine_t *e = s_f.e;
    vg_test_alerts_t *c = &s_f.alerts;
    vg_device_t devs[4] = { { "s1/a", "VX", "", "router", "s1", "" }, { "s1/b", "VX", "", "router", "s1", "" },
                            { "s1/c", "VY", "", "router", "s1", "" }, { "s1/d", "VY", "", "router", "s1", "" } };
    uint64_t ids[4], bgp;
    for (int i = 0; i < 4; i++)
        ids[i] = decl (e, &devs[i], "/interfaces/interface/state/oper-status", VG_KIND_STATE);
    bgp = decl (e, &devs[0], "/bgp/neighbors/neighbor/state/session-state", VG_KIND_STATE);
    int64_t t = T0;
    for (int k = 0; k < 10; k++, t += 10000) {
        for (int i = 0; i < 4; i++)
            vg_engine_state (e, ids[i], t, "UP");
        vg_engine_state (e, bgp, t, k < 8 ? "ESTABLISHED" : "IDLE"); /* pending when a goes quiet */
        vg_engine_tick (e, t);
    }
    ck_assert_uint_eq (c->n, 0);
    /* Device a goes silent; the others keep reporting. */
    for (int k = 0; k < 12; k++, t += 10000) {
        for (int i = 1; i < 4; i++)
            vg_engine_state (e, ids[i], t, "UP");
        vg_engine_tick (e, t);
    }
    ck_assert_uint_eq (vg_test_alerts_count (c, "sil", VG_ACT_CREATE), 1);
    ck_assert_str_eq (c->a[0].signal, "device");
    ck_assert_str_eq (c->a[0].device, "s1/a");
    ck_assert_uint_eq (vg_test_alerts_count (c, "bgp", 0), 0); /* inhibited by the device silence */
    /* Its series silence is the device's finding (check_silence_group), not one per series. */
    for (size_t i = 0; i < c->n; i++)
        ck_assert_str_ne (c->a[i].signal, "series");
    /* Device a comes back: the device finding closes. */
    for (int k = 0; k < 3; k++, t += 10000) {
        for (int i = 0; i < 4; i++)
            vg_engine_state (e, ids[i], t, "UP");
        vg_engine_state (e, bgp, t, "ESTABLISHED");
        vg_engine_tick (e, t);
    }
    ck_assert_uint_eq (vg_test_alerts_count (c, "sil", VG_ACT_CLOSE), 1);
    ck_assert_uint_eq (vg_test_alerts_count (c, "bgp", 0), 0);
}
END_TEST

START_TEST (collector_outage_one_finding)
{
    vg_engine_t *e = s_f.e;
    vg_test_alerts_t *c = &s_f.alerts;
    vg_device_t devs[5];
    char names[5][16];
    uint64_t ids[5];
    for (int i = 0; i < 5; i++) {
        snprintf (names[i], sizeof names[i], "s1/n%d", i);
        devs[i] = (vg_device_t) { names[i], "VX", "", "router", "s1", "" };
        ids[i] = decl (e, &devs[i], "/interfaces/interface/state/oper-status", VG_KIND_STATE);
    }
    int64_t t = T0;
    for (int k = 0; k < 6; k++, t += 10000)
        for (int i = 0; i < 5; i++)
            vg_engine_state (e, ids[i], t, "UP");
    for (int k = 0; k < 10; k++, t += 10000) { /* 3 of 5 (60 %) stop together */
        for (int i = 3; i < 5; i++)
            vg_engine_state (e, ids[i], t, "UP");
        vg_engine_tick (e, t);
    }
    ck_assert_uint_eq (c->n, 1);
    ck_assert_str_eq (c->a[0].signal, "outage");
    ck_assert_str_eq (c->a[0].device, "collector");
    ck_assert_double_eq (c->a[0].observed, 3);
}
END_TEST

/* A mixed scenario used by the determinism and restart tests. */
static void
scenario (vg_engine_t *e, int64_t from, int64_t to, uint64_t *ids)
{
    uint64_t s = 12345;
    for (int64_t t = from; t < to; t += 60000) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double noise = ((double) (s >> 11) / 9007199254740992.0 - 0.5) * 0.1;
        double hour = (double) ((t / 60000) % 1440) / 60.0;
        double rate = 1e6 * (0.6 + 0.3 * sin (2 * M_PI * (hour - 14) / 24)) * (1 + noise);
        int64_t day = (t - T0) / 86400000;
        if (day == 3 && hour >= 14 && hour < 16)
            rate *= 0.2; /* collapse */
        static double ctr;
        if (t == from)
            ctr = 1e9 + (double) (t - T0) * 100.0;
        ctr += rate * 60;
        vg_engine_sample (e, ids[0], t, ctr);
        int down = day == 3 && hour >= 18 && hour < 18.2;
        vg_engine_state (e, ids[1], t, down ? "IDLE" : "ESTABLISHED");
        if (t % 600000 == 0)
            vg_engine_tick (e, t);
    }
}

/* The scenario's two series on R1: ids[0] in-octets, ids[1] the BGP session state. */
static void
scenario_decl (vg_engine_t *e, uint64_t ids[2])
{
    ids[0] = decl (e, &R1, "/interfaces/interface/state/counters/in-octets", VG_KIND_COUNTER);
    ids[1] = decl (e, &R1, "/bgp/neighbors/neighbor/state/session-state", VG_KIND_STATE);
}

static void
run (vg_test_alerts_t *c, int64_t to, int restart_at_day, size_t *split)
{
    vg_rules_t *rs = vg_test_rules (VG_TEST_ENGINE_RULES, "t");
    vg_engine_t *e = vg_engine_new (rs, NULL, vg_test_alerts_on_alert, c);
    uint64_t ids[2];
    scenario_decl (e, ids);
    if (restart_at_day <= 0) {
        scenario (e, T0, to, ids);
    } else {
        int64_t cut = T0 + restart_at_day * 86400000LL + 15 * 3600000LL; /* mid-collapse */
        scenario (e, T0, cut, ids);
        *split = c->n;
        vg_buf_t b = VG_BUF_INIT;
        ck_assert_int_eq (vg_engine_save (e, &b), 0);
        vg_engine_destroy (&e);
        e = vg_engine_new (rs, NULL, vg_test_alerts_on_alert, c);
        uint64_t ids2[2];
        scenario_decl (e, ids2);
        ck_assert_int_eq (vg_engine_load (e, b.data, b.len), 0);
        vg_engine_stats_t st = vg_test_engine_stats (e);
        ck_assert_uint_eq (st.load_skipped, 0);
        vg_buf_free (&b);
        scenario (e, cut, to, ids2);
    }
    vg_engine_destroy (&e);
    vg_rules_destroy (&rs);
}

START_TEST (deterministic)
{
    vg_test_alerts_t a = { 0 }, b = { 0 };
    run (&a, T0 + 5 * 86400000LL, 0, NULL);
    run (&b, T0 + 5 * 86400000LL, 0, NULL);
    ck_assert_uint_ge (vg_test_alerts_count (&a, "uni", VG_ACT_CREATE), 1);
    ck_assert_uint_ge (vg_test_alerts_count (&a, "bgp", VG_ACT_CREATE), 1);
    vg_test_alerts_assert_same (&a, &b);
    vg_test_alerts_free (&a);
    vg_test_alerts_free (&b);
}
END_TEST

START_TEST (save_load_round_trip)
{
    vg_test_alerts_t ref = { 0 }, rs = { 0 };
    size_t split = 0;
    run (&ref, T0 + 5 * 86400000LL, 0, NULL);
    run (&rs, T0 + 5 * 86400000LL, 3, &split);
    /* The restarted run emits exactly what the uninterrupted run emits: no re-Create of the
     * open collapse episode, no false alert from cold detectors, same uids. */
    ck_assert_uint_gt (split, 0);
    vg_test_alerts_assert_same (&ref, &rs);
    vg_test_alerts_free (&ref);
    vg_test_alerts_free (&rs);
}
END_TEST

START_TEST (bad_input_counted)
{
    vg_engine_t *e = s_f.e;
    vg_test_alerts_t *c = &s_f.alerts;
    ck_assert_int_eq (vg_engine_sample (e, 42, T0, 1), -VG_ENOTFOUND);
    vg_series_info_t bad = { &R1, NULL, NULL, 0, VG_KIND_GAUGE };
    ck_assert_int_eq (vg_engine_series (e, 7, &bad), -VG_EINVAL);
    uint64_t id = decl (e, &R1, "/bgp/neighbors/neighbor/state/session-state", VG_KIND_STATE);
    ck_assert_int_eq (vg_engine_sample (e, id, T0, NAN), 0);
    ck_assert_int_eq (vg_engine_sample (e, id, T0 + 1000, 1), 0);
    ck_assert_int_eq (vg_engine_sample (e, id, T0, 1), 0); /* out of order */
    vg_event_t ev = { "other", T0, VG_EV_LOGIN, NULL, 0, NULL, NULL, "x" };
    ck_assert_int_eq (vg_engine_event (e, &ev, &R1), -VG_EINVAL);
    vg_event_t fl = { R1.id, T0, VG_EV_FLOW_SUMMARY, NULL, 0, NULL, NULL, "x" }; /* no flow */
    ck_assert_int_eq (vg_engine_event (e, &fl, &R1), 0);
    ck_assert_int_lt (vg_engine_load (e, (const uint8_t *) "junk", 4), 0);
    uint8_t trunc[] = { 0x56, 0x47, 0x45, 0x31, 0x80 };
    ck_assert_int_lt (vg_engine_load (e, trunc, sizeof trunc), 0);
    vg_engine_stats_t st = vg_test_engine_stats (e);
    ck_assert_uint_eq (st.unknown_series, 1);
    ck_assert_uint_eq (st.dropped, 2);
    ck_assert_uint_eq (st.detector_errors, 1);
    ck_assert_uint_eq (c->n, 0);
    vg_engine_destroy (&s_f.e);
    vg_engine_destroy (&s_f.e); /* NULL-safe */
}
END_TEST

Suite *
vg_engine_suite (void)
{
    Suite *s = suite_create ("engine");
    vg_test_case_t on_rules[] = {
        { "lifecycle", pending_firing_resolved }, { "dedup_flap", flap_keeps_firing_without_flood },
        { "periodic", periodic_update }, { "maintenance", maintenance_suppresses_availability_not_security },
        { "inhibition", silent_device_inhibits_its_metric_alerts }, { "outage", collector_outage_one_finding },
        { "bad_input", bad_input_counted }, { "refire_after_due_close", refire_after_due_close_keeps_key },
    };
    vg_test_case_t own[] = {
        { "determinism", deterministic }, { "save_load", save_load_round_trip },
    };
    vg_test_cases (s, on_rules, sizeof on_rules / sizeof on_rules[0], 60, setup, teardown);
    vg_test_cases (s, own, sizeof own / sizeof own[0], 60, NULL, NULL);
    return s;
}
