/* rules_path.h - which detector rules file a command uses when none is named (vigil replay,
 * vigil eval): the checkout's, the operator's installed copy, or the pristine installed one,
 * so the commands work outside a checkout and say which paths they tried when none is there. */
#ifndef VG_RULES_PATH_H
#define VG_RULES_PATH_H

#include <stddef.h>

/* Most places a default rules file is looked for (VG_RULES_PATH_MAX bytes each). */
#define VG_RULES_PATH_CANDIDATES 4
#define VG_RULES_PATH_MAX 4096

/* The places a rules file is looked for when none is named, in order, into cand (at most
 * VG_RULES_PATH_CANDIDATES, duplicates left out):
 *   1. detectors/rules.yaml, relative to the working directory (a checkout);
 *   2. /etc/vigil/rules.yaml (the operator's copy: deploy/install.sh's default sysconfdir);
 *   3. PREFIX/share/vigil/rules.yaml, PREFIX being the directory above the one holding the
 *      running program (/proc/self/exe), so any `--prefix` or DESTDIR install finds its own;
 *   4. the CMake install path compiled in (CMAKE_INSTALL_FULL_DATADIR/vigil/rules.yaml).
 * Returns how many were written.  Any thread. */
size_t vg_rules_path_candidates (char cand[][VG_RULES_PATH_MAX], size_t cap);

/* The first of the n paths in cand that is a readable regular file, or NULL.  When tried is
 * not NULL it receives every path looked at, ", "-separated (truncated to tried_cap bytes,
 * NUL-terminated), for the error message. */
const char *vg_rules_path_first (char cand[][VG_RULES_PATH_MAX], size_t n, char *tried, size_t tried_cap);

/* The install path compiled in (candidate 4): a static string, for help texts. */
const char *vg_rules_path_installed (void);

/* For a command run without --rules: the first candidate found, copied into out (cap >=
 * VG_RULES_PATH_MAX), 0; a candidate other than the checkout's is named on stderr ("<cmd>:
 * rules from PATH (no --rules given)").  When none is found prints "<cmd>: no --rules given and no rules
 * file found (tried A, B, ...); name one with --rules FILE" on stderr and returns -1. */
int vg_rules_path_default (const char *cmd, char *out, size_t cap);

#endif
