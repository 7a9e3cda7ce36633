/* check_detect_stage_idle.c - a live source that stops sending is judged by the wall clock
 * (its silence reported while it lasts, after detect.live_idle); a finished replay never is.
 * A source whose data comes in steps (PM files) is check_live_idle.c's.  Set-up:
 * fixture_detect_stage.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/chunk.h"
#include "common/clock.h"
#include "proto/vigil.pb-c.h"
#include "tests/support/batch_pack.h"
#include "tests/collector/fixture_detect_stage.h"
#include "tests/support/suite.h"

/* ---- a live source that stops sending: wall clock; a finished replay: never ----
 * One device streams every 100 ms with timestamps near the wall clock, then nothing (its
 * agent would keep sending heartbeats).  Its source's clock must follow the wall clock
 * after detect.live_idle, so the silence is reported while it lasts.  The same stream two
 * days in the past (a replay) must not be reported silent however long we wait. */

static const char *RULES_LI =
    "rules:\n"
    "  - id: sil\n    detector: silence\n    keep_firing_for: 0s\n    match: { path: \"*\" }\n"
    "    params: { k: 3, min_silence: 0s }\n";

typedef struct {
    _Atomic int sil;
} li_hook_t;

static void
li_alert (void *ctx, const vg_alert_t *a, vg_store_txn_t *txn)
{
    li_hook_t *h = ctx;
    (void) txn;
    if (a->activity == VG_ACT_CREATE && strstr (a->uid, "sil:lab/r9") == a->uid)
        h->sil++;
}

static void
li_batch (uint64_t seq, int64_t t0, int n, vg_buf_t *out)
{
    char *strings[] = { "", "/interfaces/in-octets", "test" };
    Vigil__Device d = VIGIL__DEVICE__INIT;
    d.id = "lab/r9";
    d.vendor = "Acme";
    Vigil__Device *devs[] = { &d };
    Vigil__Batch b = vg_test_batch ("t1", seq, 0, strings, 3, devs, 1);
    int64_t ts[64];
    double v[64];
    ck_assert_int_le (n, 64);
    for (int i = 0; i < n; i++) {
        ts[i] = t0 + i * 100;
        v[i] = i;
    }
    vg_buf_t chunk = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode (ts, v, (size_t) n, &chunk), 0);
    Vigil__Series s = VIGIL__SERIES__INIT;
    Vigil__Series *sp[] = { &s };
    s.path = 1;
    s.kind = VIGIL__SERIES_KIND__SERIES_KIND_GAUGE;
    s.input = 2;
    s.count = (uint32_t) n;
    s.chunk.data = chunk.data;
    s.chunk.len = chunk.len;
    b.n_series = 1;
    b.series = sp;
    vg_test_pack_batch (&b, out);
    vg_buf_free (&chunk);
}

/* Stream 2 s of data ending near now + offset_ms, then wait up to wait_ms for a silence
 * Create.  Returns the Creates seen; *moves = source clocks moved by the wall clock. */
static int
li_run (int64_t offset_ms, int wait_ms, uint64_t *moves)
{
    vg_detect_stage_cfg_t cfg = { .tick_ms = 100, .lateness_ms = 100, .live_idle_ms = 200 };
    vg_store_t *store;
    vg_detect_stage_t *st = ds_stage_in (offset_ms != 0 ? "li1" : "li0", "rules-li.yaml", RULES_LI, &cfg, &store);
    li_hook_t *h = calloc (1, sizeof *h);
    vg_detect_stage_on_alert (st, li_alert, h);
    ck_assert_int_eq (vg_detect_stage_start (st), 0);
    vg_buf_t b = VG_BUF_INIT;
    int64_t now = vg_clock_now_ms () + offset_ms;
    li_batch (1, now - 2000, 20, &b);
    ck_assert_int_eq (vg_detect_stage_submit (st, b.data, b.len), 0);
    for (int waited = 0; waited < wait_ms && h->sil == 0; waited += 20)
        usleep (20000);
    int sil = h->sil;
    ck_assert_int_eq (vg_detect_stage_stop (st), 0);
    vg_detect_stage_stats_t s = ds_stats (st);
    *moves = s.idle_moves;
    vg_detect_stage_destroy (&st);
    vg_store_destroy (&store);
    vg_buf_free (&b);
    free (h);
    return sil;
}

START_TEST (live_source_idle_follows_wall_clock)
{
    uint64_t moves = 0;
    ck_assert_int_ge (li_run (0, 10000, &moves), 1);
    ck_assert_uint_ge (moves, 1);
    ck_assert_int_eq (li_run (-2 * 86400000LL, 1500, &moves), 0);
    ck_assert_uint_eq (moves, 0);
}
END_TEST

Suite *
vg_detect_stage_idle_suite (void)
{
    const vg_test_case_t cases[] = {
        { "live_idle", live_source_idle_follows_wall_clock },
    };
    return vg_test_cases_suite ("detect_stage_idle", cases, sizeof cases / sizeof cases[0], 60, ds_setup, ds_teardown);
}
