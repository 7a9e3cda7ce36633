/* check_engine_time.c - event time per source: the same multi-device, multi-source day fed as
 * one time-ordered stream, source by source in 50 s series-major batches, and in the other
 * source order in 10 s batches, gives the same alerts; silence is judged per source while it
 * lasts; late data inside the lateness is reordered, older data is counted; silence closes
 * and PM-like clock steps give the same verdicts whatever the arrival order. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/hash.h"
#include "detectors/engine.h"
#include "tests/detectors/fixture_engine.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/suite.h"

#define T0 1767614400000LL /* Monday 2026-01-05 12:00Z */

typedef struct {
    uint64_t id;
    int64_t ts;
    double v;
    int src, ser; /* source index, series index (feeding order) */
} ev_t;

enum { NSER = 6 };

typedef struct {
    ev_t *x;
    size_t n, cap;
    uint64_t id[NSER];
    int src[NSER];
} day_t;

static const char *const SRCS[2] = { "agA/jti", "agB/3gpp" };
static vg_device_t DA = { "s1/a", "VendorX", "m1", "router", "s1", "7.1" };
static vg_device_t DC = { "s1/c", "VendorX", "m1", "router", "s1", "7.1" };
static vg_device_t DB1 = { "s2/b1", "VendorY", "g", "gnb", "s2", "1" };
static vg_device_t DB2 = { "s2/b2", "VendorY", "g", "gnb", "s2", "1" };
#define HOUR 3600000LL
#define MINUTE 60000LL

static void
day_add (day_t *d, int ser, int64_t ts, double v)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 4096;
        d->x = realloc (d->x, d->cap * sizeof *d->x);
    }
    d->x[d->n++] = (ev_t) { d->id[ser], ts, v, d->src[ser], ser };
}

static int
ev_cmp (const void *a, const void *b)
{
    const ev_t *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->ser - y->ser;
}

static uint64_t
decl_from (vg_engine_t *e, const vg_device_t *d, const char *path, vg_kind_t kind, const char *src)
{
    uint64_t id = vg_series_id (d->id, path, NULL, 0);
    vg_series_info_t si = { d, path, NULL, 0, kind };
    ck_assert_int_ge (vg_engine_series_from (e, id, &si, src), 1);
    return id;
}

/* Declare the six series (in feeding order) and generate the day. */
static void
day_build (vg_engine_t *e, day_t *d)
{
    static const struct { const vg_device_t *dev; const char *path; vg_kind_t kind; int src; } S[NSER] = {
        { &DA, "/bgp/neighbors/neighbor/state/session-state", VG_KIND_STATE, 0 },
        { &DA, "/system/cpu", VG_KIND_GAUGE, 0 },
        { &DC, "/bgp/neighbors/neighbor/state/session-state", VG_KIND_STATE, 0 },
        { &DC, "/system/cpu", VG_KIND_GAUGE, 0 },
        { &DB1, "/pm/RRC.ConnEstabAtt", VG_KIND_GAUGE, 1 },
        { &DB2, "/pm/RRC.ConnEstabAtt", VG_KIND_GAUGE, 1 },
    };
    for (int i = 0; i < NSER; i++) {
        d->id[i] = decl_from (e, S[i].dev, S[i].path, S[i].kind, SRCS[S[i].src]);
        d->src[i] = S[i].src;
    }
    if (d->n)
        return;
    for (int64_t t = T0; t < T0 + 24 * HOUR; t += 10000) {
        int bgp_down = t >= T0 + 5 * HOUR && t < T0 + 5 * HOUR + 10 * MINUTE;
        day_add (d, 0, t, bgp_down ? 0 : 1);
        day_add (d, 1, t, 40 + (double) (t / 10000 % 7));
        if (!(t >= T0 + 8 * HOUR && t < T0 + 8 * HOUR + 20 * MINUTE)) { /* C silent 20 min */
            day_add (d, 2, t, 1);
            day_add (d, 3, t, 30);
        }
        if (t % (15 * MINUTE) == 0) {
            if (!(t == T0 + 10 * HOUR + 15 * MINUTE || t == T0 + 10 * HOUR + 30 * MINUTE)) /* B1: 2 ROPs */
                day_add (d, 4, t, 500);
            day_add (d, 5, t, 700);
        }
    }
    qsort (d->x, d->n, sizeof *d->x, ev_cmp);
}

