/* chunk_int.h - internals shared by the chunk codec's files (chunk.c, chunk_read.c,
 * chunk_gorilla.c, chunk_v1.c, chunk_v3.c): the bit writer and reader, the timestamp code, the Rice code and
 * running means of version 2 and 3 blocks, and the readers in the other files.  Not an
 * API: only the codec includes it.  Invariants as in chunk.c: writers write into room reserved before,
 * readers yield zero bits past the end and count them. */
#ifndef VG_CHUNK_INT_H
#define VG_CHUNK_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"
#include "common/num.h"
#include "common/varint.h"

_Static_assert (sizeof (vg_num_t) == 8 && sizeof (double) == 8, "values are 8-byte cells");


#define S_DEC_MAX_E 9
#define S_TS_CLASSES 7
#define S_MANT_LIMIT 9007199254740992.0 /* 2^53 */

static const unsigned s_ts_width[S_TS_CLASSES] = { 0, 7, 10, 14, 24, 40, 64 };
static const double s_p10[S_DEC_MAX_E + 1] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };

/* A function inlined wherever called, so that constant arguments specialise it (one loop
 * per block mode or codec version) where the compiler's own heuristics would not. */
#if defined(__GNUC__) || defined(__clang__)
#define S_SPECIALISE static inline __attribute__ ((always_inline))
#else
#define S_SPECIALISE static inline
#endif

/* ---- bit helpers ------------------------------------------------------------------ */

static inline unsigned
s_clz64 (uint64_t x) /* x != 0 */
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned) __builtin_clzll (x);
#else
    unsigned n = 0;
    while (!(x & (UINT64_C (1) << 63))) {
        x <<= 1;
        n++;
    }
    return n;
#endif
}

static inline unsigned
s_ctz64 (uint64_t x) /* x != 0 */
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned) __builtin_ctzll (x);
#else
    unsigned n = 0;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
#endif
}

/* Number of significant bits of x (0 for 0). */
static inline unsigned
s_bitlen (uint64_t x)
{
    return x ? 64 - s_clz64 (x) : 0;
}

static inline uint64_t
s_dbits (double d)
{
    uint64_t u;
    memcpy (&u, &d, sizeof u);
    return u;
}

static inline double
s_bitsd (uint64_t u)
{
    double d;
    memcpy (&d, &u, sizeof d);
    return d;
}

static inline void
s_store_be64 (uint8_t *p, uint64_t v)
{
    p[0] = (uint8_t) (v >> 56);
    p[1] = (uint8_t) (v >> 48);
    p[2] = (uint8_t) (v >> 40);
    p[3] = (uint8_t) (v >> 32);
    p[4] = (uint8_t) (v >> 24);
    p[5] = (uint8_t) (v >> 16);
    p[6] = (uint8_t) (v >> 8);
    p[7] = (uint8_t) v;
}

static inline uint64_t
s_load_be64 (const uint8_t *p)
{
    return ((uint64_t) p[0] << 56) | ((uint64_t) p[1] << 48) | ((uint64_t) p[2] << 40)
           | ((uint64_t) p[3] << 32) | ((uint64_t) p[4] << 24) | ((uint64_t) p[5] << 16)
           | ((uint64_t) p[6] << 8) | (uint64_t) p[7];
}

/* Element i of an array of 8-byte values (double or vg_num_t) as its bits, and back.
 * memcpy keeps this free of aliasing questions; compilers make it one load or store. */
static inline uint64_t
s_get (const void *v, size_t i)
{
    uint64_t u;
    memcpy (&u, (const unsigned char *) v + 8 * i, sizeof u);
    return u;
}

static inline void
s_put (void *v, size_t i, uint64_t u)
{
    memcpy ((unsigned char *) v + 8 * i, &u, sizeof u);
}

/* ---- bit writer: MSB first; acc holds n < 64 pending bits, left-aligned ------------ */

