/* vgsend.c - a test client that speaks (or deliberately mis-speaks) the agent protocol.
 *
 *   vgsend ENDPOINT hello AGENT EPOCH          send HELLO, print the WELCOME
 *   vgsend ENDPOINT raw TYPE FILE              send [TYPE byte][FILE bytes], print the reply
 *   vgsend ENDPOINT frames N                   send N garbage frames as one message
 *   vgsend ENDPOINT flood AGENT EPOCH SECONDS FIXED NEW PER WINDOW
 *                                              flood as agent AGENT for SECONDS: batches of
 *                                              FIXED series that repeat and NEW series never
 *                                              seen before, PER samples each (device flood/x1),
 *                                              WINDOW unacknowledged at most, in sequence; a
 *                                              RETRY's wait is ignored (resent at once from the
 *                                              first unacknowledged, and so after 100 ms without
 *                                              an answer: a hostile agent).  Prints
 *                                              "flood sent=N acked=N acked_samples=N retries=N
 *                                              rejected=N" and, every second, "progress ...".
 *   vgsend make-batch AGENT EPOCH SEQ OUT [DEV] write a valid batch (3 series, 10 samples each)
 *   vgsend make-events AGENT EPOCH SEQ OUT DEV EVENT...
 *                                              write a batch of events of device DEV; EVENT is
 *                                              "TS_MS,TYPE[,KEY=VALUE...]", TYPE an event type
 *                                              name (config_change, login, reboot, ...);
 *                                              DEV may be "ID|VENDOR|SITE" (default vendor
 *                                              Acme, site lab)
 * Replies are printed as one line: "ack <status> <seq> <reason>", "welcome <seq>", or
 * "none" when nothing came back within 3 s.  With VGSEND_SERVER_KEY (the collector's Z85
 * public key) and VGSEND_SECRET_KEY_FILE (an agent's 0600 key file from vigil keygen) in the
 * environment, the connection uses CURVE as that agent; without them it is plain TCP. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "agent/batcher.h"
#include "common/clock.h"
#include "common/private_file.h"
#include "proto/vigil.pb-c.h"

/* Receive one [type][payload] message (flags: 0 or ZMQ_DONTWAIT) into the initialised
 * type and payload; its type byte, or -1 when none was there. */
static int
s_recv_msg (void *sock, zmq_msg_t *type, zmq_msg_t *payload, int flags)
{
    if (zmq_msg_recv (type, sock, flags) < 0)
        return -1;
    if (zmq_msg_more (type))
        zmq_msg_recv (payload, sock, 0);
    return zmq_msg_size (type) ? *(uint8_t *) zmq_msg_data (type) : 0;
}

static int
s_reply (void *sock)
{
    zmq_pollitem_t it = { sock, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll (&it, 1, 3000) <= 0) {
        printf ("none\n");
        return 0;
    }
    zmq_msg_t type, payload;
    zmq_msg_init (&type);
    zmq_msg_init (&payload);
    int t = s_recv_msg (sock, &type, &payload, 0);
    if (t == VIGIL__MSG_TYPE__MSG_TYPE_ACK) {
        Vigil__Ack *a = vigil__ack__unpack (NULL, zmq_msg_size (&payload), zmq_msg_data (&payload));
        if (a) {
            printf ("ack %d %llu %s\n", a->status, (unsigned long long) a->seq, a->reason ? a->reason : "");
            vigil__ack__free_unpacked (a, NULL);
        }
    } else if (t == VIGIL__MSG_TYPE__MSG_TYPE_WELCOME) {
        Vigil__Welcome *w = vigil__welcome__unpack (NULL, zmq_msg_size (&payload), zmq_msg_data (&payload));
        if (w) {
            printf ("welcome %llu\n", (unsigned long long) w->committed_seq);
            vigil__welcome__free_unpacked (w, NULL);
        }
    } else
        printf ("type %u\n", t);
    zmq_msg_close (&type);
    zmq_msg_close (&payload);
    return 0;
}

/* The device of a DEV argument: "ID" or "ID|VENDOR|SITE" (default vendor Acme, site lab);
 * its strings point into buf. */
