/* sim_scenario.c - the scenario engine (see sim_scenario.h, scenario_int.h): random draws,
 * placing incidents in time and on devices, the modifier chains applied while the fleet is
 * generated, the step-sorted injected events, and the labels.  Incidents are planned once in
 * vg_sim_new from a counter-based hash of the seed; generation only reads the plan, so steps
 * stay deterministic and retryable.  What each incident does is in incidents.c. */
#include "sim/sim_scenario.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/arena.h"
#include "common/err.h"
#include "common/json.h"
#include "sim/scenario_int.h"
#include "sim/sim_int.h"

#define RESV_MAX 32
#define RESV_MARGIN (6 * HOUR_MS)
#define MAX_INC_EVENTS 200000 /* injected events per scenario */
#define MAX_GT_LABELS 4096
#define DEF_HORIZON (17 * DAY_MS)
#define SA_UP "2" /* IPsec SAs of a cell-site router towards the security gateway */

typedef struct {
    int64_t from, to;
} resv_t;

struct vg_scen {
    const char *name;
    uint64_t seed, ctr;
    int64_t horizon;
    uint64_t nsteps;
    smod_t *mods;
    size_t nmods, capmods;
    vg_scen__event_t *evs;
    size_t nevs, capevs;
    vg_sim_label_t *labels;
    size_t nlabels, caplabels;
    vg_arena_t strs;
    resv_t *resv;
    uint8_t *nresv;
    uint32_t *devidx;       /* scratch of vg_scen__free_devs, one per device (while planning) */
    uint32_t ninc, nseq;
    uint64_t cache_k;
    size_t cache_pos;
    int cache_ok, oom;
};

/* ---- draws and strings (the plans' side: scenario_int.h) -------------------------------- */

uint64_t
vg_scen__rnd (struct vg_scen *sc)
{
    sc->ctr++;
    return vg_hash_mix64 (sc->seed ^ vg_hash_mix64 (sc->ctr * GOLDEN + 0x5ce7a210ULL));
}

double
vg_scen__uni (struct vg_scen *sc, double lo, double hi)
{
    return lo + (hi - lo) * s_unit (vg_scen__rnd (sc));
}

uint32_t
vg_scen__pick (struct vg_scen *sc, uint32_t n)
{
    return n ? (uint32_t) (vg_scen__rnd (sc) % n) : 0;
}

const char *
vg_scen__str (struct vg_scen *sc, const char *str)
{
    const char *p = vg_arena_strdup (&sc->strs, str);
    if (!p)
        sc->oom = 1;
    return p;
}

const char *
vg_scen__strf (struct vg_scen *sc, const char *fmt, unsigned a, unsigned b)
{
    char buf[64];
    snprintf (buf, sizeof buf, fmt, a, b);
    return vg_scen__str (sc, buf);
}

int64_t
vg_scen__ts (const vg_sim_t *s, uint64_t step)
{
    return s->cfg.start_ms + (int64_t) step * s->cfg.interval_ms;
}

/* ---- effects: modifier chains and injected events --------------------------------------- */

int
vg_scen__mod_add (vg_sim_t *s, uint32_t *head, int op, uint64_t from, uint64_t to, double p)
{
    struct vg_scen *sc = s->scen;
    if (vg_array_reserve ((void **) &sc->mods, &sc->capmods, sc->nmods + 1, sizeof *sc->mods) < 0) {
        sc->oom = 1;
        return -VG_ENOMEM;
    }
    smod_t *m = &sc->mods[sc->nmods++];
    m->from = from;
    m->to = to;
    m->p = p;
    m->op = (uint8_t) op;
    m->next = *head;
    *head = (uint32_t) sc->nmods;
    return 0;
}

/* The n-th series (0-based) of device di with this path, or NULL. */
series_t *
vg_scen__nth (vg_sim_t *s, size_t di, const char *path, uint32_t n)
{
    const device_t *d = &s->devs[di];
    for (uint32_t i = 0; i < d->nseries; i++) {
        series_t *se = &s->series[d->first + i];
        if (strcmp (se->pt.path, path) == 0 && n-- == 0)
            return se;
    }
    return NULL;
}

