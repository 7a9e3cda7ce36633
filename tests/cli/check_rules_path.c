/* check_rules_path.c - the default rules file of vigil replay / vigil eval: the places looked
 * at (checkout, /etc/vigil, beside the program, the install path), the first readable
 * regular file wins (a directory of that name does not), and the "tried" list names every
 * place looked at, cut safely when the buffer is short. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/rules_path.h"
#include "tests/support/suite.h"
#include "tests/support/tmpdir.h"

static char s_dir[64];

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "rulespath"));
}

static void
teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

START_TEST (candidates_in_order)
{
    char cand[VG_RULES_PATH_CANDIDATES][VG_RULES_PATH_MAX];
    size_t n = vg_rules_path_candidates (cand, VG_RULES_PATH_CANDIDATES);
    ck_assert_uint_ge (n, 3);
    ck_assert_str_eq (cand[0], "detectors/rules.yaml");
    ck_assert_str_eq (cand[1], "/etc/vigil/rules.yaml");
    ck_assert_str_eq (cand[n - 1], vg_rules_path_installed ());
    /* Beside this program (BUILD/tests/check_cli_rules_path): BUILD/share/vigil/rules.yaml. */
    int found = 0;
    for (size_t i = 2; i < n; i++)
        found |= strstr (cand[i], "/share/vigil/rules.yaml") != NULL;
    ck_assert (found);
    /* A short array gets the first ones only. */
    ck_assert_uint_eq (vg_rules_path_candidates (cand, 1), 1);
    ck_assert_str_eq (cand[0], "detectors/rules.yaml");
}
END_TEST

START_TEST (first_readable_file_wins)
{
    char cand[3][VG_RULES_PATH_MAX];
    snprintf (cand[0], sizeof cand[0], "%s/missing.yaml", s_dir);
    snprintf (cand[1], sizeof cand[1], "%s/adir.yaml", s_dir); /* a directory: skipped */
    snprintf (cand[2], sizeof cand[2], "%s/rules.yaml", s_dir);
    ck_assert_int_eq (mkdir (cand[1], 0700), 0);
    char tried[3 * VG_RULES_PATH_MAX + 16];
    ck_assert_ptr_null (vg_rules_path_first (cand, 3, tried, sizeof tried));
    char want[3 * VG_RULES_PATH_MAX + 16];
    snprintf (want, sizeof want, "%s, %s, %s", cand[0], cand[1], cand[2]);
    ck_assert_str_eq (tried, want);
    FILE *f = fopen (cand[2], "w");
    ck_assert_ptr_nonnull (f);
    fputs ("version: 1\n", f);
    fclose (f);
    ck_assert_ptr_eq (vg_rules_path_first (cand, 3, tried, sizeof tried), cand[2]);
    ck_assert_ptr_eq (vg_rules_path_first (cand, 3, NULL, 0), cand[2]);
    /* A short "tried" buffer is cut, NUL-terminated. */
    char small[12];
    ck_assert_ptr_eq (vg_rules_path_first (cand, 3, small, sizeof small), cand[2]);
    ck_assert_uint_eq (strlen (small), sizeof small - 1);
    ck_assert (strncmp (small, cand[0], sizeof small - 1) == 0);
}
END_TEST

Suite *
vg_rules_path_suite (void)
{
    const TTest *tests[] = { candidates_in_order, first_readable_file_wins };
    return vg_test_suite ("rules_path", "rules_path", tests, sizeof tests / sizeof tests[0], 30, setup, teardown);
}
