/* cmd_detect.c - `vigil detect`: offline anomaly scores for one series read as CSV.
 *
 * Default detector "onset" (detectors/onset.h): the sparse, calibrated streaming score,
 * one vg_onset_step per row.  Any other univariate kind runs the collector's code path: a
 * one-rule rule set (the detector and its --param values, validated by the rules parser)
 * in a detector engine with one series; each data row is one vg_engine_sample and prints
 * the verdict's score in [0,1] (0 while the detector has no opinion: warm-up, dropped or
 * out-of-order rows). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/cli.h"
#include "common/clock.h"
#include "detectors/engine.h"
#include "detectors/onset.h"
#include "common/err.h"
#include "common/hash.h"

#define S_LINE_MAX 4096

static void
s_help (FILE *f)
{
    fprintf (f, "usage: vigil detect [--detector NAME] [--param KEY=VALUE ...] [--kind gauge|counter] < series.csv\n"
                "  Reads CSV 'timestamp,value' with a header line (timestamp: epoch ms or 'YYYY-MM-DD HH:MM:SS' UTC)\n"
                "  and prints one anomaly score in [0,1] per data row, in order (%%.6f), nothing else on stdout.\n"
                "  --detector  onset (default: sparse onset score, detectors/onset.h) or a univariate kind: ");
    for (size_t i = 0; vg_detector_kinds[i]; i++)
        if (vg_detector_kinds[i]->scope == VG_SCOPE_SERIES && vg_detector_kinds[i]->on_sample)
            fprintf (f, "%s%s", i ? " " : "", vg_detector_kinds[i]->name);
    fprintf (f, "\n  --param     a parameter of the detector (see docs/DETECTORS.md), repeatable\n"
                "  --kind      counter: values are cumulative counts (scored as rates)\n"
                "  onset parameters:\n");
    const char *help;
    double lo, hi;
    for (size_t i = 0; vg_onset_param (i, &help, &lo, &hi); i++)
        fprintf (f, "    %-13s %s [%g, %g]\n", vg_onset_param (i, NULL, NULL, NULL), help, lo, hi);
}

/* Append s as a double-quoted YAML scalar. */
static void
s_yaml_str (char *buf, size_t size, size_t *n, const char *s)
{
    *n += (size_t) snprintf (buf + *n, *n < size ? size - *n : 0, "\"");
    for (; *s && *n + 3 < size; s++) {
        if (*s == '"' || *s == '\\')
            buf[(*n)++] = '\\';
        buf[(*n)++] = *s;
    }
    *n += (size_t) snprintf (buf + *n, *n < size ? size - *n : 0, "\"");
}

/* Strip blanks and one pair of double quotes around a CSV field (in place). */
static char *
s_field (char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen (s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = '\0';
        s++;
    }
    return s;
}

static int
s_parse_ts (const char *s, int64_t *ts)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p && strspn (p, "0123456789") == strlen (p)) {
        errno = 0;
        char *end;
        long long v = strtoll (s, &end, 10);
        if (errno || *end)
            return -1;
        *ts = v;
        return 0;
    }
    /* "YYYY-MM-DD HH:MM:SS" (also RFC 3339); relative forms are not accepted here. */
    if (strlen (s) < 19 || !isdigit ((unsigned char) s[0]))
        return -1;
    return vg_clock_parse (s, 0, ts) == 0 ? 0 : -1;
}

/* The scorer behind one `vigil detect` run: the onset score, or an engine with one rule. */
typedef struct {
    int onset, counter;
    vg_onset_cfg_t ocfg;
    vg_onset_t ost;
    int64_t last_ts; /* onset + counter: previous row */
    double last_raw;
    int has_raw;
    vg_engine_t *e;
    uint64_t sid;
} s_scorer_t;

/* Score of one row in [0,1]. */
static double
s_score (s_scorer_t *sc, int64_t ts, double v)
{
    if (sc->onset) {
        if (sc->counter) {
            /* cumulative count -> per-second rate; a reset or a non-advancing time is skipped */
            double prev = sc->last_raw;
            int64_t pts = sc->last_ts;
            int had = sc->has_raw;
            sc->last_raw = v, sc->last_ts = ts, sc->has_raw = 1;
            if (!had || ts <= pts || v < prev)
                return 0.0;
            v = (v - prev) * 1000.0 / (double) (ts - pts);
        }
        return vg_onset_step (&sc->ost, &sc->ocfg, ts, v);
    }
    vg_engine_stats_t before, after;
    vg_engine_stats (sc->e, &before);
    vg_engine_sample (sc->e, sc->sid, ts, v);
    vg_engine_stats (sc->e, &after);
    vg_verdict_t vd;
    if (after.dropped == before.dropped && vg_engine_last_verdict (sc->e, sc->sid, &vd) == 0 &&
        vd.state != VG_VERDICT_NONE && isfinite (vd.score))
        return vd.score < 0 ? 0 : vd.score > 1 ? 1 : vd.score;
    return 0.0;
}

