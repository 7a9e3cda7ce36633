/* replay_merge.c - k-way merge of time-sorted runs (see replay_merge.h), by time slices.
 *
 * A heap over 10,000 series costs a log-n sift per sample (a third of a whole-fleet replay's
 * time).  Instead the merge cuts data time into slices [lo, lo + width) sized to hold about
 * S_TARGET samples, copies each live run's part of the slice into one array in (run,
 * position) order and sorts that array stably by time with a least-significant-digit radix
 * sort on the offset from lo: stable, so ties keep (run, position) order, which is exactly
 * the order (time, run, position) the contract asks for.  Per sample: a copy and one or two
 * counting passes; per slice: one look at each live run.
 *
 * Invariant: live[0 .. nlive) holds, in run order, exactly the runs with samples left
 * after the current slice; items[at .. nitems) are the current slice's samples not yet
 * taken, in order; a slice holds at most S_MAX samples unless they share one millisecond. */
#include "cli/replay_merge.h"

#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/err.h"

#define S_TARGET 32768u   /* samples a slice is sized for */
#define S_MAX (4 * S_TARGET) /* a denser slice is cut in half (down to one millisecond) */
#define S_DIGIT 11        /* radix sort digit bits */
#define S_SMALL 32        /* slices up to this size are insertion-sorted */
#define S_WIDTH_MAX (UINT64_C (1) << 62)

typedef struct {
    size_t off, n, pos, end;  /* samples ts[off .. off+n); next unmerged pos; slice end */
} s_run_t;

typedef struct {
    uint64_t key;             /* ts - slice lo */
    double v;                 /* the sample's value (copied: feeding reads the slice in order,
                               * not the bucket's arrays at random) */
    uint32_t idx;             /* index into ts */
    uint32_t run;
} s_item_t;

struct vg_replay_merge {
    s_run_t *runs;
    size_t nruns, capruns;
    uint32_t *live;           /* runs with samples left after the current slice, in run order */
    size_t nlive, caplive;
    const int64_t *ts;
    const double *v;          /* NULL: values read as 0 */
    uint64_t width;           /* next slice's width in ms (>= 1) */
    int64_t lo;               /* the current slice's first millisecond */
    s_item_t *items, *tmp;    /* the current slice, sorted; radix scratch */
    size_t nitems, at, capitems, captmp;
    int err;                  /* a slice could not be built (-VG_ENOMEM) */
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
    vg_replay_merge_t *m = *self_p;
    free (m->runs);
    free (m->live);
    free (m->items);
    free (m->tmp);
    free (m);
    *self_p = NULL;
}

void
vg_replay_merge_reset (vg_replay_merge_t *m)
{
    m->nruns = m->nlive = m->nitems = m->at = 0;
    m->ts = NULL;
    m->err = 0;
}

int
vg_replay_merge_add (vg_replay_merge_t *m, size_t off, size_t n)
{
    if (m->nruns >= UINT32_MAX || off > UINT32_MAX || n > UINT32_MAX - off ||
        vg_array_reserve ((void **) &m->runs, &m->capruns, m->nruns + 1, sizeof *m->runs) < 0 ||
        vg_array_reserve ((void **) &m->live, &m->caplive, m->nruns + 1, sizeof *m->live) < 0)
        return -VG_ENOMEM;
    m->runs[m->nruns++] = (s_run_t) { off, n, 0, 0 };
    return 0;
}

size_t
vg_replay_merge_runs (const vg_replay_merge_t *m)
{
    return m->nruns;
}

/* Stable sort of a[0 .. n) by key (n small). */
static void
s_insertion_sort (s_item_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        s_item_t x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1].key > x.key) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Stable sort of the slice by key (every key < width): LSD radix, S_DIGIT bits a pass,
 * passes whose digit is the same for every item skipped.  The result is in m->items. */
