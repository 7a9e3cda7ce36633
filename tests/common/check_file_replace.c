/* check_file_replace.c - atomic small-file replacement: the new content replaces the old
 * (with and without sync), the file is 0600, a failed replace keeps the old content and
 * leaves no temp file behind, and a path that cannot be written reports errno. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file_replace.h"
#include "tests/support/suite.h"
#include "tests/support/tmpdir.h"

static char t_dir[64];
static char t_file[128];
static char t_tmp[136];

static void
t_setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (t_dir, sizeof t_dir, "replace"));
    ck_assert_ptr_nonnull (vg_test_path (t_file, sizeof t_file, t_dir, "record"));
    snprintf (t_tmp, sizeof t_tmp, "%s.tmp", t_file);
}

static void
t_teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (t_dir), 0);
}

/* Assert t_file holds exactly text. */
static void
t_holds (const char *text)
{
    size_t len = 0;
    uint8_t *b = vg_test_read_file (t_file, &len);
    ck_assert_ptr_nonnull (b);
    ck_assert_uint_eq (len, strlen (text));
    ck_assert (memcmp (b, text, len) == 0);
    free (b);
}

START_TEST (replaces_with_and_without_sync)
{
    ck_assert_int_eq (vg_file_replace (t_file, "first\n", 6, false), 0);
    t_holds ("first\n");
    ck_assert_int_eq (vg_file_replace (t_file, "second, longer\n", 15, true), 0);
    t_holds ("second, longer\n");
    ck_assert_int_eq (vg_file_replace (t_file, "3\n", 2, true), 0); /* shorter: truncated */
    t_holds ("3\n");
    struct stat st;
    ck_assert_int_eq (stat (t_file, &st), 0);
    ck_assert_int_eq (st.st_mode & 0777, 0600);
    ck_assert_int_ne (access (t_tmp, F_OK), 0);
}
END_TEST

START_TEST (failure_keeps_the_old_content)
{
    ck_assert_int_eq (vg_file_replace (t_file, "kept\n", 5, true), 0);
    /* The temp name is taken by a directory: the write cannot start. */
    ck_assert_int_eq (mkdir (t_tmp, 0700), 0);
    errno = 0;
    ck_assert_int_eq (vg_file_replace (t_file, "lost\n", 5, true), -1);
    ck_assert_int_ne (errno, 0);
    t_holds ("kept\n");
    ck_assert_int_eq (rmdir (t_tmp), 0);
    /* The target is a directory: the rename fails and the temp file is removed. */
    char sub[160];
    snprintf (sub, sizeof sub, "%s/dir", t_dir);
    ck_assert_int_eq (mkdir (sub, 0700), 0);
    errno = 0;
    ck_assert_int_eq (vg_file_replace (sub, "x", 1, false), -1);
    ck_assert_int_eq (errno, EISDIR);
    char subtmp[168];
    snprintf (subtmp, sizeof subtmp, "%s.tmp", sub);
    ck_assert_int_ne (access (subtmp, F_OK), 0);
    /* A missing directory. */
    char missing[160];
    snprintf (missing, sizeof missing, "%s/no/such/record", t_dir);
    errno = 0;
    ck_assert_int_eq (vg_file_replace (missing, "x", 1, true), -1);
    ck_assert_int_eq (errno, ENOENT);
}
END_TEST

Suite *
vg_file_replace_suite (void)
{
    const TTest *tests[] = { replaces_with_and_without_sync, failure_keeps_the_old_content };
    return vg_test_suite ("file_replace", "file_replace", tests, sizeof tests / sizeof tests[0], 10, t_setup,
                          t_teardown);
}
