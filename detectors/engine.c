/* engine.c - the engine object and its tables: new/destroy, detector instances, series
 * declaration (matching rules once), event routing and the per-series read-outs (the device
 * table is engine_device.c).
 *
 * Invariants: every table is iterated in creation order, never in hash order, so output order
 * is deterministic; once a series is declared nothing on its sample path allocates. */
#include "detectors/engine.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/err.h"
#include "common/hash.h"
#include "detectors/engine_int.h"

char *
vg_engine__dup (const char *s)
{
    return strdup (s ? s : "");
}

/* Append p to a growable pointer array. Returns 0 or -VG_ENOMEM. */
int
vg_engine__ptr_push (void ***arr, size_t *n, size_t *cap, void *p)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        void **na = realloc (*arr, nc * sizeof *na);
        if (!na)
            return -VG_ENOMEM;
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = p;
    return 0;
}

/* --------------------------------------------------------------------------------------- */
/* Instances */

uint64_t
vg_engine__inst_hkey (const vg_rule_t *r, const char *key, uint64_t series_id)
{
    uint64_t h = vg_hash64 (key, strlen (key), 0x1157 + (uint64_t) r->index);
    return vg_hash_mix64 (h ^ series_id);
}

vg_engine__inst_t *
vg_engine__inst_find (const vg_engine_t *e, const vg_rule_t *r, const char *key, uint64_t series_id,
                      uint64_t hk)
{
    for (vg_hlink_t *l = vg_hindex_chain (&e->inst_ix, hk); l; l = l->next) {
        vg_engine__inst_t *i = (vg_engine__inst_t *) l;
        if (l->h == hk && i->rule == r && i->series_id == series_id && !strcmp (i->key, key))
            return i;
    }
    return NULL;
}

static void
s_inst_free (vg_engine__inst_t *i)
{
    if (!i)
        return;
    if (i->det)
        i->det->ops->destroy (&i->det);
    free (i->key);
    free (i->entity);
    free (i->path);
    for (size_t j = 0; j < i->nlabels; j++) {
        free ((char *) i->labels[j].key);
        free ((char *) i->labels[j].value);
    }
    free (i->labels);
    free (i);
}

static int
s_label_cmp (const void *a, const void *b)
{
    const vg_label_t *x = a, *y = b;
    return strcmp (x->key ? x->key : "", y->key ? y->key : "");
}

/* "path{k=v,k=v}" into buf (labels sorted). */
static void
s_entity_text (char *buf, size_t size, const char *path, const vg_label_t *labels, size_t n)
{
    size_t o = (size_t) snprintf (buf, size, "%s", path ? path : "");
    if (n == 0 || o >= size)
        return;
    o += (size_t) snprintf (buf + o, o < size ? size - o : 0, "{");
    for (size_t i = 0; i < n && o < size; i++)
        o += (size_t) snprintf (buf + o, size - o, "%s%s=%s", i ? "," : "", labels[i].key ? labels[i].key : "",
                                labels[i].value ? labels[i].value : "");
    if (o < size)
        snprintf (buf + o, size - o, "}");
}

/* Index a new instance (by its hkey) and list it in creation order. */
static int
s_inst_add (vg_engine_t *e, vg_engine__inst_t *in)
{
    if (vg_hindex_add (&e->inst_ix, &in->hl) < 0)
        return -VG_ENOMEM;
    if (vg_engine__ptr_push ((void ***) &e->insts, &e->ninsts, &e->capinsts, in) < 0) {
        vg_hindex_del (&e->inst_ix, &in->hl);
        return -VG_ENOMEM;
    }
    e->st.instances = e->ninsts;
    return 0;
}

