/* metrics_http.h - /metrics (Prometheus text) and /healthz over HTTP (libmicrohttpd), for
 * both daemons.
 *
 * The owner thread (the collector's server loop, the agent's loop) renders the metrics
 * text and publishes it with vg_metrics_publish(), and may set the health answer with
 * vg_metrics_health(); the HTTP thread serves the latest published copies.  The mutex
 * guarding them is the only shared state between the two threads. */
#ifndef VG_METRICS_HTTP_H
#define VG_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/metrics_opts.h"

typedef struct vg_metrics_http vg_metrics_http_t;

/* Serve on IPv4 host:port ("127.0.0.1:9464"; a bare "9464" is loopback, see
 * common/listen_addr.h), protected as opts says (NULL = no auth, plain HTTP): basic auth for
 * /metrics (/healthz stays open), HTTPS with its PEM files (read now).  Strings are borrowed
 * for the call.  A listener off loopback without auth is served with a warning.  NULL on
 * failure with the reason in err. */
vg_metrics_http_t *vg_metrics_http_new (const char *listen, const vg_metrics_opts_t *opts, char *err, size_t errlen);
void vg_metrics_http_destroy (vg_metrics_http_t **self_p);
/* Replace the text served at /metrics (copied).  Owner thread. */
void vg_metrics_publish (vg_metrics_http_t *m, const char *text, size_t len);

/* Set what /healthz answers: healthy gives 200 with `reason` ("ok" when NULL or empty),
 * otherwise 503 with `reason`; either way followed by a newline.  reason is copied (at most
 * 255 bytes kept).  Until it is first called /healthz answers 200 "ok".  Owner thread. */
void vg_metrics_health (vg_metrics_http_t *m, bool healthy, const char *reason);

/* Once neither vg_metrics_publish() nor vg_metrics_health() was called for stale_ms
 * (monotonic), /healthz answers 503 "stalled: no update for N ms" whatever was set: the
 * owner thread stopped turning.  0 (the default) = never.  Owner thread, before or while
 * serving. */
void vg_metrics_http_stale_after (vg_metrics_http_t *m, int64_t stale_ms);

#endif