typedef struct {
    uint8_t *p;
    uint64_t acc;
    unsigned n;
} s_bw_t;

/* Append the k low bits of v (1 <= k <= 64, v < 2^k).  Room was reserved by the caller. */
static inline void
s_bw_put (s_bw_t *w, uint64_t v, unsigned k)
{
    unsigned room = 64 - w->n;
    if (k < room) {
        w->acc |= v << (room - k);
        w->n += k;
        return;
    }
    unsigned rest = k - room;
    w->acc |= v >> rest;
    s_store_be64 (w->p, w->acc);
    w->p += 8;
    w->acc = rest ? v << (64 - rest) : 0;
    w->n = rest;
}

static inline void
s_bw_flush (s_bw_t *w)
{
    for (unsigned i = 0; i < w->n; i += 8) {
        *w->p++ = (uint8_t) (w->acc >> 56);
        w->acc <<= 8;
    }
    w->n = 0;
}

/* ---- bit reader: MSB first; past `end` it yields zero bits and counts them in pad --- */

typedef struct {
    const uint8_t *p, *start, *end;
    uint64_t acc; /* left-aligned; bits below cnt are zero or already the next stream bits */
    unsigned cnt; /* valid bits in acc */
    size_t pad;   /* zero bytes synthesised past end */
} s_br_t;

static inline void
s_br_init (s_br_t *r, const uint8_t *p, const uint8_t *end)
{
    r->p = r->start = p;
    r->end = end;
    r->acc = 0;
    r->cnt = 0;
    r->pad = 0;
}

/* Bring cnt to at least 56. */
static inline void
s_br_refill (s_br_t *r)
{
    if (r->end - r->p >= 8) {
        r->acc |= s_load_be64 (r->p) >> r->cnt;
        r->p += (63 - r->cnt) >> 3;
        r->cnt |= 56;
        return;
    }
    while (r->cnt <= 56) {
        uint64_t b = 0;
        if (r->p < r->end)
            b = *r->p++;
        else
            r->pad++;
        r->acc |= b << (56 - r->cnt);
        r->cnt += 8;
    }
}

static inline void
s_br_skip (s_br_t *r, unsigned k) /* k <= cnt */
{
    r->acc <<= k;
    r->cnt -= k;
}

/* Read k bits, 1 <= k <= 64. */
static inline uint64_t
s_br_read (s_br_t *r, unsigned k)
{
    if (k > 56) {
        uint64_t hi = s_br_read (r, k - 32);
        return (hi << 32) | s_br_read (r, 32);
    }
    if (r->cnt < k)
        s_br_refill (r);
    uint64_t v = r->acc >> (64 - k);
    s_br_skip (r, k);
    return v;
}

static inline uint64_t
s_br_consumed_bits (const s_br_t *r)
{
    return ((uint64_t) (r->p - r->start) + r->pad) * 8 - r->cnt;
}

/* ---- timestamps ------------------------------------------------------------------- */

/* Code length per class, and the prefix (c ones then a zero; six ones for class 6). */
static const uint8_t s_ts_code_len[S_TS_CLASSES] = { 1, 9, 13, 18, 29, 46, 70 };
static const uint8_t s_ts_prefix[S_TS_CLASSES] = { 0x00, 0x02, 0x06, 0x0e, 0x1e, 0x3e, 0x3f };

/* The class of a zig-zagged delta-of-delta: 0 for zero, else the narrowest bucket. */
static inline unsigned
s_ts_class (uint64_t z)
{
    if (z < (UINT64_C (1) << 7))
        return z != 0;
    if (z < (UINT64_C (1) << 10))
        return 2;
    if (z < (UINT64_C (1) << 14))
        return 3;
    if (z < (UINT64_C (1) << 24))
        return 4;
    return z < (UINT64_C (1) << 40) ? 5 : 6;
}