/* Scope key of a rule for a series/device. */
void
vg_engine__scope_key (const vg_rule_t *r, const vg_engine__dev_t *d, const vg_label_t *labels, size_t nl,
                      char *buf, size_t size)
{
    switch (r->ops->scope) {
    case VG_SCOPE_SERIES:
    case VG_SCOPE_DEVICE:
        snprintf (buf, size, "%s", d->id);
        break;
    case VG_SCOPE_ENTITY: {
        size_t o = (size_t) snprintf (buf, size, "%s", d->id);
        if (o < size)
            s_entity_text (buf + o, size - o, "", labels, nl);
        break;
    }
    case VG_SCOPE_ROLE:
        snprintf (buf, size, "%s", d->role);
        break;
    case VG_SCOPE_VENDOR:
        snprintf (buf, size, "%s", d->vendor);
        break;
    default:
        snprintf (buf, size, "%s", d->site);
        break;
    }
}

/* Find or create the instance of rule r for scope key; labels/path only for new
 * SERIES/ENTITY instances. */
_Static_assert (offsetof (vg_engine__inst_t, tick_exp) + sizeof (double) <= VG_ENGINE__INST_ALIGN,
                "what a verdict reads of an instance is its first cache line");

vg_engine__inst_t *
vg_engine__inst_get (vg_engine_t *e, const vg_rule_t *r, vg_engine__dev_t *d, const char *key,
                     uint64_t series_id, const char *path, const vg_label_t *labels, size_t nl, vg_kind_t kind)
{
    uint64_t hk = vg_engine__inst_hkey (r, key, series_id);
    vg_engine__inst_t *in = vg_engine__inst_find (e, r, key, series_id, hk);
    if (in)
        return in;
    int scope = r->ops->scope;
    size_t isz = (sizeof *in + VG_ENGINE__INST_ALIGN - 1) / VG_ENGINE__INST_ALIGN * VG_ENGINE__INST_ALIGN;
    in = aligned_alloc (VG_ENGINE__INST_ALIGN, isz);
    if (!in)
        return NULL;
    memset (in, 0, sizeof *in);
    in->rule = r;
    in->hl.h = hk;
    in->last_ts = INT64_MIN;
    in->series_id = series_id;
    in->dev = (scope <= VG_SCOPE_DEVICE) ? d : NULL;
    in->key = vg_engine__dup (key);
    in->path = scope == VG_SCOPE_SERIES ? vg_engine__dup (path) : NULL;
    if (!in->key || (scope == VG_SCOPE_SERIES && !in->path))
        goto fail;
    if (scope <= VG_SCOPE_ENTITY && nl) {
        in->labels = calloc (nl, sizeof *in->labels);
        if (!in->labels)
            goto fail;
        for (size_t j = 0; j < nl; j++) {
            in->labels[j].key = vg_engine__dup (labels[j].key);
            in->labels[j].value = vg_engine__dup (labels[j].value);
            in->nlabels = j + 1;
            if (!in->labels[j].key || !in->labels[j].value)
                goto fail;
        }
        qsort (in->labels, in->nlabels, sizeof *in->labels, s_label_cmp);
    }
    char ent[VG_MAX_PATH_LEN + 512];
    ent[0] = '\0';
    if (scope <= VG_SCOPE_ENTITY)
        s_entity_text (ent, sizeof ent, in->path, in->labels, in->nlabels);
    in->entity = vg_engine__dup (ent);
    if (!in->entity)
        goto fail;
    in->ent.device = in->dev ? &in->dev->view : NULL;
    in->ent.path = in->path;
    in->ent.labels = in->labels;
    in->ent.nlabels = in->nlabels;
    in->ent.kind = kind;
    in->ent.key = in->key;
    in->det = r->ops->new (r, &in->ent);
    if (!in->det)
        goto fail;
    in->det->ops = r->ops; /* the base is the engine's to fill */
    in->det->rule = r;
    if (s_inst_add (e, in))
        goto fail;
    if (r->ops->on_tick) {
        vg_engine__inst_t ***arr = r->ops->is_silence ? &e->sil : &e->tickers;
        size_t *n = r->ops->is_silence ? &e->nsil : &e->ntick;
        size_t *cap = r->ops->is_silence ? &e->capsil : &e->captick;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 64;
            vg_engine__inst_t **na = realloc (*arr, nc * sizeof *na);
            if (!na) {
                /* keep the instance (it is in the table) but without ticks: count it */
                e->st.full++;
                return in;
            }
            *arr = na;
            *cap = nc;
        }
        (*arr)[(*n)++] = in;
        if (!r->ops->is_silence && in->dev &&
            vg_engine__ptr_push ((void ***) &in->dev->dtick, &in->dev->ndtick, &in->dev->capdtick, in))
            e->st.full++;
        if (r->ops->on_alert && vg_engine__ptr_push ((void ***) &e->ftick, &e->nftick, &e->capftick, in))
            e->st.full++;
        if (r->ops->is_silence && scope == VG_SCOPE_SERIES && e->cur_stream &&
            vg_engine__stream_add_sil (e->cur_stream, in))
            e->st.full++;
    }
    if (r->ops->is_silence && in->dev) {
        in->dev->watched++;
        if (!in->dev->silence_rule)
            in->dev->silence_rule = r;
    }
    return in;
