/* check_config_diff.c - vg_cfg_diff: every option type compared by value, lists element by
 * element, skipped names and prefixes, and the names list truncated safely. */
#include <check.h>
#include <string.h>

#include "common/config.h"
#include "common/config_diff.h"
#include "tests/support/suite.h"

typedef struct {
    char *id;
    uint64_t n;
} t_el_t;

typedef struct {
    char *id;
    int64_t every_ms;
    double rate;
    bool on;
    char **tags;
    size_t ntags;
    t_el_t *els;
    size_t nels;
} t_cfg_t;

static const vg_cfg_opt_t t_el_opts[] = {
    VG_CFG_OPT ("id", VG_CFG_STR, t_el_t, id, 0, 0, NULL, "id"),
    VG_CFG_OPT ("n", VG_CFG_UINT, t_el_t, n, 0, 0, "1", "n"),
};
static const vg_cfg_table_t t_el_table = VG_CFG_TABLE ("el", t_el_opts, t_el_t);
static const vg_cfg_opt_t t_opts[] = {
    VG_CFG_OPT ("a.id", VG_CFG_STR, t_cfg_t, id, 0, 0, "x", "id"),
    VG_CFG_OPT ("limits.every", VG_CFG_DURATION, t_cfg_t, every_ms, 0, 0, "1s", "every"),
    VG_CFG_OPT ("limits.rate", VG_CFG_DOUBLE, t_cfg_t, rate, 0, 0, "1.5", "rate"),
    VG_CFG_OPT ("a.on", VG_CFG_BOOL, t_cfg_t, on, 0, 0, "false", "on"),
    VG_CFG_STRLIST_OPT ("tags", t_cfg_t, tags, ntags, 0, 8, "[]", "tags"),
    VG_CFG_LIST_OPT ("els", t_cfg_t, els, nels, &t_el_table, 0, 8, "[]", "els"),
};
static const vg_cfg_table_t t_table = VG_CFG_TABLE ("test", t_opts, t_cfg_t);

static void
t_load (t_cfg_t *c, const char *yaml)
{
    vg_cfg_error_t err;
    ck_assert_int_eq (vg_cfg_load_string (&t_table, "t.yaml", yaml, c, &err), 0);
}

START_TEST (same_files_differ_nowhere)
{
    t_cfg_t a, b;
    const char *y = "a:\n  id: q\ntags: [x, y]\nels:\n  - id: e\n    n: 3\n";
    t_load (&a, y);
    t_load (&b, y);
    char out[128];
    ck_assert_uint_eq (vg_cfg_diff (&t_table, &a, &b, NULL, out, sizeof out), 0);
    ck_assert_str_eq (out, "");
    vg_cfg_free (&t_table, &a);
    vg_cfg_free (&t_table, &b);
}
END_TEST

START_TEST (every_type_named_once)
{
    t_cfg_t a, b;
    t_load (&a, "a:\n  id: q\ntags: [x, y]\nels:\n  - id: e\n    n: 3\n");
    t_load (&b, "a:\n  id: r\n  on: true\nlimits:\n  every: 2s\n  rate: 2\ntags: [x, z]\nels:\n  - id: e\n    n: 4\n");
    char out[128];
    ck_assert_uint_eq (vg_cfg_diff (&t_table, &a, &b, NULL, out, sizeof out), 6);
    ck_assert_str_eq (out, "a.id, limits.every, limits.rate, a.on, tags, els");
    /* Skipped: a prefix ending in '.' and an exact name. */
    const char *const skip[] = { "limits.", "els", NULL };
    ck_assert_uint_eq (vg_cfg_diff (&t_table, &a, &b, skip, out, sizeof out), 3);
    ck_assert_str_eq (out, "a.id, a.on, tags");
    /* A short buffer: the count stays exact, the text is cut with "..." and terminated. */
    ck_assert_uint_eq (vg_cfg_diff (&t_table, &a, &b, NULL, out, 20), 6);
    ck_assert_str_eq (out, "a.id...");
    ck_assert_uint_eq (vg_cfg_diff (&t_table, &a, &b, NULL, out, 3), 6);
    ck_assert_uint_lt (strlen (out), 3);
    vg_cfg_free (&t_table, &a);
    vg_cfg_free (&t_table, &b);
}
END_TEST

Suite *
vg_config_diff_suite (void)
{
    const TTest *tests[] = { same_files_differ_nowhere, every_type_named_once };
    return vg_test_suite ("config_diff", "diff", tests, sizeof tests / sizeof tests[0], 10, NULL, NULL);
}
