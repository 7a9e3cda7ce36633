/* buf.c - growable byte buffer. */
#include "common/buf.h"
#include "common/err.h"

#include <stdlib.h>
#include <string.h>

int
vg_buf_reserve (vg_buf_t *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return 0;
    size_t need = b->len + extra;
    if (need < b->len)
        return -VG_ENOMEM;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return -VG_ENOMEM;
        cap *= 2;
    }
    uint8_t *p = realloc (b->data, cap);
    if (!p)
        return -VG_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int
vg_buf_append (vg_buf_t *b, const void *data, size_t n)
{
    int rc = vg_buf_reserve (b, n);
    if (rc < 0)
        return rc;
    if (n)
        memcpy (b->data + b->len, data, n);
    b->len += n;
    return 0;
}

void
vg_buf_free (vg_buf_t *b)
{
    if (!b)
        return;
    free (b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
