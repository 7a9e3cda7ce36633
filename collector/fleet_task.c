/* fleet_task.c - one partition's fleet engine, KPI stage and resume point (fleet_task.h).
 * Invariant: everything a message changes is in the engine, the KPI stage and the counters
 * saved by vg_fleet_task_save; the reader's and the decode scratch are per message. */
#include "collector/fleet_task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/chunk.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/samples.h"
#include "common/u64map.h"
#include "detectors/engine.h"
#include "detectors/kpi_stage.h"
#include "proto/fleet.pb-c.h"
#include "proto/fleet_reader.h"

/* One selected counter series of the message being applied. */
typedef struct {
    uint64_t kid;            /* KPI entity id */
    uint32_t series;         /* index in the message */
    uint32_t device;
    const char *kpath;
    int succ;
    int merged;              /* an attempt series merged with its success partner */
    uint32_t partner;        /* a success series: index + 1 of its attempt series, 0 = none */
    size_t off;              /* first sample in scratch */
    uint32_t n;
    int64_t slot;            /* the entity's KPI stage slot, or -VG_EFULL */
} s_sel_t;

/* Per-message memo of series id pieces (common/hash.h), valid when stamp == the message's:
 * a message has few devices and label strings but many series. */
typedef struct {
    uint32_t stamp;
    uint64_t h;              /* device: vg_series_id_device; string: vg_series_id_label_key */
    const char *kpath[4];    /* device: path hashes of up to 4 KPI paths */
    uint64_t kh[4];
    uint32_t vkey, vstamp;   /* string as a label value: of key string vkey */
    uint64_t vh;
} s_memo_t;

struct vg_fleet_task {
    vg_engine_t *engine;
    vg_kpi_stage_t *kpi;
    vg_alert_fn on_alert;
    void *ctx;
    int64_t now;             /* newest data time applied */
    vg_fleet_task_stats_t st;   /* this task's own work (since new or load) */
    uint64_t life_messages, life_alerts; /* the partition's totals before the load */
    vg_fleet_reader_t *reader;
    vg_samples_t scratch;
    s_sel_t *sel;
    size_t capsel;
    vg_u64map_t pair;        /* kid -> index + 1 of the attempt series in sel */
    s_memo_t *dmemo, *smemo; /* per device / per string of the message */
    size_t capdm, capsm;
    uint32_t stamp;          /* the message's memo stamp (never 0) */
    uint64_t touched;        /* sink of vg_kpi_stage_touch */
    vg_alert_t finding;      /* scratch record for vg_engine_finding */
};

static void
s_on_alert (void *ctx, const vg_alert_t *a)
{
    vg_fleet_task_t *t = ctx;
    t->st.alerts++;
    if (t->on_alert)
        t->on_alert (t->ctx, a);
}

vg_fleet_task_t *
vg_fleet_task_new (const vg_rules_t *rules, vg_alert_fn on_alert, void *ctx)
{
    vg_fleet_task_t *t = calloc (1, sizeof *t);
    if (!t)
        return NULL;
    t->on_alert = on_alert;
    t->ctx = ctx;
    t->now = INT64_MIN;
    t->reader = vg_fleet_reader_new ();
    /* The caller ticks (event time of the partition); no reordering: a partition is in order
     * per producer, and the KPI stage pairs counters itself. */
    vg_engine_cfg_t ec = { 0 };
    t->engine = vg_engine_new (rules, &ec, s_on_alert, t);
    t->kpi = vg_kpi_stage_new (0);
    if (!t->engine || !t->kpi || !t->reader)
        vg_fleet_task_destroy (&t);
    return t;
}

void
vg_fleet_task_destroy (vg_fleet_task_t **self_p)
{
    vg_fleet_task_t *t = self_p ? *self_p : NULL;
    if (!t)
        return;
    vg_engine_destroy (&t->engine);
    vg_kpi_stage_destroy (&t->kpi);
    vg_fleet_reader_destroy (&t->reader);
    vg_samples_free (&t->scratch);
    vg_u64map_free (&t->pair);
    free (t->dmemo);
    free (t->smemo);
    free (t->sel);
    free (t);
    *self_p = NULL;
}

