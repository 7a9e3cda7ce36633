/* ves.c - ONAP VES 7 HTTP(S) listener (libmicrohttpd in external epoll mode, loaded only when
 * the input is configured: common/mhd.h).
 *
 * POST /eventListener/v7, /eventListener/v7/eventBatch or /eventBatch with a JSON body is
 * decoded by ves.c into the agent's sink; replies: 202 accepted, 400 undecodable body,
 * 401 bad or missing basic auth (when configured), 404 unknown path, 405 not POST, 413
 * body over max_body, 503 (with Retry-After) when the spool has no room or the batch holding
 * the post could not be spooled.  MHD runs only inside service() on the agent's thread (its
 * epoll fd is polled with the agent's other sockets), so the decoder writes to the sink with
 * no locking; bodies are buffered per request up to max_body.
 *
 * Acknowledged means spooled: a decoded post's connection is suspended until the put of the
 * batch holding its last item has succeeded (202) or failed (503); service() flushes the
 * batch at the end of every turn that left posts waiting (group commit: every post decoded
 * in one turn shares one put).  Puts are numbered by will_spool(): a post needs the puts
 * [first, last] its items went into; spooled() settles them as done, and a put that
 * will_spool() saw start but spooled() never confirmed failed (its content became a gap).
 * Waiting posts are bounded by max_connections (each holds its connection). */
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/file_read.h"
#include "common/listen_addr.h"
#include "common/log.h"
#include "common/mhd.h"
#include "common/http_guard.h"
#include "common/private_file.h"
#include "agent/input.h"
#include "decode/ves.h"

typedef struct {
    vg_mhd_t mhd;                /* libmicrohttpd, loaded for this input */
    struct MHD_Daemon *daemon;
    int epoll_fd;
    vg_http_guard_t guard;       /* basic auth and TLS */
    size_t max_body;
    const vg_sink_t *sink;       /* valid during service() only */
    int64_t now_ms;
    vg_decode_stats_t st;
    vg_input_host_t host;
    uint64_t started, done;      /* puts begun (will_spool) and settled (spooled or failed) */
    uint64_t last_failed;        /* number of the last put that failed (0 = none) */
    struct s_req **waiting;      /* posts suspended until their puts settle */
    size_t nwaiting, cap_waiting;
    bool resumed;                /* a connection was resumed: MHD must run again */
    uint64_t requests, accepted, bad_request, unauthorized, not_found, bad_method, too_large, unavailable;
} s_ves_t;

typedef struct s_req {
    unsigned status;             /* 0 = fine so far; else the reply decided early */
    vg_buf_t body;
    char peer[80];
    struct MHD_Connection *conn;
    uint64_t first, last;        /* puts holding the post's items (last < first: none) */
    bool waiting;                /* suspended, in s_ves_t.waiting */
    bool failed;                 /* one of its puts failed */
    unsigned verdict;            /* set once settled: 202 or 503 */
} s_req_t;

static const char *const s_keys[] = { "type",    "listen",   "username", "password", "tls_cert",
                                      "tls_key", "max_body", "max_connections", "site",     NULL };

