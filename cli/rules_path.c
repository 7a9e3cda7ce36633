/* rules_path.c - the default detector rules file: the checkout's, /etc/vigil's, or the one
 * installed beside the program (rules_path.h).  Only looks at the file system; nothing is
 * read or logged here. */
#include "cli/rules_path.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef VG_RULES_INSTALL_PATH
#define VG_RULES_INSTALL_PATH "/usr/local/share/vigil/rules.yaml"
#endif

/* Append path to cand unless it is already there or cand is full. */
static void
s_add (char cand[][VG_RULES_PATH_MAX], size_t cap, size_t *n, const char *path)
{
    if (*n >= cap || strlen (path) >= VG_RULES_PATH_MAX)
        return;
    for (size_t i = 0; i < *n; i++)
        if (!strcmp (cand[i], path))
            return;
    memcpy (cand[*n], path, strlen (path) + 1);
    (*n)++;
}

/* PREFIX/share/vigil/rules.yaml for the program at /proc/self/exe (PREFIX/bin/vigil) into
 * out; 0, or -1 when the program's path is unknown. */
static int
s_beside_program (char *out, size_t cap)
{
    char exe[VG_RULES_PATH_MAX];
    ssize_t len = readlink ("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    for (int up = 0; up < 2; up++) { /* drop "/vigil", then "/bin" */
        char *slash = strrchr (exe, '/');
        if (!slash)
            return -1;
        *slash = '\0';
    }
    int w = snprintf (out, cap, "%s/share/vigil/rules.yaml", exe);
    return w > 0 && (size_t) w < cap ? 0 : -1;
}

const char *
vg_rules_path_installed (void)
{
    return VG_RULES_INSTALL_PATH;
}

size_t
vg_rules_path_candidates (char cand[][VG_RULES_PATH_MAX], size_t cap)
{
    size_t n = 0;
    s_add (cand, cap, &n, "detectors/rules.yaml");
    s_add (cand, cap, &n, "/etc/vigil/rules.yaml");
    char beside[VG_RULES_PATH_MAX];
    if (s_beside_program (beside, sizeof beside) == 0)
        s_add (cand, cap, &n, beside);
    s_add (cand, cap, &n, VG_RULES_INSTALL_PATH);
    return n;
}

const char *
vg_rules_path_first (char cand[][VG_RULES_PATH_MAX], size_t n, char *tried, size_t tried_cap)
{
    size_t o = 0;
    if (tried && tried_cap)
        tried[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (tried && o < tried_cap) {
            int w = snprintf (tried + o, tried_cap - o, "%s%s", i ? ", " : "", cand[i]);
            o = w > 0 ? o + (size_t) w : o;
        }
        struct stat st;
        if (stat (cand[i], &st) == 0 && S_ISREG (st.st_mode) && access (cand[i], R_OK) == 0)
            return cand[i];
    }
    return NULL;
}

int
vg_rules_path_default (const char *cmd, char *out, size_t cap)
{
    char cand[VG_RULES_PATH_CANDIDATES][VG_RULES_PATH_MAX];
    char tried[VG_RULES_PATH_CANDIDATES * (VG_RULES_PATH_MAX + 2)];
    size_t n = vg_rules_path_candidates (cand, VG_RULES_PATH_CANDIDATES);
    const char *p = vg_rules_path_first (cand, n, tried, sizeof tried);
    if (!p || strlen (p) >= cap) {
        fprintf (stderr, "%s: no --rules given and no rules file found (tried %s); name one with --rules FILE\n", cmd,
                 tried);
        return -1;
    }
    if (p != cand[0]) /* outside a checkout: say which */
        fprintf (stderr, "%s: rules from %s (no --rules given)\n", cmd, p);
    memcpy (out, p, strlen (p) + 1);
    return 0;
}
