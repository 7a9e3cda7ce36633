/* fixture_spool.h - the set-up the spool suites (check_spool*.c) share: a fresh directory per
 * test, opening a spool on it, deterministic batches put and checked byte for byte, and the
 * file surgery (flip a byte, truncate, write a stray file) that stands for a crash or a
 * foreign hand.
 *
 * Test-only: failures are Check assertions.  fx_t is the running test's directory (Check runs
 * each test in its own process); fx_setup/fx_teardown are the checked fixture of every TCase. */
#ifndef VG_TEST_FIXTURE_SPOOL_H
#define VG_TEST_FIXTURE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/spool.h"

#define HDR 40 /* batch header bytes; part of the file format */

typedef struct {
    char root[64];  /* mkdtemp dir, removed at the end */
    char dir[96];   /* root/spool: created by vg_spool_new */
} fx_tdir_t;

/* The test's directory (a checked fixture: made before each test, removed after it). */
extern fx_tdir_t fx_t;

void fx_setup (void);
void fx_teardown (void);

/* Make a new directory t (t->dir not created yet); remove it with vg_test_rmtree (t->root). */
void fx_tdir (fx_tdir_t *t);

/* Open the spool in dir with these bounds (0: the defaults); fails the test when it cannot. */
vg_spool_t *fx_open (const char *dir, uint64_t max_bytes, uint32_t max_batches);

/* Deterministic payload for seq: len bytes derived from seq. */
void fx_fill (uint8_t *p, size_t len, uint64_t seq);

/* The payload length of seq's batch (100 to 399 bytes). */
size_t fx_len_of (uint64_t seq);

/* The spool's counters now. */
vg_spool_stats_t fx_stats (const vg_spool_t *s);

/* Put n batches (the next seqs, payloads fx_fill / fx_len_of). */
void fx_put_n (vg_spool_t *s, uint64_t n);

/* Assert that seq is held and its content is intact. */
void fx_check_get (vg_spool_t *s, uint64_t seq);

/* The path of seq's batch file in dir, with suffix ("" or ".tmp"). */
void fx_path (char *out, size_t size, const char *dir, uint64_t seq, const char *suffix);

/* Whether path exists (a symbolic link is not followed). */
bool fx_exists (const char *path);

/* Flip one bit of the byte at off of seq's batch file / truncate the file to len bytes. */
void fx_flip (const char *dir, uint64_t seq, off_t off);
void fx_truncate (const char *dir, uint64_t seq, off_t len);

/* Write data[0..len) to path (created or truncated) / read path into buf (at most cap bytes,
 * which it must fit in): the length read.  Fail the test when they cannot. */
void fx_write_file (const char *path, const void *data, size_t len);
size_t fx_read_file (const char *path, uint8_t *buf, size_t cap);

#endif