static vg_device_t
s_device (const char *spec, char *buf, size_t size)
{
    char *vendor = "Acme", *site = "lab";
    snprintf (buf, size, "%s", spec);
    char *bar = strchr (buf, '|');
    if (bar) {
        *bar = '\0';
        vendor = bar + 1;
        bar = strchr (vendor, '|');
        if (bar) {
            *bar = '\0';
            site = bar + 1;
        }
    }
    return (vg_device_t) { buf, vendor, "X1", "router", site, "1.0" };
}

/* A batcher for agent (zstd level `compression`, < 0 = off) that has announced device d; its
 * sink in *sink.  Exits on allocation failure (a test tool). */
static vg_batcher_t *
s_batcher_open (const char *agent, const vg_device_t *d, int compression, vg_sink_t *sink)
{
    vg_batcher_cfg_t cfg = { .agent_id = agent, .max_samples = 1024, .max_events = 64, .max_series = 1024,
                             .max_age_ms = 1000, .compression = compression };
    vg_batcher_t *b = vg_batcher_new (&cfg);
    if (!b) {
        fprintf (stderr, "vgsend: out of memory\n");
        exit (1);
    }
    *sink = vg_batcher_sink (b);
    sink->device (sink->ctx, d);
    return b;
}

/* Flush batcher *b_p as batch (epoch, seq) built at now into the file out and destroy it.
 * Returns 0, or 1 after a message naming what (the subcommand). */
static int
s_batcher_write (vg_batcher_t **b_p, uint64_t epoch, uint64_t seq, int64_t now, const char *out, const char *what)
{
    vg_buf_t buf = VG_BUF_INIT;
    int rc = vg_batcher_flush (*b_p, epoch, seq, now, &buf);
    vg_batcher_destroy (b_p);
    FILE *f = rc > 0 ? fopen (out, "wb") : NULL;
    int ok = f && fwrite (buf.data, 1, buf.len, f) == buf.len;
    if (f && fclose (f) != 0)
        ok = 0;
    vg_buf_free (&buf);
    if (!ok) {
        fprintf (stderr, "%s failed\n", what);
        return 1;
    }
    return 0;
}

static int
s_make_batch (const char *agent, uint64_t epoch, uint64_t seq, const char *out, const char *device)
{
    char idbuf[256];
    vg_device_t d = s_device (device, idbuf, sizeof idbuf);
    device = d.id;
    vg_sink_t sink;
    vg_batcher_t *b = s_batcher_open (agent, &d, -1, &sink);
    int64_t now = vg_clock_now_ms ();
    for (int s = 0; s < 3; s++) {
        char path[64];
        snprintf (path, sizeof path, "/test/metric%d", s);
        for (int i = 0; i < 10; i++) {
            vg_point_t p = { 0 };
            p.device = device;
            p.path = path;
            p.kind = VG_KIND_GAUGE;
            p.input = "test";
            p.ts_ms = now - 10000 + i * 1000;
            p.value = s * 100 + i;
            sink.sample (sink.ctx, &p);
        }
    }
    return s_batcher_write (&b, epoch, seq, now, out, "make-batch");
}

static int
s_make_events (const char *agent, uint64_t epoch, uint64_t seq, const char *out, const char *device, int nev,
               char **evs)
{
    char idbuf[256];
    vg_device_t d = s_device (device, idbuf, sizeof idbuf);
    device = d.id;
    vg_sink_t sink;
    vg_batcher_t *b = s_batcher_open (agent, &d, 0, &sink);
    for (int i = 0; i < nev; i++) {
        char spec[1024];
        snprintf (spec, sizeof spec, "%s", evs[i]);
        vg_label_t attrs[16];
        size_t na = 0;
        char *save = NULL;
        char *ts = strtok_r (spec, ",", &save), *type = strtok_r (NULL, ",", &save);
        int t = type ? vg_event_type_parse (type) : -1;
        if (!ts || t < 0) {
            fprintf (stderr, "make-events: bad event '%s'\n", evs[i]);
            return 2;
        }
        for (char *kv = strtok_r (NULL, ",", &save); kv && na < 16; kv = strtok_r (NULL, ",", &save)) {
            char *eq = strchr (kv, '=');
            if (!eq) {
                fprintf (stderr, "make-events: bad attribute '%s'\n", kv);
                return 2;
            }
            *eq = '\0';
            attrs[na].key = kv;
            attrs[na].value = eq + 1;
            na++;
        }
        vg_event_t ev = { .device = device, .ts_ms = strtoll (ts, NULL, 10), .type = (vg_event_type_t) t,
                          .attrs = attrs, .nattrs = na, .input = "test" };
        if (sink.event (sink.ctx, &ev) < 0) {
            fprintf (stderr, "make-events: event %d refused\n", i);
            return 1;
        }
    }
    return s_batcher_write (&b, epoch, seq, vg_clock_now_ms (), out, "make-events");
}

