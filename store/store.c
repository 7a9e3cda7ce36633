/* store.c - RocksDB behind the vg_store API: column families, options, commits, scans. */
#include "store/store.h"

#include <dirent.h>
#include <rocksdb/c.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/array.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/u64map.h"
#include "store/sample_merge.h"

#define VG_STORE_FORMAT "vigil-store-1"
/* zstd level and dictionary size of the bottommost level (docs/PERFORMANCE.md, "Bytes per
 * sample on disk": 1.190 -> 1.161 bytes/sample for ~0.7 s more CPU per full compaction of
 * a day of the benchmark fleet). */
#define S_ZSTD_LEVEL 9
#define S_ZSTD_DICT 16384

static const char *const s_cf_names[VG_CF__COUNT] = {
    "default", "series", "samples", "events", "agents", "alerts", "outbox", "detstate", "episodes", "fleetbox",
};

/* Families a store made by an older version may lack: a read-only or secondary open goes
 * on without them (reads find nothing); the next read-write open creates them. */
static bool
s_cf_optional (int cf)
{
    return cf == VG_CF_EPISODES || cf == VG_CF_FLEETBOX;
}

struct vg_store {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_options_t *cf_opts[VG_CF__COUNT];
    rocksdb_column_family_handle_t *cf[VG_CF__COUNT];
    rocksdb_writeoptions_t *wopts;
    rocksdb_readoptions_t *ropts;
    rocksdb_mergeoperator_t *merge; /* owned by cf_opts[SAMPLES] once set */
    vg_sample_merge_stats_t dups;   /* what the merge operator dropped (the operator's state) */
    rocksdb_block_based_table_options_t *table;
    rocksdb_block_based_table_options_t *table_events; /* larger blocks: see s_cf_options */
    rocksdb_cache_t *cache;
    vg_store_mode_t mode;
    int64_t bucket_ms;
    char *path;
    char *secondary_dir;
    atomic_int fail_commits; /* fault seam: commits left to fail (vg_store_fail_commits) */
};

/* Sample chunks merged into one key within a txn (one per series per batch of a group
 * commit) are coalesced: the key gets one Merge operand, their concatenation in arrival
 * order (what the operator's partial merge would make of them), when the txn is committed.
 * One memtable insert per key and group instead of one per batch. */
typedef struct {
    uint8_t key[VG_SAMPLE_KEY_LEN];
    uint32_t first, last;  /* chain of s_chunk_t by index */
} s_pkey_t;

typedef struct {
    size_t off, len;       /* in txn->chunks */
    uint32_t next;         /* UINT32_MAX = end */
} s_chunk_t;

struct vg_store_txn {
    rocksdb_writebatch_t *wb;
    vg_store_t *store; /* column family handles come from here */
    vg_buf_t chunks;   /* pending chunk bytes */
    s_pkey_t *keys;    /* pending keys, first-seen order */
    size_t nkeys, capkeys;
    s_chunk_t *ops;
    size_t nops, capops;
    vg_u64map_t by_key; /* hash of a key -> index in keys (a colliding key is not coalesced) */
    vg_buf_t gather;   /* one key's operand at flush */
};

static void
s_set_err (char *err, size_t errlen, const char *what, char *rerr)
{
    if (err && errlen)
        snprintf (err, errlen, "%s: %s", what, rerr ? rerr : "unknown error");
    free (rerr);
}

#define S_MEMTABLE_BUDGET ((size_t) 256 << 20)

