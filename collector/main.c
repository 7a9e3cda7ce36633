/* main.c - vigil-collector: parse arguments, load the configuration, run the collector. */
#include <stdio.h>
#include <sys/stat.h>

#include "collector/collector.h"
#include "collector/collector_cfg.h"
#include "common/daemon_args.h"
#include "common/log.h"

typedef struct {
    const vg_daemon_spec_t *spec;
    int argc;
    char **argv;
} s_args_t;

/* Reload: the same file and --set overrides as at start. */
static int
s_reload (void *ctx, vg_collector_cfg_t *out, char *err, size_t errlen)
{
    const s_args_t *a = ctx;
    return vg_daemon_reload (a->spec, a->argc, a->argv, out, err, errlen);
}

int
main (int argc, char **argv)
{
    /* Everything this daemon creates (store, spool, RocksDB's own files, logs) is for its
     * owner only: directories 0700, files 0600, whatever the shell's umask was. */
    umask (077);
    vg_log_detect_journal (); /* under systemd: syslog priorities, journald's timestamps */
    const vg_daemon_spec_t spec = { "vigil-collector", &vg_collector_cfg_table, NULL, 0 };
    vg_collector_cfg_t cfg;
    int rc = vg_daemon_args (&spec, argc, argv, &cfg, NULL);
    if (rc != VG_DAEMON_RUN)
        return rc == VG_DAEMON_EXIT_OK ? 0 : 2;
    char err[1024];
    if (vg_collector_check (&cfg, err, sizeof err) < 0) {
        fprintf (stderr, "vigil-collector: %s\n", err);
        vg_cfg_free (&vg_collector_cfg_table, &cfg);
        return 2;
    }
    vg_log_set_level ((vg_log_level_t) vg_log_level_parse (cfg.log_level));
    volatile sig_atomic_t *stop = vg_daemon_signals ();

    vg_collector_t *c = vg_collector_new (&cfg, err, sizeof err);
    if (!c) {
        fprintf (stderr, "vigil-collector: %s\n", err);
        vg_cfg_free (&vg_collector_cfg_table, &cfg);
        return 1;
    }
    s_args_t args = { &spec, argc, argv };
    vg_collector_on_hup (c, vg_daemon_hup (), s_reload, &args);
    rc = vg_collector_run (c, stop) < 0 ? 1 : 0;
    vg_collector_destroy (&c);
    vg_cfg_free (&vg_collector_cfg_table, &cfg);
    return rc;
}
