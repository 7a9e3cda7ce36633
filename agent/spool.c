/* spool.c - on-disk spool of unacknowledged batches: one checksummed file per batch plus a
 * small state file (epoch, acked_seq, next_seq), both written as temp + rename.
 *
 * Invariant: every seq < next_seq that is not <= acked_seq is covered either by a batch file
 * on disk or by the persisted next_seq, so a crash can never make a seq be handed out twice.
 * The in-memory index holds (seq, payload length, write time) only, sorted by seq.
 * One concept over ~850 lines: the file format, torn-write recovery, the state file and the
 * index move together (every crash test exercises all four), so the file is not split. */
#include "agent/spool.h"

#include "common/byteorder.h"
#include "common/clock.h"
#include "common/crc32c.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/private_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Batch file: <20-digit seq>.vgb = 40-byte header + payload, all integers little-endian.
 *   0 magic "VGSP" | 4 version u16 | 6 header length u16 | 8 epoch u64 | 16 seq u64
 *  24 payload length u32 | 28 payload CRC-32C u32 | 32 reserved u32 (0) | 36 header CRC u32
 * The header CRC covers bytes 0..35. */
#define S_MAGIC "VGSP"
#define S_VERSION 1
#define S_HDR_LEN 40
#define S_DIGITS 20
#define S_SUFFIX ".vgb"
#define S_TMP_SUFFIX ".tmp"

/* State file: 0 magic "VGSS" | 4 version u16 | 6 length u16 | 8 epoch u64 | 16 acked u64
 *            24 next u64 | 32 CRC u32 over bytes 0..31. */
#define S_STATE_MAGIC "VGSS"
#define S_STATE_LEN 36
#define S_STATE_NAME "spool.state"
#define S_STATE_TMP "spool.state.tmp"
#define S_LOCK_NAME "spool.lock"

#define S_DEFAULT_MAX_BYTES (256u * 1024 * 1024)
#define S_FS_EVERY_MS 100              /* free disk space is looked up at most this often ... */
#define S_FS_RESERVE (256u * 1024)     /* ... and this much is left for state files and renames */
#define S_DEFAULT_MAX_BATCHES 65536u
#define S_IOBUF 65536
#define S_NAME_MAX (S_DIGITS + sizeof S_SUFFIX + sizeof S_TMP_SUFFIX)

typedef struct {
    uint64_t seq;
    uint32_t len;  /* payload bytes; the file is S_HDR_LEN + len */
    int64_t put_ms; /* wall clock when written (file mtime for batches found at open) */
} s_entry_t;

struct vg_spool {
    char *dir;
    int dirfd;
    int lockfd;
    uint64_t max_bytes;
    uint32_t max_batches;
    bool fsync;
    uint64_t epoch;
    uint64_t acked_seq;
    uint64_t next_seq;
    uint64_t persisted_next; /* next_seq as last written to the state file */
    s_entry_t *idx;          /* live entries are idx[head .. head + count), sorted by seq */
    size_t head;
    size_t count;
    size_t cap;
    uint64_t bytes;
    uint8_t *iobuf; /* S_IOBUF bytes for checksumming files at open */
    int64_t fs_at_ms;        /* when fs_free was looked up (monotonic) */
    uint64_t fs_free;        /* bytes available to us on the spool's file system, then */
    vg_spool_stats_t st;
    vg_ratelimit_t rl;
};

typedef enum { S_NAME_OTHER, S_NAME_BATCH, S_NAME_BATCH_TMP, S_NAME_STATE_TMP, S_NAME_OURS } s_name_kind_t;

/* ---- names ---- */

static void
s_batch_name (char *out, size_t size, uint64_t seq, bool tmp)
{
    snprintf (out, size, "%020llu%s%s", (unsigned long long) seq, S_SUFFIX, tmp ? S_TMP_SUFFIX : "");
}