/* One KPI value of selected series x at ts. */
static void
s_kpi_value (vg_fleet_task_t *t, const vg_fleet_msg_t *b, const s_sel_t *x, int64_t ts, double v)
{
    t->st.kpis++;
    int rc = vg_engine_sample (t->engine, x->kid, ts, v);
    if (rc == -VG_ENOTFOUND) {
        vg_label_t lab[VG_MAX_LABELS];
        size_t nl = vg_fleet_msg_labels (b, &b->series[x->series], lab);
        vg_series_info_t info = { &b->devices[x->device], x->kpath, lab, nl, VG_KIND_GAUGE };
        rc = vg_engine_series (t->engine, x->kid, &info);
        if (rc >= 0)
            rc = vg_engine_sample (t->engine, x->kid, ts, v);
    }
    if (rc < 0)
        t->st.errors++;
}

/* Run counter samples through the KPI stage: per entity the attempt counter before the
 * success counter of the same time (the stage pairs them by timestamp). */
static void
s_counters (vg_fleet_task_t *t, const vg_fleet_msg_t *b, size_t nsel)
{
    const int64_t *ts = t->scratch.ts;
    const double *v = t->scratch.v;
    for (size_t i = 0; i < nsel; i++) {
        const s_sel_t *x = &t->sel[i];
        if (x->merged)
            continue; /* fed with its success partner */
        const s_sel_t *a = x->partner ? &t->sel[x->partner - 1] : NULL;
        size_t ia = 0, is = 0, na = a ? a->n : 0;
        while (is < x->n || ia < na) {
            double r;
            /* attempts first at equal times */
            int take_a = ia < na && (is >= x->n || ts[a->off + ia] <= ts[x->off + is]);
            const s_sel_t *c = take_a ? a : x;
            size_t k = take_a ? a->off + ia++ : x->off + is++;
            t->st.samples++;
            if (c->slot >= 0 && vg_kpi_stage_sample_at (t->kpi, (size_t) c->slot, c->succ, ts[k], v[k], &r) == 1)
                s_kpi_value (t, b, c, ts[k], r);
            if (ts[k] > t->now)
                t->now = ts[k];
        }
    }
}

/* Grow a memo array to n entries (new ones zeroed: stamp 0 is never a message's). */
static int
s_memo_grow (s_memo_t **m, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < n)
        nc *= 2;
    s_memo_t *p = realloc (*m, nc * sizeof *p);
    if (!p)
        return -VG_ENOMEM;
    memset (p + *cap, 0, (nc - *cap) * sizeof *p);
    *m = p;
    *cap = nc;
    return 0;
}

/* The KPI entity id of series s (vg_series_id of its device, kpath and labels), from the
 * message's memo of device, path and label hashes. */
static uint64_t
s_kid (vg_fleet_task_t *t, const vg_fleet_msg_t *b, const vg_fleet_series_t *s, const char *kpath)
{
    s_memo_t *d = &t->dmemo[s->device];
    if (d->stamp != t->stamp) {
        *d = (s_memo_t) { .stamp = t->stamp, .h = vg_series_id_device (b->devices[s->device].id) };
    }
    uint64_t ph = 0;
    size_t k = 0;
    while (k < 4 && d->kpath[k] && d->kpath[k] != kpath)
        k++;
    if (k < 4 && d->kpath[k] == kpath)
        ph = d->kh[k];
    else {
        ph = vg_series_id_path (d->h, kpath);
        if (k < 4) {
            d->kpath[k] = kpath;
            d->kh[k] = ph;
        }
    }
    uint64_t lh[VG_MAX_LABELS];
    size_t nl = s->n_labels / 2;
    for (size_t i = 0; i < nl; i++) {
        uint32_t ki = s->labels[2 * i], vi = s->labels[2 * i + 1];
        s_memo_t *km = &t->smemo[ki], *vm = &t->smemo[vi];
        if (km->stamp != t->stamp) {
            km->stamp = t->stamp;
            km->h = vg_series_id_label_key (b->strings[ki]);
        }
        if (vm->vstamp != t->stamp || vm->vkey != ki) {
            vm->vstamp = t->stamp;
            vm->vkey = ki;
            vm->vh = vg_series_id_label (km->h, b->strings[vi]);
        }
        lh[i] = vm->vh;
    }
    return vg_series_id_finish (ph, lh, nl);
}