/* Parse --param KEY=VALUE: key into key[65], value pointer in *val.  Returns 0, or 2 after
 * a message. */
static int
s_split_param (const char *p, char key[65], const char **val)
{
    const char *eq = strchr (p, '=');
    size_t kl = eq ? (size_t) (eq - p) : 0;
    if (!eq || kl == 0 || kl > 64 || strspn (p, "abcdefghijklmnopqrstuvwxyz0123456789_") != kl) {
        fprintf (stderr, "vigil detect: --param '%s' is not KEY=VALUE\n", p);
        return 2;
    }
    memcpy (key, p, kl);
    key[kl] = '\0';
    *val = eq + 1;
    return 0;
}

/* Call fn (arg, param, key, value) for each --param KEY=VALUE in order, stopping at the
 * first that is not KEY=VALUE or that fn refuses: the user sees the first bad one.  Returns
 * 0, or 2 after a message (fn returns 0, or 2 after a message). */
static int
s_each_param (const char *const *params, size_t nparams,
              int (*fn) (void *, const char *, const char *, const char *), void *arg)
{
    for (size_t i = 0; i < nparams; i++) {
        char key[65];
        const char *val;
        int rc = s_split_param (params[i], key, &val);
        if (rc == 0)
            rc = fn (arg, params[i], key, val);
        if (rc)
            return rc;
    }
    return 0;
}

/* s_each_param's fn for the onset scorer: one parameter set in the scorer's configuration. */
static int
s_onset_param (void *arg, const char *param, const char *key, const char *val)
{
    s_scorer_t *sc = arg;
    char *end;
    errno = 0;
    double d = strtod (val, &end);
    if (!*val || *end || errno || vg_onset_cfg_set (&sc->ocfg, key, d) < 0) {
        fprintf (stderr, "vigil detect: --param '%s': unknown onset parameter or value out of range (try --help)\n",
                 param);
        return 2;
    }
    return 0;
}

/* Set up the onset scorer from --param values.  Returns 0, or 2 after a message. */
static int
s_setup_onset (s_scorer_t *sc, const char *const *params, size_t nparams)
{
    vg_onset_cfg_default (&sc->ocfg);
    int rc = s_each_param (params, nparams, s_onset_param, sc);
    if (rc)
        return rc;
    if (vg_onset_cfg_check (&sc->ocfg) < 0) {
        fprintf (stderr, "vigil detect: onset parameters inconsistent (zlo must be below zcap)\n");
        return 2;
    }
    vg_onset_init (&sc->ost);
    return 0;
}

/* The one-rule YAML of the engine scorer, as s_each_param fills it. */
typedef struct {
    char yaml[8192];
    size_t n; /* may pass sizeof yaml: then it is too long */
    size_t nparams;
} s_rule_yaml_t;

/* s_each_param's fn for the engine scorer: "key: value" appended to the params map. */
static int
s_engine_param (void *arg, const char *param, const char *key, const char *val)
{
    s_rule_yaml_t *y = arg;
    (void) param;
    y->n += (size_t) snprintf (y->yaml + y->n, y->n < sizeof y->yaml ? sizeof y->yaml - y->n : 0, "%s%s: ",
                               y->nparams++ ? ", " : " ", key);
    s_yaml_str (y->yaml, sizeof y->yaml, &y->n, val);
    return 0;
}

/* Set up the engine scorer: a one-rule rule set, as YAML, so parameters are checked exactly
 * as in a rules file.  Returns 0, or 2 after a message (*rules may be set then too). */
