/* rules.c - parse the detector rules file (YAML via libyaml's document API) and match it.
 *
 * Invariant: a vg_rules_t is fully validated when vg_rules_parse returns 0: every rule has a
 * known kind, every parameter is in its kind's table and range, every allowlist a rule
 * names exists.  Nothing here changes after parsing. */
#include "detectors/rules.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/hash.h"

typedef struct {
    yaml_document_t *doc;
    const char *file;
    char *err;
    size_t errlen;
    int failed;
} s_ctx_t;

static int
s_vfail (s_ctx_t *c, int line, const char *key, const char *fmt, va_list ap)
{
    char msg[256];
    vsnprintf (msg, sizeof msg, fmt, ap);
    if (!c->failed && c->err && c->errlen)
        snprintf (c->err, c->errlen, "%s:%d: %s: %s", c->file, line, key ? key : "(top)", msg);
    c->failed = 1;
    return -VG_ECONFIG;
}

/* Record the first error as "file:line: key: message"; returns -VG_ECONFIG. */
static int
s_fail (s_ctx_t *c, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int rc = s_vfail (c, n ? (int) n->start_mark.line + 1 : 0, key, fmt, ap);
    va_end (ap);
    return rc;
}

static int
s_fail_line (s_ctx_t *c, int line, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int rc = s_vfail (c, line, key, fmt, ap);
    va_end (ap);
    return rc;
}

/* "a.b" into buf, truncated to size. */
static void
s_join (char *buf, size_t size, const char *a, const char *b)
{
    size_t la = strlen (a), lb = strlen (b);
    if (la > size - 1)
        la = size - 1;
    memcpy (buf, a, la);
    size_t o = la;
    if (o + 1 < size)
        buf[o++] = '.';
    if (lb > size - 1 - o)
        lb = size - 1 - o;
    memcpy (buf + o, b, lb);
    buf[o + lb] = '\0';
}

static char *
s_strdup (const char *s)
{
    size_t n = strlen (s);
    char *p = malloc (n + 1);
    if (p)
        memcpy (p, s, n + 1);
    return p;
}

static yaml_node_t *
s_node (s_ctx_t *c, int idx)
{
    return yaml_document_get_node (c->doc, idx);
}

static const char *
s_scalar (const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        return NULL;
    return (const char *) n->data.scalar.value;
}

/* Value node of key in a mapping, or NULL. */
static yaml_node_t *
s_get (s_ctx_t *c, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        const char *k = s_scalar (s_node (c, p->key));
        if (k && strcmp (k, key) == 0)
            return s_node (c, p->value);
    }
    return NULL;
}

/* Reject keys not in the NULL-terminated list. */
static int
s_check_keys (s_ctx_t *c, const yaml_node_t *map, const char *where, const char *const *allowed)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return s_fail (c, map, where, "expected a mapping");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = s_node (c, p->key);
        const char *k = s_scalar (kn);
        if (!k)
            return s_fail (c, kn, where, "keys must be scalars");
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp (allowed[i], k) == 0)
                ok = 1;
        if (!ok) {
            char key[160];
            s_join (key, sizeof key, where, k);
            return s_fail (c, kn, key, "unknown key");
        }
    }
    return 0;
}

static int
s_get_str (s_ctx_t *c, const yaml_node_t *map, const char *key, const char *where, int required,
           char **out)
{
    yaml_node_t *n = s_get (c, map, key);
    char kb[160];
    s_join (kb, sizeof kb, where, key);
    if (!n) {
        if (required)
            return s_fail (c, map, kb, "required key missing");
        *out = s_strdup ("");
        return *out ? 0 : -VG_ENOMEM;
    }
    const char *v = s_scalar (n);
    if (!v)
        return s_fail (c, n, kb, "expected a string");
    free (*out);
    *out = s_strdup (v);
    return *out ? 0 : -VG_ENOMEM;
}

/* A scalar or a sequence of scalars into a string array. */
static int
s_get_list (s_ctx_t *c, const yaml_node_t *n, const char *kb, char ***out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (!n)
        return 0;
    size_t cnt = 1;
    if (n->type == YAML_SEQUENCE_NODE)
        cnt = (size_t) (n->data.sequence.items.top - n->data.sequence.items.start);
    else if (n->type != YAML_SCALAR_NODE)
        return s_fail (c, n, kb, "expected a string or a list of strings");
    if (cnt > VG_RULES_MAX_LIST)
        return s_fail (c, n, kb, "too many entries (max %d)", VG_RULES_MAX_LIST);
    *out = calloc (cnt ? cnt : 1, sizeof (char *));
    if (!*out)
        return -VG_ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *it = n->type == YAML_SEQUENCE_NODE
                                    ? s_node (c, n->data.sequence.items.start[i]) : n;
        const char *v = s_scalar (it);
        if (!v)
            return s_fail (c, it, kb, "list entries must be strings");
        (*out)[i] = s_strdup (v);
        if (!(*out)[i])
            return -VG_ENOMEM;
        *nout = i + 1;
    }
    return 0;
}

