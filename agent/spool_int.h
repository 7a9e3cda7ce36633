/* spool_int.h - what spool.c (the index and the API) and spool_file.c (the files on disk)
 * share: the spool object and the file functions.  Not for other modules: they use
 * agent/spool.h.  Every function runs in the spool's owning thread. */
#ifndef VG_SPOOL_INT_H
#define VG_SPOOL_INT_H

#include "agent/spool.h"

#include "common/log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_SPOOL__HDR_LEN 40              /* batch file header; the file is header + payload */
#define VG_SPOOL__STATE_NAME "spool.state"
#define VG_SPOOL__LOCK_NAME "spool.lock"
#define VG_SPOOL__IOBUF 65536             /* bytes of s->iobuf */

typedef struct {
    uint64_t seq;
    uint32_t len;  /* payload bytes; the file is VG_SPOOL__HDR_LEN + len */
    int64_t put_ms; /* wall clock when written (file mtime for batches found at open) */
} vg_spool__entry_t;

struct vg_spool {
    char *dir;
    int dirfd;
    int lockfd;
    uint64_t max_bytes;
    uint32_t max_batches;
    bool fsync;
    uint64_t epoch;
    uint64_t acked_seq;
    uint64_t next_seq;
    uint64_t persisted_next; /* next_seq as last written to the state file */
    vg_spool__entry_t *idx;  /* live entries are idx[head .. head + count), sorted by seq */
    size_t head;
    size_t count;
    size_t cap;
    uint64_t bytes;
    uint8_t *iobuf; /* VG_SPOOL__IOBUF bytes for checksumming files at open */
    int64_t fs_at_ms;        /* when fs_free was looked up (monotonic) */
    uint64_t fs_free;        /* bytes available to us on the spool's file system, then */
    vg_spool_stats_t st;
    vg_ratelimit_t rl;
};

typedef enum {
    VG_SPOOL__NAME_OTHER,
    VG_SPOOL__NAME_BATCH,
    VG_SPOOL__NAME_BATCH_TMP,
    VG_SPOOL__NAME_STATE_TMP,
    VG_SPOOL__NAME_OURS
} vg_spool__name_kind_t;

/* Classify a directory entry name; for batch names set *seq (never 0 nor UINT64_MAX). */
vg_spool__name_kind_t vg_spool__classify (const char *name, uint64_t *seq);

/* Remove name from the spool dir; a missing file is fine, other errors are counted
 * (io_errors) and logged (rate-limited). */
void vg_spool__unlink (vg_spool_t *s, const char *name);
/* Remove batch file seq, as vg_spool__unlink. */
void vg_spool__batch_unlink (vg_spool_t *s, uint64_t seq);

/* A random non-zero 64-bit epoch from /dev/urandom, or from clock and pid if that fails. */
uint64_t vg_spool__random_epoch (void);

/* Write the state file (s->epoch, acked, next) atomically; on success s->persisted_next =
 * next.  Returns 0 or -VG_EFULL / -VG_EIO (counted and logged). */
int vg_spool__state_write (vg_spool_t *s, uint64_t acked, uint64_t next);
/* Read the state file: 0 and the fields, -VG_ENOTFOUND if absent, -VG_ECRC if invalid,
 * -VG_EIO if unreadable. */
int vg_spool__state_read (vg_spool_t *s, uint64_t *epoch, uint64_t *acked, uint64_t *next);

/* Write batch file seq (header of s->epoch, then len bytes of data) atomically.  Returns 0
 * or -VG_EFULL / -VG_EIO (counted and logged; no file is left behind). */
int vg_spool__batch_write (vg_spool_t *s, uint64_t seq, const void *data, size_t len);
/* Open and verify batch file seq (not following symlinks).  With out, the payload is read
 * into it; without, it is checksummed through s->iobuf.  Returns 0 and *len; -VG_ENOTFOUND
 * if the file is absent; -VG_ECRC if torn, corrupt, not a regular file or from another
 * epoch; -VG_EIO or -VG_ENOMEM. */
int vg_spool__load (vg_spool_t *s, uint64_t seq, vg_buf_t *out, uint32_t *len);
/* Read only the epoch from batch file seq's header (state recovery). Returns 0 or < 0. */
int vg_spool__peek_epoch (vg_spool_t *s, uint64_t seq, uint64_t *epoch);

#endif
