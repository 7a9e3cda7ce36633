/* cli_store.c - opening a store for a reading subcommand (see cli_store.h). */
#include "cli/cli_store.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/err.h"

vg_store_t *
vg_cli_store_open (const char *cmd, const char *path, int *caught_up)
{
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
