/* check_catalog.c - each availability detector of the catalogue (A02 interface down,
 * A03 throughput collapse, A04 error bursts, A05 exhaustion, A06 RAN KPI and cell outage,
 * A08 prefix swing) on a hand-made scenario through the engine: it fires on the injected
 * condition (with the expected severity and headline) and stays quiet on the benign twin.
 * The other families: check_catalog_conf.c, _integ.c, _fleet.c, and detector state
 * _state.c; the rules and set-up every catalogue suite shares: fixture_catalog.c. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/detectors/fixture_catalog.h"
#include "tests/support/suite.h"

START_TEST (a04_error_burst)
{
    uint64_t id = fx_decl (&fx_r1, "/interfaces/interface/state/counters/in-errors", VG_KIND_COUNTER, NULL);
    double ctr = 0;
    int64_t t = T0;
    for (int i = 0; i < 120; i++, t += 10000) {
        ctr += (i % 10 == 0) ? 1 : 0; /* ~0.01/s background */
        vg_engine_sample (fx.e, id, t, ctr);
    }
    ck_assert_uint_eq (fx.alerts.n, 0);
    for (int i = 0; i < 6; i++, t += 10000) {
        ctr += 500; /* 50 errors/s */
        vg_engine_sample (fx.e, id, t, ctr);
    }
    ck_assert_uint_eq (fx_count ("burst", VG_ACT_CREATE), 1);
    ck_assert (fx_first ("burst")->observed > 40);
    /* Counter reset after a reboot does not fire (already firing: no extra record). */
    vg_engine_sample (fx.e, id, t, 3), t += 10000;
    for (int i = 0; i < 60; i++, t += 10000)
        vg_engine_sample (fx.e, id, t, 3 + i / 10);
    ck_assert_uint_eq (fx_count ("burst", VG_ACT_CLOSE), 1);
    ck_assert_uint_eq (fx_count ("burst", VG_ACT_CREATE), 1);
}
END_TEST

START_TEST (a05_memory_leak_and_cpu_level)
{
    /* A memory pool named by a `name` label (Junos "Kernel"): a component, not an interface. */
    uint64_t mem = fx_decl_if (&fx_r1, "/components/component/memory/utilization", VG_KIND_GAUGE, "Kernel");
    uint64_t cpu = fx_decl (&fx_r1, "/components/component/cpu/utilization", VG_KIND_GAUGE, NULL);
    int64_t t = T0;
    for (int i = 0; i < 240; i++, t += MIN) { /* 4 h flat at 50 % */
        vg_engine_sample (fx.e, mem, t, 50 + 0.2 * sin (i));
        vg_engine_sample (fx.e, cpu, t, 30 + 5 * sin (i * 0.3));
    }
    ck_assert_uint_eq (fx.alerts.n, 0);
    int64_t leak = t;
    for (int i = 0; i < 180; i++, t += MIN) /* +2 %/h leak */
        vg_engine_sample (fx.e, mem, t, 50 + 2.0 * (t - leak) / HOUR + 0.2 * sin (i));
    const vg_alert_t *a = fx_first ("mem");
    ck_assert_ptr_nonnull (a);
    ck_assert (a->observed < 60); /* predicted, long before the 90 % level */
    ck_assert (strstr (a->evidence, "trend") != NULL);
    ck_assert_msg (strstr (a->headline, "s1/r1 component Kernel") != NULL, "%s", a->headline);
    for (int i = 0; i < 4; i++, t += MIN)
        vg_engine_sample (fx.e, cpu, t, 97);
    ck_assert_uint_eq (fx_count ("cpu", 0), 0); /* pending for 5 minutes */
    for (int i = 0; i < 3; i++, t += MIN)
        vg_engine_sample (fx.e, cpu, t, 97);
    ck_assert_uint_eq (fx_count ("cpu", VG_ACT_CREATE), 1);
    /* Kinds without their own headline: "<rule title>: <entity>: <evidence>". */
    const vg_alert_t *c = fx_first ("cpu");
    ck_assert_msg (strncmp (c->headline, "cpu: s1/r1", 10) == 0 && strstr (c->headline, "level breached") != NULL, "%s",
                   c->headline);
}
END_TEST

