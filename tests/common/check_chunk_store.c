/* check_chunk_store.c - the storage encoder (vg_chunk_encode_store, version 3 chunks): exact
 * round trips at the edges of every value type (0, 2^64 - 1, wraps, INT64_MIN/MAX, NaN,
 * constants, irregular cadence), every prediction mode across block boundaries, the common
 * factor, sizes against version 2, frozen bytes, and truncated or corrupted input. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/chunk.h"
#include "common/err.h"
#include "tests/common/fixture_chunk.h"
#include "tests/support/chunk_frozen.h"
#include "tests/support/rng.h"
#include "tests/support/suite.h"

/* Encode with the storage encoder, decode through both APIs and compare bit for bit.
 * want_codec 0: any.  Returns the chunk size. */
static size_t
s_store_rt (const int64_t *ts, const vg_num_t *v, vg_numtype_t type, size_t n, int want_codec)
{
    return fx_chunk_rt_num (vg_chunk_encode_store, ts, v, type, n, want_codec);
}

/* The storage chunk of ts[0..n), v[0..n) round-trips (as want_codec) and takes at least
 * saved_x100 / 100 bits a sample less than the wire encoder's chunk (version 2) of the same
 * samples. */
static void
s_store_saves (const int64_t *ts, const vg_num_t *v, vg_numtype_t type, size_t n, int want_codec, size_t saved_x100)
{
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode_num (ts, v, type, n, &b), 0);
    size_t wire = b.len;
    vg_buf_free (&b);
    size_t store = s_store_rt (ts, v, type, n, want_codec);
    ck_assert_msg (store * 800 + saved_x100 * n < wire * 800, "%zu samples: %zu bytes stored, %zu on the wire",
                   n, store, wire);
}

START_TEST (store_int_edges)
{
    enum { N = 300 };
    static int64_t ts[N];
    static vg_num_t v[N];
    uint64_t rs = 31;
    for (size_t i = 0; i < N; i++) /* irregular cadence, one step back */
        ts[i] = FX_T0_MS + (int64_t) i * 1000 + (int64_t) (rng_splitmix (&rs) % 7) - (i == 150 ? 5000 : 0);
    static const uint64_t edge[] = { 0, UINT64_MAX, (UINT64_C (1) << 63), 1, UINT64_MAX - 1, (UINT64_C (1) << 63) - 1,
                                     (UINT64_C (1) << 53) + 1, 0 };
    for (size_t i = 0; i < N; i++)
        v[i].u = i < 8 ? edge[i] : rng_splitmix (&rs) >> (rng_splitmix (&rs) % 64);
    s_store_rt (ts, v, VG_NUM_U64, N, VG_CHUNK_INTEGER3);
    static const int64_t sedge[] = { INT64_MIN, INT64_MAX, -1, 0, INT64_MIN + 1, 1, INT64_MAX - 1, INT64_MIN };
    for (size_t i = 0; i < N; i++)
        v[i].i = i < 8 ? sedge[i] : (int64_t) rng_splitmix (&rs);
    s_store_rt (ts, v, VG_NUM_I64, N, VG_CHUNK_INTEGER3);
    /* a counter wrapping past 2^64 - 1 at a steady rate, then a reset */
    uint64_t c = UINT64_MAX - 100 * 1000;
    for (size_t i = 0; i < N; i++) {
        c = i == 250 ? 0 : c + 1000 + rng_splitmix (&rs) % 50;
        v[i].u = c;
    }
    s_store_rt (ts, v, VG_NUM_U64, N, VG_CHUNK_INTEGER3);
    /* 1, 2 and 3 samples; constants at both ends of the range */
    for (size_t n = 1; n <= 3; n++) {
        for (size_t i = 0; i < n; i++)
            v[i].u = i == 1 ? UINT64_MAX : 0;
        s_store_rt (ts, v, VG_NUM_U64, n, VG_CHUNK_INTEGER3);
    }
    for (size_t i = 0; i < N; i++)
        v[i].u = UINT64_MAX;
    fx_regular (ts, N, 60000);
    ck_assert_uint_le (s_store_rt (ts, v, VG_NUM_U64, N, VG_CHUNK_INTEGER3), 24);
}
END_TEST

