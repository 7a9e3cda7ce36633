/* check_catalog.c - each catalogue detector on a hand-made scenario through the engine:
 * it fires on the injected condition (with the expected severity) and stays quiet on the
 * benign twin. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detectors/engine.h"
#include "common/err.h"
#include "common/hash.h"

#define T0 1767614400000LL /* Monday 2026-01-05 12:00Z */
#define MIN 60000LL
#define HOUR 3600000LL

static const char *RULES =
    "windows:\n"
    "  - { name: cw, kind: change, daily: \"02:00-04:00\" }\n"
    "allowlists:\n"
    "  - { name: mg, entries: [ 10.0.0.0/8 ] }\n"
    "  - { name: bastion, entries: [ 10.255.0.0/24 ] }\n"
    "  - { name: probes, entries: [ 10.254.0.0/24 ] }\n"
    "golden_images:\n"
    "  - { vendor: VX, version: \"7.*\", hashes: [good] }\n"
    "rules:\n"
    "  - { id: burst, detector: burst, for: 0s, keep_firing_for: 0s, match: { path: \"*/in-errors\" } }\n"
    "  - { id: burst2, detector: burst, keep_firing_for: 10m,\n"
    "      match: { path: [\"*/in-errors\", \"*/in-fcs-errors\", \"*/in-discards\"], device: \"s2/*\" },\n"
    "      params: { ratio: 10, min_count: 10, min_intervals: 2 } }\n"
    "  - { id: down, detector: link_down, for: 0s, keep_firing_for: 0s, params: { hold: 30s, hold_intervals: 0.75 },\n"
    "      match: { path: [/interfaces/interface/state/oper-status, /interfaces/interface/state/admin-status] } }\n"
    "  - { id: col, detector: collapse, for: 15m, match: { path: \"*/in-octets\" },\n"
    "      params: { drop_ratio: 0.5, min_z: 4, zero_ratio: 0.01 } }\n"
    "  - { id: cell, detector: cell_outage, keep_firing_for: 15m,\n"
    "      match: { path: [RRC.ConnEstabAtt, DRB.PdcpSduVolumeDL], device: [\"s3/*\", \"s9/*\"] } }\n"
    "  - { id: mem, detector: exhaustion, for: 0s, match: { path: \"*/memory/utilization\" },\n"
    "      params: { level: 90, horizon: 24h, min_span: 1h } }\n"
    "  - { id: cpu, detector: exhaustion, for: 5m, match: { path: \"*/cpu/utilization\" },\n"
    "      params: { level: 90, horizon: 1m } }\n"
    "  - { id: rrc, detector: ran_kpi, for: 0s, match: { path: [RRC.ConnEstabSucc, RRC.ConnEstabAtt] },\n"
    "      params: { min_attempts: 100, sla: 0.98, delta: 0.02, warmup_windows: 4 } }\n"
    "  - { id: pfx, detector: bgp, for: 0s, match: { path: \"*/prefixes/received\" } }\n"
    "  - { id: ch, detector: callhome, keep_firing_for: 30m, params: { learn: 1h, beacon_n: 10 } }\n"
    "  - { id: xv, detector: exfil_volume, params: { internal_allowlist: mg, bucket: 1h, warmup_buckets: 24 } }\n"
    "  - { id: mir, detector: mirror, params: { allowlist: probes } }\n"
    "  - { id: login, detector: login, params: { allowlist: bastion, learn: 1h } }\n"
    "  - { id: co, detector: crypto_off, for: 0s, match: { path: [\"*/sa-count\", \"*/out-octets\"] } }\n"
    "  - { id: cfg, detector: config_change }\n"
    "  - { id: img, detector: image_change }\n"
    "  - { id: rb, detector: reboot, match: { path: [/system/state/up-time, /system/state/boot-time, \"*/state/counters/*\"] } }\n"
    "  - { id: ntp, detector: ntp, for: 1m, match: { path: \"*/ntp/offset\" } }\n"
    "  - { id: ntps, detector: ntp_change }\n"
    "  - { id: x01, detector: common_mode, params: { sources: \"reboot,cell_outage\", window: 15m, min_k: 5 } }\n"
    "  - { id: x01s, detector: common_mode, match: { vendor: [VS] }, params: { sources: cell_outage, window: 15m, min_k: 2 } }\n"
    "  - { id: x02, detector: divergence, for: 1h, match: { path: kpi/ho } ,\n"
    "      params: { bucket: 15m, warmup_buckets: 96, k: 3 } }\n";

typedef struct {
    vg_alert_t a[512];
    char rid[512][32];
    size_t n;
} coll_t;

static void
on_alert (void *ctx, const vg_alert_t *a)
{
    coll_t *c = ctx;
    if (c->n < 512) {
        c->a[c->n] = *a;
        snprintf (c->rid[c->n], sizeof c->rid[c->n], "%s", a->rule_id);
        c->n++;
    }
}

static size_t
count (const coll_t *c, const char *rule, int activity)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        k += !strcmp (c->rid[i], rule) && (!activity || c->a[i].activity == activity);
    return k;
}

static const vg_alert_t *
first (const coll_t *c, const char *rule)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp (c->rid[i], rule))
            return &c->a[i];
    return NULL;
}

static vg_rules_t *g_rules;
static vg_engine_t *g_e;
static coll_t *g_c;

static void
setup (void)
{
    char err[256];
    int rc = vg_rules_parse (RULES, strlen (RULES), "cat", &g_rules, err, sizeof err);
    ck_assert_msg (rc == 0, "%s", err);
    g_c = calloc (1, sizeof *g_c);
    g_e = vg_engine_new (g_rules, NULL, on_alert, g_c);
    ck_assert_ptr_nonnull (g_e);
}

static void
teardown (void)
{
    vg_engine_destroy (&g_e);
    vg_rules_destroy (&g_rules);
    free (g_c);
}

static vg_device_t R1 = { "s1/r1", "VX", "m", "router", "s1", "7.1" };

static uint64_t
decl (const vg_device_t *d, const char *path, vg_kind_t kind, const char *cell)
{
    vg_label_t l[] = { { "cell", cell ? cell : "0" } };
    uint64_t id = vg_series_id (d->id, path, l, 1);
    vg_series_info_t si = { d, path, l, 1, kind };
    ck_assert_int_ge (vg_engine_series (g_e, id, &si), 1);
    return id;
}

static void
event (const vg_device_t *d, int64_t ts, vg_event_type_t type, const vg_label_t *attrs, size_t n, const vg_flow_t *fl)
{
    vg_event_t ev = { d->id, ts, type, attrs, n, fl, NULL, "test" };
    ck_assert_int_eq (vg_engine_event (g_e, &ev, d), 0);
}

