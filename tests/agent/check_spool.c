/* check_spool.c - the batch spool keeps every unacknowledged batch across restarts, never
 * reuses a seq, and drops (and counts) torn, corrupt and stray files without losing good ones. */
#include <check.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/byteorder.h"
#include "common/crc32c.h"
#include "common/err.h"
#include "agent/spool.h"
#include "tests/support/tmpdir.h"
#include "tests/support/suite.h"

#define HDR 40 /* batch header bytes; part of the file format */

/* ---- helpers ---- */

typedef struct {
    char root[64];  /* mkdtemp dir, removed at the end */
    char dir[96];   /* root/spool: created by vg_spool_new */
} tdir_t;

static void
s_tdir (tdir_t *t)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (t->root, sizeof t->root, "spool"));
    snprintf (t->dir, sizeof t->dir, "%s/spool", t->root);
}

/* The test's directory (a checked fixture: made before each test, removed after it). */
static tdir_t s_t;

static void
setup (void)
{
    s_tdir (&s_t);
}

static void
teardown (void)
{
    vg_test_rmtree (s_t.root);
}

static vg_spool_t *
s_open (const char *dir, uint64_t max_bytes, uint32_t max_batches)
{
    vg_spool_cfg_t cfg = { dir, max_bytes, max_batches, false };
    int err = 1;
    vg_spool_t *s = vg_spool_new (&cfg, &err);
    ck_assert_msg (s != NULL, "open %s: %s", dir, vg_strerror (err));
    ck_assert_int_eq (err, 0);
    return s;
}

/* Deterministic payload for seq: len bytes derived from seq. */
static void
s_fill (uint8_t *p, size_t len, uint64_t seq)
{
    uint32_t x = (uint32_t) seq * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t) (x >> 16);
    }
}

static size_t
s_len_of (uint64_t seq)
{
    return 100 + (size_t) (seq * 37 % 300);
}

/* The spool's counters now. */
static vg_spool_stats_t
s_stats (const vg_spool_t *s)
{
    vg_spool_stats_t st;
    vg_spool_stats (s, &st);
    return st;
}

static void
s_put_n (vg_spool_t *s, uint64_t n)
{
    uint8_t buf[512];
    for (uint64_t i = 0; i < n; i++) {
        uint64_t seq = vg_spool_next_seq (s);
        s_fill (buf, s_len_of (seq), seq);
        int rc = vg_spool_put (s, seq, buf, s_len_of (seq));
        ck_assert_msg (rc == 0, "put %llu: %s", (unsigned long long) seq, vg_strerror (rc));
    }
}

/* Assert that seq is held and its content is intact. */
static void
s_check_get (vg_spool_t *s, uint64_t seq)
{
    vg_buf_t b = VG_BUF_INIT;
    uint8_t want[512];
    int rc = vg_spool_get (s, seq, &b);
    ck_assert_msg (rc == 0, "get %llu: %s", (unsigned long long) seq, vg_strerror (rc));
    s_fill (want, s_len_of (seq), seq);
    ck_assert_uint_eq (b.len, s_len_of (seq));
    ck_assert_mem_eq (b.data, want, b.len);
    vg_buf_free (&b);
}

static void
s_path (char *out, size_t size, const char *dir, uint64_t seq, const char *suffix)
{
    snprintf (out, size, "%s/%020llu.vgb%s", dir, (unsigned long long) seq, suffix);
}

static bool
s_exists (const char *path)
{
    struct stat sb;
    return lstat (path, &sb) == 0;
}

static void
s_flip (const char *dir, uint64_t seq, off_t off)
{
    char p[256];
    s_path (p, sizeof p, dir, seq, "");
    int fd = open (p, O_RDWR);
    ck_assert_int_ge (fd, 0);
    uint8_t c;
    ck_assert_int_eq (pread (fd, &c, 1, off), 1);
    c ^= 0x20;
    ck_assert_int_eq (pwrite (fd, &c, 1, off), 1);
    close (fd);
}

