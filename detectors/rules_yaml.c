/* rules_yaml.c - YAML access for the rules parser: keys, scalars, lists, durations, numbers
 * and booleans read from a libyaml document, each failure reported as "file:line: key: reason".
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
    char msg[256];
    vsnprintf (msg, sizeof msg, fmt, ap);
    if (!c->failed && c->err && c->errlen)
        snprintf (c->err, c->errlen, "%s:%d: %s: %s", c->file, line, key ? key : "(top)", msg);
    c->failed = 1;
    return -VG_ECONFIG;
}

/* Record the first error as "file:line: key: message"; returns -VG_ECONFIG. */
int
vg_rules__fail (vg_rules_ctx_t *c, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int rc = s_vfail (c, n ? (int) n->start_mark.line + 1 : 0, key, fmt, ap);
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

/* "a.b" into buf, truncated to size. */
void
vg_rules__join (char *buf, size_t size, const char *a, const char *b)
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

char *
vg_rules__strdup (const char *s)
{
    size_t n = strlen (s);
    char *p = malloc (n + 1);
    if (p)
        memcpy (p, s, n + 1);
    return p;
}

yaml_node_t *
vg_rules__node (vg_rules_ctx_t *c, int idx)
{
    return yaml_document_get_node (c->doc, idx);
}

const char *
vg_rules__scalar (const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        return NULL;
    return (const char *) n->data.scalar.value;
}

/* Value node of key in a mapping, or NULL. */
yaml_node_t *
vg_rules__get (vg_rules_ctx_t *c, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        const char *k = vg_rules__scalar (vg_rules__node (c, p->key));
        if (k && strcmp (k, key) == 0)
            return vg_rules__node (c, p->value);
    }
    return NULL;
}

/* Reject keys not in the NULL-terminated list. */
int
vg_rules__check_keys (vg_rules_ctx_t *c, const yaml_node_t *map, const char *where,
                      const char *const *allowed)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return vg_rules__fail (c, map, where, "expected a mapping");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = vg_rules__node (c, p->key);
        const char *k = vg_rules__scalar (kn);
        if (!k)
            return vg_rules__fail (c, kn, where, "keys must be scalars");
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp (allowed[i], k) == 0)
                ok = 1;
        if (!ok) {
            char key[160];
            vg_rules__join (key, sizeof key, where, k);
            return vg_rules__fail (c, kn, key, "unknown key");
        }
    }
    return 0;
}

int
vg_rules__get_str (vg_rules_ctx_t *c, const yaml_node_t *map, const char *key, const char *where,
                   int required, char **out)
{
    yaml_node_t *n = vg_rules__get (c, map, key);
    char kb[160];
    vg_rules__join (kb, sizeof kb, where, key);
    if (!n) {
        if (required)
            return vg_rules__fail (c, map, kb, "required key missing");
        *out = vg_rules__strdup ("");
        return *out ? 0 : -VG_ENOMEM;
    }
    const char *v = vg_rules__scalar (n);
    if (!v)
        return vg_rules__fail (c, n, kb, "expected a string");
    free (*out);
    *out = vg_rules__strdup (v);
    return *out ? 0 : -VG_ENOMEM;
}

/* A scalar or a sequence of scalars into a string array. */
int
vg_rules__get_list (vg_rules_ctx_t *c, const yaml_node_t *n, const char *kb, char ***out,
                    size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (!n)
        return 0;
    size_t cnt = 1;
    if (n->type == YAML_SEQUENCE_NODE)
        cnt = (size_t) (n->data.sequence.items.top - n->data.sequence.items.start);
    else if (n->type != YAML_SCALAR_NODE)
        return vg_rules__fail (c, n, kb, "expected a string or a list of strings");
    if (cnt > VG_RULES_MAX_LIST)
        return vg_rules__fail (c, n, kb, "too many entries (max %d)", VG_RULES_MAX_LIST);
    *out = calloc (cnt ? cnt : 1, sizeof (char *));
    if (!*out)
        return -VG_ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *it = n->type == YAML_SEQUENCE_NODE
                                    ? vg_rules__node (c, n->data.sequence.items.start[i]) : n;
        const char *v = vg_rules__scalar (it);
        if (!v)
            return vg_rules__fail (c, it, kb, "list entries must be strings");
        (*out)[i] = vg_rules__strdup (v);
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
vg_rules__parse_dev_match (vg_rules_ctx_t *c, const yaml_node_t *m, const char *where,
                           vg_dev_match_t *dm)
{
    char kb[160];
    struct { const char *key; char ***l; size_t *n; } f[] = {
        { "device", &dm->devices, &dm->ndevices }, { "role", &dm->roles, &dm->nroles },
        { "vendor", &dm->vendors, &dm->nvendors }, { "site", &dm->sites, &dm->nsites },
        { "sw_version", &dm->versions, &dm->nversions },
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        vg_rules__join (kb, sizeof kb, where, f[i].key);
        int rc = vg_rules__get_list (c, vg_rules__get (c, m, f[i].key), kb, f[i].l, f[i].n);
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
vg_rules__parse_dur (vg_rules_ctx_t *c, const yaml_node_t *n, const char *kb, int64_t *ms)
{
    const char *v = vg_rules__scalar (n);
    if (!v || vg_duration_parse (v, ms) != 0 || *ms < 0)
        return vg_rules__fail (c, n, kb, "expected a duration such as 30s, 5m, 2h, 7d");
    return 0;
}

int
vg_rules__parse_num (vg_rules_ctx_t *c, const yaml_node_t *n, const char *kb, double *d)
{
    const char *v = vg_rules__scalar (n);
    char *end = NULL;
    if (!v || !*v)
        return vg_rules__fail (c, n, kb, "expected a number");
    *d = strtod (v, &end);
    if (*end != '\0' || *d != *d)
        return vg_rules__fail (c, n, kb, "expected a number, got '%s'", v);
    return 0;
}

int
vg_rules__parse_bool (vg_rules_ctx_t *c, const yaml_node_t *n, const char *kb, int *b)
{
    const char *v = vg_rules__scalar (n);
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
