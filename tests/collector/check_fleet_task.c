/* check_fleet_task.c - one partition's fleet state: inventory and findings of several sites
 * make X01 fire once per common-mode event; counter pairs become KPI values for X02; a
 * state saved after any message and loaded into a new task continues with the very same
 * alert records (what lets a partition move between fleet instances exactly once); bad
 * messages are counted and change nothing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/fleet_task.h"
#include "common/buf.h"
#include "common/chunk.h"
#include "common/err.h"
#include "detectors/rules.h"
#include "proto/fleet.pb-c.h"
#include "tests/support/suite.h"

#define T0 1767614400000LL
#define MIN 60000LL

static const char *RULES =
    "rules:\n"
    "  - id: x01\n    detector: common_mode\n    keep_firing_for: 15m\n"
    "    params: { sources: \"reboot,silence\", window: 15m, p0: 0.001, alpha: 1e-6, min_k: 2 }\n"
    "  - id: x02\n    detector: divergence\n    keep_firing_for: 1h\n"
    "    match: { path: [\"kpi/*\"] }\n    params: { bucket: 15m, warmup_buckets: 4, direction: low }\n";

static vg_rules_t *s_rules;

/* Alert records seen, as "uid activity time". */
typedef struct {
    char rec[64][600];
    int n;
} s_seen_t;

static void
s_on_alert (void *ctx, const vg_alert_t *a)
{
    s_seen_t *s = ctx;
    ck_assert_int_lt (s->n, 64);
    snprintf (s->rec[s->n++], sizeof s->rec[0], "%s %d %lld", a->uid, a->activity, (long long) a->time_ms);
}

static void
setup (void)
{
    char err[256];
    ck_assert_int_eq (vg_rules_parse (RULES, strlen (RULES), "test", &s_rules, err, sizeof err), 0);
}

static void
teardown (void)
{
    vg_rules_destroy (&s_rules);
}

/* A message of vendor `vendor`: devices d0..d(ndev-1) at site s<i % 2>; the devices listed in
 * `reboots` (indices) have a reboot finding at ts + index minutes. */
static void
s_findings_msg (vg_buf_t *out, const char *vendor, int ndev, const int *reboots, int nreb, int64_t ts)
{
    Vigil__Device dv[8], *pdv[8];
    char ids[8][64], sites[8][16];
    for (int i = 0; i < ndev; i++) {
        vigil__device__init (&dv[i]);
        snprintf (ids[i], sizeof ids[i], "s%d/%s-d%d", i % 2, vendor, i);
        snprintf (sites[i], sizeof sites[i], "s%d", i % 2);
        dv[i].id = ids[i];
        dv[i].vendor = (char *) vendor;
        dv[i].site = sites[i];
        pdv[i] = &dv[i];
    }
    Vigil__FleetFinding f[8], *pf[8];
    for (int i = 0; i < nreb; i++) {
        vigil__fleet_finding__init (&f[i]);
        f[i].device = (uint32_t) reboots[i];
        f[i].ts_ms = ts + reboots[i] * MIN;
        f[i].rule_id = "i03-reboot";
        f[i].detector = "reboot";
        pf[i] = &f[i];
    }
    char *strings[] = { "" };
    Vigil__Batch b = VIGIL__BATCH__INIT;
    b.strings = strings;
    b.n_strings = 1;
    b.devices = pdv;
    b.n_devices = (size_t) ndev;
    Vigil__FleetBatch fb = VIGIL__FLEET_BATCH__INIT;
    fb.batch = &b;
    fb.findings = pf;
    fb.n_findings = (size_t) nreb;
    vg_buf_reset (out);
    ck_assert_int_eq (vg_buf_reserve (out, vigil__fleet_batch__get_packed_size (&fb)), 0);
    out->len = vigil__fleet_batch__pack (&fb, out->data);
}

/* The message sequence: vendors A and B, 3 devices each; rounds 2 h apart in which all (or,
 * in round 2 for B, only one) of a vendor's devices reboot, B's an hour after A's (both
 * vendors' whole fleets at once would be a fleet-wide event, not a vendor common mode). */
#define NMSG 8
static void
s_msg (int i, vg_buf_t *out)
{
    static const int all[] = { 0, 1, 2 }, one[] = { 1 };
    int round = i / 2, b = i % 2;
    int64_t ts = T0 + round * 120 * MIN + (b ? 60 * MIN : 0);
    if (b && round == 2)
        s_findings_msg (out, "B", 3, one, 1, ts);
    else
        s_findings_msg (out, b ? "B" : "A", 3, all, 3, ts);
}

