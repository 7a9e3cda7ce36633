/* check_server.c - the collector's ROUTER loop over real ZeroMQ (ipc in a temporary
 * directory): HELLO -> WELCOME with the committed position, a BATCH acknowledged only once
 * the store holds it, RETRY on a sequence gap, duplicates acknowledged as such, heartbeats
 * echoed, and malformed messages counted while the loop keeps serving.  The server runs in
 * a thread with a stop flag; every wait has a deadline. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "agent/batcher.h"
#include "collector/batch_view.h"
#include "collector/ingest.h"
#include "collector/server.h"
#include "common/clock.h"
#include "common/err.h"
#include "proto/vigil.pb-c.h"
#include "store/sample_merge.h"
#include "store/store.h"
#include "tests/support/server_fixture.h"
#include "tests/support/tmpdir.h"
#include "tests/support/suite.h"

#define WAIT_MS 5000 /* deadline for any expected reply */

static vg_test_server_t s_fx;
static atomic_int s_commits;      /* on_commit calls */
static atomic_int s_committed;    /* batches passed to on_commit */
static atomic_int s_behind;       /* the backlog gate is closed while set */
static void *s_ctx;

static void
s_on_commit (void *ctx, const vg_server_committed_t *done, int n)
{
    (void) ctx;
    for (int i = 0; i < n; i++) {
        ck_assert (done[i].batch != NULL && done[i].len > 0);
        vg_batch_view_t v; /* ingest's view of every accepted batch, well formed */
        ck_assert_int_eq (vg_batch_view_parse (done[i].view, done[i].view_len, &v), 0);
    }
    atomic_fetch_add (&s_commits, 1);
    atomic_fetch_add (&s_committed, n);
}

static const char *
s_backlog (void *ctx)
{
    (void) ctx;
    return atomic_load (&s_behind) ? "detect stage behind (test)" : NULL;
}

static void
setup (void)
{
    static const vg_agent_acl_t acl[] = { { "a1", NULL, 0 } };
    vg_ingest_cfg_t ic = { 86400000LL, 3600000LL, 16 << 20, 1024, 1024, 65536, false, acl, 1, 0, 0 };
    vg_server_cfg_t vc = { .collector_id = "c1", .max_group = 8, .retention_every_ms = 3600000,
                           .max_batch_bytes = 16 << 20 };
    vg_test_server_open (&s_fx, "server", 3600000, &ic, &vc);
    atomic_store (&s_commits, 0);
    atomic_store (&s_committed, 0);
    atomic_store (&s_behind, 0);
    vg_server_on_commit (s_fx.srv, s_on_commit, NULL);
    vg_server_on_backlog (s_fx.srv, s_backlog, NULL);
    vg_test_server_run (&s_fx);
    s_ctx = zmq_ctx_new ();
    ck_assert_ptr_nonnull (s_ctx);
}

static void
teardown (void)
{
    vg_test_server_stop (&s_fx);
    zmq_ctx_term (s_ctx);
    vg_test_server_close (&s_fx);
}

/* ---- a client speaking the agent protocol ---- */

static void *
s_client (void)
{
    return vg_test_dealer (s_ctx, s_fx.ep, NULL, NULL, NULL);
}

/* Wait (up to WAIT_MS) for a reply; its type, with the payload in *payload. */
static int
s_recv (void *d, vg_buf_t *payload)
{
    zmq_pollitem_t it = { d, 0, ZMQ_POLLIN, 0 };
    ck_assert_msg (zmq_poll (&it, 1, WAIT_MS) == 1, "no reply within %d ms", WAIT_MS);
    zmq_msg_t type, body;
    zmq_msg_init (&type);
    zmq_msg_init (&body);
    ck_assert_int_ge (zmq_msg_recv (&type, d, 0), 0);
    ck_assert (zmq_msg_more (&type));
    ck_assert_int_ge (zmq_msg_recv (&body, d, 0), 0);
    ck_assert (!zmq_msg_more (&body));
    ck_assert_uint_eq (zmq_msg_size (&type), 1);
    int t = *(uint8_t *) zmq_msg_data (&type);
    vg_buf_reset (payload);
    ck_assert_int_eq (vg_buf_append (payload, zmq_msg_data (&body), zmq_msg_size (&body)), 0);
    zmq_msg_close (&type);
    zmq_msg_close (&body);
    return t;
}

