/* check_zap.c - CURVE authentication of the collector: the ZAP allow list (listed keys in,
 * unlisted keys and plain TCP out, denials counted), the key -> agent binding (a HELLO or
 * BATCH naming another agent is refused before ingest), config errors (bad or duplicate
 * keys), and the agent_id peek over well-formed and hostile bytes. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "common/err.h"
#include "collector/ingest.h"
#include "collector/server.h"
#include "store/store.h"
#include "proto/vigil.pb-c.h"
#include "collector/zap.h"
#include "tests/support/batch_pack.h"
#include "tests/support/server_fixture.h"
#include "tests/support/tmpdir.h"
#include "tests/support/suite.h"

/* ---- vg_zap_peek_agent_id ---- */

static size_t
s_pack_batch (const char *agent, uint64_t seq, uint8_t *buf, size_t size)
{
    char *strings[] = { "", "x" };
    Vigil__Batch b = vg_test_batch (agent, seq, 1767614400000LL, strings, 2, NULL, 0);
    size_t n = vigil__batch__get_packed_size (&b);
    ck_assert_uint_le (n, size);
    return vigil__batch__pack (&b, buf);
}

START_TEST (peek_batch_and_hello)
{
    uint8_t buf[256];
    char id[VG_MAX_ID_LEN];
    size_t n = s_pack_batch ("agent-7", 3, buf, sizeof buf);
    ck_assert_int_eq (vg_zap_peek_agent_id (buf, n, id, sizeof id), 0);
    ck_assert_str_eq (id, "agent-7");
    Vigil__Hello h = VIGIL__HELLO__INIT;
    h.agent_id = "h1";
    h.version = "1.0";
    h.epoch = 99;
    n = vigil__hello__pack (&h, buf);
    ck_assert_int_eq (vg_zap_peek_agent_id (buf, n, id, sizeof id), 0);
    ck_assert_str_eq (id, "h1");
    /* No agent_id at all (proto3 omits ""). */
    n = s_pack_batch ("", 3, buf, sizeof buf);
    ck_assert_int_eq (vg_zap_peek_agent_id (buf, n, id, sizeof id), -VG_ENOTFOUND);
    /* Too small an output buffer. */
    n = s_pack_batch ("a-long-agent-name", 3, buf, sizeof buf);
    ck_assert_int_eq (vg_zap_peek_agent_id (buf, n, id, 5), -VG_ETOOBIG);
}
END_TEST

START_TEST (peek_last_wins)
{
    /* A second agent_id appended to a valid batch: protobuf keeps the last, and so must we
     * (or an agent could show one id to the check and another to ingest). */
    uint8_t buf[256];
    char id[VG_MAX_ID_LEN];
    size_t n = s_pack_batch ("a1", 1, buf, sizeof buf);
    buf[n++] = 0x0a;
    buf[n++] = 2;
    buf[n++] = 'a';
    buf[n++] = '2';
    ck_assert_int_eq (vg_zap_peek_agent_id (buf, n, id, sizeof id), 0);
    ck_assert_str_eq (id, "a2");
    Vigil__Batch *b = vigil__batch__unpack (NULL, n, buf);
    ck_assert_ptr_nonnull (b);
    ck_assert_str_eq (b->agent_id, id);
    vigil__batch__free_unpacked (b, NULL);
}
END_TEST

START_TEST (peek_hostile)
{
    uint8_t buf[256];
    char id[VG_MAX_ID_LEN];
    size_t n = s_pack_batch ("a1", 1, buf, sizeof buf);
    /* Every truncation is either a clean message (a field boundary) or an error; never a
     * read past the end (the sanitizer build checks that). */
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *copy = malloc (cut ? cut : 1);
        memcpy (copy, buf, cut);
        int rc = vg_zap_peek_agent_id (copy, cut, id, sizeof id);
        ck_assert (rc == 0 || rc == -VG_ENOTFOUND || rc == -VG_EPROTO);
        free (copy);
    }
    const uint8_t bad_len[] = { 0x0a, 0x7f, 'a' };             /* length past the end */
    ck_assert_int_eq (vg_zap_peek_agent_id (bad_len, sizeof bad_len, id, sizeof id), -VG_EPROTO);
    const uint8_t bad_type[] = { 0x08, 0x01 };                 /* agent_id as a varint */
    ck_assert_int_eq (vg_zap_peek_agent_id (bad_type, sizeof bad_type, id, sizeof id), -VG_EPROTO);
    const uint8_t group[] = { 0x13, 0x14 };                    /* wire type 3 */
    ck_assert_int_eq (vg_zap_peek_agent_id (group, sizeof group, id, sizeof id), -VG_EPROTO);
    const uint8_t nul[] = { 0x0a, 0x03, 'a', 0, 'b' };         /* NUL inside the id */
    ck_assert_int_eq (vg_zap_peek_agent_id (nul, sizeof nul, id, sizeof id), -VG_EPROTO);
    const uint8_t huge[] = { 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
    ck_assert_int_eq (vg_zap_peek_agent_id (huge, sizeof huge, id, sizeof id), -VG_EPROTO);
}
END_TEST

