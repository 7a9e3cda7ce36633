/* cmd_alerts.c - `vigil alerts`: the alert records a collector stored, in time order, or
 * with --episode the life of one episode (pending, firing, updates, resolved) with the data
 * time and the wall time of each step.  Opens the store as a secondary instance, so it
 * works while the collector runs; json prints each record exactly as stored (one OCSF
 * Detection Finding per line; --episode: one object holding them). */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/alert_store.h"
#include "cli/cli_store.h"
#include "cli/cli_args.h"
#include "cli/cli.h"
#include "common/clock.h"
#include "common/err.h"
#include "store/store.h"

typedef struct {
    bool json;
    uint64_t rows, bad;
} s_alerts_t;

static const char *
s_str (json_t *o, const char *path1, const char *path2)
{
    json_t *v = json_object_get (o, path1);
    if (v && path2)
        v = json_object_get (v, path2);
    return json_is_string (v) ? json_string_value (v) : "-";
}

static int
s_row (void *ctx, int64_t t, const char *uid, int activity, const char *js, size_t len)
{
    s_alerts_t *a = ctx;
    a->rows++;
    if (a->json) {
        fwrite (js, 1, len, stdout);
        fputc ('\n', stdout);
        return 0;
    }
    json_error_t jerr;
    json_t *o = json_loadb (js, len, 0, &jerr);
    char ts[40];
    vg_clock_rfc3339 (t, ts, sizeof ts);
    if (!o) {
        a->bad++;
        printf ("%s %-6s %s (unreadable record: %s)\n", ts, vg_alert_activity_name (activity), uid, jerr.text);
        return 0;
    }
    json_t *fi = json_object_get (o, "finding_info");
    json_t *an = fi ? json_object_get (fi, "analytic") : NULL;
    printf ("%s %-6s %-8s %-10s %-26s %-24s %s  %s\n", ts, vg_alert_activity_name (activity), s_str (o, "severity", NULL),
            s_str (o, "status", NULL), an ? s_str (an, "name", NULL) : "-", s_str (o, "device", "uid"), uid,
            s_str (o, "message", NULL));
    json_decref (o);
    return 0;
}

/* ---- one episode ---- */

typedef struct {
    bool json;
    json_t *steps;     /* --format json: the transitions */
    size_t n, updates;
    int64_t start, fired, last;
    int last_activity;
    char last_reason[96];
} s_episode_t;

static double
s_num (json_t *o, const char *k)
{
    json_t *v = json_object_get (o, k);
    return json_is_number (v) ? json_number_value (v) : NAN;
}

/* The name of a lifecycle step: what the episode became. */
static const char *
s_state (int activity, const char *status)
{
    if (activity == VG_ACT_CREATE)
        return !strcmp (status, "suppressed") ? "suppressed" : "firing";
    if (activity == VG_ACT_UPDATE)
        return "updated";
    return activity == VG_ACT_CLOSE ? "resolved" : "?";
}

static void
s_episode_header (s_episode_t *e, json_t *o)
{
    json_t *fi = json_object_get (o, "finding_info");
    json_t *an = fi ? json_object_get (fi, "analytic") : NULL;
    json_t *nte = json_object_get (json_object_get (o, "unmapped"), "nte");
    json_t *aa = json_array_get (json_object_get (o, "anomaly_analyses"), 0);
    json_t *anom = json_array_get (json_object_get (aa, "anomalies"), 0);
    json_t *dev = json_object_get (o, "device");
    printf ("episode   %s\n", s_str (fi, "uid", NULL));
    const char *rule = an ? s_str (an, "name", NULL) : "-", *sid = s_str (nte, "series_id", NULL);
    const char *ent = s_str (anom, "observation_parameter", NULL);
    printf ("rule      %s (%s), detector %s %s\n", rule, an ? s_str (an, "uid", NULL) : "-", s_str (nte, "detector", NULL),
            an ? s_str (an, "version", NULL) : "-");
    printf ("device    %s (%s %s, %s, site %s)\n", s_str (dev, "uid", NULL), s_str (dev, "vendor_name", NULL),
            s_str (dev, "model", NULL), s_str (dev, "type", NULL), s_str (dev, "region", NULL));
    if (strcmp (ent, rule) != 0) /* the record names the rule when the finding has no series */
        printf ("entity    %s (series %s)\n", ent, sid);
    printf ("title     %s\n", s_str (fi, "title", NULL));
    char ts[40];
    vg_clock_rfc3339 (e->start, ts, sizeof ts);
    printf ("\n%-24s  %-24s  %-10s  %-13s  %-13s  %-13s  %-27s  %s\n", "DATA TIME", "WALL TIME", "STATE", "SEVERITY",
            "OBSERVED", "EXPECTED", "BAND", "SCORE");
    printf ("%-24s  %-24s  %-10s  (condition first held; not announced until firing)\n", ts, "-", "pending");
}

