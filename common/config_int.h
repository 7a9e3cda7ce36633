/* config_int.h - internals shared by the configuration loader's files (not public):
 * config_tree.c (YAML text -> bounded node tree), config.c (tree -> typed struct through an
 * option table), config_scalar.c (one scalar's text -> its typed field) and config_doc.c
 * (--help and Markdown from the same table).  The vg_cfg__
 * prefix marks names that only those files use. */
#ifndef VG_CONFIG_INT_H
#define VG_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"

#define VG_CFG__KEY_MAX 256


struct vg_cfg_node {
    vg_cfg_node_kind_t kind;
    int line;                 /* 1-based */
    bool plain;               /* scalar written without quotes or tag: "", ~, null mean null */
    char *text;               /* scalar value */
    vg_cfg_node_t **items;    /* map: key, value, key, value...; sequence: items */
    size_t n, cap;
    vg_cfg_node_t *parent;
    char *file;               /* root of a kept subtree: the file it came from */
    char *path;               /* root of a kept subtree: its key ("inputs") */
};

typedef struct {
    const char *file;         /* names the input in errors */
    vg_cfg_error_t *err;
    char secret_key[VG_CFG__KEY_MAX]; /* first secret option written inline, "" = none */
    bool skip_secret_files;   /* NAME_file secrets: the path checked, the file not read */
} vg_cfg__ctx_t;

/* Record an error in ctx->err (file, line, key, printf-style message); returns rc. */
int vg_cfg__fail (vg_cfg__ctx_t *ctx, int line, const char *key, int rc, const char *fmt, ...);
/* Parse YAML text into a tree; *root_p is owned by the caller (vg_cfg__node_free).
 * Returns 0 or a negative code with ctx->err filled. */
int vg_cfg__parse (vg_cfg__ctx_t *ctx, const char *text, size_t len, vg_cfg_node_t **root_p);
/* Free a tree (NULL-safe). */
void vg_cfg__node_free (vg_cfg_node_t *n);
/* Deep copy of a subtree, or NULL when out of memory. */
vg_cfg_node_t *vg_cfg__node_copy (const vg_cfg_node_t *src);
/* True for a missing node or a plain null scalar ("", ~, null). */
bool vg_cfg__is_null (const vg_cfg_node_t *n);
/* "map", "list" or "scalar", for error messages. */
const char *vg_cfg__kind_name (const vg_cfg_node_t *n);
/* A number printed as the option's type shows it ("64MiB", "30s", "12"). */
void vg_cfg__fmt_value (vg_cfg_type_t type, double v, char *buf, size_t size);
/* The option type's name in help output ("uint", "duration", ...). */
const char *vg_cfg__type_name (vg_cfg_type_t type);
/* Convert scalar text into the field of option o (config_scalar.c), range-checked; key and
 * line name it in errors.  Strings already in the field are not freed: every caller hands a
 * zeroed field.  Returns 0, or a negative code with ctx->err filled (-VG_ENOMEM when a
 * string cannot be copied). */
int vg_cfg__scalar (vg_cfg__ctx_t *ctx, const vg_cfg_opt_t *o, const char *text, int line, void *field,
                    const char *key);

#endif