static int
s_setup_engine (s_scorer_t *sc, const char *detector, const char *const *params, size_t nparams,
                vg_rules_t **rules)
{
    s_rule_yaml_t y = { .n = 0 };
    y.n = (size_t) snprintf (y.yaml, sizeof y.yaml,
                             "rules:\n  - id: detect\n    detector: %s\n    match: { path: [\"*\"] }\n    params: {",
                             detector);
    int rc = s_each_param (params, nparams, s_engine_param, &y);
    if (rc)
        return rc;
    size_t n = y.n;
    char *yaml = y.yaml;
    n += (size_t) snprintf (yaml + n, n < sizeof y.yaml ? sizeof y.yaml - n : 0, " }\n");
    if (n >= sizeof y.yaml) {
        fprintf (stderr, "vigil detect: parameters too long\n");
        return 2;
    }
    char err[512];
    if (vg_rules_parse (yaml, n, "--param", rules, err, sizeof err) < 0) {
        fprintf (stderr, "vigil detect: %s\n", err);
        return 2;
    }
    vg_engine_cfg_t ecfg = { .keep_last = 1 }; /* each row prints the last verdict */
    sc->e = vg_engine_new (*rules, &ecfg, NULL, NULL);
    static vg_device_t dev = { "detect", "", "", "", "", "" };
    const char *path = "series";
    sc->sid = vg_series_id (dev.id, path, NULL, 0);
    vg_series_info_t info = { &dev, path, NULL, 0, sc->counter ? VG_KIND_COUNTER : VG_KIND_GAUGE };
    if (!sc->e || vg_engine_series (sc->e, sc->sid, &info) <= 0) {
        fprintf (stderr, "vigil detect: cannot set up the detector\n");
        return 1;
    }
    return 0;
}

int
vg_cmd_detect (int argc, char **argv)
{
    const char *detector = "onset", *kind = "gauge";
    vg_arg_multi_t params = { 0 };
    const vg_arg_t args[] = {
        { .name = "--detector", .type = VG_ARG_STR, .dst = &detector },
        { .name = "--kind", .type = VG_ARG_STR, .dst = &kind },
        { .name = "--param", .type = VG_ARG_MULTI, .dst = &params },
    };
    int arc = vg_cli_args ("vigil detect", args, sizeof args / sizeof args[0], argc, argv, s_help, NULL);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    s_scorer_t sc;
    memset (&sc, 0, sizeof sc);
    sc.onset = !strcmp (detector, "onset");
    if (!sc.onset) {
        const vg_detector_ops_t *ops = vg_detector_find (detector);
        if (!ops || ops->scope != VG_SCOPE_SERIES || !ops->on_sample) {
            fprintf (stderr, "vigil detect: '%s' is not a univariate detector (try --help)\n", detector);
            return 2;
        }
    }
    if (strcmp (kind, "gauge") && strcmp (kind, "counter")) {
        fprintf (stderr, "vigil detect: --kind must be gauge or counter\n");
        return 2;
    }
    sc.counter = !strcmp (kind, "counter");
    vg_rules_t *rules = NULL;
    int rc = sc.onset ? s_setup_onset (&sc, params.v, params.n) : s_setup_engine (&sc, detector, params.v, params.n, &rules);
    if (rc != 0)
        goto done;
    rc = 1;
    static char outbuf[1 << 16];
    setvbuf (stdout, outbuf, _IOFBF, sizeof outbuf);
    char line[S_LINE_MAX];
    unsigned long lineno = 0;
    int header = 1;
    while (fgets (line, sizeof line, stdin)) {
        lineno++;
        size_t ll = strlen (line);
        if (ll == sizeof line - 1 && line[ll - 1] != '\n') {
            fprintf (stderr, "vigil detect: stdin:%lu: line longer than %d bytes\n", lineno, S_LINE_MAX - 2);
            goto done;
        }
        char *f0 = s_field (line);
        if (!*f0)
            continue; /* blank line */
        if (header) {
            header = 0;
            continue;
        }
        char *comma = strchr (f0, ',');
        if (!comma || strchr (comma + 1, ',')) {
            fprintf (stderr, "vigil detect: stdin:%lu: expected 2 fields 'timestamp,value'\n", lineno);
            goto done;
        }
        *comma = '\0';
        char *ts_s = s_field (f0), *v_s = s_field (comma + 1);
        int64_t ts;
        if (s_parse_ts (ts_s, &ts) < 0) {
            fprintf (stderr, "vigil detect: stdin:%lu: bad timestamp '%s' (epoch ms or YYYY-MM-DD HH:MM:SS)\n",
                     lineno, ts_s);
            goto done;
        }
        char *end;
        errno = 0;
        double v = strtod (v_s, &end);
        /* ERANGE on underflow is a value (0 or subnormal); on overflow it is not */
        if (!*v_s || *end || (errno == ERANGE && fabs (v) > 1.0)) {
            fprintf (stderr, "vigil detect: stdin:%lu: bad value '%s'\n", lineno, v_s);
            goto done;
        }
        printf ("%.6f\n", s_score (&sc, ts, v));
    }
    if (ferror (stdin)) {
        fprintf (stderr, "vigil detect: reading stdin failed\n");
        goto done;
    }
    if (header) {
        fprintf (stderr, "vigil detect: no header line on stdin\n");
        goto done;
    }
    rc = 0;
done:
    if (fflush (stdout) != 0 && rc == 0)
        rc = 1;
    vg_engine_destroy (&sc.e);
    vg_rules_destroy (&rules);
    return rc;
}
