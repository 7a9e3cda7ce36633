/* check_range_edges.c - ranges that cross the store's edges give exactly the data inside them:
 * time buckets (one key per series and bucket), chunks (a key holding several chunks, cut at
 * odd times), and retention (whole buckets deleted as the collector's retention deletes
 * them, before the read or while a replay holds its view).  `vigil export` (the real
 * binary) prints exactly the samples in [from, to) that retention left, value for value; a
 * replay (cli/replay.c, in process) feeds exactly those samples and events, whole buckets or
 * in stretches. */
#include <check.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/replay.h"
#include "common/chunk.h"
#include "common/hash.h"
#include "common/model.h"
#include "common/num.h"
#include "detectors/rules.h"
#include "proto/vigil.pb-c.h"
#include "store/series_meta.h"
#include "store/store.h"
#include "tests/support/suite.h"
#include "tests/support/tmpdir.h"

extern char **environ;

#define S_BUCKET INT64_C (3600000)
#define S_T0 (INT64_C (1764367200000)) /* a bucket start: 2025-11-28T22:00:00Z */
#define S_STEP 10000                   /* one sample every 10 s */
#define S_BUCKETS 4
#define S_PER (S_BUCKET / S_STEP)      /* samples per series and bucket */
#define S_CUT 44                       /* each key holds two chunks, cut after this many samples */
#define S_EVENT_EVERY 30               /* one event every 30 samples (5 min) per device */
#define S_NSERIES 3

static char s_dir[64];
static char s_store[128];

static const struct {
    const char *device, *path;
    vg_numtype_t type;
} s_series[S_NSERIES] = {
    { "site1/r1", "/if/in-octets", VG_NUM_U64 },
    { "site1/r1", "/cpu/utilization", VG_NUM_F64 },
    { "site2/r2", "/if/in-octets", VG_NUM_U64 },
};

/* Sample k (from S_T0) of series i: counters near 2^64, gauges with decimals. */
static vg_num_t
s_value (int i, int64_t k)
{
    if (s_series[i].type == VG_NUM_U64)
        return vg_num_u64 (UINT64_MAX - UINT64_C (1000000000) + (uint64_t) (k * 977 + i));
    return vg_num_f64 ((double) ((k * 13 + i) % 1000) / 8.0);
}

/* Every series over S_BUCKETS buckets, each key written as two merge operands (two chunks),
 * and one event per device every S_EVENT_EVERY samples. */
static void
s_make_store (vg_store_t *s)
{
    char err[256];
    vg_store_txn_t *txn = vg_store_txn_new (s);
    vg_buf_t chunk = VG_BUF_INIT, scratch = VG_BUF_INIT;
    static int64_t ts[S_PER];
    static vg_num_t v[S_PER];
    for (int i = 0; i < S_NSERIES; i++) {
        Vigil__SeriesMeta m = VIGIL__SERIES_META__INIT;
        m.device = (char *) s_series[i].device;
        m.path = (char *) s_series[i].path;
        m.kind = s_series[i].type == VG_NUM_U64 ? VIGIL__SERIES_KIND__SERIES_KIND_COUNTER
                                                : VIGIL__SERIES_KIND__SERIES_KIND_GAUGE;
        uint64_t sid = vg_series_id (m.device, m.path, NULL, 0);
        ck_assert_int_eq (vg_series_meta_put (txn, sid, &m, &scratch), 0);
        for (int b = 0; b < S_BUCKETS; b++) {
            for (int k = 0; k < S_PER; k++) {
                int64_t n = (int64_t) b * S_PER + k;
                ts[k] = S_T0 + n * S_STEP;
                v[k] = s_value (i, n);
            }
            uint8_t key[VG_SAMPLE_KEY_LEN];
            vg_key_sample (key, vg_store_bucket (ts[0], S_BUCKET), sid);
            const size_t part[2][2] = { { 0, S_CUT }, { S_CUT, S_PER - S_CUT } };
            for (int c = 0; c < 2; c++) {
                vg_buf_reset (&chunk);
                ck_assert_int_eq (
                    vg_chunk_encode_num (ts + part[c][0], v + part[c][0], s_series[i].type, part[c][1], &chunk), 0);
                vg_store_txn_merge (txn, VG_CF_SAMPLES, key, sizeof key, chunk.data, chunk.len);
            }
        }
    }
    for (int d = 0; d < 2; d++) {
        for (int64_t n = 0; n < (int64_t) S_BUCKETS * S_PER; n += S_EVENT_EVERY) {
            Vigil__StoredEvent e = VIGIL__STORED_EVENT__INIT;
            e.device = (char *) s_series[d * 2].device;
            e.ts_ms = S_T0 + n * S_STEP + 5000;
            e.type = VIGIL__EVENT_TYPE__EVENT_TYPE_CONFIG_CHANGE;
            size_t len = vigil__stored_event__get_packed_size (&e);
            ck_assert_int_eq (vg_buf_reserve (&scratch, len), 0);
            vigil__stored_event__pack (&e, scratch.data);
            uint8_t key[VG_EVENT_KEY_LEN];
            vg_key_event (key, vg_store_bucket (e.ts_ms, S_BUCKET), e.ts_ms, 7 + (uint64_t) d);
            vg_store_txn_put (txn, VG_CF_EVENTS, key, sizeof key, scratch.data, len);
        }
    }
    ck_assert_int_eq (vg_store_commit (s, txn, err, sizeof err), 0);
    ck_assert_int_eq (vg_store_flush (s), 0);
    vg_store_txn_destroy (&txn);
    vg_buf_free (&chunk);
    vg_buf_free (&scratch);
}

