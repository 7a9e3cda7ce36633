/* wire_pb.c - minimal canonical protobuf writer (see wire_pb.h). */
#include "sim/wire_pb.h"

#include <string.h>

#include "common/err.h"

static size_t
s_vlen (uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static void
s_vput (uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t) (v | 0x80);
        v >>= 7;
    }
    *p = (uint8_t) v;
}

int
vg_wire_pb_varint (vg_buf_t *b, uint64_t v)
{
    uint8_t tmp[10];
    s_vput (tmp, v);
    return vg_buf_append (b, tmp, s_vlen (v));
}

int
vg_wire_pb_u64 (vg_buf_t *b, uint32_t num, uint64_t v)
{
    int rc = vg_wire_pb_varint (b, (uint64_t) num << 3);
    return rc ? rc : vg_wire_pb_varint (b, v);
}

int
vg_wire_pb_s64 (vg_buf_t *b, uint32_t num, int64_t v)
{
    return vg_wire_pb_u64 (b, num, ((uint64_t) v << 1) ^ (uint64_t) (v >> 63));
}

int
vg_wire_pb_double (vg_buf_t *b, uint32_t num, double v)
{
    uint64_t u;
    memcpy (&u, &v, sizeof u);
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t) (u >> (8 * i));
    int rc = vg_wire_pb_varint (b, (uint64_t) num << 3 | 1);
    return rc ? rc : vg_buf_append (b, le, sizeof le);
}

int
vg_wire_pb_bytes (vg_buf_t *b, uint32_t num, const void *p, size_t n)
{
    int rc = vg_wire_pb_varint (b, (uint64_t) num << 3 | 2);
    if (rc == 0)
        rc = vg_wire_pb_varint (b, n);
    return rc || n == 0 ? rc : vg_buf_append (b, p, n);
}

int
vg_wire_pb_str (vg_buf_t *b, uint32_t num, const char *s)
{
    return vg_wire_pb_bytes (b, num, s, strlen (s));
}

size_t
vg_wire_pb_begin (const vg_buf_t *b)
{
    return b->len;
}

int
vg_wire_pb_end (vg_buf_t *b, uint32_t num, size_t mark)
{
    size_t body = b->len - mark;
    uint64_t key = (uint64_t) num << 3 | 2;
    size_t hl = s_vlen (key) + s_vlen (body);
    if (vg_buf_reserve (b, hl) < 0)
        return -VG_ENOMEM;
    memmove (b->data + mark + hl, b->data + mark, body);
    s_vput (b->data + mark, key);
    s_vput (b->data + mark + s_vlen (key), body);
    b->len += hl;
    return 0;
}
