/* cmd_eval.c - `vigil eval`: generate a labelled scenario in-process, replay it through the
 * detector engine the way the collector feeds it (devices, series declared on first sight,
 * samples / states / events in time order, one tick per step), and score the findings
 * against the ground-truth labels: per detector and per class precision, recall, time to
 * detect and false alerts per 100 device-days.
 * Invariant: the run is a pure function of the options (sim, rules and engine are all
 * deterministic), so the same command prints the same table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detectors/alert.h"
#include "cli/cli.h"
#include "cli/cli_args.h"
#include "cli/rules_path.h"
#include "common/clock.h"
#include "detectors/engine.h"
#include "detectors/kpi_stage.h"
#include "common/err.h"
#include "common/file_read.h"
#include "common/hash.h"
#include "detectors/rules.h"
#include "sim/sim.h"
#include "sim/sim_scenario.h"

#define MAX_ALERTS 1000000
#define KPI_CAP (1u << 17)
#define MIN_MS_CLI 60000LL

/* A Create record kept for scoring. */
typedef struct {
    char device[256];
    char rule[64];
    char catalog[8];
    char cia;
    int severity, status;
    int64_t time_ms;
    int match;            /* 0 unmatched, 1 true positive, 2 benign look-alike */
} s_alert_t;

typedef struct {
    vg_engine_t *eng;
    const vg_device_t **devs;
    size_t ndevs, capdevs;
    s_alert_t *alerts;
    size_t nalerts, capalerts;
    uint64_t info, suppressed, dropped_alerts, declared, kpi_samples, kpi_full, errors;
    vg_kpi_stage_t *kpi;
    FILE *alerts_out;
    char *line;           /* one JSON line of --alerts / --labels output, grown to fit */
    size_t linecap;
} s_eval_t;

/* Make ev->line hold need + 1 bytes.  Returns 0 or -VG_ENOMEM. */
static int
s_line_fit (s_eval_t *ev, size_t need)
{
    if (need < ev->linecap)
        return 0;
    char *n = realloc (ev->line, need + 1);
    if (!n)
        return -VG_ENOMEM;
    ev->line = n;
    ev->linecap = need + 1;
    return 0;
}

static void
s_help (FILE *f)
{
    fprintf (f, "usage: vigil eval [--scenario NAME] [--rules FILE] [--days N] [--seed N] [--sites N]\n"
                "                  [--interval D] [--incidents N] [--grace D] [--format text|json]\n"
                "                  [--labels FILE] [--alerts FILE] [--verbose]\n"
                "  Simulates the scenario (default catalog, 17 days, 5m interval, 20 sites), replays it\n"
                "  through the detectors and scores findings against the labels.  An alert is a Create\n"
                "  record that is not suppressed and has severity >= low; it matches a label when its\n"
                "  catalogue id and device (or the label's entity) match and it fires within\n"
                "  [start, end + grace] (grace default 1h).  --rules defaults to the first of\n"
                "  detectors/rules.yaml, /etc/vigil/rules.yaml and the installed rules (PREFIX/share/\n"
                "  vigil/rules.yaml beside this program, then %s).  Rules that define no\n"
                "  windows get the simulated operator's change calendar (vigil sim --windows).\n",
             vg_rules_path_installed ());
}

static const vg_device_t *
s_dev (const s_eval_t *ev, const char *id)
{
    for (size_t i = 0; i < ev->ndevs; i++)
        if (strcmp (ev->devs[i]->id, id) == 0)
            return ev->devs[i];
    return NULL;
}

static int
s_on_device (void *ctx, const vg_device_t *d)
{
    s_eval_t *ev = ctx;
    if (!s_dev (ev, d->id)) {
        if (ev->ndevs == ev->capdevs) {
            size_t nc = ev->capdevs ? ev->capdevs * 2 : 64;
            const vg_device_t **n = realloc (ev->devs, nc * sizeof *n);
            if (!n)
                return -VG_ENOMEM;
            ev->devs = n;
            ev->capdevs = nc;
        }
        ev->devs[ev->ndevs++] = d; /* the sim's devices live as long as the sim */
    }
    return vg_engine_device (ev->eng, d);
}

