/* fuzz_spool.c - libFuzzer target for the agent's spool reader (agent/spool.c): what it finds
 * on disk after a crash, a torn write or tampering.
 *
 * An input describes a spool directory: a flags byte, an ack selector byte, an optional
 * state file (36 bytes), then up to S_MAX_FILES records [name byte][length u16 LE][bytes].
 * The name byte picks a batch seq (1..250, or 0xFF + 8 bytes LE for any seq), a batch temp
 * file, the state temp file or an input's progress file.  Flags ask the target to make
 * checksums and fields consistent, so inputs get past the CRCs to the logic behind them.
 * The spool is opened on that directory (one temp directory for the run, in /dev/shm if
 * possible, emptied after each input), every held batch is read back, a batch is put and
 * an ack or drop applied when asked, and the spool is reopened.  Checks: every batch
 * indexed at open reads back; held seqs ascend and lie in (acked_seq, next_seq); reopening
 * keeps the epoch and the held seqs and never lowers next_seq (a seq handed out is never
 * handed out again). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/spool.h"
#include "common/buf.h"
#include "common/byteorder.h"
#include "common/crc32c.h"
#include "common/err.h"
#include "common/log.h"
#include "tests/fuzz/fuzz_seed.h"
#include "tests/support/tmpdir.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define S_MAX_FILES 16
#define S_MAX_HELD 64 /* bounds the held seqs compared across a reopen */
#define S_HDR 40
#define S_STATE 36

enum {
    F_STATE = 1,       /* a state file follows the two leading bytes */
    F_STATE_FIX = 2,   /* ... with magic, version, length and CRC made right */
    F_FIELDS = 4,      /* batch headers: magic, version, epoch (the state's), seq, length, payload CRC */
    F_HDR_CRC = 8,     /* batch headers: header CRC made right */
    F_PUT = 16,        /* put one batch after opening */
    F_ACK = 32,        /* ack up to the selected seq after opening */
    F_DROP = 64,       /* drop the first held batch after opening */
};

static char s_base[64];
static char s_dir[96];
static vg_buf_t s_buf = VG_BUF_INIT;

static void
s_cleanup (void)
{
    vg_buf_free (&s_buf);
    if (s_base[0])
        vg_test_rmtree (s_base);
}

static void
s_write (const char *name, const uint8_t *p, size_t n)
{
    char path[160];
    if (!vg_test_path (path, sizeof path, s_dir, name) || vg_test_write_file (path, p, n) < 0)
        abort ();
}

/* A batch file for seq with payload pl[0..pn), its header fixed up as flags ask. */
static void
s_batch_file (uint8_t *f, const uint8_t *pl, size_t pn, const uint8_t *raw_hdr, uint64_t seq, uint64_t epoch,
              int flags)
{
    memcpy (f, raw_hdr, S_HDR);
    if (flags & F_FIELDS) {
        memcpy (f, "VGSP", 4);
        vg_le16 (f + 4, 1);
        vg_le16 (f + 6, S_HDR);
        if (epoch)
            vg_le64 (f + 8, epoch);
        vg_le64 (f + 16, seq);
        vg_le32 (f + 24, (uint32_t) pn);
        vg_le32 (f + 28, vg_crc32c (0, pl, pn));
    }
    if (flags & F_HDR_CRC)
        vg_le32 (f + 36, vg_crc32c (0, f, 36));
    memcpy (f + S_HDR, pl, pn);
}

/* Lay the directory out from the input. */
static void
s_layout (const uint8_t *data, size_t size, int flags)
{
    size_t pos = 2;
    uint64_t epoch = 0;
    if (flags & F_STATE) {
        uint8_t st[S_STATE] = { 0 };
        size_t n = size - pos < S_STATE ? size - pos : S_STATE;
        memcpy (st, data + pos, n);
        pos += n;
        if (flags & F_STATE_FIX) {
            memcpy (st, "VGSS", 4);
            vg_le16 (st + 4, 1);
            vg_le16 (st + 6, S_STATE);
            vg_le32 (st + 32, vg_crc32c (0, st, 32));
        }
        epoch = vg_get_le64 (st + 8);
        s_write ("spool.state", st, sizeof st);
    }
    static uint8_t file[S_HDR + 65536];
    for (int k = 0; k < S_MAX_FILES && pos + 3 <= size; k++) {
        uint8_t sel = data[pos++];
        uint64_t seq = sel;
        if (sel == 0xFF) {
            if (size - pos < 8)
                return;
            seq = vg_get_le64 (data + pos);
            pos += 8;
            if (size - pos < 2)
                return;
        }
        size_t n = vg_get_le16 (data + pos);
        pos += 2;
        if (n > size - pos)
            n = size - pos;
        const uint8_t *p = data + pos;
        pos += n;
        char name[64];
        if (sel == 0xFE) {
            s_write ("spool.state.tmp", p, n);
            continue;
        }
        if (sel == 0xFD) {
            s_write ("input-sim-0", p, n);
            continue;
        }
        snprintf (name, sizeof name, "%020llu.vgb%s", (unsigned long long) (sel == 0xFC ? 1 : seq),
                  sel == 0xFC ? ".tmp" : "");
        if (n < S_HDR) {
            s_write (name, p, n); /* torn */
            continue;
        }
        s_batch_file (file, p + S_HDR, n - S_HDR, p, seq, epoch, flags);
        s_write (name, file, n);
    }
}

