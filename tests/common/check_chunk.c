/* check_chunk.c - the sample chunk codec: exact round trips for every timestamp and value
 * shape, size bounds that catch a regression in compression, and a decoder that survives
 * truncated, corrupted and random input without reading or writing out of bounds. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/chunk.h"
#include "common/err.h"
#include "tests/support/rng.h"
#include "tests/support/suite.h"

static double
s_bits_to_double (uint64_t u)
{
    double d;
    memcpy (&d, &u, sizeof d);
    return d;
}

/* Encode, check the header, decode, and compare bit for bit.  Returns the chunk size and
 * the codec chosen. */
static size_t
s_roundtrip (const int64_t *ts, const double *v, size_t n, int *codec_out)
{
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode (ts, v, n, &b), 0);
    ck_assert_uint_gt (b.len, 0);

    int codec = 0;
    uint32_t hn = 0;
    ck_assert_int_gt (vg_chunk_header (b.data, b.len, &codec, &hn), 0);
    ck_assert_uint_eq (hn, n);
    ck_assert (codec == VG_CHUNK_GORILLA || codec == VG_CHUNK_DECIMAL2);

    int64_t *ts2 = malloc (n * sizeof *ts2);
    double *v2 = malloc (n * sizeof *v2);
    ck_assert (ts2 && v2);
    size_t got = 0, used = 0;
    ck_assert_int_eq (vg_chunk_decode (b.data, b.len, ts2, v2, n, &got, &used), 0);
    ck_assert_uint_eq (got, n);
    ck_assert_uint_eq (used, b.len);
    ck_assert (memcmp (ts, ts2, n * sizeof *ts) == 0);
    ck_assert (memcmp (v, v2, n * sizeof *v) == 0);

    size_t len = b.len;
    free (ts2);
    free (v2);
    vg_buf_free (&b);
    if (codec_out)
        *codec_out = codec;
    return len;
}

/* s_roundtrip, asserting the codec the encoder chose. */
static size_t
s_roundtrip_as (const int64_t *ts, const double *v, size_t n, int want_codec)
{
    int codec;
    size_t len = s_roundtrip (ts, v, n, &codec);
    ck_assert_int_eq (codec, want_codec);
    return len;
}

START_TEST (ts_regular)
{
    enum { N = 4096 };
    static int64_t ts[N];
    static double v[N];
    uint64_t rs = 1;
    for (int i = 0; i < N; i++) {
        ts[i] = INT64_C (1764367381000) + (int64_t) i * 10000;
        v[i] = (double) (rng_splitmix (&rs) % 1000) / 10.0;
    }
    size_t full = s_roundtrip (ts, v, N, NULL);
    /* Values are uniform in 0..999 tenths: a delta zig-zags to at most 11 bits, 13 with
     * the reuse prefix; with 1 timestamp bit that is 14 bits/sample, plus the occasional
     * new-width header. */
    ck_assert_uint_le (full, (size_t) N * 15 / 8);

    /* Constant values isolate the timestamp cost: 1 ts bit + 1 value bit per sample. */
    for (int i = 0; i < N; i++)
        v[i] = 42.0;
    size_t only_ts = s_roundtrip (ts, v, N, NULL);
    ck_assert_uint_le (only_ts, (size_t) N * 2 / 8 + 32);
}
END_TEST

START_TEST (ts_irregular)
{
    enum { N = 3000 };
    static int64_t ts[N];
    static double v[N];
    uint64_t rs = 2;
    int64_t t = INT64_C (1764367381000);
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
    s_roundtrip (ts, v, N, NULL);
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
    s_roundtrip (ts, v, n, NULL);
    /* every prefix length, starting at each extreme */
    for (size_t k = 1; k <= n; k++)
        s_roundtrip (ts + (n - k), v + (n - k), k, NULL);

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
    s_roundtrip (rts, rv, M, NULL);
}
END_TEST

