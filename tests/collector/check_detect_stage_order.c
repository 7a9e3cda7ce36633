/* check_detect_stage_order.c - batch size and arrival order do not change the detect stage's
 * alerts: the same scenario fed in large and small batches, and one device through a second
 * agent or a second input after all of the other's data.  Set-up: fixture_detect_stage.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/chunk.h"
#include "proto/vigil.pb-c.h"
#include "tests/support/batch_pack.h"
#include "tests/collector/fixture_detect_stage.h"
#include "tests/support/suite.h"

/* ---- batch size and arrival order do not change the alerts ----
 * Two devices from one agent: r1 with a BGP session down for 5 minutes, r2 whose counters
 * stop for 10 minutes while r1 goes on.  Fed (a) in batches of 20 minutes of data packed
 * series after series, as a fast replay does, (b) in batches of 30 s, and (c) r2 through a
 * second agent, its batches all after r1's: the same alerts, nothing late, and r2's
 * silence alerted while it lasted. */

static const char *RULES_ET =
    "rules:\n"
    "  - id: sil\n    detector: silence\n    keep_firing_for: 0s\n    match: { path: \"*\" }\n"
    "    params: { k: 3, min_silence: 30s }\n"
    "  - id: bgp\n    detector: bgp\n    for: 30s\n    keep_firing_for: 1m\n"
    "    match: { path: [\"*/session-state\"] }\n    params: { mode: session }\n";

#define ET_SPAN (2 * 3600000LL)

/* Series j of the scenario at time t: present? value? */
static int
et_value (int j, int64_t t, double *v)
{
    int64_t rel = t - T0;
    switch (j) {
    case 0: /* r1 session-state: 0 = ESTABLISHED, 1 = IDLE */
        *v = rel >= 30 * 60000 && rel < 35 * 60000 ? 1 : 0;
        return 1;
    case 1: /* r1 counter */
        *v = (double) rel / 1000.0;
        return 1;
    default: /* r2 counters: silent 10 minutes */
        *v = (double) rel / 100.0 + j;
        return !(rel >= 60 * 60000 && rel < 70 * 60000);
    }
}

/* One batch of agent `agent` with the devices' series in [w0, w1), series after series.
 * which: 1 = r1 only, 2 = r2 only, 3 = both.  source: the series' input instance as a
 * string index (0 = none, 5 = "pcap", 6 = "pcap#2"). */
static void
et_batch (const char *agent, int which, uint32_t source, uint64_t seq, int64_t w0, int64_t w1, vg_buf_t *out)
{
    char *strings[] = { "", "/bgp/neighbors/neighbor/state/session-state", "/interfaces/in-octets",
                        "/interfaces/out-octets", "test", "pcap", "pcap#2" };
    char *names[] = { "ESTABLISHED", "IDLE" };
    Vigil__Device d1 = VIGIL__DEVICE__INIT, d2 = VIGIL__DEVICE__INIT;
    d1.id = "lab/r1";
    d2.id = "lab/r2";
    d1.vendor = d2.vendor = "Acme";
    d1.role = d2.role = "router";
    d1.site = d2.site = "lab";
    Vigil__Device *devs[] = { &d1, &d2 };
    Vigil__Batch b = vg_test_batch (agent, seq, T0, strings, 7, devs, 2);
    Vigil__Series ss[4], *sp[4];
    vg_buf_t chunks[4];
    size_t ns = 0;
    static int64_t ts[4096];
    static double vs[4096];
    for (int j = 0; j < 4; j++) {
        int dev = j < 2 ? 0 : 1;
        chunks[j] = (vg_buf_t) VG_BUF_INIT;
        if (!(which & (1 << dev)))
            continue;
        size_t n = 0;
        for (int64_t t = w0; t < w1; t += 10000) {
            double v;
            if (et_value (j, t, &v)) {
                ck_assert_uint_lt (n, 4096);
                ts[n] = t;
                vs[n++] = v;
            }
        }
        if (!n)
            continue;
        ck_assert_int_eq (vg_chunk_encode (ts, vs, n, &chunks[j]), 0);
        vigil__series__init (&ss[ns]);
        ss[ns].device = (uint32_t) dev;
        ss[ns].path = (uint32_t) (j == 0 ? 1 : j == 1 ? 2 : j);
        ss[ns].kind = j == 0 ? VIGIL__SERIES_KIND__SERIES_KIND_STATE : VIGIL__SERIES_KIND__SERIES_KIND_COUNTER;
        if (j == 0) {
            ss[ns].n_state_names = 2;
            ss[ns].state_names = names;
        }
        ss[ns].input = 4;
        ss[ns].source = source;
        ss[ns].count = (uint32_t) n;
        ss[ns].chunk.data = chunks[j].data;
        ss[ns].chunk.len = chunks[j].len;
        sp[ns] = &ss[ns];
        ns++;
    }
    b.n_series = ns;
    b.series = sp;
    vg_test_pack_batch (&b, out);
    for (int j = 0; j < 4; j++)
        vg_buf_free (&chunks[j]);
}