static void
s_truncate (const char *dir, uint64_t seq, off_t len)
{
    char p[256];
    s_path (p, sizeof p, dir, seq, "");
    ck_assert_int_eq (truncate (p, len), 0);
}

static void
s_write_file (const char *path, const void *data, size_t len)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge (fd, 0);
    ck_assert_int_eq (write (fd, data, len), (ssize_t) len);
    close (fd);
}

static size_t
s_read_file (const char *path, uint8_t *buf, size_t cap)
{
    int fd = open (path, O_RDONLY);
    ck_assert_int_ge (fd, 0);
    ssize_t n = read (fd, buf, cap);
    ck_assert_int_ge (n, 0);
    close (fd);
    return (size_t) n;
}

/* ---- tests ---- */

START_TEST (put_get_ack_roundtrip)
{
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
    struct stat sb;
    ck_assert_int_eq (stat (s_t.dir, &sb), 0);
    ck_assert_int_eq (sb.st_mode & 0777, 0700);
    ck_assert_uint_ne (vg_spool_epoch (s), 0);
    ck_assert_uint_eq (vg_spool_next_seq (s), 1);
    ck_assert_uint_eq (vg_spool_first (s), 0);

    s_put_n (s, 3);
    ck_assert_int_eq (vg_spool_put (s, 4, NULL, 0), 0); /* an empty batch is legal */
    ck_assert_uint_eq (vg_spool_next_seq (s), 5);
    for (uint64_t q = 1; q <= 3; q++)
        s_check_get (s, q);
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_spool_get (s, 4, &b), 0);
    ck_assert_uint_eq (b.len, 0);

    vg_spool_stats_t st = s_stats (s);
    ck_assert_uint_eq (st.batches, 4);
    ck_assert_uint_eq (st.bytes, 4 * HDR + s_len_of (1) + s_len_of (2) + s_len_of (3));
    ck_assert_uint_eq (st.first_seq, 1);
    ck_assert_uint_eq (st.last_seq, 4);
    ck_assert_uint_eq (st.put_total, 4);

    /* put must use next_seq */
    ck_assert_int_eq (vg_spool_put (s, 7, "x", 1), -VG_EINVAL);
    ck_assert_int_eq (vg_spool_put (s, 4, "x", 1), -VG_EINVAL);

    ck_assert_int_eq (vg_spool_ack (s, 2), 0);
    ck_assert_int_eq (vg_spool_get (s, 1, &b), -VG_ENOTFOUND);
    ck_assert_int_eq (vg_spool_get (s, 2, &b), -VG_ENOTFOUND);
    s_check_get (s, 3);
    char p[256];
    s_path (p, sizeof p, s_t.dir, 1, "");
    ck_assert (!s_exists (p));
    s_path (p, sizeof p, s_t.dir, 3, "");
    ck_assert (s_exists (p));
    ck_assert_uint_eq (vg_spool_first (s), 3);
    /* duplicate and stale acks are harmless; acking the future is refused */
    ck_assert_int_eq (vg_spool_ack (s, 2), 0);
    ck_assert_int_eq (vg_spool_ack (s, 1), 0);
    ck_assert_int_eq (vg_spool_ack (s, 5), -VG_ERANGE);
    st = s_stats (s);
    ck_assert_uint_eq (st.batches, 2);
    ck_assert_uint_eq (st.acked_seq, 2);
    ck_assert_uint_eq (st.ack_total, 2);
    ck_assert_uint_eq (st.bytes, 2 * HDR + s_len_of (3));
    ck_assert_int_eq (vg_spool_ack (s, 4), 0);
    st = s_stats (s);
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
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_spool_get (s, 1, &b), -VG_ENOTFOUND);
    s_put_n (s, 2);
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
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
    uint64_t epoch = vg_spool_epoch (s);
    s_put_n (s, 5);
    vg_spool_destroy (&s);

    /* unacked batches survive a restart */
    s = s_open (s_t.dir, 0, 0);
    ck_assert_uint_eq (vg_spool_epoch (s), epoch);
    ck_assert_uint_eq (vg_spool_next_seq (s), 6);
    ck_assert_uint_eq (vg_spool_first (s), 1);
    for (uint64_t q = 1; q <= 5; q++)
        s_check_get (s, q);
    ck_assert_int_eq (vg_spool_ack (s, 5), 0);
    vg_spool_destroy (&s);

    /* empty after acks: next_seq still survives */
    s = s_open (s_t.dir, 0, 0);
    ck_assert_uint_eq (vg_spool_epoch (s), epoch);
    ck_assert_uint_eq (vg_spool_next_seq (s), 6);
    ck_assert_uint_eq (vg_spool_first (s), 0);
    vg_spool_stats_t st = s_stats (s);
    ck_assert_uint_eq (st.acked_seq, 5);
    ck_assert_uint_eq (st.corrupt_dropped, 0);
    s_put_n (s, 1);
    s_check_get (s, 6);
    vg_spool_destroy (&s);
}
END_TEST

