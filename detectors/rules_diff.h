/* rules_diff.h - what changed between two rule sets, rule by rule, for a reload.
 *
 * A rule is the same in both sets when its id is the same and its definition (kind and the
 * kind's algorithm version, title, catalogue, types, severity, timings, match, parameters,
 * techniques) is equal: its fingerprint.  The line it sits on and its position in the file do not count, so moving a
 * rule or editing a comment keeps its state.  Pure: no I/O, no logging. */
#ifndef VG_RULES_DIFF_H
#define VG_RULES_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "detectors/rules.h"

/* Fingerprint of a rule's definition (never 0). */
uint64_t vg_rule_fingerprint (const vg_rule_t *r);

typedef struct {
    size_t added;     /* ids only in the new set */
    size_t changed;   /* same id, another definition */
    size_t removed;   /* ids only in the old set */
    size_t unchanged; /* same id and definition: their state carries over */
} vg_rules_diff_t;

/* Compare old (may be NULL: every new rule is added) with new.  fresh, when not NULL, has
 * new->nrules entries and is set to 1 for each new rule (by index) that is added or changed
 * (state must not carry over), 0 for an unchanged one; gone, when not NULL, has
 * old->nrules entries and is set to 1 for each old rule that is removed or changed (its
 * episodes end), 0 for an unchanged one.  Returns the counts. */
vg_rules_diff_t vg_rules_diff (const vg_rules_t *old, const vg_rules_t *new_rules, uint8_t *fresh, uint8_t *gone);

/* Write the ids of the rules of one class into buf as "a, b, c" (truncated with "..." when
 * buf is short): which = 'a' added, 'c' changed, 'r' removed.  Returns buf. */
char *vg_rules_diff_ids (const vg_rules_t *old, const vg_rules_t *new_rules, int which, char *buf, size_t size);

#endif