START_TEST (a06_ran_kpi_wilson)
{
    uint64_t s = fx_decl (&fx_r1, "RRC.ConnEstabSucc", VG_KIND_GAUGE, "c1");
    uint64_t a = fx_decl (&fx_r1, "RRC.ConnEstabAtt", VG_KIND_GAUGE, "c1");
    int64_t t = T0;
    for (int i = 0; i < 20; i++, t += 15 * MIN) {
        vg_engine_sample (fx.e, a, t, 1000);
        vg_engine_sample (fx.e, s, t, 995);
    }
    /* Night: 20 attempts per ROP, one failure: pooled, never judged on n = 20. */
    for (int i = 0; i < 8; i++, t += 15 * MIN) {
        vg_engine_sample (fx.e, s, t, i == 0 ? 19 : 20);
        vg_engine_sample (fx.e, a, t, 20);
    }
    ck_assert_uint_eq (fx.alerts.n, 0);
    for (int i = 0; i < 2; i++, t += 15 * MIN) {
        vg_engine_sample (fx.e, a, t, 1000);
        vg_engine_sample (fx.e, s, t, 950);
    }
    const vg_alert_t *al = fx_first ("rrc");
    ck_assert_ptr_nonnull (al);
    ck_assert (al->observed > 0.949 && al->observed < 0.96); /* pooled with the night's remainder */
    ck_assert (al->hi < 0.98 && al->lo < 0.95);
    ck_assert (strstr (al->entity, "cell=c1") != NULL);
    /* Bad pair (successes > attempts) is an error, counted. */
    vg_engine_sample (fx.e, a, t, 10);
    vg_engine_sample (fx.e, s, t, 20);
    vg_engine_stats_t st;
    vg_engine_stats (fx.e, &st);
    ck_assert_uint_eq (st.detector_errors, 1);
}
END_TEST

START_TEST (a08_prefix_swing)
{
    uint64_t id = fx_decl (&fx_r1, "/bgp/neighbors/neighbor/afi-safis/prefixes/received", VG_KIND_GAUGE, NULL);
    int64_t t = T0;
    for (int i = 0; i < 60; i++, t += MIN)
        vg_engine_sample (fx.e, id, t, 1000 + (i % 5));
    ck_assert_uint_eq (fx.alerts.n, 0);
    vg_engine_sample (fx.e, id, t, 700);
    ck_assert_uint_eq (fx_count ("pfx", VG_ACT_CREATE), 1);
}
END_TEST

/* ---- interface down (A02) ---------------------------------------------------------------- */

