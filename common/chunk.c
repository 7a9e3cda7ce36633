/* chunk.c - the sample chunk codec: Gorilla (Pelkonen et al., VLDB 2015), decimal and integer modes.
 *
 * Invariant: the encoder computes the exact bit length of a chunk before writing, reserves
 * that many bytes once and then writes unchecked; the decoder reads through a bounded bit
 * reader that yields zero bits past `len` and fails with -VG_ETRUNC if it consumed any.
 *
 * Gorilla and version 1 layout after the header (codec byte, varint n):
 *   varint     zig-zag(ts[0])
 *   bits       value preamble:
 *                Gorilla: v[0] as 64 raw bits
 *                decimal: e (4 bits, 0..9), mode (1 bit: 0 delta, 1 delta-of-delta),
 *                         w (6 bits), zig-zag(m[0]) in w bits
 *                integer: signed (1 bit: 1 int64, 0 uint64), mode (1 bit), w (7 bits,
 *                         0..64), v[0] in w bits (zig-zag when signed)
 *   bits       for i = 1..n-1: timestamp code, then value code
 *   pad        zero bits to the next byte boundary
 * Timestamp code: dod = (ts[i]-ts[i-1]) - (ts[i-1]-ts[i-2]) in wrapping 64-bit arithmetic
 * (the delta before ts[0] is 0), zig-zag z, then one of
 *   0 (z == 0) | 10 +7 bits | 110 +10 | 1110 +14 | 11110 +24 | 111110 +40 | 111111 +64.
 * Gorilla value code on x = bits(v[i]) ^ bits(v[i-1]): 0 (x == 0); 10 + the bits of x inside
 * the previous window; 11 + 6-bit leading zeros + 6-bit (length - 1) + length bits.
 * Version 1 decimal value code on z = zig-zag of the delta (or delta-of-delta) of
 * m[i] = v[i] * 10^e: 0 (z == 0); 10 + z in the previous width; 11 + 6-bit width + z.
 * Version 1 integer value code on z = zig-zag of the wrapping 64-bit delta (or
 * delta-of-delta): 0 (z == 0); 10 + z in the previous width; 11 + 6-bit (width - 1) + z.
 * Version 2 (codecs 4 and 5, the ones written for decimal and integer values on the wire)
 * and version 3 (codecs 6 and 7, written for storage by vg_chunk_encode_store): see the
 * section below.  Gorilla and version 1 coders choose reuse-or-new by cost, so a window
 * never stays wider than needed for long.
 * This file is the encoder: the value modes share the bit writer, the timestamp code and
 * the exact-size pass.  The decoder (header, bounds, dispatch, version 2 body) is
 * chunk_read.c; the readers that need none of the encoder's costing live beside it:
 * Gorilla in chunk_gorilla.c, version 1 in chunk_v1.c, version 3 blocks in chunk_v3.c,
 * with the shared codes in chunk_int.h. */
#include "common/chunk.h"
#include "common/chunk_int.h"

#include <assert.h>
#include <float.h>
#include <string.h>

/* ---- decimal values --------------------------------------------------------------- */

/* x rounded to an integer, as a double; |x| < 2^53.  Below 2^51 adding and removing
 * 1.5 * 2^52 rounds in two cheap additions (every double in [2^52, 2^53) is an integer;
 * needs FLT_EVAL_METHOD 0, i.e. no excess precision).  Above, x - trunc(x) is exact. */
static inline double
s_dec_round (double x)
{
#if FLT_EVAL_METHOD == 0
    if (x > -0x1p51 && x < 0x1p51)
        return (x + 0x1.8p52) - 0x1.8p52;
#endif
    int64_t r = (int64_t) x;
    double f = x - (double) r;
    return (double) (r + (f >= 0.5) - (f <= -0.5));
}

/* m = v * 10^e if that integer reproduces v's exact bits as m / 10^e (the decoder's
 * computation) and |m| < 2^53.  NaN, +-Inf and -0.0 never qualify. */
