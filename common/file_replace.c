/* file_replace.c - atomic small-file replacement (see file_replace.h). */
#include "common/file_replace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
vg_write_all (int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write (fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t) w;
    }
    return 0;
}

/* fsync the directory that holds path. */
static int
s_sync_dir (const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr (path, '/');
    if (!slash)
        snprintf (dir, sizeof dir, ".");
    else if (slash == path)
        snprintf (dir, sizeof dir, "/");
    else if ((size_t) (slash - path) < sizeof dir)
        snprintf (dir, sizeof dir, "%.*s", (int) (slash - path), path);
    else {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync (fd);
    int e = errno;
    close (fd);
    errno = e;
    return rc;
}

int
vg_file_replace (const char *path, const void *data, size_t len, bool sync)
{
    char tmp[PATH_MAX];
    if ((size_t) snprintf (tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (vg_write_all (fd, data, len) < 0 || (sync && fdatasync (fd) < 0)) {
        int e = errno;
        close (fd);
        unlink (tmp);
        errno = e;
        return -1;
    }
    if (close (fd) < 0 || rename (tmp, path) < 0) {
        int e = errno;
        unlink (tmp);
        errno = e;
        return -1;
    }
    return sync ? s_sync_dir (path) : 0;
}