static void
s_free_list (char **l, size_t n)
{
    if (!l)
        return;
    for (size_t i = 0; i < n; i++)
        free (l[i]);
    free (l);
}

static int
s_parse_dev_match (s_ctx_t *c, const yaml_node_t *m, const char *where, vg_dev_match_t *dm)
{
    char kb[160];
    struct { const char *key; char ***l; size_t *n; } f[] = {
        { "device", &dm->devices, &dm->ndevices }, { "role", &dm->roles, &dm->nroles },
        { "vendor", &dm->vendors, &dm->nvendors }, { "site", &dm->sites, &dm->nsites },
        { "sw_version", &dm->versions, &dm->nversions },
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        s_join (kb, sizeof kb, where, f[i].key);
        int rc = s_get_list (c, s_get (c, m, f[i].key), kb, f[i].l, f[i].n);
        if (rc)
            return rc;
    }
    return 0;
}

static void
s_free_dev_match (vg_dev_match_t *dm)
{
    s_free_list (dm->devices, dm->ndevices);
    s_free_list (dm->roles, dm->nroles);
    s_free_list (dm->vendors, dm->nvendors);
    s_free_list (dm->sites, dm->nsites);
    s_free_list (dm->versions, dm->nversions);
}

static int
s_parse_dur (s_ctx_t *c, const yaml_node_t *n, const char *kb, int64_t *ms)
{
    const char *v = s_scalar (n);
    if (!v || vg_duration_parse (v, ms) != 0 || *ms < 0)
        return s_fail (c, n, kb, "expected a duration such as 30s, 5m, 2h, 7d");
    return 0;
}

static int
s_parse_num (s_ctx_t *c, const yaml_node_t *n, const char *kb, double *d)
{
    const char *v = s_scalar (n);
    char *end = NULL;
    if (!v || !*v)
        return s_fail (c, n, kb, "expected a number");
    *d = strtod (v, &end);
    if (*end != '\0' || *d != *d)
        return s_fail (c, n, kb, "expected a number, got '%s'", v);
    return 0;
}

static int
s_parse_bool (s_ctx_t *c, const yaml_node_t *n, const char *kb, int *b)
{
    const char *v = s_scalar (n);
    if (v && (!strcmp (v, "true") || !strcmp (v, "yes") || !strcmp (v, "on"))) {
        *b = 1;
        return 0;
    }
    if (v && (!strcmp (v, "false") || !strcmp (v, "no") || !strcmp (v, "off"))) {
        *b = 0;
        return 0;
    }
    return s_fail (c, n, kb, "expected true or false");
}

static const char *const s_sev_names[] = { "", "info", "low", "medium", "high", "critical" };

const char *
vg_severity_name (int sev)
{
    return sev >= 1 && sev <= 5 ? s_sev_names[sev] : "unknown";
}

int
vg_severity_parse (const char *name)
{
    for (int i = 1; i <= 5; i++)
        if (name && strcmp (name, s_sev_names[i]) == 0)
            return i;
    return -1;
}

/* --------------------------------------------------------------------------------------- */
/* Parameters */

static int
s_enum_index (const char *choices, const char *v)
{
    int idx = 0;
    size_t vl = strlen (v);
    const char *p = choices;
    while (p && *p) {
        const char *bar = strchr (p, '|');
        size_t n = bar ? (size_t) (bar - p) : strlen (p);
        if (n == vl && strncmp (p, v, n) == 0)
            return idx;
        idx++;
        p = bar ? bar + 1 : NULL;
    }
    return -1;
}

static int
s_parse_params (s_ctx_t *c, const yaml_node_t *pm, vg_rule_t *r, const char *where)
{
    const vg_detector_ops_t *ops = r->ops;
    char kb[200];
    for (size_t i = 0; i < ops->nparams; i++) {
        const vg_param_def_t *d = &ops->params[i];
        r->pv[i] = d->def;
        r->ps[i] = s_strdup (d->type == VG_PARAM_STR && d->choices ? d->choices : "");
        if (!r->ps[i])
            return -VG_ENOMEM;
    }
    if (!pm)
        return 0;
    if (pm->type != YAML_MAPPING_NODE)
        return s_fail (c, pm, where, "expected a mapping of parameters");
    for (yaml_node_pair_t *p = pm->data.mapping.pairs.start; p < pm->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = s_node (c, p->key), *vn = s_node (c, p->value);
        const char *k = s_scalar (kn);
        s_join (kb, sizeof kb, where, k ? k : "?");
        int idx = k ? vg_rule_param_index (r, k) : -1;
        if (idx < 0)
            return s_fail (c, kn, kb, "unknown parameter for detector '%s'", ops->name);
        const vg_param_def_t *d = &ops->params[idx];
        double v = 0;
        int64_t ms = 0;
        int b = 0, rc = 0;
        switch (d->type) {
        case VG_PARAM_NUM:
            rc = s_parse_num (c, vn, kb, &v);
            break;
        case VG_PARAM_DUR:
            rc = s_parse_dur (c, vn, kb, &ms);
            v = (double) ms;
            break;
        case VG_PARAM_BOOL:
            rc = s_parse_bool (c, vn, kb, &b);
            v = b;
            break;
        case VG_PARAM_ENUM: {
            const char *s = s_scalar (vn);
            v = s ? s_enum_index (d->choices, s) : -1;
            if (v < 0)
                rc = s_fail (c, vn, kb, "expected one of %s", d->choices);
            break;
        }
        case VG_PARAM_STR: {
            const char *s = s_scalar (vn);
            if (!s)
                return s_fail (c, vn, kb, "expected a string");
            free (r->ps[idx]);
            r->ps[idx] = s_strdup (s);
            if (!r->ps[idx])
                return -VG_ENOMEM;
            continue;
        }
        }
        if (rc)
            return rc;
        if ((d->type == VG_PARAM_NUM || d->type == VG_PARAM_DUR) && (v < d->min || v > d->max))
            return s_fail (c, vn, kb, "out of range [%g, %g]", d->min, d->max);
        r->pv[idx] = v;
    }
    return 0;
}

