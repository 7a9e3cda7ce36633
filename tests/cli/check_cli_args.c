/* check_cli_args.c - the subcommands' option table: strings, flags, checked numbers with
 * ranges, repeated options, positionals, help and usage errors, time ranges. */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/cli_args.h"
#include "tests/support/suite.h"

static void
t_usage (FILE *f)
{
    fputs ("usage: test\n", f);
}

typedef struct {
    const char *store;
    bool events;
    uint32_t sites;
    uint64_t seed;
    double days;
    vg_arg_multi_t params;
} t_opts_t;

static int
t_parse (t_opts_t *o, vg_arg_multi_t *pos, int n, ...)
{
    *o = (t_opts_t){ .sites = 7 };
    const vg_arg_t args[] = {
        { .name = "--store", .type = VG_ARG_STR, .dst = &o->store },
        { .name = "--events", .type = VG_ARG_FLAG, .dst = &o->events },
        { .name = "--sites", .type = VG_ARG_U32, .dst = &o->sites, .min = 1, .max = 1000 },
        { .name = "--seed", .type = VG_ARG_U64, .dst = &o->seed },
        { .name = "--days", .alias = "-d", .type = VG_ARG_F64, .dst = &o->days, .min = 0.01, .max = 365 },
        { .name = "--param", .type = VG_ARG_MULTI, .dst = &o->params },
    };
    char *argv[16] = { "test" };
    va_list ap;
    va_start (ap, n);
    for (int i = 0; i < n; i++)
        argv[i + 1] = va_arg (ap, char *);
    va_end (ap);
    return vg_cli_args ("test", args, sizeof args / sizeof args[0], n + 1, argv, t_usage, pos);
}

START_TEST (parses_each_type)
{
    t_opts_t o;
    vg_arg_multi_t pos = { 0 };
    ck_assert_int_eq (t_parse (&o, &pos, 12, "--store", "/s", "--events", "--sites", "1000", "--seed",
                               "18446744073709551615", "-d", "2.5", "file.csv", "--param", "k=1"),
                      VG_ARGS_RUN);
    ck_assert_str_eq (o.store, "/s");
    ck_assert (o.events);
    ck_assert_uint_eq (o.sites, 1000);
    ck_assert (o.seed == UINT64_MAX);
    ck_assert (o.days == 2.5);
    ck_assert_uint_eq (o.params.n, 1);
    ck_assert_uint_eq (pos.n, 1);
    ck_assert_str_eq (pos.v[0], "file.csv");
    ck_assert_int_eq (t_parse (&o, NULL, 0), VG_ARGS_RUN);
    ck_assert_uint_eq (o.sites, 7); /* default kept */
}
END_TEST

START_TEST (numbers_are_checked_whole)
{
    t_opts_t o;
    ck_assert_int_eq (t_parse (&o, NULL, 2, "--sites", "0"), VG_ARGS_USAGE);      /* below range */
    ck_assert_int_eq (t_parse (&o, NULL, 2, "--sites", "1001"), VG_ARGS_USAGE);   /* above range */
    ck_assert_int_eq (t_parse (&o, NULL, 2, "--sites", "12abc"), VG_ARGS_USAGE);  /* trailing text */
    ck_assert_int_eq (t_parse (&o, NULL, 2, "--sites", "-3"), VG_ARGS_USAGE);     /* negative */
    ck_assert_int_eq (t_parse (&o, NULL, 2, "--seed", "18446744073709551616"), VG_ARGS_USAGE); /* overflow */
    ck_assert_int_eq (t_parse (&o, NULL, 2, "--days", "nan"), VG_ARGS_USAGE);
    ck_assert_int_eq (t_parse (&o, NULL, 2, "--days", ""), VG_ARGS_USAGE);
    ck_assert_int_eq (t_parse (&o, NULL, 2, "--days", "400"), VG_ARGS_USAGE);
}
END_TEST

START_TEST (usage_and_help)
{
    t_opts_t o;
    ck_assert_int_eq (t_parse (&o, NULL, 1, "--nope"), VG_ARGS_USAGE);
    ck_assert_int_eq (t_parse (&o, NULL, 1, "--store"), VG_ARGS_USAGE);       /* missing value */
    ck_assert_int_eq (t_parse (&o, NULL, 1, "stray"), VG_ARGS_USAGE);         /* no positionals taken */
    ck_assert_int_eq (t_parse (&o, NULL, 3, "--store", "x", "--help"), VG_ARGS_HELP);
    ck_assert_int_eq (vg_cli_args_exit (VG_ARGS_HELP), 0);
    ck_assert_int_eq (vg_cli_args_exit (VG_ARGS_USAGE), 2);
}
END_TEST

