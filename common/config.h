/* config.h - table-driven YAML configuration: one table of options drives parsing,
 * validation, --help and docs/CONFIG.md.
 *
 * Invariant: a load either fills every option of the table (from the file or from its
 * default) and returns 0, or returns a negative code, fills *err with the file, line, key
 * and reason, and leaves the target struct zeroed.  No global state: every call is
 * independent, so different threads may load different files at the same time. */
#ifndef VG_CONFIG_H
#define VG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Option types and the C type of the field each one writes (at vg_cfg_opt_t.offset):
 *   VG_CFG_STR       char *           heap copy; max > 0 bounds its length in bytes
 *   VG_CFG_INT       int64_t          decimal or 0x hex
 *   VG_CFG_UINT      uint64_t
 *   VG_CFG_DOUBLE    double           finite only
 *   VG_CFG_BOOL      bool             true/false, yes/no, on/off (any case)
 *   VG_CFG_DURATION  int64_t ms       "500ms", "10s", "5m", "2h", "7d", "1w"; digits = ms
 *   VG_CFG_SIZE      uint64_t bytes   "4096", "64KiB", "64MiB", "1GB"; K/M/G/T alone are
 *                                     binary (KiB...), KB/MB/GB/TB decimal; case-insensitive
 *   VG_CFG_ENUM      int              index of the value in `choices` (case-sensitive)
 *   VG_CFG_STRLIST   char **          + size_t count at count_offset; a sequence of scalars
 *   VG_CFG_LIST      T *              + size_t count at count_offset; a sequence of maps, each
 *                                     parsed with `elem` into an array of elem->struct_size
 *   VG_CFG_NODE      vg_cfg_node_t *  the raw YAML subtree, parsed later with another table;
 *                                     NULL when absent or null ("inputs:" with no value)
 * Bounds (min, max): for numbers, durations (ms) and sizes (bytes) the value must lie in
 * [min, max] unless min == max == 0.  For STRLIST and LIST, min is the least and max (if > 0)
 * the most items allowed. */
typedef enum {
    VG_CFG_STR,
    VG_CFG_INT,
    VG_CFG_UINT,
    VG_CFG_DOUBLE,
    VG_CFG_BOOL,
    VG_CFG_DURATION,
    VG_CFG_SIZE,
    VG_CFG_ENUM,
    VG_CFG_STRLIST,
    VG_CFG_LIST,
    VG_CFG_NODE
} vg_cfg_type_t;

typedef struct vg_cfg_table vg_cfg_table_t;

/* One option.  `def` is the default as YAML text; NULL makes the option required.  Scalar
 * defaults are taken literally ("" is an empty string); STRLIST/LIST/NODE defaults are parsed
 * as YAML ("[]", "[a, b]"; "" leaves the list empty or the node NULL). */
typedef struct {
    const char *name;               /* dotted key relative to the table root: "store.path" */
    vg_cfg_type_t type;
    size_t offset;                  /* offsetof the field in the target struct */
    double min, max;                /* see above; min == max == 0: unbounded */
    const char *def;                /* default as YAML text, NULL = required */
    const char *help;               /* one line */
    const char *const *choices;     /* ENUM: NULL-terminated list of accepted values */
    const vg_cfg_table_t *elem;     /* LIST: table of each element */
    size_t count_offset;            /* STRLIST/LIST: offsetof a size_t count field */
    bool secret;                    /* STR holding a secret: also NAME_file (see VG_CFG_SECRET_OPT) */
} vg_cfg_opt_t;

struct vg_cfg_table {
    const char *name;               /* shown in --help and docs: "vigil-agent" */
    const vg_cfg_opt_t *opts;
    size_t nopts;
    size_t struct_size;             /* sizeof the target struct */
};

/* Table rows without positional padding (needs <stddef.h> offsetof); `st` is the target
 * struct type, `field` the member written:
 *   VG_CFG_OPT ("batch.max_samples", VG_CFG_UINT, cfg_t, max_samples, 1, 1048576, "10000", "...")
 *   VG_CFG_ENUM_OPT ("log.level", cfg_t, level, levels, "info", "...")
 *   VG_CFG_STRLIST_OPT ("tags", cfg_t, tags, ntags, 0, 16, "[]", "...")
 *   VG_CFG_LIST_OPT ("collectors", cfg_t, collectors, ncollectors, &coll_table, 1, 8, NULL, "...")
 *   static const vg_cfg_table_t table = VG_CFG_TABLE ("vigil-agent", opts, cfg_t); */
#define VG_CFG_OPT(name_, type_, st, field, min_, max_, def_, help_)                                   \
    { .name = (name_), .type = (type_), .offset = offsetof (st, field), .min = (min_), .max = (max_),   \
      .def = (def_), .help = (help_) }
#define VG_CFG_ENUM_OPT(name_, st, field, choices_, def_, help_)                                       \
    { .name = (name_), .type = VG_CFG_ENUM, .offset = offsetof (st, field), .def = (def_),             \
      .help = (help_), .choices = (choices_) }
