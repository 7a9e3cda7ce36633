/* cmd_timeline.c - `vigil timeline`: what changed on one device, and when: level shifts,
 * gaps, state changes and counter resets per series, the device's events and its alert
 * records, in one time-ordered list, then a per-series summary; --svg FILE draws the key
 * series (cli/timeline_svg.c).  Opens the store as a secondary instance, so it works while
 * the collector runs. */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_store.h"
#include "cli/cli.h"
#include "cli/cli_args.h"
#include "cli/fleet_scope.h"
#include "cli/timeline.h"
#include "cli/timeline_svg.h"
#include "common/array.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/model.h"
#include "detectors/alert.h"
#include "store/store.h"

#define S_SUBJECT_WIDTH 52 /* the least width of the SUBJECT column */
#define S_SERIES_WIDTH 64  /* the least width of the SERIES column */
#define S_MANY_LEN 31      /* the longest "all N series" a run prints */
#define S_WIDTH_MAX 200    /* the most either column is padded to: a longer name (hostile
                            * labels) overflows its own line only, not every line's padding */

/* One line of the report. */
typedef struct {
    int64_t ts;
    int order;            /* among equal times: alerts, events, then series changes */
    const char *what;
    char subject[200];
    char detail[800];
} s_item_t;

typedef struct {
    s_item_t *v;
    size_t n, cap;
} s_items_t;

static s_item_t *
s_item (s_items_t *l, int64_t ts, int order, const char *what)
{
    if (vg_array_reserve ((void **) &l->v, &l->cap, l->n + 1, sizeof *l->v) < 0)
        return NULL;
    s_item_t *it = &l->v[l->n++];
    it->ts = ts;
    it->order = order;
    it->what = what;
    it->subject[0] = it->detail[0] = '\0';
    return it;
}

/* Time, then alerts / events / series changes, then alike changes next to each other. */
static int
s_item_cmp (const void *a, const void *b)
{
    const s_item_t *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->order != y->order)
        return x->order - y->order;
    int c = strcmp (x->what, y->what);
    if (c == 0)
        c = strcmp (x->detail, y->detail);
    return c ? c : strcmp (x->subject, y->subject);
}

/* Is b the same series change as a (time, kind and detail)? */
static int
s_alike (const s_item_t *a, const s_item_t *b)
{
    return a->order == 2 && b->order == 2 && a->ts == b->ts && !strcmp (a->what, b->what) &&
           !strcmp (a->detail, b->detail);
}

/* The end of the line starting at item i: past a run of 3 or more alike changes (one line
 * for all of them), else i + 1. */
static size_t
s_run_end (const s_items_t *l, size_t i)
{
    size_t k = i + 1;
    while (k < l->n && s_alike (&l->v[i], &l->v[k]))
        k++;
    return k - i >= 3 ? k : i + 1;
}

static const char *
s_state_name (const vg_tl_series_t *x, double v, char *buf, size_t size)
{
    if (v >= 0 && v < (double) x->nstates)
        return x->states[(size_t) v];
    snprintf (buf, size, "#%g", v);
    return buf;
}

/* The report text of one change of series x. */
static void
s_change_text (const vg_tl_series_t *x, const vg_change_t *c, char *out, size_t size)
{
    char a[32], b[32], d[32], t[40];
    const char *unit = x->kind == VG_KIND_COUNTER ? "/s" : "";
    switch (c->kind) {
    case VG_CHANGE_LEVEL: {
        double pct = c->before != 0 ? (c->after - c->before) / fabs (c->before) * 100.0 : NAN;
        snprintf (out, size, "level %s%s -> %s%s", vg_timeline_fmt (c->before, a, sizeof a), unit,
                  vg_timeline_fmt (c->after, b, sizeof b), unit);
        if (isfinite (pct) && fabs (pct) < 1000) {
            size_t n = strlen (out);
            snprintf (out + n, size - n, " (%+.0f%%)", pct);
        }
        break;
    }
    case VG_CHANGE_STATE:
        snprintf (out, size, "%s -> %s", s_state_name (x, c->before, a, sizeof a),
                  s_state_name (x, c->after, b, sizeof b));
        break;
    case VG_CHANGE_GAP:
        vg_clock_rfc3339 (c->until, t, sizeof t);
        snprintf (out, size, "no samples for %s, until %s", vg_duration_format (c->until - c->ts, d, sizeof d), t);
        break;
    case VG_CHANGE_RESET:
        snprintf (out, size, "counter reset %s -> %s", vg_timeline_fmt (c->before, a, sizeof a),
                  vg_timeline_fmt (c->after, b, sizeof b));
        break;
    case VG_CHANGE_START:
        snprintf (out, size, "first sample, %s after the device's first",
                  vg_duration_format (c->ts - c->until, d, sizeof d));
        break;
    case VG_CHANGE_STOP:
        snprintf (out, size, "last sample, %s before the device's last",
                  vg_duration_format (c->until - c->ts, d, sizeof d));
        break;
    }
}

