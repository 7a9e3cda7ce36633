/* file_read.c - a whole file read into memory, with a size bound (see file_read.h). */
#include "common/file_read.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"

int
vg_file_read (const char *path, size_t max, vg_buf_t *out)
{
    int from_stdin = !strcmp (path, "-");
    FILE *f = from_stdin ? stdin : fopen (path, "rb");
    if (!f)
        return -VG_EIO;
    size_t start = out->len;
    int rc = 0;
    for (;;) {
        /* room for a full chunk and the NUL; read at most one byte past the bound */
        if (vg_buf_reserve (out, 65536 + 1) < 0) {
            rc = -VG_ENOMEM;
            break;
        }
        size_t want = max - (out->len - start) + 1;
        size_t n = fread (out->data + out->len, 1, want < 65536 ? want : 65536, f);
        out->len += n;
        if (out->len - start > max) {
            rc = -VG_ETOOBIG;
            break;
        }
        if (n == 0) {
            if (ferror (f)) {
                rc = -VG_EIO;
                errno = errno ? errno : EIO;
            }
            break;
        }
    }
    int saved = errno;
    if (!from_stdin)
        fclose (f);
    errno = saved;
    if (rc < 0) {
        out->len = start;
        return rc;
    }
    out->data[out->len] = '\0';
    return 0;
}
