/* timeline_svg.c - lays out and draws a device timeline as SVG (see timeline_svg.h).
 * Layout, top to bottom: title, alert lanes, event strip, one panel per series, time axis,
 * legend.  Dense series are reduced to a min/max envelope per pixel column, so a day of
 * one-second samples stays a small file. */
#include "cli/timeline_svg.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/svg.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/model.h"

#define S_W 1200.0
#define S_LEFT 96.0
#define S_RIGHT 24.0
#define S_PW (S_W - S_LEFT - S_RIGHT)
#define S_TOP 58.0
#define S_LANE 16.0
#define S_MAX_LANES 6
#define S_EVSTRIP 20.0
#define S_PTITLE 21.0
#define S_PH 92.0
#define S_PGAP 12.0
#define S_AXIS 40.0
#define S_LEGEND 44.0

static const char s_css[] = ".title{font-size:16px;font-weight:bold;fill:#111}\n"
                            ".sub{font-size:12px;fill:#444}\n"
                            ".ptitle{font-size:12px;font-weight:bold;fill:#222}\n"
                            ".punit{font-size:11px;fill:#666}\n"
                            ".tick{font-size:10px;fill:#555}\n"
                            ".lab{font-size:10px;fill:#333}\n"
                            ".frame{fill:none;stroke:#9a9a9a;stroke-width:0.8}\n"
                            ".grid{stroke:#e6e6e6;stroke-width:0.8}\n"
                            ".series{fill:none;stroke:#1f4e9c;stroke-width:1.3;stroke-linejoin:round}\n"
                            ".series.state{stroke:#2a7a2a;stroke-width:1.6}\n"
                            ".alert-window{fill:#d62728;fill-opacity:0.07}\n"
                            ".alert-series{fill:#d62728;fill-opacity:0.13}\n"
                            ".alert-pending{fill-opacity:0.35}\n"
                            ".event{stroke-width:1;stroke-dasharray:3,2;stroke-opacity:0.8}\n"
                            ".event-mark{stroke-width:3}\n"
                            ".lane{fill:#f7f7f7}\n"
                            ".gap{fill:#9a9a9a;fill-opacity:0.18}\n";

typedef struct {
    int64_t from, to;
} s_axis_t;

static double
s_x (const s_axis_t *a, int64_t t)
{
    if (t <= a->from)
        return S_LEFT;
    if (t >= a->to)
        return S_LEFT + S_PW;
    return S_LEFT + (double) (t - a->from) / (double) (a->to - a->from) * S_PW;
}

/* Colour of an event type (inline style of its line and mark). */
static const char *
s_event_style (int type)
{
    switch (type) {
    case VG_EV_CONFIG_CHANGE:
    case VG_EV_IMAGE_CHANGE:
    case VG_EV_NTP_CHANGE: return "stroke:#7b3fa0";
    case VG_EV_REBOOT:
    case VG_EV_FAULT: return "stroke:#b3261e";
    case VG_EV_LOGIN: return "stroke:#e07b00";
    case VG_EV_MIRROR_SESSION:
    case VG_EV_CRYPTO_STATE: return "stroke:#8c564b";
    case VG_EV_GAP: return "stroke:#000000";
    default: return "stroke:#8a8a8a";
    }
}

static const char *
s_severity_style (const char *sev)
{
    if (!strcmp (sev, "Critical") || !strcmp (sev, "High"))
        return "fill:#d62728";
    if (!strcmp (sev, "Medium"))
        return "fill:#ff7f0e";
    return "fill:#bcbd22";
}

/* Greedy lanes: each episode in the first lane where nothing drawn so far (its bar or its
 * label, whichever reaches further) overlaps it.  lane[i] gets a lane number below
 * S_MAX_LANES (overflow shares the last lane).  Returns the lanes used. */
static int
s_lanes (const vg_timeline_t *t, const s_axis_t *a, int *lane)
{
    double end[S_MAX_LANES];
    int used = 0;
    for (size_t i = 0; i < t->nepisodes; i++) {
        const vg_tl_episode_t *e = &t->episodes[i];
        double x0 = s_x (a, e->start), x1 = s_x (a, e->end == INT64_MAX ? a->to : e->end);
        double reach = x0 + 6.0 * (double) strlen (e->rule) + 8;
        int l = 0;
        while (l < used && end[l] > x0)
            l++;
        if (l == S_MAX_LANES)
            l = S_MAX_LANES - 1;
        if (l == used)
            used++;
        end[l] = reach > x1 ? reach : x1;
        lane[i] = l;
    }
    return used;
}

