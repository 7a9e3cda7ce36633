/* engine_silence.c - the silence judgement at a source's clock: series -> stream/device ->
 * source outage (see engine_time.c for the clocks that drive it, docs/DETECTORS.md "Event
 * time" for the rules).
 *
 * Invariant: a verdict is judged at the source's own clock, never at another source's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/engine.h"
#include "detectors/engine_int.h"


/* A silence verdict: `observed` silent (series, devices, or ms since the last sample) against
 * `expected`, with the band [0, hi]; the caller adds the note. */
static void
s_silence_verdict (vg_verdict_t *v, int state, double observed, double expected, double hi)
{
    vg_engine__vreset (v);
    v->state = state;
    v->observed = observed;
    v->expected = expected;
    v->lo = 0;
    v->hi = hi;
}

/* Series silence of device d at now: some of its watched series silent, the device not (a
 * sensor group or subscription that stopped, a router whose CPU, memory and uptime messages
 * stopped together): one finding per device, "a01-silence:<device>:series", naming how many
 * series and the longest silent one.  It is closed as superseded when the whole device turns
 * silent (the device finding says more), and clears when none is silent. */
static void
s_dev_series_silence (vg_engine_t *e, vg_engine__dev_t *d, int64_t now)
{
    const vg_rule_t *r = d->silence_rule;
    if (!r)
        return;
    if (d->silent) {
        vg_engine__ep_t *p = d->pep;
        if (p) {
            if (p->emitted)
                vg_engine__emit (e, p, VG_ACT_CLOSE, now, "superseded_by_device_silence");
            vg_engine__ep_del (e, p);
        }
        return;
    }
    vg_verdict_t *v = &e->v;
    s_silence_verdict (v, d->silent_n ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR, (double) d->silent_n, 0,
                       (double) d->watched);
    if (d->silent_n) {
        const vg_engine__inst_t *worst = NULL; /* the longest silent series names the finding */
        for (uint32_t k = 0; k < d->nstreams; k++)
            for (uint32_t j = 0; j < d->streams[k]->nsil; j++) {
                const vg_engine__inst_t *in = d->streams[k]->sil[j];
                if (in->tick_state == VG_VERDICT_FIRE && (!worst || in->tick_obs > worst->tick_obs))
                    worst = in;
            }
        if (worst) {
            v->window_start_ms = worst->last_ts;
            v->window_end_ms = now;
            vg_verdict_note (v, "%u of %u watched series silent, %s for %.0f s (expected every %.0f s)", d->silent_n,
                             d->watched, worst->path ? worst->path : "?", worst->tick_obs / 1000.0,
                             worst->tick_exp / 1000.0);
        }
    }
    char key[VG_ALERT_KEY_MAX];
    vg_engine__key (key, r, NULL, d, "series");
    vg_engine__ep_silence (e, &d->pep, r, d, NULL, key, "series", r->severity, v, now);
}

/* Silence of one source at its time now: per-series verdicts -> stream/device silence ->
 * source outage, then each level applied with the inhibition the level above implies.
 * Only this source's streams are judged: other sources keep their own clocks. */
