/* check_chunk_int.c - integer chunks (vg_chunk_encode_num, uint64 / int64 values): exact
 * round trips at the edges of the range, their size for counters, version 2's blocks, and
 * version 1 chunks frozen from that encoder. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/chunk.h"
#include "common/err.h"
#include "tests/common/fixture_chunk.h"
#include "tests/support/rng.h"
#include "tests/support/suite.h"

START_TEST (int_extremes)
{
    enum { N = 300 };
    int64_t ts[N];
    vg_num_t v[N];
    uint64_t rs = 77;
    for (size_t i = 0; i < N; i++)
        ts[i] = FX_T0_MS + (int64_t) i * 1000 + (int64_t) (rng_splitmix (&rs) % 3);
    /* unsigned: 0, 2^53 + 1, 2^60 + 1, UINT64_MAX and neighbours, then random bit patterns */
    static const uint64_t edge[] = { 0, (UINT64_C (1) << 53) + 1, (UINT64_C (1) << 60) + 1, UINT64_MAX,
                                     UINT64_MAX - 1, 1, (UINT64_C (1) << 63), (UINT64_C (1) << 63) - 1 };
    for (size_t i = 0; i < N; i++)
        v[i].u = i < 8 ? edge[i] : rng_splitmix (&rs) >> (rng_splitmix (&rs) % 64);
    fx_chunk_rt_num (vg_chunk_encode_num, ts, v, VG_NUM_U64, N, VG_CHUNK_INTEGER2);
    /* signed: INT64_MIN / MAX next to each other (the widest possible deltas) */
    static const int64_t sedge[] = { INT64_MIN, INT64_MAX, -1, 0, INT64_MIN + 1, 1, INT64_MAX - 1, -(INT64_C (1) << 60) - 1 };
    for (size_t i = 0; i < N; i++)
        v[i].i = i < 8 ? sedge[i] : (int64_t) rng_splitmix (&rs);
    fx_chunk_rt_num (vg_chunk_encode_num, ts, v, VG_NUM_I64, N, VG_CHUNK_INTEGER2);
    /* one sample, and every single-value width */
    for (unsigned w = 0; w <= 64; w++) {
        vg_num_t one = { .u = w == 64 ? UINT64_MAX : (UINT64_C (1) << w) - (w ? 1 : 0) };
        fx_chunk_rt_num (vg_chunk_encode_num, ts, &one, VG_NUM_U64, 1, VG_CHUNK_INTEGER2);
        fx_chunk_rt_num (vg_chunk_encode_num, ts, &one, VG_NUM_I64, 1, VG_CHUNK_INTEGER2);
    }
}
END_TEST

START_TEST (int_counter_size)
{
    /* A 64-bit octet counter above 2^60 growing ~1 Gb/s with jitter: exact and small (the
     * decimal codec could not hold it at all). */
    enum { N = 3600 };
    int64_t *ts = malloc (N * sizeof *ts);
    vg_num_t *v = malloc (N * sizeof *v);
    ck_assert (ts && v);
    uint64_t rs = 5, c = (UINT64_C (1) << 60) + 1;
    fx_regular (ts, N, 1000);
    for (size_t i = 0; i < N; i++) {
        c += 125000000 + rng_splitmix (&rs) % 1000;
        v[i].u = c;
    }
    size_t len = fx_chunk_rt_num (vg_chunk_encode_num, ts, v, VG_NUM_U64, N, VG_CHUNK_INTEGER2);
    ck_assert_msg (len < N * 3, "%zu bytes for %d samples", len, N); /* ~12 bits per delta */
    /* a constant counter costs about two bits a sample (timestamp + value) */
    for (size_t i = 0; i < N; i++)
        v[i].u = UINT64_MAX;
    len = fx_chunk_rt_num (vg_chunk_encode_num, ts, v, VG_NUM_U64, N, VG_CHUNK_INTEGER2);
    ck_assert_msg (len < N / 4 + 32, "%zu bytes for a constant", len);
    free (ts);
    free (v);
}
END_TEST

/* Version 1 integer chunks (codec 3; bytes frozen from that encoder: a uint64 chunk at the
 * edges of the range and an int64 one down to INT64_MIN, one timestamp off the cadence)
 * decode exactly; today's encoder writes version 2 chunks of the same samples. */
