/* check_cli_store.c - a path without a store is refused by name, `vigil compact` (the one
 * subcommand that opens a store read-write) never creates a store at a mistyped path,
 * `vigil alerts` on a store without alerts says what stores them, and `vigil query --events`
 * refuses a --path it cannot apply. */
#include <check.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli/cli_store.h"
#include "store/store.h"
#include "tests/support/suite.h"
#include "tests/support/tmpdir.h"

extern char **environ;

static char s_dir[64];

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "clistore"));
}

static void
teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

/* Exit status of `vigil compact --store path` (stderr to /dev/null). */
static int
s_compact (const char *path)
{
    char bin[512];
    snprintf (bin, sizeof bin, "%s/vigil", VG_BIN_DIR);
    char *argv[] = { bin, "compact", "--store", (char *) path, NULL };
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init (&fa);
    posix_spawn_file_actions_addopen (&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    ck_assert_int_eq (posix_spawn (&pid, bin, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy (&fa);
    int status;
    ck_assert_int_eq (waitpid (pid, &status, 0), pid);
    ck_assert (WIFEXITED (status));
    return WEXITSTATUS (status);
}

START_TEST (compact_refuses_a_path_without_a_store)
{
    char missing[128], empty[128], cur[160];
    snprintf (missing, sizeof missing, "%s/typo", s_dir);
    snprintf (empty, sizeof empty, "%s/empty", s_dir);
    ck_assert_int_eq (mkdir (empty, 0700), 0);
    struct stat st;
    ck_assert_int_eq (s_compact (missing), 1);
    ck_assert_int_ne (stat (missing, &st), 0); /* nothing created */
    ck_assert_int_eq (s_compact (empty), 1);
    snprintf (cur, sizeof cur, "%s/CURRENT", empty);
    ck_assert_int_ne (stat (cur, &st), 0);
    ck_assert_int_eq (vg_cli_store_exists ("test", missing), 0);
    ck_assert_int_eq (vg_cli_store_exists ("test", empty), 0);
    ck_assert_ptr_null (vg_cli_store_open ("test", missing, NULL));
}
END_TEST

START_TEST (a_store_is_found_and_compacted)
{
    char path[128], err[256];
    snprintf (path, sizeof path, "%s/store", s_dir);
    vg_store_cfg_t cfg = { path, VG_STORE_RW, 3600000, false, 0 };
    vg_store_t *s = vg_store_open (&cfg, err, sizeof err);
    ck_assert_msg (s != NULL, "%s", err);
    vg_store_destroy (&s);
    ck_assert_int_eq (vg_cli_store_exists ("test", path), 1);
    ck_assert_int_eq (s_compact (path), 0);
}
END_TEST

/* `vigil alerts` on a store no detector wrote to: exit 0, 0 records, and the reason it may
 * be empty (the example collector.yaml has the detectors off). */
START_TEST (alerts_of_an_empty_store_say_why)
{
    char path[128], errf[160], err[256];
    snprintf (path, sizeof path, "%s/store", s_dir);
    snprintf (errf, sizeof errf, "%s/stderr", s_dir);
    vg_store_cfg_t cfg = { path, VG_STORE_RW, 3600000, false, 0 };
    vg_store_t *s = vg_store_open (&cfg, err, sizeof err);
    ck_assert_msg (s != NULL, "%s", err);
    vg_store_destroy (&s);
    char bin[512];
    snprintf (bin, sizeof bin, "%s/vigil", VG_BIN_DIR);
    char *argv[] = { bin, "alerts", "--store", path, NULL };
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init (&fa);
    posix_spawn_file_actions_addopen (&fa, 2, errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    ck_assert_int_eq (posix_spawn (&pid, bin, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy (&fa);
    int status;
    ck_assert_int_eq (waitpid (pid, &status, 0), pid);
    ck_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    FILE *f = fopen (errf, "r");
    ck_assert_ptr_nonnull (f);
    char text[512];
    size_t n = fread (text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose (f);
    ck_assert_msg (strstr (text, "0 records") && strstr (text, "detect.enabled"), "%s", text);
}
END_TEST

/* Events have no path: `vigil query --events --path P` printed every event, as if filtered. */
START_TEST (query_events_refuse_a_path)
{
    char path[128], err[256];
    snprintf (path, sizeof path, "%s/store", s_dir);
    vg_store_cfg_t cfg = { path, VG_STORE_RW, 3600000, false, 0 };
    vg_store_t *s = vg_store_open (&cfg, err, sizeof err);
    ck_assert_msg (s != NULL, "%s", err);
    vg_store_destroy (&s);
    char bin[512];
    snprintf (bin, sizeof bin, "%s/vigil", VG_BIN_DIR);
    char *with[] = { bin, "query", "--store", path, "--events", "--path", "*in-octets", NULL };
    char *without[] = { bin, "query", "--store", path, "--events", NULL };
    char **runs[] = { with, without };
    int want[] = { 2, 0 };
    for (int i = 0; i < 2; i++) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init (&fa);
        posix_spawn_file_actions_addopen (&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen (&fa, 2, "/dev/null", O_WRONLY, 0);
        pid_t pid;
        ck_assert_int_eq (posix_spawn (&pid, bin, &fa, NULL, runs[i], environ), 0);
        posix_spawn_file_actions_destroy (&fa);
        int status;
        ck_assert_int_eq (waitpid (pid, &status, 0), pid);
        ck_assert (WIFEXITED (status));
        ck_assert_int_eq (WEXITSTATUS (status), want[i]);
    }
}
END_TEST

Suite *
vg_cli_store_suite (void)
{
    const TTest *tests[] = { compact_refuses_a_path_without_a_store, a_store_is_found_and_compacted,
                             alerts_of_an_empty_store_say_why, query_events_refuse_a_path };
    return vg_test_suite ("cli_store", "paths", tests, sizeof tests / sizeof tests[0], 60, setup, teardown);
}
