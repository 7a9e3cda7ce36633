/* batch.c - structural validation of an unpacked vigil.Batch (see batch.h). */
#include "proto/batch.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"

static int
s_why (int rc, char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (why, whylen, fmt, ap);
    va_end (ap);
    return rc;
}

/* protobuf-c gives NULL-terminated strings; a present string must be shorter than max. */
static bool
s_str_ok (const char *s, size_t max)
{
    return s && strnlen (s, max) < max;
}

static int
s_check_series (const Vigil__Batch *b, const Vigil__Series *s, size_t i, const vg_batch_limits_t *lim, char *why,
                size_t whylen)
{
    if (s->device >= b->n_devices || s->path == 0 || s->path >= b->n_strings || s->input >= b->n_strings ||
        s->source >= b->n_strings || s->origin_path >= b->n_strings)
        return s_why (-VG_EPROTO, why, whylen, "series %zu: index out of range", i);
    if (s->n_labels % 2 || s->n_labels > 2 * VG_MAX_LABELS)
        return s_why (-VG_EPROTO, why, whylen, "series %zu: bad label list (%zu)", i, s->n_labels);
    for (size_t j = 0; j < s->n_labels; j++)
        if (s->labels[j] >= b->n_strings)
            return s_why (-VG_EPROTO, why, whylen, "series %zu: label index out of range", i);
    if ((int) s->kind < 0 || s->kind > VIGIL__SERIES_KIND__SERIES_KIND_STATE)
        return s_why (-VG_EPROTO, why, whylen, "series %zu: unknown kind %d", i, (int) s->kind);
    if (s->count == 0 || s->count > lim->max_series_samples)
        return s_why (-VG_ETOOBIG, why, whylen, "series %zu: %u samples (limit %u)", i, s->count,
                      lim->max_series_samples);
    if (s->n_state_names > VG_BATCH_MAX_STATE_NAMES)
        return s_why (-VG_ETOOBIG, why, whylen, "series %zu: too many state names", i);
    for (size_t j = 0; j < s->n_state_names; j++)
        if (!s_str_ok (s->state_names[j], VG_MAX_STATE_LEN))
            return s_why (-VG_EPROTO, why, whylen, "series %zu: state name too long", i);
    return 0;
}

static int
s_check_event (const Vigil__Batch *b, const Vigil__Event *e, size_t i, char *why, size_t whylen)
{
    if (e->device >= b->n_devices || e->input >= b->n_strings || (int) e->type < 0 ||
        (int) e->type >= (int) VG_EV__COUNT)
        return s_why (-VG_EPROTO, why, whylen, "event %zu: index or type out of range", i);
    if (e->n_attrs > VG_MAX_ATTRS)
        return s_why (-VG_ETOOBIG, why, whylen, "event %zu: %zu attributes", i, e->n_attrs);
    for (size_t j = 0; j < e->n_attrs; j++)
        if (!s_str_ok (e->attrs[j]->key, VG_MAX_LABEL_LEN) || !s_str_ok (e->attrs[j]->value, VG_MAX_PATH_LEN))
            return s_why (-VG_EPROTO, why, whylen, "event %zu: attribute too long", i);
    return 0;
}

int
vg_batch_validate (const Vigil__Batch *b, const vg_batch_limits_t *lim, size_t *total_samples, char *why,
                   size_t whylen)
{
    if (b->n_strings == 0 || b->n_strings > VG_BATCH_MAX_STRINGS || b->strings[0][0] != '\0')
        return s_why (-VG_EPROTO, why, whylen, "bad string table (%zu entries)", b->n_strings);
    for (size_t i = 0; i < b->n_strings; i++)
        if (!s_str_ok (b->strings[i], VG_MAX_PATH_LEN))
            return s_why (-VG_EPROTO, why, whylen, "string %zu too long", i);
    if (b->n_devices > VG_BATCH_MAX_DEVICES)
        return s_why (-VG_ETOOBIG, why, whylen, "%zu devices in one batch", b->n_devices);
    for (size_t i = 0; i < b->n_devices; i++) {
        const Vigil__Device *d = b->devices[i];
        if (!s_str_ok (d->id, VG_MAX_ID_LEN) || !d->id[0] || !s_str_ok (d->vendor, VG_MAX_ID_LEN))
            return s_why (-VG_EPROTO, why, whylen, "device %zu: missing or oversized id/vendor", i);
    }
    if (b->n_series > lim->max_series)
        return s_why (-VG_ETOOBIG, why, whylen, "%zu series exceed max_series %u", b->n_series, lim->max_series);
    if (b->n_events > lim->max_events)
        return s_why (-VG_ETOOBIG, why, whylen, "%zu events exceed max_events %u", b->n_events, lim->max_events);
    size_t total = 0;
    for (size_t i = 0; i < b->n_series; i++) {
        int rc = s_check_series (b, b->series[i], i, lim, why, whylen);
        if (rc < 0)
            return rc;
        total += b->series[i]->count;
    }
    for (size_t i = 0; i < b->n_events; i++) {
        int rc = s_check_event (b, b->events[i], i, why, whylen);
        if (rc < 0)
            return rc;
    }
    if (total_samples)
        *total_samples = total;
    return 0;
}

size_t
vg_label_pairs (const char *const *strings, const uint32_t *pairs, size_t n_idx, vg_label_t *out)
{
    size_t n = n_idx / 2;
    for (size_t i = 0; i < n; i++) {
        out[i].key = strings[pairs[2 * i]];
        out[i].value = strings[pairs[2 * i + 1]];
    }
    return n;
}

size_t
vg_batch_labels (const Vigil__Batch *b, const Vigil__Series *s, vg_label_t *out)
{
    return vg_label_pairs ((const char *const *) b->strings, s->labels, s->n_labels, out);
}

void
vg_batch_event_extras (const Vigil__FlowSummary *fs, const Vigil__Gap *g, vg_flow_t *flow, vg_gap_t *gap,
                       vg_event_t *ev)
{
    ev->flow = NULL;
    ev->gap = NULL;
    if (fs) {
        *flow = (vg_flow_t) { fs->src, fs->dst, fs->vrf, fs->dst_country, fs->dst_port, fs->protocol,
                              fs->interval_ms, fs->dst_asn, fs->bytes, fs->packets };
        ev->flow = flow;
    }
    if (g) {
        *gap = (vg_gap_t) { g->from_ms, g->to_ms, g->samples, g->events, g->reason };
        ev->gap = gap;
    }
}

static void *
s_arena_alloc (void *data, size_t size)
{
    return vg_arena_alloc (data, size);
}

static void
s_arena_free (void *data, void *p)
{
    (void) data;
    (void) p;
}

void
vg_batch_arena_allocator (vg_arena_t *arena, ProtobufCAllocator *out)
{
    out->alloc = s_arena_alloc;
    out->free = s_arena_free;
    out->allocator_data = arena;
}