/* Retention as the collector runs it (collector/server.c): every bucket before `cutoff`. */
static void
s_retention (vg_store_t *s, uint32_t cutoff)
{
    uint8_t from[4] = { 0, 0, 0, 0 }, to[4];
    vg_be32 (to, cutoff);
    ck_assert_int_eq (vg_store_delete_range (s, VG_CF_SAMPLES, from, 4, to, 4), 0);
    ck_assert_int_eq (vg_store_delete_range (s, VG_CF_EVENTS, from, 4, to, 4), 0);
}

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "edges"));
    snprintf (s_store, sizeof s_store, "%s/store", s_dir);
}

static void
teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

/* Samples (per series) and events (per device) in [from, to) whose bucket is >= kept. */
static void
s_expect (int64_t from, int64_t to, uint32_t kept, uint64_t *samples, uint64_t *events)
{
    *samples = *events = 0;
    for (int64_t n = 0; n < (int64_t) S_BUCKETS * S_PER; n++) {
        int64_t t = S_T0 + n * S_STEP;
        if (t >= from && t < to && vg_store_bucket (t, S_BUCKET) >= kept)
            *samples += S_NSERIES;
        int64_t te = t + 5000;
        if (n % S_EVENT_EVERY == 0 && te >= from && te < to && vg_store_bucket (te, S_BUCKET) >= kept)
            *events += 2;
    }
}

/* `vigil export` of [from, to) into dir/out.csv: checks every row is a stored sample in the
 * range with its exact value, and returns how many rows there were. */