/* Creates and closes as sorted "uid|activity|time" lines. */
static char *
outcome (const vg_test_alerts_t *c)
{
    size_t k = 0, len = 1;
    char **l = calloc (c->n + 1, sizeof *l);
    for (size_t i = 0; i < c->n; i++) {
        if (c->a[i].activity == VG_ACT_UPDATE)
            continue;
        char b[1024];
        snprintf (b, sizeof b, "%s|%d|%lld\n", c->a[i].uid, c->a[i].activity, (long long) c->a[i].time_ms);
        l[k] = strdup (b);
        len += strlen (b);
        k++;
    }
    qsort (l, k, sizeof *l, (int (*) (const void *, const void *)) strcmp);
    for (size_t i = 1; i < k; i++) /* qsort on char** needs a pointer compare: fix order */
        for (size_t j = i; j > 0 && strcmp (l[j - 1], l[j]) > 0; j--) {
            char *t = l[j];
            l[j] = l[j - 1];
            l[j - 1] = t;
        }
    char *out = calloc (1, len);
    for (size_t i = 0; i < k; i++) {
        strcat (out, l[i]);
        free (l[i]);
    }
    free (l);
    return out;
}

static vg_engine_t *
et_engine (vg_rules_t *rs, vg_test_alerts_t *c)
{
    vg_engine_cfg_t cfg = { 0 };
    cfg.lateness_ms = 60000;
    cfg.tick_ms = 10000;
    return vg_engine_new (rs, &cfg, vg_test_alerts_on_alert, c);
}

/* Flush and tick past the day, read the stats, destroy the engine and its alerts; returns
 * the outcome (free() it). */
static char *
et_finish (vg_engine_t **e, vg_test_alerts_t *c, vg_engine_stats_t *st)
{
    vg_engine_flush (*e);
    vg_engine_tick (*e, T0 + 26 * HOUR);
    vg_engine_stats (*e, st);
    char *o = outcome (c);
    vg_engine_destroy (e);
    vg_test_alerts_free (c);
    return o;
}

/* Mode 0: everything in time order, one sample at a time, a tick every 100 samples. */
static char *
run_ordered (vg_rules_t *rs, day_t *d, vg_engine_stats_t *st)
{
    vg_test_alerts_t c = { 0 };
    vg_engine_t *e = et_engine (rs, &c);
    day_build (e, d);
    for (size_t i = 0; i < d->n; i++) {
        ck_assert_int_eq (vg_engine_sample (e, d->x[i].id, d->x[i].ts, d->x[i].v), 0);
        if (i % 100 == 99)
            vg_engine_tick (e, d->x[i].ts);
    }
    return et_finish (&e, &c, st);
}

/* Sources one after the other (first = which first); within a source, batches of span_ms,
 * series-major inside a batch (as the agent's batcher packs chunks), series in order or
 * reversed; a tick after each batch with the newest time fed. */
static char *
run_batched (vg_rules_t *rs, day_t *d, int first, int64_t span_ms, int reverse, vg_engine_stats_t *st)
{
    vg_test_alerts_t c = { 0 };
    vg_engine_t *e = et_engine (rs, &c);
    day_build (e, d);
    int64_t newest = INT64_MIN;
    size_t cur[NSER] = { 0 }; /* per series: next index into d->x (time-sorted) */
    for (int k = 0; k < 2; k++) {
        int src = k == 0 ? first : 1 - first;
        for (int64_t w = T0; w < T0 + 24 * HOUR; w += span_ms) {
            for (int jj = 0; jj < NSER; jj++) {
                int j = reverse ? NSER - 1 - jj : jj;
                if (d->src[j] != src)
                    continue;
                for (size_t i = cur[j]; i < d->n && d->x[i].ts < w + span_ms; i++, cur[j] = i) {
                    if (d->x[i].ser != j)
                        continue;
                    ck_assert_int_eq (vg_engine_sample (e, d->x[i].id, d->x[i].ts, d->x[i].v), 0);
                    if (d->x[i].ts > newest)
                        newest = d->x[i].ts;
                }
            }
            vg_engine_tick (e, newest);
        }
    }
    return et_finish (&e, &c, st);
}

