/* check_metrics_http.c - the /metrics and /healthz server over a real loopback socket: the
 * published text, /healthz's default "ok", an unhealthy answer with its reason, the
 * "stalled" answer once the owner stops publishing, 404 and 405, and bad listen addresses. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/metrics_http.h"
#include "tests/support/suite.h"

/* A loopback port nobody listens on right now. */
static int
t_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge (fd, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    ck_assert_int_eq (bind (fd, (struct sockaddr *) &sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    ck_assert_int_eq (getsockname (fd, (struct sockaddr *) &sa, &len), 0);
    close (fd);
    return ntohs (sa.sin_port);
}

/* `method path` over HTTP/1.0; returns the status and copies the body into body. */
static int
t_request (int port, const char *method, const char *path, char *body, size_t size)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge (fd, 0);
    struct timeval tv = { 5, 0 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port),
                              .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    ck_assert_int_eq (connect (fd, (struct sockaddr *) &sa, sizeof sa), 0);
    char req[256];
    int n = snprintf (req, sizeof req, "%s %s HTTP/1.0\r\nHost: localhost\r\n\r\n", method, path);
    ck_assert_int_eq (write (fd, req, (size_t) n), n);
    char resp[8192];
    size_t len = 0;
    for (;;) {
        ssize_t k = read (fd, resp + len, sizeof resp - 1 - len);
        if (k <= 0)
            break;
        len += (size_t) k;
    }
    close (fd);
    resp[len] = '\0';
    int status = 0;
    ck_assert_int_eq (sscanf (resp, "HTTP/1.%*d %d", &status), 1);
    const char *b = strstr (resp, "\r\n\r\n");
    snprintf (body, size, "%s", b ? b + 4 : "");
    return status;
}

static void
t_sleep_ms (long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep (&ts, NULL);
}

START_TEST (serves_text_and_health)
{
    int port = t_free_port ();
    char listen[64], err[256], body[4096];
    snprintf (listen, sizeof listen, "127.0.0.1:%d", port);
    vg_metrics_http_t *m = vg_metrics_http_new (listen, NULL, err, sizeof err);
    ck_assert_msg (m != NULL, "%s", err);
    ck_assert_int_eq (t_request (port, "GET", "/metrics", body, sizeof body), 200);
    ck_assert_str_eq (body, "");
    static const char text[] = "# TYPE x_total counter\nx_total 3\n";
    vg_metrics_publish (m, text, sizeof text - 1);
    ck_assert_int_eq (t_request (port, "GET", "/metrics", body, sizeof body), 200);
    ck_assert_str_eq (body, text);
    /* never set: ok */
    ck_assert_int_eq (t_request (port, "GET", "/healthz", body, sizeof body), 200);
    ck_assert_str_eq (body, "ok\n");
    vg_metrics_health (m, false, "spool 95% full");
    ck_assert_int_eq (t_request (port, "GET", "/healthz", body, sizeof body), 503);
    ck_assert_str_eq (body, "spool 95% full\n");
    vg_metrics_health (m, true, "ok: spooling");
    ck_assert_int_eq (t_request (port, "GET", "/healthz", body, sizeof body), 200);
    ck_assert_str_eq (body, "ok: spooling\n");
    vg_metrics_health (m, true, NULL);
    ck_assert_int_eq (t_request (port, "GET", "/healthz", body, sizeof body), 200);
    ck_assert_str_eq (body, "ok\n");
    ck_assert_int_eq (t_request (port, "GET", "/nope", body, sizeof body), 404);
    ck_assert_int_eq (t_request (port, "POST", "/metrics", body, sizeof body), 405);
    vg_metrics_http_destroy (&m);
    ck_assert_ptr_null (m);
    vg_metrics_http_destroy (&m); /* NULL-safe */
    vg_metrics_http_destroy (NULL);
}
END_TEST

START_TEST (stalled_owner_is_unhealthy)
{
    int port = t_free_port ();
    char listen[64], err[256], body[4096];
    snprintf (listen, sizeof listen, "127.0.0.1:%d", port);
    vg_metrics_http_t *m = vg_metrics_http_new (listen, NULL, err, sizeof err);
    ck_assert_msg (m != NULL, "%s", err);
    vg_metrics_http_stale_after (m, 150);
    vg_metrics_health (m, true, NULL);
    ck_assert_int_eq (t_request (port, "GET", "/healthz", body, sizeof body), 200);
    t_sleep_ms (300);
    ck_assert_int_eq (t_request (port, "GET", "/healthz", body, sizeof body), 503);
    ck_assert_msg (strncmp (body, "stalled: no update for ", 23) == 0, "%s", body);
    /* publishing again is a sign of life */
    vg_metrics_publish (m, "x 1\n", 4);
    ck_assert_int_eq (t_request (port, "GET", "/healthz", body, sizeof body), 200);
    vg_metrics_http_destroy (&m);
}
END_TEST

START_TEST (bad_listen_addresses)
{
    static const char *const bad[] = { "", "nope", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "host:80",
                                       "[::1]:9464" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        vg_metrics_http_t *m = vg_metrics_http_new (bad[i], NULL, err, sizeof err);
        ck_assert_msg (m == NULL, "'%s' accepted", bad[i]);
        ck_assert_msg (strstr (err, "metrics listen address") != NULL, "'%s': %s", bad[i], err);
    }
}
END_TEST

Suite *
vg_metrics_http_suite (void)
{
    const TTest *tests[] = { serves_text_and_health, stalled_owner_is_unhealthy, bad_listen_addresses };
    return vg_test_suite ("metrics_http", "serve", tests, sizeof tests / sizeof tests[0], 20, NULL, NULL);
}