/* The WELCOME's committed_seq (asserting that a WELCOME is what came). */
static uint64_t
s_welcome (void *d)
{
    vg_buf_t p = VG_BUF_INIT;
    ck_assert_int_eq (s_recv (d, &p), VIGIL__MSG_TYPE__MSG_TYPE_WELCOME);
    Vigil__Welcome *w = vigil__welcome__unpack (NULL, p.len, p.data);
    ck_assert_ptr_nonnull (w);
    ck_assert_str_eq (w->collector_id, "c1");
    uint64_t seq = w->committed_seq;
    vigil__welcome__free_unpacked (w, NULL);
    vg_buf_free (&p);
    return seq;
}

typedef struct {
    int status;
    uint64_t epoch, seq;
    bool duplicate;
    char reason[200];
    uint32_t retry_after_ms;
} s_ack_t;

static s_ack_t
s_ack (void *d)
{
    vg_buf_t p = VG_BUF_INIT;
    ck_assert_int_eq (s_recv (d, &p), VIGIL__MSG_TYPE__MSG_TYPE_ACK);
    Vigil__Ack *a = vigil__ack__unpack (NULL, p.len, p.data);
    ck_assert_ptr_nonnull (a);
    s_ack_t r = { a->status, a->epoch, a->seq, a->duplicate, "", a->retry_after_ms };
    snprintf (r.reason, sizeof r.reason, "%s", a->reason ? a->reason : "");
    vigil__ack__free_unpacked (a, NULL);
    vg_buf_free (&p);
    return r;
}

/* Send a heartbeat carrying `tag` and wait for its echo: every message sent before it on
 * this connection has been handled by then. */
static void
s_sync (void *d, const char *tag)
{
    vg_test_send (d, VIGIL__MSG_TYPE__MSG_TYPE_HEARTBEAT, tag, strlen (tag));
    vg_buf_t p = VG_BUF_INIT;
    ck_assert_int_eq (s_recv (d, &p), VIGIL__MSG_TYPE__MSG_TYPE_HEARTBEAT);
    ck_assert_uint_eq (p.len, strlen (tag));
    ck_assert_int_eq (memcmp (p.data, tag, p.len), 0);
    vg_buf_free (&p);
}

/* A batch of agent a1 (3 series x 10 samples in the last minute, moved back by (seq % 32)
 * times 10 s: batches of different seqs hold different timestamps, as the store keeps one
 * sample per timestamp), zstd-compressed as the agent sends it. */
static void
s_batch (uint64_t epoch, uint64_t seq, vg_buf_t *out)
{
    vg_batcher_cfg_t cfg = { "a1", 64, 8, 16, 1000, 0 };
    vg_batcher_t *b = vg_batcher_new (&cfg);
    ck_assert_ptr_nonnull (b);
    vg_sink_t sink = vg_batcher_sink (b);
    vg_device_t dev = { "lab/r1", "Acme", "X1", "router", "lab", "1.0" };
    ck_assert_int_eq (sink.device (sink.ctx, &dev), 0);
    int64_t now = vg_clock_now_ms ();
    char path[32];
    for (int s = 0; s < 3; s++) {
        snprintf (path, sizeof path, "/t/m%d", s);
        for (int i = 0; i < 10; i++) {
            vg_point_t p = { 0 };
            p.device = "lab/r1";
            p.path = path;
            p.kind = VG_KIND_GAUGE;
            p.input = "test";
            p.ts_ms = now - 60000 - (int64_t) (seq % 32) * 10000 + i * 1000;
            p.value = i;
            ck_assert_int_eq (sink.sample (sink.ctx, &p), 0);
        }
    }
    vg_buf_reset (out);
    ck_assert_int_gt (vg_batcher_flush (b, epoch, seq, now, out), 0);
    vg_batcher_destroy (&b);
}