#define VG_CFG_STRLIST_OPT(name_, st, field, count, min_, max_, def_, help_)                          \
    { .name = (name_), .type = VG_CFG_STRLIST, .offset = offsetof (st, field), .min = (min_),          \
      .max = (max_), .def = (def_), .help = (help_), .count_offset = offsetof (st, count) }
#define VG_CFG_LIST_OPT(name_, st, field, count, elem_, min_, max_, def_, help_)                      \
    { .name = (name_), .type = VG_CFG_LIST, .offset = offsetof (st, field), .min = (min_),             \
      .max = (max_), .def = (def_), .help = (help_), .elem = (elem_), .count_offset = offsetof (st, count) }
/* A secret (a key, a password): a STR option, empty by default, that may instead be given as
 * "NAME_file: PATH", a file read once at load with one trailing newline dropped and refused
 * when group or others may read it (common/private_file.h).  Giving both is an error; a
 * secret written inline in a file others can read leaves a warning in vg_cfg_error_t.warn. */
#define VG_CFG_SECRET_OPT(name_, st, field, max_, help_)                                               \
    { .name = (name_), .type = VG_CFG_STR, .offset = offsetof (st, field), .max = (max_), .def = "",    \
      .help = (help_), .secret = true }
#define VG_CFG_TABLE(name_, opts_, st)                                                                 \
    { .name = (name_), .opts = (opts_), .nopts = sizeof (opts_) / sizeof (opts_)[0], .struct_size = sizeof (st) }

/* A YAML node (opaque): a kept subtree, owned by the struct it was loaded into and freed by
 * vg_cfg_free, or a whole tree from vg_cfg_tree_parse, freed by vg_cfg_node_destroy.  Nodes
 * obtained through the accessors below are borrowed from their root. */
typedef struct vg_cfg_node vg_cfg_node_t;

typedef enum { VG_CFG_NODE_SCALAR, VG_CFG_NODE_MAP, VG_CFG_NODE_SEQ } vg_cfg_node_kind_t;

/* Where and why a load failed.  line is 1-based, 0 when unknown; key and file may be empty.
 * After a successful vg_cfg_load_file, warn holds a line for the caller to log, or "": a
 * secret written inline in a file that group or others may read (naming key, file and fix). */
typedef struct {
    char file[256];
    int line;
    char key[128];
    char msg[256];
    char warn[1024];
} vg_cfg_error_t;

/* Hard bounds on any input. */
#define VG_CFG_MAX_BYTES (4u << 20)  /* a file or string larger than this is rejected */
#define VG_CFG_MAX_DEPTH 32          /* maps and sequences nested deeper are rejected */
#define VG_CFG_MAX_NODES 500000      /* scalars + maps + sequences in one document */

/* Load the YAML file at `path` into `out` (a struct of t->struct_size bytes, overwritten).
 * Returns 0; or -VG_EIO (cannot open/read), -VG_ETOOBIG (size, depth, node count),
 * -VG_ENOMEM, -VG_ECONFIG (syntax, unknown/duplicate/missing key, bad type or range), with
 * *err filled and `out` zeroed.  The caller frees a loaded struct with vg_cfg_free.
 * In every function below err may be NULL (the reason is then dropped); t and out may not.
 * YAML aliases are refused; only the first error is reported. */
int vg_cfg_load_file (const vg_cfg_table_t *t, const char *path, void *out, vg_cfg_error_t *err);
/* Same as vg_cfg_load_file for a reader that needs none of the secrets (vigil replay reads a
 * collector's detect settings): a NAME_file secret option must still name a path, but the
 * file is not read and the secret stays "", so neither the key file's presence nor the
 * right to read it is needed.  Inline secrets load as usual. */
int vg_cfg_load_file_no_secrets (const vg_cfg_table_t *t, const char *path, void *out, vg_cfg_error_t *err);
/* Same as vg_cfg_load_file for YAML text; `name` stands for the file name in errors. */
int vg_cfg_load_string (const vg_cfg_table_t *t, const char *name, const char *yaml, void *out,
                        vg_cfg_error_t *err);
/* Parse a kept subtree (a map; NULL counts as an empty map) with another table.  Errors name
 * the original file and line, and keys carry the subtree's path ("inputs[1].port").  The node
 * is not modified and stays owned by its struct.  Returns as vg_cfg_load_file. */
int vg_cfg_load_node (const vg_cfg_table_t *t, const vg_cfg_node_t *node, void *out,
                      vg_cfg_error_t *err);
/* Zero `out` and fill every option that has a default; required options stay zero.
 * Returns 0, or -VG_ECONFIG if a default in the table is itself invalid (a programming
 * error the table tests catch), or -VG_ENOMEM. */
