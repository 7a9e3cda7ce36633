/* check_chunk.c - the sample chunk codec for doubles: exact round trips for every timestamp
 * and value shape (Gorilla and decimal), size bounds that catch a regression in compression,
 * and chunks frozen from earlier versions.  Integer chunks: check_chunk_int.c; truncated,
 * corrupted and random input: check_chunk_hostile.c; the storage encoder: check_chunk_store.c. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/chunk.h"
#include "common/err.h"
#include "tests/common/fixture_chunk.h"
#include "tests/support/rng.h"
#include "tests/support/suite.h"

START_TEST (ts_regular)
{
    enum { N = 4096 };
    static int64_t ts[N];
    static double v[N];
    uint64_t rs = 1;
    fx_regular (ts, N, 10000);
    for (int i = 0; i < N; i++)
        v[i] = (double) (rng_splitmix (&rs) % 1000) / 10.0;
    size_t full = fx_chunk_rt (ts, v, N, NULL);
    /* Values are uniform in 0..999 tenths: a delta zig-zags to at most 11 bits, 13 with
     * the reuse prefix; with 1 timestamp bit that is 14 bits/sample, plus the occasional
     * new-width header. */
    ck_assert_uint_le (full, (size_t) N * 15 / 8);

    /* Constant values isolate the timestamp cost: 1 ts bit + 1 value bit per sample. */
    for (int i = 0; i < N; i++)
        v[i] = 42.0;
    size_t only_ts = fx_chunk_rt (ts, v, N, NULL);
    ck_assert_uint_le (only_ts, (size_t) N * 2 / 8 + 32);
}
END_TEST

START_TEST (ts_irregular)
{
    enum { N = 3000 };
    static int64_t ts[N];
    static double v[N];
    uint64_t rs = 2;
    int64_t t = FX_T0_MS;
    for (int i = 0; i < N; i++) {
        /* jitter of +-50 ms, occasional gaps, occasional out-of-order and duplicates */
        uint64_t r = rng_splitmix (&rs);
        switch (r % 10) {
        case 0: t -= (int64_t) (r >> 8) % 100000; break;
        case 1: break;
        case 2: t += (int64_t) (r >> 8) % 86400000; break;
        default: t += 10000 + (int64_t) ((r >> 8) % 101) - 50; break;
        }
        ts[i] = t;
        v[i] = (double) i;
    }
    fx_chunk_rt (ts, v, N, NULL);
}
END_TEST

START_TEST (ts_extremes)
{
    int64_t ts[] = { INT64_MIN, INT64_MAX, 0,         INT64_MIN, INT64_MIN, -1,        1,
                     INT64_MAX, INT64_MAX, INT64_MIN, INT64_MAX / 2, INT64_MIN / 3, -7, 0 };
    double v[sizeof ts / sizeof ts[0]];
    size_t n = sizeof ts / sizeof ts[0];
    for (size_t i = 0; i < n; i++)
        v[i] = 1.5 * (double) i;
    fx_chunk_rt (ts, v, n, NULL);
    /* every prefix length, starting at each extreme */
    for (size_t k = 1; k <= n; k++)
        fx_chunk_rt (ts + (n - k), v + (n - k), k, NULL);

    /* random 64-bit timestamps: every delta class, every sign */
    enum { M = 2000 };
    static int64_t rts[M];
    static double rv[M];
    uint64_t rs = 3;
    for (int i = 0; i < M; i++) {
        uint64_t r = rng_splitmix (&rs);
        rts[i] = (int64_t) (r >> (rng_splitmix (&rs) % 64));
        rv[i] = 0;
    }
    fx_chunk_rt (rts, rv, M, NULL);
}
END_TEST

START_TEST (counter_resets)
{
    enum { N = 5000 };
    static int64_t ts[N];
    static double v[N];
    uint64_t rs = 4;
    double c = 123456789.0;
    fx_regular (ts, N, 30000);
    for (int i = 0; i < N; i++) {
        if (i % 1000 == 999)
            c = (double) (rng_splitmix (&rs) % 10); /* device reboot */
        else
            c += 250000.0 + (double) (rng_splitmix (&rs) % 2001);
        v[i] = c;
    }
    fx_chunk_rt_as (ts, v, N, VG_CHUNK_DECIMAL2);
}
END_TEST