static inline int
s_dec_m (double v, double p10, int64_t *m)
{
    double x = v * p10;
    if (!(x > -S_MANT_LIMIT && x < S_MANT_LIMIT))
        return 0;
    double r = s_dec_round (x);
    *m = (int64_t) r;
    return s_dbits (r / p10) == s_dbits (v);
}

/* Whether m[0..n) is one value repeated (the constant mode of version 2 chunks). */
typedef struct {
    uint64_t first;
    int flat;
} s_flat_t;

static inline void
s_flat_add (s_flat_t *a, size_t i, uint64_t m)
{
    if (i == 0) {
        a->first = m;
        a->flat = 1;
    } else
        a->flat &= m == a->first;
}

/* Check every value at exponent e (and whether they are all equal).  Returns 1, or 0 with
 * *bad set to the first index that does not fit. */
static int
s_dec_pass (const void *v, size_t n, unsigned e, s_flat_t *a, size_t *bad)
{
    double p = s_p10[e];
    int64_t m;
    for (size_t i = 0; i < n; i++) {
        if (!s_dec_m (s_bitsd (s_get (v, i)), p, &m)) {
            *bad = i;
            return 0;
        }
        s_flat_add (a, i, (uint64_t) m);
    }
    return 1;
}

/* Find the smallest e for which every value is decimal.  Returns e, or -1. */
static int
s_dec_scan (const void *v, size_t n, s_flat_t *a)
{
    unsigned e = 0;
    for (;;) {
        size_t bad;
        if (s_dec_pass (v, n, e, a, &bad))
            return (int) e;
        int64_t m;
        unsigned e2 = e + 1;
        while (e2 <= S_DEC_MAX_E && !s_dec_m (s_bitsd (s_get (v, bad)), s_p10[e2], &m))
            e2++;
        if (e2 > S_DEC_MAX_E)
            return -1;
        e = e2;
    }
}

/* ---- version 2 decimal and integer chunks (codecs 4 and 5) ------------------------- */

/* After the header, a version 2 chunk of n >= 2 samples carries varint zig-zag(ts[1] - ts[0])
 * (wrapping), then the bits:
 *   regular    1 bit when n >= 3: 1 = every delta equals the first; else the timestamp codes
 *              of ts[2..n), the delta before ts[2] being the first
 *   preamble   decimal: e (4 bits); integer: signed (1 bit); then constant (1 bit: every
 *              value equals the first), w (7 bits, 0..64) and the first value in w bits
 *              (zig-zag of m[0] for decimal and signed integers)
 *   blocks     unless constant, the values m[1..n) in blocks of S_BLOCK (the last may be
 *              shorter), each: mode (1 bit: 0 delta, 1 delta-of-delta; the delta before
 *              m[1] is 0), k (6 bits), and for k < S_K_ZERO one Rice code per value of
 *              z = zig-zag of the wrapping delta (or delta-of-delta): q = z >> k below
 *              S_RICE_LIM as q one bits, a zero and z's k low bits; else S_RICE_LIM one bits,
 *              6-bit (length - 1) and z in that length.  k == S_K_ZERO: every z is 0.
 * The encoder picks each block's mode and k by exact cost, so the code follows a series
 * whose noise or rate changes over the chunk.  Values are uint64 patterns throughout:
 * decimal m = v * 10^e (|m| < 2^53) and integers alike, so one coder serves both.
 *
 * Version 3 (codecs 6 and 7; vg_chunk_encode_store) is version 2 with, unless constant:
 *   scale      1 bit: 1 = every m[i] - m[0] is a multiple of g >= 2, followed by 6-bit
 *              (length - 1) and g in that length; the blocks code q[i] = (m[i] - m[0]) / g
 *              and m[i] = m[0] + g * q[i] (wrapping); 0 = g is 1 (q[i] = m[i] - m[0])
 *   blocks     mode in 2 bits: 0 delta, 1 delta-of-delta, 2 rate (the delta minus the
 *              running mean of the deltas before), 3 level (q[i] minus the running mean of
 *              q[0..i)), then k (6 bits) and the codes as in version 2.  Every block after
 *              the first starts with 1 bit: 1 = the previous block's mode and k again (no
 *              more header bits), 0 = mode and k follow.  k == S_K_SPARSE (62) codes a
 *              block of mostly zero inputs: 3 bits a and 6 bits b, then until the block
 *              is full: the number of zeros before the next non-zero input as a Rice
 *              code with parameter a (the block's remaining count when no non-zero
 *              follows), then that input minus 1 as a Rice code with parameter b.
 * A running mean e is exponential with weight 1/8 and 4 fraction bits, in wrapping 64-bit
 * arithmetic with arithmetic shifts: prediction (e + 8) >> 4, then e += (x * 16 - e) >> 3.
 * The level mean starts at q[0] * 16 = 0; the rate mean predicts 0 for the first delta and
 * is set to it (times 16) after.  Noisy series whose mean or rate drifts slowly (counters
 * of random increments, gauges around a level) cost about 0.4 bits a sample less than
 * with delta-of-deltas (whose noise is doubled); the factor takes the unit off values in
 * pages or other steps. */

