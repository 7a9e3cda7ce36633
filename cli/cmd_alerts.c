/* cmd_alerts.c - `vigil alerts`: the alert records a collector stored, in time order.
 * Opens the store as a secondary instance, so it works while the collector runs; json
 * prints each record exactly as stored (one OCSF Detection Finding per line). */
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store/alert_store.h"
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

static void
s_help (FILE *f)
{
    fprintf (f, "usage: vigil alerts --store DIR [--from T] [--to T] [--format text|json]\n"
                "  Lists stored alert records (create, update, close) in time order; range [from, to).\n"
                "  T: epoch ms, RFC 3339, 'YYYY-MM-DD HH:MM:SS' (UTC), 'now' or relative (-15m, -2h, -7d).\n"
                "  text: time activity severity status rule device uid message\n"
                "  json: one OCSF Detection Finding (class 2004) per line, as stored and published.\n");
}

int
vg_cmd_alerts (int argc, char **argv)
{
    const char *store = NULL, *from = NULL, *to = NULL, *format = "text";
    static const char *const formats[] = { "text", "json", NULL };
    const vg_arg_t args[] = {
        { .name = "--store", .type = VG_ARG_STR, .dst = &store, .required = true },
        { .name = "--from", .type = VG_ARG_STR, .dst = &from },
        { .name = "--to", .type = VG_ARG_STR, .dst = &to },
        { .name = "--format", .type = VG_ARG_ENUM, .dst = &format, .choices = formats },
    };
    int arc = vg_cli_args ("vigil alerts", args, sizeof args / sizeof args[0], argc, argv, s_help, NULL);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    int64_t t0, t1;
    if (vg_cli_time_range ("vigil alerts", from, to, &t0, &t1) < 0)
        return 2;
    char err[512];
    vg_store_cfg_t sc = { store, VG_STORE_SECONDARY, 0, false, 0 };
    vg_store_t *s = vg_store_open (&sc, err, sizeof err);
    if (!s) {
        fprintf (stderr, "vigil alerts: %s\n", err);
        return 1;
    }
    vg_store_catch_up (s);
    s_alerts_t a = { !strcmp (format, "json"), 0, 0 };
    int rc = vg_alert_store_scan (s, t0, t1, s_row, &a);
    vg_store_destroy (&s);
    fflush (stdout);
    if (rc < 0) {
        fprintf (stderr, "vigil alerts: store read failed: %s\n", vg_strerror (rc));
        return 1;
    }
    fprintf (stderr, "vigil alerts: %" PRIu64 " records\n", a.rows);
    return 0;
}
