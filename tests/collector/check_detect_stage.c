/* check_detect_stage.c - the collector's detect stage: batches in, alert records stored in
 * VG_CF_ALERTS, benign look-alikes silent, state saved and restored so an ongoing episode
 * is neither re-created nor lost across a restart, the threaded path with its hooks, and
 * hostile batches counted without a crash. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/alert_store.h"
#include "common/chunk.h"
#include "common/clock.h"
#include "collector/detect_stage.h"
#include "common/err.h"
#include "collector/ingest.h"
#include "store/store.h"
#include "proto/vigil.pb-c.h"
#include "tests/support/batch_pack.h"
#include "tests/support/tmpdir.h"

#define T0 1767614400000LL /* Monday 2026-01-05 12:00Z: outside the 00:00-05:00 change window */
#define T_NIGHT (T0 - 9 * 3600000LL) /* 03:00Z: inside it */

#define RULES_HEAD                                                                                                   \
    "windows:\n"                                                                                                    \
    "  - { name: cw, kind: change, daily: \"00:00-05:00\" }\n"                                                      \
    "allowlists:\n"                                                                                                 \
    "  - { name: bastion, entries: [ 10.255.0.0/24 ] }\n"                                                           \
    "rules:\n"
#define R_CC "  - id: cc\n    detector: config_change\n    keep_firing_for: 1h\n"
#define R_LOGIN "  - id: login\n    detector: login\n    keep_firing_for: 1h\n    params: { allowlist: bastion }\n"
#define R_BGP                                                                                                        \
    "  - id: bgp\n    detector: bgp\n    for: 30s\n    keep_firing_for: 1m\n"                                        \
    "    match: { path: [\"*/session-state\"] }\n    params: { mode: session }\n"

static const char *RULES = RULES_HEAD R_CC R_LOGIN R_BGP;

static char s_dir[256];
static char s_rules[300];
static vg_store_t *s_store;
static vg_ingest_t *s_ingest; /* the batches go through the real ingest first, as in the collector */

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "detstage"));
    ck_assert_ptr_nonnull (vg_test_path (s_rules, sizeof s_rules, s_dir, "rules.yaml"));
    ck_assert_int_eq (vg_test_write_file (s_rules, RULES, strlen (RULES)), 0);
    char path[300], err[256];
    snprintf (path, sizeof path, "%s/store", s_dir);
    vg_store_cfg_t sc = { path, VG_STORE_RW, 7200000, false, 0 };
    s_store = vg_store_open (&sc, err, sizeof err);
    ck_assert_msg (s_store != NULL, "%s", err);
    vg_ingest_cfg_t ic = { 3650 * 86400000LL, 86400000LL, 16 << 20, 1024, 1024, 65536, true, NULL, 0 };
    s_ingest = vg_ingest_new (&ic, s_store, err, sizeof err);
    ck_assert_msg (s_ingest != NULL, "%s", err);
}