fail:
    s_inst_free (in);
    return NULL;
}

/* --------------------------------------------------------------------------------------- */
/* Series */

vg_engine__series_t *
vg_engine__ser_find (const vg_engine_t *e, uint64_t id)
{
    if (!e->ser_cap || !id)
        return NULL;
    size_t mask = e->ser_cap - 1;
    for (size_t i = vg_hash_mix64 (id) & mask;; i = (i + 1) & mask) {
        if (e->ser_tab[i].id == id)
            return e->ser_tab[i].s;
        if (!e->ser_tab[i].id)
            return NULL;
    }
}

static void
s_ser_index (vg_engine__ser_slot_t *tab, size_t cap, vg_engine__series_t *s)
{
    size_t k = vg_hash_mix64 (s->id) & (cap - 1);
    while (tab[k].id)
        k = (k + 1) & (cap - 1);
    tab[k] = (vg_engine__ser_slot_t) { s->id, s };
}

/* Room for one more series: a page slot and an index at most half full. */
static int
s_ser_reserve (vg_engine_t *e)
{
    if ((e->nser + 1) * 2 > e->ser_cap) {
        size_t nc = e->ser_cap ? e->ser_cap * 2 : 1024;
        vg_engine__ser_slot_t *nt = calloc (nc, sizeof *nt);
        if (!nt)
            return -VG_ENOMEM;
        for (size_t i = 0; i < e->nser; i++)
            s_ser_index (nt, nc, vg_engine__ser_at (e, i));
        free (e->ser_tab);
        e->ser_tab = nt;
        e->ser_cap = nc;
    }
    if (e->nser == e->npages * VG_ENGINE__SER_PAGE) {
        if (vg_array_reserve ((void **) &e->ser_pages, &e->cappages, e->npages + 1, sizeof *e->ser_pages) < 0)
            return -VG_ENOMEM;
        if (e->cfg.keep_last &&
            vg_array_reserve ((void **) &e->last_pages, &e->caplast, e->npages + 1, sizeof *e->last_pages) < 0)
            return -VG_ENOMEM;
        e->ser_pages[e->npages] = aligned_alloc (VG_ENGINE__SER_ALIGN, VG_ENGINE__SER_PAGE * sizeof **e->ser_pages);
        if (!e->ser_pages[e->npages])
            return -VG_ENOMEM;
        if (e->cfg.keep_last) {
            e->last_pages[e->npages] = malloc (VG_ENGINE__SER_PAGE * sizeof **e->last_pages);
            if (!e->last_pages[e->npages]) {
                free (e->ser_pages[e->npages]);
                return -VG_ENOMEM;
            }
        }
        e->npages++;
    }
    return 0;
}

int
vg_engine_series (vg_engine_t *e, uint64_t id, const vg_series_info_t *info)
{
    return vg_engine_series_from (e, id, info, NULL);
}

int
vg_engine_series_from (vg_engine_t *e, uint64_t id, const vg_series_info_t *info, const char *source)
{
    return vg_engine_series_ref (e, id, info, source, NULL);
}