START_TEST (store_doubles)
{
    enum { N = 400 };
    static int64_t ts[N];
    static vg_num_t v[N];
    fx_regular (ts, N, 60000);
    rng_t r = { 17 };
    /* decimal with two digits, negative and positive */
    for (size_t i = 0; i < N; i++)
        v[i].f = nearbyint ((-3.5 + 0.2 * rng_n (&r)) * 100) / 100;
    s_store_rt (ts, v, VG_NUM_F64, N, VG_CHUNK_DECIMAL3);
    /* NaN, infinities, -0.0 and subnormals: Gorilla, bit for bit */
    for (size_t i = 0; i < N; i++)
        v[i].f = 1.5 * (double) i;
    v[3].f = NAN;
    v[4].f = INFINITY;
    v[5].f = -0.0;
    v[6].f = 4.9e-324;
    v[7].u = UINT64_C (0x7ff8dead00000001); /* a NaN payload */
    s_store_rt (ts, v, VG_NUM_F64, N, VG_CHUNK_GORILLA);
    /* a constant decimal costs its header and first value */
    for (size_t i = 0; i < N; i++)
        v[i].f = 42.5;
    ck_assert_uint_le (s_store_rt (ts, v, VG_NUM_F64, N, VG_CHUNK_DECIMAL3), 16);
    /* decimals near the 2^53 mantissa limit */
    for (size_t i = 0; i < N; i++)
        v[i].f = 9007199254740990.0 - (double) (i % 5) * 3;
    s_store_rt (ts, v, VG_NUM_F64, N, VG_CHUNK_DECIMAL3);
}
END_TEST

/* Flat, noisy rate, steady ramp, level with noise, random walk: every block length and
 * every mode, across block boundaries, for chunk lengths around the block size. */
START_TEST (store_modes)
{
    enum { N = 6 * 128 + 9 };
    static int64_t ts[N];
    static vg_num_t v[N];
    fx_regular (ts, N, 15000);
    rng_t r = { 5 };
    int64_t c = 1000000, lvl = 0;
    for (size_t i = 0; i < N; i++) {
        switch ((i / 128) % 6) {
        case 0: break;
        case 1: c += 50000 + (int64_t) (3000 * rng_n (&r)); break;
        case 2: c += 777; break;
        case 3: lvl = 400000 + (int64_t) (200 * rng_n (&r)); break;
        case 4: c += (int64_t) (5000 * rng_n (&r)); break;
        default: c = -c; break;
        }
        v[i].i = c + lvl;
    }
    for (size_t n = 1; n <= N; n += n < 140 ? 1 : 97)
        s_store_rt (ts, v, VG_NUM_I64, n, VG_CHUNK_INTEGER3);
    s_store_rt (ts, v, VG_NUM_I64, N, VG_CHUNK_INTEGER3);
    static vg_num_t d[N];
    for (size_t i = 0; i < N; i++)
        d[i].f = (double) v[i].i / 1000;
    s_store_rt (ts, d, VG_NUM_F64, N, VG_CHUNK_DECIMAL3);
}
END_TEST

/* Values in steps of a unit (memory in pages of 4096 bytes): the factor takes the unit off;
 * the largest factors (2^63, a difference of INT64_MIN) round-trip. */
START_TEST (store_common_factor)
{
    enum { N = 1440 };
    static int64_t ts[N];
    static vg_num_t v[N];
    fx_regular (ts, N, 60000);
    rng_t r = { 9 };
    for (size_t i = 0; i < N; i++)
        v[i].u = 4096 * (UINT64_C (1500000) + (uint64_t) (int64_t) (2500 * rng_n (&r)));
    s_store_saves (ts, v, VG_NUM_U64, N, VG_CHUNK_INTEGER3, 1100); /* 11 bits a sample */
    for (size_t i = 0; i < N; i++)
        v[i].u = (UINT64_MAX - 7) + (i % 3 == 1 ? (UINT64_C (1) << 63) : 0); /* factor 2^63 */
    s_store_rt (ts, v, VG_NUM_U64, N, VG_CHUNK_INTEGER3);
    for (size_t i = 0; i < N; i++)
        v[i].i = i % 2 ? INT64_MIN : INT64_MAX - 2 * (int64_t) (i % 5); /* factor 1 after i = 3 */
    s_store_rt (ts, v, VG_NUM_I64, N, VG_CHUNK_INTEGER3);
    for (size_t i = 0; i < N; i++)
        v[i].f = 0.25 * (double) (i % 7) - 12.5; /* decimal m in steps of 25 */
    s_store_rt (ts, v, VG_NUM_F64, N, VG_CHUNK_DECIMAL3);
}
END_TEST

