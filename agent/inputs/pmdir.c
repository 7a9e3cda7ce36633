/* pmdir.c - watched directory of 3GPP PM XML files (TS 32.435 / TS 28.532).
 *
 * Every `interval` the directory is scanned; each new regular file whose name matches
 * `pattern` (and does not start with '.') and that has not changed for PMDIR_SETTLE_MS is
 * read (at most max_file_size bytes), decoded once, then moved to done_dir, or, without
 * done_dir, remembered by (name, size, mtime) so it is not decoded again until restart.
 * Files are read in data-time order: a scan lists the new files, sorts them by their
 * measurement begin time (from the 3GPP TS 32.432 file name "A20261101.0015+0100-...",
 * else the beginTime in the file's header, else mtime; ties by name), and the list is
 * worked off PMDIR_BURST files per turn, so a backlog neither stalls the agent's loop nor
 * reaches the collector in directory order.  With `once` the input is done when a scan
 * finds nothing new and nothing still being written. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/array.h"
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
    bool again;                  /* files left or still settling: rescan soon */
    bool once, finished;         /* once: done after a scan with nothing new or unsettled */
    struct s_pend {
        char *name;
        int64_t begin_ms;
    } *pend;                     /* files of the last scan, in data-time order */
    size_t npend, ipend, cappend;
    vg_u64map_t seen;            /* hash(name, size, mtime) of files processed (no done_dir) */
    vg_buf_t buf;                /* file contents, reused */
    vg_decode_stats_t st;
    uint64_t files, bytes, too_big, read_errors, move_errors, scans;
    vg_ratelimit_t rl;
} s_pmdir_t;

static const char *const s_keys[] = { "type",          "dir",  "pattern", "interval", "done_dir",
                                      "max_file_size", "once", "site",    NULL };

static void
s_pend_clear (s_pmdir_t *d)
{
    for (size_t i = 0; i < d->npend; i++)
        free (d->pend[i].name);
    d->npend = d->ipend = 0;
}

