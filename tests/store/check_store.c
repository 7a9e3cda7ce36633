/* check_store.c - the RocksDB store and its sample merge operator: merges of many chunks
 * per key survive flush, compaction and reopen with every sample, in time order. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/chunk.h"
#include "common/err.h"
#include "store/sample_merge.h"
#include "store/store.h"
#include "tests/support/chunk_frozen.h"
#include "tests/support/store_fixture.h"
#include "tests/support/tmpdir.h"
#include "tests/support/suite.h"

static char s_dir[64];

static vg_store_t *
s_open (vg_store_mode_t mode)
{
    return vg_test_store_open (s_dir, mode);
}

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "store"));
}

static void
teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

typedef struct {
    int64_t last;
    int64_t n;
    double sum;
} s_acc_t;

static int
s_acc (void *ctx, int64_t ts, double v)
{
    s_acc_t *a = ctx;
    ck_assert_int_ge (ts, a->last);
    a->last = ts;
    a->n++;
    a->sum += v;
    return 0;
}

/* Write `rounds` merges of `per` samples each to one key, interleaving out-of-order rounds. */
static void
s_write (vg_store_t *s, int rounds, int per)
{
    vg_store_txn_t *t = vg_store_txn_new (s);
    uint8_t key[VG_SAMPLE_KEY_LEN];
    vg_key_sample (key, 7, 42);
    int64_t ts[512];
    double v[512];
    for (int r = 0; r < rounds; r++) {
        /* Out of order, each round once (11 is prime to 301 and 20). */
        int rr = (int) ((r * 11L) % rounds);
        for (int i = 0; i < per; i++) {
            ts[i] = 1000000 + (int64_t) rr * per * 1000 + i * 1000;
            v[i] = rr * per + i;
        }
        vg_buf_t b = VG_BUF_INIT;
        ck_assert_int_eq (vg_chunk_encode (ts, v, (size_t) per, &b), 0);
        vg_store_txn_merge (t, VG_CF_SAMPLES, key, sizeof key, b.data, b.len);
        vg_buf_free (&b);
        if (r % 7 == 6) {
            ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
            vg_store_txn_clear (t);
        }
        if (r % 50 == 49)
            ck_assert_int_eq (vg_store_flush (s), 0);
    }
    ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
}

static s_acc_t
s_read (vg_store_t *s)
{
    uint8_t key[VG_SAMPLE_KEY_LEN];
    vg_key_sample (key, 7, 42);
    vg_buf_t v = VG_BUF_INIT;
    ck_assert_int_eq (vg_store_get (s, VG_CF_SAMPLES, key, sizeof key, &v), 0);
    s_acc_t a = { INT64_MIN, 0, 0 };
    ck_assert_int_eq (vg_sample_value_scan (v.data, v.len, INT64_MIN, INT64_MAX, s_acc, &a), 0);
    ck_assert_int_eq (vg_sample_value_count (v.data, v.len), a.n);
    vg_buf_free (&v);
    return a;
}

START_TEST (merge_keeps_every_sample)
{
    const int rounds = 301, per = 100;
    vg_store_t *s = s_open (VG_STORE_RW);
    s_write (s, rounds, per);
    s_acc_t a = s_read (s);
    ck_assert_int_eq (a.n, rounds * per);
    ck_assert_int_eq (vg_store_flush (s), 0);
    ck_assert_int_eq (vg_store_compact (s, VG_CF_SAMPLES), 0);
    a = s_read (s);
    ck_assert_int_eq (a.n, rounds * per);
    vg_store_destroy (&s);
    /* Reopen read-only and as a secondary: same view. */
    s = s_open (VG_STORE_READONLY);
    ck_assert_int_eq (s_read (s).n, rounds * per);
    vg_store_destroy (&s);
    s = s_open (VG_STORE_SECONDARY);
    ck_assert_int_eq (s_read (s).n, rounds * per);
    vg_store_destroy (&s);
}
END_TEST

START_TEST (unflushed_commits_survive_reopen)
{
    vg_store_t *s = s_open (VG_STORE_RW);
    s_write (s, 20, 50);
    vg_store_destroy (&s); /* WAL only for the last commits */
    s = s_open (VG_STORE_RW);
    ck_assert_int_eq (s_read (s).n, 20 * 50);
    vg_store_destroy (&s);
}
END_TEST