int
vg_rule_param_index (const vg_rule_t *r, const char *name)
{
    for (size_t i = 0; i < r->ops->nparams; i++)
        if (strcmp (r->ops->params[i].name, name) == 0)
            return (int) i;
    return -1;
}

/* --------------------------------------------------------------------------------------- */
/* Rules */

static int
s_parse_rule (s_ctx_t *c, const yaml_node_t *n, vg_rule_t *r, int idx)
{
    static const char *const keys[] = { "id", "detector", "title", "catalog", "types", "severity",
                                         "for", "keep_firing_for", "repeat", "match", "params",
                                         "techniques", "enabled", NULL };
    static const char *const mkeys[] = { "device", "role", "vendor", "site", "sw_version", "path",
                                          "labels", "kind", NULL };
    char where[160], kb[200];
    snprintf (where, sizeof where, "rules[%d]", idx);
    const char *idv = s_scalar (s_get (c, n, "id"));
    if (idv && *idv)
        snprintf (where, sizeof where, "rules[%.100s]", idv);
    int rc = s_check_keys (c, n, where, keys);
    if (rc)
        return rc;
    r->line = (int) n->start_mark.line + 1;
    r->index = idx;
    r->kind = -1;
    r->severity = VG_SEV_MEDIUM;
    r->keep_firing_for_ms = 300000;
    r->repeat_ms = 1800000;
    rc = s_get_str (c, n, "id", where, 1, &r->id);
    if (rc)
        return rc;
    snprintf (where, sizeof where, "rules[%.100s]", r->id);
    char *det = NULL;
    rc = s_get_str (c, n, "detector", where, 1, &det);
    if (rc) {
        free (det);
        return rc;
    }
    r->ops = vg_detector_find (det);
    free (det);
    if (!r->ops) {
        s_join (kb, sizeof kb, where, "detector");
        return s_fail (c, s_get (c, n, "detector"), kb, "unknown detector kind");
    }
    rc = s_get_str (c, n, "title", where, 0, &r->title);
    if (!rc)
        rc = s_get_str (c, n, "catalog", where, 0, &r->catalog);
    if (!rc)
        rc = s_get_str (c, n, "types", where, 0, &r->types);
    if (rc)
        return rc;
    if (!*r->title) {
        free (r->title);
        r->title = s_strdup (r->id);
        if (!r->title)
            return -VG_ENOMEM;
    }
    yaml_node_t *v;
    v = s_get (c, n, "severity");
    if (v) {
        s_join (kb, sizeof kb, where, "severity");
        r->severity = vg_severity_parse (s_scalar (v));
        if (r->severity < 0)
            return s_fail (c, v, kb, "expected info, low, medium, high or critical");
    }
    struct { const char *k; int64_t *dst; } durs[] = {
        { "for", &r->for_ms }, { "keep_firing_for", &r->keep_firing_for_ms }, { "repeat", &r->repeat_ms } };
    for (size_t i = 0; i < 3; i++) {
        v = s_get (c, n, durs[i].k);
        if (v) {
            s_join (kb, sizeof kb, where, durs[i].k);
            rc = s_parse_dur (c, v, kb, durs[i].dst);
            if (rc)
                return rc;
        }
    }
    v = s_get (c, n, "enabled");
    if (v) {
        int b;
        s_join (kb, sizeof kb, where, "enabled");
        rc = s_parse_bool (c, v, kb, &b);
        if (rc)
            return rc;
        if (!b)
            return 1; /* skipped by the caller */
    }
    s_join (kb, sizeof kb, where, "techniques");
    rc = s_get_list (c, s_get (c, n, "techniques"), kb, &r->techniques, &r->ntechniques);
    if (rc)
        return rc;
    size_t tl = 1;
    for (size_t i = 0; i < r->ntechniques; i++)
        tl += strlen (r->techniques[i]) + 1;
    r->technique_csv = calloc (1, tl);
    if (!r->technique_csv)
        return -VG_ENOMEM;
    for (size_t i = 0; i < r->ntechniques; i++) {
        if (i)
            strcat (r->technique_csv, ",");
        strcat (r->technique_csv, r->techniques[i]);
    }
    yaml_node_t *m = s_get (c, n, "match");
    if (m) {
        s_join (kb, sizeof kb, where, "match");
        rc = s_check_keys (c, m, kb, mkeys);
        if (!rc)
            rc = s_parse_dev_match (c, m, kb, &r->dev);
        if (rc)
            return rc;
        char pk[200];
        s_join (pk, sizeof pk, kb, "path");
        rc = s_get_list (c, s_get (c, m, "path"), pk, &r->paths, &r->npaths);
        if (rc)
            return rc;
        v = s_get (c, m, "kind");
        if (v) {
            s_join (pk, sizeof pk, kb, "kind");
            const char *s = s_scalar (v);
            r->kind = !s ? -1 : !strcmp (s, "gauge") ? VG_KIND_GAUGE
                      : !strcmp (s, "counter") ? VG_KIND_COUNTER
                      : !strcmp (s, "state") ? VG_KIND_STATE : -2;
            if (r->kind == -2)
                return s_fail (c, v, pk, "expected gauge, counter or state");
        }
        yaml_node_t *lm = s_get (c, m, "labels");
        if (lm) {
            s_join (pk, sizeof pk, kb, "labels");
            if (lm->type != YAML_MAPPING_NODE)
                return s_fail (c, lm, pk, "expected a mapping of label: glob");
            size_t cnt = (size_t) (lm->data.mapping.pairs.top - lm->data.mapping.pairs.start);
            if (cnt > VG_MAX_LABELS)
                return s_fail (c, lm, pk, "too many labels");
            r->labels = calloc (cnt ? cnt : 1, sizeof *r->labels);
            if (!r->labels)
                return -VG_ENOMEM;
            for (size_t i = 0; i < cnt; i++) {
                yaml_node_pair_t *p = &lm->data.mapping.pairs.start[i];
                const char *k = s_scalar (s_node (c, p->key)), *g = s_scalar (s_node (c, p->value));
                if (!k || !g)
                    return s_fail (c, s_node (c, p->key), pk, "label matches must be strings");
                r->labels[i].key = s_strdup (k);
                r->labels[i].glob = s_strdup (g);
                r->nlabels = i + 1;
                if (!r->labels[i].key || !r->labels[i].glob)
                    return -VG_ENOMEM;
            }
        }
    }
    s_join (kb, sizeof kb, where, "params");
    return s_parse_params (c, s_get (c, n, "params"), r, kb);
}