START_TEST (a02_interface_down_hold_and_resolve)
{
    uint64_t op = fx_decl_if (&fx_r1, "/interfaces/interface/state/oper-status", VG_KIND_STATE, "et-0/0/1");
    uint64_t ad = fx_decl_if (&fx_r1, "/interfaces/interface/state/admin-status", VG_KIND_STATE, "et-0/0/1");
    uint64_t never = fx_decl_if (&fx_r1, "/interfaces/interface/state/oper-status", VG_KIND_STATE, "et-0/0/9");
    int64_t t = T0;
    for (int i = 0; i < 10; i++, t += 10000) {
        vg_engine_state (fx.e, op, t, "UP");
        vg_engine_state (fx.e, ad, t, "UP");
        vg_engine_state (fx.e, never, t, "LOWER_LAYER_DOWN"); /* unused port: never up */
    }
    ck_assert_uint_eq (fx.alerts.n, 0);
    /* Down in one sample (shorter than the hold, 0.75 of the 10-s step): nothing. */
    vg_engine_state (fx.e, op, t, "DOWN"), t += 5000;
    vg_engine_tick (fx.e, t), t += 5000;
    vg_engine_state (fx.e, op, t, "UP"), t += 10000;
    ck_assert_uint_eq (fx_count ("down", 0), 0);
    /* Down once (on-change source: no more samples); ticks carry it past the hold. */
    int64_t down = t;
    vg_engine_state (fx.e, op, t, "DOWN");
    for (int i = 1; i <= 40; i++)
        vg_engine_tick (fx.e, down + i * 10000);
    ck_assert_uint_eq (fx_count ("down", VG_ACT_CREATE), 1);
    const vg_alert_t *a = fx_first ("down");
    ck_assert_int_le (a->time_ms - down, 40000); /* within the hold + one tick */
    ck_assert_msg (strstr (a->headline, "s1/r1 interface et-0/0/1: oper-status DOWN for") != NULL, "%s", a->headline);
    ck_assert_msg (strstr (a->headline, "admin UP") != NULL, "%s", a->headline);
    ck_assert_uint_eq (fx_count ("down", 0), 1); /* one alert for the interface, no repeats */
    t = down + 41 * 10000;
    vg_engine_state (fx.e, op, t, "UP");
    vg_engine_tick (fx.e, t + 1000);
    ck_assert_uint_eq (fx_count ("down", VG_ACT_CLOSE), 1);
    /* Administratively shut: not an outage. */
    t += 60000;
    vg_engine_state (fx.e, ad, t, "DOWN");
    vg_engine_state (fx.e, op, t + 1, "DOWN");
    for (int i = 1; i <= 30; i++)
        vg_engine_tick (fx.e, t + i * 10000);
    ck_assert_uint_eq (fx_count ("down", VG_ACT_CREATE), 1);
    for (size_t i = 0; i < fx.alerts.n; i++)
        ck_assert_msg (strstr (fx.alerts.a[i].entity, "et-0/0/9") == NULL, "never-up port alerted");
}
END_TEST

/* The hold follows the interface's own step: at 10-s samples DOWN in two samples in a row
 * fires at the second (a fixed 30 s hold took three intervals: link down TTD 3.0 at 10 s
 * through the wire, 1.0 at 60 s); an on-change source (no step learned) keeps the 30 s. */
START_TEST (a02_hold_follows_the_step)
{
    uint64_t op = fx_decl_if (&fx_r1, "/interfaces/interface/state/oper-status", VG_KIND_STATE, "et-0/0/2");
    int64_t t = T0;
    for (int i = 0; i < 10; i++, t += 10000)
        vg_engine_state (fx.e, op, t, "UP");
    int64_t down = t;
    for (int i = 0; i < 6; i++, t += 10000)
        vg_engine_state (fx.e, op, t, "DOWN");
    ck_assert_uint_eq (fx_count ("down", VG_ACT_CREATE), 1);
    ck_assert_int_eq (fx_first ("down")->time_ms - down, 10000);
    /* On-change: UP once, DOWN once, then only ticks: the 30 s hold. */
    uint64_t oc = fx_decl_if (&fx_r1, "/interfaces/interface/state/oper-status", VG_KIND_STATE, "et-0/0/3");
    vg_engine_state (fx.e, oc, t, "UP");
    int64_t d2 = t + 1000;
    vg_engine_state (fx.e, oc, d2, "DOWN");
    for (int i = 1; i <= 10; i++)
        vg_engine_tick (fx.e, d2 + i * 5000);
    ck_assert_uint_eq (fx_count ("down", VG_ACT_CREATE), 2);
    ck_assert_int_eq (fx.alerts.a[fx.alerts.n - 1].time_ms - d2, 30000);
}
END_TEST

START_TEST (a02_flap_every_sample_is_not_a_hold)
{
    uint64_t op = fx_decl_if (&fx_r1, "/interfaces/interface/state/oper-status", VG_KIND_STATE, "xe-1");
    int64_t t = T0;
    for (int i = 0; i < 60; i++, t += 10000) { /* 10 s down, 10 s up: never down for 30 s */
        vg_engine_state (fx.e, op, t, i % 2 ? "DOWN" : "UP");
        vg_engine_tick (fx.e, t + 5000);
    }
    ck_assert_uint_eq (fx_count ("down", 0), 0);
}
END_TEST

