/* detect_stage.h - the collector's detect stage: committed batches -> detector engine -> alerts.
 *
 * The stage owns one engine (detectors/engine.h) and runs it in its own thread.  The server
 * thread hands every committed batch (raw vigil.Batch bytes, with ingest's decoded view of it:
 * collector/batch_view.h) over an inproc ZeroMQ PAIR;
 * the send blocks when the queue is full, which slows acknowledgements down (back-pressure)
 * instead of dropping telemetry.  The thread feeds samples and events in batch order, ticks
 * the engine with event time per source (see detectors/engine.h: each agent/input pair is a
 * source with its own clock; each device x source a stream reordered within
 * cfg.lateness_ms), writes every alert record to
 * VG_CF_ALERTS in a stage-owned write batch and commits it after each group of batches, so
 * the engine never reads a clock and the same batches give the same alerts.  Engine state
 * is saved to VG_CF_DETSTATE (in the same write batch as the alerts) periodically and at
 * stop, and restored at start: a restart continues open episodes instead of re-raising
 * them.  Without a saved state the engine starts cold: detectors warm up again (learning
 * periods, seasonal baselines), so a restart without state produces fewer alerts for a
 * while, never a flood.
 *
 * Journal (collector/detect_journal.c): with the commit hook given each batch's accept order
 * and vg_detect_stage_journal on the server's accept hook, ingest's write also keeps every
 * batch in VG_CF_DETSTATE until a state save covers it; vg_detect_stage_recover feeds the
 * batches left (committed after the last save, analysed or not when the collector stopped)
 * from the saved state again before the stage starts, so that every committed batch is
 * analysed exactly once: alerts the stopped run had committed are not written again, the
 * others are. */
#ifndef VG_DETECT_STAGE_H
#define VG_DETECT_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "detectors/alert.h"
#include "collector/server.h"

#include "collector/detect_feed.h"
#include "detectors/engine.h"
#include "store/store.h"

typedef struct {
    const char *rules_path;   /* detector rules file (YAML); required */
    int64_t tick_ms;          /* tick the engine whenever event time advanced this much (event time) */
    int64_t save_every_ms;    /* save engine state at most this often (wall clock); 0 = only at stop */
    int64_t max_past_ms;      /* samples/events outside [now - max_past, now + max_future] are */
    int64_t max_future_ms;    /*   skipped, like ingest does (0 = no bound) */
    int queue;                /* batches queued between the server and the stage (0 = 64) */
    int max_group;            /* batches per alert commit (0 = 64) */
    int64_t lateness_ms;      /* per-stream reorder window (event time); 0 = none */
    size_t max_buffered;      /* reorder buffer bound (0 = the engine's default) */
    int64_t live_idle_ms;     /* a live source idle this long (wall) follows the wall clock; 0 = never */
    vg_engine_cfg_t engine;
} vg_detect_stage_cfg_t;

typedef struct {
    uint64_t batches;         /* processed */
    uint64_t bad_batches;     /* could not be decoded (counted, skipped) */
    uint64_t viewed;          /* of the processed, those fed from ingest's view (no second decode) */
    uint64_t samples, events; /* fed to the engine */
    uint64_t skipped;         /* samples/events outside the time window or with a bad state index */
    uint64_t alerts;          /* alert records written */
    uint64_t commits, commit_errors, alerts_lost;
    uint64_t saves, save_errors, save_bytes;
    uint64_t queued;          /* batches submitted but not processed yet */
    uint64_t queued_bytes;    /* their bytes (vg_detect_stage_queued_bytes) */
    int64_t lag_ms, lag_max_ms; /* submit -> processed, latest and max */
    int64_t event_time_ms;    /* engine time (newest data time of any source) */
    uint64_t late;            /* samples older than their stream's released time (skipped) */
    uint64_t idle_moves;      /* source clocks moved on by wall time (live source idle) */
    uint64_t reloads;         /* rule reloads applied */
    uint64_t reload_errors;   /* rule reloads refused (old rules kept) */
    uint64_t rules;           /* rules in force */
    int64_t process_us_total; /* time spent feeding the engine */
    int64_t done_mono_ms;     /* monotonic clock (ms) when the stage last finished a turn that processed
                               * batches: with queued 0, when it caught up (benchmarks time to it) */
    vg_engine_stats_t engine;
} vg_detect_stage_stats_t;

typedef struct vg_detect_stage vg_detect_stage_t;

/* Called in the stage thread for every alert record, after it was added to txn and before
 * txn is committed (put companion records, e.g. an outbox entry, into the same txn). */
typedef void (*vg_detect_alert_hook) (void *ctx, const vg_alert_t *alert, vg_store_txn_t *txn);
/* Called in the stage thread after a txn holding alerts was committed. */
typedef void (*vg_detect_commit_hook) (void *ctx);
/* Called in the stage thread every loop turn (about every 100 ms, and after each group). */
typedef void (*vg_detect_poll_fn) (void *ctx);

/* Read and parse the rules, build the engine and restore saved state from store (borrowed;
 * it must outlive the stage).  Runs in the caller's thread; does not start the stage
 * thread.  NULL on failure with the reason in err. */
vg_detect_stage_t *vg_detect_stage_new (const vg_detect_stage_cfg_t *cfg, vg_store_t *store, char *err,
                                        size_t errlen);