/* The age gauges the agent's /metrics shows: when the oldest held batch was written (now
 * for a put, the file's mtime for a batch found at open), and the bounds in effect. */
START_TEST (oldest_and_bounds)
{
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
    vg_spool_stats_t st = s_stats (s);
    ck_assert_uint_eq (st.max_bytes, 256u << 20);
    ck_assert_uint_eq (st.max_batches, 65536);
    ck_assert_int_eq (st.oldest_ms, 0);
    struct timespec t0;
    clock_gettime (CLOCK_REALTIME, &t0);
    int64_t before = (int64_t) t0.tv_sec * 1000 + t0.tv_nsec / 1000000;
    s_put_n (s, 3);
    st = s_stats (s);
    ck_assert_int_ge (st.oldest_ms, before);
    ck_assert_int_le (st.oldest_ms, before + 60000);
    vg_spool_destroy (&s);

    /* at open: batch 2's mtime, once batch 1 is acknowledged */
    char p[256];
    s_path (p, sizeof p, s_t.dir, 2, "");
    const struct timespec when[2] = { { 1700000000, 250000000 }, { 1700000000, 250000000 } };
    ck_assert_int_eq (utimensat (AT_FDCWD, p, when, 0), 0);
    s = s_open (s_t.dir, 1 << 20, 10);
    ck_assert_int_eq (vg_spool_ack (s, 1), 0);
    st = s_stats (s);
    ck_assert_int_eq (st.oldest_ms, 1700000000250);
    ck_assert_uint_eq (st.max_bytes, 1 << 20);
    ck_assert_uint_eq (st.max_batches, 10);
    ck_assert_int_eq (vg_spool_ack (s, 3), 0);
    st = s_stats (s);
    ck_assert_int_eq (st.oldest_ms, 0);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (crash_damage_dropped_and_counted)
{
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
    uint64_t epoch = vg_spool_epoch (s);
    s_put_n (s, 9);
    vg_spool_destroy (&s);

    s_truncate (s_t.dir, 2, 10);                 /* torn inside the header */
    s_truncate (s_t.dir, 3, HDR);                /* header only */
    s_truncate (s_t.dir, 4, HDR + 50);           /* torn inside the payload */
    s_flip (s_t.dir, 5, HDR + 17);               /* payload byte */
    s_flip (s_t.dir, 6, 20);                     /* header byte (seq field) */
    s_truncate (s_t.dir, 7, 0);                  /* zero-length file */
    s_flip (s_t.dir, 8, 25);                     /* header byte (payload length) */
    char p[256];
    s_path (p, sizeof p, s_t.dir, 10, ".tmp");   /* stray temp of an unfinished put */
    s_write_file (p, "partial", 7);
    char sp[256];
    snprintf (sp, sizeof sp, "%s/spool.state.tmp", s_t.dir);
    s_write_file (sp, "junk", 4);

    s = s_open (s_t.dir, 0, 0);
    vg_spool_stats_t st = s_stats (s);
    ck_assert_uint_eq (st.corrupt_dropped, 8);
    ck_assert_uint_eq (st.batches, 2);
    ck_assert_uint_eq (st.bytes, 2 * HDR + s_len_of (1) + s_len_of (9));
    ck_assert_uint_eq (vg_spool_epoch (s), epoch);
    ck_assert_uint_eq (vg_spool_first (s), 1);
    ck_assert_uint_eq (vg_spool_after (s, 1), 9);
    ck_assert_uint_eq (vg_spool_after (s, 9), 0);
    ck_assert_uint_eq (vg_spool_next_seq (s), 10);
    s_check_get (s, 1);
    s_check_get (s, 9);
    ck_assert (!s_exists (p));
    ck_assert (!s_exists (sp));
    for (uint64_t q = 2; q <= 8; q++) {
        s_path (p, sizeof p, s_t.dir, q, "");
        ck_assert_msg (!s_exists (p), "seq %llu still on disk", (unsigned long long) q);
    }
    vg_spool_destroy (&s);

    /* a clean second open finds nothing more to drop */
    s = s_open (s_t.dir, 0, 0);
    st = s_stats (s);
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
        tdir_t t;
        s_tdir (&t);
        vg_spool_t *s = s_open (t.dir, 0, 0);
        s_put_n (s, 3);
        vg_spool_destroy (&s);
        s_truncate (t.dir, 3, cuts[i]);
        s = s_open (t.dir, 0, 0);
        vg_spool_stats_t st = s_stats (s);
        ck_assert_msg (st.corrupt_dropped == 1, "cut at %d", (int) cuts[i]);
        ck_assert_uint_eq (st.batches, 2);
        ck_assert_uint_eq (vg_spool_next_seq (s), 4);
        s_check_get (s, 1);
        s_check_get (s, 2);
        vg_spool_destroy (&s);
        /* and after yet another restart, with the file gone, still 4 */
        s = s_open (t.dir, 0, 0);
        ck_assert_uint_eq (vg_spool_next_seq (s), 4);
        vg_spool_destroy (&s);
        vg_test_rmtree (t.root);
    }
}
END_TEST

