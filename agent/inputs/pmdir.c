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
 * finds nothing new and nothing still being written.
 *
 * Exactly once across agent restarts: a file is moved (or remembered) only once the batch
 * holding its last sample is on disk in the spool, never when it was merely decoded (a kill
 * within batch.max_age lost it).  Before each put the input records, next to the spool, which
 * files the batch completes and how many items (samples + events) of a file still being
 * decoded it holds (pmdir_progress.h); a restarted agent asks the spool whether that put
 * happened and finishes those files or skips exactly the items already spooled.  Without
 * done_dir the finished files' keys are also logged there, so a restart does not re-send the
 * directory.  The input pauses while the agent is throttled (files wait on disk). */
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
#include "agent/inputs/pmdir_progress.h"
#include "decode/pm3gpp.h"
#include "common/u64map.h"

#define PMDIR_BURST 16
#define PMDIR_SETTLE_MS 1000     /* a file modified more recently may still be written */
#define PMDIR_MAX_REMEMBERED 1000000
#define PMDIR_PAUSE_MS 5         /* look again this soon while the agent is throttled */

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
    vg_input_host_t host;
    vg_pmdir_progress_t *prog;   /* exactly-once record; NULL without a spool dir */
    struct s_file {
        vg_pmdir_mark_t m;
        char *name;
    } *wait, *flight;            /* decoded, not yet put / in the batch being put */
    size_t nwait, capwait, nflight, capflight;
    const vg_sink_t *down;       /* while decoding: where the counting sink delivers */
    vg_sink_t counting;
    uint64_t skip_left;          /* items of the current file spooled before a restart */
    vg_pmdir_mark_t cur;         /* the file being decoded: items so far, items in puts made */
    bool decoding;
    uint64_t flight_items;       /* cur.items when the put in flight was recorded */
    bool throttled;
    vg_buf_t buf;                /* file contents, reused */
    vg_decode_stats_t st;
    uint64_t files, bytes, too_big, read_errors, move_errors, scans, resumed, paused;
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
s_files_free (struct s_file *f, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free (f[i].name);
    *n = 0;
}

static void
s_destroy (void **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_pmdir_t *d = *self_p;
    s_pend_clear (d);
    free (d->pend);
    s_files_free (d->wait, &d->nwait);
    s_files_free (d->flight, &d->nflight);
    free (d->wait);
    free (d->flight);
    vg_pmdir_progress_destroy (&d->prog);
    vg_u64map_free (&d->seen);
    vg_buf_free (&d->buf);
    free (d);
    *self_p = NULL;
}

/* ---- the counting sink: the current file's items, the first skip_left of them dropped
 * (spooled before a restart).  An item counts once the sink below took it, so a put the
 * guard makes inside that call holds exactly the items counted before it. */
static int
s_count_device (void *ctx, const vg_device_t *dev)
{
    s_pmdir_t *d = ctx;
    return vg_sink_device (d->down, dev);
}

static int
s_count_sample (void *ctx, const vg_point_t *p)
{
    s_pmdir_t *d = ctx;
    int rc = 0;
    if (d->skip_left > 0)
        d->skip_left--;
    else
        rc = vg_sink_sample (d->down, p);
    d->cur.items++;
    return rc;
}

