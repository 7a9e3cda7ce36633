/* check_alert_store.c - alert records and the episode history: an episode's steps read
 * back in time order with their wall times, apart from other episodes; stores without the
 * history (older collectors) still answer from the records, and open read-only. */
#include <check.h>
#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/pointer.h"
#include "store/alert_store.h"
#include "store/store.h"
#include "tests/support/store_fixture.h"
#include "tests/support/tmpdir.h"
#include "tests/support/suite.h"

static char s_dir[64];

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "alertstore"));
}

static void
teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

/* A record of the episode (key, start) at time t. */
static void
s_alert (vg_alert_t *a, const char *key, int64_t start, int64_t t, int activity)
{
    memset (a, 0, sizeof *a);
    a->activity = activity;
    a->status = activity == VG_ACT_CLOSE ? VG_STATUS_RESOLVED : VG_STATUS_NEW;
    a->severity = 3;
    a->cia = 'A';
    a->time_ms = t;
    a->first_seen_ms = start;
    a->last_seen_ms = t;
    a->observed = (double) t / 1000.0;
    a->rule_id = "r1";
    a->detector = "threshold";
    a->detector_version = "1";
    a->catalog = a->types = a->techniques = "";
    a->vendor = a->model = a->role = a->site = a->sw_version = "";
    a->title = "t";
    snprintf (a->device, sizeof a->device, "d1");
    snprintf (a->dedup_key, sizeof a->dedup_key, "%s", key);
    snprintf (a->uid, sizeof a->uid, "%s@%lld", key, (long long) start);
}

/* Store the record (key, start, t, activity) stored at wall clock wall; with history=0 only
 * the record (as before the history existed). */
static void
s_put (vg_store_t *s, const char *key, int64_t start, int64_t ts, int activity, int64_t wall, int history)
{
    vg_alert_t alert, *a = &alert;
    s_alert (a, key, start, ts, activity);
    vg_store_txn_t *t = vg_store_txn_new (s);
    vg_buf_t json = VG_BUF_INIT;
    if (history) {
        ck_assert_int_eq (vg_alert_store_put (t, a, wall, NULL, &json), 0);
    } else {
        char buf[8192];
        size_t n = vg_alert_to_json (a, buf, sizeof buf);
        uint8_t k[VG_ALERT_STORE_KEY_MAX];
        size_t kl = vg_alert_store_key (a, k);
        vg_store_txn_put (t, VG_CF_ALERTS, k, kl, buf, n);
    }
    ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
    vg_buf_free (&json);
    vg_store_txn_destroy (&t);
}

/* Does text[0..len) contain the string want? */
static int
s_contains (const char *text, size_t len, const char *want)
{
    size_t wl = strlen (want);
    for (size_t i = 0; i + wl <= len; i++)
        if (!memcmp (text + i, want, wl))
            return 1;
    return 0;
}

typedef struct {
    int n;
    int64_t t[16], wall[16];
    int act[16];
    int json_ok[16];
    int stop_after;
} s_seen_t;

static int
s_seen (void *ctx, int64_t t, int activity, int64_t wall, const char *json, size_t len)
{
    s_seen_t *s = ctx;
    ck_assert_int_lt (s->n, 16);
    s->t[s->n] = t;
    s->act[s->n] = activity;
    s->wall[s->n] = wall;
    char want[64];
    snprintf (want, sizeof want, "\"time\":%lld,", (long long) t);
    s->json_ok[s->n] = json && s_contains (json, len, want);
    s->n++;
    return s->stop_after && s->n >= s->stop_after ? 7 : 0;
}

/* Read episode uid of s, asserting the scan's return value; stop_after as in s_seen_t. */
static s_seen_t
s_read (vg_store_t *s, const char *uid, int stop_after, int want_rc)
{
    s_seen_t seen = { .stop_after = stop_after };
    ck_assert_int_eq (vg_alert_store_episode (s, uid, s_seen, &seen), want_rc);
    return seen;
}

/* One record to store: s_put's arguments. */
typedef struct {
    const char *key;
    int64_t start, ts;
    int activity;
    int64_t wall;
    int history;
} s_rec_t;

/* A store holding recs (n), reopened in mode. */
static vg_store_t *
s_store_with (const s_rec_t *recs, size_t n, vg_store_mode_t mode)
{
    vg_store_t *s = vg_test_store_open (s_dir, VG_STORE_RW);
    for (size_t i = 0; i < n; i++)
        s_put (s, recs[i].key, recs[i].start, recs[i].ts, recs[i].activity, recs[i].wall, recs[i].history);
    vg_store_destroy (&s);
    return vg_test_store_open (s_dir, mode);
}

