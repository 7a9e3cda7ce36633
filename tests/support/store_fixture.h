/* store_fixture.h - opening a test store, for the suites that link vg_store.
 *
 * Header-only (static inline) because the support .c files are compiled into every suite and
 * most suites do not link the store.  Test-only: failures are Check assertions. */
#ifndef VG_TEST_STORE_FIXTURE_H
#define VG_TEST_STORE_FIXTURE_H

#include <check.h>

#include "store/store.h"

/* Open (creating in RW mode) the store in dir with 1-hour buckets; fails the test with the
 * store's reason when it cannot. */
static inline vg_store_t *
vg_test_store_open (const char *dir, vg_store_mode_t mode)
{
    char err[256];
    vg_store_cfg_t cfg = { dir, mode, 3600000, false, 0 };
    vg_store_t *s = vg_store_open (&cfg, err, sizeof err);
    ck_assert_msg (s != NULL, "%s", err);
    return s;
}

#endif
