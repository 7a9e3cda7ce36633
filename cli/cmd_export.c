/* cmd_export.c - `vigil export`: stored samples of a time range as CSV or NDJSON, exactly.
 *
 * Streams: one pass of a RocksDB iterator over the samples keys of the range (time bucket,
 * then series id), each key's samples decoded and printed before the next is read, so
 * memory does not grow with the range.  The store is opened as a secondary (a running
 * collector keeps writing), caught up once, and read through one view, so the output is
 * the store as of the start of the export.  Values are printed exactly (common/num.h). */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_store.h"
#include "cli/cli.h"
#include "cli/cli_args.h"
#include "cli/fleet_scope.h"
#include "cli/sample_rows.h"
#include "common/err.h"
#include "proto/vigil.pb-c.h"
#include "store/sample_merge.h"
#include "store/series_meta.h"
#include "store/store.h"

typedef struct {
    const char *device, *path; /* fnmatch patterns or NULL */
    const char *labels;        /* fnmatch pattern on the labels as CSV prints them, or NULL */
    const char *site, *vendor; /* a fleet pointer's scope key (exact), or NULL */
    vg_scope_devices_t scope;  /* the devices of that vendor or site */
    int64_t from, to;
    vg_store_view_t *view;
    vg_rows_t *rows;
    vg_buf_t meta;             /* packed SeriesMeta of the current key */
    vg_buf_t ltext;            /* the current series' labels as "k=v;k2=v2" (--labels) */
    uint64_t keys, corrupt;
} s_export_t;

/* 1 when series m's labels, as the CSV column prints them (k=v;k2=v2, "" for none), match
 * the --labels glob (always without one); -VG_ENOMEM when they cannot be rendered. */
static int
s_labels_match (s_export_t *x, const Vigil__SeriesMeta *m)
{
    if (!x->labels)
        return 1;
    vg_buf_reset (&x->ltext);
    int rc = 0;
    for (size_t k = 0; k < m->n_labels && rc == 0; k++)
        rc = vg_buf_printf (&x->ltext, "%s%s=%s", k ? ";" : "", m->labels[k]->key, m->labels[k]->value);
    rc = rc ? rc : vg_buf_append (&x->ltext, "", 1);
    if (rc < 0)
        return rc;
    return fnmatch (x->labels, (const char *) x->ltext.data, 0) == 0;
}

static int
s_row (void *ctx, int64_t ts, vg_num_t v, vg_numtype_t type)
{
    s_export_t *x = ctx;
    return vg_rows_sample (x->rows, ts, v, type);
}

/* One samples key: look up its series, filter, print its samples in the range. */
static int
s_key (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_export_t *x = ctx;
    if (kl != VG_SAMPLE_KEY_LEN)
        return 0;
    x->keys++;
    const uint8_t *sid = k + 4;
    int rc = vg_store_view_get (x->view, VG_CF_SERIES, sid, VG_SERIES_KEY_LEN, &x->meta);
    if (rc == -VG_ENOTFOUND) {
        x->corrupt++;
        return 0;
    }
    if (rc < 0)
        return rc;
    Vigil__SeriesMeta *m = vigil__series_meta__unpack (NULL, x->meta.len, x->meta.data);
    if (!m) {
        x->corrupt++;
        return 0;
    }
    int want = (!x->device || fnmatch (x->device, m->device, 0) == 0) &&
               (!x->path || fnmatch (x->path, m->path, 0) == 0) &&
               (!(x->site || x->vendor) || vg_scope_devices_has (&x->scope, m->device));
    want = want ? s_labels_match (x, m) : 0;
    rc = want < 0 ? want : 0;
    if (want > 0) {
        rc = vg_rows_series (x->rows, m);
        rc = rc ? rc : vg_sample_value_scan_num (v, vl, x->from, x->to, s_row, x);
        if (rc == -VG_EPROTO || rc == -VG_ETRUNC) {
            fprintf (stderr, "vigil export: series %016" PRIx64 " bucket %" PRIu32 ": corrupt chunk (%s)\n",
                     vg_get_be64 (sid), vg_get_be32 (k), vg_strerror (rc));
            x->corrupt++;
            rc = 0;
        }
    }
    vigil__series_meta__free_unpacked (m, NULL);
    return rc;
}

static void
s_help (FILE *f)
{
    fprintf (f, "usage: vigil export --store DIR [--from T] [--to T] [--device PATTERN] [--path PATTERN]\n"
                "                    [--labels PATTERN] [--format csv|ndjson] [--columns LIST] [--out FILE]\n"
                "                    [--pointer URI]\n"
                "  Writes the stored samples of [from, to) as CSV (default) or NDJSON, streaming (memory does\n"
                "  not grow with the range).  Integers (64-bit counters) are exact; doubles are printed in the\n"
                "  shortest form that reads back as the same value.  PATTERNs are shell globs.\n"
                "  T: epoch ms, RFC 3339, 'YYYY-MM-DD HH:MM:SS' (UTC), 'now' or relative (-15m, -2h, -7d).\n"
                "  Rows come by time bucket, then series: each series' rows are in time order.\n"
                "  Reads one consistent state of the store; works while the collector runs.\n"
                "  --columns  CSV columns, from device,path,labels,kind,unit,timestamp_ms,time,value\n"
                "             (default device,path,labels,timestamp_ms,time,value; 'timestamp_ms,value' of one\n"
                "             series is what `vigil detect` reads)\n"
                "  --labels   a glob on the series' labels as the labels column prints them (k=v;k2=v2, empty\n"
                "             for none): with --device and --path it picks one series, e.g. one interface\n"
                "             --labels 'name=TenGigE0/0/0/0'\n"
                "  --out      write to FILE instead of stdout\n"
                "  --pointer  an alert's replay pointer (vigil://DEVICE?...): its store, device, path and range\n"
                "             stand in for the options not given; a fleet finding's (scope=vendor|site)\n"
                "             selects the devices of that vendor or site\n");
}

