/* check_detect_feed.c - the detect feed with ingest's decoded view of a batch: series ids
 * and samples taken from the view give the same engine input, counters and alerts as
 * decoding the batch again, and a view that is malformed or does not fit the batch is
 * ignored (the batch is decoded), never trusted. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/batcher.h"
#include "collector/batch_view.h"
#include "collector/detect_feed.h"
#include "collector/ingest.h"
#include "common/err.h"
#include "store/store.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/ingest_fixture.h"
#include "tests/support/store_fixture.h"
#include "tests/support/suite.h"
#include "tests/support/tmpdir.h"

#define T0 1767614400000LL /* 2026-01-05 12:00Z */

static const char RULES[] =
    "rules:\n"
    "  - { id: hi, detector: exhaustion, for: 0s, match: { path: \"/t/m*\" }, params: { level: 3020 } }\n"
    "  - { id: sil, detector: silence, match: { path: \"/t/m*\" } }\n";

static char s_dir[256];
static vg_store_t *s_store;
static vg_ingest_t *s_ingest;

/* A fresh store with the real ingest over it (on = 1), or both gone (on = 0). */
static void
s_env (int on)
{
    char path[300];
    if (on) {
        ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "detfeed"));
        snprintf (path, sizeof path, "%s/store", s_dir);
        s_store = vg_test_store_open (path, VG_STORE_RW);
        s_ingest = vg_test_ingest_new (s_store);
        return;
    }
    vg_ingest_destroy (&s_ingest);
    vg_store_destroy (&s_store);
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

static void
setup (void)
{
    s_env (1);
}

static void
teardown (void)
{
    s_env (0);
}

/* Batch seq: 4 gauge series /t/m<i> of 30 samples (every 10 s, series after series, as
 * the batcher packs them) and a state series, starting at t0; series 3 stops half-way in
 * the second batch (silence). */
static void
s_build (uint64_t seq, int64_t t0, vg_buf_t *out)
{
    vg_batcher_cfg_t cfg = { "a1", 1024, 16, 16, 1000, -1 };
    vg_batcher_t *b = vg_batcher_new (&cfg);
    ck_assert_ptr_nonnull (b);
    vg_sink_t sink = vg_batcher_sink (b);
    vg_device_t d = { "lab/r1", "Acme", "X1", "router", "lab", "1.0" };
    ck_assert_int_eq (sink.device (sink.ctx, &d), 0);
    char path[64];
    vg_label_t l = { "name", "ge-0/0/0" };
    for (int s = 0; s < 5; s++) {
        int state = s == 4;
        snprintf (path, sizeof path, state ? "/t/state" : "/t/m%d", s);
        for (int j = 0; j < 30; j++) {
            if (s == 3 && seq > 1 && j >= 15)
                break;
            vg_point_t p = { .device = "lab/r1", .path = path, .labels = &l, .nlabels = 1,
                             .kind = state ? VG_KIND_STATE : VG_KIND_GAUGE, .input = "test",
                             .ts_ms = t0 + j * 10000, .value = s * 1000 + j + (double) seq,
                             .state = state ? (j % 3 ? "UP" : "DOWN") : NULL };
            ck_assert_int_eq (sink.sample (sink.ctx, &p), 0);
        }
    }
    vg_buf_reset (out);
    ck_assert_int_gt (vg_batcher_flush (b, 1, seq, t0, out), 0);
    vg_batcher_destroy (&b);
}

typedef struct {
    vg_test_engine_t fx;
    vg_detect_feed_t *feed;
} s_side_t;

static void
s_open (s_side_t *x)
{
    vg_engine_cfg_t ec = { 0 };
    ec.tick_ms = 10000;
    ec.lateness_ms = 30000;
    vg_test_engine_open (&x->fx, RULES, "feed", &ec);
    vg_detect_feed_cfg_t fc = { .tick_ms = 10000, .lateness_ms = 30000 };
    x->feed = vg_detect_feed_new (&fc, x->fx.e);
    ck_assert_ptr_nonnull (x->feed);
}

static void
s_close (s_side_t *x)
{
    vg_detect_feed_destroy (&x->feed);
    vg_test_engine_close (&x->fx);
}

