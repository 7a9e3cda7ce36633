/* config.c - table-driven YAML configuration loader: node tree -> typed struct.
 *
 * config_tree.c parses the text into a bounded tree; one walk over each map here converts
 * values through the option table (defaults, lists, nested tables, secrets from files,
 * unknown keys with suggestions); config_scalar.c turns one scalar's text into its typed
 * field.  On any error the target struct is freed back to zeros, so a failed load owns
 * nothing.  --help and Markdown output are in config_doc.c.  No global state. */
#include "common/config.h"
#include "common/config_int.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/private_file.h"

static int s_load_table (vg_cfg__ctx_t *ctx, const vg_cfg_table_t *t, const vg_cfg_node_t *map,
                         void *out, const char *path);

/* ---------------------------------------------------------------- errors */

static void
s_copy_tail (char *dst, size_t size, const char *src)
{
    size_t len = strlen (src);
    if (len >= size)
        src += len - (size - 1);   /* keep the end of a long path: the file name matters */
    memcpy (dst, src, strlen (src) + 1);
}

static void
s_error_vset (vg_cfg_error_t *err, const char *file, int line, const char *key, const char *fmt, va_list ap)
{
    s_copy_tail (err->file, sizeof err->file, file ? file : "");
    err->line = line;
    err->key[0] = '\0';
    if (key)
        strncat (err->key, key, sizeof err->key - 1);
    vsnprintf (err->msg, sizeof err->msg, fmt, ap);
}

void
vg_cfg_error_set (vg_cfg_error_t *err, const char *file, int line, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    s_error_vset (err, file, line, key, fmt, ap);
    va_end (ap);
}

int
vg_cfg__fail (vg_cfg__ctx_t *ctx, int line, const char *key, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    s_error_vset (ctx->err, ctx->file, line, key, fmt, ap);
    va_end (ap);
    return rc;
}

const char *
vg_cfg_error_format (const vg_cfg_error_t *err, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    buf[0] = '\0';
    size_t len = 0;
    int n = 0;
    if (err->file[0] && err->line > 0)
        n = snprintf (buf, size, "%s:%d: ", err->file, err->line);
    else if (err->file[0])
        n = snprintf (buf, size, "%s: ", err->file);
    len = n > 0 && (size_t) n < size ? (size_t) n : strlen (buf);
    if (err->key[0] && len < size) {
        n = snprintf (buf + len, size - len, "key '%s': ", err->key);
        len = n > 0 && (size_t) n < size - len ? len + (size_t) n : strlen (buf);
    }
    if (len < size)
        snprintf (buf + len, size - len, "%s", err->msg);
    return buf;
}

/* ---------------------------------------------------------------- fields */

static void
s_free_field (const vg_cfg_opt_t *o, void *out)
{
    char *base = out;
    void **field = (void **) (base + o->offset);
    size_t *count = (size_t *) (base + o->count_offset);
    switch (o->type) {
    case VG_CFG_STR:
        free (*field);
        *field = NULL;
        break;
    case VG_CFG_STRLIST: {
        char **arr = *field;
        for (size_t i = 0; arr && i < *count; i++)
            free (arr[i]);
        free (arr);
        *field = NULL;
        *count = 0;
        break;
    }
    case VG_CFG_LIST: {
        char *arr = *field;
        for (size_t i = 0; arr && i < *count; i++)
            vg_cfg_free (o->elem, arr + i * o->elem->struct_size);
        free (arr);
        *field = NULL;
        *count = 0;
        break;
    }
    case VG_CFG_NODE:
        vg_cfg__node_free (*field);
        *field = NULL;
        break;
    default:
        break;
    }
}

