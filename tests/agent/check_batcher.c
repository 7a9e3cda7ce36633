/* check_batcher.c - the agent's batcher: what goes in comes out of the packed batch
 * exactly (series, labels, samples, states, events), limits turn into gap events, and a
 * batch that could not be kept is reported as a gap in the next one. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "agent/batcher.h"
#include "common/chunk.h"
#include "common/compress.h"
#include "common/err.h"
#include "proto/batch.h"
#include "proto/vigil.pb-c.h"

static vg_batcher_t *s_b;
static vg_sink_t s_sink;

static void
setup (void)
{
    vg_batcher_cfg_t cfg = { "a1", 100, 8, 10, 1000, 0 };
    s_b = vg_batcher_new (&cfg);
    ck_assert_ptr_nonnull (s_b);
    s_sink = vg_batcher_sink (s_b);
    vg_device_t d = { "s1/r1", "Juniper", "MX", "router", "s1", "21.4" };
    ck_assert_int_eq (s_sink.device (s_sink.ctx, &d), 0);
}

static void
teardown (void)
{
    vg_batcher_destroy (&s_b);
    ck_assert_ptr_null (s_b);
}

static int
s_sample (const char *path, const char *ifname, int64_t ts, double v, const char *state)
{
    vg_label_t l = { "name", ifname };
    vg_point_t p = { 0 };
    p.device = "s1/r1";
    p.path = path;
    p.labels = &l;
    p.nlabels = 1;
    p.kind = state ? VG_KIND_STATE : VG_KIND_COUNTER;
    p.input = "test";
    p.ts_ms = ts;
    p.value = v;
    p.state = state;
    return s_sink.sample (s_sink.ctx, &p);
}

/* Flush and decode (inflating the zstd frame). */
static Vigil__Batch *
s_flush (uint64_t seq)
{
    vg_buf_t out = VG_BUF_INIT, plain = VG_BUF_INIT;
    int n = vg_batcher_flush (s_b, 7, seq, 123, &out);
    ck_assert_int_gt (n, 0);
    ck_assert (vg_is_zstd (out.data, out.len));
    ck_assert_int_eq (vg_zstd_decompress (out.data, out.len, 1 << 24, &plain), 0);
    Vigil__Batch *b = vigil__batch__unpack (NULL, plain.len, plain.data);
    ck_assert_ptr_nonnull (b);
    vg_buf_free (&out);
    vg_buf_free (&plain);
    return b;
}

static const char *
s_str (const Vigil__Batch *b, uint32_t i)
{
    ck_assert_uint_lt (i, b->n_strings);
    return b->strings[i];
}