/* The two sides saw the same thing: counters and every alert record. */
static void
s_same (const s_side_t *a, const s_side_t *b)
{
    vg_detect_feed_stats_t fa, fb;
    vg_detect_feed_stats (a->feed, &fa);
    vg_detect_feed_stats (b->feed, &fb);
    fa.viewed = fb.viewed = 0;
    ck_assert_int_eq (memcmp (&fa, &fb, sizeof fa), 0);
    vg_engine_stats_t ea, eb;
    vg_engine_stats (a->fx.e, &ea);
    vg_engine_stats (b->fx.e, &eb);
    ck_assert_uint_eq (ea.processed, eb.processed);
    ck_assert_uint_eq (ea.samples, eb.samples);
    ck_assert_uint_eq (a->fx.alerts.n, b->fx.alerts.n);
    for (size_t i = 0; i < a->fx.alerts.n; i++)
        ck_assert_str_eq (a->fx.alerts.json[i], b->fx.alerts.json[i]);
}

/* _i: 0 = the view as ingest made it; 1 = a truncated view; 2 = a view whose counts do
 * not fit the batch; 3 = a misaligned view; 4 = index hints that do not match the ids. */
START_TEST (view_gives_the_same_results)
{
    s_side_t dec, vw;
    s_open (&dec);
    s_open (&vw);
    vg_buf_t batch = VG_BUF_INIT, view = VG_BUF_INIT, bad = VG_BUF_INIT;
    for (uint64_t seq = 1; seq <= 4; seq++) {
        s_build (seq, T0 + (int64_t) (seq - 1) * 300000, &batch);
        vg_store_txn_t *t = vg_store_txn_new (s_store);
        ck_assert_ptr_nonnull (t);
        vg_ingest_result_t res;
        ck_assert_int_eq (vg_ingest_batch_view (s_ingest, batch.data, batch.len, T0, t, &res, &view), 0);
        vg_store_txn_destroy (&t);
        vg_batch_view_t v;
        ck_assert_int_eq (vg_batch_view_parse (view.data, view.len, &v), 0);
        ck_assert_uint_eq (v.nseries, 5);
        ck_assert_uint_eq (v.nsamples, seq > 1 ? 135 : 150);
        const uint8_t *vp = view.data;
        size_t vl = view.len;
        vg_buf_reset (&bad);
        ck_assert_int_eq (vg_buf_append (&bad, view.data, view.len), 0);
        ck_assert_int_eq (vg_buf_append (&bad, "\0\0\0\0\0\0\0\0", 8), 0);
        if (_i == 1) {
            vl = view.len - 16;
        } else if (_i == 2) {
            vg_batch_view_series_t *s0 = (vg_batch_view_series_t *) (void *) (bad.data + sizeof (vg_batch_view_hdr_t));
            s0[0].n--, s0[1].n++; /* well formed, but not this batch's counts */
            vp = bad.data;
            ck_assert_int_eq (vg_batch_view_parse (vp, vl, &v), 0);
        } else if (_i == 4) {
            vg_batch_view_series_t *s0 = (vg_batch_view_series_t *) (void *) (bad.data + sizeof (vg_batch_view_hdr_t));
            for (int k = 0; k < 5; k++)
                s0[k].idx = 0; /* one index hint for every series: each finds another's id there */
            vp = bad.data;
        } else if (_i == 3) {
            memmove (bad.data + 4, view.data, view.len);
            vp = bad.data + 4;
        }
        ck_assert_int_eq (vg_detect_feed_batch (dec.feed, batch.data, batch.len, T0), 0);
        ck_assert_int_eq (vg_detect_feed_batch_view (vw.feed, batch.data, batch.len, vp, vl, T0), 0);
        s_same (&dec, &vw);
        vg_detect_feed_stats_t fs;
        vg_detect_feed_stats (vw.feed, &fs);
        ck_assert_uint_eq (fs.viewed, _i == 0 || _i == 4 ? seq : 0); /* used only when it fits */
    }
    vg_engine_flush (dec.fx.e);
    vg_engine_flush (vw.fx.e);
    vg_engine_tick (dec.fx.e, T0 + 3600000);
    vg_engine_tick (vw.fx.e, T0 + 3600000);
    s_same (&dec, &vw);
    ck_assert_uint_gt (vg_test_alerts_count (&dec.fx.alerts, "hi", VG_ACT_CREATE), 0);
    vg_engine_stats_t es;
    vg_engine_stats (dec.fx.e, &es);
    ck_assert_uint_eq (es.processed, 4 * 150 - 3 * 15);
    vg_buf_free (&batch);
    vg_buf_free (&view);
    vg_buf_free (&bad);
    s_close (&dec);
    s_close (&vw);
}
END_TEST

