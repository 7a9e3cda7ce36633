/* check_buf.c - the growable byte buffer: append, formatted append of any length, reset. */
#include <check.h>
#include <string.h>

#include "common/buf.h"
#include "tests/support/suite.h"

START_TEST (append_and_printf)
{
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_buf_append (&b, "ab", 2), 0);
    ck_assert_int_eq (vg_buf_printf (&b, "-%d-%s", 42, "x"), 0);
    ck_assert_uint_eq (b.len, 7);
    ck_assert_int_eq (memcmp (b.data, "ab-42-x", 7), 0);
    char big[5000];
    memset (big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq (vg_buf_printf (&b, "%s", big), 0); /* longer than any stack buffer */
    ck_assert_uint_eq (b.len, 7 + sizeof big - 1);
    ck_assert_uint_ge (b.cap, b.len);
    vg_buf_reset (&b);
    ck_assert_uint_eq (b.len, 0);
    ck_assert_int_eq (vg_buf_printf (&b, "%s", ""), 0);
    ck_assert_uint_eq (b.len, 0);
    vg_buf_free (&b);
}
END_TEST

Suite *
vg_buf_suite (void)
{
    return vg_test_suite ("buf", "buf", &append_and_printf, 1, 0, NULL, NULL);
}