START_TEST (size_counter_noise)
{
    /* Integer counter with a steady rate plus small noise (approximately Poisson(2500)
     * arrivals per 10 s: mean 2500, sd ~50): must stay within 2 bytes/sample. */
    enum { N = 10000 };
    static int64_t ts[N];
    static double v[N];
    uint64_t rs = 5;
    double c = 9876543210.0;
    fx_regular (ts, N, 10000);
    for (int i = 0; i < N; i++) {
        int noise = 0;
        for (int k = 0; k < 4; k++) /* sum of 4 uniforms: bell-shaped, sd ~ 50 */
            noise += (int) (rng_splitmix (&rs) % 174) - 86;
        c += 2500 + noise;
        v[i] = c;
    }
    size_t len = fx_chunk_rt_as (ts, v, N, VG_CHUNK_DECIMAL2);
    ck_assert_uint_le (len, (size_t) N * 2);
}
END_TEST

START_TEST (gauge_decimal)
{
    /* Optical power in dBm with 2 decimals, random walk. */
    enum { N = 2000 };
    static int64_t ts[N];
    static double v[N];
    uint64_t rs = 6;
    long m = -312; /* -3.12 dBm */
    for (int i = 0; i < N; i++) {
        ts[i] = FX_T0_MS + (int64_t) i * 5000 + (int64_t) (rng_splitmix (&rs) % 7);
        m += (long) (rng_splitmix (&rs) % 21) - 10;
        v[i] = (double) m / 100.0;
    }
    size_t len = fx_chunk_rt_as (ts, v, N, VG_CHUNK_DECIMAL2);
    /* a 2-decimal gauge with +-0.10 steps fits in ~1.5 bytes/sample; Gorilla would need
     * far more (the mantissa of x/100 is not short) */
    ck_assert_uint_le (len, (size_t) N * 2);

    /* percentages with one decimal, and values that need e = 9 */
    for (int i = 0; i < N; i++)
        v[i] = (double) (rng_splitmix (&rs) % 1001) / 10.0;
    fx_chunk_rt_as (ts, v, N, VG_CHUNK_DECIMAL2);
    for (int i = 0; i < N; i++)
        v[i] = (double) (int64_t) (rng_splitmix (&rs) % 4000000000u) / 1e9;
    fx_chunk_rt_as (ts, v, N, VG_CHUNK_DECIMAL2);

    /* 10 decimals is beyond the decimal codec: must fall back to Gorilla and round-trip */
    for (int i = 0; i < N; i++)
        v[i] = (double) (int64_t) (rng_splitmix (&rs) % 4000000000u) / 1e10 + 1e-10;
    fx_chunk_rt_as (ts, v, N, VG_CHUNK_GORILLA);
}
END_TEST

START_TEST (constant_series)
{
    enum { N = 10000 };
    static int64_t ts[N];
    static double v[N];
    double consts[] = { 0.0, 7.0, 99.5, 0.1, -273.15, 1e300, NAN };
    for (size_t c = 0; c < sizeof consts / sizeof consts[0]; c++) {
        fx_regular (ts, N, 1000);
        for (int i = 0; i < N; i++)
            v[i] = consts[c];
        size_t len = fx_chunk_rt (ts, v, N, NULL);
        ck_assert_msg (len <= (size_t) (0.3 * N), "constant %g: %zu bytes for %d samples",
                       consts[c], len, N);
    }
}
END_TEST

START_TEST (special_values)
{
    double v[] = { fx_bits_to_double (UINT64_C (0x7ff8000000000001)), /* quiet NaN, payload */
                   fx_bits_to_double (UINT64_C (0x7ff0000000000001)), /* signalling NaN */
                   fx_bits_to_double (UINT64_C (0xfff8dead0000beef)), /* negative NaN */
                   INFINITY, -INFINITY, -0.0, 0.0, -0.0, DBL_MIN, DBL_MIN / 4.0 /* subnormal */,
                   fx_bits_to_double (1), /* smallest subnormal */
                   -fx_bits_to_double (UINT64_C (0x000fffffffffffff)), DBL_MAX, -DBL_MAX,
                   DBL_EPSILON, 1.0, 1.0, NAN, -0.0 };
    size_t n = sizeof v / sizeof v[0];
    int64_t ts[sizeof v / sizeof v[0]];
    for (size_t i = 0; i < n; i++)
        ts[i] = (int64_t) i * 1000;
    fx_chunk_rt_as (ts, v, n, VG_CHUNK_GORILLA);

    /* -0.0 in an otherwise decimal series must force Gorilla (decimal would lose the sign) */
    double d[] = { 1.25, 0.5, -0.0, 3.75 };
    int64_t dt[] = { 1, 2, 3, 4 };
    fx_chunk_rt_as (dt, d, 4, VG_CHUNK_GORILLA);
    /* +0.0 alone is decimal */
    d[2] = 0.0;
    fx_chunk_rt_as (dt, d, 4, VG_CHUNK_DECIMAL2);
    /* 2^53 and beyond is not decimal */
    double big[] = { 9007199254740992.0, 9007199254740994.0, -9007199254740992.0 };
    fx_chunk_rt_as (dt, big, 3, VG_CHUNK_GORILLA);
    double edge[] = { 9007199254740991.0, 9007199254740990.0, 9007199254740989.0 };
    fx_chunk_rt_as (dt, edge, 3, VG_CHUNK_DECIMAL2);
}
END_TEST

