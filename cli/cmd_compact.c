/* cmd_compact.c - `vigil compact`: flush and fully compact a store that no collector has open
 * (seals raw per-batch chunks into one chunk per series and bucket; reclaims deleted space). */
#include <stdio.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/cli.h"
#include "cli/cli_store.h"
#include "store/store.h"

static void
s_help (FILE *f)
{
    fprintf (f, "usage: vigil compact --store DIR\n"
                "  Flushes and compacts every column family of the store at DIR (which must exist; the\n"
                "  collector must not be running).\n");
}

int
vg_cmd_compact (int argc, char **argv)
{
    const char *path = NULL;
    const vg_arg_t args[] = { { .name = "--store", .type = VG_ARG_STR, .dst = &path, .required = true } };
    int arc = vg_cli_args ("vigil compact", args, 1, argc, argv, s_help, NULL);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    if (!vg_cli_store_exists ("vigil compact", path))
        return 1; /* never create a store at a mistyped path */
    char err[512];
    vg_store_cfg_t cfg = { path, VG_STORE_RW, 0, true, 0 };
    vg_store_t *s = vg_store_open (&cfg, err, sizeof err);
    if (!s) {
        fprintf (stderr, "vigil compact: %s (is a collector running on it?)\n", err);
        return 1;
    }
    int rc = vg_store_flush (s);
    for (int cf = 0; cf < VG_CF__COUNT && rc == 0; cf++)
        rc = vg_store_compact (s, (vg_cf_t) cf);
    vg_store_destroy (&s);
    if (rc < 0) {
        fprintf (stderr, "vigil compact: failed\n");
        return 1;
    }
    return 0;
}