START_TEST (samples_round_trip)
{
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq (s_sample ("/if/in-octets", "ge-0/0/0", 1000 + i * 10, 100.0 * i, NULL), 0);
        ck_assert_int_eq (s_sample ("/if/in-octets", "ge-0/0/1", 1000 + i * 10, 7.0 * i, NULL), 0);
        ck_assert_int_eq (s_sample ("/if/oper-status", "ge-0/0/0", 1000 + i * 10, 0, i % 3 ? "UP" : "DOWN"), 0);
    }
    Vigil__Batch *b = s_flush (1);
    ck_assert_str_eq (b->agent_id, "a1");
    ck_assert_uint_eq (b->epoch, 7);
    ck_assert_uint_eq (b->seq, 1);
    ck_assert_str_eq (b->strings[0], "");
    ck_assert_uint_eq (b->n_devices, 1);
    ck_assert_str_eq (b->devices[0]->vendor, "Juniper");
    ck_assert_uint_eq (b->n_series, 3);
    int seen = 0;
    for (size_t i = 0; i < b->n_series; i++) {
        const Vigil__Series *s = b->series[i];
        int64_t ts[16];
        double v[16];
        size_t n, used;
        ck_assert_int_eq (vg_chunk_decode (s->chunk.data, s->chunk.len, ts, v, 16, &n, &used), 0);
        ck_assert_uint_eq (n, 10);
        ck_assert_uint_eq (s->count, 10);
        ck_assert_uint_eq (s->n_labels, 2);
        ck_assert_str_eq (s_str (b, s->labels[0]), "name");
        const char *ifn = s_str (b, s->labels[1]);
        for (int k = 0; k < 10; k++)
            ck_assert_int_eq (ts[k], 1000 + k * 10);
        if (s->kind == VIGIL__SERIES_KIND__SERIES_KIND_STATE) {
            ck_assert_uint_eq (s->n_state_names, 2);
            for (int k = 0; k < 10; k++)
                ck_assert_str_eq (s->state_names[(size_t) v[k]], k % 3 ? "UP" : "DOWN");
            seen |= 1;
        } else if (!strcmp (ifn, "ge-0/0/0")) {
            for (int k = 0; k < 10; k++)
                ck_assert (v[k] == 100.0 * k);
            seen |= 2;
        } else {
            for (int k = 0; k < 10; k++)
                ck_assert (v[k] == 7.0 * k);
            seen |= 4;
        }
    }
    ck_assert_int_eq (seen, 7);
    vigil__batch__free_unpacked (b, NULL);
    /* Empty afterwards: nothing to flush. */
    vg_buf_t out = VG_BUF_INIT;
    ck_assert_int_eq (vg_batcher_flush (s_b, 7, 2, 0, &out), 0);
    vg_buf_free (&out);
}
END_TEST

/* A series carries the input instance that first delivered it; a later source does not
 * rename it, and points delivered with no source name carry none. */
START_TEST (series_carry_their_source)
{
    vg_batcher_set_source (s_b, "pcap#2");
    ck_assert_int_eq (s_sample ("/if/in-octets", "ge-0/0/0", 1000, 1.0, NULL), 0);
    vg_batcher_set_source (s_b, "pmdir");
    ck_assert_int_eq (s_sample ("/if/in-octets", "ge-0/0/0", 1010, 2.0, NULL), 0);
    ck_assert_int_eq (s_sample ("/if/in-octets", "ge-0/0/1", 1010, 2.0, NULL), 0);
    vg_batcher_set_source (s_b, NULL);
    ck_assert_int_eq (s_sample ("/if/in-octets", "ge-0/0/2", 1010, 2.0, NULL), 0);
    Vigil__Batch *b = s_flush (1);
    ck_assert_uint_eq (b->n_series, 3);
    int seen = 0;
    for (size_t i = 0; i < b->n_series; i++) {
        const char *ifn = s_str (b, b->series[i]->labels[1]);
        const char *src = s_str (b, b->series[i]->source);
        if (!strcmp (ifn, "ge-0/0/0")) {
            ck_assert_str_eq (src, "pcap#2");
            ck_assert_uint_eq (b->series[i]->count, 2);
            seen |= 1;
        } else if (!strcmp (ifn, "ge-0/0/1")) {
            ck_assert_str_eq (src, "pmdir");
            seen |= 2;
        } else {
            ck_assert_str_eq (src, "");
            seen |= 4;
        }
    }
    ck_assert_int_eq (seen, 7);
    vigil__batch__free_unpacked (b, NULL);
}
END_TEST

/* A device message without some attributes (NULL or "") keeps the known ones; a new
 * non-empty value replaces the old one. */
START_TEST (empty_attributes_keep_known_ones)
{
    vg_device_t anon = { "s1/r1", "", NULL, "", "", "22.1" };
    ck_assert_int_eq (s_sink.device (s_sink.ctx, &anon), 0);
    ck_assert_int_eq (s_sample ("/if/in-octets", "ge-0/0/0", 1000, 1.0, NULL), 0);
    Vigil__Batch *b = s_flush (1);
    ck_assert_uint_eq (b->n_devices, 1);
    ck_assert_str_eq (b->devices[0]->vendor, "Juniper");
    ck_assert_str_eq (b->devices[0]->model, "MX");
    ck_assert_str_eq (b->devices[0]->role, "router");
    ck_assert_str_eq (b->devices[0]->site, "s1");
    ck_assert_str_eq (b->devices[0]->sw_version, "22.1");
    vigil__batch__free_unpacked (b, NULL);
}
END_TEST

