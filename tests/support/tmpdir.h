/* tmpdir.h - test fixture: fresh temporary directories and whole-file reads and writes.
 *
 * Shared by the Check suites (compiled into every suite executable by tests/CMakeLists.txt)
 * so no suite re-declares mkdtemp / "rm -rf" / fread loops.  Test-only code: failures are
 * reported through return values, and the suites assert on them. */
#ifndef VG_TEST_TMPDIR_H
#define VG_TEST_TMPDIR_H

#include <stddef.h>
#include <stdint.h>

/* Create a new empty directory /tmp/vg-<tag>-XXXXXX and write its path into out (size bytes,
 * at least 32 + strlen (tag)).  Returns out, or NULL if it could not be created. */
char *vg_test_tmpdir (char *out, size_t size, const char *tag);

/* Remove dir and everything below it: directories are made accessible first (tests take
 * permissions away), symbolic links are removed, not followed.  Returns 0, or -1 if
 * something could not be removed.  A missing dir is not an error. */
int vg_test_rmtree (const char *dir);

/* Join dir and name into out ("dir/name").  Returns out, or NULL if it does not fit. */
char *vg_test_path (char *out, size_t size, const char *dir, const char *name);

/* Read a whole file into a new buffer, NUL-terminated (the NUL is not counted in *len).
 * Returns the buffer (free() it), or NULL if the file cannot be read. */
uint8_t *vg_test_read_file (const char *path, size_t *len);

/* Write len bytes to path (created or truncated).  Returns 0 or -1. */
int vg_test_write_file (const char *path, const void *data, size_t len);

#endif