static uint64_t
s_export (int64_t from, int64_t to, uint32_t kept)
{
    char bin[512], out[160], f[32], t[32];
    snprintf (bin, sizeof bin, "%s/vigil", VG_BIN_DIR);
    snprintf (out, sizeof out, "%s/out.csv", s_dir);
    snprintf (f, sizeof f, "%" PRId64, from);
    snprintf (t, sizeof t, "%" PRId64, to);
    char *argv[] = { bin, "export", "--store", s_store, "--from", f, "--to", t, "--format", "csv", "--columns",
                     "device,path,timestamp_ms,value", "--out", out, NULL };
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init (&fa);
    posix_spawn_file_actions_addopen (&fa, 2, "/dev/null", O_WRONLY, 0);
    ck_assert_int_eq (posix_spawn (&pid, bin, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy (&fa);
    int status;
    ck_assert_int_eq (waitpid (pid, &status, 0), pid);
    ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "vigil export failed: %d", status);
    FILE *fp = fopen (out, "r");
    ck_assert_ptr_nonnull (fp);
    char line[256];
    ck_assert_ptr_nonnull (fgets (line, sizeof line, fp));
    ck_assert_str_eq (line, "device,path,timestamp_ms,value\n");
    uint64_t rows = 0;
    while (fgets (line, sizeof line, fp)) {
        char dev[32], path[64], val[48];
        long long ts;
        ck_assert_int_eq (sscanf (line, "%31[^,],%63[^,],%lld,%47s", dev, path, &ts, val), 4);
        ck_assert_msg (ts >= from && ts < to && vg_store_bucket (ts, S_BUCKET) >= kept, "row outside: %s", line);
        int i = 0;
        while (i < S_NSERIES && (strcmp (dev, s_series[i].device) || strcmp (path, s_series[i].path)))
            i++;
        ck_assert_int_lt (i, S_NSERIES);
        char want[VG_NUM_TEXT_MAX];
        vg_num_format (want, s_value (i, (ts - S_T0) / S_STEP), s_series[i].type);
        ck_assert_msg (!strcmp (val, want), "%s: %s, want %s", line, val, want);
        rows++;
    }
    fclose (fp);
    return rows;
}

static vg_rules_t *
s_rules (void)
{
    /* A rule no series matches: the replay reads and feeds everything, nothing alerts. */
    static const char text[] = "version: 1\n"
                               "rules:\n"
                               "  - id: none\n"
                               "    detector: flap\n"
                               "    catalog: A02\n"
                               "    types: interface_flap\n"
                               "    title: never\n"
                               "    severity: low\n"
                               "    match:\n"
                               "      path: [\"/no/such/path\"]\n";
    vg_rules_t *rules = NULL;
    char err[256];
    ck_assert_msg (vg_rules_parse (text, sizeof text - 1, "edges", &rules, err, sizeof err) == 0, "%s", err);
    return rules;
}

static void
s_no_alert (void *ctx, const vg_alert_t *a)
{
    (void) a;
    (*(int *) ctx)++;
}

/* A replay of [from, to) through view v (max_held 0: default); its counters in *st. */
static void
s_replay (vg_store_t *s, vg_store_view_t *v, int64_t from, int64_t to, size_t max_held, vg_replay_stats_t *st)
{
    vg_rules_t *rules = s_rules ();
    vg_replay_cfg_t cfg = { .from_ms = from, .to_ms = to, .lateness_ms = -1, .max_held = max_held };
    int alerts = 0;
    char err[256];
    vg_replay_t *r = vg_replay_new (&cfg, s, v, rules, s_no_alert, &alerts, err, sizeof err);
    ck_assert_msg (r != NULL, "%s", err);
    ck_assert_int_eq (vg_replay_run (r), 0);
    vg_replay_stats (r, st);
    ck_assert_uint_eq (st->corrupt, 0);
    ck_assert_int_eq (alerts, 0);
    vg_replay_destroy (&r);
    vg_rules_destroy (&rules);
}

/* Ranges whose ends fall on a bucket edge, one millisecond either side, a chunk cut, a
 * sample's own time (to is exclusive), inside the retained-away bucket, and everything. */
static void
s_ranges (int64_t r[][2], size_t *n)
{
    const int64_t B = S_BUCKET, cut = (int64_t) S_CUT * S_STEP;
    const int64_t v[][2] = {
        { S_T0, S_T0 + S_BUCKETS * B },                  /* everything */
        { S_T0 + B, S_T0 + 2 * B },                      /* one bucket, edge to edge */
        { S_T0 + B - 1, S_T0 + 2 * B + 1 },              /* one ms over both edges */
        { S_T0 + B + 1, S_T0 + 2 * B - 1 },              /* one ms inside both */
        { S_T0 + B + cut, S_T0 + 3 * B + cut },          /* chunk cut to chunk cut, 2 buckets */
        { S_T0 + B + cut - 1, S_T0 + B + cut + 1 },      /* 2 ms around a chunk cut: 1 sample */
        { S_T0 + B + cut + 1, S_T0 + B + cut + S_STEP }, /* between two samples: none */
        { S_T0 + B / 2, S_T0 + B + B / 2 },              /* half in a retained-away bucket */
        { S_T0 + 5000, S_T0 + B - 5000 },                /* only the retained-away bucket */
        { 0, INT64_C (4102444800000) },                  /* 1970 to 2100: all the store holds */
    };
    *n = sizeof v / sizeof v[0];
    memcpy (r, v, sizeof v);
}

/* Export and replay every range before and after retention drops bucket 0. */
START_TEST (ranges_over_buckets_chunks_and_retention)
{
    char err[256];
    vg_store_cfg_t cfg = { s_store, VG_STORE_RW, S_BUCKET, false, 0 };
    vg_store_t *s = vg_store_open (&cfg, err, sizeof err);
    ck_assert_msg (s != NULL, "%s", err);
    s_make_store (s);
    int64_t r[16][2];
    size_t nr;
    s_ranges (r, &nr);
    uint32_t b0 = vg_store_bucket (S_T0, S_BUCKET);
    for (int pass = 0; pass < 2; pass++) {
        uint32_t kept = pass ? b0 + 1 : b0;
        if (pass)
            s_retention (s, kept);
        vg_store_destroy (&s); /* export opens the store as a secondary: flushed and closed */
        for (size_t i = 0; i < nr; i++) {
            uint64_t want_s, want_e;
            s_expect (r[i][0], r[i][1], kept, &want_s, &want_e);
            uint64_t rows = s_export (r[i][0], r[i][1], kept);
            ck_assert_msg (rows == want_s, "pass %d range %zu: export %" PRIu64 " rows, want %" PRIu64, pass, i, rows,
                           want_s);
            vg_store_cfg_t rc = { s_store, VG_STORE_READONLY, 0, false, 0 };
            vg_store_t *ro = vg_store_open (&rc, err, sizeof err);
            ck_assert_msg (ro != NULL, "%s", err);
            vg_store_view_t *v = vg_store_view_new (ro);
            ck_assert_ptr_nonnull (v);
            for (int stretch = 0; stretch < 2; stretch++) { /* whole buckets, then stretches of ~100 */
                vg_replay_stats_t st;
                s_replay (ro, v, r[i][0], r[i][1], stretch ? 100 : 0, &st);
                ck_assert_msg (st.samples == want_s && st.events == want_e,
                               "pass %d range %zu max_held %d: replay fed %" PRIu64 " samples %" PRIu64
                               " events, want %" PRIu64 " %" PRIu64,
                               pass, i, stretch ? 100 : 0, st.samples, st.events, want_s, want_e);
                ck_assert (!stretch || want_s < 200 || st.max_stretches > 1);
            }
            vg_store_view_destroy (&v);
            vg_store_destroy (&ro);
        }
        s = vg_store_open (&cfg, err, sizeof err);
        ck_assert_msg (s != NULL, "%s", err);
    }
    vg_store_destroy (&s);
}
END_TEST

/* Retention deleting a bucket while a replay holds its view: the replay still reads the
 * state the view was taken in (every bucket), and a view taken after sees the rest. */
START_TEST (retention_during_a_replay)
{
    char err[256];
    vg_store_cfg_t cfg = { s_store, VG_STORE_RW, S_BUCKET, false, 0 };
    vg_store_t *s = vg_store_open (&cfg, err, sizeof err);
    ck_assert_msg (s != NULL, "%s", err);
    s_make_store (s);
    vg_store_view_t *before = vg_store_view_new (s);
    ck_assert_ptr_nonnull (before);
    uint32_t b0 = vg_store_bucket (S_T0, S_BUCKET);
    s_retention (s, b0 + 2);
    vg_store_view_t *after = vg_store_view_new (s);
    ck_assert_ptr_nonnull (after);
    const int64_t from = S_T0 + S_BUCKET / 3, to = S_T0 + 3 * S_BUCKET + 7;
    uint64_t want_s, want_e;
    vg_replay_stats_t st;
    s_expect (from, to, b0, &want_s, &want_e);
    s_replay (s, before, from, to, 0, &st);
    ck_assert_uint_eq (st.samples, want_s);
    ck_assert_uint_eq (st.events, want_e);
    s_expect (from, to, b0 + 2, &want_s, &want_e);
    s_replay (s, after, from, to, 0, &st);
    ck_assert_uint_eq (st.samples, want_s);
    ck_assert_uint_eq (st.events, want_e);
    vg_store_view_destroy (&after);
    vg_store_view_destroy (&before);
    vg_store_destroy (&s);
}
END_TEST

Suite *
vg_range_edges_suite (void)
{
    const TTest *tests[] = { ranges_over_buckets_chunks_and_retention, retention_during_a_replay };
    return vg_test_suite ("range_edges", "range_edges", tests, sizeof tests / sizeof tests[0], 120, setup, teardown);
}