/* A counter of random increments (7 %) around a daily rate and a gauge around a level: the
 * prediction modes save at least 0.3 bits a sample against version 2 (delta-of-delta / delta). */
START_TEST (store_prediction_size)
{
    enum { N = 1440 };
    static int64_t ts[N];
    static vg_num_t v[N];
    fx_regular (ts, N, 60000);
    rng_t r = { 21 };
    uint64_t c = UINT64_C (1) << 40;
    for (size_t i = 0; i < N; i++) {
        c += (uint64_t) (2e6 * (1 + 0.3 * sin ((double) i * 2 * M_PI / N)) + 1.4e5 * rng_n (&r)); /* a day */
        v[i].u = c;
    }
    s_store_saves (ts, v, VG_NUM_U64, N, VG_CHUNK_INTEGER3, 30);
    for (size_t i = 0; i < N; i++)
        v[i].f = nearbyint (600 + 100 * sin ((double) i / 300) + 40 * rng_n (&r)) / 10;
    s_store_saves (ts, v, VG_NUM_F64, N, VG_CHUNK_DECIMAL3, 30);
}
END_TEST

/* Error and discard counters: long runs of equal values with a rare step (sparse blocks),
 * steps of 1 and of 2^63, a block that ends on a step and one that ends on a run; smaller
 * than the version 2 chunk's bit a sample.  A sparse run past its block is refused. */
START_TEST (store_sparse)
{
    enum { N = 5 * 128 + 1 };
    static int64_t ts[N];
    static vg_num_t v[N];
    fx_regular (ts, N, 60000);
    uint64_t rs = 12, c = UINT64_MAX - 3;
    for (size_t i = 0; i < N; i++) {
        uint64_t x = rng_splitmix (&rs);
        if (i == 128 || i == 256 || x % 23 == 0)
            c += i == 300 ? (UINT64_C (1) << 63) : 1 + (x >> 60);
        v[i].u = c;
    }
    s_store_saves (ts, v, VG_NUM_U64, N, VG_CHUNK_INTEGER3, 25);
    for (size_t n = 2; n <= N; n += 37)
        s_store_rt (ts, v, VG_NUM_U64, n, VG_CHUNK_INTEGER3);
    /* a hand-made chunk: 3 samples at 0, 1, 2 ms, uint64, first value 0, one sparse block
     * (mode 0, k 62, a 0, b 0) whose first run (3: "1110") passes the block's 2 inputs */
    static const uint8_t bad[] = { 0x07, 0x03, 0x00, 0x02, 0x80, 0x07, 0xc0, 0x0e };
    int64_t ts2[3];
    vg_num_t v2[3];
    size_t got, used;
    vg_numtype_t t;
    ck_assert_int_eq (vg_chunk_decode_num (bad, sizeof bad, ts2, v2, 3, &got, &used, &t), -VG_EPROTO);
    /* the same with a run of 1 ("10") and then the input 1 (b 0: "0"): 0, 0, 2^64 - 1 */
    static const uint8_t good[] = { 0x07, 0x03, 0x00, 0x02, 0x80, 0x07, 0xc0, 0x08 };
    ck_assert_int_eq (vg_chunk_decode_num (good, sizeof good, ts2, v2, 3, &got, &used, &t), 0);
    ck_assert (got == 3 && used == sizeof good && t == VG_NUM_U64);
    ck_assert (ts2[0] == 0 && ts2[1] == 1 && ts2[2] == 2);
    ck_assert (v2[0].u == 0 && v2[1].u == 0 && v2[2].u == UINT64_MAX);
}
END_TEST

/* Every prefix of a version 3 chunk fails cleanly; every single-bit flip decodes within
 * bounds or fails cleanly (through both APIs; ASan sees the copies' ends). */
