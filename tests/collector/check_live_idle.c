/* check_live_idle.c - a live source whose data comes in steps (PM files: one ROP every 15
 * minutes, a few minutes after it ends) is not idle between two steps.  Scaled down: ROP
 * 1 s; two gNBs deliver 50 ms after each ROP, a third 600 ms after and misses one ROP.
 * With detect.live_idle 200 ms, the source used to follow the wall clock between two ROPs,
 * so the third gNB was silent from ~250 ms after the next ROP's first file until its own
 * file came (a false silence for one missing file).  Now the source waits live_idle plus
 * its typical step and follows one step behind: one missing file is not a silence, a gNB
 * that stops is still reported. */
#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/detect_stage.h"
#include "common/chunk.h"
#include "common/clock.h"
#include "common/err.h"
#include "proto/vigil.pb-c.h"
#include "store/store.h"
#include "tests/support/batch_pack.h"
#include "tests/support/suite.h"
#include "tests/support/tmpdir.h"

#define STEP 1000 /* the scaled ROP, ms of data time and of wall time */

static const char *RULES = "rules:\n"
                           "  - id: sil\n    detector: silence\n    keep_firing_for: 0s\n"
                           "    match: { path: \"*\" }\n    params: { k: 2, min_silence: 0s }\n";

typedef struct {
    _Atomic int64_t first_px; /* data time of the first silence Create of lab/px, 0 none */
} hook_t;

static void
s_alert (void *ctx, const vg_alert_t *a, vg_store_txn_t *txn)
{
    hook_t *h = ctx;
    (void) txn;
    int64_t none = 0;
    if (a->activity == VG_ACT_CREATE && strstr (a->uid, "sil:lab/px") == a->uid)
        atomic_compare_exchange_strong (&h->first_px, &none, a->time_ms);
}

/* One batch: a sample at ts of "/pm/att" for each named device. */
static void
s_batch (uint64_t seq, int64_t ts, const char *const *ids, size_t n, vg_buf_t *out)
{
    char *strings[] = { "", "/pm/att", "pmdir" };
    Vigil__Device d[3], *devs[3];
    Vigil__Series ss[3], *sp[3];
    vg_buf_t chunks[3];
    double v = 100;
    ck_assert_uint_le (n, 3);
    for (size_t i = 0; i < n; i++) {
        vigil__device__init (&d[i]);
        d[i].id = (char *) ids[i];
        d[i].vendor = "Acme";
        d[i].role = "gnb";
        devs[i] = &d[i];
        chunks[i] = (vg_buf_t) VG_BUF_INIT;
        ck_assert_int_eq (vg_chunk_encode (&ts, &v, 1, &chunks[i]), 0);
        vigil__series__init (&ss[i]);
        ss[i].device = (uint32_t) i;
        ss[i].path = 1;
        ss[i].kind = VIGIL__SERIES_KIND__SERIES_KIND_GAUGE;
        ss[i].input = 2;
        ss[i].count = 1;
        ss[i].chunk.data = chunks[i].data;
        ss[i].chunk.len = chunks[i].len;
        sp[i] = &ss[i];
    }
    Vigil__Batch b = vg_test_batch ("t1", seq, ts, strings, 3, devs, n);
    b.n_series = n;
    b.series = sp;
    vg_test_pack_batch (&b, out);
    for (size_t i = 0; i < n; i++)
        vg_buf_free (&chunks[i]);
}

static void
s_sleep_until (int64_t wall_ms)
{
    int64_t d = wall_ms - vg_clock_now_ms ();
    if (d > 0)
        usleep ((useconds_t) d * 1000);
}

START_TEST (live_pm_source_is_not_idle_between_rops)
{
    char dir[256], rules[300], path[300], err[512];
    ck_assert_ptr_nonnull (vg_test_tmpdir (dir, sizeof dir, "liveidle"));
    ck_assert_ptr_nonnull (vg_test_path (rules, sizeof rules, dir, "rules.yaml"));
    ck_assert_int_eq (vg_test_write_file (rules, RULES, strlen (RULES)), 0);
    snprintf (path, sizeof path, "%s/store", dir);
    vg_store_cfg_t sc = { path, VG_STORE_RW, 7200000, false, 0 };
    vg_store_t *store = vg_store_open (&sc, err, sizeof err);
    ck_assert_msg (store != NULL, "%s", err);
    vg_detect_stage_cfg_t cfg = { .tick_ms = 100, .lateness_ms = 100, .live_idle_ms = 200, .rules_path = rules };
    vg_detect_stage_t *st = vg_detect_stage_new (&cfg, store, err, sizeof err);
    ck_assert_msg (st != NULL, "%s", err);
    hook_t *h = calloc (1, sizeof *h);
    vg_detect_stage_on_alert (st, s_alert, h);
    ck_assert_int_eq (vg_detect_stage_start (st), 0);
    static const char *const on_time[] = { "lab/p1", "lab/p2" }, *const px[] = { "lab/px" };
    vg_buf_t b = VG_BUF_INIT;
    uint64_t seq = 1;
    int64_t t0 = (vg_clock_now_ms () / STEP + 1) * STEP;
    /* ROPs 0..9; px's file of ROP 2 never comes, and px stops after ROP 6. */
    for (int k = 0; k <= 9; k++) {
        int64_t rop = t0 + k * STEP;
        s_sleep_until (rop + 50);
        s_batch (seq++, rop, on_time, 2, &b);
        ck_assert_int_eq (vg_detect_stage_submit (st, b.data, b.len), 0);
        if (k == 2 || k > 6)
            continue;
        s_sleep_until (rop + 600);
        s_batch (seq++, rop, px, 1, &b);
        ck_assert_int_eq (vg_detect_stage_submit (st, b.data, b.len), 0);
    }
    for (int waited = 0; waited < 5000 && atomic_load (&h->first_px) == 0; waited += 20)
        usleep (20000);
    int64_t first = atomic_load (&h->first_px);
    ck_assert_int_eq (vg_detect_stage_stop (st), 0);
    vg_detect_stage_destroy (&st);
    vg_store_destroy (&store);
    vg_buf_free (&b);
    free (h);
    ck_assert_int_eq (vg_test_rmtree (dir), 0);
    /* Reported once it really stopped (last file ROP 6: two missing ROPs at ROP 9's data),
     * never around ROP 3 for the one missing file. */
    ck_assert_msg (first != 0, "the gNB that stopped was never reported silent");
    ck_assert_msg (first >= t0 + 8 * STEP, "false silence at ROP %.1f (one missing file)",
                   (double) (first - t0) / STEP);
}
END_TEST

Suite *
vg_live_idle_suite (void)
{
    const TTest *t[] = { live_pm_source_is_not_idle_between_rops };
    return vg_test_suite ("live_idle", "live_idle", t, 1, 60, NULL, NULL);
}
