/* chunk_gorilla.c - the Gorilla value code of sample chunks (codec 1; Pelkonen et al.,
 * VLDB 2015): delta-of-delta timestamps and XOR'ed doubles.  Bit format in chunk.c's
 * header comment; the shared bit writer, reader and timestamp code in chunk_int.h. */
#include "common/chunk_int.h"

/* ---- Gorilla values --------------------------------------------------------------- */

typedef struct {
    unsigned lead, trail, len; /* the current window; len 0 = none yet */
} s_win_t;

/* Reuse the window when x fits in it and that is cheaper than sending a new one (14 bits
 * of header + the meaningful bits); on a tie take the tighter new window. */
static inline int
s_win_reuse (const s_win_t *wn, unsigned lead, unsigned trail)
{
    return wn->len && lead >= wn->lead && trail >= wn->trail && wn->len < 64 - lead - trail + 12;
}

/* The Gorilla value bits, or some number above limit once the count passes it. */
uint64_t
vg_chunk__gor_cost (const void *v, size_t n, uint64_t limit)
{
    uint64_t bits = 64, prev = s_get (v, 0);
    s_win_t wn = { 0, 0, 0 };
    for (size_t i = 1; i < n; i++) {
        uint64_t cur = s_get (v, i), x = cur ^ prev;
        prev = cur;
        if (!x) {
            bits += 1;
            continue;
        }
        unsigned lead = s_clz64 (x), trail = s_ctz64 (x);
        if (s_win_reuse (&wn, lead, trail))
            bits += 2 + wn.len;
        else {
            wn.lead = lead;
            wn.trail = trail;
            wn.len = 64 - lead - trail;
            bits += 14 + wn.len;
            if (bits > limit)
                break;
        }
    }
    return bits;
}

void
vg_chunk__gor_write (s_bw_t *w, const int64_t *ts, const void *v, size_t n)
{
    uint64_t prev = s_get (v, 0), prev_delta = 0;
    s_win_t wn = { 0, 0, 0 };
    s_bw_put (w, prev, 64);
    for (size_t i = 1; i < n; i++) {
        s_ts_next_put (w, ts, i, &prev_delta);

        uint64_t cur = s_get (v, i), x = cur ^ prev;
        prev = cur;
        if (!x) {
            s_bw_put (w, 0, 1);
            continue;
        }
        unsigned lead = s_clz64 (x), trail = s_ctz64 (x);
        if (s_win_reuse (&wn, lead, trail)) {
            s_bw_put (w, 2, 2);
            s_bw_put (w, x >> wn.trail, wn.len);
        } else {
            wn.lead = lead;
            wn.trail = trail;
            wn.len = 64 - lead - trail;
            s_bw_put (w, (UINT64_C (3) << 12) | (lead << 6) | (wn.len - 1), 14);
            s_bw_put (w, x >> trail, wn.len);
        }
    }
}

int
vg_chunk__gor_read (s_br_t *r, int64_t *ts, void *v, size_t n)
{
    uint64_t prev = s_br_read (r, 64), t = (uint64_t) ts[0], delta = 0;
    s_win_t wn = { 0, 0, 0 };
    s_put (v, 0, prev);
    for (size_t i = 1; i < n; i++) {
        ts[i] = s_ts_next (r, &t, &delta);

        if (r->cnt < 2)
            s_br_refill (r);
        if (!(r->acc >> 63)) {
            s_br_skip (r, 1);
        } else if (!(r->acc & (UINT64_C (1) << 62))) {
            s_br_skip (r, 2);
            if (!wn.len)
                return -VG_EPROTO;
            prev ^= s_br_read (r, wn.len) << wn.trail;
        } else {
            s_br_skip (r, 2);
            uint64_t h = s_br_read (r, 12);
            unsigned lead = (unsigned) (h >> 6), len = (unsigned) (h & 63) + 1;
            if (lead + len > 64)
                return -VG_EPROTO;
            wn.lead = lead;
            wn.len = len;
            wn.trail = 64 - lead - len;
            prev ^= s_br_read (r, len) << wn.trail;
        }
        s_put (v, i, prev);
    }
    return 0;
}