/* Held seqs of s into out (at most S_MAX_HELD); checks that every one reads back, that they
 * ascend and that they lie inside (acked_seq, next_seq).  Returns how many. */
static size_t
s_held (vg_spool_t *s, uint64_t *out)
{
    vg_spool_stats_t st;
    vg_spool_stats (s, &st);
    if (st.epoch == 0 || st.next_seq <= st.acked_seq)
        abort ();
    size_t n = 0;
    uint64_t prev = st.acked_seq;
    for (uint64_t q = vg_spool_first (s); q; q = vg_spool_after (s, q)) {
        if (q <= prev || q >= st.next_seq || n == S_MAX_HELD)
            abort ();
        if (vg_spool_get (s, q, &s_buf) != 0)
            abort (); /* verified at open, unchanged since */
        out[n++] = q;
        prev = q;
    }
    if (n != st.batches)
        abort ();
    return n;
}

static vg_spool_t *
s_open (void)
{
    vg_spool_cfg_t cfg = { .dir = s_dir, .max_bytes = 1u << 20, .max_batches = 32, .fsync = false };
    int err = 0;
    vg_spool_t *s = vg_spool_new (&cfg, &err);
    if (!s && err != -VG_EIO)
        abort (); /* the directory is ours and unlocked: only unreadable content may refuse */
    return s;
}

static void
vg_fuzz_seeds (const char *dir)
{
    /* A state file and two whole batches, made consistent by the flags; then the same
     * batches without a state file (the epoch is recovered from their headers). */
    enum { S_FLAGS = F_STATE | F_STATE_FIX | F_FIELDS | F_HDR_CRC | F_PUT | F_ACK };
    uint8_t in[2 + S_STATE + 2 * (3 + S_HDR + 5)] = { S_FLAGS, 1 };
    uint8_t *st = in + 2;
    vg_le64 (st + 8, 0x1122334455667788ULL);
    vg_le64 (st + 16, 2);
    vg_le64 (st + 24, 5);
    uint8_t *r = st + S_STATE;
    for (int i = 0; i < 2; i++, r += 3 + S_HDR + 5) {
        r[0] = (uint8_t) (3 + i);
        vg_le16 (r + 1, S_HDR + 5);
        memcpy (r + 3 + S_HDR, "batch", 5);
    }
    vg_fuzz_seed_write (dir, "state-two-batches", in, sizeof in);
    st[S_STATE - 2] = F_FIELDS | F_HDR_CRC | F_DROP;
    st[S_STATE - 1] = 0;
    vg_fuzz_seed_write (dir, "no-state", st + S_STATE - 2, sizeof in - 2 - S_STATE + 2);
}

static void
vg_fuzz_setup (void)
{
    vg_log_set_level (VG_LOG_ERROR);
    /* In memory when /dev/shm is there: every input creates, renames and removes files. */
    snprintf (s_base, sizeof s_base, "/dev/shm/vg-fuzz-spool-XXXXXX");
    if (!mkdtemp (s_base) && !vg_test_tmpdir (s_base, sizeof s_base, "fuzz-spool"))
        abort ();
    snprintf (s_dir, sizeof s_dir, "%s/spool", s_base);
    atexit (s_cleanup);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int flags = data[0];
    if (mkdir (s_dir, 0700) < 0)
        abort ();
    s_layout (data, size, flags);
    vg_spool_t *s = s_open ();
    if (s) {
        uint64_t held[S_MAX_HELD], again[S_MAX_HELD];
        s_held (s, held);
        if (flags & F_PUT) {
            uint64_t seq = vg_spool_next_seq (s);
            int rc = vg_spool_put (s, seq, data, size < 64 ? size : 64);
            if (rc != 0 && rc != -VG_EFULL)
                abort ();
            if (rc == 0 && vg_spool_next_seq (s) <= seq)
                abort ();
        }
        uint64_t first = vg_spool_first (s), next = vg_spool_next_seq (s);
        if (flags & F_ACK) {
            uint64_t upto = data[1] == 0xFF ? UINT64_MAX : data[1] == 0xFE ? next - 1 : first + data[1];
            int rc = vg_spool_ack (s, upto);
            if (rc != 0 && rc != -VG_ERANGE)
                abort ();
        }
        if ((flags & F_DROP) && vg_spool_first (s)) {
            if (vg_spool_drop (s, vg_spool_first (s)) != 0)
                abort ();
        }
        size_t n = s_held (s, held);
        uint64_t epoch = vg_spool_epoch (s);
        next = vg_spool_next_seq (s);
        vg_spool_destroy (&s);
        s = s_open ();
        if (!s)
            abort ();
        if (vg_spool_epoch (s) != epoch || vg_spool_next_seq (s) < next || s_held (s, again) != n
            || memcmp (held, again, n * sizeof held[0]) != 0)
            abort ();
        vg_spool_destroy (&s);
    }
    if (vg_test_rmtree (s_dir) < 0)
        abort ();
    return 0;
}
