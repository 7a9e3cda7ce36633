/* tmpdir.c - temporary directories and whole-file helpers for the tests (see tmpdir.h). */
#include "tests/support/tmpdir.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
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

int
vg_test_rmtree (const char *path)
{
    if (!path || !path[0])
        return -1;
    struct stat sb;
    if (lstat (path, &sb) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR (sb.st_mode))
        return unlink (path) == 0 || errno == ENOENT ? 0 : -1;
    int rc = 0;
    chmod (path, 0700); /* tests take permissions away to provoke I/O errors */
    DIR *d = opendir (path);
    if (!d)
        return -1;
    struct dirent *de;
    while ((de = readdir (d)) != NULL) {
        if (!strcmp (de->d_name, ".") || !strcmp (de->d_name, ".."))
            continue;
        char sub[4096];
        if (!vg_test_path (sub, sizeof sub, path, de->d_name) || vg_test_rmtree (sub) < 0)
            rc = -1;
    }
    closedir (d);
    if (rmdir (path) < 0 && errno != ENOENT)
        rc = -1;
    return rc;
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