START_TEST (events_and_unknown_device)
{
    vg_label_t attrs[] = { { "user", "root" }, { "source", "198.51.100.7" } };
    vg_event_t e = { "s1/r1", 5000, VG_EV_LOGIN, attrs, 2, NULL, NULL, "test" };
    ck_assert_int_eq (s_sink.event (s_sink.ctx, &e), 0);
    vg_flow_t f = { "10.0.0.1", "203.0.113.9", "mgmt", "ZZ", 443, 6, 60000, 64512, 123456, 99 };
    vg_event_t fe = { "s1/r1", 6000, VG_EV_FLOW_SUMMARY, NULL, 0, &f, NULL, "test" };
    ck_assert_int_eq (s_sink.event (s_sink.ctx, &fe), 0);
    vg_event_t bad = { "nobody/x", 6000, VG_EV_LOGIN, NULL, 0, NULL, NULL, "test" };
    ck_assert_int_eq (s_sink.event (s_sink.ctx, &bad), -VG_EINVAL);
    Vigil__Batch *b = s_flush (1);
    ck_assert_uint_eq (b->n_events, 2);
    ck_assert_int_eq (b->events[0]->type, VIGIL__EVENT_TYPE__EVENT_TYPE_LOGIN);
    ck_assert_str_eq (b->events[0]->attrs[1]->value, "198.51.100.7");
    ck_assert_str_eq (b->events[1]->flow->dst, "203.0.113.9");
    ck_assert_uint_eq (b->events[1]->flow->bytes, 123456);
    vigil__batch__free_unpacked (b, NULL);
    vg_batcher_stats_t st;
    vg_batcher_stats (s_b, &st);
    ck_assert_uint_eq (st.rejected_points, 1);
}
END_TEST

START_TEST (limits_become_gaps)
{
    /* The pool holds 100 samples; series are limited to 10. */
    int full = 0;
    for (int i = 0; i < 120; i++)
        full += s_sample ("/if/in-octets", "ge-0/0/0", 1000 + i, i, NULL) == -VG_EFULL;
    ck_assert_int_eq (full, 20);
    /* The batch carries the 100 samples that fit and a gap event for the 20 that did not. */
    Vigil__Batch *b = s_flush (1);
    ck_assert_uint_eq (b->series[0]->count, 100);
    ck_assert_uint_eq (b->n_events, 1);
    ck_assert_int_eq (b->events[0]->type, VIGIL__EVENT_TYPE__EVENT_TYPE_GAP);
    ck_assert_uint_eq (b->events[0]->gap->samples, 20);
    ck_assert_int_eq (b->events[0]->gap->from_ms, 1100);
    ck_assert_int_eq (b->events[0]->gap->to_ms, 1119);
    ck_assert_str_eq (b->events[0]->gap->reason, "batch_full");
    vigil__batch__free_unpacked (b, NULL);
}
END_TEST

/* Flush a batch that must hold only one spool_full gap of `samples` over [from, to]. */
static void
s_flush_gap_only (uint64_t samples, int64_t from, int64_t to)
{
    Vigil__Batch *b = s_flush (1);
    ck_assert_uint_eq (b->n_series, 0);
    ck_assert_uint_eq (b->n_events, 1);
    ck_assert_uint_eq (b->events[0]->gap->samples, samples);
    ck_assert_int_eq (b->events[0]->gap->from_ms, from);
    ck_assert_int_eq (b->events[0]->gap->to_ms, to);
    ck_assert_str_eq (b->events[0]->gap->reason, "spool_full");
    vigil__batch__free_unpacked (b, NULL);
}

