/* fixture_catalog.c - the catalogue suites' shared set-up (fixture_catalog.h): the rules with
 * one rule per catalogue detector, the engine on them, series and event helpers. */
#include <check.h>
#include <string.h>

#include "common/hash.h"
#include "tests/detectors/fixture_catalog.h"

vg_test_engine_t fx;
const vg_device_t fx_r1 = { "s1/r1", "VX", "m", "router", "s1", "7.1" };

static const char *const s_rules =
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

void
fx_setup (void)
{
    vg_test_engine_open (&fx, s_rules, "cat", NULL);
}

void
fx_teardown (void)
{
    vg_test_engine_close (&fx);
}

size_t
fx_count (const char *rule, int activity)
{
    return vg_test_alerts_count (&fx.alerts, rule, activity);
}

const vg_alert_t *
fx_first (const char *rule)
{
    return vg_test_alerts_first (&fx.alerts, rule, 0);
}

/* Declare series path of d with the one label key=value. */
static uint64_t
s_decl (const vg_device_t *d, const char *path, vg_kind_t kind, const char *key, const char *value)
{
    vg_label_t l[] = { { key, value } };
    uint64_t id = vg_series_id (d->id, path, l, 1);
    vg_series_info_t si = { d, path, l, 1, kind };
    ck_assert_int_ge (vg_engine_series (fx.e, id, &si), 1);
    return id;
}

uint64_t
fx_decl (const vg_device_t *d, const char *path, vg_kind_t kind, const char *cell)
{
    return s_decl (d, path, kind, "cell", cell ? cell : "0");
}

uint64_t
fx_decl_if (const vg_device_t *d, const char *path, vg_kind_t kind, const char *ifname)
{
    return s_decl (d, path, kind, "name", ifname);
}

void
fx_event (const vg_device_t *d, int64_t ts, vg_event_type_t type, const vg_label_t *attrs, size_t n,
          const vg_flow_t *fl)
{
    vg_event_t ev = { d->id, ts, type, attrs, n, fl, NULL, "test" };
    ck_assert_int_eq (vg_engine_event (fx.e, &ev, d), 0);
}
