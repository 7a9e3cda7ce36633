/* check_agent_metrics.c - the agent's exposition and health rule from a snapshot: metric
 * names and labels per input (decoder families only for inputs that decode, kind counters,
 * info), escaping of a label value, one TYPE line per family, and the health rule's cases
 * (connected, spooling, spool nearly full by bytes or by batches) as a table. */
#include <check.h>
#include <stdbool.h>
#include <string.h>

#include "agent/agent_metrics.h"
#include "tests/support/suite.h"
#include "tests/support/text_assert.h"

/* A snapshot of a sim input and a udp input (udp#2, which decodes and has kind counters). */
static void
t_snapshot (vg_agent_metrics_snapshot_t *snap, vg_agent_input_metrics_t in[2])
{
    memset (snap, 0, sizeof *snap);
    memset (in, 0, 2 * sizeof *in);
    strcpy (in[0].name, "sim");
    in[0].type = "sim";
    in[0].samples = 1200;
    in[0].events = 3;
    strcpy (in[1].name, "udp#2");
    in[1].type = "udp";
    in[1].index = 1;
    in[1].samples = 40;
    in[1].has_decode = true;
    in[1].decode.messages = 10;
    in[1].decode.samples = 40;
    in[1].decode.errors = 2;
    in[1].ncounters = 2;
    in[1].counter_names[0] = "datagrams";
    in[1].counter_values[0] = 12;
    in[1].counter_names[1] = "truncated";
    in[1].counter_values[1] = 1;
    snap->inputs = in;
    snap->ninputs = 2;
    snap->batcher.samples_in = 1240;
    snap->batcher.samples_dropped = 5;
    snap->spool.batches = 4;
    snap->spool.bytes = 8192;
    snap->spool.max_bytes = 1 << 20;
    snap->spool.max_batches = 65536;
    snap->spool_oldest_age_ms = 2500;
    snap->sender.sent = 30;
    snap->sender.resent = 2;
    snap->sender.acked = 26;
    snap->sender.failovers = 1;
    snap->connected = 1;
    snap->healthy = 1;
}

START_TEST (renders_inputs_decoders_spool_sender)
{
    vg_agent_metrics_snapshot_t snap;
    vg_agent_input_metrics_t in[2];
    t_snapshot (&snap, in);
    char buf[16384];
    vg_metric_out_t out = { buf, sizeof buf, 0, 0 };
    size_t n = vg_agent_metrics_render (&out, &snap);
    ck_assert_uint_eq (n, strlen (buf));
    ck_assert_int_eq (out.truncated, 0);
    static const char *const want[] = {
        "vigil_agent_input_info{input=\"sim\",index=\"0\",type=\"sim\"} 1\n",
        "vigil_agent_input_info{input=\"udp#2\",index=\"1\",type=\"udp\"} 1\n",
        "vigil_agent_input_samples_total{input=\"sim\"} 1200\n",
        "vigil_agent_input_events_total{input=\"sim\"} 3\n",
        "vigil_agent_input_samples_total{input=\"udp#2\"} 40\n",
        "vigil_agent_decoder_messages_total{input=\"udp#2\"} 10\n",
        "vigil_agent_decoder_errors_total{input=\"udp#2\"} 2\n",
        "vigil_agent_input_kind_total{input=\"udp#2\",counter=\"datagrams\"} 12\n",
        "vigil_agent_input_kind_total{input=\"udp#2\",counter=\"truncated\"} 1\n",
        "vigil_agent_samples_total{result=\"accepted\"} 1240\n",
        "vigil_agent_samples_total{result=\"dropped\"} 5\n",
        "vigil_agent_spool_batches 4\n",
        "vigil_agent_spool_bytes 8192\n",
        "vigil_agent_spool_oldest_age_seconds 2.500\n",
        "vigil_agent_spool_limit_bytes 1048576\n",
        "vigil_agent_batches_sent_total 30\n",
        "vigil_agent_batches_resent_total 2\n",
        "vigil_agent_batches_acked_total 26\n",
        "vigil_agent_failovers_total 1\n",
        "vigil_agent_collector_connected 1\n",
        "vigil_agent_healthy 1\n",
        "# TYPE vigil_agent_input_kind_total counter\n",
        "# TYPE vigil_agent_spool_oldest_age_seconds gauge\n",
    };
    vg_test_assert_contains (buf, want, sizeof want / sizeof want[0], "agent metrics");
    /* the sim input has no decoder */
    ck_assert_ptr_null (strstr (buf, "vigil_agent_decoder_messages_total{input=\"sim\"}"));
    /* one TYPE line per family, every family named vigil_agent_*, every sample after its TYPE */
    ck_assert_int_eq (vg_test_count (buf, "# TYPE vigil_agent_input_samples_total "), 1);
    ck_assert_int_eq (vg_test_count (buf, "# TYPE vigil_agent_decoder_errors_total "), 1);
    ck_assert_int_eq (vg_test_count (buf, "# TYPE vigil_agent_samples_total "), 1);
    ck_assert_int_eq (vg_test_count (buf, "# TYPE "), vg_test_count (buf, "# TYPE vigil_agent_"));
    const char *type = strstr (buf, "# TYPE vigil_agent_input_samples_total ");
    ck_assert_ptr_nonnull (type);
    ck_assert_ptr_eq (strstr (buf, "vigil_agent_input_samples_total{"), strchr (type, '\n') + 1);
    /* every line ends in a newline and none is empty */
    ck_assert_ptr_null (strstr (buf, "\n\n"));
    ck_assert_int_eq (buf[n - 1], '\n');
}
END_TEST