/* Decode the counter series the KPI stage pairs into scratch, with their entity ids and
 * KPI stage slots.  Returns the count selected or a negative code. */
static int
s_select (vg_fleet_task_t *t, const vg_fleet_msg_t *b, size_t *nsel)
{
    size_t used = 0, n = 0;
    vg_u64map_clear (&t->pair);
    if (s_memo_grow (&t->dmemo, &t->capdm, b->n_devices) < 0 || s_memo_grow (&t->smemo, &t->capsm, b->n_strings) < 0)
        return -VG_ENOMEM;
    if (++t->stamp == 0)
        t->stamp = 1; /* after 2^32 messages a stale stamp could match: wipe the memos */
    if (t->stamp == 1) {
        memset (t->dmemo, 0, t->capdm * sizeof *t->dmemo);
        memset (t->smemo, 0, t->capsm * sizeof *t->smemo);
    }
    for (size_t i = 0; i < b->n_series; i++) {
        const vg_fleet_series_t *s = &b->series[i];
        int succ, codec;
        if (s->kind != VIGIL__SERIES_KIND__SERIES_KIND_COUNTER)
            continue;
        const char *kpath = vg_kpi_stage_path (b->strings[s->path], &succ);
        uint32_t cnt = 0;
        if (!kpath)
            continue;
        if (vg_chunk_header (s->chunk, s->chunk_len, &codec, &cnt) < 0)
            return -VG_EPROTO;
        if (vg_samples_reserve (&t->scratch, used + cnt) < 0)
            return -VG_ENOMEM;
        if (vg_array_reserve ((void **) &t->sel, &t->capsel, n + 1, sizeof *t->sel) < 0)
            return -VG_ENOMEM;
        size_t got = 0, len = 0;
        if (vg_chunk_decode (s->chunk, s->chunk_len, t->scratch.ts + used, t->scratch.v + used, cnt, &got,
                             &len) < 0)
            return -VG_EPROTO;
        s_sel_t *x = &t->sel[n];
        *x = (s_sel_t) { s_kid (t, b, s, kpath), (uint32_t) i, s->device, kpath, succ, 0, 0, used, (uint32_t) got,
                         -VG_EFULL };
        if (!succ && vg_u64map_put (&t->pair, x->kid ? x->kid : 1, (uint32_t) n + 1) < 0)
            return -VG_ENOMEM;
        used += got;
        n++;
    }
    /* Room for every entity first, so the slots claimed below stay put; then a tight loop
     * of independent loads of their home slots: the cache misses overlap (a portable
     * prefetch), and the claims and samples below find the entries in cache. */
    if (vg_kpi_stage_reserve (t->kpi, n) < 0)
        return -VG_ENOMEM;
    for (size_t i = 0; i < n; i++)
        t->touched ^= vg_kpi_stage_touch (t->kpi, t->sel[i].kid);
    for (size_t i = 0; i < n; i++) {
        uint32_t ai;
        s_sel_t *x = &t->sel[i];
        x->slot = vg_kpi_stage_claim (t->kpi, x->kid);
        if (x->slot < 0)
            t->st.errors++; /* the KPI table is full: the series is not sampled */
        if (x->succ && vg_u64map_get (&t->pair, x->kid ? x->kid : 1, &ai) && !t->sel[ai - 1].merged) {
            x->partner = ai;
            t->sel[ai - 1].merged = 1;
        }
    }
    *nsel = n;
    return 0;
}

