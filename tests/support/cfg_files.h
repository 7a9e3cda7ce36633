/* cfg_files.h - a temporary directory holding a configuration file and a secret file, written
 * with a chosen mode: the set-up of the suites that load configurations from disk and check
 * how secrets in files (and files readable by others) are treated.
 *
 * Header-only (static inline, Check assertions), beside tmpdir.h's plain helpers. */
#ifndef VG_TEST_CFG_FILES_H
#define VG_TEST_CFG_FILES_H

#include <check.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/support/tmpdir.h"

typedef struct {
    char dir[64];     /* a new directory /tmp/vg-<tag>-XXXXXX */
    char secret[128]; /* dir/<secret name>: not written yet */
    char yaml[128];   /* dir/c.yaml: not written yet */
} vg_test_cfg_files_t;

/* Make f's directory (tag names it) and the two paths in it; fails the test when it cannot. */
static inline void
vg_test_cfg_files_make (vg_test_cfg_files_t *f, const char *tag, const char *secret_name)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (f->dir, sizeof f->dir, tag));
    ck_assert_ptr_nonnull (vg_test_path (f->secret, sizeof f->secret, f->dir, secret_name));
    ck_assert_ptr_nonnull (vg_test_path (f->yaml, sizeof f->yaml, f->dir, "c.yaml"));
}

/* Remove f's directory and everything in it; fails the test when it cannot. */
static inline void
vg_test_cfg_files_remove (vg_test_cfg_files_t *f)
{
    ck_assert_int_eq (vg_test_rmtree (f->dir), 0);
}

/* Write text to path (created or truncated) and give it mode; fails the test when it cannot. */
static inline void
vg_test_write_text (const char *path, const char *text, mode_t mode)
{
    ck_assert_int_eq (vg_test_write_file (path, text, strlen (text)), 0);
    ck_assert_int_eq (chmod (path, mode), 0);
}

#endif
