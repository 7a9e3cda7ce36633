/* check_outbox.c - the Kafka outbox in VG_CF_OUTBOX: records count only after their commit,
 * survive a reopen with ids that keep increasing, come back in id order, and leave on
 * removal; bad input is refused and undecodable values are skipped and counted. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tests/support/tmpdir.h"
#include "tests/support/suite.h"

static char s_dir[64];

static vg_store_t *
s_open (void)
{
    char err[256];
    vg_store_cfg_t cfg = { s_dir, VG_STORE_RW, 3600000, false, 0 };
    vg_store_t *s = vg_store_open (&cfg, err, sizeof err);
    ck_assert_msg (s != NULL, "%s", err);
    return s;
}

static vg_outbox_t *
s_outbox (vg_store_t *s)
{
    char err[256];
    vg_outbox_t *ob = vg_outbox_new (s, err, sizeof err);
    ck_assert_msg (ob != NULL, "%s", err);
    return ob;
}

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "outbox"));
}

static void
teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

/* Add n records "key-<i>" / "payload <i>" in one txn and commit it (ok) or drop it. */
static void
s_add (vg_store_t *s, vg_outbox_t *ob, int first, int n, bool commit, uint64_t *ids)
{
    vg_store_txn_t *t = vg_store_txn_new (s);
    for (int i = first; i < first + n; i++) {
        char key[32], payload[64];
        snprintf (key, sizeof key, "key-%d", i);
        snprintf (payload, sizeof payload, "{\"payload\":%d}", i);
        vg_outbox_rec_t r = { 0, VG_OUTBOX_JSON, 1000 + i, key, strlen (key), (const uint8_t *) payload,
                              strlen (payload) };
        uint64_t id = 0;
        ck_assert_int_eq (vg_outbox_add (ob, t, &r, &id), 0);
        ck_assert_uint_eq (id, r.id);
        if (ids)
            ids[i - first] = id;
    }
    if (commit)
        ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
    vg_outbox_committed (ob, commit);
    vg_store_txn_destroy (&t);
}

typedef struct {
    int n;
    uint64_t last_id;
    int stop_after;
    char keys[64][32];
    uint64_t ids[64];
    size_t bytes;
} s_seen_t;

static int
s_collect (void *ctx, const vg_outbox_rec_t *r)
{
    s_seen_t *s = ctx;
    ck_assert_uint_gt (r->id, s->last_id);
    s->last_id = r->id;
    ck_assert_int_eq (r->format, VG_OUTBOX_JSON);
    ck_assert_int_lt (s->n, 64);
    snprintf (s->keys[s->n], sizeof s->keys[0], "%.*s", (int) r->key_len, r->key);
    s->ids[s->n] = r->id;
    /* Payload matches the key's number, and created_ms came back. */
    int k = atoi (s->keys[s->n] + 4);
    char want[64];
    snprintf (want, sizeof want, "{\"payload\":%d}", k);
    ck_assert_uint_eq (r->payload_len, strlen (want));
    ck_assert (memcmp (r->payload, want, r->payload_len) == 0);
    ck_assert_int_eq (r->created_ms, 1000 + k);
    s->bytes += vg_outbox_rec_size (r->key_len, r->payload_len);
    s->n++;
    return s->stop_after && s->n == s->stop_after ? 7 : 0;
}

START_TEST (test_commit_counts)
{
    vg_store_t *s = s_open ();
    vg_outbox_t *ob = s_outbox (s);
    vg_outbox_stats_t st;
    s_add (s, ob, 0, 5, true, NULL);
    s_add (s, ob, 100, 3, false, NULL); /* a failed commit: never counted, never stored */
    vg_outbox_stats (ob, &st);
    ck_assert_uint_eq (st.count, 5);
    ck_assert_uint_eq (st.added, 5);
    s_seen_t seen = { 0 };
    ck_assert_int_eq (vg_outbox_scan (ob, 0, s_collect, &seen), 0);
    ck_assert_int_eq (seen.n, 5);
    ck_assert_uint_eq (st.bytes, seen.bytes);
    for (int i = 0; i < 5; i++) {
        char want[32];
        snprintf (want, sizeof want, "key-%d", i);
        ck_assert_str_eq (seen.keys[i], want);
    }
    vg_outbox_destroy (&ob);
    ck_assert_ptr_null (ob);
    vg_outbox_destroy (&ob); /* NULL-safe */
    vg_store_destroy (&s);
}
END_TEST