START_TEST (counter_resets)
{
    enum { N = 5000 };
    static int64_t ts[N];
    static double v[N];
    uint64_t rs = 4;
    double c = 123456789.0;
    for (int i = 0; i < N; i++) {
        ts[i] = INT64_C (1764367381000) + (int64_t) i * 30000;
        if (i % 1000 == 999)
            c = (double) (rng_splitmix (&rs) % 10); /* device reboot */
        else
            c += 250000.0 + (double) (rng_splitmix (&rs) % 2001);
        v[i] = c;
    }
    s_roundtrip_as (ts, v, N, VG_CHUNK_DECIMAL2);
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
    for (int i = 0; i < N; i++) {
        ts[i] = INT64_C (1764367381000) + (int64_t) i * 10000;
        int noise = 0;
        for (int k = 0; k < 4; k++) /* sum of 4 uniforms: bell-shaped, sd ~ 50 */
            noise += (int) (rng_splitmix (&rs) % 174) - 86;
        c += 2500 + noise;
        v[i] = c;
    }
    size_t len = s_roundtrip_as (ts, v, N, VG_CHUNK_DECIMAL2);
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
        ts[i] = INT64_C (1764367381000) + (int64_t) i * 5000 + (int64_t) (rng_splitmix (&rs) % 7);
        m += (long) (rng_splitmix (&rs) % 21) - 10;
        v[i] = (double) m / 100.0;
    }
    size_t len = s_roundtrip_as (ts, v, N, VG_CHUNK_DECIMAL2);
    /* a 2-decimal gauge with +-0.10 steps fits in ~1.5 bytes/sample; Gorilla would need
     * far more (the mantissa of x/100 is not short) */
    ck_assert_uint_le (len, (size_t) N * 2);

    /* percentages with one decimal, and values that need e = 9 */
    for (int i = 0; i < N; i++)
        v[i] = (double) (rng_splitmix (&rs) % 1001) / 10.0;
    s_roundtrip_as (ts, v, N, VG_CHUNK_DECIMAL2);
    for (int i = 0; i < N; i++)
        v[i] = (double) (int64_t) (rng_splitmix (&rs) % 4000000000u) / 1e9;
    s_roundtrip_as (ts, v, N, VG_CHUNK_DECIMAL2);

    /* 10 decimals is beyond the decimal codec: must fall back to Gorilla and round-trip */
    for (int i = 0; i < N; i++)
        v[i] = (double) (int64_t) (rng_splitmix (&rs) % 4000000000u) / 1e10 + 1e-10;
    s_roundtrip_as (ts, v, N, VG_CHUNK_GORILLA);
}
END_TEST

START_TEST (constant_series)
{
    enum { N = 10000 };
    static int64_t ts[N];
    static double v[N];
    double consts[] = { 0.0, 7.0, 99.5, 0.1, -273.15, 1e300, NAN };
    for (size_t c = 0; c < sizeof consts / sizeof consts[0]; c++) {
        for (int i = 0; i < N; i++) {
            ts[i] = INT64_C (1764367381000) + (int64_t) i * 1000;
            v[i] = consts[c];
        }
        size_t len = s_roundtrip (ts, v, N, NULL);
        ck_assert_msg (len <= (size_t) (0.3 * N), "constant %g: %zu bytes for %d samples",
                       consts[c], len, N);
    }
}
END_TEST

