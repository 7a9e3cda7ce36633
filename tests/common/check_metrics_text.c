/* check_metrics_text.c - the table-driven Prometheus text renderer: one TYPE line per family
 * with every instance's samples of that family together, instance labels before row labels,
 * units, label escaping (table), nothing for no instances, and truncation. */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"
#include "common/metrics_text.h"
#include "tests/support/suite.h"
#include "tests/support/text_assert.h"

typedef struct {
    uint64_t ok, bad;
    int64_t lag_ms;
} t_stats_t;

#define T_ROW(fam, type, labels, field, repr) { fam, type, labels, NULL, offsetof (t_stats_t, field), repr }

static const vg_metric_t t_table[] = {
    T_ROW ("t_items_total", "counter", "result=\"ok\"", ok, VG_METRIC_U64),
    T_ROW ("t_items_total", "counter", "result=\"bad\"", bad, VG_METRIC_U64),
    T_ROW ("t_lag_seconds", "gauge", NULL, lag_ms, VG_METRIC_I64_MS),
};

START_TEST (instances_grouped_by_family)
{
    t_stats_t a = { 3, 1, 1500 }, b = { 7, 0, 250 };
    const vg_metric_instance_t inst[] = { { &a, "input=\"a\"" }, { &b, "input=\"b\"" } };
    char buf[2048];
    vg_metric_out_t out = { buf, sizeof buf, 0, 0 };
    vg_metrics_render_each (&out, t_table, sizeof t_table / sizeof t_table[0], inst, 2);
    ck_assert_int_eq (out.truncated, 0);
    ck_assert_uint_eq (out.len, strlen (buf));
    /* exactly this text: families in table order, instances in turn inside each family */
    ck_assert_str_eq (buf, "# TYPE t_items_total counter\n"
                           "t_items_total{input=\"a\",result=\"ok\"} 3\n"
                           "t_items_total{input=\"a\",result=\"bad\"} 1\n"
                           "t_items_total{input=\"b\",result=\"ok\"} 7\n"
                           "t_items_total{input=\"b\",result=\"bad\"} 0\n"
                           "# TYPE t_lag_seconds gauge\n"
                           "t_lag_seconds{input=\"a\"} 1.500\n"
                           "t_lag_seconds{input=\"b\"} 0.250\n");
}
END_TEST

START_TEST (single_stats_and_no_instances)
{
    t_stats_t a = { 1, 2, 0 };
    char buf[1024];
    vg_metric_out_t out = { buf, sizeof buf, 0, 0 };
    vg_metrics_render_each (&out, t_table, 3, NULL, 0);
    ck_assert_uint_eq (out.len, 0);
    vg_metrics_render (&out, t_table, 3, &a);
    static const char *const want[] = { "t_items_total{result=\"bad\"} 2\n", "t_lag_seconds 0.000\n" };
    vg_test_assert_contains (buf, want, 2, "single render");
    ck_assert_int_eq (vg_test_count (buf, "# TYPE "), 2);
    ck_assert_ptr_null (strstr (buf, "{}"));
}
END_TEST

START_TEST (label_escaping)
{
    static const struct {
        const char *value, *want;
    } cases[] = {
        { "pcap#2", "input=\"pcap#2\"" },
        { "", "input=\"\"" },
        { NULL, "input=\"\"" },
        { "say \"hi\"", "input=\"say \\\"hi\\\"\"" },
        { "back\\slash", "input=\"back\\\\slash\"" },
        { "two\nlines", "input=\"two\\nlines\"" },
        { "\\\"\n", "input=\"\\\\\\\"\\n\"" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        ck_assert_int_eq (vg_metrics_label (buf, sizeof buf, "input", cases[i].value), 0);
        ck_assert_str_eq (buf, cases[i].want);
    }
}
END_TEST

START_TEST (label_too_big_leaves_nothing)
{
    /* input="abcd" is 12 bytes: it fits in 13 (with the NUL), not in 12; an escape that
     * would straddle the end fails too; in every failure buf is left "" */
    char buf[16];
    ck_assert_int_eq (vg_metrics_label (buf, 13, "input", "abcd"), 0);
    ck_assert_str_eq (buf, "input=\"abcd\"");
    ck_assert_int_eq (vg_metrics_label (buf, 12, "input", "abcd"), -VG_ETOOBIG);
    ck_assert_str_eq (buf, "");
    ck_assert_int_eq (vg_metrics_label (buf, 13, "input", "abc\""), -VG_ETOOBIG);
    ck_assert_str_eq (buf, "");
    ck_assert_int_eq (vg_metrics_label (buf, 4, "input", ""), -VG_ETOOBIG);
    ck_assert_str_eq (buf, "");
    ck_assert_int_eq (vg_metrics_label (buf, 0, "input", ""), -VG_ETOOBIG);
}
END_TEST

START_TEST (truncation)
{
    t_stats_t a = { 1, 2, 3 };
    char small[40];
    vg_metric_out_t out = { small, sizeof small, 0, 0 };
    vg_metrics_render (&out, t_table, 3, &a);
    ck_assert_int_eq (out.truncated, 1);
    ck_assert_uint_lt (out.len, sizeof small);
    ck_assert_uint_eq (strlen (small), out.len);
    vg_metrics_put (&out, "more %d\n", 1);
    ck_assert_uint_eq (strlen (small), out.len);
}
END_TEST

Suite *
vg_metrics_text_suite (void)
{
    const TTest *tests[] = { instances_grouped_by_family, single_stats_and_no_instances, label_escaping,
                             label_too_big_leaves_nothing, truncation };
    return vg_test_suite ("metrics_text", "render", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