static void
s_time_axis (vg_svg_t *s, const s_axis_t *a, double y0, double y1)
{
    static const int64_t steps[] = { 60000,   120000,   300000,   600000,   900000,   1800000,   3600000,
                                     7200000, 10800000, 21600000, 43200000, 86400000, 172800000, 604800000 };
    int64_t span = a->to - a->from, step = steps[sizeof steps / sizeof steps[0] - 1];
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (span / steps[i] <= 12) {
            step = steps[i];
            break;
        }
    int64_t first = a->from - (a->from % step + step) % step;
    if (first < a->from)
        first += step;
    for (int64_t t = first; t <= a->to && t >= first; t += step) {
        double x = s_x (a, t);
        vg_svg_line (s, x, y0, x, y1, "grid", NULL, NULL);
        char iso[40], lab[32];
        vg_clock_rfc3339 (t, iso, sizeof iso); /* 2026-11-02T06:00:00.000Z */
        if (step >= 86400000 || t % 86400000 == 0)
            snprintf (lab, sizeof lab, "%.5s", iso + 5); /* MM-DD */
        else
            snprintf (lab, sizeof lab, "%.5s", iso + 11); /* HH:MM */
        vg_svg_text (s, x, y1 + 14, "tick", "middle", lab);
        if (step < 86400000 && t % 86400000 == 0)
            vg_svg_text (s, x, y1 + 26, "tick", "middle", "(UTC)");
    }
}

/* The values drawn for series x (rates for counters) into *ts and *v; returns the count, or
 * SIZE_MAX when out of memory.  The caller frees the arrays. */
static size_t
s_values (const vg_tl_series_t *x, int64_t **ts, double **v)
{
    *ts = malloc ((x->n ? x->n : 1) * sizeof **ts);
    *v = malloc ((x->n ? x->n : 1) * sizeof **v);
    if (!*ts || !*v)
        return SIZE_MAX;
    if (x->kind == VG_KIND_COUNTER)
        return vg_changes_rate (x->ts, x->v, x->n, *ts, *v);
    memcpy (*ts, x->ts, x->n * sizeof **ts);
    memcpy (*v, x->v, x->n * sizeof **v);
    return x->n;
}

/* A tick step near x > 0: 1, 2 or 5 times a power of ten (1 when x is not a finite
 * positive number). */