START_TEST (escapes_input_names)
{
    vg_agent_metrics_snapshot_t snap;
    vg_agent_input_metrics_t in[2];
    t_snapshot (&snap, in);
    strcpy (in[0].name, "we\"ird\\");
    char buf[16384];
    vg_metric_out_t out = { buf, sizeof buf, 0, 0 };
    vg_agent_metrics_render (&out, &snap);
    ck_assert_ptr_nonnull (strstr (buf, "vigil_agent_input_samples_total{input=\"we\\\"ird\\\\\"} 1200\n"));
    ck_assert_ptr_null (strstr (buf, "input=\"we\"ird"));
}
END_TEST

START_TEST (no_inputs_and_truncation)
{
    vg_agent_metrics_snapshot_t snap;
    vg_agent_input_metrics_t in[2];
    t_snapshot (&snap, in);
    snap.ninputs = 0;
    char buf[16384];
    vg_metric_out_t out = { buf, sizeof buf, 0, 0 };
    vg_agent_metrics_render (&out, &snap);
    ck_assert_ptr_null (strstr (buf, "input="));
    ck_assert_ptr_nonnull (strstr (buf, "vigil_agent_spool_batches 4\n"));
    char small[200];
    vg_metric_out_t o2 = { small, sizeof small, 0, 0 };
    size_t n = vg_agent_metrics_render (&o2, &snap);
    ck_assert_int_eq (o2.truncated, 1);
    ck_assert_uint_eq (strlen (small), n);
}
END_TEST

START_TEST (health_rule)
{
    static const struct {
        bool connected;
        uint64_t batches, bytes;
        bool healthy;
        const char *reason; /* prefix */
    } cases[] = {
        { true, 0, 0, true, "ok" },
        { true, 10, 100000, true, "ok" },
        { false, 0, 0, true, "ok: spooling, no collector connected (0 batches, 0% of the spool" },
        { false, 100, 500000, true, "ok: spooling, no collector connected (100 batches, 48% of the spool" },
        { false, 100, 950000, false, "spool 91% full (100 batches, 950000 bytes, oldest 2.500s), no collector" },
        { true, 100, 1000000, false, "spool 95% full" },
        { true, 900, 1000, false, "spool 90% full (900 batches" },  /* the batch bound */
        { true, 899, 1000, true, "ok" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vg_agent_metrics_snapshot_t snap;
        vg_agent_input_metrics_t in[2];
        t_snapshot (&snap, in);
        snap.connected = cases[i].connected;
        snap.spool.batches = cases[i].batches;
        snap.spool.bytes = cases[i].bytes;
        snap.spool.max_bytes = 1 << 20;
        snap.spool.max_batches = 1000;
        char reason[256];
        bool ok = vg_agent_metrics_health (&snap, reason, sizeof reason);
        ck_assert_msg (ok == cases[i].healthy, "case %zu: healthy %d, reason %s", i, ok, reason);
        ck_assert_msg (strncmp (reason, cases[i].reason, strlen (cases[i].reason)) == 0, "case %zu: reason %s", i,
                       reason);
        if (cases[i].connected && cases[i].healthy)
            ck_assert_str_eq (reason, "ok");
    }
}
END_TEST

Suite *
vg_agent_metrics_suite (void)
{
    const TTest *tests[] = { renders_inputs_decoders_spool_sender, escapes_input_names, no_inputs_and_truncation,
                             health_rule };
    return vg_test_suite ("agent_metrics", "render", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