START_TEST (a04_error_burst)
{
    uint64_t id = decl (&R1, "/interfaces/interface/state/counters/in-errors", VG_KIND_COUNTER, NULL);
    double ctr = 0;
    int64_t t = T0;
    for (int i = 0; i < 120; i++, t += 10000) {
        ctr += (i % 10 == 0) ? 1 : 0; /* ~0.01/s background */
        vg_engine_sample (g_e, id, t, ctr);
    }
    ck_assert_uint_eq (g_c->n, 0);
    for (int i = 0; i < 6; i++, t += 10000) {
        ctr += 500; /* 50 errors/s */
        vg_engine_sample (g_e, id, t, ctr);
    }
    ck_assert_uint_eq (count (g_c, "burst", VG_ACT_CREATE), 1);
    ck_assert (first (g_c, "burst")->observed > 40);
    /* Counter reset after a reboot does not fire (already firing: no extra record). */
    vg_engine_sample (g_e, id, t, 3), t += 10000;
    for (int i = 0; i < 60; i++, t += 10000)
        vg_engine_sample (g_e, id, t, 3 + i / 10);
    ck_assert_uint_eq (count (g_c, "burst", VG_ACT_CLOSE), 1);
    ck_assert_uint_eq (count (g_c, "burst", VG_ACT_CREATE), 1);
}
END_TEST

START_TEST (a05_memory_leak_and_cpu_level)
{
    uint64_t mem = decl (&R1, "/components/component/memory/utilization", VG_KIND_GAUGE, NULL);
    uint64_t cpu = decl (&R1, "/components/component/cpu/utilization", VG_KIND_GAUGE, NULL);
    int64_t t = T0;
    for (int i = 0; i < 240; i++, t += MIN) { /* 4 h flat at 50 % */
        vg_engine_sample (g_e, mem, t, 50 + 0.2 * sin (i));
        vg_engine_sample (g_e, cpu, t, 30 + 5 * sin (i * 0.3));
    }
    ck_assert_uint_eq (g_c->n, 0);
    int64_t leak = t;
    for (int i = 0; i < 180; i++, t += MIN) /* +2 %/h leak */
        vg_engine_sample (g_e, mem, t, 50 + 2.0 * (t - leak) / HOUR + 0.2 * sin (i));
    const vg_alert_t *a = first (g_c, "mem");
    ck_assert_ptr_nonnull (a);
    ck_assert (a->observed < 60); /* predicted, long before the 90 % level */
    ck_assert (strstr (a->evidence, "trend") != NULL);
    for (int i = 0; i < 4; i++, t += MIN)
        vg_engine_sample (g_e, cpu, t, 97);
    ck_assert_uint_eq (count (g_c, "cpu", 0), 0); /* pending for 5 minutes */
    for (int i = 0; i < 3; i++, t += MIN)
        vg_engine_sample (g_e, cpu, t, 97);
    ck_assert_uint_eq (count (g_c, "cpu", VG_ACT_CREATE), 1);
    /* Kinds without their own headline: "<rule title>: <entity>: <evidence>". */
    const vg_alert_t *c = first (g_c, "cpu");
    ck_assert_msg (strncmp (c->headline, "cpu: s1/r1", 10) == 0 && strstr (c->headline, "level breached") != NULL, "%s",
                   c->headline);
}
END_TEST

START_TEST (a06_ran_kpi_wilson)
{
    uint64_t s = decl (&R1, "RRC.ConnEstabSucc", VG_KIND_GAUGE, "c1");
    uint64_t a = decl (&R1, "RRC.ConnEstabAtt", VG_KIND_GAUGE, "c1");
    int64_t t = T0;
    for (int i = 0; i < 20; i++, t += 15 * MIN) {
        vg_engine_sample (g_e, a, t, 1000);
        vg_engine_sample (g_e, s, t, 995);
    }
    /* Night: 20 attempts per ROP, one failure: pooled, never judged on n = 20. */
    for (int i = 0; i < 8; i++, t += 15 * MIN) {
        vg_engine_sample (g_e, s, t, i == 0 ? 19 : 20);
        vg_engine_sample (g_e, a, t, 20);
    }
    ck_assert_uint_eq (g_c->n, 0);
    for (int i = 0; i < 2; i++, t += 15 * MIN) {
        vg_engine_sample (g_e, a, t, 1000);
        vg_engine_sample (g_e, s, t, 950);
    }
    const vg_alert_t *al = first (g_c, "rrc");
    ck_assert_ptr_nonnull (al);
    ck_assert (al->observed > 0.949 && al->observed < 0.96); /* pooled with the night's remainder */
    ck_assert (al->hi < 0.98 && al->lo < 0.95);
    ck_assert (strstr (al->entity, "cell=c1") != NULL);
    /* Bad pair (successes > attempts) is an error, counted. */
    vg_engine_sample (g_e, a, t, 10);
    vg_engine_sample (g_e, s, t, 20);
    vg_engine_stats_t st;
    vg_engine_stats (g_e, &st);
    ck_assert_uint_eq (st.detector_errors, 1);
}
END_TEST

START_TEST (a08_prefix_swing)
{
    uint64_t id = decl (&R1, "/bgp/neighbors/neighbor/afi-safis/prefixes/received", VG_KIND_GAUGE, NULL);
    int64_t t = T0;
    for (int i = 0; i < 60; i++, t += MIN)
        vg_engine_sample (g_e, id, t, 1000 + (i % 5));
    ck_assert_uint_eq (g_c->n, 0);
    vg_engine_sample (g_e, id, t, 700);
    ck_assert_uint_eq (count (g_c, "pfx", VG_ACT_CREATE), 1);
}
END_TEST

START_TEST (c01_callhome_novelty_and_beacon)
{
    vg_flow_t ntp = { "10.1.1.1", "10.0.0.5", "MGMT", "", 123, 17, 60000, 0, 76, 1 };
    int64_t t = T0;
    for (int i = 0; i < 70; i++, t += MIN) /* learning hour: NTP only */
        event (&R1, t, VG_EV_FLOW_SUMMARY, NULL, 0, &ntp);
    ck_assert_uint_eq (g_c->n, 0);
    vg_flow_t bad = { "10.1.1.1", "203.0.113.45", "MGMT", "CN", 443, 6, 60000, 64512, 4096, 10 };
    for (int i = 0; i < 14; i++, t += MIN) /* a 60 s beacon */
        event (&R1, t, VG_EV_FLOW_SUMMARY, NULL, 0, &bad);
    ck_assert_uint_eq (count (g_c, "ch", VG_ACT_CREATE), 1);
    ck_assert_int_eq (first (g_c, "ch")->severity, VG_SEV_MEDIUM); /* novelty, no allowlist */
    ck_assert_uint_eq (count (g_c, "ch", VG_ACT_UPDATE), 0);        /* novelty only once */
    ck_assert_str_eq (first (g_c, "ch")->signal, "dst=203.0.113.45:443");
    ck_assert_str_eq (first (g_c, "ch")->device, "s1/r1");
}
END_TEST

START_TEST (c02_external_volume)
{
    int64_t t = T0;
    vg_flow_t small = { "10.1.1.1", "198.51.100.7", "", "", 443, 6, 60000, 0, 1000000, 800 };
    vg_flow_t oss = { "10.1.1.1", "10.9.9.9", "", "", 22, 6, 60000, 0, 900000000, 800 };
    for (int h = 0; h < 30; h++)
        for (int k = 0; k < 4; k++) {
            small.bytes = 1000000 + 50000 * ((h + k) % 3);
            event (&R1, t + h * HOUR + k * 15 * MIN, VG_EV_FLOW_SUMMARY, NULL, 0, &small);
            event (&R1, t + h * HOUR + k * 15 * MIN + 1, VG_EV_FLOW_SUMMARY, NULL, 0, &oss); /* internal: ignored */
        }
    ck_assert_uint_eq (g_c->n, 0);
    vg_flow_t big = { "10.1.1.1", "198.51.100.7", "", "", 443, 6, 60000, 0, 500000000, 400000 };
    event (&R1, t + 30 * HOUR + 5 * MIN, VG_EV_FLOW_SUMMARY, NULL, 0, &big);
    ck_assert_uint_eq (count (g_c, "xv", VG_ACT_CREATE), 1);
    ck_assert_int_eq (first (g_c, "xv")->cia, 'C');
}
END_TEST

