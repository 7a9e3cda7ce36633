/* tcp.c - Cisco MDT TCP dial-out input: accepts connections, one vg_mdt_stream_t each.
 *
 * Bounded: at most max_connections (more are accepted and closed at once, counted), at
 * most TCP_READS reads of one 64 KiB buffer per connection per turn, and at most
 * max_buffer bytes of partial frames over all connections (the connection that goes over
 * is closed).  A bad frame header desynchronises a stream: that connection is closed, as
 * the router will reconnect; a connection silent for idle_timeout is closed too. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/err.h"
#include "agent/input.h"
#include "decode/mdt.h"

#define TCP_READS 4
#define TCP_ACCEPTS 16
#define TCP_BUF 65536

typedef struct {
    int fd;                  /* -1 = free slot */
    vg_mdt_stream_t *mdt;
    size_t pending;          /* bytes the stream buffers (last seen) */
    int64_t last_mono;
    char peer[80];
} s_conn_t;

typedef struct {
    int lfd;
    s_conn_t *conns;
    size_t max_conns, nconns;
    size_t max_buffer, buffered;
    int64_t idle_ms;
    vg_decode_stats_t st;
    uint64_t accepted, refused, closed_desync, closed_overflow, closed_idle, closed_peer, bytes;
    uint8_t buf[TCP_BUF];
} s_tcp_t;

static const char *const s_keys[] = { "type", "listen", "format", "max_connections", "max_buffer", "idle_timeout", "site", NULL };

static void
s_close (s_tcp_t *t, s_conn_t *c, uint64_t *why)
{
    if (c->mdt && vg_mdt_stream_pending (c->mdt))
        vg_decode_fail (&t->st, -VG_ETRUNC, "connection from %s closed inside a frame (%zu bytes)", c->peer,
                        vg_mdt_stream_pending (c->mdt));
    vg_mdt_stream_destroy (&c->mdt);
    close (c->fd);
    c->fd = -1;
    t->buffered -= c->pending;
    c->pending = 0;
    t->nconns--;
    (*why)++;
}

static void
s_destroy (void **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_tcp_t *t = *self_p;
    uint64_t dummy = 0;
    for (size_t i = 0; t->conns && i < t->max_conns; i++)
        if (t->conns[i].fd >= 0)
            s_close (t, &t->conns[i], &dummy);
    if (t->lfd >= 0)
        close (t->lfd);
    free (t->conns);
    free (t);
    *self_p = NULL;
}

static void *
s_create (const vg_input_env_t *env, char *err, size_t errlen)
{
    const vg_input_cfg_t *c = env->cfg;
    if (c->format && c->format[0] && strcmp (c->format, "mdt-tcp") != 0 && strcmp (c->format, "mdt") != 0) {
        snprintf (err, errlen, "format '%s': the tcp input decodes mdt-tcp only", c->format);
        return NULL;
    }
    s_tcp_t *t = vg_input_calloc (sizeof *t, err, errlen);
    if (!t)
        return NULL;
    void *self = t;
    t->lfd = -1;
    t->max_conns = (size_t) c->max_connections;
    t->max_buffer = (size_t) c->max_buffer;
    t->idle_ms = c->idle_timeout_ms;
    t->conns = calloc (t->max_conns, sizeof *t->conns);
    if (!t->conns) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < t->max_conns; i++)
        t->conns[i].fd = -1;
    t->lfd = vg_input_bind (c->listen, SOCK_STREAM, err, errlen);
    if (t->lfd < 0)
        goto fail;
    return t;
fail:
    s_destroy (&self);
    return NULL;
}

static size_t
s_pollfds (void *self, int *fds, size_t cap)
{
    s_tcp_t *t = self;
    size_t n = 0;
    if (n < cap)
        fds[n] = t->lfd;
    n++;
    for (size_t i = 0; i < t->max_conns; i++) {
        if (t->conns[i].fd < 0)
            continue;
        if (n < cap)
            fds[n] = t->conns[i].fd;
        n++;
    }
    return n;
}

