/* main.c - vigil-agent: parse arguments, load the configuration, run the agent. */
#include <malloc.h>
#include <stdio.h>
#include <sys/stat.h>

#include "agent/agent.h"
#include "agent/agent_cfg.h"
#include "common/daemon_args.h"
#include "common/log.h"

int
main (int argc, char **argv)
{
    static const vg_daemon_flag_t flags[] = {
        { "--exit-when-done",
          "exit once every input has finished and every batch is acknowledged (status 1 if the collector "
          "rejected any)" },
    };
    /* Everything this daemon creates (store, spool, RocksDB's own files, logs) is for its
     * owner only: directories 0700, files 0600, whatever the shell's umask was. */
    umask (077);
    /* A fixed trim threshold (which also fixes glibc's mmap threshold at its 128 KiB default):
     * the buffers of a batch being packed and zstd's context, freed after every flush, go
     * back to the system instead of raising the thresholds and staying in the heap (about
     * 0.5 MB of private memory for a 1,000-series agent; docs/PERFORMANCE.md). */
    mallopt (M_TRIM_THRESHOLD, 128 << 10);
    vg_log_detect_journal (); /* under systemd: syslog priorities, journald's timestamps */
    const vg_daemon_spec_t spec = { "vigil-agent", &vg_agent_cfg_table, flags, 1 };
    vg_agent_cfg_t cfg;
    bool exit_when_done;
    int arc = vg_daemon_args (&spec, argc, argv, &cfg, &exit_when_done);
    if (arc != VG_DAEMON_RUN)
        return arc == VG_DAEMON_EXIT_OK ? 0 : 2;
    char err[1024];
    int level = vg_log_level_parse (cfg.log_level);
    if (level < 0)
        snprintf (err, sizeof err, "agent.log_level '%s' is not debug|info|warn|error", cfg.log_level);
    if (level < 0 || vg_agent_cfg_check (&cfg, err, sizeof err) < 0) {
        fprintf (stderr, "vigil-agent: %s\n", err);
        vg_cfg_free (&vg_agent_cfg_table, &cfg);
        return 2;
    }
    vg_log_set_level ((vg_log_level_t) level);
    volatile sig_atomic_t *stop = vg_daemon_signals ();

    vg_agent_t *agent = vg_agent_new (&cfg, err, sizeof err);
    if (!agent) {
        fprintf (stderr, "vigil-agent: %s\n", err);
        vg_cfg_free (&vg_agent_cfg_table, &cfg);
        return 1;
    }
    vg_daemon_cmdline_t cmdline = { &spec, argc, argv };
    vg_agent_watch_hup (agent, vg_daemon_hup (), vg_daemon_reload_cmdline, &cmdline);
    vg_log (VG_LOG_INFO, "agent", "agent '%s' started", cfg.id);
    int rc = vg_agent_run (agent, stop, exit_when_done);
    vg_agent_log_stats (agent);
    /* Done, but not everything was taken: say so in the exit status (not after a signal). */
    uint64_t rejected = rc == 0 && exit_when_done && !*stop ? vg_agent_batches_rejected (agent) : 0;
    if (rejected)
        vg_log (VG_LOG_ERROR, "agent", "done, but the collector rejected %llu batch(es) for good (not stored; see "
                "above)", (unsigned long long) rejected);
    vg_agent_destroy (&agent);
    vg_cfg_free (&vg_agent_cfg_table, &cfg);
    vg_log (VG_LOG_INFO, "agent", "stopped");
    return rc < 0 || rejected ? 1 : 0;
}
