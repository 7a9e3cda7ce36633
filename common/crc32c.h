/* crc32c.h - CRC-32C (Castagnoli), for spool and file checksums. */
#ifndef VG_CRC32C_H
#define VG_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extend crc with n bytes; start with crc = 0. */
uint32_t vg_crc32c (uint32_t crc, const void *data, size_t n);

#endif
