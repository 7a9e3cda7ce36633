/* hindex.h - an intrusive chained hash index: an object embeds a vg_hlink_t (its 64-bit hash
 * and the chain link) as its FIRST member and is found by hash; the caller compares keys.
 * The engine indexes its detector instances and its episodes this way.
 *
 * Invariant: the bucket count is 0 or a power of two >= the number of linked objects (it
 * doubles from 256); every chain lists its objects newest first, across growth too.  The
 * index owns only its bucket array, never the objects.  No global state; not thread-safe. */
#ifndef VG_HINDEX_H
#define VG_HINDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct vg_hlink {
    struct vg_hlink *next;
    uint64_t h;            /* set by the caller before vg_hindex_add, unchanged while linked */
} vg_hlink_t;

typedef struct {
    vg_hlink_t **b;
    size_t cap;            /* buckets: 0 or a power of two */
    size_t n;              /* linked objects */
} vg_hindex_t;

/* Link l at the head of its chain, growing the buckets first if needed.  Returns 0, or
 * -VG_ENOMEM with nothing changed. */
int vg_hindex_add (vg_hindex_t *ix, vg_hlink_t *l);
/* Unlink l, which must be linked in ix. */
void vg_hindex_del (vg_hindex_t *ix, vg_hlink_t *l);
/* The chain that holds every link with hash h (and others: compare ->h and the key), newest
 * first; NULL when empty.  Walk it with ->next. */
vg_hlink_t *vg_hindex_chain (const vg_hindex_t *ix, uint64_t h);
/* Free the buckets (not the objects) and zero ix; NULL-safe. */
void vg_hindex_free (vg_hindex_t *ix);

#endif