static int
s_report (const vg_timeline_t *t, bool all_events)
{
    s_items_t l = { 0 };
    size_t repeats = 0;
    for (size_t i = 0; i < t->nrecords; i++) {
        const vg_tl_record_t *r = &t->records[i];
        s_item_t *it = s_item (&l, r->ts, 0, "alert");
        if (!it)
            goto oom;
        snprintf (it->subject, sizeof it->subject, "%s %s %s", r->rule, vg_alert_activity_name (r->activity),
                  r->severity);
        snprintf (it->detail, sizeof it->detail, "%s  [%s]", r->message, r->uid);
    }
    for (size_t i = 0; i < t->nevents; i++) {
        const vg_tl_event_t *e = &t->events[i];
        if (e->repeat && !all_events) {
            repeats++;
            continue;
        }
        s_item_t *it = s_item (&l, e->ts, 1, "event");
        if (!it)
            goto oom;
        snprintf (it->subject, sizeof it->subject, "%s", vg_event_type_name ((vg_event_type_t) e->type));
        snprintf (it->detail, sizeof it->detail, "%s", e->text);
    }
    for (size_t i = 0; i < t->nseries; i++) {
        const vg_tl_series_t *x = &t->series[i];
        for (size_t j = 0; j < x->nchanges; j++) {
            const vg_change_t *c = &x->changes[j];
            s_item_t *it = s_item (&l, c->ts, 2, vg_change_kind_name (c->kind));
            if (!it)
                goto oom;
            snprintf (it->subject, sizeof it->subject, "%s", x->name);
            s_change_text (x, c, it->detail, sizeof it->detail);
        }
    }
    if (l.n)
        qsort (l.v, l.n, sizeof *l.v, s_item_cmp);
    char f0[40], f1[40];
    vg_clock_rfc3339 (t->from, f0, sizeof f0);
    vg_clock_rfc3339 (t->to, f1, sizeof f1);
    size_t with = 0;
    for (size_t i = 0; i < t->nseries; i++)
        with += t->series[i].n > 0;
    printf ("device  %s  %s .. %s\n", t->device, f0, f1);
    printf ("        %zu series (%zu with samples), %zu events (%zu repeats %s), %zu alert records, %zu alert "
            "episodes\n\n",
            t->nseries, with, t->nevents, repeats ? repeats : 0, all_events ? "listed" : "not listed: --all-events",
            t->nrecords, t->nepisodes);
    /* Columns as wide as their longest entry, at least the usual width: series names
     * can be long (a name over the width pushed the columns after it out of line). */
    int sw = S_SUBJECT_WIDTH;
    for (size_t i = 0, k; i < l.n; i = k) {
        k = s_run_end (&l, i);
        size_t len = k - i > 1 ? S_MANY_LEN : strlen (l.v[i].subject);
        sw = len > (size_t) sw ? (int) (len < S_WIDTH_MAX ? len : S_WIDTH_MAX) : sw;
    }
    printf ("%-24s  %-6s  %-*s  %s\n", "TIME", "WHAT", sw, "SUBJECT", "DETAIL");
    for (size_t i = 0, k; i < l.n; i = k) {
        char ts[40], many[S_MANY_LEN + 1];
        const char *subject = l.v[i].subject;
        k = s_run_end (&l, i);
        if (k - i > 1) { /* the same change on many series at once: one line */
            snprintf (many, sizeof many, "%s%zu series", k - i == with ? "all " : "", k - i);
            subject = many;
        }
        vg_clock_rfc3339 (l.v[i].ts, ts, sizeof ts);
        printf ("%-24s  %-6s  %-*s  %s\n", ts, l.v[i].what, sw, subject, l.v[i].detail);
    }
    free (l.v);
    /* Per series: how much it changed, most first. */
    size_t *order = malloc ((t->nseries ? t->nseries : 1) * sizeof *order);
    if (!order)
        return -VG_ENOMEM;
    size_t no = vg_timeline_pick (t, NULL, 0, order, t->nseries);
    int nw = S_SERIES_WIDTH;
    for (size_t k = 0; k < no; k++) {
        size_t len = strlen (t->series[order[k]].name);
        nw = len > (size_t) nw ? (int) (len < S_WIDTH_MAX ? len : S_WIDTH_MAX) : nw;
    }
    printf ("\n%-*s  %8s  %7s  %-5s  %s\n", nw, "SERIES (alerted first, then by change)", "SAMPLES", "CHANGES",
            "ALERT", "RANGE");
    for (size_t k = 0; k < no; k++) {
        const vg_tl_series_t *x = &t->series[order[k]];
        char range[96], a[32], b[32];
        if (x->kind == VG_KIND_STATE) {
            snprintf (range, sizeof range, "%zu state%s", x->nstates, x->nstates == 1 ? "" : "s");
        } else {
            double lo = INFINITY, hi = -INFINITY;
            for (size_t j = 0; j < x->n; j++)
                if (isfinite (x->v[j])) {
                    lo = x->v[j] < lo ? x->v[j] : lo;
                    hi = x->v[j] > hi ? x->v[j] : hi;
                }
            snprintf (range, sizeof range, "%s .. %s %s%s", vg_timeline_fmt (lo, a, sizeof a),
                      vg_timeline_fmt (hi, b, sizeof b), x->unit, x->kind == VG_KIND_COUNTER ? " (counter)" : "");
        }
        char changes[48];
        if (x->nfound > x->nchanges)
            snprintf (changes, sizeof changes, "%zu+%zu", x->nchanges, x->nfound - x->nchanges);
        else
            snprintf (changes, sizeof changes, "%zu", x->nchanges);
        printf ("%-*s  %8zu  %7s  %-5s  %s\n", nw, x->name, x->n, changes, x->alerted ? "yes" : "", range);
    }
    free (order);
    return 0;
oom:
    free (l.v);
    return -VG_ENOMEM;
}

