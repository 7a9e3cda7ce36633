/* cli_args.c - table-driven option parsing for the vigil subcommands (see cli_args.h). */
#include "cli/cli_args.h"

#include "common/clock.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const vg_arg_t *
s_find (const vg_arg_t *args, size_t n, const char *a)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp (a, args[i].name) || (args[i].alias && !strcmp (a, args[i].alias)))
            return &args[i];
    return NULL;
}

/* Parse an unsigned decimal number whole; 0 or -1. */
static int
s_u64 (const char *s, uint64_t *out)
{
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull (s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int
s_value (const char *cmd, const vg_arg_t *o, const char *v)
{
    double lo = o->min, hi = o->max;
    bool ranged = lo != 0 || hi != 0;
    switch (o->type) {
    case VG_ARG_ENUM:
        for (size_t i = 0; o->choices && o->choices[i]; i++)
            if (!strcmp (v, o->choices[i])) {
                *(const char **) o->dst = v;
                return 0;
            }
        fprintf (stderr, "%s: %s must be one of", cmd, o->name);
        for (size_t i = 0; o->choices && o->choices[i]; i++)
            fprintf (stderr, "%s %s", i ? "," : "", o->choices[i]);
        fprintf (stderr, ", got '%s'\n", v);
        return -1;
    case VG_ARG_STR:
        *(const char **) o->dst = v;
        return 0;
    case VG_ARG_DURATION:
        if (vg_duration_parse (v, (int64_t *) o->dst) == 0)
            return 0;
        fprintf (stderr, "%s: %s wants a duration (500ms, 10s, 5m, 2h, 7d), got '%s'\n", cmd, o->name, v);
        return -1;
    case VG_ARG_MULTI: {
        vg_arg_multi_t *m = o->dst;
        if (m->n == VG_ARG_MULTI_MAX) {
            fprintf (stderr, "%s: %s given more than %d times\n", cmd, o->name, VG_ARG_MULTI_MAX);
            return -1;
        }
        m->v[m->n++] = v;
        return 0;
    }
    case VG_ARG_U32:
    case VG_ARG_U64: {
        uint64_t u;
        uint64_t cap = o->type == VG_ARG_U32 ? UINT32_MAX : UINT64_MAX;
        if (s_u64 (v, &u) < 0 || u > cap || (ranged && ((double) u < lo || (double) u > hi))) {
            if (ranged)
                fprintf (stderr, "%s: %s wants a whole number from %.15g to %.15g, got '%s'\n", cmd, o->name, lo, hi,
                         v);
            else
                fprintf (stderr, "%s: %s wants a whole number, got '%s'\n", cmd, o->name, v);
            return -1;
        }
        if (o->type == VG_ARG_U32)
            *(uint32_t *) o->dst = (uint32_t) u;
        else
            *(uint64_t *) o->dst = u;
        return 0;
    }
    case VG_ARG_F64: {
        char *end;
        errno = 0;
        double d = strtod (v, &end);
        if (!*v || errno || *end || !isfinite (d) || (ranged && (d < lo || d > hi))) {
            if (ranged)
                fprintf (stderr, "%s: %s wants a number from %.15g to %.15g, got '%s'\n", cmd, o->name, lo, hi, v);
            else
                fprintf (stderr, "%s: %s wants a finite number, got '%s'\n", cmd, o->name, v);
            return -1;
        }
        *(double *) o->dst = d;
        return 0;
    }
    case VG_ARG_FLAG:
        break;
    }
    return -1;
}

int
vg_cli_args (const char *cmd, const vg_arg_t *args, size_t n, int argc, char **argv, void (*usage) (FILE *),
             vg_arg_multi_t *positional)
{
    bool given[VG_ARG_MULTI_MAX] = { false };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp (a, "-h") || !strcmp (a, "--help")) {
            usage (stdout);
            return VG_ARGS_HELP;
        }
        if (a[0] != '-' || !a[1]) {
            if (positional && positional->n < VG_ARG_MULTI_MAX) {
                positional->v[positional->n++] = a;
                continue;
            }
            fprintf (stderr, "%s: unexpected argument '%s'\n", cmd, a);
            usage (stderr);
            return VG_ARGS_USAGE;
        }
        const vg_arg_t *o = s_find (args, n, a);
        if (!o) {
            fprintf (stderr, "%s: unknown option '%s'\n", cmd, a);
            usage (stderr);
            return VG_ARGS_USAGE;
        }
        if ((size_t) (o - args) < VG_ARG_MULTI_MAX)
            given[o - args] = true;
        if (o->type == VG_ARG_FLAG) {
            *(bool *) o->dst = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf (stderr, "%s: %s needs a value\n", cmd, a);
            usage (stderr);
            return VG_ARGS_USAGE;
        }
        if (s_value (cmd, o, argv[++i]) < 0)
            return VG_ARGS_USAGE;
    }
    for (size_t k = 0; k < n && k < VG_ARG_MULTI_MAX; k++)
        if (args[k].required && !given[k]) {
            fprintf (stderr, "%s: %s is required\n", cmd, args[k].name);
            usage (stderr);
            return VG_ARGS_USAGE;
        }
    return VG_ARGS_RUN;
}

