/* sender.h - delivers spooled batches to a collector over ZeroMQ, with credit and failover.
 *
 * The sender owns a DEALER socket to one collector at a time.  After HELLO/WELCOME it
 * sends spooled batches in sequence order, at most `window` unacknowledged at once; an
 * ACK deletes batches from the spool, a REJECTED ACK drops that batch for good (logged),
 * RETRY makes it resend later.  No reply within `timeout_ms` (heartbeats keep an idle
 * link checked) moves to the next collector in the list; while away from the first, the
 * sender tries to return to it every `primary_retry_ms`.  After any reconnect, WELCOME
 * tells which batches the collector already holds, and the rest are resent.
 *
 * Backoff: a RETRY, and a failover that follows silence with no answer since the previous
 * one, raise a backoff step (backoff_base_ms doubled each time up to backoff_max_ms, each
 * wait drawn uniformly from [step/2, step]: jitter, so agents refused together do not come
 * back together); nothing is sent before the wait is over, and it is the longer of the
 * collector's retry_after_ms hint (10 s at most) and that draw, the draw no longer than
 * twice a hint (the collector knows when it can take the batch).  A batch acknowledged resets
 * the step; a WELCOME after silence resets it and ends the wait (the HELLO sent on the new
 * connection waits in the socket and reaches a collector that comes back during the wait,
 * so a long backoff does not delay the recovery). */
#ifndef VG_SENDER_H
#define VG_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/spool.h"

typedef struct {
    const char *agent_id;
    const char *const *endpoints;  /* ordered: first is the primary */
    size_t nendpoints;
    uint32_t window;               /* unacknowledged batches in flight */
    int64_t heartbeat_ms;
    int64_t timeout_ms;            /* silence before failover */
    int64_t primary_retry_ms;      /* how often to try the primary again while away */
    const char *curve_server_key;  /* Z85 public key of the collector; NULL or "" = plain TCP */
    const char *curve_public_key;  /* this agent's Z85 public key; NULL or "" = derived from the secret */
    const char *curve_secret_key;  /* this agent's Z85 secret key (required with curve_server_key) */
    int64_t backoff_base_ms;       /* first backoff step (0 = 200 ms) */
    int64_t backoff_max_ms;        /* largest step (0 = 30 s) */
} vg_sender_cfg_t;

typedef struct {
    uint64_t sent, resent, acked, duplicates, rejected, retries, failovers, heartbeats;
    uint64_t backoffs;             /* waits imposed (RETRYs, failovers after silence) */
    int64_t backoff_wait_ms;       /* the sum of those waits */
    int64_t backoff_step_ms;       /* the current step (0: no backoff since the last success) */
    bool ready;
    size_t endpoint;               /* index of the current collector */
} vg_sender_stats_t;

typedef struct vg_sender vg_sender_t;

/* Connect to the first collector. spool is borrowed. NULL on failure (reason in err). */
vg_sender_t *vg_sender_new (const vg_sender_cfg_t *cfg, vg_spool_t *spool, char *err, size_t errlen);
void vg_sender_destroy (vg_sender_t **self_p);

/* The socket to poll for input (ZMQ_POLLIN). */
void *vg_sender_socket (vg_sender_t *s);

/* Process replies, timeouts and sending; call after poll and whenever a batch was spooled.
 * now_ms is monotonic.  Returns 0 or a negative error for fatal conditions. */
int vg_sender_service (vg_sender_t *s, int64_t now_ms);

/* Apply the reloadable settings of cfg (a SIGHUP): window, heartbeat_ms, timeout_ms,
 * primary_retry_ms, backoff_base_ms, backoff_max_ms (zeros take the defaults of
 * vg_sender_new); the connection, the backoff in progress and the counters are kept.  The
 * other fields of cfg are ignored. */
void vg_sender_set_timing (vg_sender_t *s, const vg_sender_cfg_t *cfg);

/* Milliseconds until the sender needs service again (for the poll timeout). */
int64_t vg_sender_next_wake (const vg_sender_t *s, int64_t now_ms);

/* Batches sent and not yet acknowledged. */
size_t vg_sender_inflight (const vg_sender_t *s);

void vg_sender_stats (const vg_sender_t *s, vg_sender_stats_t *st);

#endif
