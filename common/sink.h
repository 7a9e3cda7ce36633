/* sink.h - where inputs and decoders deliver normalised telemetry.
 *
 * A sink is a small ops table with a context.  The agent's batcher is one sink; the
 * `vigil decode` NDJSON printer is another; tests use a collecting sink.  Producers call
 * device() before the first sample or event of a device (again whenever its identity
 * changes), then sample() and event() in any order.  Every pointer is borrowed for the
 * duration of the call only.  Each call returns 0 or a negative -VG_E* code; a producer
 * passes a non-zero return up and stops (the sink is full or closing). */
#ifndef VG_SINK_H
#define VG_SINK_H

#include "common/model.h"

typedef struct vg_sink {
    void *ctx;
    int (*device) (void *ctx, const vg_device_t *device);
    int (*sample) (void *ctx, const vg_point_t *point);
    int (*event) (void *ctx, const vg_event_t *event);
} vg_sink_t;

static inline int
vg_sink_device (const vg_sink_t *s, const vg_device_t *d)
{
    return s->device (s->ctx, d);
}

static inline int
vg_sink_sample (const vg_sink_t *s, const vg_point_t *p)
{
    return s->sample (s->ctx, p);
}

static inline int
vg_sink_event (const vg_sink_t *s, const vg_event_t *e)
{
    return s->event (s->ctx, e);
}

#endif
