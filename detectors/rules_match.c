/* rules_match.c - match devices and series against a parsed rule set: globs, device
 * matches, series slots, maintenance/change windows, allowlists, golden images.
 *
 * Invariant: read-only on the vg_rules_t; safe on several threads at once. */
#include "detectors/rules.h"

#include <arpa/inet.h>
#include <string.h>

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
    for (size_t i = 0; i < r->nnot_paths; i++)
        if (vg_glob (r->not_paths[i], path ? path : ""))
            return -1;
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
