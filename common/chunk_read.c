/* chunk_read.c - the sample chunk decoder: the header, the bounds every codec's body is
 * checked against before it is read (a hostile count cannot size an array or a loop past
 * the bytes given), the dispatch to the codec's reader and the version 2 body.  Formats in
 * chunk.c's comments; Gorilla, version 1 and version 3 blocks are read in chunk_gorilla.c,
 * chunk_v1.c and chunk_v3.c.  The bit reader yields zero bits past the end and counts them,
 * so a truncated chunk fails with -VG_ETRUNC after the read, never reads past `len`. */
#include "common/chunk.h"
#include "common/chunk_int.h"

#include <assert.h>

/* Read a version 2 body after the header and first delta.  *is_signed is set for integer
 * chunks.  Returns 0 or -VG_EPROTO. */
static int
s_r_read (s_br_t *r, int64_t *ts, void *v, size_t n, int is_dec, int ver, uint64_t delta, int *is_signed)
{
    uint64_t t = (uint64_t) ts[0] + delta;
    if (n >= 2)
        ts[1] = (int64_t) t;
    if (n >= 3 && s_br_read (r, 1)) {
        for (size_t i = 2; i < n; i++) {
            t += delta;
            ts[i] = (int64_t) t;
        }
    } else
        for (size_t i = 2; i < n; i++)
            ts[i] = s_ts_next (r, &t, &delta);
    uint64_t h = s_br_read (r, s_r_pre_bits (is_dec));
    unsigned flag = (unsigned) (h >> 8), flat = (unsigned) (h >> 7) & 1, w0 = (unsigned) h & 127;
    if (w0 > 64 || (is_dec && flag > S_DEC_MAX_E))
        return -VG_EPROTO;
    double p = is_dec ? s_p10[flag] : 0;
    int sgn = is_dec || flag;
    *is_signed = sgn;
    uint64_t z0 = w0 ? s_br_read (r, w0) : 0;
    uint64_t m = sgn ? (uint64_t) vg_unzigzag (z0) : z0, d = 0;
    s_put (v, 0, is_dec ? s_dbits ((double) (int64_t) m / p) : m);
    if (ver == 3)
        return vg_chunk__v3_read (r, v, n, is_dec, p, m, (int) flat);
    for (size_t i = 1; i < n;) {
        size_t end = n - i < S_BLOCK ? n : i + S_BLOCK;
        unsigned dod = 0, k = S_K_ZERO;
        if (!flat) {
            unsigned bh = (unsigned) s_br_read (r, 7);
            dod = bh >> 6;
            k = bh & 63;
        }
        for (; i < end; i++) {
            uint64_t x = k == S_K_ZERO ? 0 : (uint64_t) vg_unzigzag (s_rice_get (r, k));
            d = dod ? d + x : x;
            m += d;
            s_put (v, i, is_dec ? s_dbits ((double) (int64_t) m / p) : m);
        }
    }
    return 0;
}

int
vg_chunk_header (const uint8_t *p, size_t len, int *codec, uint32_t *n)
{
    assert (codec && n && (p || !len));
    if (len < 1)
        return -VG_ETRUNC;
    if (p[0] < VG_CHUNK_GORILLA || p[0] > VG_CHUNK_INTEGER3)
        return -VG_EPROTO;
    uint64_t cnt;
    size_t k = vg_varint_get (p + 1, p + len, &cnt);
    if (!k)
        return len - 1 >= 10 ? -VG_EPROTO : -VG_ETRUNC;
    if (cnt == 0 || cnt > VG_CHUNK_MAX_SAMPLES)
        return -VG_EPROTO;
    *codec = p[0];
    *n = (uint32_t) cnt;
    return (int) (1 + k);
}

