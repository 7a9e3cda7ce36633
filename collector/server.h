/* server.h - the collector's ingest loop: ZeroMQ ROUTER in, RocksDB commits, ACKs out.
 *
 * Agents (DEALER) send HELLO, BATCH and HEARTBEAT; the server answers WELCOME, ACK and
 * HEARTBEAT.  Batches that arrive together are validated into one write batch and
 * committed with one fsync (group commit); only then is each acknowledged, so an ACK
 * always means "durable".  Bad messages are rejected with a counter and a rate-limited
 * log line; the loop keeps serving.  With a CURVE secret key, only the agents' listed keys
 * complete the handshake (ZAP, see zap.h), and a HELLO or BATCH whose agent_id is not the
 * key's agent is refused; a key a reload removed is refused at once on the connections it
 * already opened: the reload closes them (peer_cut.h) and any message still read from one
 * is ignored unanswered, so the agent reconnects and its handshake fails. */
#ifndef VG_SERVER_H
#define VG_SERVER_H

#include <signal.h>
#include <stdint.h>

#include "collector/agent_limits.h"
#include "collector/ingest.h"
#include "store/store.h"
#include "collector/zap.h"
#include "proto/vigil.pb-c.h"

typedef struct {
    const char *listen;           /* ZeroMQ endpoint, e.g. tcp://127.0.0.1:5555 */
    const char *collector_id;
    int max_group;                /* batches per commit (group commit bound) */
    int64_t retention_ms;         /* 0 = keep forever */
    int64_t retention_every_ms;   /* how often retention runs */
    const char *curve_secret_key; /* Z85 secret key; NULL = plain TCP */
    const char *curve_public_key; /* optional; must be the secret key's public half */
    size_t max_batch_bytes;       /* bound on a decompressed batch */
    const vg_zap_key_t *agent_keys; /* CURVE allow list (borrowed during new); used only with */
    size_t nagent_keys;             /* curve_secret_key */
    vg_agent_limits_cfg_t limits;   /* per-agent batches/s and samples/s (zeros: no limit) */
    int receive_queue;              /* messages queued per connection before TCP pushes back (0 = 32) */
    size_t group_bytes;             /* a group is committed once its batches hold this much (0 = 64 MiB) */
} vg_server_cfg_t;

typedef struct {
    uint64_t msgs_in, hello, heartbeats, bad_msgs, acks_sent, commits, commit_errors;
    uint64_t bad_batches;             /* REJECTED before ingest: corrupt zstd, unreadable agent id, or (CURVE)
                                       * another agent's id than the key's; ingest counts the rest */
    uint64_t retention_runs;
    uint64_t zap_allowed, zap_denied; /* CURVE handshakes admitted / refused (unlisted key, bad request) */
    uint64_t wrong_agent;             /* HELLO/BATCH naming another agent than its CURVE key's */
    uint64_t revoked;                 /* messages ignored: their connection's CURVE key was removed
                                       * (or moved to another agent) by a reload */
    uint64_t revoked_cut;             /* connections closed because a reload revoked their key */
    int64_t commit_us_total, commit_us_max;
    uint64_t store_writable;          /* 1, or 0 from a failed commit to the next good one */
    uint64_t deferred;                /* batches answered RETRY unread while the store was not writable */
    uint64_t throttled;               /* batches answered RETRY unread: their agent was over its rate */
    uint64_t backlog_deferred;        /* batches answered RETRY unread: the backlog gate was closed */
} vg_server_stats_t;

typedef struct vg_server vg_server_t;

/* Bind the socket. NULL on failure with the reason in err. store and ingest are borrowed. */
vg_server_t *vg_server_new (const vg_server_cfg_t *cfg, vg_store_t *store, vg_ingest_t *ingest, char *err,
                            size_t errlen);
void vg_server_destroy (vg_server_t **self_p);

/* Serve until *stop becomes non-zero (set from a signal handler). Returns 0 on a clean
 * stop, negative on a fatal error. */
int vg_server_run (vg_server_t *srv, volatile sig_atomic_t *stop);

