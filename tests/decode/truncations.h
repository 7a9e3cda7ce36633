/* truncations.h - the decoder suites' truncation sweep: every prefix of a real message,
 * each in a buffer of exactly its size, must decode or fail with one counted error.
 *
 * Header-only (static inline, Check assertions) because pcap_util.c is also compiled into
 * the benchmark, which does not link Check. */
#ifndef VG_TEST_TRUNCATIONS_H
#define VG_TEST_TRUNCATIONS_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decoder.h"

/* One decode of p[0..len) into st (a decoder with its context and sink bound by arg). */
typedef int (*tu_decode_fn) (void *arg, const uint8_t *p, size_t len, vg_decode_stats_t *st);

/* Feed fn every prefix of p[0..n) of length 0, step, 2 * step, ... below n, each copied into
 * a buffer of exactly that size (so ASan sees an overread) with fresh stats: each must decode
 * (0, no error counted) or fail (a negative code, exactly one error counted, last_error set);
 * a Check assertion fails otherwise.  Returns how many failed; *tries (may be NULL) the
 * prefixes tried. */
static inline int
tu_truncations (tu_decode_fn fn, void *arg, const uint8_t *p, size_t n, size_t step, int *tries)
{
    int fails = 0, k = 0;
    for (size_t len = 0; len < n; len += step, k++) {
        uint8_t *cp = malloc (len ? len : 1);
        ck_assert_ptr_nonnull (cp);
        memcpy (cp, p, len);
        vg_decode_stats_t st = { 0 };
        int rc = fn (arg, cp, len, &st);
        free (cp);
        ck_assert_msg (rc <= 0, "prefix %zu: rc %d", len, rc);
        ck_assert_msg (st.errors == (rc < 0 ? 1u : 0u), "prefix %zu: rc %d, %llu errors", len, rc,
                       (unsigned long long) st.errors);
        ck_assert_msg (rc == 0 || st.last_error[0] != '\0', "prefix %zu: rc %d and no last_error", len, rc);
        fails += rc < 0;
    }
    if (tries)
        *tries = k;
    return fails;
}

#endif
