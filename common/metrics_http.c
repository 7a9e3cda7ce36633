/* metrics_http.c - a tiny libmicrohttpd server for /metrics and /healthz (see metrics_http.h).
 * Invariant: every field below `lock` is read and written only with the lock held. */
#include "common/metrics_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/http_guard.h"
#include "common/listen_addr.h"
#include "common/log.h"
#include "common/mhd.h"

struct vg_metrics_http {
    vg_mhd_t mhd;          /* libmicrohttpd, loaded for this server */
    vg_http_guard_t guard; /* basic auth (for /metrics) and TLS */
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock;
    char *text;
    size_t len;
    bool unhealthy;
    char health[256];      /* the /healthz body without its newline; "" = "ok" */
    int64_t updated_ms;    /* monotonic time of the last publish or health call */
    int64_t stale_ms;      /* 0 = never stale */
};

/* The /healthz answer into body (with its newline); returns the HTTP status. */
static unsigned
s_health (vg_metrics_http_t *m, char *body, size_t size)
{
    unsigned status = MHD_HTTP_OK;
    int64_t now = vg_clock_mono_ms ();
    pthread_mutex_lock (&m->lock);
    if (m->stale_ms > 0 && now - m->updated_ms > m->stale_ms) {
        snprintf (body, size, "stalled: no update for %lld ms\n", (long long) (now - m->updated_ms));
        status = MHD_HTTP_SERVICE_UNAVAILABLE;
    } else {
        snprintf (body, size, "%s\n", m->health[0] ? m->health : "ok");
        if (m->unhealthy)
            status = MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    pthread_mutex_unlock (&m->lock);
    return status;
}

static enum MHD_Result
s_answer (void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
          const char *upload, size_t *upload_len, void **con_cls)
{
    vg_metrics_http_t *m = cls;
    (void) version;
    (void) upload;
    (void) upload_len;
    (void) con_cls;
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    if (strcmp (method, "GET") != 0) {
        static const char msg[] = "method not allowed\n";
        r = m->mhd.create_response_from_buffer (sizeof msg - 1, (void *) msg, MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
    } else if (strcmp (url, "/metrics") == 0 && !vg_http_guard_allows (&m->guard, &m->mhd, conn)) {
        return vg_http_guard_challenge (&m->mhd, conn, "authentication required\n");
    } else if (strcmp (url, "/metrics") == 0) {
        pthread_mutex_lock (&m->lock);
        r = m->mhd.create_response_from_buffer (m->len, m->text ? m->text : (void *) "", MHD_RESPMEM_MUST_COPY);
        pthread_mutex_unlock (&m->lock);
        m->mhd.add_response_header (r, "Content-Type", "text/plain; version=0.0.4");
    } else if (strcmp (url, "/healthz") == 0) {
        char body[300];
        status = s_health (m, body, sizeof body);
        r = m->mhd.create_response_from_buffer (strlen (body), body, MHD_RESPMEM_MUST_COPY);
    } else {
        static const char nf[] = "not found\n";
        r = m->mhd.create_response_from_buffer (sizeof nf - 1, (void *) nf, MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_FOUND;
    }
    enum MHD_Result rc = m->mhd.queue_response (conn, status, r);
    m->mhd.destroy_response (r);
    return rc;
}

vg_metrics_http_t *
vg_metrics_http_new (const char *listen, const vg_metrics_opts_t *opts, char *err, size_t errlen)
{
    static const vg_metrics_opts_t none;
    if (!opts)
        opts = &none;
    char host[128];
    uint16_t port;
    struct sockaddr_in sa;
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    if (vg_listen_parse (listen, host, sizeof host, &port) < 0 || inet_pton (AF_INET, host, &sa.sin_addr) != 1) {
        snprintf (err, errlen, "metrics listen address '%s' is not IPv4 HOST:PORT or PORT (= 127.0.0.1:PORT)",
                  listen);
        return NULL;
    }
    sa.sin_port = htons (port);
    vg_metrics_http_t *m = calloc (1, sizeof *m);
    if (!m) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init (&m->lock, NULL);
    m->updated_ms = vg_clock_mono_ms ();
    char why[300];
    if (vg_mhd_load (&m->mhd, why, sizeof why) < 0 ||
        vg_http_guard_init (&m->guard, &m->mhd, opts->username, opts->password, opts->tls_cert, opts->tls_key, why,
                            sizeof why) < 0) {
        snprintf (err, errlen, "cannot serve metrics on %s: %s", listen, why);
        vg_metrics_http_destroy (&m);
        return NULL;
    }
    const struct MHD_OptionItem mopts[] = {
        { MHD_OPTION_SOCK_ADDR, 0, &sa },
        { MHD_OPTION_CONNECTION_LIMIT, 64, NULL },
        { MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL },
        { MHD_OPTION_END, 0, NULL },
    };
    m->daemon = vg_http_guard_start (&m->guard, &m->mhd, MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, port,
                                     s_answer, m, mopts);
    if (!m->daemon) {
        snprintf (err, errlen, "cannot serve metrics on %s", listen);
        vg_metrics_http_destroy (&m);
        return NULL;
    }
    if (!vg_listen_is_loopback (&sa, sizeof sa) && !m->guard.username)
        vg_log (VG_LOG_WARN, "metrics", "/metrics on %s is open to the network without authentication: set "
                "metrics_username and metrics_password (or listen on 127.0.0.1)", listen);
    return m;
}

void
vg_metrics_http_destroy (vg_metrics_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_metrics_http_t *m = *self_p;
    if (m->daemon)
        m->mhd.stop_daemon (m->daemon);
    vg_http_guard_free (&m->guard);
    vg_mhd_unload (&m->mhd);
    pthread_mutex_destroy (&m->lock);
    free (m->text);
    free (m);
    *self_p = NULL;
}

void
vg_metrics_publish (vg_metrics_http_t *m, const char *text, size_t len)
{
    char *copy = malloc (len + 1);
    if (!copy)
        return;
    memcpy (copy, text, len);
    copy[len] = '\0';
    pthread_mutex_lock (&m->lock);
    char *old = m->text;
    m->text = copy;
    m->len = len;
    m->updated_ms = vg_clock_mono_ms ();
    pthread_mutex_unlock (&m->lock);
    free (old);
}

void
vg_metrics_health (vg_metrics_http_t *m, bool healthy, const char *reason)
{
    pthread_mutex_lock (&m->lock);
    m->unhealthy = !healthy;
    snprintf (m->health, sizeof m->health, "%s", reason ? reason : "");
    m->updated_ms = vg_clock_mono_ms ();
    pthread_mutex_unlock (&m->lock);
}

void
vg_metrics_http_stale_after (vg_metrics_http_t *m, int64_t stale_ms)
{
    pthread_mutex_lock (&m->lock);
    m->stale_ms = stale_ms > 0 ? stale_ms : 0;
    pthread_mutex_unlock (&m->lock);
}
