/* engine.c - series/event routing to detector instances and the Alertmanager-style lifecycle.
 *
 * Invariants: every container is iterated in creation order (devices, instances, episodes),
 * never in hash order, so output order is deterministic; an episode exists only while it is
 * pending or firing; an episode's uid is its dedup key + "@" + start ms; nothing on the
 * sample path allocates once a series is declared (reorder buffers grow amortised and are
 * bounded by cfg.max_buffered); a stream releases samples in (ts, arrival) order and never
 * releases a sample older than one it released; time-driven emissions carry the data time
 * at which they became due, not the time they were noticed. */
#include "detectors/engine.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/hash.h"
#include "common/varint.h"

enum { EP_PENDING = 1, EP_FIRING = 2 };

struct s_stream;

typedef struct s_dev {
    char *id, *vendor, *model, *role, *site, *sw;
    vg_device_t view;
    uint32_t vendor_tag;
    uint32_t watched;      /* silence instances linked */
    uint32_t silent_n;     /* of those, silent at their source's last tick */
    int silent;            /* device silence: every watched series of one of its streams silent */
    int inhibited;         /* device silence inhibited by its source's outage */
    int64_t now;           /* device time: newest released sample or source tick */
    int64_t next_tick;     /* next device tick boundary (cfg.tick_ms > 0) */
    const vg_rule_t *silence_rule;
    struct s_ep *ep;       /* device silence episode */
    struct s_inst **by_rule; /* DEVICE-scoped instances by rule index (lazy) */
    uint8_t *rule_ok;      /* rule device-match cache by rule index */
    struct s_stream **streams; /* its streams (one per source) */
    uint32_t nstreams, capstreams;
    struct s_inst **dtick; /* device-bound instances with on_tick (not silence) */
    size_t ndtick, capdtick;
} s_dev_t;

/* A sample waiting in a stream's reorder buffer. */
typedef struct {
    uint64_t id;
    int64_t ts;
    double v;
} s_pend_t;

struct s_src;

/* (device, source): one clock, one reorder buffer. */
typedef struct s_stream {
    s_dev_t *dev;
    struct s_src *src;
    int64_t rmax;          /* newest sample received */
    int64_t rel;           /* newest sample released to detectors */
    s_pend_t *buf;         /* pending samples buf[head .. head+len), sorted by ts (stable) */
    size_t head, len, cap;
    struct s_inst **sil;   /* its SERIES-scoped silence instances */
    uint32_t nsil, capsil;
    uint32_t silent_n;     /* of those, silent at the source's last tick */
    int silent;            /* all of them silent */
    int64_t next_check;    /* no series can turn silent before this (healthy stream) */
} s_stream_t;

/* An input stream delivering data (agent/input): its own data-time clock. */
typedef struct s_src {
    char *name;
    int64_t max;           /* newest data time delivered (or set by vg_engine_source_time) */
    int64_t next_tick;     /* next silence evaluation boundary (cfg.tick_ms > 0) */
    s_stream_t **streams;
    size_t nstreams, capstreams;
    struct s_ep *ep;       /* source outage episode */
} s_src_t;

typedef struct s_inst {
    vg_detector_t *det;
    const vg_rule_t *rule;
    s_dev_t *dev;          /* SERIES/ENTITY/DEVICE scope, else NULL */
    char *key;             /* scope key */
    char *entity;          /* "path{k=v}" / "{k=v}" or "" */
    char *path;
    vg_label_t *labels;
    size_t nlabels;
    vg_entity_t ent;
    uint64_t series_id;    /* SERIES scope */
    uint64_t hkey;
    s_stream_t *stream;    /* SERIES-scoped silence: the stream its series belongs to */
    int64_t last_ts;       /* silence: newest sample fed (INT64_MIN = none) */
    uint32_t open;         /* open episodes */
    struct s_ep *ep;       /* episode of the default signal */
    int tick_state;        /* silence kinds: latest tick verdict */
    double tick_obs, tick_exp;
    struct s_inst *hnext;
} s_inst_t;

typedef struct {
    s_inst_t *inst;
    int16_t slot;
} s_link_t;

typedef struct {
    uint64_t id;           /* 0 = empty slot */
    s_dev_t *dev;
    s_stream_t *stream;
    int64_t last_ts;
    s_link_t *links;
    uint32_t nlinks;
    int8_t lstate;         /* compact last verdict of links[0] */
    float lscore;
    double lobs, lexp, llo, lhi;
} s_series_t;

typedef struct s_ep {
    uint64_t h;
    char key[VG_ALERT_KEY_MAX];
    char signal[128];
    const vg_rule_t *rule;
    s_inst_t *inst;        /* NULL for engine-made device/collector silence */
    s_dev_t *dev;
    s_src_t *src;          /* source outage episode: its source */
    uint64_t series_id;
    int state, oneshot, emitted, severity, cond;
    int64_t start_ms, last_true_ms, clear_since_ms, last_emit_ms;
    int64_t ws, we;
    double score, obs, exp, lo, hi;
    char evidence[256];
    char title[160];       /* detector headline of the latest evidence, "" = composed */
    struct s_ep *prev, *next, *hnext;
} s_ep_t;

struct vg_engine {
    const vg_rules_t *rules;
    vg_engine_cfg_t cfg;
    vg_alert_fn on_alert;
    void *ctx;
    int64_t now;
    vg_engine_stats_t st;
    /* devices */
    s_dev_t **devs;
    size_t ndevs, capdevs;
    uint32_t *dev_hash;    /* index+1, open addressing */
    size_t dev_hcap;
    char **vendors;
    uint32_t *vendor_n;
    size_t nvendors, capvendors;
    /* series */
    s_series_t *ser;
    size_t ser_cap, nser;
    /* instances */
    s_inst_t **insts;
    size_t ninsts, capinsts;
    s_inst_t **inst_hash;
    size_t inst_hcap;
    s_inst_t **sil;        /* silence instances, creation order */
    size_t nsil, capsil;
    s_inst_t **tickers;    /* other instances with on_tick, creation order */
    size_t ntick, captick;
    /* episodes */
    s_ep_t *ep_head, *ep_tail;
    s_ep_t **ep_hash;
    size_t ep_hcap, nep;
    s_src_t **srcs;        /* sources, creation order */
    size_t nsrcs, capsrcs;
    s_stream_t *cur_stream; /* stream of the series being declared */
    size_t nbuf;           /* samples in all reorder buffers */
    int in_fleet;
    vg_alert_t alert;      /* scratch record */
    vg_verdict_t v;        /* scratch verdict */
};

static char *
s_dup (const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen (s);
    char *p = malloc (n + 1);
    if (p)
        memcpy (p, s, n + 1);
    return p;
}

static void
s_vreset (vg_verdict_t *v)
{
    v->state = VG_VERDICT_NONE;
    v->oneshot = 0;
    v->severity = 0;
    v->signal = NULL;
    v->device = NULL;
    v->evidence[0] = '\0';
    v->title[0] = '\0';
    v->window_start_ms = v->window_end_ms = 0;
    v->score = NAN;
}

/* --------------------------------------------------------------------------------------- */
/* Devices */

static uint32_t
s_vendor_tag (vg_engine_t *e, const char *vendor)
{
    for (size_t i = 0; i < e->nvendors; i++)
        if (!strcmp (e->vendors[i], vendor))
            return (uint32_t) i;
    if (e->nvendors == e->capvendors) {
        size_t nc = e->capvendors ? e->capvendors * 2 : 8;
        char **nv = realloc (e->vendors, nc * sizeof *nv);
        if (!nv)
            return UINT32_MAX;
        e->vendors = nv;
        uint32_t *nn = realloc (e->vendor_n, nc * sizeof *nn);
        if (!nn)
            return UINT32_MAX;
        e->vendor_n = nn;
        e->capvendors = nc;
    }
    e->vendors[e->nvendors] = s_dup (vendor);
    if (!e->vendors[e->nvendors])
        return UINT32_MAX;
    e->vendor_n[e->nvendors] = 0;
    return (uint32_t) e->nvendors++;
}

static s_dev_t *
s_dev_find (const vg_engine_t *e, const char *id)
{
    if (!e->dev_hcap)
        return NULL;
    size_t mask = e->dev_hcap - 1;
    for (size_t i = vg_hash64 (id, strlen (id), 7) & mask;; i = (i + 1) & mask) {
        uint32_t x = e->dev_hash[i];
        if (!x)
            return NULL;
        if (!strcmp (e->devs[x - 1]->id, id))
            return e->devs[x - 1];
    }
}

static int
s_dev_hash_insert (vg_engine_t *e, size_t idx)
{
    if ((e->ndevs + 1) * 2 > e->dev_hcap) {
        size_t nc = e->dev_hcap ? e->dev_hcap * 2 : 64;
        uint32_t *nh = calloc (nc, sizeof *nh);
        if (!nh)
            return -VG_ENOMEM;
        for (size_t j = 0; j < e->ndevs; j++) {
            const char *id = e->devs[j]->id;
            size_t k = vg_hash64 (id, strlen (id), 7) & (nc - 1);
            while (nh[k])
                k = (k + 1) & (nc - 1);
            nh[k] = (uint32_t) j + 1;
        }
        free (e->dev_hash);
        e->dev_hash = nh;
        e->dev_hcap = nc;
    }
    const char *id = e->devs[idx]->id;
    size_t k = vg_hash64 (id, strlen (id), 7) & (e->dev_hcap - 1);
    while (e->dev_hash[k])
        k = (k + 1) & (e->dev_hcap - 1);
    e->dev_hash[k] = (uint32_t) idx + 1;
    return 0;
}

static void
s_dev_free (s_dev_t *d)
{
    if (!d)
        return;
    free (d->id);
    free (d->vendor);
    free (d->model);
    free (d->role);
    free (d->site);
    free (d->sw);
    free (d->by_rule);
    free (d->rule_ok);
    free (d->streams);
    free (d->dtick);
    free (d);
}

