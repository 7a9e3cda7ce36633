/* check_spool.c - the batch spool's contract: every unacknowledged batch is kept across
 * restarts with its epoch and sequence, a seq is never reused, acks and drops free their
 * batches, the byte and batch bounds refuse a put (and has_room says so first), a wiped
 * directory starts a new epoch, a bad directory is refused and one process holds a spool.
 * Damage (torn, corrupt, stray and foreign files, SIGKILL) is check_spool_damage.c; the
 * set-up both share is fixture_spool.c. */
#include <check.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "tests/agent/fixture_spool.h"
#include "tests/support/tmpdir.h"
#include "tests/support/suite.h"

START_TEST (put_get_ack_roundtrip)
{
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    struct stat sb;
    ck_assert_int_eq (stat (fx_t.dir, &sb), 0);
    ck_assert_int_eq (sb.st_mode & 0777, 0700);
    ck_assert_uint_ne (vg_spool_epoch (s), 0);
    ck_assert_uint_eq (vg_spool_next_seq (s), 1);
    ck_assert_uint_eq (vg_spool_first (s), 0);

    fx_put_n (s, 3);
    ck_assert_int_eq (vg_spool_put (s, 4, NULL, 0), 0); /* an empty batch is legal */
    ck_assert_uint_eq (vg_spool_next_seq (s), 5);
    for (uint64_t q = 1; q <= 3; q++)
        fx_check_get (s, q);
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_spool_get (s, 4, &b), 0);
    ck_assert_uint_eq (b.len, 0);

    vg_spool_stats_t st = fx_stats (s);
    ck_assert_uint_eq (st.batches, 4);
    ck_assert_uint_eq (st.bytes, 4 * HDR + fx_len_of (1) + fx_len_of (2) + fx_len_of (3));
    ck_assert_uint_eq (st.first_seq, 1);
    ck_assert_uint_eq (st.last_seq, 4);
    ck_assert_uint_eq (st.put_total, 4);

    /* put must use next_seq */
    ck_assert_int_eq (vg_spool_put (s, 7, "x", 1), -VG_EINVAL);
    ck_assert_int_eq (vg_spool_put (s, 4, "x", 1), -VG_EINVAL);

    ck_assert_int_eq (vg_spool_ack (s, 2), 0);
    ck_assert_int_eq (vg_spool_get (s, 1, &b), -VG_ENOTFOUND);
    ck_assert_int_eq (vg_spool_get (s, 2, &b), -VG_ENOTFOUND);
    fx_check_get (s, 3);
    char p[256];
    fx_path (p, sizeof p, fx_t.dir, 1, "");
    ck_assert (!fx_exists (p));
    fx_path (p, sizeof p, fx_t.dir, 3, "");
    ck_assert (fx_exists (p));
    ck_assert_uint_eq (vg_spool_first (s), 3);
    /* duplicate and stale acks are harmless; acking the future is refused */
    ck_assert_int_eq (vg_spool_ack (s, 2), 0);
    ck_assert_int_eq (vg_spool_ack (s, 1), 0);
    ck_assert_int_eq (vg_spool_ack (s, 5), -VG_ERANGE);
    st = fx_stats (s);
    ck_assert_uint_eq (st.batches, 2);
    ck_assert_uint_eq (st.acked_seq, 2);
    ck_assert_uint_eq (st.ack_total, 2);
    ck_assert_uint_eq (st.bytes, 2 * HDR + fx_len_of (3));
    ck_assert_int_eq (vg_spool_ack (s, 4), 0);
    st = fx_stats (s);
    ck_assert_uint_eq (st.batches, 0);
    ck_assert_uint_eq (st.bytes, 0);
    ck_assert_uint_eq (vg_spool_first (s), 0);

    vg_buf_free (&b);
    vg_spool_destroy (&s);
    ck_assert_ptr_null (s);
    vg_spool_destroy (&s); /* NULL-safe */
    vg_spool_destroy (NULL);
}
END_TEST

