/* mem_ceiling.c - RSS from /proc/self/statm, cached for VG_MEM_CEILING_EVERY_MS (see
 * mem_ceiling.h). */
#include "collector/mem_ceiling.h"

#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define S_TRIM_EVERY_MS 1000

struct vg_mem_ceiling {
    uint64_t max_bytes;
    int fd;               /* /proc/self/statm, or -1 */
    long page;
    int64_t read_ms;      /* of the last reading; INT64_MIN = never */
    int64_t trim_ms;
    vg_mem_ceiling_stats_t st;
};

vg_mem_ceiling_t *
vg_mem_ceiling_new (uint64_t max_bytes)
{
    vg_mem_ceiling_t *m = calloc (1, sizeof *m);
    if (!m)
        return NULL;
    m->max_bytes = max_bytes;
    m->fd = open ("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    m->page = sysconf (_SC_PAGESIZE);
    if (m->page <= 0)
        m->page = 4096;
    m->read_ms = INT64_MIN;
    m->trim_ms = INT64_MIN;
    return m;
}

void
vg_mem_ceiling_destroy (vg_mem_ceiling_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    if ((*self_p)->fd >= 0)
        close ((*self_p)->fd);
    free (*self_p);
    *self_p = NULL;
}

void
vg_mem_ceiling_set (vg_mem_ceiling_t *m, uint64_t max_bytes)
{
    m->max_bytes = max_bytes;
}

uint64_t
vg_mem_ceiling_rss (vg_mem_ceiling_t *m, int64_t now_ms)
{
    if (m->fd < 0 || (m->read_ms != INT64_MIN && now_ms - m->read_ms < VG_MEM_CEILING_EVERY_MS))
        return m->st.rss_bytes;
    m->read_ms = now_ms;
    char buf[128];
    ssize_t n = pread (m->fd, buf, sizeof buf - 1, 0);
    unsigned long long size = 0, resident = 0;
    if (n > 0) {
        buf[n] = '\0';
        if (sscanf (buf, "%llu %llu", &size, &resident) != 2)
            resident = 0;
    }
    m->st.rss_bytes = (uint64_t) resident * (uint64_t) m->page;
    m->st.reads++;
    return m->st.rss_bytes;
}

bool
vg_mem_ceiling_over (vg_mem_ceiling_t *m, int64_t now_ms, char *why, size_t whylen)
{
    if (m->max_bytes == 0)
        return false;
    uint64_t rss = vg_mem_ceiling_rss (m, now_ms);
    if (rss <= m->max_bytes)
        return false;
    m->st.over++;
    if (m->trim_ms == INT64_MIN || now_ms - m->trim_ms >= S_TRIM_EVERY_MS) {
        /* Give back what the heap holds free (freed batches, a drained detect queue), or
         * the process could stay over its ceiling with nothing in use. */
        m->trim_ms = now_ms;
        m->st.trims++;
        malloc_trim (0);
        m->read_ms = INT64_MIN; /* read again at the next check */
    }
    if (why && whylen)
        snprintf (why, whylen, "collector memory: RSS %" PRIu64 " MiB over limits.max_rss_bytes %" PRIu64 " MiB",
                  rss >> 20, m->max_bytes >> 20);
    return true;
}

const vg_mem_ceiling_stats_t *
vg_mem_ceiling_stats (const vg_mem_ceiling_t *m)
{
    return &m->st;
}
