/* engine_time.c - event time per source: sources, streams, reorder buffers within the lateness,
 * watermarks and self-ticking; the silence judgement they drive is engine_silence.c.
 *
 * Invariants: a stream releases samples in (ts, series id, arrival) order and never one older
 * than one it released; all buffers together hold at most cfg.max_buffered; a source is judged
 * at its own clock. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/engine.h"
#include "detectors/engine_int.h"

/* --------------------------------------------------------------------------------------- */
/* Sources and streams */

static vg_engine__src_t *
s_src_find (const vg_engine_t *e, const char *name)
{
    for (size_t i = 0; i < e->nsrcs; i++)
        if (!strcmp (e->srcs[i]->name, name))
            return e->srcs[i];
    return NULL;
}

vg_engine__src_t *
vg_engine__src_get (vg_engine_t *e, const char *name)
{
    if (!name)
        name = "";
    vg_engine__src_t *s = s_src_find (e, name);
    if (s)
        return s;
    s = calloc (1, sizeof *s);
    if (!s)
        return NULL;
    s->name = vg_engine__dup (name);
    s->max = INT64_MIN;
    s->next_tick = INT64_MIN;
    s->sk_min = INT64_MIN;
    s->wake = INT64_MIN;
    if (!s->name || vg_engine__ptr_push ((void ***) &e->srcs, &e->nsrcs, &e->capsrcs, s)) {
        free (s->name);
        free (s);
        return NULL;
    }
    e->st.sources = e->nsrcs;
    return s;
}

vg_engine__stream_t *
vg_engine__stream_get (vg_engine_t *e, vg_engine__dev_t *d, vg_engine__src_t *src)
{
    for (uint32_t i = 0; i < d->nstreams; i++)
        if (d->streams[i]->src == src)
            return d->streams[i];
    vg_engine__stream_t *st = calloc (1, sizeof *st);
    if (!st)
        return NULL;
    st->dev = d;
    st->src = src;
    st->rmax = st->rel = INT64_MIN;
    st->wake = INT64_MIN;
    size_t n = d->nstreams, cap = d->capstreams;
    if (vg_engine__ptr_push ((void ***) &src->streams, &src->nstreams, &src->capstreams, st)) {
        free (st);
        return NULL;
    }
    if (vg_engine__ptr_push ((void ***) &d->streams, &n, &cap, st)) {
        src->nstreams--;
        free (st);
        return NULL;
    }
    d->nstreams = (uint32_t) n;
    d->capstreams = (uint32_t) cap;
    src->sk_min = INT64_MIN;
    e->st.streams++;
    return st;
}

void
vg_engine__src_free (vg_engine__src_t *s)
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

int
vg_engine__stream_add_sil (vg_engine__stream_t *st, vg_engine__inst_t *in)
{
    size_t n = st->nsil, cap = st->capsil;
    if (vg_engine__ptr_push ((void ***) &st->sil, &n, &cap, in))
        return -VG_ENOMEM;
    st->nsil = (uint32_t) n;
    st->capsil = (uint32_t) cap;
    st->src->sk_min = INT64_MIN;
    in->stream = st;
    return 0;
}

static void
s_stream_del_sil (vg_engine__stream_t *st, vg_engine__inst_t *in)
{
    for (uint32_t i = 0; i < st->nsil; i++)
        if (st->sil[i] == in) {
            memmove (&st->sil[i], &st->sil[i + 1], (st->nsil - i - 1) * sizeof *st->sil);
            st->nsil--;
            st->src->sk_min = INT64_MIN;
            break;
        }
    in->stream = NULL;
}

/* Move a series (and its silence instances) to the stream of its device and source. */
void
vg_engine__ser_rehome (vg_engine_t *e, vg_engine__series_t *s, const char *source)
{
    vg_engine__src_t *src = vg_engine__src_get (e, source);
    vg_engine__stream_t *to = src ? vg_engine__stream_get (e, s->dev, src) : NULL;
    if (!to || to == s->stream)
        return;
    for (uint32_t i = 0; i < s->nlinks; i++) {
        vg_engine__inst_t *in = s->links[i].inst;
        if (in->stream == s->stream) {
            s_stream_del_sil (s->stream, in);
            if (vg_engine__stream_add_sil (to, in))
                e->st.full++;
        }
    }
    if (s->stream->rmax > to->rmax)
        to->rmax = s->stream->rmax;
    if (s->stream->rel > to->rel)
        to->rel = s->stream->rel;
    s->stream = to;
}

/* --------------------------------------------------------------------------------------- */
/* Release to the detectors, reorder buffers, watermarks */