START_TEST (format_marker_checked)
{
    vg_store_t *s = s_open (VG_STORE_RW);
    ck_assert_int_eq (vg_store_bucket_ms (s), 3600000);
    vg_store_destroy (&s);
    /* A different bucket in the config does not change an existing store. */
    char err[256];
    vg_store_cfg_t cfg = { s_dir, VG_STORE_RW, 60000, false, 0 };
    s = vg_store_open (&cfg, err, sizeof err);
    ck_assert_ptr_nonnull (s);
    ck_assert_int_eq (vg_store_bucket_ms (s), 3600000);
    vg_store_destroy (&s);
    /* A directory that is not a store cannot be opened read-only. */
    cfg.path = "/tmp";
    cfg.mode = VG_STORE_READONLY;
    ck_assert_ptr_null (vg_store_open (&cfg, err, sizeof err));
}
END_TEST

typedef struct {
    int64_t n;
    vg_numtype_t type;
    vg_num_t v[8];
} s_nums_t;

static int
s_num_acc (void *ctx, int64_t ts, vg_num_t v, vg_numtype_t type)
{
    (void) ts;
    s_nums_t *a = ctx;
    ck_assert_int_lt (a->n, 8);
    a->type = type;
    a->v[a->n++] = v;
    return 0;
}

static s_nums_t
s_read_nums (vg_store_t *s, uint32_t bucket)
{
    uint8_t key[VG_SAMPLE_KEY_LEN];
    vg_key_sample (key, bucket, 43);
    vg_buf_t v = VG_BUF_INIT;
    ck_assert_int_eq (vg_store_get (s, VG_CF_SAMPLES, key, sizeof key, &v), 0);
    s_nums_t a = { 0, VG_NUM_F64, { { 0 } } };
    ck_assert_int_eq (vg_sample_value_scan_num (v.data, v.len, INT64_MIN, INT64_MAX, s_num_acc, &a), 0);
    vg_buf_free (&v);
    return a;
}

static void
s_merge_chunk (vg_store_t *s, uint32_t bucket, const int64_t *ts, const vg_num_t *v, vg_numtype_t t, size_t n)
{
    uint8_t key[VG_SAMPLE_KEY_LEN];
    vg_key_sample (key, bucket, 43);
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode_num (ts, v, t, n, &b), 0);
    vg_store_txn_t *txn = vg_store_txn_new (s);
    vg_store_txn_merge (txn, VG_CF_SAMPLES, key, sizeof key, b.data, b.len);
    ck_assert_int_eq (vg_store_commit (s, txn, NULL, 0), 0);
    vg_store_txn_destroy (&txn);
    vg_buf_free (&b);
}

/* A key written before integer chunks existed (whole-number doubles, decimal codec) and
 * appended to with integer chunks merges into integers, exact past 2^53, through flush and
 * compaction; doubles with a fraction next to integers merge into doubles. */
START_TEST (merge_old_and_integer_chunks)
{
    vg_store_t *s = s_open (VG_STORE_RW);
    int64_t ts[3] = { 3000, 1000, 2000 };
    vg_num_t old[2] = { vg_num_f64 (1000), vg_num_f64 (2000) };
    s_merge_chunk (s, 5, ts + 1, old, VG_NUM_F64, 2);                    /* "old" store */
    vg_num_t big = vg_num_u64 ((UINT64_C (1) << 60) + 1);
    s_merge_chunk (s, 5, ts, &big, VG_NUM_U64, 1);                       /* new agent */
    ck_assert_int_eq (vg_store_flush (s), 0);
    ck_assert_int_eq (vg_store_compact (s, VG_CF_SAMPLES), 0);
    s_nums_t a = s_read_nums (s, 5);
    ck_assert_int_eq (a.n, 3);
    ck_assert_int_eq (a.type, VG_NUM_U64);
    ck_assert_uint_eq (a.v[0].u, 1000);
    ck_assert_uint_eq (a.v[1].u, 2000);
    ck_assert_uint_eq (a.v[2].u, (UINT64_C (1) << 60) + 1);

    vg_num_t frac[1] = { vg_num_f64 (0.5) };
    s_merge_chunk (s, 6, ts + 1, frac, VG_NUM_F64, 1);
    s_merge_chunk (s, 6, ts, &big, VG_NUM_U64, 1);
    ck_assert_int_eq (vg_store_compact (s, VG_CF_SAMPLES), 0);
    a = s_read_nums (s, 6);
    ck_assert_int_eq (a.type, VG_NUM_F64);
    ck_assert (a.v[0].f == 0.5 && a.v[1].f == 0x1p60);
    vg_store_destroy (&s);
}
END_TEST

