/* check_metrics.c - the table-driven Prometheus exposition: one TYPE line per family, labels,
 * units (ms/us printed in seconds), optional sections, and truncation of a small buffer. */
#include <check.h>
#include <string.h>

#include "collector/metrics.h"
#include "tests/support/text_assert.h"
#include "tests/support/suite.h"

START_TEST (renders_core_detect_and_kafka)
{
    vg_metrics_core_t core;
    memset (&core, 0, sizeof core);
    core.ingest.batches = 7;
    core.ingest.gaps = 2;
    core.ingest.rejected = 3;     /* not shown: batches_rejected is ingest's and the server's */
    core.batches_rejected = 5;
    core.series = 42;
    core.server.commit_us_max = 1500;
    vg_detect_stage_stats_t d;
    memset (&d, 0, sizeof d);
    d.engine.creates = 3;
    d.lag_ms = 250;
    vg_alerter_stats_t k;
    memset (&k, 0, sizeof k);
    k.latency_sum_us = 2000000;
    k.latency_count = 4;
    char buf[16384];
    vg_metric_out_t out = { buf, sizeof buf, 0, 0 };
    size_t n = vg_metrics_collector (&out, &core, &d, &k);
    ck_assert_uint_eq (n, strlen (buf));
    ck_assert_int_eq (out.truncated, 0);
    static const char *const want[] = {
        "vigil_batches_total{result=\"accepted\"} 7\n",
        "vigil_batches_total{result=\"out_of_order\"} 2\n",
        "vigil_batches_total{result=\"rejected\"} 5\n",
        "vigil_series 42\n",
        "vigil_commit_seconds_max 0.001500\n",
        "vigil_detect_alerts_total{activity=\"create\"} 3\n",
        "vigil_detect_lag_seconds 0.250\n",
        "vigil_kafka_latency_seconds_sum 2.000000\n",
        "vigil_kafka_latency_seconds_count 4\n",
    };
    vg_test_assert_contains (buf, want, sizeof want / sizeof want[0], "metrics");
    ck_assert_int_eq (vg_test_count (buf, "# TYPE vigil_batches_total counter\n"), 1);
    ck_assert_int_eq (vg_test_count (buf, "# TYPE vigil_kafka_latency_seconds summary\n"), 1);
    /* every sample line belongs to a family announced by a TYPE line before it */
    ck_assert_int_eq (vg_test_count (buf, "# TYPE "), vg_test_count (buf, "# TYPE vigil_"));
}
END_TEST

START_TEST (optional_sections_and_truncation)
{
    vg_metrics_core_t core;
    memset (&core, 0, sizeof core);
    char buf[16384];
    vg_metric_out_t out = { buf, sizeof buf, 0, 0 };
    vg_metrics_collector (&out, &core, NULL, NULL);
    ck_assert_ptr_null (strstr (buf, "vigil_detect_"));
    ck_assert_ptr_null (strstr (buf, "vigil_kafka_"));
    char small[100];
    vg_metric_out_t o2 = { small, sizeof small, 0, 0 };
    size_t n = vg_metrics_collector (&o2, &core, NULL, NULL);
    ck_assert_int_eq (o2.truncated, 1);
    ck_assert_uint_lt (n, sizeof small);
    ck_assert_uint_eq (strlen (small), n);
}
END_TEST

/* Per-agent admission rows: labelled agent="ID" (escaped), only for agents that sent. */
START_TEST (renders_agents)
{
    vg_agent_limits_cfg_t lc = { .batches_per_s = 1, .burst_s = 1 };
    vg_agent_limits_t *al = vg_agent_limits_new (&lc);
    ck_assert_ptr_nonnull (al);
    ck_assert_int_eq (vg_agent_limits_admit (al, "a1", 0), 0);
    ck_assert_int_gt (vg_agent_limits_admit (al, "a1", 0), 0);
    ck_assert_int_eq (vg_agent_limits_admit (al, "we\"ird", 0), 0);
    vg_agent_limits_charge (al, "a1", 30, 5);
    vg_metrics_core_t core;
    memset (&core, 0, sizeof core);
    core.limits = al;
    char buf[16384];
    vg_metric_out_t out = { buf, sizeof buf, 0, 0 };
    vg_metrics_collector (&out, &core, NULL, NULL);
    static const char *const want[] = {
        "vigil_agent_batches_total{agent=\"a1\",result=\"admitted\"} 1\n",
        "vigil_agent_batches_total{agent=\"a1\",result=\"throttled\"} 1\n",
        "vigil_agent_samples_total{agent=\"a1\"} 30\n",
        "vigil_agent_series_refused_samples_total{agent=\"a1\"} 5\n",
        "vigil_agent_batches_total{agent=\"we\\\"ird\",result=\"admitted\"} 1\n",
    };
    vg_test_assert_contains (buf, want, sizeof want / sizeof want[0], "agent metrics");
    ck_assert_ptr_null (strstr (buf, "agent=\"-\"")); /* the overflow record sent nothing */
    ck_assert_int_eq (vg_test_count (buf, "# TYPE vigil_agent_batches_total counter\n"), 1);
    vg_agent_limits_destroy (&al);
}
END_TEST

Suite *
vg_metrics_suite (void)
{
    const TTest *tests[] = { renders_core_detect_and_kafka, optional_sections_and_truncation, renders_agents };
    return vg_test_suite ("metrics", "render", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