int
vg_cli_time_range (const char *cmd, const char *from, const char *to, int64_t *t0, int64_t *t1)
{
    int64_t now = vg_clock_now_ms ();
    *t0 = INT64_MIN;
    *t1 = INT64_MAX;
    const char *bad = from && vg_clock_parse (from, now, t0) < 0 ? from : to && vg_clock_parse (to, now, t1) < 0 ? to
                                                                                                               : NULL;
    if (bad) {
        fprintf (stderr, "%s: cannot parse time '%s' (epoch ms, RFC 3339, 'now' or relative like -2h)\n", cmd, bad);
        return -1;
    }
    if (*t0 > *t1) { /* --from -1h --to -2h: nothing could match; say so rather than print nothing */
        fprintf (stderr, "%s: --from %s is after --to %s (the range is [from, to))\n", cmd, from, to);
        return -1;
    }
    return 0;
}

int
vg_cli_pointer (const char *cmd, const char *uri, vg_pointer_t *p, const char **store, const char **device,
                const char **site, const char **vendor, const char **path, const char **from, const char **to)
{
    char err[256];
    if (vg_pointer_parse (uri, p, err, sizeof err) < 0) {
        fprintf (stderr, "%s: --pointer: %s\n", cmd, err);
        return -1;
    }
    int by_vendor = !strcmp (p->scope, "vendor"), by_site = !strcmp (p->scope, "site");
    if ((by_vendor && !vendor) || (by_site && !site)) {
        fprintf (stderr, "%s: --pointer: a %s pointer (a fleet finding) is not taken here\n", cmd, p->scope);
        return -1;
    }
    struct {
        const char **dst;
        const char *val;
    } const take[] = { { store, p->store },
                       { device, p->scope[0] ? "" : p->device },
                       { by_vendor ? vendor : NULL, p->device },
                       { by_site ? site : NULL, p->device },
                       { path, p->path },
                       { from, p->from_text },
                       { to, p->to_text } };
    for (size_t i = 0; i < sizeof take / sizeof take[0]; i++)
        if (take[i].dst && !*take[i].dst && take[i].val[0])
            *take[i].dst = take[i].val;
    return 0;
}

/* Lower-case copy of s into out (cap bytes); 0, or -1 when it does not fit. */
static int
s_lower (const char *s, char *out, size_t cap)
{
    size_t i = 0;
    for (; s[i]; i++) {
        if (i + 1 >= cap)
            return -1;
        out[i] = (char) tolower ((unsigned char) s[i]);
    }
    out[i] = '\0';
    return 0;
}

int
vg_cli_glob_nocase (const char *pattern, const char *s)
{
    if (!pattern)
        return 1;
    s = s ? s : "";
    char p[256], v[256];
    if (s_lower (pattern, p, sizeof p) < 0 || s_lower (s, v, sizeof v) < 0)
        return fnmatch (pattern, s, 0) == 0;
    return fnmatch (p, v, 0) == 0;
}
