/* rules_diff.c - rule fingerprints and the difference between two rule sets (see rules_diff.h).
 *
 * The fingerprint chains vg_hash64 over every field that shapes what a detector instance
 * computes or reports; strings are hashed with their terminating NUL so that ["ab","c"]
 * and ["a","bc"] differ. */
#include "detectors/rules_diff.h"

#include <stdio.h>
#include <string.h>

#include "common/hash.h"

static uint64_t
s_mix (uint64_t h, const void *p, size_t n)
{
    return vg_hash64 (p, n, h);
}

static uint64_t
s_str (uint64_t h, const char *s)
{
    return s ? s_mix (h, s, strlen (s) + 1) : s_mix (h, "\xff", 1);
}

static uint64_t
s_strs (uint64_t h, char *const *v, size_t n)
{
    h = s_mix (h, &n, sizeof n);
    for (size_t i = 0; i < n; i++)
        h = s_str (h, v[i]);
    return h;
}

static uint64_t
s_dev (uint64_t h, const vg_dev_match_t *m)
{
    h = s_strs (h, m->devices, m->ndevices);
    h = s_strs (h, m->roles, m->nroles);
    h = s_strs (h, m->vendors, m->nvendors);
    h = s_strs (h, m->sites, m->nsites);
    return s_strs (h, m->versions, m->nversions);
}

uint64_t
vg_rule_fingerprint (const vg_rule_t *r)
{
    uint64_t h = 0x72756c65;
    h = s_str (h, r->id);
    h = s_str (h, r->ops ? r->ops->name : NULL);
    h = s_str (h, r->ops ? r->ops->version : NULL); /* the algorithm's version: its state format */
    h = s_str (h, r->title);
    h = s_str (h, r->catalog);
    h = s_str (h, r->types);
    int64_t nums[5] = { r->severity, r->for_ms, r->keep_firing_for_ms, r->repeat_ms, r->kind };
    h = s_mix (h, nums, sizeof nums);
    h = s_dev (h, &r->dev);
    h = s_strs (h, r->paths, r->npaths);
    h = s_strs (h, r->not_paths, r->nnot_paths);
    h = s_mix (h, &r->nlabels, sizeof r->nlabels);
    for (size_t i = 0; i < r->nlabels; i++) {
        h = s_str (h, r->labels[i].key);
        h = s_str (h, r->labels[i].glob);
    }
    size_t np = r->ops ? r->ops->nparams : 0;
    for (size_t i = 0; i < np && i < VG_MAX_PARAMS; i++) {
        h = s_mix (h, &r->pv[i], sizeof r->pv[i]);
        h = s_str (h, r->ps[i]);
    }
    h = s_strs (h, r->techniques, r->ntechniques);
    return h ? h : 1;
}

static const vg_rule_t *
s_find (const vg_rules_t *rs, const char *id)
{
    for (size_t i = 0; rs && i < rs->nrules; i++)
        if (!strcmp (rs->rules[i].id, id))
            return &rs->rules[i];
    return NULL;
}

/* 'a' added, 'c' changed, 'u' unchanged for a rule of the new set. */
static int
s_class (const vg_rules_t *old, const vg_rule_t *r)
{
    const vg_rule_t *o = s_find (old, r->id);
    if (!o)
        return 'a';
    return vg_rule_fingerprint (o) == vg_rule_fingerprint (r) ? 'u' : 'c';
}

vg_rules_diff_t
vg_rules_diff (const vg_rules_t *old, const vg_rules_t *new_rules, uint8_t *fresh, uint8_t *gone)
{
    vg_rules_diff_t d = { 0, 0, 0, 0 };
    for (size_t i = 0; i < new_rules->nrules; i++) {
        int c = s_class (old, &new_rules->rules[i]);
        d.added += c == 'a';
        d.changed += c == 'c';
        d.unchanged += c == 'u';
        if (fresh)
            fresh[i] = c != 'u';
    }
    for (size_t i = 0; old && i < old->nrules; i++) {
        const vg_rule_t *n = s_find (new_rules, old->rules[i].id);
        d.removed += n == NULL;
        if (gone)
            gone[i] = !n || vg_rule_fingerprint (n) != vg_rule_fingerprint (&old->rules[i]);
    }
    return d;
}

/* Append ", id" (or "id" first) to buf, or "..." once it no longer fits. */
static void
s_append (char *buf, size_t size, const char *id)
{
    size_t len = strlen (buf);
    if (len >= 3 && !strcmp (buf + len - 3, "..."))
        return;
    const char *sep = len ? ", " : "";
    if (len + strlen (sep) + strlen (id) + 4 < size)
        snprintf (buf + len, size - len, "%s%s", sep, id);
    else if (len + strlen (sep) + 3 < size)
        snprintf (buf + len, size - len, "%s...", sep);
}

char *
vg_rules_diff_ids (const vg_rules_t *old, const vg_rules_t *new_rules, int which, char *buf, size_t size)
{
    if (!size)
        return buf;
    buf[0] = '\0';
    if (which == 'r') {
        for (size_t i = 0; old && i < old->nrules; i++)
            if (!s_find (new_rules, old->rules[i].id))
                s_append (buf, size, old->rules[i].id);
        return buf;
    }
    for (size_t i = 0; i < new_rules->nrules; i++)
        if (s_class (old, &new_rules->rules[i]) == which)
            s_append (buf, size, new_rules->rules[i].id);
    return buf;
}
