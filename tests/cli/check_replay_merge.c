/* check_replay_merge.c - the time-ordered merge vigil replay feeds the detectors through: every
 * sample of every run comes out exactly once, in time order, ties in run order then run
 * position; empty runs and resets; and --pointer filling a command's unset options. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/replay_merge.h"
#include "tests/support/suite.h"

START_TEST (merges_in_time_order_ties_by_run)
{
    /* run 0: 10 20 20 40, run 1: (empty), run 2: 5 20 50, run 3: 20 */
    const int64_t ts[] = { 10, 20, 20, 40, 5, 20, 50, 20 };
    vg_replay_merge_t *m = vg_replay_merge_new ();
    ck_assert_ptr_nonnull (m);
    ck_assert_int_eq (vg_replay_merge_add (m, 0, 4), 0);
    ck_assert_int_eq (vg_replay_merge_add (m, 4, 0), 0);
    ck_assert_int_eq (vg_replay_merge_add (m, 4, 3), 0);
    ck_assert_int_eq (vg_replay_merge_add (m, 7, 1), 0);
    ck_assert_uint_eq (vg_replay_merge_runs (m), 4);
    vg_replay_merge_start (m, ts, NULL);
    const size_t want_idx[] = { 4, 0, 1, 2, 5, 7, 3, 6 };
    const uint32_t want_run[] = { 2, 0, 0, 0, 2, 3, 0, 2 };
    for (size_t k = 0; k < 8; k++) {
        vg_replay_sample_t x;
        ck_assert_int_eq (vg_replay_merge_peek (m), ts[want_idx[k]]);
        ck_assert_int_eq (vg_replay_merge_next (m, &x), 1);
        ck_assert_uint_eq (x.idx, want_idx[k]);
        ck_assert_uint_eq (x.run, want_run[k]);
        ck_assert_int_eq (x.ts, ts[want_idx[k]]);
    }
    vg_replay_sample_t x;
    ck_assert_int_eq (vg_replay_merge_next (m, &x), 0);
    ck_assert (vg_replay_merge_peek (m) == INT64_MAX);
    /* Reset: a merge with no runs yields nothing. */
    vg_replay_merge_reset (m);
    ck_assert_uint_eq (vg_replay_merge_runs (m), 0);
    ck_assert_int_eq (vg_replay_merge_start (m, ts, NULL), 0);
    ck_assert_int_eq (vg_replay_merge_next (m, &x), 0);
    vg_replay_merge_destroy (&m);
    ck_assert_ptr_null (m);
    vg_replay_merge_destroy (&m); /* NULL-safe */
}
END_TEST

/* Many random runs against the definition: sorted by (ts, run, position), each once. */
START_TEST (random_runs_match_a_stable_sort)
{
    enum { RUNS = 300, MAXN = 40 };
    int64_t *ts = malloc (RUNS * MAXN * sizeof *ts);
    uint32_t *seen = calloc (RUNS * MAXN, sizeof *seen);
    ck_assert (ts && seen);
    vg_replay_merge_t *m = vg_replay_merge_new ();
    srand (7);
    for (int round = 0; round < 3; round++) {
        vg_replay_merge_reset (m);
        size_t used = 0;
        for (int r = 0; r < RUNS; r++) {
            size_t n = (size_t) (rand () % MAXN);
            int64_t t = rand () % 1000;
            for (size_t k = 0; k < n; k++) {
                ts[used + k] = t;
                t += rand () % 3; /* sorted, with repeats */
            }
            ck_assert_int_eq (vg_replay_merge_add (m, used, n), 0);
            used += n;
        }
        memset (seen, 0, used * sizeof *seen);
        ck_assert_int_eq (vg_replay_merge_start (m, ts, NULL), 0);
        size_t got = 0, last_i = 0;
        uint32_t last_run = 0;
        int64_t last_t = INT64_MIN;
        vg_replay_sample_t x;
        while (vg_replay_merge_next (m, &x) == 1) {
            size_t i = x.idx;
            uint32_t run = x.run;
            ck_assert_int_eq (x.ts, ts[i]);
            ck_assert_uint_lt (i, used);
            ck_assert_uint_eq (seen[i]++, 0);
            ck_assert (ts[i] >= last_t);
            if (got && ts[i] == last_t)
                ck_assert (run > last_run || (run == last_run && i > last_i));
            last_t = ts[i];
            last_run = run;
            last_i = i;
            got++;
        }
        ck_assert_uint_eq (got, used);
    }
    vg_replay_merge_destroy (&m);
    free (ts);
    free (seen);
}
END_TEST

typedef struct {
    int64_t ts;
    uint32_t run;
    size_t idx;
} s_ref_t;

static int
s_ref_cmp (const void *a, const void *b)
{
    const s_ref_t *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->run != y->run)
        return x->run < y->run ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Add run [used, used + n) of ts to m and to the reference. */
static void
s_add_run (vg_replay_merge_t *m, const int64_t *ts, size_t *used, size_t n, s_ref_t *ref)
{
    uint32_t run = (uint32_t) vg_replay_merge_runs (m);
    for (size_t k = *used; k < *used + n; k++)
        ref[k] = (s_ref_t) { ts[k], run, k };
    ck_assert_int_eq (vg_replay_merge_add (m, *used, n), 0);
    *used += n;
}

/* The merge works by time slices sorted with a radix sort: check it against the definition
 * on shapes that stress the slicing: a dense burst of one run (a slice halved down to
 * single milliseconds, more samples than a slice holds in one millisecond), thousands of
 * sparse runs over a long span, timestamps at both ends of int64. */
