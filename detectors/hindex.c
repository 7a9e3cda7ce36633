/* hindex.c - intrusive chained hash index (see hindex.h).  Growth splits each bucket in two
 * in place order, so a chain stays newest first without walking the objects' own lists. */
#include "detectors/hindex.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

static int
s_grow (vg_hindex_t *ix)
{
    size_t nc = ix->cap ? ix->cap * 2 : 256;
    vg_hlink_t **nb = calloc (nc, sizeof *nb);
    if (!nb)
        return -VG_ENOMEM;
    /* Old bucket i splits into new buckets i and i + cap (the hash bit `cap` decides);
     * appending at each tail keeps the chain's order. */
    for (size_t i = 0; i < ix->cap; i++) {
        vg_hlink_t **tail[2] = { &nb[i], &nb[i + ix->cap] };
        vg_hlink_t *next;
        for (vg_hlink_t *l = ix->b[i]; l; l = next) {
            next = l->next;
            int hi = (l->h & ix->cap) != 0;
            l->next = NULL;
            *tail[hi] = l;
            tail[hi] = &l->next;
        }
    }
    free (ix->b);
    ix->b = nb;
    ix->cap = nc;
    return 0;
}

int
vg_hindex_add (vg_hindex_t *ix, vg_hlink_t *l)
{
    if (ix->n + 1 > ix->cap && s_grow (ix) < 0)
        return -VG_ENOMEM;
    vg_hlink_t **head = &ix->b[l->h & (ix->cap - 1)];
    l->next = *head;
    *head = l;
    ix->n++;
    return 0;
}

void
vg_hindex_del (vg_hindex_t *ix, vg_hlink_t *l)
{
    assert (ix->cap);
    vg_hlink_t **pp = &ix->b[l->h & (ix->cap - 1)];
    while (*pp != l) {
        assert (*pp); /* l is not linked here: a programming error */
        pp = &(*pp)->next;
    }
    *pp = l->next;
    l->next = NULL;
    ix->n--;
}

vg_hlink_t *
vg_hindex_chain (const vg_hindex_t *ix, uint64_t h)
{
    return ix->cap ? ix->b[h & (ix->cap - 1)] : NULL;
}

void
vg_hindex_free (vg_hindex_t *ix)
{
    if (!ix)
        return;
    free (ix->b);
    memset (ix, 0, sizeof *ix);
}