typedef struct {
    size_t n;
    uint32_t first_n; /* samples in the first chunk */
    vg_numtype_t type;
    int64_t ts[64];
    vg_num_t v[64];
} s_many_t;

static int
s_many_acc (void *ctx, int64_t ts, vg_num_t v, vg_numtype_t type)
{
    s_many_t *a = ctx;
    ck_assert_uint_lt (a->n, 64);
    a->type = type;
    a->ts[a->n] = ts;
    a->v[a->n++] = v;
    return 0;
}

/* Key (bucket 9, series 43) read whole; its first chunk's codec in *codec. */
static s_many_t
s_read_many (vg_store_t *s, int *codec)
{
    uint8_t key[VG_SAMPLE_KEY_LEN];
    vg_key_sample (key, 9, 43);
    vg_buf_t v = VG_BUF_INIT;
    ck_assert_int_eq (vg_store_get (s, VG_CF_SAMPLES, key, sizeof key, &v), 0);
    s_many_t a = { 0 };
    uint32_t n;
    ck_assert_int_gt (vg_chunk_header (v.data, v.len, codec, &n), 0);
    ck_assert_int_eq (vg_sample_value_scan_num (v.data, v.len, INT64_MIN, INT64_MAX, s_many_acc, &a), 0);
    a.first_n = n;
    vg_buf_free (&v);
    return a;
}

/* A store written by the version that introduced version 3 chunks: a key sealed as a
 * codec 7 chunk (frozen bytes, a counter wrapping past 2^64 - 1), appended to by a newer
 * collector with a wire (version 2) chunk, reads back exactly before compaction, and
 * after compaction and a reopen, when the merge operator has re-sealed it as one chunk. */
START_TEST (old_v3_key_reads_and_reseals)
{
    enum { N = VG_FROZEN_V3_N, M = 3 };
    int64_t ts[N + M];
    vg_num_t want[N + M];
    vg_frozen_v3_samples (ts, want);
    for (int i = N; i < N + M; i++) {
        ts[i] = ts[i - 1] + 60000;
        want[i].u = want[i - 1].u + 77;
    }
    vg_store_t *s = s_open (VG_STORE_RW);
    uint8_t key[VG_SAMPLE_KEY_LEN];
    vg_key_sample (key, 9, 43);
    vg_store_txn_t *txn = vg_store_txn_new (s);
    vg_store_txn_merge (txn, VG_CF_SAMPLES, key, sizeof key, vg_frozen_v3_counter, sizeof vg_frozen_v3_counter);
    ck_assert_int_eq (vg_store_commit (s, txn, NULL, 0), 0);
    ck_assert_int_eq (vg_store_flush (s), 0);
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode_num (ts + N, want + N, VG_NUM_U64, M, &b), 0);
    ck_assert_int_eq (b.data[0], VG_CHUNK_INTEGER2);
    vg_store_txn_clear (txn);
    vg_store_txn_merge (txn, VG_CF_SAMPLES, key, sizeof key, b.data, b.len);
    ck_assert_int_eq (vg_store_commit (s, txn, NULL, 0), 0);
    vg_store_txn_destroy (&txn);
    vg_buf_free (&b);
    for (int round = 0; round < 2; round++) {
        int codec;
        s_many_t a = s_read_many (s, &codec);
        ck_assert_uint_eq (a.n, N + M);
        ck_assert_int_eq (a.type, VG_NUM_U64);
        ck_assert (memcmp (a.ts, ts, sizeof ts) == 0 && memcmp (a.v, want, sizeof want) == 0);
        ck_assert_int_eq (codec, VG_CHUNK_INTEGER3);
        if (round == 1)
            ck_assert_uint_eq (a.first_n, N + M); /* re-sealed as one chunk */
        if (round == 0) {
            ck_assert_int_eq (vg_store_flush (s), 0);
            ck_assert_int_eq (vg_store_compact (s, VG_CF_SAMPLES), 0);
            vg_store_destroy (&s);
            s = s_open (VG_STORE_READONLY);
        }
    }
    vg_store_destroy (&s);
}
END_TEST