#define S_SMALL_BLOCK 16

/* The value m[i] as a uint64 pattern: decimal m = v * 10^e (verified by s_dec_scan), or
 * the integer itself (p == 0). */
static inline uint64_t
s_m_at (const void *v, size_t i, double p)
{
    return p != 0 ? (uint64_t) (int64_t) s_dec_round (s_bitsd (s_get (v, i)) * p) : s_get (v, i);
}

typedef struct {
    unsigned dod, k; /* dod: the mode (0..1 in version 2, 0..3 in version 3) */
    uint64_t bits;   /* block header included */
    unsigned ra, rb; /* k == S_K_SPARSE: the Rice parameters of runs and values */
} s_blk_t;

/* The values a block coder walks: q[i] = m[i] (version 2: g == 0) or (m[i] - m[0]) / g
 * (version 3, g >= 1), with `modes` block modes (2 or 4). */
typedef struct {
    const void *v;
    double p; /* decimal: 10^e; integer: 0 */
    uint64_t m0, g;
    unsigned modes;
} s_vals_t;

static inline uint64_t
s_q_at (const s_vals_t *c, size_t i)
{
    uint64_t m = s_m_at (c->v, i, c->p);
    if (c->g == 0)
        return m;
    uint64_t d = m - c->m0;
    if (c->g == 1)
        return d;
    int neg = (int64_t) d < 0; /* exact division of the signed difference */
    uint64_t a = (neg ? 0 - d : d) / c->g;
    return neg ? 0 - a : a;
}

/* The largest common factor of every m[i] - m[0] (as a magnitude), 0 if all are equal;
 * stops at 1. */
static uint64_t
s_common_factor (const void *v, size_t n, double p)
{
    uint64_t m0 = s_m_at (v, 0, p), g = 0;
    for (size_t i = 1; i < n && g != 1; i++) {
        uint64_t d = s_m_at (v, i, p) - m0;
        uint64_t a = (int64_t) d < 0 ? 0 - d : d;
        while (a) {
            uint64_t t = g % a;
            g = a;
            a = t;
        }
    }
    return g;
}

static inline unsigned
s_scale_bits (uint64_t g)
{
    return g > 1 ? 1 + 6 + s_bitlen (g) : 1;
}

/* Estimated cost of Rice parameter k over a block whose code inputs have the bit lengths
 * b[0..nb) with counts c[]: an input of b > k bits has a quotient of about
 * 1.5 * 2^(b-1-k) (escaped from S_RICE_LIM on).  In half bits, to stay integer. */