static void
s_send_batch (void *d, uint64_t epoch, uint64_t seq)
{
    vg_buf_t b = VG_BUF_INIT;
    s_batch (epoch, seq, &b);
    vg_test_send (d, VIGIL__MSG_TYPE__MSG_TYPE_BATCH, b.data, b.len);
    vg_buf_free (&b);
}

/* A batch with a readable header and nothing else (no string table): rejected. */
static void
s_send_headless (void *d, uint64_t epoch, uint64_t seq)
{
    Vigil__Batch b = VIGIL__BATCH__INIT;
    b.agent_id = "a1";
    b.epoch = epoch;
    b.seq = seq;
    uint8_t buf[64];
    vg_test_send (d, VIGIL__MSG_TYPE__MSG_TYPE_BATCH, buf, vigil__batch__pack (&b, buf));
}

/* What the store holds (read from this thread while the server runs: RocksDB is
 * thread-safe). */
static uint64_t
s_stored_seq (void)
{
    vg_buf_t v = VG_BUF_INIT;
    uint64_t seq = 0;
    if (vg_store_get (s_fx.store, VG_CF_AGENTS, "a1", 2, &v) == 0) {
        Vigil__AgentState *st = vigil__agent_state__unpack (NULL, v.len, v.data);
        ck_assert_ptr_nonnull (st);
        seq = st->committed_seq;
        vigil__agent_state__free_unpacked (st, NULL);
    }
    vg_buf_free (&v);
    return seq;
}

static int
s_count_samples (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void) k;
    (void) kl;
    *(int64_t *) ctx += vg_sample_value_count (v, vl);
    return 0;
}

static int64_t
s_stored_samples (void)
{
    int64_t n = 0;
    ck_assert_int_eq (vg_store_scan (s_fx.store, VG_CF_SAMPLES, NULL, 0, NULL, 0, s_count_samples, &n), 0);
    return n;
}

/* ---- cases ---- */

