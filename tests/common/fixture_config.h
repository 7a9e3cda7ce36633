/* fixture_config.h - the option tables the configuration suites (check_config*.c) load
 * through: one shaped like the agent's (every option type, a nested LIST with its own table,
 * a kept NODE) and the table an input module would apply to its own map later.
 *
 * Test-only: const tables, no state. */
#ifndef VG_TEST_FIXTURE_CONFIG_H
#define VG_TEST_FIXTURE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

/* An element of fx_cfg_t's "collectors" list. */
typedef struct {
    char *endpoint;
    int64_t weight;
} fx_coll_t;

/* The struct fx_table fills. */
typedef struct {
    char *agent_id;
    int64_t offset;
    uint64_t max_samples;
    double ratio;
    bool curve;
    int64_t flush_ms;
    uint64_t spool_max;
    char *spool_path;
    int level;
    char **tags;
    size_t ntags;
    fx_coll_t *collectors;
    size_t ncollectors;
    vg_cfg_node_t *inputs;
    char *name;
} fx_cfg_t;

/* The struct fx_jti_table fills. */
typedef struct {
    char *type;
    char *listen;
    uint64_t port;
    uint64_t buffer;
} fx_jti_t;

/* "vigil-test": agent.id and collectors[].endpoint required, every other option with a
 * default and a range; "jti": type and port required. */
extern const vg_cfg_table_t fx_table;
extern const vg_cfg_table_t fx_jti_table;

#endif
