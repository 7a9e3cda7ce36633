/* check_catalog_integ.c - each integrity detector of the catalogue (I01 configuration
 * change, I02 image change, I03 reboot, I04 NTP) on a hand-made scenario through the
 * engine: it fires on the injected condition (with the expected severity) and stays quiet
 * on the benign twin (a change inside its window, a counter wrap, rounding jitter).
 * Set-up: fixture_catalog.c. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/detectors/fixture_catalog.h"
#include "tests/support/suite.h"

START_TEST (i01_config_change_window)
{
    vg_label_t acl[] = { { "hash", "h1" }, { "user", "bob" }, { "class", "acl" } };
    vg_label_t same[] = { { "hash", "h1" }, { "user", "bob" }, { "class", "acl" } };
    vg_label_t desc[] = { { "hash", "h2" }, { "user", "ann" }, { "class", "description" } };
    int64_t night = T0 + 15 * HOUR; /* 03:00 next day: inside the change window */
    fx_event (&fx_r1, night, VG_EV_CONFIG_CHANGE, desc, 3, NULL);
    ck_assert_uint_eq (fx.alerts.n, 0);
    fx_event (&fx_r1, T0, VG_EV_CONFIG_CHANGE, acl, 3, NULL); /* 12:00: outside */
    ck_assert_uint_eq (fx.alerts.n, 1);
    ck_assert_int_eq (fx.alerts.a[0].severity, VG_SEV_HIGH);
    ck_assert_int_eq (fx.alerts.a[0].cia, 'I');
    fx_event (&fx_r1, T0 + MIN, VG_EV_CONFIG_CHANGE, same, 3, NULL); /* no semantic change */
    ck_assert_uint_eq (fx.alerts.n, 1);
}
END_TEST

START_TEST (i02_image_change)
{
    vg_label_t up[] = { { "version", "7.2" }, { "hash", "good" } };
    vg_label_t down[] = { { "version", "7.1.9" }, { "hash", "good" } };
    vg_label_t evil[] = { { "version", "7.2" }, { "hash", "evil" } };
    vg_device_t d2 = { "s1/r2", "VX", "m", "router", "s1", "7.1" };
    vg_device_t d3 = { "s1/r3", "VX", "m", "router", "s1", "7.1" };
    fx_event (&fx_r1, T0 + 15 * HOUR, VG_EV_IMAGE_CHANGE, up, 2, NULL); /* windowed upgrade: quiet */
    ck_assert_uint_eq (fx.alerts.n, 0);
    fx_event (&fx_r1, T0 + 15 * HOUR + MIN, VG_EV_IMAGE_CHANGE, down, 2, NULL);
    ck_assert_uint_eq (fx.alerts.n, 1);
    ck_assert_int_eq (fx.alerts.a[0].severity, VG_SEV_HIGH);
    ck_assert (strstr (fx.alerts.a[0].evidence, "downgrade") != NULL);
    fx_event (&d2, T0 + 15 * HOUR, VG_EV_IMAGE_CHANGE, evil, 2, NULL);
    ck_assert_uint_eq (fx.alerts.n, 2);
    ck_assert_int_eq (fx.alerts.a[1].severity, VG_SEV_CRITICAL);
    fx_event (&d3, T0, VG_EV_IMAGE_CHANGE, up, 2, NULL); /* unwindowed */
    ck_assert_uint_eq (fx.alerts.n, 3);
    ck_assert_int_eq (fx.alerts.a[2].severity, VG_SEV_HIGH);
}
END_TEST

START_TEST (i03_reboot_one_finding)
{
    uint64_t up = fx_decl (&fx_r1, "/system/state/up-time", VG_KIND_GAUGE, NULL);
    int64_t t = T0;
    for (int i = 0; i < 10; i++, t += MIN)
        vg_engine_sample (fx.e, up, t, 1e6 + i * 60);
    vg_label_t why[] = { { "reason", "watchdog" } };
    fx_event (&fx_r1, t, VG_EV_REBOOT, why, 1, NULL);
    vg_engine_sample (fx.e, up, t + MIN, 30); /* the same reboot seen in up-time */
    ck_assert_uint_eq (fx_count ("rb", 0), 1);
    ck_assert_int_eq (fx.alerts.a[0].severity, VG_SEV_HIGH);
}
END_TEST