static void
s_free_rule (vg_rule_t *r)
{
    free (r->id);
    free (r->title);
    free (r->catalog);
    free (r->types);
    s_free_dev_match (&r->dev);
    s_free_list (r->paths, r->npaths);
    for (size_t i = 0; i < r->nlabels; i++) {
        free (r->labels[i].key);
        free (r->labels[i].glob);
    }
    free (r->labels);
    for (size_t i = 0; i < VG_MAX_PARAMS; i++)
        free (r->ps[i]);
    s_free_list (r->techniques, r->ntechniques);
    free (r->technique_csv);
    memset (r, 0, sizeof *r);
}

/* --------------------------------------------------------------------------------------- */
/* Windows */

static int
s_parse_hhmm (const char *s, int *min)
{
    int h, m;
    char tail;
    if (sscanf (s, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 || m < 0 || m > 59 ||
        (h == 24 && m != 0))
        return -1;
    *min = h * 60 + m;
    return 0;
}

static int
s_parse_window (s_ctx_t *c, const yaml_node_t *n, vg_window_t *w, int idx)
{
    static const char *const keys[] = { "name", "kind", "daily", "days", "ranges", "match", NULL };
    static const char *const mkeys[] = { "device", "role", "vendor", "site", "sw_version", NULL };
    static const char *const days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
    char where[160], kb[200];
    snprintf (where, sizeof where, "windows[%d]", idx);
    int rc = s_check_keys (c, n, where, keys);
    if (!rc)
        rc = s_get_str (c, n, "name", where, 1, &w->name);
    if (rc)
        return rc;
    snprintf (where, sizeof where, "windows[%.100s]", w->name);
    w->daily_from_min = -1;
    w->days = 0x7f;
    w->kinds = VG_WIN_MAINTENANCE | VG_WIN_CHANGE;
    yaml_node_t *v = s_get (c, n, "kind");
    if (v) {
        const char *s = s_scalar (v);
        s_join (kb, sizeof kb, where, "kind");
        w->kinds = !s ? 0 : !strcmp (s, "maintenance") ? VG_WIN_MAINTENANCE
                   : !strcmp (s, "change") ? VG_WIN_CHANGE
                   : !strcmp (s, "both") ? (VG_WIN_MAINTENANCE | VG_WIN_CHANGE) : 0;
        if (!w->kinds)
            return s_fail (c, v, kb, "expected maintenance, change or both");
    }
    v = s_get (c, n, "daily");
    if (v) {
        const char *s = s_scalar (v);
        char a[16], b[16];
        s_join (kb, sizeof kb, where, "daily");
        if (!s || sscanf (s, "%15[0-9:]-%15[0-9:]", a, b) != 2 || s_parse_hhmm (a, &w->daily_from_min) ||
            s_parse_hhmm (b, &w->daily_to_min))
            return s_fail (c, v, kb, "expected \"HH:MM-HH:MM\" (UTC)");
    }
    v = s_get (c, n, "days");
    if (v) {
        char **l = NULL;
        size_t nl = 0;
        s_join (kb, sizeof kb, where, "days");
        rc = s_get_list (c, v, kb, &l, &nl);
        w->days = 0;
        for (size_t i = 0; !rc && i < nl; i++) {
            int found = 0;
            for (int d = 0; d < 7; d++)
                if (!strcmp (l[i], days[d])) {
                    w->days |= (uint8_t) (1u << d);
                    found = 1;
                }
            if (!found)
                rc = s_fail (c, v, kb, "unknown day '%s' (mon..sun)", l[i]);
        }
        s_free_list (l, nl);
        if (rc)
            return rc;
    }
    v = s_get (c, n, "ranges");
    if (v) {
        char **l = NULL;
        size_t nl = 0;
        s_join (kb, sizeof kb, where, "ranges");
        rc = s_get_list (c, v, kb, &l, &nl);
        if (!rc && nl) {
            w->ranges = calloc (nl, sizeof *w->ranges);
            if (!w->ranges)
                rc = -VG_ENOMEM;
        }
        for (size_t i = 0; !rc && i < nl; i++) {
            char *slash = strchr (l[i], '/');
            if (!slash) {
                rc = s_fail (c, v, kb, "expected \"FROM/TO\" (RFC 3339 UTC)");
                break;
            }
            *slash = '\0';
            if (vg_clock_parse (l[i], 0, &w->ranges[i][0]) || vg_clock_parse (slash + 1, 0, &w->ranges[i][1]) ||
                w->ranges[i][1] <= w->ranges[i][0]) {
                rc = s_fail (c, v, kb, "bad range (FROM/TO, FROM < TO)");
                break;
            }
            w->nranges = i + 1;
        }
        s_free_list (l, nl);
        if (rc)
            return rc;
    }
    if (w->daily_from_min < 0 && w->nranges == 0)
        return s_fail (c, n, where, "a window needs daily or ranges");
    yaml_node_t *m = s_get (c, n, "match");
    if (m) {
        s_join (kb, sizeof kb, where, "match");
        rc = s_check_keys (c, m, kb, mkeys);
        if (!rc)
            rc = s_parse_dev_match (c, m, kb, &w->dev);
        if (rc)
            return rc;
    }
    return 0;
}

/* --------------------------------------------------------------------------------------- */
/* Allowlists */

static int
s_parse_cidr (const char *text, vg_cidr_t *e)
{
    char buf[80];
    snprintf (buf, sizeof buf, "%s", text);
    char *slash = strchr (buf, '/');
    int prefix = -1;
    if (slash) {
        char *end;
        *slash = '\0';
        long p = strtol (slash + 1, &end, 10);
        if (*end || p < 0 || p > 128)
            return -1;
        prefix = (int) p;
    }
    memset (e->addr, 0, 16);
    struct in_addr a4;
    if (inet_pton (AF_INET, buf, &a4) == 1) {
        if (prefix > 32)
            return -1;
        e->addr[10] = e->addr[11] = 0xff;
        memcpy (e->addr + 12, &a4, 4);
        e->prefix = prefix < 0 ? 128 : prefix + 96;
        return 0;
    }
    if (inet_pton (AF_INET6, buf, e->addr) == 1) {
        e->prefix = prefix < 0 ? 128 : prefix;
        return 0;
    }
    return -1;
}

static int
s_parse_ip (const char *ip, uint8_t out[16])
{
    struct in_addr a4;
    memset (out, 0, 16);
    if (!ip)
        return -1;
    if (inet_pton (AF_INET, ip, &a4) == 1) {
        out[10] = out[11] = 0xff;
        memcpy (out + 12, &a4, 4);
        return 0;
    }
    return inet_pton (AF_INET6, ip, out) == 1 ? 0 : -1;
}

static int
s_parse_allowlist (s_ctx_t *c, const yaml_node_t *n, vg_allowlist_t *al, int idx)
{
    static const char *const keys[] = { "name", "entries", NULL };
    static const char *const ekeys[] = { "cidr", "ports", NULL };
    char where[160], kb[200];
    snprintf (where, sizeof where, "allowlists[%d]", idx);
    int rc = s_check_keys (c, n, where, keys);
    if (!rc)
        rc = s_get_str (c, n, "name", where, 1, &al->name);
    if (rc)
        return rc;
    snprintf (where, sizeof where, "allowlists[%.100s].entries", al->name);
    yaml_node_t *en = s_get (c, n, "entries");
    if (!en || en->type != YAML_SEQUENCE_NODE)
        return s_fail (c, en ? en : n, where, "expected a list of entries");
    size_t cnt = (size_t) (en->data.sequence.items.top - en->data.sequence.items.start);
    al->entries = calloc (VG_RULES_MAX_LIST, sizeof *al->entries);
    if (!al->entries)
        return -VG_ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *it = s_node (c, en->data.sequence.items.start[i]);
        const char *cidr = s_scalar (it);
        yaml_node_t *ports = NULL;
        if (!cidr) {
            rc = s_check_keys (c, it, where, ekeys);
            if (rc)
                return rc;
            cidr = s_scalar (s_get (c, it, "cidr"));
            ports = s_get (c, it, "ports");
        }
        vg_cidr_t e;
        if (!cidr || s_parse_cidr (cidr, &e))
            return s_fail (c, it, where, "bad CIDR '%s'", cidr ? cidr : "");
        e.port_lo = 0;
        e.port_hi = 65535;
        char **pl = NULL;
        size_t np = 0;
        s_join (kb, sizeof kb, where, "ports");
        rc = s_get_list (c, ports, kb, &pl, &np);
        if (rc)
            return rc;
        for (size_t j = 0; j < (np ? np : 1); j++) {
            if (np) {
                unsigned lo, hi;
                char tail;
                int k = sscanf (pl[j], "%u-%u%c", &lo, &hi, &tail);
                if (k == 1)
                    hi = lo;
                if ((k != 1 && k != 2) || lo > hi || hi > 65535) {
                    s_free_list (pl, np);
                    return s_fail (c, ports, kb, "bad port '%s' (N or N-M)", pl[j]);
                }
                e.port_lo = lo;
                e.port_hi = hi;
            }
            if (al->nentries >= VG_RULES_MAX_LIST) {
                s_free_list (pl, np);
                return s_fail (c, it, where, "too many entries (max %d)", VG_RULES_MAX_LIST);
            }
            al->entries[al->nentries++] = e;
        }
        s_free_list (pl, np);
    }
    return 0;
}

