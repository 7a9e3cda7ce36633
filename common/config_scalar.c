/* config_scalar.c - one scalar's text -> its typed field, through its option-table entry:
 * strings (bounded), signed and unsigned integers (decimal or 0x hex, no silent wrap),
 * numbers, booleans, durations ("30s"), sizes ("64MiB", "1GB"), enums; each with its range
 * check and its error message.  Also the human form of bounds and defaults ("64MiB", "30s")
 * that errors and --help share.  Pure: no I/O, no global state. */
#include "common/config.h"
#include "common/config_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/err.h"

static int
s_parse_u64 (const char *s, uint64_t *v)
{
    if (*s == '+')
        s++;
    if (!isdigit ((unsigned char) *s))
        return -1;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!isxdigit ((unsigned char) *s))
            return -1;
    }
    char *end;
    errno = 0;
    unsigned long long u = strtoull (s, &end, base);
    if (errno || *end)
        return -1;
    *v = u;
    return 0;
}

static int
s_parse_i64 (const char *s, int64_t *v)
{
    bool neg = *s == '-';
    uint64_t u;
    if (s_parse_u64 (neg ? s + 1 : s, &u) < 0 || (neg && s[1] == '+'))
        return -1;
    if (neg) {
        if (u > (uint64_t) INT64_MAX + 1)
            return -1;
        *v = u == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) u;
    } else {
        if (u > (uint64_t) INT64_MAX)
            return -1;
        *v = (int64_t) u;
    }
    return 0;
}

static int
s_parse_double (const char *s, double *v)
{
    if (!isdigit ((unsigned char) *s) && *s != '-' && *s != '+' && *s != '.')
        return -1;
    char *end;
    errno = 0;
    double d = strtod (s, &end);
    if (errno || end == s || *end || !isfinite (d))
        return -1;
    *v = d;
    return 0;
}

static int
s_parse_bool (const char *s, bool *v)
{
    static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
    for (size_t i = 0; i < 3; i++) {
        if (!strcasecmp (s, yes[i]) || !strcasecmp (s, no[i])) {
            *v = !strcasecmp (s, yes[i]);
            return 0;
        }
    }
    return -1;
}

static int
s_parse_size (const char *s, uint64_t *v)
{
    static const struct { const char *unit; uint64_t mult; } units[] = {
        { "", 1 }, { "b", 1 },
        { "k", 1ull << 10 }, { "kib", 1ull << 10 }, { "kb", 1000ull },
        { "m", 1ull << 20 }, { "mib", 1ull << 20 }, { "mb", 1000000ull },
        { "g", 1ull << 30 }, { "gib", 1ull << 30 }, { "gb", 1000000000ull },
        { "t", 1ull << 40 }, { "tib", 1ull << 40 }, { "tb", 1000000000000ull },
    };
    if (!isdigit ((unsigned char) *s))
        return -1;
    char *end;
    errno = 0;
    unsigned long long whole = strtoull (s, &end, 10);
    if (errno)
        return -1;
    double frac = -1;
    if (*end == '.') {
        frac = strtod (s, &end);
        if (errno)
            return -1;
    }
    while (*end == ' ')
        end++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp (end, units[i].unit))
            continue;
        uint64_t m = units[i].mult;
        if (frac >= 0) {
            double r = frac * (double) m;
            if (r >= 18446744073709551615.0)
                return -1;
            *v = (uint64_t) r;
        } else {
            if (whole > UINT64_MAX / m)
                return -1;
            *v = (uint64_t) whole * m;
        }
        return 0;
    }
    return -1;
}

/* Human form of a bound or default: "10s", "64MiB", "1048576". */
typedef struct {
    double unit;
    const char *name;
} s_unit_t;