/* ---- vg_zap_new: configuration errors ---- */

START_TEST (zap_config_errors)
{
    char pub1[41], sec1[41], pub2[41], sec2[41], err[256];
    ck_assert_int_eq (zmq_curve_keypair (pub1, sec1), 0);
    ck_assert_int_eq (zmq_curve_keypair (pub2, sec2), 0);
    void *ctx = zmq_ctx_new ();
    vg_zap_key_t bad[] = { { "a1", "not-a-key" } };
    ck_assert_ptr_null (vg_zap_new (ctx, bad, 1, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "a1"));
    vg_zap_key_t dup[] = { { "a1", pub1 }, { "a2", pub2 }, { "a3", pub1 } };
    ck_assert_ptr_null (vg_zap_new (ctx, dup, 3, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "same public_key"));
    vg_zap_key_t ok[] = { { "a1", pub1 }, { "nokey", "" }, { "a2", pub2 }, { "nokey2", NULL } };
    vg_zap_t *zap = vg_zap_new (ctx, ok, 4, err, sizeof err);
    ck_assert_msg (zap != NULL, "%s", err);
    ck_assert_uint_eq (vg_zap_key_count (zap), 2);
    /* One handler per context. */
    ck_assert_ptr_null (vg_zap_new (ctx, ok, 4, err, sizeof err));
    vg_zap_destroy (&zap);
    ck_assert_ptr_null (zap);
    vg_zap_destroy (&zap);
    /* Unbound with the socket: a new handler can take the endpoint. */
    zap = vg_zap_new (ctx, ok, 4, err, sizeof err);
    ck_assert_msg (zap != NULL, "%s", err);
    /* An admitted connection's key, checked per message against the list in force. */
    ck_assert (vg_zap_admits (zap, pub1, "a1"));
    ck_assert (vg_zap_admits (zap, pub2, "a2"));
    ck_assert (!vg_zap_admits (zap, pub1, "a2")); /* the key of another agent */
    ck_assert (!vg_zap_admits (zap, NULL, "a1"));
    ck_assert (!vg_zap_admits (zap, pub1, NULL));
    ck_assert (!vg_zap_admits (zap, "short", "a1"));
    ck_assert (!vg_zap_admits (zap, "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~", "a1")); /* not Z85 */
    /* A reload replaces the list, with the same checks; a refused list keeps the old one. */
    vg_zap_key_t one[] = { { "a2", pub2 } };
    ck_assert_int_eq (vg_zap_set_keys (zap, one, 1, err, sizeof err), 0);
    ck_assert_uint_eq (vg_zap_key_count (zap), 1);
    ck_assert (!vg_zap_admits (zap, pub1, "a1")); /* revoked by the reload */
    ck_assert (vg_zap_admits (zap, pub2, "a2"));
    vg_zap_key_t moved[] = { { "a3", pub2 } };
    ck_assert_int_eq (vg_zap_set_keys (zap, moved, 1, err, sizeof err), 0);
    ck_assert (!vg_zap_admits (zap, pub2, "a2")); /* the key now names another agent */
    ck_assert_int_eq (vg_zap_set_keys (zap, one, 1, err, sizeof err), 0);
    ck_assert_int_eq (vg_zap_set_keys (zap, dup, 3, err, sizeof err), -VG_ECONFIG);
    ck_assert_ptr_nonnull (strstr (err, "same public_key"));
    ck_assert_int_eq (vg_zap_set_keys (zap, bad, 1, err, sizeof err), -VG_ECONFIG);
    ck_assert_uint_eq (vg_zap_key_count (zap), 1);
    ck_assert_int_eq (vg_zap_set_keys (zap, ok, 4, err, sizeof err), 0);
    ck_assert_uint_eq (vg_zap_key_count (zap), 2);
    vg_zap_destroy (&zap);
    zmq_ctx_term (ctx);
}
END_TEST

/* ---- the server with CURVE: a thread serving, clients as separate DEALERs ---- */