START_TEST (test_reopen_and_remove)
{
    vg_store_t *s = s_open ();
    vg_outbox_t *ob = s_outbox (s);
    uint64_t ids[10];
    s_add (s, ob, 0, 10, true, ids);
    /* Remove the even ones in one txn. */
    vg_store_txn_t *t = vg_store_txn_new (s);
    for (int i = 0; i < 10; i += 2) {
        char key[32], payload[64];
        snprintf (key, sizeof key, "key-%d", i);
        snprintf (payload, sizeof payload, "{\"payload\":%d}", i);
        vg_outbox_remove (ob, t, ids[i], vg_outbox_rec_size (strlen (key), strlen (payload)));
    }
    ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
    vg_outbox_stats_t before;
    vg_outbox_stats (ob, &before);
    ck_assert_uint_eq (before.count, 5);
    ck_assert_uint_eq (before.removed, 5);
    vg_outbox_destroy (&ob);
    vg_store_destroy (&s);

    /* As after a restart: the census finds the 5 odd records with the same byte count, and
     * new ids continue above the highest id left (index 9). */
    s = s_open ();
    ob = s_outbox (s);
    vg_outbox_stats_t after;
    vg_outbox_stats (ob, &after);
    ck_assert_uint_eq (after.count, 5);
    ck_assert_uint_eq (after.bytes, before.bytes);
    ck_assert_uint_gt (after.next_id, ids[9]);
    uint64_t more[2];
    s_add (s, ob, 20, 2, true, more);
    ck_assert_uint_gt (more[0], ids[9]);
    ck_assert_uint_eq (more[1], more[0] + 1);
    s_seen_t seen = { 0 };
    ck_assert_int_eq (vg_outbox_scan (ob, 0, s_collect, &seen), 0);
    ck_assert_int_eq (seen.n, 7);
    const char *want[] = { "key-1", "key-3", "key-5", "key-7", "key-9", "key-20", "key-21" };
    for (int i = 0; i < 7; i++)
        ck_assert_str_eq (seen.keys[i], want[i]);
    /* Scans start at an id and stop when told to. */
    s_seen_t part = { 0 };
    part.stop_after = 2;
    ck_assert_int_eq (vg_outbox_scan (ob, ids[5], s_collect, &part), 7);
    ck_assert_int_eq (part.n, 2);
    ck_assert_str_eq (part.keys[0], "key-5");
    ck_assert_str_eq (part.keys[1], "key-7");
    vg_outbox_destroy (&ob);
    vg_store_destroy (&s);
}
END_TEST

START_TEST (test_bad_input)
{
    vg_store_t *s = s_open ();
    vg_outbox_t *ob = s_outbox (s);
    vg_store_txn_t *t = vg_store_txn_new (s);
    static char big[VG_OUTBOX_MAX_PAYLOAD + 1];
    static char bigkey[VG_OUTBOX_MAX_KEY + 1];
    memset (big, 'x', sizeof big);
    memset (bigkey, 'k', sizeof bigkey);
    vg_outbox_rec_t r = { 0, VG_OUTBOX_JSON, 0, "k", 1, (const uint8_t *) "{}", 2 };
    r.key_len = 0;
    ck_assert_int_eq (vg_outbox_add (ob, t, &r, NULL), -VG_EINVAL);
    r.key = bigkey;
    r.key_len = sizeof bigkey;
    ck_assert_int_eq (vg_outbox_add (ob, t, &r, NULL), -VG_EINVAL);
    r.key = "k";
    r.key_len = 1;
    r.payload = (const uint8_t *) big;
    r.payload_len = sizeof big;
    ck_assert_int_eq (vg_outbox_add (ob, t, &r, NULL), -VG_EINVAL);
    r.payload_len = 0;
    ck_assert_int_eq (vg_outbox_add (ob, t, &r, NULL), -VG_EINVAL);
    r.payload = (const uint8_t *) "{}";
    r.payload_len = 2;
    r.format = 9;
    ck_assert_int_eq (vg_outbox_add (ob, t, &r, NULL), -VG_EINVAL);
    ck_assert_uint_eq (vg_store_txn_count (t), 0);

    /* Undecodable values (written behind the outbox's back) are skipped and counted. */
    uint8_t k1[8], k2[8], k3[8];
    vg_be64 (k1, 5);
    vg_be64 (k2, 6);
    vg_be64 (k3, 7);
    vg_store_txn_put (t, VG_CF_OUTBOX, k1, 8, "\x01\x00", 2);            /* too short */
    vg_store_txn_put (t, VG_CF_OUTBOX, k2, 8, "\x02\x00\x00\x01xxxxxxxxkp", 14); /* bad version */
    vg_store_txn_put (t, VG_CF_OUTBOX, k3, 8, "\x01\x00\x00\x09xxxxxxxxkp", 14); /* key past end */
    vg_store_txn_put (t, VG_CF_OUTBOX, "abc", 3, "\x01\x00\x00\x01xxxxxxxxkp", 14); /* bad key */
    ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
    vg_outbox_destroy (&ob);
    ob = s_outbox (s);
    vg_outbox_stats_t st;
    vg_outbox_stats (ob, &st);
    ck_assert_uint_eq (st.count, 4);     /* the census counts what is there */
    ck_assert_uint_gt (st.next_id, 7);   /* and never reuses an id */
    s_seen_t seen = { 0 };
    ck_assert_int_eq (vg_outbox_scan (ob, 0, s_collect, &seen), 0);
    ck_assert_int_eq (seen.n, 0);
    vg_outbox_stats (ob, &st);
    ck_assert_uint_eq (st.corrupt, 4);
    vg_outbox_rec_t d;
    ck_assert_int_eq (vg_outbox_decode (1, (const uint8_t *) "\x01\x00\x00\x01xxxxxxxxkp", 14, &d), 0);
    ck_assert_uint_eq (d.key_len, 1);
    ck_assert_uint_eq (d.payload_len, 1);
    vg_outbox_destroy (&ob);
    vg_store_destroy (&s);
}
END_TEST