static void
teardown (void)
{
    vg_ingest_destroy (&s_ingest);
    vg_store_destroy (&s_store);
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

static vg_detect_stage_t *
stage_or_null (void)
{
    vg_detect_stage_cfg_t cfg = { .rules_path = s_rules, .tick_ms = 1000, .save_every_ms = 0 };
    char err[512];
    return vg_detect_stage_new (&cfg, s_store, err, sizeof err);
}

static vg_detect_stage_t *
stage (void)
{
    vg_detect_stage_t *st = stage_or_null ();
    ck_assert_msg (st != NULL, "stage over %s", s_rules);
    return st;
}

/* The stage's counters now. */
static vg_detect_stage_stats_t
s_stats (vg_detect_stage_t *st)
{
    vg_detect_stage_stats_t s;
    vg_detect_stage_stats (st, &s);
    return s;
}

/* ---- batches, built the way the agent's batcher builds them (one device, a string table,
 * chunk-encoded series, events with attributes) ---- */

typedef struct {
    int64_t ts;
    int type;
    const char *kv[8]; /* "key=value", NULL-terminated */
} ev_t;

typedef struct {
    const char *dev;
    const ev_t *evs;
    size_t nev;
    int64_t st_ts0;     /* state series: first sample time (0 = no series) */
    int st_n;           /* samples, every 10 s */
    int st_value;       /* index into {"ESTABLISHED", "IDLE"} */
} spec_t;

static void
mk_batch (const spec_t *sp, uint64_t seq, vg_buf_t *out)
{
    char *strings[] = { "", "/network-instances/bgp/neighbors/neighbor/state/session-state", "test", "peer",
                        "192.0.2.1" };
    Vigil__Device dev = VIGIL__DEVICE__INIT;
    dev.id = (char *) sp->dev;
    dev.vendor = "Acme";
    dev.model = "X1";
    dev.role = "router";
    dev.site = "lab";
    dev.sw_version = "1.0";
    Vigil__Device *devs[] = { &dev };
    Vigil__Batch b = vg_test_batch ("t1", seq, T0, strings, 5, devs, 1);

    Vigil__Series s = VIGIL__SERIES__INIT;
    Vigil__Series *sers[] = { &s };
    uint32_t labels[] = { 3, 4 };
    char *names[] = { "ESTABLISHED", "IDLE" };
    vg_buf_t chunk = VG_BUF_INIT;
    if (sp->st_n > 0) {
        int64_t ts[64];
        double v[64];
        ck_assert_int_le (sp->st_n, 64);
        for (int i = 0; i < sp->st_n; i++) {
            ts[i] = sp->st_ts0 + i * 10000LL;
            v[i] = sp->st_value;
        }
        ck_assert_int_eq (vg_chunk_encode (ts, v, (size_t) sp->st_n, &chunk), 0);
        s.device = 0;
        s.path = 1;
        s.n_labels = 2;
        s.labels = labels;
        s.kind = VIGIL__SERIES_KIND__SERIES_KIND_STATE;
        s.input = 2;
        s.count = (uint32_t) sp->st_n;
        s.chunk.data = chunk.data;
        s.chunk.len = chunk.len;
        s.n_state_names = 2;
        s.state_names = names;
        b.n_series = 1;
        b.series = sers;
    }
    Vigil__Event evs[8], *evp[8];
    Vigil__Attr attrs[8][8], *attrp[8][8];
    char kbuf[8][8][64];
    ck_assert_int_le (sp->nev, 8);
    for (size_t i = 0; i < sp->nev; i++) {
        vigil__event__init (&evs[i]);
        evs[i].device = 0;
        evs[i].ts_ms = sp->evs[i].ts;
        evs[i].type = (Vigil__EventType) sp->evs[i].type;
        evs[i].input = 2;
        size_t na = 0;
        for (; na < 8 && sp->evs[i].kv[na]; na++) {
            vigil__attr__init (&attrs[i][na]);
            snprintf (kbuf[i][na], sizeof kbuf[i][na], "%s", sp->evs[i].kv[na]);
            char *eq = strchr (kbuf[i][na], '=');
            ck_assert_ptr_nonnull (eq);
            *eq = '\0';
            attrs[i][na].key = kbuf[i][na];
            attrs[i][na].value = eq + 1;
            attrp[i][na] = &attrs[i][na];
        }
        evs[i].n_attrs = na;
        evs[i].attrs = attrp[i];
        evp[i] = &evs[i];
    }
    b.n_events = sp->nev;
    b.events = evp;
    vg_test_pack_batch (&b, out);
    vg_buf_free (&chunk);
}

/* Store the batch of sp as the server does, then hand it to the stage, whose next
 * `fail` commits fail (store fault seam); the stage's return code. */
static int
feed_failing (vg_detect_stage_t *st, const spec_t *sp, uint64_t seq, int fail)
{
    vg_buf_t b = VG_BUF_INIT;
    mk_batch (sp, seq, &b);
    vg_store_txn_t *t = vg_store_txn_new (s_store);
    vg_ingest_result_t res;
    ck_assert_msg (vg_ingest_batch (s_ingest, b.data, b.len, T0, t, &res) == 0, "%s", res.reason);
    ck_assert_int_eq (vg_store_commit (s_store, t, NULL, 0), 0);
    vg_ingest_commit (s_ingest);
    vg_store_txn_destroy (&t);
    vg_store_fail_commits (s_store, fail);
    int rc = vg_detect_stage_process (st, b.data, b.len, 0);
    vg_store_fail_commits (s_store, 0);
    vg_buf_free (&b);
    return rc;
}

static void
feed (vg_detect_stage_t *st, const spec_t *sp, uint64_t seq)
{
    ck_assert_int_eq (feed_failing (st, sp, seq, 0), 0);
}

/* ---- stored alerts ---- */

typedef struct {
    int n;
    int64_t t[64];
    char uid[64][420];
    int act[64];
    char json[64][2048];
} rec_t;

static int
s_collect (void *ctx, int64_t t, const char *uid, int act, const char *json, size_t len)
{
    rec_t *r = ctx;
    if (r->n == 64)
        return 1;
    r->t[r->n] = t;
    snprintf (r->uid[r->n], sizeof r->uid[r->n], "%s", uid);
    r->act[r->n] = act;
    snprintf (r->json[r->n], sizeof r->json[r->n], "%.*s", (int) len, json);
    r->n++;
    return 0;
}

static rec_t *
stored (void)
{
    rec_t *r = calloc (1, sizeof *r);
    ck_assert_int_eq (vg_alert_store_scan (s_store, INT64_MIN, INT64_MAX, s_collect, r), 0);
    return r;
}

/* Records whose uid starts with prefix and have the activity (0 = any). */
static int
count (const rec_t *r, const char *prefix, int act)
{
    int k = 0;
    for (int i = 0; i < r->n; i++)
        k += !strncmp (r->uid[i], prefix, strlen (prefix)) && (act == 0 || r->act[i] == act);
    return k;
}

/* ------------------------------------------------------------------------------------ */

START_TEST (alerts_stored)
{
    vg_detect_stage_t *st = stage ();
    ev_t evs[] = {
        { T0, VG_EV_CONFIG_CHANGE, { "hash=aaa", "user=bob", "class=acl", NULL } },
        { T0 + 1000, VG_EV_LOGIN, { "user=eve", "source=203.0.113.7", "method=ssh", "result=success", NULL } },
    };
    spec_t sp = { "lab/r1", evs, 2, 0, 0, 0 };
    feed (st, &sp, 1);
    /* Benign look-alikes: a change inside the change window (other device), a login from the
     * bastion range. */
    ev_t benign[] = {
        { T_NIGHT, VG_EV_CONFIG_CHANGE, { "hash=bbb", "user=ops", "class=acl", NULL } },
        { T0 + 2000, VG_EV_LOGIN, { "user=ops", "source=10.255.0.9", "method=ssh", "result=success", NULL } },
    };
    spec_t sp2 = { "lab/r2", benign, 2, 0, 0, 0 };
    feed (st, &sp2, 2);
    vg_detect_stage_stats_t s = s_stats (st);
    ck_assert_uint_eq (s.batches, 2);
    ck_assert_uint_eq (s.events, 4);
    ck_assert_uint_eq (s.alerts, 2);
    ck_assert_uint_eq (s.commits, 1); /* the benign batch had nothing to write */
    vg_detect_stage_destroy (&st);
    ck_assert_ptr_null (st);

    rec_t *r = stored ();
    ck_assert_int_eq (r->n, 2);
    ck_assert_int_eq (count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (count (r, "login:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (count (r, "cc:lab/r2", 0) + count (r, "login:lab/r2", 0), 0);
    /* Time order, and the value is the OCSF JSON of the record. */
    ck_assert (r->t[0] == T0 && r->t[1] == T0 + 1000);
    ck_assert_ptr_nonnull (strstr (r->json[0], "\"class_uid\":2004"));
    ck_assert_ptr_nonnull (strstr (r->json[0], r->uid[0]));
    ck_assert_ptr_nonnull (strstr (r->json[1], "203.0.113.7"));
    free (r);
}
END_TEST

/* The store refuses the stage's commit (a full disk): the alert records are kept and go in
 * with the next commit that succeeds, not lost. */
START_TEST (failed_commit_keeps_alerts)
{
    vg_detect_stage_t *st = stage ();
    ev_t evs[] = { { T0, VG_EV_CONFIG_CHANGE, { "hash=aaa", "user=bob", "class=acl", NULL } } };
    spec_t sp = { "lab/r1", evs, 1, 0, 0, 0 };
    ck_assert_int_lt (feed_failing (st, &sp, 1, 1000), 0);
    vg_detect_stage_stats_t s = s_stats (st);
    ck_assert_uint_ge (s.commit_errors, 1);
    ck_assert_uint_eq (s.alerts_lost, 0);
    rec_t *r = stored ();
    ck_assert_int_eq (r->n, 0);
    free (r);
    ev_t later[] = { { T0 + 2000, VG_EV_LOGIN, { "user=ops", "source=10.255.0.9", "method=ssh", "result=success", NULL } } };
    spec_t sp2 = { "lab/r2", later, 1, 0, 0, 0 };
    feed (st, &sp2, 2); /* nothing of its own to write: the kept records are committed */
    s = s_stats (st);
    ck_assert_uint_eq (s.alerts_lost, 0);
    ck_assert_uint_eq (s.commits, 1);
    r = stored ();
    ck_assert_int_eq (count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (r->n, 1);
    free (r);
    vg_detect_stage_destroy (&st);
}
END_TEST

/* A BGP session down (state series) and a config change: both episodes are open when the
 * stage stops.  The restarted stage continues them: no second Create, and the Close of the
 * session episode carries the uid created before the restart.  Without the saved state
 * the same input re-raises the config-change episode (the control).  The same sequence with
 * a rules reload (SIGHUP) instead of the restart: between == one of the B_* below, and
 * rules_text the file the reload reads. */
enum { B_RESTART, B_RESTART_COLD, B_RELOAD };

static void
between_run (int between, const char *rules_text, int reload_rc, rec_t **out)
{
    vg_detect_stage_t *st = stage ();
    ev_t ev1[] = { { T0, VG_EV_CONFIG_CHANGE, { "hash=aaa", "user=bob", NULL } } };
    spec_t a = { "lab/r1", ev1, 1, T0, 12, 1 }; /* IDLE for 110 s: fires after 30 s */
    feed (st, &a, 1);
    spec_t a2 = { "lab/r1", NULL, 0, T0 + 120000, 6, 1 };
    feed (st, &a2, 2);
    if (between == B_RELOAD) {
        ck_assert_int_eq (vg_test_write_file (s_rules, rules_text, strlen (rules_text)), 0);
        ck_assert_int_eq (vg_detect_stage_reload (st), reload_rc);
    } else {
        vg_detect_stage_destroy (&st); /* saves state */
    }
    if (between == B_RESTART_COLD) {
        vg_store_txn_t *t = vg_store_txn_new (s_store);
        vg_store_txn_delete (t, VG_CF_DETSTATE, "engine", 6);
        ck_assert_int_eq (vg_store_commit (s_store, t, NULL, 0), 0);
        vg_store_txn_destroy (&t);
    }
    if (!st)
        st = stage ();
    ev_t ev2[] = { { T0 + 600000, VG_EV_CONFIG_CHANGE, { "hash=ccc", "user=bob", NULL } } };
    spec_t b = { "lab/r1", ev2, 1, T0 + 180000, 30, 1 }; /* still IDLE */
    feed (st, &b, 3);
    spec_t c = { "lab/r1", NULL, 0, T0 + 900000, 30, 0 }; /* ESTABLISHED for 5 min */
    feed (st, &c, 4);
    vg_detect_stage_destroy (&st);
    *out = stored ();
}

static void
restart_run (int drop_state, rec_t **out)
{
    between_run (drop_state ? B_RESTART_COLD : B_RESTART, NULL, 0, out);
}

/* The bgp episode's Create and Close carry the same uid (the episode was continued). */
static void
assert_bgp_continued (const rec_t *r)
{
    ck_assert_int_eq (count (r, "bgp:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (count (r, "bgp:lab/r1", VG_ACT_CLOSE), 1);
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
    rec_t *r;
    restart_run (0, &r);
    ck_assert_int_eq (count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
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
    rec_t *r;
    between_run (B_RELOAD, moved, 0, &r);
    ck_assert_int_eq (count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    assert_bgp_continued (r);
    ck_assert_int_eq (count (r, "cc2:lab/r1", VG_ACT_CREATE), 1); /* the change after the reload */
    free (r);
}
END_TEST

/* A changed rule starts cold (its episode is raised again); the others continue. */
START_TEST (reload_changed_rule_starts_cold)
{
    const char *changed = RULES_HEAD "  - id: cc\n    detector: config_change\n    keep_firing_for: 2h\n" R_LOGIN R_BGP;
    rec_t *r;
    between_run (B_RELOAD, changed, 0, &r);
    ck_assert_int_eq (count (r, "cc:lab/r1", VG_ACT_CREATE), 2);
    ck_assert_int_eq (count (r, "cc:lab/r1", VG_ACT_CLOSE), 1); /* the old episode ends at the reload */
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
    rec_t *r;
    between_run (B_RELOAD, no_bgp, 0, &r);
    ck_assert_int_eq (count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (count (r, "bgp:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (count (r, "bgp:lab/r1", VG_ACT_CLOSE), 1);
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
    rec_t *r;
    between_run (B_RELOAD, "rules:\n  - id: x\n    detector: no-such-kind\n", -VG_ECONFIG, &r);
    ck_assert_int_eq (count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    assert_bgp_continued (r);
    free (r);
    vg_detect_stage_t *st = stage_or_null ();
    ck_assert_ptr_null (st); /* the file on disk is still the bad one */
    ck_assert_int_eq (vg_test_write_file (s_rules, RULES, strlen (RULES)), 0);
    st = stage ();
    ck_assert_int_eq (vg_test_write_file (s_rules, "rules: [", 8), 0);
    ck_assert_int_eq (vg_detect_stage_reload (st), -VG_ECONFIG);
    ck_assert_int_eq (unlink (s_rules), 0);
    ck_assert_int_eq (vg_detect_stage_reload (st), -VG_ECONFIG);
    vg_detect_stage_stats_t ss = s_stats (st);
    ck_assert_uint_eq (ss.reloads, 0);
    ck_assert_uint_eq (ss.reload_errors, 2);
    ck_assert_uint_eq (ss.rules, 3);
    vg_detect_stage_destroy (&st);
}
END_TEST

START_TEST (restart_without_state_is_cold)
{
    rec_t *r;
    restart_run (1, &r);
    /* Cold engine: the second change is a new episode, and the session is re-detected as a
     * new episode too (nothing is lost, but episodes are not continued). */
    ck_assert_int_eq (count (r, "cc:lab/r1", VG_ACT_CREATE), 2);
    ck_assert_int_eq (count (r, "bgp:lab/r1", VG_ACT_CREATE), 2);
    free (r);
}
END_TEST

/* ---- the threaded path and its hooks ---- */

typedef struct {
    int alerts, commits, polls;
    int txn_ok;
} hooks_t;

static void
h_alert (void *ctx, const vg_alert_t *a, vg_store_txn_t *txn)
{
    hooks_t *h = ctx;
    h->alerts++;
    /* A companion record in the same write batch (what the outbox does). */
    uint8_t k[VG_ALERT_STORE_KEY_MAX];
    size_t kl = vg_alert_store_key (a, k);
    vg_store_txn_put (txn, VG_CF_OUTBOX, k, kl, "x", 1);
    h->txn_ok += vg_store_txn_count (txn) >= 2;
}

static void
h_commit (void *ctx)
{
    ((hooks_t *) ctx)->commits++;
}

static void
h_poll (void *ctx)
{
    ((hooks_t *) ctx)->polls++;
}

static int
s_count_kv (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (*(int *) ctx)++;
    return 0;
}

START_TEST (threaded_with_hooks)
{
    vg_detect_stage_t *st = stage ();
    hooks_t h = { 0 };
    vg_detect_stage_on_alert (st, h_alert, &h);
    vg_detect_stage_on_committed (st, h_commit, &h);
    vg_detect_stage_poll_hook (st, h_poll, &h);
    ck_assert_int_eq (vg_detect_stage_submit (st, (const uint8_t *) "x", 1), -VG_EIO); /* not started */
    ck_assert_int_eq (vg_detect_stage_start (st), 0);
    ck_assert_int_eq (vg_detect_stage_start (st), -VG_EINVAL);
    vg_buf_t bufs[20];
    const uint8_t *ptrs[20];
    size_t lens[20];
    char users[20][32];
    for (int i = 0; i < 20; i++) {
        snprintf (users[i], sizeof users[i], "user=u%d", i);
        ev_t ev[] = { { T0 + i * 60000LL, VG_EV_LOGIN, { users[i], "source=198.51.100.9", "result=success", NULL } } };
        char dev[32];
        snprintf (dev, sizeof dev, "lab/r%d", i % 4);
        spec_t sp = { dev, ev, 1, 0, 0, 0 };
        bufs[i] = (vg_buf_t) VG_BUF_INIT;
        mk_batch (&sp, (uint64_t) i + 1, &bufs[i]);
        ptrs[i] = bufs[i].data;
        lens[i] = bufs[i].len;
    }
    /* Two commit groups, as the server hands them over. */
    vg_detect_stage_commit_fn (st, ptrs, lens, 10);
    vg_detect_stage_commit_fn (st, ptrs + 10, lens + 10, 10);
    ck_assert_int_eq (vg_detect_stage_stop (st), 0);
    ck_assert_int_eq (vg_detect_stage_submit (st, ptrs[0], lens[0]), -VG_EIO); /* stopped */
    vg_detect_stage_stats_t s = s_stats (st);
    ck_assert_uint_eq (s.batches, 20);
    ck_assert_uint_eq (s.queued, 0);
    ck_assert_uint_eq (s.saves, 1);
    ck_assert_uint_gt (s.save_bytes, 0);
    /* One login Create per device (later logins of the device extend its open episode,
     * as their signal differs they are separate episodes: count what the engine said). */
    ck_assert_uint_eq (s.alerts, s.engine.alerts);
    ck_assert_int_eq (h.alerts, (int) s.alerts);
    ck_assert_int_eq (h.txn_ok, h.alerts);
    ck_assert_int_ge (h.commits, 1);
    ck_assert_int_ge (h.polls, 1);
    vg_detect_stage_destroy (&st);
    rec_t *r = stored ();
    ck_assert_int_eq (r->n, (int) s.alerts);
    ck_assert_int_eq (count (r, "login:lab/r", VG_ACT_CREATE), 20);
    free (r);
    int outbox = 0;
    ck_assert_int_eq (vg_store_scan (s_store, VG_CF_OUTBOX, NULL, 0, NULL, 0, s_count_kv, &outbox), 0);
    ck_assert_int_eq (outbox, (int) s.alerts);
    for (int i = 0; i < 20; i++)
        vg_buf_free (&bufs[i]);
}
END_TEST

/* ---- determinism: the same batches into a fresh store give the same records ---- */

START_TEST (deterministic)
{
    char first[64][440];
    int n1 = 0;
    for (int run = 0; run < 2; run++) {
        if (run == 1) {
            teardown ();
            setup ();
        }
        vg_detect_stage_t *st = stage ();
        ev_t ev[] = { { T0, VG_EV_CONFIG_CHANGE, { "hash=aaa", NULL } },
                      { T0 + 5, VG_EV_REBOOT, { "reason=crash", NULL } } };
        spec_t a = { "lab/r1", ev, 2, T0, 12, 1 };
        feed (st, &a, 1);
        spec_t b = { "lab/r1", NULL, 0, T0 + 200000, 30, 0 };
        feed (st, &b, 2);
        vg_detect_stage_destroy (&st);
        rec_t *r = stored ();
        ck_assert_int_ge (r->n, 3);
        if (run == 0) {
            n1 = r->n;
            for (int i = 0; i < r->n; i++)
                snprintf (first[i], sizeof first[i], "%s/%d", r->uid[i], r->act[i]);
        } else {
            ck_assert_int_eq (r->n, n1);
            for (int i = 0; i < r->n; i++) {
                char k[sizeof first[0]];
                snprintf (k, sizeof k, "%s/%d", r->uid[i], r->act[i]);
                ck_assert_str_eq (k, first[i]);
            }
        }
        free (r);
    }
}
END_TEST

/* ---- hostile input and configuration errors ---- */

START_TEST (bad_batches_counted)
{
    vg_detect_stage_t *st = stage ();
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t) (i * 37 + 11);
    ck_assert_int_lt (vg_detect_stage_process (st, junk, sizeof junk, 0), 0);
    /* Valid protobuf, hostile content.  A state value beyond the names is a per-sample skip;
     * indices out of range or an unknown event type make the whole batch bad (the shared
     * batch reader, proto/batch.c, checks the structure before anything is fed). */
    vg_buf_t b = VG_BUF_INIT;
    spec_t sp = { "lab/r1", NULL, 0, T0, 3, 1 };
    mk_batch (&sp, 1, &b);
    Vigil__Batch *pb = vigil__batch__unpack (NULL, b.len, b.data);
    ck_assert_ptr_nonnull (pb);
    pb->series[0]->n_state_names = 1; /* value 1 is now out of range */
    vg_buf_t b1 = VG_BUF_INIT;
    vg_test_pack_batch (pb, &b1);
    Vigil__Event e = VIGIL__EVENT__INIT, e2 = VIGIL__EVENT__INIT;
    e.device = 7; /* no such device */
    e2.type = (Vigil__EventType) 99;
    Vigil__Event *ep[] = { &e, &e2 };
    Vigil__Event **old = pb->events;
    size_t oldn = pb->n_events;
    pb->events = ep;
    pb->n_events = 2;
    vg_buf_t b2 = VG_BUF_INIT;
    vg_test_pack_batch (pb, &b2);
    pb->events = old;
    pb->n_events = oldn;
    pb->series[0]->n_state_names = 2;
    vigil__batch__free_unpacked (pb, NULL);
    ck_assert_int_eq (vg_detect_stage_process (st, b1.data, b1.len, 0), 0);
    ck_assert_int_lt (vg_detect_stage_process (st, b2.data, b2.len, 0), 0);
    vg_detect_stage_stats_t s = s_stats (st);
    ck_assert_uint_eq (s.bad_batches, 2);
    ck_assert_uint_eq (s.batches, 1);
    ck_assert_uint_eq (s.skipped, 3);
    ck_assert_uint_eq (s.samples, 0);
    ck_assert_uint_eq (s.alerts, 0);
    vg_buf_free (&b1);
    vg_detect_stage_destroy (&st);
    vg_buf_free (&b);
    vg_buf_free (&b2);
}
END_TEST

START_TEST (config_errors)
{
    char err[512];
    vg_detect_stage_cfg_t cfg = { .rules_path = "/nonexistent/rules.yaml" };
    ck_assert_ptr_null (vg_detect_stage_new (&cfg, s_store, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "/nonexistent/rules.yaml"));
    cfg.rules_path = NULL;
    ck_assert_ptr_null (vg_detect_stage_new (&cfg, s_store, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "detect.rules"));
    char bad[300];
    const char *text = "rules:\n  - id: x\n    detector: no_such_kind\n";
    ck_assert_ptr_nonnull (vg_test_path (bad, sizeof bad, s_dir, "bad.yaml"));
    ck_assert_int_eq (vg_test_write_file (bad, text, strlen (text)), 0);
    cfg.rules_path = bad;
    ck_assert_ptr_null (vg_detect_stage_new (&cfg, s_store, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "bad.yaml"));
    vg_detect_stage_destroy (NULL);
}
END_TEST

/* An unreadable saved state is reported and the stage starts cold, never fails. */
START_TEST (corrupt_state_starts_cold)
{
    vg_store_txn_t *t = vg_store_txn_new (s_store);
    vg_store_txn_put (t, VG_CF_DETSTATE, "engine", 6, "\xff\xff\xff", 3);
    ck_assert_int_eq (vg_store_commit (s_store, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
    vg_detect_stage_t *st = stage ();
    ev_t ev[] = { { T0, VG_EV_CONFIG_CHANGE, { "hash=aaa", NULL } } };
    spec_t sp = { "lab/r1", ev, 1, 0, 0, 0 };
    feed (st, &sp, 1);
    vg_detect_stage_destroy (&st);
    rec_t *r = stored ();
    ck_assert_int_eq (count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    free (r);
}
END_TEST

/* ---- batch size and arrival order do not change the alerts ----
 * Two devices from one agent: r1 with a BGP session down for 5 minutes, r2 whose counters
 * stop for 10 minutes while r1 goes on.  Fed (a) in batches of 20 minutes of data packed
 * series after series, as a fast replay does, (b) in batches of 30 s, and (c) r2 through a
 * second agent, its batches all after r1's: the same alerts, nothing late, and r2's
 * silence alerted while it lasted. */

static const char *RULES_ET =
    "rules:\n"
    "  - id: sil\n    detector: silence\n    keep_firing_for: 0s\n    match: { path: \"*\" }\n"
    "    params: { k: 3, min_silence: 30s }\n"
    "  - id: bgp\n    detector: bgp\n    for: 30s\n    keep_firing_for: 1m\n"
    "    match: { path: [\"*/session-state\"] }\n    params: { mode: session }\n";

#define ET_SPAN (2 * 3600000LL)

/* Series j of the scenario at time t: present? value? */
static int
et_value (int j, int64_t t, double *v)
{
    int64_t rel = t - T0;
    switch (j) {
    case 0: /* r1 session-state: 0 = ESTABLISHED, 1 = IDLE */
        *v = rel >= 30 * 60000 && rel < 35 * 60000 ? 1 : 0;
        return 1;
    case 1: /* r1 counter */
        *v = (double) rel / 1000.0;
        return 1;
    default: /* r2 counters: silent 10 minutes */
        *v = (double) rel / 100.0 + j;
        return !(rel >= 60 * 60000 && rel < 70 * 60000);
    }
}

/* One batch of agent `agent` with the devices' series in [w0, w1), series after series.
 * which: 1 = r1 only, 2 = r2 only, 3 = both.  source: the series' input instance as a
 * string index (0 = none, 5 = "pcap", 6 = "pcap#2"). */
static void
et_batch (const char *agent, int which, uint32_t source, uint64_t seq, int64_t w0, int64_t w1, vg_buf_t *out)
{
    char *strings[] = { "", "/bgp/neighbors/neighbor/state/session-state", "/interfaces/in-octets",
                        "/interfaces/out-octets", "test", "pcap", "pcap#2" };
    char *names[] = { "ESTABLISHED", "IDLE" };
    Vigil__Device d1 = VIGIL__DEVICE__INIT, d2 = VIGIL__DEVICE__INIT;
    d1.id = "lab/r1";
    d2.id = "lab/r2";
    d1.vendor = d2.vendor = "Acme";
    d1.role = d2.role = "router";
    d1.site = d2.site = "lab";
    Vigil__Device *devs[] = { &d1, &d2 };
    Vigil__Batch b = vg_test_batch (agent, seq, T0, strings, 7, devs, 2);
    Vigil__Series ss[4], *sp[4];
    vg_buf_t chunks[4];
    size_t ns = 0;
    static int64_t ts[4096];
    static double vs[4096];
    for (int j = 0; j < 4; j++) {
        int dev = j < 2 ? 0 : 1;
        chunks[j] = (vg_buf_t) VG_BUF_INIT;
        if (!(which & (1 << dev)))
            continue;
        size_t n = 0;
        for (int64_t t = w0; t < w1; t += 10000) {
            double v;
            if (et_value (j, t, &v)) {
                ck_assert_uint_lt (n, 4096);
                ts[n] = t;
                vs[n++] = v;
            }
        }
        if (!n)
            continue;
        ck_assert_int_eq (vg_chunk_encode (ts, vs, n, &chunks[j]), 0);
        vigil__series__init (&ss[ns]);
        ss[ns].device = (uint32_t) dev;
        ss[ns].path = (uint32_t) (j == 0 ? 1 : j == 1 ? 2 : j);
        ss[ns].kind = j == 0 ? VIGIL__SERIES_KIND__SERIES_KIND_STATE : VIGIL__SERIES_KIND__SERIES_KIND_COUNTER;
        if (j == 0) {
            ss[ns].n_state_names = 2;
            ss[ns].state_names = names;
        }
        ss[ns].input = 4;
        ss[ns].source = source;
        ss[ns].count = (uint32_t) n;
        ss[ns].chunk.data = chunks[j].data;
        ss[ns].chunk.len = chunks[j].len;
        sp[ns] = &ss[ns];
        ns++;
    }
    b.n_series = ns;
    b.series = sp;
    vg_test_pack_batch (&b, out);
    for (int j = 0; j < 4; j++)
        vg_buf_free (&chunks[j]);
}

typedef struct {
    char lines[256][512];
    size_t n;
} et_out_t;

static void
et_alert (void *ctx, const vg_alert_t *a, vg_store_txn_t *txn)
{
    et_out_t *o = ctx;
    (void) txn;
    if (a->activity == VG_ACT_UPDATE || o->n >= 256)
        return;
    snprintf (o->lines[o->n++], sizeof o->lines[0], "%s|%d|%lld", a->uid, a->activity, (long long) a->time_ms);
}

static int
et_cmp (const void *a, const void *b)
{
    return strcmp (a, b);
}

/* A store in s_dir/<sub> and a detect stage on it running rules_text (written to
 * s_dir/<rules_file>) with cfg (its rules_path is filled in); the store in *store_p.
 * Destroy the stage, then the store. */
static vg_detect_stage_t *
s_stage_in (const char *sub, const char *rules_file, const char *rules_text, vg_detect_stage_cfg_t *cfg,
            vg_store_t **store_p)
{
    char dir[400], rules[420], err[512];
    snprintf (dir, sizeof dir, "%s/%s", s_dir, sub);
    snprintf (rules, sizeof rules, "%s/%s", s_dir, rules_file);
    ck_assert_int_eq (vg_test_write_file (rules, rules_text, strlen (rules_text)), 0);
    vg_store_cfg_t sc = { dir, VG_STORE_RW, 7200000, false, 0 };
    *store_p = vg_store_open (&sc, err, sizeof err);
    ck_assert_msg (*store_p != NULL, "%s", err);
    cfg->rules_path = rules;
    vg_detect_stage_t *st = vg_detect_stage_new (cfg, *store_p, err, sizeof err);
    ck_assert_msg (st != NULL, "%s", err);
    cfg->rules_path = NULL; /* a local of this function */
    return st;
}

/* Run one feeding mode into a fresh store; returns the sorted alert lines joined. */
static char *
et_run (int mode, vg_detect_stage_stats_t *stats)
{
    char sub[32];
    snprintf (sub, sizeof sub, "et%d", mode);
    vg_detect_stage_cfg_t cfg = { .tick_ms = 10000, .lateness_ms = 30000 };
    vg_store_t *store;
    vg_detect_stage_t *st = s_stage_in (sub, "rules-et.yaml", RULES_ET, &cfg, &store);
    et_out_t *o = calloc (1, sizeof *o);
    vg_detect_stage_on_alert (st, et_alert, o);
    vg_buf_t b = VG_BUF_INIT;
    uint64_t seq = 1;
    if (mode == 0 || mode == 1) {
        int64_t span = mode == 0 ? 20 * 60000 : 30000;
        for (int64_t w = T0; w < T0 + ET_SPAN; w += span) {
            et_batch ("t1", 3, 0, seq++, w, w + span, &b);
            ck_assert_int_eq (vg_detect_stage_process (st, b.data, b.len, 0), 0);
        }
    } else {
        /* 2: r1 through agent t1, then r2 through agent t2; 3: the same through two inputs
         * of one agent (two captures replayed by one agent). */
        for (int k = 0; k < 2; k++)
            for (int64_t w = T0; w < T0 + ET_SPAN; w += 60000) {
                const char *agent = mode == 3 || k == 0 ? "t1" : "t2";
                uint32_t source = mode == 3 ? (uint32_t) (5 + k) : 0;
                et_batch (agent, k == 0 ? 1 : 2, source, seq++, w, w + 60000, &b);
                ck_assert_int_eq (vg_detect_stage_process (st, b.data, b.len, 0), 0);
            }
    }
    vg_detect_stage_stats (st, stats);
    vg_detect_stage_destroy (&st);
    vg_store_destroy (&store);
    vg_buf_free (&b);
    qsort (o->lines, o->n, sizeof o->lines[0], et_cmp);
    char *r = calloc (o->n + 1, sizeof o->lines[0]);
    for (size_t i = 0; i < o->n; i++) {
        strcat (r, o->lines[i]);
        strcat (r, "\n");
    }
    free (o);
    return r;
}

START_TEST (batching_does_not_change_alerts)
{
    vg_detect_stage_stats_t s0, s1, s2, s3;
    char *a = et_run (0, &s0), *b = et_run (1, &s1), *c = et_run (2, &s2), *d = et_run (3, &s3);
    ck_assert_msg (strstr (a, "bgp:lab/r1") != NULL, "%s", a);
    const char *p = strstr (a, "sil:lab/r2:device@");
    ck_assert_msg (p != NULL, "%s", a);
    long long start, when;
    int act;
    ck_assert_int_eq (sscanf (strchr (p, '@') + 1, "%lld|%d|%lld", &start, &act, &when), 3);
    ck_assert_int_eq (act, VG_ACT_CREATE);
    ck_assert_int_lt (when, T0 + 70 * 60000); /* while r2 was silent */
    ck_assert_msg (strstr (a, "sil:lab/r1") == NULL && strstr (a, "outage") == NULL, "%s", a);
    ck_assert_uint_eq (s0.late + s1.late + s2.late, 0);
    ck_assert_uint_eq (s0.samples, s1.samples);
    ck_assert_str_eq (a, b);
    /* r2 through its own agent after all of r1: r2's silence is judged against r2's own
     * source, which did not move while r2 was silent, so it is found when r2 resumes
     * (nothing else said time had passed) — same uid, at most later. */
    ck_assert_msg (strstr (c, "bgp:lab/r1") != NULL && strstr (c, "sil:lab/r2:device@") != NULL, "%s", c);
    ck_assert_uint_eq (s2.engine.sources, 2);
    /* Two inputs of one agent are two sources too: r2's data, behind r1's, is not late. */
    ck_assert_uint_eq (s3.engine.sources, 2);
    ck_assert_uint_eq (s3.late, 0);
    ck_assert_uint_eq (s3.samples, s2.samples);
    ck_assert_str_eq (d, c);
    free (d);
    free (a);
    free (b);
    free (c);
}
END_TEST


/* ---- a live source that stops sending: wall clock; a finished replay: never ----
 * One device streams every 100 ms with timestamps near the wall clock, then nothing (its
 * agent would keep sending heartbeats).  Its source's clock must follow the wall clock
 * after detect.live_idle, so the silence is reported while it lasts.  The same stream two
 * days in the past (a replay) must not be reported silent however long we wait. */

static const char *RULES_LI =
    "rules:\n"
    "  - id: sil\n    detector: silence\n    keep_firing_for: 0s\n    match: { path: \"*\" }\n"
    "    params: { k: 3, min_silence: 0s }\n";

typedef struct {
    _Atomic int sil;
} li_hook_t;

static void
li_alert (void *ctx, const vg_alert_t *a, vg_store_txn_t *txn)
{
    li_hook_t *h = ctx;
    (void) txn;
    if (a->activity == VG_ACT_CREATE && strstr (a->uid, "sil:lab/r9") == a->uid)
        h->sil++;
}

static void
li_batch (uint64_t seq, int64_t t0, int n, vg_buf_t *out)
{
    char *strings[] = { "", "/interfaces/in-octets", "test" };
    Vigil__Device d = VIGIL__DEVICE__INIT;
    d.id = "lab/r9";
    d.vendor = "Acme";
    Vigil__Device *devs[] = { &d };
    Vigil__Batch b = vg_test_batch ("t1", seq, 0, strings, 3, devs, 1);
    int64_t ts[64];
    double v[64];
    ck_assert_int_le (n, 64);
    for (int i = 0; i < n; i++) {
        ts[i] = t0 + i * 100;
        v[i] = i;
    }
    vg_buf_t chunk = VG_BUF_INIT;
    ck_assert_int_eq (vg_chunk_encode (ts, v, (size_t) n, &chunk), 0);
    Vigil__Series s = VIGIL__SERIES__INIT;
    Vigil__Series *sp[] = { &s };
    s.path = 1;
    s.kind = VIGIL__SERIES_KIND__SERIES_KIND_GAUGE;
    s.input = 2;
    s.count = (uint32_t) n;
    s.chunk.data = chunk.data;
    s.chunk.len = chunk.len;
    b.n_series = 1;
    b.series = sp;
    vg_test_pack_batch (&b, out);
    vg_buf_free (&chunk);
}

/* Stream 2 s of data ending near now + offset_ms, then wait up to wait_ms for a silence
 * Create.  Returns the Creates seen; *moves = source clocks moved by the wall clock. */
static int
li_run (int64_t offset_ms, int wait_ms, uint64_t *moves)
{
    vg_detect_stage_cfg_t cfg = { .tick_ms = 100, .lateness_ms = 100, .live_idle_ms = 200 };
    vg_store_t *store;
    vg_detect_stage_t *st = s_stage_in (offset_ms != 0 ? "li1" : "li0", "rules-li.yaml", RULES_LI, &cfg, &store);
    li_hook_t *h = calloc (1, sizeof *h);
    vg_detect_stage_on_alert (st, li_alert, h);
    ck_assert_int_eq (vg_detect_stage_start (st), 0);
    vg_buf_t b = VG_BUF_INIT;
    int64_t now = vg_clock_now_ms () + offset_ms;
    li_batch (1, now - 2000, 20, &b);
    ck_assert_int_eq (vg_detect_stage_submit (st, b.data, b.len), 0);
    for (int waited = 0; waited < wait_ms && h->sil == 0; waited += 20)
        usleep (20000);
    int sil = h->sil;
    ck_assert_int_eq (vg_detect_stage_stop (st), 0);
    vg_detect_stage_stats_t s = s_stats (st);
    *moves = s.idle_moves;
    vg_detect_stage_destroy (&st);
    vg_store_destroy (&store);
    vg_buf_free (&b);
    free (h);
    return sil;
}

START_TEST (live_source_idle_follows_wall_clock)
{
    uint64_t moves = 0;
    ck_assert_int_ge (li_run (0, 10000, &moves), 1);
    ck_assert_uint_ge (moves, 1);
    ck_assert_int_eq (li_run (-2 * 86400000LL, 1500, &moves), 0);
    ck_assert_uint_eq (moves, 0);
}
END_TEST


Suite *
vg_detect_stage_suite (void)
{
    Suite *s = suite_create ("detect_stage");
    struct {
        const char *name;
        const TTest *fn;
    } cases[] = {
        { "alerts_stored", alerts_stored },
        { "failed_commit_keeps_alerts", failed_commit_keeps_alerts },
        { "restart", restart_continues_episodes },
        { "restart_cold", restart_without_state_is_cold },
        { "reload_adds_rule", reload_adds_rule_keeps_state },
        { "reload_changed_rule", reload_changed_rule_starts_cold },
        { "reload_bad_file", reload_refuses_bad_file },
        { "reload_removed_rule", reload_removed_rule_closes },
        { "threaded", threaded_with_hooks },
        { "deterministic", deterministic },
        { "bad_batches", bad_batches_counted },
        { "config_errors", config_errors },
        { "corrupt_state", corrupt_state_starts_cold },
        { "batching", batching_does_not_change_alerts },
        { "live_idle", live_source_idle_follows_wall_clock },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create (cases[i].name);
        tcase_add_checked_fixture (tc, setup, teardown);
        tcase_set_timeout (tc, 60);
        tcase_add_test (tc, cases[i].fn);
        suite_add_tcase (s, tc);
    }
    return s;
}
