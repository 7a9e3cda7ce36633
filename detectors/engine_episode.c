/* engine_episode.c - the Alertmanager-style episode lifecycle (pending/firing/update/close), dedup
 * keys, maintenance windows, inhibition (silence mutes metric findings, outage mutes device
 * silence), alert emission and the feedback of new findings to fleet detectors.
 * Invariants: an episode exists only while pending or firing; its uid is its dedup key + "@" + start
 * ms; time-driven emissions carry the data time at which they became due, not when noticed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/err.h"
#include "common/hash.h"
#include "detectors/det_util.h"
#include "detectors/engine.h"
#include "detectors/engine_int.h"

/* --------------------------------------------------------------------------------------- */
/* Episodes and emission */

void
vg_engine__key (char *out, const vg_rule_t *r, const vg_engine__inst_t *in, const vg_engine__dev_t *d,
                const char *signal)
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

vg_engine__ep_t *
vg_engine__ep_find (const vg_engine_t *e, const char *key, uint64_t h)
{
    for (vg_hlink_t *l = vg_hindex_chain (&e->ep_ix, h); l; l = l->next)
        if (l->h == h && !strcmp (((vg_engine__ep_t *) l)->key, key))
            return (vg_engine__ep_t *) l;
    return NULL;
}

vg_engine__ep_t *
vg_engine__ep_new (vg_engine_t *e, const char *key, uint64_t h)
{
    if (e->nep >= e->cfg.max_episodes) {
        e->st.full++;
        return NULL;
    }
    vg_engine__ep_t *p = calloc (1, sizeof *p);
    if (!p)
        return NULL;
    snprintf (p->key, sizeof p->key, "%s", key);
    p->hl.h = h;
    if (vg_hindex_add (&e->ep_ix, &p->hl) < 0) {
        free (p);
        return NULL;
    }
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

void
vg_engine__ep_del (vg_engine_t *e, vg_engine__ep_t *p)
{
    vg_hindex_del (&e->ep_ix, &p->hl);
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
    if (p->dev && p->dev->ep == p) {
        p->dev->ep = NULL;
        e->nsil_ep--;
    }
    if (p->dev && p->dev->pep == p) {
        p->dev->pep = NULL;
        e->nsil_ep--;
    }
    if (p->src && p->src->ep == p) {
        p->src->ep = NULL;
        e->nsil_ep--;
    }
    e->nep--;
    e->st.episodes_open = e->nep;
    free (p);
}

static int
s_cia (const vg_engine__ep_t *p)
{
    return p->rule->ops->cia_class;
}

/* Is this episode muted by a higher-level silence? */
static int
s_inhibited (const vg_engine_t *e, const vg_engine__ep_t *p)
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

static void s_fleet (vg_engine_t *e, const vg_alert_t *a, int others_only);

void
vg_engine__emit (vg_engine_t *e, vg_engine__ep_t *p, int activity, int64_t now, const char *reason)
{
    if (activity != VG_ACT_CLOSE && s_inhibited (e, p)) {
        if (activity == VG_ACT_CREATE) {
            e->st.inhibited++;
            if (p->inst == NULL && p->dev && !e->in_fleet) {
                /* A device silence muted by its source's outage is not announced, but it is
                 * still the fleet's: other vendors are judged against it (seeds 59 and 63:
                 * without it, the silences of a source not in outage looked like their
                 * vendor's common mode while the other sources were out). */
                vg_alert_t f;
                memset (&f, 0, sizeof f);
                snprintf (f.device, sizeof f.device, "%s", p->dev->id);
                f.vendor = p->dev->vendor;
                f.detector = p->rule->ops->name;
                f.rule_id = p->rule->id;
                f.time_ms = now;
                f.activity = VG_ACT_CREATE;
                s_fleet (e, &f, 1);
            }
        }
        return; /* not announced; a later tick announces it if it still fires */
    }
    if (activity != VG_ACT_CREATE && !p->emitted)
        return;
    vg_alert_t *a = &e->alert;
    const vg_rule_t *r = p->rule;
    const vg_engine__dev_t *d = p->dev;
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
    a->scope = d || !p->inst ? "" : r->ops->scope == VG_SCOPE_VENDOR ? "vendor" : r->ops->scope == VG_SCOPE_SITE ? "site" : "";
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
        s_fleet (e, a, 0);
}

static void
s_ep_copy (vg_engine__ep_t *p, const vg_verdict_t *v, int64_t now)
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
/* Start episode p (an existing one is restarted; NULL: a new one under key/h) as pending for
 * rule r on device d.  Returns it, or NULL when the table is full or memory ran out. */
/* Emit the periodic Updates of firing episode p that fell due before `until` (exclusive),
 * each at its due time: the records then do not depend on how often ticks come (once per
 * batch live, more often in a replay), nor on whether a close comes first. */
static void
s_ep_due_updates (vg_engine_t *e, vg_engine__ep_t *p, int64_t until)
{
    const vg_rule_t *r = p->rule;
    while (p->emitted && r->repeat_ms > 0 && p->last_emit_ms + r->repeat_ms < until) {
        int64_t before = p->last_emit_ms;
        vg_engine__emit (e, p, VG_ACT_UPDATE, p->last_emit_ms + r->repeat_ms, "periodic");
        if (p->last_emit_ms == before)
            return; /* inhibited: nothing announced, a later tick tries again */
    }
}

static vg_engine__ep_t *
s_ep_open (vg_engine_t *e, vg_engine__ep_t *p, const char *key, uint64_t h, const vg_rule_t *r,
           vg_engine__dev_t *d, int severity, const char *signal, int64_t now)
{
    if (!p)
        p = vg_engine__ep_new (e, key, h);
    if (!p)
        return NULL;
    p->rule = r;
    p->dev = d;
    p->state = EP_PENDING;
    p->start_ms = now;
    p->severity = severity;
    snprintf (p->signal, sizeof p->signal, "%s", signal);
    return p;
}

/* The condition of episode p is clear at now, and has been since `since` (<= now): a pending
 * episode is dropped; a firing one closes once it has been clear for keep_firing_for,
 * stamped close_at (INT64_MIN: when it fell due).  p may be freed. */
static void
s_ep_clear (vg_engine_t *e, vg_engine__ep_t *p, const vg_rule_t *r, int64_t now, int64_t since, int64_t close_at)
{
    if (p->state == EP_PENDING) {
        vg_engine__ep_del (e, p);
        return;
    }
    if (!p->clear_since_ms)
        p->clear_since_ms = since;
    if (now - p->clear_since_ms >= r->keep_firing_for_ms) {
        int64_t at = close_at != INT64_MIN ? close_at : p->clear_since_ms + r->keep_firing_for_ms;
        s_ep_due_updates (e, p, at);
        vg_engine__emit (e, p, VG_ACT_CLOSE, at, "condition_clear");
        vg_engine__ep_del (e, p);
    }
}

void
vg_engine__apply (vg_engine_t *e, const vg_rule_t *r, vg_engine__inst_t *in, vg_engine__dev_t *d,
                  uint64_t series_id, const vg_verdict_t *v, int64_t now)
{
    if (v->state == VG_VERDICT_NONE)
        return;
    int dflt = (!v->signal || !v->signal[0]) && !v->device;
    vg_engine__ep_t *p = NULL;
    char key[VG_ALERT_KEY_MAX];
    key[0] = '\0'; /* not keyed yet (only the first byte: this runs per verdict) */
    uint64_t h = 0;
    if (v->device) {
        d = vg_engine__dev_get (e, v->device);
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
        vg_engine__key (key, r, in, d, v->signal);
        h = vg_hash64 (key, strlen (key), 0xe9);
        p = vg_engine__ep_find (e, key, h);
    }
    if (v->state == VG_VERDICT_CLEAR) {
        if (!p)
            return;
        p->cond = 0;
        if (p->oneshot)
            return; /* event findings close by time */
        /* Since when: the detector may know the condition lapsed before this input (never
         * before the episode's last evidence). */
        int64_t since = v->clear_since_ms > 0 && v->clear_since_ms < now ? v->clear_since_ms : now;
        if (since < p->last_true_ms)
            since = p->last_true_ms;
        s_ep_clear (e, p, r, now, since, INT64_MIN); /* at its due time, wherever ticks fell */
        return;
    }
    /* FIRE */
    int sev = v->severity ? v->severity : r->severity;
    if (p && p->state == EP_FIRING) {
        /* Close the episode first, at the time it fell due, so the outcome does not depend
         * on where ticks fell: when its close fell due before this verdict (no tick in
         * between), or when this evidence is disjoint from the episode's (v->fresh: fleet
         * findings arrive at their sources' data times, so no clear verdict may separate
         * two events; the old condition lapsed in between all the same). */
        int lapsed = !p->cond && p->clear_since_ms; /* a clear verdict was seen */
        int64_t due = (p->oneshot || !lapsed ? p->last_true_ms : p->clear_since_ms) + r->keep_firing_for_ms;
        if (p->oneshot ? now >= due : v->fresh || (lapsed && now >= due)) {
            s_ep_due_updates (e, p, due);
            vg_engine__emit (e, p, VG_ACT_CLOSE, due, p->oneshot ? "auto_close" : "condition_clear");
            vg_engine__ep_del (e, p);
            p = NULL;
        }
    }
    if (!p) {
        if (!key[0]) { /* p was the instance's episode, closed just above: key it afresh */
            vg_engine__key (key, r, in, d, v->signal);
            h = vg_hash64 (key, strlen (key), 0xe9);
        }
        p = s_ep_open (e, NULL, key, h, r, d, sev, v->signal ? v->signal : "", now);
        if (!p)
            return;
        p->inst = in;
        p->series_id = series_id;
        if (in) {
            in->open++;
            if (dflt && in->dev)
                in->ep = p;
        }
    }
    s_ep_due_updates (e, p, now); /* before this evidence replaces what they carry */
    p->cond = 1;
    p->oneshot = v->oneshot;
    p->last_true_ms = now;
    p->clear_since_ms = 0;
    s_ep_copy (p, v, now);
    if (p->state == EP_PENDING) {
        if (v->oneshot || now - p->start_ms >= r->for_ms) {
            p->state = EP_FIRING;
            p->severity = sev;
            vg_engine__emit (e, p, VG_ACT_CREATE, now, NULL);
        }
        return;
    }
    if (sev != p->severity) {
        p->severity = sev;
        if (p->emitted)
            vg_engine__emit (e, p, VG_ACT_UPDATE, now, "severity_change");
        return;
    }
    /* A repeated oneshot (same destination, same session) only extends the episode:
     * dedup; the periodic Update and the Close carry the latest evidence. */
}

/* Can rule r have an instance for this vendor (its match names no vendors, or this one)? */
static int
s_rule_vendor (const vg_rule_t *r, const char *vendor)
{
    for (size_t i = 0; i < r->dev.nvendors; i++)
        if (!strcmp (r->dev.vendors[i], vendor))
            return 1;
    return r->dev.nvendors == 0;
}

/* Feed a created finding to fleet detectors (VENDOR scope, on_alert): parts S_FLEET_OWN (the
 * instance of the finding's vendor, whose verdict is applied) and S_FLEET_OTHERS (the other
 * vendors' instances, made now if need be so each sees the fleet from its first finding on:
 * the fleet they are judged against).  The peers each is told are the devices that can have
 * a finding of the finding's kind (rule of detector kind; NULL: every device). */
enum { S_FLEET_OWN = 1, S_FLEET_OTHERS = 2 };
static void
s_fleet_parts (vg_engine_t *e, const vg_alert_t *a, int parts, double src_lp, const vg_detector_ops_t *kind)
{
    if (!a->vendor || !a->vendor[0])
        return;
    vg_engine__dev_t *d = vg_engine__dev_find (e, a->device);
    if (!d)
        return;
    const vg_engine__kp_t *kp = vg_engine__kind_peers (e, kind);
    uint32_t total = kp ? kp->total : (uint32_t) e->ndevs;
    e->in_fleet = 1;
    for (size_t r = 0; r < e->rules->nrules; r++) {
        const vg_rule_t *rule = &e->rules->rules[r];
        if (!rule->ops->on_alert || !d->rule_ok[r])
            continue;
        vg_verdict_t v;
        /* A silence that does not stand out within its source (src_lp, s_src_share) is the
         * transport's, not this vendor's: fleet evidence for the other vendors only. */
        int ia = vg_rule_param_index (rule, "fleet_alpha");
        int own = (parts & S_FLEET_OWN) && !(src_lp < 0 && ia >= 0 && rule->pv[ia] > 0 && src_lp >= log (rule->pv[ia]));
        if (own) {
            char key[VG_MAX_ID_LEN + 64];
            vg_engine__scope_key (rule, d, NULL, 0, key, sizeof key);
            vg_engine__inst_t *in = vg_engine__inst_get (e, rule, NULL, key, 0, NULL, NULL, 0, VG_KIND_GAUGE);
            if (!in)
                continue;
            vg_engine__vreset (&v);
            uint32_t peers = rule->ops->scope != VG_SCOPE_VENDOR ? total
                             : kp                                ? kp->n[d->vendor_tag]
                                                                 : e->vendor_n[d->vendor_tag];
            if (rule->ops->on_alert (in->det, a, peers, &v) < 0)
                e->st.detector_errors++;
            vg_engine__apply (e, rule, in, NULL, 0, &v, vg_engine__fleet_at (&v, a->time_ms));
        }
        for (size_t w = 0; (parts & S_FLEET_OTHERS) && rule->ops->scope == VG_SCOPE_VENDOR && w < e->nvendors; w++) {
            if (w == d->vendor_tag || !e->vendors[w][0] || !e->vendor_n[w] || !s_rule_vendor (rule, e->vendors[w]))
                continue;
            vg_engine__inst_t *o = vg_engine__inst_get (e, rule, NULL, e->vendors[w], 0, NULL, NULL, 0, VG_KIND_GAUGE);
            if (!o)
                continue;
            vg_engine__vreset (&v);
            uint32_t others = kp ? total - kp->n[w] : (uint32_t) e->ndevs - e->vendor_n[w];
            if (rule->ops->on_alert (o->det, a, others, &v) < 0)
                e->st.detector_errors++;
        }
    }
    e->in_fleet = 0;
}

/* For a silence finding of device d made by judging source src: when other vendors' devices
 * of that source are silent too, log P that d's vendor has as many of the source's silent
 * devices by its share of the source's watched devices (hypergeometric tail); 0 otherwise.
 * A vendor that does not stand out within the transport that carries it is not a common mode
 * (seed 43 through the wire: 3 of a vendor's gNBs among 5 of 20 on the PM source). */
static double
s_src_share (const vg_engine__src_t *src, const vg_engine__dev_t *d)
{
    uint32_t n = 0, no = 0, k = 0, ko = 0;
    for (size_t i = 0; i < src->nstreams; i++) {
        const vg_engine__stream_t *st = src->streams[i];
        if (!st->nsil)
            continue;
        int own = st->dev->vendor_tag == d->vendor_tag;
        n += (uint32_t) own;
        no += (uint32_t) !own;
        k += (uint32_t) (own && st->silent);
        ko += (uint32_t) (!own && st->silent);
    }
    return ko > 0 && k > 0 ? vg_log_hyper_tail (n, no, k, ko) : 0;
}

/* Insert a finding into the held queue in time order (after every held finding of the same
 * time: arrival order within one); NULL when the queue cannot grow (counted in st.full). */
vg_engine__fq_t *
vg_engine__fleet_hold (vg_engine_t *e, vg_engine__dev_t *d, const vg_rule_t *rule, int64_t time_ms, int others_only,
                       double src_lp)
{
    if (e->fq_head && e->fq_head == e->nfq)
        e->fq_head = e->nfq = 0;
    if (e->nfq == e->capfq) {
        if (e->fq_head) { /* reuse the released front */
            memmove (e->fq, e->fq + e->fq_head, (e->nfq - e->fq_head) * sizeof *e->fq);
            e->nfq -= e->fq_head;
            e->fq_head = 0;
        }
        if (vg_array_reserve ((void **) &e->fq, &e->capfq, e->nfq + 1, sizeof *e->fq) < 0) {
            e->st.full++;
            return NULL;
        }
    }
    /* Sorted by time, after every held finding of the same time (arrival order within one). */
    size_t i = e->nfq;
    while (i > e->fq_head && e->fq[i - 1].time_ms > time_ms)
        i--;
    memmove (e->fq + i + 1, e->fq + i, (e->nfq - i) * sizeof *e->fq);
    e->nfq++;
    vg_engine__fq_t *f = &e->fq[i];
    f->dev = d;
    f->rule = rule;
    f->time_ms = time_ms;
    f->others_only = others_only;
    f->src_lp = src_lp;
    return f;
}

/* Hold a created finding for the fleet detectors (vg_engine__fleet_release feeds it). */
static void
s_fleet (vg_engine_t *e, const vg_alert_t *a, int others_only)
{
    vg_engine__dev_t *d = vg_engine__dev_find (e, a->device);
    const vg_rule_t *rule = NULL;
    for (size_t r = 0; d && r < e->rules->nrules && !rule; r++)
        if (!strcmp (e->rules->rules[r].id, a->rule_id))
            rule = &e->rules->rules[r];
    if (!rule)
        return; /* cannot happen: an emitted record is one of our rules' */
    if (e->nfq - e->fq_head >= VG_ENGINE__FQ_MAX) {
        e->st.full++;
        int defer = e->fleet_defer;
        e->fleet_defer = 0;
        int64_t h = e->fleet_h;
        e->fleet_h = e->fq[e->fq_head].time_ms; /* release that time only */
        vg_engine__fleet_release (e, 2);
        if (e->fleet_h < h)
            e->fleet_h = h;
        e->fleet_defer = defer;
    }
    double lp = !others_only && e->fleet_src && rule->ops->is_silence ? s_src_share (e->fleet_src, d) : 0;
    if (vg_engine__fleet_hold (e, d, rule, a->time_ms, others_only, lp))
        vg_engine__fleet_release (e, 0); /* its time may be judged everywhere already */
}

/* The time every source still waited for has judged (see vg_engine__fleet_release). */
static int64_t
s_fleet_horizon (const vg_engine_t *e)
{
    int64_t tk = e->cfg.tick_ms, h = INT64_MAX;
    if (tk <= 0)
        return INT64_MAX; /* legacy: the caller's clock drives every source together */
    for (size_t i = 0; i < e->nsrcs; i++) {
        const vg_engine__src_t *s = e->srcs[i];
        /* No data yet, or in outage (its devices' silences are in): not waited for. */
        if (!s->nstreams || s->max == INT64_MIN || s->next_tick == INT64_MIN || s->ep)
            continue;
        if (s->next_tick - tk < h)
            h = s->next_tick - tk;
    }
    return h;
}

void
vg_engine__fleet_release (vg_engine_t *e, int all)
{
    if (e->fleet_defer || e->in_fleet)
        return;
    int64_t h = all == 1 ? INT64_MAX : all == 2 ? e->fleet_h : s_fleet_horizon (e);
    if (all == 0)
        e->fleet_hz = h;
    while (e->fq_head < e->nfq && e->fq[e->fq_head].time_ms <= h) {
        size_t i0 = e->fq_head, i1 = i0;
        int64_t t = e->fq[i0].time_ms;
        while (i1 < e->nfq && e->fq[i1].time_ms == t)
            i1++;
        e->fq_head = i1; /* released (nothing is held while the fleet detectors run) */
        /* Every finding of the time reaches the other vendors first, then its own vendor's
         * instance decides: a vendor is judged against all the fleet's findings of the
         * time, not only those that arrived before its own. */
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = i0; i < i1; i++) {
                const vg_engine__fq_t *f = &e->fq[i];
                if (pass == 1 && f->others_only)
                    continue;
                vg_alert_t a;
                memset (&a, 0, sizeof a);
                snprintf (a.device, sizeof a.device, "%s", f->dev->id);
                a.vendor = f->dev->vendor;
                a.detector = f->rule->ops->name;
                a.rule_id = f->rule->id;
                a.time_ms = t;
                a.activity = VG_ACT_CREATE;
                s_fleet_parts (e, &a, pass == 0 ? S_FLEET_OTHERS : S_FLEET_OWN, pass == 1 ? f->src_lp : 0,
                               f->rule->ops);
            }
        if (t > e->fleet_h)
            e->fleet_h = t;
    }
    if (e->fq_head == e->nfq)
        e->fq_head = e->nfq = 0;
    /* Fleet time moved: tick the fleet detectors at it, whether or not the caller ticks the
     * engine again (it ticks at the newest data time, which stops when the fastest source's
     * data ends while slower sources go on: a cluster waiting for its hold was then judged
     * only at the vendor's next finding, hours later). */
    if (all == 0 && h != INT64_MAX && (e->fleet_tk == INT64_MIN || h > e->fleet_tk)) {
        e->fleet_tk = h;
        for (size_t i = 0; i < e->nftick; i++) {
            vg_engine__inst_t *in = e->ftick[i];
            vg_engine__vreset (&e->v);
            if (in->rule->ops->on_tick (in->det, h, &e->v) < 0)
                e->st.detector_errors++;
            vg_engine__apply (e, in->rule, in, in->dev, in->series_id, &e->v, vg_engine__fleet_at (&e->v, h));
        }
    }
}