int
vg_engine_series_ref (vg_engine_t *e, uint64_t id, const vg_series_info_t *info, const char *source,
                      vg_engine_series_ref_t **ref)
{
    if (ref)
        *ref = NULL;
    if (!id || !info || !info->device || !info->path || strlen (info->path) >= VG_MAX_PATH_LEN ||
        info->nlabels > VG_MAX_LABELS || (info->nlabels && !info->labels))
        return -VG_EINVAL;
    vg_engine__series_t *s = vg_engine__ser_find (e, id);
    if (s) {
        /* A series first declared without its source (restored state) joins its stream. */
        if (source && source[0] && !s->stream->src->name[0])
            vg_engine__ser_rehome (e, s, source);
        if (ref)
            *ref = s;
        return (int) s->nlinks;
    }
    if (e->nser >= e->cfg.max_series) {
        e->st.full++;
        return -VG_EFULL;
    }
    vg_engine__dev_t *d = vg_engine__dev_get (e, info->device);
    if (!d)
        return info->device->id ? -VG_ENOMEM : -VG_EINVAL;
    vg_engine__src_t *src = vg_engine__src_get (e, source);
    vg_engine__stream_t *stream = src ? vg_engine__stream_get (e, d, src) : NULL;
    if (!stream)
        return -VG_ENOMEM;
    e->cur_stream = stream;
    vg_engine__link_t links[64];
    uint32_t nl = 0;
    char key[VG_MAX_ID_LEN + 1024];
    for (size_t r = 0; r < e->rules->nrules && nl < 64; r++) {
        const vg_rule_t *rule = &e->rules->rules[r];
        if (!rule->ops->on_sample && !rule->ops->on_input && !rule->ops->on_series_input)
            continue;
        int slot = vg_rule_match_series (rule, &d->view, info->path, info->labels, info->nlabels, info->kind);
        if (slot < 0)
            continue;
        vg_engine__scope_key (rule, d, info->labels, info->nlabels, key, sizeof key);
        uint64_t sid = rule->ops->scope == VG_SCOPE_SERIES ? id : 0;
        vg_engine__inst_t *in =
            vg_engine__inst_get (e, rule, d, key, sid, info->path, info->labels, info->nlabels, info->kind);
        if (!in) {
            e->cur_stream = NULL;
            return -VG_ENOMEM;
        }
        const vg_detector_ops_t *ops = rule->ops;
        links[nl] = (vg_engine__link_t) {
            in,
            in->det,
            ops,
            (int16_t) slot,
            (uint8_t) (ops->is_silence != 0),
            (uint8_t) (ops->prefetch != NULL),
            (uint8_t) (ops->on_sample && ops->scope == VG_SCOPE_SERIES ? VG_ENGINE__CALL_SAMPLE
                       : ops->on_series_input                          ? VG_ENGINE__CALL_SERIES_INPUT
                                                                       : VG_ENGINE__CALL_INPUT),
            (uint8_t) (ops->scope >= VG_SCOPE_VENDOR),
            (uint8_t) (ops->scope == VG_SCOPE_SERIES),
            (uint8_t) (ops->on_sample && ops->scope == VG_SCOPE_SERIES && ops->sample_quiet),
        };
        nl++;
    }
    e->cur_stream = NULL;
    if (s_ser_reserve (e))
        return -VG_ENOMEM;
    s = vg_engine__ser_at (e, e->nser);
    vg_engine__link_t *lk = s->in_links;
    if (nl > VG_ENGINE__SER_INLINE) {
        lk = malloc (nl * sizeof *lk);
        if (!lk)
            return -VG_ENOMEM;
    }
    memset (s, 0, sizeof *s);
    if (nl)
        memcpy (lk, links, nl * sizeof *lk);
    s->links = lk;
    s->id = id;
    s->dev = d;
    s->stream = stream;
    s->last_ts = INT64_MIN;
    s->nlinks = nl;
    s->idx = (uint32_t) e->nser;
    if (e->cfg.keep_last)
        e->last_pages[e->nser / VG_ENGINE__SER_PAGE][e->nser % VG_ENGINE__SER_PAGE] =
            (vg_engine__last_t) { .state = 0, .score = NAN };
    s_ser_index (e->ser_tab, e->ser_cap, s);
    e->nser++;
    e->st.series = e->nser;
    if (ref)
        *ref = s;
    return (int) nl;
}

