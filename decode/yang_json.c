/* yang_json.c - the YANG-JSON walker and number parser (see yang_json.h).
 *
 * Invariant: the path buffer always holds w->plen characters and a NUL; each member is
 * appended before its subtree is walked and cut off afterwards. */
#include "decode/yang_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

int
vg_yang_number (const char *s, size_t len, int grammar, double *v)
{
    const char *p = s, *end = s + len;
    int lenient = grammar == VG_YANG_NUM_LENIENT;
    if (lenient && (len == 0 || len >= 64))
        return 0;
    if (p < end && (*p == '-' || (lenient && *p == '+')))
        p++;
    if (!lenient && (p == end || *p < '0' || *p > '9'))
        return 0;
    int digits = 0, all = 0, exact = 1;
    uint64_t u = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (u > (UINT64_MAX - 9) / 10)
            exact = 0;
        else
            u = u * 10 + (uint64_t) (*p - '0');
        p++;
        digits++;
    }
    all = digits;
    if (p < end && *p == '.') {
        p++;
        if (!lenient && (p == end || *p < '0' || *p > '9'))
            return 0;
        while (p < end && *p >= '0' && *p <= '9') {
            p++;
            all++;
        }
        exact = 0;
    }
    if (p != end || all == 0 || (!lenient && digits > 40))
        return 0;
    if (exact) {
        *v = s[0] == '-' ? -(double) u : (double) u;
        return 1;
    }
    char tmp[64];
    if (len < sizeof tmp) {
        memcpy (tmp, s, len);
        tmp[len] = '\0';
        *v = strtod (tmp, NULL);
        return 1;
    }
    if (s[len] != '\0')
        return 0;
    *v = strtod (s, NULL);
    return 1;
}

/* Append member name to the path; returns the old length, or -1 if it does not fit. */
static int
s_push (vg_yang_walk_t *w, const char *name, size_t *saved)
{
    size_t n = strlen (name), np = w->plen;
    *saved = w->plen;
    if (w->flags & VG_YANG_WALK_SQUASH_SLASH) {
        if (np + 1 + n + 1 > sizeof w->path)
            return -1;
        if (np > 0 && w->path[np - 1] != '/')
            w->path[np++] = '/';
    } else {
        if (np + (np ? 1 : 0) + n >= sizeof w->path)
            return -1;
        if (np)
            w->path[np++] = '/';
    }
    memcpy (w->path + np, name, n);
    w->plen = np + n;
    w->path[w->plen] = '\0';
    return 0;
}

static void
s_pop (vg_yang_walk_t *w, size_t saved)
{
    w->plen = saved;
    w->path[saved] = '\0';
}

/* A list element's position for enter: index when the array is positional, else -1. */
typedef struct {
    const char *list; /* the array's member name when the node is one of its elements, else NULL */
    long index;
} s_elem_t;

static const s_elem_t s_not_elem = { NULL, -1 };

static int s_node (vg_yang_walk_t *w, const char *name, const json_t *v, int depth, s_elem_t el);

static int
s_object (vg_yang_walk_t *w, s_elem_t el, const json_t *obj, int depth)
{
    const char *skip = NULL;
    vg_yang_mark_t mark = { 0, 0, NULL };
    w->index = el.index;
    int rc = w->enter ? w->enter (w, el.list, obj, &skip, &mark) : 0;
    if (rc)
        return rc > 0 ? 0 : rc;
    const char *k;
    json_t *v;
    json_object_foreach ((json_t *) obj, k, v) {
        if ((skip && strcmp (k, skip) == 0) || (w->skip_member && w->skip_member (w, k, v)))
            continue;
        size_t saved;
        if (s_push (w, k, &saved) < 0) {
            if (w->flags & VG_YANG_WALK_PATH_FATAL) {
                rc = -VG_ETOOBIG;
                break;
            }
            w->overflow++;
            continue;
        }
        rc = s_node (w, k, v, depth + 1, s_not_elem);
        s_pop (w, saved);
        if (rc)
            break;
    }
    if (w->leave)
        w->leave (w, &mark);
    return rc;
}

static int
s_node (vg_yang_walk_t *w, const char *name, const json_t *v, int depth, s_elem_t el)
{
    if (depth > w->max_depth)
        return -VG_ETOOBIG;
    if (json_is_object (v))
        return s_object (w, el, v, depth);
    if (!json_is_array (v))
        return w->leaf (w, name, v);
    int positional = w->positional ? w->positional (w, name, v) : 0;
    size_t i, plen = w->plen;
    json_t *e;
    json_array_foreach ((json_t *) v, i, e) {
        int rc;
        s_elem_t me = { name, positional ? (long) i : -1 };
        if (w->flags & VG_YANG_WALK_ALL_ELEMENTS)
            rc = s_node (w, name, e, depth + 1, me);
        else if (json_is_object (e))
            rc = s_object (w, me, e, depth);
        else
            continue;   /* leaf-list: values of one series would collide, skip */
        s_pop (w, plen);
        if (rc)
            return rc;
    }
    return 0;
}

int
vg_yang_walk (vg_yang_walk_t *w, const json_t *node)
{
    size_t plen = w->plen;
    int rc = s_node (w, NULL, node, 0, s_not_elem);
    s_pop (w, plen);
    return rc;
}
