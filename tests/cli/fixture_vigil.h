/* fixture_vigil.h - what the cli suites that run the built `vigil` share: a fresh temporary
 * directory per test (fx_dir, made by the checked fixture fx_setup / fx_teardown), an empty
 * store in it, and one way to run vigil with its output redirected.
 *
 * Test-only: failures are Check assertions; fx_dir is one global per test process (Check
 * runs each test in its own process). */
#ifndef VG_TEST_FIXTURE_VIGIL_H
#define VG_TEST_FIXTURE_VIGIL_H

#include <stddef.h>
#include <sys/resource.h>

#include "store/store.h"

/* The running test's temporary directory. */
extern char fx_dir[64];

/* Make fx_dir / remove it and everything in it. */
void fx_setup (void);
void fx_teardown (void);

/* Open (create) a store read-write at fx_dir/name, its path written into path (size bytes);
 * the caller destroys it. */
vg_store_t *fx_store_new (const char *name, char *path, size_t size);

/* Create an empty store at fx_dir/store and write its path into path (size bytes). */
void fx_empty_store (char *path, size_t size);

/* Run `vigil args...` (args: the arguments after the program name, NULL-terminated) with
 * stdout into the file out_path and stderr into err_path (NULL: /dev/null), and wait for it;
 * its resource use goes to *ru unless ru is NULL.  Asserts that it exited; returns its exit
 * status. */
int fx_vigil (char *const *args, const char *out_path, const char *err_path, struct rusage *ru);

#endif
