/* timeline.c - load one device's series, events and alert episodes from a store, find
 * what changed, and choose the series worth plotting (see timeline.h). */
#include "cli/timeline.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/model.h"
#include "common/u64map.h"
#include "detectors/alert.h"
#include "proto/vigil.pb-c.h"
#include "store/alert_store.h"
#include "store/sample_merge.h"
#include "store/series_meta.h"

typedef struct {
    vg_timeline_t *t;
    vg_store_t *s;
    vg_buf_t val;
    size_t cap_series, cap_events, cap_records, cap_episodes;
    uint64_t b0, b1; /* sample buckets to read */
} s_load_t;

static int
s_first_key (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void) v;
    (void) vl;
    if (kl >= 4)
        *(uint64_t *) ctx = vg_get_be32 (k);
    return 1; /* one key is enough */
}

static int
s_label_cmp (const void *a, const void *b)
{
    const Vigil__Attr *x = *(Vigil__Attr *const *) a, *y = *(Vigil__Attr *const *) b;
    return strcmp (x->key, y->key);
}

/* Room for one more element in *items (n used, *cap allocated); 0 or -VG_ENOMEM. */
static int
s_room (void *items, size_t *cap, size_t n, size_t elem)
{
    return vg_array_reserve ((void **) items, cap, n + 1, elem);
}

/* ---- series and samples ---- */

static int
s_sample (void *ctx, int64_t ts, double v)
{
    vg_tl_series_t *x = ctx;
    size_t cap = x->cap;
    if (s_room (&x->ts, &x->cap, x->n, sizeof *x->ts) < 0 || s_room (&x->v, &cap, x->n, sizeof *x->v) < 0)
        return -VG_ENOMEM; /* both grow alike from the same capacity */
    x->ts[x->n] = ts;
    x->v[x->n++] = v;
    return 0;
}

static char *
s_series_name (const Vigil__SeriesMeta *m)
{
    Vigil__Attr **l = m->n_labels ? malloc (m->n_labels * sizeof *l) : NULL;
    size_t need = strlen (m->path) + 3;
    for (size_t i = 0; i < m->n_labels; i++)
        need += strlen (m->labels[i]->key) + strlen (m->labels[i]->value) + 2;
    char *out = malloc (need);
    if (!out || (m->n_labels && !l)) {
        free (l);
        free (out);
        return NULL;
    }
    size_t o = (size_t) snprintf (out, need, "%s", m->path);
    if (m->n_labels) {
        memcpy (l, m->labels, m->n_labels * sizeof *l);
        qsort (l, m->n_labels, sizeof *l, s_label_cmp); /* as the engine names entities */
        o += (size_t) snprintf (out + o, need - o, "{");
        for (size_t i = 0; i < m->n_labels; i++)
            o += (size_t) snprintf (out + o, need - o, "%s%s=%s", i ? "," : "", l[i]->key, l[i]->value);
        snprintf (out + o, need - o, "}");
    }
    free (l);
    return out;
}

static int
s_series (void *ctx, uint64_t sid, Vigil__SeriesMeta **meta_p)
{
    s_load_t *L = ctx;
    vg_timeline_t *t = L->t;
    const Vigil__SeriesMeta *m = *meta_p;
    if (strcmp (m->device, t->device) != 0)
        return 0;
    if (s_room (&t->series, &L->cap_series, t->nseries, sizeof *t->series) < 0)
        return -VG_ENOMEM;
    vg_tl_series_t *x = &t->series[t->nseries++];
    memset (x, 0, sizeof *x);
    x->sid = sid;
    x->kind = (int) m->kind;
    x->name = s_series_name (m);
    x->path = strdup (m->path);
    x->unit = strdup (m->unit ? m->unit : "");
    if (!x->name || !x->path || !x->unit)
        return -VG_ENOMEM;
    if (m->n_state_names) {
        x->states = calloc (m->n_state_names, sizeof *x->states);
        if (!x->states)
            return -VG_ENOMEM;
        for (size_t i = 0; i < m->n_state_names; i++) {
            x->states[i] = strdup (m->state_names[i]);
            if (!x->states[i])
                return -VG_ENOMEM;
            x->nstates = i + 1;
        }
    }
    /* Samples, bucket by bucket (a missing bucket is one cheap lookup), from the first
     * bucket that holds anything: --from 0 costs nothing. */
    for (uint64_t b = L->b0; b <= L->b1; b++) {
        uint8_t key[VG_SAMPLE_KEY_LEN];
        vg_key_sample (key, (uint32_t) b, sid);
        int rc = vg_store_get (L->s, VG_CF_SAMPLES, key, sizeof key, &L->val);
        if (rc == -VG_ENOTFOUND)
            continue;
        if (rc < 0)
            return rc;
        rc = vg_sample_value_scan (L->val.data, L->val.len, t->from, t->to, s_sample, x);
        if (rc == -VG_ENOMEM)
            return rc;
        /* a corrupt chunk keeps what it decoded; vigil query names such chunks */
    }
    if (x->n) {
        t->first = x->ts[0] < t->first ? x->ts[0] : t->first;
        t->last = x->ts[x->n - 1] > t->last ? x->ts[x->n - 1] : t->last;
    }
    return 0;
}

