/* u64map.c - linear-probing uint64 -> uint32 map. */
#include "common/u64map.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/hash.h"

static size_t
s_slot (uint64_t key, size_t cap)
{
    return (size_t) (vg_hash_mix64 (key) & (cap - 1));
}

int
vg_u64map_get (const vg_u64map_t *m, uint64_t key, uint32_t *val)
{
    if (m->cap == 0 || key == 0)
        return 0;
    for (size_t i = s_slot (key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key) {
            *val = m->vals[i];
            return 1;
        }
        if (m->keys[i] == 0)
            return 0;
    }
}

static int
s_grow (vg_u64map_t *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    uint64_t *nk = calloc (ncap, sizeof *nk);
    uint32_t *nv = malloc (ncap * sizeof *nv);
    if (!nk || !nv) {
        free (nk);
        free (nv);
        return -VG_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = s_slot (m->keys[i], ncap);
        while (nk[j])
            j = (j + 1) & (ncap - 1);
        nk[j] = m->keys[i];
        nv[j] = m->vals[i];
    }
    free (m->keys);
    free (m->vals);
    m->keys = nk;
    m->vals = nv;
    m->cap = ncap;
    return 0;
}

int
vg_u64map_put (vg_u64map_t *m, uint64_t key, uint32_t val)
{
    if (key == 0)
        return -VG_EINVAL;
    if ((m->count + 1) * 2 > m->cap) {
        int rc = s_grow (m);
        if (rc < 0)
            return rc;
    }
    size_t i = s_slot (key, m->cap);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->count++;
    }
    m->vals[i] = val;
    return 0;
}

void
vg_u64map_clear (vg_u64map_t *m)
{
    if (m->cap)
        memset (m->keys, 0, m->cap * sizeof *m->keys);
    m->count = 0;
}

void
vg_u64map_free (vg_u64map_t *m)
{
    if (!m)
        return;
    free (m->keys);
    free (m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->count = 0;
}
