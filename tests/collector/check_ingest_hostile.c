/* check_ingest_hostile.c - hostile bytes at the collector's trust boundary: an oversized
 * batch, every truncation, random buffers and every single-bit flip of a valid batch are
 * refused with a counter (or, for a flip in a value, accepted as a different well-formed
 * batch), never crash, and never leave a partial write.  Set-up: fixture_ingest.c. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "tests/collector/fixture_ingest.h"
#include "tests/support/suite.h"

/* ---- hostile bytes ---- */

START_TEST (oversized_batch_refused)
{
    vg_buf_t b = VG_BUF_INIT;
    fx_build_simple ("a1", 1, &b);
    vg_ingest_cfg_t c = fx_cfg ();
    c.max_batch_bytes = b.len - 1;
    fx_reopen (&c);
    fx_expect_reject (b.data, b.len, -VG_ETOOBIG, "exceeds max_batch_bytes");
    /* Exactly at the limit is fine. */
    c.max_batch_bytes = b.len;
    fx_reopen (&c);
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    vg_buf_free (&b);
}
END_TEST

/* Offsets in p[0..len) where a top-level protobuf field ends (a truncation there is a
 * shorter but well-formed message).  Returns how many were written to ends. */
static size_t
s_field_ends (const uint8_t *p, size_t len, size_t *ends, size_t cap)
{
    size_t off = 0, n = 0;
    while (off < len && n < cap) {
        uint64_t tag = 0, v = 0;
        int sh = 0;
        while (off < len && (p[off] & 0x80))
            tag |= (uint64_t) (p[off++] & 0x7f) << sh, sh += 7;
        ck_assert_uint_lt (off, len);
        tag |= (uint64_t) p[off++] << sh;
        switch (tag & 7) {
        case 0:
            while (p[off] & 0x80)
                off++;
            off++;
            break;
        case 2:
            sh = 0;
            while (p[off] & 0x80)
                v |= (uint64_t) (p[off++] & 0x7f) << sh, sh += 7;
            v |= (uint64_t) p[off++] << sh;
            off += v;
            break;
        case 1:
            off += 8;
            break;
        case 5:
            off += 4;
            break;
        default:
            ck_abort_msg ("unexpected wire type in a batch we built");
        }
        ck_assert_uint_le (off, len);
        ends[n++] = off;
    }
    return n;
}

START_TEST (truncations_refused)
{
    vg_buf_t b = VG_BUF_INIT;
    fx_spec_t sp = fx_spec ("a1", 1);
    sp.nstate = 1;
    sp.nevents = 2;
    fx_build (&sp, &b);
    size_t ends[256];
    size_t nends = s_field_ends (b.data, b.len, ends, 256);
    ck_assert_uint_eq (ends[nends - 1], b.len);
    uint64_t before = fx_digest ();
    size_t refused = 0, boundary = 0;
    for (size_t cut = 0; cut < b.len; cut++) {
        bool at_boundary = cut == 0;
        for (size_t i = 0; i < nends; i++)
            at_boundary |= ends[i] == cut;
        uint8_t *copy = malloc (cut ? cut : 1); /* exact size: reads past it are caught by ASan */
        memcpy (copy, b.data, cut);
        int rc = fx_probe (copy, cut);
        free (copy);
        if (!at_boundary)
            ck_assert_msg (rc < 0, "cut at %zu of %zu inside a field: rc %d", cut, b.len, rc);
        refused += rc < 0;
        boundary += at_boundary;
    }
    ck_assert_uint_ge (refused, b.len - boundary);
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->rejected, refused);
    ck_assert_uint_eq (fx_digest (), before);
    /* The whole batch still goes in afterwards. */
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 40);
    vg_buf_free (&b);
}
END_TEST

static uint64_t
s_rand (uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

START_TEST (random_bytes_refused)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL, before = fx_digest ();
    uint8_t buf[600];
    const int rounds = 3000;
    for (int r = 0; r < rounds; r++) {
        size_t len = (size_t) (s_rand (&seed) % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t) s_rand (&seed);
        /* Half of them start like a batch of a known agent, to get past the first checks. */
        if (r % 2 && len > 8)
            memcpy (buf, "\x0a\x02" "a1\x10\x07\x18\x01", 8);
        ck_assert_int_lt (fx_probe (buf, len), 0);
    }
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->rejected, (uint64_t) rounds);
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->batches, 0);
    ck_assert_uint_eq (fx_digest (), before);
}
END_TEST

START_TEST (bit_flips_never_corrupt)
{
    /* Every single-bit flip of a valid batch: either refused (nothing added, counted once)
     * or accepted as a different well-formed batch (a flipped sample value, say), which
     * is then rolled back.  Never a crash, never a partial write. */
    vg_buf_t b = VG_BUF_INIT;
    fx_spec_t sp = fx_spec ("a1", 1);
    sp.nstate = 1;
    sp.nevents = 2;
    fx_build (&sp, &b);
    uint64_t before = fx_digest ();
    uint8_t *copy = malloc (b.len);
    size_t refused = 0, accepted = 0;
    for (size_t i = 0; i < b.len; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy (copy, b.data, b.len);
            copy[i] ^= (uint8_t) (1u << bit);
            uint64_t rej = vg_ingest_stats (fx_in)->rejected;
            int rc = fx_probe (copy, b.len);
            if (rc < 0) {
                refused++;
                ck_assert_uint_eq (vg_ingest_stats (fx_in)->rejected, rej + 1);
            } else {
                accepted += rc == 0;
                ck_assert_uint_eq (vg_ingest_stats (fx_in)->rejected, rej);
            }
        }
    free (copy);
    /* Both happen: flips in lengths, tags and indices are refused, flips in values not. */
    ck_assert_uint_gt (refused, b.len);
    ck_assert_uint_gt (accepted, 0);
    ck_assert_uint_eq (fx_digest (), before);
    fx_assert_pos ("a1", 0, 0);
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 40);
    vg_buf_free (&b);
}
END_TEST

Suite *
vg_ingest_hostile_suite (void)
{
    const TTest *hostile[] = {
        oversized_batch_refused, truncations_refused, random_bytes_refused, bit_flips_never_corrupt,
    };
    return vg_test_suite ("ingest_hostile", "hostile", hostile, sizeof hostile / sizeof hostile[0], 120, fx_setup,
                          fx_teardown);
}
