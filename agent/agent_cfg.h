/* agent_cfg.h - vigil-agent's configuration: one table drives YAML loading, validation,
 * --help and docs/CONFIG.md.  Inputs are a list of maps parsed by one table that holds the
 * keys of every input kind (each key's help says which kinds read it); agent/input.h
 * lists, per kind, the keys it reads. */
#ifndef VG_AGENT_CFG_H
#define VG_AGENT_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/metrics_opts.h"

/* One entry of a pcap input's port map: packets to `port` go to decoder `format`. */
typedef struct {
    uint64_t port;
    char *format;
} vg_input_port_cfg_t;

typedef struct {
    char *type;            /* sim | linux | udp | tcp | pmdir | ves | pcap */
    /* sim */
    uint64_t seed;
    uint64_t sites, cells_per_gnb;
    char *scenario;        /* sim: built-in incident scenario, "" = none */
    char *start;           /* time or relative ("-1d") */
    int64_t interval_ms;   /* sim: step; linux: poll; pmdir: directory scan */
    char *end;             /* "" = unbounded; time or relative ("now") */
    int speed;             /* 0 = realtime, 1 = max, 2 = recorded (= realtime) */
    double speed_factor;   /* pcap, realtime/recorded: this many times the captured pace */
    /* linux */
    char *proc_root;
    char *device_id;
    char *site;            /* linux: the host's site; network inputs: device id prefix */
    /* network inputs */
    char *listen;          /* udp, tcp, ves: "host:port", "[v6]:port" or "port" */
    char *format;          /* udp: jti | udp-notif | mdt-udp */
    uint64_t rcvbuf;       /* udp: SO_RCVBUF bytes (0 = system default) */
    uint64_t max_connections;  /* tcp, ves */
    uint64_t max_buffer;   /* tcp: bytes buffered over all connections */
    int64_t idle_timeout_ms;   /* tcp: close a silent connection after this (0 = never) */
    /* pmdir */
    char *dir;
    char *pattern;
    char *done_dir;
    uint64_t max_file_size;    /* pmdir: one file; pcap: the capture file */
    bool once;                 /* pmdir: read what is there (and arrives while reading), then done */
    /* ves */
    char *username, *password;
    char *tls_cert, *tls_key;
    uint64_t max_body;
    /* pcap */
    char *file;
    vg_input_port_cfg_t *ports;
    size_t nports;
} vg_input_cfg_t;

typedef struct {
    char *id;
    char *log_level;
    char *metrics_listen;  /* HOST:PORT or PORT for /metrics and /healthz; "" = off */
    vg_metrics_opts_t metrics; /* /metrics basic auth and TLS */
    char **collectors;
    size_t ncollectors;
    char *spool_dir;
    uint64_t spool_max_bytes;
    bool spool_fsync;
    uint64_t batch_max_samples;
    uint64_t batch_max_events;
    int64_t batch_max_age_ms;
    uint64_t max_series;
    uint64_t window;
    int64_t heartbeat_ms;
    int64_t timeout_ms;
    int64_t primary_retry_ms;
    int64_t backoff_base_ms;
    int64_t backoff_max_ms;
    char *curve_server_key;
    char *curve_public_key;
    char *curve_secret_key;
    bool curve_insecure;   /* plain TCP, explicitly; else the server key and secret key are required */
    vg_input_cfg_t *inputs;
    size_t ninputs;
} vg_agent_cfg_t;

extern const vg_cfg_table_t vg_agent_cfg_table;

/* Cross-option checks after loading: refuses a configuration with neither the CURVE keys
 * (curve.server_key, curve.secret_key) nor curve.insecure: true, with only one of the keys,
 * or with keys and curve.insecure together (common/curve_mode.h).  Returns 0, or
 * -VG_ECONFIG with the reason and the fix in err. */
int vg_agent_cfg_check (const vg_agent_cfg_t *cfg, char *err, size_t errlen);

#endif
