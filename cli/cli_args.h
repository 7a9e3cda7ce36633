/* cli_args.h - one table-driven option parser for the vigil subcommands.
 *
 * A subcommand lists its options as a table: name ("--store"), type, destination and, for
 * numbers, a range.  vg_cli_args parses argv against it: every number is checked whole
 * (no trailing text, no overflow, inside the range), an unknown or incomplete option is a
 * usage error naming it, and -h/--help prints the subcommand's usage.  Options may repeat;
 * the last one wins (VG_ARG_MULTI collects every value instead). */
#ifndef VG_CLI_ARGS_H
#define VG_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/pointer.h"

typedef enum {
    VG_ARG_FLAG,   /* bool *: set to true, takes no value */
    VG_ARG_STR,    /* const char **: the value as given */
    VG_ARG_U32,    /* uint32_t * */
    VG_ARG_U64,    /* uint64_t * */
    VG_ARG_F64,    /* double * */
    VG_ARG_MULTI,  /* vg_arg_multi_t *: every value, in order */
    VG_ARG_ENUM,   /* const char **: one of `choices` */
    VG_ARG_DURATION, /* int64_t * ms: "500ms", "10s", "5m", "2h", "7d" (vg_duration_parse) */
} vg_arg_type_t;

#define VG_ARG_MULTI_MAX 64

typedef struct {
    const char *v[VG_ARG_MULTI_MAX];
    size_t n;
} vg_arg_multi_t;

typedef struct {
    const char *name;      /* "--store" */
    const char *alias;     /* "-o", or NULL */
    vg_arg_type_t type;
    void *dst;
    double min, max;       /* numbers: accepted range (both 0 = the type's range) */
    bool required;         /* a usage error when not given */
    const char *const *choices; /* VG_ARG_ENUM: the accepted values, NULL-terminated */
} vg_arg_t;

#define VG_ARGS_RUN 0      /* parsed: run the command */
#define VG_ARGS_HELP 1     /* -h/--help printed: exit 0 */
#define VG_ARGS_USAGE 2    /* usage error printed on stderr: exit 2 */

/* Parse argv[1..argc) against args (n entries); a required option that is missing or an
 * ENUM value outside its choices is a usage error naming the option.  cmd names the subcommand in messages
 * ("vigil query"); usage prints its help text.  Arguments not starting with '-' are
 * positional: they are collected into positional (which may be NULL when the command takes
 * none, making them errors).  Returns VG_ARGS_RUN, VG_ARGS_HELP or VG_ARGS_USAGE. */
int vg_cli_args (const char *cmd, const vg_arg_t *args, size_t n, int argc, char **argv, void (*usage) (FILE *),
                 vg_arg_multi_t *positional);

/* Parse the [from, to) range of a subcommand's --from/--to (either may be NULL: unbounded)
 * with vg_clock_parse (epoch ms, RFC 3339, 'now', relative like -2h).  Returns 0, or -1
 * after printing which value did not parse or that from is after to (a reversed range). */
int vg_cli_time_range (const char *cmd, const char *from, const char *to, int64_t *t0, int64_t *t1);

/* Apply a replay pointer (--pointer URI, common/pointer.h) to a subcommand's options: each of
 * store, device, site, vendor, path, from, to that is not NULL and still unset (*x == NULL)
 * takes the pointer's value when it has one -- a fleet finding's key (scope=vendor|site)
 * goes to vendor or site, never to device; the strings live in *p, which must outlive their
 * use.  Returns 0, or -1 after printing why the URI did not parse (or names a scope the
 * command has no destination for: site / vendor NULL). */
int vg_cli_pointer (const char *cmd, const char *uri, vg_pointer_t *p, const char **store, const char **device,
                    const char **site, const char **vendor, const char **path, const char **from, const char **to);

/* 1 when the shell glob PATTERN matches S ignoring ASCII case, for values an operator types
 * that the sources spell in their own way (--vendor nokia selects "Nokia", NOKIA, ...); a
 * NULL PATTERN matches everything, a NULL S is "".  A PATTERN or S longer than 255 bytes is
 * matched as given. */
int vg_cli_glob_nocase (const char *pattern, const char *s);

/* The exit status for a parse result other than VG_ARGS_RUN (0 for help, 2 for usage). */
static inline int
vg_cli_args_exit (int rc)
{
    return rc == VG_ARGS_HELP ? 0 : 2;
}

#endif
