/* check_spool_damage.c - the batch spool after a crash or a foreign hand: torn writes at every
 * offset, flipped bytes, lost or corrupt state files, interrupted acks, symbolic links, stray
 * names and another spool's batches are dropped (and counted) or ignored without losing a
 * good batch or reusing a seq, also when the writer is killed with SIGKILL at any moment.
 * Set-up: fixture_spool.c. */
#include <check.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/byteorder.h"
#include "common/crc32c.h"
#include "common/err.h"
#include "tests/agent/fixture_spool.h"
#include "tests/support/tmpdir.h"
#include "tests/support/suite.h"

START_TEST (crash_damage_dropped_and_counted)
{
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    uint64_t epoch = vg_spool_epoch (s);
    fx_put_n (s, 9);
    vg_spool_destroy (&s);

    fx_truncate (fx_t.dir, 2, 10);                 /* torn inside the header */
    fx_truncate (fx_t.dir, 3, HDR);                /* header only */
    fx_truncate (fx_t.dir, 4, HDR + 50);           /* torn inside the payload */
    fx_flip (fx_t.dir, 5, HDR + 17);               /* payload byte */
    fx_flip (fx_t.dir, 6, 20);                     /* header byte (seq field) */
    fx_truncate (fx_t.dir, 7, 0);                  /* zero-length file */
    fx_flip (fx_t.dir, 8, 25);                     /* header byte (payload length) */
    char p[256];
    fx_path (p, sizeof p, fx_t.dir, 10, ".tmp");   /* stray temp of an unfinished put */
    fx_write_file (p, "partial", 7);
    char sp[256];
    snprintf (sp, sizeof sp, "%s/spool.state.tmp", fx_t.dir);
    fx_write_file (sp, "junk", 4);

    s = fx_open (fx_t.dir, 0, 0);
    vg_spool_stats_t st = fx_stats (s);
    ck_assert_uint_eq (st.corrupt_dropped, 8);
    ck_assert_uint_eq (st.batches, 2);
    ck_assert_uint_eq (st.bytes, 2 * HDR + fx_len_of (1) + fx_len_of (9));
    ck_assert_uint_eq (vg_spool_epoch (s), epoch);
    ck_assert_uint_eq (vg_spool_first (s), 1);
    ck_assert_uint_eq (vg_spool_after (s, 1), 9);
    ck_assert_uint_eq (vg_spool_after (s, 9), 0);
    ck_assert_uint_eq (vg_spool_next_seq (s), 10);
    fx_check_get (s, 1);
    fx_check_get (s, 9);
    ck_assert (!fx_exists (p));
    ck_assert (!fx_exists (sp));
    for (uint64_t q = 2; q <= 8; q++) {
        fx_path (p, sizeof p, fx_t.dir, q, "");
        ck_assert_msg (!fx_exists (p), "seq %llu still on disk", (unsigned long long) q);
    }
    vg_spool_destroy (&s);

    /* a clean second open finds nothing more to drop */
    s = fx_open (fx_t.dir, 0, 0);
    st = fx_stats (s);
    ck_assert_uint_eq (st.corrupt_dropped, 0);
    ck_assert_uint_eq (st.batches, 2);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (torn_write_at_every_offset)
{
    /* Cut the last batch at many offsets: it is dropped, the others survive, and its seq
     * is never handed out again (it may already have been sent). */
    const off_t cuts[] = { 1, 4, 8, 16, 24, 28, 36, 39, HDR, HDR + 1, HDR + 60 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        fx_tdir_t t;
        fx_tdir (&t);
        vg_spool_t *s = fx_open (t.dir, 0, 0);
        fx_put_n (s, 3);
        vg_spool_destroy (&s);
        fx_truncate (t.dir, 3, cuts[i]);
        s = fx_open (t.dir, 0, 0);
        vg_spool_stats_t st = fx_stats (s);
        ck_assert_msg (st.corrupt_dropped == 1, "cut at %d", (int) cuts[i]);
        ck_assert_uint_eq (st.batches, 2);
        ck_assert_uint_eq (vg_spool_next_seq (s), 4);
        fx_check_get (s, 1);
        fx_check_get (s, 2);
        vg_spool_destroy (&s);
        /* and after yet another restart, with the file gone, still 4 */
        s = fx_open (t.dir, 0, 0);
        ck_assert_uint_eq (vg_spool_next_seq (s), 4);
        vg_spool_destroy (&s);
        vg_test_rmtree (t.root);
    }
}
END_TEST

START_TEST (corrupt_found_by_get)
{
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    fx_put_n (s, 3);
    fx_flip (fx_t.dir, 3, HDR + 5);
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_spool_get (s, 3, &b), -VG_ECRC);
    ck_assert_int_eq (vg_spool_get (s, 3, &b), -VG_ENOTFOUND);
    /* a file removed behind the spool's back is reported and forgotten too */
    char p[256];
    fx_path (p, sizeof p, fx_t.dir, 2, "");
    ck_assert_int_eq (unlink (p), 0);
    ck_assert_int_eq (vg_spool_get (s, 2, &b), -VG_ECRC);
    vg_spool_stats_t st = fx_stats (s);
    ck_assert_uint_eq (st.corrupt_dropped, 2);
    ck_assert_uint_eq (st.batches, 1);
    ck_assert_uint_eq (st.bytes, HDR + fx_len_of (1));
    fx_path (p, sizeof p, fx_t.dir, 3, "");
    ck_assert (!fx_exists (p));
    ck_assert_uint_eq (vg_spool_next_seq (s), 4);
    vg_spool_destroy (&s);
    s = fx_open (fx_t.dir, 0, 0);
    ck_assert_uint_eq (vg_spool_next_seq (s), 4); /* seq 3 is not reused */
    vg_spool_destroy (&s);
    vg_buf_free (&b);
}
END_TEST