/* A batch a commit made durable: its (inflated) bytes and ingest's decoded view of it
(collector/batch_view.h; view NULL when there is none), both valid during the callback, and
its accept order (the order the on_accept hook was given for it). */
typedef struct {
    const uint8_t *batch;
    size_t len;
    const uint8_t *view;
    size_t view_len;
    uint64_t order;
} vg_server_committed_t;

/* Called after every successful commit with the n batches it made durable (for detectors). */
typedef void (*vg_server_commit_fn) (void *ctx, const vg_server_committed_t *done, int n);
void vg_server_on_commit (vg_server_t *srv, vg_server_commit_fn fn, void *ctx);

/* Called in the server thread for every batch ingest accepted into the group's write, before
 * that write is committed: records fn puts into txn become durable exactly when the batch
 * does (the fleet publisher's and the detect stage's journals).  batch is the plain
 * vigil.Batch, wire the same batch as the agent sent it (zstd-compressed, about a third of
 * the plain bytes; or batch itself when it came plain), both valid during the call.  order grows by one with every call (it starts from
 * the wall clock in microseconds when the server is made): the order batches are committed
 * and handed to the commit hook in; an abandoned group's orders are not given again.  Set
 * before vg_server_run; fn NULL removes it. */
typedef void (*vg_server_accept_fn) (void *ctx, const char *agent_id, uint64_t epoch, uint64_t seq,
                                     uint64_t order, const uint8_t *batch, size_t len, const uint8_t *wire,
                                     size_t wire_len, vg_store_txn_t *txn);
void vg_server_on_accept (vg_server_t *srv, vg_server_accept_fn fn, void *ctx);

/* Asked before each batch is read: NULL to go on, or why the collector is too far behind
 * to take more now (e.g. the detect stage's queue is over its memory ceiling); the batch
 * is then answered RETRY unread and the agent resends it later.  Server thread. */
typedef const char *(*vg_server_backlog_fn) (void *ctx);
void vg_server_on_backlog (vg_server_t *srv, vg_server_backlog_fn fn, void *ctx);

/* The per-agent admission counters (agent_limits.h); the server's thread only. */
const vg_agent_limits_t *vg_server_limits (const vg_server_t *srv);

/* Called from the loop about once a second (metrics publication, housekeeping). */
typedef void (*vg_server_tick_fn) (void *ctx);
void vg_server_on_tick (vg_server_t *srv, vg_server_tick_fn fn, void *ctx);

/* Replace the CURVE allow list (a reload; keys copied): see vg_zap_set_keys.  Without CURVE
 * there is no list and this returns 0.  Returns 0 or -VG_ECONFIG with the reason in err.
 * Call from the loop's thread (a tick). */
int vg_server_set_agent_keys (vg_server_t *srv, const vg_zap_key_t *keys, size_t nkeys, char *err, size_t errlen);

/* Apply the reloadable limits (SIGHUP): the per-agent buckets (vg_agent_limits_set_cfg:
 * each agent's counters and balance kept), the receive queue of connections made from now
 * on (ZMQ_RCVHWM; established connections keep theirs) and the group-commit byte bound
 * (0 = 64 MiB), and the largest batch inflated (max_batch_bytes: from the next message; the
 * message size cap derived from it, ZMQ_MAXMSGSIZE, applies to connections made from now on,
 * like the receive queue).  Call from the loop's thread (a tick). */
void vg_server_set_limits (vg_server_t *srv, const vg_agent_limits_cfg_t *limits, int receive_queue,
                           size_t group_bytes, size_t max_batch_bytes);

const vg_server_stats_t *vg_server_stats (const vg_server_t *srv);

/* Why the store is not writable (the last commit's error, until a commit succeeds), or NULL
 * while it is.  Valid until the next call into the server; the server's thread only. */
const char *vg_server_store_error (const vg_server_t *srv);

/* The HELLO payload p[0..len) unpacked, or NULL when it is not a vigil.Hello or its agent_id
 * is missing or longer than VG_MAX_ID_LEN.  The caller frees the result with
 * vigil__hello__free_unpacked (h, NULL).  Pure (no server state): the fuzz target calls it. */
Vigil__Hello *vg_server_parse_hello (const uint8_t *p, size_t len);

#endif
