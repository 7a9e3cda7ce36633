/* check_sender.c - the agent's sender against in-test collectors (ZeroMQ ROUTERs on ipc
 * endpoints in a temporary directory): batches go out in order within the credit window,
 * an ACK deletes from the spool, RETRY resends, REJECTED drops, WELCOME's committed seq
 * skips what the collector holds, a silent collector is failed over, and the sender
 * returns to the primary once it answers again.  Single-threaded: the test drives the
 * sender's service() and both peers from one poll loop; every wait has a deadline. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "agent/sender.h"
#include "agent/spool.h"
#include "common/clock.h"
#include "common/err.h"
#include "proto/vigil.pb-c.h"
#include "tests/support/tmpdir.h"
#include "tests/support/suite.h"

#define WAIT_MS 8000
#define MAX_SEEN 256

/* An in-test collector. */
typedef struct {
    void *router;
    bool silent;            /* read everything, answer nothing */
    bool auto_ack;          /* ACK OK every batch as it arrives */
    bool retry_all;         /* answer every batch RETRY */
    uint32_t retry_hint_ms; /* the RETRYs' retry_after_ms (0: no hint) */
    int64_t seen_ms[MAX_SEEN]; /* when each batch arrived (monotonic) */
    uint64_t committed;     /* WELCOME's committed_seq (same epoch); raised by auto acks */
    uint64_t retry_seq;     /* answer this seq once with RETRY */
    uint64_t reject_seq;    /* answer this seq with REJECTED */
    uint64_t epoch;         /* from the last HELLO */
    uint64_t acked;         /* acked_seq of the last HELLO */
    uint64_t seen[MAX_SEEN];/* batch seqs in arrival order */
    size_t nseen;
    int hellos, heartbeats;
    uint8_t id[256];        /* the sender's identity, for unsolicited ACKs */
    size_t idlen;
} s_peer_t;

static char s_dir[64];
static char s_ep[2][128];
static void *s_ctx;
static s_peer_t s_peers[2];
static vg_spool_t *s_spool;
static vg_sender_t *s_snd;

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "sender"));
    s_ctx = zmq_ctx_new ();
    ck_assert_ptr_nonnull (s_ctx);
    memset (s_peers, 0, sizeof s_peers);
    for (int i = 0; i < 2; i++) {
        snprintf (s_ep[i], sizeof s_ep[i], "ipc://%s/c%d", s_dir, i);
        s_peers[i].router = zmq_socket (s_ctx, ZMQ_ROUTER);
        int zero = 0;
        zmq_setsockopt (s_peers[i].router, ZMQ_LINGER, &zero, sizeof zero);
        ck_assert_int_eq (zmq_bind (s_peers[i].router, s_ep[i]), 0);
        s_peers[i].auto_ack = true;
    }
    char path[128];
    vg_spool_cfg_t sc = { vg_test_path (path, sizeof path, s_dir, "spool"), 0, 0, false };
    int err = 0;
    s_spool = vg_spool_new (&sc, &err);
    ck_assert_msg (s_spool != NULL, "spool: %d", err);
}