START_TEST (lost_batch_reported)
{
    for (int i = 0; i < 30; i++)
        ck_assert_int_eq (s_sample ("/if/in-octets", "ge-0/0/0", 1000 + i, i, NULL), 0);
    Vigil__Batch *b = s_flush (1);
    vigil__batch__free_unpacked (b, NULL);
    vg_batcher_lost_last (s_b, "spool_full");
    ck_assert (vg_batcher_due (s_b, 1.0, 1 << 30));
    s_flush_gap_only (30, 1000, 1029);
}
END_TEST

/* A lost batch that carried the gap of an earlier lost batch: the next batch's gap covers
 * both (found by tests/faults spool_full: 14 gap events told 64,746 of 1,294,920 samples
 * dropped), and the dropped counter counts each sample once. */
START_TEST (lost_gap_reported_again)
{
    for (int i = 0; i < 30; i++)
        ck_assert_int_eq (s_sample ("/if/in-octets", "ge-0/0/0", 1000 + i, i, NULL), 0);
    vigil__batch__free_unpacked (s_flush (1), NULL);
    vg_batcher_lost_last (s_b, "spool_full");
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq (s_sample ("/if/in-octets", "ge-0/0/0", 2000 + i, i, NULL), 0);
    Vigil__Batch *b = s_flush (1);
    ck_assert_uint_eq (b->n_events, 1);
    ck_assert_uint_eq (b->events[0]->gap->samples, 30);
    vigil__batch__free_unpacked (b, NULL);
    vg_batcher_lost_last (s_b, "spool_full");
    /* Lost again: a batch carrying only the gap. */
    vigil__batch__free_unpacked (s_flush (1), NULL);
    vg_batcher_lost_last (s_b, "spool_full");
    s_flush_gap_only (40, 1000, 2009);
    vg_batcher_stats_t st;
    vg_batcher_stats (s_b, &st);
    ck_assert_uint_eq (st.samples_dropped, 40);
}
END_TEST

/* More devices with a gap than one batch carries (64): the rest stays pending, counts as
 * pending (so the agent flushes gap-only batches, also at its exit), and is told next
 * (found by tests/faults live_drop: 37,156 dropped samples never told at the end of a run). */
START_TEST (every_gap_told_without_data)
{
    vg_batcher_destroy (&s_b); /* limits large enough for 100 devices */
    vg_batcher_cfg_t cfg = { "a1", 1000, 1000, 1000, 1000, 0 };
    s_b = vg_batcher_new (&cfg);
    ck_assert_ptr_nonnull (s_b);
    s_sink = vg_batcher_sink (s_b);
    char dev[32];
    for (int d = 0; d < 100; d++) {
        snprintf (dev, sizeof dev, "s1/r%d", d);
        vg_device_t dv = { dev, "Juniper", "MX", "router", "s1", "21.4" };
        ck_assert_int_eq (s_sink.device (s_sink.ctx, &dv), 0);
        vg_point_t p = { 0 };
        p.device = dev;
        p.path = "/cpu";
        p.kind = VG_KIND_GAUGE;
        p.input = "test";
        p.ts_ms = 1000;
        p.value = d;
        ck_assert_int_eq (vg_sink_sample (&s_sink, &p), 0);
    }
    vigil__batch__free_unpacked (s_flush (1), NULL);
    vg_batcher_lost_last (s_b, "spool_full");
    ck_assert_uint_eq (vg_batcher_pending (s_b), 100);
    uint64_t told = 0;
    size_t batches = 0;
    while (vg_batcher_pending (s_b) > 0 && batches < 10) {
        Vigil__Batch *b = s_flush (2 + batches++);
        for (size_t i = 0; i < b->n_events; i++)
            told += b->events[i]->gap->samples;
        vigil__batch__free_unpacked (b, NULL);
    }
    ck_assert_uint_eq (batches, 2);
    ck_assert_uint_eq (told, 100);
}
END_TEST