static rocksdb_options_t *
s_cf_options (vg_store_t *s, vg_cf_t cf)
{
    rocksdb_options_t *o = rocksdb_options_create ();
    /* Events are many small similar records read by time range: 64 KiB blocks give zstd
     * more context and a full key every 128 records instead of 16 (prefix compression in
     * between): 15.1 -> 13.9 bytes an event (docs/PERFORMANCE.md, "Where the bytes go"). */
    rocksdb_options_set_block_based_table_factory (o, cf == VG_CF_EVENTS ? s->table_events : s->table);
    rocksdb_options_set_compression (o, rocksdb_lz4_compression);
    rocksdb_options_set_bottommost_compression (o, rocksdb_zstd_compression);
    /* The bottommost level holds nearly everything: zstd at a higher level with a
     * dictionary trained per file (many small, similar values: events, series records). */
    rocksdb_options_set_bottommost_compression_options (o, -14, S_ZSTD_LEVEL, 0, S_ZSTD_DICT, 1);
    rocksdb_options_set_bottommost_compression_options_zstd_max_train_bytes (o, 100 * S_ZSTD_DICT, 1);
    if (cf == VG_CF_SAMPLES) {
        rocksdb_options_set_merge_operator (o, s->merge);
        /* Big memtables: one merge operand per series per batch; fewer, larger flushes. */
        rocksdb_options_set_write_buffer_size (o, 64 << 20);
        rocksdb_options_set_level_compaction_dynamic_level_bytes (o, 1);
    }
    return o;
}