static void
day_free (day_t *d)
{
    free (d->x);
    memset (d, 0, sizeof *d);
}

START_TEST (event_time_per_source)
{
    vg_rules_t *rs = vg_test_rules (VG_TEST_ENGINE_RULES, "t");
    day_t d = { 0 };
    vg_engine_stats_t s0, s1, s2;
    char *a = run_ordered (rs, &d, &s0);
    /* What must be there, judged while it lasted. */
    ck_assert_msg (strstr (a, "bgp:s1/a:") != NULL, "%s", a);
    ck_assert_msg (strstr (a, "sil:s1/c:device") != NULL, "%s", a);
    ck_assert_msg (strstr (a, "sil:s2/b1:device") != NULL, "%s", a);
    ck_assert_msg (strstr (a, "sil:s2/b2") == NULL && strstr (a, "sil:s1/a") == NULL, "%s", a);
    ck_assert_msg (strstr (a, "outage") == NULL, "%s", a);
    /* B1's silence (10:15 and 10:30 missing, back at 10:45) alerts before it ended. */
    const char *p = strstr (a, "sil:s2/b1:device@");
    long long start = 0;
    int act = 0;
    long long when = 0;
    ck_assert_int_eq (sscanf (strchr (p, '@') + 1, "%lld|%d|%lld", &start, &act, &when), 3);
    ck_assert_int_eq (act, VG_ACT_CREATE);
    ck_assert_int_lt (when, T0 + 10 * HOUR + 45 * MINUTE);
    p = strstr (a, "sil:s1/c:device@");
    ck_assert_int_eq (sscanf (strchr (p, '@') + 1, "%lld|%d|%lld", &start, &act, &when), 3);
    ck_assert_int_lt (when, T0 + 8 * HOUR + 20 * MINUTE);
    ck_assert_uint_eq (s0.late, 0);
    ck_assert_uint_eq (s0.buffered, 0);
    ck_assert_uint_eq (s0.processed, d.n);
    char *b = run_batched (rs, &d, 0, 50000, 0, &s1);
    char *c = run_batched (rs, &d, 1, 10000, 1, &s2);
    ck_assert_str_eq (a, b);
    ck_assert_str_eq (a, c);
    ck_assert_uint_eq (s1.late + s2.late, 0);
    ck_assert_uint_eq (s1.processed, d.n);
    ck_assert_uint_eq (s2.processed, d.n);
    ck_assert_uint_eq (s2.sources, 2);
    ck_assert_uint_eq (s2.streams, 4);
    free (a);
    free (b);
    free (c);
    day_free (&d);
    vg_rules_destroy (&rs);
}
END_TEST