void
vg_engine__fleet_flush (vg_engine_t *e)
{
    e->fleet_defer = 0;
    e->fleet_src = NULL;
    vg_engine__fleet_release (e, 0);
}

void
vg_engine__fleet_end (vg_engine_t *e)
{
    int64_t end = e->fleet_h > e->now ? e->fleet_h : e->now;
    for (size_t i = 0; i < e->ntick && end != INT64_MIN; i++) {
        vg_engine__inst_t *in = e->tickers[i];
        int ih = in->rule->ops->on_alert ? vg_rule_param_index (in->rule, "hold") : -1;
        if (ih < 0 || !(in->rule->pv[ih] > 0))
            continue;
        int64_t t = end + (int64_t) in->rule->pv[ih];
        if (t > e->now)
            e->now = t;
        vg_engine__vreset (&e->v);
        if (in->rule->ops->on_tick (in->det, t, &e->v) < 0)
            e->st.detector_errors++;
        vg_engine__apply (e, in->rule, in, in->dev, in->series_id, &e->v, vg_engine__fleet_at (&e->v, t));
    }
}

int
vg_engine_finding (vg_engine_t *e, const vg_alert_t *a)
{
    if (!a || !a->device[0] || !a->detector || !a->rule_id || !a->vendor || !a->vendor[0] || e->in_fleet)
        return -VG_EINVAL;
    if (!vg_engine__dev_find (e, a->device))
        return -VG_ENOTFOUND;
    /* Made elsewhere, in its own engine's data-time order (its rule need not be one of
     * ours): fed now, as it comes; its kind is our rules' detector of that name, if any. */
    const vg_detector_ops_t *kind = NULL;
    for (size_t r = 0; r < e->rules->nrules && !kind; r++)
        if (!strcmp (e->rules->rules[r].ops->name, a->detector))
            kind = e->rules->rules[r].ops;
    s_fleet_parts (e, a, S_FLEET_OWN | S_FLEET_OTHERS, 0, kind);
    return 0;
}