/* Run the device-bound tickers of d at boundary t (cfg.tick_ms > 0). */
static void
s_dev_tick (vg_engine_t *e, vg_engine__dev_t *d, int64_t t)
{
    vg_verdict_t *v = &e->v;
    for (size_t i = 0; i < d->ndtick; i++) {
        vg_engine__inst_t *in = d->dtick[i];
        vg_engine__vreset (v);
        if (in->rule->ops->on_tick (in->det, t, v) < 0)
            e->st.detector_errors++;
        vg_engine__apply (e, in->rule, in, in->dev, in->series_id, v, t);
    }
}

/* Hand one sample to the detectors linked to its series (inline: once per sample). */
static inline __attribute__ ((always_inline)) void
s_process (vg_engine_t *e, vg_engine__series_t *s, int64_t ts, double value)
{
    if (ts <= s->last_ts) {
        e->st.dropped++;
        return;
    }
    vg_engine__dev_t *d = s->dev;
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
    const vg_engine__link_t *l = s->links, *end = l + s->nlinks;
    int keep = e->cfg.keep_last;
    for (; l < end; l++) {
        int rc;
        if (l->silence)
            l->inst->last_ts = ts;
        if (l->quiet && !keep) { /* a kind that only learns from samples: no verdict to reset or read */
            if (l->ops->on_sample (l->det, ts, value, v) < 0)
                e->st.detector_errors++;
            continue;
        }
        vg_engine__vreset (v);
        if (l->call == VG_ENGINE__CALL_SAMPLE)
            rc = l->ops->on_sample (l->det, ts, value, v);
        else if (l->call == VG_ENGINE__CALL_SERIES_INPUT)
            rc = l->ops->on_series_input (l->det, l->slot, id, &d->view, ts, value, v);
        else
            rc = l->ops->on_input (l->det, l->slot, &d->view, ts, value, v);
        if (rc < 0)
            e->st.detector_errors++;
        if (keep && l == s->links)
            e->last_pages[s->idx / VG_ENGINE__SER_PAGE][s->idx % VG_ENGINE__SER_PAGE] = (vg_engine__last_t) {
                (int8_t) v->state, (float) v->score, v->observed, v->expected, v->lo, v->hi
            };
        if (v->state == VG_VERDICT_NONE ||
            (v->state == VG_VERDICT_CLEAR && !v->device && !l->inst->open))
            continue; /* a clear verdict with no episode open changes nothing (apply's own
                         early returns, without the call) */
        /* A vendor- or site-wide finding belongs to its scope, not to whichever device's
         * sample happened to close the bucket (the detector may name one in v->device). */
        vg_engine__apply (e, l->inst->rule, l->inst, l->wide ? NULL : d, l->per_series ? id : 0, v, ts);
    }
}

/* Release a stream's pending samples up to and including time upto, in order. */
static void
s_release (vg_engine_t *e, vg_engine__stream_t *st, int64_t upto)
{
    /* The series of a release run are scattered in memory: fetch the series a few samples
     * ahead, the links of those nearer and their detectors' state nearer still, while this
     * one is processed.  A run is often short (one instant of a device's series), so the
     * first series are fetched before it starts and the tail of a run is fetched too. */
    if (st->len && st->buf[st->head].ts <= upto)
        for (size_t k = 0; k < 8 && k < st->len; k++) {
            __builtin_prefetch (st->buf[st->head + k].s);
            __builtin_prefetch (st->buf[st->head + k].s->in_links);
        }
    while (st->len && st->buf[st->head].ts <= upto) {
        if (st->len > 8) { /* the series and its inline links: two lines of one block */
            __builtin_prefetch (st->buf[st->head + 8].s);
            __builtin_prefetch (st->buf[st->head + 8].s->in_links);
        }
        if (st->len > 5 && st->buf[st->head + 5].s->nlinks > VG_ENGINE__SER_INLINE)
            __builtin_prefetch (st->buf[st->head + 5].s->links); /* links of their own */
        if (st->len > 2) {
            const vg_engine__pend_t *np = &st->buf[st->head + 2];
            const vg_engine__series_t *n = np->s;
            for (uint32_t i = 0; i < n->nlinks && i < 4; i++) {
                const vg_engine__link_t *l = &n->links[i];
                __builtin_prefetch (l->det);
                if (l->silence) /* the instance's first line: what a verdict reads, last_ts */
                    __builtin_prefetch (l->inst, 1);
                else
                    __builtin_prefetch (l->inst);
                if (l->prefetch) /* the detector's own state deeper in the instance */
                    l->ops->prefetch (l->det, l->slot, np->id, np->ts);
            }
        }
        vg_engine__pend_t x = st->buf[st->head];
        st->head++;
        st->len--;
        e->nbuf--;
        if (x.ts > st->rel)
            st->rel = x.ts;
        s_process (e, x.s, x.ts, x.v);
    }
    if (!st->len)
        st->head = 0;
}

