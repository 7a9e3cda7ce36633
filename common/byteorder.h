/* byteorder.h - fixed-width integers to and from byte arrays, big- and little-endian.
 *
 * Bytes are composed with shifts, so the host's own order and alignment never matter.
 * Big-endian: store keys (sortable), network headers (pcap, MDT, UDP-notif).
 * Little-endian: the agent's spool files.  The caller guarantees the bytes are there. */
#ifndef VG_BYTEORDER_H
#define VG_BYTEORDER_H

#include <stdint.h>

static inline void
vg_be16 (uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) (v >> 8), p[1] = (uint8_t) v;
}
static inline void
vg_be32 (uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24), p[1] = (uint8_t) (v >> 16), p[2] = (uint8_t) (v >> 8), p[3] = (uint8_t) v;
}
static inline void
vg_be64 (uint8_t *p, uint64_t v)
{
    vg_be32 (p, (uint32_t) (v >> 32));
    vg_be32 (p + 4, (uint32_t) v);
}
static inline uint16_t
vg_get_be16 (const uint8_t *p)
{
    return (uint16_t) ((uint16_t) p[0] << 8 | p[1]);
}
static inline uint32_t
vg_get_be32 (const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}
static inline uint64_t
vg_get_be64 (const uint8_t *p)
{
    return (uint64_t) vg_get_be32 (p) << 32 | vg_get_be32 (p + 4);
}

static inline void
vg_le16 (uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) v, p[1] = (uint8_t) (v >> 8);
}
static inline void
vg_le32 (uint8_t *p, uint32_t v)
{
    vg_le16 (p, (uint16_t) v);
    vg_le16 (p + 2, (uint16_t) (v >> 16));
}
static inline void
vg_le64 (uint8_t *p, uint64_t v)
{
    vg_le32 (p, (uint32_t) v);
    vg_le32 (p + 4, (uint32_t) (v >> 32));
}
static inline uint16_t
vg_get_le16 (const uint8_t *p)
{
    return (uint16_t) (p[0] | (uint16_t) p[1] << 8);
}
static inline uint32_t
vg_get_le32 (const uint8_t *p)
{
    return (uint32_t) vg_get_le16 (p) | (uint32_t) vg_get_le16 (p + 2) << 16;
}
static inline uint64_t
vg_get_le64 (const uint8_t *p)
{
    return (uint64_t) vg_get_le32 (p) | (uint64_t) vg_get_le32 (p + 4) << 32;
}

#endif