START_TEST (late_within_lateness_reordered)
{
    vg_rules_t *rs = vg_test_rules (VG_TEST_ENGINE_RULES, "t");
    vg_test_alerts_t c = { 0 };
    vg_engine_t *e = et_engine (rs, &c);
    uint64_t id = decl_from (e, &DA, "/system/cpu", VG_KIND_GAUGE, "agA/jti");
    uint64_t id2 = decl_from (e, &DA, "/system/mem", VG_KIND_GAUGE, "agA/jti");
    ck_assert_int_eq (vg_engine_sample (e, id, T0 + 20000, 1), 0);
    ck_assert_int_eq (vg_engine_sample (e, id, T0 + 10000, 1), 0); /* 10 s out of order: fine */
    ck_assert_int_eq (vg_engine_sample (e, id2, T0, 1), 0);
    vg_engine_stats_t st = vg_test_engine_stats (e);
    ck_assert_uint_eq (st.buffered, 3);
    ck_assert_uint_eq (st.processed, 0);
    ck_assert_int_eq (vg_engine_sample (e, id, T0 + 100000, 1), 0); /* releases up to +40 s */
    st = vg_test_engine_stats (e);
    ck_assert_uint_eq (st.processed, 3);
    ck_assert_uint_eq (st.dropped + st.late, 0);
    /* Older than what the stream released: late, counted, refused. */
    ck_assert_int_eq (vg_engine_sample (e, id2, T0 + 5000, 1), -VG_ERANGE);
    st = vg_test_engine_stats (e);
    ck_assert_uint_eq (st.late, 1);
    /* Other devices and sources are not affected by this stream's time. */
    uint64_t ib = decl_from (e, &DB1, "/pm/x", VG_KIND_GAUGE, "agB/3gpp");
    ck_assert_int_eq (vg_engine_sample (e, ib, T0 - HOUR, 1), 0);
    ck_assert_int_eq (vg_engine_source_clock (e, "agB/3gpp"), T0 - HOUR);
    ck_assert_int_eq (vg_engine_source_clock (e, "agA/jti"), T0 + 100000);
    /* Save/load keeps what waits in the buffers. */
    vg_buf_t blob = VG_BUF_INIT;
    ck_assert_int_eq (vg_engine_save (e, &blob), 0);
    vg_test_alerts_t c2 = { 0 };
    vg_engine_t *e2 = et_engine (rs, &c2);
    decl_from (e2, &DA, "/system/cpu", VG_KIND_GAUGE, NULL); /* restored: source unknown yet */
    decl_from (e2, &DA, "/system/mem", VG_KIND_GAUGE, NULL);
    decl_from (e2, &DB1, "/pm/x", VG_KIND_GAUGE, NULL);
    ck_assert_int_eq (vg_engine_load (e2, blob.data, blob.len), 0);
    st = vg_test_engine_stats (e2);
    ck_assert_uint_eq (st.buffered, 2);
    ck_assert_int_eq (vg_engine_sample (e2, id2, T0 + 5000, 1), -VG_ERANGE);
    vg_engine_flush (e2);
    st = vg_test_engine_stats (e2);
    ck_assert_uint_eq (st.processed, 2);
    vg_buf_free (&blob);
    vg_engine_destroy (&e2);
    vg_engine_destroy (&e);
    vg_test_alerts_free (&c);
    vg_test_alerts_free (&c2);
    vg_rules_destroy (&rs);
}
END_TEST

/* Two devices of one source reporting every 2 min (longer than the 60 s lateness), the second
 * silent for 40 min: whichever device's sample moves the source's clock first at each time,
 * the silence opens and closes at the same data times, and it does not close before the
 * device is back (its returning sample must not be released ahead of the source's ticks). */
static char *
run_two_devices (vg_rules_t *rs, int c_first, int64_t back)
{
    vg_test_alerts_t c = { 0 };
    vg_engine_t *e = et_engine (rs, &c);
    uint64_t ia = decl_from (e, &DA, "/system/cpu", VG_KIND_GAUGE, "agA/jti");
    uint64_t ic = decl_from (e, &DC, "/system/cpu", VG_KIND_GAUGE, "agA/jti");
    for (int64_t t = T0; t < T0 + 4 * HOUR; t += 2 * MINUTE) {
        int c_up = t < T0 + HOUR || t >= back;
        for (int k = 0; k < 2; k++) {
            int is_c = k == 0 ? c_first : !c_first;
            if (is_c && c_up)
                ck_assert_int_eq (vg_engine_sample (e, ic, t, 30), 0);
            else if (!is_c)
                ck_assert_int_eq (vg_engine_sample (e, ia, t, 40), 0);
        }
    }
    vg_engine_stats_t st;
    return et_finish (&e, &c, &st);
}

