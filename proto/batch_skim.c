/* batch_skim.c - a vigil.Batch unpacked without copying its series' sample bytes (see
 * batch_skim.h).  protobuf-c's generic unpack of ~10,000 series per batch was a tenth of the
 * detect thread; the series' fields are few and flat, so they are read here directly, and
 * only the rest of the batch (strings, devices, events) goes through protobuf-c. */
#include "proto/batch_skim.h"

#include <string.h>

#include "common/model.h"

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

/* A varint at p[0..n): its value in *v and its length, or 0 when it is truncated or longer
 * than 10 bytes (as protobuf-c's scan). */
static inline size_t
s_varint (const uint8_t *p, size_t n, uint64_t *v)
{
    if (n && p[0] < 0x80) { /* most tags, indices and lengths */
        *v = p[0];
        return 1;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < n && i < 10; i++) {
        x |= (uint64_t) (p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = x;
            return i + 1;
        }
    }
    return 0;
}

/* One field at p[0..n): its number, wire type, value (a varint, or the payload's offset and
 * length for WT_LEN) and its whole length; 0 when malformed or a group. */
typedef struct {
    uint32_t num, wt;
    uint64_t v;         /* WT_VARINT value; WT_LEN payload length */
    size_t off;         /* payload offset (WT_LEN) */
} s_field_t;

static inline size_t
s_field (const uint8_t *p, size_t n, s_field_t *f)
{
    uint64_t tag;
    size_t k = s_varint (p, n, &tag), m;
    if (!k || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX)
        return 0;
    f->num = (uint32_t) (tag >> 3);
    f->wt = (uint32_t) (tag & 7);
    switch (f->wt) {
    case WT_VARINT:
        m = s_varint (p + k, n - k, &f->v);
        return m ? k + m : 0;
    case WT_I64:
        return n - k >= 8 ? k + 8 : 0;
    case WT_I32:
        return n - k >= 4 ? k + 4 : 0;
    case WT_LEN:
        m = s_varint (p + k, n - k, &f->v);
        if (!m || f->v > n - k - m)
            return 0;
        f->off = k + m;
        return k + m + (size_t) f->v;
    default:
        return 0; /* groups (3, 4) and 6, 7: protobuf-c refuses them too */
    }
}

/* The uint32 labels of a labels field (packed payload or one varint) appended at out[*n]
 * (out NULL: only counted).  Returns 0, or -1 when malformed. */
static int
s_labels (const uint8_t *p, const s_field_t *f, uint32_t *out, size_t *n)
{
    if (f->wt == WT_VARINT) {
        if (out)
            out[*n] = (uint32_t) f->v;
        (*n)++;
        return 0;
    }
    const uint8_t *q = p + f->off, *end = q + f->v;
    while (q < end) {
        uint64_t v;
        size_t k = s_varint (q, (size_t) (end - q), &v);
        if (!k)
            return -1;
        if (out)
            out[*n] = (uint32_t) v;
        (*n)++;
        q += k;
    }
    return 0;
}

/* Read one Series from p[0..n) into s (initialised here), arrays and strings from arena,
 * in one pass (labels gathered in lab, which holds any list vg_batch_validate accepts; a
 * longer one takes a second pass).  Returns 0, or -1 when malformed (a known field with
 * another wire type, as protobuf-c) or out of memory. */
static int
s_series (vg_arena_t *arena, const uint8_t *p, size_t n, Vigil__Series *s)
{
    vigil__series__init (s);
    uint32_t lab[2 * VG_MAX_LABELS + 2];
    size_t nlab = 0, nst = 0, big = 0;
    s_field_t f = { 0 };
    for (size_t at = 0, k; at < n; at += k) {
        if (!(k = s_field (p + at, n - at, &f)))
            return -1;
        f.off += at;
        int want = f.num == 3 ? -1 : f.num >= 8 && f.num <= 10 ? WT_LEN : f.num <= 11 ? WT_VARINT : -2;
        if (want == -1 && f.wt != WT_VARINT && f.wt != WT_LEN)
            return -1;
        if (want >= 0 && (int) f.wt != want)
            return -1;
        uint32_t v32 = (uint32_t) f.v;
        switch (f.num) {
        case 1: s->device = v32; break;
        case 2: s->path = v32; break;
        case 3: {
            size_t c = 0;
            if (s_labels (p, &f, NULL, &c) < 0)
                return -1;
            if (!big && nlab + c <= sizeof lab / sizeof *lab)
                s_labels (p, &f, lab, &nlab);
            else
                big = nlab += c;
            break;
        }
        case 4: s->kind = (Vigil__SeriesKind) (int32_t) v32; break;
        case 5: s->input = v32; break;
        case 6: s->origin_path = v32; break;
        case 7: s->count = v32; break;
        case 8: s->chunk = (ProtobufCBinaryData) { (size_t) f.v, (uint8_t *) (uintptr_t) (p + f.off) }; break;
        case 9: nst++; break;
        case 11: s->source = v32; break;
        default: break; /* unit (10) and unknown fields: not read */
        }
    }
    if (nlab) {
        if (!(s->labels = vg_arena_alloc (arena, nlab * sizeof *s->labels)))
            return -1;
        if (!big) {
            memcpy (s->labels, lab, nlab * sizeof *lab);
            s->n_labels = nlab;
        }
    }
    if (nst && !(s->state_names = vg_arena_alloc (arena, nst * sizeof *s->state_names)))
        return -1;
    if (!big && !nst)
        return 0;
    for (size_t at = 0, k; at < n; at += k) { /* second pass: the state names, long label lists */
        k = s_field (p + at, n - at, &f);
        f.off += at;
        if (f.num == 3 && big) {
            s_labels (p, &f, s->labels, &s->n_labels);
        } else if (f.num == 9) {
            char *str = vg_arena_alloc (arena, (size_t) f.v + 1);
            if (!str)
                return -1;
            memcpy (str, p + f.off, (size_t) f.v);
            str[f.v] = '\0';
            s->state_names[s->n_state_names++] = str;
        }
    }
    return 0;
}

Vigil__Batch *
vg_batch_skim (ProtobufCAllocator *alloc, vg_arena_t *arena, vg_buf_t *rest, const uint8_t *p, size_t len)
{
    vg_buf_reset (rest);
    size_t nser = 0;
    s_field_t f = { 0 };
    for (size_t at = 0, k; at < len; at += k) {
        if (!(k = s_field (p + at, len - at, &f)))
            return NULL;
        if (f.num == 7 && f.wt == WT_LEN)
            nser++;
        else if (vg_buf_append (rest, p + at, k) < 0)
            return NULL;
    }
    static const uint8_t empty = 0;
    Vigil__Batch *b = vigil__batch__unpack (alloc, rest->len, rest->len ? rest->data : &empty);
    if (!b || !nser)
        return b;
    Vigil__Series *ser = vg_arena_alloc (arena, nser * sizeof *ser);
    b->series = vg_arena_alloc (arena, nser * sizeof *b->series);
    if (!ser || !b->series)
        return NULL;
    for (size_t at = 0, k; at < len; at += k) {
        k = s_field (p + at, len - at, &f);
        if (f.num != 7 || f.wt != WT_LEN)
            continue;
        Vigil__Series *s = &ser[b->n_series];
        if (s_series (arena, p + at + f.off, (size_t) f.v, s) < 0)
            return NULL;
        b->series[b->n_series++] = s;
    }
    return b;
}
