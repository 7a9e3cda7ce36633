/* server.c - ROUTER loop with group commit (see server.h).
 *
 * Loop: wait for messages; drain up to max_group of them without blocking; feed every
 * BATCH to ingest (into one transaction); commit once; then send every ACK.  Duplicates
 * are acknowledged in order with the rest, after the commit, so an agent never sees an
 * ACK for seq N before the commit that made seqs < N durable.
 *
 * A failed commit (disk full, I/O error) acknowledges nothing of its group (RETRY: the
 * agents keep the batches and resend) and rolls ingest's view back to what is durable.
 * From then on the store counts as not writable: batches are answered RETRY unread, and one
 * group per S_STORE_PROBE_MS is tried, which is how the server notices that RocksDB took
 * writes again (it recovers by itself once there is space: docs/RELIABILITY.md).
 *
 * Admission (docs/SECURITY.md, "Limits"): before a batch is read, the backlog gate (the
 * detect stage's memory ceiling) and the agent's token buckets (agent_limits.h) may answer
 * it RETRY unread, with a hint of how long to wait: the agent keeps it and slows down,
 * other agents are not affected.  Per batch, never per sample. */
#include "collector/server.h"
#include "collector/peer_cut.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "common/clock.h"
#include "common/compress.h"
#include "common/err.h"
#include "common/log.h"
#include "proto/vigil.pb-c.h"

#define MAX_IDENTITY 256
#define S_STORE_PROBE_MS 1000
#define S_PLAIN_KEEP ((size_t) 1 << 20) /* a pending slot keeps an inflate buffer up to this size */

typedef struct {
    uint8_t identity[MAX_IDENTITY];
    size_t identity_len;
    Vigil__AckStatus status;
    uint64_t epoch, seq;
    bool duplicate;
    uint64_t expected_seq; /* RETRY of a gap: the seq expected next */
    uint32_t retry_after_ms; /* RETRY: the agent should wait this long (0 = its own backoff) */
    char reason[200];
    zmq_msg_t batch;      /* kept until after the commit, for the commit callback */
    bool has_batch;
    vg_buf_t plain;       /* decompressed batch (reused); valid when use_plain */
    bool use_plain;
    vg_buf_t view;        /* ingest's decoded view of an accepted batch (reused), for the commit callback */
    uint64_t order;       /* accept order (vg_server_accept_fn) */
} s_pending_t;

struct vg_server {
    vg_server_cfg_t cfg;
    void *ctx;
    void *router;
    vg_zap_t *zap;        /* CURVE allow list; NULL = plain TCP, no key checks */
    vg_peer_cut_t *cut;   /* admitted connections, to close a revoked key's (with zap) */
    vg_store_t *store;
    vg_ingest_t *ingest;
    vg_store_txn_t *txn;
    s_pending_t *pending;
    int npending;
    size_t pending_bytes;     /* held by the group: received and inflated batches */
    vg_server_commit_fn on_commit;
    void *on_commit_ctx;
    vg_server_accept_fn on_accept;
    void *on_accept_ctx;
    uint64_t next_order;      /* the next accepted batch's order */
    vg_server_tick_fn on_tick;
    void *on_tick_ctx;
    vg_server_backlog_fn on_backlog;
    void *on_backlog_ctx;
    vg_agent_limits_t *limits;
    int64_t next_tick_ms;
    vg_server_stats_t stats;
    vg_ratelimit_t rl_bad, rl_reject, rl_store, rl_limit;
    int64_t next_retention_ms;
    /* Store not writable since store_down_ms (monotonic; 0 = writable): the last commit
     * failed with store_err.  No batch is read before store_probe_ms. */
    int64_t store_down_ms, store_probe_ms;
    char store_err[256];
};

/* The largest message one connection may send: twice what ingest accepts (a zstd frame of
 * that batch fits, and moderately oversized batches are still seen and counted rather than
 * silently dropped; a bigger message closes the connection). */
static int64_t
s_max_msg (size_t max_batch_bytes)
{
    return max_batch_bytes ? 2 * (int64_t) max_batch_bytes + 4096 : 4 * (int64_t) 64 << 20;
}

