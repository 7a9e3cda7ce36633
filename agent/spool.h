/* spool.h - the agent's on-disk spool of unacknowledged batches (DESIGN.md §3).
 *
 * Every batch is numbered (seq 1, 2, 3, ... within an epoch), written to the spool before it
 * is sent, and deleted only when the collector acknowledges it.  Invariant: a seq that was
 * ever returned as put is never reused within an epoch, across crashes (kill -9) and torn
 * writes; what survives on disk is either a whole, checksummed batch or nothing.
 * Not thread-safe: one owner (the sender stage) calls every function. */
#ifndef VG_SPOOL_H
#define VG_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

typedef struct {
    const char *dir;      /* spool directory; created (mode 0700, parents too) if missing */
    uint64_t max_bytes;   /* bound on bytes on disk (headers + payloads); 0 = 256 MiB */
    uint32_t max_batches; /* bound on batches held; 0 = 65536 */
    bool fsync;           /* fdatasync each batch and fsync the directory: survives power loss,
                             not only process crashes */
} vg_spool_cfg_t;

typedef struct {
    uint64_t batches;         /* batches held now */
    uint64_t bytes;           /* bytes on disk now (headers + payloads) */
    uint64_t first_seq;       /* lowest held seq, 0 if empty */
    uint64_t last_seq;        /* highest held seq, 0 if empty */
    uint64_t acked_seq;       /* highest seq acknowledged (persisted) */
    uint64_t corrupt_dropped; /* torn, corrupt, vanished or stray-temp files removed */
    uint64_t put_total;       /* successful puts since open */
    uint64_t ack_total;       /* batches deleted by acks since open */
    uint64_t full_rejects;    /* puts refused with -VG_EFULL because of max_bytes/max_batches */
    uint64_t drop_total;      /* batches deleted by vg_spool_drop() since open */
    uint64_t io_errors;       /* failed writes, reads, renames, unlinks */
    uint64_t ignored_files;   /* entries at open whose names are not ours (left alone) */
    uint64_t state_recovered; /* 1 if the state file was missing or corrupt while batches existed */
    uint64_t next_seq;        /* vg_spool_next_seq() */
    uint64_t epoch;           /* vg_spool_epoch() */
    int64_t oldest_ms;        /* wall-clock ms the lowest held batch was written (its file's
                                 mtime for batches found at open), 0 if empty */
    uint64_t max_bytes;       /* the bounds in effect (defaults applied) */
    uint64_t max_batches;
} vg_spool_stats_t;

typedef struct vg_spool vg_spool_t;

/* Open the spool in cfg->dir: create the directory if missing (mode 0700), take an exclusive
 * lock on it (one process per spool), remove temp files left by a crash, verify every batch
 * file (header and CRC; torn or corrupt ones are deleted and counted in corrupt_dropped),
 * delete batches already acknowledged, and rebuild the in-memory index (seq -> size and
 * write time, the file's mtime; no payloads are kept in memory).  If batches exist but the state file is missing or corrupt,
 * the epoch is recovered from the batch headers.  The state file is rewritten, which also
 * proves the directory is writable.  cfg is copied; cfg->dir need not outlive the call.
 * Returns the spool, or NULL and *err (if err is not NULL) set to -VG_EINVAL (bad cfg),
 * -VG_ECONFIG (path exists and is not a directory), -VG_EIO (cannot create, read or write;
 * errno is logged), -VG_EAGAIN (another process holds the spool) or -VG_ENOMEM. */
vg_spool_t *vg_spool_new (const vg_spool_cfg_t *cfg, int *err);

/* Close the spool (nothing on disk changes).  NULL-safe; sets *self_p to NULL. */
void vg_spool_destroy (vg_spool_t **self_p);

/* Random non-zero 64-bit id made when the spool's state was first created and persisted with
 * it; a wiped spool gets a new epoch, so the collector knows seq restarted at 1. */
uint64_t vg_spool_epoch (const vg_spool_t *s);

/* The seq the next vg_spool_put() must use: max(acked_seq, highest seq ever put) + 1.
 * Persisted across restarts, also when the spool is empty after acks or drops. */
uint64_t vg_spool_next_seq (const vg_spool_t *s);

/* Store one batch durably before it is sent.  seq must equal vg_spool_next_seq(); the data is
 * copied to disk (the caller keeps ownership of data).  Returns 0; -VG_EINVAL if seq is not
 * next_seq; -VG_ETOOBIG if one batch could never fit (len > 4 GiB or > max_bytes);
 * -VG_EFULL if max_bytes or max_batches would be exceeded, the disk is full or no seq is
 * left (seq is UINT64_MAX) (nothing is written, next_seq does not move); -VG_EIO on other
 * write errors. */
int vg_spool_put (vg_spool_t *s, uint64_t seq, const void *data, size_t len);

/* Read batch seq into out (reset first; out keeps its memory across calls) and verify its
 * checksum; with out NULL the file is only verified.  Returns 0; -VG_ENOTFOUND if seq is not held (acked, dropped or never put);
 * -VG_ECRC if the file is corrupt or vanished: it is removed from the spool and counted in
 * corrupt_dropped (the caller reports a gap); -VG_EIO or -VG_ENOMEM otherwise. */
int vg_spool_get (vg_spool_t *s, uint64_t seq, vg_buf_t *out);

/* The collector committed everything up to upto_seq: persist acked_seq, then delete every
 * held batch with seq <= upto_seq.  An ack at or below acked_seq is a harmless no-op.
 * Returns 0; -VG_ERANGE if upto_seq >= next_seq (acks a batch never put; nothing changes);
 * -VG_EIO if the state could not be persisted (nothing changes). */
int vg_spool_ack (vg_spool_t *s, uint64_t upto_seq);

/* Delete one batch that the collector rejected for good; leaves a hole in the held range.
 * Returns 0 or -VG_ENOTFOUND if seq is not held; -VG_EIO if the state could not be
 * persisted (nothing changes). */
int vg_spool_drop (vg_spool_t *s, uint64_t seq);

/* True when batch seq was put and is still held or has been acknowledged (a batch dropped
 * after a rejection, or lost as corrupt, is neither). */
bool vg_spool_holds (const vg_spool_t *s, uint64_t seq);

/* Lowest held (unacknowledged) seq, 0 if the spool is empty. */
uint64_t vg_spool_first (const vg_spool_t *s);

/* Lowest held seq greater than seq, 0 if none.  Iterate with
 * for (q = vg_spool_first (s); q; q = vg_spool_after (s, q)); holes are skipped. */
uint64_t vg_spool_after (const vg_spool_t *s, uint64_t seq);

/* True when n more batches of len payload bytes each could be put now without passing
 * max_bytes or max_batches, nor filling the spool's file system (free space looked up at
 * most every 100 ms, or sooner when tight; 256 KiB are kept free).  For inputs that can
 * wait: pausing before a put would be refused loses nothing. */
bool vg_spool_has_room (vg_spool_t *s, size_t len, uint32_t n);

/* Fill *st with the current counters and gauges. */
void vg_spool_stats (const vg_spool_t *s, vg_spool_stats_t *st);

#endif
