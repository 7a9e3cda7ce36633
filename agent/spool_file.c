/* spool_file.c - the spool's files (see spool_int.h): names, atomic writes, the framing
 * shared by the state file and batch files, and reading them back with every check.
 * Invariant: a file appears under its final name only complete and (with fsync) durable:
 * it is written as a temp file and renamed. */
#include "agent/spool_int.h"

#include "common/byteorder.h"
#include "common/crc32c.h"
#include "common/err.h"
#include "common/file_replace.h"
#include "common/hash.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Batch file: <20-digit seq>.vgb = 40-byte header + payload, all integers little-endian.
 *   0 magic "VGSP" | 4 version u16 | 6 header length u16 | 8 epoch u64 | 16 seq u64
 *  24 payload length u32 | 28 payload CRC-32C u32 | 32 reserved u32 (0) | 36 header CRC u32
 * The header CRC covers bytes 0..35. */
#define S_MAGIC "VGSP"
#define S_VERSION 1
#define S_DIGITS 20
#define S_SUFFIX ".vgb"
#define S_TMP_SUFFIX ".tmp"
#define S_NAME_MAX (S_DIGITS + sizeof S_SUFFIX + sizeof S_TMP_SUFFIX)

/* State file: 0 magic "VGSS" | 4 version u16 | 6 length u16 | 8 epoch u64 | 16 acked u64
 *            24 next u64 | 32 CRC u32 over bytes 0..31. */
#define S_STATE_MAGIC "VGSS"
#define S_STATE_LEN 36
#define S_STATE_TMP "spool.state.tmp"

_Static_assert (VG_SPOOL__HDR_LEN == 40, "the batch header layout above is 40 bytes");

/* ---- names ---- */

static void
s_batch_name (char *out, size_t size, uint64_t seq, bool tmp)
{
    snprintf (out, size, "%020llu%s%s", (unsigned long long) seq, S_SUFFIX, tmp ? S_TMP_SUFFIX : "");
}

/* Classify a directory entry name; for batch names set *seq (never 0). */
vg_spool__name_kind_t
vg_spool__classify (const char *name, uint64_t *seq)
{
    if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0 || strcmp (name, VG_SPOOL__STATE_NAME) == 0
        || strcmp (name, VG_SPOOL__LOCK_NAME) == 0)
        return VG_SPOOL__NAME_OURS;
    if (strcmp (name, S_STATE_TMP) == 0)
        return VG_SPOOL__NAME_STATE_TMP;
    uint64_t v = 0;
    for (int i = 0; i < S_DIGITS; i++) {
        unsigned d = (unsigned char) name[i] - '0';
        if (d > 9)
            return VG_SPOOL__NAME_OTHER;
        if (v > (UINT64_MAX - d) / 10)
            return VG_SPOOL__NAME_OTHER;
        v = v * 10 + d;
    }
    const char *rest = name + S_DIGITS;
    /* UINT64_MAX is never a seq: next_seq (one past the highest) must stay representable. */
    if (v == 0 || v == UINT64_MAX || strncmp (rest, S_SUFFIX, strlen (S_SUFFIX)) != 0)
        return VG_SPOOL__NAME_OTHER;
    rest += strlen (S_SUFFIX);
    *seq = v;
    if (*rest == '\0')
        return VG_SPOOL__NAME_BATCH;
    if (strcmp (rest, S_TMP_SUFFIX) == 0)
        return VG_SPOOL__NAME_BATCH_TMP;
    return VG_SPOOL__NAME_OTHER;
}

/* ---- syscall helpers ---- */

/* Read up to n bytes; returns the count read (short only at end of file) or -1. */
static ssize_t
s_read_all (int fd, void *data, size_t n)
{
    uint8_t *p = data;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read (fd, p + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t) r;
    }
    return (ssize_t) got;
}

static int
s_io_rc (int e)
{
    return (e == ENOSPC || e == EDQUOT) ? -VG_EFULL : -VG_EIO;
}

/* Write name atomically in the spool dir: temp file, optional fdatasync, rename, optional
 * directory fsync.  Returns 0 or -VG_EFULL / -VG_EIO (errno logged); the temp is removed. */