START_TEST (series_limit)
{
    char ifn[16];
    int refused = 0;
    for (int i = 0; i < 15; i++) {
        snprintf (ifn, sizeof ifn, "ge-0/0/%d", i);
        refused += s_sample ("/if/in-octets", ifn, 1000, 1, NULL) == -VG_EFULL;
    }
    ck_assert_int_eq (refused, 5);
    vg_batcher_stats_t st;
    vg_batcher_stats (s_b, &st);
    ck_assert_uint_eq (st.series, 10);
    ck_assert_uint_eq (st.samples_dropped, 5);
}
END_TEST

/* The batcher admits exactly what the reader accepts: strings one short of a bound pack
 * into a batch vg_batch_validate passes; strings at the bound are refused on entry (a
 * series path as a series_limit gap, a state or an event attribute as a rejected point),
 * so no flush fails and no batch is refused at the collector for them. */
START_TEST (bounds_match_the_reader)
{
    static char path[VG_MAX_PATH_LEN + 1], key[VG_MAX_LABEL_LEN + 1], state[VG_MAX_STATE_LEN + 1];
    memset (path, 'p', VG_MAX_PATH_LEN);
    path[0] = '/';
    memset (key, 'k', VG_MAX_LABEL_LEN);
    memset (state, 'S', VG_MAX_STATE_LEN);
    ck_assert_int_eq (s_sample (path, "et-0", 1000, 1, NULL), -VG_EFULL); /* at the bound */
    path[VG_MAX_PATH_LEN - 1] = '\0';
    ck_assert_int_eq (s_sample (path, "et-0", 1000, 1, NULL), 0);
    ck_assert_int_eq (s_sample ("/state", "et-0", 1000, 0, state), -VG_EINVAL);
    state[VG_MAX_STATE_LEN - 1] = '\0';
    ck_assert_int_eq (s_sample ("/state", "et-0", 1000, 0, state), 0);
    vg_label_t attrs[] = { { key, "v" } };
    vg_event_t e = { "s1/r1", 5000, VG_EV_LOGIN, attrs, 1, NULL, NULL, "test" };
    ck_assert_int_eq (s_sink.event (s_sink.ctx, &e), -VG_EINVAL);
    key[VG_MAX_LABEL_LEN - 1] = '\0';
    ck_assert_int_eq (s_sink.event (s_sink.ctx, &e), 0);
    vg_batcher_stats_t st;
    vg_batcher_stats (s_b, &st);
    ck_assert_uint_eq (st.rejected_points, 2);
    Vigil__Batch *b = s_flush (1);
    vg_batch_limits_t lim = { 10, 10, 10 };
    char why[200] = "";
    size_t total = 0;
    ck_assert_msg (vg_batch_validate (b, &lim, &total, why, sizeof why) == 0, "%s", why);
    ck_assert_uint_eq (total, 2);
    ck_assert_uint_eq (b->n_events, 2); /* the login and the series_limit gap */
    ck_assert_str_eq (s_str (b, b->series[0]->path), path);
    vigil__batch__free_unpacked (b, NULL);
}
END_TEST

Suite *
vg_batcher_suite (void)
{
    Suite *s = suite_create ("batcher");
    TCase *tc = tcase_create ("batcher");
    tcase_add_checked_fixture (tc, setup, teardown);
    tcase_add_test (tc, samples_round_trip);
    tcase_add_test (tc, series_carry_their_source);
    tcase_add_test (tc, empty_attributes_keep_known_ones);
    tcase_add_test (tc, events_and_unknown_device);
    tcase_add_test (tc, limits_become_gaps);
    tcase_add_test (tc, lost_batch_reported);
    tcase_add_test (tc, lost_gap_reported_again);
    tcase_add_test (tc, every_gap_told_without_data);
    tcase_add_test (tc, series_limit);
    tcase_add_test (tc, bounds_match_the_reader);
    suite_add_tcase (s, tc);
    return s;
}