START_TEST (c03_mirror)
{
    vg_label_t ext[] = { { "action", "create" }, { "session", "1" }, { "destination", "203.0.113.9" } };
    vg_label_t probe[] = { { "action", "create" }, { "session", "2" }, { "destination", "10.254.0.9" } };
    event (&R1, T0, VG_EV_MIRROR_SESSION, probe, 3, NULL);
    event (&R1, T0 + MIN, VG_EV_MIRROR_SESSION, ext, 3, NULL);
    ck_assert_uint_eq (count (g_c, "mir", VG_ACT_CREATE), 2);
    ck_assert_int_eq (g_c->a[0].severity, VG_SEV_LOW);
    ck_assert_int_eq (g_c->a[1].severity, VG_SEV_HIGH);
    ck_assert_str_eq (g_c->a[1].signal, "session=1");
}
END_TEST

START_TEST (c04_login)
{
    vg_label_t ok[] = { { "user", "noc1" }, { "source", "10.255.0.4" }, { "method", "tacacs" }, { "result", "success" } };
    vg_label_t out[] = { { "user", "noc1" }, { "source", "198.51.100.3" }, { "method", "tacacs" }, { "result", "success" } };
    vg_label_t local[] = { { "user", "admin" }, { "source", "10.255.0.4" }, { "method", "local" }, { "result", "success" } };
    vg_label_t fail[] = { { "user", "root" }, { "source", "198.51.100.66" }, { "method", "ssh" }, { "result", "fail" } };
    event (&R1, T0, VG_EV_LOGIN, ok, 4, NULL);
    ck_assert_uint_eq (g_c->n, 0);
    event (&R1, T0 + MIN, VG_EV_LOGIN, out, 4, NULL);
    event (&R1, T0 + 2 * MIN, VG_EV_LOGIN, local, 4, NULL);
    ck_assert_uint_eq (g_c->n, 2);
    ck_assert_int_eq (g_c->a[0].severity, VG_SEV_HIGH);
    ck_assert_int_eq (g_c->a[1].severity, VG_SEV_HIGH);
    for (int i = 0; i < 9; i++)
        event (&R1, T0 + 3 * MIN + i * 1000, VG_EV_LOGIN, fail, 4, NULL);
    ck_assert_uint_eq (g_c->n, 2);
    event (&R1, T0 + 3 * MIN + 9000, VG_EV_LOGIN, fail, 4, NULL);
    ck_assert_uint_eq (g_c->n, 3);
    ck_assert_str_eq (g_c->a[2].signal, "failures");
}
END_TEST

START_TEST (c05_crypto_off)
{
    uint64_t sa = decl (&R1, "/security/ipsec/sa-count", VG_KIND_GAUGE, NULL);
    uint64_t oct = decl (&R1, "/interfaces/interface/state/counters/out-octets", VG_KIND_COUNTER, NULL);
    double ctr = 0;
    int64_t t = T0;
    for (int i = 0; i < 10; i++, t += MIN) {
        ctr += 6e7;
        vg_engine_sample (g_e, oct, t, ctr);
        vg_engine_sample (g_e, sa, t, 4);
    }
    ck_assert_uint_eq (g_c->n, 0);
    ctr += 6e7;
    vg_engine_sample (g_e, oct, t, ctr);
    vg_engine_sample (g_e, sa, t, 0);
    ck_assert_uint_eq (count (g_c, "co", VG_ACT_CREATE), 1);
    ck_assert_int_eq (g_c->a[0].cia, 'C');
    /* crypto_state events feed the same instance: SAs back -> clears -> closes after hold-down. */
    vg_label_t up[] = { { "tunnel", "t1" }, { "sa_count", "4" } };
    event (&R1, t + MIN, VG_EV_CRYPTO_STATE, up, 2, NULL);
    vg_engine_tick (g_e, t + 20 * MIN);
    ck_assert_uint_eq (count (g_c, "co", VG_ACT_CLOSE), 1);
}
END_TEST

START_TEST (i01_config_change_window)
{
    vg_label_t acl[] = { { "hash", "h1" }, { "user", "bob" }, { "class", "acl" } };
    vg_label_t same[] = { { "hash", "h1" }, { "user", "bob" }, { "class", "acl" } };
    vg_label_t desc[] = { { "hash", "h2" }, { "user", "ann" }, { "class", "description" } };
    int64_t night = T0 + 15 * HOUR; /* 03:00 next day: inside the change window */
    event (&R1, night, VG_EV_CONFIG_CHANGE, desc, 3, NULL);
    ck_assert_uint_eq (g_c->n, 0);
    event (&R1, T0, VG_EV_CONFIG_CHANGE, acl, 3, NULL); /* 12:00: outside */
    ck_assert_uint_eq (g_c->n, 1);
    ck_assert_int_eq (g_c->a[0].severity, VG_SEV_HIGH);
    ck_assert_int_eq (g_c->a[0].cia, 'I');
    event (&R1, T0 + MIN, VG_EV_CONFIG_CHANGE, same, 3, NULL); /* no semantic change */
    ck_assert_uint_eq (g_c->n, 1);
}
END_TEST

START_TEST (i02_image_change)
{
    vg_label_t up[] = { { "version", "7.2" }, { "hash", "good" } };
    vg_label_t down[] = { { "version", "7.1.9" }, { "hash", "good" } };
    vg_label_t evil[] = { { "version", "7.2" }, { "hash", "evil" } };
    vg_device_t d2 = { "s1/r2", "VX", "m", "router", "s1", "7.1" };
    vg_device_t d3 = { "s1/r3", "VX", "m", "router", "s1", "7.1" };
    event (&R1, T0 + 15 * HOUR, VG_EV_IMAGE_CHANGE, up, 2, NULL); /* windowed upgrade: quiet */
    ck_assert_uint_eq (g_c->n, 0);
    event (&R1, T0 + 15 * HOUR + MIN, VG_EV_IMAGE_CHANGE, down, 2, NULL);
    ck_assert_uint_eq (g_c->n, 1);
    ck_assert_int_eq (g_c->a[0].severity, VG_SEV_HIGH);
    ck_assert (strstr (g_c->a[0].evidence, "downgrade") != NULL);
    event (&d2, T0 + 15 * HOUR, VG_EV_IMAGE_CHANGE, evil, 2, NULL);
    ck_assert_uint_eq (g_c->n, 2);
    ck_assert_int_eq (g_c->a[1].severity, VG_SEV_CRITICAL);
    event (&d3, T0, VG_EV_IMAGE_CHANGE, up, 2, NULL); /* unwindowed */
    ck_assert_uint_eq (g_c->n, 3);
    ck_assert_int_eq (g_c->a[2].severity, VG_SEV_HIGH);
}
END_TEST

