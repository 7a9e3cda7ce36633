/* config_tree.c - YAML text to the configuration loader's node tree.
 *
 * libyaml's event parser builds a small bounded tree (size, depth and node count are capped;
 * aliases are refused).  The option table (config.c) reads it; the public accessors let
 * other modules walk a kept subtree or a whole tree of their own (the rules file,
 * vg_cfg_tree_parse) with line numbers for their errors.  No global state. */
#include "common/config_int.h"


#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "common/clock.h"
#include "common/err.h"

/* ---------------------------------------------------------------- tree */

void
vg_cfg__node_free (vg_cfg_node_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        vg_cfg__node_free (n->items[i]);
    free (n->items);
    free (n->text);
    free (n->file);
    free (n->path);
    free (n);
}

static vg_cfg_node_t *
s_node_new (vg_cfg_node_kind_t kind, int line)
{
    vg_cfg_node_t *n = calloc (1, sizeof *n);
    if (n) {
        n->kind = kind;
        n->line = line;
    }
    return n;
}

static int
s_node_add (vg_cfg_node_t *parent, vg_cfg_node_t *child)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        vg_cfg_node_t **items = realloc (parent->items, cap * sizeof *items);
        if (!items)
            return -VG_ENOMEM;
        parent->items = items;
        parent->cap = cap;
    }
    parent->items[parent->n++] = child;
    child->parent = parent;
    return 0;
}

vg_cfg_node_t *
vg_cfg__node_copy (const vg_cfg_node_t *src)
{
    vg_cfg_node_t *n = s_node_new (src->kind, src->line);
    if (!n)
        return NULL;
    n->plain = src->plain;
    if (src->text) {
        n->text = strdup (src->text);
        if (!n->text)
            goto fail;
    }
    for (size_t i = 0; i < src->n; i++) {
        vg_cfg_node_t *c = vg_cfg__node_copy (src->items[i]);
        if (!c)
            goto fail;
        if (s_node_add (n, c) < 0) {
            vg_cfg__node_free (c);
            goto fail;
        }
    }
    return n;
fail:
    vg_cfg__node_free (n);
    return NULL;
}

bool
vg_cfg__is_null (const vg_cfg_node_t *n)
{
    if (!n)
        return true;
    if (n->kind != VG_CFG_NODE_SCALAR || !n->plain)
        return false;
    const char *s = n->text;
    return !*s || !strcmp (s, "~") || !strcmp (s, "null") || !strcmp (s, "Null") || !strcmp (s, "NULL");
}

const char *
vg_cfg__kind_name (const vg_cfg_node_t *n)
{
    if (vg_cfg__is_null (n))
        return "nothing";
    return n->kind == VG_CFG_NODE_MAP ? "a map" : n->kind == VG_CFG_NODE_SEQ ? "a sequence" : "a scalar";
}

static int
s_syntax_error (vg_cfg__ctx_t *ctx, const yaml_parser_t *p, const char *text, size_t len)
{
    if (p->error == YAML_MEMORY_ERROR)
        return vg_cfg__fail (ctx, 0, NULL, -VG_ENOMEM, "out of memory");
    const char *problem = p->problem ? p->problem : "unknown problem";
    if (p->error == YAML_READER_ERROR) {
        /* the reader reports a byte offset only: count the lines up to it */
        int line = 1;
        for (size_t i = 0; i < p->problem_offset && i < len; i++)
            line += text[i] == '\n';
        return vg_cfg__fail (ctx, line, NULL, -VG_ECONFIG, "YAML error: %s (byte %zu)", problem, p->problem_offset);
    }
    int line = (int) p->problem_mark.line + 1, cline = (int) p->context_mark.line + 1;
    if (p->context && cline != line)
        return vg_cfg__fail (ctx, line, NULL, -VG_ECONFIG, "YAML syntax error: %s (%s at line %d)", problem,
                       p->context, cline);
    if (p->context)
        return vg_cfg__fail (ctx, line, NULL, -VG_ECONFIG, "YAML syntax error: %s (%s)", problem, p->context);
    return vg_cfg__fail (ctx, line, NULL, -VG_ECONFIG, "YAML syntax error: %s", problem);
}