/* Bits of the timestamp codes of ts[from..n), the delta before ts[from] being prev_delta. */
static inline uint64_t
s_ts_cost (const int64_t *ts, size_t n, size_t from, uint64_t prev_delta)
{
    uint64_t bits = 0;
    for (size_t i = from; i < n; i++) {
        uint64_t delta = (uint64_t) ts[i] - (uint64_t) ts[i - 1];
        uint64_t z = vg_zigzag ((int64_t) (delta - prev_delta));
        prev_delta = delta;
        bits += s_ts_code_len[s_ts_class (z)];
    }
    return bits;
}

static inline void
s_ts_put (s_bw_t *w, uint64_t z)
{
    unsigned c = s_ts_class (z);
    if (c == 0) /* regular intervals */
        s_bw_put (w, 0, 1);
    else if (c < 6) /* prefix and payload in one write of at most 46 bits */
        s_bw_put (w, ((uint64_t) s_ts_prefix[c] << s_ts_width[c]) | z, s_ts_code_len[c]);
    else {
        s_bw_put (w, 0x3f, 6);
        s_bw_put (w, z, 64);
    }
}

/* Write the code of ts[i] (i >= 1); *prev_delta is the delta before it, updated. */
static inline void
s_ts_next_put (s_bw_t *w, const int64_t *ts, size_t i, uint64_t *prev_delta)
{
    uint64_t delta = (uint64_t) ts[i] - (uint64_t) ts[i - 1];
    s_ts_put (w, vg_zigzag ((int64_t) (delta - *prev_delta)));
    *prev_delta = delta;
}

/* Read one timestamp code and return the zig-zagged delta-of-delta. */
static inline uint64_t
s_ts_get (s_br_t *r)
{
    if (r->cnt < 6)
        s_br_refill (r);
    unsigned ones = s_clz64 (~r->acc | (UINT64_C (1) << 57)); /* 0..6 */
    if (ones == 0) {
        s_br_skip (r, 1);
        return 0;
    }
    s_br_skip (r, ones < 6 ? ones + 1 : 6);
    return s_br_read (r, s_ts_width[ones]);
}

/* The next timestamp: *delta and *t advance by one delta-of-delta (wrapping in uint64). */
static inline int64_t
s_ts_next (s_br_t *r, uint64_t *t, uint64_t *delta)
{
    *delta += (uint64_t) vg_unzigzag (s_ts_get (r));
    *t += *delta;
    return (int64_t) *t;
}

/* ---- Gorilla values (codec 1, chunk_gorilla.c) ------------------------------------ */

/* The value bits of a Gorilla chunk of v[0..n) (the 64-bit first value included), or some
 * number above limit once the count passes it. */
uint64_t vg_chunk__gor_cost (const void *v, size_t n, uint64_t limit);

/* Write the first value, then per sample i >= 1 its timestamp code and value code. */
void vg_chunk__gor_write (s_bw_t *w, const int64_t *ts, const void *v, size_t n);

/* Read the body after the first timestamp (ts[0] set) into ts[1..n) and the bits of v[0..n).
 * Returns 0 or -VG_EPROTO. */
int vg_chunk__gor_read (s_br_t *r, int64_t *ts, void *v, size_t n);

/* ---- version 2 and 3 value codes (chunk.c writes, chunk_read.c and chunk_v3.c read) - */

#define S_RICE_LIM 8
#define S_BLOCK 128
#define S_BLOCK3 128 /* version 3 */
#define S_K_ZERO 63
#define S_K_SPARSE 62 /* version 3: zero runs (see below); version 2 reads 62 as a Rice k */

/* Version 2 and 3 preamble bits before the first value (kind-specific flag, constant,
 * width). */
static inline unsigned
s_r_pre_bits (int is_dec)
{
    return (is_dec ? 4 : 1) + 1 + 7;
}

static inline unsigned
s_rice_len (uint64_t z, unsigned k)
{
    uint64_t q = z >> k;
    return q < S_RICE_LIM ? (unsigned) q + 1 + k : S_RICE_LIM + 6 + s_bitlen (z);
}

