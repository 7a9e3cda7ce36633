/* pmdir_progress.c - the pmdir input's exactly-once record (see pmdir_progress.h).
 *
 * Record file input-<idx>.pmdir:   "pmdir 1 epoch E seq S"
 *                                  "done KEY ITEMS BEFORE"   per file the put completes
 *                                  "part KEY ITEMS BEFORE"   the file still being decoded
 * Finished-file log input-<idx>.pmdir-done: one hex key per line. */
#include "agent/inputs/pmdir_progress.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/file_replace.h"
#include "common/log.h"

typedef struct {
    uint64_t key, skip;
    bool all;                /* every item spooled: finish unread */
    bool used;
} s_resume_t;

struct vg_pmdir_progress {
    char path[600], log_path[600];
    FILE *log;               /* finished-file log (append), NULL without one */
    vg_buf_t rec;            /* the record being written (begin .. commit) */
    bool rec_ok;             /* every line of rec was formatted */
    bool sync;               /* the record is fsync'd (spool.fsync) */
    s_resume_t *res;         /* the resolved record */
    size_t nres, capres;
    bool unput;              /* the record's put was not made: rewrite it (see _new) */
    unsigned long long epoch, seq;
    vg_ratelimit_t rl;
};

void
vg_pmdir_progress_destroy (vg_pmdir_progress_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_pmdir_progress_t *self = *self_p;
    if (self->log)
        fclose (self->log);
    vg_buf_free (&self->rec);
    free (self->res);
    free (self);
    *self_p = NULL;
}

/* Read the record and keep what each named file needs, given whether its put was made. */
static void
s_resolve (vg_pmdir_progress_t *self, const vg_input_host_t *host)
{
    FILE *f = fopen (self->path, "r");
    if (!f)
        return;
    char line[256];
    unsigned long long epoch = 0, seq = 0;
    bool held = false;
    if (fgets (line, sizeof line, f) && sscanf (line, "pmdir 1 epoch %llu seq %llu", &epoch, &seq) == 2)
        held = host && host->held && host->held (host->arg, epoch, seq);
    else {
        vg_log (VG_LOG_WARN, "agent", "pmdir progress record %s unreadable: ignored (files may be sent again)",
                self->path);
        fclose (f);
        return;
    }
    while (fgets (line, sizeof line, f)) {
        char kind[8];
        uint64_t key, items, before;
        if (sscanf (line, "%7s %" SCNx64 " %" SCNu64 " %" SCNu64, kind, &key, &items, &before) != 4 || before > items ||
            (strcmp (kind, "done") && strcmp (kind, "part")))
            continue;
        if (vg_array_reserve ((void **) &self->res, &self->capres, self->nres + 1, sizeof *self->res) < 0)
            break;
        s_resume_t *r = &self->res[self->nres++];
        *r = (s_resume_t) { key, held ? items : before, held && !strcmp (kind, "done"), false };
    }
    fclose (f);
    self->unput = !held;
    self->epoch = epoch;
    self->seq = seq;
    vg_log (VG_LOG_INFO, "agent", "pmdir progress: batch %llu of epoch %llu %s; %zu file(s) to resume",
            seq, epoch, held ? "was spooled" : "was not spooled", self->nres);
}

/* Load the finished-file log into seen. */
static void
s_load_log (vg_pmdir_progress_t *self, vg_u64map_t *seen)
{
    FILE *f = fopen (self->log_path, "r");
    if (!f)
        return;
    char line[64];
    while (fgets (line, sizeof line, f)) {
        uint64_t key;
        if (sscanf (line, "%" SCNx64, &key) == 1 && key)
            vg_u64map_put (seen, key, 1);
    }
    fclose (f);
}

vg_pmdir_progress_t *
vg_pmdir_progress_new (const char *spool_dir, size_t idx, bool keep_log, bool sync, const vg_input_host_t *host,
                       vg_u64map_t *seen)
{
    vg_pmdir_progress_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 3);
    snprintf (self->path, sizeof self->path, "%s/input-%zu.pmdir", spool_dir, idx);
    self->sync = sync;
    s_resolve (self, host);
    if (self->unput) {
        /* The put the record names was not made, so its seq may be handed out again, to a
         * batch put before this input records anything (another input's): record now what
         * was resolved, so that either answer about that seq means the same. */
        vg_pmdir_progress_begin (self, self->epoch, self->seq);
        for (size_t i = 0; i < self->nres; i++) {
            vg_pmdir_mark_t m = { self->res[i].key, self->res[i].skip, self->res[i].skip };
            vg_pmdir_progress_add (self, &m, true);
        }
        vg_pmdir_progress_commit (self);
    }
    if (keep_log) {
        snprintf (self->log_path, sizeof self->log_path, "%s/input-%zu.pmdir-done", spool_dir, idx);
        s_load_log (self, seen);
        self->log = fopen (self->log_path, "a");
        if (!self->log)
            vg_log (VG_LOG_WARN, "agent", "pmdir: cannot open %s: %s (a restart reads finished files again)",
                    self->log_path, strerror (errno));
    }
    return self;
}

int
vg_pmdir_progress_resume (vg_pmdir_progress_t *self, uint64_t key, uint64_t *skip)
{
    *skip = 0;
    for (size_t i = 0; self && i < self->nres; i++) {
        s_resume_t *r = &self->res[i];
        if (r->used || r->key != key)
            continue;
        r->used = true;
        *skip = r->skip;
        return r->all ? 1 : 0;
    }
    return 0;
}

void
vg_pmdir_progress_begin (vg_pmdir_progress_t *self, uint64_t epoch, uint64_t seq)
{
    vg_buf_reset (&self->rec);
    self->rec_ok = vg_buf_printf (&self->rec, "pmdir 1 epoch %llu seq %llu\n", (unsigned long long) epoch,
                                  (unsigned long long) seq) == 0;
}

void
vg_pmdir_progress_add (vg_pmdir_progress_t *self, const vg_pmdir_mark_t *m, bool part)
{
    if (self->rec_ok)
        self->rec_ok = vg_buf_printf (&self->rec, "%s %016" PRIx64 " %" PRIu64 " %" PRIu64 "\n", part ? "part" : "done",
                                      m->key, m->items, m->before) == 0;
}

int
vg_pmdir_progress_commit (vg_pmdir_progress_t *self)
{
    bool ok = self->rec_ok;
    self->rec_ok = false;
    if (!ok)
        errno = ENOMEM;
    else if (vg_file_replace (self->path, self->rec.data, self->rec.len, self->sync) == 0)
        return 0;
    vg_log_rl (&self->rl, VG_LOG_WARN, "agent", "pmdir progress record %s not written: %s", self->path,
               strerror (errno));
    return -VG_EIO;
}

int
vg_pmdir_progress_finished (vg_pmdir_progress_t *self, uint64_t key)
{
    if (!self || !self->log)
        return 0;
    if (fprintf (self->log, "%016" PRIx64 "\n", key) > 0 && fflush (self->log) == 0)
        return 0;
    vg_log_rl (&self->rl, VG_LOG_WARN, "agent", "pmdir: finished-file log %s not written: %s", self->log_path,
               strerror (errno));
    return -VG_EIO;
}
