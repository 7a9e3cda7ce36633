/* cmd_keygen.c - `vigil keygen`: a new CURVE key pair (Z85) for an agent or the collector.
 *
 * Without --out the pair is printed as YAML-ready lines.  With --out PREFIX it is written
 * to PREFIX.key (secret, created with mode 0600) and PREFIX.pub; existing files are never
 * overwritten, so a key in use cannot be lost by a repeated command. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "cli/cli_args.h"
#include "cli/cli.h"

/* Create path exclusively with mode and write text + "\n".  Returns 0 or -1 (message printed). */
static int
s_write_new (const char *path, mode_t mode, const char *text)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        fprintf (stderr, "vigil keygen: %s: %s\n", path, strerror (errno));
        return -1;
    }
    char line[64];
    int n = snprintf (line, sizeof line, "%s\n", text);
    int rc = 0;
    if (n < 0 || write (fd, line, (size_t) n) != n || fsync (fd) != 0) {
        fprintf (stderr, "vigil keygen: %s: %s\n", path, strerror (errno));
        rc = -1;
    }
    if (close (fd) != 0 && rc == 0) {
        fprintf (stderr, "vigil keygen: %s: %s\n", path, strerror (errno));
        rc = -1;
    }
    if (rc < 0)
        unlink (path);
    return rc;
}

static void
s_help (FILE *f)
{
    fprintf (f, "usage: vigil keygen [--out PREFIX]\n\n"
                "Make a CURVE key pair (Z85, 40 characters each).  Without --out, print it;\n"
                "with --out, write PREFIX.key (secret, mode 0600) and PREFIX.pub, never\n"
                "overwriting existing files.  The public key goes in the collector's agents[]\n"
                "list (public_key) or the agents' curve.server_key; the secret stays on its host\n"
                "and is named in its configuration by curve.secret_key_file: PREFIX.key.\n");
}

int
vg_cmd_keygen (int argc, char **argv)
{
    const char *out = NULL;
    const vg_arg_t args[] = { { .name = "--out", .type = VG_ARG_STR, .dst = &out } };
    int arc = vg_cli_args ("vigil keygen", args, 1, argc, argv, s_help, NULL);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    char pub[41], sec[41];
    if (zmq_curve_keypair (pub, sec) != 0) {
        fprintf (stderr, "vigil keygen: %s (libzmq built without CURVE?)\n", zmq_strerror (zmq_errno ()));
        return 1;
    }
    int rc = 0;
    if (!out) {
        printf ("public_key: '%s'\nsecret_key: '%s'\n", pub, sec);
    } else {
        size_t n = strlen (out) + 5;
        char *kpath = malloc (n), *ppath = malloc (n);
        if (!kpath || !ppath) {
            fprintf (stderr, "vigil keygen: out of memory\n");
            rc = 1;
        } else {
            snprintf (kpath, n, "%s.key", out);
            snprintf (ppath, n, "%s.pub", out);
            if (s_write_new (kpath, 0600, sec) < 0)
                rc = 1;
            else if (s_write_new (ppath, 0644, pub) < 0) {
                unlink (kpath); /* a secret without its public half is of no use */
                rc = 1;
            } else
                printf ("wrote %s (secret) and %s\npublic_key: '%s'\n", kpath, ppath, pub);
        }
        free (kpath);
        free (ppath);
    }
    memset (sec, 0, sizeof sec);
    return rc;
}
