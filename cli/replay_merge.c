/* replay_merge.c - k-way merge of time-sorted runs (see replay_merge.h): a binary min-heap of
 * run cursors keyed by (next timestamp, run number).
 *
 * Invariant: heap[0 .. nheap) holds exactly the runs with samples left, each once. */
#include "cli/replay_merge.h"

#include <stdlib.h>

#include "common/array.h"
#include "common/err.h"

typedef struct {
    size_t off, n, pos;
} s_run_t;

struct vg_replay_merge {
    s_run_t *runs;
    size_t nruns, capruns;
    uint32_t *heap;
    size_t nheap, capheap;
    const int64_t *ts;
};

vg_replay_merge_t *
vg_replay_merge_new (void)
{
    return calloc (1, sizeof (vg_replay_merge_t));
}

void
vg_replay_merge_destroy (vg_replay_merge_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->runs);
    free ((*self_p)->heap);
    free (*self_p);
    *self_p = NULL;
}

void
vg_replay_merge_reset (vg_replay_merge_t *m)
{
    m->nruns = m->nheap = 0;
    m->ts = NULL;
}

int
vg_replay_merge_add (vg_replay_merge_t *m, size_t off, size_t n)
{
    if (vg_array_reserve ((void **) &m->runs, &m->capruns, m->nruns + 1, sizeof *m->runs) < 0 ||
        vg_array_reserve ((void **) &m->heap, &m->capheap, m->nruns + 1, sizeof *m->heap) < 0)
        return -VG_ENOMEM;
    m->runs[m->nruns++] = (s_run_t) { off, n, 0 };
    return 0;
}

size_t
vg_replay_merge_runs (const vg_replay_merge_t *m)
{
    return m->nruns;
}

/* Run a sorts before run b: earlier next timestamp, or the same and added first. */
static inline int
s_less (const vg_replay_merge_t *m, uint32_t a, uint32_t b)
{
    const s_run_t *x = &m->runs[a], *y = &m->runs[b];
    int64_t tx = m->ts[x->off + x->pos], ty = m->ts[y->off + y->pos];
    return tx < ty || (tx == ty && a < b);
}

static void
s_sift_down (vg_replay_merge_t *m, size_t i)
{
    uint32_t *h = m->heap;
    size_t n = m->nheap;
    for (;;) {
        size_t l = 2 * i + 1, best = i;
        if (l < n && s_less (m, h[l], h[best]))
            best = l;
        if (l + 1 < n && s_less (m, h[l + 1], h[best]))
            best = l + 1;
        if (best == i)
            return;
        uint32_t t = h[i];
        h[i] = h[best];
        h[best] = t;
        i = best;
    }
}

void
vg_replay_merge_start (vg_replay_merge_t *m, const int64_t *ts)
{
    m->ts = ts;
    m->nheap = 0;
    for (size_t i = 0; i < m->nruns; i++) {
        m->runs[i].pos = 0;
        if (m->runs[i].n)
            m->heap[m->nheap++] = (uint32_t) i;
    }
    for (size_t i = m->nheap / 2; i-- > 0;)
        s_sift_down (m, i);
}

int
vg_replay_merge_next (vg_replay_merge_t *m, size_t *idx, uint32_t *run)
{
    if (!m->nheap)
        return 0;
    uint32_t r = m->heap[0];
    s_run_t *x = &m->runs[r];
    *idx = x->off + x->pos;
    *run = r;
    if (++x->pos == x->n)
        m->heap[0] = m->heap[--m->nheap];
    s_sift_down (m, 0);
    return 1;
}

int64_t
vg_replay_merge_peek (const vg_replay_merge_t *m)
{
    if (!m->nheap)
        return INT64_MAX;
    const s_run_t *x = &m->runs[m->heap[0]];
    return m->ts[x->off + x->pos];
}
