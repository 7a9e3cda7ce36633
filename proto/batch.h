/* batch.h - the vigil.Batch layout in one place: a validating reader shared by the
 * collector's ingest (the trust boundary) and its detect stage.
 *
 * A batch is unpacked by protobuf-c, then vg_batch_validate checks once every index into the
 * string table and the device list, every label pair, kind, count and string bound, so code
 * that walks a validated batch (vg_batch_labels, the ingest and detect loops) needs no
 * bounds checks of its own.  Chunks are not decoded here (the caller does, with its own
 * scratch).  Policy (which agent, which devices, time windows) is the caller's.  The write
 * side is proto/batch_writer.h, which checks the same bounds as items are added. */
#ifndef VG_BATCH_H
#define VG_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/model.h"
#include "proto/vigil.pb-c.h"

#define VG_BATCH_MAX_STRINGS (1u << 20)   /* string table entries */
#define VG_BATCH_MAX_DEVICES 65536u       /* devices per batch */
#define VG_BATCH_MAX_STATE_NAMES 256u     /* state names per state series */

typedef struct {
    uint32_t max_series;          /* series per batch */
    uint32_t max_events;          /* events per batch */
    uint32_t max_series_samples;  /* samples per series */
} vg_batch_limits_t;

/* Fill *out so that protobuf-c unpacks into arena (borrowed; it must outlive *out's use):
 * allocations come from the arena, frees are no-ops, so an unpacked batch is released by
 * resetting the arena instead of free_unpacked.  Not thread-safe (as the arena). */
void vg_batch_arena_allocator (vg_arena_t *arena, ProtobufCAllocator *out);

/* Validate the structure of an unpacked batch against lim.  On success *total_samples (may
 * be NULL) is the sum of the series' sample counts.  Returns 0, -VG_EPROTO (malformed) or
 * -VG_ETOOBIG (a limit), with a one-line reason in why. */
int vg_batch_validate (const Vigil__Batch *b, const vg_batch_limits_t *lim, size_t *total_samples, char *why,
                       size_t whylen);

/* The labels of series s of a validated batch b as key/value views into b's string table.
 * out must hold VG_MAX_LABELS entries.  Returns the number of labels. */
size_t vg_batch_labels (const Vigil__Batch *b, const Vigil__Series *s, vg_label_t *out);

/* Labels given as n_idx key/value indices into strings (pairs[2i] the key, pairs[2i + 1] the
 * value, every index already checked against the table: a validated batch's or fleet
 * message's series) as views into strings; out must hold n_idx / 2 entries.  Returns
 * n_idx / 2.  vg_batch_labels and vg_fleet_msg_labels are this on their message. */
size_t vg_label_pairs (const char *const *strings, const uint32_t *pairs, size_t n_idx, vg_label_t *out);

/* Point ev->flow and ev->gap at the model's view of an event's flow summary and gap (either
 * may be NULL: the pointer is then NULL), filled into *flow and *gap; strings are borrowed
 * from the messages.  For vigil.Event (a batch) and vigil.StoredEvent (the store) alike. */
void vg_batch_event_extras (const Vigil__FlowSummary *fs, const Vigil__Gap *g, vg_flow_t *flow, vg_gap_t *gap,
                            vg_event_t *ev);

#endif
