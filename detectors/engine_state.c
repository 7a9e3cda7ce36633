/* engine_state.c - snapshot save/load of the engine state ("VGE1": devices, series times, instance
 * blobs, open episodes, then per-source clocks, buffered samples, series sources and the findings
 * held for the fleet detectors).
 *
 * Invariants: the format only grows at the end (older blobs end early and still load); the writer
 * keeps its first error; the reader checks every length against the end of the blob. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/hash.h"
#include "common/varint.h"
#include "detectors/engine.h"
#include "detectors/engine_int.h"

#define S_MAGIC 0x31454756u /* "VGE1" */

/* Writer with a sticky error: after the first failure nothing more is appended and that
 * failure is what vg_engine_save returns. */
typedef struct {
    vg_buf_t *b;
    int rc;
} s_wr_t;

/* Record rc unless an earlier failure is already recorded (any non-zero is a failure). */
static void
s_wr_check (s_wr_t *w, int rc)
{
    if (w->rc == 0 && rc != 0)
        w->rc = rc < 0 ? rc : -VG_ENOMEM;
}

static void
s_put_raw (s_wr_t *w, const void *p, size_t n)
{
    if (w->rc == 0)
        s_wr_check (w, vg_buf_append (w->b, p, n));
}

static void
s_put_u (s_wr_t *w, uint64_t v)
{
    uint8_t t[10];
    s_put_raw (w, t, vg_varint_put (t, v));
}

static void
s_put_i (s_wr_t *w, int64_t v)
{
    s_put_u (w, vg_zigzag (v));
}

static void
s_put_s (s_wr_t *w, const char *s)
{
    size_t n = s ? strlen (s) : 0;
    s_put_u (w, n);
    s_put_raw (w, s ? s : "", n);
}

static void
s_put_d (s_wr_t *w, double d)
{
    s_put_raw (w, &d, sizeof d);
}

