/* batch_writer.h - the write side of the vigil.Batch codec, paired with batch.h's reader.
 *
 * A writer builds one batch at a time: begin, then devices, series (with their samples,
 * encoded here with the chunk codec) and events, then pack.  Paths, label keys and values
 * and inputs are interned by content into the batch string table (index 0 is ""), in the
 * order they are first added, so the bytes depend only on the sequence of calls.  Every
 * bound vg_batch_validate enforces on structure (string lengths, table sizes, label and
 * attribute counts, state names) is checked when an item is added, so a batch the writer
 * packs passes the reader with limits at least as large as its content.  The writer keeps
 * its storage between batches: after warm-up, a batch costs no allocation. */
#ifndef VG_BATCH_WRITER_H
#define VG_BATCH_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/model.h"

typedef struct vg_batch_writer vg_batch_writer_t;

/* One series of a batch.  labels holds 2 * nlabels strings, key, value, key, value...
 * ts and v (or num) hold count samples (count >= 1).  state_names: STATE series only. */
typedef struct {
    uint32_t device;                  /* index returned by vg_batch_writer_device */
    const char *path;                 /* required, non-empty */
    const char *const *labels;
    size_t nlabels;                   /* label pairs, <= VG_MAX_LABELS */
    vg_kind_t kind;
    const char *input;                /* NULL or "" = none */
    const char *source;               /* agent input instance ("pcap#2"); NULL or "" = none */
    const char *origin_path;          /* NULL or "" = same as path */
    const char *unit;                 /* NULL or "" = none */
    const char *const *state_names;
    size_t nstate_names;              /* <= VG_BATCH_MAX_STATE_NAMES */
    const int64_t *ts;
    const double *v;                  /* values as doubles, or NULL when num is set */
    const vg_num_t *num;              /* values of type vtype (exact integers); used when set */
    vg_numtype_t vtype;
    uint32_t count;
} vg_batch_series_t;

/* A writer whose packed batches may not exceed max_bytes (0 = no bound).  NULL on
 * allocation failure. */
vg_batch_writer_t *vg_batch_writer_new (size_t max_bytes);
/* NULL-safe; sets *self_p to NULL. */
void vg_batch_writer_destroy (vg_batch_writer_t **self_p);

/* Start a new, empty batch (forgetting the previous one and its error).  agent_id and every
 * string given to the calls below are borrowed, not copied: they must stay valid and
 * unchanged until vg_batch_writer_pack returns. */
void vg_batch_writer_begin (vg_batch_writer_t *w, const char *agent_id, uint64_t epoch, uint64_t seq,
                            int64_t created_ms);

/* Index of s in the batch string table, adding it on first use (NULL and "" are 0).
 * Returns 0, -VG_EINVAL (s not shorter than VG_MAX_PATH_LEN), -VG_ETOOBIG (the table holds
 * VG_BATCH_MAX_STRINGS entries) or -VG_ENOMEM. */
int vg_batch_writer_string (vg_batch_writer_t *w, const char *s, uint32_t *idx);

/* Index of device d in the batch, adding it (identity fields as given) the first time its
 * id is seen in this batch.  Returns 0, -VG_EINVAL (id missing or id/vendor not shorter
 * than VG_MAX_ID_LEN), -VG_ETOOBIG (VG_BATCH_MAX_DEVICES reached) or -VG_ENOMEM. */
int vg_batch_writer_device (vg_batch_writer_t *w, const vg_device_t *d, uint32_t *idx);

/* Add series s and encode its samples.  Returns 0, -VG_EINVAL (bad device index, empty
 * path, bad kind, no samples, or a string not shorter than its bound: VG_MAX_PATH_LEN for
 * path, input, source, origin and unit, VG_MAX_LABEL_LEN for a label key or value, VG_MAX_STATE_LEN
 * for a state name), -VG_ETOOBIG (labels, state names or the string table over their
 * bound) or -VG_ENOMEM.  On error the series is not added. */
int vg_batch_writer_series (vg_batch_writer_t *w, const vg_batch_series_t *s);

/* Add event e as an event of device (a vg_batch_writer_device index; e->device is not
 * used).  Returns 0, -VG_EINVAL (bad device index or type, attribute key not shorter than
 * VG_MAX_LABEL_LEN or value not shorter than VG_MAX_PATH_LEN), -VG_ETOOBIG (more than
 * VG_MAX_ATTRS attributes, string table full) or -VG_ENOMEM. */
int vg_batch_writer_event (vg_batch_writer_t *w, uint32_t device, const vg_event_t *e);

/* Serialise the batch into out (replacing its contents).  Returns 0, the first error any
 * add call of this batch returned (nothing packed), -VG_ETOOBIG (packed size over
 * max_bytes) or -VG_ENOMEM.  The batch stays as is until the next begin. */
int vg_batch_writer_pack (vg_batch_writer_t *w, vg_buf_t *out);

/* Give back the memory of the batch's series, chunks, devices, events and string table
 * (the hash maps keep theirs); the batch is gone, the next call must be begin.  For a
 * caller that keeps a writer across large batches and does not want their arrays resident
 * in between (the agent's batcher). */
void vg_batch_writer_trim (vg_batch_writer_t *w);

/* Counts of the batch being built (strings include the "" at index 0). */
size_t vg_batch_writer_nstrings (const vg_batch_writer_t *w);
size_t vg_batch_writer_ndevices (const vg_batch_writer_t *w);

#endif
