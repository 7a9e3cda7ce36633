/* suite.h - building a Check suite from tables: a TCase of several tests, or one TCase per
 * named case, each with its timeout and checked fixture.  Every suite registers its tests
 * through these instead of a line of tcase_add_test per test.
 *
 * Header-only (static inline); the tables are automatic arrays because a START_TEST name is a
 * static pointer, not a constant expression. */
#ifndef VG_TEST_SUITE_H
#define VG_TEST_SUITE_H

#include <check.h>
#include <stddef.h>

typedef struct {
    const char *name;
    const TTest *test;
} vg_test_case_t;

/* Add to s a TCase called name holding tests[0..n), with timeout_s seconds per test (0:
 * Check's default) and the checked fixture (setup, teardown) when either is not NULL. */
static inline TCase *
vg_test_tcase (Suite *s, const char *name, const TTest *const *tests, size_t n, double timeout_s, SFun setup,
               SFun teardown)
{
    TCase *tc = tcase_create (name);
    if (setup || teardown)
        tcase_add_checked_fixture (tc, setup, teardown);
    if (timeout_s > 0)
        tcase_set_timeout (tc, timeout_s);
    for (size_t i = 0; i < n; i++)
        tcase_add_test (tc, tests[i]);
    suite_add_tcase (s, tc);
    return tc;
}

/* A new suite called name holding one TCase, made as vg_test_tcase makes it. */
static inline Suite *
vg_test_suite (const char *name, const char *tcase, const TTest *const *tests, size_t n, double timeout_s,
               SFun setup, SFun teardown)
{
    Suite *s = suite_create (name);
    vg_test_tcase (s, tcase, tests, n, timeout_s, setup, teardown);
    return s;
}

/* Add to s one TCase per case (named as the case), each as vg_test_tcase makes them. */
static inline void
vg_test_cases (Suite *s, const vg_test_case_t *cases, size_t n, double timeout_s, SFun setup, SFun teardown)
{
    for (size_t i = 0; i < n; i++)
        vg_test_tcase (s, cases[i].name, &cases[i].test, 1, timeout_s, setup, teardown);
}

/* A new suite called name holding one TCase per case, made as vg_test_cases makes them. */
static inline Suite *
vg_test_cases_suite (const char *name, const vg_test_case_t *cases, size_t n, double timeout_s, SFun setup,
                     SFun teardown)
{
    Suite *s = suite_create (name);
    vg_test_cases (s, cases, n, timeout_s, setup, teardown);
    return s;
}

#endif