/* ---- error bursts (A04) --------------------------------------------------------------- */

static vg_device_t S2 = { "s2/r1", "VX", "m", "router", "s2", "7.1" };

START_TEST (a04_busy_link_background_is_not_a_burst)
{
    uint64_t er = fx_decl_if (&S2, "/interfaces/interface/state/counters/in-errors", VG_KIND_COUNTER, "et-0/0/0");
    uint64_t fc = fx_decl_if (&S2, "/interfaces/interface/state/counters/in-fcs-errors", VG_KIND_COUNTER, "et-0/0/0");
    uint64_t di = fx_decl_if (&S2, "/interfaces/interface/state/counters/in-discards", VG_KIND_COUNTER, "et-0/0/0");
    uint64_t rng = 7;
    double e = 1e6, f = 5e5, d = 3e9; /* long-running counters */
    int64_t t = T0;
    for (int i = 0; i < 2880; i++, t += 30000) { /* one day at 30 s: ~1 error per sample */
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        int k = (int) (rng >> 61); /* 0..7 */
        e += k == 0 ? 0 : 1;
        f += k < 3 ? 1 : 0;
        d += 20 + (rng >> 58) % 40; /* 20-60 discards per 30 s on a busy link */
        if (i == 1500)
            e = 17; /* one counter wraps / is cleared: not a burst, not a reboot */
        vg_engine_sample (fx.e, er, t, e);
        vg_engine_sample (fx.e, fc, t, f);
        vg_engine_sample (fx.e, di, t, d);
        if (i % 2 == 0)
            vg_engine_tick (fx.e, t);
    }
    ck_assert_uint_eq (fx_count ("burst2", 0), 0);
    ck_assert_uint_eq (fx_count ("burst", 0), 0); /* the CUSUM-free rule on in-errors too */
    /* A real FCS burst: in-errors and in-fcs-errors together -> one finding. */
    for (int i = 0; i < 4; i++, t += 30000) {
        e += 400, f += 400, d += 40;
        vg_engine_sample (fx.e, er, t, e);
        vg_engine_sample (fx.e, fc, t, f);
        vg_engine_sample (fx.e, di, t, d);
    }
    ck_assert_uint_eq (fx_count ("burst2", VG_ACT_CREATE), 1);
    const vg_alert_t *a = fx_first ("burst2");
    ck_assert_msg (strstr (a->headline, "s2/r1 interface et-0/0/0: in-errors 400 in 30 s") != NULL, "%s", a->headline);
    ck_assert (a->time_ms - (t - 4 * 30000) <= 2 * 30000); /* within 2 intervals */
}
END_TEST

/* ---- cell outage (A06) ---------------------------------------------------------------- */

static double
s_daily (int64_t ts, double peak)
{
    double h = (double) ((ts / 60000) % 1440) / 60.0;
    double f = 0.55 + 0.45 * sin ((h - 9) * M_PI / 12); /* trough near 03:00 */
    return peak * (f < 0.01 ? 0.01 : f);
}

