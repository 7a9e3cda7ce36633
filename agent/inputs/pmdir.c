/* pmdir.c - watched directory of 3GPP PM XML files (TS 32.435 / TS 28.532).
 *
 * Every `interval` the directory is scanned; each new regular file whose name matches
 * `pattern` (and does not start with '.') and that has not changed for PMDIR_SETTLE_MS is
 * read (at most max_file_size bytes), decoded once, then moved to done_dir, or, without
 * done_dir, remembered by (name, size, mtime) so it is not decoded again until restart.
 * At most PMDIR_BURST files per turn, so a backlog does not stall the agent's loop. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/hash.h"
#include "agent/input.h"
#include "common/log.h"
#include "decode/pm3gpp.h"
#include "common/u64map.h"

#define PMDIR_BURST 16
#define PMDIR_SETTLE_MS 1000     /* a file modified more recently may still be written */
#define PMDIR_MAX_REMEMBERED 1000000

typedef struct {
    const char *dir, *pattern, *done_dir;
    uint64_t max_size;
    int64_t interval_ms;
    int64_t next_scan_mono;
    bool again;                  /* the last scan stopped at PMDIR_BURST: rescan soon */
    vg_u64map_t seen;            /* hash(name, size, mtime) of files processed (no done_dir) */
    vg_buf_t buf;                /* file contents, reused */
    vg_decode_stats_t st;
    uint64_t files, bytes, too_big, read_errors, move_errors, scans;
    vg_ratelimit_t rl;
} s_pmdir_t;

static const char *const s_keys[] = { "type", "dir", "pattern", "interval", "done_dir", "max_file_size", "site", NULL };

static void
s_destroy (void **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_pmdir_t *d = *self_p;
    vg_u64map_free (&d->seen);
    vg_buf_free (&d->buf);
    free (d);
    *self_p = NULL;
}

static void *
s_create (const vg_input_env_t *env, char *err, size_t errlen)
{
    const vg_input_cfg_t *c = env->cfg;
    struct stat sb;
    if (!c->dir || !c->dir[0] || stat (c->dir, &sb) < 0 || !S_ISDIR (sb.st_mode)) {
        snprintf (err, errlen, "dir '%s' is not a directory", c->dir ? c->dir : "");
        return NULL;
    }
    if (c->done_dir && c->done_dir[0] && (stat (c->done_dir, &sb) < 0 || !S_ISDIR (sb.st_mode))) {
        snprintf (err, errlen, "done_dir '%s' is not a directory", c->done_dir);
        return NULL;
    }
    s_pmdir_t *d = calloc (1, sizeof *d);
    if (!d) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    d->dir = c->dir;
    d->pattern = c->pattern && c->pattern[0] ? c->pattern : "*";
    d->done_dir = c->done_dir && c->done_dir[0] ? c->done_dir : NULL;
    d->max_size = c->max_file_size < VG_PM3GPP_MAX_XML ? c->max_file_size : VG_PM3GPP_MAX_XML;
    d->interval_ms = c->interval_ms;
    d->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 3);
    return d;
}

static uint64_t
s_key (const char *name, const struct stat *sb)
{
    uint64_t meta[2] = { (uint64_t) sb->st_size, (uint64_t) sb->st_mtime };
    uint64_t k = vg_hash64 (meta, sizeof meta, vg_hash64 (name, strlen (name), 0x9d1));
    return k ? k : 1;
}

static int
s_read_file (s_pmdir_t *d, const char *path, size_t size)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return -VG_EIO;
    vg_buf_reset (&d->buf);
    int rc = vg_buf_reserve (&d->buf, size + 1);
    if (rc == 0) {
        size_t n = fread (d->buf.data, 1, size + 1, f);
        if (ferror (f))
            rc = -VG_EIO;
        else if (n > size)
            rc = -VG_ETOOBIG; /* grew since stat: it is still being written */
        d->buf.len = n;
    }
    fclose (f);
    return rc;
}