int
vg_fleet_task_apply (vg_fleet_task_t *t, const uint8_t *msg, size_t len)
{
    vg_fleet_msg_t m;
    size_t nsel = 0;
    int rc = vg_fleet_reader_parse (t->reader, msg, len, &m, NULL, 0);
    if (rc == -VG_ENOMEM)
        return rc;
    if (rc < 0)
        goto bad;
    const vg_fleet_msg_t *b = &m;
    rc = s_select (t, b, &nsel);
    if (rc == -VG_EPROTO)
        goto bad;
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < b->n_devices; i++) {
        if (vg_engine_device (t->engine, &b->devices[i]) < 0)
            t->st.errors++;
        t->st.devices++;
    }
    s_counters (t, b, nsel);
    for (size_t i = 0; i < b->n_findings; i++) {
        const vg_fleet_finding_t *f = &b->findings[i];
        const vg_device_t *d = &b->devices[f->device];
        vg_alert_t *a = &t->finding;
        snprintf (a->device, sizeof a->device, "%s", d->id);
        a->vendor = d->vendor;
        a->detector = f->detector;
        a->rule_id = f->rule_id;
        a->time_ms = f->ts_ms;
        a->activity = VG_ACT_CREATE;
        if (vg_engine_finding (t->engine, a) < 0)
            t->st.errors++;
        t->st.findings++;
        if (f->ts_ms > t->now)
            t->now = f->ts_ms;
    }
    if (t->now != INT64_MIN)
        vg_engine_tick (t->engine, t->now);
    t->st.messages++;
    return 0;
bad:
    t->st.bad_messages++;
    return -VG_EPROTO;
}

int
vg_fleet_task_save (vg_fleet_task_t *t, int64_t next_offset, vg_buf_t *out)
{
    vg_buf_t eng = VG_BUF_INIT, kpi = VG_BUF_INIT;
    int rc = -VG_ENOMEM;
    if (vg_engine_save (t->engine, &eng) < 0 || vg_kpi_stage_save (t->kpi, &kpi) < 0)
        goto done;
    Vigil__FleetState s = VIGIL__FLEET_STATE__INIT;
    s.next_offset = next_offset;
    s.engine = (ProtobufCBinaryData) { eng.len, eng.data };
    s.kpi = (ProtobufCBinaryData) { kpi.len, kpi.data };
    s.messages = t->life_messages + t->st.messages;
    s.alerts = t->life_alerts + t->st.alerts;
    s.now_ms = t->now;
    size_t n = vigil__fleet_state__get_packed_size (&s);
    vg_buf_reset (out);
    if (vg_buf_reserve (out, n) < 0)
        goto done;
    out->len = vigil__fleet_state__pack (&s, out->data);
    rc = 0;
done:
    vg_buf_free (&eng);
    vg_buf_free (&kpi);
    return rc;
}

int
vg_fleet_task_load (vg_fleet_task_t *t, const uint8_t *p, size_t len, int64_t *next_offset)
{
    Vigil__FleetState *s = vigil__fleet_state__unpack (NULL, len, p);
    if (!s)
        return -VG_EINVAL;
    int rc = vg_engine_load (t->engine, s->engine.data, s->engine.len);
    if (rc == 0)
        rc = vg_kpi_stage_load (t->kpi, s->kpi.data, s->kpi.len) < 0 ? -VG_EINVAL : 0;
    if (rc == 0) {
        *next_offset = s->next_offset;
        t->now = s->now_ms;
        t->life_messages = s->messages;
        t->life_alerts = s->alerts;
    }
    vigil__fleet_state__free_unpacked (s, NULL);
    return rc < 0 ? -VG_EINVAL : 0;
}

void
vg_fleet_task_stats (const vg_fleet_task_t *t, vg_fleet_task_stats_t *out)
{
    *out = t->st;
}