static int
s_parse_golden (s_ctx_t *c, const yaml_node_t *n, vg_golden_t *g, int idx)
{
    static const char *const keys[] = { "vendor", "version", "hashes", NULL };
    char where[160], kb[200];
    snprintf (where, sizeof where, "golden_images[%d]", idx);
    int rc = s_check_keys (c, n, where, keys);
    if (!rc)
        rc = s_get_str (c, n, "vendor", where, 0, &g->vendor);
    if (!rc)
        rc = s_get_str (c, n, "version", where, 1, &g->version);
    if (rc)
        return rc;
    s_join (kb, sizeof kb, where, "hashes");
    return s_get_list (c, s_get (c, n, "hashes"), kb, &g->hashes, &g->nhashes);
}

/* --------------------------------------------------------------------------------------- */

void
vg_rules_destroy (vg_rules_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_rules_t *rs = *self_p;
    for (size_t i = 0; i < rs->nrules; i++)
        s_free_rule (&rs->rules[i]);
    free (rs->rules);
    for (size_t i = 0; i < rs->nwindows; i++) {
        free (rs->windows[i].name);
        free (rs->windows[i].ranges);
        s_free_dev_match (&rs->windows[i].dev);
    }
    free (rs->windows);
    for (size_t i = 0; i < rs->nallowlists; i++) {
        free (rs->allowlists[i].name);
        free (rs->allowlists[i].entries);
    }
    free (rs->allowlists);
    for (size_t i = 0; i < rs->ngolden; i++) {
        free (rs->golden[i].vendor);
        free (rs->golden[i].version);
        s_free_list (rs->golden[i].hashes, rs->golden[i].nhashes);
    }
    free (rs->golden);
    free (rs->filename);
    free (rs);
    *self_p = NULL;
}

