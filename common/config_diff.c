/* config_diff.c - option-by-option comparison of two loaded configurations (see config_diff.h). */
#include "common/config_diff.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static bool s_same_struct (const vg_cfg_table_t *t, const void *a, const void *b);

static const char *
s_str (const void *base, size_t off)
{
    const char *s = *(char *const *) (const void *) ((const char *) base + off);
    return s ? s : "";
}

static size_t
s_count (const void *base, size_t off)
{
    return *(const size_t *) (const void *) ((const char *) base + off);
}

static bool
s_same_opt (const vg_cfg_opt_t *o, const void *a, const void *b)
{
    const char *pa = (const char *) a + o->offset, *pb = (const char *) b + o->offset;
    switch (o->type) {
    case VG_CFG_STR:
        return strcmp (s_str (a, o->offset), s_str (b, o->offset)) == 0;
    case VG_CFG_INT:
    case VG_CFG_DURATION:
        return *(const int64_t *) (const void *) pa == *(const int64_t *) (const void *) pb;
    case VG_CFG_UINT:
    case VG_CFG_SIZE:
        return *(const uint64_t *) (const void *) pa == *(const uint64_t *) (const void *) pb;
    case VG_CFG_DOUBLE:
        return *(const double *) (const void *) pa == *(const double *) (const void *) pb;
    case VG_CFG_BOOL:
        return *(const bool *) (const void *) pa == *(const bool *) (const void *) pb;
    case VG_CFG_ENUM:
        return *(const int *) (const void *) pa == *(const int *) (const void *) pb;
    case VG_CFG_STRLIST: {
        size_t n = s_count (a, o->count_offset);
        if (n != s_count (b, o->count_offset))
            return false;
        char *const *la = *(char **const *) (const void *) pa, *const *lb = *(char **const *) (const void *) pb;
        for (size_t i = 0; i < n; i++)
            if (strcmp (la[i] ? la[i] : "", lb[i] ? lb[i] : "") != 0)
                return false;
        return true;
    }
    case VG_CFG_LIST: {
        size_t n = s_count (a, o->count_offset);
        if (n != s_count (b, o->count_offset))
            return false;
        const char *ea = *(const char *const *) (const void *) pa, *eb = *(const char *const *) (const void *) pb;
        for (size_t i = 0; i < n; i++)
            if (!s_same_struct (o->elem, ea + i * o->elem->struct_size, eb + i * o->elem->struct_size))
                return false;
        return true;
    }
    case VG_CFG_NODE:
        return *(void *const *) (const void *) pa == NULL && *(void *const *) (const void *) pb == NULL;
    }
    return false;
}

static bool
s_same_struct (const vg_cfg_table_t *t, const void *a, const void *b)
{
    for (size_t i = 0; i < t->nopts; i++)
        if (!s_same_opt (&t->opts[i], a, b))
            return false;
    return true;
}

static bool
s_skipped (const char *name, const char *const *skip)
{
    for (size_t i = 0; skip && skip[i]; i++) {
        size_t n = strlen (skip[i]);
        if (n && skip[i][n - 1] == '.' ? strncmp (name, skip[i], n) == 0 : strcmp (name, skip[i]) == 0)
            return true;
    }
    return false;
}

size_t
vg_cfg_diff (const vg_cfg_table_t *t, const void *a, const void *b, const char *const *skip, char *out,
             size_t outlen)
{
    size_t n = 0, len = 0;
    bool cut = false;
    if (outlen)
        out[0] = '\0';
    for (size_t i = 0; i < t->nopts; i++) {
        const vg_cfg_opt_t *o = &t->opts[i];
        if (s_skipped (o->name, skip) || s_same_opt (o, a, b))
            continue;
        n++;
        size_t need = strlen (o->name) + (len ? 2 : 0);
        if (cut || len + need + 4 > outlen) {
            if (!cut && outlen >= len + 4)
                snprintf (out + len, outlen - len, "%s", len ? "..." : "");
            cut = true;
            continue;
        }
        len += (size_t) snprintf (out + len, outlen - len, "%s%s", len ? ", " : "", o->name);
    }
    return n;
}
