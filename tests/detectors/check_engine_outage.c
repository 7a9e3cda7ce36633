/* check_engine_outage.c - a whole-source outage (most of one source's devices silent) is
 * judged on that source's clock, and so are its lifecycle timers: its periodic Updates carry
 * the same evidence whether another source's data runs ahead of it (live: batches of
 * several agents arrive as they come) or everything arrives in time order (a replay). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "detectors/engine.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/suite.h"

#define T0 1767614400000LL /* Monday 2026-01-05 12:00Z */
#define MINUTE 60000LL

static const char *RULES = "rules:\n"
                           "  - id: sil\n    detector: silence\n    keep_firing_for: 0s\n    match: { path: \"*\" }\n"
                           "    params: { k: 3, min_silence: 30s }\n";

enum { NA = 5 };             /* devices of source A */
#define END (T0 + 90 * MINUTE)

/* Is device i of source A sending at t?  Three stop at +10 min, a fourth at +35 min (between
 * the first periodic Update's due time, about +40.5 min, and 20 min before it). */
static int
s_up (int i, int64_t t)
{
    if (i < 3)
        return t < T0 + 10 * MINUTE;
    if (i == 3)
        return t < T0 + 35 * MINUTE;
    return 1;
}

typedef struct {
    vg_engine_t *e;
    uint64_t a[NA], b;
    int64_t newest;
} s_feed_t;

static void
s_decl (s_feed_t *f, vg_test_alerts_t *c, vg_rules_t *rs)
{
    static char names[NA][16];
    static vg_device_t devs[NA];
    static vg_device_t db = { "s2/b", "VendorY", "m", "router", "s2", "1" };
    vg_engine_cfg_t cfg = { 0 };
    cfg.lateness_ms = MINUTE;
    cfg.tick_ms = 10000;
    f->e = vg_engine_new (rs, &cfg, vg_test_alerts_on_alert, c);
    ck_assert_ptr_nonnull (f->e);
    for (int i = 0; i < NA; i++) {
        snprintf (names[i], sizeof names[i], "s1/n%d", i);
        devs[i] = (vg_device_t) { names[i], "VendorX", "m", "router", "s1", "1" };
        vg_series_info_t si = { &devs[i], "/system/cpu", NULL, 0, VG_KIND_GAUGE };
        f->a[i] = vg_series_id (names[i], "/system/cpu", NULL, 0);
        ck_assert_int_ge (vg_engine_series_from (f->e, f->a[i], &si, "agA/jti"), 1);
    }
    vg_series_info_t si = { &db, "/system/cpu", NULL, 0, VG_KIND_GAUGE };
    f->b = vg_series_id (db.id, "/system/cpu", NULL, 0);
    ck_assert_int_ge (vg_engine_series_from (f->e, f->b, &si, "agB/jti"), 1);
    f->newest = INT64_MIN;
}

/* Source A's (src 0) or B's samples of [from, to), every 10 s. */
static void
s_feed (s_feed_t *f, int src, int64_t from, int64_t to)
{
    for (int64_t t = from; t < to && t < END; t += 10000) {
        if (src == 1)
            ck_assert_int_eq (vg_engine_sample (f->e, f->b, t, 20), 0);
        for (int i = 0; src == 0 && i < NA; i++)
            if (s_up (i, t))
                ck_assert_int_eq (vg_engine_sample (f->e, f->a[i], t, 40 + i), 0);
        if (t > f->newest)
            f->newest = t;
    }
}

/* lead 0: both sources minute by minute in time order (a replay's feed); lead > 0: source
 * B's data that far ahead of A's (a faster agent live).  A tick after every minute at the
 * newest data time, as the collector's detect stage ticks. */
static void
s_run (vg_rules_t *rs, int64_t lead, vg_test_alerts_t *c)
{
    s_feed_t f;
    s_decl (&f, c, rs);
    s_feed (&f, 1, T0, T0 + lead);
    for (int64_t w = T0; w < END; w += MINUTE) {
        s_feed (&f, 1, w + lead, w + lead + MINUTE);
        s_feed (&f, 0, w, w + MINUTE);
        vg_engine_tick (f.e, f.newest);
    }
    vg_engine_flush (f.e);
    vg_engine_tick (f.e, END + 10 * MINUTE);
    vg_engine_destroy (&f.e);
}

START_TEST (outage_updates_on_the_source_clock)
{
    vg_rules_t *rs = vg_test_rules (RULES, "t");
    vg_test_alerts_t ordered = { 0 }, ahead = { 0 };
    s_run (rs, 0, &ordered);
    s_run (rs, 20 * MINUTE, &ahead);
    const vg_alert_t *up = NULL;
    for (size_t i = 0; i < ordered.n && !up; i++)
        if (ordered.a[i].activity == VG_ACT_UPDATE && strstr (ordered.a[i].uid, "collector:outage"))
            up = &ordered.a[i];
    ck_assert_msg (up != NULL, "no periodic Update of the outage");
    ck_assert_double_eq (up->observed, 4); /* the fourth device's silence, judged before it fell due */
    vg_test_alerts_assert_same (&ordered, &ahead);
    vg_test_alerts_free (&ordered);
    vg_test_alerts_free (&ahead);
    vg_rules_destroy (&rs);
}
END_TEST

Suite *
vg_engine_outage_suite (void)
{
    const TTest *tests[] = { outage_updates_on_the_source_clock };
    return vg_test_suite ("engine_outage", "outage", tests, sizeof tests / sizeof tests[0], 60, NULL, NULL);
}