/* Open, refresh or close the engine-made episode *slot (device or series silence, source outage)
 * with verdict v at time now. */
void
vg_engine__ep_silence (vg_engine_t *e, vg_engine__ep_t **slot, const vg_rule_t *r, vg_engine__dev_t *d,
                       vg_engine__src_t *src, const char *key, const char *signal, int severity,
                       const vg_verdict_t *v, int64_t now)
{
    int fire = v->state == VG_VERDICT_FIRE;
    if (!*slot) {
        if (!fire)
            return;
        uint64_t h = vg_hash64 (key, strlen (key), 0xe9);
        vg_engine__ep_t *p = s_ep_open (e, vg_engine__ep_find (e, key, h), key, h, r, d, severity, signal, now);
        if (!p)
            return;
        p->src = src;
        *slot = p;
        e->nsil_ep++;
    }
    vg_engine__ep_t *p = *slot;
    if (fire) {
        s_ep_due_updates (e, p, now);
        p->cond = 1;
        p->last_true_ms = now;
        p->clear_since_ms = 0;
        s_ep_copy (p, v, now);
        if (p->state == EP_PENDING && now - p->start_ms >= (src ? 0 : r->for_ms)) {
            p->state = EP_FIRING;
            vg_engine__emit (e, p, VG_ACT_CREATE, now, NULL);
        }
        return;
    }
    p->cond = 0;
    s_ep_clear (e, p, r, now, now, INT64_MIN);
}