START_TEST (i04_ntp_offset_and_step)
{
    uint64_t off = fx_decl (&fx_r1, "/system/ntp/offset", VG_KIND_GAUGE, NULL);
    int64_t t = T0;
    for (int i = 0; i < 5; i++, t += 30000)
        vg_engine_sample (fx.e, off, t, 2);
    vg_engine_sample (fx.e, off, t, 3002), t += 30000; /* +3 s step */
    ck_assert_uint_eq (fx_count ("ntp", VG_ACT_CREATE), 1);
    ck_assert_str_eq (fx.alerts.a[0].signal, "step");
    for (int i = 0; i < 3; i++, t += 30000)
        vg_engine_sample (fx.e, off, t, 3002);
    ck_assert_uint_eq (fx_count ("ntp", VG_ACT_CREATE), 2); /* level finding after for: 1m */
    vg_label_t s1[] = { { "server", "10.0.0.1" }, { "stratum", "2" } };
    vg_label_t s2[] = { { "server", "198.51.100.1" }, { "stratum", "1" } };
    fx_event (&fx_r1, t, VG_EV_NTP_CHANGE, s1, 2, NULL);
    ck_assert_uint_eq (fx_count ("ntps", 0), 0); /* first report = baseline */
    fx_event (&fx_r1, t + MIN, VG_EV_NTP_CHANGE, s2, 2, NULL);
    ck_assert_uint_eq (fx_count ("ntps", VG_ACT_CREATE), 1);
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
        id[i] = fx_decl_if (&d, path, VG_KIND_COUNTER, ifs[i / 4]);
        v[i] = i % 4 == 3 ? 3 : 1e9 * (1 + i); /* errors stay small: they do not take part */
    }
    int64_t t = T0;
    for (int k = 0; k < 20; k++, t += 30000)
        for (int i = 0; i < 16; i++)
            vg_engine_sample (fx.e, id[i], t, v[i] += i % 4 == 3 ? 0 : 1e6);
    /* One counter wraps, then one interface's counters are cleared: not a reboot. */
    v[0] = 5;
    for (int i = 4; i < 8; i++)
        v[i] = i % 4 == 3 ? 0 : 10;
    for (int k = 0; k < 5; k++, t += 30000)
        for (int i = 0; i < 16; i++)
            vg_engine_sample (fx.e, id[i], t, v[i] += i % 4 == 3 ? 0 : 1e6);
    ck_assert_uint_eq (fx_count ("rb", 0), 0);
    t += 20 * MIN;
    /* The device restarts (no up-time sensor): every counter starts again from ~0. */
    for (int i = 0; i < 16; i++)
        v[i] = i % 4 == 3 ? 0 : 2e4;
    for (int k = 0; k < 5; k++, t += 30000)
        for (int i = 0; i < 16; i++)
            vg_engine_sample (fx.e, id[i], t, v[i] += i % 4 == 3 ? 0 : 1e6);
    ck_assert_uint_eq (fx_count ("rb", VG_ACT_CREATE), 1);
    const vg_alert_t *a = fx_first ("rb");
    ck_assert_msg (strstr (a->headline, "s4/r1 rebooted: ") != NULL && strstr (a->headline, "counters restarted") != NULL,
                   "%s", a->headline);
}
END_TEST

START_TEST (i03_jitter_is_not_a_reboot)
{
    vg_device_t d = { "s4/r2", "VQ", "m", "router", "s4", "1" };
    uint64_t up = fx_decl (&d, "/system/state/up-time", VG_KIND_GAUGE, NULL);
    uint64_t bt = fx_decl (&d, "/system/state/boot-time", VG_KIND_GAUGE, NULL);
    int64_t t = T0;
    double boot_ns = 1.7e18;
    for (int i = 0; i < 100; i++, t += 30000) {
        vg_engine_sample (fx.e, up, t, 86400.0 * 30 + i * 30 - (i % 3)); /* s, rounding jitter */
        vg_engine_sample (fx.e, bt, t, boot_ns + (i % 2) * 1e9);    /* ns, +-1 s recomputation */
    }
    ck_assert_uint_eq (fx_count ("rb", 0), 0);
    vg_engine_sample (fx.e, bt, t, boot_ns + 30.0 * 86400 * 1e9); /* booted again */
    ck_assert_uint_eq (fx_count ("rb", VG_ACT_CREATE), 1);
}
END_TEST

Suite *
vg_catalog_integ_suite (void)
{
    const vg_test_case_t cases[] = {
        { "i01_config", i01_config_change_window },
        { "i02_image", i02_image_change },
        { "i03_reboot", i03_reboot_one_finding },
        { "i04_ntp", i04_ntp_offset_and_step },
        { "i03_counters", i03_reboot_from_counters_restarting },
        { "i03_jitter", i03_jitter_is_not_a_reboot },
    };
    return vg_test_cases_suite ("catalog_integ", cases, sizeof cases / sizeof cases[0], 30, fx_setup, fx_teardown);
}