/* A client of agent a1, epoch 7, welcomed at seq 0, whose batch 1 is acknowledged OK. */
static void *
s_first_batch (void)
{
    void *d = s_client ();
    vg_test_hello (d, "a1", 7);
    ck_assert_uint_eq (s_welcome (d), 0);
    s_send_batch (d, 7, 1);
    ck_assert_int_eq (s_ack (d).status, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    return d;
}

START_TEST (hello_welcome)
{
    void *d = s_first_batch ();
    /* Reconnecting in the same epoch: the collector tells what it already holds... */
    vg_test_hello (d, "a1", 7);
    ck_assert_uint_eq (s_welcome (d), 1);
    /* ...in another epoch (a wiped spool), nothing. */
    vg_test_hello (d, "a1", 8);
    ck_assert_uint_eq (s_welcome (d), 0);
    /* An unknown agent gets no WELCOME: the next reply is the heartbeat's echo. */
    vg_test_hello (d, "stranger", 1);
    s_sync (d, "after-stranger");
    zmq_close (d);
    vg_test_server_stop (&s_fx);
    const vg_server_stats_t *st = vg_server_stats (s_fx.srv);
    ck_assert_uint_eq (st->hello, 4);
    ck_assert_uint_eq (st->bad_msgs, 1);
    ck_assert_uint_eq (st->heartbeats, 1);
}
END_TEST

START_TEST (ack_means_durable)
{
    void *d = s_client ();
    vg_test_hello (d, "a1", 7);
    ck_assert_uint_eq (s_welcome (d), 0);
    ck_assert_uint_eq (s_stored_seq (), 0);
    s_send_batch (d, 7, 1);
    s_ack_t a = s_ack (d);
    /* When the ACK arrives, the batch is in the store. */
    ck_assert_uint_eq (s_stored_seq (), 1);
    ck_assert_int_eq (s_stored_samples (), 30);
    ck_assert_int_eq (a.status, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    ck_assert_uint_eq (a.epoch, 7);
    ck_assert_uint_eq (a.seq, 1);
    ck_assert (!a.duplicate);
    ck_assert_int_ge (atomic_load (&s_committed), 1);
    /* A burst: acknowledged in order, each only once durable. */
    for (uint64_t q = 2; q <= 12; q++)
        s_send_batch (d, 7, q);
    for (uint64_t q = 2; q <= 12; q++) {
        a = s_ack (d);
        ck_assert_int_eq (a.status, VIGIL__ACK_STATUS__ACK_STATUS_OK);
        ck_assert_uint_eq (a.seq, q);
        ck_assert_uint_ge (s_stored_seq (), q);
    }
    ck_assert_int_eq (s_stored_samples (), 12 * 30);
    zmq_close (d);
    vg_test_server_stop (&s_fx);
    const vg_server_stats_t *st = vg_server_stats (s_fx.srv);
    ck_assert_uint_eq (st->acks_sent, 12);
    ck_assert_uint_ge (st->commits, 1);
    ck_assert_uint_le (st->commits, 12);
    ck_assert_uint_eq (st->commit_errors, 0);
    ck_assert_int_eq (atomic_load (&s_committed), 12);
    ck_assert_uint_eq (vg_ingest_stats (s_fx.ingest)->batches, 12);
}
END_TEST

START_TEST (gap_gets_retry)
{
    void *d = s_first_batch ();
    s_send_batch (d, 7, 3);
    s_ack_t a = s_ack (d);
    ck_assert_int_eq (a.status, VIGIL__ACK_STATUS__ACK_STATUS_RETRY);
    ck_assert_uint_eq (a.seq, 3);
    ck_assert_ptr_nonnull (strstr (a.reason, "expected seq 2"));
    ck_assert_uint_eq (s_stored_seq (), 1);
    /* In order it goes in; the same batch again is a duplicate, acknowledged as such. */
    s_send_batch (d, 7, 2);
    s_send_batch (d, 7, 3);
    ck_assert_int_eq (s_ack (d).status, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    ck_assert_int_eq (s_ack (d).status, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    s_send_batch (d, 7, 3);
    a = s_ack (d);
    ck_assert_int_eq (a.status, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    ck_assert (a.duplicate);
    ck_assert_uint_eq (s_stored_seq (), 3);
    ck_assert_int_eq (s_stored_samples (), 3 * 30);
    zmq_close (d);
    vg_test_server_stop (&s_fx);
    ck_assert_uint_eq (vg_ingest_stats (s_fx.ingest)->gaps, 1);
    ck_assert_uint_eq (vg_ingest_stats (s_fx.ingest)->duplicates, 1);
    ck_assert_int_eq (atomic_load (&s_committed), 3); /* duplicates and gaps are not passed on */
}
END_TEST

START_TEST (malformed_counted)
{
    void *d = s_client ();
    /* 1. a single frame (no type) */
    ck_assert_int_eq (zmq_send (d, "x", 1, 0), 1);
    /* 2. four frames */
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq (zmq_send (d, "junk", 4, i < 3 ? ZMQ_SNDMORE : 0), 4);
    /* 3. a type frame of two bytes */
    ck_assert_int_eq (zmq_send (d, "\x01\x01", 2, ZMQ_SNDMORE), 2);
    ck_assert_int_eq (zmq_send (d, "", 0, 0), 0);
    /* 4. an unknown type */
    vg_test_send (d, 99, "abc", 3);
    /* 5. a HELLO that is not a protobuf */
    vg_test_send (d, VIGIL__MSG_TYPE__MSG_TYPE_HELLO, "\xff\xff\xff", 3);
    s_sync (d, "after-bad-messages");
    /* A BATCH of garbage and one of corrupt zstd: REJECTED (for good), nothing stored. */
    vg_test_send (d, VIGIL__MSG_TYPE__MSG_TYPE_BATCH, "\xff\xff\xff\xff", 4);
    s_ack_t a = s_ack (d);
    ck_assert_int_eq (a.status, VIGIL__ACK_STATUS__ACK_STATUS_REJECTED);
    ck_assert_ptr_nonnull (strstr (a.reason, "not a valid vigil.Batch"));
    const uint8_t zbad[] = { 0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    vg_test_send (d, VIGIL__MSG_TYPE__MSG_TYPE_BATCH, zbad, sizeof zbad);
    a = s_ack (d);
    ck_assert_int_eq (a.status, VIGIL__ACK_STATUS__ACK_STATUS_REJECTED);
    ck_assert_ptr_nonnull (strstr (a.reason, "compressed batch"));
    ck_assert_uint_eq (s_stored_seq (), 0);
    /* The loop still serves. */
    vg_test_hello (d, "a1", 7);
    ck_assert_uint_eq (s_welcome (d), 0);
    s_send_batch (d, 7, 1);
    ck_assert_int_eq (s_ack (d).status, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    ck_assert_uint_eq (s_stored_seq (), 1);
    zmq_close (d);
    vg_test_server_stop (&s_fx);
    const vg_server_stats_t *st = vg_server_stats (s_fx.srv);
    ck_assert_uint_eq (st->bad_msgs, 5);
    ck_assert_uint_eq (st->bad_batches, 1);                 /* the corrupt zstd frame */
    ck_assert_uint_eq (vg_ingest_stats (s_fx.ingest)->rejected, 1); /* the garbage batch */
    ck_assert_uint_eq (st->msgs_in, 5 + 1 + 2 + 2);          /* + heartbeat, batches, HELLO + batch */
    ck_assert_uint_eq (st->acks_sent, 3);
}
END_TEST

START_TEST (heartbeat_echoed)
{
    void *d = s_client ();
    s_sync (d, "hb-1");
    /* Heartbeats need no HELLO, and an oversized payload is not echoed back. */
    char big[300];
    memset (big, 'z', sizeof big);
    vg_test_send (d, VIGIL__MSG_TYPE__MSG_TYPE_HEARTBEAT, big, sizeof big);
    vg_buf_t p = VG_BUF_INIT;
    ck_assert_int_eq (s_recv (d, &p), VIGIL__MSG_TYPE__MSG_TYPE_HEARTBEAT);
    ck_assert_uint_eq (p.len, 0);
    vg_buf_free (&p);
    /* A second client is answered on its own connection. */
    void *d2 = s_client ();
    s_sync (d2, "hb-2");
    s_sync (d, "hb-3");
    zmq_close (d);
    zmq_close (d2);
    vg_test_server_stop (&s_fx);
    ck_assert_uint_eq (vg_server_stats (s_fx.srv)->heartbeats, 4);
    ck_assert_uint_eq (vg_server_stats (s_fx.srv)->bad_msgs, 0);
}
END_TEST

/* The sender drops a REJECTED batch for good and goes on with the next seq, so a rejected
 * batch that was next in order consumes its sequence number at the collector; otherwise every
 * later batch of the epoch would be a gap (RETRY forever: the agent's stream wedged). */
START_TEST (rejected_batch_does_not_wedge_the_stream)
{
    void *d = s_first_batch ();
    /* seq 2: a readable header, no string table -> REJECTED; the sender drops it. */
    s_send_headless (d, 7, 2);
    ck_assert_int_eq (s_ack (d).status, VIGIL__ACK_STATUS__ACK_STATUS_REJECTED);
    /* seq 3 is what the sender sends next. */
    s_send_batch (d, 7, 3);
    s_ack_t a = s_ack (d);
    ck_assert_msg (a.status == VIGIL__ACK_STATUS__ACK_STATUS_OK, "seq 3 after a rejected seq 2: status %d (%s)",
                   a.status, a.reason);
    zmq_close (d);
}
END_TEST

static bool
s_store_refused (const s_ack_t *a)
{
    return a->status == VIGIL__ACK_STATUS__ACK_STATUS_RETRY && strstr (a->reason, "store not writable") != NULL;
}

/* Send batch (7, seq) with send until the answer is not "store not writable" (the server
 * tries the store again a second after a failed commit); that answer. */
static s_ack_t
s_resend_until_tried (void *d, void (*send) (void *, uint64_t, uint64_t), uint64_t seq)
{
    int64_t deadline = vg_clock_mono_ms () + WAIT_MS;
    for (;;) {
        send (d, 7, seq);
        s_ack_t a = s_ack (d);
        if (!s_store_refused (&a) || vg_clock_mono_ms () > deadline)
            return a;
        struct timespec ts = { 0, 100 * 1000000L };
        nanosleep (&ts, NULL);
    }
}

/* A commit that fails (a full disk) acknowledges nothing: RETRY with the batch's epoch and
 * seq (the agent keeps it), nothing stored, nothing counted as stored.  Within the next
 * second the batch is answered RETRY unread; then the server tries the store again and the
 * batch is stored once. */
START_TEST (store_failure_not_acknowledged)
{
    void *d = s_first_batch ();
    vg_store_fail_commits (s_fx.store, 1);
    s_send_batch (d, 7, 2);
    s_ack_t a = s_ack (d);
    ck_assert_msg (s_store_refused (&a), "status %d (%s)", a.status, a.reason);
    ck_assert_ptr_nonnull (strstr (a.reason, "injected failure"));
    ck_assert_uint_eq (a.epoch, 7);
    ck_assert_uint_eq (a.seq, 2);
    ck_assert_uint_eq (s_stored_seq (), 1);
    /* At once again: not tried (and so not read), still answered with its epoch and seq. */
    s_send_batch (d, 7, 2);
    a = s_ack (d);
    ck_assert_msg (s_store_refused (&a), "status %d (%s)", a.status, a.reason);
    ck_assert_uint_eq (a.epoch, 7);
    ck_assert_uint_eq (a.seq, 2);
    a = s_resend_until_tried (d, s_send_batch, 2);
    ck_assert_msg (a.status == VIGIL__ACK_STATUS__ACK_STATUS_OK && !a.duplicate, "status %d (%s)", a.status,
                   a.reason);
    ck_assert_uint_eq (s_stored_seq (), 2);
    ck_assert_int_eq (s_stored_samples (), 2 * 30);
    zmq_close (d);
    vg_test_server_stop (&s_fx);
    const vg_server_stats_t *st = vg_server_stats (s_fx.srv);
    ck_assert_uint_eq (st->commit_errors, 1);
    ck_assert_uint_ge (st->deferred, 1);
    ck_assert_uint_eq (st->store_writable, 1);
    ck_assert_ptr_null (vg_server_store_error (s_fx.srv));
    ck_assert_uint_eq (vg_ingest_stats (s_fx.ingest)->batches, 2);
    ck_assert_uint_eq (vg_ingest_stats (s_fx.ingest)->samples, 2 * 30);
    ck_assert_int_eq (atomic_load (&s_committed), 2);
}
END_TEST

/* A rejected batch consumes its seq in the group's commit; when that commit fails the
 * rejection is not final either (RETRY): were it dropped by the agent, its seq would be a
 * gap nothing fills.  Tried again, it is rejected for good and the stream goes on. */
START_TEST (rejection_in_a_failed_commit_is_retried)
{
    void *d = s_first_batch ();
    vg_store_fail_commits (s_fx.store, 1);
    s_send_headless (d, 7, 2);
    s_ack_t a = s_ack (d);
    ck_assert_msg (s_store_refused (&a), "status %d (%s)", a.status, a.reason);
    a = s_resend_until_tried (d, s_send_headless, 2);
    ck_assert_msg (a.status == VIGIL__ACK_STATUS__ACK_STATUS_REJECTED, "status %d (%s)", a.status, a.reason);
    s_send_batch (d, 7, 3);
    a = s_ack (d);
    ck_assert_msg (a.status == VIGIL__ACK_STATUS__ACK_STATUS_OK, "seq 3: status %d (%s)", a.status, a.reason);
    ck_assert_uint_eq (s_stored_seq (), 3);
    zmq_close (d);
}
END_TEST

/* limits.agent_batches_per_s: over its rate the agent is answered RETRY unread, with how long
 * to wait; after that wait the batch goes in.  Nothing is stored for a throttled batch. */
START_TEST (over_rate_gets_retry_with_hint)
{
    vg_test_server_close (&s_fx);
    static const vg_agent_acl_t acl[] = { { "a1", NULL, 0 } };
    vg_ingest_cfg_t ic = { 86400000LL, 3600000LL, 16 << 20, 1024, 1024, 65536, false, acl, 1, 0, 0 };
    vg_server_cfg_t vc = { .collector_id = "c1", .max_group = 8, .retention_every_ms = 3600000,
                           .max_batch_bytes = 16 << 20, .limits = { .batches_per_s = 4, .burst_s = 0.5 } };
    vg_test_server_open (&s_fx, "server", 3600000, &ic, &vc);
    vg_test_server_run (&s_fx);
    void *d = s_first_batch (); /* one of the two tokens */
    s_send_batch (d, 7, 2);
    ck_assert_int_eq (s_ack (d).status, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    s_send_batch (d, 7, 3);
    s_ack_t a = s_ack (d);
    ck_assert_int_eq (a.status, VIGIL__ACK_STATUS__ACK_STATUS_RETRY);
    ck_assert_uint_eq (a.seq, 3);
    ck_assert_ptr_nonnull (strstr (a.reason, "rate limit"));
    ck_assert_uint_gt (a.retry_after_ms, 0);
    ck_assert_uint_le (a.retry_after_ms, 251); /* one token at 4/s */
    ck_assert_uint_eq (s_stored_seq (), 2);
    /* Resent after the hint, it is stored (a deadline, not a count, bounds the tries). */
    int64_t deadline = vg_clock_mono_ms () + WAIT_MS;
    do {
        struct timespec ts = { 0, (long) a.retry_after_ms * 1000000L };
        nanosleep (&ts, NULL);
        s_send_batch (d, 7, 3);
        a = s_ack (d);
    } while (a.status == VIGIL__ACK_STATUS__ACK_STATUS_RETRY && vg_clock_mono_ms () < deadline);
    ck_assert_int_eq (a.status, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    ck_assert_uint_eq (s_stored_seq (), 3);
    zmq_close (d);
    vg_test_server_stop (&s_fx);
    ck_assert_uint_ge (vg_server_stats (s_fx.srv)->throttled, 1);
    const vg_agent_limits_t *al = vg_server_limits (s_fx.srv);
    vg_agent_limit_stats_t tot;
    vg_agent_limits_totals (al, &tot);
    ck_assert_uint_eq (tot.admitted, 3);
    ck_assert_uint_eq (tot.throttled, vg_server_stats (s_fx.srv)->throttled);
    ck_assert_uint_eq (tot.samples, 3 * 30);
    ck_assert_uint_eq (vg_ingest_stats (s_fx.ingest)->batches, 3);
}
END_TEST

/* The backlog gate (the detect stage over its memory ceiling): batches are answered RETRY
 * unread until it opens again; heartbeats are still answered. */
START_TEST (backlog_gate_defers)
{
    void *d = s_first_batch ();
    atomic_store (&s_behind, 1);
    s_send_batch (d, 7, 2);
    s_ack_t a = s_ack (d);
    ck_assert_int_eq (a.status, VIGIL__ACK_STATUS__ACK_STATUS_RETRY);
    ck_assert_ptr_nonnull (strstr (a.reason, "detect stage behind"));
    ck_assert_uint_gt (a.retry_after_ms, 0);
    s_sync (d, "still-served");
    ck_assert_uint_eq (s_stored_seq (), 1);
    atomic_store (&s_behind, 0);
    s_send_batch (d, 7, 2);
    ck_assert_int_eq (s_ack (d).status, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    ck_assert_uint_eq (s_stored_seq (), 2);
    zmq_close (d);
    vg_test_server_stop (&s_fx);
    ck_assert_uint_eq (vg_server_stats (s_fx.srv)->backlog_deferred, 1);
}
END_TEST

START_TEST (listen_failure_reported)
{
    char err[256];
    vg_server_cfg_t vc = { .listen = "nonsense://x", .collector_id = "c", .max_batch_bytes = 1 << 20 };
    ck_assert_ptr_null (vg_server_new (&vc, s_fx.store, s_fx.ingest, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "cannot listen on nonsense://x"));
}
END_TEST

Suite *
vg_server_suite (void)
{
    const TTest *tests[] = {
        hello_welcome, ack_means_durable, gap_gets_retry, malformed_counted, heartbeat_echoed,
        listen_failure_reported, rejected_batch_does_not_wedge_the_stream, store_failure_not_acknowledged,
        rejection_in_a_failed_commit_is_retried, over_rate_gets_retry_with_hint, backlog_gate_defers,
    };
    return vg_test_suite ("server", "server", tests, sizeof tests / sizeof tests[0], 60, setup, teardown);
}
