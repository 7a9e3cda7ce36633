/* pmdir_progress.h - the pmdir input's exactly-once record (see pmdir.c).
 *
 * One small text file per pmdir input next to the spool, replaced (temp + rename) before
 * each put that holds data of the input: the put's epoch and seq, the files the batch
 * completes, and the file still being decoded with how many of its items (samples + events)
 * the batches up to this one hold.  At start the record is resolved with the spool (was that
 * put made?) into what to do with each file it names.  Without done_dir a second file logs
 * the keys of finished files, so a restart does not read them again.
 * Invariant: for every file named, items <= what the file's decode yields, and `before` (what
 * earlier puts hold) <= items. */
#ifndef VG_PMDIR_PROGRESS_H
#define VG_PMDIR_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/input.h"
#include "common/u64map.h"

typedef struct vg_pmdir_progress vg_pmdir_progress_t;

/* One file in a record: key = hash (name, size, mtime); items held by the puts up to the one
 * recorded; before = items held by earlier puts (what a restart skips when the recorded put
 * did not happen). */
typedef struct {
    uint64_t key, items, before;
} vg_pmdir_mark_t;

/* Open the record of input idx in spool_dir and resolve it with host->held.  With keep_log
 * the finished-file log is read too and its keys put into *seen.  With sync each record is
 * fsync'd when it replaces the last (spool.fsync).  NULL on failure (out of memory); a
 * missing or unreadable record is an empty one (logged). */
vg_pmdir_progress_t *vg_pmdir_progress_new (const char *spool_dir, size_t idx, bool keep_log, bool sync,
                                            const vg_input_host_t *host, vg_u64map_t *seen);
/* Free; NULL-safe, sets *self_p = NULL. */
void vg_pmdir_progress_destroy (vg_pmdir_progress_t **self_p);

/* What the resolved record says of file key: 1 = all its items are spooled (finish it
 * unread), 0 = decode it and drop its first *skip items (0 when the record does not name
 * it).  Each answer is given once. */
int vg_pmdir_progress_resume (vg_pmdir_progress_t *self, uint64_t key, uint64_t *skip);

/* Before the put of seq in epoch: vg_pmdir_progress_begin, then one vg_pmdir_progress_add per
 * file the put completes (part false) and for the file being decoded (part true), then
 * vg_pmdir_progress_commit, which replaces the record.  Returns 0, or -VG_EIO (logged,
 * rate-limited): the old record stays, so a restart may repeat what this put holds. */
void vg_pmdir_progress_begin (vg_pmdir_progress_t *self, uint64_t epoch, uint64_t seq);
void vg_pmdir_progress_add (vg_pmdir_progress_t *self, const vg_pmdir_mark_t *m, bool part);
int vg_pmdir_progress_commit (vg_pmdir_progress_t *self);

/* File key is finished (its last item is on disk): append it to the finished-file log when
 * the progress keeps one.  Returns 0 or -VG_EIO (logged, rate-limited). */
int vg_pmdir_progress_finished (vg_pmdir_progress_t *self, uint64_t key);

#endif