static int
s_write_atomic (vg_spool_t *s, const char *tmp, const char *name, const void *a, size_t alen,
                const void *b, size_t blen)
{
    const char *what = "open";
    int fd = openat (s->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        goto fail;
    what = "write";
    if (vg_write_all (fd, a, alen) < 0 || (blen > 0 && vg_write_all (fd, b, blen) < 0))
        goto fail;
    what = "fdatasync";
    if (s->fsync && fdatasync (fd) < 0)
        goto fail;
    what = "close";
    int cfd = fd;
    fd = -1;
    if (close (cfd) < 0)
        goto fail;
    what = "rename";
    if (renameat (s->dirfd, tmp, s->dirfd, name) < 0)
        goto fail;
    /* The new name is in place; a failed directory fsync only weakens power-loss safety. */
    if (s->fsync && fsync (s->dirfd) < 0) {
        s->st.io_errors++;
        vg_log_rl (&s->rl, VG_LOG_WARN, "spool", "%s: fsync dir: %s", s->dir, strerror (errno));
    }
    return 0;
fail: {
    int e = errno;
    if (fd >= 0)
        close (fd);
    unlinkat (s->dirfd, tmp, 0);
    s->st.io_errors++;
    vg_log_rl (&s->rl, VG_LOG_WARN, "spool", "%s/%s: %s: %s", s->dir, tmp, what, strerror (e));
    return s_io_rc (e);
}
}

void
vg_spool__unlink (vg_spool_t *s, const char *name)
{
    if (unlinkat (s->dirfd, name, 0) < 0 && errno != ENOENT) {
        s->st.io_errors++;
        vg_log_rl (&s->rl, VG_LOG_WARN, "spool", "%s/%s: unlink: %s", s->dir, name, strerror (errno));
    }
}

/* A random non-zero 64-bit id from /dev/urandom, or from clock and pid if that fails. */
uint64_t
vg_spool__random_epoch (void)
{
    uint64_t v = 0;
    int fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        uint8_t b[8];
        if (s_read_all (fd, b, sizeof b) == (ssize_t) sizeof b)
            v = vg_get_le64 (b);
        close (fd);
    }
    if (v == 0) {
        struct timespec ts;
        clock_gettime (CLOCK_REALTIME, &ts);
        v = vg_hash_mix64 ((uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec)
            ^ vg_hash_mix64 ((uint64_t) getpid () + ((uint64_t) (uintptr_t) &v << 16));
    }
    return v ? v : 1;
}

/* ---- file framing shared by the state file and batch files ---- */

/* Both kinds of file begin with magic (4 bytes), format version, header length (le16 each)
 * and epoch (le64), and end their header with the crc32c of the bytes before it. */
static void
s_frame_begin (uint8_t *b, const char *magic, uint16_t hlen, uint64_t epoch)
{
    memcpy (b, magic, 4);
    vg_le16 (b + 4, S_VERSION);
    vg_le16 (b + 6, hlen);
    vg_le64 (b + 8, epoch);
}

static void
s_frame_seal (uint8_t *b, uint16_t hlen)
{
    vg_le32 (b + hlen - 4, vg_crc32c (0, b, hlen - 4));
}

/* Whether b (hlen bytes) is a sealed header of that magic, version and length. */
static bool
s_frame_ok (const uint8_t *b, const char *magic, uint16_t hlen)
{
    return memcmp (b, magic, 4) == 0 && vg_get_le16 (b + 4) == S_VERSION && vg_get_le16 (b + 6) == hlen
           && vg_get_le32 (b + hlen - 4) == vg_crc32c (0, b, hlen - 4);
}

/* ---- state file ---- */

int
vg_spool__state_write (vg_spool_t *s, uint64_t acked, uint64_t next)
{
    uint8_t b[S_STATE_LEN];
    s_frame_begin (b, S_STATE_MAGIC, S_STATE_LEN, s->epoch);
    vg_le64 (b + 16, acked);
    vg_le64 (b + 24, next);
    s_frame_seal (b, S_STATE_LEN);
    int rc = s_write_atomic (s, S_STATE_TMP, VG_SPOOL__STATE_NAME, b, sizeof b, NULL, 0);
    if (rc == 0)
        s->persisted_next = next;
    return rc;
}

/* Read the state file: 0 and the fields, -VG_ENOTFOUND if absent, -VG_ECRC if invalid,
 * -VG_EIO if unreadable. */
int
vg_spool__state_read (vg_spool_t *s, uint64_t *epoch, uint64_t *acked, uint64_t *next)
{
    int fd = openat (s->dirfd, VG_SPOOL__STATE_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -VG_ENOTFOUND : errno == ELOOP ? -VG_ECRC : -VG_EIO;
    uint8_t b[S_STATE_LEN + 1];
    ssize_t n = s_read_all (fd, b, sizeof b);
    close (fd);
    if (n < 0)
        return -VG_EIO;
    if (n != S_STATE_LEN || !s_frame_ok (b, S_STATE_MAGIC, S_STATE_LEN))
        return -VG_ECRC;
    *epoch = vg_get_le64 (b + 8);
    *acked = vg_get_le64 (b + 16);
    *next = vg_get_le64 (b + 24);
    if (*epoch == 0 || *acked == UINT64_MAX || *next <= *acked)
        return -VG_ECRC;
    return 0;
}

/* ---- batch files ---- */

/* Decode and check a header read from a file named seq; *epoch_out gets its epoch.
 * Returns 0 or -VG_ECRC. */
static int
s_header_check (const uint8_t *h, uint64_t seq, uint64_t *epoch_out, uint32_t *len, uint32_t *crc)
{
    if (!s_frame_ok (h, S_MAGIC, VG_SPOOL__HDR_LEN) || vg_get_le64 (h + 16) != seq || vg_get_le64 (h + 8) == 0)
        return -VG_ECRC;
    *epoch_out = vg_get_le64 (h + 8);
    *len = vg_get_le32 (h + 24);
    *crc = vg_get_le32 (h + 28);
    return 0;
}

/* Open and verify batch file seq (not following symlinks).  With out, the payload is read
 * into it; without, it is checksummed through s->iobuf.  Returns 0 and *len; -VG_ENOTFOUND
 * if the file is absent; -VG_ECRC if torn, corrupt, not a regular file or from another
 * epoch; -VG_EIO or -VG_ENOMEM. */
int
vg_spool__load (vg_spool_t *s, uint64_t seq, vg_buf_t *out, uint32_t *len)
{
    char name[S_NAME_MAX];
    s_batch_name (name, sizeof name, seq, false);
    int fd = openat (s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? -VG_ENOTFOUND : errno == ELOOP ? -VG_ECRC : -VG_EIO;
    int rc = -VG_ECRC;
    struct stat sb;
    uint8_t h[VG_SPOOL__HDR_LEN];
    uint64_t epoch;
    uint32_t crc;
    if (fstat (fd, &sb) < 0) {
        rc = -VG_EIO;
        goto done;
    }
    if (!S_ISREG (sb.st_mode) || sb.st_size < VG_SPOOL__HDR_LEN)
        goto done;
    ssize_t n = s_read_all (fd, h, sizeof h);
    if (n < 0) {
        rc = -VG_EIO;
        goto done;
    }
    if (n != VG_SPOOL__HDR_LEN || s_header_check (h, seq, &epoch, len, &crc) < 0 || epoch != s->epoch
        || (uint64_t) sb.st_size != (uint64_t) VG_SPOOL__HDR_LEN + *len)
        goto done;
    uint32_t c = 0;
    if (out) {
        vg_buf_reset (out);
        rc = vg_buf_reserve (out, *len);
        if (rc < 0)
            goto done;
        n = s_read_all (fd, out->data, *len);
        if (n < 0) {
            rc = -VG_EIO;
            goto done;
        }
        rc = -VG_ECRC;
        if ((size_t) n != *len)
            goto done;
        out->len = *len;
        c = vg_crc32c (0, out->data, *len);
    } else {
        size_t left = *len;
        while (left > 0) {
            size_t want = left < VG_SPOOL__IOBUF ? left : VG_SPOOL__IOBUF;
            n = s_read_all (fd, s->iobuf, want);
            if (n < 0) {
                rc = -VG_EIO;
                goto done;
            }
            if ((size_t) n != want)
                goto done;
            c = vg_crc32c (c, s->iobuf, want);
            left -= want;
        }
    }
    rc = c == crc ? 0 : -VG_ECRC;
done:
    close (fd);
    return rc;
}

/* Read only the epoch from batch file seq's header (state recovery). Returns 0 or < 0. */
int
vg_spool__peek_epoch (vg_spool_t *s, uint64_t seq, uint64_t *epoch)
{
    char name[S_NAME_MAX];
    s_batch_name (name, sizeof name, seq, false);
    int fd = openat (s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -VG_EIO;
    uint8_t h[VG_SPOOL__HDR_LEN];
    ssize_t n = s_read_all (fd, h, sizeof h);
    close (fd);
    uint32_t len, crc;
    if (n != VG_SPOOL__HDR_LEN)
        return -VG_ECRC;
    return s_header_check (h, seq, epoch, &len, &crc);
}

int
vg_spool__batch_write (vg_spool_t *s, uint64_t seq, const void *data, size_t len)
{
    uint8_t h[VG_SPOOL__HDR_LEN];
    s_frame_begin (h, S_MAGIC, VG_SPOOL__HDR_LEN, s->epoch);
    vg_le64 (h + 16, seq);
    vg_le32 (h + 24, (uint32_t) len);
    vg_le32 (h + 28, vg_crc32c (0, data, len));
    vg_le32 (h + 32, 0);
    s_frame_seal (h, VG_SPOOL__HDR_LEN);
    char tmp[S_NAME_MAX], name[S_NAME_MAX];
    s_batch_name (tmp, sizeof tmp, seq, true);
    s_batch_name (name, sizeof name, seq, false);
    return s_write_atomic (s, tmp, name, h, sizeof h, data, len);
}

void
vg_spool__batch_unlink (vg_spool_t *s, uint64_t seq)
{
    char name[S_NAME_MAX];
    s_batch_name (name, sizeof name, seq, false);
    vg_spool__unlink (s, name);
}
