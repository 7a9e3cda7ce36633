/* detect_stage_int.h - the detect stage's state, shared by its two files (collector/
 * detect_stage.c: queue, thread, commits, counters; collector/detect_save.c: saved state,
 * start-up restore, rules reload).
 *
 * Invariant: only those two files include this; the public contract is detect_stage.h.
 * Everything here runs in the stage thread once it is started, except what is atomic. */
#ifndef VG_DETECT_STAGE_INT_H
#define VG_DETECT_STAGE_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/detect_feed.h"
#include "collector/detect_stage.h"
#include "common/buf.h"
#include "common/log.h"
#include "detectors/rules.h"

#define VG_DETECT__NSTATS (sizeof (vg_detect_stage_stats_t) / sizeof (uint64_t))

_Static_assert (sizeof (vg_detect_stage_stats_t) % sizeof (uint64_t) == 0, "stats are 8-byte fields");

struct vg_detect_stage {
    vg_detect_stage_cfg_t cfg;
    char *rules_path;        /* owned copy, read again on reload */
    atomic_int reload_req;   /* set by vg_detect_stage_reload, taken by the stage thread */
    vg_store_t *store;
    vg_rules_t *rules;
    vg_engine_t *engine;
    vg_store_txn_t *txn;
    uint64_t txn_alerts;
    bool txn_kept;           /* txn holds the writes of a failed commit (tried again with the next) */
    vg_buf_t json, blob, packed;
    /* hooks */
    vg_detect_alert_hook alert_fn;
    void *alert_ctx;
    vg_detect_commit_hook commit_fn;
    void *commit_ctx;
    vg_detect_poll_fn poll_fn;
    void *poll_ctx;
    int poll_fd;           /* extra fd that wakes the loop; -1 = none */
    /* feeding batches to the engine: device inventory (saved with the state so series can be
     * re-declared before load), decode scratch, event time */
    vg_detect_feed_t *feed;
    /* live sources idle on the wall clock */
    struct s_idle {
        int64_t base, base_wall, set; /* clock at its last data advance, wall then, last value we set */
        int64_t step;                 /* typical advance of the clock by data (EWMA, ms) */
    } *idle;
    size_t nidle;
    int64_t next_save_mono;
    int dirty;               /* batches processed since the last save */
    /* the journal (detect_journal.c): accept order of the last journalled batch fed, the
     * same at the last save; while silent, alerts were committed before a stop (recovery) */
    uint64_t jlast, jsaved;
    bool jsilent;
    vg_detect_batch_fn batch_fn; /* the feed's on_batch hook (off while recovering) */
    void *batch_ctx;
    uint64_t batches_life;   /* persisted batch count */
    /* thread and queue */
    void *zctx, *rx, *tx;
    pthread_t thread;
    int started, stopped, ready;
    int final_rc;
    atomic_int dead;
    atomic_uint_least64_t submitted;
    atomic_uint_least64_t queued_bytes; /* submitted and not processed */
    /* counters: owned by the stage thread, mirrored for readers */
    vg_detect_stage_stats_t st;
    atomic_uint_least64_t mirror[VG_DETECT__NSTATS];
    vg_ratelimit_t rl;       /* stage thread */
    vg_ratelimit_t rl_submit; /* submitting thread */
};

/* The engine's alert callback: adds the alert record to st->txn (ctx is the stage). */
void vg_detect__on_alert (void *ctx, const vg_alert_t *a);

/* Add the engine state and the device inventory (two detstate records) to st->txn.
 * Returns 0 or a negative code (nothing added then). */
int vg_detect__put_state (vg_detect_stage_t *st);

/* Read the rules file at path (at most 4 MiB) into a NUL-terminated string the caller frees,
 * its length in *len; NULL with err filled when it cannot be read. */
char *vg_detect__read_rules (const char *path, size_t *len, char *err, size_t errlen);

/* At start: load the saved device inventory and engine state, re-declare stored series.
 * Logs the outcome; an absent or unreadable state leaves the detectors cold. */
void vg_detect__restore (vg_detect_stage_t *st);

/* Feed one batch (order: its journal order, 0 = not journalled) / commit the txn: the stage
 * thread's own steps, for the journal's recovery before the thread starts. */
int vg_detect__feed (vg_detect_stage_t *st, const uint8_t *p, size_t len, uint64_t order);
int vg_detect__finish (vg_detect_stage_t *st, int force_save);

/* Before the txn is committed (save: the state is in it): a save deletes the journal's
 * entries of the batches it covers; a commit of alerts records how far they go. */
void vg_detect__journal_txn (vg_detect_stage_t *st, int save);

/* Read, parse and apply the rules file; logs the outcome.  Returns 0, -VG_ECONFIG (the file
 * is refused: the rules in force stay) or another negative code. */
int vg_detect__reload (vg_detect_stage_t *st);

#endif
