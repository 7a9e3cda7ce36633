/* fixture_spool.c - the spool suites' shared set-up (fixture_spool.h): a directory per test,
 * deterministic batches, and the file surgery that stands for a crash. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "tests/agent/fixture_spool.h"
#include "tests/support/tmpdir.h"

fx_tdir_t fx_t;

void
fx_tdir (fx_tdir_t *t)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (t->root, sizeof t->root, "spool"));
    snprintf (t->dir, sizeof t->dir, "%s/spool", t->root);
}

void
fx_setup (void)
{
    fx_tdir (&fx_t);
}

void
fx_teardown (void)
{
    vg_test_rmtree (fx_t.root);
}

vg_spool_t *
fx_open (const char *dir, uint64_t max_bytes, uint32_t max_batches)
{
    vg_spool_cfg_t cfg = { dir, max_bytes, max_batches, false };
    int err = 1;
    vg_spool_t *s = vg_spool_new (&cfg, &err);
    ck_assert_msg (s != NULL, "open %s: %s", dir, vg_strerror (err));
    ck_assert_int_eq (err, 0);
    return s;
}

/* Deterministic payload for seq: len bytes derived from seq. */
void
fx_fill (uint8_t *p, size_t len, uint64_t seq)
{
    uint32_t x = (uint32_t) seq * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t) (x >> 16);
    }
}

size_t
fx_len_of (uint64_t seq)
{
    return 100 + (size_t) (seq * 37 % 300);
}

/* The spool's counters now. */
vg_spool_stats_t
fx_stats (const vg_spool_t *s)
{
    vg_spool_stats_t st;
    vg_spool_stats (s, &st);
    return st;
}

void
fx_put_n (vg_spool_t *s, uint64_t n)
{
    uint8_t buf[512];
    for (uint64_t i = 0; i < n; i++) {
        uint64_t seq = vg_spool_next_seq (s);
        fx_fill (buf, fx_len_of (seq), seq);
        int rc = vg_spool_put (s, seq, buf, fx_len_of (seq));
        ck_assert_msg (rc == 0, "put %llu: %s", (unsigned long long) seq, vg_strerror (rc));
    }
}

/* Assert that seq is held and its content is intact. */
void
fx_check_get (vg_spool_t *s, uint64_t seq)
{
    vg_buf_t b = VG_BUF_INIT;
    uint8_t want[512];
    int rc = vg_spool_get (s, seq, &b);
    ck_assert_msg (rc == 0, "get %llu: %s", (unsigned long long) seq, vg_strerror (rc));
    fx_fill (want, fx_len_of (seq), seq);
    ck_assert_uint_eq (b.len, fx_len_of (seq));
    ck_assert_mem_eq (b.data, want, b.len);
    vg_buf_free (&b);
}

void
fx_path (char *out, size_t size, const char *dir, uint64_t seq, const char *suffix)
{
    snprintf (out, size, "%s/%020llu.vgb%s", dir, (unsigned long long) seq, suffix);
}

bool
fx_exists (const char *path)
{
    struct stat sb;
    return lstat (path, &sb) == 0;
}

void
fx_flip (const char *dir, uint64_t seq, off_t off)
{
    char p[256];
    fx_path (p, sizeof p, dir, seq, "");
    int fd = open (p, O_RDWR);
    ck_assert_int_ge (fd, 0);
    uint8_t c;
    ck_assert_int_eq (pread (fd, &c, 1, off), 1);
    c ^= 0x20;
    ck_assert_int_eq (pwrite (fd, &c, 1, off), 1);
    close (fd);
}

void
fx_truncate (const char *dir, uint64_t seq, off_t len)
{
    char p[256];
    fx_path (p, sizeof p, dir, seq, "");
    ck_assert_int_eq (truncate (p, len), 0);
}

void
fx_write_file (const char *path, const void *data, size_t len)
{
    ck_assert_msg (vg_test_write_file (path, data, len) == 0, "cannot write %s", path);
}

size_t
fx_read_file (const char *path, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    uint8_t *data = vg_test_read_file (path, &n);
    ck_assert_msg (data != NULL, "cannot read %s", path);
    ck_assert_uint_le (n, cap);
    memcpy (buf, data, n);
    free (data);
    return n;
}
