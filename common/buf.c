/* buf.c - growable byte buffer. */
#include "common/buf.h"
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
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

int
vg_buf_printf (vg_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (NULL, 0, fmt, ap);
    va_end (ap);
    if (n < 0)
        return -VG_EINVAL;
    int rc = vg_buf_reserve (b, (size_t) n + 1); /* vsnprintf writes the NUL too */
    if (rc < 0)
        return rc;
    va_start (ap, fmt);
    vsnprintf ((char *) b->data + b->len, (size_t) n + 1, fmt, ap);
    va_end (ap);
    b->len += (size_t) n;
    return 0;
}

int
vg_mem_contains (const void *hay, size_t n, const char *needle)
{
    size_t m = strlen (needle);
    if (!m)
        return 1;
    for (const uint8_t *p = hay, *end = p + n; (size_t) (end - p) >= m; p++) {
        p = memchr (p, (unsigned char) needle[0], (size_t) (end - p) - m + 1);
        if (!p)
            return 0;
        if (!memcmp (p, needle, m))
            return 1;
    }
    return 0;
}