START_TEST (special_values)
{
    double v[] = { s_bits_to_double (UINT64_C (0x7ff8000000000001)), /* quiet NaN, payload */
                   s_bits_to_double (UINT64_C (0x7ff0000000000001)), /* signalling NaN */
                   s_bits_to_double (UINT64_C (0xfff8dead0000beef)), /* negative NaN */
                   INFINITY, -INFINITY, -0.0, 0.0, -0.0, DBL_MIN, DBL_MIN / 4.0 /* subnormal */,
                   s_bits_to_double (1), /* smallest subnormal */
                   -s_bits_to_double (UINT64_C (0x000fffffffffffff)), DBL_MAX, -DBL_MAX,
                   DBL_EPSILON, 1.0, 1.0, NAN, -0.0 };
    size_t n = sizeof v / sizeof v[0];
    int64_t ts[sizeof v / sizeof v[0]];
    for (size_t i = 0; i < n; i++)
        ts[i] = (int64_t) i * 1000;
    s_roundtrip_as (ts, v, n, VG_CHUNK_GORILLA);

    /* -0.0 in an otherwise decimal series must force Gorilla (decimal would lose the sign) */
    double d[] = { 1.25, 0.5, -0.0, 3.75 };
    int64_t dt[] = { 1, 2, 3, 4 };
    s_roundtrip_as (dt, d, 4, VG_CHUNK_GORILLA);
    /* +0.0 alone is decimal */
    d[2] = 0.0;
    s_roundtrip_as (dt, d, 4, VG_CHUNK_DECIMAL2);
    /* 2^53 and beyond is not decimal */
    double big[] = { 9007199254740992.0, 9007199254740994.0, -9007199254740992.0 };
    s_roundtrip_as (dt, big, 3, VG_CHUNK_GORILLA);
    double edge[] = { 9007199254740991.0, 9007199254740990.0, 9007199254740989.0 };
    s_roundtrip_as (dt, edge, 3, VG_CHUNK_DECIMAL2);
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
        v[i] = s_bits_to_double (rng_splitmix (&rs)); /* any bit pattern, NaNs included */
    }
    s_roundtrip_as (ts, v, N, VG_CHUNK_GORILLA);
}
END_TEST