START_TEST (corrupt_found_by_get)
{
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
    s_put_n (s, 3);
    s_flip (s_t.dir, 3, HDR + 5);
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_spool_get (s, 3, &b), -VG_ECRC);
    ck_assert_int_eq (vg_spool_get (s, 3, &b), -VG_ENOTFOUND);
    /* a file removed behind the spool's back is reported and forgotten too */
    char p[256];
    s_path (p, sizeof p, s_t.dir, 2, "");
    ck_assert_int_eq (unlink (p), 0);
    ck_assert_int_eq (vg_spool_get (s, 2, &b), -VG_ECRC);
    vg_spool_stats_t st = s_stats (s);
    ck_assert_uint_eq (st.corrupt_dropped, 2);
    ck_assert_uint_eq (st.batches, 1);
    ck_assert_uint_eq (st.bytes, HDR + s_len_of (1));
    s_path (p, sizeof p, s_t.dir, 3, "");
    ck_assert (!s_exists (p));
    ck_assert_uint_eq (vg_spool_next_seq (s), 4);
    vg_spool_destroy (&s);
    s = s_open (s_t.dir, 0, 0);
    ck_assert_uint_eq (vg_spool_next_seq (s), 4); /* seq 3 is not reused */
    vg_spool_destroy (&s);
    vg_buf_free (&b);
}
END_TEST