START_TEST (a06_cell_outage_zero_against_baseline)
{
    vg_device_t g = { "s3/du3", "VS", "g", "gnb", "s3", "1" };
    uint64_t at = fx_decl (&g, "RRC.ConnEstabAtt", VG_KIND_GAUGE, "12");
    uint64_t vo = fx_decl (&g, "DRB.PdcpSduVolumeDL", VG_KIND_GAUGE, "12");
    uint64_t qat = fx_decl (&g, "RRC.ConnEstabAtt", VG_KIND_GAUGE, "13"); /* quiet cell */
    uint64_t qvo = fx_decl (&g, "DRB.PdcpSduVolumeDL", VG_KIND_GAUGE, "13");
    int64_t t = T0 - 12 * HOUR; /* 00:00 */
    uint64_t rng = 3;
    for (int i = 0; i < 4 * 24 * 2; i++, t += 15 * MIN) { /* two days of 15-min ROPs */
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        double n = 1 + 0.1 * ((double) (rng >> 11) / 9007199254740992.0 - 0.5);
        vg_engine_sample (fx.e, at, t, floor (s_daily (t, 400) * n));
        vg_engine_sample (fx.e, vo, t, s_daily (t, 400) * 2e4 * n);
        /* Quiet cell: 0-3 attempts at night, zero traffic in many ROPs. */
        double q = floor (s_daily (t, 30) * n);
        int h = (int) ((t / HOUR) % 24);
        if (h >= 1 && h < 5)
            q = (rng >> 62) == 0 ? 1 : 0;
        vg_engine_sample (fx.e, qat, t, q);
        vg_engine_sample (fx.e, qvo, t, q * 1e4);
    }
    ck_assert_uint_eq (fx_count ("cell", 0), 0);
    /* Cell 12 dies at midnight (expected ~90 per ROP) while its PM data keeps arriving. */
    int64_t dead = t;
    for (int i = 0; i < 3; i++, t += 15 * MIN) {
        vg_engine_sample (fx.e, at, t, 0);
        vg_engine_sample (fx.e, vo, t, 0);
        vg_engine_sample (fx.e, qat, t, 20);
        vg_engine_sample (fx.e, qvo, t, 2e5);
    }
    ck_assert_uint_eq (fx_count ("cell", VG_ACT_CREATE), 1);
    const vg_alert_t *a = fx_first ("cell");
    ck_assert_int_eq (a->time_ms, dead + 15 * MIN); /* the second dead ROP */
    ck_assert_msg (strstr (a->entity, "cell=12") != NULL, "%s", a->entity);
    ck_assert_msg (strstr (a->headline, "s3/du3 cell 12: RRC.ConnEstabAtt 0 for 30 min (baseline") != NULL, "%s",
                   a->headline);
    ck_assert_msg (strstr (a->headline, "per 15 min") != NULL, "%s", a->headline);
    ck_assert_msg (a->expected > 60 && a->expected < 130, "%g", a->expected);
    /* Traffic returns: resolved after the hold-down. */
    for (int i = 0; i < 3; i++, t += 15 * MIN) {
        vg_engine_sample (fx.e, at, t, 380);
        vg_engine_sample (fx.e, vo, t, 380 * 2e4);
        vg_engine_tick (fx.e, t);
    }
    ck_assert_uint_eq (fx_count ("cell", VG_ACT_CLOSE), 1);
}
END_TEST

START_TEST (a06_attempts_zero_but_traffic_flows)
{
    vg_device_t g = { "s3/du4", "VS", "g", "gnb", "s3", "1" };
    uint64_t at = fx_decl (&g, "RRC.ConnEstabAtt", VG_KIND_GAUGE, "1");
    uint64_t vo = fx_decl (&g, "DRB.PdcpSduVolumeDL", VG_KIND_GAUGE, "1");
    int64_t t = T0;
    for (int i = 0; i < 40; i++, t += 15 * MIN) {
        vg_engine_sample (fx.e, at, t, 300);
        vg_engine_sample (fx.e, vo, t, 6e6);
    }
    for (int i = 0; i < 6; i++, t += 15 * MIN) { /* attempts counter stuck at 0, traffic flows */
        vg_engine_sample (fx.e, at, t, 0);
        vg_engine_sample (fx.e, vo, t, 6e6);
    }
    ck_assert_uint_eq (fx_count ("cell", 0), 0);
}
END_TEST

/* Counter-kind PM inputs: the delta across two hours of missing files is eight ROPs'
 * worth; it must not be learned as one ROP (it would inflate that hour's baseline 2.6x). */
