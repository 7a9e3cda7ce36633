/* crc32c.c - table-driven CRC-32C, slicing by one byte; table computed at compile time. */
#include "common/crc32c.h"

#define P 0x82f63b78u
#define R1(c) (((c) & 1) ? ((c) >> 1) ^ P : (c) >> 1)
#define R8(c) R1 (R1 (R1 (R1 (R1 (R1 (R1 (R1 (c))))))))
#define T4(i) R8 (i), R8 (i + 1), R8 (i + 2), R8 (i + 3)
#define T16(i) T4 (i), T4 (i + 4), T4 (i + 8), T4 (i + 12)
#define T64(i) T16 (i), T16 (i + 16), T16 (i + 32), T16 (i + 48)

static const uint32_t s_table[256] = { T64 (0u), T64 (64u), T64 (128u), T64 (192u) };

uint32_t
vg_crc32c (uint32_t crc, const void *data, size_t n)
{
    const uint8_t *p = data;
    crc = ~crc;
    while (n--)
        crc = s_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
