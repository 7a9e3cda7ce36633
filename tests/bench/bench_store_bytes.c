/* bench_store_bytes.c - where a store's bytes go: per column family on disk (records, key
 * and value bytes before compression, table file bytes after), and for the sample chunks
 * per series kind and codec, split into chunk headers, timestamp bits, value bits and the
 * samples family's per-key cost (RocksDB key, index and block overhead, shared out by key),
 * with the metric paths that cost the most.
 *
 * Usage: bench_store_bytes [--reencode] [--device GLOB] STORE_DIR   (a store no collector
 * writes to; compact it first, `vigil compact`, to measure sealed chunks).  --reencode
 * accounts each samples value as this build's merge operator would write it (what
 * compaction with this codec would store) instead of the bytes stored.  --device counts
 * only the chunks of matching devices (fnmatch; to compare with bench_store_bytes_floor.py
 * on the same series).  Prints one JSON object.  Read only. */
#include <dirent.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/chunk.h"
#include "common/err.h"
#include "common/samples.h"
#include "common/u64map.h"
#include "common/varint.h"
#include "store/sample_merge.h"
#include "store/series_meta.h"
#include "store/store.h"

enum { KINDS = 3, CODECS = 8, MAXPATHS = 4096 };
static const char *const s_kind_name[KINDS] = { "gauge", "counter", "state" };
static const char *const s_codec_name[CODECS] = { "?", "gorilla", "decimal", "integer", "decimal2", "integer2", "decimal3", "integer3" };

typedef struct {
    uint64_t chunks, samples, bytes, header_bytes, ts_bits, value_bits, flat_samples, keys;
} s_acc_t;

/* One column family's records as stored (uncompressed key and value bytes). */
typedef struct {
    uint64_t records, key_bytes, value_bytes;
} s_fam_t;

typedef struct {
    char *path;
    s_acc_t acc;
} s_path_t;

typedef struct {
    vg_u64map_t kind;   /* series id -> kind * MAXPATHS + path index */
    s_path_t paths[MAXPATHS];
    size_t npaths;
    s_acc_t by[KINDS][CODECS];
    s_acc_t all;
    uint64_t keys, key_bytes, values_bytes, stored_bytes, keys_all, corrupt, unknown_series;
    vg_samples_t dec;
    int reencode;
    const char *device; /* NULL: every device */
    vg_buf_t again;
} s_ctx_t;

static int
s_on_series (void *ctx, uint64_t sid, Vigil__SeriesMeta **meta_p)
{
    s_ctx_t *c = ctx;
    const Vigil__SeriesMeta *m = *meta_p;
    if (c->device && fnmatch (c->device, m->device, 0) != 0)
        return 0; /* not counted: its keys are skipped below */
    unsigned kind = (unsigned) m->kind < KINDS ? (unsigned) m->kind : 0;
    size_t pi = 0;
    while (pi < c->npaths && strcmp (c->paths[pi].path, m->path) != 0)
        pi++;
    if (pi == c->npaths && c->npaths < MAXPATHS) {
        c->paths[pi].path = strdup (m->path);
        if (!c->paths[pi].path)
            return -VG_ENOMEM;
        c->npaths++;
    }
    if (pi == MAXPATHS)
        pi = MAXPATHS - 1; /* lumped together; the fleet has far fewer */
    return vg_u64map_put (&c->kind, sid, (uint32_t) (kind * MAXPATHS + pi));
}

static void
s_add (s_acc_t *a, const s_acc_t *x)
{
    a->chunks += x->chunks;
    a->samples += x->samples;
    a->bytes += x->bytes;
    a->header_bytes += x->header_bytes;
    a->ts_bits += x->ts_bits;
    a->value_bits += x->value_bits;
    a->flat_samples += x->flat_samples;
    a->keys += x->keys;
}

static int
s_on_record (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_fam_t *f = ctx;
    (void) k;
    (void) v;
    f->records++;
    f->key_bytes += kl;
    f->value_bytes += vl;
    return 0;
}