START_TEST (random_doubles)
{
    enum { N = 5000 };
    static int64_t ts[N];
    static double v[N];
    uint64_t rs = 7;
    for (int i = 0; i < N; i++) {
        ts[i] = (int64_t) i;
        v[i] = fx_bits_to_double (rng_splitmix (&rs)); /* any bit pattern, NaNs included */
    }
    fx_chunk_rt_as (ts, v, N, VG_CHUNK_GORILLA);
}
END_TEST

START_TEST (single_sample)
{
    int64_t ts[] = { INT64_MIN, INT64_MAX, 0, -1, FX_T0_MS };
    double v[] = { 0.0, -0.0, NAN, 3.14, -12345678.9, DBL_MAX, 1e-300 };
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
            size_t len = fx_chunk_rt (&ts[i], &v[j], 1, NULL);
            ck_assert_uint_le (len, 1 + 1 + 10 + 8);
        }
}
END_TEST

START_TEST (max_samples)
{
    size_t n = VG_CHUNK_MAX_SAMPLES;
    int64_t *ts = malloc (n * sizeof *ts);
    double *v = malloc (n * sizeof *v);
    ck_assert (ts && v);
    uint64_t rs = 8;
    for (size_t i = 0; i < n; i++) {
        ts[i] = INT64_C (1700000000000) + (int64_t) i * 1000 + (int64_t) (rng_splitmix (&rs) % 3);
        v[i] = (double) (rng_splitmix (&rs) % 100000) / 100.0;
    }
    fx_chunk_rt_as (ts, v, n, VG_CHUNK_DECIMAL2);
    for (size_t i = 0; i < n; i++)
        v[i] = fx_bits_to_double (rng_splitmix (&rs));
    fx_chunk_rt_as (ts, v, n, VG_CHUNK_GORILLA);

    /* out of range counts */
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode (ts, v, 0, &b), -VG_EINVAL);
    ck_assert_int_eq (vg_chunk_encode (ts, v, n + 1, &b), -VG_EINVAL);
    ck_assert_uint_eq (b.len, 0);
    vg_buf_free (&b);
    free (ts);
    free (v);
}
END_TEST

/* Chunks written by the codec before integer chunks existed (bytes frozen from that
 * version's encoder) still decode to the same values, through both APIs; today's encoder
 * writes the same Gorilla bytes. */
