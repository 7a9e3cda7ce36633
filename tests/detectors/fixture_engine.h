/* fixture_engine.h - the rules text the engine suites (check_engine.c, check_engine_time.c)
 * run on: a maintenance window, an allowlist and five rules (silence, BGP, flap, seasonal,
 * call-home) over the paths their tests feed.  Test-only; no state. */
#ifndef VG_TEST_FIXTURE_ENGINE_H
#define VG_TEST_FIXTURE_ENGINE_H

/* The rules YAML (NUL-terminated). */
extern const char VG_TEST_ENGINE_RULES[];

#endif