static int
s_on_value (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_ctx_t *c = ctx;
    uint32_t code = 0;
    int known = kl == VG_SAMPLE_KEY_LEN && vg_u64map_get (&c->kind, vg_get_be64 (k + 4), &code);
    c->stored_bytes += vl; /* every key: the per-key overhead is the family's */
    c->keys_all++;
    if (c->device && !known)
        return 0;
    if (c->reencode) {
        c->again.len = 0;
        if (vg_sample_merge_value (v, vl, &c->again) < 0) {
            c->corrupt++;
            return 0;
        }
        v = c->again.data;
        vl = c->again.len;
    }
    c->keys++;
    c->key_bytes += kl;
    c->values_bytes += vl;
    if (!known)
        c->unknown_series++;
    unsigned kind = code / MAXPATHS, pi = code % MAXPATHS;
    for (size_t off = 0; off < vl;) {
        int codec;
        uint32_t n;
        size_t got, used;
        vg_numtype_t type;
        if (vg_chunk_header (v + off, vl - off, &codec, &n) < 0 || vg_samples_reserve (&c->dec, n) < 0
            || vg_chunk_decode_num (v + off, vl - off, c->dec.ts, c->dec.num, n, &got, &used, &type) < 0) {
            c->corrupt++;
            return 0;
        }
        int hl = vg_chunk_header (v + off, vl - off, &codec, &n);
        uint8_t tmp[10];
        s_acc_t x = { 0 };
        x.chunks = 1;
        x.samples = got;
        x.bytes = used;
        x.header_bytes = (uint64_t) hl + vg_varint_put (tmp, vg_zigzag (c->dec.ts[0]));
        x.ts_bits = vg_chunk_ts_bits (codec, c->dec.ts, got);
        x.value_bits = (used - x.header_bytes) * 8 - x.ts_bits; /* padding included */
        int flat = 1;
        for (size_t i = 1; i < got && flat; i++)
            flat = c->dec.num[i].u == c->dec.num[0].u;
        x.flat_samples = flat ? got : 0;
        x.keys = off == 0; /* a key counts once, with its first chunk */
        s_add (&c->by[kind][codec], &x);
        s_add (&c->all, &x);
        if (known)
            s_add (&c->paths[pi].acc, &x);
        off += used;
    }
    return 0;
}

static uint64_t
s_dir_bytes (const char *dir)
{
    DIR *d = opendir (dir);
    uint64_t total = 0;
    struct dirent *e;
    char path[4096];
    while (d && (e = readdir (d)) != NULL) {
        struct stat st;
        snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.' && lstat (path, &st) == 0 && S_ISREG (st.st_mode))
            total += (uint64_t) st.st_size;
    }
    if (d)
        closedir (d);
    return total;
}

/* key_per: the samples family's bytes per key beyond the chunks (RocksDB key, index, block
 * overhead), charged to each key's kind and path as key_B. */
static void
s_print_acc (const char *name, const s_acc_t *a, uint64_t total_samples, double key_per)
{
    double n = a->samples ? (double) a->samples : 1, key_b = (double) a->keys * key_per;
    printf ("\"%s\":{\"chunks\":%" PRIu64 ",\"keys\":%" PRIu64 ",\"samples\":%" PRIu64 ",\"share_of_samples\":%.4f,"
            "\"flat_share\":%.3f,\"bytes\":%" PRIu64 ",\"bytes_per_sample\":%.3f,\"header_B\":%.3f,"
            "\"ts_B\":%.3f,\"value_B\":%.3f,\"key_B\":%.3f,\"contrib_B_per_fleet_sample\":%.4f}",
            name, a->chunks, a->keys, a->samples, total_samples ? (double) a->samples / (double) total_samples : 0,
            (double) a->flat_samples / n, a->bytes, (double) a->bytes / n, (double) a->header_bytes / n,
            (double) a->ts_bits / 8 / n, (double) a->value_bits / 8 / n, key_b / n,
            total_samples ? ((double) a->bytes + key_b) / (double) total_samples : 0);
}

static int
s_by_bytes (const void *a, const void *b)
{
    const s_path_t *x = a, *y = b;
    return x->acc.bytes < y->acc.bytes ? 1 : x->acc.bytes > y->acc.bytes ? -1 : 0;
}