static void
s_dev_view (s_dev_t *d)
{
    d->view.id = d->id;
    d->view.vendor = d->vendor;
    d->view.model = d->model;
    d->view.role = d->role;
    d->view.site = d->site;
    d->view.sw_version = d->sw;
}

static int
s_dev_set (vg_engine_t *e, s_dev_t *d, const vg_device_t *in)
{
    const char *src[5] = { in->vendor, in->model, in->role, in->site, in->sw_version };
    char **dst[5] = { &d->vendor, &d->model, &d->role, &d->site, &d->sw };
    int changed = 0;
    for (int i = 0; i < 5; i++) {
        const char *s = src[i] ? src[i] : "";
        if (*dst[i] && !strcmp (*dst[i], s))
            continue;
        char *n = s_dup (s);
        if (!n)
            return -VG_ENOMEM;
        free (*dst[i]);
        *dst[i] = n;
        changed = 1;
    }
    if (!changed)
        return 0;
    s_dev_view (d);
    uint32_t tag = s_vendor_tag (e, d->vendor);
    if (tag == UINT32_MAX)
        return -VG_ENOMEM;
    if (d->vendor_tag != UINT32_MAX && d->vendor_tag < e->nvendors)
        e->vendor_n[d->vendor_tag]--;
    d->vendor_tag = tag;
    e->vendor_n[tag]++;
    for (size_t r = 0; r < e->rules->nrules; r++)
        d->rule_ok[r] = (uint8_t) vg_dev_match (&e->rules->rules[r].dev, &d->view);
    return 0;
}

/* Find or create a device record; refresh its inventory when given. */
static s_dev_t *
s_dev_get (vg_engine_t *e, const vg_device_t *in)
{
    if (!in || !in->id || !in->id[0] || strlen (in->id) >= VG_MAX_ID_LEN)
        return NULL;
    s_dev_t *d = s_dev_find (e, in->id);
    if (d) {
        if (s_dev_set (e, d, in))
            return NULL;
        return d;
    }
    if (e->ndevs >= e->cfg.max_devices) {
        e->st.full++;
        return NULL;
    }
    if (e->ndevs == e->capdevs) {
        size_t nc = e->capdevs ? e->capdevs * 2 : 64;
        s_dev_t **nd = realloc (e->devs, nc * sizeof *nd);
        if (!nd)
            return NULL;
        e->devs = nd;
        e->capdevs = nc;
    }
    d = calloc (1, sizeof *d);
    if (!d)
        return NULL;
    size_t nr = e->rules->nrules ? e->rules->nrules : 1;
    d->vendor_tag = UINT32_MAX;
    d->now = INT64_MIN;
    d->next_tick = INT64_MIN;
    d->id = s_dup (in->id);
    d->by_rule = calloc (nr, sizeof *d->by_rule);
    d->rule_ok = calloc (nr, 1);
    if (!d->id || !d->by_rule || !d->rule_ok || s_dev_set (e, d, in)) {
        if (d->vendor_tag != UINT32_MAX)
            e->vendor_n[d->vendor_tag]--;
        s_dev_free (d);
        return NULL;
    }
    e->devs[e->ndevs] = d;
    if (s_dev_hash_insert (e, e->ndevs)) {
        e->vendor_n[d->vendor_tag]--;
        s_dev_free (d);
        return NULL;
    }
    e->ndevs++;
    e->st.devices = e->ndevs;
    return d;
}

int
vg_engine_device (vg_engine_t *e, const vg_device_t *dev)
{
    return s_dev_get (e, dev) ? 0 : -VG_EINVAL;
}

/* --------------------------------------------------------------------------------------- */
/* Sources and streams */

/* Append p to a growable pointer array. Returns 0 or -VG_ENOMEM. */
static int
s_ptr_push (void ***arr, size_t *n, size_t *cap, void *p)
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

static s_src_t *
s_src_find (const vg_engine_t *e, const char *name)
{
    for (size_t i = 0; i < e->nsrcs; i++)
        if (!strcmp (e->srcs[i]->name, name))
            return e->srcs[i];
    return NULL;
}

static s_src_t *
s_src_get (vg_engine_t *e, const char *name)
{
    if (!name)
        name = "";
    s_src_t *s = s_src_find (e, name);
    if (s)
        return s;
    s = calloc (1, sizeof *s);
    if (!s)
        return NULL;
    s->name = s_dup (name);
    s->max = INT64_MIN;
    s->next_tick = INT64_MIN;
    if (!s->name || s_ptr_push ((void ***) &e->srcs, &e->nsrcs, &e->capsrcs, s)) {
        free (s->name);
        free (s);
        return NULL;
    }
    e->st.sources = e->nsrcs;
    return s;
}

static s_stream_t *
s_stream_get (vg_engine_t *e, s_dev_t *d, s_src_t *src)
{
    for (uint32_t i = 0; i < d->nstreams; i++)
        if (d->streams[i]->src == src)
            return d->streams[i];
    s_stream_t *st = calloc (1, sizeof *st);
    if (!st)
        return NULL;
    st->dev = d;
    st->src = src;
    st->rmax = st->rel = INT64_MIN;
    size_t n = d->nstreams, cap = d->capstreams;
    if (s_ptr_push ((void ***) &src->streams, &src->nstreams, &src->capstreams, st)) {
        free (st);
        return NULL;
    }
    if (s_ptr_push ((void ***) &d->streams, &n, &cap, st)) {
        src->nstreams--;
        free (st);
        return NULL;
    }
    d->nstreams = (uint32_t) n;
    d->capstreams = (uint32_t) cap;
    e->st.streams++;
    return st;
}

static void
s_src_free (s_src_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nstreams; i++) {
        free (s->streams[i]->buf);
        free (s->streams[i]->sil);
        free (s->streams[i]);
    }
    free (s->streams);
    free (s->name);
    free (s);
}

static int
s_stream_add_sil (s_stream_t *st, s_inst_t *in)
{
    size_t n = st->nsil, cap = st->capsil;
    if (s_ptr_push ((void ***) &st->sil, &n, &cap, in))
        return -VG_ENOMEM;
    st->nsil = (uint32_t) n;
    st->capsil = (uint32_t) cap;
    in->stream = st;
    return 0;
}

static void
s_stream_del_sil (s_stream_t *st, s_inst_t *in)
{
    for (uint32_t i = 0; i < st->nsil; i++)
        if (st->sil[i] == in) {
            memmove (&st->sil[i], &st->sil[i + 1], (st->nsil - i - 1) * sizeof *st->sil);
            st->nsil--;
            break;
        }
    in->stream = NULL;
}

/* --------------------------------------------------------------------------------------- */
/* Instances */

static uint64_t
s_inst_hkey (const vg_rule_t *r, const char *key, uint64_t series_id)
{
    uint64_t h = vg_hash64 (key, strlen (key), 0x1157 + (uint64_t) r->index);
    return vg_hash_mix64 (h ^ series_id);
}

static s_inst_t *
s_inst_find (const vg_engine_t *e, const vg_rule_t *r, const char *key, uint64_t series_id, uint64_t hk)
{
    if (!e->inst_hcap)
        return NULL;
    for (s_inst_t *i = e->inst_hash[hk & (e->inst_hcap - 1)]; i; i = i->hnext)
        if (i->hkey == hk && i->rule == r && i->series_id == series_id && !strcmp (i->key, key))
            return i;
    return NULL;
}

static void
s_inst_free (s_inst_t *i)
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

static int
s_inst_hash_add (vg_engine_t *e, s_inst_t *in)
{
    if ((e->ninsts + 1) > e->inst_hcap) {
        size_t nc = e->inst_hcap ? e->inst_hcap * 2 : 256;
        s_inst_t **nh = calloc (nc, sizeof *nh);
        if (!nh)
            return -VG_ENOMEM;
        for (size_t j = 0; j < e->ninsts; j++) {
            s_inst_t *x = e->insts[j];
            size_t k = x->hkey & (nc - 1);
            x->hnext = nh[k];
            nh[k] = x;
        }
        free (e->inst_hash);
        e->inst_hash = nh;
        e->inst_hcap = nc;
    }
    if (e->ninsts == e->capinsts) {
        size_t nc = e->capinsts ? e->capinsts * 2 : 256;
        s_inst_t **ni = realloc (e->insts, nc * sizeof *ni);
        if (!ni)
            return -VG_ENOMEM;
        e->insts = ni;
        e->capinsts = nc;
    }
    size_t k = in->hkey & (e->inst_hcap - 1);
    in->hnext = e->inst_hash[k];
    e->inst_hash[k] = in;
    e->insts[e->ninsts++] = in;
    e->st.instances = e->ninsts;
    return 0;
}

