/* curve_mode.h - CURVE by default: a daemon links over CURVE when its keys are configured,
 * over plain TCP only when its configuration says `curve.insecure: true`.
 *
 * Invariant: neither keys nor the flag, some keys without the others, or the flag together
 * with keys are all configuration errors, so the link mode is never a silent default.
 * Pure (no I/O, no logging); the daemons log the start-up warning for insecure links. */
#ifndef VG_CURVE_MODE_H
#define VG_CURVE_MODE_H

#include <stdbool.h>
#include <stddef.h>

/* What a daemon needs for CURVE: its key options (values and names, in the same order),
 * the value of its curve.insecure, and one sentence telling how to make and name the keys
 * (the error appends the insecure alternative).  All borrowed. */
typedef struct {
    bool insecure;
    const char *const *values;  /* each option's value; NULL or "" = not set */
    const char *const *names;   /* e.g. "curve.secret_key" */
    size_t n;
    const char *fix;            /* e.g. "make a key pair with `vigil keygen --out ...` and ..." */
} vg_curve_need_t;

/* Decide the link mode.  Returns 1 for CURVE (every key set, insecure false), 0 for plain
 * TCP (no key set, insecure true), or -VG_ECONFIG with a message in err naming the options
 * and the fix: no key and not insecure, only some keys, or insecure together with a key. */
int vg_curve_mode (const vg_curve_need_t *need, char *err, size_t errlen);

/* The warning both daemons log at every start with curve.insecure: true (a fixed text that
 * names the option to remove). */
#define VG_CURVE_INSECURE_WARNING                                                                    \
    "CURVE is off (curve.insecure: true): the link is plain TCP, unauthenticated and "                  \
    "unencrypted; anyone who can reach it can read the telemetry or send it as a listed agent. "        \
    "Make keys with `vigil keygen --out PREFIX` and remove curve.insecure (docs/SECURITY.md)"

#endif
