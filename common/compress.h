/* compress.h - zstd framing for batches on the wire and in the spool.
 *
 * A compressed batch is one zstd frame (magic 28 B5 2F FD) with its content size in the
 * header; an uncompressed vigil.Batch always starts with the tag of field 1 (0x0A), so the
 * two can be told apart from the first bytes.  Decompression is bounded: a frame that
 * declares (or turns out) larger than max_out is refused. */
#ifndef VG_COMPRESS_H
#define VG_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* True if p[0..len) starts with a zstd frame magic number. */
bool vg_is_zstd (const uint8_t *p, size_t len);

/* Replace out's contents with the zstd frame of in (level 1..19). 0 or -VG_ENOMEM/-VG_EIO. */
int vg_zstd_compress (const uint8_t *in, size_t len, int level, vg_buf_t *out);

/* Replace out's contents with the decompressed frame.  -VG_ETOOBIG if the content is (or
 * declares itself) larger than max_out, -VG_EPROTO if it is not a valid single frame with
 * a declared size, -VG_ENOMEM. */
int vg_zstd_decompress (const uint8_t *in, size_t len, size_t max_out, vg_buf_t *out);

#endif
