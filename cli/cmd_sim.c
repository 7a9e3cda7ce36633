/* cmd_sim.c - `vigil sim`: write a simulated fleet's telemetry as NDJSON (the same
 * generator the agent's sim input runs, so its output is the ground truth of a test). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/err.h"
#include "cli/ndjson_sink.h"
#include "sim/sim.h"
#include "sim/sim_scenario.h"

static void
s_help (FILE *f)
{
    fprintf (f, "usage: vigil sim [--seed N] [--sites N] [--cells N] [--interval D] --start T --end T\n"
                "                 [--scenario NAME [--incidents N] [--labels FILE [--labels-only]]]\n"
                "  Prints every sample and event of the simulated fleet in [start, end) as NDJSON.\n"
                "  Same options and defaults as the agent's sim input; T as in vigil query.\n"
                "  --scenario injects labelled incidents; --labels writes their ground truth as JSON\n"
                "  lines (- = stderr; --labels-only: no telemetry); --incidents sets incidents per type.\n"
                "  Scenarios:\n");
    for (const char *const *n = vg_sim_scenario_names (); *n; n++)
        fprintf (f, "    %-20s %s\n", *n, vg_sim_scenario_help (*n));
}

/* Write the scenario's labels as JSON lines.  Returns 0 or -1 (message printed). */
static int
s_write_labels (const vg_sim_t *sim, const char *path)
{
    FILE *f = strcmp (path, "-") == 0 ? stderr : fopen (path, "w");
    if (!f) {
        fprintf (stderr, "vigil sim: cannot write %s\n", path);
        return -1;
    }
    char buf[4096];
    for (size_t i = 0; i < vg_sim_label_count (sim); i++) {
        size_t n = vg_sim_label_json (vg_sim_label (sim, i), buf, sizeof buf);
        if (n < sizeof buf)
            fprintf (f, "%s\n", buf);
    }
    int bad = ferror (f);
    if (f != stderr)
        bad |= fclose (f) != 0;
    if (bad) {
        fprintf (stderr, "vigil sim: write error on %s\n", path);
        return -1;
    }
    return 0;
}

int
vg_cmd_sim (int argc, char **argv)
{
    vg_sim_cfg_t cfg;
    vg_sim_cfg_defaults (&cfg);
    int64_t now = vg_clock_now_ms ();
    const char *start = NULL, *end = NULL, *labels = NULL;
    int labels_only = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp (a, "-h") || !strcmp (a, "--help")) {
            s_help (stdout);
            return 0;
        }
        if (!strcmp (a, "--labels-only")) {
            labels_only = 1;
            continue;
        }
        if (!v) {
            fprintf (stderr, "vigil sim: option '%s' needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp (a, "--seed"))
            cfg.seed = strtoull (v, NULL, 10);
        else if (!strcmp (a, "--sites"))
            cfg.sites = (uint32_t) strtoul (v, NULL, 10);
        else if (!strcmp (a, "--cells"))
            cfg.cells_per_gnb = (uint32_t) strtoul (v, NULL, 10);
        else if (!strcmp (a, "--interval")) {
            if (vg_duration_parse (v, &cfg.interval_ms) < 0) {
                fprintf (stderr, "vigil sim: bad --interval '%s'\n", v);
                return 2;
            }
        } else if (!strcmp (a, "--scenario"))
            cfg.scenario = v;
        else if (!strcmp (a, "--incidents"))
            cfg.scenario_n = (uint32_t) strtoul (v, NULL, 10);
        else if (!strcmp (a, "--labels"))
            labels = v;
        else if (!strcmp (a, "--start"))
            start = v;
        else if (!strcmp (a, "--end"))
            end = v;
        else {
            fprintf (stderr, "vigil sim: unknown option '%s'\n", a);
            s_help (stderr);
            return 2;
        }
    }
    if (!start || !end || vg_clock_parse (start, now, &cfg.start_ms) < 0 || vg_clock_parse (end, now, &cfg.end_ms) < 0) {
        fprintf (stderr, "vigil sim: --start and --end are required times\n");
        return 2;
    }
    cfg.start_ms -= cfg.start_ms % cfg.interval_ms; /* same alignment as the agent */
    int rc = 0;
    vg_sim_t *sim = vg_sim_new (&cfg, &rc);
    if (!sim) {
        fprintf (stderr, "vigil sim: invalid configuration (%s)%s\n", vg_strerror (rc),
                 cfg.scenario && !vg_sim_scenario_help (cfg.scenario) ? ": unknown scenario" : "");
        return 2;
    }
    if (labels && !cfg.scenario) {
        fprintf (stderr, "vigil sim: --labels needs --scenario\n");
        vg_sim_destroy (&sim);
        return 2;
    }
    if (labels && s_write_labels (sim, labels) < 0) {
        vg_sim_destroy (&sim);
        return 1;
    }
    if (labels_only) {
        if (!labels)
            fprintf (stderr, "vigil sim: --labels-only needs --labels\n");
        vg_sim_destroy (&sim);
        return labels ? 0 : 2;
    }
    vg_ndjson_sink_t *out = vg_ndjson_sink_new (stdout, 0);
    if (!out) {
        vg_sim_destroy (&sim);
        return 1;
    }
    vg_sink_t sink = vg_ndjson_sink_ops (out);
    rc = vg_sim_announce (sim, &sink);
    while (rc >= 0 && vg_sim_next_ts (sim) != INT64_MAX)
        rc = vg_sim_step (sim, &sink);
    fflush (stdout);
    vg_ndjson_sink_destroy (&out);
    vg_sim_destroy (&sim);
    if (rc < 0) {
        fprintf (stderr, "vigil sim: %s\n", vg_strerror (rc));
        return 1;
    }
    return 0;
}
