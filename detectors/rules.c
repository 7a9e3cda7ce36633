/* rules.c - parse the detector rules file into a vg_rules_t: rules and their parameters,
 * windows, allowlists, golden images.  The YAML is read into the configuration loader's node
 * tree (vg_cfg_tree_parse, the same parser, bounds and error format as the daemons' config);
 * access helpers live in rules_yaml.c, matching against a parsed set in rules_match.c.
 *
 * Invariant: a vg_rules_t is fully validated when vg_rules_parse returns 0: every rule has a
 * known kind, every parameter is in its kind's table and range, every allowlist a rule
 * names exists.  Nothing here changes after parsing. */
#include "detectors/rules.h"
#include "detectors/rules_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/err.h"
#include "common/hash.h"

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
s_parse_params (vg_rules_ctx_t *c, const vg_cfg_node_t *pm, vg_rule_t *r, const char *where)
{
    const vg_detector_ops_t *ops = r->ops;
    char kb[200];
    for (size_t i = 0; i < ops->nparams; i++) {
        const vg_param_def_t *d = &ops->params[i];
        r->pv[i] = d->def;
        r->ps[i] = strdup (d->type == VG_PARAM_STR && d->choices ? d->choices : "");
        if (!r->ps[i])
            return -VG_ENOMEM;
    }
    if (!pm)
        return 0;
    if (vg_cfg_node_kind (pm) != VG_CFG_NODE_MAP)
        return vg_rules__fail (c, pm, where, "expected a mapping of parameters");
    int rc = vg_rules__check_keys (c, pm, where, NULL);
    if (rc)
        return rc;
    for (size_t i = 0; i < vg_cfg_node_len (pm); i++) {
        const vg_cfg_node_t *kn = vg_cfg_node_key (pm, i), *vn = vg_cfg_node_value (pm, i);
        const char *k = vg_cfg_node_text (kn);
        vg_rules__join (kb, sizeof kb, where, k);
        int idx = vg_rule_param_index (r, k);
        if (idx < 0) {
            const char *names[VG_MAX_PARAMS + 1];
            for (size_t j = 0; j < ops->nparams; j++)
                names[j] = ops->params[j].name;
            names[ops->nparams] = NULL;
            char what[96];
            snprintf (what, sizeof what, "unknown parameter for detector '%s'", ops->name);
            return vg_rules__fail_unknown (c, kn, kb, what, k, names);
        }
        const vg_param_def_t *d = &ops->params[idx];
        double v = 0;
        int64_t ms = 0;
        int b = 0;
        rc = 0;
        switch (d->type) {
        case VG_PARAM_NUM:
            rc = vg_rules__parse_num (c, vn, kb, &v);
            break;
        case VG_PARAM_DUR:
            rc = vg_rules__parse_dur (c, vn, kb, &ms);
            v = (double) ms;
            break;
        case VG_PARAM_BOOL:
            rc = vg_rules__parse_bool (c, vn, kb, &b);
            v = b;
            break;
        case VG_PARAM_ENUM: {
            const char *s = vg_cfg_node_text (vn);
            v = s ? s_enum_index (d->choices, s) : -1;
            if (v < 0)
                rc = vg_rules__fail (c, vn, kb, "expected one of %s", d->choices);
            break;
        }
        case VG_PARAM_STR: {
            const char *s = vg_cfg_node_text (vn);
            if (!s)
                return vg_rules__fail (c, vn, kb, "expected a string");
            free (r->ps[idx]);
            r->ps[idx] = strdup (s);
            if (!r->ps[idx])
                return -VG_ENOMEM;
            continue;
        }
        }
        if (rc)
            return rc;
        if ((d->type == VG_PARAM_NUM || d->type == VG_PARAM_DUR) && (v < d->min || v > d->max))
            return vg_rules__fail (c, vn, kb, "out of range [%g, %g]", d->min, d->max);
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

/* "unknown detector kind", with the nearest kind's name when one is close. */
static int
s_unknown_kind (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *kb, const char *name)
{
    const char *names[64];
    size_t k = 0;
    for (size_t i = 0; vg_detector_kinds[i] && k + 1 < sizeof names / sizeof names[0]; i++)
        names[k++] = vg_detector_kinds[i]->name;
    names[k] = NULL;
    return vg_rules__fail_unknown (c, n, kb, "unknown detector kind", name, names);
}

/* match.labels: a mapping of label key -> glob. */
static int
s_parse_labels (vg_rules_ctx_t *c, const vg_cfg_node_t *lm, vg_rule_t *r, const char *kb)
{
    if (!lm)
        return 0;
    if (vg_cfg_node_kind (lm) != VG_CFG_NODE_MAP)
        return vg_rules__fail (c, lm, kb, "expected a mapping of label: glob");
    size_t cnt = vg_cfg_node_len (lm);
    if (cnt > VG_MAX_LABELS)
        return vg_rules__fail (c, lm, kb, "too many labels");
    int rc = vg_rules__check_keys (c, lm, kb, NULL);
    if (rc)
        return rc;
    r->labels = calloc (cnt ? cnt : 1, sizeof *r->labels);
    if (!r->labels)
        return -VG_ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        const char *k = vg_cfg_node_text (vg_cfg_node_key (lm, i));
        const char *g = vg_cfg_node_text (vg_cfg_node_value (lm, i));
        if (!g)
            return vg_rules__fail (c, vg_cfg_node_key (lm, i), kb, "label matches must be strings");
        r->labels[i].key = strdup (k);
        r->labels[i].glob = strdup (g);
        r->nlabels = i + 1;
        if (!r->labels[i].key || !r->labels[i].glob)
            return -VG_ENOMEM;
    }
    return 0;
}

/* A rule's match: device-level lists, then paths, kind and labels. */
static int
s_parse_rule_match (vg_rules_ctx_t *c, const vg_cfg_node_t *n, vg_rule_t *r, const char *where)
{
    static const char *const mkeys[] = { "device", "role", "vendor", "site", "sw_version", "path",
                                          "not_path", "labels", "kind", NULL };
    const vg_cfg_node_t *m;
    char kb[200], pk[200];
    int rc = vg_rules__parse_match (c, n, where, mkeys, &r->dev, &m, kb, sizeof kb);
    if (rc || !m)
        return rc;
    vg_rules__join (pk, sizeof pk, kb, "path");
    rc = vg_rules__get_list (c, vg_cfg_node_get (m, "path"), pk, &r->paths, &r->npaths);
    if (rc)
        return rc;
    vg_rules__join (pk, sizeof pk, kb, "not_path");
    rc = vg_rules__get_list (c, vg_cfg_node_get (m, "not_path"), pk, &r->not_paths, &r->nnot_paths);
    if (rc)
        return rc;
    const vg_cfg_node_t *v = vg_cfg_node_get (m, "kind");
    if (v) {
        vg_rules__join (pk, sizeof pk, kb, "kind");
        const char *s = vg_cfg_node_text (v);
        r->kind = !s ? -1 : !strcmp (s, "gauge") ? VG_KIND_GAUGE
                  : !strcmp (s, "counter") ? VG_KIND_COUNTER
                  : !strcmp (s, "state") ? VG_KIND_STATE : -2;
        if (r->kind == -2)
            return vg_rules__fail (c, v, pk, "expected gauge, counter or state");
    }
    vg_rules__join (pk, sizeof pk, kb, "labels");
    return s_parse_labels (c, vg_cfg_node_get (m, "labels"), r, pk);
}

static int
s_parse_rule (vg_rules_ctx_t *c, const vg_cfg_node_t *n, vg_rule_t *r, int idx)
{
    static const char *const keys[] = { "id", "detector", "title", "catalog", "types", "severity",
                                         "for", "keep_firing_for", "repeat", "match", "params",
                                         "techniques", "enabled", NULL };
    char where[160], kb[200];
    snprintf (where, sizeof where, "rules[%d]", idx);
    const char *idv = vg_cfg_node_text (vg_cfg_node_get (n, "id"));
    if (idv && *idv)
        snprintf (where, sizeof where, "rules[%.100s]", idv);
    int rc = vg_rules__check_keys (c, n, where, keys);
    if (rc)
        return rc;
    r->line = vg_cfg_node_line (n);
    r->index = idx;
    r->kind = -1;
    r->severity = VG_SEV_MEDIUM;
    r->keep_firing_for_ms = 300000;
    r->repeat_ms = 1800000;
    rc = vg_rules__get_str (c, n, "id", where, 1, &r->id);
    if (rc)
        return rc;
    snprintf (where, sizeof where, "rules[%.100s]", r->id);
    char *det = NULL;
    rc = vg_rules__get_str (c, n, "detector", where, 1, &det);
    if (rc) {
        free (det);
        return rc;
    }
    r->ops = vg_detector_find (det);
    if (!r->ops) {
        vg_rules__join (kb, sizeof kb, where, "detector");
        rc = s_unknown_kind (c, vg_cfg_node_get (n, "detector"), kb, det);
    }
    free (det);
    if (rc)
        return rc;
    rc = vg_rules__get_str (c, n, "title", where, 0, &r->title);
    if (!rc)
        rc = vg_rules__get_str (c, n, "catalog", where, 0, &r->catalog);
    if (!rc)
        rc = vg_rules__get_str (c, n, "types", where, 0, &r->types);
    if (rc)
        return rc;
    if (!*r->title) {
        free (r->title);
        r->title = strdup (r->id);
        if (!r->title)
            return -VG_ENOMEM;
    }
    const vg_cfg_node_t *v = vg_cfg_node_get (n, "severity");
    if (v) {
        vg_rules__join (kb, sizeof kb, where, "severity");
        r->severity = vg_severity_parse (vg_cfg_node_text (v));
        if (r->severity < 0)
            return vg_rules__fail (c, v, kb, "expected info, low, medium, high or critical");
    }
    struct { const char *k; int64_t *dst; } durs[] = {
        { "for", &r->for_ms }, { "keep_firing_for", &r->keep_firing_for_ms }, { "repeat", &r->repeat_ms } };
    for (size_t i = 0; i < 3; i++) {
        v = vg_cfg_node_get (n, durs[i].k);
        if (v) {
            vg_rules__join (kb, sizeof kb, where, durs[i].k);
            rc = vg_rules__parse_dur (c, v, kb, durs[i].dst);
            if (rc)
                return rc;
        }
    }
    v = vg_cfg_node_get (n, "enabled");
    if (v) {
        int b;
        vg_rules__join (kb, sizeof kb, where, "enabled");
        rc = vg_rules__parse_bool (c, v, kb, &b);
        if (rc)
            return rc;
        if (!b)
            return 1; /* skipped by the caller */
    }
    vg_rules__join (kb, sizeof kb, where, "techniques");
    rc = vg_rules__get_list (c, vg_cfg_node_get (n, "techniques"), kb, &r->techniques, &r->ntechniques);
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
    rc = s_parse_rule_match (c, n, r, where);
    if (rc)
        return rc;
    vg_rules__join (kb, sizeof kb, where, "params");
    return s_parse_params (c, vg_cfg_node_get (n, "params"), r, kb);
}

static void
s_free_rule (vg_rule_t *r)
{
    free (r->id);
    free (r->title);
    free (r->catalog);
    free (r->types);
    vg_rules__free_dev_match (&r->dev);
    vg_rules__free_list (r->paths, r->npaths);
    vg_rules__free_list (r->not_paths, r->nnot_paths);
    for (size_t i = 0; i < r->nlabels; i++) {
        free (r->labels[i].key);
        free (r->labels[i].glob);
    }
    free (r->labels);
    for (size_t i = 0; i < VG_MAX_PARAMS; i++)
        free (r->ps[i]);
    vg_rules__free_list (r->techniques, r->ntechniques);
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

/* Check the keys of entry idx of section sec and read its required name; `where` becomes
 * "sec[name]" for the entry's further messages. */
static int
s_named_entry (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *sec, int idx,
               const char *const *keys, char **name, char *where, size_t size)
{
    snprintf (where, size, "%s[%d]", sec, idx);
    int rc = vg_rules__check_keys (c, n, where, keys);
    if (!rc)
        rc = vg_rules__get_str (c, n, "name", where, 1, name);
    if (!rc)
        snprintf (where, size, "%s[%.100s]", sec, *name);
    return rc;
}

static int
s_parse_window (vg_rules_ctx_t *c, const vg_cfg_node_t *n, vg_window_t *w, int idx)
{
    static const char *const keys[] = { "name", "kind", "daily", "days", "ranges", "match", NULL };
    static const char *const mkeys[] = { "device", "role", "vendor", "site", "sw_version", NULL };
    static const char *const days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
    char where[160], kb[200];
    int rc = s_named_entry (c, n, "windows", idx, keys, &w->name, where, sizeof where);
    if (rc)
        return rc;
    w->daily_from_min = -1;
    w->days = 0x7f;
    w->kinds = VG_WIN_MAINTENANCE | VG_WIN_CHANGE;
    const vg_cfg_node_t *v = vg_cfg_node_get (n, "kind");
    if (v) {
        const char *s = vg_cfg_node_text (v);
        vg_rules__join (kb, sizeof kb, where, "kind");
        w->kinds = !s ? 0 : !strcmp (s, "maintenance") ? VG_WIN_MAINTENANCE
                   : !strcmp (s, "change") ? VG_WIN_CHANGE
                   : !strcmp (s, "both") ? (VG_WIN_MAINTENANCE | VG_WIN_CHANGE) : 0;
        if (!w->kinds)
            return vg_rules__fail (c, v, kb, "expected maintenance, change or both");
    }
    v = vg_cfg_node_get (n, "daily");
    if (v) {
        const char *s = vg_cfg_node_text (v);
        char a[16], b[16];
        vg_rules__join (kb, sizeof kb, where, "daily");
        if (!s || sscanf (s, "%15[0-9:]-%15[0-9:]", a, b) != 2 || s_parse_hhmm (a, &w->daily_from_min) ||
            s_parse_hhmm (b, &w->daily_to_min))
            return vg_rules__fail (c, v, kb, "expected \"HH:MM-HH:MM\" (UTC)");
    }
    v = vg_cfg_node_get (n, "days");
    if (v) {
        char **l = NULL;
        size_t nl = 0;
        vg_rules__join (kb, sizeof kb, where, "days");
        rc = vg_rules__get_list (c, v, kb, &l, &nl);
        w->days = 0;
        for (size_t i = 0; !rc && i < nl; i++) {
            int found = 0;
            for (int d = 0; d < 7; d++)
                if (!strcmp (l[i], days[d])) {
                    w->days |= (uint8_t) (1u << d);
                    found = 1;
                }
            if (!found)
                rc = vg_rules__fail (c, v, kb, "unknown day '%s' (mon..sun)", l[i]);
        }
        vg_rules__free_list (l, nl);
        if (rc)
            return rc;
    }
    v = vg_cfg_node_get (n, "ranges");
    if (v) {
        char **l = NULL;
        size_t nl = 0;
        vg_rules__join (kb, sizeof kb, where, "ranges");
        rc = vg_rules__get_list (c, v, kb, &l, &nl);
        if (!rc && nl) {
            w->ranges = calloc (nl, sizeof *w->ranges);
            if (!w->ranges)
                rc = -VG_ENOMEM;
        }
        for (size_t i = 0; !rc && i < nl; i++) {
            char *slash = strchr (l[i], '/');
            if (!slash) {
                rc = vg_rules__fail (c, v, kb, "expected \"FROM/TO\" (RFC 3339 UTC)");
                break;
            }
            *slash = '\0';
            if (vg_clock_parse (l[i], 0, &w->ranges[i][0]) || vg_clock_parse (slash + 1, 0, &w->ranges[i][1]) ||
                w->ranges[i][1] <= w->ranges[i][0]) {
                rc = vg_rules__fail (c, v, kb, "bad range (FROM/TO, FROM < TO)");
                break;
            }
            w->nranges = i + 1;
        }
        vg_rules__free_list (l, nl);
        if (rc)
            return rc;
    }
    if (w->daily_from_min < 0 && w->nranges == 0)
        return vg_rules__fail (c, n, where, "a window needs daily or ranges");
    return vg_rules__parse_match (c, n, where, mkeys, &w->dev, NULL, kb, sizeof kb);
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
s_parse_allowlist (vg_rules_ctx_t *c, const vg_cfg_node_t *n, vg_allowlist_t *al, int idx)
{
    static const char *const keys[] = { "name", "entries", NULL };
    static const char *const ekeys[] = { "cidr", "ports", NULL };
    char where[160], kb[200];
    int rc = s_named_entry (c, n, "allowlists", idx, keys, &al->name, where, sizeof where);
    if (rc)
        return rc;
    strcat (where, ".entries"); /* fits: s_named_entry bounds the name to 100 bytes */
    const vg_cfg_node_t *en = vg_cfg_node_get (n, "entries");
    if (vg_cfg_node_kind (en) != VG_CFG_NODE_SEQ)
        return vg_rules__fail (c, en ? en : n, where, "expected a list of entries");
    size_t cnt = vg_cfg_node_len (en);
    al->entries = calloc (VG_RULES_MAX_LIST, sizeof *al->entries);
    if (!al->entries)
        return -VG_ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        const vg_cfg_node_t *it = vg_cfg_node_at (en, i);
        const char *cidr = vg_cfg_node_text (it);
        const vg_cfg_node_t *ports = NULL;
        if (!cidr) {
            rc = vg_rules__check_keys (c, it, where, ekeys);
            if (rc)
                return rc;
            cidr = vg_cfg_node_text (vg_cfg_node_get (it, "cidr"));
            ports = vg_cfg_node_get (it, "ports");
        }
        vg_cidr_t e;
        if (!cidr || s_parse_cidr (cidr, &e))
            return vg_rules__fail (c, it, where, "bad CIDR '%s'", cidr ? cidr : "");
        e.port_lo = 0;
        e.port_hi = 65535;
        char **pl = NULL;
        size_t np = 0;
        vg_rules__join (kb, sizeof kb, where, "ports");
        rc = vg_rules__get_list (c, ports, kb, &pl, &np);
        if (rc) {
            vg_rules__free_list (pl, np); /* what it made before failing */
            return rc;
        }
        for (size_t j = 0; j < (np ? np : 1); j++) {
            if (np) {
                unsigned lo, hi;
                char tail;
                int k = sscanf (pl[j], "%u-%u%c", &lo, &hi, &tail);
                if (k == 1)
                    hi = lo;
                if ((k != 1 && k != 2) || lo > hi || hi > 65535) {
                    /* the message quotes pl[j]: format it before the list is freed */
                    rc = vg_rules__fail (c, ports, kb, "bad port '%s' (N or N-M)", pl[j]);
                    vg_rules__free_list (pl, np);
                    return rc;
                }
                e.port_lo = lo;
                e.port_hi = hi;
            }
            if (al->nentries >= VG_RULES_MAX_LIST) {
                vg_rules__free_list (pl, np);
                return vg_rules__fail (c, it, where, "too many entries (max %d)", VG_RULES_MAX_LIST);
            }
            al->entries[al->nentries++] = e;
        }
        vg_rules__free_list (pl, np);
    }
    return 0;
}

static int
s_parse_golden (vg_rules_ctx_t *c, const vg_cfg_node_t *n, vg_golden_t *g, int idx)
{
    static const char *const keys[] = { "vendor", "version", "hashes", NULL };
    char where[160], kb[200];
    snprintf (where, sizeof where, "golden_images[%d]", idx);
    int rc = vg_rules__check_keys (c, n, where, keys);
    if (!rc)
        rc = vg_rules__get_str (c, n, "vendor", where, 0, &g->vendor);
    if (!rc)
        rc = vg_rules__get_str (c, n, "version", where, 1, &g->version);
    if (rc)
        return rc;
    vg_rules__join (kb, sizeof kb, where, "hashes");
    return vg_rules__get_list (c, vg_cfg_node_get (n, "hashes"), kb, &g->hashes, &g->nhashes);
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
        vg_rules__free_dev_match (&rs->windows[i].dev);
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
        vg_rules__free_list (rs->golden[i].hashes, rs->golden[i].nhashes);
    }
    free (rs->golden);
    free (rs->filename);
    free (rs);
    *self_p = NULL;
}

static int
s_parse_doc (vg_rules_ctx_t *c, const vg_cfg_node_t *root, vg_rules_t *rs)
{
    static const char *const keys[] = { "version", "rules", "windows", "allowlists", "golden_images", NULL };
    if (!root)
        return vg_rules__fail (c, NULL, NULL, "empty rules file");
    int rc = vg_rules__check_keys (c, root, "", keys);
    if (rc)
        return rc;
    const vg_cfg_node_t *v = vg_cfg_node_get (root, "version");
    if (v) {
        const char *s = vg_cfg_node_text (v);
        if (!s || strcmp (s, "1") != 0)
            return vg_rules__fail (c, v, "version", "only version 1 is supported");
    }
    struct { const char *key; size_t size; void **arr; size_t *n; } secs[] = {
        { "windows", sizeof (vg_window_t), (void **) &rs->windows, &rs->nwindows },
        { "allowlists", sizeof (vg_allowlist_t), (void **) &rs->allowlists, &rs->nallowlists },
        { "golden_images", sizeof (vg_golden_t), (void **) &rs->golden, &rs->ngolden },
        { "rules", sizeof (vg_rule_t), (void **) &rs->rules, &rs->nrules },
    };
    for (size_t s = 0; s < 4; s++) {
        const vg_cfg_node_t *sec = vg_cfg_node_get (root, secs[s].key);
        if (!sec)
            continue;
        if (vg_cfg_node_kind (sec) != VG_CFG_NODE_SEQ)
            return vg_rules__fail (c, sec, secs[s].key, "expected a list");
        size_t cnt = vg_cfg_node_len (sec);
        if (cnt > VG_RULES_MAX)
            return vg_rules__fail (c, sec, secs[s].key, "too many entries (max %d)", VG_RULES_MAX);
        *secs[s].arr = calloc (cnt ? cnt : 1, secs[s].size);
        if (!*secs[s].arr)
            return -VG_ENOMEM;
        for (size_t i = 0; i < cnt; i++) {
            const vg_cfg_node_t *it = vg_cfg_node_at (sec, i);
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
                return vg_rules__fail_line (c, r->line, kb, "duplicate rule id (first at line %d)",
                                            rs->rules[j].line);
            }
        for (size_t p = 0; p < r->ops->nparams; p++) {
            const vg_param_def_t *d = &r->ops->params[p];
            if (d->type == VG_PARAM_STR && strstr (d->name, "allowlist") && r->ps[p][0] &&
                !vg_rules_allowlist (rs, r->ps[p])) {
                snprintf (kb, sizeof kb, "rules[%.200s].params.%.60s", r->id, d->name);
                return vg_rules__fail_line (c, r->line, kb, "no allowlist named '%s'", r->ps[p]);
            }
        }
    }
    return 0;
}

int
vg_rules_parse (const char *yaml, size_t len, const char *filename, vg_rules_t **out, char *err,
                size_t errlen)
{
    vg_rules_ctx_t c = { .file = filename ? filename : "<rules>" };
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    vg_rules_t *rs = calloc (1, sizeof *rs);
    if (!rs)
        return -VG_ENOMEM;
    rs->filename = strdup (c.file);
    rs->digest = vg_hash64 (yaml, len, 0x72756c6573ULL);
    vg_cfg_node_t *root = NULL;
    int rc = rs->filename ? vg_cfg_tree_parse (c.file, yaml, len, &root, &c.err) : -VG_ENOMEM;
    if (rc == 0)
        rc = s_parse_doc (&c, root, rs);
    vg_cfg_node_destroy (&root);
    if (rc) {
        vg_rules_destroy (&rs);
        if (rc == -VG_ENOMEM)
            vg_cfg_error_set (&c.err, c.file, 0, NULL, "out of memory");
        if (err && errlen)
            vg_cfg_error_format (&c.err, err, errlen);
        return rc == -VG_ENOMEM ? rc : -VG_ECONFIG;
    }
    *out = rs;
    return 0;
}