static int
s_count_event (void *ctx, const vg_event_t *e)
{
    s_pmdir_t *d = ctx;
    int rc = 0;
    if (d->skip_left > 0)
        d->skip_left--;
    else
        rc = vg_sink_event (d->down, e);
    d->cur.items++;
    return rc;
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
    d->host = env->host;
    d->counting = (vg_sink_t) { d, s_count_device, s_count_sample, s_count_event };
    if (env->spool_dir && env->spool_dir[0]) {
        d->prog = vg_pmdir_progress_new (env->spool_dir, env->index, !d->done_dir, env->spool_fsync, &d->host,
                                         &d->seen);
        if (!d->prog) {
            snprintf (err, errlen, "out of memory");
            s_destroy ((void **) &d);
            return NULL;
        }
    }
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

/* Process one file, dropping its first `skip` items (spooled before a restart); returns
 * true when it counts as done: its items, if any, wait in d->wait for their put. */
static bool
s_process (s_pmdir_t *d, const char *name, const char *path, const struct stat *sb, uint64_t skip, int64_t now,
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
    d->down = sink;
    d->cur = (vg_pmdir_mark_t) { s_key (name, sb), 0, skip };
    d->skip_left = skip;
    d->decoding = true;
    vg_pm3gpp_decode (d->buf.data, d->buf.len, &ctx, &d->counting, &d->st);
    d->decoding = false;
    d->down = NULL;
    return true;
}

/* The file's last item is on disk (or it has none): move it to done_dir, else remember it. */
static void
s_finish (s_pmdir_t *d, const char *name, uint64_t key)
{
    if (d->done_dir) {
        char from[4096], to[4096];
        int j = snprintf (from, sizeof from, "%s/%s", d->dir, name);
        int k = snprintf (to, sizeof to, "%s/%s", d->done_dir, name);
        if (j > 0 && (size_t) j < sizeof from && k > 0 && (size_t) k < sizeof to && rename (from, to) == 0)
            return;
        d->move_errors++;
        vg_log_rl (&d->rl, VG_LOG_WARN, "input", "pmdir: cannot move %s to %s: %s (remembered instead)", from,
                   d->done_dir, strerror (errno));
    }
    if (d->seen.count < PMDIR_MAX_REMEMBERED && vg_u64map_put (&d->seen, key, 1) == 0 && !d->done_dir)
        vg_pmdir_progress_finished (d->prog, key);
}

/* A decoded file waits for the put of its last items; without a spool (tests) it is done. */
static void
s_wait (s_pmdir_t *d, const char *name)
{
    if (!d->prog || d->cur.items == d->cur.before) { /* nothing of it left unspooled */
        s_finish (d, name, d->cur.key);
        return;
    }
    char *copy = strdup (name);
    if (!copy || vg_array_reserve ((void **) &d->wait, &d->capwait, d->nwait + 1, sizeof *d->wait) < 0) {
        free (copy);
        s_finish (d, name, d->cur.key); /* out of memory: done now (a kill may lose it) */
        return;
    }
    d->wait[d->nwait++] = (struct s_file) { d->cur, copy };
}

/* Is the file listed in the waiting or in-flight files (decoded, not yet finished)? */
static bool
s_waiting (const s_pmdir_t *d, uint64_t key)
{
    for (size_t i = 0; i < d->nwait; i++)
        if (d->wait[i].m.key == key)
            return true;
    for (size_t i = 0; i < d->nflight; i++)
        if (d->flight[i].m.key == key)
            return true;
    return false;
}

/* Finish the files of the batch put last. */
static void
s_land (s_pmdir_t *d)
{
    for (size_t i = 0; i < d->nflight; i++)
        s_finish (d, d->flight[i].name, d->flight[i].m.key);
    s_files_free (d->flight, &d->nflight);
}

/* Before a put: record what it holds of this input (see pmdir_progress.h). */
static void
s_will_spool (void *self, uint64_t epoch, uint64_t seq)
{
    s_pmdir_t *d = self;
    if (d->nflight > 0) /* the last put failed: its data is a gap the agent reported */
        s_land (d);
    bool part = d->decoding && d->cur.items > d->cur.before;
    if (!d->prog || (d->nwait == 0 && !part))
        return;
    vg_pmdir_progress_begin (d->prog, epoch, seq);
    for (size_t i = 0; i < d->nwait; i++)
        vg_pmdir_progress_add (d->prog, &d->wait[i].m, false);
    if (part)
        vg_pmdir_progress_add (d->prog, &d->cur, true);
    vg_pmdir_progress_commit (d->prog);
    struct s_file *t = d->flight;
    size_t tc = d->capflight;
    d->flight = d->wait;
    d->capflight = d->capwait;
    d->nflight = d->nwait;
    d->wait = t;
    d->capwait = tc;
    d->nwait = 0;
    d->flight_items = part ? d->cur.items : 0;
}

/* The put is on disk: its files are finished; the file being decoded has that much spooled. */
static void
s_spooled (void *self)
{
    s_pmdir_t *d = self;
    s_land (d);
    if (d->decoding && d->flight_items > d->cur.before)
        d->cur.before = d->flight_items;
    d->flight_items = 0;
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
 * Without an offset the time is taken as UTC.  "A20220418.1900-1915_x" (Ericsson, no
 * offsets) has '-' after the start time too: that is the separator before the end time,
 * and only a sign followed by a valid offset (at most 14:59) and then the '-' before the end
 * time is an offset; reading "-1915" as UTC-19:15 put such a file up to a day late among
 * files with offsets (Nokia's local time), and the backlog reached detection out of order. */
static int64_t
s_name_begin (const char *name)
{
    int y, mo, da, hh, mi, oh = 0, om = 0;
    if (!strchr ("ABCD", name[0]) || !s_digits (name + 1, 4, &y) || !s_digits (name + 5, 2, &mo) ||
        !s_digits (name + 7, 2, &da) || name[9] != '.' || !s_digits (name + 10, 2, &hh) ||
        !s_digits (name + 12, 2, &mi) || mo < 1 || mo > 12 || da < 1 || da > 31 || hh > 23 || mi > 59)
        return -1;
    int sign = 0;
    if ((name[14] == '+' || name[14] == '-') && s_digits (name + 15, 2, &oh) && s_digits (name + 17, 2, &om) &&
        name[19] == '-' && oh <= 14 && om <= 59)
        sign = name[14] == '+' ? 1 : -1;
    else
        oh = om = 0;
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
        uint64_t key = s_key (name, &sb);
        if (vg_u64map_get (&d->seen, key, &v) || s_waiting (d, key))
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
    d->throttled = false;
    for (int done = 0; d->ipend < d->npend && done < PMDIR_BURST; d->ipend++) {
        if (d->host.throttled && d->host.throttled (d->host.arg)) {
            d->throttled = true; /* the spool holds enough: the files wait on disk */
            d->paused++;
            break;
        }
        const char *name = d->pend[d->ipend].name;
        char path[4096];
        int k = snprintf (path, sizeof path, "%s/%s", d->dir, name);
        struct stat sb;
        if (k <= 0 || (size_t) k >= sizeof path || stat (path, &sb) < 0 || !S_ISREG (sb.st_mode))
            continue; /* gone meanwhile */
        done++;
        uint64_t key = s_key (name, &sb), skip;
        if (vg_pmdir_progress_resume (d->prog, key, &skip) == 1) {
            d->resumed++; /* spooled entirely before a restart */
            s_finish (d, name, key);
            continue;
        }
        if (skip)
            d->resumed++;
        if (s_process (d, name, path, &sb, skip, now, sink))
            s_wait (d, name);
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
        d->next_scan_mono = d->ipend < d->npend ? mono + (d->throttled ? PMDIR_PAUSE_MS : 0)
                                                : mono + PMDIR_SETTLE_MS / 4;
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
        d->next_scan_mono = mono + (d->throttled ? PMDIR_PAUSE_MS : 0);
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
    C (scans), C (files), C (bytes), C (too_big), C (read_errors), C (move_errors), C (resumed), C (paused),
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
    .will_spool = s_will_spool,
    .spooled = s_spooled,
    .stats_at = VG_INPUT_STATS_AT (s_pmdir_t, st),
    .counters = s_counters,
    .ncounters = sizeof s_counters / sizeof s_counters[0],
};
