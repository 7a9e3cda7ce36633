/* check_tuning.c - detector fixes found by the labelled-scenario evaluation (vigil eval):
 * success ratios from cumulative counters, memory leaks in bytes, external-volume warm-up on
 * internal-only traffic, IPsec traffic rate over several interfaces, slow vendor drifts,
 * site-scoped attribution and login novelty inside the bastion range.  Each test fails on
 * the behaviour before the fix. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detectors/engine.h"
#include "common/err.h"
#include "common/hash.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/suite.h"

#define T0 1767571200000LL /* Monday 2026-01-05 00:00Z */
#define MIN 60000LL
#define HOUR 3600000LL

static const char *RULES =
    "allowlists:\n"
    "  - { name: oss, entries: [ 10.0.0.0/8 ] }\n"
    "  - { name: bastion, entries: [ 10.255.10.0/24 ] }\n"
    "rules:\n"
    "  - { id: rrc, detector: ran_kpi, for: 0s, match: { path: [RRC.ConnEstabSucc, RRC.ConnEstabAtt] },\n"
    "      params: { min_attempts: 100, delta: 0.02, warmup_windows: 5 } }\n"
    "  - { id: leak, detector: exhaustion, for: 0s, match: { path: /system/memory/state/used },\n"
    "      params: { level: 1e18, limit: 1e18, max_growth: 0.01, min_span: 1h } }\n"
    "  - { id: xv, detector: exfil_volume, params: { internal_allowlist: oss, bucket: 1h, warmup_buckets: 24 } }\n"
    "  - { id: co, detector: crypto_off, for: 0s, match: { path: [\"*/sa-count\", \"*/out-octets\"] } }\n"
    "  - { id: x02, detector: divergence, for: 1h, match: { path: kpi/ratio },\n"
    "      params: { bucket: 15m, warmup_buckets: 96, k: 3, alpha: 0.002 } }\n"
    "  - { id: login, detector: login, params: { allowlist: bastion, learn: 1h } }\n"
    "  - { id: sil, detector: silence, keep_firing_for: 2m, match: { path: \"sil/*\" } }\n";

static vg_test_engine_t s_fx;
static vg_engine_t *g_e;
static vg_test_alerts_t *g_c;

static void
setup (void)
{
    g_e = vg_test_engine_open (&s_fx, RULES, "tuning", NULL);
    g_c = &s_fx.alerts;
}

static void
teardown (void)
{
    vg_test_engine_close (&s_fx);
}

/* Creates of rule, and the first of them. */
static size_t
creates (const vg_test_alerts_t *c, const char *rule)
{
    return vg_test_alerts_count (c, rule, VG_ACT_CREATE);
}

static const vg_alert_t *
first (const vg_test_alerts_t *c, const char *rule)
{
    return vg_test_alerts_first (c, rule, VG_ACT_CREATE);
}

static uint64_t
decl (const vg_device_t *d, const char *path, vg_kind_t kind, const char *k, const char *v)
{
    vg_label_t l[] = { { k, v } };
    uint64_t id = vg_series_id (d->id, path, k ? l : NULL, k ? 1 : 0);
    vg_series_info_t si = { d, path, k ? l : NULL, k ? 1 : 0, kind };
    ck_assert_int_ge (vg_engine_series (g_e, id, &si), 0);
    return id;
}

static double
s_noise (uint64_t i)
{
    return (double) (vg_hash_mix64 (i) % 2001) / 1000.0 - 1.0; /* [-1, 1] */
}

/* Cumulative RRC counters (counter kind): the ratio is taken on deltas. */
START_TEST (ran_kpi_cumulative_counters)
{
    vg_device_t g = { "s1/gnb1", "VA", "m", "gnb", "s1", "1" };
    uint64_t att = decl (&g, "RRC.ConnEstabAtt", VG_KIND_COUNTER, "cell", "1");
    uint64_t suc = decl (&g, "RRC.ConnEstabSucc", VG_KIND_COUNTER, "cell", "1");
    double ta = 5e6, ts = 4.97e6; /* large totals since boot: their ratio is 0.994 */
    for (int i = 0; i < 60; i++) {
        double sr = i < 40 ? 0.995 : 0.93, n = 400;
        ta += n;
        ts += floor (n * sr);
        int64_t t = T0 + i * 5 * MIN;
        vg_engine_sample (g_e, att, t, ta);
        vg_engine_sample (g_e, suc, t, ts);
        if (i == 39)
            ck_assert_uint_eq (creates (g_c, "rrc"), 0);
    }
    ck_assert_uint_eq (creates (g_c, "rrc"), 1);
    const vg_alert_t *a = first (g_c, "rrc");
    ck_assert (a->observed < 0.95 && a->observed > 0.9);
}
END_TEST