/* The flood's batch seq (deterministic: a resend is the same batch). */
static int
s_flood_batch (const char *agent, uint64_t epoch, uint64_t seq, int fixed, int fresh, int per, int64_t t0,
               vg_buf_t *out)
{
    vg_batcher_cfg_t cfg = { agent, (uint32_t) ((fixed + fresh) * per + 16), 16, (uint32_t) (fixed + fresh + 16), 1000,
                             0 };
    vg_batcher_t *b = vg_batcher_new (&cfg);
    if (!b)
        return -1;
    vg_sink_t sink = vg_batcher_sink (b);
    vg_device_t d = { "flood/x1", "Acme", "X1", "router", "flood", "1.0" };
    sink.device (sink.ctx, &d);
    char path[96];
    for (int s = 0; s < fixed + fresh; s++) {
        if (s < fixed)
            snprintf (path, sizeof path, "/flood/fixed%d", s);
        else
            snprintf (path, sizeof path, "/flood/new%llu_%d", (unsigned long long) seq, s - fixed);
        for (int j = 0; j < per; j++) {
            vg_point_t p = { 0 };
            p.device = "flood/x1";
            p.path = path;
            p.kind = VG_KIND_GAUGE;
            p.input = "flood";
            p.ts_ms = t0 + ((int64_t) seq * per + j) * 10;
            p.value = (double) (seq * 1000 + (uint64_t) j);
            sink.sample (sink.ctx, &p);
        }
    }
    vg_buf_reset (out);
    int rc = vg_batcher_flush (b, epoch, seq, vg_clock_now_ms (), out);
    vg_batcher_destroy (&b);
    return rc > 0 ? 0 : -1;
}

/* The flood's window: seqs [base, next) are in flight. */
typedef struct {
    uint64_t epoch, base, next, per_batch;
    uint64_t sent, acked, acked_samples, retries, rejected;
} s_flood_t;

/* Take the answers waiting (for up to timeout_ms): OK and REJECTED move the window on, a
 * RETRY sends the window again at once, and so does silence (a collector that ignores us
 * is not waited for); draining, nothing is sent again.  Every first OK of a seq counts as
 * acknowledged, whatever the window did meanwhile.  Returns the answers taken. */
static int
s_flood_take (void *sock, s_flood_t *f, int timeout_ms, bool draining)
{
    zmq_pollitem_t it = { sock, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll (&it, 1, timeout_ms) <= 0) {
        if (!draining && f->next > f->base) {
            f->retries++;
            f->next = f->base;
        }
        return 0;
    }
    for (int n = 0;; n++) {
        zmq_msg_t type, payload;
        zmq_msg_init (&type);
        zmq_msg_init (&payload);
        int t = s_recv_msg (sock, &type, &payload, ZMQ_DONTWAIT);
        Vigil__Ack *a = t == VIGIL__MSG_TYPE__MSG_TYPE_ACK
                            ? vigil__ack__unpack (NULL, zmq_msg_size (&payload), zmq_msg_data (&payload))
                            : NULL;
        if (a && a->epoch == f->epoch && a->status == VIGIL__ACK_STATUS__ACK_STATUS_OK && !a->duplicate) {
            f->acked++; /* stored now, and only now: a seq is never stored twice */
            f->acked_samples += f->per_batch;
        }
        if (a && a->epoch == f->epoch && a->seq >= f->base) {
            if (a->status == VIGIL__ACK_STATUS__ACK_STATUS_REJECTED)
                f->rejected++;
            if (a->status != VIGIL__ACK_STATUS__ACK_STATUS_RETRY)
                f->base = a->seq + 1;
            else if (!draining) {
                f->retries++;
                f->next = f->base; /* no backoff: resend at once */
            }
            if (f->next < f->base)
                f->next = f->base;
        }
        if (a)
            vigil__ack__free_unpacked (a, NULL);
        zmq_msg_close (&type);
        zmq_msg_close (&payload);
        if (t < 0)
            return n;
    }
}