START_TEST (required_and_enum)
{
    static const char *const fmts[] = { "csv", "json", NULL };
    const char *store = NULL, *format = "csv";
    const vg_arg_t args[] = {
        { .name = "--store", .type = VG_ARG_STR, .dst = &store, .required = true },
        { .name = "--format", .type = VG_ARG_ENUM, .dst = &format, .choices = fmts },
    };
    char *a1[] = { "t", "--format", "json" };
    ck_assert_int_eq (vg_cli_args ("t", args, 2, 3, a1, t_usage, NULL), VG_ARGS_USAGE); /* no --store */
    char *a2[] = { "t", "--store", "/s", "--format", "xml" };
    ck_assert_int_eq (vg_cli_args ("t", args, 2, 5, a2, t_usage, NULL), VG_ARGS_USAGE);
    char *a3[] = { "t", "--store", "/s", "--format", "json" };
    ck_assert_int_eq (vg_cli_args ("t", args, 2, 5, a3, t_usage, NULL), VG_ARGS_RUN);
    ck_assert_str_eq (format, "json");
    ck_assert_str_eq (store, "/s");
}
END_TEST

START_TEST (durations)
{
    int64_t ms = 7;
    const vg_arg_t args[] = { { .name = "--every", .type = VG_ARG_DURATION, .dst = &ms } };
    char *a1[] = { "t", "--every", "5m" };
    ck_assert_int_eq (vg_cli_args ("t", args, 1, 3, a1, t_usage, NULL), VG_ARGS_RUN);
    ck_assert_int_eq (ms, 300000);
    char *a2[] = { "t", "--every", "soon" };
    ck_assert_int_eq (vg_cli_args ("t", args, 1, 3, a2, t_usage, NULL), VG_ARGS_USAGE);
    ck_assert_int_eq (ms, 300000); /* unchanged by the refused value */
}
END_TEST

START_TEST (time_ranges)
{
    int64_t t0, t1;
    ck_assert_int_eq (vg_cli_time_range ("test", NULL, NULL, &t0, &t1), 0);
    ck_assert (t0 == INT64_MIN && t1 == INT64_MAX);
    ck_assert_int_eq (vg_cli_time_range ("test", "1000", "2000", &t0, &t1), 0);
    ck_assert (t0 == 1000 && t1 == 2000);
    ck_assert_int_eq (vg_cli_time_range ("test", "yesterday-ish", NULL, &t0, &t1), -1);
    ck_assert_int_eq (vg_cli_time_range ("test", NULL, "2026-13-45", &t0, &t1), -1);
    ck_assert_int_eq (vg_cli_time_range ("test", "-1h", "-2h", &t0, &t1), -1); /* reversed */
    ck_assert_int_eq (vg_cli_time_range ("test", "2000", "1000", &t0, &t1), -1);
    ck_assert_int_eq (vg_cli_time_range ("test", "1000", "1000", &t0, &t1), 0); /* empty, not reversed */
}
END_TEST

/* --vendor is typed as the operator thinks of it: "nokia" selects the stored "Nokia". */
START_TEST (vendor_globs_ignore_case)
{
    ck_assert (vg_cli_glob_nocase ("nokia", "Nokia"));
    ck_assert (vg_cli_glob_nocase ("HUAW*", "Huawei"));
    ck_assert (vg_cli_glob_nocase (NULL, "Nokia"));
    ck_assert (vg_cli_glob_nocase ("*", NULL));
    ck_assert (!vg_cli_glob_nocase ("nokia", "Ericsson"));
    ck_assert (!vg_cli_glob_nocase ("nokia", NULL));
}
END_TEST

Suite *
vg_cli_args_suite (void)
{
    const TTest *tests[] = {
        parses_each_type, numbers_are_checked_whole, usage_and_help, required_and_enum, durations,
        time_ranges, vendor_globs_ignore_case,
    };
    return vg_test_suite ("cli_args", "parse", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