START_TEST (old_codecs_frozen)
{
    static const uint8_t dec[] = { 0x02, 0x06, 0x90, 0xc8, 0xed, 0xc7, 0xd9, 0x66, 0x2e, 0x7f, 0xc0, 0xed, 0x6a, 0xb9,
                                   0xc2, 0x03, 0xc0, 0x09, 0xc4, 0x1a, 0x38, 0x6a, 0x01, 0x07, 0x08, 0x10, 0x6e, 0xed,
                                   0xe7, 0xfc, 0x0e, 0xd6, 0xad, 0x8b, 0x95, 0x40 };
    static const uint8_t gor[] = { 0x01, 0x06, 0x90, 0xc8, 0xed, 0xc7, 0xd9, 0x66, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44,
                                   0x2d, 0x18, 0xf0, 0x02, 0x71, 0x06, 0x07, 0x98, 0x01, 0x24, 0x3f, 0x6a, 0x88, 0x85,
                                   0xa3, 0x60, 0x7b, 0xfc, 0x6f, 0xc8, 0x79, 0x10, 0x00, 0xeb, 0x3a, 0x7e, 0x37, 0xca,
                                   0x39, 0xd4, 0x9a, 0x4a, 0xf1, 0x85, 0xef, 0xfa, 0xaf, 0x6a, 0x01, 0x39, 0xed, 0x47,
                                   0x2c, 0x1f, 0xbe, 0x4a, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x80 };
    static const double want_dec[6] = { 11172312760464.0, 11172312760964.0, 11172312761464.0, 11172312762000.0,
                                        11172312762500.5, 0.25 };
    static const double want_gor[6] = { 3.141592653589793, -0.0, 1e300, 2.5e-310, 1.0 / 3.0, 9007199254740993.0 };
    const uint8_t *chunks[2] = { dec, gor };
    size_t lens[2] = { sizeof dec, sizeof gor };
    const double *want[2] = { want_dec, want_gor };
    for (int k = 0; k < 2; k++) {
        int64_t ts[6];
        double v[6];
        vg_num_t nv[6];
        size_t n, used;
        vg_numtype_t t = VG_NUM_U64;
        ck_assert_int_eq (vg_chunk_decode (chunks[k], lens[k], ts, v, 6, &n, &used), 0);
        ck_assert_uint_eq (n, 6);
        ck_assert_uint_eq (used, lens[k]);
        ck_assert (memcmp (v, want[k], sizeof v) == 0);
        ck_assert_int_eq (ts[5], INT64_C (1764367431000));
        ck_assert_int_eq (vg_chunk_decode_num (chunks[k], lens[k], ts, nv, 6, &n, &used, &t), 0);
        ck_assert_int_eq (t, VG_NUM_F64);
        ck_assert (memcmp (nv, want[k], sizeof nv) == 0);
        vg_buf_t b = VG_BUF_INIT;
        ck_assert_int_eq (vg_chunk_encode (ts, want[k], 6, &b), 0);
        if (k == 1) {
            ck_assert_uint_eq (b.len, lens[k]);
            ck_assert (memcmp (b.data, chunks[k], b.len) == 0);
        } else { /* whichever codec it picks now, the same samples come back */
            int64_t ts2[6];
            double v2[6];
            ck_assert_int_eq (vg_chunk_decode (b.data, b.len, ts2, v2, 6, &n, &used), 0);
            ck_assert (memcmp (ts2, ts, sizeof ts) == 0 && memcmp (v2, want[k], sizeof v2) == 0);
        }
        vg_buf_free (&b);
    }
}
END_TEST

/* A constant at a regular interval costs its header and first value only, whatever n. */
START_TEST (v2_regular_constant)
{
    enum { N = 100000 };
    static int64_t ts[N];
    static double v[N];
    static vg_num_t u[N];
    fx_regular (ts, N, 15000);
    for (size_t i = 0; i < N; i++) {
        v[i] = 42.5;
        u[i].u = UINT64_MAX;
    }
    size_t len = fx_chunk_rt_as (ts, v, N, VG_CHUNK_DECIMAL2);
    ck_assert_msg (len <= 16, "%zu bytes", len);
    len = fx_chunk_rt_num (vg_chunk_encode_num, ts, u, VG_NUM_U64, N, VG_CHUNK_INTEGER2);
    ck_assert_msg (len <= 24, "%zu bytes", len);
    /* one late sample: timestamps are coded, values stay free */
    ts[N / 2] += 3;
    len = fx_chunk_rt_as (ts, v, N, VG_CHUNK_DECIMAL2);
    ck_assert_msg (len <= N / 8 + 32, "%zu bytes", len);
}
END_TEST

Suite *
vg_chunk_suite (void)
{
    Suite *s = suite_create ("chunk");
    struct {
        const char *name;
        const TTest *test;
        int timeout;
    } cases[] = {
        { "ts_regular", ts_regular, 10 },
        { "ts_irregular", ts_irregular, 10 },
        { "ts_extremes", ts_extremes, 10 },
        { "counter_resets", counter_resets, 10 },
        { "size_counter_noise", size_counter_noise, 10 },
        { "gauge_decimal", gauge_decimal, 10 },
        { "constant_series", constant_series, 10 },
        { "special_values", special_values, 10 },
        { "random_doubles", random_doubles, 10 },
        { "single_sample", single_sample, 10 },
        { "max_samples", max_samples, 60 },
        { "old_codecs_frozen", old_codecs_frozen, 10 },
        { "v2_regular_constant", v2_regular_constant, 10 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        vg_test_tcase (s, cases[i].name, &cases[i].test, 1, cases[i].timeout, NULL, NULL);
    return s;
}
