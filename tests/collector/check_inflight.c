/* check_inflight.c - the alerter's in-flight table: slots taken and released in any order,
 * the id hash keeping every live id findable through backward-shift deletions, a full table
 * refusing, a reset releasing everything. */
#include <check.h>
#include <stdlib.h>

#include "collector/inflight.h"
#include "tests/support/suite.h"

START_TEST (take_release_find)
{
    vg_inflight_t *t = vg_inflight_new (4);
    ck_assert_ptr_nonnull (t);
    ck_assert_uint_eq (vg_inflight_max (t), 4);
    int32_t s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = vg_inflight_take (t, 100 + (uint64_t) i, i, 10u * (unsigned) i, i == 2);
        ck_assert_int_ge (s[i], 0);
    }
    ck_assert_int_eq (vg_inflight_take (t, 200, 0, 0, false), -1); /* full */
    ck_assert_uint_eq (vg_inflight_count (t), 4);
    vg_inflight_rec_t r;
    ck_assert (vg_inflight_release (t, s[2], &r));
    ck_assert_uint_eq (r.id, 102);
    ck_assert_int_eq (r.t0_ns, 2);
    ck_assert_uint_eq (r.bytes, 20);
    ck_assert_uint_eq (r.resent, 1);
    ck_assert (!vg_inflight_release (t, s[2], &r)); /* already released */
    ck_assert (!vg_inflight_release (t, 99, &r));   /* out of range */
    ck_assert (!vg_inflight_has (t, 102));
    ck_assert (vg_inflight_has (t, 101) && vg_inflight_has (t, 103));
    vg_inflight_free (t, s[0]);
    ck_assert (!vg_inflight_has (t, 100));
    ck_assert_uint_eq (vg_inflight_count (t), 2);
    vg_inflight_reset (t);
    ck_assert_uint_eq (vg_inflight_count (t), 0);
    ck_assert (!vg_inflight_has (t, 101));
    ck_assert (!vg_inflight_release (t, s[1], &r)); /* a report after a reset */
    vg_inflight_destroy (&t);
    ck_assert_ptr_null (t);
    vg_inflight_destroy (&t);
}
END_TEST

START_TEST (hash_survives_churn)
{
    /* Many ids through a small table, released in a scrambled order: every live id stays
     * findable and no released one is (checks the backward-shift deletion). */
    enum { N = 64, ROUNDS = 2000 };
    vg_inflight_t *t = vg_inflight_new (N);
    ck_assert_ptr_nonnull (t);
    int32_t slot[N];
    uint64_t id[N];
    uint64_t next = 1, x = 88172645463325252ULL;
    for (int i = 0; i < N; i++) {
        id[i] = next++;
        slot[i] = vg_inflight_take (t, id[i], 0, 0, false);
        ck_assert_int_ge (slot[i], 0);
    }
    for (int r = 0; r < ROUNDS; r++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int k = (int) (x % N);
        vg_inflight_rec_t rec;
        ck_assert (vg_inflight_release (t, slot[k], &rec));
        ck_assert_uint_eq (rec.id, id[k]);
        ck_assert (!vg_inflight_has (t, id[k]));
        id[k] = next++ * 0x9E3779B97F4A7C15ULL | 1;
        slot[k] = vg_inflight_take (t, id[k], 0, 0, false);
        ck_assert_int_ge (slot[k], 0);
        for (int i = 0; i < N; i += 7)
            ck_assert (vg_inflight_has (t, id[i]));
    }
    for (int i = 0; i < N; i++)
        ck_assert (vg_inflight_has (t, id[i]));
    vg_inflight_destroy (&t);
}
END_TEST

Suite *
vg_inflight_suite (void)
{
    const TTest *tests[] = { take_release_find, hash_survives_churn };
    return vg_test_suite ("inflight", "table", tests, sizeof tests / sizeof tests[0], 30, NULL, NULL);
}
