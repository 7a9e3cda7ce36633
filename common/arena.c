/* arena.c - the bump allocator (see arena.h).
 *
 * Blocks form a list, newest first; only the newest is allocated from, so a block that
 * is left with free space when a larger allocation arrives stays partly unused until the
 * next reset. */
#include "common/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct vg_arena_block {
    struct vg_arena_block *next;
    size_t used, size;
    max_align_t data[];
};

/* size bytes at alignment align (a power of two, at most sizeof (max_align_t)). */
static void *
s_alloc (vg_arena_t *a, size_t size, size_t align)
{
    if (size > SIZE_MAX - align)
        return NULL;
    size = (size + align - 1) & ~(align - 1);
    if (size > a->limit || a->total > a->limit - size)
        return NULL;
    size_t at = a->head ? (a->head->used + align - 1) & ~(align - 1) : 0;
    if (!a->head || at > a->head->size || a->head->size - at < size) {
        size_t bsize = size > a->block ? size : a->block;
        vg_arena_block_t *b = malloc (sizeof *b + bsize);
        if (!b)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->size = bsize;
        a->head = b;
        at = 0;
    }
    void *p = (char *) a->head->data + at;
    a->head->used = at + size;
    a->total += size;
    return p;
}

void *
vg_arena_alloc (vg_arena_t *a, size_t size)
{
    return s_alloc (a, size, sizeof (max_align_t));
}

char *
vg_arena_strdup (vg_arena_t *a, const char *s)
{
    size_t n = strlen (s) + 1;
    char *p = s_alloc (a, n, 1);
    if (p)
        memcpy (p, s, n);
    return p;
}

void
vg_arena_reset (vg_arena_t *a)
{
    while (a->head && a->head->next) {
        vg_arena_block_t *next = a->head->next;
        free (a->head);
        a->head = next;
    }
    if (a->head)
        a->head->used = 0;
    a->total = 0;
}

void
vg_arena_free (vg_arena_t *a)
{
    if (!a)
        return;
    vg_arena_reset (a);
    free (a->head);
    a->head = NULL;
}
