/* rules_int.h - internals shared by the rules parser (rules.c) and its YAML access helpers
 * (rules_yaml.c); not part of the public API (detectors/rules.h).  The YAML comes as the
 * configuration loader's node tree (common/config.h, vg_cfg_tree_parse).
 *
 * Invariant: every helper that fails records the first error only (file, line, key, reason,
 * formatted like the daemons' config errors by vg_cfg_error_format) and returns -VG_ECONFIG
 * (or -VG_ENOMEM, with no message). */
#ifndef VG_RULES_INT_H
#define VG_RULES_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "detectors/rules.h"

/* One parse: the file name for messages and the first error. */
typedef struct {
    const char *file;
    vg_cfg_error_t err;
    int failed;
} vg_rules_ctx_t;

/* Record the first error: line of node n (0 if n is NULL), key (NULL: none) and a
 * printf-style reason; returns -VG_ECONFIG. */
int vg_rules__fail (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *key, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
/* As vg_rules__fail with an explicit 1-based line. */
int vg_rules__fail_line (vg_rules_ctx_t *c, int line, const char *key, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
/* As vg_rules__fail for an unknown name: "what", or "what (did you mean 'x'?)" when x in
 * the NULL-terminated list known is near `word` (vg_cfg_suggest). */
int vg_rules__fail_unknown (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *key, const char *what,
                            const char *word, const char *const *known);
/* "a.b" into buf ("b" when a is empty), truncated to size (size >= 2). */
void vg_rules__join (char *buf, size_t size, const char *a, const char *b);
/* Fail unless map is a mapping with scalar keys, none repeated, all in the NULL-terminated
 * list allowed (allowed NULL: any key).  `where` prefixes the key in messages. */
int vg_rules__check_keys (vg_rules_ctx_t *c, const vg_cfg_node_t *map, const char *where,
                          const char *const *allowed);
/* Copy the scalar at map[key] into *out (freeing the old value); "" when absent and not
 * required.  Returns 0, -VG_ECONFIG or -VG_ENOMEM. */
int vg_rules__get_str (vg_rules_ctx_t *c, const vg_cfg_node_t *map, const char *key,
                       const char *where, int required, char **out);
/* A scalar or a sequence of scalars (at most VG_RULES_MAX_LIST) into a new string array
 * (*out, *nout; free with vg_rules__free_list even on failure).  n NULL gives an empty list. */
int vg_rules__get_list (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *kb, char ***out,
                        size_t *nout);
/* Free a string array of n entries; NULL-safe. */
void vg_rules__free_list (char **l, size_t n);
/* The optional `match` mapping of entry n, keys limited to `allowed`: its device/role/vendor/
 * site/sw_version lists into *dm.  *m_out (if not NULL) gets the mapping (NULL when absent)
 * and kb its key ("rules[x].match") for the caller's further keys. */
int vg_rules__parse_match (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *where,
                           const char *const *allowed, vg_dev_match_t *dm,
                           const vg_cfg_node_t **m_out, char *kb, size_t kbsize);
/* Free the lists of *dm (not dm itself). */
void vg_rules__free_dev_match (vg_dev_match_t *dm);
/* Scalar n as a non-negative duration ("30s", "5m") in ms. */
int vg_rules__parse_dur (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *kb, int64_t *ms);
/* Scalar n as a finite-or-infinite, non-NaN number. */
int vg_rules__parse_num (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *kb, double *d);
/* Scalar n as true/yes/on or false/no/off. */
int vg_rules__parse_bool (vg_rules_ctx_t *c, const vg_cfg_node_t *n, const char *kb, int *b);

#endif