/* Feed one sample, declaring its series on first sight (as the collector does). */
static int
s_feed (s_eval_t *ev, uint64_t id, const vg_point_t *p, const char *path, vg_kind_t kind, double v)
{
    int rc = kind == VG_KIND_STATE ? vg_engine_state (ev->eng, id, p->ts_ms, p->state)
                                   : vg_engine_sample (ev->eng, id, p->ts_ms, v);
    if (rc != -VG_ENOTFOUND)
        return rc;
    const vg_device_t *d = s_dev (ev, p->device);
    if (!d)
        return -VG_EINVAL;
    vg_series_info_t info = { d, path, p->labels, p->nlabels, kind };
    rc = vg_engine_series (ev->eng, id, &info);
    if (rc < 0)
        return rc;
    ev->declared++;
    return kind == VG_KIND_STATE ? vg_engine_state (ev->eng, id, p->ts_ms, p->state)
                                 : vg_engine_sample (ev->eng, id, p->ts_ms, v);
}

/* The KPI stage (detectors/kpi_stage.h): per-ROP success ratios of counter pairs, fed as
 * kpi/... series, declared on first sight like any other. */
static void
s_kpi (s_eval_t *ev, const vg_point_t *p)
{
    int succ;
    const char *kpath = vg_kpi_stage_path (p->path, &succ);
    if (!kpath)
        return;
    uint64_t id = vg_series_id (p->device, kpath, p->labels, p->nlabels);
    double r;
    int rc = vg_kpi_stage_sample (ev->kpi, id, succ, p->ts_ms, p->value, &r);
    if (rc == -VG_EFULL)
        ev->kpi_full++;
    if (rc != 1)
        return;
    vg_point_t kp = *p;
    kp.path = kpath;
    kp.kind = VG_KIND_GAUGE;
    if (s_feed (ev, id, &kp, kp.path, VG_KIND_GAUGE, r) < 0)
        ev->errors++;
    ev->kpi_samples++;
}

static int
s_on_sample (void *ctx, const vg_point_t *p)
{
    s_eval_t *ev = ctx;
    uint64_t id = p->series_hint ? p->series_hint : vg_series_id (p->device, p->path, p->labels, p->nlabels);
    if (s_feed (ev, id, p, p->path, p->kind, p->value) < 0)
        ev->errors++;
    if (p->kind == VG_KIND_COUNTER)
        s_kpi (ev, p);
    return 0;
}

static int
s_on_event (void *ctx, const vg_event_t *e)
{
    s_eval_t *ev = ctx;
    const vg_device_t *d = s_dev (ev, e->device);
    if (!d || vg_engine_event (ev->eng, e, d) < 0)
        ev->errors++;
    return 0;
}

static void
s_on_alert (void *ctx, const vg_alert_t *a)
{
    s_eval_t *ev = ctx;
    if (a->activity != VG_ACT_CREATE)
        return;
    if (a->status == VG_STATUS_SUPPRESSED) {
        ev->suppressed++;
        return;
    }
    if (a->severity < VG_SEV_LOW) {
        ev->info++;
        return;
    }
    if (ev->alerts_out) {
        size_t n = vg_alert_to_json (a, ev->line, ev->linecap);
        if (n >= ev->linecap && s_line_fit (ev, n) == 0)
            n = vg_alert_to_json (a, ev->line, ev->linecap);
        if (n < ev->linecap)
            fprintf (ev->alerts_out, "%s\n", ev->line);
        else
            ev->errors++;
    }
    if (ev->nalerts >= MAX_ALERTS) {
        ev->dropped_alerts++;
        return;
    }
    if (ev->nalerts == ev->capalerts) {
        size_t nc = ev->capalerts ? ev->capalerts * 2 : 256;
        s_alert_t *n = realloc (ev->alerts, nc * sizeof *n);
        if (!n) {
            ev->dropped_alerts++;
            return;
        }
        ev->alerts = n;
        ev->capalerts = nc;
    }
    s_alert_t *x = &ev->alerts[ev->nalerts++];
    memset (x, 0, sizeof *x);
    snprintf (x->device, sizeof x->device, "%s", a->device);
    snprintf (x->rule, sizeof x->rule, "%.63s", a->rule_id);
    snprintf (x->catalog, sizeof x->catalog, "%.7s", a->catalog);
    x->cia = a->cia;
    x->severity = a->severity;
    x->status = a->status;
    x->time_ms = a->time_ms;
}