vg_store_t *
vg_store_open (const vg_store_cfg_t *cfg, char *err, size_t errlen)
{
    vg_store_t *s = calloc (1, sizeof *s);
    char *rerr = NULL;
    if (!s) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    s->mode = cfg->mode;
    s->path = strdup (cfg->path);
    s->bucket_ms = cfg->bucket_ms > 0 ? cfg->bucket_ms : 2 * 3600 * 1000;
    s->merge = vg_sample_merge_operator (&s->dups);
    s->table = rocksdb_block_based_options_create ();
    if (cfg->cache_bytes) {
        s->cache = rocksdb_cache_create_lru (cfg->cache_bytes);
        rocksdb_block_based_options_set_block_cache (s->table, s->cache);
    }
    rocksdb_block_based_options_set_block_size (s->table, 16 * 1024);
    s->table_events = rocksdb_block_based_options_create ();
    if (s->cache)
        rocksdb_block_based_options_set_block_cache (s->table_events, s->cache);
    rocksdb_block_based_options_set_block_size (s->table_events, 64 * 1024);
    rocksdb_block_based_options_set_block_restart_interval (s->table_events, 128);
    s->opts = rocksdb_options_create ();
    rocksdb_options_set_create_if_missing (s->opts, cfg->mode == VG_STORE_RW);
    rocksdb_options_set_create_missing_column_families (s->opts, cfg->mode == VG_STORE_RW);
    rocksdb_options_increase_parallelism (s->opts, 2);
    rocksdb_options_set_max_background_jobs (s->opts, 2);
    /* A ceiling on the memtables of all column families together (the open chunks: merge
     * operands not flushed yet): without it ten column families could hold 2 x 64 MiB each. */
    rocksdb_options_set_db_write_buffer_size (s->opts, S_MEMTABLE_BUDGET);
    rocksdb_options_set_keep_log_file_num (s->opts, 3);
    rocksdb_options_set_max_open_files (s->opts, cfg->mode == VG_STORE_SECONDARY ? -1 : 512);
    /* A secondary instance replays the primary's MANIFEST edit by edit and opens the tables
     * of each edit with this many threads, started and joined per edit: with the default 16
     * a day-old store costs hundreds of thread starts, most of the open's time on a busy
     * machine (vigil replay / timeline of one device: their first output waited for it). */
    if (cfg->mode == VG_STORE_SECONDARY)
        rocksdb_options_set_max_file_opening_threads (s->opts, 1);
    /* RocksDB's own LOG file lives in the store directory.  Once an append to it fails (disk
     * full), the library build Debian ships asserts on the next line it logs (file writer
     * `sync_without_flush_called_`), and the next line comes within seconds: RocksDB logs
     * its recovery attempts every 5 s.  Only fatal messages go there, so a full disk is an
     * error the collector survives and recovers from (docs/RELIABILITY.md, "Store disk
     * full"); the collector's log says what happened. */
    rocksdb_options_set_info_log_level (s->opts, 4 /* FATAL_LEVEL */);
    const char *names[VG_CF__COUNT];
    const rocksdb_options_t *copts[VG_CF__COUNT];
    rocksdb_column_family_handle_t *handles[VG_CF__COUNT] = { 0 };
    int which[VG_CF__COUNT], n = 0;
    char **have = NULL;
    size_t nhave = 0;
    if (cfg->mode != VG_STORE_RW) {
        have = rocksdb_list_column_families (s->opts, cfg->path, &nhave, &rerr);
        free (rerr); /* no listing: open everything and let the open report the problem */
        rerr = NULL;
    }
    for (int i = 0; i < VG_CF__COUNT; i++) {
        s->cf_opts[i] = s_cf_options (s, (vg_cf_t) i);
        bool present = !have || !s_cf_optional (i);
        for (size_t j = 0; !present && j < nhave; j++)
            present = !strcmp (have[j], s_cf_names[i]);
        if (!present)
            continue;
        names[n] = s_cf_names[i];
        copts[n] = s->cf_opts[i];
        which[n++] = i;
    }
    if (have)
        rocksdb_list_column_families_destroy (have, nhave);
    switch (cfg->mode) {
    case VG_STORE_RW:
        s->db = rocksdb_open_column_families (s->opts, cfg->path, n, names, copts, handles, &rerr);
        break;
    case VG_STORE_READONLY:
        s->db = rocksdb_open_for_read_only_column_families (s->opts, cfg->path, n, names, copts, handles, 0, &rerr);
        break;
    case VG_STORE_SECONDARY: {
        char tmpl[] = "/tmp/vigil-secondary-XXXXXX";
        char *dir = mkdtemp (tmpl);
        if (!dir) {
            snprintf (err, errlen, "cannot create a secondary instance directory in /tmp");
            goto fail;
        }
        s->secondary_dir = strdup (dir);
        s->db = rocksdb_open_as_secondary_column_families (s->opts, cfg->path, s->secondary_dir, n, names, copts,
                                                           handles, &rerr);
        break;
    }
    }
    for (int i = 0; i < n; i++)
        s->cf[which[i]] = handles[i];
    if (!s->db) {
        s_set_err (err, errlen, cfg->path, rerr);
        goto fail;
    }
    s->wopts = rocksdb_writeoptions_create ();
    rocksdb_writeoptions_set_sync (s->wopts, cfg->sync);
    s->ropts = rocksdb_readoptions_create ();

    /* Format marker and bucket width: written at creation, checked on every open. */
    vg_buf_t v = VG_BUF_INIT;
    int rc = vg_store_get (s, VG_CF_META, "format", 6, &v);
    if (rc == -VG_ENOTFOUND && cfg->mode == VG_STORE_RW) {
        char bucket[32];
        int bl = snprintf (bucket, sizeof bucket, "%lld", (long long) s->bucket_ms);
        vg_store_txn_t *t = vg_store_txn_new (s);
        vg_store_txn_put (t, VG_CF_META, "format", 6, VG_STORE_FORMAT, strlen (VG_STORE_FORMAT));
        vg_store_txn_put (t, VG_CF_META, "bucket_ms", 9, bucket, (size_t) bl);
        rc = vg_store_commit (s, t, err, errlen);
        vg_store_txn_destroy (&t);
        vg_buf_free (&v);
        if (rc < 0)
            goto fail;
    } else if (rc < 0) {
        snprintf (err, errlen, "%s: not a Vigil store (no format marker)", cfg->path);
        vg_buf_free (&v);
        goto fail;
    } else {
        if (v.len != strlen (VG_STORE_FORMAT) || memcmp (v.data, VG_STORE_FORMAT, v.len) != 0) {
            snprintf (err, errlen, "%s: unsupported store format '%.*s'", cfg->path, (int) (v.len > 40 ? 40 : v.len),
                      (const char *) v.data);
            vg_buf_free (&v);
            goto fail;
        }
        if (vg_store_get (s, VG_CF_META, "bucket_ms", 9, &v) == 0 && v.len < 31) {
            char tmp[32];
            memcpy (tmp, v.data, v.len);
            tmp[v.len] = '\0';
            s->bucket_ms = strtoll (tmp, NULL, 10);
        }
        vg_buf_free (&v);
        if (s->bucket_ms <= 0) {
            snprintf (err, errlen, "%s: corrupt bucket_ms in store metadata", cfg->path);
            goto fail;
        }
    }
    return s;
fail:
    vg_store_destroy (&s);
    return NULL;
}