/* Insert into a stream's buffer in (ts, series id) order, after equal pairs (stable): samples
 * of one millisecond leave in series order whatever order they arrived in (batch layout live,
 * store key order in a replay), so the detectors see the same sequence either way. */
int
vg_engine__buffer (vg_engine_t *e, vg_engine__stream_t *st, const vg_engine__pend_t *x)
{
    if (st->head + st->len == st->cap) {
        if (st->head > st->cap / 2) {
            memmove (st->buf, st->buf + st->head, st->len * sizeof *st->buf);
            st->head = 0;
        } else {
            size_t nc = st->cap ? st->cap * 2 : 64;
            vg_engine__pend_t *nb = realloc (st->buf, nc * sizeof *nb);
            if (!nb)
                return -VG_ENOMEM;
            st->buf = nb;
            st->cap = nc;
        }
    }
    vg_engine__pend_t *b = st->buf + st->head;
    size_t pos = st->len;
    /* Where x goes is nearly always at or near the tail (samples of one instant arrive
     * series after series, in batch order): step back from the tail, moving each larger
     * entry up by one, which costs what the memmove after a binary search would and
     * avoids its unpredictable branches.  Far displacements (a late sample) take the
     * binary search. */
    if (pos && (b[pos - 1].ts > x->ts || (b[pos - 1].ts == x->ts && b[pos - 1].id > x->id))) {
        if (pos > 16 && b[pos - 16].ts > x->ts) {
            size_t lo = 0, hi = pos; /* first index after x in (ts, id) order */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (b[mid].ts < x->ts || (b[mid].ts == x->ts && b[mid].id <= x->id))
                    lo = mid + 1;
                else
                    hi = mid;
            }
            memmove (&b[lo + 1], &b[lo], (pos - lo) * sizeof *b);
            pos = lo;
        } else {
            do {
                b[pos] = b[pos - 1];
                pos--;
            } while (pos && (b[pos - 1].ts > x->ts || (b[pos - 1].ts == x->ts && b[pos - 1].id > x->id)));
        }
    }
    b[pos] = *x;
    st->len++;
    e->nbuf++;
    return 0;
}


/* The last tick boundary at or before t (tk > 0; t may be negative). */
static int64_t
s_tick_floor (int64_t t, int64_t tk)
{
    return t - (((t % tk) + tk) % tk);
}

/* The first tick boundary at or after t. */
static int64_t
s_tick_ceil (int64_t t, int64_t tk)
{
    int64_t f = s_tick_floor (t, tk);
    return f == t ? t : f + tk;
}

/* A long advance of the source's watermark (a PM source moving by a ROP, a coarse replay
 * feed, a source back from a gap): judging every boundary up to `last` would cost ticks x
 * streams, judging only at `last` would make the verdicts depend on how the clock advanced
 * (which sample arrived first: a silence that ended within the advance was seen or not).
 * So judge where the picture can change: at the boundary of each pending sample, at the
 * earliest boundary a clear series can turn silent (src->wake), and at `last` -- the same
 * verdicts as judging every boundary, whatever the arrival order. */
static void
s_src_jump (vg_engine_t *e, vg_engine__src_t *src, int64_t last)
{
    int64_t tk = e->cfg.tick_ms, t = src->next_tick;
    while (t <= last) {
        int64_t nx = last;
        for (size_t i = 0; i < src->nstreams; i++) {
            const vg_engine__stream_t *st = src->streams[i];
            if (st->len && st->buf[st->head].ts < nx)
                nx = s_tick_ceil (st->buf[st->head].ts, tk);
        }
        if (src->wake < nx)
            nx = src->wake <= t ? t : s_tick_ceil (src->wake, tk);
        if (nx < t) /* a sample older than t (it came after t's boundary was judged) */
            nx = t;
        for (size_t i = 0; i < src->nstreams; i++)
            s_release (e, src->streams[i], nx);
        vg_engine__src_silence (e, src, nx);
        t = nx + tk;
    }
    src->next_tick = t;
}

/* The source's watermark passed tick boundaries: release what it allows and judge silence. */
static void
s_src_advance (vg_engine_t *e, vg_engine__src_t *src)
{
    int64_t tk = e->cfg.tick_ms;
    if (tk <= 0 || src->max == INT64_MIN)
        return;
    int64_t wm = src->max - (e->cfg.lateness_ms > 0 ? e->cfg.lateness_ms : 0);
    int64_t last = s_tick_floor (wm, tk);
    if (src->next_tick == INT64_MIN) {
        src->next_tick = last + tk; /* first data: nothing to judge yet */
        return;
    }
    if (src->next_tick > last)
        return;
    if ((last - src->next_tick) / tk > 64) {
        s_src_jump (e, src, last);
    } else {
        for (; src->next_tick <= last; src->next_tick += tk) {
            int64_t t = src->next_tick;
            for (size_t i = 0; i < src->nstreams; i++)
                s_release (e, src->streams[i], t);
            vg_engine__src_silence (e, src, t);
        }
    }
    /* Its clock moved: the fleet detectors may have findings of the times it judged. */
    vg_engine__fleet_release (e, 0);
}

