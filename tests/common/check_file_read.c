/* check_file_read.c - whole-file reads: content and terminating NUL, the size bound (at
 * and one past it), a missing file, appending to a buffer that holds something already. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/file_read.h"
#include "tests/support/suite.h"
#include "tests/support/tmpdir.h"

static char t_dir[64];
static char t_file[128];

static void
t_setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (t_dir, sizeof t_dir, "file_read"));
    ck_assert_ptr_nonnull (vg_test_path (t_file, sizeof t_file, t_dir, "f"));
}

static void
t_teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (t_dir), 0);
}

static void
t_write (size_t n)
{
    FILE *f = fopen (t_file, "wb");
    ck_assert_ptr_nonnull (f);
    for (size_t i = 0; i < n; i++)
        fputc ('a' + (int) (i % 26), f);
    ck_assert_int_eq (fclose (f), 0);
}

START_TEST (reads_whole_file_nul_terminated)
{
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_buf_append (&b, "xy", 2), 0);
    t_write (200000); /* several read chunks */
    ck_assert_int_eq (vg_file_read (t_file, 200000, &b), 0);
    ck_assert_uint_eq (b.len, 2 + 200000);
    ck_assert_int_eq (b.data[b.len], '\0');
    ck_assert (!memcmp (b.data, "xyabc", 5));
    ck_assert_int_eq (b.data[2 + 199999], 'a' + 199999 % 26);
    vg_buf_free (&b);
}
END_TEST

START_TEST (bound_and_errors)
{
    vg_buf_t b = VG_BUF_INIT;
    t_write (1000);
    ck_assert_int_eq (vg_file_read (t_file, 999, &b), -VG_ETOOBIG);
    ck_assert_uint_eq (b.len, 0);
    ck_assert_int_eq (vg_file_read (t_file, 1000, &b), 0);
    ck_assert_uint_eq (b.len, 1000);
    t_write (0);
    b.len = 0;
    ck_assert_int_eq (vg_file_read (t_file, 10, &b), 0);
    ck_assert_uint_eq (b.len, 0);
    ck_assert_int_eq (b.data[0], '\0');
    ck_assert_int_eq (vg_file_read ("/nonexistent/vigil/file", 10, &b), -VG_EIO);
    ck_assert_int_eq (errno, ENOENT);
    ck_assert_int_eq (vg_file_read (t_dir, 10, &b), -VG_EIO); /* a directory cannot be read */
    ck_assert_uint_eq (b.len, 0);
    vg_buf_free (&b);
}
END_TEST

Suite *
vg_file_read_suite (void)
{
    const TTest *tests[] = { reads_whole_file_nul_terminated, bound_and_errors };
    return vg_test_suite ("file_read", "file_read", tests, sizeof tests / sizeof tests[0], 10, t_setup, t_teardown);
}