/* ---- events ---- */

static void
s_event_text (const Vigil__StoredEvent *e, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    if (e->flow)
        o += (size_t) snprintf (out, size, "dst=%s:%u proto=%u bytes=%" PRIu64 " packets=%" PRIu64 " ", e->flow->dst,
                                e->flow->dst_port, e->flow->protocol, e->flow->bytes, e->flow->packets);
    if (e->gap && o < size)
        o += (size_t) snprintf (out + o, size - o, "missing %" PRIu64 " samples, %" PRIu64 " events (%s) ",
                                e->gap->samples, e->gap->events, e->gap->reason);
    for (size_t i = 0; i < e->n_attrs && o < size; i++)
        o += (size_t) snprintf (out + o, size - o, "%s=%s ", e->attrs[i]->key, e->attrs[i]->value);
    if (o > 0 && o < size)
        out[o - 1] = '\0'; /* the trailing space */
}

static int
s_event (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_load_t *L = ctx;
    vg_timeline_t *t = L->t;
    (void) k;
    (void) kl;
    if (!vg_mem_contains (v, vl, t->device))
        return 0; /* not this device's: skipped unread */
    Vigil__StoredEvent *e = vigil__stored_event__unpack (NULL, vl, v);
    if (!e)
        return 0; /* unreadable: skip */
    int rc = 0;
    if (e->ts_ms >= t->from && e->ts_ms < t->to && !strcmp (e->device, t->device)) {
        if (s_room (&t->events, &L->cap_events, t->nevents, sizeof *t->events) < 0) {
            rc = -VG_ENOMEM;
        } else {
            vg_tl_event_t *x = &t->events[t->nevents++];
            x->ts = e->ts_ms;
            x->type = (int) e->type;
            x->repeat = 0;
            x->key[0] = '\0';
            if (e->flow)
                snprintf (x->key, sizeof x->key, "%s:%u/%u", e->flow->dst, e->flow->dst_port, e->flow->protocol);
            s_event_text (e, x->text, sizeof x->text);
        }
    }
    vigil__stored_event__free_unpacked (e, NULL);
    return rc;
}

/* ---- alerts ---- */

static const char *
s_jstr (json_t *o, const char *k)
{
    json_t *v = json_object_get (o, k);
    return json_is_string (v) ? json_string_value (v) : "";
}

static int
s_alert (void *ctx, int64_t ts, const char *uid, int activity, const char *js, size_t len)
{
    s_load_t *L = ctx;
    vg_timeline_t *t = L->t;
    json_t *o = json_loadb (js, len, 0, NULL);
    if (!o)
        return 0;
    int rc = 0;
    json_t *fi = json_object_get (o, "finding_info");
    json_t *nte = json_object_get (json_object_get (o, "unmapped"), "nte");
    if (strcmp (s_jstr (json_object_get (o, "device"), "uid"), t->device) != 0)
        goto done;
    const char *rule = s_jstr (json_object_get (fi, "analytic"), "name");
    if (ts >= t->from) {
        if (s_room (&t->records, &L->cap_records, t->nrecords, sizeof *t->records) < 0) {
            rc = -VG_ENOMEM;
            goto done;
        }
        vg_tl_record_t *r = &t->records[t->nrecords++];
        r->ts = ts;
        r->activity = activity;
        snprintf (r->uid, sizeof r->uid, "%s", uid);
        snprintf (r->rule, sizeof r->rule, "%s", rule);
        snprintf (r->severity, sizeof r->severity, "%s", s_jstr (o, "severity"));
        snprintf (r->message, sizeof r->message, "%s", s_jstr (o, "message"));
    }
    vg_tl_episode_t *ep = NULL;
    for (size_t i = t->nepisodes; i-- > 0 && !ep;)
        if (!strcmp (t->episodes[i].uid, uid))
            ep = &t->episodes[i];
    if (!ep) {
        if (s_room (&t->episodes, &L->cap_episodes, t->nepisodes, sizeof *t->episodes) < 0) {
            rc = -VG_ENOMEM;
            goto done;
        }
        ep = &t->episodes[t->nepisodes++];
        memset (ep, 0, sizeof *ep);
        snprintf (ep->uid, sizeof ep->uid, "%s", uid);
        snprintf (ep->rule, sizeof ep->rule, "%s", rule);
        json_t *fs = json_object_get (fi, "first_seen_time");
        ep->start = json_is_integer (fs) ? json_integer_value (fs) : ts;
        ep->fired = ts;
        ep->end = INT64_MAX;
        ep->series_id = strtoull (s_jstr (nte, "series_id"), NULL, 16);
        if (!ep->series_id) {
            /* An entity finding: the series it names by path and labels, if any. */
            json_t *aa = json_array_get (json_object_get (o, "anomaly_analyses"), 0);
            const char *ent = s_jstr (json_array_get (json_object_get (aa, "anomalies"), 0), "observation_parameter");
            for (size_t i = 0; i < t->nseries && ent[0]; i++) {
                const char *brace = strchr (ent, '{');
                if (!strcmp (t->series[i].name, ent) || (brace == ent && strstr (t->series[i].name, ent)))
                    t->series[i].alerted = 1;
            }
        }
    }
    snprintf (ep->severity, sizeof ep->severity, "%s", s_jstr (o, "severity"));
    if (activity == VG_ACT_CLOSE)
        ep->end = ts;
done:
    json_decref (o);
    return rc;
}

