/* spool.c - on-disk spool of unacknowledged batches: one checksummed file per batch plus a
 * small state file (epoch, acked_seq, next_seq), both written as temp + rename (the files
 * themselves: spool_file.c).
 *
 * Invariant: every seq < next_seq that is not <= acked_seq is covered either by a batch file
 * on disk or by the persisted next_seq, so a crash can never make a seq be handed out twice.
 * The in-memory index holds (seq, payload length, write time) only, sorted by seq. */
#include "agent/spool_int.h"

#include "common/clock.h"
#include "common/err.h"
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
#include <unistd.h>

#define S_DEFAULT_MAX_BYTES (256u * 1024 * 1024)
#define S_FS_EVERY_MS 100              /* free disk space is looked up at most this often ... */
#define S_FS_RESERVE (256u * 1024)     /* ... and this much is left for state files and renames */
#define S_DEFAULT_MAX_BATCHES 65536u

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
    vg_spool__entry_t *p = realloc (s->idx, cap * sizeof *p);
    if (!p)
        return -VG_ENOMEM;
    s->idx = p;
    s->cap = cap;
    return 0;
}

static int
s_entry_cmp (const void *a, const void *b)
{
    uint64_t x = ((const vg_spool__entry_t *) a)->seq, y = ((const vg_spool__entry_t *) b)->seq;
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
        int rc = vg_spool__state_write (s, s->acked_seq, s->next_seq);
        if (rc < 0)
            return -VG_EIO;
    }
    vg_spool__batch_unlink (s, seq);
    s->bytes -= VG_SPOOL__HDR_LEN + (uint64_t) s->idx[pos].len;
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
        if (vg_spool__classify (de->d_name, &seq) != VG_SPOOL__NAME_BATCH)
            continue;
        if (*min_seq == 0 || seq < *min_seq)
            *min_seq = seq;
        if (seq > *max_seq)
            *max_seq = seq;
        uint64_t e = 0;
        if (want_epoch && *epoch == 0 && vg_spool__peek_epoch (s, seq, &e) == 0)
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
        vg_spool__name_kind_t kind = vg_spool__classify (de->d_name, &seq);
        switch (kind) {
        case VG_SPOOL__NAME_OURS:
            continue;
        case VG_SPOOL__NAME_OTHER:
            s->st.ignored_files++;
            /* The agent keeps its inputs' progress records ("input-*") beside the batches. */
            if (strncmp (de->d_name, "input-", 6) != 0)
                vg_log_rl (&s->rl, VG_LOG_WARN, "spool", "%s: ignoring foreign entry '%s'", s->dir, de->d_name);
            continue;
        case VG_SPOOL__NAME_STATE_TMP:
            vg_spool__unlink (s, de->d_name);
            continue;
        case VG_SPOOL__NAME_BATCH_TMP:
            /* A put that never completed: its seq was never handed to the sender. */
            vg_spool__unlink (s, de->d_name);
            s->st.corrupt_dropped++;
            continue;
        case VG_SPOOL__NAME_BATCH:
            break;
        }
        if (seq <= s->acked_seq) {
            vg_spool__unlink (s, de->d_name); /* an ack interrupted by a crash */
            continue;
        }
        uint32_t len = 0;
        int rc = vg_spool__load (s, seq, NULL, &len);
        if (rc == -VG_ECRC) {
            vg_log_rl (&s->rl, VG_LOG_WARN, "spool", "%s/%s: torn or corrupt, removed", s->dir, de->d_name);
            vg_spool__unlink (s, de->d_name);
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
        s->idx[s->head + s->count] = (vg_spool__entry_t) { seq, len, put_ms };
        s->count++;
        s->bytes += VG_SPOOL__HDR_LEN + (uint64_t) len;
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
    s->lockfd = openat (s->dirfd, VG_SPOOL__LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (s->lockfd < 0) {
        vg_log (VG_LOG_ERROR, "spool", "%s/%s: %s", s->dir, VG_SPOOL__LOCK_NAME, strerror (errno));
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
    int src = vg_spool__state_read (s, &epoch, &acked, &next);
    if (src == -VG_EIO) {
        vg_log (VG_LOG_ERROR, "spool", "%s/%s: unreadable: %s", s->dir, VG_SPOOL__STATE_NAME, strerror (errno));
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
        epoch = found_epoch ? found_epoch : vg_spool__random_epoch ();
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
    int rc = vg_spool__state_write (s, s->acked_seq, s->next_seq);
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
    s->iobuf = malloc (VG_SPOOL__IOBUF);
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
    if (len > UINT32_MAX || VG_SPOOL__HDR_LEN + (uint64_t) len > s->max_bytes)
        return -VG_ETOOBIG;
    uint64_t size = VG_SPOOL__HDR_LEN + (uint64_t) len;
    if (s->count >= s->max_batches || s->bytes + size > s->max_bytes) {
        s->st.full_rejects++;
        return -VG_EFULL;
    }
    int rc = s_index_reserve (s);
    if (rc < 0)
        return rc;
    rc = vg_spool__batch_write (s, seq, data, len);
    if (rc < 0)
        return rc;
    s->idx[s->head + s->count] = (vg_spool__entry_t) { seq, (uint32_t) len, vg_clock_now_ms () };
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
    int rc = vg_spool__load (s, seq, out, &len);
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
    int rc = vg_spool__state_write (s, upto_seq, s->next_seq);
    if (rc < 0)
        return -VG_EIO;
    s->acked_seq = upto_seq;
    while (s->count > 0 && s->idx[s->head].seq <= upto_seq) {
        vg_spool__batch_unlink (s, s->idx[s->head].seq);
        s->bytes -= VG_SPOOL__HDR_LEN + (uint64_t) s->idx[s->head].len;
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
    uint64_t size = (VG_SPOOL__HDR_LEN + (uint64_t) len) * n;
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
