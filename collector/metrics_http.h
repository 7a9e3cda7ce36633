/* metrics_http.h - /metrics (Prometheus text) and /healthz over HTTP (libmicrohttpd).
 *
 * The owner thread renders the metrics text and publishes it with vg_metrics_publish();
 * the HTTP thread serves the latest published copy.  The mutex guarding that copy is the
 * only shared state between the two threads. */
#ifndef VG_METRICS_HTTP_H
#define VG_METRICS_HTTP_H

#include <stddef.h>

typedef struct vg_metrics_http vg_metrics_http_t;

/* Serve on IPv4 host:port (e.g. "127.0.0.1:9464"; a bare "9464" is loopback, see
 * common/listen_addr.h).  NULL on failure with the reason in err. */
vg_metrics_http_t *vg_metrics_http_new (const char *listen, char *err, size_t errlen);
void vg_metrics_http_destroy (vg_metrics_http_t **self_p);
/* Replace the text served at /metrics (copied). */
void vg_metrics_publish (vg_metrics_http_t *m, const char *text, size_t len);

#endif