int
main (int argc, char **argv)
{
    static const char *const cf_names[VG_CF__COUNT] = { "meta",   "series", "samples",  "events",  "agents",
                                                        "alerts", "outbox", "detstate", "episodes",
                                                        "fleetbox" };
    int reencode = 0, a = 1;
    const char *device = NULL;
    for (; a < argc - 1; a++) {
        if (!strcmp (argv[a], "--reencode"))
            reencode = 1;
        else if (!strcmp (argv[a], "--device") && a + 1 < argc - 1)
            device = argv[++a];
        else
            break;
    }
    if (a != argc - 1) {
        fprintf (stderr, "usage: bench_store_bytes [--reencode] [--device GLOB] STORE_DIR\n");
        return 2;
    }
    const char *dir = argv[a];
    char err[512];
    vg_store_cfg_t sc = { dir, VG_STORE_READONLY, 0, false, 0 };
    vg_store_t *s = vg_store_open (&sc, err, sizeof err);
    if (!s) {
        fprintf (stderr, "bench_store_bytes: %s\n", err);
        return 1;
    }
    s_ctx_t *c = calloc (1, sizeof *c);
    if (!c)
        return 1;
    c->reencode = reencode;
    c->device = device;
    int rc = vg_series_meta_scan (s, s_on_series, c, NULL);
    if (rc == 0)
        rc = vg_store_scan (s, VG_CF_SAMPLES, NULL, 0, NULL, 0, s_on_value, c);
    if (rc < 0) {
        fprintf (stderr, "bench_store_bytes: %s\n", vg_strerror (rc));
        return 1;
    }
    uint64_t disk = s_dir_bytes (dir), sst_total = 0, total = c->all.samples;
    uint64_t sst[VG_CF__COUNT] = { 0 };
    for (int i = 0; i < VG_CF__COUNT; i++) {
        vg_store_property (s, (vg_cf_t) i, "rocksdb.total-sst-files-size", &sst[i]);
        sst_total += sst[i];
    }
    double per = total ? 1.0 / (double) total : 0;
    double key_per = c->keys_all ? ((double) sst[VG_CF_SAMPLES] - (double) c->stored_bytes) / (double) c->keys_all : 0;
    printf ("{\"reencoded\":%s,\"samples\":%" PRIu64 ",\"disk_bytes\":%" PRIu64 ",\"disk_B_per_sample\":%.3f,\"cf_sst_B_per_sample\":{",
            reencode ? "true" : "false", total, disk, (double) disk * per);
    for (int i = 0; i < VG_CF__COUNT; i++)
        printf ("%s\"%s\":%.4f", i ? "," : "", cf_names[i], (double) sst[i] * per);
    printf ("},\"other_files_B_per_sample\":%.4f,", (double) (disk - sst_total) * per);
    /* Per family: records, their key and value bytes as written, and the table files. */
    printf ("\"families\":{");
    for (int i = 0; i < VG_CF__COUNT; i++) {
        s_fam_t f = { 0 };
        if (vg_store_scan (s, (vg_cf_t) i, NULL, 0, NULL, 0, s_on_record, &f) < 0)
            f.records = UINT64_MAX;
        double r = f.records && f.records != UINT64_MAX ? (double) f.records : 1;
        printf ("%s\"%s\":{\"records\":%" PRIu64 ",\"key_B_per_record\":%.1f,\"value_B_per_record\":%.1f,"
                "\"sst_B_per_record\":%.1f,\"sst_B_per_sample\":%.4f}",
                i ? "," : "", cf_names[i], f.records, (double) f.key_bytes / r, (double) f.value_bytes / r,
                (double) sst[i] / r, (double) sst[i] * per);
    }
    printf ("},\"sample_keys\":%" PRIu64 ",\"samples_per_key\":%.1f,\"chunk_B_per_sample\":%.3f,"
            "\"samples_sst_minus_chunks_B_per_key\":%.1f,\"corrupt_values\":%" PRIu64 ",\"unknown_series\":%" PRIu64 ",",
            c->keys, c->keys ? (double) total / (double) c->keys : 0, (double) c->values_bytes * per, key_per,
            c->corrupt, c->unknown_series);
    s_print_acc ("all_chunks", &c->all, total, key_per);
    printf (",\"by_kind_codec\":{");
    int first = 1;
    for (int k = 0; k < KINDS; k++)
        for (int d = 0; d < CODECS; d++) {
            if (!c->by[k][d].chunks)
                continue;
            char name[64];
            snprintf (name, sizeof name, "%s/%s", s_kind_name[k], s_codec_name[d]);
            printf ("%s", first ? "" : ",");
            s_print_acc (name, &c->by[k][d], total, key_per);
            first = 0;
        }
    printf ("},\"top_paths\":{");
    qsort (c->paths, c->npaths, sizeof c->paths[0], s_by_bytes);
    for (size_t i = 0; i < c->npaths && i < 15; i++) {
        printf ("%s", i ? "," : "");
        s_print_acc (c->paths[i].path, &c->paths[i].acc, total, key_per);
    }
    printf ("}}\n");
    for (size_t i = 0; i < c->npaths; i++)
        free (c->paths[i].path);
    vg_u64map_free (&c->kind);
    vg_samples_free (&c->dec);
    vg_buf_free (&c->again);
    free (c);
    vg_store_destroy (&s);
    return 0;
}