START_TEST (store_hostile)
{
    enum { N = 300 };
    static int64_t ts[N];
    static vg_num_t v[N];
    fx_regular (ts, N, 60000);
    rng_t r = { 3 };
    for (size_t i = 0; i < N; i++)
        v[i].u = 4096 * (UINT64_C (1000) + (uint64_t) (i * 7) + (uint64_t) (50 + 10 * rng_n (&r)));
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode_store (ts, v, VG_NUM_U64, N, &b), 0);
    fx_chunk_prefixes_fail (b.data, b.len, N);
    for (size_t bit = 0; bit < b.len * 8; bit++) {
        b.data[bit / 8] ^= (uint8_t) (0x80 >> (bit % 8));
        fx_chunk_bounded (b.data, b.len, N);
        b.data[bit / 8] ^= (uint8_t) (0x80 >> (bit % 8));
    }
    vg_buf_free (&b);
}
END_TEST

/* The frozen chunk p[0..len) decodes to n samples ts[], want[] of type `type`. */
static void
s_frozen (const uint8_t *p, size_t len, const int64_t *ts, const vg_num_t *want, size_t n, vg_numtype_t type)
{
    int64_t ts2[300];
    vg_num_t v2[300];
    size_t got, used;
    vg_numtype_t t;
    ck_assert_uint_le (n, 300);
    ck_assert_int_eq (vg_chunk_decode_num (p, len, ts2, v2, n, &got, &used, &t), 0);
    ck_assert (got == n && used == len && t == type);
    ck_assert (memcmp (ts, ts2, n * sizeof *ts) == 0 && memcmp (want, v2, n * sizeof *want) == 0);
}

/* Version 3 chunks as this version's encoder wrote them (a wrapping uint64 counter with an
 * irregular timestamp; doubles in steps of 4096) decode to the same values in later
 * versions. */
START_TEST (store_v3_frozen)
{
    static const uint8_t pages[] = {
        0x06, 0x28, 0x90, 0xc8, 0xed, 0xc7, 0xd9, 0x66, 0xc0, 0xa9, 0x07, 0x00, 0x00, 0x19, 0xf4, 0xdf, 0x3e, 0x7d,
        0x00, 0x00, 0x00, 0x2f, 0xf4, 0x00, 0x02, 0x64, 0x00, 0x00, 0xf9, 0x3b, 0xbf, 0x27, 0x77, 0xe4, 0xee, 0xfc,
        0x9d, 0xdd, 0xf9, 0x3b, 0xbf, 0x27, 0x77, 0xe4, 0xee, 0xfc, 0x9d, 0xdd, 0xf9, 0x3b, 0xbf, 0x20
    };
    enum { N = VG_FROZEN_V3_N };
    int64_t ts[N];
    vg_num_t a[N], b[N];
    vg_frozen_v3_samples (ts, a);
    ck_assert_int_eq (ts[0], FX_T0_MS);
    for (int i = 0; i < N; i++)
        b[i].f = (double) (4096LL * (1000 + (i * 13) % 17));
    s_frozen (vg_frozen_v3_counter, sizeof vg_frozen_v3_counter, ts, a, N, VG_NUM_U64);
    s_frozen (pages, sizeof pages, ts, b, N, VG_NUM_F64);
}
END_TEST

/* The same for chunks of three blocks (a later block repeats the mode and k of the one
 * before, or not): a wrapping counter whose rate halves half-way, and pages in steps. */