void
vg_store_destroy (vg_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_store_t *s = *self_p;
    for (int i = 0; i < VG_CF__COUNT; i++)
        if (s->cf[i])
            rocksdb_column_family_handle_destroy (s->cf[i]);
    if (s->db)
        rocksdb_close (s->db);
    for (int i = 0; i < VG_CF__COUNT; i++)
        if (s->cf_opts[i])
            rocksdb_options_destroy (s->cf_opts[i]);
    if (s->opts)
        rocksdb_options_destroy (s->opts);
    if (s->wopts)
        rocksdb_writeoptions_destroy (s->wopts);
    if (s->ropts)
        rocksdb_readoptions_destroy (s->ropts);
    if (s->table)
        rocksdb_block_based_options_destroy (s->table);
    if (s->table_events)
        rocksdb_block_based_options_destroy (s->table_events);
    if (s->cache)
        rocksdb_cache_destroy (s->cache);
    /* The merge operator is owned by the options that hold it (destroyed above). */
    if (s->secondary_dir) {
        /* The secondary keeps only its info logs there (flat directory). */
        DIR *d = opendir (s->secondary_dir);
        struct dirent *e;
        char file[512];
        while (d && (e = readdir (d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf (file, sizeof file, "%s/%s", s->secondary_dir, e->d_name);
            unlink (file);
        }
        if (d)
            closedir (d);
        rmdir (s->secondary_dir);
        free (s->secondary_dir);
    }
    free (s->path);
    free (s);
    *self_p = NULL;
}

void
vg_store_sample_dups (vg_store_t *s, uint64_t *same, uint64_t *conflicting)
{
    *same = atomic_load (&s->dups.same);
    *conflicting = atomic_load (&s->dups.conflicting);
}

int64_t
vg_store_bucket_ms (const vg_store_t *s)
{
    return s->bucket_ms;
}

const char *
vg_store_path (const vg_store_t *s)
{
    return s->path;
}

/* ---- transactions ---- */

vg_store_txn_t *
vg_store_txn_new (vg_store_t *s)
{
    vg_store_txn_t *t = calloc (1, sizeof *t);
    if (!t)
        return NULL;
    t->wb = rocksdb_writebatch_create ();
    t->store = s;
    return t;
}

void
vg_store_txn_destroy (vg_store_txn_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_store_txn_t *t = *self_p;
    rocksdb_writebatch_destroy (t->wb);
    vg_buf_free (&t->chunks);
    vg_buf_free (&t->gather);
    free (t->keys);
    free (t->ops);
    vg_u64map_free (&t->by_key);
    free (t);
    *self_p = NULL;
}

static void
s_pending_clear (vg_store_txn_t *t)
{
    if (!t->nkeys && !t->by_key.count) /* a key may be indexed before its chunk fails to fit */
        return;
    t->nkeys = t->nops = 0;
    t->chunks.len = 0;
    vg_u64map_clear (&t->by_key);
}

/* Move the coalesced sample merges into the write batch, one operand per key. */
static void
s_pending_flush (vg_store_txn_t *t)
{
    rocksdb_column_family_handle_t *cf = t->store->cf[VG_CF_SAMPLES];
    for (size_t i = 0; i < t->nkeys; i++) {
        const s_pkey_t *pk = &t->keys[i];
        const s_chunk_t *c = &t->ops[pk->first];
        if (c->next == UINT32_MAX) {
            rocksdb_writebatch_merge_cf (t->wb, cf, (const char *) pk->key, sizeof pk->key,
                                         (const char *) t->chunks.data + c->off, c->len);
            continue;
        }
        t->gather.len = 0;
        int ok = 1;
        for (uint32_t j = pk->first; j != UINT32_MAX && ok; j = t->ops[j].next)
            ok = vg_buf_append (&t->gather, t->chunks.data + t->ops[j].off, t->ops[j].len) == 0;
        if (ok) {
            rocksdb_writebatch_merge_cf (t->wb, cf, (const char *) pk->key, sizeof pk->key,
                                         (const char *) t->gather.data, t->gather.len);
        } else { /* no memory to gather: one operand per chunk, as without coalescing */
            for (uint32_t j = pk->first; j != UINT32_MAX; j = t->ops[j].next)
                rocksdb_writebatch_merge_cf (t->wb, cf, (const char *) pk->key, sizeof pk->key,
                                             (const char *) t->chunks.data + t->ops[j].off, t->ops[j].len);
        }
    }
    s_pending_clear (t);
}

void
vg_store_txn_clear (vg_store_txn_t *t)
{
    rocksdb_writebatch_clear (t->wb);
    s_pending_clear (t);
}

size_t
vg_store_txn_count (const vg_store_txn_t *t)
{
    return (size_t) rocksdb_writebatch_count (t->wb) + t->nkeys;
}

void
vg_store_txn_put (vg_store_txn_t *t, vg_cf_t cf, const void *k, size_t kl, const void *v, size_t vl)
{
    if (cf == VG_CF_SAMPLES)
        s_pending_flush (t); /* keeps the order of operations on a samples key */
    rocksdb_writebatch_put_cf (t->wb, t->store->cf[cf], k, kl, v, vl);
}

/* Queue a samples chunk for coalescing; 0, or -1 when it must be written as it is (a key
 * whose hash another pending key holds, or no memory: pending ones are flushed then). */
static int
s_pending_add (vg_store_txn_t *t, const void *k, const void *v, size_t vl)
{
    uint64_t h = vg_hash64 (k, VG_SAMPLE_KEY_LEN, 0x5a) | 1; /* never 0 (empty) */
    uint32_t ki;
    int have = vg_u64map_get (&t->by_key, h, &ki);
    if (have && memcmp (t->keys[ki].key, k, VG_SAMPLE_KEY_LEN) != 0)
        return -1; /* this key is always written directly while the other one is pending */
    if (vg_array_reserve ((void **) &t->ops, &t->capops, t->nops + 1, sizeof *t->ops) < 0 ||
        (!have && vg_array_reserve ((void **) &t->keys, &t->capkeys, t->nkeys + 1, sizeof *t->keys) < 0) ||
        (!have && vg_u64map_put (&t->by_key, h, (uint32_t) t->nkeys) < 0)) {
        s_pending_flush (t);
        return -1;
    }
    size_t off = t->chunks.len;
    if (vg_buf_append (&t->chunks, v, vl) < 0) {
        s_pending_flush (t); /* also forgets the hash just put for this key */
        return -1;
    }
    uint32_t oi = (uint32_t) t->nops++;
    t->ops[oi] = (s_chunk_t) { off, vl, UINT32_MAX };
    if (have) {
        t->ops[t->keys[ki].last].next = oi;
        t->keys[ki].last = oi;
    } else {
        s_pkey_t *pk = &t->keys[t->nkeys++];
        memcpy (pk->key, k, VG_SAMPLE_KEY_LEN);
        pk->first = pk->last = oi;
    }
    return 0;
}

void
vg_store_txn_merge (vg_store_txn_t *t, vg_cf_t cf, const void *k, size_t kl, const void *v, size_t vl)
{
    if (cf == VG_CF_SAMPLES && kl == VG_SAMPLE_KEY_LEN && vl <= UINT32_MAX && s_pending_add (t, k, v, vl) == 0)
        return;
    rocksdb_writebatch_merge_cf (t->wb, t->store->cf[cf], k, kl, v, vl);
}

void
vg_store_txn_delete (vg_store_txn_t *t, vg_cf_t cf, const void *k, size_t kl)
{
    if (cf == VG_CF_SAMPLES)
        s_pending_flush (t);
    rocksdb_writebatch_delete_cf (t->wb, t->store->cf[cf], k, kl);
}

void
vg_store_txn_delete_range (vg_store_txn_t *t, vg_cf_t cf, const void *from, size_t fl, const void *to, size_t tl)
{
    if (cf == VG_CF_SAMPLES)
        s_pending_flush (t);
    rocksdb_writebatch_delete_range_cf (t->wb, t->store->cf[cf], from, fl, to, tl);
}

int
vg_store_commit (vg_store_t *s, vg_store_txn_t *t, char *err, size_t errlen)
{
    char *rerr = NULL;
    if (s->mode != VG_STORE_RW) {
        if (err && errlen)
            snprintf (err, errlen, "store opened read-only");
        return -VG_ESTORE;
    }
    s_pending_flush (t);
    int left = atomic_load (&s->fail_commits);
    while (left > 0 && !atomic_compare_exchange_weak (&s->fail_commits, &left, left - 1))
        ;
    if (left > 0) {
        if (err && errlen)
            snprintf (err, errlen, "commit: injected failure");
        return -VG_ESTORE;
    }
    rocksdb_write (s->db, s->wopts, t->wb, &rerr);
    if (rerr) {
        s_set_err (err, errlen, "commit", rerr);
        return -VG_ESTORE;
    }
    return 0;
}

void
vg_store_fail_commits (vg_store_t *s, int n)
{
    atomic_store (&s->fail_commits, n > 0 ? n : 0);
}

static int
s_get (vg_store_t *s, const rocksdb_readoptions_t *ro, vg_cf_t cf, const void *k, size_t kl, vg_buf_t *out)
{
    char *rerr = NULL;
    size_t vl = 0;
    if (!s->cf[cf])
        return -VG_ENOTFOUND; /* an optional family this (older) store lacks */
    char *v = rocksdb_get_cf (s->db, ro, s->cf[cf], k, kl, &vl, &rerr);
    if (rerr) {
        free (rerr);
        return -VG_ESTORE;
    }
    if (!v)
        return -VG_ENOTFOUND;
    vg_buf_reset (out);
    int rc = vg_buf_append (out, v, vl);
    rocksdb_free (v);
    return rc;
}

int
vg_store_get (vg_store_t *s, vg_cf_t cf, const void *k, size_t kl, vg_buf_t *out)
{
    return s_get (s, s->ropts, cf, k, kl, out);
}

struct vg_store_iter {
    rocksdb_readoptions_t *ro;
    rocksdb_iterator_t *it;   /* NULL: a family the store lacks (nothing to visit) */
    int started;              /* the first key is current: next() must not step yet */
    int end;                  /* 0 while keys may follow, else what next() returns from now on */
    size_t tl;
    uint8_t to[];             /* the upper bound (RocksDB keeps a pointer to it) */
};

/* An iterator over [from, to) of cf, through snapshot snap when not NULL.  bulk: a one-pass
 * read of much data (a view's reader: export, replay): the blocks it reads are not kept in
 * the block cache, so their buffers are reused instead of growing the heap page by page
 * (half the CPU of a one-device replay went to faulting in fresh pages for cached
 * blocks).  NULL on allocation failure. */
static vg_store_iter_t *
s_iter (vg_store_t *s, const rocksdb_snapshot_t *snap, int bulk, vg_cf_t cf, const void *from, size_t fl,
        const void *to, size_t tl)
{
    vg_store_iter_t *x = calloc (1, sizeof *x + (to ? tl : 0));
    if (!x)
        return NULL;
    if (!s->cf[cf])
        return x; /* an optional family this (older) store lacks */
    x->ro = rocksdb_readoptions_create ();
    if (snap)
        rocksdb_readoptions_set_snapshot (x->ro, snap);
    if (bulk)
        rocksdb_readoptions_set_fill_cache (x->ro, 0);
    if (to) {
        memcpy (x->to, to, tl);
        x->tl = tl;
        rocksdb_readoptions_set_iterate_upper_bound (x->ro, (const char *) x->to, tl);
    }
    x->it = rocksdb_create_iterator_cf (s->db, x->ro, s->cf[cf]);
    if (from)
        rocksdb_iter_seek (x->it, from, fl);
    else
        rocksdb_iter_seek_to_first (x->it);
    return x;
}

int
vg_store_iter_next (vg_store_iter_t *x, const uint8_t **k, size_t *kl, const uint8_t **v, size_t *vl)
{
    if (!x->it || x->end)
        return x->end < 0 ? x->end : 0;
    if (x->started)
        rocksdb_iter_next (x->it);
    x->started = 1;
    if (rocksdb_iter_valid (x->it)) {
        *k = (const uint8_t *) rocksdb_iter_key (x->it, kl);
        *v = (const uint8_t *) rocksdb_iter_value (x->it, vl);
        return 1;
    }
    char *rerr = NULL;
    rocksdb_iter_get_error (x->it, &rerr);
    int bad = rerr != NULL;
    free (rerr);
    x->end = bad ? -VG_ESTORE : 1;
    return bad ? -VG_ESTORE : 0;
}

void
vg_store_iter_destroy (vg_store_iter_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_store_iter_t *x = *self_p;
    if (x->it)
        rocksdb_iter_destroy (x->it);
    if (x->ro)
        rocksdb_readoptions_destroy (x->ro);
    free (x);
    *self_p = NULL;
}

/* Scan [from, to) of cf (see s_iter). */
static int
s_scan (vg_store_t *s, const rocksdb_snapshot_t *snap, int bulk, vg_cf_t cf, const void *from, size_t fl,
        const void *to, size_t tl, vg_store_kv_fn fn, void *ctx)
{
    vg_store_iter_t *x = s_iter (s, snap, bulk, cf, from, fl, to, tl);
    if (!x)
        return -VG_ENOMEM;
    const uint8_t *k, *v;
    size_t kl, vl;
    int rc;
    while ((rc = vg_store_iter_next (x, &k, &kl, &v, &vl)) == 1) {
        rc = fn (ctx, k, kl, v, vl);
        if (rc != 0)
            break;
    }
    vg_store_iter_destroy (&x);
    return rc;
}

int
vg_store_scan (vg_store_t *s, vg_cf_t cf, const void *from, size_t fl, const void *to, size_t tl,
               vg_store_kv_fn fn, void *ctx)
{
    return s_scan (s, NULL, 0, cf, from, fl, to, tl, fn, ctx);
}

struct vg_store_view {
    vg_store_t *store;
    const rocksdb_snapshot_t *snap;
    rocksdb_readoptions_t *ro; /* reads at snap */
};

vg_store_view_t *
vg_store_view_new (vg_store_t *s)
{
    vg_store_view_t *v = calloc (1, sizeof *v);
    if (!v)
        return NULL;
    v->store = s;
    v->ro = rocksdb_readoptions_create ();
    if (!v->ro) {
        vg_store_view_destroy (&v);
        return NULL;
    }
    /* A secondary has no snapshots ("not supported in secondary mode"): its state only
     * moves at catch-up, which the view's owner does not call while reading. */
    if (s->mode != VG_STORE_SECONDARY) {
        v->snap = rocksdb_create_snapshot (s->db);
        if (!v->snap) {
            vg_store_view_destroy (&v);
            return NULL;
        }
        rocksdb_readoptions_set_snapshot (v->ro, v->snap);
    }
    return v;
}

void
vg_store_view_destroy (vg_store_view_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_store_view_t *v = *self_p;
    if (v->ro)
        rocksdb_readoptions_destroy (v->ro);
    if (v->snap)
        rocksdb_release_snapshot (v->store->db, v->snap);
    free (v);
    *self_p = NULL;
}

int
vg_store_view_get (vg_store_view_t *v, vg_cf_t cf, const void *k, size_t kl, vg_buf_t *out)
{
    return s_get (v->store, v->ro, cf, k, kl, out);
}

vg_store_iter_t *
vg_store_view_iter (vg_store_view_t *v, vg_cf_t cf, const void *from, size_t fl, const void *to, size_t tl)
{
    return s_iter (v->store, v->snap, 1, cf, from, fl, to, tl);
}

int
vg_store_view_scan (vg_store_view_t *v, vg_cf_t cf, const void *from, size_t fl, const void *to, size_t tl,
                    vg_store_kv_fn fn, void *ctx)
{
    return s_scan (v->store, v->snap, 1, cf, from, fl, to, tl, fn, ctx);
}

static int
s_bucket_of_first (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void) v;
    (void) vl;
    if (kl < 4)
        return 0; /* not a bucketed key: look further */
    *(uint64_t *) ctx = vg_get_be32 (k);
    return 1;
}

int
vg_store_view_next_bucket (vg_store_view_t *v, vg_cf_t cf, uint32_t b, uint64_t *out)
{
    uint8_t k[4];
    vg_be32 (k, b);
    *out = UINT64_MAX;
    int rc = vg_store_view_scan (v, cf, k, sizeof k, NULL, 0, s_bucket_of_first, out);
    return rc < 0 ? rc : 0;
}

int
vg_store_delete_range (vg_store_t *s, vg_cf_t cf, const void *from, size_t fl, const void *to, size_t tl)
{
    char *rerr = NULL;
    rocksdb_delete_range_cf (s->db, s->wopts, s->cf[cf], from, fl, to, tl, &rerr);
    if (rerr) {
        free (rerr);
        return -VG_ESTORE;
    }
    /* Reclaim the space now rather than when compaction happens to reach the range. */
    rocksdb_compact_range_cf (s->db, s->cf[cf], from, fl, to, tl);
    return 0;
}

static int
s_count_one (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void) k;
    (void) kl;
    (void) v;
    (void) vl;
    ++*(uint64_t *) ctx;
    return 0;
}

