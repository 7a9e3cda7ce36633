/* cmd_query.c - `vigil query`: stored samples (or events with --events) as CSV or NDJSON.
 * Opens the store as a secondary instance, so it works while the collector runs. */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_store.h"
#include "cli/cli_args.h"
#include "cli/cli.h"
#include "cli/sample_rows.h"
#include "common/json.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/model.h"
#include "common/num.h"
#include "store/sample_merge.h"
#include "store/store.h"
#include "store/series_meta.h"
#include "proto/vigil.pb-c.h"

typedef struct {
    const char *store;
    const char *device;   /* fnmatch pattern or NULL */
    const char *path;     /* fnmatch pattern or NULL */
    int64_t from, to;
    bool json, events;
    vg_store_t *s;
    uint32_t *buckets;    /* non-empty buckets in the query's range, ascending */
    size_t nbuckets;
    vg_rows_t *rows;      /* sample lines */
    uint64_t nrows;       /* lines printed */
    vg_buf_t val;
} s_query_t;

static void
s_json_str (FILE *f, const char *s)
{
    char esc[VG_JSON_ESCAPED_MAX (VG_MAX_PATH_LEN) + 1]; /* stored strings are at most this long */
    vg_json_escape (esc, sizeof esc, s);
    fprintf (f, "\"%s\"", esc);
}

static void
s_csv_str (FILE *f, const char *s)
{
    s = s ? s : "";
    if (!strpbrk (s, ",\"\n")) {
        fputs (s, f);
        return;
    }
    fputc ('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc ('"', f);
        fputc (*s, f);
    }
    fputc ('"', f);
}

static int
s_row (void *ctx, int64_t ts, vg_num_t v, vg_numtype_t type)
{
    s_query_t *q = ctx;
    return vg_rows_sample (q->rows, ts, v, type);
}

static int
s_series (void *ctx, uint64_t sid, Vigil__SeriesMeta **meta_p)
{
    s_query_t *q = ctx;
    const Vigil__SeriesMeta *m = *meta_p;
    if ((q->device && fnmatch (q->device, m->device, 0) != 0) || (q->path && fnmatch (q->path, m->path, 0) != 0))
        return 0;
    int rc = vg_rows_series (q->rows, m);
    for (size_t i = 0; i < q->nbuckets && rc == 0; i++) {
        uint8_t key[VG_SAMPLE_KEY_LEN];
        vg_key_sample (key, q->buckets[i], sid);
        if (vg_store_get (q->s, VG_CF_SAMPLES, key, sizeof key, &q->val) < 0)
            continue;
        rc = vg_sample_value_scan_num (q->val.data, q->val.len, q->from, q->to, s_row, q);
        if (rc == -VG_EIO || rc == -VG_ENOMEM)
            return rc;
        if (rc < 0)
            fprintf (stderr, "vigil query: series %016" PRIx64 " bucket %" PRIu32 ": corrupt chunk (%s)\n", sid,
                     q->buckets[i], vg_strerror (rc));
        rc = 0;
    }
    return rc;
}

static int
s_bucket_of_key (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void) v;
    (void) vl;
    uint32_t *out = ctx;
    if (kl >= 4)
        *out = vg_get_be32 (k);
    return 1; /* first key only */
}

/* List the buckets of the query range that hold any sample: one seek per non-empty
 * bucket, so years of empty time between old captures and today cost nothing. */
static int
s_find_buckets (s_query_t *q)
{
    int64_t bms = vg_store_bucket_ms (q->s);
    uint64_t b = vg_store_bucket (q->from, bms), last = vg_store_bucket (q->to, bms);
    size_t cap = 0;
    while (b <= last) {
        uint8_t from[4];
        vg_be32 (from, (uint32_t) b);
        uint32_t found = UINT32_MAX;
        int rc = vg_store_scan (q->s, VG_CF_SAMPLES, from, 4, NULL, 0, s_bucket_of_key, &found);
        if (rc < 0)
            return rc;
        if (found == UINT32_MAX || found > last)
            break;
        if (q->nbuckets == cap) {
            cap = cap ? cap * 2 : 64;
            uint32_t *nb = realloc (q->buckets, cap * sizeof *nb);
            if (!nb)
                return -VG_ENOMEM;
            q->buckets = nb;
        }
        q->buckets[q->nbuckets++] = found;
        b = (uint64_t) found + 1;
    }
    return 0;
}

