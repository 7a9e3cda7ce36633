/* metrics_opts.h - the options that protect a daemon's /metrics endpoint (basic auth, TLS),
 * as one struct and one macro of option-table rows, so the agent's and the collector's
 * tables (agent/agent_cfg.c, collector/collector_cfg.c) name and document them alike.
 * Header-only: the option tables link vg_common only. */
#ifndef VG_METRICS_OPTS_H
#define VG_METRICS_OPTS_H

#include "common/config.h"

typedef struct {
    char *username;  /* basic auth for /metrics; "" = none */
    char *password;
    char *tls_cert;  /* PEM files; both set = HTTPS */
    char *tls_key;
} vg_metrics_opts_t;

/* The rows PREFIX.metrics_username, _password (a secret: also _password_file), _tls_cert and
 * _tls_key for the vg_metrics_opts_t at `field` of struct st. */
#define VG_METRICS_OPTS(prefix, st, field)                                                               \
    VG_CFG_OPT (prefix ".metrics_username", VG_CFG_STR, st, field.username, 0, 0, "",                      \
                "basic-auth user for /metrics (empty = none; /healthz stays open)"),                       \
        VG_CFG_SECRET_OPT (prefix ".metrics_password", st, field.password, 256,                            \
                           "basic-auth password for /metrics"),                                            \
        VG_CFG_OPT (prefix ".metrics_tls_cert", VG_CFG_STR, st, field.tls_cert, 0, 0, "",                  \
                    "PEM certificate file: serve /metrics and /healthz over HTTPS (with metrics_tls_key)"), \
        VG_CFG_OPT (prefix ".metrics_tls_key", VG_CFG_STR, st, field.tls_key, 0, 0, "",                    \
                    "PEM private key file of metrics_tls_cert")

#endif
