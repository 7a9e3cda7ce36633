/* agent_cfg.h - vigil-agent's configuration: one table drives YAML loading, validation,
 * --help and docs/CONFIG.md.  Inputs are a list of maps, each parsed by its own table. */
#ifndef VG_AGENT_CFG_H
#define VG_AGENT_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef struct {
    char *type;            /* sim | linux */
    /* sim */
    uint64_t seed;
    uint64_t sites, cells_per_gnb;
    char *start;           /* time or relative ("-1d") */
    int64_t interval_ms;
    char *end;             /* "" = unbounded; time or relative ("now") */
    int speed;             /* 0 = realtime, 1 = max (as fast as the collector takes it) */
    /* linux */
    char *proc_root;
    char *device_id;
    char *site;
} vg_input_cfg_t;

typedef struct {
    char *id;
    char *log_level;
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
    char *curve_server_key;
    char *curve_public_key;
    char *curve_secret_key;
    vg_input_cfg_t *inputs;
    size_t ninputs;
} vg_agent_cfg_t;

extern const vg_cfg_table_t vg_agent_cfg_table;

#endif