START_TEST (slices_match_the_definition_on_hostile_shapes)
{
    enum { N = 400000 };
    int64_t *ts = malloc (N * sizeof *ts);
    s_ref_t *ref = malloc (N * sizeof *ref);
    ck_assert (ts && ref);
    vg_replay_merge_t *m = vg_replay_merge_new ();
    srand (11);
    size_t used = 0;
    /* run 0: 150,000 samples inside 2 ms; 200,000 share one millisecond with run 1's */
    for (size_t k = 0; k < 150000; k++)
        ts[used + k] = 1000 + (k >= 100000);
    s_add_run (m, ts, &used, 150000, ref);
    for (size_t k = 0; k < 100000; k++)
        ts[used + k] = 1001;
    s_add_run (m, ts, &used, 100000, ref);
    /* 3,000 sparse runs over ten days, a few samples each; some reach both ends of int64 */
    for (int r = 0; r < 3000; r++) {
        size_t n = (size_t) (rand () % 50);
        int64_t t = (int64_t) (rand () % 864000) * 1000;
        for (size_t k = 0; k < n; k++) {
            ts[used + k] = t;
            t += (rand () % 4) * 60000 + (rand () % 2);
        }
        if (r % 1000 == 7 && n > 1) {
            ts[used] = INT64_MIN;
            ts[used + n - 1] = INT64_MAX;
        }
        s_add_run (m, ts, &used, n, ref);
    }
    ck_assert_uint_le (used, N);
    qsort (ref, used, sizeof *ref, s_ref_cmp);
    double *v = malloc (used * sizeof *v);
    ck_assert_ptr_nonnull (v);
    for (size_t k = 0; k < used; k++)
        v[k] = (double) k * 0.5;
    for (int round = 0; round < 2; round++) { /* a second start over the same runs */
        ck_assert_int_eq (vg_replay_merge_start (m, ts, v), 0);
        size_t got = 0;
        vg_replay_sample_t x;
        int rc;
        while ((rc = vg_replay_merge_next (m, &x)) == 1) {
            ck_assert_uint_lt (got, used);
            ck_assert_uint_eq (x.idx, ref[got].idx);
            ck_assert_uint_eq (x.run, ref[got].run);
            ck_assert_int_eq (x.ts, ref[got].ts);
            ck_assert (x.v == (double) x.idx * 0.5);
            got++;
            ck_assert (got == used || vg_replay_merge_peek (m) == ref[got].ts);
        }
        ck_assert_int_eq (rc, 0);
        ck_assert_uint_eq (got, used);
    }
    free (v);
    free (ts);
    free (ref);
    vg_replay_merge_destroy (&m);
}
END_TEST

START_TEST (pointer_fills_unset_options)
{
    vg_pointer_t p;
    const char *store = NULL, *device = "given/dev", *path = NULL, *from = NULL, *to = NULL;
    ck_assert_int_eq (vg_cli_pointer ("test", "vigil://site001/gnb1?store=/s&path=/a/b&from=10&to=20", &p, &store,
                                      &device, NULL, NULL, &path, &from, &to),
                      0);
    ck_assert_str_eq (store, "/s");
    ck_assert_str_eq (device, "given/dev"); /* an option given wins */
    ck_assert_str_eq (path, "/a/b");
    ck_assert_str_eq (from, "10");
    ck_assert_str_eq (to, "20");
    /* Options a command does not take are NULL; a bad pointer is refused. */
    const char *s2 = NULL;
    ck_assert_int_eq (vg_cli_pointer ("test", "vigil://d?from=1&to=2", &p, &s2, NULL, NULL, NULL, NULL, NULL, NULL), 0);
    ck_assert_ptr_null (s2);
    ck_assert_int_eq (vg_cli_pointer ("test", "http://d", &p, &s2, NULL, NULL, NULL, NULL, NULL, NULL), -1);
    /* A fleet finding's key selects its vendor or site, never a device. */
    const char *dev = NULL, *site = NULL, *vendor = NULL;
    ck_assert_int_eq (vg_cli_pointer ("test", "vigil://Huawei?scope=vendor&from=1&to=2", &p, NULL, &dev, &site, &vendor,
                                      NULL, NULL, NULL),
                      0);
    ck_assert_ptr_null (dev);
    ck_assert_ptr_null (site);
    ck_assert_str_eq (vendor, "Huawei");
    vendor = NULL;
    ck_assert_int_eq (vg_cli_pointer ("test", "vigil://site003?scope=site&from=1&to=2", &p, NULL, &dev, &site, &vendor,
                                      NULL, NULL, NULL),
                      0);
    ck_assert_ptr_null (dev);
    ck_assert_ptr_null (vendor);
    ck_assert_str_eq (site, "site003");
    /* A command without a vendor selection refuses such a pointer rather than select nothing. */
    ck_assert_int_eq (vg_cli_pointer ("test", "vigil://Huawei?scope=vendor&from=1", &p, NULL, &dev, NULL, NULL, NULL,
                                      NULL, NULL),
                      -1);
}
END_TEST

Suite *
vg_replay_merge_suite (void)
{
    const TTest *tests[] = { merges_in_time_order_ties_by_run, random_runs_match_a_stable_sort,
                             slices_match_the_definition_on_hostile_shapes, pointer_fills_unset_options };
    /* 1.5 s of CPU, but 15 s of wall at load 19 and once over a 30 s limit (2026-12-07). */
    return vg_test_suite ("replay_merge", "merge", tests, sizeof tests / sizeof tests[0], 120, NULL, NULL);
}