START_TEST (test_history_in_order)
{
    /* Written out of order and interleaved with two other episodes: one with another key
     * whose name extends this one's, one with the same key and a later start. */
    static const s_rec_t recs[] = {
        { "r1:d1", 1000, 61000, VG_ACT_UPDATE, 900002, 1 }, { "r1:d1", 1000, 1000, VG_ACT_CREATE, 900001, 1 },
        { "r1:d1x", 1000, 2000, VG_ACT_CREATE, 5, 1 },      { "r1:d1", 1000, 121000, VG_ACT_CLOSE, 900003, 1 },
        { "r1:d1", 200000, 200000, VG_ACT_CREATE, 6, 1 },
    };
    vg_store_t *s = s_store_with (recs, sizeof recs / sizeof recs[0], VG_STORE_SECONDARY);
    s_seen_t seen = s_read (s, "r1:d1@1000", 0, 0);
    ck_assert_int_eq (seen.n, 3);
    const int64_t t[] = { 1000, 61000, 121000 };
    const int act[] = { VG_ACT_CREATE, VG_ACT_UPDATE, VG_ACT_CLOSE };
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq (seen.t[i], t[i]);
        ck_assert_int_eq (seen.act[i], act[i]);
        ck_assert_int_eq (seen.wall[i], 900001 + i);
        ck_assert_msg (seen.json_ok[i], "step %d: record JSON missing or not this record", i);
    }
    seen = s_read (s, "r1:d1@200000", 0, 0);
    ck_assert (seen.n == 1 && seen.wall[0] == 6);
    ck_assert_int_eq (s_read (s, "r1:d1@1000", 1, 7).n, 1); /* the callback's stop value comes back */
    ck_assert_int_eq (s_read (s, "r1:d1@999", 0, -VG_ENOTFOUND).n, 0);
    ck_assert_int_eq (s_read (s, "r1:d1", 0, -VG_EINVAL).n, 0);
    vg_store_destroy (&s);
}
END_TEST

START_TEST (test_records_without_history)
{
    static const s_rec_t recs[] = {
        { "r1:d1", 1000, 1000, VG_ACT_CREATE, 0, 0 },
        { "r1:d2", 500, 30000, VG_ACT_CREATE, 0, 0 },
        { "r1:d1", 1000, 61000, VG_ACT_CLOSE, 0, 0 },
    };
    vg_store_t *s = s_store_with (recs, sizeof recs / sizeof recs[0], VG_STORE_READONLY);
    s_seen_t seen = s_read (s, "r1:d1@1000", 0, 0);
    ck_assert_int_eq (seen.n, 2);
    ck_assert_int_eq (seen.t[1], 61000);
    ck_assert_int_eq (seen.act[1], VG_ACT_CLOSE);
    ck_assert (seen.wall[0] == VG_ALERT_WALL_UNKNOWN && seen.wall[1] == VG_ALERT_WALL_UNKNOWN);
    ck_assert (seen.json_ok[0] && seen.json_ok[1]);
    vg_store_destroy (&s);
}
END_TEST

/* A store made before the episodes family existed opens read-only and as a secondary; the
 * next read-write open adds the family. */
START_TEST (test_store_without_family)
{
    vg_store_t *s = vg_test_store_open (s_dir, VG_STORE_RW);
    s_put (s, "r1:d1", 1000, 1000, VG_ACT_CREATE, 0, 0);
    vg_store_destroy (&s);

    /* Drop the family with RocksDB itself, as an older collector would have left it. */
    char *rerr = NULL;
    size_t n = 0;
    rocksdb_options_t *o = rocksdb_options_create ();
    char **names = rocksdb_list_column_families (o, s_dir, &n, &rerr);
    ck_assert_msg (names && !rerr, "%s", rerr ? rerr : "");
    const rocksdb_options_t *copts[16];
    rocksdb_column_family_handle_t *h[16];
    ck_assert_uint_le (n, 16);
    int ep = -1;
    for (size_t i = 0; i < n; i++) {
        copts[i] = o;
        if (!strcmp (names[i], "episodes"))
            ep = (int) i;
    }
    ck_assert_int_ge (ep, 0);
    rocksdb_t *db = rocksdb_open_column_families (o, s_dir, (int) n, (const char *const *) names, copts, h, &rerr);
    ck_assert_msg (db && !rerr, "%s", rerr ? rerr : "");
    rocksdb_drop_column_family (db, h[ep], &rerr);
    ck_assert_msg (!rerr, "%s", rerr ? rerr : "");
    for (size_t i = 0; i < n; i++)
        rocksdb_column_family_handle_destroy (h[i]);
    rocksdb_close (db);
    rocksdb_list_column_families_destroy (names, n);
    rocksdb_options_destroy (o);

    vg_store_mode_t modes[] = { VG_STORE_READONLY, VG_STORE_SECONDARY };
    for (int m = 0; m < 2; m++) {
        s = vg_test_store_open (s_dir, modes[m]);
        ck_assert_int_eq (s_read (s, "r1:d1@1000", 0, 0).n, 1);
        vg_buf_t v = VG_BUF_INIT;
        ck_assert_int_eq (vg_store_get (s, VG_CF_EPISODES, "x", 1, &v), -VG_ENOTFOUND);
        vg_buf_free (&v);
        vg_store_destroy (&s);
    }
    s = vg_test_store_open (s_dir, VG_STORE_RW);
    s_put (s, "r1:d1", 1000, 61000, VG_ACT_UPDATE, 42, 1);
    s_seen_t seen = s_read (s, "r1:d1@1000", 0, 0);
    ck_assert_int_eq (seen.n, 1); /* the history now exists and holds only what it saw */
    ck_assert_int_eq (seen.wall[0], 42);
    vg_store_destroy (&s);
}
END_TEST

