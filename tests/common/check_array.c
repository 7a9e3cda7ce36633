/* check_array.c - doubling growth of plain arrays: capacity rules, contents kept, overflow
 * refused with the array unchanged. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/array.h"
#include "common/err.h"
#include "tests/support/suite.h"

START_TEST (grows_by_doubling_and_keeps_contents)
{
    int *a = NULL;
    size_t cap = 0;
    ck_assert_int_eq (vg_array_reserve ((void **) &a, &cap, 1, sizeof *a), 0);
    ck_assert_uint_eq (cap, 64);
    for (int i = 0; i < 64; i++)
        a[i] = i;
    ck_assert_int_eq (vg_array_reserve ((void **) &a, &cap, 64, sizeof *a), 0); /* fits: no change */
    ck_assert_uint_eq (cap, 64);
    ck_assert_int_eq (vg_array_reserve ((void **) &a, &cap, 65, sizeof *a), 0);
    ck_assert_uint_eq (cap, 128);
    ck_assert_int_eq (vg_array_reserve ((void **) &a, &cap, 1000, sizeof *a), 0);
    ck_assert_uint_eq (cap, 1024);
    for (int i = 0; i < 64; i++)
        ck_assert_int_eq (a[i], i);
    free (a);
}
END_TEST

START_TEST (overflow_refused_unchanged)
{
    char *a = NULL;
    size_t cap = 0;
    ck_assert_int_eq (vg_array_reserve ((void **) &a, &cap, 10, 1), 0);
    char *before = a;
    ck_assert_int_eq (vg_array_reserve ((void **) &a, &cap, SIZE_MAX / 8 + 1, 16), -VG_ENOMEM);
    ck_assert_ptr_eq (a, before);
    ck_assert_uint_eq (cap, 64);
    ck_assert_int_eq (vg_array_reserve ((void **) &a, &cap, 5, 0), 0); /* fits already */
    free (a);
}
END_TEST

Suite *
vg_array_suite (void)
{
    const TTest *tests[] = { grows_by_doubling_and_keeps_contents, overflow_refused_unchanged };
    return vg_test_suite ("array", "reserve", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