/* Memory in bytes: a leak of 3 %/h of 16 GiB fires; flat noisy memory does not. */
START_TEST (memory_leak_bytes)
{
    vg_device_t a = { "s1/a", "VA", "m", "router", "s1", "1" }, b = { "s1/b", "VA", "m", "router", "s1", "1" };
    uint64_t ua = decl (&a, "/system/memory/state/used", VG_KIND_GAUGE, NULL, NULL);
    uint64_t ub = decl (&b, "/system/memory/state/used", VG_KIND_GAUGE, NULL, NULL);
    double phys = 16.0 * 1073741824.0;
    int64_t fired = 0;
    for (int i = 0; i < 12 * 24; i++) { /* 24 h at 5 min */
        int64_t t = T0 + i * 5 * MIN;
        double leak = i >= 144 ? 0.03 * phys * (double) (i - 144) / 12.0 : 0;
        vg_engine_sample (g_e, ua, t, 0.5 * phys * (1 + 0.002 * s_noise ((uint64_t) i)) + leak);
        vg_engine_sample (g_e, ub, t, 0.5 * phys * (1 + 0.002 * s_noise ((uint64_t) i + 7777)));
        if (!fired && creates (g_c, "leak"))
            fired = t;
    }
    ck_assert_uint_eq (creates (g_c, "leak"), 1);
    ck_assert_str_eq (first (g_c, "leak")->device, "s1/a");
    ck_assert_int_gt (fired, T0 + 12 * HOUR);
    ck_assert_int_lt (fired, T0 + 15 * HOUR); /* within ~3 h of the leak's start */
}
END_TEST

/* A device whose flows are all internal still warms up its external baseline. */
START_TEST (exfil_warms_up_on_internal_flows)
{
    vg_device_t d = { "s1/r1", "VA", "m", "router", "s1", "1" };
    vg_flow_t in = { .src = "10.64.0.1", .dst = "10.250.2.20", .dst_port = 443, .protocol = 6,
                     .interval_ms = 900000, .bytes = 2500000, .packets = 3000 };
    vg_event_t ev = { .device = d.id, .type = VG_EV_FLOW_SUMMARY, .flow = &in, .input = "t" };
    for (int i = 0; i < 4 * 30; i++) { /* 30 h of internal flows */
        ev.ts_ms = T0 + i * 15 * MIN;
        ck_assert_int_eq (vg_engine_event (g_e, &ev, &d), 0);
        vg_engine_tick (g_e, ev.ts_ms);
    }
    ck_assert_uint_eq (creates (g_c, "xv"), 0);
    vg_flow_t out = in;
    out.dst = "203.0.113.7";
    out.bytes = 500000000;
    ev.flow = &out;
    ev.ts_ms = T0 + 30 * HOUR + 5 * MIN;
    ck_assert_int_eq (vg_engine_event (g_e, &ev, &d), 0);
    ck_assert_uint_eq (creates (g_c, "xv"), 1);
}
END_TEST

/* Traffic over four interfaces: the rate is taken per interface-set, not across series. */
START_TEST (crypto_rate_over_interfaces)
{
    vg_device_t d = { "s1/csr1", "VA", "m", "router", "s1", "1" };
    uint64_t ifs[4];
    const char *names[4] = { "x0", "x1", "x2", "x3" };
    for (int j = 0; j < 4; j++)
        ifs[j] = decl (&d, "/interfaces/interface/state/counters/out-octets", VG_KIND_COUNTER, "name", names[j]);
    double tot[4] = { 9e12, 3e9, 7e11, 1e6 };
    vg_label_t sa2[] = { { "sa_count", "2" } }, sa0[] = { { "sa_count", "0" } };
    vg_event_t ev = { .device = d.id, .type = VG_EV_CRYPTO_STATE, .attrs = sa2, .nattrs = 1, .input = "t" };
    /* Idle interfaces (flat counters) and SAs down: no traffic, so no finding. */
    for (int i = 0; i < 12; i++) {
        int64_t t = T0 + i * 5 * MIN;
        if (i == 1) {
            ev.ts_ms = t;
            vg_engine_event (g_e, &ev, &d);
        }
        if (i == 6) {
            ev.attrs = sa0;
            ev.ts_ms = t;
            vg_engine_event (g_e, &ev, &d);
        }
        for (int j = 0; j < 4; j++)
            vg_engine_sample (g_e, ifs[j], t, tot[j]);
    }
    ck_assert_uint_eq (creates (g_c, "co"), 0);
    /* Traffic resumes with the SAs still down: it fires. */
    for (int i = 12; i < 16; i++) {
        int64_t t = T0 + i * 5 * MIN;
        for (int j = 0; j < 4; j++) {
            tot[j] += 1e8 * (j + 1);
            vg_engine_sample (g_e, ifs[j], t, tot[j]);
        }
    }
    ck_assert_uint_eq (creates (g_c, "co"), 1);
    const vg_alert_t *a = first (g_c, "co");
    ck_assert_int_ge (a->time_ms, T0 + 13 * 5 * MIN);
}
END_TEST

/* Three vendors in a site; one drifts -3 % over two days, later another one does too.  Both
 * are found, the finding belongs to the site (not to a device), the healthy vendors never. */