typedef struct {
    char lines[256][512];
    size_t n;
} et_out_t;

static void
et_alert (void *ctx, const vg_alert_t *a, vg_store_txn_t *txn)
{
    et_out_t *o = ctx;
    (void) txn;
    if (a->activity == VG_ACT_UPDATE || o->n >= 256)
        return;
    snprintf (o->lines[o->n++], sizeof o->lines[0], "%s|%d|%lld", a->uid, a->activity, (long long) a->time_ms);
}

static int
et_cmp (const void *a, const void *b)
{
    return strcmp (a, b);
}

/* Run one feeding mode into a fresh store; returns the sorted alert lines joined. */
static char *
et_run (int mode, vg_detect_stage_stats_t *stats)
{
    char sub[32];
    snprintf (sub, sizeof sub, "et%d", mode);
    vg_detect_stage_cfg_t cfg = { .tick_ms = 10000, .lateness_ms = 30000 };
    vg_store_t *store;
    vg_detect_stage_t *st = ds_stage_in (sub, "rules-et.yaml", RULES_ET, &cfg, &store);
    et_out_t *o = calloc (1, sizeof *o);
    vg_detect_stage_on_alert (st, et_alert, o);
    vg_buf_t b = VG_BUF_INIT;
    uint64_t seq = 1;
    if (mode == 0 || mode == 1) {
        int64_t span = mode == 0 ? 20 * 60000 : 30000;
        for (int64_t w = T0; w < T0 + ET_SPAN; w += span) {
            et_batch ("t1", 3, 0, seq++, w, w + span, &b);
            ck_assert_int_eq (vg_detect_stage_process (st, b.data, b.len, 0), 0);
        }
    } else {
        /* 2: r1 through agent t1, then r2 through agent t2; 3: the same through two inputs
         * of one agent (two captures replayed by one agent). */
        for (int k = 0; k < 2; k++)
            for (int64_t w = T0; w < T0 + ET_SPAN; w += 60000) {
                const char *agent = mode == 3 || k == 0 ? "t1" : "t2";
                uint32_t source = mode == 3 ? (uint32_t) (5 + k) : 0;
                et_batch (agent, k == 0 ? 1 : 2, source, seq++, w, w + 60000, &b);
                ck_assert_int_eq (vg_detect_stage_process (st, b.data, b.len, 0), 0);
            }
    }
    vg_detect_stage_stats (st, stats);
    vg_detect_stage_destroy (&st);
    vg_store_destroy (&store);
    vg_buf_free (&b);
    qsort (o->lines, o->n, sizeof o->lines[0], et_cmp);
    char *r = calloc (o->n + 1, sizeof o->lines[0]);
    for (size_t i = 0; i < o->n; i++) {
        strcat (r, o->lines[i]);
        strcat (r, "\n");
    }
    free (o);
    return r;
}

START_TEST (batching_does_not_change_alerts)
{
    vg_detect_stage_stats_t s0, s1, s2, s3;
    char *a = et_run (0, &s0), *b = et_run (1, &s1), *c = et_run (2, &s2), *d = et_run (3, &s3);
    ck_assert_msg (strstr (a, "bgp:lab/r1") != NULL, "%s", a);
    const char *p = strstr (a, "sil:lab/r2:device@");
    ck_assert_msg (p != NULL, "%s", a);
    long long start, when;
    int act;
    ck_assert_int_eq (sscanf (strchr (p, '@') + 1, "%lld|%d|%lld", &start, &act, &when), 3);
    ck_assert_int_eq (act, VG_ACT_CREATE);
    ck_assert_int_lt (when, T0 + 70 * 60000); /* while r2 was silent */
    ck_assert_msg (strstr (a, "sil:lab/r1") == NULL && strstr (a, "outage") == NULL, "%s", a);
    ck_assert_uint_eq (s0.late + s1.late + s2.late, 0);
    ck_assert_uint_eq (s0.samples, s1.samples);
    ck_assert_str_eq (a, b);
    /* r2 through its own agent after all of r1: r2's silence is judged against r2's own
     * source, which did not move while r2 was silent, so it is found when r2 resumes
     * (nothing else said time had passed) — same uid, at most later. */
    ck_assert_msg (strstr (c, "bgp:lab/r1") != NULL && strstr (c, "sil:lab/r2:device@") != NULL, "%s", c);
    ck_assert_uint_eq (s2.engine.sources, 2);
    /* Two inputs of one agent are two sources too: r2's data, behind r1's, is not late. */
    ck_assert_uint_eq (s3.engine.sources, 2);
    ck_assert_uint_eq (s3.late, 0);
    ck_assert_uint_eq (s3.samples, s2.samples);
    ck_assert_str_eq (d, c);
    free (d);
    free (a);
    free (b);
    free (c);
}
END_TEST

Suite *
vg_detect_stage_order_suite (void)
{
    const vg_test_case_t cases[] = {
        { "batching", batching_does_not_change_alerts },
    };
    return vg_test_cases_suite ("detect_stage_order", cases, sizeof cases / sizeof cases[0], 60, ds_setup, ds_teardown);
}
