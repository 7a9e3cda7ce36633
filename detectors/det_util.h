/* det_util.h - small helpers shared by the detector kinds (internal to detectors/): the
 * parameter accessor, counter rates, event attributes, novelty sets.
 * A novelty set is a fixed ring of 64-bit keys: exact membership among the last N keys,
 * oldest forgotten first, so its memory is bounded and its behaviour deterministic. */
#ifndef VG_DET_UTIL_H
#define VG_DET_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/model.h"
#include "detectors/rules.h"

/* log P(X >= k) for X ~ Hypergeometric(N = n + no, n, K = k + ko): k or more of K findings
 * on n of N devices when they fall on the devices at random (-INFINITY when impossible). */
static inline double
vg_log_hyper_tail (uint32_t n, uint32_t no, uint32_t k, uint32_t ko)
{
    uint32_t N = n + no, K = k + ko, top = K < n ? K : n;
    double lc = lgamma (N + 1.0) - lgamma (K + 1.0) - lgamma (N - K + 1.0), sum = 0;
    for (uint32_t i = k; i <= top; i++) {
        if (K - i > no)
            continue;
        sum += exp (lgamma (n + 1.0) - lgamma (i + 1.0) - lgamma (n - i + 1.0) + lgamma (no + 1.0) -
                    lgamma (K - i + 1.0) - lgamma (no - (K - i) + 1.0) - lc);
    }
    return sum > 0 ? log (sum) : -INFINITY;
}

/* Value of a rule's NUM/DUR/BOOL/ENUM parameter by its index in the kind's table. */
static inline double
vg_param (const vg_rule_t *r, int i)
{
    return r->pv[i];
}

/* Previous raw sample of a counter, for rates and deltas (part of kinds' saved state). */
typedef struct {
    double raw;
    int64_t ts;
    int has;
} vg_ctr_t;

/* Counter -> per-second rate: remembers (ts, raw) and returns 1 with *rate set, or 0 when
 * the interval is dropped (first sample, reset/wrap, non-increasing time). */
static inline int
vg_ctr_rate (vg_ctr_t *c, int64_t ts, double raw, double *rate)
{
    int had = c->has;
    double prev = c->raw;
    int64_t pts = c->ts;
    c->raw = raw;
    c->ts = ts;
    c->has = 1;
    if (!had || ts <= pts || raw < prev)
        return 0;
    *rate = (raw - prev) * 1000.0 / (double) (ts - pts);
    return 1;
}

/* Last element of the rule's path pattern of a slot ("*\/in-fcs-errors" -> "in-fcs-errors"),
 * or dflt when the slot has no pattern. */
static inline const char *
vg_rule_leaf (const vg_rule_t *r, int slot, const char *dflt)
{
    if (slot < 0 || (size_t) slot >= r->npaths)
        return dflt;
    const char *p = r->paths[slot], *q = strrchr (p, '/');
    return q && q[1] ? q + 1 : p;
}

/* Value of an event attribute, or NULL. */
static inline const char *
vg_ev_attr (const vg_event_t *ev, const char *key)
{
    for (size_t i = 0; i < ev->nattrs; i++)
        if (ev->attrs[i].key && !strcmp (ev->attrs[i].key, key))
            return ev->attrs[i].value ? ev->attrs[i].value : "";
    return NULL;
}

/* Is word in the comma-separated list? */
static inline int
vg_csv_has (const char *csv, const char *word)
{
    size_t wl = strlen (word);
    const char *p = csv;
    while (p && *p) {
        const char *c = strchr (p, ',');
        size_t n = c ? (size_t) (c - p) : strlen (p);
        if (n == wl && !strncmp (p, word, n))
            return 1;
        p = c ? c + 1 : NULL;
    }
    return 0;
}

static inline uint64_t
vg_key2 (const char *a, const char *b)
{
    uint64_t h = vg_hash64 (a ? a : "", a ? strlen (a) : 0, 0x6e6f76);
    return vg_hash64 (b ? b : "", b ? strlen (b) : 0, h) | 1; /* never 0 (0 = empty) */
}

#define VG_NOVEL_MAX 512
typedef struct {
    uint64_t keys[VG_NOVEL_MAX];
    uint32_t n, pos;
} vg_novel_t;

/* Returns 1 if key was already known; otherwise remembers it and returns 0. */
static inline int
vg_novel_seen (vg_novel_t *s, uint64_t key, uint32_t cap)
{
    if (cap > VG_NOVEL_MAX || cap == 0)
        cap = VG_NOVEL_MAX;
    for (uint32_t i = 0; i < s->n; i++)
        if (s->keys[i] == key)
            return 1;
    if (s->pos >= cap)
        s->pos = 0;
    s->keys[s->pos++] = key;
    if (s->n < cap)
        s->n++;
    return 0;
}

static inline int
vg_novel_valid (const vg_novel_t *s)
{
    return s->n <= VG_NOVEL_MAX && s->pos <= VG_NOVEL_MAX;
}

/* Does a change/maintenance window cover dev at ts? (rules back-pointer of the rule) */
#define VG_IN_CHANGE_WINDOW(rule, dev, ts, namep) \
    vg_rules_in_window ((rule)->rules, VG_WIN_CHANGE, (dev), (ts), (namep))

#endif
