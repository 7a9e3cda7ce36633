/* fixture_chunk.c - round trips and series shared by the chunk codec suites (see
 * fixture_chunk.h). */
#include "tests/common/fixture_chunk.h"

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

double
fx_bits_to_double (uint64_t u)
{
    vg_num_t n = { .u = u }; /* the value union: reading .f is well defined in C11 */
    return n.f;
}

void
fx_regular (int64_t *ts, size_t n, int64_t step_ms)
{
    for (size_t i = 0; i < n; i++)
        ts[i] = FX_T0_MS + (int64_t) i * step_ms;
}

size_t
fx_chunk_rt (const int64_t *ts, const double *v, size_t n, int *codec_out)
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

size_t
fx_chunk_rt_as (const int64_t *ts, const double *v, size_t n, int want_codec)
{
    int codec;
    size_t len = fx_chunk_rt (ts, v, n, &codec);
    ck_assert_int_eq (codec, want_codec);
    return len;
}

size_t
fx_chunk_rt_num (fx_chunk_encoder_t enc, const int64_t *ts, const vg_num_t *v, vg_numtype_t type, size_t n,
                 int want_codec)
{
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (enc (ts, v, type, n, &b), 0);
    int codec = 0;
    uint32_t hn = 0;
    ck_assert_int_gt (vg_chunk_header (b.data, b.len, &codec, &hn), 0);
    ck_assert_uint_eq (hn, n);
    if (want_codec)
        ck_assert_int_eq (codec, want_codec);
    int64_t *ts2 = malloc (n * sizeof *ts2);
    vg_num_t *v2 = malloc (n * sizeof *v2);
    double *d2 = malloc (n * sizeof *d2);
    ck_assert (ts2 && v2 && d2);
    size_t got = 0, used = 0;
    vg_numtype_t t2 = type == VG_NUM_F64 ? VG_NUM_U64 : VG_NUM_F64; /* not the answer */
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
    ck_assert_uint_eq (got, n);
    for (size_t i = 0; i < n; i++) {
        double want = vg_num_to_double (v[i], type);
        ck_assert_msg (memcmp (&want, &d2[i], sizeof want) == 0, "value %zu as a double", i);
    }
    size_t len = b.len;
    free (ts2);
    free (v2);
    free (d2);
    vg_buf_free (&b);
    return len;
}

/* Decode q[0..len) through one API (num: vg_chunk_decode_num) into ts / v / d; returns
 * its code and sets *n and *used. */
static int
s_decode_api (bool num, const uint8_t *q, size_t len, int64_t *ts, vg_num_t *v, double *d, size_t cap, size_t *n,
              size_t *used)
{
    vg_numtype_t t;
    return num ? vg_chunk_decode_num (q, len, ts, v, cap, n, used, &t) : vg_chunk_decode (q, len, ts, d, cap, n, used);
}

/* What both checks share: a copy of p[0..len) decoded through both APIs; each result must
 * be a clean failure (a code in fails[0..nfails), *n and *used 0) or, when ok_allowed, a
 * result within bounds. */
static void
s_check_copy (const uint8_t *p, size_t len, size_t cap, bool ok_allowed, const int *fails, size_t nfails)
{
    uint8_t *q = malloc (len ? len : 1);
    int64_t *ts = malloc (cap * sizeof *ts);
    vg_num_t *v = malloc (cap * sizeof *v);
    double *d = malloc (cap * sizeof *d);
    ck_assert (q && ts && v && d);
    if (len)
        memcpy (q, p, len);
    for (int api = 0; api < 2; api++) {
        size_t n = 7, used = 7;
        int rc = s_decode_api (api == 1, q, len, ts, v, d, cap, &n, &used);
        if (rc == 0) {
            ck_assert_msg (ok_allowed, "%zu bytes decoded (API %d)", len, api);
            ck_assert (n >= 1 && n <= cap && used >= 1 && used <= len);
            continue;
        }
        bool known = false;
        for (size_t i = 0; i < nfails; i++)
            known = known || rc == fails[i];
        ck_assert_msg (known, "%zu bytes: code %d (API %d)", len, rc, api);
        ck_assert_uint_eq (n, 0);
        ck_assert_uint_eq (used, 0);
    }
    free (q);
    free (ts);
    free (v);
    free (d);
}

void
fx_chunk_bounded (const uint8_t *p, size_t len, size_t cap)
{
    static const int fails[] = { -VG_ETRUNC, -VG_EPROTO, -VG_ETOOBIG };
    s_check_copy (p, len, cap, true, fails, sizeof fails / sizeof fails[0]);
}

void
fx_chunk_prefixes_fail (const uint8_t *p, size_t len, size_t cap)
{
    static const int fails[] = { -VG_ETRUNC, -VG_EPROTO };
    for (size_t cut = 0; cut < len; cut++)
        s_check_copy (p, cut, cap, false, fails, sizeof fails / sizeof fails[0]);
}