void
vg_engine__src_silence (vg_engine_t *e, vg_engine__src_t *src, int64_t now)
{
    /* Nothing silent and no silence episode anywhere, and no stream of this source due: the
     * passes below would only find every stream healthy (their fast paths), so skip them. */
    if (!e->nsilent && !e->nsil_ep && now < src->sk_min && !src->sk_outage0)
        return;
    size_t watched = 0, silent = 0;
    const vg_rule_t *first = NULL;
    vg_verdict_t *v = &e->v;
    int64_t sk_min = INT64_MAX, wake = INT64_MAX;
    for (size_t i = 0; i < src->nstreams; i++) {
        vg_engine__stream_t *st = src->streams[i];
        if (!st->silent && !st->dev->ep && now < st->next_check) {
            /* Healthy and nothing can be due yet (new samples only push that later). */
            if (st->next_check < sk_min)
                sk_min = st->next_check;
            if (st->wake < wake)
                wake = st->wake;
            if (st->nsil) {
                watched++;
                if (!first)
                    first = st->sil[0]->rule;
            }
            continue;
        }
        st->silent_n = 0;
        st->wake = INT64_MAX;
        int64_t last = INT64_MIN; /* newest sample of any watched series */
        double thr = INFINITY;    /* shortest threshold among them */
        int64_t next = INT64_MAX; /* earliest time a clear series could be due */
        for (uint32_t j = 0; j < st->nsil; j++) {
            vg_engine__inst_t *in = st->sil[j];
            if (j + 4 < st->nsil) /* instances are scattered: fetch a few ahead */
                __builtin_prefetch (&st->sil[j + 4]->last_ts);
            if (!first)
                first = in->rule;
            if (in->tick_state == VG_VERDICT_CLEAR && !in->open && in->last_ts != INT64_MIN &&
                (double) (now - in->last_ts) <= 0.5 * in->tick_exp) {
                /* Fresh well within its threshold: clear without asking (the threshold moves
                 * slowly), so a tick costs little per healthy series.  Nothing is written to
                 * the instance (its tick_obs is read only for a FIRE or an open episode, and
                 * the next judgement that asks writes it first): a scan leaves the healthy
                 * instances' lines clean. */
                if (in->last_ts > last)
                    last = in->last_ts;
                if (in->tick_exp < thr)
                    thr = in->tick_exp;
                int64_t due = in->last_ts + (int64_t) (0.5 * in->tick_exp);
                if (due < next)
                    next = due;
                if (due < st->wake)
                    st->wake = due; /* asked then, which gives its exact threshold */
                continue;
            }
            vg_engine__vreset (v);
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
            if (v->state == VG_VERDICT_CLEAR && in->last_ts != INT64_MIN && isfinite (v->expected) &&
                v->expected >= 0 && v->expected < 9e15) {
                /* Silent once older than the threshold: the first millisecond after it. */
                int64_t cross = in->last_ts + (int64_t) v->expected + 1;
                if (cross < st->wake)
                    st->wake = cross;
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
        int was = st->silent;
        st->silent = st->nsil && (st->silent_n == st->nsil ||
                                  (st->silent_n > 0 && last != INT64_MIN && (double) (now - last) > thr));
        e->nsilent += (size_t) (st->silent != 0) - (size_t) (was != 0);
        st->next_check = next;
        if (st->wake < wake)
            wake = st->wake;
        sk_min = st->silent || next < sk_min ? (st->silent ? INT64_MIN : next) : sk_min;
        if (st->nsil) {
            watched++;
            silent += (size_t) st->silent;
        }
        if (now > st->dev->now)
            st->dev->now = now;
    }
    src->sk_min = sk_min;
    src->wake = wake;
    src->sk_outage0 = 0;
    if (!first)
        return;
    /* Source / transport outage: many of the source's devices silent together. */
    int ifrac = vg_rule_param_index (first, "outage_fraction");
    int imin = vg_rule_param_index (first, "outage_min_devices");
    double frac = ifrac >= 0 ? first->pv[ifrac] : 0.3;
    double mind = imin >= 0 ? first->pv[imin] : 3;
    int outage = silent >= (size_t) mind && (double) silent >= frac * (double) watched && watched > 0;
    src->sk_outage0 = 0 >= (size_t) mind && 0 >= frac * (double) watched && watched > 0;
    if (outage || src->ep) {
        s_silence_verdict (v, outage ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR, (double) silent, 0,
                           frac * (double) watched);
        if (src->name[0])
            vg_verdict_note (v, "%zu of %zu devices of source %s silent", silent, watched, src->name);
        else
            vg_verdict_note (v, "%zu of %zu devices silent", silent, watched);
        char key[VG_ALERT_KEY_MAX];
        if (src->name[0])
            snprintf (key, sizeof key, "%s:collector:outage:%s", first->id, src->name);
        else
            snprintf (key, sizeof key, "%s:collector:outage", first->id);
        vg_engine__ep_silence (e, &src->ep, first, NULL, src, key, "outage", VG_SEV_HIGH, v, now);
    }
    /* Device silence: every watched series of one of its streams silent.  Their findings reach
     * the fleet detectors together at the end (vg_engine__fleet_flush), whatever the order
     * of the devices here. */
    e->fleet_defer = !e->in_fleet;
    e->fleet_src = src;
    for (size_t i = 0; i < src->nstreams; i++) {
        vg_engine__dev_t *d = src->streams[i]->dev;
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
        if (d->silent_n || d->pep)
            s_dev_series_silence (e, d, now);
        if (!d->silent && !d->ep)
            continue;
        s_silence_verdict (v, d->silent ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR, (double) d->silent_n, 0,
                           (double) d->watched);
        vg_verdict_note (v, "%u of %u watched series of %s silent", d->silent_n, d->watched, d->id);
        const vg_rule_t *r = d->silence_rule;
        char key[VG_ALERT_KEY_MAX];
        vg_engine__key (key, r, NULL, d, "device");
        vg_engine__ep_silence (e, &d->ep, r, d, NULL, key, "device", r->severity, v, now);
    }
    vg_engine__fleet_flush (e);
    /* Per-series episodes are only those a state saved before series silence was grouped per
     * device restored: they run to their close, muted while the whole device is silent. */
    for (size_t i = 0; i < src->nstreams; i++) {
        vg_engine__stream_t *st = src->streams[i];
        if (now < st->next_check && !st->silent)
            continue; /* every series clear and no episode open */
        for (uint32_t j = 0; j < st->nsil; j++) {
            vg_engine__inst_t *in = st->sil[j];
            if (in->tick_state == VG_VERDICT_NONE || !in->open)
                continue;
            s_silence_verdict (v, in->tick_state, in->tick_obs, in->tick_exp, in->tick_exp);
            if (v->state == VG_VERDICT_FIRE)
                vg_verdict_note (v, "no sample for %.0f s (expected every %.0f s)", in->tick_obs / 1000.0,
                                 in->tick_exp / 1000.0);
            vg_engine__apply (e, in->rule, in, in->dev, in->series_id, v, now);
            if (in->ep && in->dev && in->dev->silent && in->ep->emitted) {
                /* The device-level finding replaces per-series ones already announced. */
                vg_engine__emit (e, in->ep, VG_ACT_CLOSE, now, "superseded_by_device_silence");
                vg_engine__ep_del (e, in->ep);
            }
        }
    }
}