int
vg_cmd_export (int argc, char **argv)
{
    s_export_t x = { 0 };
    const char *store = NULL, *from = NULL, *to = NULL, *format = "csv", *columns = NULL, *out = NULL, *pointer = NULL;
    static const char *const formats[] = { "csv", "ndjson", NULL };
    const vg_arg_t args[] = {
        { .name = "--store", .type = VG_ARG_STR, .dst = &store },
        { .name = "--device", .type = VG_ARG_STR, .dst = &x.device },
        { .name = "--path", .type = VG_ARG_STR, .dst = &x.path },
        { .name = "--labels", .type = VG_ARG_STR, .dst = &x.labels },
        { .name = "--from", .type = VG_ARG_STR, .dst = &from },
        { .name = "--to", .type = VG_ARG_STR, .dst = &to },
        { .name = "--format", .type = VG_ARG_ENUM, .dst = &format, .choices = formats },
        { .name = "--columns", .type = VG_ARG_STR, .dst = &columns },
        { .name = "--out", .type = VG_ARG_STR, .dst = &out },
        { .name = "--pointer", .type = VG_ARG_STR, .dst = &pointer },
    };
    int arc = vg_cli_args ("vigil export", args, sizeof args / sizeof args[0], argc, argv, s_help, NULL);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    vg_pointer_t ptr;
    if (pointer && vg_cli_pointer ("vigil export", pointer, &ptr, &store, &x.device, &x.site, &x.vendor, &x.path,
                                   &from, &to) < 0)
        return 2;
    if (!store) {
        fprintf (stderr, "vigil export: --store DIR is required (or a --pointer naming it)\n");
        return 2;
    }
    if (vg_cli_time_range ("vigil export", from, to, &x.from, &x.to) < 0)
        return 2;
    char err[512];
    FILE *f = out ? fopen (out, "w") : stdout;
    if (!f) {
        fprintf (stderr, "vigil export: %s: %s\n", out, strerror (errno));
        return 1;
    }
    x.rows = vg_rows_new (f, strcmp (format, "ndjson") == 0 ? VG_ROWS_NDJSON : VG_ROWS_CSV, columns, err, sizeof err);
    if (!x.rows) {
        fprintf (stderr, "vigil export: %s\n", err);
        if (out)
            fclose (f);
        return 2;
    }
    int status = 1;
    int rc;
    vg_store_t *s = vg_cli_store_open ("vigil export", store, &rc);
    if (!s)
        goto done;
    x.view = rc == 0 ? vg_store_view_new (s) : NULL;
    rc = x.view ? 0 : -VG_ESTORE;
    if (rc == 0 && (x.site || x.vendor)) {
        rc = vg_scope_devices (x.view, x.vendor ? "vendor" : "site", x.vendor ? x.vendor : x.site, &x.scope);
        if (rc == 0)
            fprintf (stderr, "vigil export: %s %s: %zu devices\n", x.vendor ? "vendor" : "site",
                     x.vendor ? x.vendor : x.site, x.scope.n);
    }
    rc = rc ? rc : vg_rows_header (x.rows);
    if (rc == 0) {
        /* Keys from the first bucket of the range up to (not including) the one after its last. */
        int64_t bms = vg_store_bucket_ms (s);
        uint8_t k0[4], k1[4];
        vg_be32 (k0, vg_store_bucket (x.from, bms));
        uint64_t b1 = (uint64_t) vg_store_bucket (x.to, bms) + 1;
        vg_be32 (k1, b1 > UINT32_MAX ? UINT32_MAX : (uint32_t) b1);
        rc = vg_store_view_scan (x.view, VG_CF_SAMPLES, k0, 4, b1 > UINT32_MAX ? NULL : k1, 4, s_key, &x);
    }
    rc = rc ? rc : vg_rows_flush (x.rows);
    if (rc < 0)
        fprintf (stderr, "vigil export: %s: %s\n", rc == -VG_EIO ? (out ? out : "stdout") : "store read failed",
                 vg_strerror (rc));
    else
        status = 0;
    fprintf (stderr, "vigil export: %" PRIu64 " rows from %" PRIu64 " series-buckets%s\n", vg_rows_count (x.rows),
             x.keys, x.corrupt ? " (some unreadable, see above)" : "");
done:
    vg_rows_destroy (&x.rows);
    vg_scope_devices_free (&x.scope);
    vg_buf_free (&x.meta);
    vg_buf_free (&x.ltext);
    vg_store_view_destroy (&x.view);
    vg_store_destroy (&s);
    if ((out ? fclose (f) : fflush (f)) != 0 && status == 0) {
        fprintf (stderr, "vigil export: %s: %s\n", out ? out : "stdout", strerror (errno));
        status = 1;
    }
    return status;
}