/* Scope key of a rule for a series/device. */
static void
s_scope_key (const vg_rule_t *r, const s_dev_t *d, const vg_label_t *labels, size_t nl, char *buf,
             size_t size)
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
static s_inst_t *
s_inst_get (vg_engine_t *e, const vg_rule_t *r, s_dev_t *d, const char *key, uint64_t series_id,
            const char *path, const vg_label_t *labels, size_t nl, vg_kind_t kind)
{
    uint64_t hk = s_inst_hkey (r, key, series_id);
    s_inst_t *in = s_inst_find (e, r, key, series_id, hk);
    if (in)
        return in;
    int scope = r->ops->scope;
    in = calloc (1, sizeof *in);
    if (!in)
        return NULL;
    in->rule = r;
    in->hkey = hk;
    in->last_ts = INT64_MIN;
    in->series_id = series_id;
    in->dev = (scope <= VG_SCOPE_DEVICE) ? d : NULL;
    in->key = s_dup (key);
    in->path = scope == VG_SCOPE_SERIES ? s_dup (path) : NULL;
    if (!in->key || (scope == VG_SCOPE_SERIES && !in->path))
        goto fail;
    if (scope <= VG_SCOPE_ENTITY && nl) {
        in->labels = calloc (nl, sizeof *in->labels);
        if (!in->labels)
            goto fail;
        for (size_t j = 0; j < nl; j++) {
            in->labels[j].key = s_dup (labels[j].key);
            in->labels[j].value = s_dup (labels[j].value);
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
    in->entity = s_dup (ent);
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
    if (s_inst_hash_add (e, in))
        goto fail;
    if (r->ops->on_tick) {
        s_inst_t ***arr = r->ops->is_silence ? &e->sil : &e->tickers;
        size_t *n = r->ops->is_silence ? &e->nsil : &e->ntick, *cap = r->ops->is_silence ? &e->capsil : &e->captick;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 64;
            s_inst_t **na = realloc (*arr, nc * sizeof *na);
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
            s_ptr_push ((void ***) &in->dev->dtick, &in->dev->ndtick, &in->dev->capdtick, in))
            e->st.full++;
        if (r->ops->is_silence && scope == VG_SCOPE_SERIES && e->cur_stream && s_stream_add_sil (e->cur_stream, in))
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

static s_series_t *
s_ser_find (const vg_engine_t *e, uint64_t id)
{
    if (!e->ser_cap)
        return NULL;
    size_t mask = e->ser_cap - 1;
    for (size_t i = vg_hash_mix64 (id) & mask;; i = (i + 1) & mask) {
        if (e->ser[i].id == id)
            return &e->ser[i];
        if (!e->ser[i].id)
            return NULL;
    }
}

static int
s_ser_grow (vg_engine_t *e)
{
    size_t nc = e->ser_cap ? e->ser_cap * 2 : 1024;
    s_series_t *ns = calloc (nc, sizeof *ns);
    if (!ns)
        return -VG_ENOMEM;
    for (size_t i = 0; i < e->ser_cap; i++) {
        if (!e->ser[i].id)
            continue;
        size_t k = vg_hash_mix64 (e->ser[i].id) & (nc - 1);
        while (ns[k].id)
            k = (k + 1) & (nc - 1);
        ns[k] = e->ser[i];
    }
    free (e->ser);
    e->ser = ns;
    e->ser_cap = nc;
    return 0;
}

/* Move a series (and its silence instances) to the stream of its device and source. */
static void
s_ser_rehome (vg_engine_t *e, s_series_t *s, const char *source)
{
    s_src_t *src = s_src_get (e, source);
    s_stream_t *to = src ? s_stream_get (e, s->dev, src) : NULL;
    if (!to || to == s->stream)
        return;
    for (uint32_t i = 0; i < s->nlinks; i++) {
        s_inst_t *in = s->links[i].inst;
        if (in->stream == s->stream) {
            s_stream_del_sil (s->stream, in);
            if (s_stream_add_sil (to, in))
                e->st.full++;
        }
    }
    if (s->stream->rmax > to->rmax)
        to->rmax = s->stream->rmax;
    if (s->stream->rel > to->rel)
        to->rel = s->stream->rel;
    s->stream = to;
}

int
vg_engine_series (vg_engine_t *e, uint64_t id, const vg_series_info_t *info)
{
    return vg_engine_series_from (e, id, info, NULL);
}

int
vg_engine_series_from (vg_engine_t *e, uint64_t id, const vg_series_info_t *info, const char *source)
{
    if (!id || !info || !info->device || !info->path || strlen (info->path) >= VG_MAX_PATH_LEN ||
        info->nlabels > VG_MAX_LABELS || (info->nlabels && !info->labels))
        return -VG_EINVAL;
    s_series_t *s = s_ser_find (e, id);
    if (s) {
        /* A series first declared without its source (restored state) joins its stream. */
        if (source && source[0] && !s->stream->src->name[0])
            s_ser_rehome (e, s, source);
        return (int) s->nlinks;
    }
    if (e->nser >= e->cfg.max_series) {
        e->st.full++;
        return -VG_EFULL;
    }
    s_dev_t *d = s_dev_get (e, info->device);
    if (!d)
        return info->device->id ? -VG_ENOMEM : -VG_EINVAL;
    s_src_t *src = s_src_get (e, source);
    s_stream_t *stream = src ? s_stream_get (e, d, src) : NULL;
    if (!stream)
        return -VG_ENOMEM;
    e->cur_stream = stream;
    s_link_t links[64];
    uint32_t nl = 0;
    char key[VG_MAX_ID_LEN + 1024];
    for (size_t r = 0; r < e->rules->nrules && nl < 64; r++) {
        const vg_rule_t *rule = &e->rules->rules[r];
        if (!rule->ops->on_sample && !rule->ops->on_input && !rule->ops->on_series_input)
            continue;
        int slot = vg_rule_match_series (rule, &d->view, info->path, info->labels, info->nlabels, info->kind);
        if (slot < 0)
            continue;
        s_scope_key (rule, d, info->labels, info->nlabels, key, sizeof key);
        s_inst_t *in = s_inst_get (e, rule, d, key, rule->ops->scope == VG_SCOPE_SERIES ? id : 0,
                                   info->path, info->labels, info->nlabels, info->kind);
        if (!in) {
            e->cur_stream = NULL;
            return -VG_ENOMEM;
        }
        links[nl].inst = in;
        links[nl].slot = (int16_t) slot;
        nl++;
    }
    e->cur_stream = NULL;
    if ((e->nser + 1) * 2 > e->ser_cap && s_ser_grow (e))
        return -VG_ENOMEM;
    s_link_t *lk = NULL;
    if (nl) {
        lk = malloc (nl * sizeof *lk);
        if (!lk)
            return -VG_ENOMEM;
        memcpy (lk, links, nl * sizeof *lk);
    }
    size_t k = vg_hash_mix64 (id) & (e->ser_cap - 1);
    while (e->ser[k].id)
        k = (k + 1) & (e->ser_cap - 1);
    s = &e->ser[k];
    memset (s, 0, sizeof *s);
    s->id = id;
    s->dev = d;
    s->stream = stream;
    s->last_ts = INT64_MIN;
    s->links = lk;
    s->nlinks = nl;
    s->lscore = NAN;
    e->nser++;
    e->st.series = e->nser;
    return (int) nl;
}

/* --------------------------------------------------------------------------------------- */
/* Episodes and emission */

static void
s_key (char *out, const vg_rule_t *r, const s_inst_t *in, const s_dev_t *d, const char *signal)
{
    char buf[VG_ALERT_KEY_MAX + VG_MAX_PATH_LEN + 512];
    const char *ent = in && in->entity[0] ? in->entity : "";
    const char *who = d ? d->id : in ? in->key : "collector";
    int n = snprintf (buf, sizeof buf, "%s:%s%s%s%s%s", r->id, who, ent[0] ? ":" : "", ent,
                      signal && signal[0] ? ":" : "", signal ? signal : "");
    if (n < VG_ALERT_KEY_MAX) {
        memcpy (out, buf, (size_t) n + 1);
        return;
    }
    /* Too long: keep a prefix and a hash of the whole key. */
    uint64_t h = vg_hash64 (buf, strlen (buf), 0);
    snprintf (out, VG_ALERT_KEY_MAX, "%.*s#%016llx", VG_ALERT_KEY_MAX - 18, buf, (unsigned long long) h);
}

static s_ep_t *
s_ep_find (const vg_engine_t *e, const char *key, uint64_t h)
{
    if (!e->ep_hcap)
        return NULL;
    for (s_ep_t *p = e->ep_hash[h & (e->ep_hcap - 1)]; p; p = p->hnext)
        if (p->h == h && !strcmp (p->key, key))
            return p;
    return NULL;
}

static s_ep_t *
s_ep_new (vg_engine_t *e, const char *key, uint64_t h)
{
    if (e->nep >= e->cfg.max_episodes) {
        e->st.full++;
        return NULL;
    }
    if (e->nep + 1 > e->ep_hcap) {
        size_t nc = e->ep_hcap ? e->ep_hcap * 2 : 256;
        s_ep_t **nh = calloc (nc, sizeof *nh);
        if (!nh)
            return NULL;
        for (s_ep_t *p = e->ep_head; p; p = p->next) {
            size_t k = p->h & (nc - 1);
            p->hnext = nh[k];
            nh[k] = p;
        }
        free (e->ep_hash);
        e->ep_hash = nh;
        e->ep_hcap = nc;
    }
    s_ep_t *p = calloc (1, sizeof *p);
    if (!p)
        return NULL;
    snprintf (p->key, sizeof p->key, "%s", key);
    p->h = h;
    size_t k = h & (e->ep_hcap - 1);
    p->hnext = e->ep_hash[k];
    e->ep_hash[k] = p;
    p->prev = e->ep_tail;
    if (e->ep_tail)
        e->ep_tail->next = p;
    else
        e->ep_head = p;
    e->ep_tail = p;
    e->nep++;
    e->st.episodes_open = e->nep;
    return p;
}

static void
s_ep_del (vg_engine_t *e, s_ep_t *p)
{
    s_ep_t **pp = &e->ep_hash[p->h & (e->ep_hcap - 1)];
    while (*pp != p)
        pp = &(*pp)->hnext;
    *pp = p->hnext;
    if (p->prev)
        p->prev->next = p->next;
    else
        e->ep_head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        e->ep_tail = p->prev;
    if (p->inst) {
        p->inst->open--;
        if (p->inst->ep == p)
            p->inst->ep = NULL;
    }
    if (p->dev && p->dev->ep == p)
        p->dev->ep = NULL;
    if (p->src && p->src->ep == p)
        p->src->ep = NULL;
    e->nep--;
    e->st.episodes_open = e->nep;
    free (p);
}

static int
s_cia (const s_ep_t *p)
{
    return p->rule->ops->cia_class;
}

/* Is this episode muted by a higher-level silence? */
static int
s_inhibited (const vg_engine_t *e, const s_ep_t *p)
{
    if (p->inst == NULL) /* device silence (collector outage has no device) */
        return p->dev && p->dev->inhibited;
    if (!p->dev || !p->inst->dev || s_cia (p) != VG_CIA_A)
        return 0;
    int scope = p->rule->ops->scope;
    if (scope != VG_SCOPE_SERIES && scope != VG_SCOPE_ENTITY)
        return 0;
    return p->dev->silent;
}

static void s_fleet (vg_engine_t *e, const vg_alert_t *a);

static void
s_emit (vg_engine_t *e, s_ep_t *p, int activity, int64_t now, const char *reason)
{
    if (activity != VG_ACT_CLOSE && s_inhibited (e, p)) {
        if (activity == VG_ACT_CREATE)
            e->st.inhibited++;
        return; /* not announced; a later tick announces it if it still fires */
    }
    if (activity != VG_ACT_CREATE && !p->emitted)
        return;
    vg_alert_t *a = &e->alert;
    const vg_rule_t *r = p->rule;
    const s_dev_t *d = p->dev;
    a->activity = activity;
    a->severity = p->severity;
    a->cia = (char) s_cia (p);
    a->time_ms = now;
    a->first_seen_ms = p->start_ms;
    a->last_seen_ms = p->last_true_ms;
    a->window_start_ms = p->ws;
    a->window_end_ms = p->we;
    a->score = p->score;
    a->observed = p->obs;
    a->expected = p->exp;
    a->lo = p->lo;
    a->hi = p->hi;
    a->series_id = p->series_id;
    a->rules_digest = e->rules->digest;
    a->rule_id = r->id;
    a->detector = r->ops->name;
    a->detector_version = r->ops->version;
    a->catalog = r->catalog;
    a->types = r->types;
    /* The headline names the entity and carries the deciding values: the detector's, else
     * "<rule title>: <entity name>[: <evidence>]". */
    if (p->title[0]) {
        snprintf (a->headline, sizeof a->headline, "%s", p->title);
    } else {
        char ent[256];
        if (p->inst && p->inst->ent.device)
            vg_entity_name (&p->inst->ent, ent, sizeof ent);
        else
            snprintf (ent, sizeof ent, "%s", d ? d->id : p->inst ? p->inst->key : "collector");
        snprintf (a->headline, sizeof a->headline, "%.60s: %.90s%s%.96s", r->title, ent, p->evidence[0] ? ": " : "",
                  p->evidence); /* bounded parts: the whole always fits */
    }
    a->title = a->headline;
    a->techniques = r->technique_csv;
    a->vendor = d ? d->vendor : (p->inst && r->ops->scope == VG_SCOPE_VENDOR) ? p->inst->key : "";
    a->model = d ? d->model : "";
    a->role = d ? d->role : "";
    a->site = d ? d->site : (p->inst && r->ops->scope == VG_SCOPE_SITE) ? p->inst->key : "";
    a->sw_version = d ? d->sw : "";
    snprintf (a->device, sizeof a->device, "%s", d ? d->id : p->inst ? p->inst->key : "collector");
    snprintf (a->entity, sizeof a->entity, "%s", p->inst ? p->inst->entity : "");
    snprintf (a->signal, sizeof a->signal, "%s", p->signal);
    snprintf (a->dedup_key, sizeof a->dedup_key, "%s", p->key);
    snprintf (a->uid, sizeof a->uid, "%s@%lld", p->key, (long long) p->start_ms);
    snprintf (a->evidence, sizeof a->evidence, "%s", p->evidence);
    a->reason[0] = '\0';
    if (reason)
        snprintf (a->reason, sizeof a->reason, "%s", reason);
    const char *win = NULL;
    if (activity == VG_ACT_CLOSE) {
        a->status = VG_STATUS_RESOLVED;
    } else if (a->cia == VG_CIA_A && d && vg_rules_in_window (e->rules, VG_WIN_MAINTENANCE, &d->view, now, &win)) {
        a->status = VG_STATUS_SUPPRESSED;
        snprintf (a->reason, sizeof a->reason, "maintenance:%s", win);
        e->st.suppressed++;
    } else {
        a->status = activity == VG_ACT_CREATE ? VG_STATUS_NEW : VG_STATUS_IN_PROGRESS;
    }
    p->last_emit_ms = now;
    if (activity == VG_ACT_CREATE)
        p->emitted = 1;
    e->st.alerts++;
    if (activity == VG_ACT_CREATE)
        e->st.creates++;
    else if (activity == VG_ACT_UPDATE)
        e->st.updates++;
    else
        e->st.closes++;
    if (e->on_alert)
        e->on_alert (e->ctx, a);
    if (activity == VG_ACT_CREATE && !e->in_fleet)
        s_fleet (e, a);
}

static void
s_ep_copy (s_ep_t *p, const vg_verdict_t *v, int64_t now)
{
    p->score = v->score;
    p->obs = v->observed;
    p->exp = v->expected;
    p->lo = v->lo;
    p->hi = v->hi;
    p->ws = v->window_start_ms ? v->window_start_ms : now;
    p->we = v->window_end_ms ? v->window_end_ms : now;
    if (v->evidence[0])
        snprintf (p->evidence, sizeof p->evidence, "%s", v->evidence);
    if (v->title[0])
        snprintf (p->title, sizeof p->title, "%s", v->title);
}

/* Run one verdict through the lifecycle of its episode. */
static void
s_apply (vg_engine_t *e, const vg_rule_t *r, s_inst_t *in, s_dev_t *d, uint64_t series_id,
         const vg_verdict_t *v, int64_t now)
{
    if (v->state == VG_VERDICT_NONE)
        return;
    int dflt = (!v->signal || !v->signal[0]) && !v->device;
    s_ep_t *p = NULL;
    char key[VG_ALERT_KEY_MAX];
    uint64_t h = 0;
    if (v->device) {
        d = s_dev_get (e, v->device);
        if (!d)
            return;
    }
    if (in && in->dev && dflt) {
        p = in->ep;
        if (!p && v->state == VG_VERDICT_CLEAR)
            return;
    } else if (in && in->open == 0 && v->state == VG_VERDICT_CLEAR) {
        return;
    }
    if (!p) {
        s_key (key, r, in, d, v->signal);
        h = vg_hash64 (key, strlen (key), 0xe9);
        p = s_ep_find (e, key, h);
    }
    if (v->state == VG_VERDICT_CLEAR) {
        if (!p)
            return;
        p->cond = 0;
        if (p->oneshot)
            return; /* event findings close by time */
        if (p->state == EP_PENDING) {
            s_ep_del (e, p);
            return;
        }
        if (!p->clear_since_ms)
            p->clear_since_ms = now;
        if (now - p->clear_since_ms >= r->keep_firing_for_ms) {
            s_emit (e, p, VG_ACT_CLOSE, now, "condition_clear");
            s_ep_del (e, p);
        }
        return;
    }
    /* FIRE */
    int sev = v->severity ? v->severity : r->severity;
    if (p && p->state == EP_FIRING &&
        ((p->oneshot && now - p->last_true_ms >= r->keep_firing_for_ms) ||
         (!p->oneshot && !p->cond && p->clear_since_ms && now - p->clear_since_ms >= r->keep_firing_for_ms))) {
        /* Its close fell due before this verdict (no tick in between): close it at that
         * time first, so the outcome does not depend on where ticks fell. */
        int64_t due = (p->oneshot ? p->last_true_ms : p->clear_since_ms) + r->keep_firing_for_ms;
        s_emit (e, p, VG_ACT_CLOSE, due, p->oneshot ? "auto_close" : "condition_clear");
        s_ep_del (e, p);
        p = NULL;
    }
    if (!p) {
        p = s_ep_new (e, key, h);
        if (!p)
            return;
        p->rule = r;
        p->inst = in;
        p->dev = d;
        p->series_id = series_id;
        p->state = EP_PENDING;
        p->start_ms = now;
        p->severity = sev;
        snprintf (p->signal, sizeof p->signal, "%s", v->signal ? v->signal : "");
        if (in) {
            in->open++;
            if (dflt && in->dev)
                in->ep = p;
        }
    }
    p->cond = 1;
    p->oneshot = v->oneshot;
    p->last_true_ms = now;
    p->clear_since_ms = 0;
    s_ep_copy (p, v, now);
    if (p->state == EP_PENDING) {
        if (v->oneshot || now - p->start_ms >= r->for_ms) {
            p->state = EP_FIRING;
            p->severity = sev;
            s_emit (e, p, VG_ACT_CREATE, now, NULL);
        }
        return;
    }
    if (sev != p->severity) {
        p->severity = sev;
        if (p->emitted)
            s_emit (e, p, VG_ACT_UPDATE, now, "severity_change");
        return;
    }
    /* A repeated oneshot (same destination, same session) only extends the episode:
     * dedup; the periodic Update and the Close carry the latest evidence. */
}

/* Feed a created finding to fleet detectors (VENDOR scope, on_alert). */
static void
s_fleet (vg_engine_t *e, const vg_alert_t *a)
{
    if (!a->vendor || !a->vendor[0])
        return;
    s_dev_t *d = s_dev_find (e, a->device);
    if (!d)
        return;
    e->in_fleet = 1;
    for (size_t r = 0; r < e->rules->nrules; r++) {
        const vg_rule_t *rule = &e->rules->rules[r];
        if (!rule->ops->on_alert || !d->rule_ok[r])
            continue;
        char key[VG_MAX_ID_LEN + 64];
        s_scope_key (rule, d, NULL, 0, key, sizeof key);
        s_inst_t *in = s_inst_get (e, rule, NULL, key, 0, NULL, NULL, 0, VG_KIND_GAUGE);
        if (!in)
            continue;
        vg_verdict_t v;
        s_vreset (&v);
        uint32_t peers = rule->ops->scope == VG_SCOPE_VENDOR ? e->vendor_n[d->vendor_tag] : (uint32_t) e->ndevs;
        if (rule->ops->on_alert (in->det, a, peers, &v) < 0)
            e->st.detector_errors++;
        s_apply (e, rule, in, NULL, 0, &v, a->time_ms);
    }
    e->in_fleet = 0;
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
    return e;
}

void
vg_engine_destroy (vg_engine_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_engine_t *e = *self_p;
    while (e->ep_head)
        s_ep_del (e, e->ep_head);
    free (e->ep_hash);
    for (size_t i = 0; i < e->ser_cap; i++)
        if (e->ser[i].id)
            free (e->ser[i].links);
    free (e->ser);
    for (size_t i = 0; i < e->ninsts; i++)
        s_inst_free (e->insts[i]);
    free (e->insts);
    free (e->inst_hash);
    free (e->sil);
    free (e->tickers);
    for (size_t i = 0; i < e->nsrcs; i++)
        s_src_free (e->srcs[i]);
    free (e->srcs);
    for (size_t i = 0; i < e->ndevs; i++)
        s_dev_free (e->devs[i]);
    free (e->devs);
    free (e->dev_hash);
    for (size_t i = 0; i < e->nvendors; i++)
        free (e->vendors[i]);
    free (e->vendors);
    free (e->vendor_n);
    free (e);
    *self_p = NULL;
}

/* Run the device-bound tickers of d at boundary t (cfg.tick_ms > 0). */
static void
s_dev_tick (vg_engine_t *e, s_dev_t *d, int64_t t)
{
    vg_verdict_t *v = &e->v;
    for (size_t i = 0; i < d->ndtick; i++) {
        s_inst_t *in = d->dtick[i];
        s_vreset (v);
        if (in->rule->ops->on_tick (in->det, t, v) < 0)
            e->st.detector_errors++;
        s_apply (e, in->rule, in, in->dev, in->series_id, v, t);
    }
}

/* Hand one sample to the detectors linked to its series. */
static void
s_process (vg_engine_t *e, s_series_t *s, int64_t ts, double value)
{
    if (ts <= s->last_ts) {
        e->st.dropped++;
        return;
    }
    s_dev_t *d = s->dev;
    if (e->cfg.tick_ms > 0 && ts >= d->next_tick) {
        int64_t t = ts - (((ts % e->cfg.tick_ms) + e->cfg.tick_ms) % e->cfg.tick_ms);
        if (d->next_tick != INT64_MIN && d->ndtick)
            s_dev_tick (e, d, t);
        d->next_tick = t + e->cfg.tick_ms;
    }
    if (ts > d->now)
        d->now = ts;
    s->last_ts = ts;
    if (ts > e->now)
        e->now = ts;
    e->st.processed++;
    uint64_t id = s->id;
    vg_verdict_t *v = &e->v;
    for (uint32_t i = 0; i < s->nlinks; i++) {
        s_inst_t *in = s->links[i].inst;
        const vg_detector_ops_t *ops = in->rule->ops;
        int rc;
        if (in->stream)
            in->last_ts = ts;
        s_vreset (v);
        if (ops->on_sample && ops->scope == VG_SCOPE_SERIES)
            rc = ops->on_sample (in->det, ts, value, v);
        else if (ops->on_series_input)
            rc = ops->on_series_input (in->det, s->links[i].slot, id, &s->dev->view, ts, value, v);
        else
            rc = ops->on_input (in->det, s->links[i].slot, &s->dev->view, ts, value, v);
        if (rc < 0)
            e->st.detector_errors++;
        if (i == 0) {
            s->lstate = (int8_t) v->state;
            s->lscore = (float) v->score;
            s->lobs = v->observed;
            s->lexp = v->expected;
            s->llo = v->lo;
            s->lhi = v->hi;
        }
        if (v->state != VG_VERDICT_NONE)
            /* A vendor- or site-wide finding belongs to its scope, not to whichever device's
             * sample happened to close the bucket (the detector may name one in v->device). */
            s_apply (e, in->rule, in, ops->scope >= VG_SCOPE_VENDOR ? NULL : s->dev,
                     ops->scope == VG_SCOPE_SERIES ? id : 0, v, ts);
    }
}

/* Release a stream's pending samples up to and including time upto, in order. */
static void
s_release (vg_engine_t *e, s_stream_t *st, int64_t upto)
{
    while (st->len && st->buf[st->head].ts <= upto) {
        s_pend_t x = st->buf[st->head];
        st->head++;
        st->len--;
        e->nbuf--;
        if (x.ts > st->rel)
            st->rel = x.ts;
        s_series_t *s = s_ser_find (e, x.id);
        if (s)
            s_process (e, s, x.ts, x.v);
    }
    if (!st->len)
        st->head = 0;
}

/* Insert into a stream's buffer, after every pending sample with ts <= x.ts (stable). */
static int
s_buffer (vg_engine_t *e, s_stream_t *st, const s_pend_t *x)
{
    if (st->head + st->len == st->cap) {
        if (st->head > st->cap / 2) {
            memmove (st->buf, st->buf + st->head, st->len * sizeof *st->buf);
            st->head = 0;
        } else {
            size_t nc = st->cap ? st->cap * 2 : 64;
            s_pend_t *nb = realloc (st->buf, nc * sizeof *nb);
            if (!nb)
                return -VG_ENOMEM;
            st->buf = nb;
            st->cap = nc;
        }
    }
    s_pend_t *b = st->buf + st->head;
    size_t pos = st->len;
    if (pos && b[pos - 1].ts > x->ts) {
        size_t lo = 0, hi = pos; /* first index with ts > x->ts */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (b[mid].ts <= x->ts)
                lo = mid + 1;
            else
                hi = mid;
        }
        memmove (&b[lo + 1], &b[lo], (pos - lo) * sizeof *b);
        pos = lo;
    }
    b[pos] = *x;
    st->len++;
    e->nbuf++;
    return 0;
}

static void s_src_silence (vg_engine_t *e, s_src_t *src, int64_t now);

/* The source's watermark passed tick boundaries: release what it allows and judge silence. */
static void
s_src_advance (vg_engine_t *e, s_src_t *src)
{
    int64_t tk = e->cfg.tick_ms;
    if (tk <= 0 || src->max == INT64_MIN)
        return;
    int64_t wm = src->max - (e->cfg.lateness_ms > 0 ? e->cfg.lateness_ms : 0);
    int64_t last = wm - (((wm % tk) + tk) % tk); /* last boundary <= wm */
    if (src->next_tick == INT64_MIN) {
        src->next_tick = last + tk; /* first data: nothing to judge yet */
        return;
    }
    if (src->next_tick > last)
        return;
    if ((last - src->next_tick) / tk > 64)
        src->next_tick = last; /* a long gap: judge at its end, not at every boundary */
    for (; src->next_tick <= last; src->next_tick += tk) {
        int64_t t = src->next_tick;
        for (size_t i = 0; i < src->nstreams; i++)
            s_release (e, src->streams[i], t);
        s_src_silence (e, src, t);
    }
}

int
vg_engine_sample (vg_engine_t *e, uint64_t id, int64_t ts, double value)
{
    s_series_t *s = s_ser_find (e, id);
    e->st.samples++;
    if (!s) {
        e->st.unknown_series++;
        return -VG_ENOTFOUND;
    }
    if (!isfinite (value)) {
        e->st.dropped++;
        return 0;
    }
    s_stream_t *st = s->stream;
    s_src_t *src = st->src;
    if (e->cfg.lateness_ms <= 0) {
        s_process (e, s, ts, value);
        if (ts > st->rel)
            st->rel = ts;
        if (ts > st->rmax)
            st->rmax = ts;
    } else {
        if (ts < st->rel) {
            e->st.late++;
            return -VG_ERANGE;
        }
        if (ts > st->rmax)
            st->rmax = ts;
        if (e->nbuf >= e->cfg.max_buffered && st->len) {
            /* Bound hit: this stream's oldest goes out early rather than growing further. */
            e->st.forced++;
            s_release (e, st, st->buf[st->head].ts);
        }
        s_pend_t x = { id, ts, value };
        if (s_buffer (e, st, &x) < 0) {
            e->st.forced++;
            s_release (e, st, INT64_MAX);
            s_process (e, s, ts, value);
            if (ts > st->rel)
                st->rel = ts;
        } else {
            s_release (e, st, st->rmax - e->cfg.lateness_ms);
        }
        e->st.buffered = e->nbuf;
    }
    if (ts > src->max) {
        src->max = ts;
        s_src_advance (e, src);
        e->st.buffered = e->nbuf;
    }
    return 0;
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

int
vg_engine_state (vg_engine_t *e, uint64_t id, int64_t ts, const char *state)
{
    if (!state)
        return -VG_EINVAL;
    return vg_engine_sample (e, id, ts, s_up_like (state) ? 1.0 : 0.0);
}

int
vg_engine_event (vg_engine_t *e, const vg_event_t *ev, const vg_device_t *dev)
{
    if (!ev || !dev || !dev->id || (ev->device && strcmp (ev->device, dev->id)))
        return -VG_EINVAL;
    if ((int) ev->type < 0 || ev->type >= VG_EV__COUNT)
        return -VG_EINVAL;
    s_dev_t *d = s_dev_get (e, dev);
    if (!d)
        return -VG_EINVAL;
    e->st.events++;
    if (ev->ts_ms > e->now)
        e->now = ev->ts_ms;
    char key[VG_MAX_ID_LEN + 64];
    for (size_t r = 0; r < e->rules->nrules; r++) {
        const vg_rule_t *rule = &e->rules->rules[r];
        if (!(rule->ops->event_mask & (1u << ev->type)) || !rule->ops->on_event || !d->rule_ok[r])
            continue;
        s_inst_t *in = NULL;
        if (rule->ops->scope == VG_SCOPE_DEVICE) {
            in = d->by_rule[r];
            if (!in) {
                in = s_inst_get (e, rule, d, d->id, 0, NULL, NULL, 0, VG_KIND_GAUGE);
                d->by_rule[r] = in;
            }
        } else if (rule->ops->scope >= VG_SCOPE_ROLE) {
            s_scope_key (rule, d, NULL, 0, key, sizeof key);
            in = s_inst_get (e, rule, NULL, key, 0, NULL, NULL, 0, VG_KIND_GAUGE);
        }
        if (!in)
            continue;
        vg_verdict_t *v = &e->v;
        s_vreset (v);
        if (rule->ops->on_event (in->det, ev, &d->view, v) < 0)
            e->st.detector_errors++;
        s_apply (e, rule, in, in->dev ? in->dev : d, 0, v, ev->ts_ms);
    }
    return 0;
}

/* Open, refresh or close the engine-made episode *slot (device silence or source outage)
 * with verdict v at time now. */
static void
s_engine_ep (vg_engine_t *e, s_ep_t **slot, const vg_rule_t *r, s_dev_t *d, s_src_t *src, const char *key,
             const char *signal, int severity, const vg_verdict_t *v, int64_t now)
{
    int fire = v->state == VG_VERDICT_FIRE;
    if (!*slot) {
        if (!fire)
            return;
        uint64_t h = vg_hash64 (key, strlen (key), 0xe9);
        s_ep_t *p = s_ep_find (e, key, h);
        if (!p)
            p = s_ep_new (e, key, h);
        if (!p)
            return;
        p->rule = r;
        p->dev = d;
        p->src = src;
        p->state = EP_PENDING;
        p->start_ms = now;
        p->severity = severity;
        snprintf (p->signal, sizeof p->signal, "%s", signal);
        *slot = p;
    }
    s_ep_t *p = *slot;
    if (fire) {
        p->cond = 1;
        p->last_true_ms = now;
        p->clear_since_ms = 0;
        s_ep_copy (p, v, now);
        if (p->state == EP_PENDING && now - p->start_ms >= (src ? 0 : r->for_ms)) {
            p->state = EP_FIRING;
            s_emit (e, p, VG_ACT_CREATE, now, NULL);
        }
        return;
    }
    p->cond = 0;
    if (p->state == EP_PENDING) {
        s_ep_del (e, p);
        return;
    }
    if (!p->clear_since_ms)
        p->clear_since_ms = now;
    if (now - p->clear_since_ms >= r->keep_firing_for_ms) {
        s_emit (e, p, VG_ACT_CLOSE, p->clear_since_ms + r->keep_firing_for_ms, "condition_clear");
        s_ep_del (e, p);
    }
}

/* Silence of one source at its time now: per-series verdicts -> stream/device silence ->
 * source outage, then each level applied with the inhibition the level above implies.
 * Only this source's streams are judged: other sources keep their own clocks. */
static void
s_src_silence (vg_engine_t *e, s_src_t *src, int64_t now)
{
    size_t watched = 0, silent = 0;
    const vg_rule_t *first = NULL;
    vg_verdict_t *v = &e->v;
    for (size_t i = 0; i < src->nstreams; i++) {
        s_stream_t *st = src->streams[i];
        if (!st->silent && !st->dev->ep && now < st->next_check) {
            /* Healthy and nothing can be due yet (new samples only push that later). */
            if (st->nsil) {
                watched++;
                if (!first)
                    first = st->sil[0]->rule;
            }
            continue;
        }
        st->silent_n = 0;
        int64_t last = INT64_MIN; /* newest sample of any watched series */
        double thr = INFINITY;    /* shortest threshold among them */
        int64_t next = INT64_MAX; /* earliest time a clear series could be due */
        for (uint32_t j = 0; j < st->nsil; j++) {
            s_inst_t *in = st->sil[j];
            if (!first)
                first = in->rule;
            if (in->tick_state == VG_VERDICT_CLEAR && !in->open && in->last_ts != INT64_MIN &&
                (double) (now - in->last_ts) <= 0.5 * in->tick_exp) {
                /* Fresh well within its threshold: clear without asking (the threshold moves
                 * slowly), so a tick costs little per healthy series. */
                in->tick_obs = (double) (now - in->last_ts);
                if (in->last_ts > last)
                    last = in->last_ts;
                if (in->tick_exp < thr)
                    thr = in->tick_exp;
                int64_t due = in->last_ts + (int64_t) (0.5 * in->tick_exp);
                if (due < next)
                    next = due;
                continue;
            }
            s_vreset (v);
            in->rule->ops->on_tick (in->det, now, v);
            in->tick_state = v->state;
            in->tick_obs = v->observed;
            in->tick_exp = v->expected;
            if (v->state == VG_VERDICT_FIRE)
                st->silent_n++;
            if (v->state != VG_VERDICT_NONE) {
                if (v->window_start_ms > last)
                    last = v->window_start_ms;
                if (v->expected < thr)
                    thr = v->expected;
            }
            if (v->state == VG_VERDICT_CLEAR && !in->open && in->last_ts != INT64_MIN) {
                int64_t due = in->last_ts + (int64_t) (0.5 * v->expected);
                if (due < next)
                    next = due;
            } else {
                next = INT64_MIN; /* unknown, silent or open: look again next tick */
            }
            if (!first)
                first = in->rule;
        }
        /* Silent when every watched series is, or when nothing at all has arrived for
         * longer than the fastest series' threshold (mixed cadences: a 15-minute PM series
         * must not keep a stream whose 1-minute series stopped "alive" for 45 minutes). */
        st->silent = st->nsil && (st->silent_n == st->nsil ||
                                  (st->silent_n > 0 && last != INT64_MIN && (double) (now - last) > thr));
        st->next_check = next;
        if (st->nsil) {
            watched++;
            silent += (size_t) st->silent;
        }
        if (now > st->dev->now)
            st->dev->now = now;
    }
    if (!first)
        return;
    /* Source / transport outage: many of the source's devices silent together. */
    int ifrac = vg_rule_param_index (first, "outage_fraction");
    int imin = vg_rule_param_index (first, "outage_min_devices");
    double frac = ifrac >= 0 ? first->pv[ifrac] : 0.3;
    double mind = imin >= 0 ? first->pv[imin] : 3;
    int outage = silent >= (size_t) mind && (double) silent >= frac * (double) watched && watched > 0;
    if (outage || src->ep) {
        s_vreset (v);
        v->state = outage ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR;
        v->observed = (double) silent;
        v->expected = 0;
        v->lo = 0;
        v->hi = frac * (double) watched;
        if (src->name[0])
            vg_verdict_note (v, "%zu of %zu devices of source %s silent", silent, watched, src->name);
        else
            vg_verdict_note (v, "%zu of %zu devices silent", silent, watched);
        char key[VG_ALERT_KEY_MAX];
        if (src->name[0])
            snprintf (key, sizeof key, "%s:collector:outage:%s", first->id, src->name);
        else
            snprintf (key, sizeof key, "%s:collector:outage", first->id);
        s_engine_ep (e, &src->ep, first, NULL, src, key, "outage", VG_SEV_HIGH, v, now);
    }
    /* Device silence: every watched series of one of its streams silent. */
    for (size_t i = 0; i < src->nstreams; i++) {
        s_dev_t *d = src->streams[i]->dev;
        if (!d->watched || !src->streams[i]->nsil)
            continue;
        d->silent = 0;
        d->inhibited = 0;
        d->silent_n = 0;
        for (uint32_t k = 0; k < d->nstreams; k++) {
            d->silent |= d->streams[k]->silent;
            d->silent_n += d->streams[k]->silent_n;
            d->inhibited |= d->streams[k]->src->ep != NULL && d->streams[k]->silent;
        }
        if (!d->silent && !d->ep)
            continue;
        s_vreset (v);
        v->state = d->silent ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR;
        v->observed = (double) d->silent_n;
        v->expected = 0;
        v->lo = 0;
        v->hi = (double) d->watched;
        vg_verdict_note (v, "%u of %u watched series of %s silent", d->silent_n, d->watched, d->id);
        const vg_rule_t *r = d->silence_rule;
        char key[VG_ALERT_KEY_MAX];
        s_key (key, r, NULL, d, "device");
        s_engine_ep (e, &d->ep, r, d, NULL, key, "device", r->severity, v, now);
    }
    /* Per-series silence, muted while the whole device is silent. */
    for (size_t i = 0; i < src->nstreams; i++) {
        s_stream_t *st = src->streams[i];
        if (now < st->next_check && !st->silent)
            continue; /* every series clear and no episode open */
        for (uint32_t j = 0; j < st->nsil; j++) {
            s_inst_t *in = st->sil[j];
            if (in->tick_state == VG_VERDICT_NONE || (in->tick_state == VG_VERDICT_CLEAR && !in->open))
                continue;
            s_vreset (v);
            v->state = in->tick_state;
            v->observed = in->tick_obs;
            v->expected = in->tick_exp;
            v->lo = 0;
            v->hi = in->tick_exp;
            if (v->state == VG_VERDICT_FIRE)
                vg_verdict_note (v, "no sample for %.0f s (expected every %.0f s)", in->tick_obs / 1000.0,
                                 in->tick_exp / 1000.0);
            s_apply (e, in->rule, in, in->dev, in->series_id, v, now);
            if (in->ep && in->dev && in->dev->silent && in->ep->emitted) {
                /* The device-level finding replaces per-series ones already announced. */
                s_emit (e, in->ep, VG_ACT_CLOSE, now, "superseded_by_device_silence");
                s_ep_del (e, in->ep);
            }
        }
    }
}

int
vg_engine_source_time (vg_engine_t *e, const char *source, int64_t now)
{
    s_src_t *src = s_src_find (e, source ? source : "");
    if (!src)
        return -VG_ENOTFOUND;
    if (now > src->max) {
        src->max = now;
        s_src_advance (e, src);
        e->st.buffered = e->nbuf;
    }
    return 0;
}

int64_t
vg_engine_source_clock (const vg_engine_t *e, const char *source)
{
    const s_src_t *src = s_src_find (e, source ? source : "");
    return src ? src->max : INT64_MIN;
}

size_t
vg_engine_nsources (const vg_engine_t *e)
{
    return e->nsrcs;
}

const char *
vg_engine_source_at (const vg_engine_t *e, size_t i, int64_t *clock)
{
    if (i >= e->nsrcs)
        return NULL;
    if (clock)
        *clock = e->srcs[i]->max;
    return e->srcs[i]->name;
}

int
vg_engine_flush (vg_engine_t *e)
{
    for (size_t i = 0; i < e->nsrcs; i++)
        for (size_t j = 0; j < e->srcs[i]->nstreams; j++)
            s_release (e, e->srcs[i]->streams[j], INT64_MAX);
    e->st.buffered = e->nbuf;
    return 0;
}

int
vg_engine_tick (vg_engine_t *e, int64_t now)
{
    e->st.ticks++;
    if (now < e->now)
        now = e->now;
    e->now = now;
    int legacy = e->cfg.tick_ms <= 0;
    if (legacy) {
        /* The caller's clock drives everything: every source is at now. */
        for (size_t i = 0; i < e->nsrcs; i++) {
            s_src_t *src = e->srcs[i];
            if (now > src->max)
                src->max = now;
            for (size_t j = 0; j < src->nstreams; j++)
                s_release (e, src->streams[j], now - (e->cfg.lateness_ms > 0 ? e->cfg.lateness_ms : 0));
            s_src_silence (e, src, now);
        }
        e->st.buffered = e->nbuf;
    }
    vg_verdict_t *v = &e->v;
    for (size_t i = 0; i < e->ntick; i++) {
        s_inst_t *in = e->tickers[i];
        if (!legacy && in->dev)
            continue; /* ticked at its device's own time (s_process) */
        s_vreset (v);
        if (in->rule->ops->on_tick (in->det, now, v) < 0)
            e->st.detector_errors++;
        s_apply (e, in->rule, in, in->dev, in->series_id, v, now);
    }
    /* Lifecycle timers: each episode at its device's time (self-ticking) or at now.  What is
     * emitted carries the time it became due, so it does not depend on when this runs. */
    s_ep_t *next;
    for (s_ep_t *p = e->ep_head; p; p = next) {
        next = p->next;
        const vg_rule_t *r = p->rule;
        int64_t t = !legacy && p->dev && p->dev->now != INT64_MIN ? p->dev->now : now;
        if (p->state == EP_PENDING)
            continue; /* only fresh evidence (a verdict) promotes pending to firing */
        if (p->oneshot && t - p->last_true_ms >= r->keep_firing_for_ms) {
            s_emit (e, p, VG_ACT_CLOSE, p->last_true_ms + r->keep_firing_for_ms, "auto_close");
            s_ep_del (e, p);
            continue;
        }
        if (!p->oneshot && !p->cond && p->clear_since_ms && t - p->clear_since_ms >= r->keep_firing_for_ms) {
            s_emit (e, p, VG_ACT_CLOSE, p->clear_since_ms + r->keep_firing_for_ms, "condition_clear");
            s_ep_del (e, p);
            continue;
        }
        if (!p->emitted) {
            if (p->cond && !s_inhibited (e, p))
                s_emit (e, p, VG_ACT_CREATE, t, "after_inhibition");
            continue;
        }
        if (r->repeat_ms > 0 && t - p->last_emit_ms >= r->repeat_ms)
            s_emit (e, p, VG_ACT_UPDATE, p->last_emit_ms + r->repeat_ms, "periodic");
    }
    return 0;
}

int
vg_engine_last_verdict (const vg_engine_t *e, uint64_t id, vg_verdict_t *out)
{
    const s_series_t *s = s_ser_find (e, id);
    if (!s || !s->nlinks)
        return -VG_ENOTFOUND;
    memset (out, 0, sizeof *out);
    out->state = s->lstate;
    out->score = s->lscore;
    out->observed = s->lobs;
    out->expected = s->lexp;
    out->lo = s->llo;
    out->hi = s->lhi;
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
    const s_series_t *s = s_ser_find (e, id);
    if (!s)
        return 0;
    size_t n = 2 * sizeof *s + s->nlinks * sizeof (s_link_t);
    for (uint32_t i = 0; i < s->nlinks; i++) {
        const s_inst_t *in = s->links[i].inst;
        if (in->rule->ops->scope != VG_SCOPE_SERIES)
            continue; /* shared instances are not per-series */
        n += sizeof *in + strlen (in->key) + strlen (in->entity) + 2 + (in->path ? strlen (in->path) + 1 : 0) +
             in->rule->ops->size + 2 * sizeof (void *);
        for (size_t j = 0; j < in->nlabels; j++)
            n += strlen (in->labels[j].key) + strlen (in->labels[j].value) + 2 + sizeof (vg_label_t);
    }
    return n;
}

/* --------------------------------------------------------------------------------------- */
/* Save / load */

#define S_MAGIC 0x31454756u /* "VGE1" */

static int
s_put_u (vg_buf_t *b, uint64_t v)
{
    uint8_t t[10];
    return vg_buf_append (b, t, vg_varint_put (t, v));
}

static int
s_put_i (vg_buf_t *b, int64_t v)
{
    return s_put_u (b, vg_zigzag (v));
}

static int
s_put_s (vg_buf_t *b, const char *s)
{
    size_t n = s ? strlen (s) : 0;
    int rc = s_put_u (b, n);
    return rc ? rc : vg_buf_append (b, s ? s : "", n);
}

static int
s_put_d (vg_buf_t *b, double d)
{
    return vg_buf_append (b, &d, sizeof d);
}

typedef struct {
    const uint8_t *p, *end;
    int err;
} s_rd_t;

static uint64_t
s_get_u (s_rd_t *r)
{
    uint64_t v = 0;
    size_t n = r->err ? 0 : vg_varint_get (r->p, r->end, &v);
    if (!n) {
        r->err = 1;
        return 0;
    }
    r->p += n;
    return v;
}

static int64_t
s_get_i (s_rd_t *r)
{
    return vg_unzigzag (s_get_u (r));
}

/* String into buf (NUL-terminated); too long or truncated sets err. */
static void
s_get_s (s_rd_t *r, char *buf, size_t size)
{
    uint64_t n = s_get_u (r);
    if (r->err || n >= size || n > (uint64_t) (r->end - r->p)) {
        r->err = 1;
        buf[0] = '\0';
        return;
    }
    memcpy (buf, r->p, n);
    buf[n] = '\0';
    r->p += n;
}

static double
s_get_d (s_rd_t *r)
{
    double d = 0;
    if (r->err || r->end - r->p < (ptrdiff_t) sizeof d) {
        r->err = 1;
        return 0;
    }
    memcpy (&d, r->p, sizeof d);
    r->p += sizeof d;
    return d;
}

static const vg_rule_t *
s_rule_by_id (const vg_engine_t *e, const char *id)
{
    for (size_t i = 0; i < e->rules->nrules; i++)
        if (!strcmp (e->rules->rules[i].id, id))
            return &e->rules->rules[i];
    return NULL;
}

int
vg_engine_save (const vg_engine_t *e, vg_buf_t *b)
{
    int rc = 0;
    uint32_t magic = S_MAGIC;
    rc |= vg_buf_append (b, &magic, 4);
    rc |= s_put_i (b, e->now);
    rc |= s_put_u (b, e->ndevs);
    for (size_t i = 0; i < e->ndevs && !rc; i++) {
        const s_dev_t *d = e->devs[i];
        rc |= s_put_s (b, d->id);
        rc |= s_put_s (b, d->vendor);
        rc |= s_put_s (b, d->model);
        rc |= s_put_s (b, d->role);
        rc |= s_put_s (b, d->site);
        rc |= s_put_s (b, d->sw);
    }
    rc |= s_put_u (b, e->nser);
    for (size_t i = 0; i < e->ser_cap && !rc; i++) {
        if (!e->ser[i].id)
            continue;
        rc |= vg_buf_append (b, &e->ser[i].id, 8);
        rc |= s_put_i (b, e->ser[i].last_ts);
    }
    rc |= s_put_u (b, e->ninsts);
    vg_buf_t blob = VG_BUF_INIT;
    for (size_t i = 0; i < e->ninsts && !rc; i++) {
        const s_inst_t *in = e->insts[i];
        rc |= s_put_s (b, in->rule->id);
        rc |= s_put_s (b, in->key);
        rc |= vg_buf_append (b, &in->series_id, 8);
        vg_buf_reset (&blob);
        rc |= in->rule->ops->save (in->det, &blob);
        rc |= s_put_u (b, blob.len);
        rc |= vg_buf_append (b, blob.data, blob.len);
    }
    vg_buf_free (&blob);
    rc |= s_put_u (b, e->nep);
    for (const s_ep_t *p = e->ep_head; p && !rc; p = p->next) {
        rc |= s_put_s (b, p->key);
        rc |= s_put_s (b, p->signal);
        rc |= s_put_s (b, p->rule->id);
        rc |= s_put_u (b, p->inst ? 1 : 0);
        if (p->inst) {
            rc |= s_put_s (b, p->inst->key);
            rc |= vg_buf_append (b, &p->inst->series_id, 8);
        }
        rc |= s_put_s (b, p->dev ? p->dev->id : "");
        rc |= vg_buf_append (b, &p->series_id, 8);
        rc |= s_put_u (b, (uint64_t) p->state | (uint64_t) p->oneshot << 2 | (uint64_t) p->emitted << 3 |
                              (uint64_t) p->cond << 4 | (uint64_t) (p->src && p->src->ep == p) << 5 |
                              (uint64_t) (p->dev && p->dev->ep == p) << 6 |
                              (uint64_t) (p->inst && p->inst->ep == p) << 7);
        rc |= s_put_u (b, (uint64_t) p->severity);
        rc |= s_put_i (b, p->start_ms);
        rc |= s_put_i (b, p->last_true_ms);
        rc |= s_put_i (b, p->clear_since_ms);
        rc |= s_put_i (b, p->last_emit_ms);
        rc |= s_put_i (b, p->ws);
        rc |= s_put_i (b, p->we);
        rc |= s_put_d (b, p->score);
        rc |= s_put_d (b, p->obs);
        rc |= s_put_d (b, p->exp);
        rc |= s_put_d (b, p->lo);
        rc |= s_put_d (b, p->hi);
        rc |= s_put_s (b, p->evidence);
    }
    /* Event time per source (appended; older blobs end before it). */
    rc |= s_put_u (b, e->nsrcs);
    for (size_t i = 0; i < e->nsrcs && !rc; i++) {
        const s_src_t *src = e->srcs[i];
        rc |= s_put_s (b, src->name);
        rc |= s_put_i (b, src->max);
        rc |= s_put_i (b, src->next_tick);
        rc |= s_put_u (b, src->nstreams);
        for (size_t j = 0; j < src->nstreams && !rc; j++) {
            rc |= s_put_s (b, src->streams[j]->dev->id);
            const s_stream_t *st = src->streams[j];
            rc |= s_put_i (b, st->rel);
            rc |= s_put_i (b, st->rmax);
            rc |= s_put_u (b, st->len); /* samples still waiting: a restart continues them */
            for (size_t k = 0; k < st->len && !rc; k++) {
                const s_pend_t *x = &st->buf[st->head + k];
                rc |= vg_buf_append (b, &x->id, 8);
                rc |= s_put_i (b, x->ts);
                rc |= s_put_d (b, x->v);
            }
        }
    }
    size_t nnamed = 0;
    for (size_t i = 0; i < e->ser_cap; i++)
        nnamed += e->ser[i].id && e->ser[i].stream->src->name[0];
    rc |= s_put_u (b, nnamed);
    for (size_t i = 0; i < e->ser_cap && !rc; i++) {
        if (!e->ser[i].id || !e->ser[i].stream->src->name[0])
            continue;
        rc |= vg_buf_append (b, &e->ser[i].id, 8);
        rc |= s_put_s (b, e->ser[i].stream->src->name);
    }
    return rc ? -VG_ENOMEM : 0;
}

int
vg_engine_load (vg_engine_t *e, const uint8_t *p, size_t len)
{
    s_rd_t r = { p, p + len, 0 };
    uint32_t magic = 0;
    if (len < 4)
        return -VG_ETRUNC;
    memcpy (&magic, p, 4);
    if (magic != S_MAGIC)
        return -VG_EINVAL;
    r.p += 4;
    int64_t now = s_get_i (&r);
    if (!r.err && now > e->now)
        e->now = now;
    uint64_t n = s_get_u (&r);
    char a[VG_MAX_PATH_LEN + 600], f[6][VG_MAX_ID_LEN];
    for (uint64_t i = 0; i < n && !r.err; i++) {
        for (int k = 0; k < 6; k++)
            s_get_s (&r, f[k], sizeof f[k]);
        if (r.err)
            break;
        if (!s_dev_find (e, f[0])) {
            vg_device_t d = { f[0], f[1], f[2], f[3], f[4], f[5] };
            if (!s_dev_get (e, &d))
                return -VG_ENOMEM;
        }
    }
    n = s_get_u (&r);
    for (uint64_t i = 0; i < n && !r.err; i++) {
        uint64_t id = 0;
        if (r.end - r.p < 8) {
            r.err = 1;
            break;
        }
        memcpy (&id, r.p, 8);
        r.p += 8;
        int64_t ts = s_get_i (&r);
        s_series_t *s = s_ser_find (e, id);
        if (s && !r.err && ts > s->last_ts)
            s->last_ts = ts;
    }
    n = s_get_u (&r);
    for (uint64_t i = 0; i < n && !r.err; i++) {
        char rid[256];
        uint64_t sid = 0, bl;
        s_get_s (&r, rid, sizeof rid);
        s_get_s (&r, a, sizeof a);
        if (r.err || r.end - r.p < 8) {
            r.err = 1;
            break;
        }
        memcpy (&sid, r.p, 8);
        r.p += 8;
        bl = s_get_u (&r);
        if (r.err || bl > (uint64_t) (r.end - r.p)) {
            r.err = 1;
            break;
        }
        const vg_rule_t *rule = s_rule_by_id (e, rid);
        s_inst_t *in = rule ? s_inst_find (e, rule, a, sid, s_inst_hkey (rule, a, sid)) : NULL;
        if (!in && rule && rule->ops->scope == VG_SCOPE_DEVICE) {
            s_dev_t *d = s_dev_find (e, a);
            if (d) {
                in = s_inst_get (e, rule, d, d->id, 0, NULL, NULL, 0, VG_KIND_GAUGE);
                d->by_rule[rule->index] = in;
            }
        } else if (!in && rule && rule->ops->scope >= VG_SCOPE_ROLE) {
            in = s_inst_get (e, rule, NULL, a, 0, NULL, NULL, 0, VG_KIND_GAUGE);
        }
        if (in) {
            if (in->rule->ops->load (in->det, r.p, (size_t) bl) < 0)
                e->st.load_skipped++;
        } else {
            e->st.load_skipped++;
        }
        r.p += bl;
    }
    n = s_get_u (&r);
    for (uint64_t i = 0; i < n && !r.err; i++) {
        char key[VG_ALERT_KEY_MAX], sig[128], rid[256], ikey[VG_MAX_ID_LEN + 1024], did[VG_MAX_ID_LEN];
        char ev[256];
        uint64_t isid = 0, sid = 0;
        s_get_s (&r, key, sizeof key);
        s_get_s (&r, sig, sizeof sig);
        s_get_s (&r, rid, sizeof rid);
        int has_inst = (int) s_get_u (&r);
        ikey[0] = '\0';
        if (has_inst) {
            s_get_s (&r, ikey, sizeof ikey);
            if (r.err || r.end - r.p < 8) {
                r.err = 1;
                break;
            }
            memcpy (&isid, r.p, 8);
            r.p += 8;
        }
        s_get_s (&r, did, sizeof did);
        if (r.err || r.end - r.p < 8) {
            r.err = 1;
            break;
        }
        memcpy (&sid, r.p, 8);
        r.p += 8;
        uint64_t fl = s_get_u (&r), sev = s_get_u (&r);
        int64_t t[6];
        for (int k = 0; k < 6; k++)
            t[k] = s_get_i (&r);
        double d[5];
        for (int k = 0; k < 5; k++)
            d[k] = s_get_d (&r);
        s_get_s (&r, ev, sizeof ev);
        if (r.err)
            break;
        const vg_rule_t *rule = s_rule_by_id (e, rid);
        s_inst_t *in = NULL;
        if (rule && has_inst)
            in = s_inst_find (e, rule, ikey, isid, s_inst_hkey (rule, ikey, isid));
        s_dev_t *dv = did[0] ? s_dev_find (e, did) : NULL;
        uint64_t h = vg_hash64 (key, strlen (key), 0xe9);
        if (!rule || (has_inst && !in) || (did[0] && !dv) || s_ep_find (e, key, h) || (fl & 3) == 0 ||
            (fl & 3) == 3 || sev < 1 || sev > 5) {
            e->st.load_skipped++;
            continue;
        }
        s_ep_t *ep = s_ep_new (e, key, h);
        if (!ep)
            return -VG_ENOMEM;
        snprintf (ep->signal, sizeof ep->signal, "%s", sig);
        ep->rule = rule;
        ep->inst = in;
        ep->dev = dv;
        ep->series_id = sid;
        ep->state = (int) (fl & 3);
        ep->oneshot = (int) (fl >> 2 & 1);
        ep->emitted = (int) (fl >> 3 & 1);
        ep->cond = (int) (fl >> 4 & 1);
        if (fl >> 5 & 1) {
            const char *m = strstr (key, ":collector:outage:");
            s_src_t *src = s_src_get (e, m ? m + strlen (":collector:outage:") : "");
            if (src && !src->ep) {
                src->ep = ep;
                ep->src = src;
            }
        }
        if ((fl >> 6 & 1) && dv)
            dv->ep = ep;
        if (in) {
            in->open++;
            if (fl >> 7 & 1)
                in->ep = ep;
        }
        ep->severity = (int) sev;
        ep->start_ms = t[0];
        ep->last_true_ms = t[1];
        ep->clear_since_ms = t[2];
        ep->last_emit_ms = t[3];
        ep->ws = t[4];
        ep->we = t[5];
        ep->score = d[0];
        ep->obs = d[1];
        ep->exp = d[2];
        ep->lo = d[3];
        ep->hi = d[4];
        snprintf (ep->evidence, sizeof ep->evidence, "%s", ev);
    }
    if (r.err || r.p == r.end)
        return r.err ? -VG_ETRUNC : 0;
    n = s_get_u (&r);
    for (uint64_t i = 0; i < n && !r.err; i++) {
        char name[VG_MAX_PATH_LEN];
        s_get_s (&r, name, sizeof name);
        int64_t mx = s_get_i (&r), nt = s_get_i (&r);
        uint64_t ns = s_get_u (&r);
        if (r.err)
            break;
        s_src_t *src = s_src_get (e, name);
        if (src && mx > src->max) {
            src->max = mx;
            src->next_tick = nt;
        }
        for (uint64_t j = 0; j < ns && !r.err; j++) {
            char did[VG_MAX_ID_LEN];
            s_get_s (&r, did, sizeof did);
            int64_t rel = s_get_i (&r), rmax = s_get_i (&r);
            s_dev_t *dv = r.err ? NULL : s_dev_find (e, did);
            s_stream_t *st = dv && src ? s_stream_get (e, dv, src) : NULL;
            if (st) {
                if (rel > st->rel)
                    st->rel = rel;
                if (rmax > st->rmax)
                    st->rmax = rmax;
            }
            uint64_t np = s_get_u (&r);
            for (uint64_t k = 0; k < np && !r.err; k++) {
                s_pend_t x = { 0, 0, 0 };
                if (r.end - r.p < 8) {
                    r.err = 1;
                    break;
                }
                memcpy (&x.id, r.p, 8);
                r.p += 8;
                x.ts = s_get_i (&r);
                x.v = s_get_d (&r);
                if (!r.err && st && x.ts >= st->rel && s_ser_find (e, x.id) && s_buffer (e, st, &x) < 0)
                    return -VG_ENOMEM;
            }
        }
    }
    n = s_get_u (&r);
    for (uint64_t i = 0; i < n && !r.err; i++) {
        uint64_t id = 0;
        char name[VG_MAX_PATH_LEN];
        if (r.end - r.p < 8) {
            r.err = 1;
            break;
        }
        memcpy (&id, r.p, 8);
        r.p += 8;
        s_get_s (&r, name, sizeof name);
        s_series_t *s = r.err ? NULL : s_ser_find (e, id);
        if (s && !s->stream->src->name[0])
            s_ser_rehome (e, s, name);
    }
    return r.err ? -VG_ETRUNC : 0;
}