static inline void
s_rice_put (s_bw_t *w, uint64_t z, unsigned k)
{
    uint64_t q = z >> k;
    if (q >= S_RICE_LIM) {
        unsigned len = s_bitlen (z);
        s_bw_put (w, (((UINT64_C (1) << S_RICE_LIM) - 1) << 6) | (len - 1), S_RICE_LIM + 6);
        s_bw_put (w, z, len);
        return;
    }
    uint64_t unary = ((UINT64_C (1) << q) - 1) << 1; /* q ones, a zero */
    if (k == 0)
        s_bw_put (w, unary, (unsigned) q + 1);
    else if (q + 1 + k <= 64)
        s_bw_put (w, (unary << k) | (z & ((UINT64_C (1) << k) - 1)), (unsigned) q + 1 + k);
    else {
        s_bw_put (w, unary, (unsigned) q + 1);
        s_bw_put (w, z & ((UINT64_C (1) << k) - 1), k);
    }
}

static inline uint64_t
s_rice_get (s_br_t *r, unsigned k)
{
    if (r->cnt < S_RICE_LIM + 1)
        s_br_refill (r);
    unsigned q = s_clz64 (~r->acc | (UINT64_C (1) << (63 - S_RICE_LIM))); /* 0..S_RICE_LIM */
    if (q < S_RICE_LIM) {
        s_br_skip (r, q + 1);
        return k ? ((uint64_t) q << k) | s_br_read (r, k) : q; /* wraps on hostile input */
    }
    s_br_skip (r, S_RICE_LIM);
    return s_br_read (r, (unsigned) s_br_read (r, 6) + 1);
}

/* Arithmetic right shift of a wrapping value as int64 (>> of a negative int is
 * implementation-defined in C11). */
static inline uint64_t
s_asr (uint64_t x, unsigned k)
{
    int64_t s = (int64_t) x;
    return (uint64_t) (s >= 0 ? s >> k : ~(~s >> k));
}

static inline uint64_t
s_ema_pred (uint64_t e)
{
    return s_asr (e + 8, 4);
}

static inline void
s_ema_add (uint64_t *e, uint64_t x)
{
    *e += s_asr ((x << 4) - *e, 3);
}

/* Version 3 sparse blocks (chunk_v3.c): the bits of the code of z[0..cnt) with run
 * parameter a and value parameter b (its 9 parameter bits included); write it; read a
 * block's cnt code inputs (returns 0 or -VG_EPROTO: a run past the block). */
uint64_t vg_chunk__sparse_bits (const uint64_t *z, size_t cnt, unsigned a, unsigned b);
void vg_chunk__sparse_put (s_bw_t *w, const uint64_t *z, size_t cnt, unsigned a, unsigned b);
int vg_chunk__sparse_get (s_br_t *r, uint64_t *z, size_t cnt);

/* Read the blocks of a version 3 chunk after its preamble (first value m0 in v[0], the
 * constant flag `flat`): values m0 + g * q[i] into v[1..n), as doubles m / p when is_dec.
 * Returns 0 or -VG_EPROTO. */
int vg_chunk__v3_read (s_br_t *r, void *v, size_t n, int is_dec, double p, uint64_t m0, int flat);

/* ---- version 1 decimal and integer chunks (codecs 2 and 3, chunk_v1.c): read only ---- */

/* Read the body of a version 1 decimal chunk after the first timestamp (ts[0] set) into
 * ts[1..n) and the doubles' bits in v[0..n).  Returns 0 or -VG_EPROTO. */
int vg_chunk__v1_dec_read (s_br_t *r, int64_t *ts, void *v, size_t n);

/* The same for a version 1 integer chunk; *is_signed says int64 (1) or uint64 (0). */
int vg_chunk__v1_int_read (s_br_t *r, int64_t *ts, void *v, size_t n, int *is_signed);

#endif