/* The time an episode's timers run at: its device's (self-ticking), a source outage's source's
 * last judged tick (its verdicts come at that clock, a lateness behind the newest data: at
 * the engine's newest time, another source's data running ahead would emit an Update before
 * the verdicts that precede it in data time), else now. */
static int64_t
s_ep_clock (const vg_engine_t *e, const vg_engine__ep_t *p, int64_t now, int legacy)
{
    if (legacy)
        return now;
    if (p->dev && p->dev->now != INT64_MIN)
        return p->dev->now;
    if (p->src && p->src->next_tick != INT64_MIN && e->cfg.tick_ms > 0)
        return p->src->next_tick - e->cfg.tick_ms;
    return now;
}

/* Lifecycle timers: each episode at its own clock (s_ep_clock).  What is emitted carries the
 * time it became due, so it does not depend on when this runs. */
void
vg_engine__ep_timers (vg_engine_t *e, int64_t now, int legacy)
{
    vg_engine__ep_t *next;
    for (vg_engine__ep_t *p = e->ep_head; p; p = next) {
        next = p->next;
        const vg_rule_t *r = p->rule;
        int64_t t = s_ep_clock (e, p, now, legacy);
        if (p->state == EP_PENDING)
            continue; /* only fresh evidence (a verdict) promotes pending to firing */
        if (p->oneshot && t - p->last_true_ms >= r->keep_firing_for_ms) {
            s_ep_due_updates (e, p, p->last_true_ms + r->keep_firing_for_ms);
            vg_engine__emit (e, p, VG_ACT_CLOSE, p->last_true_ms + r->keep_firing_for_ms, "auto_close");
            vg_engine__ep_del (e, p);
            continue;
        }
        if (!p->oneshot && !p->cond && p->clear_since_ms && t - p->clear_since_ms >= r->keep_firing_for_ms) {
            s_ep_due_updates (e, p, p->clear_since_ms + r->keep_firing_for_ms);
            vg_engine__emit (e, p, VG_ACT_CLOSE, p->clear_since_ms + r->keep_firing_for_ms, "condition_clear");
            vg_engine__ep_del (e, p);
            continue;
        }
        if (!p->emitted) {
            if (p->cond && !s_inhibited (e, p))
                vg_engine__emit (e, p, VG_ACT_CREATE, t, "after_inhibition");
            continue;
        }
        s_ep_due_updates (e, p, t + 1);
    }
}

int
vg_engine_retire (vg_engine_t *e, const uint8_t *gone, const char *reason)
{
    int n = 0;
    vg_engine__ep_t *next;
    for (vg_engine__ep_t *p = e->ep_head; p; p = next) {
        next = p->next;
        if (!gone[p->rule->index])
            continue;
        int64_t t = s_ep_clock (e, p, e->now, 0);
        if (t < p->last_emit_ms)
            t = p->last_emit_ms;
        if (p->emitted) {
            vg_engine__emit (e, p, VG_ACT_CLOSE, t, reason);
            n++;
        }
        vg_engine__ep_del (e, p);
    }
    return n;
}