/* Series refused at the agent's series ceiling (limits.agent_series, here lowered the way a
 * reload lowers it) are marked in the view and never reach the engine: only the two
 * stored series are detected on. */
START_TEST (refused_series_not_detected)
{
    s_side_t vw;
    s_open (&vw);
    /* the fixture's limits (ingest_fixture.h), agent series lowered to 2 */
    vg_ingest_cfg_t ic = { .max_past_ms = 3650 * 86400000LL, .max_future_ms = 86400000LL, .max_batch_bytes = 16 << 20,
                           .max_series = 1024, .max_events = 1024, .max_series_samples = 65536,
                           .max_agent_series = 2 };
    vg_ingest_set_limits (s_ingest, &ic);
    vg_buf_t batch = VG_BUF_INIT, view = VG_BUF_INIT;
    s_build (1, T0, &batch);
    vg_store_txn_t *t = vg_store_txn_new (s_store);
    ck_assert_ptr_nonnull (t);
    vg_ingest_result_t res;
    ck_assert_int_eq (vg_ingest_batch_view (s_ingest, batch.data, batch.len, T0, t, &res, &view), 0);
    vg_store_txn_destroy (&t);
    ck_assert_uint_eq (res.series_refused, 90);
    vg_batch_view_t v;
    ck_assert_int_eq (vg_batch_view_parse (view.data, view.len, &v), 0);
    int marked = 0;
    for (uint32_t i = 0; i < v.nseries; i++)
        marked += v.series[i].idx == VG_BATCH_VIEW_REFUSED;
    ck_assert_int_eq (marked, 3);
    ck_assert_int_eq (vg_detect_feed_batch_view (vw.feed, batch.data, batch.len, view.data, view.len, T0), 0);
    vg_engine_flush (vw.fx.e);
    vg_engine_stats_t es;
    vg_engine_stats (vw.fx.e, &es);
    ck_assert_uint_eq (es.samples, 60);
    ck_assert_uint_eq (es.series, 2);
    vg_detect_feed_stats_t fs;
    vg_detect_feed_stats (vw.feed, &fs);
    ck_assert_uint_eq (fs.skipped, 90);
    vg_buf_free (&batch);
    vg_buf_free (&view);
    s_close (&vw);
}
END_TEST

/* A refused batch leaves no view behind (the server must not hand a stale one on). */
START_TEST (refused_batch_has_no_view)
{
    vg_buf_t batch = VG_BUF_INIT, view = VG_BUF_INIT;
    s_build (1, T0, &batch);
    vg_store_txn_t *t = vg_store_txn_new (s_store);
    vg_ingest_result_t res;
    ck_assert_int_eq (vg_ingest_batch_view (s_ingest, batch.data, batch.len, T0, t, &res, &view), 0);
    ck_assert_uint_gt (view.len, 0);
    batch.data[batch.len / 2] ^= 0x5a; /* a damaged copy of the next batch */
    int rc = vg_ingest_batch_view (s_ingest, batch.data, batch.len, T0, t, &res, &view);
    ck_assert_int_ne (rc, 0);
    ck_assert_uint_eq (view.len, 0);
    vg_store_txn_destroy (&t);
    vg_buf_free (&batch);
    vg_buf_free (&view);
}
END_TEST

/* Two sources at different data rates, as one agent replaying a capture and another input
 * at speed max: source "fast" delivers its device's whole range first, then source "slow"
 * delivers a device that reboots twice (up-time restarting at +1 h and +2 h).  The engine's
 * newest time stops at the fast source's end, yet each reboot of the slow device is one
 * Create and one Close (30 min later, at its own clock) in that order as in data-time order
 * (a replay): episodes close on their device's clock whichever source is ahead. */
static const char RB_RULES[] =
    "rules:\n"
    "  - { id: rb, detector: reboot, keep_firing_for: 30m, match: { path: [\"/system/state/up-time\"] } }\n";

/* One batch of device dev on input source src: up-time every 60 s over [t0, t0 + 10 min);
 * dev "lab/slow" boots at T0 - 1 d, T0 + 1 h and T0 + 2 h, the other at T0 - 1 d. */