START_TEST (store_v3_frozen_blocks)
{
    static const uint8_t cnt[] = {
        0x07, 0xac, 0x02, 0x90, 0xc8, 0xed, 0xc7, 0xd9, 0x66, 0xc0, 0xa9, 0x07, 0x00, 0x00, 0x19, 0xf4,
        0xdf, 0x3e, 0x7d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x8b, 0x33, 0x40,
        0xff, 0x8f, 0x99, 0x8c, 0xa6, 0x32, 0x98, 0xca, 0x63, 0x29, 0x8c, 0xa6, 0x32, 0x98, 0xca, 0x63,
        0x29, 0x8c, 0xa6, 0x32, 0x98, 0xca, 0x63, 0x29, 0x8c, 0xa6, 0x32, 0x98, 0xca, 0x63, 0x29, 0x8c,
        0xa6, 0x32, 0x98, 0xca, 0x63, 0x29, 0x8c, 0xa6, 0x32, 0x98, 0xca, 0x63, 0x29, 0x8c, 0xa6, 0x24,
        0x28, 0x98, 0x89, 0x89, 0x88, 0x98, 0x98, 0x89, 0x89, 0x88, 0x98, 0xff, 0x1b, 0xec, 0x44, 0xc4,
        0xc4, 0x4c, 0x4c, 0x44, 0xc4, 0xc4, 0x4c, 0x4c, 0x44, 0xc4, 0xc4, 0x4c, 0x4c, 0x44, 0xc4, 0xc4,
        0x4c, 0x4c, 0x44, 0xc4, 0xc4, 0x4c, 0x4c, 0x44, 0xc4, 0xc4, 0x4c, 0x4c, 0x44, 0xc4, 0xc4, 0x4c,
        0x4c, 0x44, 0xc4, 0xc4, 0x4c, 0x4c, 0x44, 0xc4, 0xc4, 0x4c, 0x4c, 0x44, 0xc4, 0xc4, 0x4c, 0x4c,
        0x44, 0xc4, 0xc2, 0x07, 0x19, 0x4c, 0x65, 0x31, 0x94, 0xc6, 0x53, 0x19, 0x4c, 0x65, 0x31, 0x94,
        0xc6, 0x53, 0x18
    };
    static const uint8_t pages[] = {
        0x06, 0xac, 0x02, 0x90, 0xc8, 0xed, 0xc7, 0xd9, 0x66, 0xc0, 0xa9, 0x07, 0x00, 0x00, 0x19, 0xf4,
        0xdf, 0x3e, 0x7d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff, 0x40, 0x00, 0x26, 0x40, 0x03, 0x03, 0x79, 0xbd,
        0x6d, 0x34, 0xd3, 0x4d, 0x34, 0xd3, 0x4d, 0x34, 0xd3, 0x4d, 0x34, 0xd3, 0x4d, 0x34, 0xd3, 0x4d,
        0x34, 0xd3, 0x4d, 0x34, 0xd3, 0x4d, 0x34, 0xd3, 0x4d, 0x34, 0xd3, 0x4d, 0x34, 0xd3, 0x4c, 0x01,
        0xbf, 0xe3, 0x66, 0x96, 0x4b, 0x25, 0x92, 0xc9, 0x64, 0xb2, 0x59, 0x2c, 0x96, 0x4b, 0x25, 0x92,
        0xc9, 0x64, 0xb2, 0x59, 0x2c, 0x96, 0x4b, 0x25, 0x92, 0xc9, 0x64, 0xb2, 0x59, 0x2c, 0x96, 0x4b,
        0x25, 0x92, 0xc9, 0x64, 0xb2, 0x59, 0x2c, 0x96, 0x4b, 0x25, 0x92, 0xc9, 0x64, 0xb2, 0x59, 0x2c,
        0x96, 0x4b, 0x32, 0xcf, 0xf1, 0xb3, 0x59, 0x2c, 0x96, 0x4b, 0x25, 0x92, 0xc9, 0x64, 0xb2, 0x59,
        0x2c, 0x96, 0x4b, 0x25, 0x90
    };
    enum { N = 300 };
    static int64_t ts[N];
    static vg_num_t a[N], b[N];
    uint64_t c = UINT64_MAX - 30000;
    fx_regular (ts, N, 60000);
    for (int i = 0; i < N; i++) {
        c += (i < 150 ? 100 : 40) + (uint64_t) ((i * 37) % 5);
        a[i].u = c;
        b[i].f = (double) (4096LL * (1000 + (i / 130) * 50 + (i * 13) % 3));
    }
    ts[20] += 250;
    s_frozen (cnt, sizeof cnt, ts, a, N, VG_NUM_U64);
    s_frozen (pages, sizeof pages, ts, b, N, VG_NUM_F64);
}
END_TEST

Suite *
vg_chunk_store_suite (void)
{
    const TTest *tests[] = {
        store_int_edges,       store_doubles,         store_modes,     store_common_factor,
        store_prediction_size, store_hostile,         store_v3_frozen, store_v3_frozen_blocks,
        store_sparse,
    };
    return vg_test_suite ("chunk_store", "chunk_store", tests, sizeof tests / sizeof tests[0], 60, NULL, NULL);
}