START_TEST (x01_once_per_event)
{
    s_seen_t seen = { .n = 0 };
    vg_fleet_task_t *t = vg_fleet_task_new (s_rules, s_on_alert, &seen);
    ck_assert_ptr_nonnull (t);
    vg_buf_t m = VG_BUF_INIT;
    for (int i = 0; i < NMSG; i++) {
        s_msg (i, &m);
        ck_assert_int_eq (vg_fleet_task_apply (t, m.data, m.len), 0);
    }
    int creates = 0;
    for (int i = 0; i < seen.n; i++)
        if (strstr (seen.rec[i], " 1 "))
            creates++;
    /* A: 4 rounds, B: 3 (its round 2 has one reboot). */
    ck_assert_int_eq (creates, 7);
    vg_fleet_task_stats_t st;
    vg_fleet_task_stats (t, &st);
    ck_assert_uint_eq (st.messages, NMSG);
    ck_assert_uint_eq (st.findings, 22);
    ck_assert_uint_eq (st.errors, 0);
    vg_buf_free (&m);
    vg_fleet_task_destroy (&t);
    ck_assert_ptr_null (t);
    vg_fleet_task_destroy (&t);
}
END_TEST

START_TEST (state_moves_exactly)
{
    /* The reference: every message on one task. */
    s_seen_t ref = { .n = 0 };
    vg_fleet_task_t *t = vg_fleet_task_new (s_rules, s_on_alert, &ref);
    vg_buf_t m = VG_BUF_INIT, st = VG_BUF_INIT;
    int upto[NMSG + 1];
    for (int i = 0; i < NMSG; i++) {
        upto[i] = ref.n;
        s_msg (i, &m);
        ck_assert_int_eq (vg_fleet_task_apply (t, m.data, m.len), 0);
    }
    upto[NMSG] = ref.n;
    vg_fleet_task_destroy (&t);
    /* Saved after message k, loaded into a new task: the rest gives the same records. */
    for (int k = 0; k <= NMSG; k++) {
        s_seen_t a = { .n = 0 }, b = { .n = 0 };
        vg_fleet_task_t *x = vg_fleet_task_new (s_rules, s_on_alert, &a);
        for (int i = 0; i < k; i++) {
            s_msg (i, &m);
            ck_assert_int_eq (vg_fleet_task_apply (x, m.data, m.len), 0);
        }
        ck_assert_int_eq (vg_fleet_task_save (x, 1000 + k, &st), 0);
        vg_fleet_task_destroy (&x);
        vg_fleet_task_t *y = vg_fleet_task_new (s_rules, s_on_alert, &b);
        int64_t next = -1;
        ck_assert_int_eq (vg_fleet_task_load (y, st.data, st.len, &next), 0);
        ck_assert_int_eq (next, 1000 + k);
        for (int i = k; i < NMSG; i++) {
            s_msg (i, &m);
            ck_assert_int_eq (vg_fleet_task_apply (y, m.data, m.len), 0);
        }
        ck_assert_int_eq (a.n, upto[k]);
        ck_assert_int_eq (b.n, upto[NMSG] - upto[k]);
        for (int i = 0; i < b.n; i++)
            ck_assert_str_eq (b.rec[i], ref.rec[upto[k] + i]);
        vg_fleet_task_destroy (&y);
    }
    ck_assert_int_eq (vg_fleet_task_load (t = vg_fleet_task_new (s_rules, NULL, NULL), (const uint8_t *) "\x0a\xff", 2,
                                          &(int64_t) { 0 }),
                      -VG_EINVAL);
    vg_fleet_task_destroy (&t);
    vg_buf_free (&m);
    vg_buf_free (&st);
}
END_TEST

/* A message of counter pairs (RRC attempts and successes) of devices of vendors A and B at
 * one site, n samples each 5 minutes apart from ts. */