static uint64_t
s_blk_est (const uint8_t *b, const uint16_t *c, unsigned nb, unsigned k)
{
    uint64_t half_bits = 0;
    for (unsigned i = 0; i < nb; i++) {
        uint64_t one;
        if (b[i] <= k)
            one = 2 * (1 + k);
        else if (b[i] - 1 - k < 3) /* 2q = 3 << (b-1-k) < 2 * S_RICE_LIM */
            one = (UINT64_C (3) << (b[i] - 1 - k)) + 2 * (1 + k);
        else
            one = 2 * (S_RICE_LIM + 6 + (unsigned) b[i]);
        half_bits += c[i] * one;
    }
    return half_bits;
}

/* The k of least estimated cost for code inputs z[0..cnt) (cnt <= S_BLOCK, some non-zero):
 * from the median bit length minus one, downhill (the estimate falls then rises in k).
 * *cost is the estimate.  Cost: a pass over z, then a few passes over the distinct bit
 * lengths, so small blocks (a batch's few samples per series) stay cheap. */
static unsigned
s_blk_guess_k (const uint64_t *z, size_t cnt, uint64_t *cost)
{
    uint8_t b[65];
    uint16_t h[65] = { 0 }, c[65];
    unsigned lo = 64, hi = 0, nb = 0;
    for (size_t i = 0; i < cnt; i++) {
        unsigned l = s_bitlen (z[i]);
        h[l]++;
        lo = l < lo ? l : lo;
        hi = l > hi ? l : hi;
    }
    unsigned k = 0, seen = 0;
    for (unsigned l = lo; l <= hi; l++) {
        if (!h[l])
            continue;
        if (seen < (cnt + 1) / 2 && seen + h[l] >= (cnt + 1) / 2)
            k = l ? l - 1 : 0; /* the median's bit length minus one */
        seen += h[l];
        b[nb] = (uint8_t) l;
        c[nb++] = h[l];
    }
    if (k >= S_K_ZERO)
        k = S_K_ZERO - 1;
    uint64_t best = s_blk_est (b, c, nb, k);
    while (k + 1 < S_K_ZERO) {
        uint64_t up = s_blk_est (b, c, nb, k + 1);
        if (up >= best)
            break;
        best = up;
        k++;
    }
    while (k > 0) {
        uint64_t down = s_blk_est (b, c, nb, k - 1);
        if (down >= best)
            break;
        best = down;
        k--;
    }
    *cost = best;
    return k;
}

/* The cheapest sparse code of a block whose inputs are mostly zero: every run parameter,
 * the value parameter around the estimate for the non-zero inputs.  *bits excludes the
 * block header; UINT64_MAX when fewer than half the inputs are zero. */
static void
s_sparse_plan (const uint64_t *z, size_t cnt, s_blk_t *out, uint64_t *bits)
{
    uint64_t nz[S_BLOCK3];
    size_t n = 0;
    *bits = UINT64_MAX;
    for (size_t j = 0; j < cnt; j++)
        if (z[j] && 2 * ++n > cnt)
            return; /* dense: most blocks stop here after half their inputs */
        else if (z[j])
            nz[n - 1] = z[j] - 1;
    if (!n)
        return;
    uint64_t est;
    unsigned kg = 0;
    for (size_t j = 0; j < n && !kg; j++)
        kg = nz[j] != 0;
    kg = kg ? s_blk_guess_k (nz, n, &est) : 0;
    for (unsigned b = kg ? kg - 1 : 0; b <= kg + 1 && b < 64; b++)
        for (unsigned a = 0; a < 8; a++) {
            uint64_t c = vg_chunk__sparse_bits (z, cnt, a, b);
            if (c < *bits) {
                *bits = c;
                out->ra = a;
                out->rb = b;
            }
        }
}

/* Header bits of a block coded in mode dod with parameter k: version 3 blocks after the
 * first cost 1 bit when they repeat the previous block's mode and k (prev), else 9. */