START_TEST (i03_reboot_one_finding)
{
    uint64_t up = decl (&R1, "/system/state/up-time", VG_KIND_GAUGE, NULL);
    int64_t t = T0;
    for (int i = 0; i < 10; i++, t += MIN)
        vg_engine_sample (g_e, up, t, 1e6 + i * 60);
    vg_label_t why[] = { { "reason", "watchdog" } };
    event (&R1, t, VG_EV_REBOOT, why, 1, NULL);
    vg_engine_sample (g_e, up, t + MIN, 30); /* the same reboot seen in up-time */
    ck_assert_uint_eq (count (g_c, "rb", 0), 1);
    ck_assert_int_eq (g_c->a[0].severity, VG_SEV_HIGH);
}
END_TEST

START_TEST (i04_ntp_offset_and_step)
{
    uint64_t off = decl (&R1, "/system/ntp/offset", VG_KIND_GAUGE, NULL);
    int64_t t = T0;
    for (int i = 0; i < 5; i++, t += 30000)
        vg_engine_sample (g_e, off, t, 2);
    vg_engine_sample (g_e, off, t, 3002), t += 30000; /* +3 s step */
    ck_assert_uint_eq (count (g_c, "ntp", VG_ACT_CREATE), 1);
    ck_assert_str_eq (g_c->a[0].signal, "step");
    for (int i = 0; i < 3; i++, t += 30000)
        vg_engine_sample (g_e, off, t, 3002);
    ck_assert_uint_eq (count (g_c, "ntp", VG_ACT_CREATE), 2); /* level finding after for: 1m */
    vg_label_t s1[] = { { "server", "10.0.0.1" }, { "stratum", "2" } };
    vg_label_t s2[] = { { "server", "198.51.100.1" }, { "stratum", "1" } };
    event (&R1, t, VG_EV_NTP_CHANGE, s1, 2, NULL);
    ck_assert_uint_eq (count (g_c, "ntps", 0), 0); /* first report = baseline */
    event (&R1, t + MIN, VG_EV_NTP_CHANGE, s2, 2, NULL);
    ck_assert_uint_eq (count (g_c, "ntps", VG_ACT_CREATE), 1);
}
END_TEST

START_TEST (x01_common_mode)
{
    vg_device_t devs[40];
    char names[40][16];
    for (int i = 0; i < 40; i++) {
        snprintf (names[i], sizeof names[i], "s1/g%02d", i);
        devs[i] = (vg_device_t) { names[i], i < 20 ? "VX" : "VY", "g", "gnb", "s1", "1.0" };
        ck_assert_int_eq (vg_engine_device (g_e, &devs[i]), 0);
    }
    vg_label_t why[] = { { "reason", "unknown" } };
    event (&devs[25], T0, VG_EV_REBOOT, why, 1, NULL); /* one VY reboot: nothing fleet-wide */
    for (int i = 0; i < 4; i++)
        event (&devs[i], T0 + i * MIN, VG_EV_REBOOT, why, 1, NULL);
    ck_assert_uint_eq (count (g_c, "x01", 0), 0); /* k = 4 < min_k */
    for (int i = 4; i < 6; i++)
        event (&devs[i], T0 + i * MIN, VG_EV_REBOOT, why, 1, NULL);
    const vg_alert_t *a = first (g_c, "x01");
    ck_assert_ptr_nonnull (a);
    ck_assert_int_eq (a->cia, 'X');
    ck_assert_str_eq (a->device, "VX");
    ck_assert_str_eq (a->vendor, "VX");
    ck_assert_int_eq (a->severity, VG_SEV_CRITICAL); /* 6 of 20 > 20 % */
    ck_assert_double_eq (a->observed, 5);
    /* The window passes: the finding resolves after its hold-down. */
    vg_engine_tick (g_e, T0 + 40 * MIN);
    vg_engine_tick (g_e, T0 + 60 * MIN);
    ck_assert_uint_eq (count (g_c, "x01", VG_ACT_CLOSE), 1);
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
        ck_assert_int_eq (vg_engine_device (g_e, &f->devs[i]), 0);
    }
}

static void
s_reboot (const vg_device_t *d, int64_t ts)
{
    vg_label_t why[] = { { "reason", "unknown" } };
    event (d, ts, VG_EV_REBOOT, why, 1, NULL);
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
        ck_assert_int_eq (vg_engine_device (g_e, &anon[i]), 0);
    }
    for (int i = 0; i < 6; i++)
        s_reboot (&anon[i], T0 + i * MIN);
    const vg_alert_t *a = first (g_c, "x01");
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
    ck_assert_uint_eq (count (g_c, "x01", 0), 0);
    /* A fifth within the window of the four: now it is five. */
    s_reboot (&f.devs[11], T0 + 185 * MIN);
    ck_assert_uint_eq (count (g_c, "x01", VG_ACT_CREATE), 1);
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
    ck_assert_uint_eq (count (g_c, "x01", VG_ACT_CREATE), 1);
    for (int i = 0; i < 5; i++)
        s_reboot (&f.devs[5 + i], second + i * MIN);
    ck_assert_uint_eq (count (g_c, "x01", VG_ACT_CREATE), 2);
    ck_assert_uint_eq (count (g_c, "x01", VG_ACT_CLOSE), 1);
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
    ck_assert_uint_eq (count (g_c, "x01", VG_ACT_CREATE), 1);
    vg_engine_tick (g_e, T0 + 360 * MIN);
    vg_engine_tick (g_e, T0 + 400 * MIN);
    ck_assert_uint_eq (count (g_c, "x01", VG_ACT_CLOSE), 1);
    for (size_t i = 0; i < g_c->n; i++)
        if (!strcmp (g_c->rid[i], "x01") && g_c->a[i].activity == VG_ACT_CLOSE)
            ck_assert_int_eq (g_c->a[i].time_ms, T0 + 4 * MIN + 15 * MIN + 5 * MIN); /* last + W + keep (5 min default) */
}
END_TEST

START_TEST (x02_vendor_divergence)
{
    vg_device_t a = { "s1/ga", "VX", "g", "gnb", "s1", "1" }, b = { "s1/gb", "VY", "g", "gnb", "s1", "1" };
    vg_device_t c = { "s1/gc", "VZ", "g", "gnb", "s1", "1" };
    uint64_t ia = decl (&a, "kpi/ho", VG_KIND_GAUGE, NULL), ib = decl (&b, "kpi/ho", VG_KIND_GAUGE, NULL);
    uint64_t ic = decl (&c, "kpi/ho", VG_KIND_GAUGE, NULL);
    int64_t t = T0;
    uint64_t s = 99;
    for (int i = 0; i < 4 * 24 * 3; i++, t += 15 * MIN) { /* 3 days, common load swings */
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double common = 0.985 + 0.005 * sin (i * 2 * M_PI / 96);
        double n = ((double) (s >> 11) / 9007199254740992.0 - 0.5) * 0.002;
        vg_engine_sample (g_e, ia, t, common + n);
        vg_engine_sample (g_e, ib, t, common - n);
        vg_engine_sample (g_e, ic, t, common + 0.5 * n);
        vg_engine_tick (g_e, t);
    }
    ck_assert_uint_eq (count (g_c, "x02", 0), 0);
    for (int i = 0; i < 12; i++, t += 15 * MIN) { /* VX drifts down 3 pp; others flat */
        vg_engine_sample (g_e, ia, t, 0.985 - 0.03 * (i + 1) / 12.0);
        vg_engine_sample (g_e, ib, t, 0.985);
        vg_engine_sample (g_e, ic, t, 0.985);
        vg_engine_tick (g_e, t);
    }
    const vg_alert_t *al = first (g_c, "x02");
    ck_assert_ptr_nonnull (al);
    ck_assert_str_eq (al->signal, "vendor=VX");
    ck_assert_str_eq (al->site, "s1");
}
END_TEST

