/* compress.c - zstd one-shot compression with bounded decompression. */
#include "common/compress.h"

#include <zstd.h>

#include "common/err.h"

bool
vg_is_zstd (const uint8_t *p, size_t len)
{
    return len >= 4 && p[0] == 0x28 && p[1] == 0xB5 && p[2] == 0x2F && p[3] == 0xFD;
}

int
vg_zstd_compress (const uint8_t *in, size_t len, int level, vg_buf_t *out)
{
    size_t bound = ZSTD_compressBound (len);
    vg_buf_reset (out);
    if (vg_buf_reserve (out, bound) < 0)
        return -VG_ENOMEM;
    size_t n = ZSTD_compress (out->data, bound, in, len, level);
    if (ZSTD_isError (n))
        return -VG_EIO;
    out->len = n;
    return 0;
}

int
vg_zstd_decompress (const uint8_t *in, size_t len, size_t max_out, vg_buf_t *out)
{
    unsigned long long size = ZSTD_getFrameContentSize (in, len);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
        return -VG_EPROTO;
    if (size > max_out)
        return -VG_ETOOBIG;
    vg_buf_reset (out);
    if (vg_buf_reserve (out, (size_t) size ? (size_t) size : 1) < 0)
        return -VG_ENOMEM;
    size_t n = ZSTD_decompress (out->data, (size_t) size, in, len);
    if (ZSTD_isError (n) || n != size)
        return -VG_EPROTO;
    out->len = n;
    return 0;
}