/* A view keeps seeing the store as it was while the writer goes on.  A secondary (the
 * CLI's way to read beside a running collector) only moves at vg_store_catch_up, so a
 * reader that does not catch up keeps one state too, even when the primary compacts the
 * files it read away. */
START_TEST (view_is_a_snapshot)
{
    vg_store_t *w = s_open (VG_STORE_RW);
    int64_t ts[3] = { 1000, 2000, 3000 };
    vg_num_t v[3] = { vg_num_u64 (1), vg_num_u64 (2), vg_num_u64 (3) };
    s_merge_chunk (w, 5, ts, v, VG_NUM_U64, 1);
    vg_store_view_t *view = vg_store_view_new (w);
    ck_assert_ptr_nonnull (view);
    s_merge_chunk (w, 5, ts + 1, v + 1, VG_NUM_U64, 1);
    ck_assert_int_eq (vg_store_flush (w), 0);
    uint8_t key[VG_SAMPLE_KEY_LEN];
    vg_key_sample (key, 5, 43);
    vg_buf_t now = VG_BUF_INIT, then = VG_BUF_INIT;
    ck_assert_int_eq (vg_store_get (w, VG_CF_SAMPLES, key, sizeof key, &now), 0);
    ck_assert_int_eq (vg_store_view_get (view, VG_CF_SAMPLES, key, sizeof key, &then), 0);
    ck_assert_int_eq (vg_sample_value_count (now.data, now.len), 2);
    ck_assert_int_eq (vg_sample_value_count (then.data, then.len), 1);
    vg_store_view_destroy (&view);
    vg_store_view_destroy (&view); /* NULL-safe */

    vg_store_t *r = s_open (VG_STORE_SECONDARY);
    view = vg_store_view_new (r);
    ck_assert_ptr_nonnull (view);
    s_merge_chunk (w, 5, ts + 2, v + 2, VG_NUM_U64, 1);
    ck_assert_int_eq (vg_store_flush (w), 0);
    ck_assert_int_eq (vg_store_compact (w, VG_CF_SAMPLES), 0);
    ck_assert_int_eq (vg_store_view_get (view, VG_CF_SAMPLES, key, sizeof key, &then), 0);
    ck_assert_int_eq (vg_sample_value_count (then.data, then.len), 2);
    vg_buf_free (&now);
    vg_buf_free (&then);
    vg_store_view_destroy (&view);
    vg_store_destroy (&r);
    vg_store_destroy (&w);
}
END_TEST

/* A txn coalesces the chunks merged into one samples key (a group commit holds one per
 * series per batch): one pending operation per key, every sample stored, arrival order kept
 * (of equal timestamps the first arrived is the one kept), and a put to a samples key in
 * between keeps its place. */