/* ---- interface down (A02) ---------------------------------------------------------------- */

static uint64_t
decl_if (const vg_device_t *d, const char *path, vg_kind_t kind, const char *ifname)
{
    vg_label_t l[] = { { "name", ifname } };
    uint64_t id = vg_series_id (d->id, path, l, 1);
    vg_series_info_t si = { d, path, l, 1, kind };
    ck_assert_int_ge (vg_engine_series (g_e, id, &si), 1);
    return id;
}

START_TEST (a02_interface_down_hold_and_resolve)
{
    uint64_t op = decl_if (&R1, "/interfaces/interface/state/oper-status", VG_KIND_STATE, "et-0/0/1");
    uint64_t ad = decl_if (&R1, "/interfaces/interface/state/admin-status", VG_KIND_STATE, "et-0/0/1");
    uint64_t never = decl_if (&R1, "/interfaces/interface/state/oper-status", VG_KIND_STATE, "et-0/0/9");
    int64_t t = T0;
    for (int i = 0; i < 10; i++, t += 10000) {
        vg_engine_state (g_e, op, t, "UP");
        vg_engine_state (g_e, ad, t, "UP");
        vg_engine_state (g_e, never, t, "LOWER_LAYER_DOWN"); /* unused port: never up */
    }
    ck_assert_uint_eq (g_c->n, 0);
    /* Down in one sample (shorter than the hold, 0.75 of the 10-s step): nothing. */
    vg_engine_state (g_e, op, t, "DOWN"), t += 5000;
    vg_engine_tick (g_e, t), t += 5000;
    vg_engine_state (g_e, op, t, "UP"), t += 10000;
    ck_assert_uint_eq (count (g_c, "down", 0), 0);
    /* Down once (on-change source: no more samples); ticks carry it past the hold. */
    int64_t down = t;
    vg_engine_state (g_e, op, t, "DOWN");
    for (int i = 1; i <= 40; i++)
        vg_engine_tick (g_e, down + i * 10000);
    ck_assert_uint_eq (count (g_c, "down", VG_ACT_CREATE), 1);
    const vg_alert_t *a = first (g_c, "down");
    ck_assert_int_le (a->time_ms - down, 40000); /* within the hold + one tick */
    ck_assert_msg (strstr (a->headline, "s1/r1 interface et-0/0/1: oper-status DOWN for") != NULL, "%s", a->headline);
    ck_assert_msg (strstr (a->headline, "admin UP") != NULL, "%s", a->headline);
    ck_assert_uint_eq (count (g_c, "down", 0), 1); /* one alert for the interface, no repeats */
    t = down + 41 * 10000;
    vg_engine_state (g_e, op, t, "UP");
    vg_engine_tick (g_e, t + 1000);
    ck_assert_uint_eq (count (g_c, "down", VG_ACT_CLOSE), 1);
    /* Administratively shut: not an outage. */
    t += 60000;
    vg_engine_state (g_e, ad, t, "DOWN");
    vg_engine_state (g_e, op, t + 1, "DOWN");
    for (int i = 1; i <= 30; i++)
        vg_engine_tick (g_e, t + i * 10000);
    ck_assert_uint_eq (count (g_c, "down", VG_ACT_CREATE), 1);
    for (size_t i = 0; i < g_c->n; i++)
        ck_assert_msg (strstr (g_c->a[i].entity, "et-0/0/9") == NULL, "never-up port alerted");
}
END_TEST

/* The hold follows the interface's own step: at 10-s samples DOWN in two samples in a row
 * fires at the second (a fixed 30 s hold took three intervals: link down TTD 3.0 at 10 s
 * through the wire, 1.0 at 60 s); an on-change source (no step learned) keeps the 30 s. */
START_TEST (a02_hold_follows_the_step)
{
    uint64_t op = decl_if (&R1, "/interfaces/interface/state/oper-status", VG_KIND_STATE, "et-0/0/2");
    int64_t t = T0;
    for (int i = 0; i < 10; i++, t += 10000)
        vg_engine_state (g_e, op, t, "UP");
    int64_t down = t;
    for (int i = 0; i < 6; i++, t += 10000)
        vg_engine_state (g_e, op, t, "DOWN");
    ck_assert_uint_eq (count (g_c, "down", VG_ACT_CREATE), 1);
    ck_assert_int_eq (first (g_c, "down")->time_ms - down, 10000);
    /* On-change: UP once, DOWN once, then only ticks: the 30 s hold. */
    uint64_t oc = decl_if (&R1, "/interfaces/interface/state/oper-status", VG_KIND_STATE, "et-0/0/3");
    vg_engine_state (g_e, oc, t, "UP");
    int64_t d2 = t + 1000;
    vg_engine_state (g_e, oc, d2, "DOWN");
    for (int i = 1; i <= 10; i++)
        vg_engine_tick (g_e, d2 + i * 5000);
    ck_assert_uint_eq (count (g_c, "down", VG_ACT_CREATE), 2);
    ck_assert_int_eq (g_c->a[g_c->n - 1].time_ms - d2, 30000);
}
END_TEST

START_TEST (a02_flap_every_sample_is_not_a_hold)
{
    uint64_t op = decl_if (&R1, "/interfaces/interface/state/oper-status", VG_KIND_STATE, "xe-1");
    int64_t t = T0;
    for (int i = 0; i < 60; i++, t += 10000) { /* 10 s down, 10 s up: never down for 30 s */
        vg_engine_state (g_e, op, t, i % 2 ? "DOWN" : "UP");
        vg_engine_tick (g_e, t + 5000);
    }
    ck_assert_uint_eq (count (g_c, "down", 0), 0);
}
END_TEST

/* ---- error bursts (A04) --------------------------------------------------------------- */

static vg_device_t S2 = { "s2/r1", "VX", "m", "router", "s2", "7.1" };