static inline unsigned
s_blk_hdr (unsigned modes, const s_blk_t *prev, unsigned dod, unsigned k)
{
    if (modes <= 2)
        return 7;
    if (!prev)
        return 8;
    return prev->dod == dod && prev->k == k ? 1 : 9;
}

/* The code of one block from its code inputs in every mode: all-zero when a mode's inputs
 * are all 0, else Rice in the mode and with the k of least estimated cost (within a few
 * tenths of a percent of the exact best on the benchmark fleet, at a fraction of the cost
 * of trying every k), or for version 2 blocks of at most S_SMALL_BLOCK values from the
 * inputs' mean.  Version 3 (modes 4, storage) costs every mode exactly around its
 * estimated k, and the previous block's mode and k.  bits is exact, header included. */
S_SPECIALISE s_blk_t
s_blk_plan (const uint64_t *const z[4], size_t cnt, unsigned modes, const s_blk_t *prev)
{
    s_blk_t best = { 0, 0, UINT64_MAX, 0, 0 };
    double sum[4] = { 0, 0, 0, 0 };
    for (unsigned dod = 0; dod < modes; dod++)
        for (size_t i = 0; i < cnt; i++)
            sum[dod] += (double) z[dod][i];
    for (unsigned dod = 0; dod < modes; dod++)
        if (sum[dod] == 0) {
            s_blk_t zero = { dod, S_K_ZERO, s_blk_hdr (modes, prev, dod, S_K_ZERO), 0, 0 };
            if (zero.bits < best.bits)
                best = zero;
        }
    if (best.bits != UINT64_MAX)
        return best;
    if (modes > 2) {
        if (prev && prev->k < S_K_SPARSE) {
            best.dod = prev->dod;
            best.k = prev->k;
            best.bits = 1;
            for (size_t i = 0; i < cnt; i++)
                best.bits += s_rice_len (z[prev->dod][i], prev->k);
        }
        for (unsigned dod = 0; dod < modes; dod++) {
            s_blk_t sp = { dod, S_K_SPARSE, 0, 0, 0 };
            uint64_t spbits;
            s_sparse_plan (z[dod], cnt, &sp, &spbits);
            if (spbits != UINT64_MAX && spbits + s_blk_hdr (modes, prev, dod, S_K_SPARSE) < best.bits) {
                best = sp;
                best.bits = spbits + s_blk_hdr (modes, prev, dod, S_K_SPARSE);
            }
        }
        for (unsigned dod = 0; dod < modes; dod++) {
            uint64_t est;
            unsigned kg = s_blk_guess_k (z[dod], cnt, &est);
            for (unsigned k = kg ? kg - 1 : 0; k <= kg + 1 && k < S_K_SPARSE; k++) {
                uint64_t bits = s_blk_hdr (modes, prev, dod, k);
                for (size_t i = 0; i < cnt; i++)
                    bits += s_rice_len (z[dod][i], k);
                if (bits < best.bits) {
                    best.bits = bits;
                    best.dod = dod;
                    best.k = k;
                }
            }
        }
        return best;
    }
    uint64_t best_est = UINT64_MAX;
    if (cnt <= S_SMALL_BLOCK) {
        /* A few values (a batch's samples of one series): the mode of the smaller inputs
         * and k from their mean; cheap, and the wire is compressed again anyway. */
        best.dod = sum[1] < sum[0];
        double mean = sum[best.dod] / (double) cnt;
        uint64_t mi = mean >= 0x1p62 ? UINT64_C (1) << 62 : (uint64_t) mean;
        best.k = mi ? s_bitlen (mi) - 1 : 0;
        best_est = 0;
    }
    for (unsigned dod = 0; dod < modes && best_est; dod++) {
        uint64_t est;
        unsigned k = s_blk_guess_k (z[dod], cnt, &est);
        if (est < best_est) {
            best_est = est;
            best.dod = dod;
            best.k = k;
        }
    }
    best.bits = s_blk_hdr (modes, prev, best.dod, best.k);
    for (size_t i = 0; i < cnt; i++)
        best.bits += s_rice_len (z[best.dod][i], best.k);
    return best;
}