uint32_t
vg_scen__count (vg_sim_t *s, size_t di, const char *path)
{
    const device_t *d = &s->devs[di];
    uint32_t n = 0;
    for (uint32_t i = 0; i < d->nseries; i++)
        n += strcmp (s->series[d->first + i].pt.path, path) == 0;
    return n;
}

int
vg_scen__mod_path (vg_sim_t *s, size_t di, const char *path, int op, uint64_t from, uint64_t to,
                   double p)
{
    uint32_t n = vg_scen__count (s, di, path);
    for (uint32_t i = 0; i < n; i++) {
        series_t *se = vg_scen__nth (s, di, path, i);
        if (se && vg_scen__mod_add (s, &se->mod, op, from, to, p))
            return -VG_ENOMEM;
    }
    return 0;
}

const char *const *
vg_sim_scenario_names (void)
{
    return vg_scen__names;
}

const char *
vg_sim_scenario_help (const char *name)
{
    if (!name)
        return NULL;
    if (strcmp (name, "catalog") == 0)
        return "every incident type (3 each) plus the benign look-alikes";
    if (strcmp (name, "benign") == 0)
        return "benign look-alikes only (6 each): maintenance reboots, traffic shifts, allowlisted destinations";
    for (size_t i = 0; i < vg_scen__ntypes; i++)
        if (strcmp (name, vg_scen__types[i].name) == 0)
            return vg_scen__types[i].note;
    return NULL;
}

vg_scen__event_t *
vg_scen__event (vg_sim_t *s, uint64_t step, size_t di, int type)
{
    struct vg_scen *sc = s->scen;
    if (sc->nevs >= MAX_INC_EVENTS || step >= sc->nsteps)
        return NULL;
    if (vg_array_reserve ((void **) &sc->evs, &sc->capevs, sc->nevs + 1, sizeof *sc->evs) < 0) {
        sc->oom = 1;
        return NULL;
    }
    vg_scen__event_t *e = &sc->evs[sc->nevs++];
    memset (e, 0, sizeof *e);
    e->step = step;
    e->dev = (uint32_t) di;
    e->seq = sc->nseq++;
    e->type = type;
    return e;
}

void
vg_scen__attr (vg_scen__event_t *e, const char *k, const char *v)
{
    if (e && v && e->nattrs < sizeof e->attrs / sizeof e->attrs[0])
        e->attrs[e->nattrs++] = (vg_label_t) { k, v };
}

/* ---- labels of the current incident ----------------------------------------------------- */

vg_sim_label_t *
vg_scen__label (vg_sim_t *s, const vg_scen__type_t *t, const char *det, char cia, uint64_t from, uint64_t to,
                double mag)
{
    struct vg_scen *sc = s->scen;
    if (sc->nlabels >= MAX_GT_LABELS)
        return NULL;
    if (vg_array_reserve ((void **) &sc->labels, &sc->caplabels, sc->nlabels + 1, sizeof *sc->labels) < 0) {
        sc->oom = 1;
        return NULL;
    }
    vg_sim_label_t *l = &sc->labels[sc->nlabels++];
    memset (l, 0, sizeof *l);
    snprintf (l->id, sizeof l->id, "inc%03u", sc->ninc);
    l->scenario = sc->name;
    l->type = t->name;
    l->detector = det ? det : t->det;
    l->cia = cia ? cia : t->cia;
    l->benign = t->benign;
    l->start_ms = vg_scen__ts (s, from);
    l->end_ms = vg_scen__ts (s, to);
    l->magnitude = mag;
    l->note = t->note;
    return l;
}

vg_sim_label_t *
vg_scen__label_at (vg_sim_t *s, size_t i)
{
    return i < s->scen->nlabels ? &s->scen->labels[i] : NULL;
}

/* Every device is listed (a collector outage of a large fleet names hundreds; a list cut at
 * 32 made eval_wire count the silence of the others as false alerts).  The list grows by
 * doubling in the scenario's arena (the labels array moves, the lists do not). */
