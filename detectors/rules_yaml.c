/* rules_yaml.c - YAML access for the rules parser: keys, scalars, lists, durations, numbers
 * and booleans read from the configuration loader's node tree (common/config.h), each
 * failure recorded with file, line and key like the daemons' config errors.
 *
 * Invariant: only the first error of a parse is recorded (vg_rules_ctx_t.failed). */
#include "detectors/rules_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"

static int
s_vfail (vg_rules_ctx_t *c, int line, const char *key, const char *fmt, va_list ap)
{
    if (!c->failed) {
        char msg[sizeof c->err.msg];
        vsnprintf (msg, sizeof msg, fmt, ap);
        vg_cfg_error_set (&c->err, c->file, line, key, "%s", msg);
    }
    c->failed = 1;
    return -VG_ECONFIG;
}

int
vg_rules__fail (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int rc = s_vfail (c, vg_cfg_node_line (n), key, fmt, ap);
    va_end (ap);
    return rc;
}

int
vg_rules__fail_line (vg_rules_ctx_t *c, int line, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int rc = s_vfail (c, line, key, fmt, ap);
    va_end (ap);
    return rc;
}

int
vg_rules__fail_unknown (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *key, const char *what,
                        const char *word, const char *const *known)
{
    const char *near = vg_cfg_suggest (word, known);
    if (near)
        return vg_rules__fail (c, n, key, "%s (did you mean '%s'?)", what, near);
    return vg_rules__fail (c, n, key, "%s", what);
}

void
vg_rules__join (char *buf, size_t size, const char *a, const char *b)
{
    size_t la = strlen (a), lb = strlen (b);
    if (la > size - 1)
        la = size - 1;
    memcpy (buf, a, la);
    size_t o = la;
    if (la && o + 1 < size)
        buf[o++] = '.';
    if (lb > size - 1 - o)
        lb = size - 1 - o;
    memcpy (buf + o, b, lb);
    buf[o + lb] = '\0';
}

int
vg_rules__check_keys (vg_rules_ctx_t *c, const vg_cfg_node_t *map, const char *where,
                      const char *const *allowed)
{
    if (vg_cfg_node_kind (map) != VG_CFG_NODE_MAP)
        return vg_rules__fail (c, map, where, "expected a mapping");
    char key[160];
    for (size_t i = 0; i < vg_cfg_node_len (map); i++) {
        const vg_cfg_node_t *kn = vg_cfg_node_key (map, i);
        const char *k = vg_cfg_node_text (kn);
        if (!k)
            return vg_rules__fail (c, kn, where, "keys must be scalars");
        vg_rules__join (key, sizeof key, where, k);
        for (size_t j = 0; j < i; j++) {
            const vg_cfg_node_t *prev = vg_cfg_node_key (map, j);
            const char *pk = vg_cfg_node_text (prev);
            if (pk && !strcmp (pk, k))
                return vg_rules__fail (c, kn, key, "duplicate key (first at line %d)", vg_cfg_node_line (prev));
        }
        int ok = !allowed;
        for (size_t a = 0; allowed && allowed[a] && !ok; a++)
            ok = !strcmp (allowed[a], k);
        if (!ok)
            return vg_rules__fail_unknown (c, kn, key, "unknown key", k, allowed);
    }
    return 0;
}

int
vg_rules__get_str (vg_rules_ctx_t *c, const vg_cfg_node_t *map, const char *key, const char *where,
                   int required, char **out)
{
    const vg_cfg_node_t *n = vg_cfg_node_get (map, key);
    char kb[160];
    vg_rules__join (kb, sizeof kb, where, key);
    if (!n) {
        if (required)
            return vg_rules__fail (c, map, kb, "required key missing");
        *out = strdup ("");
        return *out ? 0 : -VG_ENOMEM;
    }
    const char *v = vg_cfg_node_text (n);
    if (!v)
        return vg_rules__fail (c, n, kb, "expected a string");
    free (*out);
    *out = strdup (v);
    return *out ? 0 : -VG_ENOMEM;
}

