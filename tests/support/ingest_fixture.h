/* ingest_fixture.h - the collector's real ingest over a test store, configured as the
 * collector suites need it: unknown agents allowed, ten years of past accepted.
 *
 * Header-only (static inline): only the collector suites link vg_collector.  Test-only:
 * failures are Check assertions. */
#ifndef VG_TEST_INGEST_FIXTURE_H
#define VG_TEST_INGEST_FIXTURE_H

#include <check.h>

#include "collector/ingest.h"

/* An ingest over store (borrowed); fails the test with ingest's reason when it cannot. */
static inline vg_ingest_t *
vg_test_ingest_new (vg_store_t *store)
{
    char err[256];
    vg_ingest_cfg_t ic = { 3650 * 86400000LL, 86400000LL, 16 << 20, 1024, 1024, 65536, true, NULL, 0, 0, 0 };
    vg_ingest_t *in = vg_ingest_new (&ic, store, err, sizeof err);
    ck_assert_msg (in != NULL, "%s", err);
    return in;
}

#endif