/* A record stored with the store's path carries the replay pointer the published copy has:
 * unmapped.nte.replay with the store, device, path (labels cut), series and range, and the
 * same as one URI that vg_pointer_parse reads back. */
typedef struct {
    char json[4096];
    size_t n;
} s_record_t;

static int
s_keep_record (void *ctx, int64_t t, int activity, int64_t wall, const char *json, size_t len)
{
    (void) t, (void) wall, (void) activity;
    s_record_t *r = ctx;
    ck_assert_uint_lt (len, sizeof r->json);
    memcpy (r->json, json, len);
    r->json[len] = '\0';
    r->n++;
    return 0;
}

START_TEST (test_record_carries_pointer)
{
    vg_store_t *s = vg_test_store_open (s_dir, VG_STORE_RW);
    vg_alert_t a;
    s_alert (&a, "a02:r1", 1000000, 1060000, VG_ACT_CREATE);
    a.window_start_ms = 1030000;
    a.window_end_ms = 1060000;
    a.series_id = 0x12ab;
    snprintf (a.entity, sizeof a.entity, "/interfaces/interface/state/oper-status{name=et-0/0/1}");
    vg_store_txn_t *t = vg_store_txn_new (s);
    vg_buf_t json = VG_BUF_INIT;
    ck_assert_int_eq (vg_alert_store_put (t, &a, 5, "/var/lib/vigil/st\"ore", &json), 0);
    ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
    vg_buf_free (&json);
    vg_store_txn_destroy (&t);
    s_record_t r = { 0 };
    ck_assert_int_eq (vg_alert_store_episode (s, "a02:r1@1000000", s_keep_record, &r), 0);
    ck_assert_uint_eq (r.n, 1);
    ck_assert_msg (strstr (r.json, ",\"replay\":{\"store\":\"/var/lib/vigil/st\\\"ore\",\"device\":\"d1\","
                                   "\"path\":\"/interfaces/interface/state/oper-status\",\"series_id\":\"00000000000012ab\","
                                   "\"from_ms\":1000000,\"to_ms\":1060000,\"pointer\":\"vigil://"),
                   "%s", r.json);
    size_t n = strlen (r.json);
    ck_assert_msg (n > 5 && !strcmp (r.json + n - 5, "\"}}}}"), "%s", r.json);
    const char *u = strstr (r.json, "\"pointer\":\"") + 11;
    char uri[1024];
    size_t ul = (size_t) (strchr (u, '"') - u);
    ck_assert_uint_lt (ul, sizeof uri);
    memcpy (uri, u, ul);
    uri[ul] = '\0';
    vg_pointer_t p;
    char err[128];
    ck_assert_int_eq (vg_pointer_parse (uri, &p, err, sizeof err), 0);
    ck_assert_str_eq (p.device, "d1");
    ck_assert_str_eq (p.store, "/var/lib/vigil/st\"ore");
    ck_assert_str_eq (p.path, "/interfaces/interface/state/oper-status");
    ck_assert_str_eq (p.series, "00000000000012ab");
    ck_assert_int_eq (p.from_ms, 1000000);
    ck_assert_int_eq (p.to_ms, 1060001);
    vg_store_destroy (&s);
}
END_TEST

START_TEST (test_uid_split)
{
    char key[VG_ALERT_KEY_MAX];
    int64_t start = 0;
    ck_assert_int_eq (vg_alert_uid_split ("c04-login:r1:user=a@b:src=@1793604600000", key, sizeof key, &start), 0);
    ck_assert_str_eq (key, "c04-login:r1:user=a@b:src=");
    ck_assert_int_eq (start, 1793604600000LL);
    ck_assert_int_eq (vg_alert_uid_split ("k@-5", key, sizeof key, &start), 0);
    ck_assert_int_eq (start, -5);
    const char *bad[] = { "nokey", "@12", "k@", "k@12x", "k@ 12", "k@99999999999999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg (vg_alert_uid_split (bad[i], key, sizeof key, &start) == -VG_EINVAL, "%s accepted", bad[i]);
    ck_assert_int_eq (vg_alert_uid_split ("abcdef@1", key, 4, &start), -VG_EINVAL);
}
END_TEST

Suite *
vg_alert_store_suite (void)
{
    Suite *s = suite_create ("alert_store");
    const TTest *t_history[] = {
        test_history_in_order, test_records_without_history, test_store_without_family, test_record_carries_pointer,
    };
    vg_test_tcase (s, "history", t_history, sizeof t_history / sizeof t_history[0], 60, setup, teardown);
    vg_test_tcase (s, "uid", &test_uid_split, 1, 0, NULL, NULL);
    return s;
}