int vg_cfg_defaults (const vg_cfg_table_t *t, void *out, vg_cfg_error_t *err);
/* Override one option of a loaded struct from the command line: `key` is an option name as
 * in the table ("batch.max_samples"), `value` is scalar text, or YAML flow text for
 * STRLIST/LIST/NODE ("[a, b]").  The value is validated like a file value; on error the
 * struct keeps its previous value.  Returns 0, -VG_ECONFIG or -VG_ENOMEM. */
int vg_cfg_set (const vg_cfg_table_t *t, void *out, const char *key, const char *value,
                vg_cfg_error_t *err);
/* Free the strings, lists and nodes of a struct filled by this module, recursing into LIST
 * elements, and zero it.  Safe on a zeroed struct and after a failed load. */
void vg_cfg_free (const vg_cfg_table_t *t, void *out);

/* The scalar at dotted `key` inside map `node` ("type", "tls.cert"); NULL if the node is not
 * a map, the key is absent, or its value is not a scalar.  Borrowed from the node. */
const char *vg_cfg_node_get_str (const vg_cfg_node_t *node, const char *key);
/* Kind of a node.  A YAML null ("key:" with no value) is an empty plain scalar. */
vg_cfg_node_kind_t vg_cfg_node_kind (const vg_cfg_node_t *node);
/* Items of a sequence, key/value pairs of a map, 0 for a scalar or NULL. */
size_t vg_cfg_node_len (const vg_cfg_node_t *node);
/* The i-th item of a sequence (borrowed), NULL if out of range or not a sequence. */
const vg_cfg_node_t *vg_cfg_node_at (const vg_cfg_node_t *node, size_t i);
/* 1-based line where the node starts in its file; 0 for NULL. */
int vg_cfg_node_line (const vg_cfg_node_t *node);
/* The value at dotted `key` inside map `node` ("match", "tls.cert"), any kind (borrowed);
 * NULL if the node is not a map or the key is absent.  Of repeated keys, the first. */
const vg_cfg_node_t *vg_cfg_node_get (const vg_cfg_node_t *node, const char *key);
/* The key and the value of the i-th pair of a map (borrowed), in file order; NULL if the
 * node is not a map or i >= vg_cfg_node_len.  Keys are usually scalars, but YAML allows
 * a map or a sequence as a key: check with vg_cfg_node_text. */
const vg_cfg_node_t *vg_cfg_node_key (const vg_cfg_node_t *node, size_t i);
const vg_cfg_node_t *vg_cfg_node_value (const vg_cfg_node_t *node, size_t i);
/* Text of a scalar exactly as written, quotes removed (a null reads "" or "~"); NULL if the
 * node is NULL, a map or a sequence.  Borrowed from the node. */
const char *vg_cfg_node_text (const vg_cfg_node_t *node);
/* True for NULL and for a plain null scalar ("key:", ~, null); a quoted "" is not null. */
bool vg_cfg_node_is_null (const vg_cfg_node_t *node);

/* Parse YAML text into a node tree without an option table, for a module that reads a
 * schema of its own (the detector rules file) with the accessors above.  `name` stands for
 * the file in errors and is kept in the root, so vg_cfg_load_node on a map of this tree
 * names it too.  Same bounds and refusals as vg_cfg_load_string (size, depth, node count,
 * aliases, more than one document).  Returns 0 with *root_p owning the tree (NULL for an
 * empty document; free with vg_cfg_node_destroy), or -VG_ETOOBIG, -VG_ENOMEM, -VG_ECONFIG
 * with *err filled (err may be NULL) and *root_p NULL. */
int vg_cfg_tree_parse (const char *name, const char *yaml, size_t len, vg_cfg_node_t **root_p,
                       vg_cfg_error_t *err);
/* Free a tree from vg_cfg_tree_parse (not a node borrowed from inside one); NULL-safe;
 * sets *root_p to NULL. */
void vg_cfg_node_destroy (vg_cfg_node_t **root_p);

/* --help listing: one entry per option (LIST elements as "list[].key") with type, default
 * or "required", range or choices, and help. */
void vg_cfg_print_help (const vg_cfg_table_t *t, FILE *f);
/* The same as a Markdown table for docs/CONFIG.md, recursing into LIST element tables. */
void vg_cfg_print_markdown (const vg_cfg_table_t *t, FILE *f);
/* "agent.yaml:12: key 'batch.max_samples': must be between 1 and 1048576" into buf
 * (truncated to size).  Returns buf. */
const char *vg_cfg_error_format (const vg_cfg_error_t *err, char *buf, size_t size);
/* For a "did you mean" hint: the entry of the NULL-terminated list cands nearest to `word`
 * (fewer than 3 edits and fewer than its length, the same rule as the loader's unknown
 * keys), or NULL.  Borrowed from cands. */
const char *vg_cfg_suggest (const char *word, const char *const *cands);
/* Fill *err from parts, for modules that check a tree themselves: file (NULL reads "";
 * a long path keeps its end), line (0 = unknown), key (NULL = none) and a printf-style
 * message, so their errors read like the loader's. */
void vg_cfg_error_set (vg_cfg_error_t *err, const char *file, int line, const char *key, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));

#endif