/* Walk m[1..n) block by block: fill each block's code inputs in both modes, plan it, and
 * (w != NULL) write it.  plans[] keeps the first S_PLAN_CACHE blocks' plans from the
 * costing walk (w == NULL) for the writing walk.  Returns the bits of every block. */
#define S_PLAN_CACHE 32

S_SPECIALISE uint64_t
s_blocks_m (s_bw_t *w, const s_vals_t *c, size_t n, s_blk_t plans[S_PLAN_CACHE], unsigned modes)
{
    uint64_t zb[4][S_BLOCK > S_BLOCK3 ? S_BLOCK : S_BLOCK3], bits = 0;
    const uint64_t *const z[4] = { zb[0], zb[1], zb[2], zb[3] };
    uint64_t prev = s_q_at (c, 0), prev_d = 0, er = 0, el = prev;
    unsigned hbits = modes > 2 ? 8 : 7;
    size_t bs = modes > 2 ? S_BLOCK3 : S_BLOCK;
    s_blk_t last = { 0, 0, 0, 0, 0 };
    for (size_t i = 1, bi = 0; i < n; i += bs, bi++) {
        size_t cnt = n - i < bs ? n - i : bs;
        for (size_t j = 0; j < cnt; j++) {
            uint64_t q = modes > 2 ? s_q_at (c, i + j) : s_m_at (c->v, i + j, c->p), d = q - prev;
            zb[0][j] = vg_zigzag ((int64_t) d);
            zb[1][j] = vg_zigzag ((int64_t) (d - prev_d));
            if (modes > 2) {
                zb[2][j] = vg_zigzag ((int64_t) (d - s_ema_pred (er)));
                zb[3][j] = vg_zigzag ((int64_t) (q - s_ema_pred (el)));
                if (i + j == 1)
                    er = d << 4;
                else
                    s_ema_add (&er, d);
                s_ema_add (&el, q);
            }
            prev = q;
            prev_d = d;
        }
        s_blk_t b = w && bi < S_PLAN_CACHE ? plans[bi] : s_blk_plan (z, cnt, modes, modes > 2 && bi ? &last : NULL);
        bits += b.bits;
        int same = modes > 2 && bi && b.dod == last.dod && b.k == last.k;
        last = b;
        if (!w) {
            if (bi < S_PLAN_CACHE)
                plans[bi] = b;
            continue;
        }
        if (same)
            s_bw_put (w, 1, 1);
        else /* a version 3 block after the first: a 0 bit before mode and k */
            s_bw_put (w, ((uint64_t) b.dod << 6) | b.k, hbits + (modes > 2 && bi));
        if (modes > 2 && b.k == S_K_SPARSE)
            vg_chunk__sparse_put (w, z[b.dod], cnt, b.ra, b.rb);
        else if (b.k != S_K_ZERO)
            for (size_t j = 0; j < cnt; j++)
                s_rice_put (w, z[b.dod][j], b.k);
    }
    return bits;
}

/* s_blocks_m with the mode count a constant: version 2 (the wire) keeps its loop. */
static uint64_t
s_blocks (s_bw_t *w, const s_vals_t *c, size_t n, s_blk_t plans[S_PLAN_CACHE])
{
    return c->modes > 2 ? s_blocks_m (w, c, n, plans, 4) : s_blocks_m (w, c, n, plans, 2);
}

/* The version 2 timestamp bits after the header's first delta: the regular flag and, in an
 * irregular chunk, the codes of ts[2..n).  *v1 is the version 1 timestamp bits (Gorilla's:
 * the same codes, and one for the first delta). */