static vg_test_server_t s_fx;
static char s_srv_pub[41], s_srv_sec[41];
static char s_a1_pub[41], s_a1_sec[41], s_a2_pub[41], s_a2_sec[41];

/* The server with CURVE and two listed agents, not served yet. */
static void
s_open (void)
{
    ck_assert_int_eq (zmq_curve_keypair (s_srv_pub, s_srv_sec), 0);
    ck_assert_int_eq (zmq_curve_keypair (s_a1_pub, s_a1_sec), 0);
    ck_assert_int_eq (zmq_curve_keypair (s_a2_pub, s_a2_sec), 0);
    static const vg_agent_acl_t acl[] = { { "a1", NULL, 0 }, { "a2", NULL, 0 } };
    vg_ingest_cfg_t ic = { 3650 * 86400000LL, 86400000LL, 16 << 20, 1024, 1024, 65536, false, acl, 2, 0, 0 };
    vg_zap_key_t keys[] = { { "a1", s_a1_pub }, { "a2", s_a2_pub } };
    vg_server_cfg_t vc = { .listen = NULL, .collector_id = "c", .max_group = 8, .retention_every_ms = 3600000,
                           .curve_secret_key = s_srv_sec,
                           .curve_public_key = s_srv_pub, .max_batch_bytes = 16 << 20,
                           .agent_keys = keys, .nagent_keys = 2 };
    vg_test_server_open (&s_fx, "zap", 7200000, &ic, &vc);
}

static void
setup (void)
{
    s_open ();
    vg_test_server_run (&s_fx);
}

static void
teardown (void)
{
    vg_test_server_close (&s_fx);
}

/* A DEALER to the server: CURVE with (pub, sec) when pub is set, else plain. */
static void *
s_client (void *ctx, const char *pub, const char *sec)
{
    return vg_test_dealer (ctx, s_fx.ep, s_srv_pub, pub, sec);
}

/* Wait up to ms for a reply: its type (0 = none); an ACK's status goes to *ack_status. */
static int
s_reply (void *d, int ms, int *ack_status)
{
    zmq_pollitem_t it = { d, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll (&it, 1, ms) <= 0)
        return 0;
    zmq_msg_t type, payload;
    zmq_msg_init (&type);
    zmq_msg_init (&payload);
    zmq_msg_recv (&type, d, 0);
    if (zmq_msg_more (&type))
        zmq_msg_recv (&payload, d, 0);
    int t = zmq_msg_size (&type) == 1 ? *(uint8_t *) zmq_msg_data (&type) : -1;
    if (t == VIGIL__MSG_TYPE__MSG_TYPE_ACK) {
        Vigil__Ack *a = vigil__ack__unpack (NULL, zmq_msg_size (&payload), zmq_msg_data (&payload));
        ck_assert_ptr_nonnull (a);
        *ack_status = a->status;
        vigil__ack__free_unpacked (a, NULL);
    }
    zmq_msg_close (&type);
    zmq_msg_close (&payload);
    return t;
}

