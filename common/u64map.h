/* u64map.h - open-addressing hash map from non-zero uint64 keys to uint32 values.
 *
 * For series ids and similar pre-hashed keys (the key itself is mixed, not rehashed per
 * probe).  Linear probing, load factor <= 0.5, grows by doubling; no deletion (tables are
 * rebuilt instead).  Key 0 is reserved for empty slots. */
#ifndef VG_U64MAP_H
#define VG_U64MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t *keys;
    uint32_t *vals;
    size_t cap;   /* power of two, or 0 */
    size_t count;
} vg_u64map_t;

#define VG_U64MAP_INIT { NULL, NULL, 0, 0 }

/* Look up key; returns 1 and sets *val if present, else 0. */
int vg_u64map_get (const vg_u64map_t *m, uint64_t key, uint32_t *val);
/* Insert or overwrite. Returns 0 or -VG_ENOMEM; key must be non-zero (-VG_EINVAL). */
int vg_u64map_put (vg_u64map_t *m, uint64_t key, uint32_t val);
/* Remove everything, keep memory. */
void vg_u64map_clear (vg_u64map_t *m);
/* Free memory. NULL-safe. */
void vg_u64map_free (vg_u64map_t *m);

#endif