START_TEST (txn_coalesces_sample_merges)
{
    vg_store_t *s = s_open (VG_STORE_RW);
    vg_store_txn_t *t = vg_store_txn_new (s);
    uint8_t key[3][VG_SAMPLE_KEY_LEN];
    for (int k = 0; k < 3; k++)
        vg_key_sample (key[k], 9, 100 + (uint64_t) k);
    for (int b = 0; b < 5; b++) /* five "batches", each with a chunk for every key */
        for (int k = 0; k < 3; k++) {
            int64_t ts[2] = { 1000 * (5 - b), 100000 }; /* later batches carry older samples */
            double v[2] = { k * 10 + b, b };            /* ts 100000: arrival order = b */
            vg_buf_t c = VG_BUF_INIT;
            ck_assert_int_eq (vg_chunk_encode (ts, v, 2, &c), 0);
            vg_store_txn_merge (t, VG_CF_SAMPLES, key[k], sizeof key[k], c.data, c.len);
            vg_buf_free (&c);
        }
    ck_assert_uint_eq (vg_store_txn_count (t), 3);
    ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
    vg_store_txn_clear (t);
    ck_assert_uint_eq (vg_store_txn_count (t), 0);
    for (int k = 0; k < 3; k++) {
        vg_buf_t v = VG_BUF_INIT;
        ck_assert_int_eq (vg_store_get (s, VG_CF_SAMPLES, key[k], sizeof key[k], &v), 0);
        int64_t ts[16];
        double val[16];
        vg_buf_t one = VG_BUF_INIT;
        ck_assert_int_eq (vg_sample_merge_value (v.data, v.len, &one), 6);
        size_t got = 0, used = 0;
        ck_assert_int_eq (vg_chunk_decode (one.data, one.len, ts, val, 16, &got, &used), 0);
        ck_assert_uint_eq (got, 6);
        for (int i = 0; i < 5; i++) {
            ck_assert_int_eq (ts[i], 1000 * (i + 1));
            ck_assert_double_eq (val[i], k * 10 + (4 - i));
        }
        ck_assert_int_eq (ts[5], 100000);
        ck_assert_double_eq (val[5], 0); /* equal timestamps: the first arrived */
        vg_buf_free (&v);
        vg_buf_free (&one);
    }
    /* A put to a key with pending merges: the merges land before it, later ones after. */
    vg_buf_t c[3] = { VG_BUF_INIT, VG_BUF_INIT, VG_BUF_INIT };
    for (int i = 0; i < 3; i++) { /* timestamps 400, 500, 600 */
        int64_t ts1 = 400 + 100 * i;
        double v1 = 1;
        ck_assert_int_eq (vg_chunk_encode (&ts1, &v1, 1, &c[i]), 0);
    }
    vg_store_txn_merge (t, VG_CF_SAMPLES, key[0], sizeof key[0], c[0].data, c[0].len);
    vg_store_txn_put (t, VG_CF_SAMPLES, key[0], sizeof key[0], c[1].data, c[1].len);
    vg_store_txn_merge (t, VG_CF_SAMPLES, key[0], sizeof key[0], c[2].data, c[2].len);
    ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
    vg_buf_t v = VG_BUF_INIT;
    ck_assert_int_eq (vg_store_get (s, VG_CF_SAMPLES, key[0], sizeof key[0], &v), 0);
    ck_assert_int_eq (vg_sample_value_count (v.data, v.len), 2); /* the put, then one merge */
    vg_buf_free (&v);
    for (int i = 0; i < 3; i++)
        vg_buf_free (&c[i]);
    vg_store_txn_destroy (&t);
    vg_store_destroy (&s);
}
END_TEST

/* A long run of decimal values with one value that is not (a whole day of a gauge with one
 * odd sample) is sealed in pieces, each with its own codec, when that is smaller than one
 * Gorilla chunk; every sample comes back exact and in order. */
typedef struct {
    const double *want;
    int64_t next_ts;
    int n;
} s_scan_t;

static int
s_scan_check (void *ctx, int64_t ts, double v)
{
    s_scan_t *c = ctx;
    ck_assert_int_eq (ts, c->next_ts);
    ck_assert (memcmp (&v, &c->want[c->n], sizeof v) == 0);
    c->next_ts += 60000;
    c->n++;
    return 0;
}

START_TEST (merge_splits_gorilla_runs)
{
    enum { N = 1440 };
    static int64_t ts[N];
    static double v[N];
    for (int i = 0; i < N; i++) {
        ts[i] = INT64_C (1793404800000) + (int64_t) i * 60000;
        v[i] = (double) ((i * 7919) % 2001 - 1000) / 1000.0; /* 3 decimals */
    }
    v[700] = 1.0 / 3.0;
    vg_buf_t ops = VG_BUF_INIT, one = VG_BUF_INIT, merged = VG_BUF_INIT;
    for (int off = 0; off < N; off += 6) /* agent-sized operands */
        ck_assert_int_eq (vg_chunk_encode (ts + off, v + off, 6, &ops), 0);
    ck_assert_int_eq (vg_chunk_encode (ts, v, N, &one), 0);
    ck_assert_int_eq (one.data[0], VG_CHUNK_GORILLA);
    ck_assert_int_eq (vg_sample_merge_value (ops.data, ops.len, &merged), N);
    ck_assert_msg (merged.len < one.len * 3 / 4, "%zu bytes in pieces, %zu as one chunk", merged.len, one.len);
    ck_assert_int_eq (merged.data[0], VG_CHUNK_DECIMAL3);
    s_scan_t c = { v, ts[0], 0 };
    ck_assert_int_eq (vg_sample_value_scan (merged.data, merged.len, INT64_MIN, INT64_MAX, s_scan_check, &c), 0);
    ck_assert_int_eq (c.n, N);
    /* merging the pieces again gives the same bytes */
    vg_buf_t again = VG_BUF_INIT;
    ck_assert_int_eq (vg_sample_merge_value (merged.data, merged.len, &again), N);
    ck_assert_uint_eq (again.len, merged.len);
    ck_assert (memcmp (again.data, merged.data, again.len) == 0);
    vg_buf_free (&again);
    vg_buf_free (&ops);
    vg_buf_free (&one);
    vg_buf_free (&merged);
}
END_TEST