/* Turn one YAML event into a node and hang it under the open container. */
static int
s_parse_event (vg_cfg__ctx_t *ctx, const yaml_event_t *ev, vg_cfg_node_t **stack, int *depth,
               size_t *nodes, vg_cfg_node_t **root)
{
    int line = (int) ev->start_mark.line + 1;
    vg_cfg_node_kind_t kind;
    if (ev->type == YAML_SCALAR_EVENT)
        kind = VG_CFG_NODE_SCALAR;
    else if (ev->type == YAML_MAPPING_START_EVENT)
        kind = VG_CFG_NODE_MAP;
    else
        kind = VG_CFG_NODE_SEQ;
    if (++*nodes > VG_CFG_MAX_NODES)
        return vg_cfg__fail (ctx, line, NULL, -VG_ETOOBIG, "more than %d values in one document", VG_CFG_MAX_NODES);
    if (kind != VG_CFG_NODE_SCALAR && *depth == VG_CFG_MAX_DEPTH)
        return vg_cfg__fail (ctx, line, NULL, -VG_ETOOBIG, "nested deeper than %d levels", VG_CFG_MAX_DEPTH);
    if (kind == VG_CFG_NODE_SCALAR && memchr (ev->data.scalar.value, 0, ev->data.scalar.length))
        return vg_cfg__fail (ctx, line, NULL, -VG_ECONFIG, "a value contains a NUL character");
    vg_cfg_node_t *n = s_node_new (kind, line);
    if (!n)
        return vg_cfg__fail (ctx, line, NULL, -VG_ENOMEM, "out of memory");
    if (kind == VG_CFG_NODE_SCALAR) {
        size_t len = ev->data.scalar.length;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag;
        n->text = malloc (len + 1);
        if (!n->text) {
            vg_cfg__node_free (n);
            return vg_cfg__fail (ctx, line, NULL, -VG_ENOMEM, "out of memory");
        }
        memcpy (n->text, ev->data.scalar.value, len);
        n->text[len] = '\0';
    }
    if (*depth == 0)
        *root = n;
    else if (s_node_add (stack[*depth - 1], n) < 0) {
        vg_cfg__node_free (n);
        return vg_cfg__fail (ctx, line, NULL, -VG_ENOMEM, "out of memory");
    }
    if (kind != VG_CFG_NODE_SCALAR)
        stack[(*depth)++] = n;
    return 0;
}

/* Parse one YAML document into *root_p (NULL for an empty document). */
int
vg_cfg__parse (vg_cfg__ctx_t *ctx, const char *text, size_t len, vg_cfg_node_t **root_p)
{
    *root_p = NULL;
    if (len > VG_CFG_MAX_BYTES)
        return vg_cfg__fail (ctx, 0, NULL, -VG_ETOOBIG, "larger than %u MiB", VG_CFG_MAX_BYTES >> 20);
    yaml_parser_t p;
    if (!yaml_parser_initialize (&p))
        return vg_cfg__fail (ctx, 0, NULL, -VG_ENOMEM, "out of memory");
    yaml_parser_set_input_string (&p, (const unsigned char *) text, len);
    vg_cfg_node_t *stack[VG_CFG_MAX_DEPTH];
    vg_cfg_node_t *root = NULL;
    int depth = 0, docs = 0, rc = 0;
    size_t nodes = 0;
    bool done = false;
    while (!done && rc == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse (&p, &ev)) {
            rc = s_syntax_error (ctx, &p, text, len);
            break;
        }
        int line = (int) ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            docs++;
            if (docs > 1)
                rc = vg_cfg__fail (ctx, line, NULL, -VG_ECONFIG, "more than one YAML document");
            break;
        case YAML_ALIAS_EVENT:
            rc = vg_cfg__fail (ctx, line, NULL, -VG_ECONFIG, "aliases (*%s) are not supported",
                         (const char *) ev.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            rc = s_parse_event (ctx, &ev, stack, &depth, &nodes, &root);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        default:
            break;
        }
        yaml_event_delete (&ev);
    }
    yaml_parser_delete (&p);
    if (rc < 0) {
        vg_cfg__node_free (root);
        return rc;
    }
    *root_p = root;
    return 0;
}