START_TEST (a04_busy_link_background_is_not_a_burst)
{
    uint64_t er = decl_if (&S2, "/interfaces/interface/state/counters/in-errors", VG_KIND_COUNTER, "et-0/0/0");
    uint64_t fc = decl_if (&S2, "/interfaces/interface/state/counters/in-fcs-errors", VG_KIND_COUNTER, "et-0/0/0");
    uint64_t di = decl_if (&S2, "/interfaces/interface/state/counters/in-discards", VG_KIND_COUNTER, "et-0/0/0");
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
        vg_engine_sample (g_e, er, t, e);
        vg_engine_sample (g_e, fc, t, f);
        vg_engine_sample (g_e, di, t, d);
        if (i % 2 == 0)
            vg_engine_tick (g_e, t);
    }
    ck_assert_uint_eq (count (g_c, "burst2", 0), 0);
    ck_assert_uint_eq (count (g_c, "burst", 0), 0); /* the CUSUM-free rule on in-errors too */
    /* A real FCS burst: in-errors and in-fcs-errors together -> one finding. */
    for (int i = 0; i < 4; i++, t += 30000) {
        e += 400, f += 400, d += 40;
        vg_engine_sample (g_e, er, t, e);
        vg_engine_sample (g_e, fc, t, f);
        vg_engine_sample (g_e, di, t, d);
    }
    ck_assert_uint_eq (count (g_c, "burst2", VG_ACT_CREATE), 1);
    const vg_alert_t *a = first (g_c, "burst2");
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
    uint64_t at = decl (&g, "RRC.ConnEstabAtt", VG_KIND_GAUGE, "12");
    uint64_t vo = decl (&g, "DRB.PdcpSduVolumeDL", VG_KIND_GAUGE, "12");
    uint64_t qat = decl (&g, "RRC.ConnEstabAtt", VG_KIND_GAUGE, "13"); /* quiet cell */
    uint64_t qvo = decl (&g, "DRB.PdcpSduVolumeDL", VG_KIND_GAUGE, "13");
    int64_t t = T0 - 12 * HOUR; /* 00:00 */
    uint64_t rng = 3;
    for (int i = 0; i < 4 * 24 * 2; i++, t += 15 * MIN) { /* two days of 15-min ROPs */
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        double n = 1 + 0.1 * ((double) (rng >> 11) / 9007199254740992.0 - 0.5);
        vg_engine_sample (g_e, at, t, floor (s_daily (t, 400) * n));
        vg_engine_sample (g_e, vo, t, s_daily (t, 400) * 2e4 * n);
        /* Quiet cell: 0-3 attempts at night, zero traffic in many ROPs. */
        double q = floor (s_daily (t, 30) * n);
        int h = (int) ((t / HOUR) % 24);
        if (h >= 1 && h < 5)
            q = (rng >> 62) == 0 ? 1 : 0;
        vg_engine_sample (g_e, qat, t, q);
        vg_engine_sample (g_e, qvo, t, q * 1e4);
    }
    ck_assert_uint_eq (count (g_c, "cell", 0), 0);
    /* Cell 12 dies at midnight (expected ~90 per ROP) while its PM data keeps arriving. */
    int64_t dead = t;
    for (int i = 0; i < 3; i++, t += 15 * MIN) {
        vg_engine_sample (g_e, at, t, 0);
        vg_engine_sample (g_e, vo, t, 0);
        vg_engine_sample (g_e, qat, t, 20);
        vg_engine_sample (g_e, qvo, t, 2e5);
    }
    ck_assert_uint_eq (count (g_c, "cell", VG_ACT_CREATE), 1);
    const vg_alert_t *a = first (g_c, "cell");
    ck_assert_int_eq (a->time_ms, dead + 15 * MIN); /* the second dead ROP */
    ck_assert_msg (strstr (a->entity, "cell=12") != NULL, "%s", a->entity);
    ck_assert_msg (strstr (a->headline, "s3/du3 cell 12: RRC.ConnEstabAtt 0 for 30 min (baseline") != NULL, "%s",
                   a->headline);
    ck_assert_msg (strstr (a->headline, "per 15 min") != NULL, "%s", a->headline);
    ck_assert_msg (a->expected > 60 && a->expected < 130, "%g", a->expected);
    /* Traffic returns: resolved after the hold-down. */
    for (int i = 0; i < 3; i++, t += 15 * MIN) {
        vg_engine_sample (g_e, at, t, 380);
        vg_engine_sample (g_e, vo, t, 380 * 2e4);
        vg_engine_tick (g_e, t);
    }
    ck_assert_uint_eq (count (g_c, "cell", VG_ACT_CLOSE), 1);
}
END_TEST

START_TEST (a06_attempts_zero_but_traffic_flows)
{
    vg_device_t g = { "s3/du4", "VS", "g", "gnb", "s3", "1" };
    uint64_t at = decl (&g, "RRC.ConnEstabAtt", VG_KIND_GAUGE, "1");
    uint64_t vo = decl (&g, "DRB.PdcpSduVolumeDL", VG_KIND_GAUGE, "1");
    int64_t t = T0;
    for (int i = 0; i < 40; i++, t += 15 * MIN) {
        vg_engine_sample (g_e, at, t, 300);
        vg_engine_sample (g_e, vo, t, 6e6);
    }
    for (int i = 0; i < 6; i++, t += 15 * MIN) { /* attempts counter stuck at 0, traffic flows */
        vg_engine_sample (g_e, at, t, 0);
        vg_engine_sample (g_e, vo, t, 6e6);
    }
    ck_assert_uint_eq (count (g_c, "cell", 0), 0);
}
END_TEST

/* Counter-kind PM inputs: the delta across two hours of missing files is eight ROPs'
 * worth; it must not be learned as one ROP (it would inflate that hour's baseline 2.6x). */
START_TEST (a06_counter_gap_is_not_a_period)
{
    vg_device_t g = { "s3/du5", "VS", "g", "gnb", "s3", "1" };
    uint64_t at = decl (&g, "RRC.ConnEstabAtt", VG_KIND_COUNTER, "1");
    uint64_t vo = decl (&g, "DRB.PdcpSduVolumeDL", VG_KIND_COUNTER, "1");
    double ca = 0, cv = 0;
    int64_t t = T0;
    for (int i = 0; i <= 96; i++, t += 15 * MIN) { /* a day: every hour's slot learns 300 */
        vg_engine_sample (g_e, at, t, ca);
        vg_engine_sample (g_e, vo, t, cv);
        ca += 300, cv += 6e6;
    }
    ca += 7 * 300, cv += 7 * 6e6; /* 8 ROPs of files lost (the gNB silent) */
    t += 7 * 15 * MIN;
    vg_engine_sample (g_e, at, t, ca);
    vg_engine_sample (g_e, vo, t, cv);
    for (int i = 0; i < 2; i++) { /* then the cell dies in that same hour */
        t += 15 * MIN;
        vg_engine_sample (g_e, at, t, ca);
        vg_engine_sample (g_e, vo, t, cv);
    }
    ck_assert_uint_eq (count (g_c, "cell", VG_ACT_CREATE), 1);
    const vg_alert_t *a = first (g_c, "cell");
    ck_assert_msg (a->expected > 250 && a->expected < 350, "expected %g", a->expected);
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
        at[i] = decl (&g[i], "RRC.ConnEstabAtt", VG_KIND_GAUGE, "1");
    }
    int64_t t = T0;
    for (int k = 0; k < 30; k++, t += 15 * MIN)
        for (int i = 0; i < 4; i++)
            vg_engine_sample (g_e, at[i], t + i * 1000, 250 + 10 * i);
    for (int k = 0; k < 3; k++, t += 15 * MIN)
        for (int i = 0; i < 4; i++)
            vg_engine_sample (g_e, at[i], t + i * 1000, i < failing ? 0 : 250 + 10 * i);
}

START_TEST (x01_small_vendor_fleet_all_cells)
{
    s_small_fleet (4);
    ck_assert_uint_eq (count (g_c, "cell", VG_ACT_CREATE), 4);
    ck_assert_uint_eq (count (g_c, "x01s", VG_ACT_CREATE), 1);
    const vg_alert_t *a = first (g_c, "x01s");
    ck_assert_str_eq (a->device, "VS");
    ck_assert_msg (strstr (a->headline, "vendor VS: ") != NULL && strstr (a->headline, "of 4 devices") != NULL, "%s",
                   a->headline);
    ck_assert_uint_eq (count (g_c, "x01", 0), 0); /* min_k 5 there */
}
END_TEST