static uint64_t
s_ts2_cost (const int64_t *ts, size_t n, int *regular, uint64_t *v1)
{
    *regular = 1;
    *v1 = 0;
    if (n < 2)
        return 0;
    uint64_t delta = (uint64_t) ts[1] - (uint64_t) ts[0];
    uint64_t codes = s_ts_cost (ts, n, 2, delta);
    *v1 = codes + s_ts_code_len[s_ts_class (vg_zigzag ((int64_t) delta))];
    if (n < 3)
        return 0;
    *regular = codes == n - 2; /* every code is the 1-bit zero delta-of-delta */
    return 1 + (*regular ? 0 : codes);
}

static void
s_r_write (s_bw_t *w, const int64_t *ts, const s_vals_t *c, size_t n, unsigned flag, int first_signed, int regular,
           int flat, s_blk_t plans[S_PLAN_CACHE])
{
    double p = c->p;
    uint64_t m0 = s_m_at (c->v, 0, p);
    uint64_t z0 = first_signed ? vg_zigzag ((int64_t) m0) : m0;
    unsigned w0 = s_bitlen (z0);
    if (n >= 3) {
        s_bw_put (w, (uint64_t) regular, 1);
        uint64_t prev_delta = (uint64_t) ts[1] - (uint64_t) ts[0];
        for (size_t i = 2; i < n && !regular; i++)
            s_ts_next_put (w, ts, i, &prev_delta);
    }
    s_bw_put (w, ((uint64_t) flag << 8) | ((uint64_t) flat << 7) | w0, s_r_pre_bits (p != 0));
    if (w0)
        s_bw_put (w, z0, w0);
    if (flat)
        return;
    if (c->modes > 2) {
        s_bw_put (w, c->g > 1, 1);
        if (c->g > 1) {
            unsigned len = s_bitlen (c->g);
            s_bw_put (w, len - 1, 6);
            s_bw_put (w, c->g, len);
        }
    }
    s_blocks (w, c, n, plans);
}

/* ---- public API ------------------------------------------------------------------- */

