/* daemon_args.h - the one command-line front end of the daemons (vigil-agent, vigil-collector).
 *
 * Every daemon takes the same options, driven by its configuration table:
 *   -c, --config FILE      the YAML configuration (required)
 *   --set KEY=VALUE        override one key after loading (repeatable, applied in order,
 *                          checked exactly as the file is: type, range, unknown keys)
 *   -h, --help             usage and every configuration key
 *   -V, --version          the release version
 * plus the program's own boolean flags (e.g. --exit-when-done). */
#ifndef VG_DAEMON_ARGS_H
#define VG_DAEMON_ARGS_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/config.h"

#define VG_DAEMON_MAX_FLAGS 8

typedef struct {
    const char *name;             /* "--exit-when-done" */
    const char *help;             /* one line for the usage text */
} vg_daemon_flag_t;

typedef struct {
    const char *prog;             /* program name in messages: "vigil-agent" */
    const vg_cfg_table_t *table;  /* configuration table the file and --set are loaded through */
    const vg_daemon_flag_t *flags; /* the program's boolean flags, or NULL */
    size_t nflags;                /* at most VG_DAEMON_MAX_FLAGS */
} vg_daemon_spec_t;

#define VG_DAEMON_RUN 0           /* configuration loaded: run */
#define VG_DAEMON_EXIT_OK 1       /* --help or --version printed: exit 0 */
#define VG_DAEMON_EXIT_USAGE 2    /* usage or configuration error printed on stderr: exit 2 */

/* Parse argv, load the configuration file into out (a struct of spec->table's type) and apply
 * the --set overrides.  flag_set[i] is set for each of spec->flags given (may be NULL when
 * nflags is 0).  Returns VG_DAEMON_RUN (out must then be freed with vg_cfg_free), or
 * VG_DAEMON_EXIT_OK / VG_DAEMON_EXIT_USAGE with out left empty (all zeros). */
int vg_daemon_args (const vg_daemon_spec_t *spec, int argc, char **argv, void *out, bool *flag_set);

/* Load the configuration again as vg_daemon_args did from the same argv (the file named by
 * -c, then the --set overrides; other arguments are ignored), for a reload.  Prints nothing.
 * Returns 0 (out must then be freed with vg_cfg_free), or -1 with the reason in err and out
 * left empty. */
int vg_daemon_reload (const vg_daemon_spec_t *spec, int argc, char **argv, void *out, char *err, size_t errlen);

/* Loads a daemon's configuration again, for a reload, into out (a struct of the daemon's
 * configuration table type); returns 0 (the caller frees out with vg_cfg_free when done with
 * it) or -1 with the reason in err.  ctx is the loader's own. */
typedef int (*vg_daemon_load_fn) (void *ctx, void *out, char *err, size_t errlen);

/* The command line a daemon started with, kept for its reloads. */
typedef struct {
    const vg_daemon_spec_t *spec;
    int argc;
    char **argv;
} vg_daemon_cmdline_t;

/* The daemons' reload loader (a vg_daemon_load_fn; ctx is a vg_daemon_cmdline_t, which must
 * outlive the run loop that calls it): vg_daemon_reload of the same file and --set overrides
 * as at start. */
int vg_daemon_reload_cmdline (void *ctx, void *out, char *err, size_t errlen);

/* A daemon's reload watch: the SIGHUP count its run loop follows and the loader a reload
 * calls.  All zeros: never due, nothing to load.  Owned by one thread (the run loop's). */
typedef struct {
    volatile sig_atomic_t *hup; /* vg_daemon_hup (), or NULL: never due */
    sig_atomic_t seen;          /* the count last acted on */
    vg_daemon_load_fn load;     /* NULL: a reload loads nothing */
    void *ctx;                  /* load's context */
} vg_daemon_reload_t;

/* Watch hup (NULL: none) from now on, the SIGHUPs counted so far not being due, and reload
 * with load (NULL: none) and ctx. */
void vg_daemon_reload_watch (vg_daemon_reload_t *r, volatile sig_atomic_t *hup, vg_daemon_load_fn load, void *ctx);

/* Whether a SIGHUP came since the watch began or since this last returned true (several
 * count as one reload). */
bool vg_daemon_reload_due (vg_daemon_reload_t *r);

/* Install the daemons' signal handling: SIGTERM and SIGINT set the returned stop flag (the
 * one piece of process-wide state, as a signal handler needs), SIGHUP bumps the count
 * vg_daemon_hup() points to, SIGPIPE is ignored.  Call once from main(); the run loops poll
 * the flags. */
volatile sig_atomic_t *vg_daemon_signals (void);

/* The number of SIGHUPs received since vg_daemon_signals (wraps; compare with the last value
 * seen: a change means "reload").  Never reset, so no signal is lost between a read and a
 * reset. */
volatile sig_atomic_t *vg_daemon_hup (void);

/* Print the usage text (options and flags, then every configuration key) to f. */
void vg_daemon_usage (const vg_daemon_spec_t *spec, FILE *f, bool keys);

#endif