/* vgsend ENDPOINT flood ... (see the header). */
static int
s_flood (void *sock, const char *agent, uint64_t epoch, double seconds, int fixed, int fresh, int per, int window)
{
    if (window < 1 || window > 1024 || fixed < 0 || fresh < 0 || fixed + fresh < 1 || per < 1)
        return 2;
    vg_buf_t *ring = calloc ((size_t) window, sizeof *ring);
    uint64_t *ring_seq = calloc ((size_t) window, sizeof *ring_seq);
    if (!ring || !ring_seq)
        return 1;
    Vigil__Hello h = VIGIL__HELLO__INIT;
    h.agent_id = (char *) agent;
    h.epoch = epoch;
    uint8_t hb[512], t = VIGIL__MSG_TYPE__MSG_TYPE_HELLO;
    size_t hn = vigil__hello__pack (&h, hb);
    zmq_send (sock, &t, 1, ZMQ_SNDMORE);
    zmq_send (sock, hb, hn, 0);
    int64_t t0 = vg_clock_now_ms () - 3600000, start = vg_clock_mono_ms (), end = start + (int64_t) (seconds * 1000);
    int64_t next_report = start + 1000;
    s_flood_t f = { .epoch = epoch, .base = 1, .next = 1, .per_batch = (uint64_t) (fixed + fresh) * (uint64_t) per };
    while (vg_clock_mono_ms () < end) {
        while (f.next < f.base + (uint64_t) window) {
            size_t slot = (size_t) (f.next % (uint64_t) window);
            if (ring_seq[slot] != f.next) {
                if (s_flood_batch (agent, epoch, f.next, fixed, fresh, per, t0, &ring[slot]) < 0)
                    return 1;
                ring_seq[slot] = f.next;
            }
            t = VIGIL__MSG_TYPE__MSG_TYPE_BATCH;
            if (zmq_send (sock, &t, 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
                break;
            zmq_send (sock, ring[slot].data, ring[slot].len, 0);
            f.sent++;
            f.next++;
        }
        s_flood_take (sock, &f, 100, false);
        if (vg_clock_mono_ms () >= next_report) {
            printf ("progress sent=%llu acked=%llu retries=%llu\n", (unsigned long long) f.sent,
                    (unsigned long long) f.acked, (unsigned long long) f.retries);
            fflush (stdout);
            next_report += 1000;
        }
    }
    /* What is still in flight may be acknowledged after this: take answers until the
     * collector has been silent for 2 s (bounded), so acked counts every batch it stored;
     * inflight=1 says the bound was hit first. */
    int64_t drain_end = vg_clock_mono_ms () + 20000, quiet_since = vg_clock_mono_ms ();
    while (vg_clock_mono_ms () - quiet_since < 2000 && vg_clock_mono_ms () < drain_end)
        if (s_flood_take (sock, &f, 100, true) > 0)
            quiet_since = vg_clock_mono_ms ();
    printf ("flood sent=%llu acked=%llu acked_samples=%llu retries=%llu rejected=%llu inflight=%d\n",
            (unsigned long long) f.sent, (unsigned long long) f.acked, (unsigned long long) f.acked_samples,
            (unsigned long long) f.retries, (unsigned long long) f.rejected, vg_clock_mono_ms () >= drain_end);
    for (int i = 0; i < window; i++)
        vg_buf_free (&ring[i]);
    free (ring);
    free (ring_seq);
    return 0;
}

/* CURVE from the environment (see the header); 0 when set up or not asked for, else -1. */
static int
s_curve (void *sock)
{
    const char *server = getenv ("VGSEND_SERVER_KEY"), *key_file = getenv ("VGSEND_SECRET_KEY_FILE");
    if (!server || !key_file)
        return 0;
    char *sec = NULL, pub[41], err[256];
    if (vg_secret_read (key_file, &sec, err, sizeof err) != 0) {
        fprintf (stderr, "%s\n", err);
        return -1;
    }
    int rc = zmq_curve_public (pub, sec) == 0 && strlen (server) == 40 ? 0 : -1;
    if (rc == 0)
        rc = zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, server, 40) | zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, pub, 40)
             | zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, sec, 40);
    free (sec);
    if (rc != 0)
        fprintf (stderr, "bad CURVE keys in VGSEND_SERVER_KEY / VGSEND_SECRET_KEY_FILE\n");
    return rc;
}

