/* fleet_scope.c - the saved device inventory and the devices of a vendor or site (see
 * fleet_scope.h).
 *
 * Invariant: a scope's device list is sorted by id with no duplicates, so membership is a
 * binary search; the inventory is read once per call, never kept. */
#include "cli/fleet_scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/err.h"
#include "store/series_meta.h"

/* The collector's detector state records (collector/detect_stage.c): the inventory alone,
 * else the whole state (megabytes: the engine's blob; stores saved before the inventory
 * record existed). */
#define S_INVENTORY_KEY "inventory"
#define S_DETSTATE_KEY "engine"

int
vg_inventory_read (vg_store_view_t *v, vg_buf_t *scratch, vg_inventory_fn fn, void *ctx)
{
    int rc = vg_store_view_get (v, VG_CF_DETSTATE, S_INVENTORY_KEY, strlen (S_INVENTORY_KEY), scratch);
    if (rc == -VG_ENOTFOUND)
        rc = vg_store_view_get (v, VG_CF_DETSTATE, S_DETSTATE_KEY, strlen (S_DETSTATE_KEY), scratch);
    if (rc == -VG_ENOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    Vigil__DetectState *ds = vigil__detect_state__unpack (NULL, scratch->len, scratch->data);
    if (!ds)
        return 1;
    for (size_t i = 0; i < ds->n_devices && rc == 0; i++)
        rc = ds->devices[i]->id ? fn (ctx, ds->devices[i]) : 0;
    vigil__detect_state__free_unpacked (ds, NULL);
    return rc;
}

const char *
vg_device_site (const char *id, const char *site, char *out, size_t size)
{
    if (site && site[0])
        snprintf (out, size, "%s", site);
    else {
        snprintf (out, size, "%s", id ? id : "");
        out[strcspn (out, "/")] = '\0';
    }
    return out;
}

static int
s_cmp (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
s_add (vg_scope_devices_t *d, const char *id)
{
    if (vg_array_reserve ((void **) &d->ids, &d->cap, d->n + 1, sizeof *d->ids) < 0)
        return -VG_ENOMEM;
    if (!(d->ids[d->n] = strdup (id)))
        return -VG_ENOMEM;
    d->n++;
    return 0;
}

/* Sort and drop duplicates. */
static void
s_unique (vg_scope_devices_t *d)
{
    if (!d->n)
        return;
    qsort (d->ids, d->n, sizeof *d->ids, s_cmp);
    size_t o = 1;
    for (size_t i = 1; i < d->n; i++) {
        if (strcmp (d->ids[i], d->ids[o - 1]))
            d->ids[o++] = d->ids[i];
        else
            free (d->ids[i]);
    }
    d->n = o;
}

typedef struct {
    const char *scope, *key;
    vg_scope_devices_t in, out; /* in: inventory devices of the scope; out: the result */
    vg_scope_devices_t known;   /* every inventory device (its vendor/site decide, not the series') */
} s_scan_t;

static int
s_inv (void *ctx, const Vigil__Device *d)
{
    s_scan_t *sc = ctx;
    char site[256];
    const char *v = !strcmp (sc->scope, "vendor") ? (d->vendor ? d->vendor : "")
                                                  : vg_device_site (d->id, d->site, site, sizeof site);
    int rc = s_add (&sc->known, d->id);
    return rc ? rc : strcmp (v, sc->key) ? 0 : s_add (&sc->in, d->id);
}

static int
s_series (void *ctx, const uint8_t *k, size_t kl, const uint8_t *val, size_t vl)
{
    s_scan_t *sc = ctx;
    Vigil__SeriesMeta *m = vigil__series_meta__unpack (NULL, vl, val);
    if (!m)
        return 0;
    int rc = 0;
    if (m->device) {
        int in;
        if (vg_scope_devices_has (&sc->known, m->device))
            in = vg_scope_devices_has (&sc->in, m->device);
        else {
            char site[256];
            const char *v = !strcmp (sc->scope, "vendor") ? (m->vendor ? m->vendor : "")
                                                          : vg_device_site (m->device, NULL, site, sizeof site);
            in = !strcmp (v, sc->key);
        }
        if (in && !vg_scope_devices_has (&sc->out, m->device)) {
            rc = s_add (&sc->out, m->device);
            s_unique (&sc->out); /* few devices per scope: keep it searchable */
        }
    }
    vigil__series_meta__free_unpacked (m, NULL);
    return rc;
}

int
vg_scope_devices (vg_store_view_t *v, const char *scope, const char *key, vg_scope_devices_t *out)
{
    memset (out, 0, sizeof *out);
    if (!scope || (strcmp (scope, "vendor") && strcmp (scope, "site")))
        return -VG_EINVAL;
    s_scan_t sc = { .scope = scope, .key = key };
    vg_buf_t scratch = VG_BUF_INIT;
    int rc = vg_inventory_read (v, &scratch, s_inv, &sc);
    vg_buf_free (&scratch);
    if (rc > 0)
        rc = 0; /* an unreadable inventory: the series alone decide */
    s_unique (&sc.known);
    s_unique (&sc.in);
    if (rc == 0)
        rc = vg_store_view_scan (v, VG_CF_SERIES, NULL, 0, NULL, 0, s_series, &sc);
    vg_scope_devices_free (&sc.in);
    vg_scope_devices_free (&sc.known);
    if (rc < 0) {
        vg_scope_devices_free (&sc.out);
        return rc;
    }
    *out = sc.out;
    return 0;
}

int
vg_scope_devices_has (const vg_scope_devices_t *d, const char *id)
{
    return d->n && bsearch (&id, d->ids, d->n, sizeof *d->ids, s_cmp) != NULL;
}

void
vg_scope_devices_free (vg_scope_devices_t *d)
{
    for (size_t i = 0; d && i < d->n; i++)
        free (d->ids[i]);
    if (d) {
        free (d->ids);
        memset (d, 0, sizeof *d);
    }
}