/* Classify a directory entry name; for batch names set *seq (never 0). */
static s_name_kind_t
s_classify (const char *name, uint64_t *seq)
{
    if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0 || strcmp (name, S_STATE_NAME) == 0
        || strcmp (name, S_LOCK_NAME) == 0)
        return S_NAME_OURS;
    if (strcmp (name, S_STATE_TMP) == 0)
        return S_NAME_STATE_TMP;
    uint64_t v = 0;
    for (int i = 0; i < S_DIGITS; i++) {
        unsigned d = (unsigned char) name[i] - '0';
        if (d > 9)
            return S_NAME_OTHER;
        if (v > (UINT64_MAX - d) / 10)
            return S_NAME_OTHER;
        v = v * 10 + d;
    }
    const char *rest = name + S_DIGITS;
    /* UINT64_MAX is never a seq: next_seq (one past the highest) must stay representable. */
    if (v == 0 || v == UINT64_MAX || strncmp (rest, S_SUFFIX, strlen (S_SUFFIX)) != 0)
        return S_NAME_OTHER;
    rest += strlen (S_SUFFIX);
    *seq = v;
    if (*rest == '\0')
        return S_NAME_BATCH;
    if (strcmp (rest, S_TMP_SUFFIX) == 0)
        return S_NAME_BATCH_TMP;
    return S_NAME_OTHER;
}

/* ---- syscall helpers ---- */

static int
s_write_all (int fd, const void *data, size_t n)
{
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t w = write (fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t) w;
    }
    return 0;
}

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
    if (s_write_all (fd, a, alen) < 0 || (blen > 0 && s_write_all (fd, b, blen) < 0))
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

static void
s_unlink (vg_spool_t *s, const char *name)
{
    if (unlinkat (s->dirfd, name, 0) < 0 && errno != ENOENT) {
        s->st.io_errors++;
        vg_log_rl (&s->rl, VG_LOG_WARN, "spool", "%s/%s: unlink: %s", s->dir, name, strerror (errno));
    }
}

/* A random non-zero 64-bit id from /dev/urandom, or from clock and pid if that fails. */
static uint64_t
s_random_epoch (void)
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

static int
s_state_write (vg_spool_t *s, uint64_t acked, uint64_t next)
{
    uint8_t b[S_STATE_LEN];
    s_frame_begin (b, S_STATE_MAGIC, S_STATE_LEN, s->epoch);
    vg_le64 (b + 16, acked);
    vg_le64 (b + 24, next);
    s_frame_seal (b, S_STATE_LEN);
    int rc = s_write_atomic (s, S_STATE_TMP, S_STATE_NAME, b, sizeof b, NULL, 0);
    if (rc == 0)
        s->persisted_next = next;
    return rc;
}

/* Read the state file: 0 and the fields, -VG_ENOTFOUND if absent, -VG_ECRC if invalid,
 * -VG_EIO if unreadable. */
