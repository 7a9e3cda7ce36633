/* main.c - vigil-agent: parse arguments, load the configuration, run the agent. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/agent_cfg.h"
#include "common/log.h"

static volatile sig_atomic_t s_stop;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

static void
s_usage (FILE *f)
{
    fprintf (f, "usage: vigil-agent -c CONFIG.yaml [--set key=value]... [--exit-when-done]\n"
                "       vigil-agent --help   (lists every configuration key)\n\n"
                "  -c, --config FILE     YAML configuration (see docs/CONFIG.md)\n"
                "  --set KEY=VALUE       override one configuration key after loading\n"
                "  --exit-when-done      exit once every input has finished and every batch is acknowledged\n\n");
}

int
main (int argc, char **argv)
{
    const char *config = NULL;
    bool exit_when_done = false;
    const char *sets[64];
    int nsets = 0;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp (argv[i], "-c") || !strcmp (argv[i], "--config")) && i + 1 < argc)
            config = argv[++i];
        else if (!strcmp (argv[i], "--set") && i + 1 < argc && nsets < 64)
            sets[nsets++] = argv[++i];
        else if (!strcmp (argv[i], "--exit-when-done"))
            exit_when_done = true;
        else if (!strcmp (argv[i], "-h") || !strcmp (argv[i], "--help")) {
            s_usage (stdout);
            vg_cfg_print_help (&vg_agent_cfg_table, stdout);
            return 0;
        } else {
            fprintf (stderr, "vigil-agent: unknown argument '%s'\n", argv[i]);
            s_usage (stderr);
            return 2;
        }
    }
    if (!config) {
        s_usage (stderr);
        return 2;
    }
    vg_agent_cfg_t cfg;
    vg_cfg_error_t cerr;
    char msg[600];
    if (vg_cfg_load_file (&vg_agent_cfg_table, config, &cfg, &cerr) < 0) {
        fprintf (stderr, "vigil-agent: %s\n", vg_cfg_error_format (&cerr, msg, sizeof msg));
        return 2;
    }
    for (int i = 0; i < nsets; i++) {
        char key[128];
        const char *eq = strchr (sets[i], '=');
        if (!eq || (size_t) (eq - sets[i]) >= sizeof key) {
            fprintf (stderr, "vigil-agent: --set wants KEY=VALUE, got '%s'\n", sets[i]);
            vg_cfg_free (&vg_agent_cfg_table, &cfg);
            return 2;
        }
        memcpy (key, sets[i], (size_t) (eq - sets[i]));
        key[eq - sets[i]] = '\0';
        if (vg_cfg_set (&vg_agent_cfg_table, &cfg, key, eq + 1, &cerr) < 0) {
            fprintf (stderr, "vigil-agent: %s\n", vg_cfg_error_format (&cerr, msg, sizeof msg));
            vg_cfg_free (&vg_agent_cfg_table, &cfg);
            return 2;
        }
    }
    int level = vg_log_level_parse (cfg.log_level);
    if (level < 0) {
        fprintf (stderr, "vigil-agent: %s: agent.log_level '%s' is not debug|info|warn|error\n", config, cfg.log_level);
        vg_cfg_free (&vg_agent_cfg_table, &cfg);
        return 2;
    }
    vg_log_set_level ((vg_log_level_t) level);
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGINT, &sa, NULL);
    signal (SIGPIPE, SIG_IGN);

    char err[512];
    vg_agent_t *agent = vg_agent_new (&cfg, err, sizeof err);
    if (!agent) {
        fprintf (stderr, "vigil-agent: %s\n", err);
        vg_cfg_free (&vg_agent_cfg_table, &cfg);
        return 1;
    }
    vg_log (VG_LOG_INFO, "agent", "agent '%s' started", cfg.id);
    int rc = vg_agent_run (agent, &s_stop, exit_when_done);
    vg_agent_log_stats (agent);
    vg_agent_destroy (&agent);
    vg_cfg_free (&vg_agent_cfg_table, &cfg);
    vg_log (VG_LOG_INFO, "agent", "stopped");
    return rc < 0 ? 1 : 0;
}