START_TEST (divergence_slow_drifts)
{
    vg_device_t dv[3] = { { "core/a", "VA", "m", "amf", "core", "1" },
                          { "core/b", "VB", "m", "amf", "core", "1" },
                          { "core/c", "VC", "m", "smf", "core", "1" } };
    uint64_t id[3];
    for (int j = 0; j < 3; j++)
        id[j] = decl (&dv[j], "kpi/ratio", VG_KIND_GAUGE, NULL, NULL);
    const int64_t step = 5 * MIN, days = 12;
    const int64_t d1 = T0 + 3 * 86400000LL, d2 = T0 + 8 * 86400000LL, len = 2 * 86400000LL;
    int64_t seen_a = 0, seen_b = 0;
    for (int64_t t = T0; t < T0 + days * 86400000LL; t += step) {
        for (int j = 0; j < 3; j++) {
            double v = 0.99 + 0.0008 * s_noise ((uint64_t) (t / step) * 3 + (uint64_t) j);
            int64_t s = j == 0 ? d1 : j == 1 ? d2 : 0;
            if (s && t >= s && t < s + len)
                v -= 0.03 * (double) (t - s) / (double) len;
            vg_engine_sample (g_e, id[j], t, v);
        }
        vg_engine_tick (g_e, t);
        for (size_t i = 0; i < g_c->n; i++)
            if (g_c->a[i].activity == VG_ACT_CREATE) {
                if (strstr (g_c->a[i].signal, "VA") && !seen_a)
                    seen_a = g_c->a[i].time_ms;
                if (strstr (g_c->a[i].signal, "VB") && !seen_b)
                    seen_b = g_c->a[i].time_ms;
            }
    }
    ck_assert_int_gt (seen_a, d1);
    ck_assert_int_lt (seen_a, d1 + len);
    ck_assert_int_gt (seen_b, d2); /* the second drift is not hidden by the first */
    ck_assert_int_lt (seen_b, d2 + len);
    for (size_t i = 0; i < g_c->n; i++) {
        ck_assert_str_eq (g_c->a[i].device, "core");
        ck_assert_ptr_null (strstr (g_c->a[i].signal, "VC"));
    }
}
END_TEST

/* After learning, a known-bastion first-seen pair is information, not an alert; a source
 * outside the bastion range is high. */
START_TEST (login_novelty_inside_bastion)
{
    vg_device_t d = { "s1/r1", "VA", "m", "router", "s1", "1" };
    vg_label_t at[4] = { { "method", "ssh" }, { "result", "success" }, { "source", "10.255.10.11" },
                         { "user", "noc-alice" } };
    vg_event_t ev = { .device = d.id, .type = VG_EV_LOGIN, .attrs = at, .nattrs = 4, .input = "t", .ts_ms = T0 };
    vg_engine_event (g_e, &ev, &d);
    at[3].value = "noc-bob";
    ev.ts_ms = T0 + 2 * HOUR;
    vg_engine_event (g_e, &ev, &d);
    ck_assert_uint_eq (creates (g_c, "login"), 1);
    ck_assert_int_eq (first (g_c, "login")->severity, VG_SEV_INFO);
    at[2].value = "198.51.100.9";
    ev.ts_ms = T0 + 3 * HOUR;
    vg_engine_event (g_e, &ev, &d);
    ck_assert_uint_eq (creates (g_c, "login"), 2);
    ck_assert_int_eq (g_c->a[g_c->n - 1].severity, VG_SEV_HIGH);
}
END_TEST

/* A device with 1-minute streaming series and a 15-minute PM series stops: one device
 * silence finding within minutes, not one finding per streaming series while the slow
 * series is not yet overdue. */
START_TEST (silence_mixed_cadence)
{
    vg_device_t d = { "s1/g", "VA", "m", "gnb", "s1", "1" };
    uint64_t fast[5], slow = decl (&d, "sil/pm", VG_KIND_GAUGE, NULL, NULL);
    char name[8];
    for (int j = 0; j < 5; j++) {
        snprintf (name, sizeof name, "%d", j);
        fast[j] = decl (&d, "sil/stream", VG_KIND_GAUGE, "n", name);
    }
    int64_t t;
    for (t = T0; t < T0 + 3 * HOUR; t += MIN) {
        for (int j = 0; j < 5; j++)
            vg_engine_sample (g_e, fast[j], t, 1);
        if (t % (15 * MIN) == 0)
            vg_engine_sample (g_e, slow, t, 1);
        vg_engine_tick (g_e, t);
    }
    ck_assert_uint_eq (creates (g_c, "sil"), 0);
    int64_t stop = t;
    for (; t < stop + 20 * MIN; t += MIN)
        vg_engine_tick (g_e, t);
    ck_assert_uint_eq (creates (g_c, "sil"), 1);
    const vg_alert_t *a = first (g_c, "sil");
    ck_assert_str_eq (a->signal, "device");
    ck_assert_int_le (a->time_ms, stop + 5 * MIN);
}
END_TEST

Suite *
vg_tuning_suite (void)
{
    const TTest *tests[] = {
        ran_kpi_cumulative_counters, memory_leak_bytes, exfil_warms_up_on_internal_flows,
        crypto_rate_over_interfaces, divergence_slow_drifts, login_novelty_inside_bastion,
        silence_mixed_cadence,
    };
    return vg_test_suite ("tuning", "core", tests, sizeof tests / sizeof tests[0], 60, setup, teardown);
}
