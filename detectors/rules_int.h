/* rules_int.h - internals shared by the rules parser (rules.c) and its YAML access helpers
 * (rules_yaml.c); not part of the public API (detectors/rules.h).
 *
 * Invariant: every helper that fails records the first error only, as "file:line: key: reason",
 * and returns -VG_ECONFIG (or -VG_ENOMEM, with no message). */
#ifndef VG_RULES_INT_H
#define VG_RULES_INT_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "detectors/rules.h"

/* One parse: the libyaml document, the file name for messages and the first error. */
typedef struct {
    yaml_document_t *doc;
    const char *file;
    char *err;
    size_t errlen;
    int failed;
} vg_rules_ctx_t;

/* Record the first error as "file:line: key: message" (line of node n, 0 if n is NULL);
 * returns -VG_ECONFIG.  key NULL reads "(top)". */
int vg_rules__fail (vg_rules_ctx_t *c, const yaml_node_t *n, const char *key, const char *fmt, ...);
/* As vg_rules__fail with an explicit 1-based line. */
int vg_rules__fail_line (vg_rules_ctx_t *c, int line, const char *key, const char *fmt, ...);
/* "a.b" into buf, truncated to size (size >= 2). */
void vg_rules__join (char *buf, size_t size, const char *a, const char *b);
/* malloc'd copy of s, NULL on out of memory. */
char *vg_rules__strdup (const char *s);
/* Node idx of the document (borrowed), or NULL. */
yaml_node_t *vg_rules__node (vg_rules_ctx_t *c, int idx);
/* Text of a scalar node (borrowed), NULL if n is not a scalar. */
const char *vg_rules__scalar (const yaml_node_t *n);
/* Value node of key in a mapping (borrowed), NULL when absent or map is not a mapping. */
yaml_node_t *vg_rules__get (vg_rules_ctx_t *c, const yaml_node_t *map, const char *key);
/* Fail unless map is a mapping whose keys are all in the NULL-terminated list allowed. */
int vg_rules__check_keys (vg_rules_ctx_t *c, const yaml_node_t *map, const char *where,
                          const char *const *allowed);
/* Copy the scalar at map[key] into *out (freeing the old value); "" when absent and not
 * required.  Returns 0, -VG_ECONFIG or -VG_ENOMEM. */
int vg_rules__get_str (vg_rules_ctx_t *c, const yaml_node_t *map, const char *key,
                       const char *where, int required, char **out);
/* A scalar or a sequence of scalars (at most VG_RULES_MAX_LIST) into a new string array
 * (*out, *nout; free with vg_rules__free_list even on failure).  n NULL gives an empty list. */
int vg_rules__get_list (vg_rules_ctx_t *c, const yaml_node_t *n, const char *kb, char ***out,
                        size_t *nout);
/* Free a string array of n entries; NULL-safe. */
void vg_rules__free_list (char **l, size_t n);
/* The device/role/vendor/site/sw_version lists of a match mapping into *dm. */
int vg_rules__parse_dev_match (vg_rules_ctx_t *c, const yaml_node_t *m, const char *where,
                               vg_dev_match_t *dm);
/* Free the lists of *dm (not dm itself). */
void vg_rules__free_dev_match (vg_dev_match_t *dm);
/* Scalar n as a non-negative duration ("30s", "5m") in ms. */
int vg_rules__parse_dur (vg_rules_ctx_t *c, const yaml_node_t *n, const char *kb, int64_t *ms);
/* Scalar n as a finite-or-infinite, non-NaN number. */
int vg_rules__parse_num (vg_rules_ctx_t *c, const yaml_node_t *n, const char *kb, double *d);
/* Scalar n as true/yes/on or false/no/off. */
int vg_rules__parse_bool (vg_rules_ctx_t *c, const yaml_node_t *n, const char *kb, int *b);

#endif
