/* check_detect_stage_restart.c - the detect stage's state across a restart and a rules
 * reload (SIGHUP): open episodes continue (no second Create, the Close carries the uid
 * created before), a changed rule starts cold and a removed one closes its episode, a bad
 * rules file is refused and the rules in force stay, and without or with an unreadable saved
 * state the stage starts cold.  Set-up: fixture_detect_stage.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "tests/support/tmpdir.h"
#include "tests/collector/fixture_detect_stage.h"
#include "tests/support/suite.h"

/* A BGP session down (state series) and a config change: both episodes are open when the
 * stage stops.  The restarted stage continues them: no second Create, and the Close of the
 * session episode carries the uid created before the restart.  Without the saved state
 * the same input re-raises the config-change episode (the control).  The same sequence with
 * a rules reload (SIGHUP) instead of the restart: between == one of the B_* below, and
 * rules_text the file the reload reads. */
enum { B_RESTART, B_RESTART_COLD, B_RELOAD };

static void
between_run (int between, const char *rules_text, int reload_rc, ds_rec_t **out)
{
    vg_detect_stage_t *st = ds_stage ();
    ds_feed_opening (st);
    if (between == B_RELOAD) {
        ck_assert_int_eq (vg_test_write_file (ds_rules, rules_text, strlen (rules_text)), 0);
        ck_assert_int_eq (vg_detect_stage_reload (st), reload_rc);
    } else {
        vg_detect_stage_destroy (&st); /* saves state */
    }
    if (between == B_RESTART_COLD) {
        vg_store_txn_t *t = vg_store_txn_new (ds_store);
        vg_store_txn_delete (t, VG_CF_DETSTATE, "engine", 6);
        ck_assert_int_eq (vg_store_commit (ds_store, t, NULL, 0), 0);
        vg_store_txn_destroy (&t);
    }
    if (!st)
        st = ds_stage ();
    ds_ev_t ev2[] = { { T0 + 600000, VG_EV_CONFIG_CHANGE, { "hash=ccc", "user=bob", NULL } } };
    ds_spec_t b = { "lab/r1", ev2, 1, T0 + 180000, 30, 1 }; /* still IDLE */
    ds_feed (st, &b, 3);
    ds_spec_t c = { "lab/r1", NULL, 0, T0 + 900000, 30, 0 }; /* ESTABLISHED for 5 min */
    ds_feed (st, &c, 4);
    vg_detect_stage_destroy (&st);
    *out = ds_stored ();
}

static void
restart_run (int drop_state, ds_rec_t **out)
{
    between_run (drop_state ? B_RESTART_COLD : B_RESTART, NULL, 0, out);
}