typedef struct {
    int64_t ts[2048];
    double v[2048];
    size_t n;
} s_seq_t;

static int
s_seq_add (void *ctx, int64_t ts, double v)
{
    s_seq_t *q = ctx;
    ck_assert_uint_lt (q->n, 2048);
    q->ts[q->n] = ts;
    q->v[q->n++] = v;
    return 0;
}

/* vg_sample_value_append (bulk, with a fast path for one ordered chunk) gives exactly what
 * vg_sample_value_scan gives, appended after what out holds: one ordered chunk of doubles,
 * of integers past 2^53, one chunk out of time order, two chunks (the later one earlier),
 * an integer chunk then a double chunk (joined types), ranges cutting them, and a
 * truncated value (same error, nothing appended). */
START_TEST (append_equals_scan)
{
    int64_t ts[300];
    double v[300];
    vg_num_t num[300];
    for (int i = 0; i < 300; i++) {
        ts[i] = 1000000 + i * 1000;
        v[i] = i * 0.25 - 7;
        num[i] = vg_num_i64 ((INT64_C (1) << 60) + i * 3);
    }
    vg_buf_t vals[6];
    for (int i = 0; i < 6; i++)
        vals[i] = (vg_buf_t) VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode (ts, v, 300, &vals[0]), 0);
    ck_assert_int_eq (vg_chunk_encode_num (ts, num, VG_NUM_I64, 300, &vals[1]), 0);
    int64_t rts[300];
    for (int i = 0; i < 300; i++)
        rts[i] = ts[299 - i];
    ck_assert_int_eq (vg_chunk_encode (rts, v, 300, &vals[2]), 0);
    ck_assert_int_eq (vg_chunk_encode (ts + 150, v + 150, 150, &vals[3]), 0);
    ck_assert_int_eq (vg_chunk_encode (ts, v, 150, &vals[3]), 0);
    ck_assert_int_eq (vg_chunk_encode_num (ts, num, VG_NUM_I64, 100, &vals[4]), 0);
    ck_assert_int_eq (vg_chunk_encode (ts + 100, v + 100, 200, &vals[4]), 0);
    ck_assert_int_eq (vg_chunk_encode (ts, v, 300, &vals[5]), 0);
    vals[5].len -= 3; /* truncated */
    const int64_t ranges[][2] = { { INT64_MIN, INT64_MAX }, { 1050000, 1200500 }, { 5000000, 6000000 } };
    vg_samples_t out = VG_SAMPLES_INIT;
    for (int i = 0; i < 6; i++)
        for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
            static s_seq_t want;
            want.n = 0;
            int wrc = vg_sample_value_scan (vals[i].data, vals[i].len, ranges[r][0], ranges[r][1], s_seq_add, &want);
            ck_assert_int_eq (vg_samples_reserve (&out, 3), 0);
            for (size_t k = 0; k < 3; k++) {
                out.ts[k] = -1;
                out.v[k] = -1;
            }
            size_t used = 3;
            int rc = vg_sample_value_append (vals[i].data, vals[i].len, ranges[r][0], ranges[r][1], &out, &used);
            ck_assert_int_eq (rc, wrc);
            if (rc < 0) {
                ck_assert_uint_eq (used, 3);
                continue;
            }
            ck_assert_uint_eq (used, 3 + want.n);
            for (size_t k = 0; k < 3; k++)
                ck_assert (out.ts[k] == -1 && out.v[k] == -1);
            for (size_t k = 0; k < want.n; k++) {
                ck_assert_int_eq (out.ts[3 + k], want.ts[k]);
                ck_assert (memcmp (&out.v[3 + k], &want.v[k], sizeof (double)) == 0);
            }
        }
    ck_assert (vals[5].len > 0);
    vg_samples_free (&out);
    for (int i = 0; i < 6; i++)
        vg_buf_free (&vals[i]);
}
END_TEST

