/* check_num.c - exact integers next to doubles: the join that picks one lossless type,
 * conversions, the shortest round-trip formatter and the integer parser. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "tests/support/suite.h"

static vg_numtype_t
s_join (const vg_num_t *v, const vg_numtype_t *t, size_t n)
{
    vg_num_join_t j = VG_NUM_JOIN_INIT;
    for (size_t i = 0; i < n; i++)
        vg_num_join_add (&j, v[i], t[i]);
    return vg_num_join_type (&j);
}

START_TEST (join_types)
{
    vg_num_t v[3];
    vg_numtype_t t[3];
    /* doubles alone stay doubles, even whole ones */
    v[0] = vg_num_f64 (1);
    v[1] = vg_num_f64 (2);
    t[0] = t[1] = VG_NUM_F64;
    ck_assert_int_eq (s_join (v, t, 2), VG_NUM_F64);
    /* a whole double next to an unsigned integer above 2^63 becomes U64, exactly */
    v[1] = vg_num_u64 (UINT64_MAX);
    t[1] = VG_NUM_U64;
    ck_assert_int_eq (s_join (v, t, 2), VG_NUM_U64);
    ck_assert_uint_eq (vg_num_convert (v[0], VG_NUM_F64, VG_NUM_U64).u, 1);
    /* a negative value makes I64 ... */
    v[2] = vg_num_i64 (-5);
    t[2] = VG_NUM_I64;
    v[1] = vg_num_u64 (UINT64_C (1) << 62);
    ck_assert_int_eq (s_join (v, t, 3), VG_NUM_I64);
    ck_assert_int_eq (vg_num_convert (v[1], VG_NUM_U64, VG_NUM_I64).i, INT64_C (1) << 62);
    /* ... unless something is above INT64_MAX too: no integer type holds both */
    v[1] = vg_num_u64 (UINT64_MAX);
    ck_assert_int_eq (s_join (v, t, 3), VG_NUM_F64);
    /* fractions, -0.0, NaN, Inf and out-of-range doubles force doubles */
    static const double bad[] = { 0.5, -0.0, NAN, INFINITY, -INFINITY, 18446744073709551616.0, -9223372036854777856.0 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vg_num_t w[2] = { vg_num_u64 (3), vg_num_f64 (bad[i]) };
        vg_numtype_t wt[2] = { VG_NUM_U64, VG_NUM_F64 };
        ck_assert_msg (s_join (w, wt, 2) == VG_NUM_F64, "bad[%zu]", i);
    }
    /* the largest whole doubles that fit still join as integers */
    vg_num_t w[2] = { vg_num_u64 (3), vg_num_f64 (18446744073709549568.0) };
    vg_numtype_t wt[2] = { VG_NUM_U64, VG_NUM_F64 };
    ck_assert_int_eq (s_join (w, wt, 2), VG_NUM_U64);
    ck_assert_uint_eq (vg_num_convert (w[1], VG_NUM_F64, VG_NUM_U64).u, UINT64_C (18446744073709549568));
    w[1] = vg_num_f64 (-9223372036854775808.0);
    ck_assert_int_eq (s_join (w, wt, 2), VG_NUM_I64);
    ck_assert_int_eq (vg_num_convert (w[1], VG_NUM_F64, VG_NUM_I64).i, INT64_MIN);
}
END_TEST

static const char *
s_fmt (vg_num_t v, vg_numtype_t t)
{
    static char buf[VG_NUM_TEXT_MAX];
    size_t n = vg_num_format (buf, v, t);
    ck_assert_uint_eq (n, strlen (buf));
    return buf;
}