START_TEST (full_by_bytes)
{
    uint64_t cap = 3 * (HDR + 100);
    vg_spool_t *s = s_open (s_t.dir, cap, 0);
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
    s_path (p, sizeof p, s_t.dir, 4, "");
    ck_assert (!s_exists (p));
    s_path (p, sizeof p, s_t.dir, 4, ".tmp");
    ck_assert (!s_exists (p));
    vg_spool_stats_t st = s_stats (s);
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
    vg_spool_t *s = s_open (s_t.dir, 0, 4);
    s_put_n (s, 3);
    ck_assert (vg_spool_has_room (s, 1, 1));
    ck_assert (!vg_spool_has_room (s, 1, 2));
    s_put_n (s, 1);
    ck_assert (!vg_spool_has_room (s, 1, 1));
    ck_assert_int_eq (vg_spool_put (s, 5, "x", 1), -VG_EFULL);
    vg_spool_stats_t st = s_stats (s);
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
    st = s_stats (s);
    ck_assert_uint_eq (st.batches, 4);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (drop_makes_hole)
{
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
    s_put_n (s, 6);
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
        s_check_get (s, q);
    }
    ck_assert_uint_eq (n, 3);
    ck_assert_uint_eq (vg_spool_next_seq (s), 7);
    vg_spool_stats_t st = s_stats (s);
    ck_assert_uint_eq (st.drop_total, 3);
    ck_assert_uint_eq (st.batches, 3);
    ck_assert_uint_eq (st.last_seq, 5);
    vg_spool_destroy (&s);

    s = s_open (s_t.dir, 0, 0);
    ck_assert_uint_eq (vg_spool_next_seq (s), 7);
    ck_assert_uint_eq (vg_spool_first (s), 2);
    ck_assert_uint_eq (vg_spool_after (s, 2), 4);
    ck_assert_uint_eq (vg_spool_after (s, 4), 5);
    ck_assert_uint_eq (vg_spool_after (s, 5), 0);
    ck_assert_int_eq (vg_spool_ack (s, 4), 0);
    ck_assert_uint_eq (vg_spool_first (s), 5);
    ck_assert_int_eq (vg_spool_drop (s, 5), 0);
    vg_spool_destroy (&s);
    s = s_open (s_t.dir, 0, 0);
    ck_assert_uint_eq (vg_spool_first (s), 0);
    ck_assert_uint_eq (vg_spool_next_seq (s), 7);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (wiped_dir_new_epoch)
{
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
    uint64_t e1 = vg_spool_epoch (s);
    s_put_n (s, 3);
    vg_spool_destroy (&s);
    vg_test_rmtree (s_t.dir);
    s = s_open (s_t.dir, 0, 0);
    uint64_t e2 = vg_spool_epoch (s);
    ck_assert_uint_ne (e2, 0);
    ck_assert_uint_ne (e2, e1);
    ck_assert_uint_eq (vg_spool_next_seq (s), 1);
    ck_assert_uint_eq (vg_spool_first (s), 0);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (state_lost_recovered_from_batches)
{
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
    uint64_t e1 = vg_spool_epoch (s);
    s_put_n (s, 6);
    ck_assert_int_eq (vg_spool_ack (s, 2), 0);
    vg_spool_destroy (&s);
    char sp[256];
    snprintf (sp, sizeof sp, "%s/spool.state", s_t.dir);
    ck_assert_int_eq (unlink (sp), 0);
    s = s_open (s_t.dir, 0, 0);
    vg_spool_stats_t st = s_stats (s);
    ck_assert_uint_eq (st.state_recovered, 1);
    ck_assert_uint_eq (vg_spool_epoch (s), e1);
    ck_assert_uint_eq (vg_spool_first (s), 3);
    ck_assert_uint_eq (vg_spool_next_seq (s), 7);
    ck_assert_uint_eq (st.batches, 4);
    s_check_get (s, 6);
    vg_spool_destroy (&s);

    /* a corrupt state file is treated the same way */
    s_write_file (sp, "not a state file at all, no....", 31);
    s = s_open (s_t.dir, 0, 0);
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
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
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
    snprintf (sp, sizeof sp, "%s/spool.state", s_t.dir);
    s_write_file (sp, st, sizeof st);
    s_path (last, sizeof last, s_t.dir, UINT64_MAX, "");
    s_write_file (last, "not a batch", 11);
    s = s_open (s_t.dir, 0, 0);
    vg_spool_stats_t sst = s_stats (s);
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
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
    s_put_n (s, 3);
    char p[256];
    uint8_t saved[1024];
    s_path (p, sizeof p, s_t.dir, 1, "");
    size_t n = s_read_file (p, saved, sizeof saved);
    ck_assert_int_eq (vg_spool_ack (s, 2), 0);
    vg_spool_destroy (&s);
    s_write_file (p, saved, n);
    s = s_open (s_t.dir, 0, 0);
    vg_spool_stats_t st = s_stats (s);
    ck_assert_uint_eq (st.corrupt_dropped, 0);
    ck_assert_uint_eq (st.batches, 1);
    ck_assert_uint_eq (vg_spool_first (s), 3);
    ck_assert (!s_exists (p));
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (symlinks_and_foreign_names)
{
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
    s_put_n (s, 3);
    vg_spool_destroy (&s);
    /* Replace batch 2 by a symlink to a valid copy outside the spool. */
    char p[256], outside[256], foreign[256], odd[256];
    uint8_t buf[1024];
    s_path (p, sizeof p, s_t.dir, 2, "");
    size_t n = s_read_file (p, buf, sizeof buf);
    snprintf (outside, sizeof outside, "%s/outside.vgb", s_t.root);
    s_write_file (outside, buf, n);
    ck_assert_int_eq (unlink (p), 0);
    ck_assert_int_eq (symlink (outside, p), 0);
    snprintf (foreign, sizeof foreign, "%s/notes.txt", s_t.dir);
    s_write_file (foreign, "hi", 2);
    snprintf (odd, sizeof odd, "%s/0000000000000000001.vgb", s_t.dir); /* 19 digits */
    s_write_file (odd, "hi", 2);

    s = s_open (s_t.dir, 0, 0);
    vg_spool_stats_t st = s_stats (s);
    ck_assert_uint_eq (st.corrupt_dropped, 1);
    ck_assert_uint_eq (st.ignored_files, 2);
    ck_assert_uint_eq (st.batches, 2);
    ck_assert (!s_exists (p));     /* the link is gone ... */
    ck_assert (s_exists (outside)); /* ... its target untouched */
    ck_assert (s_exists (foreign));
    ck_assert (s_exists (odd));
    ck_assert_uint_eq (vg_spool_next_seq (s), 4);
    vg_buf_t b = VG_BUF_INIT;
    ck_assert_int_eq (vg_spool_get (s, 2, &b), -VG_ENOTFOUND);
    /* a symlink planted while running is refused by get too */
    s_path (p, sizeof p, s_t.dir, 3, "");
    ck_assert_int_eq (unlink (p), 0);
    ck_assert_int_eq (symlink (outside, p), 0);
    ck_assert_int_eq (vg_spool_get (s, 3, &b), -VG_ECRC);
    ck_assert (s_exists (outside));
    vg_buf_free (&b);
    vg_spool_destroy (&s);
}
END_TEST

START_TEST (foreign_epoch_dropped)
{
    /* A valid batch file from another spool (another epoch) is not ours to send. */
    tdir_t a, b;
    s_tdir (&a);
    s_tdir (&b);
    vg_spool_t *s = s_open (a.dir, 0, 0);
    s_put_n (s, 2);
    vg_spool_destroy (&s);
    s = s_open (b.dir, 0, 0);
    s_put_n (s, 3);
    vg_spool_destroy (&s);
    char pa[256], pb[256];
    uint8_t buf[1024];
    s_path (pb, sizeof pb, b.dir, 3, "");
    s_path (pa, sizeof pa, a.dir, 3, "");
    size_t n = s_read_file (pb, buf, sizeof buf);
    s_write_file (pa, buf, n);
    s = s_open (a.dir, 0, 0);
    vg_spool_stats_t st = s_stats (s);
    ck_assert_uint_eq (st.corrupt_dropped, 1);
    ck_assert_uint_eq (st.batches, 2);
    ck_assert (!s_exists (pa));
    ck_assert_uint_eq (vg_spool_next_seq (s), 4);
    vg_spool_destroy (&s);
    vg_test_rmtree (a.root);
    vg_test_rmtree (b.root);
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
    s_write_file (s_t.dir, "x", 1);
    cfg.dir = s_t.dir;
    err = 0;
    ck_assert_ptr_null (vg_spool_new (&cfg, &err));
    ck_assert_int_eq (err, -VG_ECONFIG);
    char below[160];
    snprintf (below, sizeof below, "%s/sub", s_t.dir);
    cfg.dir = below;
    err = 0;
    ck_assert_ptr_null (vg_spool_new (&cfg, &err));
    ck_assert_int_lt (err, 0);
    unlink (s_t.dir);

    /* an unwritable directory (permissions do not stop root, so use /proc there) */
    if (geteuid () != 0) {
        ck_assert_int_eq (mkdir (s_t.dir, 0500), 0);
        cfg.dir = s_t.dir;
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
    vg_spool_t *s = s_open (s_t.dir, 0, 0);
    pid_t pid = fork ();
    ck_assert_int_ge (pid, 0);
    if (pid == 0) {
        vg_spool_cfg_t cfg = { s_t.dir, 0, 0, false };
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

/* A child puts (and now and then acks) as fast as it can and reports each completed put on a
 * pipe; the parent kills it with SIGKILL at a random moment.  After reopening, every batch
 * reported put and not acked is intact, and next_seq is beyond every reported seq. */
START_TEST (survives_kill9)
{
    for (int round = 0; round < 5; round++) {
        tdir_t t;
        s_tdir (&t);
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
                s_fill (buf, s_len_of (seq), seq);
                if (vg_spool_put (c, seq, buf, s_len_of (seq)) < 0)
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

        vg_spool_t *s = s_open (t.dir, 0, 0);
        vg_spool_stats_t st = s_stats (s);
        ck_assert_uint_gt (vg_spool_next_seq (s), last);
        ck_assert_uint_ge (st.acked_seq, acked);
        /* every reported, unacked put is there and intact */
        for (uint64_t q = st.acked_seq + 1; q <= last; q++)
            s_check_get (s, q);
        /* anything else held (a put that finished after the last report) is intact too */
        for (uint64_t q = vg_spool_first (s); q; q = vg_spool_after (s, q))
            s_check_get (s, q);
        vg_spool_destroy (&s);
        vg_test_rmtree (t.root);
    }
}
END_TEST

Suite *
vg_spool_suite (void)
{
    Suite *s = suite_create ("spool");
    vg_test_case_t cases[] = {
        { "roundtrip", put_get_ack_roundtrip },
        { "get_missing", get_missing },
        { "reopen", reopen_keeps_epoch_and_seq },
        { "oldest", oldest_and_bounds },
        { "crash_damage", crash_damage_dropped_and_counted },
        { "torn_offsets", torn_write_at_every_offset },
        { "corrupt_get", corrupt_found_by_get },
        { "full_bytes", full_by_bytes },
        { "full_count", full_by_count },
        { "drop_hole", drop_makes_hole },
        { "wiped", wiped_dir_new_epoch },
        { "state_lost", state_lost_recovered_from_batches },
        { "last_seq", last_seq_never_wraps },
        { "interrupted_ack", interrupted_ack_finished_at_open },
        { "symlinks", symlinks_and_foreign_names },
        { "foreign_epoch", foreign_epoch_dropped },
        { "bad_dir", bad_dir },
        { "lock", one_process_per_spool },
        { "kill9", survives_kill9 },
    };
    vg_test_cases (s, cases, sizeof cases / sizeof cases[0], 60, setup, teardown);
    return s;
}