/* ---- scoring -------------------------------------------------------------------------- */

typedef struct {
    char key[64];
    uint64_t tp, fp, fp_benign, incidents, detected, benign, benign_hit;
    double *ttd;          /* ms, per detected incident */
    size_t nttd;
} s_row_t;

static int
s_label_matches (const vg_sim_label_t *l, const s_alert_t *a, int64_t grace)
{
    if (strcmp (l->detector, a->catalog) != 0 || a->time_ms < l->start_ms || a->time_ms > l->end_ms + grace)
        return 0;
    if (l->entity && strcmp (l->entity, a->device) == 0)
        return 1;
    for (size_t i = 0; i < l->ndevices; i++)
        if (strcmp (l->devices[i], a->device) == 0)
            return 1;
    return 0;
}

static s_row_t *
s_row (s_row_t *rows, size_t *n, size_t cap, const char *key)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp (rows[i].key, key) == 0)
            return &rows[i];
    if (*n >= cap)
        return NULL;
    s_row_t *r = &rows[(*n)++];
    memset (r, 0, sizeof *r);
    snprintf (r->key, sizeof r->key, "%s", key);
    return r;
}

static int
s_dcmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v (q in (0, 1]). */
static double
s_pct (const double *v, size_t n, double q)
{
    if (!n)
        return NAN;
    size_t r = (size_t) ceil (q * (double) n);
    return v[(r ? r : 1) - 1];
}