START_TEST (get_missing)
{
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_spool_get (s, 1, &b), -VG_ENOTFOUND);
    fx_put_n (s, 2);
    ck_assert_int_eq (vg_spool_get (s, 0, &b), -VG_ENOTFOUND);
    ck_assert_int_eq (vg_spool_get (s, 3, &b), -VG_ENOTFOUND);
    ck_assert_int_eq (vg_spool_get (s, UINT64_MAX, &b), -VG_ENOTFOUND);
    ck_assert_int_eq (vg_spool_drop (s, 9), -VG_ENOTFOUND);
    vg_buf_free (&b);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (reopen_keeps_epoch_and_seq)
{
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    uint64_t epoch = vg_spool_epoch (s);
    fx_put_n (s, 5);
    vg_spool_destroy (&s);

    /* unacked batches survive a restart */
    s = fx_open (fx_t.dir, 0, 0);
    ck_assert_uint_eq (vg_spool_epoch (s), epoch);
    ck_assert_uint_eq (vg_spool_next_seq (s), 6);
    ck_assert_uint_eq (vg_spool_first (s), 1);
    for (uint64_t q = 1; q <= 5; q++)
        fx_check_get (s, q);
    ck_assert_int_eq (vg_spool_ack (s, 5), 0);
    vg_spool_destroy (&s);

    /* empty after acks: next_seq still survives */
    s = fx_open (fx_t.dir, 0, 0);
    ck_assert_uint_eq (vg_spool_epoch (s), epoch);
    ck_assert_uint_eq (vg_spool_next_seq (s), 6);
    ck_assert_uint_eq (vg_spool_first (s), 0);
    vg_spool_stats_t st = fx_stats (s);
    ck_assert_uint_eq (st.acked_seq, 5);
    ck_assert_uint_eq (st.corrupt_dropped, 0);
    fx_put_n (s, 1);
    fx_check_get (s, 6);
    vg_spool_destroy (&s);
}
END_TEST

/* The age gauges the agent's /metrics shows: when the oldest held batch was written (now
 * for a put, the file's mtime for a batch found at open), and the bounds in effect. */