START_TEST (old_integer_frozen)
{
    static const uint8_t u[] = { 0x03, 0x06, 0x90, 0xc8, 0xed, 0xc7, 0xd9, 0x66, 0x20, 0x7f, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xf8, 0x01, 0x38, 0x83, 0x0e, 0x5f, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xfc, 0xb0, 0xeb, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2e, 0x37,
                                 0xed, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x1d, 0x8d, 0x50 };
    static const uint8_t i[] = { 0x03, 0x06, 0x90, 0xc8, 0xed, 0xc7, 0xd9, 0x66, 0xc2, 0x4f, 0x80, 0x13, 0x88,
                                 0x30, 0xa1, 0x0e, 0x46, 0xd0, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0x60 };
    static const uint64_t want_u[6] = { UINT64_MAX, UINT64_MAX - 5, (UINT64_C (1) << 63) + 7, 9007199254740993u, 0, 42 };
    static const int64_t want_i[6] = { -5, -3, -1, 1, 3, INT64_MIN };
    const uint8_t *chunks[2] = { u, i };
    size_t lens[2] = { sizeof u, sizeof i };
    for (int k = 0; k < 2; k++) {
        int64_t ts[6];
        vg_num_t v[6], again[6];
        size_t n, used;
        vg_numtype_t t = VG_NUM_F64;
        ck_assert_int_eq (vg_chunk_decode_num (chunks[k], lens[k], ts, v, 6, &n, &used, &t), 0);
        ck_assert_uint_eq (n, 6);
        ck_assert_uint_eq (used, lens[k]);
        ck_assert_int_eq (t, k ? VG_NUM_I64 : VG_NUM_U64);
        for (int j = 0; j < 6; j++) {
            ck_assert (k ? v[j].i == want_i[j] : v[j].u == want_u[j]);
            ck_assert_int_eq (ts[j], FX_T0_MS + j * 10000 + (j == 3 ? 7 : 0));
        }
        vg_buf_t b = VG_BUF_INIT;
        ck_assert_int_eq (vg_chunk_encode_num (ts, v, t, 6, &b), 0);
        ck_assert_int_eq (b.data[0], VG_CHUNK_INTEGER2);
        vg_numtype_t t2;
        int64_t ts2[6];
        ck_assert_int_eq (vg_chunk_decode_num (b.data, b.len, ts2, again, 6, &n, &used, &t2), 0);
        ck_assert_int_eq (t2, t);
        ck_assert (memcmp (again, v, sizeof v) == 0 && memcmp (ts2, ts, sizeof ts) == 0);
        vg_buf_free (&b);
    }
}
END_TEST

/* Version 2 codes values in blocks, each with its own mode and Rice parameter: a series
 * that is flat, then noisy, then a steady ramp, then noisy again across block boundaries
 * round-trips, and its flat and ramp stretches cost almost nothing. */
START_TEST (v2_blocks)
{
    enum { N = 4 * 128 + 7 };
    static int64_t ts[N];
    static vg_num_t v[N];
    uint64_t rs = 99, c = (UINT64_C (1) << 62) + 3;
    fx_regular (ts, N, 60000);
    for (size_t i = 0; i < N; i++) {
        size_t part = i / 128;
        if (part == 1 || part == 3)
            c += rng_splitmix (&rs) % 100000; /* noisy increments: ~17 bits each */
        else if (part == 2)
            c += 12345; /* a steady rate: delta-of-delta zero */
        v[i].u = c;
    }
    size_t len = fx_chunk_rt_num (vg_chunk_encode_num, ts, v, VG_NUM_U64, N, VG_CHUNK_INTEGER2);
    /* two noisy blocks of ~18 bits a value; the rest a few bits in all */
    ck_assert_msg (len < 2 * 128 * 19 / 8 + 64, "%zu bytes", len);
    /* the same as doubles (decimal): same shape, exact */
    static double d[N];
    for (size_t i = 0; i < N; i++)
        d[i] = (double) (v[i].u >> 20);
    fx_chunk_rt_as (ts, d, N, VG_CHUNK_DECIMAL2);
}
END_TEST

Suite *
vg_chunk_int_suite (void)
{
    Suite *s = suite_create ("chunk_int");
    struct {
        const char *name;
        const TTest *test;
        int timeout;
    } cases[] = {
        { "int_extremes", int_extremes, 10 },
        { "int_counter_size", int_counter_size, 10 },
        { "old_integer_frozen", old_integer_frozen, 10 },
        { "v2_blocks", v2_blocks, 10 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        vg_test_tcase (s, cases[i].name, &cases[i].test, 1, cases[i].timeout, NULL, NULL);
    return s;
}