int
vg_rules__get_list (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *kb, char ***out,
                    size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (!n)
        return 0;
    int seq = vg_cfg_node_kind (n) == VG_CFG_NODE_SEQ;
    if (!seq && vg_cfg_node_kind (n) != VG_CFG_NODE_SCALAR)
        return vg_rules__fail (c, n, kb, "expected a string or a list of strings");
    size_t cnt = seq ? vg_cfg_node_len (n) : 1;
    if (cnt > VG_RULES_MAX_LIST)
        return vg_rules__fail (c, n, kb, "too many entries (max %d)", VG_RULES_MAX_LIST);
    *out = calloc (cnt ? cnt : 1, sizeof (char *));
    if (!*out)
        return -VG_ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        const vg_cfg_node_t *it = seq ? vg_cfg_node_at (n, i) : n;
        const char *v = vg_cfg_node_text (it);
        if (!v)
            return vg_rules__fail (c, it, kb, "list entries must be strings");
        (*out)[i] = strdup (v);
        if (!(*out)[i])
            return -VG_ENOMEM;
        *nout = i + 1;
    }
    return 0;
}

void
vg_rules__free_list (char **l, size_t n)
{
    if (!l)
        return;
    for (size_t i = 0; i < n; i++)
        free (l[i]);
    free (l);
}

int
vg_rules__parse_match (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *where,
                       const char *const *allowed, vg_dev_match_t *dm, const vg_cfg_node_t **m_out,
                       char *kb, size_t kbsize)
{
    const vg_cfg_node_t *m = vg_cfg_node_get (n, "match");
    if (m_out)
        *m_out = m;
    vg_rules__join (kb, kbsize, where, "match");
    if (!m)
        return 0;
    int rc = vg_rules__check_keys (c, m, kb, allowed);
    if (rc)
        return rc;
    char lk[200];
    struct { const char *key; char ***l; size_t *n; } f[] = {
        { "device", &dm->devices, &dm->ndevices }, { "role", &dm->roles, &dm->nroles },
        { "vendor", &dm->vendors, &dm->nvendors }, { "site", &dm->sites, &dm->nsites },
        { "sw_version", &dm->versions, &dm->nversions },
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        vg_rules__join (lk, sizeof lk, kb, f[i].key);
        rc = vg_rules__get_list (c, vg_cfg_node_get (m, f[i].key), lk, f[i].l, f[i].n);
        if (rc)
            return rc;
    }
    return 0;
}

void
vg_rules__free_dev_match (vg_dev_match_t *dm)
{
    vg_rules__free_list (dm->devices, dm->ndevices);
    vg_rules__free_list (dm->roles, dm->nroles);
    vg_rules__free_list (dm->vendors, dm->nvendors);
    vg_rules__free_list (dm->sites, dm->nsites);
    vg_rules__free_list (dm->versions, dm->nversions);
}

int
vg_rules__parse_dur (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *kb, int64_t *ms)
{
    const char *v = vg_cfg_node_text (n);
    if (!v || vg_duration_parse (v, ms) != 0 || *ms < 0)
        return vg_rules__fail (c, n, kb, "expected a duration such as 30s, 5m, 2h, 7d");
    return 0;
}

int
vg_rules__parse_num (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *kb, double *d)
{
    const char *v = vg_cfg_node_text (n);
    char *end = NULL;
    if (!v || !*v)
        return vg_rules__fail (c, n, kb, "expected a number");
    *d = strtod (v, &end);
    if (*end != '\0' || *d != *d)
        return vg_rules__fail (c, n, kb, "expected a number, got '%s'", v);
    return 0;
}

int
vg_rules__parse_bool (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *kb, int *b)
{
    const char *v = vg_cfg_node_text (n);
    if (v && (!strcmp (v, "true") || !strcmp (v, "yes") || !strcmp (v, "on"))) {
        *b = 1;
        return 0;
    }
    if (v && (!strcmp (v, "false") || !strcmp (v, "no") || !strcmp (v, "off"))) {
        *b = 0;
        return 0;
    }
    return vg_rules__fail (c, n, kb, "expected true or false");
}
