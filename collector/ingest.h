/* ingest.h - validate one telemetry batch and turn it into store writes.
 *
 * Every batch is hostile until proven otherwise: size limits, schema, known agent allowed
 * to speak for its devices, string indices, sane timestamps (within the configured past
 * and future window), decodable chunks whose counts match.  A valid batch becomes writes
 * in the caller's transaction: series metadata for new series, one Merge per series and
 * time bucket, one Put per event, and the agent's (epoch, seq) — all in the same write
 * batch, so a batch is stored exactly once.  Changes to the in-memory view (agents'
 * committed sequence numbers, known series) stay pending until vg_ingest_commit() after
 * the transaction is durable, or are undone by vg_ingest_rollback(). */
#ifndef VG_INGEST_H
#define VG_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/model.h"
#include "store/store.h"

#define VG_INGEST_ID_MAX VG_MAX_ID_LEN

typedef struct {
    const char *id;
    const char *const *devices;  /* fnmatch patterns of device ids it may report; NULL/0 = any */
    size_t ndevices;
} vg_agent_acl_t;

typedef struct {
    int64_t max_past_ms;         /* oldest accepted sample, relative to now */
    int64_t max_future_ms;       /* newest accepted sample, relative to now */
    size_t max_batch_bytes;
    uint32_t max_series;         /* per batch */
    uint32_t max_events;         /* per batch */
    uint32_t max_series_samples; /* per series per batch */
    bool allow_unknown_agents;   /* accept agents not listed (development only) */
    const vg_agent_acl_t *agents;
    size_t nagents;
    uint32_t max_agent_series;   /* series one agent may create (by the series' first agent); 0 = no limit */
    uint32_t max_samples;        /* samples per batch (bounds the decode scratch: 17 bytes each); 0 = no limit */
} vg_ingest_cfg_t;

typedef struct {
    uint64_t batches;          /* accepted */
    uint64_t duplicates;       /* already committed: acknowledged, not stored again */
    uint64_t gaps;             /* arrived before their predecessor: refused, resent in order */
    uint64_t resumes;          /* agents that came back after another collector stored a stretch of their epoch */
    uint64_t rejected;         /* invalid batches */
    uint64_t samples;          /* stored */
    uint64_t samples_rejected; /* dropped from valid batches (timestamps outside the window) */
    uint64_t events;
    uint64_t series_new;
    uint64_t series_refused;   /* samples of new series refused: their agent is at max_agent_series */
    uint64_t bytes;
} vg_ingest_stats_t;

typedef struct {
    char agent_id[VG_INGEST_ID_MAX];
    uint64_t epoch;
    uint64_t seq;
    uint32_t samples;
    uint32_t samples_rejected;
    uint32_t series_refused;   /* of samples_rejected: samples of new series over max_agent_series */
    uint64_t expected_seq;     /* VG_INGEST_GAP: the seq this collector takes next */
    char reason[200];          /* why rejected (or why samples were dropped) */
} vg_ingest_result_t;

#define VG_INGEST_DUP 1
#define VG_INGEST_GAP 2   /* a seq is missing before this one: not stored; the agent resends in order */

typedef struct vg_ingest vg_ingest_t;

/* A new ingest stage over store (borrowed); loads agent states and known series.
 * NULL on failure with the reason in err. */
vg_ingest_t *vg_ingest_new (const vg_ingest_cfg_t *cfg, vg_store_t *store, char *err, size_t errlen);
void vg_ingest_destroy (vg_ingest_t **self_p);

/* Replace the agents allowed to send and their device lists (a reload; agents borrowed
 * until the next call or the ingest's destruction): the agents' view is rebuilt from the
 * list and their committed epoch and sequence from the store, so an agent listed again
 * resumes where it stopped.  Call between batches, with nothing pending (the server's tick).
 * Returns 0 or a negative code (-VG_ENOMEM, a store error). */
