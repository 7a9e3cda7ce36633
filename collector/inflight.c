/* inflight.c - slot table and id hash of the alerter's records in flight (see inflight.h).
 * Invariant: a slot is taken exactly when its id is non-zero and the hash holds it. */
#include "collector/inflight.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

struct vg_inflight {
    vg_inflight_rec_t *slots;
    size_t max, count;
    int32_t free_head;
    uint32_t *hidx; /* slot + 1, 0 = empty */
    size_t hmask;
};

static size_t
s_home (const vg_inflight_t *t, uint64_t id)
{
    return (size_t) vg_hash_mix64 (id) & t->hmask;
}

static int32_t
s_find (const vg_inflight_t *t, uint64_t id)
{
    for (size_t i = s_home (t, id);; i = (i + 1) & t->hmask) {
        uint32_t v = t->hidx[i];
        if (!v)
            return -1;
        if (t->slots[v - 1].id == id)
            return (int32_t) (v - 1);
    }
}

static void
s_hash_put (vg_inflight_t *t, uint64_t id, int32_t slot)
{
    size_t i = s_home (t, id);
    while (t->hidx[i])
        i = (i + 1) & t->hmask;
    t->hidx[i] = (uint32_t) slot + 1;
}

/* Linear-probing delete with backward shift (no tombstones). */
static void
s_hash_del (vg_inflight_t *t, uint64_t id)
{
    size_t i = s_home (t, id);
    while (t->hidx[i] && t->slots[t->hidx[i] - 1].id != id)
        i = (i + 1) & t->hmask;
    if (!t->hidx[i])
        return;
    size_t j = i;
    for (;;) {
        j = (j + 1) & t->hmask;
        if (!t->hidx[j])
            break;
        size_t k = s_home (t, t->slots[t->hidx[j] - 1].id);
        int move = i <= j ? (k <= i || k > j) : (k <= i && k > j);
        if (move) {
            t->hidx[i] = t->hidx[j];
            i = j;
        }
    }
    t->hidx[i] = 0;
}

vg_inflight_t *
vg_inflight_new (size_t max)
{
    vg_inflight_t *t = calloc (1, sizeof *t);
    if (!t)
        return NULL;
    size_t hcap = 1;
    while (hcap < 2 * max)
        hcap <<= 1;
    t->max = max;
    t->hmask = hcap - 1;
    t->slots = calloc (max, sizeof *t->slots);
    t->hidx = calloc (hcap, sizeof *t->hidx);
    if (!t->slots || !t->hidx) {
        vg_inflight_destroy (&t);
        return NULL;
    }
    vg_inflight_reset (t);
    return t;
}

void
vg_inflight_destroy (vg_inflight_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->slots);
    free ((*self_p)->hidx);
    free (*self_p);
    *self_p = NULL;
}

int32_t
vg_inflight_take (vg_inflight_t *t, uint64_t id, int64_t t0_ns, size_t bytes, bool resent)
{
    int32_t s = t->free_head;
    if (s < 0)
        return -1;
    t->free_head = t->slots[s].next_free;
    t->slots[s] = (vg_inflight_rec_t){ id, t0_ns, (uint32_t) bytes, resent, -1 };
    s_hash_put (t, id, s);
    t->count++;
    return s;
}

void
vg_inflight_free (vg_inflight_t *t, int32_t s)
{
    s_hash_del (t, t->slots[s].id);
    t->slots[s].id = 0;
    t->slots[s].next_free = t->free_head;
    t->free_head = s;
    t->count--;
}

bool
vg_inflight_release (vg_inflight_t *t, int32_t s, vg_inflight_rec_t *out)
{
    if (s < 0 || (size_t) s >= t->max || !t->slots[s].id)
        return false;
    *out = t->slots[s];
    vg_inflight_free (t, s);
    return true;
}

bool
vg_inflight_has (const vg_inflight_t *t, uint64_t id)
{
    return s_find (t, id) >= 0;
}

void
vg_inflight_reset (vg_inflight_t *t)
{
    for (size_t i = 0; i < t->max; i++) {
        t->slots[i].id = 0;
        t->slots[i].next_free = i + 1 < t->max ? (int32_t) (i + 1) : -1;
    }
    memset (t->hidx, 0, (t->hmask + 1) * sizeof *t->hidx);
    t->free_head = 0;
    t->count = 0;
}

size_t
vg_inflight_count (const vg_inflight_t *t)
{
    return t->count;
}

size_t
vg_inflight_max (const vg_inflight_t *t)
{
    return t->max;
}
