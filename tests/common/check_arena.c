/* check_arena.c - the bump allocator: alignment, the limit, blocks larger than usual,
 * reset keeping one block, strings packed. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "common/arena.h"
#include "tests/support/suite.h"

START_TEST (arena_aligned_and_distinct)
{
    vg_arena_t a = VG_ARENA_INIT (256, SIZE_MAX);
    char *p = vg_arena_alloc (&a, 3), *q = vg_arena_alloc (&a, 5);
    ck_assert_ptr_nonnull (p);
    ck_assert_ptr_nonnull (q);
    ck_assert_uint_eq ((uintptr_t) p % _Alignof (max_align_t), 0);
    ck_assert_uint_eq ((uintptr_t) q % _Alignof (max_align_t), 0);
    ck_assert_ptr_ne (p, q);
    memset (p, 1, 3);
    memset (q, 2, 5);
    ck_assert_int_eq (p[2], 1);
    /* An allocation larger than a block gets a block of its own. */
    char *big = vg_arena_alloc (&a, 1000);
    ck_assert_ptr_nonnull (big);
    memset (big, 3, 1000);
    ck_assert_int_eq (q[4], 2);
    vg_arena_free (&a);
    ck_assert_ptr_null (a.head);
    vg_arena_free (NULL);
}
END_TEST

START_TEST (arena_limit_and_reset)
{
    vg_arena_t a = VG_ARENA_INIT (128, 4 * sizeof (max_align_t));
    for (int i = 0; i < 4; i++)
        ck_assert_ptr_nonnull (vg_arena_alloc (&a, 1));
    ck_assert_ptr_null (vg_arena_alloc (&a, 1));          /* over the limit */
    ck_assert_ptr_null (vg_arena_alloc (&a, SIZE_MAX - 8)); /* no wrap-around */
    vg_arena_reset (&a);
    ck_assert_uint_eq (a.total, 0);
    ck_assert_ptr_nonnull (a.head);                        /* one block kept */
    ck_assert_ptr_nonnull (vg_arena_alloc (&a, 1));
    vg_arena_free (&a);
}
END_TEST

START_TEST (arena_strings_packed)
{
    vg_arena_t a = VG_ARENA_INIT (64, SIZE_MAX);
    char *x = vg_arena_strdup (&a, "ab"), *y = vg_arena_strdup (&a, "cd");
    ck_assert_str_eq (x, "ab");
    ck_assert_str_eq (y, "cd");
    ck_assert_ptr_eq (y, x + 3);
    char *z = vg_arena_alloc (&a, 8);                      /* aligned again after strings */
    ck_assert_uint_eq ((uintptr_t) z % _Alignof (max_align_t), 0);
    ck_assert_str_eq (x, "ab");
    vg_arena_free (&a);
}
END_TEST

Suite *
vg_arena_suite (void)
{
    const TTest *tests[] = { arena_aligned_and_distinct, arena_limit_and_reset, arena_strings_packed };
    return vg_test_suite ("arena", "arena", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