/* A sealed day (version 3) that gets late operands (version 2, from an agent) merges again
 * into one exact sequence: a uint64 counter wrapping past 2^64 - 1, a late sample in the
 * middle, a sample at 2^64 - 1; the result is version 3 and in time order. */
typedef struct {
    int64_t ts[1442];
    vg_num_t v[1442];
    size_t n;
} s_nums_scan_t;

static int
s_nums_collect (void *ctx, int64_t ts, vg_num_t v, vg_numtype_t type)
{
    s_nums_scan_t *c = ctx;
    ck_assert_int_eq (type, VG_NUM_U64);
    ck_assert_uint_lt (c->n, 1442);
    c->ts[c->n] = ts;
    c->v[c->n++] = v;
    return 0;
}

START_TEST (merge_late_into_sealed)
{
    enum { N = 1440 };
    static int64_t ts[N];
    static vg_num_t v[N];
    uint64_t c = UINT64_MAX - 700 * 5000;
    for (int i = 0; i < N; i++) {
        ts[i] = INT64_C (1793404800000) + (int64_t) i * 60000;
        c += 5000 + (uint64_t) ((i * 7919) % 997);
        v[i].u = c;
    }
    vg_buf_t ops = VG_BUF_INIT, sealed = VG_BUF_INIT, merged = VG_BUF_INIT;
    for (int off = 0; off < N; off += 6)
        ck_assert_int_eq (vg_chunk_encode_num (ts + off, v + off, VG_NUM_U64, 6, &ops), 0);
    ck_assert_int_eq (vg_sample_merge_value (ops.data, ops.len, &sealed), N);
    ck_assert_int_eq (sealed.data[0], VG_CHUNK_INTEGER3);
    int64_t late_ts[2] = { ts[100] + 30000, ts[N - 1] + 60000 };
    vg_num_t late_v[2] = { vg_num_u64 (v[100].u + 1), vg_num_u64 (UINT64_MAX) };
    ck_assert_int_eq (vg_chunk_encode_num (late_ts, late_v, VG_NUM_U64, 2, &sealed), 0);
    ck_assert_int_eq (vg_sample_merge_value (sealed.data, sealed.len, &merged), N + 2);
    ck_assert_int_eq (merged.data[0], VG_CHUNK_INTEGER3);
    static s_nums_scan_t got;
    got.n = 0;
    ck_assert_int_eq (vg_sample_value_scan_num (merged.data, merged.len, INT64_MIN, INT64_MAX, s_nums_collect, &got),
                      0);
    ck_assert_uint_eq (got.n, N + 2);
    for (size_t i = 0, j = 0; i < got.n; i++) {
        int64_t want_ts = i == 101 ? late_ts[0] : i == N + 1 ? late_ts[1] : ts[j];
        uint64_t want_v = i == 101 ? late_v[0].u : i == N + 1 ? late_v[1].u : v[j].u;
        if (i != 101 && i != N + 1)
            j++;
        ck_assert_int_eq (got.ts[i], want_ts);
        ck_assert_uint_eq (got.v[i].u, want_v);
    }
    vg_buf_free (&ops);
    vg_buf_free (&sealed);
    vg_buf_free (&merged);
}
END_TEST

Suite *
vg_store_suite (void)
{
    const TTest *tests[] = {
        merge_keeps_every_sample, unflushed_commits_survive_reopen, format_marker_checked,
        merge_old_and_integer_chunks, old_v3_key_reads_and_reseals, view_is_a_snapshot, txn_coalesces_sample_merges,
        merge_splits_gorilla_runs, append_equals_scan, merge_late_into_sealed,
    };
    return vg_test_suite ("store", "store", tests, sizeof tests / sizeof tests[0], 120, setup, teardown);
}
