/* fixture_catalog.h - the set-up the catalogue suites (check_catalog*.c) share: one set of
 * rules naming a rule per catalogue detector, an engine on them for each test with every
 * alert recorded (tests/support/engine_fixture.h), a reference device, and helpers that
 * declare series and feed events.
 *
 * Test-only: failures are Check assertions.  The fixture is one global per test process
 * (Check runs each test in its own process); fx_setup/fx_teardown are the checked fixture of
 * every TCase. */
#ifndef VG_TEST_FIXTURE_CATALOG_H
#define VG_TEST_FIXTURE_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "detectors/engine.h"
#include "tests/support/engine_fixture.h"

#define T0 1767614400000LL /* Monday 2026-01-05 12:00Z */
#define MIN 60000LL
#define HOUR 3600000LL

/* The running test's engine (fx.e) on the catalogue rules (fx.rules), its alerts (fx.alerts). */
extern vg_test_engine_t fx;

/* Router s1/r1 of vendor VX, version 7.1 (a golden image version of the rules). */
extern const vg_device_t fx_r1;

/* Open fx on the catalogue rules / close it. */
void fx_setup (void);
void fx_teardown (void);

/* Alerts of rule with this activity (0: any) so far. */
size_t fx_count (const char *rule, int activity);

/* The first alert of rule, or NULL. */
const vg_alert_t *fx_first (const char *rule);

/* Declare series path of device d with label cell=<cell> ("0" when NULL) / name=<ifname>
 * to the engine; fails the test unless a rule matches it.  Returns the series id. */
uint64_t fx_decl (const vg_device_t *d, const char *path, vg_kind_t kind, const char *cell);
uint64_t fx_decl_if (const vg_device_t *d, const char *path, vg_kind_t kind, const char *ifname);

/* Feed the engine an event of device d at ts (attrs[0..n), flow fl or NULL); fails the
 * test unless the engine takes it. */
void fx_event (const vg_device_t *d, int64_t ts, vg_event_type_t type, const vg_label_t *attrs, size_t n,
               const vg_flow_t *fl);

#endif