vg_timeline_t *
vg_timeline_load (vg_store_t *s, const char *device, int64_t from, int64_t to, char *err, size_t errlen)
{
    vg_timeline_t *t = calloc (1, sizeof *t);
    s_load_t L = { .t = t, .s = s, .val = VG_BUF_INIT };
    if (!t || !(t->device = strdup (device))) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    t->from = from;
    t->to = to;
    t->first = INT64_MAX;
    t->last = INT64_MIN;
    int64_t bms = vg_store_bucket_ms (s);
    uint8_t first[4];
    vg_be32 (first, vg_store_bucket (from, bms));
    L.b0 = UINT64_MAX;
    L.b1 = vg_store_bucket (to - 1, bms);
    int rc = vg_store_scan (s, VG_CF_SAMPLES, first, 4, NULL, 0, s_first_key, &L.b0);
    if (rc == 1)
        rc = 0;
    if (rc == 0)
        rc = vg_series_meta_scan_having (s, device, s_series, &L, NULL);
    if (rc == 0) {
        uint8_t k0[4], k1[4];
        vg_be32 (k0, vg_store_bucket (from, bms));
        uint64_t b1 = (uint64_t) vg_store_bucket (to, bms) + 1;
        vg_be32 (k1, b1 > UINT32_MAX ? UINT32_MAX : (uint32_t) b1);
        rc = vg_store_scan (s, VG_CF_EVENTS, k0, 4, b1 > UINT32_MAX ? NULL : k1, 4, s_event, &L);
    }
    if (rc == 0) {
        int64_t back = from > INT64_MIN + VG_TIMELINE_ALERT_LOOKBACK_MS ? from - VG_TIMELINE_ALERT_LOOKBACK_MS : from;
        rc = vg_alert_store_scan (s, back, to, s_alert, &L);
    }
    vg_buf_free (&L.val);
    if (rc < 0) {
        snprintf (err, errlen, "store read failed: %s", vg_strerror (rc));
        goto fail;
    }
    /* Events that say nothing new (the scan gave them in time order). */
    vg_u64map_t seen = VG_U64MAP_INIT;
    const vg_tl_event_t *last[VG_EV__COUNT] = { 0 };
    for (size_t i = 0; i < t->nevents; i++) {
        vg_tl_event_t *e = &t->events[i];
        if (e->key[0]) {
            uint64_t h = vg_hash64 (e->key, strlen (e->key), (uint64_t) e->type) | 1; /* never 0 */
            uint32_t one;
            e->repeat = vg_u64map_get (&seen, h, &one);
            if (!e->repeat && vg_u64map_put (&seen, h, 1) < 0) {
                vg_u64map_free (&seen);
                snprintf (err, errlen, "out of memory");
                goto fail;
            }
        } else if (e->type >= 0 && e->type < VG_EV__COUNT) {
            e->repeat = last[e->type] && !strcmp (last[e->type]->text, e->text);
            last[e->type] = e;
        }
    }
    vg_u64map_free (&seen);
    /* Keep the episodes that overlap the range; mark the series they are about. */
    size_t k = 0;
    for (size_t i = 0; i < t->nepisodes; i++) {
        vg_tl_episode_t *ep = &t->episodes[i];
        if (ep->end < from || ep->start >= to)
            continue;
        for (size_t j = 0; j < t->nseries && ep->series_id; j++)
            if (t->series[j].sid == ep->series_id)
                t->series[j].alerted = 1;
        t->episodes[k++] = *ep;
    }
    t->nepisodes = k;
    return t;
fail:
    vg_buf_free (&L.val);
    vg_timeline_destroy (&t);
    return NULL;
}

