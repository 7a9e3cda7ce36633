/* check_curve_mode.c - CURVE by default: keys mean CURVE, curve.insecure means plain TCP,
 * and every other combination (nothing, some keys, keys and insecure) is refused with a
 * message that names the options and the fix. */
#include <check.h>
#include <string.h>

#include "common/curve_mode.h"
#include "common/err.h"
#include "tests/support/suite.h"

static const char *const s_names[] = { "curve.server_key", "curve.secret_key" };

static int
s_mode (bool insecure, const char *a, const char *b, char *err, size_t errlen)
{
    const char *const values[] = { a, b };
    vg_curve_need_t need = { insecure, values, s_names, 2, "run vigil keygen" };
    err[0] = '\0';
    return vg_curve_mode (&need, err, errlen);
}

START_TEST (keys_mean_curve_insecure_means_plain)
{
    char err[512];
    ck_assert_int_eq (s_mode (false, "K1", "K2", err, sizeof err), 1);
    ck_assert_str_eq (err, "");
    ck_assert_int_eq (s_mode (true, NULL, "", err, sizeof err), 0);
    ck_assert_str_eq (err, "");
}
END_TEST

START_TEST (nothing_is_refused_with_the_fix)
{
    char err[512];
    ck_assert_int_eq (s_mode (false, NULL, "", err, sizeof err), -VG_ECONFIG);
    ck_assert_ptr_nonnull (strstr (err, "no CURVE keys (curve.server_key, curve.secret_key)"));
    ck_assert_ptr_nonnull (strstr (err, "run vigil keygen"));
    ck_assert_ptr_nonnull (strstr (err, "curve.insecure: true"));
}
END_TEST

START_TEST (half_the_keys_is_refused)
{
    char err[512];
    ck_assert_int_eq (s_mode (false, "K1", NULL, err, sizeof err), -VG_ECONFIG);
    ck_assert_ptr_nonnull (strstr (err, "curve.server_key is set but curve.secret_key is not"));
    ck_assert_int_eq (s_mode (false, "", "K2", err, sizeof err), -VG_ECONFIG);
    ck_assert_ptr_nonnull (strstr (err, "curve.secret_key is set but curve.server_key is not"));
    ck_assert_ptr_null (strstr (err, "K2")); /* a key's value is never echoed */
}
END_TEST

START_TEST (insecure_with_keys_is_refused)
{
    char err[512];
    ck_assert_int_eq (s_mode (true, NULL, "K2", err, sizeof err), -VG_ECONFIG);
    ck_assert_ptr_nonnull (strstr (err, "curve.insecure is true but curve.secret_key is set"));
    ck_assert_int_eq (s_mode (true, "K1", "K2", err, sizeof err), -VG_ECONFIG);
    ck_assert_ptr_nonnull (strstr (err, "but curve.server_key is set"));
}
END_TEST

START_TEST (short_error_buffer_is_terminated)
{
    char err[16];
    ck_assert_int_eq (s_mode (false, NULL, NULL, err, sizeof err), -VG_ECONFIG);
    ck_assert_uint_eq (strlen (err), sizeof err - 1);
}
END_TEST

Suite *
vg_curve_mode_suite (void)
{
    const TTest *tests[] = { keys_mean_curve_insecure_means_plain, nothing_is_refused_with_the_fix,
                             half_the_keys_is_refused, insecure_with_keys_is_refused,
                             short_error_buffer_is_terminated };
    return vg_test_suite ("curve_mode", "curve_mode", tests, sizeof tests / sizeof tests[0], 10, NULL, NULL);
}
