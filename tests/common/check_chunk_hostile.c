/* check_chunk_hostile.c - the chunk decoder against bad input: header errors, every prefix
 * of valid chunks, random bytes and bit flips (no read or write out of bounds, a clean error
 * or a bounded result), and chunks read back to back from one buffer. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/chunk.h"
#include "common/err.h"
#include "tests/common/fixture_chunk.h"
#include "tests/support/rng.h"
#include "tests/support/suite.h"

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
                    ts[i] = FX_T0_MS + (int64_t) i * 1000;
                    iv[i].u = is ? rng_splitmix (&rs) : UINT64_MAX - 5000 + i * 37;
                }
                off[k++] = b->len;
                ck_assert_int_eq (vg_chunk_encode_num (ts, iv, is ? VG_NUM_I64 : VG_NUM_U64, N, b), 0);
            }
        }
        for (size_t i = 0; i < n; i++) {
            ts[i] = FX_T0_MS + (int64_t) i * 1000;
            switch (shape) {
            case 0: v[i] = (double) i * 3; break;                            /* counter */
            case 1: v[i] = (double) (rng_splitmix (&rs) % 10000) / 100.0; break; /* gauge */
            case 2: v[i] = fx_bits_to_double (rng_splitmix (&rs)); break;         /* random bits */
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
        fx_chunk_prefixes_fail (p, len, 400);
        size_t n, used;
        ck_assert_int_eq (vg_chunk_decode (p, len, ts, v, 400, &n, &used), 0);
        ck_assert_uint_eq (used, len);
    }
    vg_buf_free (&b);
}
END_TEST

START_TEST (random_bytes)
{
    enum { CAP = 64 };
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
        fx_chunk_bounded (buf, len, 1 + rng_splitmix (&rs) % CAP);
    }

    /* bit flips in valid chunks */
    vg_buf_t b = VG_BUF_INIT;
    size_t off[10];
    size_t k = s_sample_chunks (&b, off, 9);
    for (int iter = 0; iter < 20000; iter++) {
        size_t c = rng_splitmix (&rs) % k, len = off[c + 1] - off[c];
        uint8_t *q = malloc (len);
        ck_assert (q);
        memcpy (q, b.data + off[c], len);
        for (int f = 0; f < 1 + iter % 4; f++)
            q[rng_splitmix (&rs) % len] ^= (uint8_t) (1u << (rng_splitmix (&rs) % 8));
        fx_chunk_bounded (q, len, 400);
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

Suite *
vg_chunk_hostile_suite (void)
{
    Suite *s = suite_create ("chunk_hostile");
    struct {
        const char *name;
        const TTest *test;
        int timeout;
    } cases[] = {
        { "header_errors", header_errors, 10 },
        { "truncation_prefixes", truncation_prefixes, 60 },
        { "random_bytes", random_bytes, 120 },
        { "concatenated", concatenated, 10 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        vg_test_tcase (s, cases[i].name, &cases[i].test, 1, cases[i].timeout, NULL, NULL);
    return s;
}
