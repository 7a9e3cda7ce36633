/* fixture_config.c - the option tables of the configuration suites (see fixture_config.h). */
#include "tests/common/fixture_config.h"

static const vg_cfg_opt_t t_coll_opts[] = {
    VG_CFG_OPT ("endpoint", VG_CFG_STR, fx_coll_t, endpoint, 0, 0, NULL, "ZeroMQ endpoint of the collector"),
    VG_CFG_OPT ("weight", VG_CFG_INT, fx_coll_t, weight, 1, 100, "1", "preference among collectors"),
};
static const vg_cfg_table_t t_coll_table = VG_CFG_TABLE ("collector", t_coll_opts, fx_coll_t);

static const char *const t_levels[] = { "debug", "info", "warn", "error", NULL };

static const vg_cfg_opt_t t_opts[] = {
    VG_CFG_OPT ("agent.id", VG_CFG_STR, fx_cfg_t, agent_id, 0, 0, NULL, "agent identity"),
    VG_CFG_OPT ("offset", VG_CFG_INT, fx_cfg_t, offset, -5, 5, "0", "clock offset"),
    VG_CFG_OPT ("batch.max_samples", VG_CFG_UINT, fx_cfg_t, max_samples, 1, 1048576, "10000", "samples per batch"),
    VG_CFG_OPT ("ratio", VG_CFG_DOUBLE, fx_cfg_t, ratio, 0, 1, "0.5", "a ratio"),
    VG_CFG_OPT ("curve", VG_CFG_BOOL, fx_cfg_t, curve, 0, 0, "true", "use CURVE"),
    VG_CFG_OPT ("batch.flush", VG_CFG_DURATION, fx_cfg_t, flush_ms, 10, 60000, "1s", "flush interval"),
    VG_CFG_OPT ("spool.max_bytes", VG_CFG_SIZE, fx_cfg_t, spool_max, 4096, 1099511627776.0, "64MiB", "spool cap"),
    VG_CFG_OPT ("spool.path", VG_CFG_STR, fx_cfg_t, spool_path, 0, 0, "/var/lib/vigil/spool", "spool dir"),
    VG_CFG_ENUM_OPT ("log.level", fx_cfg_t, level, t_levels, "info", "log threshold"),
    VG_CFG_STRLIST_OPT ("tags", fx_cfg_t, tags, ntags, 0, 3, "[site-a]", "labels"),
    VG_CFG_LIST_OPT ("collectors", fx_cfg_t, collectors, ncollectors, &t_coll_table, 1, 4, NULL,
                     "collectors in order"),
    VG_CFG_OPT ("inputs", VG_CFG_NODE, fx_cfg_t, inputs, 0, 0, "", "inputs (each parsed by its decoder)"),
    VG_CFG_OPT ("name", VG_CFG_STR, fx_cfg_t, name, 0, 8, "", "short name"),
};
const vg_cfg_table_t fx_table = VG_CFG_TABLE ("vigil-test", t_opts, fx_cfg_t);

static const vg_cfg_opt_t t_jti_opts[] = {
    VG_CFG_OPT ("type", VG_CFG_STR, fx_jti_t, type, 0, 0, NULL, "input kind"),
    VG_CFG_OPT ("listen", VG_CFG_STR, fx_jti_t, listen, 0, 0, "0.0.0.0", "bind address"),
    VG_CFG_OPT ("port", VG_CFG_UINT, fx_jti_t, port, 1, 65535, NULL, "UDP port"),
    VG_CFG_OPT ("socket.buffer", VG_CFG_SIZE, fx_jti_t, buffer, 0, 0, "4MiB", "SO_RCVBUF"),
};
const vg_cfg_table_t fx_jti_table = VG_CFG_TABLE ("jti", t_jti_opts, fx_jti_t);