/* Process one file; returns true when it counts as done (remember or move it). */
static bool
s_process (s_pmdir_t *d, const char *name, const char *path, const struct stat *sb, int64_t now,
           const vg_sink_t *sink)
{
    if ((uint64_t) sb->st_size > d->max_size) {
        d->too_big++;
        vg_decode_fail (&d->st, -VG_ETOOBIG, "%s: %lld bytes exceeds max_file_size", name, (long long) sb->st_size);
        return true;
    }
    int rc = s_read_file (d, path, (size_t) sb->st_size);
    if (rc == -VG_ETOOBIG)
        return false; /* try again once it settles */
    if (rc < 0) {
        d->read_errors++;
        vg_decode_fail (&d->st, rc, "%s: cannot read: %s", name, strerror (errno));
        return true;
    }
    d->files++;
    d->bytes += d->buf.len;
    vg_decode_ctx_t ctx = { name, now };
    vg_pm3gpp_decode (d->buf.data, d->buf.len, &ctx, sink, &d->st);
    return true;
}

static void
s_finish (s_pmdir_t *d, const char *name, const char *path, const struct stat *sb)
{
    if (d->done_dir) {
        char to[4096];
        int k = snprintf (to, sizeof to, "%s/%s", d->done_dir, name);
        if (k > 0 && (size_t) k < sizeof to && rename (path, to) == 0)
            return;
        d->move_errors++;
        vg_log_rl (&d->rl, VG_LOG_WARN, "input", "pmdir: cannot move %s to %s: %s (remembered instead)", path,
                   d->done_dir, strerror (errno));
    }
    if (d->seen.count < PMDIR_MAX_REMEMBERED)
        vg_u64map_put (&d->seen, s_key (name, sb), 1);
}

static void
s_scan (s_pmdir_t *d, int64_t now, const vg_sink_t *sink)
{
    DIR *dir = opendir (d->dir);
    d->scans++;
    d->again = false;
    if (!dir) {
        d->read_errors++;
        vg_log_rl (&d->rl, VG_LOG_WARN, "input", "pmdir: cannot open %s: %s", d->dir, strerror (errno));
        return;
    }
    int done = 0;
    struct dirent *e;
    while ((e = readdir (dir)) != NULL) {
        const char *name = e->d_name;
        if (name[0] == '.' || fnmatch (d->pattern, name, 0) != 0)
            continue;
        char path[4096];
        int k = snprintf (path, sizeof path, "%s/%s", d->dir, name);
        struct stat sb;
        if (k <= 0 || (size_t) k >= sizeof path || stat (path, &sb) < 0 || !S_ISREG (sb.st_mode))
            continue;
        uint32_t v;
        if (vg_u64map_get (&d->seen, s_key (name, &sb), &v))
            continue;
        if ((int64_t) sb.st_mtime * 1000 > now - PMDIR_SETTLE_MS) {
            d->again = true;
            continue;
        }
        if (done >= PMDIR_BURST) {
            d->again = true;
            break;
        }
        done++;
        if (s_process (d, name, path, &sb, now, sink))
            s_finish (d, name, path, &sb);
        else
            d->again = true;
    }
    closedir (dir);
}

static int
s_service (void *self, int64_t now, int64_t mono, const vg_sink_t *sink)
{
    s_pmdir_t *d = self;
    if (mono < d->next_scan_mono)
        return 0;
    s_scan (d, now, sink);
    d->next_scan_mono = mono + (d->again ? (d->interval_ms < PMDIR_SETTLE_MS ? d->interval_ms : PMDIR_SETTLE_MS / 4)
                                         : d->interval_ms);
    return 0;
}

static int64_t
s_next_wake (const void *self, int64_t mono)
{
    const s_pmdir_t *d = self;
    return d->next_scan_mono - mono;
}

static const vg_decode_stats_t *
s_stats (const void *self)
{
    const s_pmdir_t *d = self;
    return &d->st;
}

static void
s_describe (const void *self, char *buf, size_t size)
{
    const s_pmdir_t *d = self;
    snprintf (buf, size, "scans=%llu files=%llu bytes=%llu too_big=%llu read_errors=%llu move_errors=%llu",
              (unsigned long long) d->scans, (unsigned long long) d->files, (unsigned long long) d->bytes,
              (unsigned long long) d->too_big, (unsigned long long) d->read_errors,
              (unsigned long long) d->move_errors);
}

const vg_input_ops_t vg_in_pmdir_ops = {
    .name = "pmdir",
    .summary = "watched directory of 3GPP PM XML files (measCollecFile / measDataFile)",
    .keys = s_keys,
    .site_prefix = true,
    .create = s_create,
    .destroy = s_destroy,
    .service = s_service,
    .next_wake = s_next_wake,
    .stats = s_stats,
    .describe = s_describe,
};
