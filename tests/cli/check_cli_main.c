/* check_cli_main.c - the `vigil` dispatcher answers what an operator types first: --version
 * (as the daemons do), `vigil help COMMAND` (= COMMAND --help), an unknown command (exit 2). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "common/version.h"
#include "tests/cli/fixture_vigil.h"
#include "tests/support/suite.h"

/* Run `vigil a1 [a2]` with stdout in out (cap bytes); returns the exit status. */
static int
s_vigil (const char *a1, const char *a2, char *out, size_t cap)
{
    char path[128];
    snprintf (path, sizeof path, "%s/stdout", fx_dir);
    char *args[] = { (char *) a1, (char *) a2, NULL };
    int rc = fx_vigil (args, path, NULL, NULL);
    FILE *f = fopen (path, "r");
    ck_assert_ptr_nonnull (f);
    size_t n = fread (out, 1, cap - 1, f);
    out[n] = '\0';
    fclose (f);
    return rc;
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
    return vg_test_suite ("cli_main", "dispatch", tests, sizeof tests / sizeof tests[0], 60, fx_setup, fx_teardown);
}
