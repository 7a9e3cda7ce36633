/* cmd_inspect.c - `vigil inspect`: what a store holds and what it costs on disk. */
#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_store.h"
#include "cli/cli_args.h"
#include "cli/cli.h"
#include "common/err.h"
#include "store/sample_merge.h"
#include "store/store.h"

typedef struct {
    uint64_t series, samples, chunks_bytes, keys, events, corrupt;
} s_counts_t;

static int
s_count_key (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void) k;
    (void) kl;
    (void) v;
    (void) vl;
    (*(uint64_t *) ctx)++;
    return 0;
}

static int
s_count_samples (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_counts_t *c = ctx;
    (void) k;
    (void) kl;
    int64_t n = vg_sample_value_count (v, vl);
    if (n < 0)
        c->corrupt++;
    else
        c->samples += (uint64_t) n;
    c->chunks_bytes += vl;
    c->keys++;
    return 0;
}

/* Bytes of all regular files under dir (one level of subdirectories is enough for RocksDB). */
static uint64_t
s_dir_bytes (const char *dir, int depth)
{
    DIR *d = opendir (dir);
    if (!d)
        return 0;
    uint64_t total = 0;
    struct dirent *e;
    char path[4096];
    while ((e = readdir (d)) != NULL) {
        if (!strcmp (e->d_name, ".") || !strcmp (e->d_name, ".."))
            continue;
        snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat (path, &st) != 0)
            continue;
        if (S_ISREG (st.st_mode))
            total += (uint64_t) st.st_size;
        else if (S_ISDIR (st.st_mode) && depth < 2)
            total += s_dir_bytes (path, depth + 1);
    }
    closedir (d);
    return total;
}

static void
s_help (FILE *f)
{
    fprintf (f, "usage: vigil inspect --store DIR [--format text|json]\n"
                "  Series, samples, events, bytes on disk and bytes per sample of a store.\n");
}

int
vg_cmd_inspect (int argc, char **argv)
{
    const char *store = NULL, *format = "text";
    static const char *const formats[] = { "text", "json", NULL };
    const vg_arg_t args[] = {
        { .name = "--store", .type = VG_ARG_STR, .dst = &store, .required = true },
        { .name = "--format", .type = VG_ARG_ENUM, .dst = &format, .choices = formats },
    };
    int arc = vg_cli_args ("vigil inspect", args, sizeof args / sizeof args[0], argc, argv, s_help, NULL);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    bool json = !strcmp (format, "json");
    vg_store_t *s = vg_cli_store_open ("vigil inspect", store, NULL);
    if (!s)
        return 1;
    s_counts_t c = { 0 };
    int rc = vg_store_scan (s, VG_CF_SERIES, NULL, 0, NULL, 0, s_count_key, &c.series);
    if (rc == 0)
        rc = vg_store_scan (s, VG_CF_SAMPLES, NULL, 0, NULL, 0, s_count_samples, &c);
    if (rc == 0)
        rc = vg_store_scan (s, VG_CF_EVENTS, NULL, 0, NULL, 0, s_count_key, &c.events);
    /* The table files of each family; what the directory holds beyond them (MANIFEST,
     * OPTIONS, WAL, logs) is "files" below: a few tens of kB whatever the store holds. */
    uint64_t fam[VG_CF__COUNT] = { 0 }, sst_all = 0;
    for (int i = 0; i < VG_CF__COUNT; i++) {
        vg_store_property (s, (vg_cf_t) i, "rocksdb.total-sst-files-size", &fam[i]);
        sst_all += fam[i];
    }
    uint64_t sst = fam[VG_CF_SAMPLES];
    vg_store_destroy (&s);
    if (vg_cli_store_read_done ("vigil inspect", rc, 0, NULL))
        return 1;
    uint64_t disk = s_dir_bytes (store, 0);
    uint64_t files = disk > sst_all ? disk - sst_all : 0;
    double per = c.samples ? (double) disk / (double) c.samples : 0;
    double per_chunk = c.samples ? (double) c.chunks_bytes / (double) c.samples : 0;
    if (json) {
        printf ("{\"series\":%" PRIu64 ",\"samples\":%" PRIu64 ",\"events\":%" PRIu64 ",\"sample_keys\":%" PRIu64
                ",\"chunk_bytes\":%" PRIu64 ",\"sample_sst_bytes\":%" PRIu64 ",\"disk_bytes\":%" PRIu64
                ",\"bytes_per_sample\":%.3f,\"chunk_bytes_per_sample\":%.3f,\"corrupt_values\":%" PRIu64
                ",\"family_bytes\":{",
                c.series, c.samples, c.events, c.keys, c.chunks_bytes, sst, disk, per, per_chunk, c.corrupt);
        for (int i = 0; i < VG_CF__COUNT; i++)
            printf ("\"%s\":%" PRIu64 ",", vg_store_cf_name ((vg_cf_t) i), fam[i]);
        printf ("\"files\":%" PRIu64 "}}\n", files);
        return 0;
    }
        printf ("store:                  %s\n"
                "series:                 %" PRIu64 "\n"
                "samples:                %" PRIu64 "\n"
                "events:                 %" PRIu64 "\n"
                "sample keys (chunks):   %" PRIu64 "\n"
                "chunk bytes:            %" PRIu64 " (%.3f per sample)\n"
                "bytes on disk:          %" PRIu64 " (all files, incl. WAL and logs)\n"
                "bytes per sample:       %.3f\n"
                "corrupt values:         %" PRIu64 "\n",
                store, c.series, c.samples, c.events, c.keys, c.chunks_bytes, per_chunk, disk, per, c.corrupt);
    printf ("bytes by family:       ");
    for (int i = 0; i < VG_CF__COUNT; i++)
        if (fam[i])
            printf (" %s %" PRIu64, vg_store_cf_name ((vg_cf_t) i), fam[i]);
    printf (" files %" PRIu64 "\n", files);
    return 0;
}
