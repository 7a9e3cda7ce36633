/* fuzz_sink.h - what every decoder fuzz target shares: the libFuzzer entry point's prototype
 * and a run context (vg_fuzz_t) with decode statistics and a sink that counts samples and
 * refuses (so the decoder's sink-error path runs too) a device without id, a sample without
 * path or device and an event without device (or, when asked, without attributes).
 *
 * Header-only (static inline): each fuzz target is built from its one .c file. */
#ifndef VG_TEST_FUZZ_SINK_H
#define VG_TEST_FUZZ_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/sink.h"
#include "decode/decoder.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct {
    vg_sink_t sink;          /* delivers into this context */
    vg_decode_stats_t st;
    size_t samples;          /* sample() calls */
    bool event_needs_attrs;  /* refuse events with no attributes as well */
} vg_fuzz_t;

static inline int
vg_fuzz_device (void *ctx, const vg_device_t *d)
{
    (void) ctx;
    return d->id ? 0 : -1;
}

static inline int
vg_fuzz_sample (void *ctx, const vg_point_t *p)
{
    ((vg_fuzz_t *) ctx)->samples++;
    return p->path && p->device ? 0 : -1;
}

static inline int
vg_fuzz_event (void *ctx, const vg_event_t *e)
{
    const vg_fuzz_t *f = ctx;
    return e->device && (e->nattrs || !f->event_needs_attrs) ? 0 : -1;
}

/* Zeroed statistics and the checking sink into f (f must stay where it is while in use). */
static inline void
vg_fuzz_init (vg_fuzz_t *f, bool event_needs_attrs)
{
    memset (f, 0, sizeof *f);
    f->event_needs_attrs = event_needs_attrs;
    f->sink = (vg_sink_t) { f, vg_fuzz_device, vg_fuzz_sample, vg_fuzz_event };
}

#endif