vg_server_t *
vg_server_new (const vg_server_cfg_t *cfg, vg_store_t *store, vg_ingest_t *ingest, char *err, size_t errlen)
{
    vg_server_t *srv = calloc (1, sizeof *srv);
    if (!srv) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    srv->cfg = *cfg;
    if (srv->cfg.receive_queue <= 0)
        srv->cfg.receive_queue = 32;
    if (srv->cfg.max_group <= 0)
        srv->cfg.max_group = 64;
    if (srv->cfg.group_bytes == 0)
        srv->cfg.group_bytes = (size_t) 64 << 20;
    srv->store = store;
    srv->ingest = ingest;
    srv->next_order = (uint64_t) vg_clock_now_ms () * 1000;
    srv->rl_bad = (vg_ratelimit_t) VG_RATELIMIT_INIT (1000, 5);
    srv->rl_reject = (vg_ratelimit_t) VG_RATELIMIT_INIT (1000, 5);
    srv->rl_store = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 1); /* an outage: a line per 10 s */
    srv->rl_limit = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 2);  /* a flood: two lines per 10 s */
    srv->pending = calloc ((size_t) srv->cfg.max_group, sizeof *srv->pending);
    srv->txn = vg_store_txn_new (store);
    srv->limits = vg_agent_limits_new (&cfg->limits);
    srv->ctx = zmq_ctx_new ();
    if (!srv->pending || !srv->txn || !srv->limits || !srv->ctx) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    srv->router = zmq_socket (srv->ctx, ZMQ_ROUTER);
    int zero = 0, one = 1, hwm = cfg->receive_queue > 0 ? cfg->receive_queue : 32;
    /* Bound memory per connection: at most hwm messages wait in its pipe (then libzmq stops
     * reading the socket and TCP pushes back), each at most s_max_msg. */
    int64_t maxmsg = s_max_msg (cfg->max_batch_bytes);
    zmq_setsockopt (srv->router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt (srv->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt (srv->router, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt (srv->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (cfg->curve_secret_key && cfg->curve_secret_key[0]) {
        /* The ZAP handler must be bound before the ROUTER accepts anyone: without one,
         * libzmq admits every CURVE client. */
        srv->zap = vg_zap_new (srv->ctx, cfg->agent_keys, cfg->nagent_keys, err, errlen);
        if (!srv->zap)
            goto fail;
        srv->cut = vg_peer_cut_new ();
        if (!srv->cut) {
            snprintf (err, errlen, "out of memory");
            goto fail;
        }
        zmq_setsockopt (srv->router, ZMQ_ZAP_DOMAIN, VG_ZAP_DOMAIN, strlen (VG_ZAP_DOMAIN));
        zmq_setsockopt (srv->router, ZMQ_CURVE_SERVER, &one, sizeof one);
        if (strlen (cfg->curve_secret_key) != 40
            || zmq_setsockopt (srv->router, ZMQ_CURVE_SECRETKEY, cfg->curve_secret_key, 40) != 0) {
            snprintf (err, errlen, "invalid CURVE secret key (40 Z85 characters expected)");
            goto fail;
        }
        char derived[41];
        if (cfg->curve_public_key && cfg->curve_public_key[0]
            && (zmq_curve_public (derived, cfg->curve_secret_key) != 0 || strcmp (derived, cfg->curve_public_key) != 0)) {
            snprintf (err, errlen, "curve.public_key is not the public half of curve.secret_key: agents given it as "
                                   "their curve.server_key could not connect");
            goto fail;
        }
        if (vg_zap_key_count (srv->zap) == 0)
            vg_log (VG_LOG_WARN, "server", "CURVE is on but no agent has a public_key: every agent will be refused");
        else
            vg_log (VG_LOG_INFO, "server", "CURVE on: %zu agent key(s) admitted", vg_zap_key_count (srv->zap));
    }
    srv->cfg.agent_keys = NULL; /* borrowed for the constructor only */
    srv->cfg.nagent_keys = 0;
    if (zmq_bind (srv->router, cfg->listen) != 0) {
        snprintf (err, errlen, "cannot listen on %s: %s", cfg->listen, zmq_strerror (zmq_errno ()));
        goto fail;
    }
    srv->next_retention_ms = vg_clock_mono_ms () + 10000;
    srv->stats.store_writable = 1;
    return srv;
fail:
    vg_server_destroy (&srv);
    return NULL;
}

void
vg_server_destroy (vg_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_server_t *srv = *self_p;
    if (srv->router)
        zmq_close (srv->router);
    vg_zap_destroy (&srv->zap);
    vg_peer_cut_destroy (&srv->cut);
    if (srv->ctx)
        zmq_ctx_term (srv->ctx);
    vg_store_txn_destroy (&srv->txn);
    vg_agent_limits_destroy (&srv->limits);
    for (int i = 0; srv->pending && i < srv->cfg.max_group; i++) {
        vg_buf_free (&srv->pending[i].plain);
        vg_buf_free (&srv->pending[i].view);
    }
    free (srv->pending);
    free (srv);
    *self_p = NULL;
}

void
vg_server_on_commit (vg_server_t *srv, vg_server_commit_fn fn, void *ctx)
{
    srv->on_commit = fn;
    srv->on_commit_ctx = ctx;
}

void
vg_server_on_accept (vg_server_t *srv, vg_server_accept_fn fn, void *ctx)
{
    srv->on_accept = fn;
    srv->on_accept_ctx = ctx;
}

void
vg_server_on_tick (vg_server_t *srv, vg_server_tick_fn fn, void *ctx)
{
    srv->on_tick = fn;
    srv->on_tick_ctx = ctx;
}

void
vg_server_on_backlog (vg_server_t *srv, vg_server_backlog_fn fn, void *ctx)
{
    srv->on_backlog = fn;
    srv->on_backlog_ctx = ctx;
}

const vg_agent_limits_t *
vg_server_limits (const vg_server_t *srv)
{
    return srv->limits;
}

int
vg_server_set_agent_keys (vg_server_t *srv, const vg_zap_key_t *keys, size_t nkeys, char *err, size_t errlen)
{
    if (!srv->zap)
        return 0;
    int rc = vg_zap_set_keys (srv->zap, keys, nkeys, err, errlen);
    if (rc == 0) {
        /* A revoked key's open connections end now: the agent reconnects and is refused. */
        size_t cut = vg_peer_cut_sweep (srv->cut, srv->zap);
        srv->stats.revoked_cut += cut;
        if (cut)
            vg_log (VG_LOG_INFO, "server", "closed %zu connection(s) whose CURVE key the reload revoked", cut);
    }
    return rc;
}

void
vg_server_set_limits (vg_server_t *srv, const vg_agent_limits_cfg_t *limits, int receive_queue, size_t group_bytes,
                      size_t max_batch_bytes)
{
    if (max_batch_bytes != srv->cfg.max_batch_bytes) {
        int64_t maxmsg = s_max_msg (max_batch_bytes);
        zmq_setsockopt (srv->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    }
    srv->cfg.max_batch_bytes = max_batch_bytes;
    vg_agent_limits_set_cfg (srv->limits, limits);
    srv->cfg.limits = *limits;
    int hwm = receive_queue > 0 ? receive_queue : 32;
    if (hwm != srv->cfg.receive_queue)
        zmq_setsockopt (srv->router, ZMQ_RCVHWM, &hwm, sizeof hwm);
    srv->cfg.receive_queue = hwm;
    srv->cfg.group_bytes = group_bytes ? group_bytes : (size_t) 64 << 20;
}

const vg_server_stats_t *
vg_server_stats (const vg_server_t *srv)
{
    return &srv->stats;
}

const char *
vg_server_store_error (const vg_server_t *srv)
{
    return srv->store_down_ms ? srv->store_err : NULL;
}

/* The outcome of a commit: enter or leave the store's not-writable state. */
static void
s_store_state (vg_server_t *srv, const char *err)
{
    int64_t now = vg_clock_mono_ms ();
    if (!err) {
        if (srv->store_down_ms)
            vg_log (VG_LOG_INFO, "server", "store writable again after %.1f s; acknowledging",
                    (double) (now - srv->store_down_ms) / 1000.0);
        srv->store_down_ms = 0;
        srv->stats.store_writable = 1;
        return;
    }
    if (!srv->store_down_ms) {
        srv->store_down_ms = now ? now : 1;
        vg_log (VG_LOG_ERROR, "server",
                "store not writable: %s; acknowledging nothing (agents keep their batches and resend), "
                "trying again every %d ms",
                err, S_STORE_PROBE_MS);
    } else {
        vg_log_rl (&srv->rl_store, VG_LOG_ERROR, "server", "store still not writable: %s", err);
    }
    snprintf (srv->store_err, sizeof srv->store_err, "%s", err);
    srv->stats.store_writable = 0;
    srv->store_probe_ms = now + S_STORE_PROBE_MS;
}

/* Send [identity][type][payload]. Drops silently if the peer is gone (it will resend). */
static void
s_send (vg_server_t *srv, const uint8_t *id, size_t idlen, uint8_t type, const void *payload, size_t len)
{
    if (zmq_send (srv->router, id, idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return;
    zmq_send (srv->router, &type, 1, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (srv->router, payload, len, ZMQ_DONTWAIT);
}

static void
s_send_ack (vg_server_t *srv, const s_pending_t *p)
{
    Vigil__Ack ack = VIGIL__ACK__INIT;
    ack.epoch = p->epoch;
    ack.seq = p->seq;
    ack.status = p->status;
    ack.duplicate = p->duplicate;
    ack.expected_seq = p->expected_seq;
    ack.retry_after_ms = p->retry_after_ms;
    ack.reason = (char *) p->reason;
    uint8_t buf[512];
    size_t n = vigil__ack__get_packed_size (&ack);
    if (n > sizeof buf)
        return;
    vigil__ack__pack (&ack, buf);
    s_send (srv, p->identity, p->identity_len, VIGIL__MSG_TYPE__MSG_TYPE_ACK, buf, n);
    srv->stats.acks_sent++;
}

/* With CURVE, is agent_id the agent of the key that sent the message (user_id)? */
static bool
s_agent_matches_key (vg_server_t *srv, const char *user_id, const char *agent_id)
{
    if (!srv->zap)
        return true;
    if (user_id && !strcmp (user_id, agent_id))
        return true;
    srv->stats.wrong_agent++;
    return false;
}

Vigil__Hello *
vg_server_parse_hello (const uint8_t *p, size_t len)
{
    Vigil__Hello *h = vigil__hello__unpack (NULL, len, p);
    if (h && (!h->agent_id || strnlen (h->agent_id, VG_MAX_ID_LEN + 1) > VG_MAX_ID_LEN)) {
        vigil__hello__free_unpacked (h, NULL);
        h = NULL;
    }
    return h;
}

static void
s_handle_hello (vg_server_t *srv, const uint8_t *id, size_t idlen, const char *user_id, const uint8_t *p,
                size_t len)
{
    Vigil__Hello *h = vg_server_parse_hello (p, len);
    if (!h) {
        srv->stats.bad_msgs++;
        vg_log_rl (&srv->rl_bad, VG_LOG_WARN, "server", "malformed HELLO (%zu bytes) dropped", len);
        return;
    }
    srv->stats.hello++;
    if (!s_agent_matches_key (srv, user_id, h->agent_id)) {
        vg_log_rl (&srv->rl_bad, VG_LOG_WARN, "server", "HELLO as agent '%s' from the CURVE key of agent '%s' ignored",
                   h->agent_id, user_id ? user_id : "?");
        vigil__hello__free_unpacked (h, NULL);
        return;
    }
    if (!vg_ingest_agent_known (srv->ingest, h->agent_id)) {
        srv->stats.bad_msgs++;
        vg_log_rl (&srv->rl_bad, VG_LOG_WARN, "server", "HELLO from unknown agent '%s' ignored", h->agent_id);
        vigil__hello__free_unpacked (h, NULL);
        return;
    }
    Vigil__Welcome w = VIGIL__WELCOME__INIT;
    uint64_t epoch, seq;
    /* Batches of this epoch another collector acknowledged are not waited for here: written
     * with the current group (if that group fails, the agent's retry brings a new HELLO). */
    vg_ingest_agent_state (srv->ingest, h->agent_id, &epoch, &seq);
    int moved = vg_ingest_agent_resume (srv->ingest, h->agent_id, h->epoch, h->acked_seq, vg_clock_now_ms (), srv->txn);
    if (moved > 0)
        vg_log (VG_LOG_INFO, "server",
                "agent '%s': batches %llu..%llu of this epoch were acknowledged by another collector; "
                "continuing after %llu",
                h->agent_id, (unsigned long long) (epoch == h->epoch ? seq + 1 : 1), (unsigned long long) h->acked_seq,
                (unsigned long long) h->acked_seq);
    else if (moved < 0)
        vg_log_rl (&srv->rl_store, VG_LOG_WARN, "server", "out of memory recording agent '%s' position", h->agent_id);
    vg_ingest_agent_state (srv->ingest, h->agent_id, &epoch, &seq);
    w.collector_id = (char *) (srv->cfg.collector_id ? srv->cfg.collector_id : "");
    w.epoch = h->epoch;
    w.committed_seq = epoch == h->epoch ? seq : 0;
    uint8_t buf[512];
    size_t n = vigil__welcome__get_packed_size (&w);
    if (n <= sizeof buf) {
        vigil__welcome__pack (&w, buf);
        s_send (srv, id, idlen, VIGIL__MSG_TYPE__MSG_TYPE_WELCOME, buf, n);
    }
    vg_log (VG_LOG_INFO, "server", "agent '%s' connected (epoch %016llx, committed seq %llu)", h->agent_id,
            (unsigned long long) h->epoch, (unsigned long long) w.committed_seq);
    vigil__hello__free_unpacked (h, NULL);
}

/* The group's writes will not be made durable: roll ingest back and answer RETRY for every
 * batch but the duplicates (durable before, they stay acknowledged).  That includes the
 * rejected ones whose sequence number the lost transaction consumed: dropped by their
 * agent, they would leave a gap nothing fills.  All are resent and judged again.  why
 * (when not NULL) replaces their reasons. */
static void
s_abandon_group (vg_server_t *srv, const char *why)
{
    vg_store_txn_clear (srv->txn);
    vg_ingest_rollback (srv->ingest);
    for (int i = 0; i < srv->npending; i++) {
        s_pending_t *p = &srv->pending[i];
        if (p->duplicate)
            continue;
        p->status = VIGIL__ACK_STATUS__ACK_STATUS_RETRY;
        if (why)
            snprintf (p->reason, sizeof p->reason, "%s", why);
    }
}

/* Commit the group and acknowledge it. */
static void
s_flush_group (vg_server_t *srv)
{
    if (srv->npending == 0)
        return;
    if (vg_store_txn_count (srv->txn) > 0) {
        char err[256];
        int64_t t0 = vg_clock_mono_ns ();
        int rc = vg_store_commit (srv->store, srv->txn, err, sizeof err);
        int64_t us = (vg_clock_mono_ns () - t0) / 1000;
        srv->stats.commit_us_total += us;
        if (us > srv->stats.commit_us_max)
            srv->stats.commit_us_max = us;
        if (rc < 0) {
            srv->stats.commit_errors++;
            s_store_state (srv, err);
            char why[200];
            snprintf (why, sizeof why, "store not writable: %.170s", err);
            s_abandon_group (srv, why);
            for (int i = 0; i < srv->npending; i++)
                srv->pending[i].retry_after_ms = S_STORE_PROBE_MS; /* as the batches deferred next */
        } else {
            srv->stats.commits++;
            s_store_state (srv, NULL);
            vg_ingest_commit (srv->ingest);
        }
        vg_store_txn_clear (srv->txn);
    } else {
        vg_ingest_commit (srv->ingest); /* no writes: the group's answers stand as they are */
    }
    if (srv->on_commit) {
        vg_server_committed_t done[srv->npending];
        int n = 0;
        for (int i = 0; i < srv->npending; i++) {
            s_pending_t *p = &srv->pending[i];
            if (p->has_batch && p->status == VIGIL__ACK_STATUS__ACK_STATUS_OK && !p->duplicate) {
                done[n].batch = p->use_plain ? p->plain.data : zmq_msg_data (&p->batch);
                done[n].len = p->use_plain ? p->plain.len : zmq_msg_size (&p->batch);
                done[n].view = p->view.len ? p->view.data : NULL;
                done[n].view_len = p->view.len;
                done[n].order = p->order;
                n++;
            }
        }
        if (n)
            srv->on_commit (srv->on_commit_ctx, done, n);
    }
    for (int i = 0; i < srv->npending; i++) {
        s_send_ack (srv, &srv->pending[i]);
        if (srv->pending[i].has_batch)
            zmq_msg_close (&srv->pending[i].batch);
        srv->pending[i].has_batch = false;
        if (srv->pending[i].plain.cap > S_PLAIN_KEEP)
            vg_buf_free (&srv->pending[i].plain); /* one big batch does not pin its size per slot */
    }
    srv->npending = 0;
    srv->pending_bytes = 0;
}

/* Answer the batch data[0..len) RETRY unread when the backlog gate is closed or its agent
 * is over its rate: returns 1 when so (p is filled; the caller queues it), 2 when the agent
 * is still inside the back-off it was told (ignore the batch: no answer), 0 to read it
 * (*res's agent_id is then set when it could be peeked).  -VG_EPROTO when not even its
 * sequence number can be read (the caller rejects it). */
static int
s_admit (vg_server_t *srv, s_pending_t *p, const uint8_t *data, size_t len, vg_ingest_result_t *res)
{
    const char *why = srv->on_backlog ? srv->on_backlog (srv->on_backlog_ctx) : NULL;
    if (!why) {
        if (!res->agent_id[0] && vg_zap_peek_agent_id (data, len, res->agent_id, sizeof res->agent_id) < 0)
            res->agent_id[0] = '\0';
        if (!res->agent_id[0])
            return 0; /* ingest rejects it */
        if (vg_agent_limits_held (srv->limits, res->agent_id, vg_clock_mono_ms ()) > 0) {
            srv->stats.throttled++;
            return 2;
        }
    }
    int64_t wait = why ? 0 : vg_agent_limits_admit (srv->limits, res->agent_id, vg_clock_mono_ms ());
    if (!why && wait <= 0)
        return 0;
    if (vg_zap_peek_seq (data, len, &p->epoch, &p->seq) < 0)
        return -VG_EPROTO;
    p->status = VIGIL__ACK_STATUS__ACK_STATUS_RETRY;
    if (why) {
        srv->stats.backlog_deferred++;
        p->retry_after_ms = 500;
        snprintf (p->reason, sizeof p->reason, "%.190s", why);
        vg_log_rl (&srv->rl_limit, VG_LOG_WARN, "server", "batches deferred (RETRY): %s", why);
        return 1;
    }
    srv->stats.throttled++;
    p->retry_after_ms = wait > 10000 ? 10000 : (uint32_t) wait;
    snprintf (p->reason, sizeof p->reason, "agent over its rate limit (limits.agent_batches_per_s/samples_per_s)");
    vg_log_rl (&srv->rl_limit, VG_LOG_WARN, "server", "agent '%s' over its rate limit: batch %llu answered RETRY "
               "(back off %u ms)", res->agent_id, (unsigned long long) p->seq, p->retry_after_ms);
    return 1;
}

static void
s_handle_batch (vg_server_t *srv, const uint8_t *id, size_t idlen, const char *user_id, zmq_msg_t *payload)
{
    s_pending_t *p = &srv->pending[srv->npending];
    memset (p, 0, offsetof (s_pending_t, batch));
    memcpy (p->identity, id, idlen);
    p->identity_len = idlen;
    p->use_plain = false;
    vg_buf_reset (&p->view);
    vg_ingest_result_t res;
    memset (&res, 0, sizeof res);
    const uint8_t *data = zmq_msg_data (payload);
    size_t len = zmq_msg_size (payload);
    int rc;
    if (user_id && vg_agent_limits_held (srv->limits, user_id, vg_clock_mono_ms ()) > 0) {
        /* The key's agent was told to back off and has not: ignored before it is even inflated. */
        srv->stats.throttled++;
        return;
    }
    if (vg_is_zstd (data, len)) {
        /* Compressed batch: inflate (bounded by the batch size limit) before validation. */
        rc = vg_zstd_decompress (data, len, srv->cfg.max_batch_bytes, &p->plain);
        if (rc < 0) {
            snprintf (res.reason, sizeof res.reason, "compressed batch: %s",
                      rc == -VG_ETOOBIG ? "larger than max_batch_bytes" : "corrupt zstd frame");
            srv->stats.bad_batches++;
            goto rejected;
        }
        p->use_plain = true;
        data = p->plain.data;
        len = p->plain.len;
    }
    if (srv->zap) {
        /* Before ingest: a key speaks only for its own agent (and so its devices). */
        rc = vg_zap_peek_agent_id (data, len, res.agent_id, sizeof res.agent_id);
        if (rc == -VG_ENOTFOUND)
            res.agent_id[0] = '\0';
        if (rc < 0 && rc != -VG_ENOTFOUND) {
            snprintf (res.reason, sizeof res.reason, "malformed batch");
            srv->stats.bad_batches++;
            goto rejected;
        }
        if (!s_agent_matches_key (srv, user_id, res.agent_id)) {
            snprintf (res.reason, sizeof res.reason, "agent_id '%.80s' is not the agent of this CURVE key ('%.60s')",
                      res.agent_id, user_id ? user_id : "?");
            srv->stats.bad_batches++;
            goto rejected;
        }
    }
    if (srv->store_down_ms && vg_clock_mono_ms () < srv->store_probe_ms) {
        /* Not read: nothing could be stored.  The agent resends it from its spool. */
        if (vg_zap_peek_seq (data, len, &p->epoch, &p->seq) < 0) {
            snprintf (res.reason, sizeof res.reason, "malformed batch");
            srv->stats.bad_batches++;
            goto rejected;
        }
        p->status = VIGIL__ACK_STATUS__ACK_STATUS_RETRY;
        /* Come back for the next try: without a hint the agent's backoff grows over a long
         * outage to tens of seconds, and the recovery waits for it. */
        p->retry_after_ms = S_STORE_PROBE_MS;
        snprintf (p->reason, sizeof p->reason, "store not writable: %.170s", srv->store_err);
        srv->stats.deferred++;
        goto queued;
    }
    rc = s_admit (srv, p, data, len, &res);
    if (rc < 0) {
        snprintf (res.reason, sizeof res.reason, "malformed batch");
        srv->stats.bad_batches++;
        goto rejected;
    }
    if (rc == 2)
        return;
    if (rc > 0)
        goto queued;
    rc = vg_ingest_batch_view (srv->ingest, data, len, vg_clock_now_ms (), srv->txn, &res,
                               srv->on_commit ? &p->view : NULL);
    p->epoch = res.epoch;
    p->seq = res.seq;
    if (rc == VG_INGEST_DUP) {
        p->status = VIGIL__ACK_STATUS__ACK_STATUS_OK;
        p->duplicate = true;
    } else if (rc == VG_INGEST_GAP) {
        p->status = VIGIL__ACK_STATUS__ACK_STATUS_RETRY;
        p->expected_seq = res.expected_seq;
        snprintf (p->reason, sizeof p->reason, "%s", res.reason);
    } else if (rc == -VG_ENOMEM) {
        /* The txn may hold part of this batch: abandon the whole group; agents resend. */
        p->status = VIGIL__ACK_STATUS__ACK_STATUS_RETRY;
        snprintf (p->reason, sizeof p->reason, "%s", res.reason);
        srv->npending++;
        s_abandon_group (srv, NULL);
        s_flush_group (srv);
        return;
    } else if (rc < 0) {
    rejected:
        p->status = VIGIL__ACK_STATUS__ACK_STATUS_REJECTED;
        snprintf (p->reason, sizeof p->reason, "%s", res.reason);
        vg_log_rl (&srv->rl_reject, VG_LOG_WARN, "server", "batch rejected (agent '%s' seq %llu): %s",
                   res.agent_id[0] ? res.agent_id : "?", (unsigned long long) res.seq, res.reason);
    } else {
        p->status = VIGIL__ACK_STATUS__ACK_STATUS_OK;
        p->order = srv->next_order++;
        if (srv->on_accept)
            srv->on_accept (srv->on_accept_ctx, res.agent_id, res.epoch, res.seq, p->order, data, len,
                            zmq_msg_data (payload), zmq_msg_size (payload), srv->txn);
        vg_agent_limits_charge (srv->limits, res.agent_id, res.samples + res.samples_rejected, res.series_refused);
        if (res.samples_rejected)
            vg_log_rl (&srv->rl_reject, VG_LOG_WARN, "server", "agent '%s' seq %llu: %s", res.agent_id,
                       (unsigned long long) res.seq, res.reason);
        zmq_msg_init (&p->batch);
        zmq_msg_move (&p->batch, payload);
        p->has_batch = true;
    }
queued:
    srv->pending_bytes += (p->has_batch ? zmq_msg_size (&p->batch) : 0) + (p->use_plain ? p->plain.len : 0);
    srv->npending++;
    if (srv->npending == srv->cfg.max_group || srv->pending_bytes >= srv->cfg.group_bytes)
        s_flush_group (srv);
}

static void
s_retention (vg_server_t *srv)
{
    if (srv->cfg.retention_ms <= 0)
        return;
    int64_t bms = vg_store_bucket_ms (srv->store);
    uint32_t cutoff = vg_store_bucket (vg_clock_now_ms () - srv->cfg.retention_ms, bms);
    if (cutoff == 0)
        return;
    /* Whole buckets strictly older than the retention horizon. */
    uint8_t from[4] = { 0, 0, 0, 0 }, to[4];
    vg_be32 (to, cutoff);
    int rc = vg_store_delete_range (srv->store, VG_CF_SAMPLES, from, 4, to, 4);
    if (rc == 0)
        rc = vg_store_delete_range (srv->store, VG_CF_EVENTS, from, 4, to, 4);
    srv->stats.retention_runs++;
    if (rc < 0)
        vg_log (VG_LOG_ERROR, "server", "retention failed: %s", vg_strerror (rc));
}

/* Receive one multipart message; dispatch it. Returns 0, or -VG_EAGAIN if none waiting. */
static int
s_recv_one (vg_server_t *srv)
{
    zmq_msg_t id, type, payload;
    zmq_msg_init (&id);
    if (zmq_msg_recv (&id, srv->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&id);
        return -VG_EAGAIN;
    }
    zmq_msg_init (&type);
    zmq_msg_init (&payload);
    int more = zmq_msg_more (&id);
    int nframes = 1;
    bool ok = more;
    if (more) {
        zmq_msg_recv (&type, srv->router, 0);
        nframes++;
        more = zmq_msg_more (&type);
        if (more) {
            zmq_msg_recv (&payload, srv->router, 0);
            nframes++;
            more = zmq_msg_more (&payload);
        }
        /* Discard any extra frames. */
        while (more) {
            zmq_msg_t extra;
            zmq_msg_init (&extra);
            zmq_msg_recv (&extra, srv->router, 0);
            more = zmq_msg_more (&extra);
            zmq_msg_close (&extra);
            ok = false;
        }
    }
    srv->stats.msgs_in++;
    const uint8_t *idp = zmq_msg_data (&id);
    /* ZAP's User-Id (the agent of the peer's CURVE key) rides on every frame it sent. */
    const char *user_id = srv->zap && nframes >= 2 ? zmq_msg_gets (&type, "User-Id") : NULL;
    size_t idlen = zmq_msg_size (&id);
    if (!ok || nframes != 3 || zmq_msg_size (&type) != 1 || idlen > MAX_IDENTITY) {
        srv->stats.bad_msgs++;
        vg_log_rl (&srv->rl_bad, VG_LOG_WARN, "server", "malformed message (%d frames) dropped", nframes);
    } else if (srv->zap && !vg_zap_admits (srv->zap, zmq_msg_gets (&type, VG_ZAP_KEY_PROPERTY), user_id)) {
        /* Its key was removed by a reload after the handshake: nothing from it is read or
         * answered, and its connection is closed (if the reload's sweep missed it), so the
         * agent reconnects and is refused. */
        srv->stats.revoked++;
        if (vg_peer_cut_msg (srv->cut, &type))
            srv->stats.revoked_cut++;
        vg_log_rl (&srv->rl_bad, VG_LOG_WARN, "server",
                   "message from agent '%s' ignored: its CURVE key is no longer listed (revoked by a reload)",
                   user_id ? user_id : "?");
    } else {
        if (srv->zap)
            vg_peer_cut_note (srv->cut, &type, zmq_msg_gets (&type, VG_ZAP_KEY_PROPERTY), user_id);
        uint8_t t = *(const uint8_t *) zmq_msg_data (&type);
        switch (t) {
        case VIGIL__MSG_TYPE__MSG_TYPE_HELLO:
            s_handle_hello (srv, idp, idlen, user_id, zmq_msg_data (&payload), zmq_msg_size (&payload));
            break;
        case VIGIL__MSG_TYPE__MSG_TYPE_BATCH:
            s_handle_batch (srv, idp, idlen, user_id, &payload);
            break;
        case VIGIL__MSG_TYPE__MSG_TYPE_HEARTBEAT:
            srv->stats.heartbeats++;
            s_send (srv, idp, idlen, VIGIL__MSG_TYPE__MSG_TYPE_HEARTBEAT, zmq_msg_data (&payload),
                    zmq_msg_size (&payload) > 256 ? 0 : zmq_msg_size (&payload));
            break;
        default:
            srv->stats.bad_msgs++;
            vg_log_rl (&srv->rl_bad, VG_LOG_WARN, "server", "unknown message type %u dropped", t);
        }
    }
    zmq_msg_close (&id);
    zmq_msg_close (&type);
    zmq_msg_close (&payload);
    return 0;
}

int
vg_server_run (vg_server_t *srv, volatile sig_atomic_t *stop)
{
    while (!*stop) {
        zmq_pollitem_t items[2] = { { srv->router, 0, ZMQ_POLLIN, 0 }, { NULL, 0, ZMQ_POLLIN, 0 } };
        if (srv->zap)
            items[1].socket = vg_zap_socket (srv->zap);
        int rc = zmq_poll (items, srv->zap ? 2 : 1, 200);
        if (rc < 0 && zmq_errno () != EINTR)
            return -VG_EIO;
        if (srv->zap && (items[1].revents & ZMQ_POLLIN)) {
            vg_zap_serve (srv->zap);
            const vg_zap_stats_t *z = vg_zap_stats (srv->zap);
            srv->stats.zap_allowed = z->allowed;
            srv->stats.zap_denied = z->denied + z->malformed;
        }
        /* Drain what is waiting (bounded by the group size), then commit once. */
        for (int i = 0; i < 4 * srv->cfg.max_group && !*stop; i++)
            if (s_recv_one (srv) < 0)
                break;
        s_flush_group (srv);
        int64_t now = vg_clock_mono_ms ();
        if (srv->on_tick && now >= srv->next_tick_ms) {
            srv->on_tick (srv->on_tick_ctx);
            srv->next_tick_ms = now + 1000;
        }
        if (now >= srv->next_retention_ms) {
            s_retention (srv);
            srv->next_retention_ms = now + (srv->cfg.retention_every_ms > 0 ? srv->cfg.retention_every_ms : 3600000);
        }
    }
    s_flush_group (srv);
    return 0;
}