START_TEST (state_lost_recovered_from_batches)
{
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    uint64_t e1 = vg_spool_epoch (s);
    fx_put_n (s, 6);
    ck_assert_int_eq (vg_spool_ack (s, 2), 0);
    vg_spool_destroy (&s);
    char sp[256];
    snprintf (sp, sizeof sp, "%s/spool.state", fx_t.dir);
    ck_assert_int_eq (unlink (sp), 0);
    s = fx_open (fx_t.dir, 0, 0);
    vg_spool_stats_t st = fx_stats (s);
    ck_assert_uint_eq (st.state_recovered, 1);
    ck_assert_uint_eq (vg_spool_epoch (s), e1);
    ck_assert_uint_eq (vg_spool_first (s), 3);
    ck_assert_uint_eq (vg_spool_next_seq (s), 7);
    ck_assert_uint_eq (st.batches, 4);
    fx_check_get (s, 6);
    vg_spool_destroy (&s);

    /* a corrupt state file is treated the same way */
    fx_write_file (sp, "not a state file at all, no....", 31);
    s = fx_open (fx_t.dir, 0, 0);
    ck_assert_uint_eq (vg_spool_epoch (s), e1);
    ck_assert_uint_eq (vg_spool_next_seq (s), 7);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (last_seq_never_wraps)
{
    /* A state file (valid CRC) whose next seq is UINT64_MAX, and a batch named UINT64_MAX:
     * the name is not a seq, and the put that would wrap next_seq to 0 is refused as full
     * (found by tests/fuzz/fuzz_spool.c). */
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    uint64_t epoch = vg_spool_epoch (s);
    vg_spool_destroy (&s);
    uint8_t st[36];
    memcpy (st, "VGSS", 4);
    vg_le16 (st + 4, 1);
    vg_le16 (st + 6, sizeof st);
    vg_le64 (st + 8, epoch);
    vg_le64 (st + 16, 5);
    vg_le64 (st + 24, UINT64_MAX);
    vg_le32 (st + 32, vg_crc32c (0, st, 32));
    char sp[256], last[256];
    snprintf (sp, sizeof sp, "%s/spool.state", fx_t.dir);
    fx_write_file (sp, st, sizeof st);
    fx_path (last, sizeof last, fx_t.dir, UINT64_MAX, "");
    fx_write_file (last, "not a batch", 11);
    s = fx_open (fx_t.dir, 0, 0);
    vg_spool_stats_t sst = fx_stats (s);
    ck_assert_uint_eq (sst.ignored_files, 1);
    ck_assert_uint_eq (vg_spool_next_seq (s), UINT64_MAX);
    ck_assert_int_eq (vg_spool_put (s, UINT64_MAX, "x", 1), -VG_EFULL);
    ck_assert_uint_eq (vg_spool_next_seq (s), UINT64_MAX);
    ck_assert_uint_eq (vg_spool_first (s), 0);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (interrupted_ack_finished_at_open)
{
    /* A crash between persisting acked_seq and unlinking files leaves acked files behind:
     * open deletes them without counting them as corrupt. */
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    fx_put_n (s, 3);
    char p[256];
    uint8_t saved[1024];
    fx_path (p, sizeof p, fx_t.dir, 1, "");
    size_t n = fx_read_file (p, saved, sizeof saved);
    ck_assert_int_eq (vg_spool_ack (s, 2), 0);
    vg_spool_destroy (&s);
    fx_write_file (p, saved, n);
    s = fx_open (fx_t.dir, 0, 0);
    vg_spool_stats_t st = fx_stats (s);
    ck_assert_uint_eq (st.corrupt_dropped, 0);
    ck_assert_uint_eq (st.batches, 1);
    ck_assert_uint_eq (vg_spool_first (s), 3);
    ck_assert (!fx_exists (p));
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (symlinks_and_foreign_names)
{
    vg_spool_t *s = fx_open (fx_t.dir, 0, 0);
    fx_put_n (s, 3);
    vg_spool_destroy (&s);
    /* Replace batch 2 by a symlink to a valid copy outside the spool. */
    char p[256], outside[256], foreign[256], odd[256];
    uint8_t buf[1024];
    fx_path (p, sizeof p, fx_t.dir, 2, "");
    size_t n = fx_read_file (p, buf, sizeof buf);
    snprintf (outside, sizeof outside, "%s/outside.vgb", fx_t.root);
    fx_write_file (outside, buf, n);
    ck_assert_int_eq (unlink (p), 0);
    ck_assert_int_eq (symlink (outside, p), 0);
    snprintf (foreign, sizeof foreign, "%s/notes.txt", fx_t.dir);
    fx_write_file (foreign, "hi", 2);
    snprintf (odd, sizeof odd, "%s/0000000000000000001.vgb", fx_t.dir); /* 19 digits */
    fx_write_file (odd, "hi", 2);

    s = fx_open (fx_t.dir, 0, 0);
    vg_spool_stats_t st = fx_stats (s);
    ck_assert_uint_eq (st.corrupt_dropped, 1);
    ck_assert_uint_eq (st.ignored_files, 2);
    ck_assert_uint_eq (st.batches, 2);
    ck_assert (!fx_exists (p));     /* the link is gone ... */
    ck_assert (fx_exists (outside)); /* ... its target untouched */
    ck_assert (fx_exists (foreign));
    ck_assert (fx_exists (odd));
    ck_assert_uint_eq (vg_spool_next_seq (s), 4);
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_spool_get (s, 2, &b), -VG_ENOTFOUND);
    /* a symlink planted while running is refused by get too */
    fx_path (p, sizeof p, fx_t.dir, 3, "");
    ck_assert_int_eq (unlink (p), 0);
    ck_assert_int_eq (symlink (outside, p), 0);
    ck_assert_int_eq (vg_spool_get (s, 3, &b), -VG_ECRC);
    ck_assert (fx_exists (outside));
    vg_buf_free (&b);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (foreign_epoch_dropped)
{
    /* A valid batch file from another spool (another epoch) is not ours to send. */
    fx_tdir_t a, b;
    fx_tdir (&a);
    fx_tdir (&b);
    vg_spool_t *s = fx_open (a.dir, 0, 0);
    fx_put_n (s, 2);
    vg_spool_destroy (&s);
    s = fx_open (b.dir, 0, 0);
    fx_put_n (s, 3);
    vg_spool_destroy (&s);
    char pa[256], pb[256];
    uint8_t buf[1024];
    fx_path (pb, sizeof pb, b.dir, 3, "");
    fx_path (pa, sizeof pa, a.dir, 3, "");
    size_t n = fx_read_file (pb, buf, sizeof buf);
    fx_write_file (pa, buf, n);
    s = fx_open (a.dir, 0, 0);
    vg_spool_stats_t st = fx_stats (s);
    ck_assert_uint_eq (st.corrupt_dropped, 1);
    ck_assert_uint_eq (st.batches, 2);
    ck_assert (!fx_exists (pa));
    ck_assert_uint_eq (vg_spool_next_seq (s), 4);
    vg_spool_destroy (&s);
    vg_test_rmtree (a.root);
    vg_test_rmtree (b.root);
}
END_TEST

/* A child puts (and now and then acks) as fast as it can and reports each completed put on a
 * pipe; the parent kills it with SIGKILL at a random moment.  After reopening, every batch
 * reported put and not acked is intact, and next_seq is beyond every reported seq. */
START_TEST (survives_kill9)
{
    for (int round = 0; round < 5; round++) {
        fx_tdir_t t;
        fx_tdir (&t);
        int fds[2];
        ck_assert_int_eq (pipe (fds), 0);
        pid_t pid = fork ();
        ck_assert_int_ge (pid, 0);
        if (pid == 0) {
            close (fds[0]);
            vg_spool_cfg_t cfg = { t.dir, 0, 0, round % 2 == 1 };
            vg_spool_t *c = vg_spool_new (&cfg, NULL);
            if (!c)
                _exit (1);
            uint8_t buf[512];
            for (;;) {
                uint64_t seq = vg_spool_next_seq (c);
                fx_fill (buf, fx_len_of (seq), seq);
                if (vg_spool_put (c, seq, buf, fx_len_of (seq)) < 0)
                    _exit (2);
                uint64_t msg[2] = { seq, 0 };
                if (seq % 7 == 0 && vg_spool_ack (c, seq - 5) == 0)
                    msg[1] = seq - 5;
                if (write (fds[1], msg, sizeof msg) != (ssize_t) sizeof msg)
                    _exit (3);
            }
        }
        close (fds[1]);
        /* Let it get going (a loaded or sanitized run may be slow), then kill mid-flight. */
        uint64_t last = 0, acked = 0, msg[2];
        while (last < (uint64_t) (10 + 30 * round)
               && read (fds[0], msg, sizeof msg) == (ssize_t) sizeof msg) {
            last = msg[0];
            if (msg[1])
                acked = msg[1];
        }
        struct timespec ts = { 0, (long) (round * 700) * 1000L };
        nanosleep (&ts, NULL);
        kill (pid, SIGKILL);
        int status = 0;
        ck_assert_int_eq (waitpid (pid, &status, 0), pid);
        ck_assert (WIFSIGNALED (status));
        while (read (fds[0], msg, sizeof msg) == (ssize_t) sizeof msg) {
            last = msg[0];
            if (msg[1])
                acked = msg[1];
        }
        close (fds[0]);
        ck_assert_uint_ge (last, (uint64_t) (10 + 30 * round));

        vg_spool_t *s = fx_open (t.dir, 0, 0);
        vg_spool_stats_t st = fx_stats (s);
        ck_assert_uint_gt (vg_spool_next_seq (s), last);
        ck_assert_uint_ge (st.acked_seq, acked);
        /* every reported, unacked put is there and intact */
        for (uint64_t q = st.acked_seq + 1; q <= last; q++)
            fx_check_get (s, q);
        /* anything else held (a put that finished after the last report) is intact too */
        for (uint64_t q = vg_spool_first (s); q; q = vg_spool_after (s, q))
            fx_check_get (s, q);
        vg_spool_destroy (&s);
        vg_test_rmtree (t.root);
    }
}
END_TEST

Suite *
vg_spool_damage_suite (void)
{
    const vg_test_case_t cases[] = {
        { "crash_damage", crash_damage_dropped_and_counted },
        { "torn_offsets", torn_write_at_every_offset },
        { "corrupt_get", corrupt_found_by_get },
        { "state_lost", state_lost_recovered_from_batches },
        { "last_seq", last_seq_never_wraps },
        { "interrupted_ack", interrupted_ack_finished_at_open },
        { "symlinks", symlinks_and_foreign_names },
        { "foreign_epoch", foreign_epoch_dropped },
        { "kill9", survives_kill9 },
    };
    return vg_test_cases_suite ("spool_damage", cases, sizeof cases / sizeof cases[0], 60, fx_setup, fx_teardown);
}
