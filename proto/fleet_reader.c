/* fleet_reader.c - vigil.FleetBatch read in place (fleet_reader.h).
 * Invariant: every read of the input goes through a cursor checked against its end; after
 * a successful parse every index a series, finding or event holds is within the message's
 * tables, so readers of a parsed message need no checks of their own. */
#include "proto/fleet_reader.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/err.h"
#include "proto/batch.h"

enum { S_VARINT = 0, S_I64 = 1, S_LEN = 2, S_I32 = 5 };

typedef struct {
    const uint8_t *p, *end;
} s_cur_t;

/* One field: its number, wire type and value (a varint's low 64 bits, or a LEN's bytes). */
typedef struct {
    uint32_t num;
    int wt;
    uint64_t v;
    const uint8_t *p;
    size_t len;
} s_field_t;

typedef struct {
    uint32_t off, len;
} s_view_t;

struct vg_fleet_reader {
    s_view_t *str, *dev, *fnd, *ser, *evt; /* per message: where each item is in the input */
    size_t capstr, capdev, capfnd, capser, capevt;
    vg_fleet_series_t *series;             /* the parsed message's series */
    size_t capseries;
    uint32_t *lab, *labat;                 /* every series' labels; where each series' start */
    size_t caplab, caplabat, nlab;
    const char **strings;
    size_t capstrings;
    vg_device_t *devices;
    size_t capdevices;
    vg_fleet_finding_t *findings;
    size_t capfindings;
    char *text;                            /* NUL-terminated copies of every string */
    size_t captext;
};

vg_fleet_reader_t *
vg_fleet_reader_new (void)
{
    return calloc (1, sizeof (vg_fleet_reader_t));
}

void
vg_fleet_reader_destroy (vg_fleet_reader_t **self_p)
{
    vg_fleet_reader_t *r = self_p ? *self_p : NULL;
    if (!r)
        return;
    free (r->str);
    free (r->dev);
    free (r->fnd);
    free (r->ser);
    free (r->evt);
    free (r->series);
    free (r->lab);
    free (r->labat);
    free (r->strings);
    free (r->devices);
    free (r->findings);
    free (r->text);
    free (r);
    *self_p = NULL;
}

static int
s_grow (void *arr, size_t *cap, size_t n, size_t es)
{
    return vg_array_reserve ((void **) arr, cap, n, es); /* arr: the address of the array pointer */
}

