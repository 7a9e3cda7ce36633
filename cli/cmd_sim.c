/* cmd_sim.c - `vigil sim`: write a simulated fleet's telemetry as NDJSON (the same
 * generator the agent's sim input runs, so its output is the ground truth of a test), or,
 * with --wire-out, as vendor wire data (sim/wire.h): pcaps and PM files plus labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/err.h"
#include "cli/ndjson_sink.h"
#include "sim/sim.h"
#include "sim/sim_scenario.h"
#include "sim/wire.h"
#include "sim/wire_mdt.h"

static void
s_help (FILE *f)
{
    fprintf (f, "usage: vigil sim [--seed N] [--sites N] [--cells N] [--interval D] --start T --end T\n"
                "                 [--scenario NAME [--incidents N] [--labels FILE [--labels-only]]]\n"
                "                 [--wire-out DIR [--mdt-encoding json|kvgpb]]\n"
                "  Prints every sample and event of the simulated fleet in [start, end) as NDJSON.\n"
                "  Same options and defaults as the agent's sim input; T as in vigil query.\n"
                "  --scenario injects labelled incidents; --labels writes their ground truth as JSON\n"
                "  lines (- = stderr; --labels-only: no telemetry); --incidents sets incidents per type.\n"
                "  --wire-out DIR writes the fleet as vendor wire data instead of NDJSON:\n"
                "    DIR/mdt.pcap   Cisco routers: IOS XR MDT TCP dial-out to 10.250.9.1:57500\n"
                "                   (12-byte header + JSON, or kvGPB with --mdt-encoding kvgpb)\n"
                "    DIR/jti.pcap   Juniper routers: JTI native UDP TelemetryStream to port 50000\n"
                "    DIR/udpnotif.pcap  Huawei routers: UDP-notif YANG-push JSON to port 10003\n"
                "    DIR/pm/        gNBs: TS 32.435 XML per 15-min ROP in the vendor's style\n"
                "                   (Ericsson pm* names, Nokia local time, Huawei measTypes),\n"
                "                   file time = delivery time (minutes late, 3 %% very late,\n"
                "                   0.5 %% missing)\n"
                "    DIR/manifest.json  devices (sim id -> wire id, transport), PM deliveries\n"
                "    DIR/labels.jsonl   the scenario's labels (with --scenario)\n"
                "  Other devices (core NFs, Nokia routers) are not written.  Busy links\n"
                "  carry background errors; reboots drop and re-dial the MDT session.\n"
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

/* Write the sim's stream as vendor wire data into dir.  Returns an exit status. */
static int
s_wire (vg_sim_t *sim, const vg_sim_cfg_t *cfg, const char *dir, int encap)
{
    vg_wire_cfg_t wc = { .dir = dir, .seed = cfg->seed, .mdt_encap = encap, .interval_ms = cfg->interval_ms,
                         .nokia_utc_offset_min = 60 };
    int rc = 0;
    vg_wire_t *w = vg_wire_new (&wc, &rc);
    if (!w) {
        fprintf (stderr, "vigil sim: cannot write wire data into %s: %s\n", dir, vg_strerror (rc));
        return 1;
    }
    vg_sink_t sink = vg_wire_sink (w);
    rc = vg_sim_announce (sim, &sink);
    while (rc >= 0 && vg_sim_next_ts (sim) != INT64_MAX) {
        rc = vg_sim_step (sim, &sink);
        if (rc >= 0)
            rc = vg_wire_flush (w);
    }
    if (rc >= 0)
        rc = vg_wire_finish (w, cfg->end_ms);
    vg_wire_destroy (&w);
    if (rc >= 0 && cfg->scenario) {
        char path[1024];
        snprintf (path, sizeof path, "%s/labels.jsonl", dir);
        if (s_write_labels (sim, path) < 0)
            return 1;
    }
    if (rc < 0) {
        fprintf (stderr, "vigil sim: wire output: %s\n", vg_strerror (rc));
        return 1;
    }
    return 0;
}

int
vg_cmd_sim (int argc, char **argv)
{
    vg_sim_cfg_t cfg;
    vg_sim_cfg_defaults (&cfg);
    int64_t now = vg_clock_now_ms ();
    const char *start = NULL, *end = NULL, *labels = NULL, *wire = NULL;
    int encap = VG_WIRE_MDT_JSON;
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
        else if (!strcmp (a, "--wire-out"))
            wire = v;
        else if (!strcmp (a, "--mdt-encoding")) {
            if (strcmp (v, "json") && strcmp (v, "kvgpb")) {
                fprintf (stderr, "vigil sim: --mdt-encoding is json or kvgpb\n");
                return 2;
            }
            encap = strcmp (v, "json") ? VG_WIRE_MDT_KVGPB : VG_WIRE_MDT_JSON;
        } else if (!strcmp (a, "--start"))
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
    if (wire) {
        rc = s_wire (sim, &cfg, wire, encap);
        vg_sim_destroy (&sim);
        return rc;
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