void
vg_timeline_destroy (vg_timeline_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_timeline_t *t = *self_p;
    for (size_t i = 0; i < t->nseries; i++) {
        vg_tl_series_t *x = &t->series[i];
        free (x->name);
        free (x->path);
        free (x->unit);
        for (size_t j = 0; j < x->nstates; j++)
            free (x->states[j]);
        free (x->states);
        free (x->ts);
        free (x->v);
        free (x->changes);
    }
    free (t->series);
    free (t->events);
    free (t->records);
    free (t->episodes);
    free (t->device);
    free (t);
    *self_p = NULL;
}

/* How much a series moves (vg_changes_spread of its values, rates for counters); -1 when
 * out of memory. */
static double
s_variation (const vg_tl_series_t *x)
{
    if (x->n < 2 || x->kind != VG_KIND_COUNTER)
        return vg_changes_spread (x->v, x->n, x->kind == VG_KIND_STATE);
    double *v = malloc (x->n * sizeof *v);
    int64_t *ts = malloc (x->n * sizeof *ts);
    double out = v && ts ? vg_changes_spread (v, vg_changes_rate (x->ts, x->v, x->n, ts, v), 0) : -1;
    free (v);
    free (ts);
    return out;
}

int
vg_timeline_analyse (vg_timeline_t *t, size_t max_per_series)
{
    for (size_t i = 0; i < t->nseries; i++) {
        vg_tl_series_t *x = &t->series[i];
        free (x->changes);
        x->changes = NULL;
        x->nchanges = x->nfound = 0;
        x->score = 0;
        if (!x->n)
            continue;
        x->changes = calloc (max_per_series ? max_per_series : 1, sizeof *x->changes);
        if (!x->changes)
            return -VG_ENOMEM;
        x->nfound = vg_changes_find (x->ts, x->v, x->n, x->kind == VG_KIND_STATE, x->kind == VG_KIND_COUNTER,
                                     t->first, t->last, x->changes, max_per_series);
        x->nchanges = x->nfound < max_per_series ? x->nfound : max_per_series;
        /* Score: strong shifts count by strength (capped), each other change as one. */
        for (size_t j = 0; j < x->nchanges; j++) {
            const vg_change_t *c = &x->changes[j];
            x->score += c->kind == VG_CHANGE_LEVEL ? fmin (c->strength, 40.0) / 8.0 : 1.0;
        }
        x->score += (double) (x->nfound - x->nchanges) * 0.1;
        double var = s_variation (x);
        if (var < 0)
            return -VG_ENOMEM;
        x->score += var;
    }
    return 0;
}

size_t
vg_timeline_pick (const vg_timeline_t *t, const char *const *paths, size_t npaths, size_t *out, size_t max)
{
    size_t n = 0;
    if (npaths) {
        for (size_t i = 0; i < t->nseries && n < max; i++) {
            const vg_tl_series_t *x = &t->series[i];
            for (size_t p = 0; p < npaths; p++)
                if (x->n && (!fnmatch (paths[p], x->path, 0) || !fnmatch (paths[p], x->name, 0))) {
                    out[n++] = i;
                    break;
                }
        }
        return n;
    }
    /* Selection by rank: repeatedly the best remaining (n is small). */
    char *used = calloc (t->nseries ? t->nseries : 1, 1);
    if (!used)
        return 0;
    while (n < max) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < t->nseries; i++) {
            const vg_tl_series_t *x = &t->series[i], *b = best == SIZE_MAX ? NULL : &t->series[best];
            if (used[i] || !x->n)
                continue;
            if (!b || x->alerted > b->alerted || (x->alerted == b->alerted && x->score > b->score))
                best = i;
        }
        if (best == SIZE_MAX)
            break;
        used[best] = 1;
        out[n++] = best;
    }
    free (used);
    return n;
}

char *
vg_timeline_fmt (double v, char *buf, size_t size)
{
    static const char *const sfx[] = { "", "k", "M", "G", "T", "P", "E" };
    double a = fabs (v);
    if (!isfinite (v)) {
        snprintf (buf, size, "%s", isnan (v) ? "NaN" : v > 0 ? "Inf" : "-Inf");
        return buf;
    }
    size_t i = 0;
    while (a >= 1000.0 && i + 1 < sizeof sfx / sizeof sfx[0]) {
        a /= 1000.0;
        v /= 1000.0;
        i++;
    }
    snprintf (buf, size, "%.3g%s", v, sfx[i]);
    return buf;
}