static int
s_decode (const uint8_t *p, size_t len, int64_t *ts, void *v, size_t cap, size_t *n, size_t *used,
          vg_numtype_t *type)
{
    *n = 0;
    *used = 0;
    int codec;
    uint32_t cnt;
    int rc = vg_chunk_header (p, len, &codec, &cnt);
    if (rc < 0)
        return rc;
    size_t off = (size_t) rc;
    uint64_t z0;
    size_t k = vg_varint_get (p + off, p + len, &z0);
    if (!k)
        return len - off >= 10 ? -VG_EPROTO : -VG_ETRUNC;
    off += k;
    uint64_t delta = 0; /* version 2: the first delta */
    if (codec >= VG_CHUNK_DECIMAL2 && cnt >= 2) {
        k = vg_varint_get (p + off, p + len, &delta);
        if (!k)
            return len - off >= 10 ? -VG_EPROTO : -VG_ETRUNC;
        delta = (uint64_t) vg_unzigzag (delta);
        off += k;
    }

    /* Version 1: every sample after the first costs at least one timestamp bit and one
     * value bit.  Version 2 chunks of a constant at a regular interval cost no bits per
     * sample: callers bound sample counts (batch limits) before sizing arrays by them. */
    static const unsigned preamble[] = { 0, 64, 11, 9, 12, 9, 12, 9 };
    uint64_t avail = (uint64_t) (len - off) * 8;
    uint64_t least = (codec < VG_CHUNK_DECIMAL2 ? 2 * ((uint64_t) cnt - 1) : 0) + preamble[codec];
    if (avail < least)
        return -VG_ETRUNC;
    if (cnt > cap)
        return -VG_ETOOBIG;

    s_br_t r;
    s_br_init (&r, p + off, p + len);
    ts[0] = vg_unzigzag (z0);
    int is_signed = 0;
    *type = VG_NUM_F64;
    if (codec == VG_CHUNK_GORILLA)
        rc = vg_chunk__gor_read (&r, ts, v, cnt);
    else if (codec == VG_CHUNK_DECIMAL)
        rc = vg_chunk__v1_dec_read (&r, ts, v, cnt);
    else if (codec == VG_CHUNK_DECIMAL2 || codec == VG_CHUNK_DECIMAL3)
        rc = s_r_read (&r, ts, v, cnt, 1, codec == VG_CHUNK_DECIMAL3 ? 3 : 2, delta, &is_signed);
    else {
        rc = codec == VG_CHUNK_INTEGER ? vg_chunk__v1_int_read (&r, ts, v, cnt, &is_signed)
                                       : s_r_read (&r, ts, v, cnt, 0, codec == VG_CHUNK_INTEGER3 ? 3 : 2, delta,
                                                   &is_signed);
        *type = is_signed ? VG_NUM_I64 : VG_NUM_U64;
    }
    uint64_t consumed = s_br_consumed_bits (&r);
    if (consumed > avail)
        return -VG_ETRUNC;
    if (rc < 0)
        return rc;
    *n = cnt;
    *used = off + (size_t) ((consumed + 7) / 8);
    return 0;
}

int
vg_chunk_decode (const uint8_t *p, size_t len, int64_t *ts, double *v, size_t cap, size_t *n, size_t *used)
{
    assert (n && used && (p || !len) && (ts || !cap) && (v || !cap));
    vg_numtype_t type;
    int rc = s_decode (p, len, ts, v, cap, n, used, &type);
    if (rc == 0 && type != VG_NUM_F64)
        for (size_t i = 0; i < *n; i++) {
            vg_num_t x;
            x.u = s_get (v, i);
            v[i] = vg_num_to_double (x, type);
        }
    return rc;
}

int
vg_chunk_decode_num (const uint8_t *p, size_t len, int64_t *ts, vg_num_t *v, size_t cap, size_t *n, size_t *used,
                     vg_numtype_t *type)
{
    assert (n && used && type && (p || !len) && (ts || !cap) && (v || !cap));
    return s_decode (p, len, ts, v, cap, n, used, type);
}
