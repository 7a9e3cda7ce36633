/* arena.h - a bump allocator: allocations are carved from malloc'd blocks and released all
 * at once (reset or free), never one by one.
 *
 * For per-batch scratch (protobuf-c unpacking in collector/ingest.c, reset per batch) and
 * for strings that live as long as their owner (interned names).  Invariant: total counts
 * the bytes handed out since the last reset and never exceeds limit; blocks are at least
 * `block` bytes (larger when one allocation needs more).  Not thread-safe. */
#ifndef VG_ARENA_H
#define VG_ARENA_H

#include <stddef.h>

typedef struct vg_arena_block vg_arena_block_t;

typedef struct {
    vg_arena_block_t *head; /* current block first */
    size_t total;           /* bytes handed out since reset */
    size_t limit;           /* refuse beyond this (hostile input); SIZE_MAX = no bound */
    size_t block;           /* usual block size */
} vg_arena_t;

/* An empty arena (no block allocated until the first allocation). */
#define VG_ARENA_INIT(block_bytes, limit_bytes) { NULL, 0, (limit_bytes), (block_bytes) }

/* size bytes aligned for any type (max_align_t), valid until the next reset or free.
 * Returns NULL when total would pass the limit or memory ran out. */
void *vg_arena_alloc (vg_arena_t *a, size_t size);
/* A copy of the NUL-terminated s (byte-aligned, packed); NULL as vg_arena_alloc. */
char *vg_arena_strdup (vg_arena_t *a, const char *s);
/* Forget every allocation; keeps the first block for reuse, frees the others. */
void vg_arena_reset (vg_arena_t *a);
/* Free every block; the arena is empty and usable again.  NULL-safe. */
void vg_arena_free (vg_arena_t *a);

#endif