static void
teardown (void)
{
    vg_sender_destroy (&s_snd);
    ck_assert_ptr_null (s_snd);
    vg_sender_destroy (&s_snd);
    vg_spool_destroy (&s_spool);
    for (int i = 0; i < 2; i++)
        if (s_peers[i].router)
            zmq_close (s_peers[i].router);
    zmq_ctx_term (s_ctx);
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

static const char *const s_eps[] = { s_ep[0], s_ep[1] };

static int64_t s_backoff_base, s_backoff_max; /* for the next s_start (0: the defaults) */

static void
s_start (size_t nendpoints, uint32_t window, int64_t timeout_ms, int64_t primary_retry_ms)
{
    vg_sender_cfg_t cfg = { .agent_id = "a1", .endpoints = s_eps, .nendpoints = nendpoints, .window = window,
                            .heartbeat_ms = 50, .timeout_ms = timeout_ms, .primary_retry_ms = primary_retry_ms,
                            .backoff_base_ms = s_backoff_base, .backoff_max_ms = s_backoff_max };
    char err[256];
    s_snd = vg_sender_new (&cfg, s_spool, err, sizeof err);
    ck_assert_msg (s_snd != NULL, "%s", err);
}

/* Spool n batches (each a header-only vigil.Batch carrying its seq). */
static void
s_spool_batches (int n)
{
    for (int i = 0; i < n; i++) {
        Vigil__Batch b = VIGIL__BATCH__INIT;
        b.agent_id = "a1";
        b.epoch = vg_spool_epoch (s_spool);
        b.seq = vg_spool_next_seq (s_spool);
        uint8_t buf[128];
        size_t len = vigil__batch__pack (&b, buf);
        ck_assert_int_eq (vg_spool_put (s_spool, b.seq, buf, len), 0);
    }
}

static void
s_peer_send (s_peer_t *p, uint8_t type, const void *data, size_t len)
{
    ck_assert_int_ge (zmq_send (p->router, p->id, p->idlen, ZMQ_SNDMORE), 0);
    ck_assert_int_eq (zmq_send (p->router, &type, 1, ZMQ_SNDMORE), 1);
    ck_assert_int_ge (zmq_send (p->router, data, len, 0), 0);
}

static void
s_peer_ack (s_peer_t *p, uint64_t seq, Vigil__AckStatus status)
{
    Vigil__Ack a = VIGIL__ACK__INIT;
    a.epoch = p->epoch;
    a.seq = seq;
    a.status = status;
    a.reason = "test";
    if (status == VIGIL__ACK_STATUS__ACK_STATUS_RETRY)
        a.retry_after_ms = p->retry_hint_ms;
    if (status == VIGIL__ACK_STATUS__ACK_STATUS_OK && seq > p->committed)
        p->committed = seq;
    uint8_t buf[128];
    s_peer_send (p, VIGIL__MSG_TYPE__MSG_TYPE_ACK, buf, vigil__ack__pack (&a, buf));
}

/* Handle every message waiting at peer p. */
static void
s_peer_serve (s_peer_t *p)
{
    while (p->router) {
        zmq_msg_t f[3];
        int nf = 0;
        bool more = true;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init (&m);
            if (zmq_msg_recv (&m, p->router, nf == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                zmq_msg_close (&m);
                ck_assert_int_eq (nf, 0);
                return;
            }
            more = zmq_msg_more (&m);
            ck_assert_int_lt (nf, 3);
            f[nf++] = m;
        }
        ck_assert_int_eq (nf, 3);
        ck_assert_uint_le (zmq_msg_size (&f[0]), sizeof p->id);
        p->idlen = zmq_msg_size (&f[0]);
        memcpy (p->id, zmq_msg_data (&f[0]), p->idlen);
        ck_assert_uint_eq (zmq_msg_size (&f[1]), 1);
        uint8_t type = *(uint8_t *) zmq_msg_data (&f[1]);
        const uint8_t *data = zmq_msg_data (&f[2]);
        size_t len = zmq_msg_size (&f[2]);
        if (type == VIGIL__MSG_TYPE__MSG_TYPE_HELLO) {
            p->hellos++;
            Vigil__Hello *h = vigil__hello__unpack (NULL, len, data);
            ck_assert_ptr_nonnull (h);
            ck_assert_str_eq (h->agent_id, "a1");
            if (h->epoch != p->epoch)
                p->committed = 0;
            p->epoch = h->epoch;
            p->acked = h->acked_seq;
            vigil__hello__free_unpacked (h, NULL);
            if (!p->silent) {
                Vigil__Welcome w = VIGIL__WELCOME__INIT;
                w.collector_id = "peer";
                w.epoch = p->epoch;
                w.committed_seq = p->committed;
                uint8_t buf[128];
                s_peer_send (p, VIGIL__MSG_TYPE__MSG_TYPE_WELCOME, buf, vigil__welcome__pack (&w, buf));
            }
        } else if (type == VIGIL__MSG_TYPE__MSG_TYPE_BATCH) {
            Vigil__Batch *b = vigil__batch__unpack (NULL, len, data);
            ck_assert_ptr_nonnull (b);
            uint64_t seq = b->seq;
            ck_assert_uint_eq (b->epoch, p->epoch);
            vigil__batch__free_unpacked (b, NULL);
            ck_assert_uint_lt (p->nseen, MAX_SEEN);
            p->seen_ms[p->nseen] = vg_clock_mono_ms ();
            p->seen[p->nseen++] = seq;
            /* As the collector's ingest: strictly in sequence (a gap gets RETRY), a
             * duplicate is acknowledged again, a rejected batch is consumed; the first batch of
             * an epoch it holds nothing of may have any seq. */
            if (p->silent || !p->auto_ack) {
            } else if (p->retry_all) {
                s_peer_ack (p, seq, VIGIL__ACK_STATUS__ACK_STATUS_RETRY);
            } else if (seq == p->retry_seq) {
                p->retry_seq = 0;
                s_peer_ack (p, seq, VIGIL__ACK_STATUS__ACK_STATUS_RETRY);
            } else if (seq <= p->committed) {
                s_peer_ack (p, seq, VIGIL__ACK_STATUS__ACK_STATUS_OK);
            } else if (p->committed && seq != p->committed + 1) { /* nothing yet: any seq starts */
                s_peer_ack (p, seq, VIGIL__ACK_STATUS__ACK_STATUS_RETRY);
            } else {
                p->committed = seq;
                s_peer_ack (p, seq, seq == p->reject_seq ? VIGIL__ACK_STATUS__ACK_STATUS_REJECTED
                                                         : VIGIL__ACK_STATUS__ACK_STATUS_OK);
            }
        } else if (type == VIGIL__MSG_TYPE__MSG_TYPE_HEARTBEAT) {
            p->heartbeats++;
            if (!p->silent)
                s_peer_send (p, VIGIL__MSG_TYPE__MSG_TYPE_HEARTBEAT, data, len);
        }
        for (int i = 0; i < nf; i++)
            zmq_msg_close (&f[i]);
    }
}

typedef bool (*s_cond_fn) (void);

/* Drive the sender and both peers until cond() holds (true) or WAIT_MS pass (false). */
static bool
s_run_until (s_cond_fn cond)
{
    int64_t deadline = vg_clock_mono_ms () + WAIT_MS;
    for (;;) {
        int64_t now = vg_clock_mono_ms ();
        ck_assert_int_eq (vg_sender_service (s_snd, now), 0);
        if (cond ())
            return true;
        if (now >= deadline)
            return false;
        zmq_pollitem_t it[3];
        int n = 0;
        for (int i = 0; i < 2; i++)
            if (s_peers[i].router) /* a collector that is gone has none */
                it[n++] = (zmq_pollitem_t) { s_peers[i].router, 0, ZMQ_POLLIN, 0 };
        it[n++] = (zmq_pollitem_t) { vg_sender_socket (s_snd), 0, ZMQ_POLLIN, 0 };
        int64_t wake = vg_sender_next_wake (s_snd, now);
        zmq_poll (it, n, wake < 20 ? wake : 20);
        s_peer_serve (&s_peers[0]);
        s_peer_serve (&s_peers[1]);
    }
}

static bool
c_spool_empty (void)
{
    return vg_spool_first (s_spool) == 0;
}

/* Spool n batches, run until every one is acknowledged, and read the sender's counters. */
static void
s_send_all (int n, vg_sender_stats_t *st)
{
    s_spool_batches (n);
    ck_assert (s_run_until (c_spool_empty));
    vg_sender_stats (s_snd, st);
}

static bool
c_ready (void)
{
    vg_sender_stats_t st;
    vg_sender_stats (s_snd, &st);
    return st.ready;
}

/* ---- cases ---- */

START_TEST (delivers_in_order_and_ack_empties_spool)
{
    s_start (1, 8, 5000, 0);
    s_spool_batches (5);
    ck_assert (s_run_until (c_spool_empty));
    ck_assert_uint_eq (s_peers[0].nseen, 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_uint_eq (s_peers[0].seen[i], i + 1);
    vg_sender_stats_t st;
    vg_sender_stats (s_snd, &st);
    ck_assert (st.ready);
    ck_assert_uint_eq (st.sent, 5);
    ck_assert_uint_eq (st.acked, 5);
    ck_assert_uint_eq (st.resent, 0);
    ck_assert_uint_eq (st.failovers, 0);
    ck_assert_uint_eq (vg_sender_inflight (s_snd), 0);
    vg_spool_stats_t ss;
    vg_spool_stats (s_spool, &ss);
    ck_assert_uint_eq (ss.acked_seq, 5);
    ck_assert_uint_eq (ss.batches, 0);
    /* Batches spooled later go out on the same connection. */
    s_spool_batches (2);
    ck_assert (s_run_until (c_spool_empty));
    ck_assert_uint_eq (s_peers[0].nseen, 7);
    /* (HELLO itself may have been said twice on a loaded machine: it is repeated every
     * heartbeat until a WELCOME comes; the connection is the same.) */
    vg_sender_stats (s_snd, &st);
    ck_assert_uint_eq (st.resent, 0);
    ck_assert_uint_eq (st.failovers, 0);
}
END_TEST

static size_t s_want_hb;
static bool
c_heartbeats (void)
{
    return (size_t) s_peers[0].heartbeats >= s_want_hb;
}

START_TEST (credit_window_respected)
{
    s_start (1, 3, 5000, 0);
    s_peers[0].auto_ack = false;
    s_spool_batches (10);
    /* Wait until the sender has had time to send more (two heartbeats after the window
     * filled prove it is idle, not slow): exactly the window is out. */
    ck_assert (s_run_until (c_ready));
    s_want_hb = 2;
    ck_assert (s_run_until (c_heartbeats));
    ck_assert_uint_eq (s_peers[0].nseen, 3);
    ck_assert_uint_eq (vg_sender_inflight (s_snd), 3);
    /* A cumulative ACK of 2 frees two credits: 4 and 5 follow, no more. */
    s_peer_ack (&s_peers[0], 2, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    s_want_hb = (size_t) s_peers[0].heartbeats + 2;
    ck_assert (s_run_until (c_heartbeats));
    ck_assert_uint_eq (s_peers[0].nseen, 5);
    ck_assert_uint_eq (s_peers[0].seen[3], 4);
    ck_assert_uint_eq (s_peers[0].seen[4], 5);
    ck_assert_uint_eq (vg_spool_first (s_spool), 3);
    ck_assert_uint_eq (vg_sender_inflight (s_snd), 3);
    /* Acknowledging as they come lets the rest through. */
    s_peers[0].auto_ack = true;
    s_peer_ack (&s_peers[0], 5, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    ck_assert (s_run_until (c_spool_empty));
    ck_assert_uint_eq (s_peers[0].nseen, 10);
    for (size_t i = 0; i < 10; i++)
        ck_assert_uint_eq (s_peers[0].seen[i], i + 1);
}
END_TEST

START_TEST (retry_resends)
{
    s_start (1, 8, 5000, 0);
    s_peers[0].retry_seq = 2;
    vg_sender_stats_t st;
    s_send_all (4, &st);
    ck_assert_uint_ge (st.retries, 1);
    ck_assert_uint_ge (st.resent, 1);
    /* 2 came twice: once refused for a retry, once accepted (3 and 4, sent behind it, were
     * refused as gaps and resent too); everything ends acknowledged. */
    int twos = 0;
    for (size_t i = 0; i < s_peers[0].nseen; i++)
        twos += s_peers[0].seen[i] == 2;
    ck_assert_int_eq (twos, 2);
    vg_spool_stats_t ss;
    vg_spool_stats (s_spool, &ss);
    ck_assert_uint_eq (ss.acked_seq, 4);
}
END_TEST

START_TEST (rejected_is_dropped)
{
    s_start (1, 1, 5000, 0);
    s_peers[0].reject_seq = 2;
    vg_sender_stats_t st;
    s_send_all (3, &st);
    ck_assert_uint_eq (st.rejected, 1);
    ck_assert_uint_eq (st.sent, 3); /* 2 was not resent */
    vg_spool_stats_t ss;
    vg_spool_stats (s_spool, &ss);
    ck_assert_uint_eq (ss.drop_total, 1);
}
END_TEST

START_TEST (failover_to_second)
{
    s_start (2, 8, 1000, 0);
    s_peers[0].silent = true;   /* the primary takes messages but never answers */
    s_peers[1].committed = 2;   /* the secondary already holds 1 and 2 (same epoch) */
    s_peers[1].epoch = vg_spool_epoch (s_spool);
    vg_sender_stats_t st;
    s_send_all (5, &st);
    ck_assert_uint_ge (st.failovers, 1);
    ck_assert_uint_eq (st.endpoint, 1);
    ck_assert (st.ready);
    ck_assert_int_ge (s_peers[0].hellos, 1);
    ck_assert_uint_eq (s_peers[0].nseen, 0); /* no WELCOME, no batches */
    /* WELCOME said 1 and 2 are held: only 3..5 are sent to the secondary. */
    ck_assert_uint_eq (s_peers[1].nseen, 3);
    ck_assert_uint_eq (s_peers[1].seen[0], 3);
    ck_assert_uint_eq (s_peers[1].seen[2], 5);
}
END_TEST

static bool
c_back_on_primary (void)
{
    vg_sender_stats_t st;
    vg_sender_stats (s_snd, &st);
    return st.endpoint == 0 && st.ready;
}

START_TEST (returns_to_primary)
{
    s_start (2, 8, 1000, 400);
    s_peers[0].silent = true;
    vg_sender_stats_t st;
    s_send_all (3, &st);
    ck_assert_uint_eq (st.endpoint, 1);
    ck_assert_uint_eq (s_peers[1].nseen, 3);
    /* The primary recovers: the sender goes back to it (idle, after primary_retry_ms)... */
    s_peers[0].silent = false;
    ck_assert (s_run_until (c_back_on_primary));
    /* ...saying 1..3 were acknowledged (by the secondary), so the primary expects 4 next. */
    ck_assert_uint_eq (s_peers[0].acked, 3);
    /* ...and new batches go there. */
    s_spool_batches (2);
    ck_assert (s_run_until (c_spool_empty));
    ck_assert_uint_eq (s_peers[0].nseen, 2);
    ck_assert_uint_eq (s_peers[0].seen[0], 4);
    ck_assert_uint_eq (s_peers[0].seen[1], 5);
    ck_assert_uint_eq (s_peers[1].nseen, 3);
}
END_TEST

static bool
c_seven_seen (void)
{
    return s_peers[0].nseen >= 7;
}

/* A collector that keeps answering RETRY (with no hint): the agent waits longer each time,
 * the step doubling from send.backoff_base to send.backoff_max with jitter in [step/2,
 * step]; an acknowledged batch resets it. */
START_TEST (retry_backoff_grows_and_resets)
{
    s_backoff_base = 20;
    s_backoff_max = 320;
    s_start (1, 1, 5000, 0);
    s_backoff_base = s_backoff_max = 0;
    s_peers[0].retry_all = true;
    s_spool_batches (1);
    ck_assert (s_run_until (c_seven_seen));
    vg_sender_stats_t st;
    vg_sender_stats (s_snd, &st);
    /* waits drawn from [10,20], [20,40], [40,80], [80,160], [160,320], [160,320] */
    ck_assert_uint_ge (st.backoffs, 6);
    ck_assert_int_eq (st.backoff_step_ms, 320);
    ck_assert_int_ge (st.backoff_wait_ms, 10 + 20 + 40 + 80 + 160 + 160);
    const int64_t *t = s_peers[0].seen_ms;
    ck_assert_int_ge (t[6] - t[5], 160);
    ck_assert_int_ge (t[5] - t[4], 160);
    ck_assert_int_lt (t[1] - t[0], t[6] - t[5]); /* the first wait is the short one */
    /* the collector takes it: acknowledged, and the step is back to nothing */
    s_peers[0].retry_all = false;
    ck_assert (s_run_until (c_spool_empty));
    vg_sender_stats (s_snd, &st);
    ck_assert_int_eq (st.backoff_step_ms, 0);
    for (size_t i = 0; i < s_peers[0].nseen; i++)
        ck_assert_uint_eq (s_peers[0].seen[i], 1);
}
END_TEST

static bool
c_nine_seen (void)
{
    return s_peers[0].nseen >= 9;
}

/* A collector that keeps answering RETRY with a hint (a store that is not writable names its
 * next try): the agent's own backoff, which keeps growing (here to 5 s), adds at most the
 * hint again, so the agent comes back within twice the hint whatever the outage's length. */
START_TEST (retry_hint_bounds_backoff)
{
    s_backoff_base = 20;
    s_backoff_max = 5000;
    s_start (1, 1, 5000, 0);
    s_backoff_base = s_backoff_max = 0;
    s_peers[0].retry_all = true;
    s_peers[0].retry_hint_ms = 30;
    s_spool_batches (1);
    ck_assert (s_run_until (c_nine_seen)); /* uncapped: 10 + ... + 1,280 ms of waits at least */
    vg_sender_stats_t st;
    vg_sender_stats (s_snd, &st);
    ck_assert_uint_ge (st.backoffs, 8);
    ck_assert_int_ge (st.backoff_step_ms, 2560); /* the step grew: the hint bounds the wait */
    ck_assert_int_le (st.backoff_wait_ms, (int64_t) st.backoffs * 60);
    s_peers[0].retry_all = false;
    ck_assert (s_run_until (c_spool_empty));
    vg_sender_stats (s_snd, &st);
    ck_assert_int_eq (st.backoff_step_ms, 0);
}
END_TEST

static bool
c_five_failovers (void)
{
    vg_sender_stats_t st;
    vg_sender_stats (s_snd, &st);
    return st.failovers >= 5;
}

/* A collector that does not answer at all: after the first failover each further one (no
 * answer since the last) waits a growing, bounded step before sending again; the first
 * WELCOME resets it and everything is delivered. */
START_TEST (silence_backoff_grows_and_resets)
{
    s_backoff_base = 50;
    s_backoff_max = 200;
    s_start (1, 8, 200, 0);
    s_backoff_base = s_backoff_max = 0;
    s_peers[0].silent = true;
    s_spool_batches (3);
    ck_assert (s_run_until (c_five_failovers));
    vg_sender_stats_t st;
    vg_sender_stats (s_snd, &st);
    ck_assert_uint_ge (st.backoffs, 3);
    ck_assert_int_ge (st.backoff_step_ms, 100);
    ck_assert_int_le (st.backoff_step_ms, 200);
    s_peers[0].silent = false;
    ck_assert (s_run_until (c_spool_empty));
    vg_sender_stats (s_snd, &st);
    ck_assert_int_eq (st.backoff_step_ms, 0);
}
END_TEST

static bool
c_two_failovers (void)
{
    vg_sender_stats_t st;
    vg_sender_stats (s_snd, &st);
    return st.failovers >= 2;
}

/* A long backoff does not delay the recovery: the collector is gone (its socket closed),
 * the agent backs off for 5-10 s after its second failover, the collector comes back at
 * once; the HELLO waiting in the agent's socket reaches it, its WELCOME ends the wait, and
 * the spool drains within the reconnect interval (2 s at most), not after the wait. */
START_TEST (collector_back_ends_the_wait)
{
    s_backoff_base = s_backoff_max = 10000;
    s_start (1, 8, 200, 0);
    s_backoff_base = s_backoff_max = 0;
    zmq_close (s_peers[0].router);
    s_peers[0].router = NULL;
    s_spool_batches (3);
    ck_assert (s_run_until (c_two_failovers));
    vg_sender_stats_t st;
    vg_sender_stats (s_snd, &st);
    ck_assert_int_eq (st.backoff_step_ms, 10000);
    s_peers[0].router = zmq_socket (s_ctx, ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt (s_peers[0].router, ZMQ_LINGER, &zero, sizeof zero);
    ck_assert_int_eq (zmq_bind (s_peers[0].router, s_ep[0]), 0);
    int64_t t0 = vg_clock_mono_ms ();
    ck_assert (s_run_until (c_spool_empty));
    ck_assert_int_lt (vg_clock_mono_ms () - t0, 4000);
    vg_sender_stats (s_snd, &st);
    ck_assert_int_eq (st.backoff_step_ms, 0);
}
END_TEST

static size_t s_want_seen;
static bool
c_seen (void)
{
    return s_peers[0].nseen >= s_want_seen;
}

/* A reload's timing (vg_sender_set_timing) applies on the live connection: a wider window
 * lets more out at once, a narrower one fewer, with no reconnect. */
START_TEST (timing_reloaded_in_place)
{
    s_start (1, 2, 5000, 0);
    s_peers[0].auto_ack = false;
    s_spool_batches (10);
    ck_assert (s_run_until (c_ready));
    s_want_hb = 2;
    ck_assert (s_run_until (c_heartbeats));
    ck_assert_uint_eq (s_peers[0].nseen, 2);
    vg_sender_cfg_t t = { .window = 5, .heartbeat_ms = 50, .timeout_ms = 5000 };
    vg_sender_set_timing (s_snd, &t);
    s_want_hb = (size_t) s_peers[0].heartbeats + 2;
    ck_assert (s_run_until (c_heartbeats));
    ck_assert_uint_eq (s_peers[0].nseen, 5);
    ck_assert_uint_eq (vg_sender_inflight (s_snd), 5);
    vg_sender_stats_t st;
    vg_sender_stats (s_snd, &st);
    ck_assert_uint_eq (st.failovers, 0);
}
END_TEST

/* A WELCOME that answers a repeated HELLO (the first WELCOME was slow to come, so the agent
 * said HELLO again) does not make the agent send its window again. */
START_TEST (second_welcome_does_not_rewind)
{
    s_start (1, 2, 5000, 0);
    s_peers[0].auto_ack = false;
    s_spool_batches (4);
    s_want_seen = 2;
    ck_assert (s_run_until (c_seen));
    Vigil__Welcome w = VIGIL__WELCOME__INIT;
    w.collector_id = "peer";
    w.epoch = s_peers[0].epoch;
    uint8_t buf[128];
    s_peer_send (&s_peers[0], VIGIL__MSG_TYPE__MSG_TYPE_WELCOME, buf, vigil__welcome__pack (&w, buf));
    s_want_hb = (size_t) s_peers[0].heartbeats + 3;
    ck_assert (s_run_until (c_heartbeats));
    ck_assert_uint_eq (s_peers[0].nseen, 2);
    ck_assert_uint_eq (s_peers[0].seen[0], 1);
    ck_assert_uint_eq (s_peers[0].seen[1], 2);
}
END_TEST

START_TEST (no_endpoints_refused)
{
    vg_sender_cfg_t cfg = { .agent_id = "a1", .endpoints = s_eps, .nendpoints = 0 };
    char err[256];
    ck_assert_ptr_null (vg_sender_new (&cfg, s_spool, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "no collectors"));
}
END_TEST

/* CURVE keys are checked when the sender is made: the server key and secret must be Z85
 * keys, a given public key must be the secret's; an empty one is derived from the secret. */
START_TEST (curve_keys_checked)
{
    char srv_pub[41], srv_sec[41], pub[41], sec[41], other_pub[41], other_sec[41];
    ck_assert_int_eq (zmq_curve_keypair (srv_pub, srv_sec), 0);
    ck_assert_int_eq (zmq_curve_keypair (pub, sec), 0);
    ck_assert_int_eq (zmq_curve_keypair (other_pub, other_sec), 0);
    static const struct {
        int server, secret, public; /* 0 = bad text, 1 = right key, 2 = another pair's key, 3 = empty */
        const char *why;            /* NULL = accepted */
    } cases[] = {
        { 0, 1, 3, "curve.server_key" }, { 1, 0, 3, "curve.secret_key" }, { 1, 3, 3, "curve.secret_key" },
        { 1, 1, 2, "public half" },      { 1, 1, 3, NULL },               { 1, 1, 1, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *srv_opts[] = { "not a key", srv_pub }, *sec_opts[] = { "short", sec, other_sec, "" },
                   *pub_opts[] = { "x", pub, other_pub, "" };
        vg_sender_cfg_t cfg = { .agent_id = "a1", .endpoints = s_eps, .nendpoints = 1,
                                .curve_server_key = srv_opts[cases[i].server],
                                .curve_secret_key = sec_opts[cases[i].secret],
                                .curve_public_key = pub_opts[cases[i].public] };
        char err[256] = "";
        s_snd = vg_sender_new (&cfg, s_spool, err, sizeof err);
        if (cases[i].why) {
            ck_assert_msg (s_snd == NULL, "case %zu accepted", i);
            ck_assert_msg (strstr (err, cases[i].why) != NULL, "case %zu: %s", i, err);
            ck_assert_ptr_null (strstr (err, sec)); /* the secret is never echoed */
        } else
            ck_assert_msg (s_snd != NULL, "case %zu: %s", i, err);
        vg_sender_destroy (&s_snd);
    }
}
END_TEST

/* A quiet spell longer than the timeout (the link alive: heartbeats answered) does not make
 * the next batch "stalled" at once: the stall clock starts when an answer becomes owed.
 * Before, an input that posts every few seconds failed over on every batch. */
START_TEST (quiet_link_is_not_a_stall)
{
    s_start (2, 8, 1000, 0); /* 1 s: a loaded test machine must not stall the loop that long */
    vg_sender_stats_t st;
    s_send_all (1, &st);
    s_want_hb = (size_t) s_peers[0].heartbeats + 25; /* 25 x 50 ms: past the 1 s timeout */
    ck_assert (s_run_until (c_heartbeats));
    s_peers[0].auto_ack = false;
    s_spool_batches (1);
    s_want_seen = 2;
    ck_assert (s_run_until (c_seen));
    s_want_hb = (size_t) s_peers[0].heartbeats + 2; /* 100 ms unanswered: within the timeout */
    ck_assert (s_run_until (c_heartbeats));
    vg_sender_stats (s_snd, &st);
    ck_assert_uint_eq (st.failovers, 0);
    ck_assert_uint_eq (st.endpoint, 0);
}
END_TEST

Suite *
vg_sender_suite (void)
{
    const TTest *tests[] = {
        delivers_in_order_and_ack_empties_spool, credit_window_respected, retry_resends, rejected_is_dropped,
        failover_to_second, returns_to_primary, no_endpoints_refused, quiet_link_is_not_a_stall,
        curve_keys_checked, retry_backoff_grows_and_resets, retry_hint_bounds_backoff, silence_backoff_grows_and_resets,
        collector_back_ends_the_wait, timing_reloaded_in_place, second_welcome_does_not_rewind,
    };
    return vg_test_suite ("sender", "sender", tests, sizeof tests / sizeof tests[0], 60, setup, teardown);
}
