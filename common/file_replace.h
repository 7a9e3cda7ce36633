/* file_replace.h - replace a small file atomically: a reader (or a process started after a
 * kill) sees the old content or the new one, never a torn mix.  Used for the inputs'
 * progress records beside the spool; also the write loop the spool's files use.
 * Invariant: the new content appears under `path` only complete; with sync it is durable
 * (data flushed before the rename, the directory after it) before the call returns. */
#ifndef VG_FILE_REPLACE_H
#define VG_FILE_REPLACE_H

#include <stdbool.h>
#include <stddef.h>

/* Write data[0..len) to "<path>.tmp" (mode 0600), with sync fdatasync it, rename it over
 * path, with sync fsync path's directory.  Returns 0, or -1 with errno set (the temp file
 * is removed; path keeps its old content).  A failed directory fsync after the rename is
 * reported as an error too, though the new content is in place. */
int vg_file_replace (const char *path, const void *data, size_t len, bool sync);

/* write() all of data[0..n) to fd, again after EINTR and short writes.  Returns 0, or -1
 * with errno set (some bytes may have been written). */
int vg_write_all (int fd, const void *data, size_t n);

#endif