START_TEST (silence_close_independent_of_arrival_order)
{
    vg_rules_t *rs = vg_test_rules (VG_TEST_ENGINE_RULES, "t");
    int64_t back = T0 + HOUR + 40 * MINUTE;
    char *a = run_two_devices (rs, 0, back);
    char *b = run_two_devices (rs, 1, back);
    ck_assert_str_eq (a, b);
    const char *p = strstr (a, "sil:s1/c:device@");
    ck_assert_msg (p != NULL, "%s", a);
    long long start = 0, when = 0;
    int act = 0;
    ck_assert_int_eq (sscanf (strchr (p, '@') + 1, "%lld|%d|%lld", &start, &act, &when), 3);
    ck_assert_int_eq (act, VG_ACT_CREATE);
    p = strstr (p + 1, "sil:s1/c:device@");
    ck_assert_msg (p != NULL, "%s", a);
    ck_assert_int_eq (sscanf (strchr (p, '@') + 1, "%lld|%d|%lld", &start, &act, &when), 3);
    ck_assert_int_eq (act, VG_ACT_CLOSE);
    ck_assert_int_eq (when, back); /* judged clear at the first tick that sees it back */
    free (a);
    free (b);
    vg_rules_destroy (&rs);
}
END_TEST

/* A PM-like source (three gNBs, one sample per 15-min ROP, 60 min lateness, 1 s ticks: every
 * ROP moves the clock by 900 ticks), the second gNB missing two ROPs.  order 0: ROP after ROP;
 * order 1 and 2: pairs of ROPs (offset by one) whose later ROP reaches the engine first from
 * one gNB, so the clock skips every other ROP.  The verdicts must not depend on that. */
static char *
run_rops (vg_rules_t *rs, int order)
{
    vg_test_alerts_t c = { 0 };
    vg_engine_cfg_t cfg = { 0 };
    cfg.lateness_ms = HOUR;
    cfg.tick_ms = 1000;
    vg_engine_t *e = vg_engine_new (rs, &cfg, vg_test_alerts_on_alert, &c);
    const vg_device_t *dev[3] = { &DB1, &DB2, &DC };
    uint64_t id[3];
    for (int k = 0; k < 3; k++)
        id[k] = decl_from (e, dev[k], "/pm/RRC.ConnEstabAtt", VG_KIND_GAUGE, "agB/3gpp");
    const int64_t rop = 15 * MINUTE, gone = T0 + 2 * HOUR + rop, back = T0 + 2 * HOUR + 3 * rop;
    for (int i = 0; i < 24;) {
        int n = order == 0 || (order == 2 && i == 0) ? 1 : 2; /* ROPs in this group */
        if (n == 2) /* the later ROP of gNB 0 first */
            ck_assert_int_eq (vg_engine_sample (e, id[0], T0 + (i + 1) * rop, 1), 0);
        for (int j = i; j < i + n; j++)
            for (int k = 0; k < 3; k++) {
                int64_t t = T0 + j * rop;
                if ((k == 0 && n == 2 && j == i + 1) || (k == 1 && t >= gone && t < back))
                    continue;
                ck_assert_int_eq (vg_engine_sample (e, id[k], t, 1), 0);
            }
        i += n;
    }
    vg_engine_stats_t st;
    vg_engine_flush (e);
    vg_engine_stats (e, &st);
    ck_assert_uint_eq (st.late, 0);
    char *o = outcome (&c);
    vg_engine_destroy (&e);
    vg_test_alerts_free (&c);
    return o;
}

START_TEST (silence_independent_of_clock_steps)
{
    vg_rules_t *rs = vg_test_rules (VG_TEST_ENGINE_RULES, "t");
    char *a = run_rops (rs, 0), *b = run_rops (rs, 1), *c = run_rops (rs, 2);
    ck_assert_msg (strstr (a, "sil:s2/b2:device@") != NULL, "the missing ROPs alert: %s", a);
    ck_assert_str_eq (a, b);
    ck_assert_str_eq (a, c);
    free (a);
    free (b);
    free (c);
    vg_rules_destroy (&rs);
}
END_TEST

Suite *
vg_engine_time_suite (void)
{
    vg_test_case_t cases[] = {
        { "event_time_per_source", event_time_per_source },
        { "late_within_lateness", late_within_lateness_reordered },
        { "silence_close_arrival_order", silence_close_independent_of_arrival_order },
        { "silence_clock_steps", silence_independent_of_clock_steps },
    };
    return vg_test_cases_suite ("engine_time", cases, sizeof cases / sizeof cases[0], 60, NULL, NULL);
}
