/* main.c - vigil-collector: parse arguments, load the configuration, run the collector (site
 * role) or a fleet consumer group member (--role fleet, collector/fleet_consume.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector/collector.h"
#include "collector/collector_cfg.h"
#include "collector/fleet_consume.h"
#include "common/daemon_args.h"
#include "common/log.h"
#include "common/version.h"

/* The fleet role: one member of the fleet consumer group until *stop. */
static int
s_run_fleet (const vg_collector_cfg_t *cfg, volatile sig_atomic_t *stop)
{
    char err[1024];
    vg_alerter_prop_t *props = vg_collector_kafka_props (cfg);
    vg_fleet_cfg_t fc = { .brokers = cfg->fleet_brokers,
                          .topic = cfg->fleet_topic,
                          .partitions = (int) cfg->fleet_partitions,
                          .group = cfg->fleet_group,
                          .state_topic = cfg->fleet_state_topic,
                          .alerts_topic = cfg->kafka_topic,
                          .props = props,
                          .nprops = cfg->nkafka_props,
                          .rules_path = cfg->detect_rules,
                          .commit_every_ms = cfg->fleet_commit_every_ms,
                          .session_timeout_ms = cfg->fleet_session_timeout_ms,
                          .ocsf = { .product_version = VG_VERSION, .collector_id = cfg->id },
                          .metrics_listen = cfg->metrics_listen,
                          .metrics = &cfg->metrics };
    vg_fleet_t *f = props ? vg_fleet_new (&fc, err, sizeof err) : NULL;
    if (!f) {
        fprintf (stderr, "vigil-collector: %s\n", props ? err : "out of memory");
        free (props);
        return 1;
    }
    int rc = vg_fleet_run (f, stop) < 0 ? 1 : 0;
    vg_fleet_destroy (&f);
    free (props);
    return rc;
}

int
main (int argc, char **argv)
{
    /* Everything this daemon creates (store, spool, RocksDB's own files, logs) is for its
     * owner only: directories 0700, files 0600, whatever the shell's umask was. */
    umask (077);
    vg_log_detect_journal (); /* under systemd: syslog priorities, journald's timestamps */
    /* --role R is --set role=R (the key can also be in the file). */
    char role_set[64];
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp (argv[i], "--role")) {
            snprintf (role_set, sizeof role_set, "role=%s", argv[i + 1]);
            argv[i] = "--set";
            argv[i + 1] = role_set;
            break;
        }
    const vg_daemon_spec_t spec = { "vigil-collector", &vg_collector_cfg_table, NULL, 0 };
    vg_collector_cfg_t cfg;
    int rc = vg_daemon_args (&spec, argc, argv, &cfg, NULL);
    if (rc != VG_DAEMON_RUN)
        return rc == VG_DAEMON_EXIT_OK ? 0 : 2;
    char err[1024];
    /* The fleet role has no agent listener: the site checks (CURVE, agents) do not apply. */
    if (cfg.role == VG_ROLE_FLEET && !cfg.detect_rules[0]) {
        fprintf (stderr, "vigil-collector: detect.rules is required with --role fleet\n");
        vg_cfg_free (&vg_collector_cfg_table, &cfg);
        return 2;
    }
    if (cfg.role != VG_ROLE_FLEET && vg_collector_check (&cfg, err, sizeof err) < 0) {
        fprintf (stderr, "vigil-collector: %s\n", err);
        vg_cfg_free (&vg_collector_cfg_table, &cfg);
        return 2;
    }
    vg_log_set_level ((vg_log_level_t) vg_log_level_parse (cfg.log_level));
    volatile sig_atomic_t *stop = vg_daemon_signals ();
    if (cfg.role == VG_ROLE_FLEET) {
        rc = s_run_fleet (&cfg, stop);
        vg_cfg_free (&vg_collector_cfg_table, &cfg);
        return rc;
    }

    vg_collector_t *c = vg_collector_new (&cfg, err, sizeof err);
    if (!c) {
        fprintf (stderr, "vigil-collector: %s\n", err);
        vg_cfg_free (&vg_collector_cfg_table, &cfg);
        return 1;
    }
    vg_daemon_cmdline_t cmdline = { &spec, argc, argv };
    vg_collector_on_hup (c, vg_daemon_hup (), vg_daemon_reload_cmdline, &cmdline);
    rc = vg_collector_run (c, stop) < 0 ? 1 : 0;
    vg_collector_destroy (&c);
    vg_cfg_free (&vg_collector_cfg_table, &cfg);
    return rc;
}