int
vg_store_drop_range (vg_store_t *s, vg_cf_t cf, const void *from, size_t fl, const void *to, size_t tl,
                     uint64_t *n)
{
    *n = 0;
    int rc = vg_store_scan (s, cf, from, fl, to, tl, s_count_one, n);
    if (rc == 0 && *n)
        rc = vg_store_delete_range (s, cf, from, fl, to, tl);
    return rc;
}

int
vg_store_catch_up (vg_store_t *s)
{
    char *rerr = NULL;
    if (s->mode != VG_STORE_SECONDARY)
        return 0;
    rocksdb_try_catch_up_with_primary (s->db, &rerr);
    if (rerr) {
        free (rerr);
        return -VG_ESTORE;
    }
    return 0;
}

int
vg_store_property (vg_store_t *s, vg_cf_t cf, const char *name, uint64_t *out)
{
    if (!s->cf[cf])
        return -VG_ENOTFOUND;
    return rocksdb_property_int_cf (s->db, s->cf[cf], name, out) == 0 ? 0 : -VG_ENOTFOUND;
}

const char *
vg_store_cf_name (vg_cf_t cf)
{
    return (int) cf >= 0 && cf < VG_CF__COUNT ? s_cf_names[cf] : "?";
}

int
vg_store_flush (vg_store_t *s)
{
    char *rerr = NULL;
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create ();
    rocksdb_flushoptions_set_wait (fo, 1);
    for (int i = 0; i < VG_CF__COUNT && !rerr; i++)
        if (s->cf[i])
            rocksdb_flush_cf (s->db, fo, s->cf[i], &rerr);
    rocksdb_flushoptions_destroy (fo);
    if (rerr) {
        free (rerr);
        return -VG_ESTORE;
    }
    return 0;
}

int
vg_store_compact (vg_store_t *s, vg_cf_t cf)
{
    if (!s->cf[cf])
        return 0;
    /* Rewrite the bottommost level too: RocksDB skips it by default, and files that reached
     * it during ingest can hold merge operands (raw per-batch chunks) that only a
     * compaction of that level seals. */
    rocksdb_compactoptions_t *o = rocksdb_compactoptions_create ();
    if (!o)
        return -VG_ENOMEM;
    rocksdb_compactoptions_set_bottommost_level_compaction (o, 2 /* kForce */);
    rocksdb_compact_range_cf_opt (s->db, s->cf[cf], o, NULL, 0, NULL, 0);
    rocksdb_compactoptions_destroy (o);
    return 0;
}