static size_t
s_field_size (vg_cfg_type_t type)
{
    switch (type) {
    case VG_CFG_INT: case VG_CFG_DURATION: return sizeof (int64_t);
    case VG_CFG_UINT: case VG_CFG_SIZE: return sizeof (uint64_t);
    case VG_CFG_DOUBLE: return sizeof (double);
    case VG_CFG_BOOL: return sizeof (bool);
    case VG_CFG_ENUM: return sizeof (int);
    default: return sizeof (void *);
    }
}

static int
s_check_count (vg_cfg__ctx_t *ctx, const vg_cfg_opt_t *o, size_t n, int line, const char *key)
{
    if (o->max > 0 && (double) n > o->max)
        return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "has %zu items, at most %.15g allowed", n, o->max);
    if ((double) n < o->min)
        return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "has %zu items, at least %.15g needed", n, o->min);
    return 0;
}

/* Convert node v into the field of option o inside out; `key` names it in errors. */
static int
s_convert (vg_cfg__ctx_t *ctx, const vg_cfg_opt_t *o, const vg_cfg_node_t *v, void *out, const char *key)
{
    char *base = out;
    void *field = base + o->offset;
    int line = v ? v->line : 0;
    if (o->type == VG_CFG_NODE) {
        if (vg_cfg__is_null (v) && !o->def)
            return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "needs a value (a map or a sequence)");
        if (vg_cfg__is_null (v))
            return 0;
        vg_cfg_node_t *copy = vg_cfg__node_copy (v);
        if (copy) {
            copy->file = strdup (ctx->file ? ctx->file : "");
            copy->path = strdup (key);
        }
        *(vg_cfg_node_t **) field = copy;
        if (!copy || !copy->file || !copy->path)
            return vg_cfg__fail (ctx, line, key, -VG_ENOMEM, "out of memory");
        return 0;
    }
    if (o->type == VG_CFG_STRLIST || o->type == VG_CFG_LIST) {
        bool strs = o->type == VG_CFG_STRLIST;
        size_t n = vg_cfg__is_null (v) ? 0 : v->n;
        if (!vg_cfg__is_null (v) && v->kind != VG_CFG_NODE_SEQ)
            return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "expected a sequence of %s, got %s",
                           strs ? "strings" : "maps", vg_cfg__kind_name (v));
        int rc = s_check_count (ctx, o, n, line, key);
        if (rc < 0 || n == 0)
            return rc;
        size_t esize = strs ? sizeof (char *) : o->elem->struct_size;
        char *arr = calloc (n, esize);
        if (!arr)
            return vg_cfg__fail (ctx, line, key, -VG_ENOMEM, "out of memory");
        *(void **) field = arr;
        *(size_t *) (base + o->count_offset) = n;
        for (size_t i = 0; i < n; i++) {
            const vg_cfg_node_t *item = v->items[i];
            char ikey[VG_CFG__KEY_MAX];
            snprintf (ikey, sizeof ikey, "%s[%zu]", key, i);
            if (!strs) {
                rc = s_load_table (ctx, o->elem, item, arr + i * esize, ikey);
            } else if (item->kind != VG_CFG_NODE_SCALAR || vg_cfg__is_null (item)) {
                rc = vg_cfg__fail (ctx, item->line, ikey, -VG_ECONFIG, "expected a string, got %s", vg_cfg__kind_name (item));
            } else {
                ((char **) arr)[i] = strdup (item->text);
                if (!((char **) arr)[i])
                    rc = vg_cfg__fail (ctx, item->line, ikey, -VG_ENOMEM, "out of memory");
            }
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (!v || v->kind != VG_CFG_NODE_SCALAR)
        return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "expected a %s, got %s", vg_cfg__type_name (o->type), vg_cfg__kind_name (v));
    if (vg_cfg__is_null (v))
        return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "needs a value (a %s)", vg_cfg__type_name (o->type));
    return vg_cfg__scalar (ctx, o, v->text, line, field, key);
}

