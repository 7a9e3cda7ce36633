/* check_catalog_conf.c - each confidentiality detector of the catalogue (C01 call-home,
 * C02 external volume, C03 mirror sessions, C04 logins, C05 crypto off) on a hand-made
 * scenario through the engine: it fires on the injected condition (with the expected
 * severity) and stays quiet on the benign twin.  Set-up: fixture_catalog.c. */
#include <check.h>
#include <stdint.h>

#include "tests/detectors/fixture_catalog.h"
#include "tests/support/suite.h"

START_TEST (c01_callhome_novelty_and_beacon)
{
    vg_flow_t ntp = { "10.1.1.1", "10.0.0.5", "MGMT", "", 123, 17, 60000, 0, 76, 1 };
    int64_t t = T0;
    for (int i = 0; i < 70; i++, t += MIN) /* learning hour: NTP only */
        fx_event (&fx_r1, t, VG_EV_FLOW_SUMMARY, NULL, 0, &ntp);
    ck_assert_uint_eq (fx.alerts.n, 0);
    vg_flow_t bad = { "10.1.1.1", "203.0.113.45", "MGMT", "CN", 443, 6, 60000, 64512, 4096, 10 };
    for (int i = 0; i < 14; i++, t += MIN) /* a 60 s beacon */
        fx_event (&fx_r1, t, VG_EV_FLOW_SUMMARY, NULL, 0, &bad);
    ck_assert_uint_eq (fx_count ("ch", VG_ACT_CREATE), 1);
    ck_assert_int_eq (fx_first ("ch")->severity, VG_SEV_MEDIUM); /* novelty, no allowlist */
    ck_assert_uint_eq (fx_count ("ch", VG_ACT_UPDATE), 0);        /* novelty only once */
    ck_assert_str_eq (fx_first ("ch")->signal, "dst=203.0.113.45:443");
    ck_assert_str_eq (fx_first ("ch")->device, "s1/r1");
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
            fx_event (&fx_r1, t + h * HOUR + k * 15 * MIN, VG_EV_FLOW_SUMMARY, NULL, 0, &small);
            fx_event (&fx_r1, t + h * HOUR + k * 15 * MIN + 1, VG_EV_FLOW_SUMMARY, NULL, 0, &oss); /* internal: ignored */
        }
    ck_assert_uint_eq (fx.alerts.n, 0);
    vg_flow_t big = { "10.1.1.1", "198.51.100.7", "", "", 443, 6, 60000, 0, 500000000, 400000 };
    fx_event (&fx_r1, t + 30 * HOUR + 5 * MIN, VG_EV_FLOW_SUMMARY, NULL, 0, &big);
    ck_assert_uint_eq (fx_count ("xv", VG_ACT_CREATE), 1);
    ck_assert_int_eq (fx_first ("xv")->cia, 'C');
}
END_TEST

START_TEST (c03_mirror)
{
    vg_label_t ext[] = { { "action", "create" }, { "session", "1" }, { "destination", "203.0.113.9" } };
    vg_label_t probe[] = { { "action", "create" }, { "session", "2" }, { "destination", "10.254.0.9" } };
    fx_event (&fx_r1, T0, VG_EV_MIRROR_SESSION, probe, 3, NULL);
    fx_event (&fx_r1, T0 + MIN, VG_EV_MIRROR_SESSION, ext, 3, NULL);
    ck_assert_uint_eq (fx_count ("mir", VG_ACT_CREATE), 2);
    ck_assert_int_eq (fx.alerts.a[0].severity, VG_SEV_LOW);
    ck_assert_int_eq (fx.alerts.a[1].severity, VG_SEV_HIGH);
    ck_assert_str_eq (fx.alerts.a[1].signal, "session=1");
}
END_TEST

START_TEST (c04_login)
{
    vg_label_t ok[] = { { "user", "noc1" }, { "source", "10.255.0.4" }, { "method", "tacacs" }, { "result", "success" } };
    vg_label_t out[] = { { "user", "noc1" }, { "source", "198.51.100.3" }, { "method", "tacacs" }, { "result", "success" } };
    vg_label_t local[] = { { "user", "admin" }, { "source", "10.255.0.4" }, { "method", "local" }, { "result", "success" } };
    vg_label_t fail[] = { { "user", "root" }, { "source", "198.51.100.66" }, { "method", "ssh" }, { "result", "fail" } };
    fx_event (&fx_r1, T0, VG_EV_LOGIN, ok, 4, NULL);
    ck_assert_uint_eq (fx.alerts.n, 0);
    fx_event (&fx_r1, T0 + MIN, VG_EV_LOGIN, out, 4, NULL);
    fx_event (&fx_r1, T0 + 2 * MIN, VG_EV_LOGIN, local, 4, NULL);
    ck_assert_uint_eq (fx.alerts.n, 2);
    ck_assert_int_eq (fx.alerts.a[0].severity, VG_SEV_HIGH);
    ck_assert_int_eq (fx.alerts.a[1].severity, VG_SEV_HIGH);
    for (int i = 0; i < 9; i++)
        fx_event (&fx_r1, T0 + 3 * MIN + i * 1000, VG_EV_LOGIN, fail, 4, NULL);
    ck_assert_uint_eq (fx.alerts.n, 2);
    fx_event (&fx_r1, T0 + 3 * MIN + 9000, VG_EV_LOGIN, fail, 4, NULL);
    ck_assert_uint_eq (fx.alerts.n, 3);
    ck_assert_str_eq (fx.alerts.a[2].signal, "failures");
}
END_TEST

START_TEST (c05_crypto_off)
{
    uint64_t sa = fx_decl (&fx_r1, "/security/ipsec/sa-count", VG_KIND_GAUGE, NULL);
    uint64_t oct = fx_decl (&fx_r1, "/interfaces/interface/state/counters/out-octets", VG_KIND_COUNTER, NULL);
    double ctr = 0;
    int64_t t = T0;
    for (int i = 0; i < 10; i++, t += MIN) {
        ctr += 6e7;
        vg_engine_sample (fx.e, oct, t, ctr);
        vg_engine_sample (fx.e, sa, t, 4);
    }
    ck_assert_uint_eq (fx.alerts.n, 0);
    ctr += 6e7;
    vg_engine_sample (fx.e, oct, t, ctr);
    vg_engine_sample (fx.e, sa, t, 0);
    ck_assert_uint_eq (fx_count ("co", VG_ACT_CREATE), 1);
    ck_assert_int_eq (fx.alerts.a[0].cia, 'C');
    /* crypto_state events feed the same instance: SAs back -> clears -> closes after hold-down. */
    vg_label_t up[] = { { "tunnel", "t1" }, { "sa_count", "4" } };
    fx_event (&fx_r1, t + MIN, VG_EV_CRYPTO_STATE, up, 2, NULL);
    vg_engine_tick (fx.e, t + 20 * MIN);
    ck_assert_uint_eq (fx_count ("co", VG_ACT_CLOSE), 1);
}
END_TEST

Suite *
vg_catalog_conf_suite (void)
{
    const vg_test_case_t cases[] = {
        { "c01_callhome", c01_callhome_novelty_and_beacon },
        { "c02_volume", c02_external_volume },
        { "c03_mirror", c03_mirror },
        { "c04_login", c04_login },
        { "c05_crypto", c05_crypto_off },
    };
    return vg_test_cases_suite ("catalog_conf", cases, sizeof cases / sizeof cases[0], 30, fx_setup, fx_teardown);
}
