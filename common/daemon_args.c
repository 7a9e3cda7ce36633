/* daemon_args.c - the daemons' shared command-line front end (see daemon_args.h). */
#include "common/daemon_args.h"

#include <signal.h>
#include <string.h>

#include "common/log.h"
#include "common/version.h"

#define S_MAX_SETS 64

void
vg_daemon_usage (const vg_daemon_spec_t *spec, FILE *f, bool keys)
{
    fprintf (f, "usage: %s -c CONFIG.yaml [--set KEY=VALUE]...", spec->prog);
    for (size_t i = 0; i < spec->nflags; i++)
        fprintf (f, " [%s]", spec->flags[i].name);
    fprintf (f, "\n       %s --help | --version\n\n"
                "  -c, --config FILE     YAML configuration (see docs/CONFIG.md)\n"
                "  --set KEY=VALUE       override one configuration key after loading (repeatable)\n"
                "  -h, --help            this text and every configuration key\n"
                "  -V, --version         print the version\n",
             spec->prog);
    for (size_t i = 0; i < spec->nflags; i++)
        fprintf (f, "  %-21s %s\n", spec->flags[i].name, spec->flags[i].help);
    fputc ('\n', f);
    if (keys)
        vg_cfg_print_help (spec->table, f);
}

/* Apply one "KEY=VALUE".  Returns 0, or -1 with the reason in err. */
static int
s_apply_set (const vg_daemon_spec_t *spec, void *out, const char *kv, char *err, size_t errlen)
{
    char key[256];
    const char *eq = strchr (kv, '=');
    if (!eq || eq == kv || (size_t) (eq - kv) >= sizeof key) {
        snprintf (err, errlen, "--set wants KEY=VALUE, got '%s'", kv);
        return -1;
    }
    memcpy (key, kv, (size_t) (eq - kv));
    key[eq - kv] = '\0';
    vg_cfg_error_t cerr;
    if (vg_cfg_set (spec->table, out, key, eq + 1, &cerr) < 0) {
        char msg[600];
        snprintf (err, errlen, "--set %s: %s", kv, vg_cfg_error_format (&cerr, msg, sizeof msg));
        return -1;
    }
    return 0;
}

/* Load the configuration file and apply the --set overrides, in order.  Returns 0 (out
 * loaded; a loader warning, if any, logged), or -1 with the reason in err (out freed). */
static int
s_load (const vg_daemon_spec_t *spec, const char *config, const char *const *sets, int nsets, void *out, char *err,
        size_t errlen)
{
    vg_cfg_error_t cerr;
    if (vg_cfg_load_file (spec->table, config, out, &cerr) < 0) {
        char msg[600];
        snprintf (err, errlen, "%s", vg_cfg_error_format (&cerr, msg, sizeof msg));
        return -1;
    }
    if (cerr.warn[0])
        vg_log (VG_LOG_WARN, "config", "%s", cerr.warn);
    for (int i = 0; i < nsets; i++) {
        if (s_apply_set (spec, out, sets[i], err, errlen) < 0) {
            vg_cfg_free (spec->table, out);
            return -1;
        }
    }
    return 0;
}

static volatile sig_atomic_t s_stop;
static volatile sig_atomic_t s_hup;

/* Async-signal-safe: only sets a flag (or bumps the SIGHUP count, written by this handler
 * alone: the signal is blocked while its handler runs); the run loops do the work. */
static void
s_on_signal (int sig)
{
    if (sig == SIGHUP)
        s_hup = s_hup + 1;
    else
        s_stop = 1;
}

volatile sig_atomic_t *
vg_daemon_signals (void)
{
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGINT, &sa, NULL);
    sigaction (SIGHUP, &sa, NULL);
    signal (SIGPIPE, SIG_IGN);
    return &s_stop;
}

volatile sig_atomic_t *
vg_daemon_hup (void)
{
    return &s_hup;
}

int
vg_daemon_args (const vg_daemon_spec_t *spec, int argc, char **argv, void *out, bool *flag_set)
{
    const char *config = NULL;
    const char *sets[S_MAX_SETS];
    int nsets = 0;
    memset (out, 0, spec->table->struct_size);
    for (size_t i = 0; i < spec->nflags; i++)
        flag_set[i] = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if ((!strcmp (a, "-c") || !strcmp (a, "--config")) && has_value) {
            config = argv[++i];
        } else if (!strcmp (a, "--set") && has_value) {
            if (nsets == S_MAX_SETS) {
                fprintf (stderr, "%s: at most %d --set options\n", spec->prog, S_MAX_SETS);
                return VG_DAEMON_EXIT_USAGE;
            }
            sets[nsets++] = argv[++i];
        } else if (!strcmp (a, "-h") || !strcmp (a, "--help")) {
            vg_daemon_usage (spec, stdout, true);
            return VG_DAEMON_EXIT_OK;
        } else if (!strcmp (a, "-V") || !strcmp (a, "--version")) {
            printf ("%s %s\n", spec->prog, VG_VERSION);
            return VG_DAEMON_EXIT_OK;
        } else {
            size_t f = 0;
            while (f < spec->nflags && strcmp (a, spec->flags[f].name) != 0)
                f++;
            if (f == spec->nflags) {
                fprintf (stderr, "%s: unknown or incomplete argument '%s'\n", spec->prog, a);
                vg_daemon_usage (spec, stderr, false);
                return VG_DAEMON_EXIT_USAGE;
            }
            flag_set[f] = true;
        }
    }
    if (!config) {
        fprintf (stderr, "%s: a configuration file is required (-c CONFIG.yaml)\n", spec->prog);
        vg_daemon_usage (spec, stderr, false);
        return VG_DAEMON_EXIT_USAGE;
    }
    char err[700];
    if (s_load (spec, config, sets, nsets, out, err, sizeof err) < 0) {
        fprintf (stderr, "%s: %s\n", spec->prog, err);
        return VG_DAEMON_EXIT_USAGE;
    }
    return VG_DAEMON_RUN;
}

int
vg_daemon_reload (const vg_daemon_spec_t *spec, int argc, char **argv, void *out, char *err, size_t errlen)
{
    const char *config = NULL;
    const char *sets[S_MAX_SETS];
    int nsets = 0;
    memset (out, 0, spec->table->struct_size);
    for (int i = 1; i + 1 < argc; i++) {
        if (!strcmp (argv[i], "-c") || !strcmp (argv[i], "--config"))
            config = argv[++i];
        else if (!strcmp (argv[i], "--set") && nsets < S_MAX_SETS)
            sets[nsets++] = argv[++i];
    }
    if (!config) {
        snprintf (err, errlen, "no configuration file on the command line");
        return -1;
    }
    return s_load (spec, config, sets, nsets, out, err, errlen);
}

int
vg_daemon_reload_cmdline (void *ctx, void *out, char *err, size_t errlen)
{
    const vg_daemon_cmdline_t *cl = ctx;
    return vg_daemon_reload (cl->spec, cl->argc, cl->argv, out, err, errlen);
}

void
vg_daemon_reload_watch (vg_daemon_reload_t *r, volatile sig_atomic_t *hup, vg_daemon_load_fn load, void *ctx)
{
    r->hup = hup;
    r->seen = hup ? *hup : 0;
    r->load = load;
    r->ctx = ctx;
}

bool
vg_daemon_reload_due (vg_daemon_reload_t *r)
{
    if (!r->hup || *r->hup == r->seen)
        return false;
    r->seen = *r->hup;
    return true;
}
