/* fuzz_sink.h - the sink the decoder fuzz targets deliver into: it counts samples and refuses
 * (so the decoder's sink-error path runs too) a device without id, a sample without path or
 * device and an event without device (or, when asked, without attributes).
 *
 * Header-only (static inline): each fuzz target is built from its one .c file. */
#ifndef VG_TEST_FUZZ_SINK_H
#define VG_TEST_FUZZ_SINK_H

#include <stdbool.h>
#include <stddef.h>

#include "common/sink.h"

typedef struct {
    size_t samples;          /* sample() calls */
    bool event_needs_attrs;  /* refuse events with no attributes as well */
} vg_fuzz_sink_t;

static inline int
vg_fuzz_device (void *ctx, const vg_device_t *d)
{
    (void) ctx;
    return d->id ? 0 : -1;
}

static inline int
vg_fuzz_sample (void *ctx, const vg_point_t *p)
{
    ((vg_fuzz_sink_t *) ctx)->samples++;
    return p->path && p->device ? 0 : -1;
}

static inline int
vg_fuzz_event (void *ctx, const vg_event_t *e)
{
    const vg_fuzz_sink_t *f = ctx;
    return e->device && (e->nattrs || !f->event_needs_attrs) ? 0 : -1;
}

/* The sink delivering into f (borrowed: f must outlive the sink's use). */
static inline vg_sink_t
vg_fuzz_sink (vg_fuzz_sink_t *f)
{
    vg_sink_t s = { f, vg_fuzz_device, vg_fuzz_sample, vg_fuzz_event };
    return s;
}

#endif