START_TEST (x01_small_vendor_fleet_one_element)
{
    s_small_fleet (1);
    ck_assert_uint_eq (count (g_c, "cell", VG_ACT_CREATE), 1);
    ck_assert_uint_eq (count (g_c, "x01s", 0), 0);
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
        vg_engine_sample (g_e, id, t, *ctr);
    }
}

START_TEST (a03_collapse_after_one_day)
{
    uint64_t id = decl_if (&R1, "/interfaces/interface/state/counters/in-octets", VG_KIND_COUNTER, "et-0/0/2");
    double ctr = 1e12;
    uint64_t rng = 11;
    int64_t mon = T0 - 12 * HOUR; /* Monday 00:00 */
    s_octets (id, mon, mon + 24 * HOUR, &ctr, &rng, (double) INT64_MAX, 1); /* day 1 learns */
    ck_assert_uint_eq (count (g_c, "col", 0), 0);
    /* Day 2, 14:00: traffic collapses to 20 % for an hour. */
    int64_t at = mon + 38 * HOUR;
    s_octets (id, mon + 24 * HOUR, at + HOUR, &ctr, &rng, at, 0.2);
    ck_assert_uint_eq (count (g_c, "col", VG_ACT_CREATE), 1);
    const vg_alert_t *a = first (g_c, "col");
    ck_assert_int_le (a->time_ms - at, 20 * MIN);
    ck_assert_msg (strstr (a->headline, "s1/r1 interface et-0/0/2 in-octets: ") != NULL, "%s", a->headline);
    ck_assert_msg (strstr (a->headline, "daily baseline") != NULL, "%s", a->headline);
}
END_TEST

START_TEST (a03_benign_weekend_and_shift)
{
    uint64_t id = decl_if (&R1, "/interfaces/interface/state/counters/in-octets", VG_KIND_COUNTER, "et-0/0/3");
    double ctr = 1e12;
    uint64_t rng = 12;
    int64_t thu = T0 - 12 * HOUR + 3 * 24 * HOUR; /* Thursday 00:00: data starts before a weekend */
    /* Thu-Fri learn, first weekend at 40 % (its own profile starts on Saturday), then a
     * planned 35 % shift away from this uplink on Monday, and a counter wrap. */
    s_octets (id, thu, thu + 4 * 24 * HOUR, &ctr, &rng, (double) INT64_MAX, 1);
    ctr = 5e6; /* cleared */
    s_octets (id, thu + 4 * 24 * HOUR, thu + 5 * 24 * HOUR, &ctr, &rng, thu + 4 * 24 * HOUR + 10 * HOUR, 0.65);
    ck_assert_uint_eq (count (g_c, "col", 0), 0);
}
END_TEST

START_TEST (a03_zero_traffic_left_to_interface_down)
{
    uint64_t id = decl_if (&R1, "/interfaces/interface/state/counters/in-octets", VG_KIND_COUNTER, "et-0/0/4");
    double ctr = 1e12;
    uint64_t rng = 13;
    int64_t mon = T0 - 12 * HOUR;
    s_octets (id, mon, mon + 38 * HOUR, &ctr, &rng, (double) INT64_MAX, 1);
    s_octets (id, mon + 38 * HOUR, mon + 40 * HOUR, &ctr, &rng, mon + 38 * HOUR, 0);
    ck_assert_uint_eq (count (g_c, "col", 0), 0);
}
END_TEST

/* ---- reboot from counters restarting / boot-time (I03) -------------------------------- */

START_TEST (i03_reboot_from_counters_restarting)
{
    vg_device_t d = { "s4/r1", "VQ", "m", "router", "s4", "1" };
    static const char *const ifs[] = { "et-0/0/0", "et-0/0/1", "et-0/0/2", "et-0/0/3" };
    static const char *const ctrs[] = { "in-octets", "out-octets", "in-pkts", "in-errors" };
    uint64_t id[16];
    double v[16];
    for (int i = 0; i < 16; i++) {
        char path[128];
        snprintf (path, sizeof path, "/interfaces/interface/state/counters/%s", ctrs[i % 4]);
        id[i] = decl_if (&d, path, VG_KIND_COUNTER, ifs[i / 4]);
        v[i] = i % 4 == 3 ? 3 : 1e9 * (1 + i); /* errors stay small: they do not take part */
    }
    int64_t t = T0;
    for (int k = 0; k < 20; k++, t += 30000)
        for (int i = 0; i < 16; i++)
            vg_engine_sample (g_e, id[i], t, v[i] += i % 4 == 3 ? 0 : 1e6);
    /* One counter wraps, then one interface's counters are cleared: not a reboot. */
    v[0] = 5;
    for (int i = 4; i < 8; i++)
        v[i] = i % 4 == 3 ? 0 : 10;
    for (int k = 0; k < 5; k++, t += 30000)
        for (int i = 0; i < 16; i++)
            vg_engine_sample (g_e, id[i], t, v[i] += i % 4 == 3 ? 0 : 1e6);
    ck_assert_uint_eq (count (g_c, "rb", 0), 0);
    t += 20 * MIN;
    /* The device restarts (no up-time sensor): every counter starts again from ~0. */
    for (int i = 0; i < 16; i++)
        v[i] = i % 4 == 3 ? 0 : 2e4;
    for (int k = 0; k < 5; k++, t += 30000)
        for (int i = 0; i < 16; i++)
            vg_engine_sample (g_e, id[i], t, v[i] += i % 4 == 3 ? 0 : 1e6);
    ck_assert_uint_eq (count (g_c, "rb", VG_ACT_CREATE), 1);
    const vg_alert_t *a = first (g_c, "rb");
    ck_assert_msg (strstr (a->headline, "s4/r1 rebooted: ") != NULL && strstr (a->headline, "counters restarted") != NULL,
                   "%s", a->headline);
}
END_TEST

START_TEST (i03_jitter_is_not_a_reboot)
{
    vg_device_t d = { "s4/r2", "VQ", "m", "router", "s4", "1" };
    uint64_t up = decl (&d, "/system/state/up-time", VG_KIND_GAUGE, NULL);
    uint64_t bt = decl (&d, "/system/state/boot-time", VG_KIND_GAUGE, NULL);
    int64_t t = T0;
    double boot_ns = 1.7e18;
    for (int i = 0; i < 100; i++, t += 30000) {
        vg_engine_sample (g_e, up, t, 86400.0 * 30 + i * 30 - (i % 3)); /* s, rounding jitter */
        vg_engine_sample (g_e, bt, t, boot_ns + (i % 2) * 1e9);    /* ns, +-1 s recomputation */
    }
    ck_assert_uint_eq (count (g_c, "rb", 0), 0);
    vg_engine_sample (g_e, bt, t, boot_ns + 30.0 * 86400 * 1e9); /* booted again */
    ck_assert_uint_eq (count (g_c, "rb", VG_ACT_CREATE), 1);
}
END_TEST

/* ---- state of the new / changed kinds survives a restart and rejects bad blobs -------- */

