/* fleet_scope.h - the collector's saved device inventory, and the devices of a fleet scope
 * (a vendor or a site), for the investigation commands: vigil replay selects devices by
 * vendor and site with it, and vigil export / timeline take a fleet finding's replay
 * pointer (scope=vendor|site, common/pointer.h) as "the devices of that vendor / site".
 *
 * A device's vendor and site are the inventory's (saved with the detector state); a device
 * the inventory lacks has the vendor stored with its series and, as site, the part of its
 * id before the first '/' ("site001/gnb1" -> "site001"). */
#ifndef VG_FLEET_SCOPE_H
#define VG_FLEET_SCOPE_H

#include <stddef.h>

#include "common/buf.h"
#include "proto/vigil.pb-c.h"
#include "store/store.h"

/* Called once per inventory device; non-zero stops with that value. */
typedef int (*vg_inventory_fn) (void *ctx, const Vigil__Device *d);

/* Read the inventory a collector saved in view v (its small `inventory` record, else the
 * whole detector state), calling fn per device; scratch holds the packed record.  Returns 0
 * (also when the store has none), 1 when the record does not unpack (counted by the caller
 * as corrupt), fn's non-zero value, or a store error. */
int vg_inventory_read (vg_store_view_t *v, vg_buf_t *scratch, vg_inventory_fn fn, void *ctx);

/* The site of device id: site when set, else id up to its first '/', into out (always
 * terminated).  Returns out. */
const char *vg_device_site (const char *id, const char *site, char *out, size_t size);

/* The devices of a fleet scope, sorted and unique. */
typedef struct {
    char **ids;
    size_t n, cap;
} vg_scope_devices_t;

/* Every device with a stored series in view v whose vendor (scope "vendor") or site (scope
 * "site") equals key, into out (empty first; free with vg_scope_devices_free).  Returns 0,
 * -VG_EINVAL for another scope, -VG_ENOMEM or a store error. */
int vg_scope_devices (vg_store_view_t *v, const char *scope, const char *key, vg_scope_devices_t *out);

/* Whether id is one of d's devices (binary search). */
int vg_scope_devices_has (const vg_scope_devices_t *d, const char *id);

/* Free d's ids and reset it; NULL-safe. */
void vg_scope_devices_free (vg_scope_devices_t *d);

#endif
