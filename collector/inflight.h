/* inflight.h - the alerter's table of records handed to librdkafka and not yet reported.
 *
 * A fixed number of slots (the slot index travels as the message opaque) and an id -> slot
 * hash (linear probing, backward-shift deletion, load <= 0.5), so a poll that resends from
 * the outbox can skip what librdkafka still holds.  No allocation after vg_inflight_new;
 * one thread (the alerter's owner). */
#ifndef VG_INFLIGHT_H
#define VG_INFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One record in flight. */
typedef struct {
    uint64_t id;        /* outbox id; 0 = free slot */
    int64_t t0_ns;      /* commit (or produce, for resends) time */
    uint32_t bytes;     /* encoded outbox record size */
    uint8_t resent;
    int32_t next_free;
} vg_inflight_rec_t;

typedef struct vg_inflight vg_inflight_t;

/* A table of max slots (1 <= max <= 2^24).  NULL when out of memory. */
vg_inflight_t *vg_inflight_new (size_t max);
/* NULL-safe; sets *self_p = NULL. */
void vg_inflight_destroy (vg_inflight_t **self_p);

/* Take a free slot for id (non-zero, not in the table).  Returns the slot index, or -1
 * when every slot is taken. */
int32_t vg_inflight_take (vg_inflight_t *t, uint64_t id, int64_t t0_ns, size_t bytes, bool resent);
/* Release slot s and copy its record into *out.  Returns false (nothing changed) when s is
 * not a taken slot: out of range, or released already by vg_inflight_reset. */
bool vg_inflight_release (vg_inflight_t *t, int32_t s, vg_inflight_rec_t *out);
/* Release slot s, which must be taken (a produce that librdkafka refused). */
void vg_inflight_free (vg_inflight_t *t, int32_t s);
/* Whether id is in flight. */
bool vg_inflight_has (const vg_inflight_t *t, uint64_t id);
/* Release every slot (the producer was destroyed; its reports will not come). */
void vg_inflight_reset (vg_inflight_t *t);
/* Slots taken, and the table's size. */
size_t vg_inflight_count (const vg_inflight_t *t);
size_t vg_inflight_max (const vg_inflight_t *t);

#endif