/* --------------------------------------------------------------------------------------- */
/* Public entry points */

vg_engine_t *
vg_engine_new (const vg_rules_t *rules, const vg_engine_cfg_t *cfg, vg_alert_fn on_alert, void *ctx)
{
    if (!rules)
        return NULL;
    vg_engine_t *e = calloc (1, sizeof *e);
    if (!e)
        return NULL;
    e->rules = rules;
    if (cfg)
        e->cfg = *cfg;
    if (!e->cfg.max_series)
        e->cfg.max_series = 1000000;
    if (!e->cfg.max_devices)
        e->cfg.max_devices = 100000;
    if (!e->cfg.max_episodes)
        e->cfg.max_episodes = 100000;
    if (!e->cfg.max_buffered)
        e->cfg.max_buffered = 1000000;
    if (e->cfg.lateness_ms < 0)
        e->cfg.lateness_ms = 0;
    e->on_alert = on_alert;
    e->ctx = ctx;
    e->now = INT64_MIN;
    e->fleet_h = INT64_MIN;
    e->fleet_hz = INT64_MAX;
    e->fleet_tk = INT64_MIN;
    return e;
}

void
vg_engine_destroy (vg_engine_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_engine_t *e = *self_p;
    while (e->ep_head)
        vg_engine__ep_del (e, e->ep_head);
    vg_hindex_free (&e->ep_ix);
    for (size_t i = 0; i < e->nser; i++) {
        vg_engine__series_t *s = vg_engine__ser_at (e, i);
        if (s->links != s->in_links)
            free (s->links);
    }
    for (size_t i = 0; i < e->npages; i++) {
        free (e->ser_pages[i]);
        if (e->last_pages)
            free (e->last_pages[i]);
    }
    free (e->ser_pages);
    free (e->last_pages);
    free (e->ser_tab);
    for (size_t i = 0; i < e->ninsts; i++)
        s_inst_free (e->insts[i]);
    free (e->insts);
    vg_hindex_free (&e->inst_ix);
    free (e->sil);
    free (e->tickers);
    free (e->ftick);
    free (e->fq);
    for (size_t i = 0; i < e->nsrcs; i++)
        vg_engine__src_free (e->srcs[i]);
    free (e->srcs);
    for (size_t i = 0; i < e->ndevs; i++)
        vg_engine__dev_free (e->devs[i]);
    free (e->devs);
    free (e->dev_hash);
    for (size_t i = 0; i < e->nvendors; i++)
        free (e->vendors[i]);
    free (e->vendors);
    free (e->vendor_n);
    vg_engine__kind_peers_free (e);
    free (e);
    *self_p = NULL;
}

static int
s_up_like (const char *s)
{
    static const char *const up[] = { "UP", "ESTABLISHED", "ACTIVE", "ENABLED", "OK", "TRUE",
                                      "RUNNING", "LOCKED-IN", "CONNECTED", NULL };
    char b[VG_MAX_STATE_LEN];
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof b; i++)
        b[i] = (char) (s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
    b[i] = '\0';
    /* "IF_OPER_UP" / "oper-up" style prefixes: compare the last word. */
    const char *w = b;
    for (const char *q = b; *q; q++)
        if (*q == '_' || *q == ':')
            w = q + 1;
    for (size_t k = 0; up[k]; k++)
        if (!strcmp (w, up[k]) || !strcmp (b, up[k]))
            return 1;
    return 0;
}

double
vg_engine_state_value (const char *state)
{
    return s_up_like (state) ? 1.0 : 0.0;
}

int
vg_engine_state (vg_engine_t *e, uint64_t id, int64_t ts, const char *state)
{
    if (!state)
        return -VG_EINVAL;
    return vg_engine_sample (e, id, ts, vg_engine_state_value (state));
}

