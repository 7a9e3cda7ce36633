/* check_compress.c - zstd framing: round trip, detection, and bounded decompression. */
#include <check.h>
#include <string.h>

#include "common/compress.h"
#include "common/err.h"
#include "tests/support/suite.h"

START_TEST (roundtrip_and_detect)
{
    uint8_t in[10000];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t) (i % 37);
    in[0] = 0x0A; /* what a vigil.Batch starts with */
    ck_assert (!vg_is_zstd (in, sizeof in));
    vg_buf_t z = VG_BUF_INIT, out = VG_BUF_INIT;
    ck_assert_int_eq (vg_zstd_compress (in, sizeof in, 1, &z), 0);
    ck_assert (vg_is_zstd (z.data, z.len));
    ck_assert_uint_lt (z.len, sizeof in / 4);
    ck_assert_int_eq (vg_zstd_decompress (z.data, z.len, sizeof in, &out), 0);
    ck_assert_uint_eq (out.len, sizeof in);
    ck_assert_mem_eq (out.data, in, sizeof in);
    /* Larger than allowed: refused before any work. */
    ck_assert_int_eq (vg_zstd_decompress (z.data, z.len, sizeof in - 1, &out), -VG_ETOOBIG);
    /* Truncated and garbage frames: errors, no crash. */
    for (size_t cut = 0; cut < z.len; cut += 7)
        ck_assert_int_lt (vg_zstd_decompress (z.data, cut, sizeof in, &out), 0);
    uint8_t junk[64] = { 0x28, 0xB5, 0x2F, 0xFD, 0xff, 0xff, 0xff, 0xff };
    ck_assert_int_lt (vg_zstd_decompress (junk, sizeof junk, 1 << 20, &out), 0);
    vg_buf_free (&z);
    vg_buf_free (&out);
}
END_TEST

Suite *
vg_compress_suite (void)
{
    return vg_test_suite ("compress", "compress", &roundtrip_and_detect, 1, 0, NULL, NULL);
}