static size_t
s_seq_len (const yaml_node_t *n)
{
    return n && n->type == YAML_SEQUENCE_NODE
               ? (size_t) (n->data.sequence.items.top - n->data.sequence.items.start) : 0;
}

static int
s_parse_doc (s_ctx_t *c, vg_rules_t *rs)
{
    static const char *const keys[] = { "version", "rules", "windows", "allowlists", "golden_images", NULL };
    yaml_node_t *root = yaml_document_get_root_node (c->doc);
    if (!root)
        return s_fail (c, NULL, NULL, "empty rules file");
    int rc = s_check_keys (c, root, "(top)", keys);
    if (rc)
        return rc;
    yaml_node_t *v = s_get (c, root, "version");
    if (v) {
        const char *s = s_scalar (v);
        if (!s || strcmp (s, "1") != 0)
            return s_fail (c, v, "version", "only version 1 is supported");
    }
    struct { const char *key; size_t size; void **arr; size_t *n; } secs[] = {
        { "windows", sizeof (vg_window_t), (void **) &rs->windows, &rs->nwindows },
        { "allowlists", sizeof (vg_allowlist_t), (void **) &rs->allowlists, &rs->nallowlists },
        { "golden_images", sizeof (vg_golden_t), (void **) &rs->golden, &rs->ngolden },
        { "rules", sizeof (vg_rule_t), (void **) &rs->rules, &rs->nrules },
    };
    for (size_t s = 0; s < 4; s++) {
        yaml_node_t *sec = s_get (c, root, secs[s].key);
        if (!sec)
            continue;
        if (sec->type != YAML_SEQUENCE_NODE)
            return s_fail (c, sec, secs[s].key, "expected a list");
        size_t cnt = s_seq_len (sec);
        if (cnt > VG_RULES_MAX)
            return s_fail (c, sec, secs[s].key, "too many entries (max %d)", VG_RULES_MAX);
        *secs[s].arr = calloc (cnt ? cnt : 1, secs[s].size);
        if (!*secs[s].arr)
            return -VG_ENOMEM;
        for (size_t i = 0; i < cnt; i++) {
            yaml_node_t *it = s_node (c, sec->data.sequence.items.start[i]);
            switch (s) {
            case 0:
                rc = s_parse_window (c, it, &rs->windows[*secs[s].n], (int) i);
                break;
            case 1:
                rc = s_parse_allowlist (c, it, &rs->allowlists[*secs[s].n], (int) i);
                break;
            case 2:
                rc = s_parse_golden (c, it, &rs->golden[*secs[s].n], (int) i);
                break;
            default: {
                vg_rule_t *r = &rs->rules[rs->nrules];
                r->rules = rs;
                rc = s_parse_rule (c, it, r, (int) i);
                if (rc == 1) { /* disabled */
                    s_free_rule (r);
                    rc = 0;
                    continue;
                }
                if (rc == 0)
                    r->index = (int) rs->nrules;
            }
            }
            (*secs[s].n)++; /* counted even on failure so destroy frees partial entries */
            if (rc)
                return rc;
        }
    }
    /* Cross checks: unique ids, named allowlists exist. */
    for (size_t i = 0; i < rs->nrules; i++) {
        vg_rule_t *r = &rs->rules[i];
        char kb[300];
        for (size_t j = 0; j < i; j++)
            if (!strcmp (rs->rules[j].id, r->id)) {
                snprintf (kb, sizeof kb, "rules[%.200s].id", r->id);
                return s_fail_line (c, r->line, kb, "duplicate rule id (first at line %d)", rs->rules[j].line);
            }
        for (size_t p = 0; p < r->ops->nparams; p++) {
            const vg_param_def_t *d = &r->ops->params[p];
            if (d->type == VG_PARAM_STR && strstr (d->name, "allowlist") && r->ps[p][0] &&
                !vg_rules_allowlist (rs, r->ps[p])) {
                snprintf (kb, sizeof kb, "rules[%.200s].params.%.60s", r->id, d->name);
                return s_fail_line (c, r->line, kb, "no allowlist named '%s'", r->ps[p]);
            }
        }
    }
    return 0;
}