int
vg_engine_event (vg_engine_t *e, const vg_event_t *ev, const vg_device_t *dev)
{
    if (!ev || !dev || !dev->id || (ev->device && strcmp (ev->device, dev->id)))
        return -VG_EINVAL;
    if ((int) ev->type < 0 || ev->type >= VG_EV__COUNT)
        return -VG_EINVAL;
    vg_engine__dev_t *d = vg_engine__dev_get (e, dev);
    if (!d)
        return -VG_EINVAL;
    e->st.events++;
    if (!d->events) {
        d->events = 1;
        e->kp_epoch++; /* the fleet of event-fed kinds may have grown */
    }
    if (ev->ts_ms > e->now)
        e->now = ev->ts_ms;
    char key[VG_MAX_ID_LEN + 64];
    for (size_t r = 0; r < e->rules->nrules; r++) {
        const vg_rule_t *rule = &e->rules->rules[r];
        if (!(rule->ops->event_mask & (1u << ev->type)) || !rule->ops->on_event || !d->rule_ok[r])
            continue;
        vg_engine__inst_t *in = NULL;
        if (rule->ops->scope == VG_SCOPE_DEVICE) {
            in = d->by_rule[r];
            if (!in) {
                in = vg_engine__inst_get (e, rule, d, d->id, 0, NULL, NULL, 0, VG_KIND_GAUGE);
                d->by_rule[r] = in;
            }
        } else if (rule->ops->scope >= VG_SCOPE_ROLE) {
            vg_engine__scope_key (rule, d, NULL, 0, key, sizeof key);
            in = vg_engine__inst_get (e, rule, NULL, key, 0, NULL, NULL, 0, VG_KIND_GAUGE);
        }
        if (!in)
            continue;
        vg_verdict_t *v = &e->v;
        vg_engine__vreset (v);
        if (rule->ops->on_event (in->det, ev, &d->view, v) < 0)
            e->st.detector_errors++;
        vg_engine__apply (e, rule, in, in->dev ? in->dev : d, 0, v, ev->ts_ms);
    }
    return 0;
}

int
vg_engine_last_verdict (const vg_engine_t *e, uint64_t id, vg_verdict_t *out)
{
    const vg_engine__series_t *s = vg_engine__ser_find (e, id);
    if (!s || !s->nlinks)
        return -VG_ENOTFOUND;
    if (!e->cfg.keep_last)
        return -VG_EUNSUPP;
    const vg_engine__last_t *l = &e->last_pages[s->idx / VG_ENGINE__SER_PAGE][s->idx % VG_ENGINE__SER_PAGE];
    memset (out, 0, sizeof *out);
    out->state = l->state;
    out->score = l->score;
    out->observed = l->obs;
    out->expected = l->exp;
    out->lo = l->lo;
    out->hi = l->hi;
    return 0;
}

void
vg_engine_stats (const vg_engine_t *e, vg_engine_stats_t *out)
{
    *out = e->st;
    out->buffered = e->nbuf;
}

size_t
vg_engine_series_bytes (const vg_engine_t *e, uint64_t id)
{
    const vg_engine__series_t *s = vg_engine__ser_find (e, id);
    if (!s)
        return 0;
    size_t n = sizeof *s + sizeof (vg_engine__ser_slot_t) * 2 +
               (s->links != s->in_links ? s->nlinks * sizeof (vg_engine__link_t) : 0);
    for (uint32_t i = 0; i < s->nlinks; i++) {
        const vg_engine__inst_t *in = s->links[i].inst;
        if (in->rule->ops->scope != VG_SCOPE_SERIES)
            continue; /* shared instances are not per-series */
        n += sizeof *in + strlen (in->key) + strlen (in->entity) + 2 + (in->path ? strlen (in->path) + 1 : 0) +
             in->rule->ops->size + 2 * sizeof (void *);
        for (size_t j = 0; j < in->nlabels; j++)
            n += strlen (in->labels[j].key) + strlen (in->labels[j].value) + 2 + sizeof (vg_label_t);
    }
    return n;
}
