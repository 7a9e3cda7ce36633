/* check_mem_ceiling.c - the RSS ceiling: the reading matches /proc/self/status, is cached
 * for VG_MEM_CEILING_EVERY_MS, a ceiling below the RSS refuses (counted, with why) and a
 * raised or removed one does not. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/mem_ceiling.h"
#include "tests/support/suite.h"

static uint64_t
s_status_rss (void)
{
    FILE *f = fopen ("/proc/self/status", "r");
    ck_assert_ptr_nonnull (f);
    char line[256];
    unsigned long long kb = 0;
    while (fgets (line, sizeof line, f))
        if (sscanf (line, "VmRSS: %llu kB", &kb) == 1)
            break;
    fclose (f);
    return (uint64_t) kb << 10;
}

START_TEST (reads_and_caches_rss)
{
    vg_mem_ceiling_t *m = vg_mem_ceiling_new (0);
    ck_assert_ptr_nonnull (m);
    uint64_t rss = vg_mem_ceiling_rss (m, 1000), ref = s_status_rss ();
    ck_assert_uint_gt (rss, 1 << 20);
    ck_assert_uint_lt (rss > ref ? rss - ref : ref - rss, 8 << 20);
    /* 64 MiB touched: not seen before the cache expires, seen after */
    size_t big = (size_t) 64 << 20;
    char *volatile p = malloc (big); /* volatile: the compiler may not elide the memory */
    ck_assert_ptr_nonnull (p);
    memset (p, 1, big);
    ck_assert_int_eq (p[big - 1], 1);
    ck_assert_uint_eq (vg_mem_ceiling_rss (m, 1000 + VG_MEM_CEILING_EVERY_MS - 1), rss);
    ck_assert_uint_eq (vg_mem_ceiling_stats (m)->reads, 1);
    ck_assert_uint_gt (vg_mem_ceiling_rss (m, 1000 + VG_MEM_CEILING_EVERY_MS), rss + (60 << 20));
    ck_assert_uint_eq (vg_mem_ceiling_stats (m)->reads, 2);
    /* no ceiling: never over */
    ck_assert (!vg_mem_ceiling_over (m, 5000, NULL, 0));
    free (p);
    vg_mem_ceiling_destroy (&m);
    ck_assert_ptr_null (m);
    vg_mem_ceiling_destroy (&m);
}
END_TEST

START_TEST (over_refuses_until_raised)
{
    vg_mem_ceiling_t *m = vg_mem_ceiling_new (1 << 20); /* 1 MiB: any process is over */
    ck_assert_ptr_nonnull (m);
    char why[160];
    ck_assert (vg_mem_ceiling_over (m, 1000, why, sizeof why));
    ck_assert_ptr_nonnull (strstr (why, "over limits.max_rss_bytes 1 MiB"));
    ck_assert (vg_mem_ceiling_over (m, 1001, NULL, 0));
    ck_assert_uint_eq (vg_mem_ceiling_stats (m)->over, 2);
    ck_assert_uint_eq (vg_mem_ceiling_stats (m)->trims, 1); /* once a second at most */
    vg_mem_ceiling_set (m, (uint64_t) 1 << 40);
    ck_assert (!vg_mem_ceiling_over (m, 1002, why, sizeof why));
    vg_mem_ceiling_set (m, 0);
    ck_assert (!vg_mem_ceiling_over (m, 1003, why, sizeof why));
    ck_assert_uint_eq (vg_mem_ceiling_stats (m)->over, 2);
    vg_mem_ceiling_destroy (&m);
}
END_TEST

Suite *
vg_mem_ceiling_suite (void)
{
    const TTest *tests[] = { reads_and_caches_rss, over_refuses_until_raised };
    return vg_test_suite ("mem_ceiling", "rss", tests, sizeof tests / sizeof tests[0], 30, NULL, NULL);
}
