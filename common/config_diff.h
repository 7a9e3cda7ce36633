/* config_diff.h - which options of one configuration table differ between two loaded
 * structs: a reload applies what it can and names the rest (a restart applies them). */
#ifndef VG_CONFIG_DIFF_H
#define VG_CONFIG_DIFF_H

#include <stddef.h>

#include "common/config.h"

/* Compare a and b (structs of table t, both loaded or defaulted by common/config.h) option by
 * option: STR by content (NULL reads ""), numbers, booleans and enums by value, STRLIST and
 * LIST element by element (a LIST recursing into its element table), NODE as unequal unless
 * both are absent.  Options whose name equals an entry of skip, or starts with an entry that
 * ends in '.', are left out (skip is NULL-terminated; NULL = none).  Writes the names of the
 * options that differ, ", "-separated, into out (truncated with "..." to outlen; "" when none)
 * and returns how many differ.  Pure: no allocation. */
size_t vg_cfg_diff (const vg_cfg_table_t *t, const void *a, const void *b, const char *const *skip, char *out,
                    size_t outlen);

#endif
