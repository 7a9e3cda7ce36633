/* check_private_file.c - owner-only files: secrets read from files (mode refused, one
 * trailing newline stripped, missing, empty, oversized), directories created 0700, and the
 * group/world-access test behind the daemons' warnings. */
#include <check.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/private_file.h"
#include "tests/support/suite.h"
#include "tests/support/tmpdir.h"

static char t_dir[64];
static char t_file[128];

static void
t_setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (t_dir, sizeof t_dir, "private"));
    ck_assert_ptr_nonnull (vg_test_path (t_file, sizeof t_file, t_dir, "secret"));
}

static void
t_teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (t_dir), 0);
}

/* Write text to t_file with the given mode. */
static void
t_secret (const char *text, mode_t mode)
{
    ck_assert_int_eq (vg_test_write_file (t_file, text, strlen (text)), 0);
    ck_assert_int_eq (chmod (t_file, mode), 0);
}

START_TEST (reads_and_strips_one_trailing_newline)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        { "s3cret\n", "s3cret" }, { "s3cret", "s3cret" }, { "s3cret\r\n", "s3cret" }, { "two\n\n", "two\n" },
        { " spaced pass \n", " spaced pass " },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t_secret (cases[i].text, 0600);
        char *s = NULL, err[256] = "";
        ck_assert_int_eq (vg_secret_read (t_file, &s, err, sizeof err), 0);
        ck_assert_str_eq (s, cases[i].want);
        free (s);
    }
    t_secret ("owner read-only\n", 0400);
    char *s = NULL, err[256] = "";
    ck_assert_int_eq (vg_secret_read (t_file, &s, err, sizeof err), 0);
    ck_assert_str_eq (s, "owner read-only");
    free (s);
}
END_TEST

START_TEST (refuses_group_or_world_readable)
{
    static const mode_t modes[] = { 0640, 0604, 0644, 0444 };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        t_secret ("s3cret\n", modes[i]);
        char *s = (char *) "untouched", err[256] = "";
        ck_assert_int_eq (vg_secret_read (t_file, &s, err, sizeof err), -VG_ECONFIG);
        ck_assert_ptr_null (s);
        ck_assert_ptr_nonnull (strstr (err, t_file));
        ck_assert_ptr_nonnull (strstr (err, "chmod 600"));
        ck_assert_ptr_null (strstr (err, "s3cret")); /* the secret itself is never echoed */
    }
    /* group write without read is not a disclosure: accepted */
    t_secret ("s3cret\n", 0620);
    char *s = NULL, err[256] = "";
    ck_assert_int_eq (vg_secret_read (t_file, &s, err, sizeof err), 0);
    free (s);
}
END_TEST

START_TEST (missing_empty_and_odd_files_are_errors)
{
    char *s = NULL, err[256] = "";
    ck_assert_int_eq (vg_secret_read (t_file, &s, err, sizeof err), -VG_EIO);
    ck_assert_ptr_null (s);
    ck_assert_ptr_nonnull (strstr (err, t_file));
    ck_assert_ptr_nonnull (strstr (err, "No such file"));
    t_secret ("\n", 0600);
    ck_assert_int_eq (vg_secret_read (t_file, &s, err, sizeof err), -VG_ECONFIG);
    ck_assert_ptr_nonnull (strstr (err, "empty"));
    ck_assert_int_eq (vg_test_write_file (t_file, "a\0b", 3), 0);
    ck_assert_int_eq (vg_secret_read (t_file, &s, err, sizeof err), -VG_ECONFIG);
    ck_assert_ptr_nonnull (strstr (err, "NUL"));
    ck_assert_int_eq (vg_secret_read (t_dir, &s, err, sizeof err), -VG_ECONFIG); /* a directory */
    char *big = malloc (VG_SECRET_MAX_BYTES + 2);
    ck_assert_ptr_nonnull (big);
    memset (big, 'k', VG_SECRET_MAX_BYTES + 1);
    big[VG_SECRET_MAX_BYTES + 1] = '\0';
    t_secret (big, 0600);
    free (big);
    ck_assert_int_eq (vg_secret_read (t_file, &s, err, sizeof err), -VG_ETOOBIG);
    ck_assert_ptr_null (s);
    /* A FIFO (no writer) is refused at once, not waited on. */
    ck_assert_int_eq (unlink (t_file), 0);
    ck_assert_int_eq (mkfifo (t_file, 0600), 0);
    ck_assert_int_eq (vg_secret_read (t_file, &s, err, sizeof err), -VG_ECONFIG);
    ck_assert_ptr_nonnull (strstr (err, "not a regular file"));
}
END_TEST

START_TEST (mkdirs_creates_0700_and_loose_is_reported)
{
    char deep[192];
    snprintf (deep, sizeof deep, "%s/a/b/store", t_dir);
    mode_t old = umask (0); /* even with a permissive umask, nothing is opened to others */
    ck_assert_int_eq (vg_private_mkdirs (deep), 0);
    umask (old);
    struct stat sb;
    ck_assert_int_eq (stat (deep, &sb), 0);
    ck_assert_uint_eq (sb.st_mode & 0777, 0700);
    snprintf (deep, sizeof deep, "%s/a", t_dir);
    ck_assert_int_eq (stat (deep, &sb), 0);
    ck_assert_uint_eq (sb.st_mode & 0777, 0700);
    ck_assert (!vg_private_is_loose (deep));
    ck_assert_int_eq (chmod (deep, 0755), 0);
    ck_assert_int_eq (vg_private_mkdirs (deep), 0); /* an existing directory is left as it is */
    ck_assert_int_eq (stat (deep, &sb), 0);
    ck_assert_uint_eq (sb.st_mode & 0777, 0755);
    ck_assert (vg_private_is_loose (deep));
    ck_assert (!vg_private_is_loose (t_file)); /* missing: not loose */
    t_secret ("x", 0600);
    ck_assert (!vg_private_is_loose (t_file));
    ck_assert_int_eq (chmod (t_file, 0660), 0);
    ck_assert (vg_private_is_loose (t_file));
    t_secret ("x", 0600);
    ck_assert_int_eq (vg_private_mkdirs (t_file), 0); /* exists (as a file): the caller's open reports it */
}
END_TEST

Suite *
vg_private_file_suite (void)
{
    const TTest *tests[] = {
        reads_and_strips_one_trailing_newline, refuses_group_or_world_readable,
        missing_empty_and_odd_files_are_errors, mkdirs_creates_0700_and_loose_is_reported,
    };
    return vg_test_suite ("private_file", "private_file", tests, sizeof tests / sizeof tests[0], 10, t_setup,
                          t_teardown);
}
