/* fleet_reader.h - a zero-copy reader of vigil.FleetBatch messages (proto/fleet.proto), the
 * fleet tier's input: validated once, then read in place.
 *
 * vg_fleet_reader_parse walks the wire bytes once with bounds on every read, checks the
 * structure exactly as protobuf-c's unpack followed by vg_batch_validate (proto/batch.h,
 * no per-batch limits) and the fleet check (every finding's device in the inventory) would,
 * and fills tables the reader reuses: no protobuf-c object, no allocation per series.
 * Strings are copied (string table, inventory, findings, ids: NUL-terminated, as
 * protobuf-c gives them, so a string with an embedded NUL reads up to it); a series is a
 * row of its scalars and label indices, its chunk and unit pointed at in the input.
 * One refusal where protobuf-c would unpack: a FleetBatch with its `batch` field more than
 * once (protobuf-c merges the copies; the site publisher never writes that).
 * Events are validated like vg_batch_validate does and counted, not exposed: the fleet
 * tier does not read them.
 * Memory: the reader's scratch grows to the largest message seen (about its size, plus
 * 96 bytes per series and 16 per string) and is reused; a message above VG_FLEET_READER_MAX_BYTES
 * is refused.  Not thread-safe: one reader per thread; a parsed message borrows both the
 * input bytes and the reader's scratch until the next parse. */
#ifndef VG_FLEET_READER_H
#define VG_FLEET_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/model.h"

#define VG_FLEET_READER_MAX_BYTES (256u << 20) /* larger than Kafka's message.max.bytes ever is here */

/* One series (vigil.Series).  String fields are indices into the message's string table,
 * checked against it by the parse. */
typedef struct {
    uint32_t device, path, input, origin_path, source, count;
    int32_t kind;                        /* vigil.SeriesKind: 0 gauge, 1 counter, 2 state */
    uint32_t n_labels;                   /* key,value,key,value... (even, <= 2 * VG_MAX_LABELS) */
    const uint32_t *labels;
    const uint8_t *chunk;                /* the vg_chunk bytes, in the message (not decoded) */
    size_t chunk_len;
    uint32_t n_state_names;
    const char *unit;                    /* raw bytes in the message (not NUL-terminated), */
    size_t unit_len;                     /*   the C string is up to the first NUL */
} vg_fleet_series_t;

typedef struct {
    uint32_t device;                     /* index into devices, checked */
    int64_t ts_ms;
    const char *rule_id, *detector, *uid; /* never NULL */
} vg_fleet_finding_t;

/* A parsed message.  Every pointer is into the input bytes or the reader's scratch. */
typedef struct {
    const char *collector_id;            /* FleetBatch.collector_id */
    const char *agent_id;                /* Batch.agent_id and header */
    uint64_t epoch, seq;
    int64_t created_ms;
    const char *const *strings;          /* n_strings >= 1; strings[0] is "" */
    size_t n_strings;
    const vg_device_t *devices;          /* every field non-NULL; id non-empty */
    size_t n_devices;
    const vg_fleet_finding_t *findings;
    size_t n_findings;
    const vg_fleet_series_t *series;     /* in message order */
    size_t n_series;
    size_t n_events;                     /* validated, not exposed */
} vg_fleet_msg_t;

typedef struct vg_fleet_reader vg_fleet_reader_t;

/* A reader with empty scratch; NULL on allocation failure. */
vg_fleet_reader_t *vg_fleet_reader_new (void);
/* NULL-safe; sets *self_p to NULL. */
void vg_fleet_reader_destroy (vg_fleet_reader_t **self_p);

/* Parse and validate msg[0..len) into *out.  Returns 0; -VG_EPROTO for a malformed or
 * invalid message (a one-line reason in why, which may be NULL); -VG_ETOOBIG above
 * VG_FLEET_READER_MAX_BYTES; -VG_ENOMEM when the scratch could not grow.  On error *out
 * is unusable. */
int vg_fleet_reader_parse (vg_fleet_reader_t *r, const uint8_t *msg, size_t len, vg_fleet_msg_t *out, char *why,
                           size_t whylen);

/* The labels of series s of m as key/value views into m's string table.  out must hold
 * VG_MAX_LABELS entries.  Returns the number of labels. */
size_t vg_fleet_msg_labels (const vg_fleet_msg_t *m, const vg_fleet_series_t *s, vg_label_t *out);

#endif
