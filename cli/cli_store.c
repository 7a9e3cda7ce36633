/* cli_store.c - opening a store for a reading subcommand (see cli_store.h). */
#include "cli/cli_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"

int
vg_cli_store_exists (const char *cmd, const char *path)
{
    struct stat st;
    if (stat (path, &st) != 0) {
        fprintf (stderr, "%s: %s: no store here (%s)\n", cmd, path, strerror (errno));
        return 0;
    }
    if (!S_ISDIR (st.st_mode)) {
        fprintf (stderr, "%s: %s: no store here (not a directory)\n", cmd, path);
        return 0;
    }
    char current[4096];
    int n = snprintf (current, sizeof current, "%s/CURRENT", path);
    if (n < 0 || (size_t) n >= sizeof current || stat (current, &st) != 0) {
        fprintf (stderr, "%s: %s: no store here (a directory without a RocksDB CURRENT file)\n", cmd, path);
        return 0;
    }
    return 1;
}

vg_store_t *
vg_cli_store_open (const char *cmd, const char *path, int *caught_up)
{
    if (!vg_cli_store_exists (cmd, path))
        return NULL;
    char err[512];
    vg_store_cfg_t sc = { path, VG_STORE_SECONDARY, 0, false, 0 };
    vg_store_t *s = vg_store_open (&sc, err, sizeof err);
    if (!s) {
        fprintf (stderr, "%s: %s\n", cmd, err);
        return NULL;
    }
    int rc = vg_store_catch_up (s);
    if (caught_up)
        *caught_up = rc;
    return s;
}

int
vg_cli_store_read_done (const char *cmd, int rc, uint64_t n, const char *what)
{
    fflush (stdout);
    if (rc < 0) {
        fprintf (stderr, "%s: store read failed: %s\n", cmd, vg_strerror (rc));
        return 1;
    }
    if (what)
        fprintf (stderr, "%s: %" PRIu64 " %s\n", cmd, n, what);
    return 0;
}
