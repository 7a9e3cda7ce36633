/* chunk_v1.c - readers of version 1 decimal and integer chunks (codecs 2 and 3), which
 * stores and spools written before version 2 hold.  Nothing writes them any more; the
 * format is frozen (check_chunk old_codecs_frozen, old_integer_frozen).  Every value is
 * computed in wrapping uint64 arithmetic, so hostile input cannot overflow. */
#include "common/chunk_int.h"

/* ---- zig-zag value codes (decimal and integer) ------------------------------------- */

/* Read one value code and advance the running value *m (and, in delta-of-delta mode, its
 * delta *dm) by the zig-zagged z it carries, wrapping in uint64: 0 -> z = 0; 10 -> z in
 * the running *width; 11 -> a 6-bit width (plus bias: 0 for decimal, whose widths are
 * 1..63, 1 for integer, 1..64) and z in it.  Returns 0, or -VG_EPROTO for a reuse before
 * any width or a zero width. */
static inline int
s_m_next (s_br_t *r, unsigned *width, unsigned bias, unsigned dod, uint64_t *m, uint64_t *dm)
{
    if (r->cnt < 2)
        s_br_refill (r);
    if (!(r->acc >> 63)) {
        s_br_skip (r, 1);
        *m += dod ? *dm : 0;
        return 0;
    }
    int fresh = (r->acc >> 62) & 1;
    s_br_skip (r, 2);
    if (fresh)
        *width = (unsigned) s_br_read (r, 6) + bias;
    if (!*width)
        return -VG_EPROTO;
    uint64_t x = (uint64_t) vg_unzigzag (s_br_read (r, *width));
    if (dod) {
        *dm += x;
        *m += *dm;
    } else
        *m += x;
    return 0;
}

int
vg_chunk__v1_dec_read (s_br_t *r, int64_t *ts, void *v, size_t n)
{
    uint64_t h = s_br_read (r, 11);
    unsigned e = (unsigned) (h >> 7), dod = (unsigned) (h >> 6) & 1, w0 = (unsigned) h & 63;
    if (e > S_DEC_MAX_E)
        return -VG_EPROTO;
    double p = s_p10[e];
    /* Integer arithmetic wraps in uint64 so that hostile input cannot overflow. */
    uint64_t m = w0 ? (uint64_t) vg_unzigzag (s_br_read (r, w0)) : 0, dm = 0;
    uint64_t t = (uint64_t) ts[0], delta = 0;
    unsigned width = 0;
    s_put (v, 0, s_dbits ((double) (int64_t) m / p));
    for (size_t i = 1; i < n; i++) {
        ts[i] = s_ts_next (r, &t, &delta);

        if (s_m_next (r, &width, 0, dod, &m, &dm) < 0)
            return -VG_EPROTO;
        s_put (v, i, s_dbits ((double) (int64_t) m / p));
    }
    return 0;
}

int
vg_chunk__v1_int_read (s_br_t *r, int64_t *ts, void *v, size_t n, int *is_signed)
{
    uint64_t h = s_br_read (r, 9);
    unsigned sgn = (unsigned) (h >> 8), dod = (unsigned) (h >> 7) & 1, w0 = (unsigned) h & 127;
    if (w0 > 64)
        return -VG_EPROTO;
    uint64_t z0 = w0 ? s_br_read (r, w0) : 0;
    uint64_t m = sgn ? (uint64_t) vg_unzigzag (z0) : z0, dm = 0;
    uint64_t t = (uint64_t) ts[0], delta = 0;
    unsigned width = 0;
    *is_signed = (int) sgn;
    s_put (v, 0, m);
    for (size_t i = 1; i < n; i++) {
        ts[i] = s_ts_next (r, &t, &delta);

        if (s_m_next (r, &width, 1, dod, &m, &dm) < 0)
            return -VG_EPROTO;
        s_put (v, i, m);
    }
    return 0;
}