static enum MHD_Result
s_reply (const s_ves_t *v, struct MHD_Connection *conn, unsigned status, const char *text)
{
    struct MHD_Response *r = v->mhd.create_response_from_buffer (strlen (text), (void *) text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    v->mhd.add_response_header (r, "Content-Type", "text/plain");
    enum MHD_Result rc = v->mhd.queue_response (conn, status, r);
    v->mhd.destroy_response (r);
    return rc;
}

/* 503 with Retry-After: the client keeps the post and sends it again. */
static enum MHD_Result
s_unavailable (s_ves_t *v, struct MHD_Connection *conn, const char *text)
{
    v->unavailable++;
    struct MHD_Response *r = v->mhd.create_response_from_buffer (strlen (text), (void *) text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    v->mhd.add_response_header (r, "Content-Type", "text/plain");
    v->mhd.add_response_header (r, "Retry-After", "5");
    enum MHD_Result rc = v->mhd.queue_response (conn, MHD_HTTP_SERVICE_UNAVAILABLE, r);
    v->mhd.destroy_response (r);
    return rc;
}

/* Give waiting post i its verdict and let MHD call s_answer for it again. */
static void
s_settle_one (s_ves_t *v, size_t i, unsigned verdict)
{
    s_req_t *q = v->waiting[i];
    q->verdict = verdict;
    q->waiting = false;
    v->waiting[i] = v->waiting[--v->nwaiting];
    v->mhd.resume_connection (q->conn);
    v->resumed = true;
}

/* Puts up to v->done are settled: answer the waiting posts they complete. */
static void
s_settle (s_ves_t *v)
{
    for (size_t i = 0; i < v->nwaiting;) {
        s_req_t *q = v->waiting[i];
        if (q->failed)
            s_settle_one (v, i, MHD_HTTP_SERVICE_UNAVAILABLE);
        else if (q->last <= v->done)
            s_settle_one (v, i, MHD_HTTP_ACCEPTED);
        else
            i++;
    }
}

/* A put begun and not confirmed failed: mark the posts it held. */
static void
s_check_failed (s_ves_t *v)
{
    if (v->started == v->done)
        return;
    uint64_t g = v->started;
    v->last_failed = g;
    v->done = g;
    for (size_t i = 0; i < v->nwaiting; i++)
        if (v->waiting[i]->first <= g && g <= v->waiting[i]->last)
            v->waiting[i]->failed = true;
    s_settle (v);
}

static void
s_will_spool (void *self, uint64_t epoch, uint64_t seq)
{
    s_ves_t *v = self;
    (void) epoch;
    (void) seq;
    s_check_failed (v);
    v->started++;
}

static void
s_spooled (void *self)
{
    s_ves_t *v = self;
    v->done = v->started;
    s_settle (v);
}

static bool
s_path_ok (const char *url)
{
    return !strcmp (url, "/eventListener/v7") || !strcmp (url, "/eventListener/v7/") ||
           !strcmp (url, "/eventListener/v7/eventBatch") || !strcmp (url, "/eventBatch");
}

static void
s_peer (const s_ves_t *v, struct MHD_Connection *conn, char *buf, size_t size)
{
    const union MHD_ConnectionInfo *ci = v->mhd.get_connection_info (conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) {
        snprintf (buf, size, "unknown");
        return;
    }
    const struct sockaddr *sa = ci->client_addr;
    unsigned len = sa->sa_family == AF_INET6 ? sizeof (struct sockaddr_in6) : sizeof (struct sockaddr_in);
    vg_input_addr_str (sa, len, buf, size);
}

static enum MHD_Result
s_answer (void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
          const char *upload, size_t *upload_size, void **con_cls)
{
    s_ves_t *v = cls;
    (void) version;
    s_req_t *q = *con_cls;
    if (!q) {
        q = calloc (1, sizeof *q);
        if (!q)
            return MHD_NO;
        *con_cls = q;
        v->requests++;
        s_peer (v, conn, q->peer, sizeof q->peer);
        if (strcmp (method, "POST") != 0) {
            q->status = MHD_HTTP_METHOD_NOT_ALLOWED;
        } else if (!s_path_ok (url)) {
            q->status = MHD_HTTP_NOT_FOUND;
        } else if (!vg_http_guard_allows (&v->guard, &v->mhd, conn)) {
            q->status = MHD_HTTP_UNAUTHORIZED;
        } else {
            const char *cl = v->mhd.lookup_connection_value (conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            /* Too large: the body is read and dropped, then 413 (replying before the client has
             * sent it makes many clients report a reset instead of the status). */
            if (cl && strtoull (cl, NULL, 10) > v->max_body)
                q->status = MHD_HTTP_CONTENT_TOO_LARGE;
            else if (v->host.full && v->host.full (v->host.arg))
                q->status = MHD_HTTP_SERVICE_UNAVAILABLE; /* would be refused by the spool */
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!q->status) {
            if (q->body.len + *upload_size > v->max_body)
                q->status = MHD_HTTP_CONTENT_TOO_LARGE;
            else if (vg_buf_append (&q->body, upload, *upload_size) < 0)
                q->status = MHD_HTTP_SERVICE_UNAVAILABLE;
        }
        *upload_size = 0; /* consumed (or discarded after an early verdict) */
        return MHD_YES;
    }
    if (q->verdict == MHD_HTTP_ACCEPTED) {
        v->accepted++;
        return s_reply (v, conn, MHD_HTTP_ACCEPTED, "");
    }
    if (q->verdict)
        return s_unavailable (v, conn, "not spooled (spool full): send again later\n");
    switch (q->status) {
    case MHD_HTTP_METHOD_NOT_ALLOWED:
        v->bad_method++;
        return s_reply (v, conn, q->status, "POST only\n");
    case MHD_HTTP_NOT_FOUND:
        v->not_found++;
        return s_reply (v, conn, q->status, "not found (POST /eventListener/v7 or /eventListener/v7/eventBatch)\n");
    case MHD_HTTP_UNAUTHORIZED:
        v->unauthorized++;
        return vg_http_guard_challenge (&v->mhd, conn, "authentication required\n");
    case MHD_HTTP_CONTENT_TOO_LARGE:
        v->too_large++;
        return s_reply (v, conn, q->status, "body too large\n");
    case MHD_HTTP_SERVICE_UNAVAILABLE:
        return s_unavailable (v, conn, "agent spool full: send again later\n");
    case 0:
        break;
    default:
        return s_reply (v, conn, q->status, "out of memory\n");
    }
    if (v->nwaiting >= v->cap_waiting)
        return s_unavailable (v, conn, "too many posts waiting for the spool: send again later\n");
    vg_decode_ctx_t ctx = { q->peer, v->now_ms };
    int rc = -VG_EINVAL;
    q->first = v->started + 1;
    if (v->sink)
        rc = vg_ves_decode (q->body.data ? q->body.data : (const uint8_t *) "", q->body.len, &ctx, v->sink, &v->st);
    /* Its items are in the puts begun while decoding, and in the next one if any wait. */
    q->last = v->host.pending && v->host.pending (v->host.arg) ? v->started + 1 : v->started;
    if (rc < 0 && rc != -VG_EFULL) {
        v->bad_request++;
        char msg[200];
        snprintf (msg, sizeof msg, "cannot decode: %s\n", v->st.last_error[0] ? v->st.last_error : vg_strerror (rc));
        return s_reply (v, conn, MHD_HTTP_BAD_REQUEST, msg);
    }
    /* (-VG_EFULL: what did not fit is counted into a gap event; the rest is acknowledged.) */
    if (v->last_failed >= q->first && q->last >= q->first)
        return s_unavailable (v, conn, "not spooled (spool full): send again later\n");
    if (q->last < q->first || q->last <= v->done) {
        v->accepted++;
        return s_reply (v, conn, MHD_HTTP_ACCEPTED, "");
    }
    q->conn = conn;
    q->waiting = true;
    v->waiting[v->nwaiting++] = q;
    v->mhd.suspend_connection (conn);
    return MHD_YES;
}

static void
s_completed (void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void) conn;
    (void) toe;
    s_ves_t *v = cls;
    s_req_t *q = *con_cls;
    if (q) {
        for (size_t i = 0; q->waiting && i < v->nwaiting; i++)
            if (v->waiting[i] == q) {
                v->waiting[i] = v->waiting[--v->nwaiting];
                break;
            }
        vg_buf_free (&q->body);
        free (q);
        *con_cls = NULL;
    }
}

static void
s_destroy (void **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_ves_t *v = *self_p;
    /* MHD refuses to stop with suspended connections: let them go (503, never sent). */
    while (v->nwaiting)
        s_settle_one (v, 0, MHD_HTTP_SERVICE_UNAVAILABLE);
    if (v->daemon)
        v->mhd.stop_daemon (v->daemon);
    free (v->waiting);
    vg_mhd_unload (&v->mhd);
    vg_http_guard_free (&v->guard);
    free (v);
    *self_p = NULL;
}

/* Say at start what an operator would not want by accident: posts accepted without
 * authentication from beyond this host, or a private key others can read. */
static void
s_warn_exposed (const vg_input_cfg_t *c, int lfd, bool tls)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    bool open_auth = !c->username || !c->username[0];
    if (open_auth && getsockname (lfd, (struct sockaddr *) &ss, &len) == 0 && !vg_listen_is_loopback (&ss, len))
        vg_log (VG_LOG_WARN, "ves", "listener %s accepts events without authentication on a non-loopback address: "
                "set username and password (password_file) or listen on 127.0.0.1", c->listen);
    if (tls && vg_private_is_loose (c->tls_key))
        vg_log (VG_LOG_WARN, "ves", "TLS private key %s is accessible to group or others: chmod 600 %s", c->tls_key,
                c->tls_key);
}

static void *
s_create (const vg_input_env_t *env, char *err, size_t errlen)
{
    const vg_input_cfg_t *c = env->cfg;
    s_ves_t *v = vg_input_calloc (sizeof *v, err, errlen);
    if (!v)
        return NULL;
    void *self = v;
    int lfd = -1;
    v->max_body = (size_t) c->max_body;
    v->host = env->host;
    v->cap_waiting = (size_t) c->max_connections;
    v->waiting = calloc (v->cap_waiting ? v->cap_waiting : 1, sizeof *v->waiting);
    if (!v->waiting) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    if (vg_mhd_load (&v->mhd, err, errlen) < 0)
        goto fail;
    if (vg_http_guard_init (&v->guard, &v->mhd, c->username, c->password, c->tls_cert, c->tls_key, err, errlen) < 0)
        goto fail;
    bool tls = v->guard.tls;
    if (v->mhd.is_feature_supported (MHD_FEATURE_EPOLL) != MHD_YES) {
        snprintf (err, errlen, "this libmicrohttpd has no epoll support");
        goto fail;
    }
    lfd = vg_input_bind (c->listen, SOCK_STREAM, err, errlen);
    if (lfd < 0)
        goto fail;
    s_warn_exposed (c, lfd, tls);
    const struct MHD_OptionItem opts[] = {
        { MHD_OPTION_LISTEN_SOCKET, lfd, NULL },
        { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) s_completed, v },
        { MHD_OPTION_CONNECTION_LIMIT, (intptr_t) c->max_connections, NULL },
        { MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL },
        { MHD_OPTION_END, 0, NULL },
    };
    v->daemon = vg_http_guard_start (&v->guard, &v->mhd, MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, s_answer, v, opts);
    if (!v->daemon) {
        snprintf (err, errlen, "cannot start the HTTP%s server on %s", tls ? "S" : "", c->listen);
        close (lfd);
        goto fail;
    }
    const union MHD_DaemonInfo *di = v->mhd.get_daemon_info (v->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (!di) {
        snprintf (err, errlen, "no epoll fd from libmicrohttpd");
        goto fail;
    }
    v->epoll_fd = di->epoll_fd;
    return v;
fail:
    s_destroy (&self);
    return NULL;
}

static int
s_service (void *self, int64_t now, int64_t mono, const vg_sink_t *sink)
{
    s_ves_t *v = self;
    (void) mono;
    v->sink = sink;
    v->now_ms = now;
    v->resumed = false;
    v->mhd.run (v->daemon);
    /* Group commit: the posts this turn decoded are acknowledged once one put holds them. */
    if (v->nwaiting && v->host.flush) {
        v->host.flush (v->host.arg);
        s_check_failed (v);
        s_settle (v);
    }
    if (v->resumed) {
        v->resumed = false;
        v->mhd.run (v->daemon);
    }
    v->sink = NULL;
    return 0;
}

static int64_t
s_next_wake (const void *self, int64_t mono)
{
    const s_ves_t *v = self;
    (void) mono;
    if (v->resumed || v->nwaiting)
        return 0;
    MHD_UNSIGNED_LONG_LONG t = 0;
    if (v->mhd.get_timeout (v->daemon, &t) == MHD_YES && t < 1000)
        return (int64_t) t;
    return 1000;
}

#define C(f) VG_INPUT_COUNTER (s_ves_t, f)
static const vg_input_counter_t s_counters[] = {
    C (requests), C (accepted), C (bad_request), C (unauthorized), C (not_found), C (bad_method),
    C (too_large), C (unavailable),
};
#undef C

const vg_input_ops_t vg_in_ves_ops = {
    .name = "ves",
    .summary = "ONAP VES 7 HTTP(S) event listener (O-RAN O1 PM, measurement and fault events)",
    .keys = s_keys,
    .site_prefix = true,
    .create = s_create,
    .destroy = s_destroy,
    .fd_at = VG_INPUT_FD_AT (s_ves_t, epoll_fd),
    .service = s_service,
    .next_wake = s_next_wake,
    .will_spool = s_will_spool,
    .spooled = s_spooled,
    .stats_at = VG_INPUT_STATS_AT (s_ves_t, st),
    .counters = s_counters,
    .ncounters = sizeof s_counters / sizeof s_counters[0],
};
