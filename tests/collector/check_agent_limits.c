/* check_agent_limits.c - per-agent token buckets: a burst is admitted, then the agent waits
 * for the refill (with the wait returned, and is held that long), sample debt delays the next batch, agents do not
 * share buckets, a zero rate is no limit, and the table stops growing at max_agents. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "collector/agent_limits.h"
#include "tests/support/suite.h"

static const vg_agent_limit_stats_t *
s_find (const vg_agent_limits_t *al, const char *id)
{
    for (size_t i = 0; i < vg_agent_limits_count (al); i++)
        if (!strcmp (vg_agent_limits_at (al, i)->agent_id, id))
            return vg_agent_limits_at (al, i);
    return NULL;
}

START_TEST (batch_rate_burst_then_refill)
{
    vg_agent_limits_cfg_t cfg = { .batches_per_s = 10, .burst_s = 1 }; /* depth 10 batches */
    vg_agent_limits_t *al = vg_agent_limits_new (&cfg);
    ck_assert_ptr_nonnull (al);
    int64_t t = 1000;
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq (vg_agent_limits_admit (al, "a1", t), 0);
    int64_t wait = vg_agent_limits_admit (al, "a1", t);
    ck_assert_int_gt (wait, 0);
    ck_assert_int_le (wait, 101); /* one token at 10/s */
    /* told to wait, the agent is held that long: what it sends meanwhile is ignored (and
     * counted); an agent never seen is not held */
    ck_assert_int_eq (vg_agent_limits_held (al, "a1", t), wait);
    ck_assert_int_eq (vg_agent_limits_held (al, "a1", t + wait - 1), 1);
    ck_assert_int_eq (vg_agent_limits_held (al, "a1", t + wait), 0);
    ck_assert_int_eq (vg_agent_limits_held (al, "nobody", t), 0);
    /* another agent has its own bucket */
    ck_assert_int_eq (vg_agent_limits_admit (al, "a2", t), 0);
    /* after the wait one more batch goes through, and not two */
    t += wait;
    ck_assert_int_eq (vg_agent_limits_admit (al, "a1", t), 0);
    ck_assert_int_gt (vg_agent_limits_admit (al, "a1", t), 0);
    /* over a long run the admitted rate is the configured one */
    int admitted = 0;
    for (int64_t ms = 0; ms < 10000; ms += 5)
        admitted += vg_agent_limits_admit (al, "a1", t + ms) == 0;
    ck_assert_int_ge (admitted, 98);
    ck_assert_int_le (admitted, 101);
    const vg_agent_limit_stats_t *a1 = s_find (al, "a1");
    ck_assert_ptr_nonnull (a1);
    ck_assert_uint_eq (a1->admitted, 11 + (uint64_t) admitted);
    ck_assert_uint_gt (a1->throttled, 1000 + 2);
    vg_agent_limit_stats_t tot;
    vg_agent_limits_totals (al, &tot);
    ck_assert_uint_eq (tot.admitted, a1->admitted + 1);
    vg_agent_limits_destroy (&al);
    ck_assert_ptr_null (al);
    vg_agent_limits_destroy (&al); /* NULL-safe */
}
END_TEST

START_TEST (sample_debt_delays_next_batch)
{
    vg_agent_limits_cfg_t cfg = { .samples_per_s = 1000, .burst_s = 1 }; /* depth 1000 samples */
    vg_agent_limits_t *al = vg_agent_limits_new (&cfg);
    ck_assert_ptr_nonnull (al);
    ck_assert_int_eq (vg_agent_limits_admit (al, "a1", 0), 0);
    vg_agent_limits_charge (al, "a1", 3000, 7); /* 2000 in debt: 2 s at 1000/s */
    int64_t wait = vg_agent_limits_admit (al, "a1", 0);
    ck_assert_int_ge (wait, 2000);
    ck_assert_int_le (wait, 2001);
    ck_assert_int_gt (vg_agent_limits_admit (al, "a1", 1999), 0);
    ck_assert_int_eq (vg_agent_limits_admit (al, "a1", 2001), 0);
    /* the debt is bounded: one huge batch costs at most a few bursts of waiting */
    vg_agent_limits_charge (al, "a1", 1000000000, 0);
    wait = vg_agent_limits_admit (al, "a1", 2001);
    ck_assert_int_le (wait, 4 * 1000 + 2);
    const vg_agent_limit_stats_t *a1 = s_find (al, "a1");
    ck_assert_uint_eq (a1->samples, 1000003000);
    ck_assert_uint_eq (a1->series_refused, 7);
    vg_agent_limits_destroy (&al);
}
END_TEST