/* Apply the default of option o (known to be non-NULL). */
static int
s_apply_default (vg_cfg__ctx_t *ctx, const vg_cfg_opt_t *o, void *out, const char *key)
{
    if (o->type != VG_CFG_STRLIST && o->type != VG_CFG_LIST && o->type != VG_CFG_NODE) {
        vg_cfg_node_t fake = { .kind = VG_CFG_NODE_SCALAR, .text = (char *) o->def };
        return s_convert (ctx, o, &fake, out, key);
    }
    vg_cfg_node_t *root;
    int rc = vg_cfg__parse (ctx, o->def, strlen (o->def), &root);
    if (rc == 0 && !(o->type == VG_CFG_NODE && vg_cfg__is_null (root)))
        rc = s_convert (ctx, o, root, out, key);
    vg_cfg__node_free (root);
    return rc;
}

/* ---------------------------------------------------------------- walking maps */

static const vg_cfg_opt_t *
s_find (const vg_cfg_table_t *t, const char *name)
{
    for (size_t i = 0; i < t->nopts; i++)
        if (!strcmp (t->opts[i].name, name))
            return &t->opts[i];
    return NULL;
}

/* The secret option that "NAME_file" stands for, or NULL. */
static const vg_cfg_opt_t *
s_find_secret_file (const vg_cfg_table_t *t, const char *name)
{
    static const char suffix[] = "_file";
    size_t len = strlen (name), slen = sizeof suffix - 1;
    char base[VG_CFG__KEY_MAX];
    if (len <= slen || len - slen >= sizeof base || strcmp (name + len - slen, suffix) != 0)
        return NULL;
    memcpy (base, name, len - slen);
    base[len - slen] = '\0';
    const vg_cfg_opt_t *o = s_find (t, base);
    return o && o->secret ? o : NULL;
}

/* Fill secret option o from the file named by scalar v (see VG_CFG_SECRET_OPT). */
static int
s_secret_from_file (vg_cfg__ctx_t *ctx, const vg_cfg_opt_t *o, const vg_cfg_node_t *v, void *out, const char *key)
{
    int line = v ? v->line : 0;
    if (!v || v->kind != VG_CFG_NODE_SCALAR || vg_cfg__is_null (v))
        return vg_cfg__fail (ctx, line, key, -VG_ECONFIG, "expected the path of a file holding the secret");
    if (ctx->skip_secret_files)
        return vg_cfg__scalar (ctx, o, "", line, (char *) out + o->offset, key); /* the file is not read */
    char *secret, why[400];
    int rc = vg_secret_read (v->text, &secret, why, sizeof why);
    if (rc < 0)
        return vg_cfg__fail (ctx, line, key, rc, "%s", why);
    rc = vg_cfg__scalar (ctx, o, secret, line, (char *) out + o->offset, key);
    free (secret);
    return rc;
}

static bool
s_is_prefix (const vg_cfg_table_t *t, const char *prefix)
{
    size_t len = strlen (prefix);
    for (size_t i = 0; i < t->nopts; i++)
        if (!strncmp (t->opts[i].name, prefix, len) && t->opts[i].name[len] == '.')
            return true;
    return false;
}