START_TEST (listed_key_is_admitted)
{
    void *ctx = zmq_ctx_new ();
    void *d = s_client (ctx, s_a1_pub, s_a1_sec);
    int st = -1;
    vg_test_hello (d, "a1", 1);
    ck_assert_int_eq (s_reply (d, 5000, &st), VIGIL__MSG_TYPE__MSG_TYPE_WELCOME);
    uint8_t buf[256];
    vg_test_send (d, VIGIL__MSG_TYPE__MSG_TYPE_BATCH, buf, s_pack_batch ("a1", 1, buf, sizeof buf));
    ck_assert_int_eq (s_reply (d, 5000, &st), VIGIL__MSG_TYPE__MSG_TYPE_ACK);
    ck_assert_int_eq (st, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    /* The second key works too, for its own agent. */
    void *d2 = s_client (ctx, s_a2_pub, s_a2_sec);
    vg_test_hello (d2, "a2", 1);
    ck_assert_int_eq (s_reply (d2, 5000, &st), VIGIL__MSG_TYPE__MSG_TYPE_WELCOME);
    zmq_close (d);
    zmq_close (d2);
    zmq_ctx_term (ctx);
    vg_test_server_stop (&s_fx);
    const vg_server_stats_t *s = vg_server_stats (s_fx.srv);
    ck_assert_uint_eq (s->zap_allowed, 2);
    ck_assert_uint_eq (s->zap_denied, 0);
    ck_assert_uint_eq (s->wrong_agent, 0);
    ck_assert_uint_eq (vg_ingest_stats (s_fx.ingest)->batches, 1);
}
END_TEST

START_TEST (unlisted_key_and_plain_refused)
{
    char pub[41], sec[41];
    ck_assert_int_eq (zmq_curve_keypair (pub, sec), 0);
    void *ctx = zmq_ctx_new ();
    void *rogue = s_client (ctx, pub, sec);
    void *plain = s_client (ctx, NULL, NULL);
    int st = -1;
    uint8_t buf[256];
    vg_test_hello (rogue, "a1", 1);
    vg_test_send (rogue, VIGIL__MSG_TYPE__MSG_TYPE_BATCH, buf, s_pack_batch ("a1", 1, buf, sizeof buf));
    vg_test_hello (plain, "a1", 1);
    vg_test_send (plain, VIGIL__MSG_TYPE__MSG_TYPE_BATCH, buf, s_pack_batch ("a1", 1, buf, sizeof buf));
    ck_assert_int_eq (s_reply (rogue, 1500, &st), 0);
    ck_assert_int_eq (s_reply (plain, 500, &st), 0);
    zmq_close (rogue);
    zmq_close (plain);
    zmq_ctx_term (ctx);
    vg_test_server_stop (&s_fx);
    const vg_server_stats_t *s = vg_server_stats (s_fx.srv);
    ck_assert_uint_ge (s->zap_denied, 1);
    ck_assert_uint_eq (s->zap_allowed, 0);
    ck_assert_uint_eq (s->msgs_in, 0);
    ck_assert_uint_eq (vg_ingest_stats (s_fx.ingest)->batches, 0);
}
END_TEST

START_TEST (key_cannot_speak_for_another_agent)
{
    void *ctx = zmq_ctx_new ();
    void *d = s_client (ctx, s_a1_pub, s_a1_sec);
    int st = -1;
    uint8_t buf[256];
    /* HELLO as a2 with a1's key: no WELCOME. */
    vg_test_hello (d, "a2", 1);
    ck_assert_int_eq (s_reply (d, 1000, &st), 0);
    /* BATCH as a2 with a1's key: REJECTED, nothing stored. */
    vg_test_send (d, VIGIL__MSG_TYPE__MSG_TYPE_BATCH, buf, s_pack_batch ("a2", 1, buf, sizeof buf));
    ck_assert_int_eq (s_reply (d, 5000, &st), VIGIL__MSG_TYPE__MSG_TYPE_ACK);
    ck_assert_int_eq (st, VIGIL__ACK_STATUS__ACK_STATUS_REJECTED);
    /* A batch with no agent_id at all is not a2's nor a1's either. */
    vg_test_send (d, VIGIL__MSG_TYPE__MSG_TYPE_BATCH, buf, s_pack_batch ("", 1, buf, sizeof buf));
    ck_assert_int_eq (s_reply (d, 5000, &st), VIGIL__MSG_TYPE__MSG_TYPE_ACK);
    ck_assert_int_eq (st, VIGIL__ACK_STATUS__ACK_STATUS_REJECTED);
    /* Its own id still works on the same connection. */
    vg_test_send (d, VIGIL__MSG_TYPE__MSG_TYPE_BATCH, buf, s_pack_batch ("a1", 1, buf, sizeof buf));
    ck_assert_int_eq (s_reply (d, 5000, &st), VIGIL__MSG_TYPE__MSG_TYPE_ACK);
    ck_assert_int_eq (st, VIGIL__ACK_STATUS__ACK_STATUS_OK);
    zmq_close (d);
    zmq_ctx_term (ctx);
    vg_test_server_stop (&s_fx);
    const vg_server_stats_t *s = vg_server_stats (s_fx.srv);
    ck_assert_uint_eq (s->wrong_agent, 3);
    ck_assert_uint_eq (s->bad_batches, 2); /* the two batches refused before ingest (the HELLO is not one) */
    ck_assert_uint_eq (vg_ingest_stats (s_fx.ingest)->batches, 1);
    uint64_t epoch, seq;
    vg_ingest_agent_state (s_fx.ingest, "a2", &epoch, &seq);
    ck_assert_uint_eq (seq, 0);
}
END_TEST

START_TEST (bad_server_key)
{
    vg_test_server_stop (&s_fx);
    char err[256];
    vg_zap_key_t keys[] = { { "a1", s_a1_pub } };
    char ep[320];
    snprintf (ep, sizeof ep, "ipc://%s/sock2", s_fx.dir);
    vg_server_cfg_t vc = { .listen = ep, .collector_id = "c", .max_group = 8, .retention_every_ms = 3600000,
                           .curve_secret_key = "short",
                           .curve_public_key = NULL, .max_batch_bytes = 16 << 20,
                           .agent_keys = keys, .nagent_keys = 1 };
    ck_assert_ptr_null (vg_server_new (&vc, s_fx.store, s_fx.ingest, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "secret key"));
    vg_zap_key_t bad[] = { { "a1", "x" } };
    vg_server_cfg_t vc2 = { .listen = ep, .collector_id = "c", .max_group = 8, .retention_every_ms = 3600000,
                           .curve_secret_key = s_srv_sec,
                           .curve_public_key = s_srv_pub, .max_batch_bytes = 16 << 20,
                           .agent_keys = bad, .nagent_keys = 1 };
    ck_assert_ptr_null (vg_server_new (&vc2, s_fx.store, s_fx.ingest, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "public_key"));
    /* A collector public key that is not its secret's: the agents given it could not connect. */
    vg_server_cfg_t vc3 = { .listen = ep, .collector_id = "c", .max_group = 8, .retention_every_ms = 3600000,
                           .curve_secret_key = s_srv_sec,
                           .curve_public_key = s_a1_pub, .max_batch_bytes = 16 << 20,
                           .agent_keys = keys, .nagent_keys = 1 };
    ck_assert_ptr_null (vg_server_new (&vc3, s_fx.store, s_fx.ingest, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "curve.public_key is not the public half"));
}
END_TEST

/* A reload that drops a1's key, applied from the server loop's tick as the collector does:
 * a1 can no longer connect; a2 still can. */
static atomic_int s_reload_state; /* 1 = asked, 2 = applied, -1 = refused */

static void
s_reload_tick (void *ctx)
{
    if (atomic_load (&s_reload_state) != 1)
        return;
    vg_zap_key_t keys[] = { { "a2", s_a2_pub } };
    char err[256];
    atomic_store (&s_reload_state, vg_server_set_agent_keys (ctx, keys, 1, err, sizeof err) == 0 ? 2 : -1);
}

static void
setup_reload (void)
{
    atomic_store (&s_reload_state, 0);
    s_open ();
    vg_server_on_tick (s_fx.srv, s_reload_tick, s_fx.srv);
    vg_test_server_run (&s_fx);
}

START_TEST (reloaded_keys_apply_to_new_connections)
{
    atomic_store (&s_reload_state, 1);
    for (int i = 0; i < 100 && atomic_load (&s_reload_state) == 1; i++)
        usleep (50000);
    ck_assert_int_eq (atomic_load (&s_reload_state), 2);
    void *ctx = zmq_ctx_new ();
    void *d2 = s_client (ctx, s_a2_pub, s_a2_sec);
    int st = -1;
    vg_test_hello (d2, "a2", 1);
    ck_assert_int_eq (s_reply (d2, 5000, &st), VIGIL__MSG_TYPE__MSG_TYPE_WELCOME);
    /* Connected just before its HELLO: once the handshake is refused a DEALER has no peer
     * left and a send would block. */
    void *d1 = s_client (ctx, s_a1_pub, s_a1_sec);
    vg_test_hello (d1, "a1", 1);
    ck_assert_int_eq (s_reply (d1, 1500, &st), 0);
    zmq_close (d1);
    zmq_close (d2);
    zmq_ctx_term (ctx);
    vg_test_server_stop (&s_fx);
    const vg_server_stats_t *s = vg_server_stats (s_fx.srv);
    ck_assert_uint_ge (s->zap_denied, 1);
    ck_assert_uint_eq (s->zap_allowed, 1);
}
END_TEST

Suite *
vg_zap_suite (void)
{
    Suite *s = suite_create ("zap");
    const TTest *t_peek[] = { peek_batch_and_hello, peek_last_wins, peek_hostile };
    vg_test_tcase (s, "peek", t_peek, sizeof t_peek / sizeof t_peek[0], 0, NULL, NULL);
    vg_test_tcase (s, "config", &zap_config_errors, 1, 0, NULL, NULL);
    const TTest *t_server[] = {
        listed_key_is_admitted, unlisted_key_and_plain_refused, key_cannot_speak_for_another_agent,
        bad_server_key,
    };
    vg_test_tcase (s, "server", t_server, sizeof t_server / sizeof t_server[0], 60, setup, teardown);
    vg_test_tcase (s, "reload", &reloaded_keys_apply_to_new_connections, 1, 60, setup_reload, teardown);
    return s;
}