/* Stop the thread if running (drain + save), free everything; NULL-safe; sets *self_p NULL. */
void vg_detect_stage_destroy (vg_detect_stage_t **self_p);

/* Hooks; set them before vg_detect_stage_start.  fn NULL removes the hook. */
void vg_detect_stage_on_alert (vg_detect_stage_t *st, vg_detect_alert_hook fn, void *ctx);
void vg_detect_stage_on_committed (vg_detect_stage_t *st, vg_detect_commit_hook fn, void *ctx);
void vg_detect_stage_poll_hook (vg_detect_stage_t *st, vg_detect_poll_fn fn, void *ctx);
/* Called in the stage thread with every batch fed to the engine (validated; valid during the
 * call): what a fleet publisher forwards (collector/fleet_publish.h). */
void vg_detect_stage_on_batch (vg_detect_stage_t *st, vg_detect_batch_fn fn, void *ctx);
/* Also wake the stage (and so run the poll hook) when fd becomes readable, e.g. the Kafka
 * producer's delivery-report queue; -1 = none.  Set before vg_detect_stage_start. */
void vg_detect_stage_poll_fd (vg_detect_stage_t *st, int fd);

/* For the server's accept hook (ctx unused; server thread, stateless): the accepted batch
 * into txn's journal entry, under its accept order.  batch is a vigil.Batch, plain or
 * zstd-compressed (the collector journals it as the agent sent it: a third of the bytes
 * through ingest's write); recovery feeds either. */
void vg_detect_stage_journal (void *ctx, const char *agent_id, uint64_t epoch, uint64_t seq, uint64_t order,
                              const uint8_t *batch, size_t len, vg_store_txn_t *txn);
/* Before vg_detect_stage_start, after the hooks are set: analyse the journal's batches (see
 * Journal above; the on_batch hook is not called for them), then save the state, which
 * empties the journal.  Logs what it did.  Returns 0, -VG_EINVAL (started) or the store's
 * error (what was fed stays in the engine and the stage's next save covers it; until then
 * the journal and its mark are as the last successful write left them, so a start after
 * another crash feeds the same entries again, raising only the alerts no commit holds). */
int vg_detect_stage_recover (vg_detect_stage_t *st);
/* A collector with the detect stage off: delete a journal an earlier run left (logged).
 * Returns the entries dropped (0 = none) or a negative code. */
int vg_detect_journal_drop (vg_store_t *store);

/* Start the stage thread.  Returns 0, -VG_EINVAL (already started) or -VG_ENOMEM. */
int vg_detect_stage_start (vg_detect_stage_t *st);

/* Queue one batch (copied).  Call from one thread only (the server thread); blocks while
 * the queue is full.  Returns 0, or -VG_EIO if the stage is not running. */
int vg_detect_stage_submit (vg_detect_stage_t *st, const uint8_t *batch, size_t len);
/* Bytes of the batches submitted and not processed yet (a memory ceiling's measure; the
 * server refuses new batches while it is over limits.detect_queue_bytes).  Any thread. */
uint64_t vg_detect_stage_queued_bytes (const vg_detect_stage_t *st);
/* vg_detect_stage_submit with ingest's decoded view of the batch (collector/batch_view.h;
 * copied with it; NULL/0 = none): the stage then takes series ids and samples from the view
 * instead of decoding the chunks again.  Same contract otherwise. */
int vg_detect_stage_submit_view (vg_detect_stage_t *st, const uint8_t *batch, size_t len, const uint8_t *view,
                                 size_t view_len);
/* A vg_server_commit_fn: submits each batch with its view; ctx is the stage. */
void vg_detect_stage_commit_fn (void *ctx, const vg_server_committed_t *done, int n);

/* Drain the queue, save state, join the thread.  Call from the submitting thread.  Returns
 * 0, or a negative code if the final save failed.  Idempotent. */
int vg_detect_stage_stop (vg_detect_stage_t *st);

/* Read the rules file again and apply it (SIGHUP): a new engine over the new rules, with
 * the state of every rule whose id and definition did not change carried over (instances,
 * open episodes, source clocks, reorder buffers: detectors/rules_diff.h); added and changed
 * rules start cold; removed rules' state and open episodes are dropped (no Close record, as
 * at a restart with other rules).  What changed is logged.  A file that cannot be read or
 * parsed is refused with a logged error and the rules in force stay.  When the stage thread
 * runs, this only asks it (callable from any thread, async-signal-safe) and returns 0: the
 * thread reloads between two batches, counted in reloads/reload_errors.  Otherwise it
 * reloads in the caller's thread and returns 0, -VG_ECONFIG (refused) or -VG_ENOMEM. */
int vg_detect_stage_reload (vg_detect_stage_t *st);

/* Counters; callable from any thread (each field is read atomically, not the set). */
void vg_detect_stage_stats (const vg_detect_stage_t *st, vg_detect_stage_stats_t *out);

/* Process one batch synchronously in the caller's thread (no thread needed), then commit
 * the alerts (and the state when a save is due or force_save).  For tests and offline
 * replay; do not mix with a started stage.  Returns 0 or a negative code. */
int vg_detect_stage_process (vg_detect_stage_t *st, const uint8_t *batch, size_t len, int force_save);

#endif
