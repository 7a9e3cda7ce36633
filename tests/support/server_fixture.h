/* server_fixture.h - the collector's server on a fresh store, served by a thread, and a
 * DEALER client speaking the agent protocol: the set-up the server and ZAP suites share.
 *
 * Header-only (static inline) because the support .c files are compiled into every suite and
 * only the collector suites link the server.  Test-only: failures are Check assertions. */
#ifndef VG_TEST_SERVER_FIXTURE_H
#define VG_TEST_SERVER_FIXTURE_H

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <zmq.h>

#include "collector/ingest.h"
#include "collector/server.h"
#include "proto/vigil.pb-c.h"
#include "store/store.h"
#include "tests/support/tmpdir.h"

typedef struct {
    char dir[256];   /* temporary directory: the store and the ipc socket live in it */
    char ep[300];    /* ipc://<dir>/sock */
    vg_store_t *store;
    vg_ingest_t *ingest;
    vg_server_t *srv;
    volatile sig_atomic_t stop;
    pthread_t thread;
    bool running;
} vg_test_server_t;

static inline void *
vg_test_server_thread_ (void *arg)
{
    vg_test_server_t *f = arg;
    vg_server_run (f->srv, &f->stop);
    return NULL;
}

/* Make a temporary directory (tag names it), open a store in it (bucket_ms buckets), an
 * ingest with ic and a server with vc listening on f->ep (vc->listen is set to it).  The
 * server is not served yet: vg_test_server_run starts that. */
static inline void
vg_test_server_open (vg_test_server_t *f, const char *tag, int64_t bucket_ms, const vg_ingest_cfg_t *ic,
                     vg_server_cfg_t *vc)
{
    char path[300], err[256];
    ck_assert_ptr_nonnull (vg_test_tmpdir (f->dir, sizeof f->dir, tag));
    snprintf (f->ep, sizeof f->ep, "ipc://%s/sock", f->dir);
    vg_store_cfg_t sc = { vg_test_path (path, sizeof path, f->dir, "store"), VG_STORE_RW, bucket_ms, false,
                          0 };
    f->store = vg_store_open (&sc, err, sizeof err);
    ck_assert_msg (f->store != NULL, "%s", err);
    f->ingest = vg_ingest_new (ic, f->store, err, sizeof err);
    ck_assert_msg (f->ingest != NULL, "%s", err);
    vc->listen = f->ep;
    f->srv = vg_server_new (vc, f->store, f->ingest, err, sizeof err);
    ck_assert_msg (f->srv != NULL, "%s", err);
    f->stop = 0;
    f->running = false;
}

/* Serve in a new thread until vg_test_server_stop. */
static inline void
vg_test_server_run (vg_test_server_t *f)
{
    ck_assert_int_eq (pthread_create (&f->thread, NULL, vg_test_server_thread_, f), 0);
    f->running = true;
}

/* Stop the serving thread, if any (the server's counters can then be read without a race). */
static inline void
vg_test_server_stop (vg_test_server_t *f)
{
    if (f->running) {
        f->stop = 1;
        pthread_join (f->thread, NULL);
        f->running = false;
    }
}

/* Stop, destroy the server (asserting destroy is NULL-safe and clears the pointer), the
 * ingest and the store, and remove the directory. */
static inline void
vg_test_server_close (vg_test_server_t *f)
{
    vg_test_server_stop (f);
    vg_server_destroy (&f->srv);
    ck_assert_ptr_null (f->srv);
    vg_server_destroy (&f->srv);
    vg_ingest_destroy (&f->ingest);
    vg_store_destroy (&f->store);
    ck_assert_int_eq (vg_test_rmtree (f->dir), 0);
}

/* A DEALER connected to ep, without linger; CURVE with the server's public key srv_pub and
 * the client's (pub, sec) when pub is not NULL, else plain. */
static inline void *
vg_test_dealer (void *ctx, const char *ep, const char *srv_pub, const char *pub, const char *sec)
{
    void *d = zmq_socket (ctx, ZMQ_DEALER);
    ck_assert_ptr_nonnull (d);
    int zero = 0;
    zmq_setsockopt (d, ZMQ_LINGER, &zero, sizeof zero);
    if (pub) {
        ck_assert_int_eq (zmq_setsockopt (d, ZMQ_CURVE_SERVERKEY, srv_pub, 40), 0);
        ck_assert_int_eq (zmq_setsockopt (d, ZMQ_CURVE_PUBLICKEY, pub, 40), 0);
        ck_assert_int_eq (zmq_setsockopt (d, ZMQ_CURVE_SECRETKEY, sec, 40), 0);
    }
    ck_assert_int_eq (zmq_connect (d, ep), 0);
    return d;
}

/* Send one message of the agent protocol: the type frame, then the payload frame. */
static inline void
vg_test_send (void *d, uint8_t type, const void *p, size_t n)
{
    ck_assert_int_eq (zmq_send (d, &type, 1, ZMQ_SNDMORE), 1);
    ck_assert_int_eq (zmq_send (d, p, n, 0), (int) n);
}

/* Send a HELLO from agent with epoch. */
static inline void
vg_test_hello (void *d, const char *agent, uint64_t epoch)
{
    Vigil__Hello h = VIGIL__HELLO__INIT;
    h.agent_id = (char *) agent;
    h.version = "test";
    h.epoch = epoch;
    uint8_t buf[256];
    vg_test_send (d, VIGIL__MSG_TYPE__MSG_TYPE_HELLO, buf, vigil__hello__pack (&h, buf));
}

#endif