static void
s_help (FILE *f)
{
    fprintf (f,
             "usage: vigil timeline --store DIR --device D --from T --to T [--svg FILE]\n"
             "                      [--path GLOB]... [--max-series N] [--max-changes N] [--all-events]\n"
             "       vigil timeline --pointer URI [options]   (an alert's replay pointer: its store, device\n"
             "                      and range stand in for the options not given; a fleet finding's\n"
             "                      (scope=vendor|site): each device of that vendor or site in turn)\n"
             "  What changed on device D in [from, to), in time order: per series level shifts,\n"
             "  gaps, state changes, counter resets, late starts and early stops (the same change\n"
             "  on 3 or more series at once is one line); the device's events, except repeats\n"
             "  (a flow to a destination already listed, or the same text as the previous event\n"
             "  of its type) unless --all-events; its alert records.  Then every series with its\n"
             "  sample count, changes (listed+more when capped by --max-changes, default 20) and\n"
             "  range.\n"
             "  T: epoch ms, RFC 3339, 'YYYY-MM-DD HH:MM:SS' (UTC), 'now' or relative (-15m, -2h, -7d).\n"
             "  --svg FILE: a picture of the key series (one panel each, shared time axis, alert\n"
             "  episodes shaded, events as vertical lines); key series: those named with --path\n"
             "  (shell glob on the path or path{labels}, repeatable), else the ones its alerts are\n"
             "  about, then the ones that changed most, at most --max-series (default 6, max 24).\n");
}

/* The options of one run, for each device it covers. */
typedef struct {
    int64_t t0, t1;
    bool all_events;
    uint32_t max_series, max_changes;
    const char *svg;
    const vg_arg_multi_t *paths;
} s_opts_t;

/* The timeline of one device of store s: text report, and the SVG when asked.  Returns the
 * exit status. */
static int
s_one (vg_store_t *s, const char *device, const s_opts_t *o)
{
    char err[512];
    vg_timeline_t *t = vg_timeline_load (s, device, o->t0, o->t1, err, sizeof err);
    if (!t) {
        fprintf (stderr, "vigil timeline: %s\n", err);
        return 1;
    }
    int status = 0;
    if (t->nseries == 0 && t->nevents == 0 && t->nrecords == 0)
        fprintf (stderr, "vigil timeline: nothing stored for device '%s' in that range\n", device);
    int rc = vg_timeline_analyse (t, o->max_changes);
    if (rc == 0)
        rc = s_report (t, o->all_events);
    if (rc == 0 && o->svg) {
        size_t pick[24];
        size_t np = vg_timeline_pick (t, o->paths->v, o->paths->n, pick, o->max_series);
        if (o->paths->n && np == 0)
            fprintf (stderr, "vigil timeline: no series of %s with samples matches --path\n", device);
        FILE *f = fopen (o->svg, "w");
        if (!f) {
            fprintf (stderr, "vigil timeline: cannot write %s\n", o->svg);
            status = 1;
        } else {
            rc = vg_timeline_svg (t, pick, np, f);
            if (fclose (f) != 0 && rc == 0)
                rc = -VG_EIO;
            if (rc == 0)
                fprintf (stderr, "vigil timeline: %s: %zu panels\n", o->svg, np);
        }
    }
    if (rc < 0) {
        fprintf (stderr, "vigil timeline: %s\n", vg_strerror (rc));
        status = 1;
    }
    vg_timeline_destroy (&t);
    return status;
}

