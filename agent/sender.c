/* sender.c - HELLO/WELCOME, credit window, ACK handling, failover (see sender.h). */
#include "common/version.h"
#include "agent/sender.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "proto/vigil.pb-c.h"


typedef enum { S_IDLE, S_HELLO, S_READY } s_state_t;

struct vg_sender {
    vg_sender_cfg_t cfg;
    vg_spool_t *spool;
    void *ctx;
    void *sock;
    size_t endpoint;
    s_state_t state;
    uint64_t sent_upto;        /* highest seq sent on this connection */
    uint64_t max_sent;         /* highest seq ever sent (to count resends) */
    int64_t last_reply_ms;     /* monotonic: any message from the collector */
    int64_t last_progress_ms;  /* monotonic: last ACK or WELCOME */
    int64_t last_send_ms;
    int64_t connected_ms;      /* when the current endpoint was chosen */
    int64_t retry_after_ms;    /* RETRY backoff: do not send before this */
    int64_t hello_sent_ms;
    int backoff_level;         /* backoffs since the last success */
    bool answered;             /* a WELCOME or an ACK since the last failover */
    uint64_t rng;              /* xorshift64 state for the jitter */
    vg_buf_t buf;
    vg_sender_stats_t stats;
    vg_ratelimit_t rl;
    char curve_pub[41];        /* this agent's public key (given, or derived from the secret) */
};

/* Defaults for the timing settings left 0. */
static void
s_timing_defaults (vg_sender_cfg_t *c)
{
    if (!c->window)
        c->window = 8;
    if (c->timeout_ms <= 0)
        c->timeout_ms = 10000;
    if (c->heartbeat_ms <= 0)
        c->heartbeat_ms = c->timeout_ms / 3;
    if (c->backoff_base_ms <= 0)
        c->backoff_base_ms = 200;
    if (c->backoff_max_ms <= 0)
        c->backoff_max_ms = 30000;
    if (c->backoff_max_ms < c->backoff_base_ms)
        c->backoff_max_ms = c->backoff_base_ms;
}

/* The next backoff wait: the step doubles from backoff_base_ms up to backoff_max_ms and the
 * wait is drawn from [step/2, step]. */
static int64_t
s_backoff (vg_sender_t *s)
{
    if (s->backoff_level < 40)
        s->backoff_level++;
    int64_t step = s->cfg.backoff_base_ms;
    for (int i = 1; i < s->backoff_level && step < s->cfg.backoff_max_ms; i++)
        step *= 2;
    if (step > s->cfg.backoff_max_ms)
        step = s->cfg.backoff_max_ms;
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    int64_t wait = step / 2 + (int64_t) (s->rng % (uint64_t) (step - step / 2 + 1));
    s->stats.backoffs++;
    s->stats.backoff_wait_ms += wait;
    s->stats.backoff_step_ms = step;
    return wait;
}

/* The wait after a RETRY whose collector hinted `hint_ms` (0: no hint): the longer of the
 * hint and the own backoff, the own part no longer than twice the hint.  A collector that
 * names its wait knows when it can take the batch (its next try of a store that was not
 * writable, a rate bucket refilled); a backoff grown over a long outage to tens of seconds
 * would leave the agent waiting long after that (docs/PROTOCOL.md, "Back-pressure"). */
static int64_t
s_retry_wait (vg_sender_t *s, int64_t hint_ms)
{
    int64_t own = s_backoff (s);
    if (hint_ms <= 0)
        return own;
    if (own > 2 * hint_ms) {
        int64_t capped = hint_ms + own % (hint_ms + 1); /* still spread: [hint, 2 x hint] */
        s->stats.backoff_wait_ms -= own - capped;
        own = capped;
    }
    return own > hint_ms ? own : hint_ms;
}

static void
s_backoff_reset (vg_sender_t *s)
{
    s->backoff_level = 0;
    s->stats.backoff_step_ms = 0;
}

static void
s_close (vg_sender_t *s)
{
    if (s->sock) {
        zmq_close (s->sock);
        s->sock = NULL;
    }
    s->state = S_IDLE;
}