static double
s_nice_step (double x)
{
    if (!(x > 0) || !isfinite (x))
        return 1;
    double p = pow (10, floor (log10 (x)));
    double f = x / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* Draw one panel with its top at y. */
static int
s_panel (vg_svg_t *s, const vg_timeline_t *t, const s_axis_t *a, const vg_tl_series_t *x, double y)
{
    int64_t *ts = NULL;
    double *v = NULL;
    size_t n = s_values (x, &ts, &v);
    if (n == SIZE_MAX) {
        free (ts);
        free (v);
        return -VG_ENOMEM;
    }
    int state = x->kind == VG_KIND_STATE;
    vg_svg_group_begin (s, "panel", x->name);
    char title[700];
    snprintf (title, sizeof title, "%s", x->name);
    vg_svg_text (s, S_LEFT, y + 13, "ptitle", "start", title);
    char unit[160];
    if (state)
        snprintf (unit, sizeof unit, "state");
    else if (x->kind == VG_KIND_COUNTER)
        snprintf (unit, sizeof unit, "%s/s (rate of a counter)", x->unit[0] ? x->unit : "1");
    else
        snprintf (unit, sizeof unit, "%s", x->unit[0] ? x->unit : "gauge");
    vg_svg_text (s, S_LEFT + S_PW, y + 13, "punit", "end", unit);
    double top = y + S_PTITLE, bot = top + S_PH;
    /* The alert episodes about this very series, stronger. */
    for (size_t i = 0; i < t->nepisodes; i++) {
        const vg_tl_episode_t *e = &t->episodes[i];
        if (e->series_id != x->sid)
            continue;
        double x0 = s_x (a, e->start), x1 = s_x (a, e->end == INT64_MAX ? a->to : e->end);
        vg_svg_rect (s, x0, top, x1 - x0 < 2 ? 2 : x1 - x0, S_PH, "alert-series", NULL, e->uid);
    }
    vg_svg_rect (s, S_LEFT, top, S_PW, S_PH, "frame", NULL, NULL);
    /* Gaps and missing ends, grey. */
    for (size_t i = 0; i < x->nchanges; i++) {
        const vg_change_t *c = &x->changes[i];
        int64_t g0 = c->kind == VG_CHANGE_START ? c->until : c->ts;
        int64_t g1 = c->kind == VG_CHANGE_START ? c->ts : c->until;
        if (c->kind != VG_CHANGE_GAP && c->kind != VG_CHANGE_START && c->kind != VG_CHANGE_STOP)
            continue;
        double x0 = s_x (a, g0), x1 = s_x (a, g1);
        vg_svg_rect (s, x0, top, x1 - x0, S_PH, "gap", NULL, "no samples");
    }
    /* Y range of the visible values. */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite (v[i])) {
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
        }
    if (!(lo <= hi)) {
        lo = 0;
        hi = 1;
    }
    if (state) {
        lo = lo > 0 ? lo - 0.5 : -0.5;
        hi = hi + 0.5;
    } else if (hi - lo < 1e-12 * (fabs (hi) + 1)) {
        double d = fabs (hi) > 0 ? fabs (hi) * 0.1 : 1;
        lo -= d;
        hi += d;
    } else {
        double pad = (hi - lo) * 0.06;
        lo -= pad;
        hi += pad;
    }
    double ys = S_PH / (hi - lo);
#define S_Y(val) (bot - ((val) - lo) * ys)
    /* Y ticks: state names, or low / middle / high. */
    if (state) {
        for (size_t k = 0; k < x->nstates && k < 10; k++) {
            double yy = S_Y ((double) k);
            if (yy < top || yy > bot)
                continue;
            vg_svg_line (s, S_LEFT, yy, S_LEFT + S_PW, yy, "grid", NULL, NULL);
            vg_svg_text (s, S_LEFT - 6, yy + 3, "tick", "end", x->states[k]);
        }
    } else {
        /* Round values, 1, 2 or 5 times a power of ten apart (2 to 5 of them), so that a
         * level can be read off: ticks at fractions of the range read 51.6 and 948 for a
         * series going from 0 to 1000. */
        double step = s_nice_step ((hi - lo) / 3.0);
        double first = ceil (lo / step);
        for (int k = 0; k < 8 && (first + k) * step <= hi; k++) {
            double val = (first + k) * step;
            if (fabs (val) < step * 1e-9)
                val = 0; /* not -1e-17 */
            char lab[32];
            double yy = S_Y (val);
            vg_svg_line (s, S_LEFT, yy, S_LEFT + S_PW, yy, "grid", NULL, NULL);
            vg_svg_text (s, S_LEFT - 6, yy + 3, "tick", "end", vg_timeline_fmt (val, lab, sizeof lab));
        }
    }
    /* The line: broken at gaps; one min/max envelope per pixel column when dense. */
    int64_t iv = vg_changes_interval (ts, n);
    int dense = n > 2 * (size_t) S_PW;
    vg_svg_path_begin (s, state ? "series state" : "series", NULL);
    int pen = 0;
    double col = -1, cmin = 0, cmax = 0, clast = 0, prev_y = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite (v[i])) {
            pen = 0;
            continue;
        }
        double px = s_x (a, ts[i]), py = S_Y (v[i]);
        int gap = i > 0 && iv > 0 && ts[i] - ts[i - 1] > 3 * iv;
        if (dense && !gap && pen && floor (px) == col) {
            cmin = py < cmin ? py : cmin;
            cmax = py > cmax ? py : cmax;
            clast = py;
            continue;
        }
        if (dense && pen && col >= 0) { /* flush the column just left */
            vg_svg_path_line (s, col, cmin);
            vg_svg_path_line (s, col, cmax);
            vg_svg_path_line (s, col, clast);
        }
        if (!pen || gap)
            vg_svg_path_move (s, px, py);
        else if (state) {
            vg_svg_path_line (s, px, prev_y);
            vg_svg_path_line (s, px, py);
        } else
            vg_svg_path_line (s, px, py);
        pen = 1;
        prev_y = py;
        col = floor (px);
        cmin = cmax = clast = py;
    }
    if (dense && pen && col >= 0) {
        vg_svg_path_line (s, col, cmin);
        vg_svg_path_line (s, col, cmax);
        vg_svg_path_line (s, col, clast);
    }
    vg_svg_path_end (s);