static int
s_step (void *ctx, int64_t t, int activity, int64_t wall, const char *js, size_t len)
{
    s_episode_t *e = ctx;
    json_error_t jerr;
    json_t *o = js ? json_loadb (js, len, 0, &jerr) : NULL;
    if (!o) {
        fprintf (stderr, "vigil alerts: record at %lld (%s) unreadable\n", (long long) t,
                 vg_alert_activity_name (activity));
        return 0;
    }
    json_t *fi = json_object_get (o, "finding_info");
    json_t *nte = json_object_get (json_object_get (o, "unmapped"), "nte");
    if (e->n == 0) {
        json_t *fs = json_object_get (fi, "first_seen_time");
        e->start = json_is_integer (fs) ? json_integer_value (fs) : t;
        if (!e->json) {
            s_episode_header (e, o);
        } else {
            json_t *st = json_object ();
            json_object_set_new (st, "state", json_string ("pending"));
            json_object_set_new (st, "time", json_integer (e->start));
            json_object_set_new (st, "wall_time", json_null ()); /* nothing is stored while pending */
            json_array_append_new (e->steps, st);
        }
    }
    if (activity == VG_ACT_CREATE && !e->fired)
        e->fired = t;
    e->updates += activity == VG_ACT_UPDATE;
    e->last = t;
    e->last_activity = activity;
    snprintf (e->last_reason, sizeof e->last_reason, "%s", s_str (nte, "reason", NULL));
    e->n++;
    const char *state = s_state (activity, s_str (o, "status", NULL));
    if (e->json) {
        json_t *st = json_object ();
        json_object_set_new (st, "state", json_string (state));
        json_object_set_new (st, "time", json_integer (t));
        json_object_set_new (st, "wall_time", wall == VG_ALERT_WALL_UNKNOWN ? json_null () : json_integer (wall));
        json_object_set (st, "record", o);
        json_array_append_new (e->steps, st);
        json_decref (o);
        return 0;
    }
    char ts[40], ws[40] = "-", band[64], obs[24], exp[24];
    vg_clock_rfc3339 (t, ts, sizeof ts);
    if (wall != VG_ALERT_WALL_UNKNOWN)
        vg_clock_rfc3339 (wall, ws, sizeof ws);
    json_t *b = json_object_get (nte, "expected_band");
    double lo = json_is_number (json_array_get (b, 0)) ? json_number_value (json_array_get (b, 0)) : NAN;
    double hi = json_is_number (json_array_get (b, 1)) ? json_number_value (json_array_get (b, 1)) : NAN;
    snprintf (band, sizeof band, "[%.6g, %.6g]", lo, hi);
    snprintf (obs, sizeof obs, "%.6g", s_num (nte, "observed"));
    snprintf (exp, sizeof exp, "%.6g", s_num (nte, "expected"));
    printf ("%-24s  %-24s  %-10s  %-13s  %-13s  %-13s  %-27s  %.3g\n", ts, ws, state, s_str (o, "severity", NULL), obs,
            exp, band, s_num (nte, "score"));
    char w0[40], w1[40];
    vg_clock_rfc3339 ((int64_t) s_num (o, "start_time"), w0, sizeof w0);
    vg_clock_rfc3339 ((int64_t) s_num (o, "end_time"), w1, sizeof w1);
    const char *reason = s_str (nte, "reason", NULL);
    printf ("    window %s .. %s%s%s\n", w0, w1, reason[0] && strcmp (reason, "-") ? "; reason: " : "",
            reason[0] && strcmp (reason, "-") ? reason : "");
    printf ("    %s\n", s_str (nte, "evidence", NULL)[0] ? s_str (nte, "evidence", NULL) : s_str (o, "message", NULL));
    json_decref (o);
    return 0;
}