static int
s_encode (const int64_t *ts, const void *v, vg_numtype_t type, size_t n, int v3, vg_buf_t *out)
{
    if (n == 0 || n > VG_CHUNK_MAX_SAMPLES)
        return -VG_EINVAL;

    /* Integers take the integer codec.  Doubles: the decimal codec when every value is
     * decimal and that is smaller than Gorilla (whose count stops early once it cannot
     * win), else Gorilla, which also wins ties: it decodes faster.  Every size is exact.
     * v3 (storage): decimal and integer chunks as version 3, with the common factor and
     * four block modes. */
    uint8_t hdr[1 + 10 + 10 + 10];
    size_t hlen = 1;
    hlen += vg_varint_put (hdr + hlen, (uint64_t) n);
    hlen += vg_varint_put (hdr + hlen, vg_zigzag (ts[0]));
    size_t h2len = hlen; /* version 2 header: the first delta follows */
    if (n >= 2)
        h2len += vg_varint_put (hdr + hlen, vg_zigzag ((int64_t) ((uint64_t) ts[1] - (uint64_t) ts[0])));
    int regular, codec = VG_CHUNK_GORILLA, is_signed = type == VG_NUM_I64, e = -1;
    uint64_t ts1_bits;
    uint64_t bits = s_ts2_cost (ts, n, &regular, &ts1_bits);
    s_flat_t fl = { 0, 1 };
    s_blk_t plans[S_PLAN_CACHE]; /* block plans, from costing to writing */
    double p = 0;
    s_vals_t vals = { v, 0, 0, 0, 2 };
    if (type != VG_NUM_F64) {
        codec = VG_CHUNK_INTEGER2;
        for (size_t i = 0; i < n; i++)
            s_flat_add (&fl, i, s_get (v, i));
    } else if ((e = s_dec_scan (v, n, &fl)) >= 0) {
        codec = VG_CHUNK_DECIMAL2;
        p = s_p10[e];
    }
    int is_dec = codec == VG_CHUNK_DECIMAL2;
    if (codec != VG_CHUNK_GORILLA) {
        uint64_t z0 = s_m_at (v, 0, p);
        vals.p = p;
        if (v3 && !fl.flat) {
            vals.m0 = z0;
            vals.g = s_common_factor (v, n, p);
            vals.modes = 4;
            bits += s_scale_bits (vals.g);
        }
        bits += s_r_pre_bits (is_dec) + (fl.flat ? 0 : s_blocks (NULL, &vals, n, plans))
                + s_bitlen (is_dec || is_signed ? vg_zigzag ((int64_t) z0) : z0);
    }
    if (codec != VG_CHUNK_INTEGER2) {
        /* Gorilla's total, against the decimal one when there is one (in whole bytes: the
         * headers differ). */
        uint64_t gbits = ts1_bits;
        uint64_t limit = codec == VG_CHUNK_DECIMAL2 ? (h2len - hlen) * 8 + bits + 7 : UINT64_MAX;
        gbits += vg_chunk__gor_cost (v, n, limit);
        if (codec == VG_CHUNK_GORILLA || hlen + (gbits + 7) / 8 <= h2len + (bits + 7) / 8) {
            codec = VG_CHUNK_GORILLA;
            bits = gbits;
        }
    }
    if (codec == VG_CHUNK_GORILLA)
        h2len = hlen;
    else if (v3) /* the same body as version 2 when constant */
        codec = is_dec ? VG_CHUNK_DECIMAL3 : VG_CHUNK_INTEGER3;
    hdr[0] = (uint8_t) codec;
    size_t body = (size_t) ((bits + 7) / 8);
    int rc = vg_buf_reserve (out, h2len + body);
    if (rc < 0)
        return rc;

    uint8_t *start = out->data + out->len;
    memcpy (start, hdr, h2len);
    s_bw_t w = { start + h2len, 0, 0 };
    if (codec == VG_CHUNK_GORILLA)
        vg_chunk__gor_write (&w, ts, v, n);
    else
        s_r_write (&w, ts, &vals, n, is_dec ? (unsigned) e : (unsigned) is_signed, is_dec || is_signed, regular,
                   fl.flat, plans);
    s_bw_flush (&w);
    assert ((size_t) (w.p - start) == h2len + body);
    out->len += h2len + body;
    return 0;
}

int
vg_chunk_encode (const int64_t *ts, const double *v, size_t n, vg_buf_t *out)
{
    assert (ts && v && out);
    return s_encode (ts, v, VG_NUM_F64, n, 0, out);
}

int
vg_chunk_encode_num (const int64_t *ts, const vg_num_t *v, vg_numtype_t type, size_t n, vg_buf_t *out)
{
    assert (ts && v && out && (type == VG_NUM_F64 || type == VG_NUM_I64 || type == VG_NUM_U64));
    return s_encode (ts, v, type, n, 0, out);
}

int
vg_chunk_encode_store (const int64_t *ts, const vg_num_t *v, vg_numtype_t type, size_t n, vg_buf_t *out)
{
    assert (ts && v && out && (type == VG_NUM_F64 || type == VG_NUM_I64 || type == VG_NUM_U64));
    return s_encode (ts, v, type, n, 1, out);
}

uint64_t
vg_chunk_ts_bits (int codec, const int64_t *ts, size_t n)
{
    assert (ts || !n);
    if (n < 2)
        return 0;
    uint8_t tmp[10];
    int regular;
    uint64_t v1;
    uint64_t v2 = s_ts2_cost (ts, n, &regular, &v1);
    if (codec < VG_CHUNK_DECIMAL2)
        return v1;
    return 8 * vg_varint_put (tmp, vg_zigzag ((int64_t) ((uint64_t) ts[1] - (uint64_t) ts[0]))) + v2;
}
