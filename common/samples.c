/* samples.c - growable (timestamp, value) arrays. */
#include "common/samples.h"

#include <stdlib.h>

#include "common/err.h"

int
vg_samples_reserve (vg_samples_t *s, size_t n)
{
    if (n <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 1024;
    while (cap < n) {
        if (cap > SIZE_MAX / 2 / sizeof (int64_t))
            return -VG_ENOMEM;
        cap *= 2;
    }
    int64_t *ts = realloc (s->ts, cap * sizeof *ts);
    if (!ts)
        return -VG_ENOMEM;
    s->ts = ts;
    double *v = realloc (s->v, cap * sizeof *v);
    if (!v)
        return -VG_ENOMEM;
    s->v = v;
    vg_num_t *num = realloc (s->num, cap * sizeof *num);
    if (!num)
        return -VG_ENOMEM;
    s->num = num;
    s->cap = cap;
    return 0;
}

void
vg_samples_free (vg_samples_t *s)
{
    if (!s)
        return;
    free (s->ts);
    free (s->v);
    free (s->num);
    s->ts = NULL;
    s->v = NULL;
    s->num = NULL;
    s->cap = 0;
}