static int
s_episode (vg_store_t *s, const char *uid, bool json)
{
    s_episode_t e = { .json = json, .steps = json ? json_array () : NULL };
    int rc = vg_alert_store_episode (s, uid, s_step, &e);
    if (rc == -VG_EINVAL) {
        fprintf (stderr, "vigil alerts: '%s' is not an episode uid (<dedup key>@<start ms>, as in finding_info.uid)\n",
                 uid);
        json_decref (e.steps);
        return 2;
    }
    if (rc == -VG_ENOTFOUND) {
        fprintf (stderr, "vigil alerts: no episode %s in this store\n", uid);
        json_decref (e.steps);
        return 1;
    }
    if (rc < 0) {
        fprintf (stderr, "vigil alerts: store read failed: %s\n", vg_strerror (rc));
        json_decref (e.steps);
        return 1;
    }
    bool open = e.last_activity != VG_ACT_CLOSE;
    if (json) {
        json_t *o = json_object ();
        json_object_set_new (o, "uid", json_string (uid));
        json_object_set_new (o, "pending_time", json_integer (e.start));
        json_object_set_new (o, "firing_time", e.fired ? json_integer (e.fired) : json_null ());
        json_object_set_new (o, "resolved_time", open ? json_null () : json_integer (e.last));
        json_object_set_new (o, "updates", json_integer ((json_int_t) e.updates));
        json_object_set_new (o, "steps", e.steps);
        char *text = json_dumps (o, JSON_COMPACT);
        if (text)
            puts (text);
        free (text);
        json_decref (o);
        return text ? 0 : 1;
    }
    if (!e.fired) {
        printf ("\nno Create record of this episode is stored\n");
        return 0;
    }
    char d1[32], d2[32];
    vg_duration_format (e.fired - e.start, d1, sizeof d1);
    vg_duration_format (e.last - e.fired, d2, sizeof d2);
    printf ("\npending %s, then firing for %s with %zu update%s; %s%s\n", d1, d2, e.updates, e.updates == 1 ? "" : "s",
            open ? "still open at its last record" : "resolved: ", open ? "" : e.last_reason);
    return 0;
}

static void
s_help (FILE *f)
{
    fprintf (f, "usage: vigil alerts --store DIR [--from T] [--to T] [--format text|json]\n"
                "       vigil alerts --store DIR --episode UID [--format text|json]\n"
                "  Lists stored alert records (create, update, close) in time order; range [from, to).\n"
                "  T: epoch ms, RFC 3339, 'YYYY-MM-DD HH:MM:SS' (UTC), 'now' or relative (-15m, -2h, -7d).\n"
                "  text: time activity severity status rule device uid message\n"
                "  json: one OCSF Detection Finding (class 2004) per line, as stored, with its replay\n"
                "  pointer in unmapped.nte.replay (records stored by older collectors lack it).\n"
                "  --episode UID: the life of one episode (UID = finding_info.uid): pending, firing,\n"
                "  each update and the resolution, with data time, wall time (when the collector\n"
                "  stored it), values, band, score, window and evidence; json: one object with\n"
                "  the steps, each holding its stored record.\n");
}

int
vg_cmd_alerts (int argc, char **argv)
{
    const char *store = NULL, *from = NULL, *to = NULL, *format = "text", *episode = NULL;
    static const char *const formats[] = { "text", "json", NULL };
    const vg_arg_t args[] = {
        { .name = "--store", .type = VG_ARG_STR, .dst = &store, .required = true },
        { .name = "--from", .type = VG_ARG_STR, .dst = &from },
        { .name = "--to", .type = VG_ARG_STR, .dst = &to },
        { .name = "--format", .type = VG_ARG_ENUM, .dst = &format, .choices = formats },
        { .name = "--episode", .type = VG_ARG_STR, .dst = &episode },
    };
    int arc = vg_cli_args ("vigil alerts", args, sizeof args / sizeof args[0], argc, argv, s_help, NULL);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    int64_t t0, t1;
    if (vg_cli_time_range ("vigil alerts", from, to, &t0, &t1) < 0)
        return 2;
    vg_store_t *s = vg_cli_store_open ("vigil alerts", store, NULL);
    if (!s)
        return 1;
    if (episode) {
        int erc = s_episode (s, episode, !strcmp (format, "json"));
        vg_store_destroy (&s);
        fflush (stdout);
        return erc;
    }
    s_alerts_t a = { !strcmp (format, "json"), 0, 0 };
    int rc = vg_alert_store_scan (s, t0, t1, s_row, &a);
    vg_store_destroy (&s);
    int status = vg_cli_store_read_done ("vigil alerts", rc, a.rows, "records");
    if (rc >= 0 && a.rows == 0)
        fprintf (stderr, "vigil alerts: (a collector stores alerts only while its detectors run: detect.enabled "
                         "true, detect.rules)\n");
    return status;
}
