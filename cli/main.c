/* main.c - vigil: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/version.h"

typedef struct {
    const char *name;
    int (*fn) (int argc, char **argv);
    const char *help;
} s_cmd_t;

static const s_cmd_t s_cmds[] = {
    { "query", vg_cmd_query, "print stored samples or events (CSV or JSON)" },
    { "export", vg_cmd_export, "stream stored samples of a time range as exact CSV or NDJSON" },
    { "inspect", vg_cmd_inspect, "summarise a store: series, samples, bytes on disk, bytes per sample" },
    { "sim", vg_cmd_sim, "print a simulated fleet's telemetry as NDJSON" },
    { "decode", vg_cmd_decode, "decode a vendor capture or file (jti, mdt, gnmi, 3gpp-xml, ves, pcap...) to NDJSON" },
    { "compact", vg_cmd_compact, "seal and compact a store (collector stopped)" },
    { "config-docs", vg_cmd_config_docs, "print the configuration reference (docs/CONFIG.md)" },
    { "eval", vg_cmd_eval, "score the detectors on a labelled simulated scenario" },
    { "alerts", vg_cmd_alerts, "list the alerts a collector stored (text or OCSF JSON), or one episode's life" },
    { "replay", vg_cmd_replay, "run a stored time range through the detectors again; alerts as OCSF JSON lines or to Kafka" },
    { "timeline", vg_cmd_timeline, "what changed on one device and when (text), with an SVG plot of its key series" },
    { "detect", vg_cmd_detect, "score a timestamp,value CSV series with a detector (one score per row)" },
    { "keygen", vg_cmd_keygen, "make a CURVE key pair (Z85) for an agent or the collector" },
};

static void
s_usage (FILE *f)
{
    fprintf (f, "usage: vigil COMMAND [options]   (vigil COMMAND --help or vigil help COMMAND for its options;\n"
                "                                  vigil --version)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof s_cmds / sizeof s_cmds[0]; i++)
        fprintf (f, "  %-10s %s\n", s_cmds[i].name, s_cmds[i].help);
}

int
main (int argc, char **argv)
{
    if (argc < 2 || !strcmp (argv[1], "-h") || !strcmp (argv[1], "--help")) {
        s_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp (argv[1], "-V") || !strcmp (argv[1], "--version")) { /* as vigil-agent and vigil-collector */
        printf ("vigil %s\n", VG_VERSION);
        return 0;
    }
    if (!strcmp (argv[1], "help")) { /* `vigil help query` = `vigil query --help` */
        if (argc < 3) {
            s_usage (stdout);
            return 0;
        }
        char *help[] = { argv[2], "--help", NULL };
        for (size_t i = 0; i < sizeof s_cmds / sizeof s_cmds[0]; i++)
            if (!strcmp (argv[2], s_cmds[i].name))
                return s_cmds[i].fn (2, help);
        fprintf (stderr, "vigil: unknown command '%s'\n", argv[2]);
        s_usage (stderr);
        return 2;
    }
    for (size_t i = 0; i < sizeof s_cmds / sizeof s_cmds[0]; i++)
        if (!strcmp (argv[1], s_cmds[i].name))
            return s_cmds[i].fn (argc - 1, argv + 1);
    fprintf (stderr, "vigil: unknown command '%s'\n", argv[1]);
    s_usage (stderr);
    return 2;
}