/* ---------------------------------------------------------------- public */

int
vg_cfg_tree_parse (const char *name, const char *yaml, size_t len, vg_cfg_node_t **root_p, vg_cfg_error_t *err)
{
    vg_cfg_error_t scratch;
    if (!err)
        err = &scratch;
    assert (yaml && root_p);
    memset (err, 0, sizeof *err);
    vg_cfg__ctx_t ctx = { .file = name ? name : "<string>", .err = err };
    int rc = vg_cfg__parse (&ctx, yaml, len, root_p);
    if (rc == 0 && *root_p) {
        (*root_p)->file = strdup (ctx.file);
        if (!(*root_p)->file) {
            vg_cfg_node_destroy (root_p);
            rc = vg_cfg__fail (&ctx, 0, NULL, -VG_ENOMEM, "out of memory");
        }
    }
    return rc;
}

void
vg_cfg_node_destroy (vg_cfg_node_t **root_p)
{
    if (!root_p || !*root_p)
        return;
    assert (!(*root_p)->parent); /* a borrowed node belongs to its root */
    vg_cfg__node_free (*root_p);
    *root_p = NULL;
}

const vg_cfg_node_t *
vg_cfg_node_get (const vg_cfg_node_t *node, const char *key)
{
    char buf[VG_CFG__KEY_MAX];
    if (!node || snprintf (buf, sizeof buf, "%s", key) >= (int) sizeof buf)
        return NULL;
    char *seg = buf;
    while (node && node->kind == VG_CFG_NODE_MAP) {
        char *dot = strchr (seg, '.');
        if (dot)
            *dot = '\0';
        const vg_cfg_node_t *next = NULL;
        for (size_t i = 0; i + 1 < node->n && !next; i += 2)
            if (node->items[i]->kind == VG_CFG_NODE_SCALAR && !strcmp (node->items[i]->text, seg))
                next = node->items[i + 1];
        if (!dot)
            return next;
        node = next;
        seg = dot + 1;
    }
    return NULL;
}

const char *
vg_cfg_node_get_str (const vg_cfg_node_t *node, const char *key)
{
    const vg_cfg_node_t *v = vg_cfg_node_get (node, key);
    return v && v->kind == VG_CFG_NODE_SCALAR && !vg_cfg__is_null (v) ? v->text : NULL;
}

const vg_cfg_node_t *
vg_cfg_node_key (const vg_cfg_node_t *node, size_t i)
{
    if (!node || node->kind != VG_CFG_NODE_MAP || i >= node->n / 2)
        return NULL;
    return node->items[2 * i];
}

const vg_cfg_node_t *
vg_cfg_node_value (const vg_cfg_node_t *node, size_t i)
{
    if (!node || node->kind != VG_CFG_NODE_MAP || i >= node->n / 2)
        return NULL;
    return node->items[2 * i + 1];
}

const char *
vg_cfg_node_text (const vg_cfg_node_t *node)
{
    return node && node->kind == VG_CFG_NODE_SCALAR ? node->text : NULL;
}

bool
vg_cfg_node_is_null (const vg_cfg_node_t *node)
{
    return vg_cfg__is_null (node);
}

vg_cfg_node_kind_t
vg_cfg_node_kind (const vg_cfg_node_t *node)
{
    return node ? node->kind : VG_CFG_NODE_SCALAR;
}

size_t
vg_cfg_node_len (const vg_cfg_node_t *node)
{
    if (!node || node->kind == VG_CFG_NODE_SCALAR)
        return 0;
    return node->kind == VG_CFG_NODE_MAP ? node->n / 2 : node->n;
}

const vg_cfg_node_t *
vg_cfg_node_at (const vg_cfg_node_t *node, size_t i)
{
    if (!node || node->kind != VG_CFG_NODE_SEQ || i >= node->n)
        return NULL;
    return node->items[i];
}

int
vg_cfg_node_line (const vg_cfg_node_t *node)
{
    return node ? node->line : 0;
}