void
vg_cfg__fmt_value (vg_cfg_type_t type, double v, char *buf, size_t size)
{
    static const s_unit_t dur[] = { { 86400e3, "d" }, { 3600e3, "h" }, { 60e3, "m" }, { 1e3, "s" } };
    static const s_unit_t sz[] = { { 1099511627776.0, "TiB" }, { 1073741824.0, "GiB" },
                                   { 1048576.0, "MiB" }, { 1024.0, "KiB" } };
    const s_unit_t *u = type == VG_CFG_DURATION ? dur : type == VG_CFG_SIZE ? sz : NULL;
    if (u && v != 0) {
        for (size_t i = 0; i < 4; i++) {
            if (fmod (v, u[i].unit) == 0) {
                snprintf (buf, size, "%.15g%s", v / u[i].unit, u[i].name);
                return;
            }
        }
        snprintf (buf, size, "%.15g%s", v, type == VG_CFG_DURATION ? "ms" : "");
        return;
    }
    snprintf (buf, size, "%.15g", v);
}

static int
s_check_range (vg_cfg__ctx_t *ctx, const vg_cfg_opt_t *o, double v, int line, const char *key)
{
    if ((o->min == 0 && o->max == 0) || (v >= o->min && v <= o->max))
        return 0;
    char lo[48], hi[48];
    vg_cfg__fmt_value (o->type, o->min, lo, sizeof lo);
    vg_cfg__fmt_value (o->type, o->max, hi, sizeof hi);
    return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "must be between %s and %s", lo, hi);
}

const char *
vg_cfg__type_name (vg_cfg_type_t type)
{
    static const char *const names[] = { "string", "int", "uint", "number", "bool", "duration",
                                         "size", "enum", "string list", "list of maps", "yaml" };
    return names[type];
}

int
vg_cfg__scalar (vg_cfg__ctx_t *ctx, const vg_cfg_opt_t *o, const char *text, int line, void *field, const char *key)
{
    const char *what = NULL;
    switch (o->type) {
    case VG_CFG_STR: {
        if (o->max > 0 && (double) strlen (text) > o->max)
            return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "longer than %.15g characters", o->max);
        char *s = strdup (text);
        if (!s)
            return vg_cfg__fail (ctx, line, key, -VG_ENOMEM, "out of memory");
        *(char **) field = s;
        return 0;
    }
    case VG_CFG_INT: {
        int64_t v;
        if (s_parse_i64 (text, &v) < 0) {
            what = "an integer";
            break;
        }
        *(int64_t *) field = v;
        return s_check_range (ctx, o, (double) v, line, key);
    }
    case VG_CFG_UINT: {
        uint64_t v;
        if (s_parse_u64 (text, &v) < 0) {
            what = "a non-negative integer";
            break;
        }
        *(uint64_t *) field = v;
        return s_check_range (ctx, o, (double) v, line, key);
    }
    case VG_CFG_DOUBLE: {
        double v;
        if (s_parse_double (text, &v) < 0) {
            what = "a number";
            break;
        }
        *(double *) field = v;
        return s_check_range (ctx, o, v, line, key);
    }
    case VG_CFG_BOOL:
        if (s_parse_bool (text, (bool *) field) < 0)
            return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "'%.40s' is not a boolean (use true or false)", text);
        return 0;
    case VG_CFG_DURATION: {
        int64_t v;
        if (!isdigit ((unsigned char) *text) || vg_duration_parse (text, &v) < 0)
            return vg_cfg__fail (ctx, line, key, -VG_ECONFIG,
                           "'%.40s' is not a duration (e.g. 500ms, 10s, 5m, 2h, 7d)", text);
        *(int64_t *) field = v;
        return s_check_range (ctx, o, (double) v, line, key);
    }
    case VG_CFG_SIZE: {
        uint64_t v;
        if (s_parse_size (text, &v) < 0)
            return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "'%.40s' is not a size (e.g. 4096, 64KiB, 64MiB, 1GB)",
                           text);
        *(uint64_t *) field = v;
        return s_check_range (ctx, o, (double) v, line, key);
    }
    case VG_CFG_ENUM: {
        char list[160] = "";
        for (int i = 0; o->choices && o->choices[i]; i++) {
            if (!strcmp (text, o->choices[i])) {
                *(int *) field = i;
                return 0;
            }
            if (i)
                strncat (list, ", ", sizeof list - strlen (list) - 1);
            strncat (list, o->choices[i], sizeof list - strlen (list) - 1);
        }
        return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "'%.40s' is not one of: %s", text, list);
    }
    default:
        break;
    }
    return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "'%.40s' is not %s", text, what ? what : "valid");
}