void
vg_scen__label_dev (vg_sim_t *s, vg_sim_label_t *l, const device_t *d)
{
    if (!l)
        return;
    struct vg_scen *sc = s->scen;
    size_t n = l->ndevices; /* capacity: 8, then the next power of two */
    if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
        const char **p = vg_arena_alloc (&sc->strs, (n ? 2 * n : 8) * sizeof *p);
        if (!p) {
            sc->oom = 1; /* vg_sim_new fails */
            return;
        }
        if (n)
            memcpy (p, l->devices, n * sizeof *p);
        l->devices = p;
    }
    l->devices[l->ndevices++] = d->id;
    l->ndevices_total++;
    if (!l->entity)
        l->entity = d->id;
}

/* ---- placing: time and free devices ----------------------------------------------------- */

/* Is device di free of incidents over [from, to) (with the margin)? */
int
vg_scen__is_free (const struct vg_scen *sc, size_t di, int64_t from, int64_t to)
{
    const resv_t *r = &sc->resv[di * RESV_MAX];
    if (sc->nresv[di] >= RESV_MAX)
        return 0;
    for (uint8_t i = 0; i < sc->nresv[di]; i++)
        if (from < r[i].to + RESV_MARGIN && r[i].from < to + RESV_MARGIN)
            return 0;
    return 1;
}

void
vg_scen__reserve (struct vg_scen *sc, size_t di, int64_t from, int64_t to)
{
    if (sc->nresv[di] < RESV_MAX) {
        sc->resv[di * RESV_MAX + sc->nresv[di]] = (resv_t) { from, to };
        sc->nresv[di]++;
    }
}

/* Pick a start step and duration for t: start within [warm-up, end - duration], at an hour
 * in [h0, h1).  Returns 0, or -1 when the horizon is too short. */
int
vg_scen__when (vg_sim_t *s, const vg_scen__type_t *t, uint64_t *from, uint64_t *to)
{
    struct vg_scen *sc = s->scen;
    int64_t iv = s->cfg.interval_ms, st = s->cfg.start_ms;
    double dur = vg_scen__uni (sc, t->dmin, t->dmax) * MIN_MS;
    int64_t nstep = (int64_t) ceil (dur / (double) iv);
    if (nstep < 1)
        nstep = 1;
    double warm = t->warm_days * DAY_MS;
    if (warm > (double) sc->horizon - 1.5 * DAY_MS) /* too short a run: earlier, maybe undetectable */
        warm = 0.6 * (double) sc->horizon;
    int64_t tmin = st + (int64_t) warm, tmax = st + sc->horizon - nstep * iv - HOUR_MS;
    if (tmax < tmin)
        return -1;
    for (int tries = 0; tries < 64; tries++) {
        int64_t t0 = tmin + (int64_t) (s_unit (vg_scen__rnd (sc)) * (double) (tmax - tmin));
        int64_t day = t0 - (t0 % DAY_MS + DAY_MS) % DAY_MS;
        int64_t tod = (int64_t) (vg_scen__uni (sc, t->h0, t->h1) * HOUR_MS);
        int64_t ts = day + tod;
        if (ts < tmin || ts > tmax)
            continue;
        int64_t k = (ts - st + iv - 1) / iv;
        *from = (uint64_t) k;
        *to = (uint64_t) (k + nstep);
        return 0;
    }
    return -1;
}

/* Plan time and a free device of one of the roles.  Returns the device index or -1. */
const uint32_t *
vg_scen__free_devs (vg_sim_t *s, uint64_t from, uint64_t to, size_t m, const char *vendor, size_t *got)
{
    struct vg_scen *sc = s->scen;
    size_t n = s->ndevs, k = 0;
    uint32_t *idx = sc->devidx;
    for (size_t i = 0; i < n; i++)
        idx[i] = (uint32_t) i;
    for (size_t i = 0; i < n && k < m; i++) {
        size_t j = i + vg_scen__pick (sc, (uint32_t) (n - i));
        uint32_t tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
        if ((!vendor || strcmp (s->devs[idx[i]].dev.vendor, vendor) == 0)
            && vg_scen__is_free (sc, idx[i], vg_scen__ts (s, from), vg_scen__ts (s, to)))
            idx[k++] = idx[i];
    }
    *got = k;
    return idx;
}

