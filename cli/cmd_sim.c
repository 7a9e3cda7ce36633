/* cmd_sim.c - `vigil sim`: write a simulated fleet's telemetry as NDJSON (the same
 * generator the agent's sim input runs, so its output is the ground truth of a test), or,
 * with --wire-out, as vendor wire data (sim/wire.h): pcaps and PM files plus labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
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
    fprintf (f, "usage: vigil sim [--seed N] [--sites N] [--cells N] [--interval D] [--site PREFIX] [--majority VENDOR:PCT]\n"
                "                 --start T --end T\n"
                "                 [--scenario NAME [--incidents N] [--labels FILE [--labels-only]]]\n"
                "                 [--wire-out DIR [--mdt-encoding json|kvgpb]]\n"
                "       vigil sim --windows\n"
                "  Prints every sample and event of the simulated fleet in [start, end) as NDJSON.\n"
                "  Same options and defaults as the agent's sim input, except that --start and --end are\n"
                "  both required (a bounded range); T as in vigil query.\n"
                "  --site PREFIX prepends PREFIX to every site name, as the sim input's `site` does\n"
                "    (\"east-\" gives east-site001/gnb1; several simulated fleets in one collector).\n"
                "  --majority VENDOR:PCT (vigil sim only): each site after the first four takes VENDOR\n"
                "    for its gNB and its router (the roles VENDOR makes) with probability PCT %%, so one\n"
                "    vendor is most of the fleet (Huawei:80; default: an even draw).\n"
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
                "    DIR/windows.yaml   the simulated operator's change calendar (as --windows)\n"
                "  --windows prints the simulated operator's change calendar as a rules `windows:`\n"
                "    section (changes and ticketed reloads 00:00-05:00 UTC, gNB maintenance the\n"
                "    same hours); the default rules have no windows, so append it to a copy of the\n"
                "    rules a collector uses for simulated data (vigil eval applies it itself).\n"
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
    char *buf = NULL; /* a label lists every device: a line's length has no fixed bound */
    size_t cap = 0;
    int bad = 0;
    for (size_t i = 0; i < vg_sim_label_count (sim) && !bad; i++) {
        size_t n = vg_sim_label_json (vg_sim_label (sim, i), NULL, 0);
        if (n + 1 > cap) {
            char *nb = realloc (buf, n + 1);
            if (!nb) {
                bad = 1;
                break;
            }
            buf = nb;
            cap = n + 1;
        }
        vg_sim_label_json (vg_sim_label (sim, i), buf, cap);
        fprintf (f, "%s\n", buf);
    }
    free (buf);
    bad |= ferror (f);
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
    rc = vg_wire_write_sim (w, sim, cfg->end_ms);
    vg_wire_destroy (&w);
    if (rc >= 0 && cfg->scenario) {
        char path[1024];
        snprintf (path, sizeof path, "%s/labels.jsonl", dir);
        if (s_write_labels (sim, path) < 0)
            return 1;
    }
    if (rc >= 0) {
        char path[1024];
        snprintf (path, sizeof path, "%s/windows.yaml", dir);
        FILE *f = fopen (path, "w");
        if (!f || fputs (vg_sim_windows_yaml (), f) < 0 || fclose (f) != 0) {
            fprintf (stderr, "vigil sim: cannot write %s\n", path);
            return 1;
        }
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
    const char *majority = NULL;
    const char *start = NULL, *end = NULL, *labels = NULL, *wire = NULL, *encoding = "json";
    bool labels_only = false, windows = false;
    static const char *const encodings[] = { "json", "kvgpb", NULL };
    const vg_arg_t args[] = {
        { .name = "--seed", .type = VG_ARG_U64, .dst = &cfg.seed },
        { .name = "--sites", .type = VG_ARG_U32, .dst = &cfg.sites, .min = 1, .max = 10000 },
        { .name = "--cells", .type = VG_ARG_U32, .dst = &cfg.cells_per_gnb, .min = 1, .max = 24 },
        { .name = "--interval", .type = VG_ARG_DURATION, .dst = &cfg.interval_ms },
        { .name = "--site", .type = VG_ARG_STR, .dst = &cfg.site_prefix },
        { .name = "--majority", .type = VG_ARG_STR, .dst = &majority },
        { .name = "--scenario", .type = VG_ARG_STR, .dst = &cfg.scenario },
        { .name = "--incidents", .type = VG_ARG_U32, .dst = &cfg.scenario_n, .min = 0, .max = 10000 },
        { .name = "--labels", .type = VG_ARG_STR, .dst = &labels },
        { .name = "--labels-only", .type = VG_ARG_FLAG, .dst = &labels_only },
        { .name = "--windows", .type = VG_ARG_FLAG, .dst = &windows },
        { .name = "--wire-out", .type = VG_ARG_STR, .dst = &wire },
        { .name = "--mdt-encoding", .type = VG_ARG_ENUM, .dst = &encoding, .choices = encodings },
        { .name = "--start", .type = VG_ARG_STR, .dst = &start },
        { .name = "--end", .type = VG_ARG_STR, .dst = &end },
    };
    int arc = vg_cli_args ("vigil sim", args, sizeof args / sizeof args[0], argc, argv, s_help, NULL);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    if (windows) {
        fputs (vg_sim_windows_yaml (), stdout);
        return fflush (stdout) == 0 ? 0 : 1;
    }
    int encap = strcmp (encoding, "json") ? VG_WIRE_MDT_KVGPB : VG_WIRE_MDT_JSON;
    if (!start || !end || vg_clock_parse (start, now, &cfg.start_ms) < 0 || vg_clock_parse (end, now, &cfg.end_ms) < 0) {
        fprintf (stderr, "vigil sim: --start and --end are required times\n");
        return 2;
    }
    if (cfg.site_prefix && (strlen (cfg.site_prefix) > VG_SIM_SITE_PREFIX_MAX || strchr (cfg.site_prefix, '/'))) {
        fprintf (stderr, "vigil sim: --site has at most %d bytes and no '/'\n", VG_SIM_SITE_PREFIX_MAX);
        return 2;
    }
    char mv[32];
    if (majority) {
        const char *colon = strchr (majority, ':');
        char *endp = NULL;
        unsigned long pct = colon ? strtoul (colon + 1, &endp, 10) : 0;
        size_t vl = colon ? (size_t) (colon - majority) : 0;
        if (!colon || vl == 0 || vl >= sizeof mv || endp == colon + 1 || *endp || pct > 100) {
            fprintf (stderr, "vigil sim: --majority wants VENDOR:PCT (PCT 0..100), e.g. Huawei:80\n");
            return 2;
        }
        memcpy (mv, majority, vl);
        mv[vl] = '\0';
        cfg.majority_vendor = mv;
        cfg.majority_pct = (uint32_t) pct;
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