START_TEST (a06_counter_gap_is_not_a_period)
{
    vg_device_t g = { "s3/du5", "VS", "g", "gnb", "s3", "1" };
    uint64_t at = fx_decl (&g, "RRC.ConnEstabAtt", VG_KIND_COUNTER, "1");
    uint64_t vo = fx_decl (&g, "DRB.PdcpSduVolumeDL", VG_KIND_COUNTER, "1");
    double ca = 0, cv = 0;
    int64_t t = T0;
    for (int i = 0; i <= 96; i++, t += 15 * MIN) { /* a day: every hour's slot learns 300 */
        vg_engine_sample (fx.e, at, t, ca);
        vg_engine_sample (fx.e, vo, t, cv);
        ca += 300, cv += 6e6;
    }
    ca += 7 * 300, cv += 7 * 6e6; /* 8 ROPs of files lost (the gNB silent) */
    t += 7 * 15 * MIN;
    vg_engine_sample (fx.e, at, t, ca);
    vg_engine_sample (fx.e, vo, t, cv);
    for (int i = 0; i < 2; i++) { /* then the cell dies in that same hour */
        t += 15 * MIN;
        vg_engine_sample (fx.e, at, t, ca);
        vg_engine_sample (fx.e, vo, t, cv);
    }
    ck_assert_uint_eq (fx_count ("cell", VG_ACT_CREATE), 1);
    const vg_alert_t *a = fx_first ("cell");
    ck_assert_msg (a->expected > 250 && a->expected < 350, "expected %g", a->expected);
}
END_TEST

/* ---- throughput collapse (A03) after one day ------------------------------------------ */

/* Business-profile link: daytime peak, weekend at 40 %; 5-min counter samples with noise. */
static void
s_octets (uint64_t id, int64_t from, int64_t to, double *ctr, uint64_t *rng, double factor_from, double factor)
{
    for (int64_t t = from; t < to; t += 5 * MIN) {
        *rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
        double n = 1 + 0.08 * ((double) (*rng >> 11) / 9007199254740992.0 - 0.5);
        int64_t day = t / 86400000;
        int dow = (int) ((day + 3) % 7); /* Monday = 0 */
        double rate = s_daily (t, 1.25e8) * (dow >= 5 ? 0.4 : 1.0) * n * (t >= factor_from ? factor : 1.0);
        *ctr += rate * 300;
        vg_engine_sample (fx.e, id, t, *ctr);
    }
}

START_TEST (a03_collapse_after_one_day)
{
    uint64_t id = fx_decl_if (&fx_r1, "/interfaces/interface/state/counters/in-octets", VG_KIND_COUNTER, "et-0/0/2");
    double ctr = 1e12;
    uint64_t rng = 11;
    int64_t mon = T0 - 12 * HOUR; /* Monday 00:00 */
    s_octets (id, mon, mon + 24 * HOUR, &ctr, &rng, (double) INT64_MAX, 1); /* day 1 learns */
    ck_assert_uint_eq (fx_count ("col", 0), 0);
    /* Day 2, 14:00: traffic collapses to 20 % for an hour. */
    int64_t at = mon + 38 * HOUR;
    s_octets (id, mon + 24 * HOUR, at + HOUR, &ctr, &rng, at, 0.2);
    ck_assert_uint_eq (fx_count ("col", VG_ACT_CREATE), 1);
    const vg_alert_t *a = fx_first ("col");
    ck_assert_int_le (a->time_ms - at, 20 * MIN);
    ck_assert_msg (strstr (a->headline, "s1/r1 interface et-0/0/2 in-octets: ") != NULL, "%s", a->headline);
    ck_assert_msg (strstr (a->headline, "daily baseline") != NULL, "%s", a->headline);
}
END_TEST

