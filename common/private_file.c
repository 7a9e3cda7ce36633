/* private_file.c - owner-only directories and secret files (see private_file.h).
 * A secret is read through one descriptor: the mode is checked with fstat on the file that
 * is then read, so a swap between check and read cannot slip a loose file in. */
#include "common/private_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"

int
vg_private_mkdirs (const char *path)
{
    struct stat sb;
    if (stat (path, &sb) == 0)
        return 0;
    char *p = strdup (path);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    int rc = 0;
    for (char *c = p + 1;; c++) {
        if (*c != '/' && *c != '\0')
            continue;
        char saved = *c;
        *c = '\0';
        if (stat (p, &sb) < 0) {
            if (mkdir (p, 0700) < 0 && errno != EEXIST) {
                rc = -1;
                break;
            }
        }
        *c = saved;
        if (saved == '\0')
            break;
    }
    int e = errno;
    free (p);
    errno = e;
    return rc;
}

bool
vg_private_is_loose (const char *path)
{
    struct stat sb;
    return stat (path, &sb) == 0 && (sb.st_mode & 077) != 0;
}

int
vg_secret_read (const char *path, char **out, char *err, size_t errlen)
{
    *out = NULL;
    /* O_NONBLOCK: a FIFO named as a secret is refused below, not waited on at start. */
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf (err, errlen, "secret file %s: cannot open: %s", path, strerror (errno));
        return -VG_EIO;
    }
    int rc = 0;
    char *buf = NULL;
    struct stat sb;
    if (fstat (fd, &sb) < 0) {
        snprintf (err, errlen, "secret file %s: cannot examine: %s", path, strerror (errno));
        rc = -VG_EIO;
    } else if (!S_ISREG (sb.st_mode)) {
        snprintf (err, errlen, "secret file %s: not a regular file", path);
        rc = -VG_ECONFIG;
    } else if (sb.st_mode & 044) {
        snprintf (err, errlen, "secret file %s is readable by group or others (mode %04o): chmod 600 %s", path,
                  (unsigned) (sb.st_mode & 07777), path);
        rc = -VG_ECONFIG;
    } else if (sb.st_size > VG_SECRET_MAX_BYTES) {
        snprintf (err, errlen, "secret file %s: larger than %d bytes", path, VG_SECRET_MAX_BYTES);
        rc = -VG_ETOOBIG;
    }
    size_t len = 0;
    if (rc == 0) {
        buf = malloc (VG_SECRET_MAX_BYTES + 2);
        if (!buf) {
            snprintf (err, errlen, "out of memory");
            rc = -VG_ENOMEM;
        }
    }
    while (rc == 0 && len <= VG_SECRET_MAX_BYTES) {
        ssize_t got = read (fd, buf + len, VG_SECRET_MAX_BYTES + 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf (err, errlen, "secret file %s: cannot read: %s", path, strerror (errno));
            rc = -VG_EIO;
        } else if (got == 0) {
            break;
        }
        len += got > 0 ? (size_t) got : 0;
    }
    close (fd);
    if (rc == 0 && len > VG_SECRET_MAX_BYTES) {
        snprintf (err, errlen, "secret file %s: larger than %d bytes", path, VG_SECRET_MAX_BYTES);
        rc = -VG_ETOOBIG;
    }
    if (rc == 0) {
        if (len > 0 && buf[len - 1] == '\n')
            len--;
        if (len > 0 && buf[len - 1] == '\r')
            len--;
        buf[len] = '\0';
        if (len == 0) {
            snprintf (err, errlen, "secret file %s is empty", path);
            rc = -VG_ECONFIG;
        } else if (memchr (buf, '\0', len)) {
            snprintf (err, errlen, "secret file %s holds a NUL byte", path);
            rc = -VG_ECONFIG;
        }
    }
    if (rc < 0) {
        free (buf);
        return rc;
    }
    *out = buf;
    return 0;
}