static size_t
s_edit_distance (const char *a, const char *b)
{
    size_t la = strlen (a), lb = strlen (b), row[65];
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *
vg_cfg_suggest (const char *word, const char *const *cands)
{
    const char *pick = NULL;
    size_t best = 3;
    for (size_t i = 0; cands && cands[i]; i++) {
        size_t d = s_edit_distance (word, cands[i]);
        if (d < best && d < strlen (word)) {
            best = d;
            pick = cands[i];
        }
    }
    return pick;
}

/* Unknown key `k` under `prefix`: suggest the nearest key at the same level. */
static int
s_unknown (vg_cfg__ctx_t *ctx, const vg_cfg_table_t *t, int line, const char *prefix, const char *k, const char *shown)
{
    size_t plen = *prefix ? strlen (prefix) + 1 : 0, best = 3, ksegs = 1;
    for (const char *p = k; *p; p++)
        ksegs += *p == '.';
    char cand[VG_CFG__KEY_MAX], pick[VG_CFG__KEY_MAX] = "";
    for (size_t i = 0; i < t->nopts; i++) {
        const char *name = t->opts[i].name;
        if (plen && (strncmp (name, prefix, plen - 1) || name[plen - 1] != '.'))
            continue;
        /* the candidate has as many dotted segments as the key the user wrote */
        const char *rest = name + plen, *end = rest;
        for (size_t segs = 0; *end && (*end != '.' || ++segs < ksegs); end++)
            ;
        size_t len = (size_t) (end - rest);
        if (len >= sizeof cand)
            continue;
        memcpy (cand, rest, len);
        cand[len] = '\0';
        size_t d = s_edit_distance (k, cand);
        if (d < best && d < strlen (k)) {
            best = d;
            memcpy (pick, cand, len + 1);
        }
    }
    if (!pick[0])
        return vg_cfg__fail (ctx, line, shown, -VG_ECONFIG, "unknown key");
    return vg_cfg__fail (ctx, line, shown, -VG_ECONFIG, "unknown key (did you mean '%s%s%s'?)", prefix,
                   *prefix ? "." : "", pick);
}

static int
s_join (char *dst, const char *a, const char *sep, const char *b)
{
    int n = snprintf (dst, VG_CFG__KEY_MAX, "%s%s%s", a, *a ? sep : "", b);
    return n < 0 || n >= VG_CFG__KEY_MAX ? -1 : 0;
}

/* Walk one YAML map whose keys sit under `prefix` (relative to the table); `path` is the
 * table's own place in the file ("collectors[0]") for messages; seen[i] = line of option i. */
static int
s_walk (vg_cfg__ctx_t *ctx, const vg_cfg_table_t *t, const vg_cfg_node_t *map, const char *prefix,
        const char *path, void *out, int *seen)
{
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const vg_cfg_node_t *k = map->items[i], *v = map->items[i + 1];
        char full[VG_CFG__KEY_MAX], shown[VG_CFG__KEY_MAX];
        if (k->kind != VG_CFG_NODE_SCALAR)
            return vg_cfg__fail (ctx, k->line, prefix, -VG_ECONFIG, "a key must be a plain string, not %s",
                           vg_cfg__kind_name (k));
        if (s_join (full, prefix, ".", k->text) < 0 || s_join (shown, path, ".", full) < 0)
            return vg_cfg__fail (ctx, k->line, NULL, -VG_ECONFIG, "key too long");
        for (size_t j = 0; j < i; j += 2)
            if (map->items[j]->kind == VG_CFG_NODE_SCALAR && !strcmp (map->items[j]->text, k->text))
                return vg_cfg__fail (ctx, k->line, shown, -VG_ECONFIG, "duplicate key (first at line %d)",
                               map->items[j]->line);
        const vg_cfg_opt_t *o = s_find (t, full);
        int rc = 0;
        if (o) {
            size_t oi = (size_t) (o - t->opts);
            if (seen[oi])
                return vg_cfg__fail (ctx, k->line, shown, -VG_ECONFIG, "duplicate key (first at line %d)", seen[oi]);
            seen[oi] = k->line;
            rc = s_convert (ctx, o, v, out, shown);
            if (rc == 0 && o->secret && !ctx->secret_key[0] && v->kind == VG_CFG_NODE_SCALAR && v->text[0])
                snprintf (ctx->secret_key, sizeof ctx->secret_key, "%s", shown);
        } else if ((o = s_find_secret_file (t, full)) != NULL) {
            size_t oi = (size_t) (o - t->opts);
            if (seen[oi])
                return vg_cfg__fail (ctx, k->line, shown, -VG_ECONFIG,
                                     "the secret is already given (line %d): use %s or %s_file, not both", seen[oi],
                                     o->name, o->name);
            seen[oi] = k->line;
            rc = s_secret_from_file (ctx, o, v, out, shown);
        } else if (s_is_prefix (t, full)) {
            if (v->kind == VG_CFG_NODE_MAP)
                rc = s_walk (ctx, t, v, full, path, out, seen);
            else if (!vg_cfg__is_null (v))
                rc = vg_cfg__fail (ctx, v->line, shown, -VG_ECONFIG, "expected a map, got %s", vg_cfg__kind_name (v));
        } else {
            rc = s_unknown (ctx, t, k->line, prefix, k->text, shown);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Line of the deepest existing map on the way to dotted `name` (for "missing key"). */
static int
s_enclosing_line (const vg_cfg_node_t *map, const char *name)
{
    int line = map ? map->line : 0;
    char buf[VG_CFG__KEY_MAX];
    snprintf (buf, sizeof buf, "%s", name);
    char *seg = buf, *dot = strchr (seg, '.');
    while (map && map->kind == VG_CFG_NODE_MAP && dot) {
        *dot = '\0';
        const vg_cfg_node_t *next = NULL;
        for (size_t i = 0; i + 1 < map->n && !next; i += 2) {
            if (map->items[i]->kind == VG_CFG_NODE_SCALAR && !strcmp (map->items[i]->text, seg)) {
                next = map->items[i + 1];
                line = map->items[i]->line;
            }
        }
        map = next;
        seg = dot + 1;
        dot = strchr (seg, '.');
    }
    return line;
}

/* Fill out (zeroed first) from map (NULL or null = empty) with table t; free it on error. */
static int
s_load_table (vg_cfg__ctx_t *ctx, const vg_cfg_table_t *t, const vg_cfg_node_t *map, void *out, const char *path)
{
    memset (out, 0, t->struct_size);
    if (vg_cfg__is_null (map))
        map = NULL;
    if (map && map->kind != VG_CFG_NODE_MAP)
        return vg_cfg__fail (ctx, map->line, path, -VG_ECONFIG, "expected a map of keys, got %s", vg_cfg__kind_name (map));
    int *seen = calloc (t->nopts + 1, sizeof *seen);
    if (!seen)
        return vg_cfg__fail (ctx, map ? map->line : 0, path, -VG_ENOMEM, "out of memory");
    int rc = map ? s_walk (ctx, t, map, "", path, out, seen) : 0;
    for (size_t i = 0; rc == 0 && i < t->nopts; i++) {
        const vg_cfg_opt_t *o = &t->opts[i];
        char shown[VG_CFG__KEY_MAX];
        if (seen[i])
            continue;
        if (s_join (shown, path, ".", o->name) < 0)
            rc = vg_cfg__fail (ctx, 0, NULL, -VG_ECONFIG, "key too long");
        else if (!o->def)
            rc = vg_cfg__fail (ctx, s_enclosing_line (map, o->name), shown, -VG_ECONFIG, "missing required key");
        else
            rc = s_apply_default (ctx, o, out, shown);
    }
    free (seen);
    if (rc < 0)
        vg_cfg_free (t, out);
    return rc;
}

/* ---------------------------------------------------------------- public */

static int
s_load_text (vg_cfg__ctx_t *ctx, const vg_cfg_table_t *t, const char *text, size_t len, void *out)
{
    vg_cfg_node_t *root;
    int rc = vg_cfg__parse (ctx, text, len, &root);
    if (rc == 0)
        rc = s_load_table (ctx, t, root, out, "");
    vg_cfg__node_free (root);
    return rc;
}

int
vg_cfg_load_string (const vg_cfg_table_t *t, const char *name, const char *yaml, void *out, vg_cfg_error_t *err)
{
    vg_cfg_error_t scratch;
    if (!err)
        err = &scratch;
    assert (t && out);
    memset (err, 0, sizeof *err);
    memset (out, 0, t->struct_size);
    vg_cfg__ctx_t ctx = { .file = name ? name : "<string>", .err = err };
    return s_load_text (&ctx, t, yaml, strlen (yaml), out);
}

static int
s_load_file (const vg_cfg_table_t *t, const char *path, void *out, vg_cfg_error_t *err, bool skip_secret_files)
{
    vg_cfg_error_t scratch;
    if (!err)
        err = &scratch;
    assert (t && out);
    vg_cfg__ctx_t ctx = { .file = path, .err = err, .skip_secret_files = skip_secret_files };
    memset (err, 0, sizeof *err);
    memset (out, 0, t->struct_size);
    FILE *f = fopen (path, "rb");
    if (!f) {
        char why[128] = "unknown error";
        strerror_r (errno, why, sizeof why);
        return vg_cfg__fail (&ctx, 0, NULL, -VG_EIO, "cannot open: %s", why);
    }
    struct stat sb;
    unsigned mode = fstat (fileno (f), &sb) == 0 ? (unsigned) (sb.st_mode & 07777) : 0;
    size_t len = 0, cap = 64 * 1024;
    char *buf = malloc (cap);
    int rc = buf ? 0 : vg_cfg__fail (&ctx, 0, NULL, -VG_ENOMEM, "out of memory");
    while (rc == 0) {
        if (len == cap) {
            /* read at most one byte past the bound: enough to know the file is too big */
            size_t ncap = cap * 2 > (size_t) VG_CFG_MAX_BYTES + 1 ? (size_t) VG_CFG_MAX_BYTES + 1 : cap * 2;
            if (ncap == cap)
                break;
            char *nb = realloc (buf, ncap);
            if (!nb) {
                rc = vg_cfg__fail (&ctx, 0, NULL, -VG_ENOMEM, "out of memory");
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread (buf + len, 1, cap - len, f);
        len += got;
        if (got == 0 && ferror (f)) {
            char why[128] = "unknown error";
            strerror_r (errno, why, sizeof why);
            rc = vg_cfg__fail (&ctx, 0, NULL, -VG_EIO, "cannot read: %s", why);
        } else if (got == 0) {
            break;
        }
    }
    fclose (f);
    if (rc == 0)
        rc = s_load_text (&ctx, t, buf, len, out);
    free (buf);
    if (rc == 0 && ctx.secret_key[0] && (mode & 044))
        snprintf (err->warn, sizeof err->warn,
                  "%.300s holds the secret '%.120s' inline and is readable by group or others (mode %04o): "
                  "chmod 600 %.300s, or put the secret in a 0600 file named by '%.120s_file'",
                  path, ctx.secret_key, mode, path, ctx.secret_key);
    return rc;
}

int
vg_cfg_load_file (const vg_cfg_table_t *t, const char *path, void *out, vg_cfg_error_t *err)
{
    return s_load_file (t, path, out, err, false);
}

int
vg_cfg_load_file_no_secrets (const vg_cfg_table_t *t, const char *path, void *out, vg_cfg_error_t *err)
{
    return s_load_file (t, path, out, err, true);
}

static const vg_cfg_node_t *
s_node_root (const vg_cfg_node_t *n)
{
    while (n->parent)
        n = n->parent;
    return n;
}

/* Key path of a node inside its kept subtree: "inputs[1]", "inputs[1].tls". */
static void
s_node_path (const vg_cfg_node_t *n, char *buf, size_t size)
{
    if (!n->parent) {
        snprintf (buf, size, "%s", n->path ? n->path : "");
        return;
    }
    s_node_path (n->parent, buf, size);
    const vg_cfg_node_t *p = n->parent;
    size_t len = strlen (buf);
    for (size_t i = 0; i < p->n && len < size; i++) {
        if (p->items[i] != n)
            continue;
        if (p->kind == VG_CFG_NODE_SEQ)
            snprintf (buf + len, size - len, "[%zu]", i);
        else if (i % 2 == 1 && p->items[i - 1]->kind == VG_CFG_NODE_SCALAR)
            snprintf (buf + len, size - len, "%s%s", len ? "." : "", p->items[i - 1]->text);
        break;
    }
}

int
vg_cfg_load_node (const vg_cfg_table_t *t, const vg_cfg_node_t *node, void *out, vg_cfg_error_t *err)
{
    vg_cfg_error_t scratch;
    if (!err)
        err = &scratch;
    assert (t && out);
    memset (err, 0, sizeof *err);
    char path[VG_CFG__KEY_MAX] = "";
    vg_cfg__ctx_t ctx = { .file = "", .err = err };
    if (node) {
        ctx.file = s_node_root (node)->file;
        s_node_path (node, path, sizeof path);
    }
    return s_load_table (&ctx, t, node, out, path);
}

int
vg_cfg_defaults (const vg_cfg_table_t *t, void *out, vg_cfg_error_t *err)
{
    vg_cfg_error_t scratch;
    if (!err)
        err = &scratch;
    assert (t && out);
    vg_cfg__ctx_t ctx = { .file = "defaults", .err = err };
    memset (err, 0, sizeof *err);
    memset (out, 0, t->struct_size);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < t->nopts; i++)
        if (t->opts[i].def)
            rc = s_apply_default (&ctx, &t->opts[i], out, t->opts[i].name);
    if (rc < 0)
        vg_cfg_free (t, out);
    return rc;
}

int
vg_cfg_set (const vg_cfg_table_t *t, void *out, const char *key, const char *value, vg_cfg_error_t *err)
{
    vg_cfg_error_t scratch;
    if (!err)
        err = &scratch;
    assert (t && out);
    vg_cfg__ctx_t ctx = { .file = "command line", .err = err };
    memset (err, 0, sizeof *err);
    const vg_cfg_opt_t *o = s_find (t, key);
    bool from_file = !o && (o = s_find_secret_file (t, key)) != NULL;
    if (!o)
        return s_unknown (&ctx, t, 0, "", key, key);
    /* Move the old value aside into a scratch struct so that a failure can restore it. */
    char *base = out, *old = calloc (1, t->struct_size);
    if (!old)
        return vg_cfg__fail (&ctx, 0, key, -VG_ENOMEM, "out of memory");
    size_t fsize = s_field_size (o->type);
    bool counted = o->type == VG_CFG_STRLIST || o->type == VG_CFG_LIST;
    memcpy (old + o->offset, base + o->offset, fsize);
    memset (base + o->offset, 0, fsize);
    if (counted) {
        memcpy (old + o->count_offset, base + o->count_offset, sizeof (size_t));
        memset (base + o->count_offset, 0, sizeof (size_t));
    }
    int rc;
    if (counted || o->type == VG_CFG_NODE) {
        vg_cfg_node_t *root;
        rc = vg_cfg__parse (&ctx, value, strlen (value), &root);
        if (rc == 0)
            rc = s_convert (&ctx, o, root, out, key);
        vg_cfg__node_free (root);
    } else {
        vg_cfg_node_t fake = { .kind = VG_CFG_NODE_SCALAR, .text = (char *) value };
        rc = from_file ? s_secret_from_file (&ctx, o, &fake, out, key) : s_convert (&ctx, o, &fake, out, key);
    }
    if (rc < 0) {
        s_free_field (o, out);
        memcpy (base + o->offset, old + o->offset, fsize);
        if (counted)
            memcpy (base + o->count_offset, old + o->count_offset, sizeof (size_t));
    } else {
        s_free_field (o, old);
    }
    free (old);
    return rc;
}

void
vg_cfg_free (const vg_cfg_table_t *t, void *out)
{
    if (!t || !out)
        return;
    for (size_t i = 0; i < t->nopts; i++)
        s_free_field (&t->opts[i], out);
    memset (out, 0, t->struct_size);
}