/* A 64-bit id as 8 raw bytes (host order, as always written). */
static void
s_put_id (s_wr_t *w, uint64_t id)
{
    s_put_raw (w, &id, 8);
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

/* n raw bytes into out; too few left sets err and leaves out as it was. */
static void
s_get_raw (s_rd_t *r, void *out, size_t n)
{
    if (r->err || r->end - r->p < (ptrdiff_t) n) {
        r->err = 1;
        return;
    }
    memcpy (out, r->p, n);
    r->p += n;
}

static double
s_get_d (s_rd_t *r)
{
    double d = 0;
    s_get_raw (r, &d, sizeof d);
    return r->err ? 0 : d;
}

/* A 64-bit id as written by s_put_id; 0 once err is set. */
static uint64_t
s_get_id (s_rd_t *r)
{
    uint64_t id = 0;
    s_get_raw (r, &id, 8);
    return r->err ? 0 : id;
}

/* The rule with that id, or NULL when there is none or its state must not be restored
 * (fresh[index] set: added or changed since the state was saved). */
static const vg_rule_t *
s_rule_by_id (const vg_engine_t *e, const char *id, const uint8_t *fresh)
{
    for (size_t i = 0; i < e->rules->nrules; i++)
        if (!strcmp (e->rules->rules[i].id, id))
            return fresh && fresh[i] ? NULL : &e->rules->rules[i];
    return NULL;
}

int
vg_engine_save (const vg_engine_t *e, vg_buf_t *b)
{
    s_wr_t w = { b, 0 };
    uint32_t magic = S_MAGIC;
    s_put_raw (&w, &magic, 4);
    s_put_i (&w, e->now);
    s_put_u (&w, e->ndevs);
    for (size_t i = 0; i < e->ndevs && !w.rc; i++) {
        const vg_engine__dev_t *d = e->devs[i];
        s_put_s (&w, d->id);
        s_put_s (&w, d->vendor);
        s_put_s (&w, d->model);
        s_put_s (&w, d->role);
        s_put_s (&w, d->site);
        s_put_s (&w, d->sw);
    }
    s_put_u (&w, e->nser);
    for (size_t i = 0; i < e->nser && !w.rc; i++) {
        const vg_engine__series_t *s = vg_engine__ser_at (e, i);
        s_put_id (&w, s->id);
        s_put_i (&w, s->last_ts);
    }
    s_put_u (&w, e->ninsts);
    vg_buf_t blob = VG_BUF_INIT;
    for (size_t i = 0; i < e->ninsts && !w.rc; i++) {
        const vg_engine__inst_t *in = e->insts[i];
        s_put_s (&w, in->rule->id);
        s_put_s (&w, in->key);
        s_put_id (&w, in->series_id);
        vg_buf_reset (&blob);
        s_wr_check (&w, in->rule->ops->save (in->det, &blob));
        s_put_u (&w, blob.len);
        s_put_raw (&w, blob.data, blob.len);
    }
    vg_buf_free (&blob);
    s_put_u (&w, e->nep);
    for (const vg_engine__ep_t *p = e->ep_head; p && !w.rc; p = p->next) {
        s_put_s (&w, p->key);
        s_put_s (&w, p->signal);
        s_put_s (&w, p->rule->id);
        s_put_u (&w, p->inst ? 1 : 0);
        if (p->inst) {
            s_put_s (&w, p->inst->key);
            s_put_id (&w, p->inst->series_id);
        }
        s_put_s (&w, p->dev ? p->dev->id : "");
        s_put_id (&w, p->series_id);
        s_put_u (&w, (uint64_t) p->state | (uint64_t) p->oneshot << 2 | (uint64_t) p->emitted << 3 |
                         (uint64_t) p->cond << 4 | (uint64_t) (p->src && p->src->ep == p) << 5 |
                         (uint64_t) (p->dev && p->dev->ep == p) << 6 |
                         (uint64_t) (p->inst && p->inst->ep == p) << 7 |
                         (uint64_t) (p->dev && p->dev->pep == p) << 8);
        s_put_u (&w, (uint64_t) p->severity);
        s_put_i (&w, p->start_ms);
        s_put_i (&w, p->last_true_ms);
        s_put_i (&w, p->clear_since_ms);
        s_put_i (&w, p->last_emit_ms);
        s_put_i (&w, p->ws);
        s_put_i (&w, p->we);
        s_put_d (&w, p->score);
        s_put_d (&w, p->obs);
        s_put_d (&w, p->exp);
        s_put_d (&w, p->lo);
        s_put_d (&w, p->hi);
        s_put_s (&w, p->evidence);
    }
    /* Event time per source (appended; older blobs end before it). */
    s_put_u (&w, e->nsrcs);
    for (size_t i = 0; i < e->nsrcs && !w.rc; i++) {
        const vg_engine__src_t *src = e->srcs[i];
        s_put_s (&w, src->name);
        s_put_i (&w, src->max);
        s_put_i (&w, src->next_tick);
        s_put_u (&w, src->nstreams);
        for (size_t j = 0; j < src->nstreams && !w.rc; j++) {
            s_put_s (&w, src->streams[j]->dev->id);
            const vg_engine__stream_t *st = src->streams[j];
            s_put_i (&w, st->rel);
            s_put_i (&w, st->rmax);
            s_put_u (&w, st->len); /* samples still waiting: a restart continues them */
            for (size_t k = 0; k < st->len && !w.rc; k++) {
                const vg_engine__pend_t *x = &st->buf[st->head + k];
                s_put_id (&w, x->id);
                s_put_i (&w, x->ts);
                s_put_d (&w, x->v);
            }
        }
    }
    size_t nnamed = 0;
    for (size_t i = 0; i < e->nser; i++)
        nnamed += vg_engine__ser_at (e, i)->stream->src->name[0] != '\0';
    s_put_u (&w, nnamed);
    for (size_t i = 0; i < e->nser && !w.rc; i++) {
        const vg_engine__series_t *s = vg_engine__ser_at (e, i);
        if (!s->stream->src->name[0])
            continue;
        s_put_id (&w, s->id);
        s_put_s (&w, s->stream->src->name);
    }
    /* Findings held for the fleet detectors (appended): a restart or reload releases them
     * when the sources reach their time, as if it had not happened. */
    s_put_u (&w, e->nfq - e->fq_head);
    for (size_t i = e->fq_head; i < e->nfq && !w.rc; i++) {
        const vg_engine__fq_t *f = &e->fq[i];
        s_put_s (&w, f->dev->id);
        s_put_s (&w, f->rule->id);
        s_put_i (&w, f->time_ms);
        s_put_u (&w, (uint64_t) f->others_only);
        s_put_d (&w, f->src_lp);
    }
    s_put_i (&w, e->fleet_h);
    return w.rc;
}

int
vg_engine_load (vg_engine_t *e, const uint8_t *p, size_t len)
{
    return vg_engine_load_fresh (e, p, len, NULL);
}

int
vg_engine_load_fresh (vg_engine_t *e, const uint8_t *p, size_t len, const uint8_t *fresh)
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
        if (!vg_engine__dev_find (e, f[0])) {
            vg_device_t d = { f[0], f[1], f[2], f[3], f[4], f[5] };
            if (!vg_engine__dev_get (e, &d))
                return -VG_ENOMEM;
        }
    }
    n = s_get_u (&r);
    for (uint64_t i = 0; i < n && !r.err; i++) {
        uint64_t id = s_get_id (&r);
        int64_t ts = s_get_i (&r);
        vg_engine__series_t *s = vg_engine__ser_find (e, id);
        if (s && !r.err && ts > s->last_ts)
            s->last_ts = ts;
    }
    n = s_get_u (&r);
    for (uint64_t i = 0; i < n && !r.err; i++) {
        char rid[256];
        s_get_s (&r, rid, sizeof rid);
        s_get_s (&r, a, sizeof a);
        uint64_t sid = s_get_id (&r), bl = s_get_u (&r);
        if (r.err || bl > (uint64_t) (r.end - r.p)) {
            r.err = 1;
            break;
        }
        const vg_rule_t *rule = s_rule_by_id (e, rid, fresh);
        vg_engine__inst_t *in =
            rule ? vg_engine__inst_find (e, rule, a, sid, vg_engine__inst_hkey (rule, a, sid)) : NULL;
        if (!in && rule && rule->ops->scope == VG_SCOPE_DEVICE) {
            vg_engine__dev_t *d = vg_engine__dev_find (e, a);
            if (d) {
                in = vg_engine__inst_get (e, rule, d, d->id, 0, NULL, NULL, 0, VG_KIND_GAUGE);
                d->by_rule[rule->index] = in;
            }
        } else if (!in && rule && rule->ops->scope >= VG_SCOPE_ROLE) {
            in = vg_engine__inst_get (e, rule, NULL, a, 0, NULL, NULL, 0, VG_KIND_GAUGE);
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
            isid = s_get_id (&r);
        }
        s_get_s (&r, did, sizeof did);
        sid = s_get_id (&r);
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
        const vg_rule_t *rule = s_rule_by_id (e, rid, fresh);
        vg_engine__inst_t *in = NULL;
        if (rule && has_inst)
            in = vg_engine__inst_find (e, rule, ikey, isid, vg_engine__inst_hkey (rule, ikey, isid));
        vg_engine__dev_t *dv = did[0] ? vg_engine__dev_find (e, did) : NULL;
        uint64_t h = vg_hash64 (key, strlen (key), 0xe9);
        if (!rule || (has_inst && !in) || (did[0] && !dv) || vg_engine__ep_find (e, key, h) || (fl & 3) == 0 ||
            (fl & 3) == 3 || sev < 1 || sev > 5) {
            e->st.load_skipped++;
            continue;
        }
        vg_engine__ep_t *ep = vg_engine__ep_new (e, key, h);
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
            vg_engine__src_t *src = vg_engine__src_get (e, m ? m + strlen (":collector:outage:") : "");
            if (src && !src->ep) {
                src->ep = ep;
                ep->src = src;
                e->nsil_ep++;
            }
        }
        if ((fl >> 6 & 1) && dv) {
            e->nsil_ep += !dv->ep;
            dv->ep = ep;
        }
        if ((fl >> 8 & 1) && dv) {
            e->nsil_ep += !dv->pep;
            dv->pep = ep;
        }
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
        vg_engine__src_t *src = vg_engine__src_get (e, name);
        if (src && mx > src->max) {
            src->max = mx;
            src->next_tick = nt;
        }
        for (uint64_t j = 0; j < ns && !r.err; j++) {
            char did[VG_MAX_ID_LEN];
            s_get_s (&r, did, sizeof did);
            int64_t rel = s_get_i (&r), rmax = s_get_i (&r);
            vg_engine__dev_t *dv = r.err ? NULL : vg_engine__dev_find (e, did);
            vg_engine__stream_t *st = dv && src ? vg_engine__stream_get (e, dv, src) : NULL;
            if (st) {
                if (rel > st->rel)
                    st->rel = rel;
                if (rmax > st->rmax)
                    st->rmax = rmax;
            }
            uint64_t np = s_get_u (&r);
            for (uint64_t k = 0; k < np && !r.err; k++) {
                vg_engine__pend_t x = { NULL, 0, 0, 0 };
                uint64_t id = s_get_id (&r);
                x.ts = s_get_i (&r);
                x.v = s_get_d (&r);
                x.s = r.err ? NULL : vg_engine__ser_find (e, id);
                x.id = id;
                if (x.s && st && x.ts >= st->rel && vg_engine__buffer (e, st, &x) < 0)
                    return -VG_ENOMEM;
            }
        }
    }
    n = s_get_u (&r);
    for (uint64_t i = 0; i < n && !r.err; i++) {
        char name[VG_MAX_PATH_LEN];
        uint64_t id = s_get_id (&r);
        s_get_s (&r, name, sizeof name);
        vg_engine__series_t *s = r.err ? NULL : vg_engine__ser_find (e, id);
        if (s && !s->stream->src->name[0])
            vg_engine__ser_rehome (e, s, name);
    }
    if (r.err || r.p == r.end)
        return r.err ? -VG_ETRUNC : 0; /* saved before held findings were */
    n = s_get_u (&r);
    for (uint64_t i = 0; i < n && !r.err; i++) {
        char did[VG_MAX_ID_LEN], rid[256];
        s_get_s (&r, did, sizeof did);
        s_get_s (&r, rid, sizeof rid);
        int64_t t = s_get_i (&r);
        uint64_t oo = s_get_u (&r);
        double lp = s_get_d (&r);
        if (r.err)
            break;
        vg_engine__dev_t *dv = vg_engine__dev_find (e, did);
        const vg_rule_t *rule = s_rule_by_id (e, rid, NULL); /* a finding made: whatever its rule's state */
        if (!dv || !rule || oo > 1 || e->nfq - e->fq_head >= VG_ENGINE__FQ_MAX ||
            !vg_engine__fleet_hold (e, dv, rule, t, (int) oo, lp))
            e->st.load_skipped++;
    }
    int64_t fh = s_get_i (&r);
    if (!r.err && fh > e->fleet_h)
        e->fleet_h = fh;
    return r.err ? -VG_ETRUNC : 0;
}
