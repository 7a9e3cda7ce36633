/* check_store_dedup.c - the samples store is idempotent per (series, timestamp): a batch
 * applied twice, fragments that overlap and a timestamp stored again with another value all
 * leave one sample per timestamp (the first written), before compaction (reads) and after
 * (the merge), and the merge counts what it dropped. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "common/chunk.h"
#include "common/err.h"
#include "common/samples.h"
#include "store/sample_merge.h"
#include "store/store.h"
#include "tests/support/store_fixture.h"
#include "tests/support/suite.h"
#include "tests/support/tmpdir.h"

static char s_dir[64];
static vg_store_t *s_store;
static const int64_t T0 = INT64_C (1793404800000);
/* The dup counters at the last s_assert_dups (reads in this process merge too, so tests
 * look at what one step added). */
static uint64_t s_same0, s_conf0;

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "dedup"));
    s_store = vg_test_store_open (s_dir, VG_STORE_RW);
    ck_assert_ptr_nonnull (s_store);
    s_same0 = s_conf0 = 0;
}

static void
teardown (void)
{
    vg_store_destroy (&s_store);
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

/* Commit one chunk of samples i in [from, to) (ts T0 + i s, value i * mul) to key (7, 42). */
static void
s_put (int from, int to, double mul)
{
    int64_t ts[512];
    double v[512];
    ck_assert_int_le (to - from, 512);
    for (int i = from; i < to; i++) {
        ts[i - from] = T0 + (int64_t) i * 1000;
        v[i - from] = i * mul;
    }
    vg_buf_t c = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode (ts, v, (size_t) (to - from), &c), 0);
    vg_store_txn_t *t = vg_store_txn_new (s_store);
    uint8_t key[VG_SAMPLE_KEY_LEN];
    vg_key_sample (key, 7, 42);
    vg_store_txn_merge (t, VG_CF_SAMPLES, key, sizeof key, c.data, c.len);
    ck_assert_int_eq (vg_store_commit (s_store, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
    vg_buf_free (&c);
}

/* Read key (7, 42) both ways readers do (scan and bulk append) and check it holds exactly
 * ts T0 + i s for i in [0, n), with value want(i) = i * (i < split ? 1 : mul_after). */
static void
s_expect (int n, int split, double mul_after)
{
    uint8_t key[VG_SAMPLE_KEY_LEN];
    vg_key_sample (key, 7, 42);
    vg_buf_t v = VG_BUF_INIT;
    ck_assert_int_eq (vg_store_get (s_store, VG_CF_SAMPLES, key, sizeof key, &v), 0);
    ck_assert_int_eq (vg_sample_value_count (v.data, v.len), n);
    vg_samples_t got = VG_SAMPLES_INIT;
    size_t used = 0;
    ck_assert_int_eq (vg_sample_value_append (v.data, v.len, INT64_MIN, INT64_MAX, &got, &used), 0);
    ck_assert_uint_eq (used, (size_t) n);
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq (got.ts[i], T0 + (int64_t) i * 1000);
        ck_assert_double_eq (got.v[i], i * (i < split ? 1.0 : mul_after));
    }
    vg_samples_free (&got);
    vg_buf_free (&v);
}

/* Seal the key (flush and a bottommost compaction: the merge operator's full merge). */
static void
s_seal (void)
{
    ck_assert_int_eq (vg_store_flush (s_store), 0);
    ck_assert_int_eq (vg_store_compact (s_store, VG_CF_SAMPLES), 0);
}

static void
s_assert_dups (uint64_t same, uint64_t conflicting)
{
    uint64_t s = 0, c = 0;
    vg_store_sample_dups (s_store, &s, &c);
    ck_assert_uint_eq (s - s_same0, same);
    ck_assert_uint_eq (c - s_conf0, conflicting);
    s_same0 = s;
    s_conf0 = c;
}

/* The same batch applied twice (an input that re-sends an interval under a new sequence
 * number): one copy, before and after compaction; the compaction counts 300 duplicates. */
START_TEST (same_batch_twice)
{
    s_put (0, 300, 1);
    s_put (0, 300, 1);
    s_seal ();
    s_assert_dups (300, 0);
    s_expect (300, 300, 1);
    /* Applied a third time over the sealed value: dropped again, read once. */
    s_put (0, 300, 1);
    s_expect (300, 300, 1);
    vg_store_destroy (&s_store);
    s_store = vg_test_store_open (s_dir, VG_STORE_READONLY);
    s_expect (300, 300, 1);
}
END_TEST

/* Fragments that overlap, one of them committed out of order and one after a flush: every
 * timestamp once, the counts those of the overlaps. */
START_TEST (overlapping_fragments)
{
    s_put (100, 250, 1);
    s_put (0, 150, 1);       /* 100..149 again */
    ck_assert_int_eq (vg_store_flush (s_store), 0);
    s_put (200, 400, 1);     /* 200..249 again */
    s_expect (400, 400, 1);  /* before compaction: readers drop them too */
    s_assert_dups (100, 0);  /* (that read merged in this process) */
    s_seal ();
    s_assert_dups (100, 0);
    s_expect (400, 400, 1);
    s_assert_dups (0, 0);    /* a sealed key holds none left */
}
END_TEST

/* A timestamp stored again with another value: the first write wins (before and after
 * compaction, whatever the order of the second write's timestamps), counted as conflicting. */
START_TEST (conflicting_value_first_wins)
{
    s_put (0, 100, 1);
    s_put (50, 150, 2);      /* 50..99 conflict (value 2i), 100..149 new (value 2i) */
    s_expect (150, 100, 2);
    s_assert_dups (0, 50);
    s_seal ();
    s_assert_dups (0, 50);
    s_expect (150, 100, 2);
    s_put (1, 11, 3);        /* conflicts with the sealed value: the sealed one stays */
    s_seal ();
    s_assert_dups (0, 10);
    s_expect (150, 100, 2);
}
END_TEST

/* vg_sample_merge_value_dups on raw bytes: a value holding one chunk twice merges to one
 * copy; a single chunk with a timestamp twice (one batch) keeps its first sample; the
 * first conflict is reported with both values. */
START_TEST (merge_value_counts)
{
    int64_t ts[4] = { T0, T0 + 1000, T0 + 1000, T0 + 2000 };
    double v[4] = { 1, 2, 5, 3 };
    vg_buf_t in = VG_BUF_INIT, out = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode (ts, v, 4, &in), 0);
    ck_assert_int_eq (vg_chunk_encode (ts, v, 4, &in), 0);
    vg_sample_dups_t d = { 0 };
    ck_assert_int_eq (vg_sample_merge_value_dups (in.data, in.len, &out, &d), 3);
    /* Kept: 1, 2, 3.  Dropped: the second copy's 1 and 3 and its 2 (same), both 5s
     * (conflicting with the 2 kept at T0 + 1000). */
    ck_assert_uint_eq (d.same, 3);
    ck_assert_uint_eq (d.conflicting, 2);
    ck_assert_int_eq (d.ts, T0 + 1000);
    ck_assert_double_eq (vg_num_to_double (d.kept, d.type), 2);
    ck_assert_double_eq (vg_num_to_double (d.dropped, d.type), 5);
    int64_t gts[4];
    double gv[4];
    size_t got = 0, used = 0;
    ck_assert_int_eq (vg_chunk_decode (out.data, out.len, gts, gv, 4, &got, &used), 0);
    ck_assert_uint_eq (got, 3);
    ck_assert_double_eq (gv[1], 2);
    /* The one-chunk read path gives the same three samples. */
    vg_buf_t one = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode (ts, v, 4, &one), 0);
    vg_samples_t s = VG_SAMPLES_INIT;
    size_t n = 0;
    ck_assert_int_eq (vg_sample_value_append (one.data, one.len, INT64_MIN, INT64_MAX, &s, &n), 0);
    ck_assert_uint_eq (n, 3);
    ck_assert_double_eq (s.v[1], 2);
    ck_assert_int_eq (vg_sample_value_count (one.data, one.len), 3);
    vg_samples_free (&s);
    vg_buf_free (&one);
    vg_buf_free (&in);
    vg_buf_free (&out);
}
END_TEST

Suite *
vg_store_dedup_suite (void)
{
    const TTest *tests[] = { same_batch_twice, overlapping_fragments, conflicting_value_first_wins,
                             merge_value_counts };
    return vg_test_suite ("store_dedup", "store_dedup", tests, sizeof tests / sizeof tests[0], 120, setup, teardown);
}