START_TEST (a03_benign_weekend_and_shift)
{
    uint64_t id = fx_decl_if (&fx_r1, "/interfaces/interface/state/counters/in-octets", VG_KIND_COUNTER, "et-0/0/3");
    double ctr = 1e12;
    uint64_t rng = 12;
    int64_t thu = T0 - 12 * HOUR + 3 * 24 * HOUR; /* Thursday 00:00: data starts before a weekend */
    /* Thu-Fri learn, first weekend at 40 % (its own profile starts on Saturday), then a
     * planned 35 % shift away from this uplink on Monday, and a counter wrap. */
    s_octets (id, thu, thu + 4 * 24 * HOUR, &ctr, &rng, (double) INT64_MAX, 1);
    ctr = 5e6; /* cleared */
    s_octets (id, thu + 4 * 24 * HOUR, thu + 5 * 24 * HOUR, &ctr, &rng, thu + 4 * 24 * HOUR + 10 * HOUR, 0.65);
    ck_assert_uint_eq (fx_count ("col", 0), 0);
}
END_TEST

START_TEST (a03_zero_traffic_left_to_interface_down)
{
    uint64_t id = fx_decl_if (&fx_r1, "/interfaces/interface/state/counters/in-octets", VG_KIND_COUNTER, "et-0/0/4");
    double ctr = 1e12;
    uint64_t rng = 13;
    int64_t mon = T0 - 12 * HOUR;
    s_octets (id, mon, mon + 38 * HOUR, &ctr, &rng, (double) INT64_MAX, 1);
    s_octets (id, mon + 38 * HOUR, mon + 40 * HOUR, &ctr, &rng, mon + 38 * HOUR, 0);
    ck_assert_uint_eq (fx_count ("col", 0), 0);
}
END_TEST

START_TEST (a02_ports_coming_up_after_restart)
{
    uint64_t op[4];
    char n[4][8];
    for (int i = 0; i < 4; i++) {
        snprintf (n[i], sizeof n[i], "ge-%d", i);
        op[i] = fx_decl_if (&fx_r1, "/interfaces/interface/state/oper-status", VG_KIND_STATE, n[i]);
    }
    int64_t t = T0;
    for (int k = 0; k < 30; k++, t += 10000)
        for (int i = 0; i < 4; i++)
            vg_engine_state (fx.e, op[i], t, "UP");
    t += 6 * MIN; /* the device restarts: 6 min without telemetry */
    for (int k = 0; k < 12; k++, t += 10000) { /* ports come up 30-100 s after it is back */
        for (int i = 0; i < 4; i++)
            vg_engine_state (fx.e, op[i], t, k < 3 + 2 * i ? "DOWN" : "UP");
        vg_engine_tick (fx.e, t + 5000);
    }
    ck_assert_uint_eq (fx_count ("down", 0), 0);
    /* A port that stays down after the restart still fires, later. */
    vg_engine_state (fx.e, op[3], t, "DOWN");
    for (int k = 1; k <= 30; k++)
        vg_engine_tick (fx.e, t + k * 10000);
    ck_assert_uint_eq (fx_count ("down", VG_ACT_CREATE), 1); /* a live-stream DOWN: 30 s hold */
}
END_TEST

Suite *
vg_catalog_suite (void)
{
    const vg_test_case_t cases[] = {
        { "a04_burst", a04_error_burst },
        { "a05_exhaustion", a05_memory_leak_and_cpu_level },
        { "a06_ran_kpi", a06_ran_kpi_wilson },
        { "a08_prefixes", a08_prefix_swing },
        { "a02_down", a02_interface_down_hold_and_resolve },
        { "a02_flap_not_down", a02_flap_every_sample_is_not_a_hold },
        { "a02_hold_step", a02_hold_follows_the_step },
        { "a02_restart", a02_ports_coming_up_after_restart },
        { "a04_background", a04_busy_link_background_is_not_a_burst },
        { "a06_cell_outage", a06_cell_outage_zero_against_baseline },
        { "a06_att_zero_traffic", a06_attempts_zero_but_traffic_flows },
        { "a06_counter_gap", a06_counter_gap_is_not_a_period },
        { "a03_one_day", a03_collapse_after_one_day },
        { "a03_benign", a03_benign_weekend_and_shift },
        { "a03_zero", a03_zero_traffic_left_to_interface_down },
    };
    return vg_test_cases_suite ("catalog", cases, sizeof cases / sizeof cases[0], 30, fx_setup, fx_teardown);
}
