/* tmpdir.c - temporary directories and whole-file helpers for the tests (see tmpdir.h). */
#define _XOPEN_SOURCE 700
#include "tests/support/tmpdir.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
vg_test_tmpdir (char *out, size_t size, const char *tag)
{
    int n = snprintf (out, size, "/tmp/vg-%s-XXXXXX", tag ? tag : "test");
    if (n < 0 || (size_t) n >= size)
        return NULL;
    return mkdtemp (out);
}

static int
s_rm (const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void) sb;
    (void) ftw;
    return (type == FTW_DP ? rmdir (path) : unlink (path)) == 0 || errno == ENOENT ? 0 : -1;
}

int
vg_test_rmtree (const char *dir)
{
    if (!dir || !dir[0])
        return -1;
    if (access (dir, F_OK) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw (dir, s_rm, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

char *
vg_test_path (char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf (out, size, "%s/%s", dir, name);
    return n < 0 || (size_t) n >= size ? NULL : out;
}

uint8_t *
vg_test_read_file (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return NULL;
    uint8_t *data = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *nd = realloc (data, cap + 1);
            if (!nd)
                goto fail;
            data = nd;
        }
        size_t got = fread (data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror (f))
        goto fail;
    fclose (f);
    data[n] = '\0';
    if (len)
        *len = n;
    return data;
fail:
    free (data);
    fclose (f);
    return NULL;
}

int
vg_test_write_file (const char *path, const void *data, size_t len)
{
    FILE *f = fopen (path, "wb");
    if (!f)
        return -1;
    int ok = fwrite (data, 1, len, f) == len;
    ok &= fclose (f) == 0;
    return ok ? 0 : -1;
}
