/* ves.c - ONAP VES 7 HTTP(S) listener (libmicrohttpd in external epoll mode, loaded only when
 * the input is configured: common/mhd.h).
 *
 * POST /eventListener/v7, /eventListener/v7/eventBatch or /eventBatch with a JSON body is
 * decoded by ves.c into the agent's sink; replies: 202 accepted, 400 undecodable body,
 * 401 bad or missing basic auth (when configured), 404 unknown path, 405 not POST, 413
 * body over max_body.  MHD runs only inside service() on the agent's thread (its epoll fd
 * is polled with the agent's other sockets), so the decoder writes to the sink with no
 * locking; bodies are buffered per request up to max_body. */
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
    uint64_t requests, accepted, bad_request, unauthorized, not_found, bad_method, too_large;
} s_ves_t;

typedef struct {
    unsigned status;             /* 0 = fine so far; else the reply decided early */
    vg_buf_t body;
    char peer[80];
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
    case 0:
        break;
    default:
        return s_reply (v, conn, q->status, "out of memory\n");
    }
    vg_decode_ctx_t ctx = { q->peer, v->now_ms };
    int rc = -VG_EINVAL;
    if (v->sink)
        rc = vg_ves_decode (q->body.data ? q->body.data : (const uint8_t *) "", q->body.len, &ctx, v->sink, &v->st);
    if (rc < 0 && rc != -VG_EFULL) {
        v->bad_request++;
        char msg[200];
        snprintf (msg, sizeof msg, "cannot decode: %s\n", v->st.last_error[0] ? v->st.last_error : vg_strerror (rc));
        return s_reply (v, conn, MHD_HTTP_BAD_REQUEST, msg);
    }
    v->accepted++;
    return s_reply (v, conn, MHD_HTTP_ACCEPTED, "");
}

static void
s_completed (void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void) cls;
    (void) conn;
    (void) toe;
    s_req_t *q = *con_cls;
    if (q) {
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
    if (v->daemon)
        v->mhd.stop_daemon (v->daemon);
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
    v->daemon = vg_http_guard_start (&v->guard, &v->mhd, MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, s_answer, v, opts);
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
    v->mhd.run (v->daemon);
    v->sink = NULL;
    return 0;
}

static int64_t
s_next_wake (const void *self, int64_t mono)
{
    const s_ves_t *v = self;
    (void) mono;
    MHD_UNSIGNED_LONG_LONG t = 0;
    if (v->mhd.get_timeout (v->daemon, &t) == MHD_YES && t < 1000)
        return (int64_t) t;
    return 1000;
}

#define C(f) VG_INPUT_COUNTER (s_ves_t, f)
static const vg_input_counter_t s_counters[] = {
    C (requests), C (accepted), C (bad_request), C (unauthorized), C (not_found), C (bad_method),
    C (too_large),
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
    .stats_at = VG_INPUT_STATS_AT (s_ves_t, st),
    .counters = s_counters,
    .ncounters = sizeof s_counters / sizeof s_counters[0],
};