static void
s_rb_batch (const char *dev, const char *src, uint64_t seq, int64_t t0, vg_buf_t *out)
{
    vg_batcher_cfg_t cfg = { "a1", 1024, 16, 16, 1000, -1 };
    vg_batcher_t *b = vg_batcher_new (&cfg);
    ck_assert_ptr_nonnull (b);
    vg_batcher_set_source (b, src);
    vg_sink_t sink = vg_batcher_sink (b);
    vg_device_t d = { dev, "Acme", "X1", "router", "lab", "1.0" };
    ck_assert_int_eq (sink.device (sink.ctx, &d), 0);
    int reboots = !strcmp (dev, "lab/slow");
    for (int j = 0; j < 10; j++) {
        int64_t t = t0 + j * 60000;
        int64_t boot = T0 - 86400000LL;
        if (reboots && t >= T0 + 2 * 3600000LL)
            boot = T0 + 2 * 3600000LL;
        else if (reboots && t >= T0 + 3600000LL)
            boot = T0 + 3600000LL;
        vg_point_t p = { .device = dev, .path = "/system/state/up-time", .kind = VG_KIND_GAUGE,
                         .input = "test", .ts_ms = t, .value = (double) ((t - boot) / 1000 + 1) };
        ck_assert_int_eq (sink.sample (sink.ctx, &p), 0);
    }
    vg_buf_reset (out);
    ck_assert_int_gt (vg_batcher_flush (b, 1, seq, t0, out), 0);
    vg_batcher_destroy (&b);
}

/* _i: 0 = data-time order (fast and slow batches interleaved); 1 = the fast source first. */
START_TEST (slow_source_episodes_close)
{
    vg_engine_cfg_t ec = { 0 };
    ec.tick_ms = 10000;
    ec.lateness_ms = 30000;
    vg_test_engine_t fx;
    vg_test_engine_open (&fx, RB_RULES, "feed", &ec);
    vg_detect_feed_cfg_t fc = { .tick_ms = 10000, .lateness_ms = 30000 };
    vg_detect_feed_t *feed = vg_detect_feed_new (&fc, fx.e);
    ck_assert_ptr_nonnull (feed);
    vg_buf_t batch = VG_BUF_INIT;
    enum { NB = 18 }; /* 3 h of 10-minute batches per device */
    uint64_t seq = 1;
    for (int pass = 0; pass < (_i ? 2 : 1); pass++)
        for (int k = 0; k < NB; k++)
            for (int w = 0; w < 2; w++) {
                int slow = _i ? pass : w;
                if (_i && w)
                    continue;
                s_rb_batch (slow ? "lab/slow" : "lab/fast", slow ? "slow" : "fast", seq++, T0 + k * 600000LL, &batch);
                ck_assert_int_eq (vg_detect_feed_batch (feed, batch.data, batch.len, T0), 0);
            }
    /* No flush: a live collector closes them as data comes. */
    ck_assert_uint_eq (vg_test_alerts_count (&fx.alerts, "rb", VG_ACT_CREATE), 2);
    ck_assert_uint_eq (vg_test_alerts_count (&fx.alerts, "rb", VG_ACT_CLOSE), 2);
    int64_t want[4] = { T0 + 3600000LL, T0 + 5400000LL, T0 + 7200000LL, T0 + 9000000LL };
    size_t k = 0;
    for (size_t i = 0; i < fx.alerts.n; i++) {
        if (strcmp (fx.alerts.rid[i], "rb"))
            continue;
        ck_assert_str_eq (fx.alerts.a[i].device, "lab/slow");
        ck_assert_int_eq ((int) fx.alerts.a[i].activity, k % 2 ? VG_ACT_CLOSE : VG_ACT_CREATE);
        ck_assert_int_eq (fx.alerts.a[i].time_ms, want[k]);
        k++;
    }
    vg_buf_free (&batch);
    vg_detect_feed_destroy (&feed);
    vg_test_engine_close (&fx);
}
END_TEST

Suite *
vg_detect_feed_suite (void)
{
    const TTest *tests[] = { refused_batch_has_no_view, refused_series_not_detected };
    Suite *s = vg_test_suite ("detect_feed", "view", tests, 2, 30, setup, teardown);
    TCase *tc = vg_test_tcase (s, "view_modes", NULL, 0, 30, setup, teardown);
    tcase_add_loop_test (tc, view_gives_the_same_results, 0, 5);
    TCase *tr = vg_test_tcase (s, "source_rates", NULL, 0, 30, setup, teardown);
    tcase_add_loop_test (tr, slow_source_episodes_close, 0, 2);
    return s;
}