static void
s_kpi_msg (vg_buf_t *out, int64_t ts, int n, double b_ratio)
{
    char *strings[] = { "", "RRC.ConnEstabAtt", "RRC.ConnEstabSucc", "cell", "1" };
    Vigil__Device dv[2], *pdv[2];
    const char *ids[] = { "s1/a-gnb", "s1/b-gnb" }, *vend[] = { "A", "B" };
    Vigil__Series se[4], *pse[4];
    uint32_t labels[2] = { 3, 4 };
    vg_buf_t ch[4] = { VG_BUF_INIT, VG_BUF_INIT, VG_BUF_INIT, VG_BUF_INIT };
    int64_t tsv[64];
    double v[64];
    for (int d = 0; d < 2; d++) {
        vigil__device__init (&dv[d]);
        dv[d].id = (char *) ids[d];
        dv[d].vendor = (char *) vend[d];
        dv[d].site = "s1";
        pdv[d] = &dv[d];
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < n; i++) {
                int64_t k = (ts - T0) / (5 * MIN) + i;
                tsv[i] = ts + i * 5 * MIN;
                v[i] = c == 0 ? 1000.0 * (double) k : 1000.0 * (double) k * (d ? b_ratio : 0.99);
            }
            vg_buf_t *b = &ch[d * 2 + c];
            ck_assert_int_eq (vg_chunk_encode (tsv, v, (size_t) n, b), 0);
            Vigil__Series *s = &se[d * 2 + c];
            vigil__series__init (s);
            s->device = (uint32_t) d;
            s->path = (uint32_t) (1 + c);
            s->labels = labels;
            s->n_labels = 2;
            s->kind = VIGIL__SERIES_KIND__SERIES_KIND_COUNTER;
            s->count = (uint32_t) n;
            s->chunk = (ProtobufCBinaryData) { b->len, b->data };
            /* successes first: the task must still pair them with their attempts */
            pse[d * 2 + (1 - c)] = s;
        }
    }
    Vigil__Batch b = VIGIL__BATCH__INIT;
    b.strings = strings;
    b.n_strings = 5;
    b.devices = pdv;
    b.n_devices = 2;
    b.series = pse;
    b.n_series = 4;
    Vigil__FleetBatch fb = VIGIL__FLEET_BATCH__INIT;
    fb.batch = &b;
    vg_buf_reset (out);
    ck_assert_int_eq (vg_buf_reserve (out, vigil__fleet_batch__get_packed_size (&fb)), 0);
    out->len = vigil__fleet_batch__pack (&fb, out->data);
    for (int i = 0; i < 4; i++)
        vg_buf_free (&ch[i]);
}

START_TEST (kpi_pairs_feed_x02)
{
    s_seen_t seen = { .n = 0 };
    vg_fleet_task_t *t = vg_fleet_task_new (s_rules, s_on_alert, &seen);
    vg_buf_t m = VG_BUF_INIT;
    /* 12 hours of 5-minute counters in 1-hour messages; vendor B's ratio drops in the last 3 h. */
    for (int h = 0; h < 12; h++) {
        s_kpi_msg (&m, T0 + h * 60 * MIN, 12, h >= 9 ? 0.60 : 0.98);
        ck_assert_int_eq (vg_fleet_task_apply (t, m.data, m.len), 0);
    }
    vg_fleet_task_stats_t st;
    vg_fleet_task_stats (t, &st);
    ck_assert_uint_eq (st.samples, 12 * 12 * 4);
    ck_assert_uint_ge (st.kpis, 2 * 40); /* one per ROP and device, the first ROP has no delta */
    ck_assert_uint_eq (st.errors, 0);
    int x02 = 0;
    for (int i = 0; i < seen.n; i++)
        x02 += strncmp (seen.rec[i], "x02:", 4) == 0 && strstr (seen.rec[i], " 1 ") != NULL;
    ck_assert_int_eq (x02, 1);
    vg_buf_free (&m);
    vg_fleet_task_destroy (&t);
}
END_TEST

START_TEST (bad_messages_counted)
{
    s_seen_t seen = { .n = 0 };
    vg_fleet_task_t *t = vg_fleet_task_new (s_rules, s_on_alert, &seen);
    ck_assert_int_eq (vg_fleet_task_apply (t, (const uint8_t *) "\xff\xff\xff", 3), -VG_EPROTO);
    ck_assert_int_eq (vg_fleet_task_apply (t, NULL, 0), -VG_EPROTO); /* no batch */
    vg_buf_t m = VG_BUF_INIT;
    static const int idx[] = { 0, 1, 5 }; /* device 5 of 3 */
    s_findings_msg (&m, "A", 3, idx, 3, T0);
    ck_assert_int_eq (vg_fleet_task_apply (t, m.data, m.len), -VG_EPROTO);
    vg_fleet_task_stats_t st;
    vg_fleet_task_stats (t, &st);
    ck_assert_uint_eq (st.bad_messages, 3);
    ck_assert_uint_eq (st.messages, 0);
    ck_assert_uint_eq (st.findings, 0);
    ck_assert_int_eq (seen.n, 0);
    vg_buf_free (&m);
    vg_fleet_task_destroy (&t);
}
END_TEST

Suite *
vg_fleet_task_suite (void)
{
    const TTest *tests[] = { x01_once_per_event, state_moves_exactly, kpi_pairs_feed_x02, bad_messages_counted };
    return vg_test_suite ("fleet_task", "fleet_task", tests, sizeof tests / sizeof tests[0], 60, setup, teardown);
}