/* The bgp episode's Create and Close carry the same uid (the episode was continued). */
static void
assert_bgp_continued (const ds_rec_t *r)
{
    ck_assert_int_eq (ds_count (r, "bgp:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (ds_count (r, "bgp:lab/r1", VG_ACT_CLOSE), 1);
    const char *created = NULL, *closed = NULL;
    for (int i = 0; i < r->n; i++) {
        if (!strncmp (r->uid[i], "bgp:", 4) && r->act[i] == VG_ACT_CREATE)
            created = r->uid[i];
        if (!strncmp (r->uid[i], "bgp:", 4) && r->act[i] == VG_ACT_CLOSE)
            closed = r->uid[i];
    }
    ck_assert_ptr_nonnull (created);
    ck_assert_ptr_nonnull (closed);
    ck_assert_str_eq (created, closed);
}

START_TEST (restart_continues_episodes)
{
    ds_rec_t *r;
    restart_run (0, &r);
    ck_assert_int_eq (ds_count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    assert_bgp_continued (r);
    free (r);
}
END_TEST

/* Reload with the rules moved around (comments, order) and one rule added: every open
 * episode continues, the added rule sees the data that comes after the reload. */
START_TEST (reload_adds_rule_keeps_state)
{
    const char *moved = "# reloaded\n" RULES_HEAD R_BGP R_LOGIN R_CC
                        "  - id: cc2\n    detector: config_change\n    keep_firing_for: 1h\n";
    ds_rec_t *r;
    between_run (B_RELOAD, moved, 0, &r);
    ck_assert_int_eq (ds_count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    assert_bgp_continued (r);
    ck_assert_int_eq (ds_count (r, "cc2:lab/r1", VG_ACT_CREATE), 1); /* the change after the reload */
    free (r);
}
END_TEST

/* A changed rule starts cold (its episode is raised again); the others continue. */
START_TEST (reload_changed_rule_starts_cold)
{
    const char *changed = RULES_HEAD "  - id: cc\n    detector: config_change\n    keep_firing_for: 2h\n" R_LOGIN R_BGP;
    ds_rec_t *r;
    between_run (B_RELOAD, changed, 0, &r);
    ck_assert_int_eq (ds_count (r, "cc:lab/r1", VG_ACT_CREATE), 2);
    ck_assert_int_eq (ds_count (r, "cc:lab/r1", VG_ACT_CLOSE), 1); /* the old episode ends at the reload */
    int closed_at = -1;
    for (int i = 0; i < r->n; i++)
        if (!strncmp (r->uid[i], "cc:lab/r1", 9) && r->act[i] == VG_ACT_CLOSE)
            closed_at = i;
    ck_assert_int_ge (closed_at, 0);
    ck_assert_ptr_nonnull (strstr (r->json[closed_at], "rule_reloaded"));
    ck_assert_str_eq (r->uid[closed_at], r->uid[0]); /* the first record: the old episode's Create */
    assert_bgp_continued (r);
    free (r);
}
END_TEST

/* A removed rule's open episode is closed at the reload; the others continue. */
START_TEST (reload_removed_rule_closes)
{
    const char *no_bgp = RULES_HEAD R_CC R_LOGIN;
    ds_rec_t *r;
    between_run (B_RELOAD, no_bgp, 0, &r);
    ck_assert_int_eq (ds_count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (ds_count (r, "bgp:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (ds_count (r, "bgp:lab/r1", VG_ACT_CLOSE), 1);
    for (int i = 0; i < r->n; i++)
        if (!strncmp (r->uid[i], "bgp:", 4) && r->act[i] == VG_ACT_CLOSE)
            ck_assert_ptr_nonnull (strstr (r->json[i], "rule_reloaded"));
    assert_bgp_continued (r); /* Create and Close of one uid */
    free (r);
}
END_TEST

/* A malformed file is refused: the rules in force stay and their episodes continue. */
START_TEST (reload_refuses_bad_file)
{
    ds_rec_t *r;
    between_run (B_RELOAD, "rules:\n  - id: x\n    detector: no-such-kind\n", -VG_ECONFIG, &r);
    ck_assert_int_eq (ds_count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    assert_bgp_continued (r);
    free (r);
    vg_detect_stage_t *st = ds_stage_or_null ();
    ck_assert_ptr_null (st); /* the file on disk is still the bad one */
    ck_assert_int_eq (vg_test_write_file (ds_rules, ds_rules_text, strlen (ds_rules_text)), 0);
    st = ds_stage ();
    ck_assert_int_eq (vg_test_write_file (ds_rules, "rules: [", 8), 0);
    ck_assert_int_eq (vg_detect_stage_reload (st), -VG_ECONFIG);
    ck_assert_int_eq (unlink (ds_rules), 0);
    ck_assert_int_eq (vg_detect_stage_reload (st), -VG_ECONFIG);
    vg_detect_stage_stats_t ss = ds_stats (st);
    ck_assert_uint_eq (ss.reloads, 0);
    ck_assert_uint_eq (ss.reload_errors, 2);
    ck_assert_uint_eq (ss.rules, 3);
    vg_detect_stage_destroy (&st);
}
END_TEST

START_TEST (restart_without_state_is_cold)
{
    ds_rec_t *r;
    restart_run (1, &r);
    /* Cold engine: the second change is a new episode, and the session is re-detected as a
     * new episode too (nothing is lost, but episodes are not continued). */
    ck_assert_int_eq (ds_count (r, "cc:lab/r1", VG_ACT_CREATE), 2);
    ck_assert_int_eq (ds_count (r, "bgp:lab/r1", VG_ACT_CREATE), 2);
    free (r);
}
END_TEST

/* An unreadable saved state is reported and the stage starts cold, never fails. */
START_TEST (corrupt_state_starts_cold)
{
    vg_store_txn_t *t = vg_store_txn_new (ds_store);
    vg_store_txn_put (t, VG_CF_DETSTATE, "engine", 6, "\xff\xff\xff", 3);
    ck_assert_int_eq (vg_store_commit (ds_store, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
    vg_detect_stage_t *st = ds_stage ();
    ds_ev_t ev[] = { { T0, VG_EV_CONFIG_CHANGE, { "hash=aaa", NULL } } };
    ds_spec_t sp = { "lab/r1", ev, 1, 0, 0, 0 };
    ds_feed (st, &sp, 1);
    vg_detect_stage_destroy (&st);
    ds_rec_t *r = ds_stored ();
    ck_assert_int_eq (ds_count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    free (r);
}
END_TEST

Suite *
vg_detect_stage_restart_suite (void)
{
    const vg_test_case_t cases[] = {
        { "restart", restart_continues_episodes },
        { "restart_cold", restart_without_state_is_cold },
        { "reload_adds_rule", reload_adds_rule_keeps_state },
        { "reload_changed_rule", reload_changed_rule_starts_cold },
        { "reload_bad_file", reload_refuses_bad_file },
        { "reload_removed_rule", reload_removed_rule_closes },
        { "corrupt_state", corrupt_state_starts_cold },
    };
    return vg_test_cases_suite ("detect_stage_restart", cases, sizeof cases / sizeof cases[0], 60, ds_setup,
                                ds_teardown);
}
