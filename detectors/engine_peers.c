/* engine_peers.c - the fleet a fleet detector judges a finding against: per vendor, the
 * devices that can have a finding of the finding's kind (its detector).
 *
 * A device can have a finding of a kind when it has an instance of a rule of that detector
 * (a series it reports matched the rule, or an event made one), or when nothing says it
 * cannot: no series of it is known (declared only), or the detector takes events and the
 * device sends events, or a rule of the detector takes events only and matches it.  Only a
 * device that reports series, none of which the kind's rules take, and no events, is left
 * out.  A gNB whose PM files carry no up-time is
 * not part of the fleet a reboot wave is judged on: counting it made a vendor's reboots look
 * rarer among the others than they were (reboot-wave seed 58: Cisco 6 of 9 routers against
 * 5 other reboots among 30 devices, P 0.008; among the 10 other devices that report up-time,
 * P 0.39).
 *
 * Invariant: counts are cached per kind (VG_ENGINE__KP slots) and made again when the
 * engine's instances, devices or vendors changed since; a scan is O(instances + devices x
 * rules) and runs only when fleet findings are judged. */
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/err.h"
#include "detectors/engine_int.h"

/* Count, into k->n[vendor] and k->total, the devices that can have a finding of k->kind. */
static void
s_scan (vg_engine_t *e, vg_engine__kp_t *k)
{
    if (++e->kp_gen == 0) { /* wrapped: no device may keep a mark of an old scan */
        for (size_t i = 0; i < e->ndevs; i++)
            e->devs[i]->kp_mark = 0;
        e->kp_gen = 1;
    }
    uint32_t g = e->kp_gen;
    memset (k->n, 0, e->nvendors * sizeof *k->n);
    k->total = 0;
    for (size_t i = 0; i < e->ninsts; i++) {
        vg_engine__dev_t *d = e->insts[i]->dev;
        if (!d || e->insts[i]->rule->ops != k->kind || d->kp_mark == g || d->vendor_tag >= e->nvendors)
            continue;
        d->kp_mark = g;
        k->n[d->vendor_tag]++;
        k->total++;
    }
    /* Devices without an instance: counted when nothing says they cannot have such a
     * finding (no series known: declared only; events taken and the device sends events;
     * a rule of the kind that takes events only and matches it). */
    int evk = k->kind->on_event != NULL;
    for (size_t i = 0; i < e->ndevs; i++) {
        vg_engine__dev_t *d = e->devs[i];
        if (d->kp_mark == g || d->vendor_tag >= e->nvendors)
            continue;
        int able = d->nstreams == 0 || (evk && d->events);
        for (size_t r = 0; r < e->rules->nrules && !able && evk; r++) {
            const vg_rule_t *rule = &e->rules->rules[r];
            able = rule->ops == k->kind && !rule->npaths && d->rule_ok[r];
        }
        if (!able)
            continue;
        d->kp_mark = g;
        k->n[d->vendor_tag]++;
        k->total++;
    }
    k->ninsts = e->ninsts;
    k->ndevs = e->ndevs;
    k->epoch = e->kp_epoch;
}

const vg_engine__kp_t *
vg_engine__kind_peers (vg_engine_t *e, const vg_detector_ops_t *kind)
{
    if (!kind)
        return NULL;
    vg_engine__kp_t *k = NULL;
    for (size_t i = 0; i < VG_ENGINE__KP && !k; i++)
        if (e->kp[i].kind == kind)
            k = &e->kp[i];
    if (!k) {
        k = &e->kp[e->kp_next];
        e->kp_next = (e->kp_next + 1) % VG_ENGINE__KP;
        k->kind = kind;
        k->ninsts = SIZE_MAX; /* not counted yet */
    }
    if (k->cap < e->nvendors && vg_array_reserve ((void **) &k->n, &k->cap, e->nvendors, sizeof *k->n) < 0) {
        k->kind = NULL;
        return NULL; /* the caller counts the whole fleet */
    }
    if (k->ninsts != e->ninsts || k->ndevs != e->ndevs || k->epoch != e->kp_epoch || k->nvendors != e->nvendors) {
        k->nvendors = e->nvendors;
        s_scan (e, k);
    }
    return k;
}

void
vg_engine__kind_peers_free (vg_engine_t *e)
{
    for (size_t i = 0; i < VG_ENGINE__KP; i++)
        free (e->kp[i].n);
}
