/* check_daemon_args.c - the daemons' command-line front end: -c, --set (typed, checked,
 * in order), --help, --version, program flags, and usage errors. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/daemon_args.h"
#include "tests/support/suite.h"

typedef struct {
    char *id;
    uint64_t max;
    int64_t flush_ms;
} t_cfg_t;

static const vg_cfg_opt_t t_opts[] = {
    VG_CFG_OPT ("agent.id", VG_CFG_STR, t_cfg_t, id, 0, 0, NULL, "identity"),
    VG_CFG_OPT ("batch.max", VG_CFG_UINT, t_cfg_t, max, 1, 1000, "10", "bound"),
    VG_CFG_OPT ("batch.flush", VG_CFG_DURATION, t_cfg_t, flush_ms, 10, 60000, "1s", "flush interval"),
};
static const vg_cfg_table_t t_table = VG_CFG_TABLE ("test", t_opts, t_cfg_t);
static const vg_daemon_flag_t t_flags[] = { { "--exit-when-done", "exit at the end" } };
static const vg_daemon_spec_t t_spec = { "vigil-test", &t_table, t_flags, 1 };

static char t_path[64];

static void
t_setup (void)
{
    strcpy (t_path, "/tmp/vg-daemon-args-XXXXXX");
    int fd = mkstemp (t_path);
    ck_assert_int_ge (fd, 0);
    const char *yaml = "agent:\n  id: a1\nbatch:\n  max: 20\n";
    ck_assert_int_eq (write (fd, yaml, strlen (yaml)), (ssize_t) strlen (yaml));
    close (fd);
}

static void
t_teardown (void)
{
    unlink (t_path);
}

static int
t_run (t_cfg_t *cfg, bool *flag, int n, ...)
{
    char *argv[16] = { "vigil-test" };
    va_list ap;
    va_start (ap, n);
    for (int i = 0; i < n; i++)
        argv[i + 1] = va_arg (ap, char *);
    va_end (ap);
    return vg_daemon_args (&t_spec, n + 1, argv, cfg, flag);
}

START_TEST (loads_file_and_applies_sets_in_order)
{
    t_cfg_t cfg;
    bool flag = true;
    int rc = t_run (&cfg, &flag, 6, "-c", t_path, "--set", "batch.max=30", "--set", "batch.max=40");
    ck_assert_int_eq (rc, VG_DAEMON_RUN);
    ck_assert_str_eq (cfg.id, "a1");
    ck_assert_uint_eq (cfg.max, 40);
    ck_assert_int_eq (cfg.flush_ms, 1000);
    ck_assert (!flag);
    vg_cfg_free (&t_table, &cfg);
    rc = t_run (&cfg, &flag, 5, "--exit-when-done", "--config", t_path, "--set", "batch.flush=250ms");
    ck_assert_int_eq (rc, VG_DAEMON_RUN);
    ck_assert (flag);
    ck_assert_int_eq (cfg.flush_ms, 250);
    vg_cfg_free (&t_table, &cfg);
}
END_TEST

START_TEST (bad_sets_are_usage_errors)
{
    t_cfg_t cfg;
    bool flag;
    ck_assert_int_eq (t_run (&cfg, &flag, 4, "-c", t_path, "--set", "batch.max=5000"), VG_DAEMON_EXIT_USAGE);
    ck_assert_ptr_null (cfg.id); /* nothing left allocated */
    ck_assert_int_eq (t_run (&cfg, &flag, 4, "-c", t_path, "--set", "batch.nope=1"), VG_DAEMON_EXIT_USAGE);
    ck_assert_int_eq (t_run (&cfg, &flag, 4, "-c", t_path, "--set", "no-equals"), VG_DAEMON_EXIT_USAGE);
    ck_assert_int_eq (t_run (&cfg, &flag, 4, "-c", t_path, "--set", "=1"), VG_DAEMON_EXIT_USAGE);
    ck_assert_int_eq (t_run (&cfg, &flag, 3, "-c", t_path, "--set"), VG_DAEMON_EXIT_USAGE);
}
END_TEST

START_TEST (usage_errors_and_info)
{
    t_cfg_t cfg;
    bool flag;
    ck_assert_int_eq (t_run (&cfg, &flag, 0), VG_DAEMON_EXIT_USAGE);          /* no -c */
    ck_assert_int_eq (t_run (&cfg, &flag, 1, "--bogus"), VG_DAEMON_EXIT_USAGE);
    ck_assert_int_eq (t_run (&cfg, &flag, 2, "-c", "/nonexistent/x.yaml"), VG_DAEMON_EXIT_USAGE);
    ck_assert_int_eq (t_run (&cfg, &flag, 1, "--version"), VG_DAEMON_EXIT_OK);
    ck_assert_int_eq (t_run (&cfg, &flag, 1, "-h"), VG_DAEMON_EXIT_OK);
}
END_TEST

Suite *
vg_daemon_args_suite (void)
{
    const TTest *tests[] = {
        loads_file_and_applies_sets_in_order, bad_sets_are_usage_errors, usage_errors_and_info,
    };
    return vg_test_suite ("daemon_args", "args", tests, sizeof tests / sizeof tests[0], 0, t_setup,
                          t_teardown);
}