static int
s_send (vg_sender_t *s, uint8_t type, const void *data, size_t len)
{
    if (zmq_send (s->sock, &type, 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return -VG_EAGAIN;
    if (zmq_send (s->sock, data, len, ZMQ_DONTWAIT) < 0)
        return -VG_EAGAIN;
    s->last_send_ms = vg_clock_mono_ms ();
    return 0;
}

static void
s_free_data (void *data, void *hint)
{
    (void) hint;
    free (data);
}

/* Send the batch in s->buf, its buffer handed to libzmq without a copy: from the payload's
 * send on, the message owns it (freed by libzmq's I/O thread once written, or at once if
 * the send fails; the batch stays in the spool either way) and s->buf is empty.  Returns 0
 * or -VG_EAGAIN (queue full or no peer: try again later). */
static int
s_send_batch (vg_sender_t *s)
{
    uint8_t type = VIGIL__MSG_TYPE__MSG_TYPE_BATCH;
    if (zmq_send (s->sock, &type, 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return -VG_EAGAIN;
    zmq_msg_t m;
    if (zmq_msg_init_data (&m, s->buf.data, s->buf.len, s_free_data, NULL) != 0) {
        /* Only when libzmq cannot allocate its message header: send a copy instead. */
        if (zmq_send (s->sock, s->buf.data, s->buf.len, ZMQ_DONTWAIT) < 0)
            return -VG_EAGAIN;
    } else {
        s->buf = (vg_buf_t) VG_BUF_INIT;
        if (zmq_msg_send (&m, s->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&m);
            return -VG_EAGAIN;
        }
    }
    s->last_send_ms = vg_clock_mono_ms ();
    return 0;
}

static void
s_hello (vg_sender_t *s, int64_t now)
{
    Vigil__Hello h = VIGIL__HELLO__INIT;
    h.agent_id = (char *) s->cfg.agent_id;
    h.version = VG_VERSION;
    h.epoch = vg_spool_epoch (s->spool);
    /* Below the first batch held, everything was acknowledged (by some collector) or dropped. */
    uint64_t first = vg_spool_first (s->spool);
    h.acked_seq = (first ? first : vg_spool_next_seq (s->spool)) - 1;
    uint8_t buf[1024];
    size_t n = vigil__hello__get_packed_size (&h);
    if (n > sizeof buf)
        return;
    vigil__hello__pack (&h, buf);
    s_send (s, VIGIL__MSG_TYPE__MSG_TYPE_HELLO, buf, n);
    s->state = S_HELLO;
    s->hello_sent_ms = now;
}

static int
s_connect (vg_sender_t *s, size_t idx, int64_t now)
{
    s_close (s);
    s->endpoint = idx;
    s->stats.endpoint = idx;
    s->stats.ready = false;
    s->sock = zmq_socket (s->ctx, ZMQ_DEALER);
    if (!s->sock)
        return -VG_EIO;
    int zero = 0, hwm = 1000, ivl = 200, ivl_max = 2000;
    zmq_setsockopt (s->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt (s->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt (s->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt (s->sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    if (s->cfg.curve_server_key && s->cfg.curve_server_key[0]) {
        zmq_setsockopt (s->sock, ZMQ_CURVE_SERVERKEY, s->cfg.curve_server_key, 40);
        zmq_setsockopt (s->sock, ZMQ_CURVE_PUBLICKEY, s->curve_pub, 40);
        zmq_setsockopt (s->sock, ZMQ_CURVE_SECRETKEY, s->cfg.curve_secret_key, 40);
    }
    if (zmq_connect (s->sock, s->cfg.endpoints[idx]) != 0) {
        vg_log (VG_LOG_ERROR, "sender", "cannot connect to %s: %s", s->cfg.endpoints[idx], zmq_strerror (zmq_errno ()));
        return -VG_EIO;
    }
    s->connected_ms = now;
    s->last_reply_ms = now;
    s->last_progress_ms = now;
    s->sent_upto = 0;
    s_hello (s, now);
    return 0;
}

/* A Z85 CURVE key: 40 characters that decode to 32 bytes. */
static bool
s_z85_key (const char *z85)
{
    uint8_t raw[32];
    return z85 && strlen (z85) == 40 && zmq_z85_decode (raw, z85) != NULL;
}

/* Check the configured keys and settle this agent's public key: the one given, which must
 * be the secret's, or derived from the secret.  Returns 0, or -VG_ECONFIG with err. */
static int
s_curve_keys (vg_sender_t *s, char *err, size_t errlen)
{
    const vg_sender_cfg_t *c = &s->cfg;
    if (!s_z85_key (c->curve_server_key)) {
        snprintf (err, errlen, "curve.server_key is not a CURVE public key (40 Z85 characters, from vigil keygen)");
        return -VG_ECONFIG;
    }
    if (!s_z85_key (c->curve_secret_key) || zmq_curve_public (s->curve_pub, c->curve_secret_key) != 0) {
        snprintf (err, errlen, "curve.secret_key is not a CURVE secret key (40 Z85 characters, from vigil keygen)");
        return -VG_ECONFIG;
    }
    if (c->curve_public_key && c->curve_public_key[0] && strcmp (c->curve_public_key, s->curve_pub) != 0) {
        snprintf (err, errlen, "curve.public_key is not the public half of curve.secret_key (leave it empty: it is "
                               "derived from the secret key)");
        return -VG_ECONFIG;
    }
    return 0;
}

vg_sender_t *
vg_sender_new (const vg_sender_cfg_t *cfg, vg_spool_t *spool, char *err, size_t errlen)
{
    if (!cfg->nendpoints) {
        snprintf (err, errlen, "no collectors configured");
        return NULL;
    }
    vg_sender_t *s = calloc (1, sizeof *s);
    if (!s) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s_timing_defaults (&s->cfg);
    s->rng = (uint64_t) vg_clock_mono_ns () ^ ((uint64_t) (uintptr_t) s << 17) ^ 0x9e3779b97f4a7c15ull;
    if (!s->rng)
        s->rng = 1;
    s->spool = spool;
    s->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (1000, 5);
    if (s->cfg.curve_server_key && s->cfg.curve_server_key[0] && s_curve_keys (s, err, errlen) < 0) {
        vg_sender_destroy (&s);
        return NULL;
    }
    s->ctx = zmq_ctx_new ();
    if (!s->ctx || s_connect (s, 0, vg_clock_mono_ms ()) < 0) {
        snprintf (err, errlen, "cannot connect to %s", cfg->endpoints[0]);
        vg_sender_destroy (&s);
        return NULL;
    }
    return s;
}

void
vg_sender_destroy (vg_sender_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_sender_t *s = *self_p;
    s_close (s);
    if (s->ctx)
        zmq_ctx_term (s->ctx);
    vg_buf_free (&s->buf);
    free (s);
    *self_p = NULL;
}

void
vg_sender_set_timing (vg_sender_t *s, const vg_sender_cfg_t *cfg)
{
    vg_sender_cfg_t c = s->cfg;
    c.window = cfg->window;
    c.heartbeat_ms = cfg->heartbeat_ms;
    c.timeout_ms = cfg->timeout_ms;
    c.primary_retry_ms = cfg->primary_retry_ms;
    c.backoff_base_ms = cfg->backoff_base_ms;
    c.backoff_max_ms = cfg->backoff_max_ms;
    s_timing_defaults (&c);
    s->cfg = c;
}

void *
vg_sender_socket (vg_sender_t *s)
{
    return s->sock;
}

size_t
vg_sender_inflight (const vg_sender_t *s)
{
    size_t n = 0;
    for (uint64_t q = vg_spool_first (s->spool); q && q <= s->sent_upto; q = vg_spool_after (s->spool, q))
        n++;
    return n;
}

static void
s_on_ack (vg_sender_t *s, const uint8_t *p, size_t len, int64_t now)
{
    Vigil__Ack *a = vigil__ack__unpack (NULL, len, p);
    if (!a)
        return;
    if (a->epoch == vg_spool_epoch (s->spool)) {
        s->answered = true;
        switch (a->status) {
        case VIGIL__ACK_STATUS__ACK_STATUS_OK:
            vg_spool_ack (s->spool, a->seq);
            s->stats.acked++;
            s->stats.duplicates += a->duplicate;
            s_backoff_reset (s);
            break;
        case VIGIL__ACK_STATUS__ACK_STATUS_REJECTED:
            s->stats.rejected++;
            vg_log_rl (&s->rl, VG_LOG_ERROR, "sender", "collector rejected batch %llu for good: %s",
                       (unsigned long long) a->seq, a->reason ? a->reason : "");
            vg_spool_drop (s->spool, a->seq);
            break;
        default:
            /* Temporary trouble at the collector: resend from the first unacknowledged. */
            s->stats.retries++;
            s->sent_upto = 0;
            /* The collector may say how long (over its rate limit, behind, store not writable):
             * honoured up to 10 s; on top, the agent's own growing backoff (at most twice a
             * hint), raised once per round of resends (the RETRYs of the batches sent behind
             * the first one arrive while it waits). */
            if (now >= s->retry_after_ms)
                s->retry_after_ms = now + s_retry_wait (s, a->retry_after_ms < 10000 ? a->retry_after_ms : 10000);
            vg_log_rl (&s->rl, VG_LOG_WARN, "sender", "collector asked to retry batch %llu: %s",
                       (unsigned long long) a->seq, a->reason ? a->reason : "");
            /* The collector waits for batches that are no longer here (another collector
             * acknowledged them, and its position was lost with a failed commit, say):
             * handshake again so it learns how far the epoch was acknowledged. */
            if (s->state == S_READY && a->expected_seq && a->expected_seq < vg_spool_first (s->spool))
                s_hello (s, now);
            break;
        }
    }
    vigil__ack__free_unpacked (a, NULL);
}

static void
s_on_welcome (vg_sender_t *s, const uint8_t *p, size_t len)
{
    Vigil__Welcome *w = vigil__welcome__unpack (NULL, len, p);
    if (!w)
        return;
    if (w->epoch == vg_spool_epoch (s->spool) && w->committed_seq)
        vg_spool_ack (s->spool, w->committed_seq);
    if (s->state == S_READY) {
        /* A second answer on this connection: the HELLO was repeated before the first
         * WELCOME came (a slow collector).  Sending already started from the first one;
         * rewinding now would send the whole window again. */
        vigil__welcome__free_unpacked (w, NULL);
        return;
    }
    if (!s->answered) {
        /* Answered after silence: the collector is back (the HELLO queued while it was away
         * reached it), so the wait for it is over too. */
        s_backoff_reset (s);
        s->retry_after_ms = 0;
    }
    s->answered = true;
    s->state = S_READY;
    s->stats.ready = true;
    s->sent_upto = 0;
    vg_log (VG_LOG_INFO, "sender", "connected to %s (collector '%s', holds up to seq %llu)",
            s->cfg.endpoints[s->endpoint], w->collector_id ? w->collector_id : "",
            (unsigned long long) w->committed_seq);
    vigil__welcome__free_unpacked (w, NULL);
}

static void
s_read (vg_sender_t *s, int64_t now)
{
    for (;;) {
        zmq_msg_t type, payload;
        zmq_msg_init (&type);
        if (zmq_msg_recv (&type, s->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&type);
            return;
        }
        zmq_msg_init (&payload);
        if (zmq_msg_more (&type))
            zmq_msg_recv (&payload, s->sock, 0);
        while (zmq_msg_more (&payload)) {
            zmq_msg_close (&payload);
            zmq_msg_init (&payload);
            zmq_msg_recv (&payload, s->sock, 0);
        }
        s->last_reply_ms = now;
        if (zmq_msg_size (&type) == 1) {
            uint8_t t = *(uint8_t *) zmq_msg_data (&type);
            const uint8_t *p = zmq_msg_data (&payload);
            size_t len = zmq_msg_size (&payload);
            if (t == VIGIL__MSG_TYPE__MSG_TYPE_ACK) {
                s_on_ack (s, p, len, now);
                s->last_progress_ms = now;
            } else if (t == VIGIL__MSG_TYPE__MSG_TYPE_WELCOME) {
                s_on_welcome (s, p, len);
                s->last_progress_ms = now;
            }
        }
        zmq_msg_close (&type);
        zmq_msg_close (&payload);
    }
}

static void
s_pump (vg_sender_t *s, int64_t now)
{
    if (s->state != S_READY || now < s->retry_after_ms)
        return;
    size_t inflight = vg_sender_inflight (s);
    /* The stall clock runs while an answer is owed: from the last ACK, or from now when
     * nothing was in flight (after a quiet spell the first batch is not "late" already). */
    if (inflight == 0)
        s->last_progress_ms = now;
    while (inflight < s->cfg.window) {
        uint64_t first = vg_spool_first (s->spool);
        uint64_t seq = s->sent_upto < first ? first : vg_spool_after (s->spool, s->sent_upto);
        if (!seq)
            return;
        int rc = vg_spool_get (s->spool, seq, &s->buf);
        if (rc < 0) {
            /* Corrupt on disk (already removed and counted by the spool): skip it. */
            vg_log_rl (&s->rl, VG_LOG_ERROR, "sender", "spooled batch %llu unreadable: %s",
                       (unsigned long long) seq, vg_strerror (rc));
            s->sent_upto = seq;
            continue;
        }
        if (s_send_batch (s) < 0)
            return;
        if (seq <= s->max_sent)
            s->stats.resent++;
        else
            s->max_sent = seq;
        s->stats.sent++;
        s->sent_upto = seq;
        inflight++;
    }
}

int
vg_sender_service (vg_sender_t *s, int64_t now)
{
    if (s->sock)
        s_read (s, now);
    if (s->state == S_READY && now - s->last_send_ms >= s->cfg.heartbeat_ms) {
        Vigil__Heartbeat hb = VIGIL__HEARTBEAT__INIT;
        hb.agent_id = (char *) s->cfg.agent_id;
        hb.ts_ms = vg_clock_now_ms ();
        uint8_t buf[512];
        size_t n = vigil__heartbeat__get_packed_size (&hb);
        if (n <= sizeof buf) {
            vigil__heartbeat__pack (&hb, buf);
            /* Not even queued: no connection (the collector closed it, say for a revoked key,
             * and refuses the reconnect).  It counts as sent and unanswered, so the timeout
             * below moves on instead of waiting for a peer that never comes back. */
            if (s_send (s, VIGIL__MSG_TYPE__MSG_TYPE_HEARTBEAT, buf, n) < 0)
                s->last_send_ms = now;
            s->stats.heartbeats++;
        }
    }
    /* Silence while we expect an answer, or batches (or HELLO) unanswered although the peer
     * talks (a restarted collector answers heartbeats but lost what was in flight): fail
     * over to the next collector, which may be the same one reconnected. */
    bool expecting = s->last_send_ms > s->last_reply_ms;
    bool stalled = (s->state != S_READY || vg_sender_inflight (s) > 0) && now - s->last_progress_ms > s->cfg.timeout_ms;
    if (stalled || (expecting && now - s->last_reply_ms > s->cfg.timeout_ms)) {
        size_t next = (s->endpoint + 1) % s->cfg.nendpoints;
        vg_log_rl (&s->rl, VG_LOG_WARN, "sender", "no answer from %s for %lld ms; trying %s",
                   s->cfg.endpoints[s->endpoint], (long long) (now - s->last_reply_ms), s->cfg.endpoints[next]);
        s->stats.failovers++;
        /* Silence again with no answer since the last failover: wait longer each time
         * before sending (HELLO is still sent on the new connection, and resent no faster
         * than the wait). */
        bool silent = !s->answered;
        s->answered = false;
        if (s_connect (s, next, now) < 0)
            return -VG_EIO;
        if (silent && s->stats.failovers > 1) {
            int64_t wait = s_backoff (s);
            if (now + wait > s->retry_after_ms)
                s->retry_after_ms = now + wait;
            /* The silence is timed from the end of the wait. */
            s->last_progress_ms = s->last_reply_ms = s->retry_after_ms;
        }
    } else if (s->endpoint != 0 && s->cfg.primary_retry_ms > 0 && now - s->connected_ms >= s->cfg.primary_retry_ms &&
               vg_sender_inflight (s) == 0) {
        vg_log (VG_LOG_INFO, "sender", "trying to return to the primary collector %s", s->cfg.endpoints[0]);
        if (s_connect (s, 0, now) < 0)
            return -VG_EIO;
    }
    if (s->state == S_HELLO && now - s->hello_sent_ms > s->cfg.heartbeat_ms && now >= s->retry_after_ms)
        s_hello (s, now); /* HELLO may have been dropped while the peer was away */
    s_pump (s, now);
    return 0;
}

int64_t
vg_sender_next_wake (const vg_sender_t *s, int64_t now)
{
    int64_t wake = s->cfg.heartbeat_ms - (now - s->last_send_ms);
    int64_t last = s->last_progress_ms < s->last_reply_ms ? s->last_progress_ms : s->last_reply_ms;
    int64_t to = s->cfg.timeout_ms - (now - last) + 1;
    if (to < wake)
        wake = to;
    if (s->retry_after_ms > now && s->retry_after_ms - now < wake)
        wake = s->retry_after_ms - now;
    return wake < 1 ? 1 : wake;
}

void
vg_sender_stats (const vg_sender_t *s, vg_sender_stats_t *st)
{
    *st = s->stats;
}