START_TEST (oldest_and_bounds)
{
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    vg_spool_stats_t st = fx_stats (s);
    ck_assert_uint_eq (st.max_bytes, 256u << 20);
    ck_assert_uint_eq (st.max_batches, 65536);
    ck_assert_int_eq (st.oldest_ms, 0);
    struct timespec t0;
    clock_gettime (CLOCK_REALTIME, &t0);
    int64_t before = (int64_t) t0.tv_sec * 1000 + t0.tv_nsec / 1000000;
    fx_put_n (s, 3);
    st = fx_stats (s);
    ck_assert_int_ge (st.oldest_ms, before);
    ck_assert_int_le (st.oldest_ms, before + 60000);
    vg_spool_destroy (&s);

    /* at open: batch 2's mtime, once batch 1 is acknowledged */
    char p[256];
    fx_path (p, sizeof p, fx_t.dir, 2, "");
    const struct timespec when[2] = { { 1700000000, 250000000 }, { 1700000000, 250000000 } };
    ck_assert_int_eq (utimensat (AT_FDCWD, p, when, 0), 0);
    s = fx_open (fx_t.dir, 1 << 20, 10);
    ck_assert_int_eq (vg_spool_ack (s, 1), 0);
    st = fx_stats (s);
    ck_assert_int_eq (st.oldest_ms, 1700000000250);
    ck_assert_uint_eq (st.max_bytes, 1 << 20);
    ck_assert_uint_eq (st.max_batches, 10);
    ck_assert_int_eq (vg_spool_ack (s, 3), 0);
    st = fx_stats (s);
    ck_assert_int_eq (st.oldest_ms, 0);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (full_by_bytes)
{
    uint64_t cap = 3 * (HDR + 100);
    vg_spool_t *s = fx_open (fx_t.dir, cap, 0);
    uint8_t buf[200];
    memset (buf, 7, sizeof buf);
    /* has_room answers what put will do (for inputs that pause rather than drop) */
    ck_assert (vg_spool_has_room (s, 100, 3));
    ck_assert (!vg_spool_has_room (s, 101, 3));
    for (uint64_t q = 1; q <= 3; q++) {
        ck_assert (vg_spool_has_room (s, 100, (uint32_t) (4 - q)));
        ck_assert (!vg_spool_has_room (s, 100, (uint32_t) (5 - q)));
        ck_assert_int_eq (vg_spool_put (s, q, buf, 100), 0);
    }
    ck_assert (!vg_spool_has_room (s, 0, 1));
    ck_assert_int_eq (vg_spool_put (s, 4, buf, 1), -VG_EFULL);
    ck_assert_int_eq (vg_spool_put (s, 4, buf, 1), -VG_EFULL);
    ck_assert_uint_eq (vg_spool_next_seq (s), 4);
    /* a batch that could never fit is a different error */
    uint8_t *big = calloc (1, cap);
    ck_assert_int_eq (vg_spool_put (s, 4, big, cap), -VG_ETOOBIG);
    free (big);
    char p[256];
    fx_path (p, sizeof p, fx_t.dir, 4, "");
    ck_assert (!fx_exists (p));
    fx_path (p, sizeof p, fx_t.dir, 4, ".tmp");
    ck_assert (!fx_exists (p));
    vg_spool_stats_t st = fx_stats (s);
    ck_assert_uint_eq (st.full_rejects, 2);
    ck_assert_uint_eq (st.bytes, cap);
    ck_assert_int_eq (vg_spool_ack (s, 1), 0);
    ck_assert_int_eq (vg_spool_put (s, 4, buf, 100), 0);
    ck_assert_int_eq (vg_spool_put (s, 5, buf, 1), -VG_EFULL);
    ck_assert_int_eq (vg_spool_ack (s, 3), 0);
    ck_assert_int_eq (vg_spool_put (s, 5, buf, 200), 0);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (full_by_count)
{
    vg_spool_t *s = fx_open (fx_t.dir, 0, 4);
    fx_put_n (s, 3);
    ck_assert (vg_spool_has_room (s, 1, 1));
    ck_assert (!vg_spool_has_room (s, 1, 2));
    fx_put_n (s, 1);
    ck_assert (!vg_spool_has_room (s, 1, 1));
    ck_assert_int_eq (vg_spool_put (s, 5, "x", 1), -VG_EFULL);
    vg_spool_stats_t st = fx_stats (s);
    ck_assert_uint_eq (st.full_rejects, 1);
    ck_assert_uint_eq (st.batches, 4);
    ck_assert_int_eq (vg_spool_drop (s, 2), 0); /* a drop frees a slot too */
    ck_assert_int_eq (vg_spool_put (s, 5, "x", 1), 0);
    ck_assert_int_eq (vg_spool_put (s, 6, "x", 1), -VG_EFULL);
    ck_assert_int_eq (vg_spool_ack (s, 3), 0);
    ck_assert_int_eq (vg_spool_put (s, 6, "x", 1), 0);
    ck_assert_int_eq (vg_spool_put (s, 7, "x", 1), 0);
    ck_assert_int_eq (vg_spool_put (s, 8, "x", 1), -VG_EFULL);
    /* long run through a small index: ack and put many times (exercises compaction) */
    for (uint64_t q = 8; q < 1000; q++) {
        ck_assert_int_eq (vg_spool_ack (s, q - 4), 0);
        ck_assert_int_eq (vg_spool_put (s, q, &q, sizeof q), 0);
    }
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_spool_get (s, 999, &b), 0);
    ck_assert_uint_eq (b.len, 8);
    uint64_t v;
    memcpy (&v, b.data, 8);
    ck_assert_uint_eq (v, 999);
    vg_buf_free (&b);
    st = fx_stats (s);
    ck_assert_uint_eq (st.batches, 4);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (drop_makes_hole)
{
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    fx_put_n (s, 6);
    ck_assert_int_eq (vg_spool_drop (s, 3), 0);
    ck_assert_int_eq (vg_spool_drop (s, 3), -VG_ENOTFOUND);
    ck_assert_uint_eq (vg_spool_after (s, 2), 4);
    ck_assert_uint_eq (vg_spool_after (s, 3), 4);
    ck_assert_int_eq (vg_spool_drop (s, 6), 0); /* the newest: its seq must not come back */
    ck_assert_int_eq (vg_spool_drop (s, 1), 0);
    uint64_t want[] = { 2, 4, 5 }, n = 0;
    for (uint64_t q = vg_spool_first (s); q; q = vg_spool_after (s, q)) {
        ck_assert_uint_lt (n, 3);
        ck_assert_uint_eq (q, want[n++]);
        fx_check_get (s, q);
    }
    ck_assert_uint_eq (n, 3);
    ck_assert_uint_eq (vg_spool_next_seq (s), 7);
    vg_spool_stats_t st = fx_stats (s);
    ck_assert_uint_eq (st.drop_total, 3);
    ck_assert_uint_eq (st.batches, 3);
    ck_assert_uint_eq (st.last_seq, 5);
    vg_spool_destroy (&s);

    s = fx_open (fx_t.dir, 0, 0);
    ck_assert_uint_eq (vg_spool_next_seq (s), 7);
    ck_assert_uint_eq (vg_spool_first (s), 2);
    ck_assert_uint_eq (vg_spool_after (s, 2), 4);
    ck_assert_uint_eq (vg_spool_after (s, 4), 5);
    ck_assert_uint_eq (vg_spool_after (s, 5), 0);
    ck_assert_int_eq (vg_spool_ack (s, 4), 0);
    ck_assert_uint_eq (vg_spool_first (s), 5);
    ck_assert_int_eq (vg_spool_drop (s, 5), 0);
    vg_spool_destroy (&s);
    s = fx_open (fx_t.dir, 0, 0);
    ck_assert_uint_eq (vg_spool_first (s), 0);
    ck_assert_uint_eq (vg_spool_next_seq (s), 7);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (wiped_dir_new_epoch)
{
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    uint64_t e1 = vg_spool_epoch (s);
    fx_put_n (s, 3);
    vg_spool_destroy (&s);
    vg_test_rmtree (fx_t.dir);
    s = fx_open (fx_t.dir, 0, 0);
    uint64_t e2 = vg_spool_epoch (s);
    ck_assert_uint_ne (e2, 0);
    ck_assert_uint_ne (e2, e1);
    ck_assert_uint_eq (vg_spool_next_seq (s), 1);
    ck_assert_uint_eq (vg_spool_first (s), 0);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (bad_dir)
{
    int err = 0;
    ck_assert_ptr_null (vg_spool_new (NULL, &err));
    ck_assert_int_eq (err, -VG_EINVAL);
    vg_spool_cfg_t cfg = { NULL, 0, 0, false };
    ck_assert_ptr_null (vg_spool_new (&cfg, &err));
    ck_assert_int_eq (err, -VG_EINVAL);

    /* a regular file where the directory should be */
    fx_write_file (fx_t.dir, "x", 1);
    cfg.dir = fx_t.dir;
    err = 0;
    ck_assert_ptr_null (vg_spool_new (&cfg, &err));
    ck_assert_int_eq (err, -VG_ECONFIG);
    char below[160];
    snprintf (below, sizeof below, "%s/sub", fx_t.dir);
    cfg.dir = below;
    err = 0;
    ck_assert_ptr_null (vg_spool_new (&cfg, &err));
    ck_assert_int_lt (err, 0);
    unlink (fx_t.dir);

    /* an unwritable directory (permissions do not stop root, so use /proc there) */
    if (geteuid () != 0) {
        ck_assert_int_eq (mkdir (fx_t.dir, 0500), 0);
        cfg.dir = fx_t.dir;
        err = 0;
        ck_assert_ptr_null (vg_spool_new (&cfg, &err));
        ck_assert_int_eq (err, -VG_EIO);
    }
    cfg.dir = "/proc";
    err = 0;
    ck_assert_ptr_null (vg_spool_new (&cfg, &err));
    ck_assert_int_eq (err, -VG_EIO);
    cfg.dir = "/proc/vigil-spool-test/x";
    err = 0;
    ck_assert_ptr_null (vg_spool_new (&cfg, &err));
    ck_assert_int_lt (err, 0);
}
END_TEST

START_TEST (one_process_per_spool)
{
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    pid_t pid = fork ();
    ck_assert_int_ge (pid, 0);
    if (pid == 0) {
        vg_spool_cfg_t cfg = { fx_t.dir, 0, 0, false };
        int err = 0;
        vg_spool_t *c = vg_spool_new (&cfg, &err);
        _exit (c == NULL && err == -VG_EAGAIN ? 0 : 1);
    }
    int status = 0;
    ck_assert_int_eq (waitpid (pid, &status, 0), pid);
    ck_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    vg_spool_destroy (&s);
}
END_TEST

Suite *
vg_spool_suite (void)
{
    const vg_test_case_t cases[] = {
        { "roundtrip", put_get_ack_roundtrip },
        { "get_missing", get_missing },
        { "reopen", reopen_keeps_epoch_and_seq },
        { "oldest", oldest_and_bounds },
        { "full_bytes", full_by_bytes },
        { "full_count", full_by_count },
        { "drop_hole", drop_makes_hole },
        { "wiped", wiped_dir_new_epoch },
        { "bad_dir", bad_dir },
        { "lock", one_process_per_spool },
    };
    return vg_test_cases_suite ("spool", cases, sizeof cases / sizeof cases[0], 60, fx_setup, fx_teardown);
}