static int
s_state_read (vg_spool_t *s, uint64_t *epoch, uint64_t *acked, uint64_t *next)
{
    int fd = openat (s->dirfd, S_STATE_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
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
    if (!s_frame_ok (h, S_MAGIC, S_HDR_LEN) || vg_get_le64 (h + 16) != seq || vg_get_le64 (h + 8) == 0)
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
static int
s_load (vg_spool_t *s, uint64_t seq, vg_buf_t *out, uint32_t *len)
{
    char name[S_NAME_MAX];
    s_batch_name (name, sizeof name, seq, false);
    int fd = openat (s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? -VG_ENOTFOUND : errno == ELOOP ? -VG_ECRC : -VG_EIO;
    int rc = -VG_ECRC;
    struct stat sb;
    uint8_t h[S_HDR_LEN];
    uint64_t epoch;
    uint32_t crc;
    if (fstat (fd, &sb) < 0) {
        rc = -VG_EIO;
        goto done;
    }
    if (!S_ISREG (sb.st_mode) || sb.st_size < S_HDR_LEN)
        goto done;
    ssize_t n = s_read_all (fd, h, sizeof h);
    if (n < 0) {
        rc = -VG_EIO;
        goto done;
    }
    if (n != S_HDR_LEN || s_header_check (h, seq, &epoch, len, &crc) < 0 || epoch != s->epoch
        || (uint64_t) sb.st_size != (uint64_t) S_HDR_LEN + *len)
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
            size_t want = left < S_IOBUF ? left : S_IOBUF;
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
static int
s_peek_epoch (vg_spool_t *s, uint64_t seq, uint64_t *epoch)
{
    char name[S_NAME_MAX];
    s_batch_name (name, sizeof name, seq, false);
    int fd = openat (s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -VG_EIO;
    uint8_t h[S_HDR_LEN];
    ssize_t n = s_read_all (fd, h, sizeof h);
    close (fd);
    uint32_t len, crc;
    if (n != S_HDR_LEN)
        return -VG_ECRC;
    return s_header_check (h, seq, epoch, &len, &crc);
}

/* ---- index ---- */

/* Position (absolute index into idx) of the first live entry with seq >= key. */
static size_t
s_lower_bound (const vg_spool_t *s, uint64_t key)
{
    size_t lo = s->head, hi = s->head + s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->idx[mid].seq < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Make room to append one entry. Returns 0 or -VG_ENOMEM. */
static int
s_index_reserve (vg_spool_t *s)
{
    if (s->head + s->count < s->cap)
        return 0;
    if (s->head > 0) {
        memmove (s->idx, s->idx + s->head, s->count * sizeof *s->idx);
        s->head = 0;
        if (s->count < s->cap)
            return 0;
    }
    size_t cap = s->cap ? s->cap * 2 : 64;
    if (cap > SIZE_MAX / sizeof *s->idx)
        return -VG_ENOMEM;
    s_entry_t *p = realloc (s->idx, cap * sizeof *p);
    if (!p)
        return -VG_ENOMEM;
    s->idx = p;
    s->cap = cap;
    return 0;
}

static int
s_entry_cmp (const void *a, const void *b)
{
    uint64_t x = ((const s_entry_t *) a)->seq, y = ((const s_entry_t *) b)->seq;
    return x < y ? -1 : x > y;
}

/* Remove the live entry at absolute position pos and its file.  If the file stood in for a
 * seq the state file does not yet cover, persist next_seq first so the seq is never reused.
 * Returns 0 or -VG_EIO (nothing removed). */
static int
s_forget (vg_spool_t *s, size_t pos)
{
    uint64_t seq = s->idx[pos].seq;
    if (seq >= s->persisted_next) {
        int rc = s_state_write (s, s->acked_seq, s->next_seq);
        if (rc < 0)
            return -VG_EIO;
    }
    char name[S_NAME_MAX];
    s_batch_name (name, sizeof name, seq, false);
    s_unlink (s, name);
    s->bytes -= S_HDR_LEN + (uint64_t) s->idx[pos].len;
    size_t end = s->head + s->count;
    if (pos == s->head)
        s->head++;
    else
        memmove (s->idx + pos, s->idx + pos + 1, (end - pos - 1) * sizeof *s->idx);
    s->count--;
    if (s->count == 0)
        s->head = 0;
    return 0;
}

/* ---- open ---- */

/* Pass 1: names only.  Highest and lowest batch seq named on disk (valid or not) and, when
 * the state is lost, an epoch recovered from a readable batch header. */
static void
s_scan_names (vg_spool_t *s, DIR *d, bool want_epoch, uint64_t *min_seq, uint64_t *max_seq,
              uint64_t *epoch)
{
    struct dirent *de;
    while ((de = readdir (d)) != NULL) {
        uint64_t seq = 0;
        if (s_classify (de->d_name, &seq) != S_NAME_BATCH)
            continue;
        if (*min_seq == 0 || seq < *min_seq)
            *min_seq = seq;
        if (seq > *max_seq)
            *max_seq = seq;
        uint64_t e = 0;
        if (want_epoch && *epoch == 0 && s_peek_epoch (s, seq, &e) == 0)
            *epoch = e;
    }
}

/* Pass 2: remove temp files and acked batches, verify the rest and index them. */
static int
s_scan_files (vg_spool_t *s, DIR *d)
{
    struct dirent *de;
    while ((de = readdir (d)) != NULL) {
        uint64_t seq = 0;
        s_name_kind_t kind = s_classify (de->d_name, &seq);
        switch (kind) {
        case S_NAME_OURS:
            continue;
        case S_NAME_OTHER:
            s->st.ignored_files++;
            /* The agent keeps its inputs' progress records ("input-*") beside the batches. */
            if (strncmp (de->d_name, "input-", 6) != 0)
                vg_log_rl (&s->rl, VG_LOG_WARN, "spool", "%s: ignoring foreign entry '%s'", s->dir, de->d_name);
            continue;
        case S_NAME_STATE_TMP:
            s_unlink (s, de->d_name);
            continue;
        case S_NAME_BATCH_TMP:
            /* A put that never completed: its seq was never handed to the sender. */
            s_unlink (s, de->d_name);
            s->st.corrupt_dropped++;
            continue;
        case S_NAME_BATCH:
            break;
        }
        if (seq <= s->acked_seq) {
            s_unlink (s, de->d_name); /* an ack interrupted by a crash */
            continue;
        }
        uint32_t len = 0;
        int rc = s_load (s, seq, NULL, &len);
        if (rc == -VG_ECRC) {
            vg_log_rl (&s->rl, VG_LOG_WARN, "spool", "%s/%s: torn or corrupt, removed", s->dir, de->d_name);
            s_unlink (s, de->d_name);
            s->st.corrupt_dropped++;
            continue;
        }
        if (rc == -VG_ENOTFOUND)
            continue;
        if (rc < 0) {
            /* Unreadable now, maybe readable later: leave it, its seq stays covered. */
            s->st.io_errors++;
            vg_log (VG_LOG_WARN, "spool", "%s/%s: unreadable, skipped: %s", s->dir, de->d_name,
                    vg_strerror (rc));
            continue;
        }
        rc = s_index_reserve (s);
        if (rc < 0)
            return rc;
        struct stat sb;
        int64_t put_ms = 0;
        if (fstatat (s->dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
            put_ms = (int64_t) sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
        s->idx[s->head + s->count] = (s_entry_t) { seq, len, put_ms };
        s->count++;
        s->bytes += S_HDR_LEN + (uint64_t) len;
    }
    if (s->count > 1)
        qsort (s->idx + s->head, s->count, sizeof *s->idx, s_entry_cmp);
    return 0;
}

static int
s_open_dir (vg_spool_t *s)
{
    if (vg_private_mkdirs (s->dir) < 0) {
        int e = errno;
        vg_log (VG_LOG_ERROR, "spool", "%s: cannot create: %s", s->dir, strerror (e));
        return e == ENOTDIR ? -VG_ECONFIG : e == ENOMEM ? -VG_ENOMEM : -VG_EIO;
    }
    if (vg_private_is_loose (s->dir))
        vg_log (VG_LOG_WARN, "spool", "%s is accessible to group or others (batches hold telemetry): chmod 700 %s",
                s->dir, s->dir);
    s->dirfd = open (s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->dirfd < 0) {
        int e = errno;
        vg_log (VG_LOG_ERROR, "spool", "%s: cannot open: %s", s->dir, strerror (e));
        return e == ENOTDIR ? -VG_ECONFIG : -VG_EIO;
    }
    s->lockfd = openat (s->dirfd, S_LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (s->lockfd < 0) {
        vg_log (VG_LOG_ERROR, "spool", "%s/%s: %s", s->dir, S_LOCK_NAME, strerror (errno));
        return -VG_EIO;
    }
    struct flock fl;
    memset (&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl (s->lockfd, F_SETLK, &fl) < 0) {
        int e = errno;
        vg_log (VG_LOG_ERROR, "spool", "%s: %s", s->dir,
                (e == EACCES || e == EAGAIN) ? "in use by another process" : strerror (e));
        return (e == EACCES || e == EAGAIN) ? -VG_EAGAIN : -VG_EIO;
    }
    return 0;
}

static int
s_load_all (vg_spool_t *s)
{
    uint64_t epoch = 0, acked = 0, next = 1;
    int src = s_state_read (s, &epoch, &acked, &next);
    if (src == -VG_EIO) {
        vg_log (VG_LOG_ERROR, "spool", "%s/%s: unreadable: %s", s->dir, S_STATE_NAME, strerror (errno));
        return -VG_EIO;
    }
    int dfd = dup (s->dirfd);
    DIR *d = dfd >= 0 ? fdopendir (dfd) : NULL;
    if (!d) {
        vg_log (VG_LOG_ERROR, "spool", "%s: cannot list: %s", s->dir, strerror (errno));
        if (dfd >= 0)
            close (dfd);
        return -VG_EIO;
    }
    uint64_t min_seq = 0, max_seq = 0, found_epoch = 0;
    s_scan_names (s, d, src < 0, &min_seq, &max_seq, &found_epoch);
    if (src < 0) {
        acked = 0;
        next = 1;
        epoch = found_epoch ? found_epoch : s_random_epoch ();
        if (min_seq > 0) {
            /* Batches without state: keep them, resume their epoch, treat all as unacked. */
            acked = min_seq - 1;
            s->st.state_recovered = 1;
            vg_log (VG_LOG_WARN, "spool", "%s: state file %s; recovered from batch files (epoch %s)",
                    s->dir, src == -VG_ENOTFOUND ? "missing" : "corrupt",
                    found_epoch ? "kept" : "new");
        } else if (src == -VG_ECRC) {
            vg_log (VG_LOG_WARN, "spool", "%s: corrupt state file and no batches: new epoch", s->dir);
        }
    }
    s->epoch = epoch;
    s->acked_seq = acked;
    if (next < max_seq + 1)
        next = max_seq + 1; /* every named file's seq may have been sent */
    s->next_seq = next;
    /* Persist before deleting anything, so removed files' seqs stay covered. */
    int rc = s_state_write (s, s->acked_seq, s->next_seq);
    if (rc < 0) {
        closedir (d);
        return -VG_EIO;
    }
    rewinddir (d);
    rc = s_scan_files (s, d);
    closedir (d);
    if (rc < 0)
        return rc;
    if (s->st.corrupt_dropped > 0)
        vg_log (VG_LOG_WARN, "spool", "%s: removed %llu torn or corrupt file(s)", s->dir,
                (unsigned long long) s->st.corrupt_dropped);
    return 0;
}

vg_spool_t *
vg_spool_new (const vg_spool_cfg_t *cfg, int *err)
{
    int rc = -VG_EINVAL;
    vg_spool_t *s = NULL;
    if (!cfg || !cfg->dir || !cfg->dir[0])
        goto fail;
    rc = -VG_ENOMEM;
    s = calloc (1, sizeof *s);
    if (!s)
        goto fail;
    s->dirfd = -1;
    s->lockfd = -1;
    s->max_bytes = cfg->max_bytes ? cfg->max_bytes : S_DEFAULT_MAX_BYTES;
    s->max_batches = cfg->max_batches ? cfg->max_batches : S_DEFAULT_MAX_BATCHES;
    s->fsync = cfg->fsync;
    s->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 5);
    s->dir = strdup (cfg->dir);
    s->iobuf = malloc (S_IOBUF);
    if (!s->dir || !s->iobuf)
        goto fail;
    rc = s_open_dir (s);
    if (rc < 0)
        goto fail;
    rc = s_load_all (s);
    if (rc < 0)
        goto fail;
    if (err)
        *err = 0;
    return s;
fail:
    vg_spool_destroy (&s);
    if (err)
        *err = rc;
    return NULL;
}

void
vg_spool_destroy (vg_spool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_spool_t *s = *self_p;
    if (s->lockfd >= 0)
        close (s->lockfd);
    if (s->dirfd >= 0)
        close (s->dirfd);
    free (s->idx);
    free (s->iobuf);
    free (s->dir);
    free (s);
    *self_p = NULL;
}

uint64_t
vg_spool_epoch (const vg_spool_t *s)
{
    return s->epoch;
}

uint64_t
vg_spool_next_seq (const vg_spool_t *s)
{
    return s->next_seq;
}

int
vg_spool_put (vg_spool_t *s, uint64_t seq, const void *data, size_t len)
{
    if (seq != s->next_seq || (len > 0 && !data))
        return -VG_EINVAL;
    if (seq == UINT64_MAX) {
        /* No seq left (only a forged state file gets here): next_seq would wrap to 0 and
         * hand out seqs again. */
        s->st.full_rejects++;
        return -VG_EFULL;
    }
    if (len > UINT32_MAX || S_HDR_LEN + (uint64_t) len > s->max_bytes)
        return -VG_ETOOBIG;
    uint64_t size = S_HDR_LEN + (uint64_t) len;
    if (s->count >= s->max_batches || s->bytes + size > s->max_bytes) {
        s->st.full_rejects++;
        return -VG_EFULL;
    }
    int rc = s_index_reserve (s);
    if (rc < 0)
        return rc;
    uint8_t h[S_HDR_LEN];
    s_frame_begin (h, S_MAGIC, S_HDR_LEN, s->epoch);
    vg_le64 (h + 16, seq);
    vg_le32 (h + 24, (uint32_t) len);
    vg_le32 (h + 28, vg_crc32c (0, data, len));
    vg_le32 (h + 32, 0);
    s_frame_seal (h, S_HDR_LEN);
    char tmp[S_NAME_MAX], name[S_NAME_MAX];
    s_batch_name (tmp, sizeof tmp, seq, true);
    s_batch_name (name, sizeof name, seq, false);
    rc = s_write_atomic (s, tmp, name, h, sizeof h, data, len);
    if (rc < 0)
        return rc;
    s->idx[s->head + s->count] = (s_entry_t) { seq, (uint32_t) len, vg_clock_now_ms () };
    s->count++;
    s->bytes += size;
    s->fs_free = s->fs_free > size ? s->fs_free - size : 0;
    s->next_seq = seq + 1;
    s->st.put_total++;
    return 0;
}

int
vg_spool_get (vg_spool_t *s, uint64_t seq, vg_buf_t *out)
{
    size_t pos = s_lower_bound (s, seq);
    if (pos == s->head + s->count || s->idx[pos].seq != seq)
        return -VG_ENOTFOUND;
    uint32_t len = 0;
    int rc = s_load (s, seq, out, &len);
    if (rc == 0 && len != s->idx[pos].len)
        rc = -VG_ECRC; /* replaced behind our back */
    if (rc == -VG_ECRC || rc == -VG_ENOTFOUND) {
        vg_log_rl (&s->rl, VG_LOG_WARN, "spool", "%s: batch %llu %s, removed", s->dir,
                   (unsigned long long) seq, rc == -VG_ECRC ? "corrupt" : "vanished");
        if (out)
            vg_buf_reset (out);
        if (s_forget (s, pos) < 0)
            return -VG_EIO;
        s->st.corrupt_dropped++;
        return -VG_ECRC;
    }
    if (rc == -VG_EIO)
        s->st.io_errors++;
    return rc;
}

int
vg_spool_ack (vg_spool_t *s, uint64_t upto_seq)
{
    if (upto_seq <= s->acked_seq)
        return 0;
    if (upto_seq >= s->next_seq)
        return -VG_ERANGE;
    /* State first: after a crash between the two steps, open deletes files <= acked_seq. */
    int rc = s_state_write (s, upto_seq, s->next_seq);
    if (rc < 0)
        return -VG_EIO;
    s->acked_seq = upto_seq;
    char name[S_NAME_MAX];
    while (s->count > 0 && s->idx[s->head].seq <= upto_seq) {
        s_batch_name (name, sizeof name, s->idx[s->head].seq, false);
        s_unlink (s, name);
        s->bytes -= S_HDR_LEN + (uint64_t) s->idx[s->head].len;
        s->head++;
        s->count--;
        s->st.ack_total++;
    }
    if (s->count == 0)
        s->head = 0;
    return 0;
}

int
vg_spool_drop (vg_spool_t *s, uint64_t seq)
{
    size_t pos = s_lower_bound (s, seq);
    if (pos == s->head + s->count || s->idx[pos].seq != seq)
        return -VG_ENOTFOUND;
    int rc = s_forget (s, pos);
    if (rc < 0)
        return rc;
    s->st.drop_total++;
    return 0;
}

uint64_t
vg_spool_first (const vg_spool_t *s)
{
    return s->count ? s->idx[s->head].seq : 0;
}

bool
vg_spool_has_room (vg_spool_t *s, size_t len, uint32_t n)
{
    uint64_t size = (S_HDR_LEN + (uint64_t) len) * n;
    if (s->count + n > s->max_batches || s->bytes + size > s->max_bytes)
        return false;
    /* The disk may fill before the limit: look again when the last look is old or tight. */
    int64_t now = vg_clock_mono_ms ();
    if (now - s->fs_at_ms >= S_FS_EVERY_MS || s->fs_free < size + S_FS_RESERVE) {
        struct statvfs v;
        if (fstatvfs (s->dirfd, &v) == 0)
            s->fs_free = (uint64_t) v.f_bavail * v.f_frsize;
        else
            s->fs_free = UINT64_MAX; /* unknown: the limit alone decides */
        s->fs_at_ms = now;
    }
    return s->fs_free >= size + S_FS_RESERVE;
}

bool
vg_spool_holds (const vg_spool_t *s, uint64_t seq)
{
    if (seq == 0)
        return false;
    if (seq <= s->acked_seq)
        return true;
    size_t pos = s_lower_bound (s, seq);
    return pos < s->head + s->count && s->idx[pos].seq == seq;
}

uint64_t
vg_spool_after (const vg_spool_t *s, uint64_t seq)
{
    if (seq == UINT64_MAX)
        return 0;
    size_t pos = s_lower_bound (s, seq + 1);
    return pos < s->head + s->count ? s->idx[pos].seq : 0;
}

void
vg_spool_stats (const vg_spool_t *s, vg_spool_stats_t *st)
{
    *st = s->st;
    st->batches = s->count;
    st->bytes = s->bytes;
    st->first_seq = vg_spool_first (s);
    st->last_seq = s->count ? s->idx[s->head + s->count - 1].seq : 0;
    st->acked_seq = s->acked_seq;
    st->next_seq = s->next_seq;
    st->epoch = s->epoch;
    st->oldest_ms = s->count ? s->idx[s->head].put_ms : 0;
    st->max_bytes = s->max_bytes;
    st->max_batches = s->max_batches;
}