int
vg_engine_sample (vg_engine_t *e, uint64_t id, int64_t ts, double value)
{
    vg_engine__series_t *s = vg_engine__ser_find (e, id);
    if (!s) {
        e->st.samples++;
        e->st.unknown_series++;
        return -VG_ENOTFOUND;
    }
    return vg_engine_sample_ref (e, s, ts, value);
}

int
vg_engine_sample_ref (vg_engine_t *e, vg_engine_series_ref_t *s, int64_t ts, double value)
{
    e->st.samples++;
    if (!isfinite (value)) {
        e->st.dropped++;
        return 0;
    }
    vg_engine__stream_t *st = s->stream;
    vg_engine__src_t *src = st->src;
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
        if (ts > src->max) {
            /* The source's clock first: its ticks up to the new watermark are judged before
             * this stream releases anything the new sample allows, so no tick sees a sample
             * newer than itself (a device back from a silence was cleared up to a lateness
             * early when its own sample was the one that moved the source's clock). */
            src->max = ts;
            s_src_advance (e, src);
        }
        if (ts > st->rmax)
            st->rmax = ts;
        if (e->nbuf >= e->cfg.max_buffered && st->len) {
            /* Bound hit: this stream's oldest goes out early rather than growing further. */
            e->st.forced++;
            s_release (e, st, st->buf[st->head].ts);
        }
        vg_engine__pend_t x = { s, s->id, ts, value };
        if (vg_engine__buffer_tail (e, st, &x)) {
            int64_t upto = st->rmax - e->cfg.lateness_ms;
            if (st->buf[st->head].ts <= upto) /* else s_release would release nothing */
                s_release (e, st, upto);
        } else if (vg_engine__buffer (e, st, &x) < 0) {
            e->st.forced++;
            s_release (e, st, INT64_MAX);
            s_process (e, s, ts, value);
            if (ts > st->rel)
                st->rel = ts;
        } else {
            s_release (e, st, st->rmax - e->cfg.lateness_ms);
        }
        e->st.buffered = e->nbuf;
        return 0;
    }
    if (ts > src->max) {
        src->max = ts;
        s_src_advance (e, src);
        e->st.buffered = e->nbuf;
    }
    return 0;
}

/* --------------------------------------------------------------------------------------- */
/* Public time entry points */

int
vg_engine_source_time (vg_engine_t *e, const char *source, int64_t now)
{
    vg_engine__src_t *src = s_src_find (e, source ? source : "");
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
    const vg_engine__src_t *src = s_src_find (e, source ? source : "");
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
    vg_engine__fleet_release (e, 1);
    e->st.buffered = e->nbuf;
    vg_engine__fleet_end (e);
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
            vg_engine__src_t *src = e->srcs[i];
            if (now > src->max)
                src->max = now;
            for (size_t j = 0; j < src->nstreams; j++)
                s_release (e, src->streams[j], now - (e->cfg.lateness_ms > 0 ? e->cfg.lateness_ms : 0));
            vg_engine__src_silence (e, src, now);
        }
        e->st.buffered = e->nbuf;
    }
    vg_engine__fleet_release (e, 0);
    vg_verdict_t *v = &e->v;
    for (size_t i = 0; i < e->ntick; i++) {
        vg_engine__inst_t *in = e->tickers[i];
        if (!legacy && in->dev)
            continue; /* ticked at its device's own time (s_process) */
        /* A fleet detector at the time its findings were released up to: at a source's
         * newer time it would judge a window whose findings are still held. */
        int64_t t = now;
        if (!legacy && in->rule->ops->on_alert && e->fleet_hz < now)
            t = e->fleet_hz;
        if (t == INT64_MIN)
            continue;
        vg_engine__vreset (v);
        if (in->rule->ops->on_tick (in->det, t, v) < 0)
            e->st.detector_errors++;
        int64_t at = in->rule->ops->on_alert ? vg_engine__fleet_at (v, t) : t;
        vg_engine__apply (e, in->rule, in, in->dev, in->series_id, v, at);
    }
    /* Lifecycle timers (engine_episode.c). */
    vg_engine__ep_timers (e, now, legacy);
    return 0;
}
