/* curve_mode.c - CURVE by default (see curve_mode.h): keys set -> CURVE, curve.insecure ->
 * plain TCP, anything else is a configuration error that names the fix. */
#include "common/curve_mode.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

static bool
s_set (const char *v)
{
    return v && v[0];
}

int
vg_curve_mode (const vg_curve_need_t *need, char *err, size_t errlen)
{
    size_t nset = 0, first_set = 0, first_unset = 0;
    for (size_t i = need->n; i-- > 0;) {
        if (s_set (need->values[i])) {
            nset++;
            first_set = i;
        } else
            first_unset = i;
    }
    if (need->insecure) {
        if (nset == 0)
            return 0;
        snprintf (err, errlen,
                  "curve.insecure is true but %s is set: remove curve.insecure to use CURVE, or the keys to "
                  "run plain TCP",
                  need->names[first_set]);
        return -VG_ECONFIG;
    }
    if (nset == need->n)
        return 1;
    if (nset == 0) {
        char names[256] = "";
        size_t used = 0;
        for (size_t i = 0; i < need->n && used < sizeof names; i++) {
            int w = snprintf (names + used, sizeof names - used, "%s%s", i ? ", " : "", need->names[i]);
            used += w > 0 ? (size_t) w : 0;
        }
        snprintf (err, errlen,
                  "no CURVE keys (%s): the link would be plain TCP, unauthenticated and unencrypted. %s; or, "
                  "for a test or lab only, set curve.insecure: true to run plain TCP",
                  names, need->fix);
    } else
        snprintf (err, errlen, "%s is set but %s is not: CURVE needs both. %s", need->names[first_set],
                  need->names[first_unset], need->fix);
    return -VG_ECONFIG;
}