static void
s_accept (s_tcp_t *t, int64_t mono)
{
    for (int k = 0; k < TCP_ACCEPTS; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept (t->lfd, (struct sockaddr *) &ss, &sl);
        if (fd < 0)
            return; /* EAGAIN, or a transient error (EMFILE, ECONNABORTED): try next turn */
        s_conn_t *c = NULL;
        for (size_t i = 0; i < t->max_conns && !c; i++)
            if (t->conns[i].fd < 0)
                c = &t->conns[i];
        vg_mdt_stream_t *mdt = c ? vg_mdt_stream_new () : NULL;
        if (!mdt) {
            close (fd);
            t->refused++;
            continue;
        }
        c->fd = fd;
        c->mdt = mdt;
        c->pending = 0;
        c->last_mono = mono;
        vg_input_addr_str (&ss, sl, c->peer, sizeof c->peer);
        t->nconns++;
        t->accepted++;
    }
}

/* Read what the connection has (bounded) and feed it. */
static void
s_read (s_tcp_t *t, s_conn_t *c, int64_t now, int64_t mono, const vg_sink_t *sink)
{
    vg_decode_ctx_t ctx = { c->peer, now };
    for (int k = 0; k < TCP_READS; k++) {
        ssize_t n = recv (c->fd, t->buf, sizeof t->buf, MSG_DONTWAIT);
        if (n == 0) {
            s_close (t, c, &t->closed_peer);
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return;
            s_close (t, c, &t->closed_peer);
            return;
        }
        c->last_mono = mono;
        t->bytes += (uint64_t) n;
        int rc = vg_mdt_stream_feed (c->mdt, t->buf, (size_t) n, &ctx, sink, &t->st);
        if (rc == -VG_EPROTO || rc == -VG_ETOOBIG) {
            s_close (t, c, &t->closed_desync);
            return;
        }
        size_t p = vg_mdt_stream_pending (c->mdt);
        t->buffered = t->buffered - c->pending + p;
        c->pending = p;
        if (t->buffered > t->max_buffer) {
            vg_decode_fail (&t->st, -VG_EFULL, "buffers over max_buffer (%zu bytes): closing %s", t->max_buffer, c->peer);
            s_close (t, c, &t->closed_overflow);
            return;
        }
        if ((size_t) n < sizeof t->buf)
            return;
    }
}

static int
s_service (void *self, int64_t now, int64_t mono, const vg_sink_t *sink)
{
    s_tcp_t *t = self;
    s_accept (t, mono);
    for (size_t i = 0; i < t->max_conns; i++) {
        s_conn_t *c = &t->conns[i];
        if (c->fd < 0)
            continue;
        s_read (t, c, now, mono, sink);
        if (c->fd >= 0 && t->idle_ms > 0 && mono - c->last_mono >= t->idle_ms)
            s_close (t, c, &t->closed_idle);
    }
    return 0;
}

static int64_t
s_next_wake (const void *self, int64_t mono)
{
    const s_tcp_t *t = self;
    int64_t w = 1000;
    for (size_t i = 0; t->idle_ms > 0 && i < t->max_conns; i++) {
        if (t->conns[i].fd < 0)
            continue;
        int64_t left = t->conns[i].last_mono + t->idle_ms - mono;
        if (left < w)
            w = left;
    }
    return w;
}

static void
s_describe (const void *self, char *buf, size_t size)
{
    const s_tcp_t *t = self;
    snprintf (buf, size, "connections=%zu", t->nconns);
}

#define C(f) VG_INPUT_COUNTER (s_tcp_t, f)
static const vg_input_counter_t s_counters[] = {
    C (accepted), C (refused), C (bytes), C (closed_peer), C (closed_desync), C (closed_overflow),
    C (closed_idle),
};
#undef C

const vg_input_ops_t vg_in_tcp_ops = {
    .name = "tcp",
    .summary = "Cisco MDT TCP dial-out listener (12-byte header framing, kvGPB or JSON payloads)",
    .keys = s_keys,
    .site_prefix = true,
    .create = s_create,
    .destroy = s_destroy,
    .pollfds = s_pollfds,
    .service = s_service,
    .next_wake = s_next_wake,
    .stats_at = VG_INPUT_STATS_AT (s_tcp_t, st),
    .describe = s_describe,
    .counters = s_counters,
    .ncounters = sizeof s_counters / sizeof s_counters[0],
};
