/* engine_device.c - the engine's device table: records found by id (hash index), created or
 * refreshed from the inventory, each with its vendor's tag.
 *
 * Invariant: devices are kept in creation order (the hash only indexes them), so iteration
 * is deterministic. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/err.h"
#include "common/hash.h"
#include "detectors/engine.h"
#include "detectors/engine_int.h"

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
    e->vendors[e->nvendors] = vg_engine__dup (vendor);
    if (!e->vendors[e->nvendors])
        return UINT32_MAX;
    e->vendor_n[e->nvendors] = 0;
    return (uint32_t) e->nvendors++;
}

vg_engine__dev_t *
vg_engine__dev_find (const vg_engine_t *e, const char *id)
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

void
vg_engine__dev_free (vg_engine__dev_t *d)
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
s_dev_view (vg_engine__dev_t *d)
{
    d->view.id = d->id;
    d->view.vendor = d->vendor;
    d->view.model = d->model;
    d->view.role = d->role;
    d->view.site = d->site;
    d->view.sw_version = d->sw;
}

static int
s_dev_set (vg_engine_t *e, vg_engine__dev_t *d, const vg_device_t *in)
{
    const char *src[5] = { in->vendor, in->model, in->role, in->site, in->sw_version };
    char **dst[5] = { &d->vendor, &d->model, &d->role, &d->site, &d->sw };
    int changed = 0;
    for (int i = 0; i < 5; i++) {
        const char *s = src[i] ? src[i] : "";
        /* Known and unchanged, or not carried by this message (empty): keep it.  Sources
         * that know less (UDP-notif without its vendor module) must not erase what others
         * said, or the device leaves its vendor's fleet. */
        if (*dst[i] && (!s[0] || !strcmp (*dst[i], s)))
            continue;
        char *n = vg_engine__dup (s);
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
    if (d->vendor_tag != UINT32_MAX && d->vendor_tag < e->nvendors) {
        e->vendor_n[d->vendor_tag]--;
        e->kp_epoch++;
    }
    d->vendor_tag = tag;
    e->vendor_n[tag]++;
    for (size_t r = 0; r < e->rules->nrules; r++)
        d->rule_ok[r] = (uint8_t) vg_dev_match (&e->rules->rules[r].dev, &d->view);
    return 0;
}

/* Find or create a device record; refresh its inventory when given. */
vg_engine__dev_t *
vg_engine__dev_get (vg_engine_t *e, const vg_device_t *in)
{
    if (!in || !in->id || !in->id[0] || strlen (in->id) >= VG_MAX_ID_LEN)
        return NULL;
    vg_engine__dev_t *d = vg_engine__dev_find (e, in->id);
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
        vg_engine__dev_t **nd = realloc (e->devs, nc * sizeof *nd);
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
    d->id = vg_engine__dup (in->id);
    d->by_rule = calloc (nr, sizeof *d->by_rule);
    d->rule_ok = calloc (nr, 1);
    if (!d->id || !d->by_rule || !d->rule_ok || s_dev_set (e, d, in)) {
        if (d->vendor_tag != UINT32_MAX)
            e->vendor_n[d->vendor_tag]--;
        vg_engine__dev_free (d);
        return NULL;
    }
    e->devs[e->ndevs] = d;
    if (s_dev_hash_insert (e, e->ndevs)) {
        e->vendor_n[d->vendor_tag]--;
        vg_engine__dev_free (d);
        return NULL;
    }
    e->ndevs++;
    e->st.devices = e->ndevs;
    return d;
}

int
vg_engine_device (vg_engine_t *e, const vg_device_t *dev)
{
    return vg_engine__dev_get (e, dev) ? 0 : -VG_EINVAL;
}
