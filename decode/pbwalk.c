/* pbwalk.c - schema-less protobuf wire reader (see pbwalk.h).
 *
 * Every read is checked against r->end before the byte is touched; lengths are compared as
 * sizes (never by forming a pointer past the end). */
#include "decode/pbwalk.h"

#include <string.h>

#include "common/err.h"
#include "common/varint.h"

void
vg_pb_init (vg_pb_reader_t *r, const uint8_t *buf, size_t len)
{
    r->p = buf;
    r->end = buf ? buf + len : buf;
    r->err = 0;
}

static int
s_fail (vg_pb_reader_t *r, int code)
{
    r->err = code;
    return code;
}

int
vg_pb_next (vg_pb_reader_t *r, vg_pb_field_t *f)
{
    if (r->err)
        return r->err;
    if (r->p == r->end)
        return 0;
    uint64_t tag;
    size_t n = vg_varint_get (r->p, r->end, &tag);
    if (n == 0)
        return s_fail (r, (r->end - r->p) < 10 ? -VG_ETRUNC : -VG_EPROTO);
    r->p += n;
    uint64_t num = tag >> 3;
    if (num == 0 || num > VG_PB_MAX_FIELD)
        return s_fail (r, -VG_EPROTO);
    f->num = (uint32_t) num;
    f->wt = (uint8_t) (tag & 7);
    f->p = NULL;
    f->len = 0;
    f->u = 0;
    size_t avail = (size_t) (r->end - r->p);
    switch (f->wt) {
    case VG_PB_VARINT:
        n = vg_varint_get (r->p, r->end, &f->u);
        if (n == 0)
            return s_fail (r, avail < 10 ? -VG_ETRUNC : -VG_EPROTO);
        r->p += n;
        return 1;
    case VG_PB_FIXED64:
        if (avail < 8)
            return s_fail (r, -VG_ETRUNC);
        for (int i = 7; i >= 0; i--)
            f->u = (f->u << 8) | r->p[i];
        r->p += 8;
        return 1;
    case VG_PB_FIXED32:
        if (avail < 4)
            return s_fail (r, -VG_ETRUNC);
        f->u = (uint64_t) r->p[0] | (uint64_t) r->p[1] << 8 | (uint64_t) r->p[2] << 16
               | (uint64_t) r->p[3] << 24;
        r->p += 4;
        return 1;
    case VG_PB_LEN: {
        uint64_t len;
        n = vg_varint_get (r->p, r->end, &len);
        if (n == 0)
            return s_fail (r, avail < 10 ? -VG_ETRUNC : -VG_EPROTO);
        avail -= n;
        if (len > avail)
            return s_fail (r, -VG_ETRUNC);
        f->p = r->p + n;
        f->len = (size_t) len;
        r->p += n + (size_t) len;
        return 1;
    }
    default:
        /* 3/4 are proto2 groups (not produced by any telemetry format), 6/7 do not exist. */
        return s_fail (r, -VG_EPROTO);
    }
}

double
vg_pb_double (uint64_t bits)
{
    double d;
    memcpy (&d, &bits, sizeof d);
    return d;
}

float
vg_pb_float (uint64_t bits)
{
    uint32_t b = (uint32_t) bits;
    float f;
    memcpy (&f, &b, sizeof f);
    return f;
}

int
vg_pb_pick (const uint8_t *buf, size_t len, const vg_pb_want_t *want, size_t n)
{
    vg_pb_reader_t r;
    vg_pb_field_t f;
    int rc;
    vg_pb_init (&r, buf, len);
    while (vg_pb_more (&r, &f, &rc)) {
        for (size_t i = 0; i < n; i++)
            if (want[i].num == f.num && want[i].wt == f.wt)
                *want[i].out = f;
    }
    return rc;
}

int
vg_pb_check (const uint8_t *buf, size_t len)
{
    vg_pb_reader_t r;
    vg_pb_field_t f;
    int rc;
    vg_pb_init (&r, buf, len);
    do
        rc = vg_pb_next (&r, &f);
    while (rc == 1);
    return rc;
}

char *
vg_pb_strcpy (char *dst, size_t cap, const vg_pb_field_t *f)
{
    size_t n = 0;
    if (f->wt == VG_PB_LEN) {
        n = f->len < cap - 1 ? f->len : cap - 1;
        const void *z = n ? memchr (f->p, 0, n) : NULL;
        if (z)
            n = (size_t) ((const uint8_t *) z - f->p);
        if (n)
            memcpy (dst, f->p, n);
    }
    dst[n] = '\0';
    return dst;
}

size_t
vg_pb_delim_len (const uint8_t *p, const uint8_t *end, uint64_t *len)
{
    return vg_varint_get (p, end, len);
}