START_TEST (zero_rates_are_no_limit)
{
    vg_agent_limits_cfg_t cfg = { 0 };
    vg_agent_limits_t *al = vg_agent_limits_new (&cfg);
    ck_assert_ptr_nonnull (al);
    for (int i = 0; i < 100000; i++) {
        ck_assert_int_eq (vg_agent_limits_admit (al, "a1", 0), 0);
        vg_agent_limits_charge (al, "a1", 100000, 0);
    }
    ck_assert_uint_eq (s_find (al, "a1")->throttled, 0);
    vg_agent_limits_destroy (&al);
}
END_TEST

START_TEST (table_bounded)
{
    vg_agent_limits_cfg_t cfg = { .batches_per_s = 1, .burst_s = 1, .max_agents = 8 };
    vg_agent_limits_t *al = vg_agent_limits_new (&cfg);
    ck_assert_ptr_nonnull (al);
    char id[32];
    for (int i = 0; i < 1000; i++) {
        snprintf (id, sizeof id, "flood-%d", i);
        vg_agent_limits_admit (al, id, 0);
    }
    ck_assert_uint_eq (vg_agent_limits_count (al), 9); /* 8 agents and the overflow record */
    const vg_agent_limit_stats_t *over = s_find (al, "-");
    ck_assert_ptr_nonnull (over);
    ck_assert_uint_eq (over->admitted, 1);    /* the overflow ids share one bucket */
    ck_assert_uint_eq (over->throttled, 991);
    ck_assert_ptr_null (vg_agent_limits_at (al, 9));
    vg_agent_limits_destroy (&al);
}
END_TEST

/* A reload (vg_agent_limits_set_cfg) applies new rates at once and keeps each agent's
 * counters and its balance (clamped to the new depth). */
START_TEST (new_limits_keep_state)
{
    vg_agent_limits_cfg_t cfg = { .batches_per_s = 0, .burst_s = 1 };
    vg_agent_limits_t *al = vg_agent_limits_new (&cfg);
    ck_assert_ptr_nonnull (al);
    for (int i = 0; i < 50; i++)
        ck_assert_int_eq (vg_agent_limits_admit (al, "a1", 1000), 0);
    /* limited now: a full bucket of 5, then RETRY */
    cfg.batches_per_s = 5;
    vg_agent_limits_set_cfg (al, &cfg);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq (vg_agent_limits_admit (al, "a1", 1000), 0);
    int64_t wait = vg_agent_limits_admit (al, "a1", 1000);
    ck_assert_int_gt (wait, 150);
    ck_assert_int_le (wait, 201);
    const vg_agent_limit_stats_t *a1 = s_find (al, "a1");
    ck_assert_uint_eq (a1->admitted, 55);
    ck_assert_uint_eq (a1->throttled, 1);
    /* a higher rate: the empty balance is kept (no free burst), and the hold the agent was
     * told stays; after it, the faster refill admits it sooner */
    cfg.batches_per_s = 1000;
    vg_agent_limits_set_cfg (al, &cfg);
    ck_assert_int_eq (vg_agent_limits_held (al, "a1", 1000), wait);
    ck_assert_int_eq (vg_agent_limits_admit (al, "a1", 1000 + wait), 0);
    /* limits lifted: admitted at once */
    cfg.batches_per_s = 0;
    vg_agent_limits_set_cfg (al, &cfg);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq (vg_agent_limits_admit (al, "a1", 2000), 0);
    ck_assert_uint_eq (s_find (al, "a1")->admitted, 156);
    vg_agent_limits_destroy (&al);
}
END_TEST

Suite *
vg_agent_limits_suite (void)
{
    Suite *s = suite_create ("agent_limits");
    const TTest *t[] = { batch_rate_burst_then_refill, sample_debt_delays_next_batch, zero_rates_are_no_limit,
                         table_bounded, new_limits_keep_state };
    vg_test_tcase (s, "buckets", t, sizeof t / sizeof t[0], 30, NULL, NULL);
    return s;
}
