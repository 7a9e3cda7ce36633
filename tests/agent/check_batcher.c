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
#include "common/num.h"
#include "proto/batch.h"
#include "proto/vigil.pb-c.h"

static vg_batcher_t *s_b;
static vg_sink_t s_sink;

/* s_b: a batcher of max_samples samples a batch that knows device s1/r1. */
static void
s_new (uint32_t max_samples)
{
    vg_batcher_cfg_t cfg = { "a1", max_samples, 8, 10, 1000, 0 };
    s_b = vg_batcher_new (&cfg);
    ck_assert_ptr_nonnull (s_b);
    s_sink = vg_batcher_sink (s_b);
    vg_device_t d = { "s1/r1", "Juniper", "MX", "router", "s1", "21.4" };
    ck_assert_int_eq (s_sink.device (s_sink.ctx, &d), 0);
}

static void
setup (void)
{
    s_new (100);
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

/* The pool grows past its first capacity (1,024 samples) up to max_samples, one sample more
 * is a gap, and each series' samples come out whole and in arrival order, integers exact
 * (past 2^53), however the series interleave; the grown pool serves the next batch. */
START_TEST (pool_grows_and_keeps_series_order)
{
    vg_batcher_destroy (&s_b);
    s_new (5000);
    vg_batcher_t *b = s_b;
    vg_sink_t sk = s_sink;
    static const char *const ifs[] = { "a", "a", "b", "c", "c" }; /* 2,000 / 1,000 / 2,000 */
    const uint64_t big = (1ull << 60) + 1;
    vg_label_t l = { "name", NULL };
    vg_point_t p = { 0 };
    p.device = "s1/r1";
    p.path = "/if/in-octets";
    p.labels = &l;
    p.nlabels = 1;
    p.kind = VG_KIND_COUNTER;
    p.input = "test";
    for (int i = 0; i <= 5000; i++) {
        l.value = ifs[i % 5];
        p.ts_ms = 1000 + i;
        vg_point_set_num (&p, vg_num_u64 (big + (uint64_t) i), VG_NUM_U64);
        if (i % 5 == 2)
            vg_point_set_num (&p, vg_num_f64 (0.5 * i), VG_NUM_F64);
        ck_assert_int_eq (sk.sample (sk.ctx, &p), i < 5000 ? 0 : -VG_EFULL);
    }
    for (int round = 0; round < 2; round++) {
        vg_buf_t out = VG_BUF_INIT, plain = VG_BUF_INIT;
        ck_assert_int_eq (vg_batcher_flush (b, 7, 1 + (uint64_t) round, 123, &out), round ? 3 : 5001); /* + gap event */
        ck_assert_int_eq (vg_zstd_decompress (out.data, out.len, 1 << 24, &plain), 0);
        Vigil__Batch *x = vigil__batch__unpack (NULL, plain.len, plain.data);
        ck_assert_ptr_nonnull (x);
        ck_assert_uint_eq (x->n_series, 3);
        for (size_t i = 0; i < x->n_series; i++) {
            static int64_t ts[2048];
            static vg_num_t v[2048];
            size_t n, used;
            vg_numtype_t t;
            const Vigil__Series *s = x->series[i];
            ck_assert_int_eq (vg_chunk_decode_num (s->chunk.data, s->chunk.len, ts, v, 2048, &n, &used, &t), 0);
            int which = s_str (x, s->labels[1])[0] - 'a';
            int first = which == 0 ? 0 : which == 1 ? 2 : 3, k = first;
            ck_assert_uint_eq (n, round ? 1 : which == 1 ? 1000 : 2000);
            ck_assert_int_eq (t, which == 1 ? VG_NUM_F64 : VG_NUM_U64);
            for (size_t j = 0; j < n; j++) {
                ck_assert_int_eq (ts[j], 1000 + k);
                if (which == 1)
                    ck_assert (v[j].f == 0.5 * k);
                else
                    ck_assert_uint_eq (v[j].u, big + (uint64_t) k);
                k += which == 1 ? 5 : (k - first) % 5 == 0 ? 1 : 4; /* a: 0,1,5,6..; c: 3,4,8,9.. */
            }
        }
        vigil__batch__free_unpacked (x, NULL);
        vg_buf_free (&out);
        vg_buf_free (&plain);
        for (int i = 0; i < 3 && round == 0; i++) { /* the next batch: one sample per series */
            l.value = ifs[2 * i];
            p.ts_ms = 1000 + (i == 0 ? 0 : i == 1 ? 2 : 3);
            uint64_t u = big + (uint64_t) p.ts_ms - 1000;
            vg_point_set_num (&p, i == 1 ? vg_num_f64 (0.5 * (double) (p.ts_ms - 1000)) : vg_num_u64 (u),
                              i == 1 ? VG_NUM_F64 : VG_NUM_U64);
            ck_assert_int_eq (sk.sample (sk.ctx, &p), 0);
        }
    }
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

/* The pool keeps timestamps as int32 ms offsets from the batch's first; a batch spanning
 * more than that keeps them in full from the first that does not fit on, and the next batch
 * starts with offsets again.  Every timestamp comes back exact either way. */
static void
s_check_ts (const Vigil__Batch *b, const char *ifname, const int64_t *want, size_t n)
{
    for (size_t i = 0; i < b->n_series; i++) {
        const Vigil__Series *s = b->series[i];
        if (strcmp (s_str (b, s->labels[1]), ifname))
            continue;
        int64_t ts[16];
        double v[16];
        size_t got, used;
        ck_assert_int_eq (vg_chunk_decode (s->chunk.data, s->chunk.len, ts, v, 16, &got, &used), 0);
        ck_assert_uint_eq (got, n);
        for (size_t k = 0; k < n; k++)
            ck_assert_int_eq (ts[k], want[k]);
        return;
    }
    ck_abort_msg ("no series %s", ifname);
}

START_TEST (timestamps_beyond_int32_offsets)
{
    const int64_t t0 = 1767614400000LL, day = 86400000LL;
    const int64_t a[] = { t0, t0 + 10 * day, t0 + 30 * day, t0 + 60 * day };
    const int64_t b2[] = { t0 - 20 * day, t0 + 40 * day };
    ck_assert_int_eq (s_sample ("/if/in-octets", "a", a[0], 1, NULL), 0);
    ck_assert_int_eq (s_sample ("/if/in-octets", "b", b2[0], 2, NULL), 0);  /* negative offset */
    ck_assert_int_eq (s_sample ("/if/in-octets", "a", a[1], 3, NULL), 0);
    ck_assert_int_eq (s_sample ("/if/in-octets", "a", a[2], 4, NULL), 0);  /* past int32 ms */
    ck_assert_int_eq (s_sample ("/if/in-octets", "b", b2[1], 5, NULL), 0);
    ck_assert_int_eq (s_sample ("/if/in-octets", "a", a[3], 6, NULL), 0);
    Vigil__Batch *b = s_flush (1);
    s_check_ts (b, "a", a, 4);
    s_check_ts (b, "b", b2, 2);
    vigil__batch__free_unpacked (b, NULL);
    const int64_t c[] = { t0 + 100 * day, t0 + 100 * day + 5 };
    ck_assert_int_eq (s_sample ("/if/in-octets", "a", c[0], 7, NULL), 0);
    ck_assert_int_eq (s_sample ("/if/in-octets", "a", c[1], 8, NULL), 0);
    b = s_flush (2);
    s_check_ts (b, "a", c, 2);
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
    tcase_add_test (tc, pool_grows_and_keeps_series_order);
    tcase_add_test (tc, timestamps_beyond_int32_offsets);
    suite_add_tcase (s, tc);
    return s;
}