/* Two outboxes in two column families (the alerts' and the fleet publisher's) keep their
 * own records and ids; min_next_id lifts the first id (and an emptied outbox reopened with
 * a higher floor does not reuse ids). */
START_TEST (test_second_family)
{
    vg_store_t *s = s_open ();
    vg_outbox_t *ob = s_outbox (s);
    char err[256];
    vg_outbox_t *fb = vg_outbox_open (s, VG_CF_FLEETBOX, 5000, err, sizeof err);
    ck_assert_msg (fb != NULL, "%s", err);
    uint64_t a[3], f[2];
    s_add (s, ob, 0, 3, true, a);
    s_add (s, fb, 10, 2, true, f);
    ck_assert_uint_eq (a[0], 1);
    ck_assert_uint_eq (f[0], 5000);
    ck_assert_uint_eq (f[1], 5001);
    s_seen_t sa = { 0 }, sf = { 0 };
    ck_assert_int_eq (vg_outbox_scan (ob, 0, s_collect, &sa), 0);
    ck_assert_int_eq (vg_outbox_scan (fb, 0, s_collect, &sf), 0);
    ck_assert_int_eq (sa.n, 3);
    ck_assert_int_eq (sf.n, 2);
    ck_assert_str_eq (sf.keys[0], "key-10");
    /* Empty the fleet outbox, reopen with a higher floor: ids go on above it. */
    vg_store_txn_t *t = vg_store_txn_new (s);
    for (int i = 0; i < 2; i++)
        vg_outbox_remove (fb, t, f[i], 0);
    ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
    vg_outbox_destroy (&fb);
    fb = vg_outbox_open (s, VG_CF_FLEETBOX, 20000, err, sizeof err);
    ck_assert_ptr_nonnull (fb);
    vg_outbox_stats_t st;
    vg_outbox_stats (fb, &st);
    ck_assert_uint_eq (st.count, 0);
    ck_assert_uint_eq (st.next_id, 20000);
    vg_outbox_destroy (&fb);
    vg_outbox_destroy (&ob);
    vg_store_destroy (&s);
}
END_TEST

/* One run of the fleet outbox as a collector does it: opened with the clock `now_us`,
 * n records committed (after `failed` records whose commit failed), then every record
 * delivered and removed, and the store closed.  Returns the last id the run handed out. */
static uint64_t
s_run (uint64_t now_us, int failed, int n)
{
    char err[256];
    vg_store_t *s = s_open ();
    vg_outbox_t *fb = vg_outbox_open (s, VG_CF_FLEETBOX, now_us, err, sizeof err);
    ck_assert_msg (fb != NULL, "%s", err);
    uint64_t *ids = calloc ((size_t) n, sizeof *ids);
    ck_assert_ptr_nonnull (ids);
    if (failed)
        s_add (s, fb, 0, failed, false, NULL);
    s_add (s, fb, 0, n, true, ids);
    vg_store_txn_t *t = vg_store_txn_new (s);
    for (int i = 0; i < n; i++)
        vg_outbox_remove (fb, t, ids[i], 0);
    ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
    vg_outbox_stats_t st;
    vg_outbox_stats (fb, &st);
    ck_assert_uint_eq (st.count, 0);
    uint64_t last = ids[n - 1];
    free (ids);
    vg_outbox_destroy (&fb);
    vg_store_destroy (&s);
    return last;
}

/* Ids never go back across restarts, whatever the clock the caller passes does: a run that
 * emptied its outbox, then a clock stepped back by more than the time between the runs
 * (the injected clock here); also after a failed commit, and past a reservation block. */
START_TEST (test_ids_survive_clock_step_back)
{
    uint64_t last = s_run (5000000, 0, 3);
    ck_assert_uint_eq (last, 5000002); /* ids from the clock */
    uint64_t next = s_run (1000000, 0, 2); /* clock 4 s back: ids go on above the last run's */
    ck_assert_uint_gt (next - 1, last);
    last = next;
    next = s_run (1, 2, 1); /* the first write failed: the committed one carries the mark */
    ck_assert_uint_gt (next, last);
    last = next;
    next = s_run (1, 0, 5000); /* more records than one reservation */
    ck_assert_uint_gt (next, last);
    last = next;
    next = s_run (1, 0, 1);
    ck_assert_uint_gt (next, last);
    next = s_run (last + 100000, 0, 1); /* a clock ahead of the mark still counts */
    ck_assert_uint_eq (next, last + 100000);
}
END_TEST

Suite *
vg_outbox_suite (void)
{
    const TTest *tests[] = { test_commit_counts, test_reopen_and_remove, test_bad_input, test_second_family,
                             test_ids_survive_clock_step_back };
    return vg_test_suite ("outbox", "outbox", tests, sizeof tests / sizeof tests[0], 60, setup, teardown);
}