static void
s_sort (vg_replay_merge_t *m, uint64_t width)
{
    size_t n = m->nitems;
    if (n <= S_SMALL) {
        s_insertion_sort (m->items, n);
        return;
    }
    unsigned bits = 0;
    for (uint64_t top = width - 1; top; top >>= 1)
        bits++;
    size_t count[1u << S_DIGIT];
    for (unsigned shift = 0; shift < bits; shift += S_DIGIT) {
        memset (count, 0, sizeof count);
        const s_item_t *a = m->items;
        for (size_t i = 0; i < n; i++)
            count[(a[i].key >> shift) & ((1u << S_DIGIT) - 1)]++;
        if (count[(a[0].key >> shift) & ((1u << S_DIGIT) - 1)] == n)
            continue; /* one digit value: this pass would not move anything */
        size_t sum = 0;
        for (size_t d = 0; d < (1u << S_DIGIT); d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        s_item_t *b = m->tmp;
        for (size_t i = 0; i < n; i++)
            b[count[(a[i].key >> shift) & ((1u << S_DIGIT) - 1)]++] = a[i];
        m->tmp = m->items;
        m->items = b;
        size_t c = m->captmp;
        m->captmp = m->capitems;
        m->capitems = c;
    }
}

/* The next slice: from the smallest next timestamp of the live runs, m->width wide (halved
 * while it would hold more than S_MAX samples, down to one millisecond).  Returns 0 or
 * -VG_ENOMEM. */
static int
s_next_slice (vg_replay_merge_t *m)
{
    m->nitems = m->at = 0;
    if (!m->nlive)
        return 0;
    const int64_t *ts = m->ts;
    int64_t lo = INT64_MAX;
    for (size_t k = 0; k < m->nlive; k++) {
        const s_run_t *x = &m->runs[m->live[k]];
        if (ts[x->off + x->pos] < lo)
            lo = ts[x->off + x->pos];
    }
    uint64_t width = m->width;
    size_t total;
    for (;;) {
        /* last: the slice's last millisecond, lo + width - 1 without overflow */
        int64_t last = (uint64_t) INT64_MAX - (uint64_t) lo < width - 1 ? INT64_MAX : (int64_t) ((uint64_t) lo + width - 1);
        total = 0;
        for (size_t k = 0; k < m->nlive && (total <= S_MAX || width == 1); k++) {
            s_run_t *x = &m->runs[m->live[k]];
            const int64_t *t = ts + x->off;
            size_t e = x->pos;
            while (e < x->n && t[e] <= last)
                e++;
            x->end = e;
            total += e - x->pos;
        }
        if (total <= S_MAX || width == 1)
            break;
        width /= 2;
    }
    if (vg_array_reserve ((void **) &m->items, &m->capitems, total, sizeof *m->items) < 0 ||
        vg_array_reserve ((void **) &m->tmp, &m->captmp, total, sizeof *m->tmp) < 0)
        return -VG_ENOMEM;
    size_t nlive = 0, k = 0;
    for (size_t j = 0; j < m->nlive; j++) {
        uint32_t r = m->live[j];
        s_run_t *x = &m->runs[r];
        const double *v = m->v ? m->v + x->off : NULL;
        for (size_t p = x->pos; p < x->end; p++)
            m->items[k++] = (s_item_t) { (uint64_t) ts[x->off + p] - (uint64_t) lo, v ? v[p] : 0.0,
                                         (uint32_t) (x->off + p), r };
        x->pos = x->end;
        if (x->pos < x->n)
            m->live[nlive++] = r;
    }
    m->nlive = nlive;
    m->nitems = total;
    m->lo = lo;
    s_sort (m, width);
    /* A sparse slice: the next one twice as wide (dense ones were halved above). */
    m->width = total < S_TARGET / 4 && width < S_WIDTH_MAX ? width * 2 : width;
    return 0;
}

int
vg_replay_merge_start (vg_replay_merge_t *m, const int64_t *ts, const double *v)
{
    m->ts = ts;
    m->v = v;
    m->nlive = 0;
    m->err = 0;
    size_t total = 0;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < m->nruns; i++) {
        s_run_t *x = &m->runs[i];
        x->pos = x->end = 0;
        if (!x->n)
            continue;
        m->live[m->nlive++] = (uint32_t) i;
        total += x->n;
        if (ts[x->off] < lo)
            lo = ts[x->off];
        if (ts[x->off + x->n - 1] > hi)
            hi = ts[x->off + x->n - 1];
    }
    /* The width that holds S_TARGET samples if they were spread evenly over the span. */
    double w = total ? ((double) ((uint64_t) hi - (uint64_t) lo) + 1.0) * S_TARGET / (double) total : 1.0;
    m->width = w < 1.0 ? 1 : w >= (double) S_WIDTH_MAX ? S_WIDTH_MAX : (uint64_t) w;
    int rc = s_next_slice (m);
    if (rc < 0) {
        m->nlive = m->nitems = 0;
        m->err = rc;
    }
    return rc;
}

int
vg_replay_merge_next (vg_replay_merge_t *m, vg_replay_sample_t *out)
{
    if (m->at == m->nitems)
        return m->err;
    const s_item_t *x = &m->items[m->at++];
    *out = (vg_replay_sample_t) { (int64_t) ((uint64_t) m->lo + x->key), x->v, x->idx, x->run };
    if (m->at == m->nitems) {
        int rc = s_next_slice (m);
        if (rc < 0) {
            m->nlive = m->nitems = m->at = 0;
            m->err = rc;
        }
    }
    return 1;
}

int64_t
vg_replay_merge_peek (const vg_replay_merge_t *m)
{
    if (m->at == m->nitems)
        return INT64_MAX;
    return (int64_t) ((uint64_t) m->lo + m->items[m->at].key);
}