int
vg_rules_parse (const char *yaml, size_t len, const char *filename, vg_rules_t **out, char *err,
                size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    s_ctx_t c = { &doc, filename ? filename : "<rules>", err, errlen, 0 };
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    vg_rules_t *rs = calloc (1, sizeof *rs);
    if (!rs)
        return -VG_ENOMEM;
    rs->filename = s_strdup (c.file);
    rs->digest = vg_hash64 (yaml, len, 0x72756c6573ULL);
    if (!rs->filename || !yaml_parser_initialize (&parser)) {
        vg_rules_destroy (&rs);
        return -VG_ENOMEM;
    }
    yaml_parser_set_input_string (&parser, (const unsigned char *) yaml, len);
    if (!yaml_parser_load (&parser, &doc)) {
        if (err && errlen)
            snprintf (err, errlen, "%s:%d: (yaml): %s%s%s", c.file, (int) parser.problem_mark.line + 1,
                      parser.problem ? parser.problem : "syntax error",
                      parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete (&parser);
        vg_rules_destroy (&rs);
        return -VG_ECONFIG;
    }
    int rc = s_parse_doc (&c, rs);
    yaml_document_delete (&doc);
    yaml_parser_delete (&parser);
    if (rc) {
        vg_rules_destroy (&rs);
        if (rc == -VG_ENOMEM && err && errlen)
            snprintf (err, errlen, "%s: out of memory", c.file);
        return rc == -VG_ENOMEM ? rc : -VG_ECONFIG;
    }
    *out = rs;
    return 0;
}

/* --------------------------------------------------------------------------------------- */
/* Matching */

int
vg_glob (const char *pat, const char *s)
{
    const char *star = NULL, *ss = NULL;
    while (*s) {
        if (*pat == '?' || *pat == *s) {
            pat++;
            s++;
        } else if (*pat == '*') {
            star = pat++;
            ss = s;
        } else if (star) {
            pat = star + 1;
            s = ++ss;
        } else {
            return 0;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

static int
s_in_list (char **l, size_t n, const char *v, int glob)
{
    if (n == 0)
        return 1;
    if (!v)
        v = "";
    for (size_t i = 0; i < n; i++)
        if (glob ? vg_glob (l[i], v) : !strcmp (l[i], v))
            return 1;
    return 0;
}

int
vg_dev_match (const vg_dev_match_t *m, const vg_device_t *dev)
{
    return s_in_list (m->devices, m->ndevices, dev ? dev->id : NULL, 1) &&
           s_in_list (m->roles, m->nroles, dev ? dev->role : NULL, 0) &&
           s_in_list (m->vendors, m->nvendors, dev ? dev->vendor : NULL, 0) &&
           s_in_list (m->sites, m->nsites, dev ? dev->site : NULL, 1) &&
           s_in_list (m->versions, m->nversions, dev ? dev->sw_version : NULL, 1);
}

int
vg_rule_match_series (const vg_rule_t *r, const vg_device_t *dev, const char *path,
                      const vg_label_t *labels, size_t nlabels, vg_kind_t kind)
{
    if (r->npaths == 0 || (r->kind >= 0 && (int) kind != r->kind) || !vg_dev_match (&r->dev, dev))
        return -1;
    for (size_t i = 0; i < r->nlabels; i++) {
        int ok = 0;
        for (size_t j = 0; j < nlabels; j++)
            if (labels[j].key && !strcmp (labels[j].key, r->labels[i].key) &&
                vg_glob (r->labels[i].glob, labels[j].value ? labels[j].value : ""))
                ok = 1;
        if (!ok)
            return -1;
    }
    for (size_t i = 0; i < r->npaths; i++)
        if (vg_glob (r->paths[i], path ? path : ""))
            return (int) i;
    return -1;
}

int
vg_rules_in_window (const vg_rules_t *rs, int kinds, const vg_device_t *dev, int64_t ts_ms,
                    const char **name)
{
    for (size_t i = 0; i < rs->nwindows; i++) {
        const vg_window_t *w = &rs->windows[i];
        if (!(w->kinds & kinds) || !vg_dev_match (&w->dev, dev))
            continue;
        int in = 0;
        for (size_t j = 0; j < w->nranges && !in; j++)
            in = ts_ms >= w->ranges[j][0] && ts_ms < w->ranges[j][1];
        if (!in && w->daily_from_min >= 0) {
            int64_t day = ts_ms >= 0 ? ts_ms / 86400000 : (ts_ms - 86399999) / 86400000;
            int minute = (int) ((ts_ms - day * 86400000) / 60000);
            int wd = (int) (((day % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
            int from = w->daily_from_min, to = w->daily_to_min;
            if (from <= to)
                in = minute >= from && minute < to && (w->days >> wd & 1);
            else if (minute >= from) /* wraps midnight: the day it starts counts */
                in = (w->days >> wd & 1);
            else if (minute < to)
                in = (w->days >> ((wd + 6) % 7) & 1);
        }
        if (in) {
            if (name)
                *name = w->name;
            return 1;
        }
    }
    return 0;
}

const vg_allowlist_t *
vg_rules_allowlist (const vg_rules_t *rs, const char *name)
{
    for (size_t i = 0; rs && name && i < rs->nallowlists; i++)
        if (!strcmp (rs->allowlists[i].name, name))
            return &rs->allowlists[i];
    return NULL;
}

int
vg_allowlist_match (const vg_allowlist_t *al, const char *ip, uint32_t port)
{
    uint8_t a[16];
    if (s_parse_ip (ip, a))
        return -1;
    for (size_t i = 0; al && i < al->nentries; i++) {
        const vg_cidr_t *e = &al->entries[i];
        int bits = e->prefix, ok = 1;
        for (int b = 0; b < 16 && bits > 0 && ok; b++, bits -= 8) {
            uint8_t mask = bits >= 8 ? 0xff : (uint8_t) (0xff << (8 - bits));
            ok = (a[b] & mask) == (e->addr[b] & mask);
        }
        if (ok && port >= e->port_lo && port <= e->port_hi)
            return 1;
    }
    return 0;
}

int
vg_rules_golden (const vg_rules_t *rs, const char *vendor, const char *version, const char *hash)
{
    int seen = 0;
    for (size_t i = 0; i < rs->ngolden; i++) {
        const vg_golden_t *g = &rs->golden[i];
        if ((g->vendor[0] && (!vendor || strcmp (g->vendor, vendor))) || !vg_glob (g->version, version ? version : ""))
            continue;
        seen = 1;
        for (size_t j = 0; j < g->nhashes; j++)
            if (hash && !strcmp (g->hashes[j], hash))
                return 1;
    }
    return seen ? 0 : -1;
}