int vg_ingest_set_agents (vg_ingest_t *in, const vg_agent_acl_t *agents, size_t nagents);

/* New limits (a reload): cfg's time window (max_past_ms, max_future_ms), per-batch bounds
 * (max_batch_bytes, max_series, max_events, max_series_samples, max_samples) and
 * max_agent_series (0 = no limit) apply from the next batch; its agents and
 * allow_unknown_agents are ignored (vg_ingest_set_agents; the latter needs a restart).
 * Series already created stay whatever their count.  cfg is copied.  Call between batches. */
void vg_ingest_set_limits (vg_ingest_t *in, const vg_ingest_cfg_t *cfg);

/* Validate batch p[0..len) and add its writes to txn.  Returns 0 (accepted, writes added),
 * VG_INGEST_DUP (already committed, nothing added), VG_INGEST_GAP (the agent's previous
 * seq of this epoch is not committed yet, nothing added) or a negative -VG_E* code (rejected;
 * res->reason says why; nothing added).  res->agent_id/epoch/seq are filled whenever the
 * header could be read.  now_ms bounds the accepted time window. */
int vg_ingest_batch (vg_ingest_t *in, const uint8_t *p, size_t len, int64_t now_ms, vg_store_txn_t *txn,
                     vg_ingest_result_t *res);

/* vg_ingest_batch that also fills view (reset first; borrowed) with the batch's decoded
 * series ids and samples (collector/batch_view.h) when it returns 0, for the detect stage;
 * view stays empty otherwise, or when it could not grow (the batch is accepted all the same).
 * view NULL = vg_ingest_batch. */
int vg_ingest_batch_view (vg_ingest_t *in, const uint8_t *p, size_t len, int64_t now_ms, vg_store_txn_t *txn,
                          vg_ingest_result_t *res, vg_buf_t *view);

/* The transaction holding the pending batches is durable (or held no writes): make their
 * effects current, counters included. */
void vg_ingest_commit (vg_ingest_t *in);
/* The transaction failed: forget the pending batches' effects, in the view (agents'
 * positions, series) and in the counters of what was stored (batches, samples, events,
 * bytes, new series go back to their values at the last vg_ingest_commit); the refusals
 * (rejected, duplicates, gaps) stay counted. */
void vg_ingest_rollback (vg_ingest_t *in);

/* Committed (epoch, seq) of an agent; 0,0 if unknown.  Is the agent allowed at all? */
bool vg_ingest_agent_known (const vg_ingest_t *in, const char *agent_id);
void vg_ingest_agent_state (const vg_ingest_t *in, const char *agent_id, uint64_t *epoch, uint64_t *seq);
/* The agent (HELLO) says every batch of `epoch` up to acked_seq is held by some collector
 * (acknowledged) or was refused for good.  When this collector holds less of that epoch
 * (the agent failed over to another collector and came back), its position moves to
 * acked_seq, written to txn (committed with the group), so the agent's next batch is in
 * sequence here instead of a gap it can never fill.  An epoch this collector holds nothing
 * of (a new agent or spool) is recorded the same way, at acked_seq (0 for a fresh spool):
 * its first batch must then be acked_seq + 1, so a later batch that reaches the collector
 * first (its predecessors answered RETRY unread: a closed backlog gate, a rate limit) is a
 * gap, never accepted (the agent's acknowledgements are cumulative: it would drop the
 * others).  Returns 1 when batches were skipped, 0 when not (unknown agent, nothing
 * skipped; the new epoch may still have been recorded), -VG_ENOMEM. */
int vg_ingest_agent_resume (vg_ingest_t *in, const char *agent_id, uint64_t epoch, uint64_t acked_seq, int64_t now_ms,
                            vg_store_txn_t *txn);

const vg_ingest_stats_t *vg_ingest_stats (const vg_ingest_t *in);
size_t vg_ingest_series_count (const vg_ingest_t *in);

#endif
