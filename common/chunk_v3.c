/* chunk_v3.c - the reader of version 3 value blocks (codecs 6 and 7, the store's chunks)
 * and the sparse block code they may use.  Format in chunk.c's version 3 comment; the
 * writer is chunk.c's block coder, which costs every mode before it writes. */
#include "common/chunk_int.h"

/* Bits of the sparse code of z[0..cnt) with run parameter a and value parameter b, its 9
 * parameter bits included. */
uint64_t
vg_chunk__sparse_bits (const uint64_t *z, size_t cnt, unsigned a, unsigned b)
{
    uint64_t bits = 9;
    size_t run = 0;
    for (size_t j = 0; j < cnt; j++) {
        if (!z[j]) {
            run++;
            continue;
        }
        bits += s_rice_len (run, a) + s_rice_len (z[j] - 1, b);
        run = 0;
    }
    return run ? bits + s_rice_len (run, a) : bits;
}

void
vg_chunk__sparse_put (s_bw_t *w, const uint64_t *z, size_t cnt, unsigned a, unsigned b)
{
    s_bw_put (w, ((uint64_t) a << 6) | b, 9);
    size_t run = 0;
    for (size_t j = 0; j < cnt; j++) {
        if (!z[j]) {
            run++;
            continue;
        }
        s_rice_put (w, run, a);
        s_rice_put (w, z[j] - 1, b);
        run = 0;
    }
    if (run)
        s_rice_put (w, run, a);
}

/* Read a sparse block's cnt code inputs into z[].  Returns 0 or -VG_EPROTO (a run past
 * the block). */
int
vg_chunk__sparse_get (s_br_t *r, uint64_t *z, size_t cnt)
{
    unsigned h = (unsigned) s_br_read (r, 9), a = h >> 6, b = h & 63;
    for (size_t j = 0; j < cnt;) {
        uint64_t run = s_rice_get (r, a);
        if (run > cnt - j)
            return -VG_EPROTO;
        for (size_t e = j + (size_t) run; j < e; j++)
            z[j] = 0;
        if (j < cnt)
            z[j++] = s_rice_get (r, b) + 1; /* wraps to 0 on hostile input: any value will do */
    }
    return 0;
}

/* Version 3 decoding state: the last q and delta, and the running means (rate, level). */
typedef struct {
    uint64_t q, d, er, el;
} s_r3_t;

/* One sample of mode `mode` from its code input x: advance the state, return q. */
static inline uint64_t
s_r3_step (s_r3_t *st, unsigned mode, uint64_t x)
{
    switch (mode) {
    case 0: st->d = x; break;
    case 1: st->d += x; break;
    case 2: st->d = s_ema_pred (st->er) + x; break;
    default: st->d = s_ema_pred (st->el) + x - st->q; break;
    }
    st->q += st->d;
    s_ema_add (&st->er, st->d);
    s_ema_add (&st->el, st->q);
    return st->q;
}

/* Samples [i, end) of one block in mode `mode` (a constant where called, so each mode gets
 * its own loop) from their code inputs z[0..end - i). */
static inline void
s_r3_block (void *v, size_t i, size_t end, const uint64_t *z, unsigned mode, int is_dec, double p, uint64_t m0,
            uint64_t g, s_r3_t *st)
{
    for (; i < end; i++, z++) {
        uint64_t m = m0 + g * s_r3_step (st, mode, (uint64_t) vg_unzigzag (*z));
        s_put (v, i, is_dec ? s_dbits ((double) (int64_t) m / p) : m);
    }
}

/* The version 3 blocks after the preamble: values m0 + g * q[i] into v[1..n). */
int
vg_chunk__v3_read (s_br_t *r, void *v, size_t n, int is_dec, double p, uint64_t m0, int flat)
{
    uint64_t g = 1;
    if (!flat && s_br_read (r, 1)) {
        g = s_br_read (r, (unsigned) s_br_read (r, 6) + 1);
        if (g < 2)
            return -VG_EPROTO;
    }
    s_r3_t st = { 0, 0, 0, 0 };
    unsigned mode = 0, k = S_K_ZERO;
    for (size_t i = 1; i < n;) {
        size_t end = n - i < S_BLOCK3 ? n : i + S_BLOCK3;
        if (!flat && (i == 1 || !s_br_read (r, 1))) {
            unsigned bh = (unsigned) s_br_read (r, 8);
            mode = bh >> 6;
            k = bh & 63;
        }
        uint64_t zb[S_BLOCK3];
        const uint64_t *z = zb;
        size_t cnt = end - i;
        if (k == S_K_ZERO)
            memset (zb, 0, cnt * sizeof zb[0]);
        else if (k == S_K_SPARSE) {
            if (vg_chunk__sparse_get (r, zb, cnt) < 0)
                return -VG_EPROTO;
        } else
            for (size_t j = 0; j < cnt; j++)
                zb[j] = s_rice_get (r, k);
        if (i == 1) { /* the rate mean starts at the first delta */
            uint64_t m = m0 + g * s_r3_step (&st, mode, (uint64_t) vg_unzigzag (*z++));
            s_put (v, i++, is_dec ? s_dbits ((double) (int64_t) m / p) : m);
            st.er = st.d << 4;
        }
        switch (mode) {
        case 0: s_r3_block (v, i, end, z, 0, is_dec, p, m0, g, &st); break;
        case 1: s_r3_block (v, i, end, z, 1, is_dec, p, m0, g, &st); break;
        case 2: s_r3_block (v, i, end, z, 2, is_dec, p, m0, g, &st); break;
        default: s_r3_block (v, i, end, z, 3, is_dec, p, m0, g, &st); break;
        }
        i = end;
    }
    return 0;
}
