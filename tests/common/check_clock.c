/* check_clock.c - time parsing and formatting. */
#include <check.h>

#include "common/clock.h"
#include "common/err.h"
#include "tests/support/suite.h"

START_TEST (parse_forms)
{
    int64_t t;
    ck_assert_int_eq (vg_clock_parse ("1700000000123", 0, &t), 0);
    ck_assert_int_eq (t, 1700000000123);
    ck_assert_int_eq (vg_clock_parse ("2023-11-14T22:13:20Z", 0, &t), 0);
    ck_assert_int_eq (t, 1700000000000);
    ck_assert_int_eq (vg_clock_parse ("2023-11-14 22:13:20", 0, &t), 0);
    ck_assert_int_eq (t, 1700000000000);
    ck_assert_int_eq (vg_clock_parse ("2023-11-14T23:13:20.5+01:00", 0, &t), 0);
    ck_assert_int_eq (t, 1700000000500);
    ck_assert_int_eq (vg_clock_parse ("-1h", 7200000, &t), 0);
    ck_assert_int_eq (t, 3600000);
    ck_assert_int_eq (vg_clock_parse ("2023-13-14", 0, &t), -VG_EINVAL);
    ck_assert_int_eq (vg_clock_parse ("yesterday", 0, &t), -VG_EINVAL);
}
END_TEST

START_TEST (format_roundtrip)
{
    char buf[40];
    int64_t t;
    vg_clock_rfc3339 (1700000000123, buf, sizeof buf);
    ck_assert_str_eq (buf, "2023-11-14T22:13:20.123Z");
    ck_assert_int_eq (vg_clock_parse (buf, 0, &t), 0);
    ck_assert_int_eq (t, 1700000000123);
}
END_TEST

START_TEST (durations)
{
    int64_t d;
    ck_assert_int_eq (vg_duration_parse ("10s", &d), 0);
    ck_assert_int_eq (d, 10000);
    ck_assert_int_eq (vg_duration_parse ("7d", &d), 0);
    ck_assert_int_eq (d, 7 * 86400000LL);
    ck_assert_int_eq (vg_duration_parse ("250", &d), 0);
    ck_assert_int_eq (d, 250);
    ck_assert_int_eq (vg_duration_parse ("5 parsecs", &d), -VG_EINVAL);
    ck_assert_int_eq (vg_duration_parse ("-5s", &d), -VG_EINVAL);
}
END_TEST

Suite *
vg_clock_suite (void)
{
    const TTest *tests[] = { parse_forms, format_roundtrip, durations };
    return vg_test_suite ("clock", "clock", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