int
vg_scen__place (vg_sim_t *s, const vg_scen__type_t *t, unsigned roles, uint64_t *from, uint64_t *to)
{
    struct vg_scen *sc = s->scen;
    for (int tries = 0; tries < 40; tries++) {
        if (vg_scen__when (s, t, from, to))
            return -1;
        int64_t a = vg_scen__ts (s, *from), b = vg_scen__ts (s, *to);
        for (int k = 0; k < 24; k++) {
            size_t di = vg_scen__pick (sc, (uint32_t) s->ndevs);
            if (!(roles & ROLE (s->devs[di].role)) || !vg_scen__is_free (sc, di, a, b))
                continue;
            vg_scen__reserve (sc, di, a, b);
            return (int) di;
        }
    }
    return -1;
}

/* ---- build / apply ---------------------------------------------------------------------- */

static int
s_ev_cmp (const void *a, const void *b)
{
    const vg_scen__event_t *x = a, *y = b;
    if (x->step != y->step)
        return x->step < y->step ? -1 : 1;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
vg_sim__scenario_build (vg_sim_t *s)
{
    const char *name = s->cfg.scenario;
    int all = strcmp (name, "catalog") == 0, benign = strcmp (name, "benign") == 0;
    const char *canon = all ? "catalog" : benign ? "benign" : NULL;
    for (size_t i = 0; i < vg_scen__ntypes && !canon; i++)
        if (strcmp (name, vg_scen__types[i].name) == 0)
            canon = vg_scen__types[i].name;
    if (!canon)
        return -VG_EINVAL;
    struct vg_scen *sc = calloc (1, sizeof *sc);
    if (!sc)
        return -VG_ENOMEM;
    s->scen = sc;
    sc->strs = (vg_arena_t) VG_ARENA_INIT (4096, SIZE_MAX);
    sc->name = canon;
    s->cfg.scenario = canon; /* the caller's string is only borrowed for vg_sim_new */
    sc->seed = vg_hash_mix64 (s->cfg.seed ^ vg_hash64 (canon, strlen (canon), 0x5ce4));
    sc->horizon = s->cfg.end_ms > s->cfg.start_ms ? s->cfg.end_ms - s->cfg.start_ms : DEF_HORIZON;
    if (s->cfg.end_ms == 0)
        sc->horizon = DEF_HORIZON;
    sc->nsteps = (uint64_t) ((sc->horizon + s->cfg.interval_ms - 1) / s->cfg.interval_ms);
    sc->resv = calloc (s->ndevs * RESV_MAX, sizeof *sc->resv);
    sc->nresv = calloc (s->ndevs, sizeof *sc->nresv);
    sc->devidx = calloc (s->ndevs ? s->ndevs : 1, sizeof *sc->devidx);
    if (!sc->resv || !sc->nresv || !sc->devidx)
        return -VG_ENOMEM;
    uint32_t n = s->cfg.scenario_n ? s->cfg.scenario_n : all ? 3 : benign ? 6 : 4;
    int rc = 0;
    for (uint32_t rep = 0; rep < n && rc == 0; rep++)
        for (size_t i = 0; i < vg_scen__ntypes && rc == 0; i++) {
            const vg_scen__type_t *t = &vg_scen__types[i];
            if (!(((all || (benign && t->benign)) && !t->alone) || strcmp (canon, t->name) == 0))
                continue;
            size_t before = sc->nlabels;
            sc->ninc++;
            rc = t->plan (s, t);
            if (sc->nlabels == before)
                sc->ninc--; /* did not fit: no incident */
        }
    if (rc == 0 && sc->oom)
        rc = -VG_ENOMEM;
    if (rc == 0 && sc->nevs)
        qsort (sc->evs, sc->nevs, sizeof *sc->evs, s_ev_cmp);
    free (sc->resv);
    free (sc->nresv);
    free (sc->devidx);
    sc->resv = NULL;
    sc->nresv = NULL;
    sc->devidx = NULL;
    return rc;
}

void
vg_sim__scenario_free (vg_sim_t *s)
{
    struct vg_scen *sc = s->scen;
    if (!sc)
        return;
    vg_arena_free (&sc->strs);
    free (sc->mods);
    free (sc->evs);
    free (sc->labels);
    free (sc->resv);
    free (sc->nresv);
    free (sc->devidx);
    free (sc);
    s->scen = NULL;
}

double
vg_sim__modify (vg_sim_t *s, series_t *se, uint64_t k, int cur, double level, int *force, double *fv)
{
    const smod_t *mods = s->scen ? s->scen->mods : NULL;
    uint64_t force_from = 0;
    if (se->gen == G_STATE)
        se->pt.state = se->state0;
    for (uint32_t i = se->mod; i && mods; i = mods[i - 1].next) {
        const smod_t *m = &mods[i - 1];
        if (k < m->from || k >= m->to)
            continue;
        switch (m->op) {
        case M_SCALE: level *= m->p; break;
        case M_ADD: level += m->p; break;
        case M_RAMP: level += m->p * (double) (k - m->from + 1); break;
        case M_LEVEL: level = m->p; break;
        case M_FORCE:
            if (!*force || m->from >= force_from) {
                *force = 1;
                *fv = m->p;
                force_from = m->from;
            }
            break;
        case M_DOWN: {
            int up = se->state0 && strcmp (se->state0, "ESTABLISHED") == 0;
            int down = m->p == 0 || ((k - m->from) & 1) == 0;
            if (down)
                se->pt.state = up ? ((k & 1) ? "CONNECT" : "IDLE") : "DOWN";
            break;
        }
        case M_RESET:
            se->state[cur] = 0;
            break;
        default: break;
        }
    }
    return level;
}

int
vg_sim__silent (const vg_sim_t *s, const device_t *d, uint64_t k)
{
    const smod_t *mods = s->scen ? s->scen->mods : NULL;
    for (uint32_t i = d->dmod; i && mods; i = mods[i - 1].next)
        if (mods[i - 1].op == M_SILENT && k >= mods[i - 1].from && k < mods[i - 1].to)
            return 1;
    return 0;
}

/* SA count report of a cell-site router: at step 0, every clock hour and when an M_SA0
 * incident starts or ends.  Returns 1 and sets *sa when a report is due. */
static int
s_sa_due (const vg_sim_t *s, const device_t *d, uint64_t k, int64_t ts, const char **sa)
{
    const smod_t *mods = s->scen->mods;
    int active = 0, edge = 0;
    for (uint32_t i = d->dmod; i; i = mods[i - 1].next) {
        const smod_t *m = &mods[i - 1];
        if (m->op != M_SA0)
            continue;
        active |= k >= m->from && k < m->to;
        edge |= k == m->from || k == m->to;
    }
    int hour = ts / HOUR_MS != (ts - s->cfg.interval_ms) / HOUR_MS;
    *sa = active ? "0" : SA_UP;
    return k == 0 || hour || edge;
}

int
vg_sim__inject (vg_sim_t *s, size_t di, uint64_t k, int64_t ts, const vg_sink_t *sink)
{
    struct vg_scen *sc = s->scen;
    const device_t *d = &s->devs[di];
    vg_label_t at[2];   /* the attributes of a state report */
    vg_event_t ev = { .device = d->id, .ts_ms = ts, .input = "sim", .attrs = at, .nattrs = 2 };
    int rc;
    /* Scenario-mode state reports: time source at the start, IPsec SAs of cell-site routers. */
    if (k == 0) {
        at[0] = (vg_label_t) { "server", SIM_NTP_SERVER };
        at[1] = (vg_label_t) { "stratum", "2" };
        ev.type = VG_EV_NTP_CHANGE;
        rc = vg_sink_event (sink, &ev);
        if (rc)
            return rc;
    }
    const char *sa;
    if (d->role == R_CSR && s_sa_due (s, d, k, ts, &sa)) {
        at[0] = (vg_label_t) { "sa_count", sa };
        at[1] = (vg_label_t) { "tunnel", "segw" };
        ev.type = VG_EV_CRYPTO_STATE;
        rc = vg_sink_event (sink, &ev);
        if (rc)
            return rc;
    }
    if (!sc->cache_ok || sc->cache_k != k) {
        size_t lo = 0, hi = sc->nevs;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (sc->evs[mid].step < k)
                lo = mid + 1;
            else
                hi = mid;
        }
        sc->cache_k = k;
        sc->cache_pos = lo;
        sc->cache_ok = 1;
    }
    for (size_t i = sc->cache_pos; i < sc->nevs && sc->evs[i].step == k; i++) {
        const vg_scen__event_t *e = &sc->evs[i];
        if (e->dev != di)
            continue;
        vg_event_t x = { .device = d->id, .ts_ms = ts, .input = "sim", .type = (vg_event_type_t) e->type,
                         .attrs = e->nattrs ? e->attrs : NULL, .nattrs = e->nattrs,
                         .flow = e->has_flow ? &e->flow : NULL };
        rc = vg_sink_event (sink, &x);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- public label API ------------------------------------------------------------------- */

size_t
vg_sim_label_count (const vg_sim_t *s)
{
    return s->scen ? s->scen->nlabels : 0;
}

const vg_sim_label_t *
vg_sim_label (const vg_sim_t *s, size_t i)
{
    return s->scen && i < s->scen->nlabels ? &s->scen->labels[i] : NULL;
}

/* Append fmt's output at *o (snprintf-style: counts what did not fit). */
static void
s_out (char *buf, size_t size, size_t *o, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int w = vsnprintf (buf + (*o < size ? *o : size), *o < size ? size - *o : 0, fmt, ap);
    va_end (ap);
    *o += w > 0 ? (size_t) w : 0;
}

/* Append str (NULL = "") JSON-escaped and quoted at *o. */
static void
s_out_str (char *buf, size_t size, size_t *o, const char *str)
{
    s_out (buf, size, o, "\"");
    *o += vg_json_escape (buf + (*o < size ? *o : size), *o < size ? size - *o : 0, str);
    s_out (buf, size, o, "\"");
}

size_t
vg_sim_label_json (const vg_sim_label_t *l, char *buf, size_t size)
{
    size_t o = 0;
    char cia[2] = { l->cia, 0 };
    s_out (buf, size, &o, "{\"scenario\":");
    s_out_str (buf, size, &o, l->scenario);
    s_out (buf, size, &o, ",\"id\":");
    s_out_str (buf, size, &o, l->id);
    s_out (buf, size, &o, ",\"type\":");
    s_out_str (buf, size, &o, l->type);
    s_out (buf, size, &o, ",\"detector\":");
    s_out_str (buf, size, &o, l->detector);
    s_out (buf, size, &o, ",\"cia\":");
    s_out_str (buf, size, &o, cia);
    s_out (buf, size, &o, ",\"benign\":%s,\"entity\":", l->benign ? "true" : "false");
    s_out_str (buf, size, &o, l->entity);
    s_out (buf, size, &o, ",\"devices\":[");
    for (size_t i = 0; i < l->ndevices; i++) {
        if (i)
            s_out (buf, size, &o, ",");
        s_out_str (buf, size, &o, l->devices[i]);
    }
    s_out (buf, size, &o, "],\"devices_total\":%zu,\"start_ms\":%lld,\"end_ms\":%lld,\"magnitude\":%.6g,\"note\":",
           l->ndevices_total, (long long) l->start_ms, (long long) l->end_ms, l->magnitude);
    s_out_str (buf, size, &o, l->note);
    s_out (buf, size, &o, "}");
    return o;
}