#undef S_Y
    vg_svg_group_end (s);
    free (ts);
    free (v);
    return 0;
}

/* The time axis: the requested range cut to what it holds (samples, events, episodes), so
 * `--from 0` does not squeeze a day into a pixel; the whole range when it holds nothing. */
static s_axis_t
s_extent (const vg_timeline_t *t)
{
    int64_t lo = t->first, hi = t->last;
    for (size_t i = 0; i < t->nevents; i++) {
        lo = t->events[i].ts < lo ? t->events[i].ts : lo;
        hi = t->events[i].ts > hi ? t->events[i].ts : hi;
    }
    for (size_t i = 0; i < t->nepisodes; i++) {
        const vg_tl_episode_t *e = &t->episodes[i];
        lo = e->start < lo ? e->start : lo;
        hi = e->end > hi ? e->end : hi; /* an open episode reaches the end of the range */
    }
    s_axis_t a = { lo > t->from ? lo : t->from, hi < t->to ? hi : t->to };
    if (lo > hi || a.to <= a.from)
        a = (s_axis_t) { t->from, t->to > t->from ? t->to : t->from + 1 };
    return a;
}

int
vg_timeline_svg (const vg_timeline_t *t, const size_t *pick, size_t npick, FILE *f)
{
    s_axis_t a = s_extent (t);
    int *lane = calloc (t->nepisodes ? t->nepisodes : 1, sizeof *lane);
    if (!lane)
        return -VG_ENOMEM;
    int nl = s_lanes (t, &a, lane);
    double lanes_h = (nl ? nl : 1) * S_LANE;
    double ev_top = S_TOP + lanes_h + 4, p_top = ev_top + S_EVSTRIP + 6;
    double p_bot = p_top + (double) npick * (S_PTITLE + S_PH + S_PGAP);
    double h = p_bot + S_AXIS + S_LEGEND;
    vg_svg_t *s = vg_svg_new (f, S_W, h, s_css);
    if (!s) {
        free (lane);
        return -VG_ENOMEM;
    }
    /* Title */
    char buf[1024], f0[40], f1[40];
    vg_clock_rfc3339 (a.from, f0, sizeof f0);
    vg_clock_rfc3339 (a.to, f1, sizeof f1);
    f0[10] = f1[10] = ' '; /* 2026-11-02 06:00:00 */
    f0[19] = f1[19] = '\0';
    snprintf (buf, sizeof buf, "%s", t->device);
    vg_svg_text (s, S_LEFT, 24, "title", "start", buf);
    snprintf (buf, sizeof buf, "%s .. %s UTC \xc2\xb7 %zu of %zu series, %zu events, %zu alert episodes", f0, f1, npick,
              t->nseries, t->nevents, t->nepisodes);
    vg_svg_text (s, S_LEFT, 42, "sub", "start", buf);
    /* Alert lanes and their windows across everything below. */
    vg_svg_text (s, S_LEFT - 6, S_TOP + 11, "lab", "end", "alerts");
    vg_svg_group_begin (s, "alerts", NULL);
    for (int l = 0; l < (nl ? nl : 1); l++)
        vg_svg_rect (s, S_LEFT, S_TOP + l * S_LANE, S_PW, S_LANE - 2, "lane", NULL, NULL);
    for (size_t i = 0; i < t->nepisodes; i++) {
        const vg_tl_episode_t *e = &t->episodes[i];
        double x0 = s_x (&a, e->start), xf = s_x (&a, e->fired);
        double x1 = s_x (&a, e->end == INT64_MAX ? a.to : e->end);
        double w = x1 - x0 < 2 ? 2 : x1 - x0;
        char tip[900], st[40], en[40];
        vg_clock_rfc3339 (e->start, st, sizeof st);
        if (e->end == INT64_MAX)
            snprintf (en, sizeof en, "still open");
        else
            vg_clock_rfc3339 (e->end, en, sizeof en);
        snprintf (tip, sizeof tip, "%s (%s): %s .. %s", e->uid, e->severity, st, en);
        vg_svg_rect (s, x0, p_top, w, p_bot - p_top - S_PGAP, "alert-window", NULL, tip);
        double ly = S_TOP + lane[i] * S_LANE;
        if (xf > x0)
            vg_svg_rect (s, x0, ly, xf - x0, S_LANE - 2, "alert-pending", s_severity_style (e->severity), NULL);
        vg_svg_rect (s, xf, ly, x1 - xf < 2 ? 2 : x1 - xf, S_LANE - 2, "alert-bar", s_severity_style (e->severity),
                     tip);
        char lab[100];
        snprintf (lab, sizeof lab, "%s", e->rule);
        vg_svg_text (s, x0 + 3 > S_LEFT + S_PW - 120 ? S_LEFT + S_PW - 120 : x0 + 3, ly + 11, "lab", "start", lab);
    }
    vg_svg_group_end (s);
    /* Time grid and axis under the panels. */
    s_time_axis (s, &a, p_top, p_bot - S_PGAP);
    int rc = 0;
    for (size_t i = 0; i < npick && rc == 0; i++)
        rc = s_panel (s, t, &a, &t->series[pick[i]], p_top + (double) i * (S_PTITLE + S_PH + S_PGAP));
    /* Events: a mark in the strip and a line through the panels. */
    vg_svg_text (s, S_LEFT - 6, ev_top + 13, "lab", "end", "events");
    vg_svg_rect (s, S_LEFT, ev_top, S_PW, S_EVSTRIP - 2, "lane", NULL, NULL);
    vg_svg_group_begin (s, "events", NULL);
    for (size_t i = 0; i < t->nevents; i++) {
        const vg_tl_event_t *e = &t->events[i];
        double x = s_x (&a, e->ts);
        char tip[480], ts[40];
        vg_clock_rfc3339 (e->ts, ts, sizeof ts);
        snprintf (tip, sizeof tip, "%s %s %s", ts, vg_event_type_name ((vg_event_type_t) e->type), e->text);
        vg_svg_line (s, x, ev_top + 2, x, ev_top + S_EVSTRIP - 4, "event-mark", s_event_style (e->type), tip);
        if (!e->repeat) /* repeats (a flow seen before, a periodic report) are marks only */
            vg_svg_line (s, x, p_top + S_PTITLE, x, p_bot - S_PGAP, "event", s_event_style (e->type), NULL);
    }
    vg_svg_group_end (s);
    /* Legend */
    static const struct {
        int type;
        const char *name;
    } legend[] = { { VG_EV_CONFIG_CHANGE, "config / image / NTP change" },
                   { VG_EV_REBOOT, "reboot / fault" },
                   { VG_EV_LOGIN, "login" },
                   { VG_EV_MIRROR_SESSION, "mirror / crypto" },
                   { VG_EV_FLOW_SUMMARY, "flow to a new destination" },
                   { VG_EV_GAP, "data gap event" } };
    double lx = S_LEFT, ly = h - S_LEGEND + 12;
    for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++) {
        vg_svg_line (s, lx, ly - 9, lx, ly + 1, "event-mark", s_event_style (legend[i].type), NULL);
        vg_svg_text (s, lx + 6, ly, "lab", "start", legend[i].name);
        lx += 30 + 5.6 * (double) strlen (legend[i].name);
    }
    lx = S_LEFT;
    ly += 16;
    vg_svg_rect (s, lx, ly - 9, 18, 10, "alert-bar", "fill:#d62728", NULL);
    vg_svg_text (s, lx + 22, ly, "lab", "start", "alert firing (lighter: pending), its episode window shaded pink");
    lx += 40 + 5.6 * 62;
    vg_svg_rect (s, lx, ly - 9, 18, 10, "gap", NULL, NULL);
    vg_svg_text (s, lx + 22, ly, "lab", "start", "no samples");
    free (lane);
    int frc = vg_svg_finish (&s);
    return rc < 0 ? rc : frc;
}