START_TEST (format_values)
{
    ck_assert_str_eq (s_fmt (vg_num_u64 (UINT64_MAX), VG_NUM_U64), "18446744073709551615");
    ck_assert_str_eq (s_fmt (vg_num_u64 ((UINT64_C (1) << 60) + 1), VG_NUM_U64), "1152921504606846977");
    ck_assert_str_eq (s_fmt (vg_num_i64 (INT64_MIN), VG_NUM_I64), "-9223372036854775808");
    ck_assert_str_eq (s_fmt (vg_num_f64 (11172312760464672.0), VG_NUM_F64), "11172312760464672");
    ck_assert_str_eq (s_fmt (vg_num_f64 (42), VG_NUM_F64), "42");
    ck_assert_str_eq (s_fmt (vg_num_f64 (0.1), VG_NUM_F64), "0.1");
    ck_assert_str_eq (s_fmt (vg_num_f64 (-0.0), VG_NUM_F64), "-0");
    ck_assert_str_eq (s_fmt (vg_num_f64 (NAN), VG_NUM_F64), "NaN");
    ck_assert_str_eq (s_fmt (vg_num_f64 (-INFINITY), VG_NUM_F64), "-Inf");
    ck_assert_str_eq (s_fmt (vg_num_f64 (1e300), VG_NUM_F64), "1e+300");
    /* 16 digits where 15 lose a bit and 17 would be longer than needed */
    ck_assert_str_eq (s_fmt (vg_num_f64 (0.3000000000000001), VG_NUM_F64), "0.3000000000000001");
    ck_assert_str_eq (s_fmt (vg_num_f64 (1.0 / 3.0), VG_NUM_F64), "0.3333333333333333");
    /* integers and whole doubles as printf prints them (the formatter does not use it) */
    const int64_t ints[] = { 0, 1, -1, 9, 10, -10, 99, 100, 4294967296, 9007199254740991, -9007199254740991,
                             INT64_MAX, INT64_MIN, INT64_MIN + 1 };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        char want[64];
        snprintf (want, sizeof want, "%lld", (long long) ints[i]);
        ck_assert_str_eq (s_fmt (vg_num_i64 (ints[i]), VG_NUM_I64), want);
        char ts[24];
        ck_assert_uint_eq (vg_num_i64_text (ts, ints[i]), strlen (want));
        ck_assert_str_eq (ts, want);
        snprintf (want, sizeof want, "%llu", (unsigned long long) ints[i]);
        ck_assert_str_eq (s_fmt (vg_num_u64 ((uint64_t) ints[i]), VG_NUM_U64), want);
        double d = (double) ints[i];
        if (d > -9007199254740992.0 && d < 9007199254740992.0) {
            snprintf (want, sizeof want, "%.0f", d);
            ck_assert_str_eq (s_fmt (vg_num_f64 (d), VG_NUM_F64), want);
        }
    }
    uint64_t y = 99;
    for (int i = 0; i < 100000; i++) {
        y = y * UINT64_C (6364136223846793005) + UINT64_C (1442695040888963407);
        int64_t w = (int64_t) (y >> (y % 64));
        if (i % 2 && w != INT64_MIN)
            w = -w;
        char want[64];
        snprintf (want, sizeof want, "%lld", (long long) w);
        ck_assert_str_eq (s_fmt (vg_num_i64 (w), VG_NUM_I64), want);
        double d = (double) (w % 9007199254740992);
        snprintf (want, sizeof want, "%.0f", d);
        ck_assert_str_eq (s_fmt (vg_num_f64 (d), VG_NUM_F64), want);
    }
    /* every finite double reads back as the same bits */
    uint64_t z = 12345;
    for (int i = 0; i < 200000; i++) {
        z = z * UINT64_C (6364136223846793005) + UINT64_C (1442695040888963407);
        double d;
        uint64_t bits = z ^ (z >> 29);
        memcpy (&d, &bits, sizeof d);
        if (!isfinite (d))
            continue;
        const char *s = s_fmt (vg_num_f64 (d), VG_NUM_F64);
        double back = strtod (s, NULL);
        ck_assert_msg (memcmp (&back, &d, sizeof d) == 0, "%s", s);
    }
}
END_TEST

START_TEST (parse_ints)
{
    vg_num_t v;
    vg_numtype_t t;
    ck_assert (vg_num_parse_int ("18446744073709551615", 20, &v, &t));
    ck_assert_int_eq (t, VG_NUM_U64);
    ck_assert_uint_eq (v.u, UINT64_MAX);
    ck_assert (!vg_num_parse_int ("18446744073709551616", 20, &v, &t));
    ck_assert (vg_num_parse_int ("-9223372036854775808", 20, &v, &t));
    ck_assert_int_eq (t, VG_NUM_I64);
    ck_assert_int_eq (v.i, INT64_MIN);
    ck_assert (!vg_num_parse_int ("-9223372036854775809", 20, &v, &t));
    ck_assert (vg_num_parse_int ("+7", 2, &v, &t));
    ck_assert_uint_eq (v.u, 7);
    ck_assert (vg_num_parse_int ("-0", 2, &v, &t));
    ck_assert_int_eq (t, VG_NUM_U64);
    ck_assert_uint_eq (v.u, 0);
    static const char *const bad[] = { "", "-", "1.5", "1e3", " 1", "0x10", "12a" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg (!vg_num_parse_int (bad[i], strlen (bad[i]), &v, &t), "%s", bad[i]);
    /* the length bounds the parse: "123" of "1234" */
    ck_assert (vg_num_parse_int ("1234", 3, &v, &t));
    ck_assert_uint_eq (v.u, 123);
}
END_TEST

Suite *
vg_num_suite (void)
{
    Suite *s = suite_create ("num");
    vg_test_tcase (s, "join_types", &join_types, 1, 0, NULL, NULL);
    vg_test_tcase (s, "format_values", &format_values, 1, 30, NULL, NULL);
    vg_test_tcase (s, "parse_ints", &parse_ints, 1, 0, NULL, NULL);
    return s;
}