static int
s_why (int rc, char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (why, whylen, fmt, ap);
        va_end (ap);
    }
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Wire format, with protobuf-c's bounds: varints of at most 10 bytes (low 64 bits kept),
 * length prefixes and tags of at most 5 (a tag's bits above 32 dropped, as protobuf-c does). */

static inline int
s_varint (s_cur_t *c, uint64_t *v)
{
    uint64_t x = 0;
    size_t rem = (size_t) (c->end - c->p);
    for (size_t i = 0; i < 10 && i < rem; i++) {
        uint8_t b = c->p[i];
        x |= (uint64_t) (b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            c->p += i + 1;
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* A tag as protobuf-c reads one: a first byte without field bits is an error; a field
 * number 0 spelled in more bytes is an unknown field. */
static inline int
s_tag (s_cur_t *c, s_field_t *f)
{
    size_t rem = (size_t) (c->end - c->p);
    uint8_t b0 = c->p[0];
    if ((b0 & 0xf8) == 0)
        return -1;
    f->wt = b0 & 7;
    uint32_t tag = (uint32_t) (b0 & 0x7f) >> 3;
    if (!(b0 & 0x80)) {
        c->p++;
        f->num = tag;
        return 0;
    }
    for (size_t i = 1, shift = 4; i < 5 && i < rem; i++, shift += 7) {
        uint8_t b = c->p[i];
        tag |= (uint32_t) (b & 0x7f) << shift;
        if (!(b & 0x80)) {
            c->p += i + 1;
            f->num = tag;
            return 0;
        }
    }
    return -1;
}

/* The next field at c (c->p < c->end), any encoding. */
static int
s_field_any (s_cur_t *c, s_field_t *f)
{
    if (s_tag (c, f) < 0)
        return -1;
    size_t rem;
    switch (f->wt) {
    case S_VARINT:
        return s_varint (c, &f->v);
    case S_I64:
    case S_I32:
        rem = (size_t) (c->end - c->p);
        if (rem < (f->wt == S_I64 ? 8u : 4u))
            return -1;
        c->p += f->wt == S_I64 ? 8 : 4;
        return 0;
    case S_LEN: {
        uint64_t n = 0;
        size_t i;
        rem = (size_t) (c->end - c->p);
        for (i = 0; i < 5 && i < rem; i++) {
            n |= (uint64_t) (c->p[i] & 0x7f) << (7 * i);
            if (!(c->p[i] & 0x80))
                break;
        }
        if (i == 5 || i == rem)
            return -1;
        c->p += i + 1;
        if (n > (uint64_t) (c->end - c->p))
            return -1;
        f->p = c->p;
        f->len = (size_t) n;
        c->p += n;
        return 0;
    }
    default:
        return -1; /* groups and reserved wire types: protobuf-c refuses them too */
    }
}

/* The next field at c (c->p < c->end): the common case inline (a one-byte tag and a
 * one-byte varint or length), the rest in s_field_any. */
static inline int
s_field (s_cur_t *c, s_field_t *f)
{
    const uint8_t *p = c->p;
    if (c->end - p >= 2 && p[0] >= 8 && (p[0] | p[1]) < 0x80) {
        int wt = p[0] & 7;
        if (wt == S_VARINT) {
            f->num = p[0] >> 3;
            f->wt = wt;
            f->v = p[1];
            c->p = p + 2;
            return 0;
        }
        if (wt == S_LEN && p[1] <= c->end - p - 2) {
            f->num = p[0] >> 3;
            f->wt = wt;
            f->p = p + 2;
            f->len = p[1];
            c->p = p + 2 + p[1];
            return 0;
        }
    }
    return s_field_any (c, f);
}

/* Length of the C string protobuf-c would give for bytes p[0..n): up to the first NUL. */
static inline size_t
s_slen (const uint8_t *p, size_t n)
{
    const uint8_t *z = memchr (p, 0, n);
    return z ? (size_t) (z - p) : n;
}

/* A sub-message's bytes: wire-checked, each known field of the right wire type (kinds[num]:
 * 'v' varint, 's' LEN, 0 unknown); strings' C lengths must be below smax[num] (0 = any). */
static int
s_check_msg (const uint8_t *p, size_t len, const char *kinds, size_t nkinds, const size_t *smax)
{
    s_cur_t c = { p, p + len };
    s_field_t f;
    while (c.p < c.end) {
        if (s_field (&c, &f) < 0)
            return -1;
        char k = f.num < nkinds ? kinds[f.num] : 0;
        if (k == 'v' && f.wt != S_VARINT)
            return -1;
        if (k == 's' && (f.wt != S_LEN || (smax && smax[f.num] && s_slen (f.p, f.len) >= smax[f.num])))
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Series, devices, findings, events */

/* Append one label to r's pool. */
static inline int
s_label (vg_fleet_reader_t *r, uint64_t v)
{
    if (r->nlab == r->caplab && s_grow (&r->lab, &r->caplab, r->nlab + 1, sizeof *r->lab) < 0)
        return -VG_ENOMEM;
    r->lab[r->nlab++] = (uint32_t) v;
    return 0;
}

/* Decode series bytes into s, its labels onto r's pool (s->labels is set by the caller once
 * the pool stopped moving); *state_ok says every state name is short enough.  -1:
 * malformed, -VG_ENOMEM. */
static int
s_series (vg_fleet_reader_t *r, const uint8_t *p, size_t len, vg_fleet_series_t *s, int *state_ok)
{
    s_cur_t c = { p, p + len };
    s_field_t f;
    memset (s, 0, offsetof (vg_fleet_series_t, labels));
    s->labels = NULL;
    s->chunk = NULL;
    s->chunk_len = 0;
    s->n_state_names = 0;
    s->unit = "";
    s->unit_len = 0;
    *state_ok = 1;
    while (c.p < c.end) {
        if (s_field (&c, &f) < 0)
            return -1;
        uint32_t *u = NULL;
        switch (f.num) {
        case 1: u = &s->device; break;
        case 2: u = &s->path; break;
        case 5: u = &s->input; break;
        case 6: u = &s->origin_path; break;
        case 7: u = &s->count; break;
        case 11: u = &s->source; break;
        case 4:
            if (f.wt != S_VARINT)
                return -1;
            s->kind = (int32_t) (uint32_t) f.v;
            continue;
        case 3:
            if (f.wt == S_VARINT) {
                if (s_label (r, f.v) < 0)
                    return -VG_ENOMEM;
                s->n_labels++;
            } else if (f.wt == S_LEN) {
                s_cur_t pc = { f.p, f.p + f.len };
                uint64_t v;
                while (pc.p < pc.end) {
                    if (s_varint (&pc, &v) < 0)
                        return -1;
                    if (s_label (r, v) < 0)
                        return -VG_ENOMEM;
                    s->n_labels++;
                }
            } else
                return -1;
            continue;
        case 8:
        case 9:
        case 10:
            if (f.wt != S_LEN)
                return -1;
            if (f.num == 8) {
                s->chunk = f.p;
                s->chunk_len = f.len;
            } else if (f.num == 10) {
                s->unit = (const char *) f.p;
                s->unit_len = f.len;
            } else {
                s->n_state_names++;
                if (s_slen (f.p, f.len) >= VG_MAX_STATE_LEN)
                    *state_ok = 0;
            }
            continue;
        default:
            continue; /* unknown: skipped, as protobuf-c keeps it aside */
        }
        if (f.wt != S_VARINT)
            return -1;
        *u = (uint32_t) f.v;
    }
    return 0;
}

/* Device bytes: where each of its six strings is (the last of a repeated one). */
static int
s_device (const uint8_t *p, size_t len, s_view_t out[6], const uint8_t *base)
{
    s_cur_t c = { p, p + len };
    s_field_t f;
    for (int i = 0; i < 6; i++)
        out[i] = (s_view_t) { 0, 0 };
    while (c.p < c.end) {
        if (s_field (&c, &f) < 0)
            return -1;
        if (f.num >= 1 && f.num <= 6) {
            if (f.wt != S_LEN)
                return -1;
            out[f.num - 1] = (s_view_t) { (uint32_t) (f.p - base), (uint32_t) f.len };
        }
    }
    return 0;
}

/* Finding bytes: device, time and where its three strings are. */
static int
s_finding (const uint8_t *p, size_t len, vg_fleet_finding_t *fd, s_view_t out[3], const uint8_t *base)
{
    s_cur_t c = { p, p + len };
    s_field_t f;
    fd->device = 0;
    fd->ts_ms = 0;
    for (int i = 0; i < 3; i++)
        out[i] = (s_view_t) { 0, 0 };
    while (c.p < c.end) {
        if (s_field (&c, &f) < 0)
            return -1;
        if (f.num == 1 || f.num == 2) {
            if (f.wt != S_VARINT)
                return -1;
            if (f.num == 1)
                fd->device = (uint32_t) f.v;
            else
                fd->ts_ms = (int64_t) ((f.v >> 1) ^ (~(f.v & 1) + 1)); /* zigzag */
        } else if (f.num >= 3 && f.num <= 5) {
            if (f.wt != S_LEN)
                return -1;
            out[f.num - 3] = (s_view_t) { (uint32_t) (f.p - base), (uint32_t) f.len };
        }
    }
    return 0;
}

/* Event bytes, validated as vg_batch_validate does (device, input, type, attributes), its
 * flow summary and gap wire-checked. */
static int
s_event (const uint8_t *p, size_t len, size_t ndev, size_t nstr)
{
    static const char attr_k[] = { 0, 's', 's' };
    static const size_t attr_max[] = { 0, VG_MAX_LABEL_LEN, VG_MAX_PATH_LEN };
    static const char flow_k[] = { 0, 's', 's', 'v', 'v', 'v', 'v', 'v', 's', 'v', 's' };
    static const char gap_k[] = { 0, 'v', 'v', 'v', 'v', 's' };
    s_cur_t c = { p, p + len };
    s_field_t f;
    uint32_t device = 0, input = 0, nattrs = 0;
    int32_t type = 0;
    while (c.p < c.end) {
        if (s_field (&c, &f) < 0)
            return -1;
        switch (f.num) {
        case 1:
        case 2:
        case 3:
        case 7:
            if (f.wt != S_VARINT)
                return -1;
            if (f.num == 1)
                device = (uint32_t) f.v;
            else if (f.num == 3)
                type = (int32_t) (uint32_t) f.v;
            else if (f.num == 7)
                input = (uint32_t) f.v;
            break;
        case 4:
        case 5:
        case 6:
            if (f.wt != S_LEN)
                return -1;
            if (f.num == 4 && (++nattrs > VG_MAX_ATTRS || s_check_msg (f.p, f.len, attr_k, 3, attr_max) < 0))
                return -1;
            if (f.num == 5 && s_check_msg (f.p, f.len, flow_k, sizeof flow_k, NULL) < 0)
                return -1;
            if (f.num == 6 && s_check_msg (f.p, f.len, gap_k, sizeof gap_k, NULL) < 0)
                return -1;
            break;
        default:
            break;
        }
    }
    if (device >= ndev || input >= nstr || type < 0 || type >= (int32_t) VG_EV__COUNT)
        return -1;
    return 0;
}

/* Push a view of f's bytes onto *arr. */
static int
s_push (s_view_t **arr, size_t *cap, size_t *n, const s_field_t *f, const uint8_t *base)
{
    if (s_grow (arr, cap, *n + 1, sizeof **arr) < 0)
        return -VG_ENOMEM;
    (*arr)[(*n)++] = (s_view_t) { (uint32_t) (f->p - base), (uint32_t) f->len };
    return 0;
}

/* Copy view v of base as a C string at *at in text. */
static const char *
s_copy (char *text, size_t *at, const uint8_t *base, s_view_t v)
{
    char *d = text + *at;
    memcpy (d, base + v.off, v.len);
    d[v.len] = '\0';
    *at += v.len + 1;
    return d;
}

/* ------------------------------------------------------------------------------------ */

int
vg_fleet_reader_parse (vg_fleet_reader_t *r, const uint8_t *msg, size_t len, vg_fleet_msg_t *out, char *why,
                       size_t whylen)
{
    if (len > VG_FLEET_READER_MAX_BYTES)
        return s_why (-VG_ETOOBIG, why, whylen, "%zu bytes", len);
    if (!msg)
        msg = (const uint8_t *) "";
    s_cur_t c = { msg, msg + len };
    s_field_t f;
    s_view_t cid = { 0, 0 }, aid = { 0, 0 };
    const uint8_t *body = NULL;
    size_t blen = 0, nstr = 0, ndev = 0, nfnd = 0, nser = 0, nevt = 0;
    *out = (vg_fleet_msg_t) { 0 };
    /* FleetBatch */
    while (c.p < c.end) {
        if (s_field (&c, &f) < 0)
            return s_why (-VG_EPROTO, why, whylen, "malformed at byte %zu", (size_t) (c.p - msg));
        if (f.num >= 1 && f.num <= 3 && f.wt != S_LEN)
            return s_why (-VG_EPROTO, why, whylen, "field %u: wire type %d", f.num, f.wt);
        if (f.num == 1)
            cid = (s_view_t) { (uint32_t) (f.p - msg), (uint32_t) f.len };
        else if (f.num == 2) {
            if (body)
                return s_why (-VG_EPROTO, why, whylen, "batch given twice");
            body = f.p;
            blen = f.len;
        } else if (f.num == 3 && s_push (&r->fnd, &r->capfnd, &nfnd, &f, msg) < 0)
            return -VG_ENOMEM;
    }
    if (!body)
        return s_why (-VG_EPROTO, why, whylen, "no batch");
    /* Batch: where everything is */
    c = (s_cur_t) { body, body + blen };
    while (c.p < c.end) {
        if (s_field (&c, &f) < 0)
            return s_why (-VG_EPROTO, why, whylen, "batch malformed at byte %zu", (size_t) (c.p - msg));
        int rc = 0;
        switch (f.num) {
        case 2:
        case 3:
        case 4:
            if (f.wt != S_VARINT)
                return s_why (-VG_EPROTO, why, whylen, "batch field %u: wire type %d", f.num, f.wt);
            if (f.num == 2)
                out->epoch = f.v;
            else if (f.num == 3)
                out->seq = f.v;
            else
                out->created_ms = (int64_t) ((f.v >> 1) ^ (~(f.v & 1) + 1));
            break;
        case 1:
        case 5:
        case 6:
        case 7:
        case 8:
            if (f.wt != S_LEN)
                return s_why (-VG_EPROTO, why, whylen, "batch field %u: wire type %d", f.num, f.wt);
            if (f.num == 1)
                aid = (s_view_t) { (uint32_t) (f.p - msg), (uint32_t) f.len };
            else if (f.num == 5)
                rc = s_push (&r->str, &r->capstr, &nstr, &f, msg);
            else if (f.num == 6)
                rc = s_push (&r->dev, &r->capdev, &ndev, &f, msg);
            else if (f.num == 7)
                rc = s_push (&r->ser, &r->capser, &nser, &f, msg);
            else
                rc = s_push (&r->evt, &r->capevt, &nevt, &f, msg);
            break;
        default:
            break;
        }
        if (rc < 0)
            return rc;
    }
    /* Validation, as vg_batch_validate */
    if (nstr == 0 || nstr > VG_BATCH_MAX_STRINGS || s_slen (msg + r->str[0].off, r->str[0].len) != 0)
        return s_why (-VG_EPROTO, why, whylen, "bad string table (%zu entries)", nstr);
    size_t text = cid.len + aid.len + 2;
    for (size_t i = 0; i < nstr; i++) {
        if (s_slen (msg + r->str[i].off, r->str[i].len) >= VG_MAX_PATH_LEN)
            return s_why (-VG_EPROTO, why, whylen, "string %zu too long", i);
        text += r->str[i].len + 1;
    }
    if (ndev > VG_BATCH_MAX_DEVICES)
        return s_why (-VG_EPROTO, why, whylen, "%zu devices in one batch", ndev);
    if (s_grow (&r->series, &r->capseries, nser, sizeof *r->series) < 0 ||
        s_grow (&r->labat, &r->caplabat, nser, sizeof *r->labat) < 0)
        return -VG_ENOMEM;
    r->nlab = 0;
    for (size_t i = 0; i < nser; i++) {
        vg_fleet_series_t *s = &r->series[i];
        int state_ok;
        r->labat[i] = (uint32_t) r->nlab;
        int rc = s_series (r, msg + r->ser[i].off, r->ser[i].len, s, &state_ok);
        if (rc == -VG_ENOMEM)
            return rc;
        if (rc < 0)
            return s_why (-VG_EPROTO, why, whylen, "series %zu malformed", i);
        const uint32_t *lab = r->lab + r->labat[i];
        int bad = s->device >= ndev || s->path == 0 || s->path >= nstr || s->input >= nstr || s->source >= nstr ||
                  s->origin_path >= nstr || s->n_labels % 2 || s->n_labels > 2 * VG_MAX_LABELS || s->kind < 0 ||
                  s->kind > 2 || s->count == 0 || s->n_state_names > VG_BATCH_MAX_STATE_NAMES || !state_ok;
        for (uint32_t j = 0; !bad && j < s->n_labels; j++)
            bad = lab[j] >= nstr;
        if (bad)
            return s_why (-VG_EPROTO, why, whylen, "series %zu: invalid", i);
    }
    for (size_t i = 0; i < nser; i++)
        r->series[i].labels = r->lab + r->labat[i];
    for (size_t i = 0; i < nevt; i++)
        if (s_event (msg + r->evt[i].off, r->evt[i].len, ndev, nstr) < 0)
            return s_why (-VG_EPROTO, why, whylen, "event %zu: invalid", i);
    if (s_grow (&r->devices, &r->capdevices, ndev, sizeof *r->devices) < 0 ||
        s_grow (&r->findings, &r->capfindings, nfnd, sizeof *r->findings) < 0 ||
        s_grow (&r->strings, &r->capstrings, nstr, sizeof *r->strings) < 0)
        return -VG_ENOMEM;
    /* Devices and findings: checked with their strings' places kept in r->dev/r->fnd's
     * scratch below (6 and 3 views each, after the strings' text size is known). */
    s_view_t dv[6], fv[3];
    for (size_t i = 0; i < ndev; i++) {
        if (s_device (msg + r->dev[i].off, r->dev[i].len, dv, msg) < 0)
            return s_why (-VG_EPROTO, why, whylen, "device %zu malformed", i);
        size_t idl = s_slen (msg + dv[0].off, dv[0].len);
        if (idl == 0 || idl >= VG_MAX_ID_LEN || s_slen (msg + dv[1].off, dv[1].len) >= VG_MAX_ID_LEN)
            return s_why (-VG_EPROTO, why, whylen, "device %zu: missing or oversized id/vendor", i);
        for (int k = 0; k < 6; k++)
            text += dv[k].len + 1;
    }
    for (size_t i = 0; i < nfnd; i++) {
        if (s_finding (msg + r->fnd[i].off, r->fnd[i].len, &r->findings[i], fv, msg) < 0)
            return s_why (-VG_EPROTO, why, whylen, "finding %zu malformed", i);
        if (r->findings[i].device >= ndev)
            return s_why (-VG_EPROTO, why, whylen, "finding %zu: device out of range", i);
        for (int k = 0; k < 3; k++)
            text += fv[k].len + 1;
    }
    if (s_grow (&r->text, &r->captext, text, 1) < 0)
        return -VG_ENOMEM;
    /* Copies (a second decode of devices and findings: cheap, and keeps no views around) */
    size_t at = 0;
    out->collector_id = s_copy (r->text, &at, msg, cid);
    out->agent_id = s_copy (r->text, &at, msg, aid);
    for (size_t i = 0; i < nstr; i++)
        r->strings[i] = s_copy (r->text, &at, msg, r->str[i]);
    for (size_t i = 0; i < ndev; i++) {
        s_device (msg + r->dev[i].off, r->dev[i].len, dv, msg);
        vg_device_t *d = &r->devices[i];
        d->id = s_copy (r->text, &at, msg, dv[0]);
        d->vendor = s_copy (r->text, &at, msg, dv[1]);
        d->model = s_copy (r->text, &at, msg, dv[2]);
        d->role = s_copy (r->text, &at, msg, dv[3]);
        d->site = s_copy (r->text, &at, msg, dv[4]);
        d->sw_version = s_copy (r->text, &at, msg, dv[5]);
    }
    for (size_t i = 0; i < nfnd; i++) {
        vg_fleet_finding_t *fd = &r->findings[i];
        s_finding (msg + r->fnd[i].off, r->fnd[i].len, fd, fv, msg);
        fd->rule_id = s_copy (r->text, &at, msg, fv[0]);
        fd->detector = s_copy (r->text, &at, msg, fv[1]);
        fd->uid = s_copy (r->text, &at, msg, fv[2]);
    }
    out->strings = r->strings;
    out->n_strings = nstr;
    out->devices = r->devices;
    out->n_devices = ndev;
    out->findings = r->findings;
    out->n_findings = nfnd;
    out->series = r->series;
    out->n_series = nser;
    out->n_events = nevt;
    return 0;
}

size_t
vg_fleet_msg_labels (const vg_fleet_msg_t *m, const vg_fleet_series_t *s, vg_label_t *out)
{
    return vg_label_pairs (m->strings, s->labels, s->n_labels, out);
}
