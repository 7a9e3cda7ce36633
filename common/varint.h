/* varint.h - protobuf-style base-128 varints and zig-zag, bounds-checked on read. */
#ifndef VG_VARINT_H
#define VG_VARINT_H

#include <stddef.h>
#include <stdint.h>

/* Write v at p (at least 10 bytes of room); returns bytes written. */
static inline size_t
vg_varint_put (uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t) (v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t) v;
    return n;
}

/* Read a varint from [p, end); returns bytes consumed, or 0 if truncated or over 10 bytes. */
static inline size_t
vg_varint_get (const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;
    for (size_t i = 0; i < 10 && p + i < end; i++) {
        r |= (uint64_t) (p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = r;
            return i + 1;
        }
    }
    return 0;
}

static inline uint64_t vg_zigzag (int64_t v) { return ((uint64_t) v << 1) ^ (uint64_t) (v >> 63); }
static inline int64_t vg_unzigzag (uint64_t v) { return (int64_t) (v >> 1) ^ -(int64_t) (v & 1); }

#endif