START_TEST (single_sample)
{
    int64_t ts[] = { INT64_MIN, INT64_MAX, 0, -1, INT64_C (1764367381000) };
    double v[] = { 0.0, -0.0, NAN, 3.14, -12345678.9, DBL_MAX, 1e-300 };
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
            size_t len = s_roundtrip (&ts[i], &v[j], 1, NULL);
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
    s_roundtrip_as (ts, v, n, VG_CHUNK_DECIMAL2);
    for (size_t i = 0; i < n; i++)
        v[i] = s_bits_to_double (rng_splitmix (&rs));
    s_roundtrip_as (ts, v, n, VG_CHUNK_GORILLA);

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

START_TEST (header_errors)
{
    int64_t ts[3] = { 1000, 2000, 3000 };
    double v[3] = { 1, 2, 3.5 };
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode (ts, v, 3, &b), 0);
    int codec;
    uint32_t n;
    ck_assert_int_eq (vg_chunk_header (b.data, b.len, &codec, &n), 2);
    ck_assert_int_eq (n, 3);

    int64_t ts2[3];
    double v2[3];
    size_t got = 99, used = 99;
    /* cap too small */
    ck_assert_int_eq (vg_chunk_decode (b.data, b.len, ts2, v2, 2, &got, &used), -VG_ETOOBIG);
    ck_assert_uint_eq (got, 0);
    ck_assert_uint_eq (used, 0);
    /* unknown codecs */
    uint8_t save = b.data[0];
    for (int c = 0; c < 256; c++) {
        if (c >= VG_CHUNK_GORILLA && c <= VG_CHUNK_INTEGER3)
            continue;
        b.data[0] = (uint8_t) c;
        ck_assert_int_eq (vg_chunk_header (b.data, b.len, &codec, &n), -VG_EPROTO);
        ck_assert_int_eq (vg_chunk_decode (b.data, b.len, ts2, v2, 3, &got, &used), -VG_EPROTO);
    }
    b.data[0] = save;

    /* count 0, count > max, overlong varint, empty input */
    uint8_t zero[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    ck_assert_int_eq (vg_chunk_header (zero, sizeof zero, &codec, &n), -VG_EPROTO);
    uint8_t huge[] = { 1, 0x81, 0x80, 0x40, 0, 0, 0, 0, 0, 0, 0 }; /* 2^20 + 1 */
    ck_assert_int_eq (vg_chunk_header (huge, sizeof huge, &codec, &n), -VG_EPROTO);
    uint8_t maxok[] = { 1, 0x80, 0x80, 0x40 }; /* exactly 2^20 */
    ck_assert_int_eq (vg_chunk_header (maxok, sizeof maxok, &codec, &n), 4);
    ck_assert_uint_eq (n, VG_CHUNK_MAX_SAMPLES);
    uint8_t overlong[] = { 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
    ck_assert_int_eq (vg_chunk_header (overlong, sizeof overlong, &codec, &n), -VG_EPROTO);
    ck_assert_int_eq (vg_chunk_header (overlong, 5, &codec, &n), -VG_ETRUNC);
    ck_assert_int_eq (vg_chunk_header (NULL, 0, &codec, &n), -VG_ETRUNC);
    ck_assert_int_eq (vg_chunk_decode (NULL, 0, ts2, v2, 3, &got, &used), -VG_ETRUNC);

    /* a count far beyond what the bytes could hold is rejected before decoding */
    uint8_t liar[] = { 1, 0x80, 0x80, 0x40, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    static int64_t bts[VG_CHUNK_MAX_SAMPLES];
    static double bv[VG_CHUNK_MAX_SAMPLES];
    ck_assert_int_eq (vg_chunk_decode (liar, sizeof liar, bts, bv, VG_CHUNK_MAX_SAMPLES, &got, &used),
                      -VG_ETRUNC);
    vg_buf_free (&b);
}
END_TEST

/* Build a varied set of valid chunks into one buffer; returns the offsets of each. */
static size_t
s_sample_chunks (vg_buf_t *b, size_t *off, size_t max)
{
    enum { N = 300 };
    static int64_t ts[N];
    static double v[N];
    uint64_t rs = 9;
    size_t k = 0;
    for (int shape = 0; shape < 6 && k < max; shape++) {
        size_t n = shape == 5 ? 1 : N - (size_t) shape * 40;
        if (shape == 0) { /* two integer chunks first: a counter near 2^64 and random int64 */
            for (int is = 0; is < 2 && k < max; is++) {
                vg_num_t iv[N];
                for (size_t i = 0; i < N; i++) {
                    ts[i] = INT64_C (1764367381000) + (int64_t) i * 1000;
                    iv[i].u = is ? rng_splitmix (&rs) : UINT64_MAX - 5000 + i * 37;
                }
                off[k++] = b->len;
                ck_assert_int_eq (vg_chunk_encode_num (ts, iv, is ? VG_NUM_I64 : VG_NUM_U64, N, b), 0);
            }
        }
        for (size_t i = 0; i < n; i++) {
            ts[i] = INT64_C (1764367381000) + (int64_t) i * 1000;
            switch (shape) {
            case 0: v[i] = (double) i * 3; break;                            /* counter */
            case 1: v[i] = (double) (rng_splitmix (&rs) % 10000) / 100.0; break; /* gauge */
            case 2: v[i] = s_bits_to_double (rng_splitmix (&rs)); break;         /* random bits */
            case 3:
                v[i] = 5.0;
                ts[i] = (int64_t) rng_splitmix (&rs);
                break;
            case 4: v[i] = i % 7 ? 1.0 / 3.0 : -0.0; break;
            default: v[i] = 2.5; break;
            }
        }
        off[k++] = b->len;
        ck_assert_int_eq (vg_chunk_encode (ts, v, n, b), 0);
    }
    off[k] = b->len;
    return k;
}

START_TEST (truncation_prefixes)
{
    vg_buf_t b = VG_BUF_INIT;
    size_t off[10];
    size_t k = s_sample_chunks (&b, off, 9);
    static int64_t ts[400];
    static double v[400];
    for (size_t c = 0; c < k; c++) {
        const uint8_t *p = b.data + off[c];
        size_t len = off[c + 1] - off[c];
        for (size_t cut = 0; cut < len; cut++) {
            /* copy so that ASan sees any read past the prefix */
            uint8_t *q = malloc (cut ? cut : 1);
            ck_assert (q);
            memcpy (q, p, cut);
            size_t n = 7, used = 7;
            int rc = vg_chunk_decode (q, cut, ts, v, 400, &n, &used);
            ck_assert_msg (rc < 0, "chunk %zu cut at %zu of %zu decoded", c, cut, len);
            ck_assert (rc == -VG_ETRUNC || rc == -VG_EPROTO);
            ck_assert_uint_eq (n, 0);
            free (q);
        }
        size_t n, used;
        ck_assert_int_eq (vg_chunk_decode (p, len, ts, v, 400, &n, &used), 0);
        ck_assert_uint_eq (used, len);
    }
    vg_buf_free (&b);
}
END_TEST

static void
s_hostile (const uint8_t *data, size_t len, size_t cap, int64_t *ts, double *v)
{
    uint8_t *q = malloc (len ? len : 1);
    ck_assert (q);
    memcpy (q, data, len);
    size_t n = 0, used = 0;
    int rc = vg_chunk_decode (q, len, ts, v, cap, &n, &used);
    if (rc == 0) {
        ck_assert_uint_ge (n, 1);
        ck_assert_uint_le (n, cap);
        ck_assert_uint_le (used, len);
        ck_assert_uint_gt (used, 0);
    } else {
        ck_assert (rc == -VG_ETRUNC || rc == -VG_EPROTO || rc == -VG_ETOOBIG);
        ck_assert_uint_eq (n, 0);
    }
    free (q);
}

START_TEST (random_bytes)
{
    enum { CAP = 64 };
    int64_t ts[CAP];
    double v[CAP];
    uint8_t buf[256];
    uint64_t rs = 10;
    for (int iter = 0; iter < 200000; iter++) {
        size_t len = rng_splitmix (&rs) % sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t) rng_splitmix (&rs);
        if (len && iter % 2) /* a valid codec byte and a small count get further in */
            buf[0] = (uint8_t) (1 + iter % 10 / 2); /* codecs 1..5 */
        if (len > 1 && iter % 4 < 2)
            buf[1] = (uint8_t) (rng_splitmix (&rs) % 80);
        s_hostile (buf, len, 1 + rng_splitmix (&rs) % CAP, ts, v);
    }

    /* bit flips in valid chunks */
    vg_buf_t b = VG_BUF_INIT;
    size_t off[10];
    size_t k = s_sample_chunks (&b, off, 9);
    static int64_t bts[400];
    static double bv[400];
    for (int iter = 0; iter < 20000; iter++) {
        size_t c = rng_splitmix (&rs) % k, len = off[c + 1] - off[c];
        uint8_t *q = malloc (len);
        ck_assert (q);
        memcpy (q, b.data + off[c], len);
        for (int f = 0; f < 1 + iter % 4; f++)
            q[rng_splitmix (&rs) % len] ^= (uint8_t) (1u << (rng_splitmix (&rs) % 8));
        s_hostile (q, len, 400, bts, bv);
        free (q);
    }
    vg_buf_free (&b);
}
END_TEST

START_TEST (concatenated)
{
    vg_buf_t b = VG_BUF_INIT;
    size_t off[10];
    size_t k = s_sample_chunks (&b, off, 9);
    ck_assert_uint_ge (k, 7);
    static int64_t ts[400];
    static double v[400];
    size_t pos = 0, seen = 0;
    while (pos < b.len) {
        size_t n, used;
        ck_assert_int_eq (vg_chunk_decode (b.data + pos, b.len - pos, ts, v, 400, &n, &used), 0);
        ck_assert_uint_eq (pos, off[seen]);
        ck_assert_uint_eq (used, off[seen + 1] - off[seen]);
        pos += used;
        seen++;
    }
    ck_assert_uint_eq (seen, k);
    ck_assert_uint_eq (pos, b.len);

    /* appending to a non-empty buffer leaves the earlier bytes alone */
    int64_t t1[2] = { 5, 6 };
    double v1[2] = { 1, 2 };
    vg_buf_t c = VG_BUF_INIT;
    ck_assert_int_eq (vg_buf_append (&c, "xyz", 3), 0);
    ck_assert_int_eq (vg_chunk_encode (t1, v1, 2, &c), 0);
    ck_assert (memcmp (c.data, "xyz", 3) == 0);
    size_t n, used;
    ck_assert_int_eq (vg_chunk_decode (c.data + 3, c.len - 3, ts, v, 400, &n, &used), 0);
    ck_assert_uint_eq (used, c.len - 3);
    ck_assert_uint_eq (n, 2);
    ck_assert_int_eq (ts[1], 6);
    vg_buf_free (&c);
    vg_buf_free (&b);
}
END_TEST

/* Encode integers, decode them exactly (and as doubles), and return the chunk size. */
static size_t
s_int_roundtrip (const int64_t *ts, const vg_num_t *v, vg_numtype_t type, size_t n)
{
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode_num (ts, v, type, n, &b), 0);
    int codec = 0;
    uint32_t hn = 0;
    ck_assert_int_gt (vg_chunk_header (b.data, b.len, &codec, &hn), 0);
    ck_assert_int_eq (codec, VG_CHUNK_INTEGER2);
    ck_assert_uint_eq (hn, n);
    int64_t *ts2 = malloc (n * sizeof *ts2);
    vg_num_t *v2 = malloc (n * sizeof *v2);
    double *d2 = malloc (n * sizeof *d2);
    ck_assert (ts2 && v2 && d2);
    size_t got = 0, used = 0;
    vg_numtype_t t2 = VG_NUM_F64;
    ck_assert_int_eq (vg_chunk_decode_num (b.data, b.len, ts2, v2, n, &got, &used, &t2), 0);
    ck_assert_uint_eq (got, n);
    ck_assert_uint_eq (used, b.len);
    ck_assert_int_eq (t2, type);
    ck_assert (memcmp (ts, ts2, n * sizeof *ts) == 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg (v2[i].u == v[i].u, "value %zu: %llx != %llx", i, (unsigned long long) v2[i].u,
                       (unsigned long long) v[i].u);
    /* the double API reads the same chunk as the nearest doubles */
    ck_assert_int_eq (vg_chunk_decode (b.data, b.len, ts2, d2, n, &got, &used), 0);
    for (size_t i = 0; i < n; i++)
        ck_assert (d2[i] == vg_num_to_double (v[i], type));
    size_t len = b.len;
    free (ts2);
    free (v2);
    free (d2);
    vg_buf_free (&b);
    return len;
}

START_TEST (int_extremes)
{
    enum { N = 300 };
    int64_t ts[N];
    vg_num_t v[N];
    uint64_t rs = 77;
    for (size_t i = 0; i < N; i++)
        ts[i] = INT64_C (1764367381000) + (int64_t) i * 1000 + (int64_t) (rng_splitmix (&rs) % 3);
    /* unsigned: 0, 2^53 + 1, 2^60 + 1, UINT64_MAX and neighbours, then random bit patterns */
    static const uint64_t edge[] = { 0, (UINT64_C (1) << 53) + 1, (UINT64_C (1) << 60) + 1, UINT64_MAX,
                                     UINT64_MAX - 1, 1, (UINT64_C (1) << 63), (UINT64_C (1) << 63) - 1 };
    for (size_t i = 0; i < N; i++)
        v[i].u = i < 8 ? edge[i] : rng_splitmix (&rs) >> (rng_splitmix (&rs) % 64);
    s_int_roundtrip (ts, v, VG_NUM_U64, N);
    /* signed: INT64_MIN / MAX next to each other (the widest possible deltas) */
    static const int64_t sedge[] = { INT64_MIN, INT64_MAX, -1, 0, INT64_MIN + 1, 1, INT64_MAX - 1, -(INT64_C (1) << 60) - 1 };
    for (size_t i = 0; i < N; i++)
        v[i].i = i < 8 ? sedge[i] : (int64_t) rng_splitmix (&rs);
    s_int_roundtrip (ts, v, VG_NUM_I64, N);
    /* one sample, and every single-value width */
    for (unsigned w = 0; w <= 64; w++) {
        vg_num_t one = { .u = w == 64 ? UINT64_MAX : (UINT64_C (1) << w) - (w ? 1 : 0) };
        s_int_roundtrip (ts, &one, VG_NUM_U64, 1);
        s_int_roundtrip (ts, &one, VG_NUM_I64, 1);
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
    for (size_t i = 0; i < N; i++) {
        ts[i] = INT64_C (1764367381000) + (int64_t) i * 1000;
        c += 125000000 + rng_splitmix (&rs) % 1000;
        v[i].u = c;
    }
    size_t len = s_int_roundtrip (ts, v, VG_NUM_U64, N);
    ck_assert_msg (len < N * 3, "%zu bytes for %d samples", len, N); /* ~12 bits per delta */
    /* a constant counter costs about two bits a sample (timestamp + value) */
    for (size_t i = 0; i < N; i++)
        v[i].u = UINT64_MAX;
    len = s_int_roundtrip (ts, v, VG_NUM_U64, N);
    ck_assert_msg (len < N / 4 + 32, "%zu bytes for a constant", len);
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
            ck_assert_int_eq (ts[j], INT64_C (1764367381000) + j * 10000 + (j == 3 ? 7 : 0));
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
    for (size_t i = 0; i < N; i++) {
        ts[i] = INT64_C (1764367381000) + (int64_t) i * 60000;
        size_t part = i / 128;
        if (part == 1 || part == 3)
            c += rng_splitmix (&rs) % 100000; /* noisy increments: ~17 bits each */
        else if (part == 2)
            c += 12345; /* a steady rate: delta-of-delta zero */
        v[i].u = c;
    }
    size_t len = s_int_roundtrip (ts, v, VG_NUM_U64, N);
    /* two noisy blocks of ~18 bits a value; the rest a few bits in all */
    ck_assert_msg (len < 2 * 128 * 19 / 8 + 64, "%zu bytes", len);
    /* the same as doubles (decimal): same shape, exact */
    static double d[N];
    for (size_t i = 0; i < N; i++)
        d[i] = (double) (v[i].u >> 20);
    s_roundtrip_as (ts, d, N, VG_CHUNK_DECIMAL2);
}
END_TEST

/* A constant at a regular interval costs its header and first value only, whatever n. */
START_TEST (v2_regular_constant)
{
    enum { N = 100000 };
    static int64_t ts[N];
    static double v[N];
    static vg_num_t u[N];
    for (size_t i = 0; i < N; i++) {
        ts[i] = INT64_C (1764367381000) + (int64_t) i * 15000;
        v[i] = 42.5;
        u[i].u = UINT64_MAX;
    }
    size_t len = s_roundtrip_as (ts, v, N, VG_CHUNK_DECIMAL2);
    ck_assert_msg (len <= 16, "%zu bytes", len);
    len = s_int_roundtrip (ts, u, VG_NUM_U64, N);
    ck_assert_msg (len <= 24, "%zu bytes", len);
    /* one late sample: timestamps are coded, values stay free */
    ts[N / 2] += 3;
    len = s_roundtrip_as (ts, v, N, VG_CHUNK_DECIMAL2);
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
        { "header_errors", header_errors, 10 },
        { "truncation_prefixes", truncation_prefixes, 60 },
        { "random_bytes", random_bytes, 120 },
        { "concatenated", concatenated, 10 },
        { "int_extremes", int_extremes, 10 },
        { "int_counter_size", int_counter_size, 10 },
        { "old_codecs_frozen", old_codecs_frozen, 10 },
        { "old_integer_frozen", old_integer_frozen, 10 },
        { "v2_blocks", v2_blocks, 10 },
        { "v2_regular_constant", v2_regular_constant, 10 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        vg_test_tcase (s, cases[i].name, &cases[i].test, 1, cases[i].timeout, NULL, NULL);
    return s;
}