int
main (int argc, char **argv)
{
    if ((argc == 6 || argc == 7) && !strcmp (argv[1], "make-batch"))
        return s_make_batch (argv[2], strtoull (argv[3], NULL, 0), strtoull (argv[4], NULL, 0), argv[5],
                             argc == 7 ? argv[6] : "lab/r1");
    if (argc >= 8 && !strcmp (argv[1], "make-events"))
        return s_make_events (argv[2], strtoull (argv[3], NULL, 0), strtoull (argv[4], NULL, 0), argv[5], argv[6],
                              argc - 7, argv + 7);
    if (argc < 4) {
        fprintf (stderr, "usage: see the header of vgsend.c\n");
        return 2;
    }
    void *ctx = zmq_ctx_new ();
    void *sock = zmq_socket (ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (sock, ZMQ_LINGER, &zero, sizeof zero);
    if (s_curve (sock) != 0)
        return 1;
    if (zmq_connect (sock, argv[1]) != 0) {
        fprintf (stderr, "connect failed\n");
        return 1;
    }
    int rc = 0;
    if (!strcmp (argv[2], "hello") && argc == 5) {
        Vigil__Hello h = VIGIL__HELLO__INIT;
        h.agent_id = argv[3];
        h.epoch = strtoull (argv[4], NULL, 0);
        uint8_t buf[512], t = VIGIL__MSG_TYPE__MSG_TYPE_HELLO;
        size_t n = vigil__hello__pack (&h, buf);
        zmq_send (sock, &t, 1, ZMQ_SNDMORE);
        zmq_send (sock, buf, n, 0);
        s_reply (sock);
    } else if (!strcmp (argv[2], "raw") && argc == 5) {
        FILE *f = fopen (argv[4], "rb");
        if (!f)
            return 1;
        fseek (f, 0, SEEK_END);
        long len = ftell (f);
        fseek (f, 0, SEEK_SET);
        char *data = malloc ((size_t) len + 1);
        if (!data || fread (data, 1, (size_t) len, f) != (size_t) len)
            return 1;
        fclose (f);
        uint8_t t = (uint8_t) atoi (argv[3]);
        zmq_send (sock, &t, 1, ZMQ_SNDMORE);
        zmq_send (sock, data, (size_t) len, 0);
        free (data);
        s_reply (sock);
    } else if (!strcmp (argv[2], "flood") && argc == 10) {
        rc = s_flood (sock, argv[3], strtoull (argv[4], NULL, 0), atof (argv[5]), atoi (argv[6]), atoi (argv[7]),
                      atoi (argv[8]), atoi (argv[9]));
    } else if (!strcmp (argv[2], "frames")) {
        int n = atoi (argv[3]);
        for (int i = 0; i < n; i++)
            zmq_send (sock, "garbage", 7, i + 1 < n ? ZMQ_SNDMORE : 0);
        s_reply (sock);
    } else
        rc = 2;
    zmq_close (sock);
    zmq_ctx_term (ctx);
    return rc;
}