/* The devices of a fleet pointer's vendor or site, one timeline each (text; --svg only when
 * the scope has one device).  Returns the exit status. */
static int
s_fleet (vg_store_t *s, const char *scope, const char *key, const s_opts_t *o)
{
    vg_store_view_t *v = vg_store_view_new (s);
    vg_scope_devices_t d = { 0 };
    int rc = v ? vg_scope_devices (v, scope, key, &d) : -VG_ESTORE;
    vg_store_view_destroy (&v);
    if (rc < 0) {
        fprintf (stderr, "vigil timeline: %s\n", vg_strerror (rc));
        return 1;
    }
    int status = 0;
    fprintf (stderr, "vigil timeline: %s %s: %zu devices\n", scope, key, d.n);
    if (o->svg && d.n > 1) {
        fprintf (stderr, "vigil timeline: --svg draws one device: add --device (%s, %s%s)\n", d.ids[0], d.ids[1],
                 d.n > 2 ? ", ..." : "");
        status = 2;
    }
    for (size_t i = 0; i < d.n && status == 0; i++) {
        if (i)
            printf ("\n");
        status = s_one (s, d.ids[i], o);
    }
    vg_scope_devices_free (&d);
    return status;
}

int
vg_cmd_timeline (int argc, char **argv)
{
    const char *store = NULL, *device = NULL, *from = NULL, *to = NULL, *svg = NULL, *pointer = NULL;
    const char *site = NULL, *vendor = NULL;
    bool all_events = false;
    uint32_t max_series = 6, max_changes = 20;
    vg_arg_multi_t paths = { 0 };
    const vg_arg_t args[] = {
        { .name = "--store", .type = VG_ARG_STR, .dst = &store },
        { .name = "--device", .type = VG_ARG_STR, .dst = &device },
        { .name = "--from", .type = VG_ARG_STR, .dst = &from },
        { .name = "--to", .type = VG_ARG_STR, .dst = &to },
        { .name = "--pointer", .type = VG_ARG_STR, .dst = &pointer },
        { .name = "--svg", .type = VG_ARG_STR, .dst = &svg },
        { .name = "--path", .type = VG_ARG_MULTI, .dst = &paths },
        { .name = "--max-series", .type = VG_ARG_U32, .dst = &max_series, .min = 1, .max = 24 },
        { .name = "--max-changes", .type = VG_ARG_U32, .dst = &max_changes, .min = 1, .max = 100000 },
        { .name = "--all-events", .type = VG_ARG_FLAG, .dst = &all_events },
    };
    int arc = vg_cli_args ("vigil timeline", args, sizeof args / sizeof args[0], argc, argv, s_help, NULL);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    vg_pointer_t ptr;
    if (pointer && vg_cli_pointer ("vigil timeline", pointer, &ptr, &store, &device, &site, &vendor, NULL, &from,
                                   &to) < 0)
        return 2;
    if (!store || !(device || site || vendor) || !from || !to) {
        fprintf (stderr, "vigil timeline: --store, --device, --from and --to are required (or a --pointer naming them)\n");
        return 2;
    }
    int64_t t0, t1;
    if (vg_cli_time_range ("vigil timeline", from, to, &t0, &t1) < 0)
        return 2;
    if (t1 <= t0) {
        fprintf (stderr, "vigil timeline: --to must be after --from\n");
        return 2;
    }
    vg_store_t *s = vg_cli_store_open ("vigil timeline", store, NULL);
    if (!s)
        return 1;
    s_opts_t o = { t0, t1, all_events, max_series, max_changes, svg, &paths };
    int status = device ? s_one (s, device, &o) : s_fleet (s, vendor ? "vendor" : "site", vendor ? vendor : site, &o);
    vg_store_destroy (&s);
    fflush (stdout);
    return status;
}