static double
s_median (const double *v, size_t n)
{
    if (!n)
        return NAN;
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static const char *
s_class_name (char c)
{
    return c == 'A' ? "A" : c == 'C' ? "C" : c == 'I' ? "I" : "fleet";
}

typedef struct {
    double precision, recall, med, p95;
} s_stat_t;

static s_stat_t
s_stats (s_row_t *r)
{
    s_stat_t st;
    qsort (r->ttd, r->nttd, sizeof *r->ttd, s_dcmp);
    st.precision = r->tp + r->fp ? (double) r->tp / (double) (r->tp + r->fp) : NAN;
    st.recall = r->incidents ? (double) r->detected / (double) r->incidents : NAN;
    st.med = s_median (r->ttd, r->nttd);
    st.p95 = s_pct (r->ttd, r->nttd, 0.95);
    return st;
}

static void
s_num (FILE *f, const char *key, double v, const char *sep)
{
    if (isfinite (v))
        fprintf (f, "\"%s\":%.6g%s", key, v, sep);
    else
        fprintf (f, "\"%s\":null%s", key, sep);
}

static void
s_print_rows (FILE *f, s_row_t *rows, size_t n, double iv_s, int json, const char *title)
{
    if (!json) {
        fprintf (f, "\n%-9s %5s %5s %5s %4s %9s %7s %8s %13s %13s %7s\n", title, "inc", "TP", "FP", "FN", "precision",
                 "recall", "benign", "TTD med", "TTD p95", "");
        fprintf (f, "%-9s %5s %5s %5s %4s %9s %7s %8s %13s %13s\n", "", "", "", "", "", "", "", "hit/n", "int (s)",
                 "int (s)");
    }
    for (size_t i = 0; i < n; i++) {
        s_row_t *r = &rows[i];
        s_stat_t st = s_stats (r);
        if (json) {
            fprintf (f, "%s{\"key\":\"%s\",\"incidents\":%llu,\"detected\":%llu,\"tp_alerts\":%llu,\"fp_alerts\":%llu,"
                        "\"fp_benign_alerts\":%llu,\"fn\":%llu,\"benign\":%llu,\"benign_alerted\":%llu,",
                     i ? "," : "", r->key, (unsigned long long) r->incidents, (unsigned long long) r->detected,
                     (unsigned long long) r->tp, (unsigned long long) r->fp, (unsigned long long) r->fp_benign,
                     (unsigned long long) (r->incidents - r->detected), (unsigned long long) r->benign,
                     (unsigned long long) r->benign_hit);
            s_num (f, "precision", st.precision, ",");
            s_num (f, "recall", st.recall, ",");
            s_num (f, "ttd_median_intervals", st.med / 1000.0 / iv_s, ",");
            s_num (f, "ttd_p95_intervals", st.p95 / 1000.0 / iv_s, ",");
            s_num (f, "ttd_median_s", st.med / 1000.0, ",");
            s_num (f, "ttd_p95_s", st.p95 / 1000.0, "}");
            continue;
        }
        char p[16], rc[16], b[16], m[24], q[24];
        snprintf (p, sizeof p, isfinite (st.precision) ? "%.3f" : "-", st.precision);
        snprintf (rc, sizeof rc, isfinite (st.recall) ? "%.3f" : "-", st.recall);
        snprintf (b, sizeof b, "%llu/%llu", (unsigned long long) r->benign_hit, (unsigned long long) r->benign);
        if (isfinite (st.med)) {
            snprintf (m, sizeof m, "%.1f (%.0f)", st.med / 1000.0 / iv_s, st.med / 1000.0);
            snprintf (q, sizeof q, "%.1f (%.0f)", st.p95 / 1000.0 / iv_s, st.p95 / 1000.0);
        } else {
            snprintf (m, sizeof m, "-");
            snprintf (q, sizeof q, "-");
        }
        fprintf (f, "%-9s %5llu %5llu %5llu %4llu %9s %7s %8s %13s %13s\n", r->key, (unsigned long long) r->incidents,
                 (unsigned long long) r->tp, (unsigned long long) r->fp,
                 (unsigned long long) (r->incidents - r->detected), p, rc, b, m, q);
    }
}

static int
s_key_cmp (const void *a, const void *b)
{
    return strcmp (((const s_row_t *) a)->key, ((const s_row_t *) b)->key);
}

/* ---- command -------------------------------------------------------------------------- */

/* The whole file (at most 64 MiB), NUL-terminated, its length in *len; NULL on an error. */
static char *
s_slurp (const char *path, size_t *len)
{
    vg_buf_t b = VG_BUF_INIT;
    if (vg_file_read (path, 64u << 20, &b) < 0) {
        vg_buf_free (&b);
        return NULL;
    }
    *len = b.len;
    return (char *) b.data;
}

/* Rules without windows get the simulated operator's change calendar (vg_sim_windows_yaml),
 * as an operator's own rules would carry theirs: *text is replaced by the rules with the
 * calendar appended and *rules by their parse (left as they are, with a note, when that
 * does not parse).  Returns 0 or -1 (out of memory, err set). */
static int
s_with_sim_windows (char **text, size_t *len, const char *path, vg_rules_t **rules, char *err, size_t errlen)
{
    const char *cal = vg_sim_windows_yaml ();
    size_t clen = strlen (cal);
    char *t = realloc (*text, *len + 1 + clen + 1);
    if (!t) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    t[*len] = '\n';
    memcpy (t + *len + 1, cal, clen + 1);
    *text = t;
    *len += 1 + clen;
    vg_rules_t *with = NULL;
    if (vg_rules_parse (t, *len, path, &with, err, errlen) < 0) {   /* e.g. an explicit `windows: []` */
        fprintf (stderr, "vigil eval: the simulator's change calendar is not applied (%s)\n", err);
        return 0;
    }
    vg_rules_destroy (rules);
    *rules = with;
    return 0;
}

int
vg_cmd_eval (int argc, char **argv)
{
    vg_sim_cfg_t cfg;
    vg_sim_cfg_defaults (&cfg);
    cfg.scenario = "catalog";
    cfg.interval_ms = 5 * MIN_MS_CLI;
    const char *rules_path = NULL, *labels_path = NULL, *alerts_path = NULL;
    double days = 17;
    int64_t grace = 3600000;
    const char *format = "text";
    bool verbose_flag = false;
    static const char *const formats[] = { "text", "json", NULL };
    const vg_arg_t args[] = {
        { .name = "--scenario", .type = VG_ARG_STR, .dst = &cfg.scenario },
        { .name = "--rules", .type = VG_ARG_STR, .dst = &rules_path },
        { .name = "--days", .type = VG_ARG_F64, .dst = &days, .min = 1e-3, .max = 366 },
        { .name = "--seed", .type = VG_ARG_U64, .dst = &cfg.seed },
        { .name = "--sites", .type = VG_ARG_U32, .dst = &cfg.sites, .min = 1, .max = 10000 },
        { .name = "--incidents", .type = VG_ARG_U32, .dst = &cfg.scenario_n, .min = 0, .max = 10000 },
        { .name = "--labels", .type = VG_ARG_STR, .dst = &labels_path },
        { .name = "--alerts", .type = VG_ARG_STR, .dst = &alerts_path },
        { .name = "--interval", .type = VG_ARG_DURATION, .dst = &cfg.interval_ms },
        { .name = "--grace", .type = VG_ARG_DURATION, .dst = &grace },
        { .name = "--format", .type = VG_ARG_ENUM, .dst = &format, .choices = formats },
        { .name = "--verbose", .alias = "-v", .type = VG_ARG_FLAG, .dst = &verbose_flag },
    };
    int arc = vg_cli_args ("vigil eval", args, sizeof args / sizeof args[0], argc, argv, s_help, NULL);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    int json = !strcmp (format, "json"), verbose = verbose_flag;
    if (!vg_sim_scenario_help (cfg.scenario)) {
        fprintf (stderr, "vigil eval: unknown scenario '%s' (vigil sim --help lists them)\n", cfg.scenario);
        return 2;
    }
    cfg.end_ms = cfg.start_ms + (int64_t) (days * 86400000.0);
    char found[VG_RULES_PATH_MAX];
    if (!rules_path) {
        if (vg_rules_path_default ("vigil eval", found, sizeof found) < 0)
            return 2;
        rules_path = found;
    }
    size_t rlen = 0;
    char *text = s_slurp (rules_path, &rlen);
    if (!text) {
        fprintf (stderr, "vigil eval: cannot read rules %s (use --rules FILE)\n", rules_path);
        return 2;
    }
    vg_rules_t *rules = NULL;
    char err[512];
    int rc = vg_rules_parse (text, rlen, rules_path, &rules, err, sizeof err);
    if (rc == 0 && rules->nwindows == 0)
        rc = s_with_sim_windows (&text, &rlen, rules_path, &rules, err, sizeof err);
    free (text);
    if (rc < 0) {
        fprintf (stderr, "vigil eval: %s\n", err);
        return 2;
    }
    vg_sim_t *sim = vg_sim_new (&cfg, &rc);
    if (!sim) {
        fprintf (stderr, "vigil eval: invalid configuration (%s)\n", vg_strerror (rc));
        vg_rules_destroy (&rules);
        return 2;
    }
    s_eval_t ev;
    memset (&ev, 0, sizeof ev);
    ev.kpi = vg_kpi_stage_new (KPI_CAP);
    ev.eng = vg_engine_new (rules, NULL, s_on_alert, &ev);
    int status = 1;
    if (!ev.kpi || !ev.eng || s_line_fit (&ev, 4095) < 0)
        goto done;
    if (alerts_path) {
        ev.alerts_out = fopen (alerts_path, "w");
        if (!ev.alerts_out) {
            fprintf (stderr, "vigil eval: cannot write %s\n", alerts_path);
            goto done;
        }
    }
    if (labels_path) {
        FILE *lf = fopen (labels_path, "w");
        if (!lf) {
            fprintf (stderr, "vigil eval: cannot write %s\n", labels_path);
            goto done;
        }
        for (size_t i = 0; i < vg_sim_label_count (sim); i++) {
            const vg_sim_label_t *l = vg_sim_label (sim, i);
            size_t n = vg_sim_label_json (l, ev.line, ev.linecap);
            if (n >= ev.linecap && s_line_fit (&ev, n) == 0)
                n = vg_sim_label_json (l, ev.line, ev.linecap);
            if (n < ev.linecap)
                fprintf (lf, "%s\n", ev.line);
            else
                ev.errors++;
        }
        fclose (lf);
    }
    vg_sink_t sink = { &ev, s_on_device, s_on_sample, s_on_event };
    struct timespec t0, t1;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    rc = vg_sim_announce (sim, &sink);
    uint64_t samples = 0, steps = 0;
    while (rc >= 0) {
        int64_t ts = vg_sim_next_ts (sim);
        if (ts == INT64_MAX)
            break;
        rc = vg_sim_step (sim, &sink);
        if (rc < 0)
            break;
        samples += (uint64_t) rc;
        steps++;
        vg_engine_tick (ev.eng, ts);
    }
    clock_gettime (CLOCK_MONOTONIC, &t1);
    double secs = (double) (t1.tv_sec - t0.tv_sec) + 1e-9 * (double) (t1.tv_nsec - t0.tv_nsec);
    if (rc < 0) {
        fprintf (stderr, "vigil eval: replay failed: %s\n", vg_strerror (rc));
        goto done;
    }

    /* Score. */
    size_t nl = vg_sim_label_count (sim);
    int64_t *first = malloc ((nl ? nl : 1) * sizeof *first);
    s_row_t det[64], cls[8], all[1];
    size_t ndet = 0, ncls = 0, nall = 0;
    if (!first)
        goto done;
    for (size_t i = 0; i < nl; i++)
        first[i] = INT64_MAX;
    uint64_t fp_total = 0;
    for (size_t j = 0; j < ev.nalerts; j++) {
        s_alert_t *a = &ev.alerts[j];
        for (size_t i = 0; i < nl; i++) {
            const vg_sim_label_t *l = vg_sim_label (sim, i);
            if (!s_label_matches (l, a, grace))
                continue;
            if (l->benign) {
                if (a->match == 0)
                    a->match = 2;
                if (first[i] == INT64_MAX)
                    first[i] = a->time_ms;
            } else {
                a->match = 1;
                if (a->time_ms < first[i])
                    first[i] = a->time_ms;
            }
        }
        char ck[2] = { a->cia, 0 };
        s_row_t *rows[3] = { s_row (det, &ndet, 64, a->catalog[0] ? a->catalog : a->rule),
                             s_row (cls, &ncls, 8, s_class_name (ck[0])), s_row (all, &nall, 1, "all") };
        for (int k = 0; k < 3; k++) {
            if (!rows[k])
                continue;
            if (a->match == 1)
                rows[k]->tp++;
            else
                rows[k]->fp++;
            if (a->match == 2)
                rows[k]->fp_benign++;
        }
        fp_total += a->match != 1;
        if (verbose && a->match != 1)
            fprintf (stderr, "FP %s %s %s at %lld%s\n", a->rule, a->catalog, a->device, (long long) a->time_ms,
                     a->match == 2 ? " (benign look-alike)" : "");
    }
    size_t cap_ttd = nl ? nl : 1;
    for (size_t i = 0; i < ndet; i++)
        det[i].ttd = calloc (cap_ttd, sizeof (double));
    for (size_t i = 0; i < ncls; i++)
        cls[i].ttd = calloc (cap_ttd, sizeof (double));
    for (size_t i = 0; i < nl; i++) {
        const vg_sim_label_t *l = vg_sim_label (sim, i);
        s_row_t *rows[3] = { s_row (det, &ndet, 64, l->detector), s_row (cls, &ncls, 8, s_class_name (l->cia)),
                             s_row (all, &nall, 1, "all") };
        for (int k = 0; k < 3; k++) {
            s_row_t *r = rows[k];
            if (!r)
                continue;
            if (!r->ttd)
                r->ttd = calloc (cap_ttd, sizeof (double));
            if (l->benign) {
                r->benign++;
                r->benign_hit += first[i] != INT64_MAX;
                continue;
            }
            r->incidents++;
            if (first[i] != INT64_MAX) {
                r->detected++;
                if (r->ttd)
                    r->ttd[r->nttd++] = (double) (first[i] - l->start_ms);
            }
        }
        if (verbose && !l->benign && first[i] == INT64_MAX)
            fprintf (stderr, "MISS %s %s %s %s at %lld..%lld\n", l->id, l->type, l->detector,
                     l->entity ? l->entity : "", (long long) l->start_ms, (long long) l->end_ms);
        if (verbose && l->benign && first[i] != INT64_MAX)
            fprintf (stderr, "BENIGN-ALERTED %s %s %s %s\n", l->id, l->type, l->detector, l->entity ? l->entity : "");
    }
    qsort (det, ndet, sizeof *det, s_key_cmp);
    qsort (cls, ncls, sizeof *cls, s_key_cmp); /* A, C, I, fleet */
    double iv_s = (double) cfg.interval_ms / 1000.0;
    double dev_days = (double) vg_sim_device_count (sim) * days;
    double fp100 = dev_days > 0 ? 100.0 * (double) fp_total / dev_days : NAN;
    vg_engine_stats_t es;
    vg_engine_stats (ev.eng, &es);
    FILE *o = stdout;
    if (json) {
        fprintf (o, "{\"scenario\":\"%s\",\"seed\":%llu,\"days\":%g,\"interval_ms\":%lld,\"sites\":%u,\"devices\":%zu,"
                    "\"series\":%zu,\"steps\":%llu,\"samples\":%llu,\"labels\":%zu,\"alerts\":%zu,\"info_findings\":%llu,"
                    "\"suppressed_findings\":%llu,\"false_alerts\":%llu,",
                 cfg.scenario, (unsigned long long) cfg.seed, days, (long long) cfg.interval_ms, cfg.sites,
                 vg_sim_device_count (sim), vg_sim_series_count (sim), (unsigned long long) steps,
                 (unsigned long long) samples, nl, ev.nalerts, (unsigned long long) ev.info,
                 (unsigned long long) ev.suppressed, (unsigned long long) fp_total);
        s_num (o, "false_alerts_per_100_device_days", fp100, ",");
        s_num (o, "seconds", secs, ",");
        fprintf (o, "\"grace_ms\":%lld,\"detectors\":[", (long long) grace);
        s_print_rows (o, det, ndet, iv_s, 1, NULL);
        fprintf (o, "],\"classes\":[");
        s_print_rows (o, cls, ncls, iv_s, 1, NULL);
        fprintf (o, "],\"overall\":");
        s_print_rows (o, all, nall, iv_s, 1, NULL);
        fprintf (o, "}\n");
    } else {
        fprintf (o, "vigil eval: scenario %s, seed %llu, %g days at %g s, %u sites: %zu devices, %zu series, "
                    "%llu samples, %zu labels\n",
                 cfg.scenario, (unsigned long long) cfg.seed, days, iv_s, cfg.sites, vg_sim_device_count (sim),
                 vg_sim_series_count (sim), (unsigned long long) samples, nl);
        fprintf (o, "alerts %zu (plus %llu info findings, %llu suppressed by maintenance windows); "
                    "false alerts %llu = %.2f per 100 device-days; replay %.1f s (%.0f ns/sample incl. sim)\n",
                 ev.nalerts, (unsigned long long) ev.info, (unsigned long long) ev.suppressed,
                 (unsigned long long) fp_total, fp100, secs, samples ? 1e9 * secs / (double) samples : 0.0);
        s_print_rows (o, det, ndet, iv_s, 0, "detector");
        s_print_rows (o, cls, ncls, iv_s, 0, "class");
        s_print_rows (o, all, nall, iv_s, 0, "overall");
        fprintf (o, "\nTTD in sample intervals (seconds); inc = labelled incidents, TP/FP = alerts, FN = missed "
                    "incidents, benign hit/n = benign look-alikes that alerted.\n");
    }
    if (ev.errors || ev.dropped_alerts || es.detector_errors)
        fprintf (stderr, "vigil eval: %llu feed errors, %llu alerts not kept, %llu detector errors\n",
                 (unsigned long long) ev.errors, (unsigned long long) ev.dropped_alerts,
                 (unsigned long long) es.detector_errors);
    for (size_t i = 0; i < ndet; i++)
        free (det[i].ttd);
    for (size_t i = 0; i < ncls; i++)
        free (cls[i].ttd);
    for (size_t i = 0; i < nall; i++)
        free (all[i].ttd);
    free (first);
    status = 0;
done:
    if (ev.alerts_out)
        fclose (ev.alerts_out);
    vg_engine_destroy (&ev.eng);
    vg_kpi_stage_destroy (&ev.kpi);
    free (ev.alerts);
    free (ev.devs);
    free (ev.line);
    vg_sim_destroy (&sim);
    vg_rules_destroy (&rules);
    return status;
}
