/* yang_json.h - one walker and one number parser for YANG data encoded as JSON (RFC 7951).
 *
 * Used by the UDP-notif YANG-push decoder (udp_notif.c: list entries keyed by a table,
 * labels sorted) and by the OpenConfig JSON flattener (oc_map.c vg_oc_json: key-like
 * members become labels), which differ only in their hooks and a few flags.  Invariant: the
 * walk is bounded (path buffer, max_depth), never allocates and never reads past a node;
 * the number parser reads exactly s[0..len). */
#ifndef VG_YANG_JSON_H
#define VG_YANG_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "common/model.h"

/* Number grammars for vg_yang_number. */
#define VG_YANG_NUM_STRICT 0  /* RFC 7951 decimal: -?D+(.D+)?, at most 40 integer digits */
#define VG_YANG_NUM_LENIENT 1 /* [+-]? digits with at most one '.' anywhere, at least one
                               * digit, shorter than 64 characters ("5.", ".5", "+1") */

/* Parse the whole of s[0..len) as a decimal number of the given grammar (no spaces,
 * exponent, hex, inf or nan).  Returns 1 and sets *v (integers up to 2^64 converted exactly,
 * others with strtod), or 0.  Text of 64 characters or more must be NUL-terminated at
 * s[len] to be converted (else 0). */
int vg_yang_number (const char *s, size_t len, int grammar, double *v);

/* Walk flags. */
#define VG_YANG_WALK_ALL_ELEMENTS 1 /* every array element is walked one level deeper (scalars
                                     * become leaves); default: only object elements, walked
                                     * as list entries at the array's depth */
#define VG_YANG_WALK_PATH_FATAL 2   /* a member whose path does not fit stops the walk with
                                     * -VG_ETOOBIG; default: it is skipped and counted */
#define VG_YANG_WALK_SQUASH_SLASH 4 /* no '/' is added after a path that ends with one, and the
                                     * bound counts a separator and the NUL always */

/* Saved by enter, handed back to leave (the hook's own meaning). */
typedef struct {
    size_t a, b;
    const void *p;
} vg_yang_mark_t;

typedef struct vg_yang_walk vg_yang_walk_t;

struct vg_yang_walk {
    char path[VG_MAX_PATH_LEN]; /* member names joined by '/'; set the base before walking */
    size_t plen;                /* strlen (path) */
    int max_depth;              /* a node deeper than this stops the walk with -VG_ETOOBIG */
    int flags;                  /* VG_YANG_WALK_* */
    size_t overflow;            /* members skipped because their path did not fit */
    void *ctx;                  /* the hooks' */
    long index;                 /* while enter runs: the object's position in its array when
                                 * positional said so, else -1 */
    /* Before an object's members; list is the array's member name when the object is an
     * element of one, else NULL (w->index: see positional).  Return 0 to walk the members (*skip: a member name to
     * leave out, may stay NULL; *mark: whatever leave needs), 1 to skip the object, or a
     * negative code to stop the walk.  NULL = walk every object. */
    int (*enter) (vg_yang_walk_t *w, const char *list, const json_t *obj, const char **skip,
                  vg_yang_mark_t *mark);
    /* Before the elements of an array (name: its member name): nonzero when an element's
     * position is part of its identity (enter then sees it in w->index).  NULL = never. */
    int (*positional) (vg_yang_walk_t *w, const char *name, const json_t *array);
    /* After the members of an object enter accepted (also when the walk stops). */
    void (*leave) (vg_yang_walk_t *w, const vg_yang_mark_t *mark);
    /* A member that is not walked at all (neither path nor leaf); NULL = none. */
    int (*skip_member) (vg_yang_walk_t *w, const char *name, const json_t *v);
    /* A scalar (string, number, boolean, null) at w->path; name is its member name (the
     * array's for scalar elements, NULL for a scalar root).  Return 0 or a negative code that stops the walk. */
    int (*leaf) (vg_yang_walk_t *w, const char *name, const json_t *v);
};

/* Walk node (depth 0) below w->path.  Returns 0, -VG_ETOOBIG (depth, or a path under
 * VG_YANG_WALK_PATH_FATAL) or the first negative code of a hook.  w->path is restored. */
int vg_yang_walk (vg_yang_walk_t *w, const json_t *node);

#endif
