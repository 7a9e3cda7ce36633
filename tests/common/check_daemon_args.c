/* check_daemon_args.c - the daemons' command-line front end: -c, --set (typed, checked,
 * in order), --help, --version, program flags, and usage errors; the reload (the same file
 * and overrides read again), SIGHUP counted, and log lines for journald. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/daemon_args.h"
#include "common/log.h"
#include <signal.h>
#include <sys/stat.h>
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

/* The reload reads the file again (its current content) and applies the same overrides,
 * also through the daemons' loader (vg_daemon_reload_cmdline). */
START_TEST (reload_reads_file_again)
{
    char *argv[] = { "vigil-test", "--exit-when-done", "-c", t_path, "--set", "batch.flush=250ms", NULL };
    t_cfg_t cfg;
    char err[700];
    FILE *f = fopen (t_path, "w");
    ck_assert_ptr_nonnull (f);
    fputs ("agent:\n  id: a2\nbatch:\n  max: 7\n", f);
    fclose (f);
    ck_assert_int_eq (vg_daemon_reload (&t_spec, 6, argv, &cfg, err, sizeof err), 0);
    ck_assert_str_eq (cfg.id, "a2");
    ck_assert_uint_eq (cfg.max, 7);
    ck_assert_int_eq (cfg.flush_ms, 250);
    vg_cfg_free (&t_table, &cfg);
    /* The daemons' loader does the same from the command line they keep. */
    vg_daemon_cmdline_t cl = { &t_spec, 6, argv };
    vg_daemon_load_fn load = vg_daemon_reload_cmdline;
    ck_assert_int_eq (load (&cl, &cfg, err, sizeof err), 0);
    ck_assert_str_eq (cfg.id, "a2");
    ck_assert_int_eq (cfg.flush_ms, 250);
    vg_cfg_free (&t_table, &cfg);
    /* A broken file or override: -1 with the reason, nothing allocated. */
    f = fopen (t_path, "w");
    ck_assert_ptr_nonnull (f);
    fputs ("batch:\n  max: 5000\n", f);
    fclose (f);
    ck_assert_int_eq (vg_daemon_reload (&t_spec, 6, argv, &cfg, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "batch.max"));
    ck_assert_ptr_null (cfg.id);
    char *noc[] = { "vigil-test", "--set", "batch.max=3", NULL };
    ck_assert_int_eq (vg_daemon_reload (&t_spec, 3, noc, &cfg, err, sizeof err), -1);
    ck_assert_ptr_nonnull (strstr (err, "no configuration file"));
}
END_TEST

/* SIGHUP is counted, not fatal, and makes a reload due once however many came; SIGTERM sets
 * the stop flag. */
START_TEST (signals_counted)
{
    volatile sig_atomic_t *stop = vg_daemon_signals ();
    volatile sig_atomic_t *hup = vg_daemon_hup ();
    sig_atomic_t before = *hup;
    vg_daemon_reload_t never = { 0 }, r;
    ck_assert (!vg_daemon_reload_due (&never));
    ck_assert_int_eq (raise (SIGHUP), 0); /* before the watch: not due */
    vg_daemon_reload_watch (&r, hup, NULL, NULL);
    ck_assert (!vg_daemon_reload_due (&r));
    ck_assert_int_eq (raise (SIGHUP), 0);
    ck_assert_int_eq (raise (SIGHUP), 0);
    ck_assert_int_eq (*hup, before + 3);
    ck_assert (vg_daemon_reload_due (&r));
    ck_assert (!vg_daemon_reload_due (&r));
    ck_assert (!vg_daemon_reload_due (&never));
    ck_assert_int_eq (*stop, 0);
    ck_assert_int_eq (raise (SIGTERM), 0);
    ck_assert_int_eq (*stop, 1);
}
END_TEST

/* Under systemd (JOURNAL_STREAM names stderr) lines carry a syslog priority and no time;
 * otherwise (another stream) the timestamp stays. */
START_TEST (journal_lines)
{
    char path[] = "/tmp/vg-log-XXXXXX";
    int fd = mkstemp (path);
    ck_assert_int_ge (fd, 0);
    int saved = dup (STDERR_FILENO);
    ck_assert_int_eq (dup2 (fd, STDERR_FILENO), STDERR_FILENO);
    struct stat st;
    ck_assert_int_eq (fstat (fd, &st), 0);
    char js[64];
    snprintf (js, sizeof js, "%llu:%llu", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino);
    setenv ("JOURNAL_STREAM", js, 1);
    int journal = vg_log_detect_journal ();
    vg_log (VG_LOG_WARN, "test", "to the journal");
    setenv ("JOURNAL_STREAM", "1:2", 1);
    int other = vg_log_detect_journal ();
    vg_log (VG_LOG_ERROR, "test", "to a file");
    unsetenv ("JOURNAL_STREAM");
    dup2 (saved, STDERR_FILENO);
    close (saved);
    char buf[512] = "";
    ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
    close (fd);
    unlink (path);
    ck_assert_int_gt (n, 0);
    ck_assert_int_eq (journal, 1);
    ck_assert_int_eq (other, 0);
    ck_assert_msg (!strncmp (buf, "<4>WARN  test: to the journal\n", 30), "got '%s'", buf);
    const char *second = strchr (buf, '\n') + 1;
    ck_assert_msg (second[4] == '-' && strstr (second, "Z ERROR test: to a file\n"), "got '%s'", second);
}
END_TEST

Suite *
vg_daemon_args_suite (void)
{
    const TTest *tests[] = {
        loads_file_and_applies_sets_in_order, bad_sets_are_usage_errors, usage_errors_and_info,
        reload_reads_file_again, signals_counted, journal_lines,
    };
    return vg_test_suite ("daemon_args", "args", tests, sizeof tests / sizeof tests[0], 0, t_setup,
                          t_teardown);
}