static int
s_event (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_query_t *q = ctx;
    (void) k;
    (void) kl;
    Vigil__StoredEvent *e = vigil__stored_event__unpack (NULL, vl, v);
    if (!e)
        return 0;
    if (e->ts_ms < q->from || e->ts_ms >= q->to || (q->device && fnmatch (q->device, e->device, 0) != 0)) {
        vigil__stored_event__free_unpacked (e, NULL);
        return 0;
    }
    char t[40];
    vg_clock_rfc3339 (e->ts_ms, t, sizeof t);
    const char *type = vg_event_type_name ((vg_event_type_t) e->type);
    if (q->json) {
        fputs ("{\"device\":", stdout);
        s_json_str (stdout, e->device);
        printf (",\"type\":\"%s\",\"ts_ms\":%" PRId64 ",\"time\":\"%s\",\"attrs\":{", type, e->ts_ms, t);
        for (size_t i = 0; i < e->n_attrs; i++) {
            if (i)
                fputc (',', stdout);
            s_json_str (stdout, e->attrs[i]->key);
            fputc (':', stdout);
            s_json_str (stdout, e->attrs[i]->value);
        }
        fputc ('}', stdout);
        if (e->flow) {
            fputs (",\"flow\":{\"src\":", stdout);
            s_json_str (stdout, e->flow->src);
            fputs (",\"dst\":", stdout);
            s_json_str (stdout, e->flow->dst);
            printf (",\"dst_port\":%u,\"protocol\":%u,\"bytes\":%" PRIu64 ",\"packets\":%" PRIu64 "}",
                    e->flow->dst_port, e->flow->protocol, e->flow->bytes, e->flow->packets);
        }
        if (e->gap)
            printf (",\"gap\":{\"from_ms\":%" PRId64 ",\"to_ms\":%" PRId64 ",\"samples\":%" PRIu64
                    ",\"events\":%" PRIu64 ",\"reason\":\"%s\"}",
                    e->gap->from_ms, e->gap->to_ms, e->gap->samples, e->gap->events, e->gap->reason);
        fputs ("}\n", stdout);
    } else {
        s_csv_str (stdout, e->device);
        printf (",%s,%" PRId64 ",%s,", type, e->ts_ms, t);
        char attrs[2048];
        size_t n = 0;
        attrs[0] = '\0';
        for (size_t i = 0; i < e->n_attrs && n < sizeof attrs; i++)
            n += (size_t) snprintf (attrs + n, sizeof attrs - n, "%s%s=%s", i ? ";" : "", e->attrs[i]->key,
                                    e->attrs[i]->value);
        if (e->flow && n < sizeof attrs)
            n += (size_t) snprintf (attrs + n, sizeof attrs - n, "%sdst=%s;dst_port=%u;bytes=%" PRIu64, n ? ";" : "",
                                    e->flow->dst, e->flow->dst_port, e->flow->bytes);
        if (e->gap && n < sizeof attrs)
            snprintf (attrs + n, sizeof attrs - n, "%sfrom_ms=%" PRId64 ";to_ms=%" PRId64 ";samples=%" PRIu64
                      ";reason=%s", n ? ";" : "", e->gap->from_ms, e->gap->to_ms, e->gap->samples, e->gap->reason);
        s_csv_str (stdout, attrs);
        fputc ('\n', stdout);
    }
    q->nrows++;
    vigil__stored_event__free_unpacked (e, NULL);
    return 0;
}

static void
s_help (FILE *f)
{
    fprintf (f, "usage: vigil query --store DIR [--device PATTERN] [--path PATTERN] [--from T] [--to T]\n"
                "                   [--format csv|json] [--events]\n"
                "  Prints stored samples (or events with --events), one per line.  PATTERNs are shell globs.\n"
                "  T: epoch ms, RFC 3339, 'YYYY-MM-DD HH:MM:SS' (UTC), 'now' or relative (-15m, -2h, -7d).\n"
                "  Time range is [from, to); default: everything.  Works while the collector runs.\n"
                "  CSV columns: device,path,labels,timestamp_ms,time,value  (events: device,type,timestamp_ms,time,attrs)\n");
}

int
vg_cmd_query (int argc, char **argv)
{
    s_query_t q = { 0 };
    const char *from = NULL, *to = NULL, *format = "csv";
    static const char *const formats[] = { "csv", "json", NULL };
    const vg_arg_t args[] = {
        { .name = "--store", .type = VG_ARG_STR, .dst = &q.store, .required = true },
        { .name = "--device", .type = VG_ARG_STR, .dst = &q.device },
        { .name = "--path", .type = VG_ARG_STR, .dst = &q.path },
        { .name = "--from", .type = VG_ARG_STR, .dst = &from },
        { .name = "--to", .type = VG_ARG_STR, .dst = &to },
        { .name = "--format", .type = VG_ARG_ENUM, .dst = &format, .choices = formats },
        { .name = "--events", .type = VG_ARG_FLAG, .dst = &q.events },
    };
    int arc = vg_cli_args ("vigil query", args, sizeof args / sizeof args[0], argc, argv, s_help, NULL);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    if (vg_cli_time_range ("vigil query", from, to, &q.from, &q.to) < 0)
        return 2;
    if (q.events && q.path) { /* events have a type, not a path: --path was ignored, every event printed */
        fprintf (stderr, "vigil query: --path does not apply to --events (events have a type, no path)\n");
        return 2;
    }
    q.json = !strcmp (format, "json");
    char err[512];
    q.s = vg_cli_store_open ("vigil query", q.store, NULL);
    if (!q.s)
        return 1;
    int rc;
    if (q.events) {
        if (!q.json)
            printf ("device,type,timestamp_ms,time,attrs\n");
        uint8_t k0[4], k1[4];
        int64_t bms = vg_store_bucket_ms (q.s);
        vg_be32 (k0, vg_store_bucket (q.from, bms));
        uint64_t b1 = (uint64_t) vg_store_bucket (q.to, bms) + 1;
        vg_be32 (k1, b1 > UINT32_MAX ? UINT32_MAX : (uint32_t) b1);
        rc = vg_store_scan (q.s, VG_CF_EVENTS, k0, 4, b1 > UINT32_MAX ? NULL : k1, 4, s_event, &q);
    } else {
        q.rows = vg_rows_new (stdout, q.json ? VG_ROWS_NDJSON : VG_ROWS_CSV, NULL, err, sizeof err);
        rc = q.rows ? vg_rows_header (q.rows) : -VG_ENOMEM;
        rc = rc ? rc : s_find_buckets (&q);
        if (rc == 0 && q.nbuckets)
            rc = vg_series_meta_scan (q.s, s_series, &q, NULL);
        rc = rc ? rc : q.rows ? vg_rows_flush (q.rows) : 0;
        q.nrows = q.rows ? vg_rows_count (q.rows) : 0;
        vg_rows_destroy (&q.rows);
    }
    vg_buf_free (&q.val);
    free (q.buckets);
    vg_store_destroy (&q.s);
    return vg_cli_store_read_done ("vigil query", rc, q.nrows, "rows");
}
