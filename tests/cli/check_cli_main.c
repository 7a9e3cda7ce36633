/* check_cli_main.c - the `vigil` dispatcher answers what an operator types first: --version
 * (as the daemons do), `vigil help COMMAND` (= COMMAND --help), an unknown command (exit 2). */
#include <check.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "common/version.h"
#include "tests/support/suite.h"
#include "tests/support/tmpdir.h"

extern char **environ;

static char s_dir[64];

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "climain"));
}

static void
teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

/* Run `vigil a1 [a2]` with stdout in out (cap bytes); returns the exit status. */
static int
s_vigil (const char *a1, const char *a2, char *out, size_t cap)
{
    char bin[512], path[128];
    snprintf (bin, sizeof bin, "%s/vigil", VG_BIN_DIR);
    snprintf (path, sizeof path, "%s/stdout", s_dir);
    char *argv[] = { bin, (char *) a1, (char *) a2, NULL };
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init (&fa);
    posix_spawn_file_actions_addopen (&fa, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen (&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    ck_assert_int_eq (posix_spawn (&pid, bin, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy (&fa);
    int status;
    ck_assert_int_eq (waitpid (pid, &status, 0), pid);
    ck_assert (WIFEXITED (status));
    FILE *f = fopen (path, "r");
    ck_assert_ptr_nonnull (f);
    size_t n = fread (out, 1, cap - 1, f);
    out[n] = '\0';
    fclose (f);
    return WEXITSTATUS (status);
}

START_TEST (version_and_help)
{
    char out[4096], want[64];
    ck_assert_int_eq (s_vigil ("--version", NULL, out, sizeof out), 0);
    snprintf (want, sizeof want, "vigil %s\n", VG_VERSION);
    ck_assert_str_eq (out, want);
    ck_assert_int_eq (s_vigil ("help", "inspect", out, sizeof out), 0);
    ck_assert_msg (!strncmp (out, "usage: vigil inspect", 20), "%s", out);
    ck_assert_int_eq (s_vigil ("help", NULL, out, sizeof out), 0);
    ck_assert_msg (strstr (out, "keygen"), "%s", out);
    ck_assert_int_eq (s_vigil ("help", "nope", out, sizeof out), 2);
    ck_assert_int_eq (s_vigil ("nope", NULL, out, sizeof out), 2);
}
END_TEST

Suite *
vg_cli_main_suite (void)
{
    const TTest *tests[] = { version_and_help };
    return vg_test_suite ("cli_main", "dispatch", tests, sizeof tests / sizeof tests[0], 60, setup, teardown);
}
