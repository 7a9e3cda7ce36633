/* read_assert.h - reading a whole test input file (a vendor capture, a golden output) or
 * failing the test that needs it, naming the file.
 *
 * Header-only (static inline, Check assertions) beside tmpdir.h's plain reader, which the
 * fuzz targets (no Check) link too. */
#ifndef VG_TEST_READ_ASSERT_H
#define VG_TEST_READ_ASSERT_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/support/tmpdir.h"

/* The whole file at path, NUL-terminated (free() it), its length in *len; fails the test
 * when it cannot be read. */
static inline uint8_t *
vg_test_read_or_fail (const char *path, size_t *len)
{
    uint8_t *b = vg_test_read_file (path, len);
    ck_assert_msg (b != NULL, "cannot open %s", path);
    return b;
}

#endif