static void
s_destroy (void **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_pmdir_t *d = *self_p;
    s_pend_clear (d);
    free (d->pend);
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
    s_pmdir_t *d = vg_input_calloc (sizeof *d, err, errlen);
    if (!d)
        return NULL;
    d->dir = c->dir;
    d->pattern = c->pattern && c->pattern[0] ? c->pattern : "*";
    d->done_dir = c->done_dir && c->done_dir[0] ? c->done_dir : NULL;
    d->max_size = c->max_file_size < VG_PM3GPP_MAX_XML ? c->max_file_size : VG_PM3GPP_MAX_XML;
    d->interval_ms = c->interval_ms;
    d->once = c->once;
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

static bool
s_digits (const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit ((unsigned char) p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

/* Begin time of a TS 32.432 file name: <A-D>YYYYMMDD.HHMM[(+|-)HHMM]-..., UTC ms, or -1.
 * Without an offset the time is taken as UTC. */
static int64_t
s_name_begin (const char *name)
{
    int y, mo, da, hh, mi, oh = 0, om = 0;
    if (!strchr ("ABCD", name[0]) || !s_digits (name + 1, 4, &y) || !s_digits (name + 5, 2, &mo) ||
        !s_digits (name + 7, 2, &da) || name[9] != '.' || !s_digits (name + 10, 2, &hh) ||
        !s_digits (name + 12, 2, &mi) || mo < 1 || mo > 12 || da < 1 || da > 31 || hh > 23 || mi > 59)
        return -1;
    int sign = 0;
    if ((name[14] == '+' || name[14] == '-') && s_digits (name + 15, 2, &oh) && s_digits (name + 17, 2, &om))
        sign = name[14] == '+' ? 1 : -1;
    int64_t t = (vg_clock_days_from_civil (y, mo, da) * 86400 + hh * 3600 + mi * 60) * 1000;
    return t - sign * (int64_t) (oh * 3600 + om * 60) * 1000;
}

/* beginTime="..." in the first 4 KiB of the file (the measCollec header), UTC ms, or -1. */
static int64_t
s_content_begin (const char *path)
{
    char head[4097];
    FILE *f = fopen (path, "rb");
    if (!f)
        return -1;
    size_t n = fread (head, 1, sizeof head - 1, f);
    fclose (f);
    head[n] = '\0';
    const char *p = strstr (head, "beginTime=");
    if (!p || (p[10] != '"' && p[10] != '\''))
        return -1;
    char q = p[10], val[64];
    size_t i = 0;
    for (p += 11; *p && *p != q && i + 1 < sizeof val; p++)
        val[i++] = *p;
    val[i] = '\0';
    int64_t t;
    return vg_clock_parse (val, 0, &t) == 0 ? t : -1;
}

static int
s_pend_cmp (const void *a, const void *b)
{
    const struct s_pend *x = a, *y = b;
    if (x->begin_ms != y->begin_ms)
        return x->begin_ms < y->begin_ms ? -1 : 1;
    return strcmp (x->name, y->name);
}

/* List the new, settled files in data-time order into d->pend. */
static void
s_scan (s_pmdir_t *d, int64_t now)
{
    DIR *dir = opendir (d->dir);
    d->scans++;
    d->again = false;
    s_pend_clear (d);
    if (!dir) {
        d->read_errors++;
        vg_log_rl (&d->rl, VG_LOG_WARN, "input", "pmdir: cannot open %s: %s", d->dir, strerror (errno));
        return;
    }
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
        if (vg_array_reserve ((void **) &d->pend, &d->cappend, d->npend + 1, sizeof *d->pend) < 0)
            break;
        int64_t b = s_name_begin (name);
        if (b < 0)
            b = s_content_begin (path);
        if (b < 0)
            b = (int64_t) sb.st_mtime * 1000;
        d->pend[d->npend].name = strdup (name);
        if (!d->pend[d->npend].name)
            break;
        d->pend[d->npend].begin_ms = b;
        d->npend++;
    }
    closedir (dir);
    if (d->npend > 1) /* qsort wants a non-NULL base even for 0 elements */
        qsort (d->pend, d->npend, sizeof *d->pend, s_pend_cmp);
}

/* Work off up to PMDIR_BURST files of the list. */
static void
s_work (s_pmdir_t *d, int64_t now, const vg_sink_t *sink)
{
    for (int done = 0; d->ipend < d->npend && done < PMDIR_BURST; d->ipend++) {
        const char *name = d->pend[d->ipend].name;
        char path[4096];
        int k = snprintf (path, sizeof path, "%s/%s", d->dir, name);
        struct stat sb;
        if (k <= 0 || (size_t) k >= sizeof path || stat (path, &sb) < 0 || !S_ISREG (sb.st_mode))
            continue; /* gone meanwhile */
        done++;
        if (s_process (d, name, path, &sb, now, sink))
            s_finish (d, name, path, &sb);
        else
            d->again = true; /* grew since the scan: the next scan takes it again */
    }
}

static int
s_service (void *self, int64_t now, int64_t mono, const vg_sink_t *sink)
{
    s_pmdir_t *d = self;
    if (d->ipend < d->npend) { /* a listed backlog: keep going, one burst per turn */
        s_work (d, now, sink);
        d->next_scan_mono = d->ipend < d->npend ? mono : mono + PMDIR_SETTLE_MS / 4;
        return 0;
    }
    if (mono < d->next_scan_mono || d->finished)
        return 0;
    s_scan (d, now);
    if (d->once && d->npend == 0 && !d->again) {
        d->finished = true;
        return 0;
    }
    s_work (d, now, sink);
    if (d->ipend < d->npend)
        d->next_scan_mono = mono;
    else
        d->next_scan_mono = mono + (d->again || d->once ? (d->interval_ms < PMDIR_SETTLE_MS ? d->interval_ms
                                                                                         : PMDIR_SETTLE_MS / 4)
                                                        : d->interval_ms);
    return 0;
}

static int64_t
s_next_wake (const void *self, int64_t mono)
{
    const s_pmdir_t *d = self;
    if (d->finished)
        return 3600000;
    return d->next_scan_mono - mono;
}

static bool
s_done (const void *self)
{
    const s_pmdir_t *d = self;
    return d->finished;
}

#define C(f) VG_INPUT_COUNTER (s_pmdir_t, f)
static const vg_input_counter_t s_counters[] = {
    C (scans), C (files), C (bytes), C (too_big), C (read_errors), C (move_errors),
};
#undef C

const vg_input_ops_t vg_in_pmdir_ops = {
    .name = "pmdir",
    .summary = "watched directory of 3GPP PM XML files (measCollecFile / measDataFile)",
    .keys = s_keys,
    .site_prefix = true,
    .create = s_create,
    .destroy = s_destroy,
    .service = s_service,
    .next_wake = s_next_wake,
    .done = s_done,
    .stats_at = VG_INPUT_STATS_AT (s_pmdir_t, st),
    .counters = s_counters,
    .ncounters = sizeof s_counters / sizeof s_counters[0],
};
