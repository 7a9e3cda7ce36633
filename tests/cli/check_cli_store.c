/* check_cli_store.c - a path without a store is refused by name, `vigil compact` (the one
 * subcommand that opens a store read-write) never creates a store at a mistyped path,
 * `vigil alerts` on a store without alerts says what stores them, and `vigil query --events`
 * refuses a --path it cannot apply. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_store.h"
#include "store/store.h"
#include "tests/cli/fixture_vigil.h"
#include "tests/support/suite.h"

/* Exit status of `vigil compact --store path` (stderr to /dev/null). */
static int
s_compact (const char *path)
{
    char *args[] = { "compact", "--store", (char *) path, NULL };
    return fx_vigil (args, NULL, NULL, NULL);
}

START_TEST (compact_refuses_a_path_without_a_store)
{
    char missing[128], empty[128], cur[160];
    snprintf (missing, sizeof missing, "%s/typo", fx_dir);
    snprintf (empty, sizeof empty, "%s/empty", fx_dir);
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
    char path[128];
    fx_empty_store (path, sizeof path);
    ck_assert_int_eq (vg_cli_store_exists ("test", path), 1);
    ck_assert_int_eq (s_compact (path), 0);
}
END_TEST

/* `vigil alerts` on a store no detector wrote to: exit 0, 0 records, and the reason it may
 * be empty (the example collector.yaml has the detectors off). */
START_TEST (alerts_of_an_empty_store_say_why)
{
    char path[128], errf[160];
    fx_empty_store (path, sizeof path);
    snprintf (errf, sizeof errf, "%s/stderr", fx_dir);
    char *args[] = { "alerts", "--store", path, NULL };
    ck_assert_int_eq (fx_vigil (args, NULL, errf, NULL), 0);
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
    char path[128];
    fx_empty_store (path, sizeof path);
    char *with[] = { "query", "--store", path, "--events", "--path", "*in-octets", NULL };
    char *without[] = { "query", "--store", path, "--events", NULL };
    ck_assert_int_eq (fx_vigil (with, NULL, NULL, NULL), 2);
    ck_assert_int_eq (fx_vigil (without, NULL, NULL, NULL), 0);
}
END_TEST

Suite *
vg_cli_store_suite (void)
{
    const TTest *tests[] = { compact_refuses_a_path_without_a_store, a_store_is_found_and_compacted,
                             alerts_of_an_empty_store_say_why, query_events_refuse_a_path };
    return vg_test_suite ("cli_store", "paths", tests, sizeof tests / sizeof tests[0], 60, fx_setup, fx_teardown);
}