START_TEST (new_kinds_save_load_hostile)
{
    const char *ids[] = { "burst2", "down", "cell", "col", "rb" };
    vg_label_t l[] = { { "name", "et-0/0/0" } };
    vg_entity_t ent = { &R1, "/interfaces/interface/state/counters/in-octets", l, 1, VG_KIND_COUNTER, "s1/r1" };
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        const vg_rule_t *r = NULL;
        for (size_t j = 0; j < g_rules->nrules; j++)
            if (!strcmp (g_rules->rules[j].id, ids[k]))
                r = &g_rules->rules[j];
        ck_assert_ptr_nonnull (r);
        vg_detector_t *d = r->ops->new (r, &ent);
        ck_assert_ptr_nonnull (d);
        d->ops = r->ops;
        d->rule = r;
        vg_verdict_t v;
        for (int i = 0; i < 50; i++) { /* some state */
            memset (&v, 0, sizeof v);
            if (r->ops->on_sample)
                r->ops->on_sample (d, T0 + i * 60000, 1e6 + i * 1e5, &v);
            else if (r->ops->on_series_input)
                r->ops->on_series_input (d, i % 3, 42 + (uint64_t) (i % 3), &R1, T0 + i * 60000, 1e6 + i * 1e5, &v);
            else
                r->ops->on_input (d, i % 2, &R1, T0 + i * 60000, i % 7 ? 1e6 + i : 0, &v);
        }
        vg_buf_t b = { 0 };
        ck_assert_int_eq (r->ops->save (d, &b), 0);
        vg_detector_t *d2 = r->ops->new (r, &ent);
        d2->ops = r->ops;
        d2->rule = r;
        ck_assert_int_eq (r->ops->load (d2, b.data, b.len), 0);
        vg_buf_t b2 = { 0 };
        ck_assert_int_eq (r->ops->save (d2, &b2), 0);
        ck_assert_uint_eq (b.len, b2.len);
        ck_assert_int_eq (memcmp (b.data, b2.data, b.len), 0); /* identical state */
        ck_assert_int_lt (r->ops->load (d2, b.data, b.len / 2), 0); /* truncated */
        ck_assert_int_lt (r->ops->load (d2, (const uint8_t *) "junkjunk", 8), 0);
        /* A non-finite value inside the blob is refused (cold start instead). */
        if (b.len > 64) {
            uint8_t *bad = malloc (b.len);
            memcpy (bad, b.data, b.len);
            double nan = NAN;
            size_t off = 8;
            int refused = 0;
            for (; off + sizeof nan <= b.len && !refused; off += 8) {
                memcpy (bad, b.data, b.len);
                memcpy (bad + off, &nan, sizeof nan);
                refused = r->ops->load (d2, bad, b.len) < 0;
            }
            ck_assert_msg (refused, "%s accepts NaN everywhere", ids[k]);
            free (bad);
        }
        vg_buf_free (&b);
        vg_buf_free (&b2);
        r->ops->destroy (&d);
        r->ops->destroy (&d2);
        ck_assert_ptr_null (d);
        r->ops->destroy (&d); /* NULL-safe */
    }
}
END_TEST

START_TEST (a02_ports_coming_up_after_restart)
{
    uint64_t op[4];
    char n[4][8];
    for (int i = 0; i < 4; i++) {
        snprintf (n[i], sizeof n[i], "ge-%d", i);
        op[i] = decl_if (&R1, "/interfaces/interface/state/oper-status", VG_KIND_STATE, n[i]);
    }
    int64_t t = T0;
    for (int k = 0; k < 30; k++, t += 10000)
        for (int i = 0; i < 4; i++)
            vg_engine_state (g_e, op[i], t, "UP");
    t += 6 * MIN; /* the device restarts: 6 min without telemetry */
    for (int k = 0; k < 12; k++, t += 10000) { /* ports come up 30-100 s after it is back */
        for (int i = 0; i < 4; i++)
            vg_engine_state (g_e, op[i], t, k < 3 + 2 * i ? "DOWN" : "UP");
        vg_engine_tick (g_e, t + 5000);
    }
    ck_assert_uint_eq (count (g_c, "down", 0), 0);
    /* A port that stays down after the restart still fires, later. */
    vg_engine_state (g_e, op[3], t, "DOWN");
    for (int k = 1; k <= 30; k++)
        vg_engine_tick (g_e, t + k * 10000);
    ck_assert_uint_eq (count (g_c, "down", VG_ACT_CREATE), 1); /* a live-stream DOWN: 30 s hold */
}
END_TEST

Suite *
vg_catalog_suite (void)
{
    Suite *s = suite_create ("catalog");
    struct { const char *name; const TTest *t; } cases[] = {
        { "a04_burst", a04_error_burst }, { "a05_exhaustion", a05_memory_leak_and_cpu_level },
        { "a06_ran_kpi", a06_ran_kpi_wilson }, { "a08_prefixes", a08_prefix_swing },
        { "c01_callhome", c01_callhome_novelty_and_beacon }, { "c02_volume", c02_external_volume },
        { "c03_mirror", c03_mirror }, { "c04_login", c04_login }, { "c05_crypto", c05_crypto_off },
        { "i01_config", i01_config_change_window }, { "i02_image", i02_image_change },
        { "i03_reboot", i03_reboot_one_finding }, { "i04_ntp", i04_ntp_offset_and_step },
        { "x01_common_mode", x01_common_mode },
        { "x01_anonymous", x01_anonymous_declarations_keep_the_vendor },
        { "x01_window_both_sides", x01_window_both_sides }, { "x02_divergence", x02_vendor_divergence },
        { "a02_down", a02_interface_down_hold_and_resolve }, { "a02_flap_not_down", a02_flap_every_sample_is_not_a_hold },
        { "a02_hold_step", a02_hold_follows_the_step },
        { "a02_restart", a02_ports_coming_up_after_restart }, { "a04_background", a04_busy_link_background_is_not_a_burst },
        { "a06_cell_outage", a06_cell_outage_zero_against_baseline }, { "a06_att_zero_traffic", a06_attempts_zero_but_traffic_flows },
        { "a06_counter_gap", a06_counter_gap_is_not_a_period },
        { "a03_one_day", a03_collapse_after_one_day }, { "a03_benign", a03_benign_weekend_and_shift },
        { "a03_zero", a03_zero_traffic_left_to_interface_down },
        { "i03_counters", i03_reboot_from_counters_restarting }, { "i03_jitter", i03_jitter_is_not_a_reboot },
        { "new_kinds_save_load", new_kinds_save_load_hostile },
        { "x01_small_fleet", x01_small_vendor_fleet_all_cells }, { "x01_small_one", x01_small_vendor_fleet_one_element },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create (cases[i].name);
        tcase_add_checked_fixture (tc, setup, teardown);
        tcase_set_timeout (tc, 30);
        tcase_add_test (tc, cases[i].t);
        suite_add_tcase (s, tc);
    }
    TCase *tc = tcase_create ("x01_disjoint_clusters");
    tcase_add_checked_fixture (tc, setup, teardown);
    tcase_add_loop_test (tc, x01_disjoint_clusters_are_two_episodes, 0, 2); /* later, earlier */
    tcase_add_test (tc, x01_closes_when_its_window_lapsed);
    suite_add_tcase (s, tc);
    return s;
}
