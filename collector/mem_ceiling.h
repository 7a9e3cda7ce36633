/* mem_ceiling.h - the collector's resident-memory ceiling (limits.max_rss_bytes).
 *
 * The server asks before each batch whether the process is over its ceiling; the answer
 * comes from /proc/self/statm read at most once per VG_MEM_CEILING_EVERY_MS (one pread on a
 * descriptor kept open), so the check costs a clock read per batch.  Over the ceiling,
 * batches are answered RETRY (the agents keep them in their spools) and the heap is trimmed
 * (malloc_trim, at most once a second) so that memory freed by the detect stage or ingest
 * goes back to the system and the ceiling can be left again.  One thread; no locks. */
#ifndef VG_MEM_CEILING_H
#define VG_MEM_CEILING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_MEM_CEILING_EVERY_MS 100

typedef struct {
    uint64_t rss_bytes;   /* the last reading (0 when /proc/self/statm cannot be read) */
    uint64_t reads;       /* readings taken */
    uint64_t over;        /* batches answered RETRY for being over the ceiling */
    uint64_t trims;       /* malloc_trim calls made over the ceiling */
} vg_mem_ceiling_stats_t;

typedef struct vg_mem_ceiling vg_mem_ceiling_t;

/* A ceiling of max_bytes (0 = none: nothing is ever refused, RSS is still read for the
 * metrics).  NULL when out of memory.  A /proc that cannot be read leaves the ceiling
 * inert (RSS 0), never refusing. */
vg_mem_ceiling_t *vg_mem_ceiling_new (uint64_t max_bytes);
/* NULL-safe; sets *self_p to NULL. */
void vg_mem_ceiling_destroy (vg_mem_ceiling_t **self_p);

/* A new ceiling (a reload); applies from the next check. */
void vg_mem_ceiling_set (vg_mem_ceiling_t *m, uint64_t max_bytes);

/* The RSS at now_ms (monotonic), read again when the last reading is older than
 * VG_MEM_CEILING_EVERY_MS. */
uint64_t vg_mem_ceiling_rss (vg_mem_ceiling_t *m, int64_t now_ms);

/* Is the process over its ceiling at now_ms?  When it is, the batch about to be read is to
 * be refused: counted in stats.over, and why (when not NULL) gets a line saying by how much
 * (NUL-terminated, truncated to whylen). */
bool vg_mem_ceiling_over (vg_mem_ceiling_t *m, int64_t now_ms, char *why, size_t whylen);

const vg_mem_ceiling_stats_t *vg_mem_ceiling_stats (const vg_mem_ceiling_t *m);

#endif
