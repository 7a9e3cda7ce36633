/* check_linux.c - the host input reads fixture /proc trees: counters, CPU deltas on the second
 * round, memory, boot/up time; malformed, missing and oversized files are counted, not fatal. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/hash.h"
#include "decode/linux_proc.h"
#include "tests/support/suite.h"

#define FIX VG_SOURCE_DIR "/tests/decode/data/proc"
#define MAXREC 256

typedef struct {
    char device[64], path[128], label[64], state[16];
    vg_kind_t kind;
    double value;
    int64_t ts;
    uint64_t hint, expect_hint;
} rec_t;

typedef struct {
    rec_t r[MAXREC];
    size_t n, devices;
    vg_device_t dev;
    char dev_id[64], dev_model[64], dev_site[64];
    int fail_at; /* fail this many-th sample call; 0 = never */
    int calls;
} col_t;

static int
s_dev (void *ctx, const vg_device_t *d)
{
    col_t *c = ctx;
    c->devices++;
    snprintf (c->dev_id, sizeof c->dev_id, "%s", d->id);
    snprintf (c->dev_model, sizeof c->dev_model, "%s", d->model ? d->model : "");
    snprintf (c->dev_site, sizeof c->dev_site, "%s", d->site ? d->site : "");
    c->dev = *d;
    return 0;
}

static int
s_sample (void *ctx, const vg_point_t *p)
{
    col_t *c = ctx;
    if (++c->calls == c->fail_at)
        return -VG_EFULL;
    if (c->n == MAXREC)
        return 0; /* only the real-/proc case can get here */
    rec_t *r = &c->r[c->n++];
    snprintf (r->device, sizeof r->device, "%s", p->device);
    snprintf (r->path, sizeof r->path, "%s", p->path);
    snprintf (r->label, sizeof r->label, "%s", p->nlabels ? p->labels[0].value : "");
    r->kind = p->kind;
    r->value = p->value;
    r->ts = p->ts_ms;
    r->hint = p->series_hint;
    r->expect_hint = vg_series_id (p->device, p->path, p->labels, p->nlabels);
    return 0;
}

static int
s_event (void *ctx, const vg_event_t *e)
{
    (void) ctx;
    (void) e;
    return 0;
}

static vg_sink_t
s_sink (col_t *c)
{
    vg_sink_t k = { c, s_dev, s_sample, s_event };
    return k;
}

/* Value of (path suffix, label) in the records, or fail. */
static const rec_t *
s_find (const col_t *c, const char *path, const char *label)
{
    for (size_t i = 0; i < c->n; i++) {
        size_t pl = strlen (c->r[i].path), sl = strlen (path);
        if (pl >= sl && strcmp (c->r[i].path + pl - sl, path) == 0 && strcmp (c->r[i].label, label) == 0)
            return &c->r[i];
    }
    return NULL;
}

static double
s_val (const col_t *c, const char *path, const char *label)
{
    const rec_t *r = s_find (c, path, label);
    ck_assert_msg (r != NULL, "no sample %s {%s}", path, label);
    return r->value;
}

static size_t
s_count (const col_t *c, const char *path)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += strstr (c->r[i].path, path) != NULL;
    return n;
}

static void
s_copy (const char *src, const char *dst)
{
    static char buf[65536];
    FILE *in = fopen (src, "rb");
    ck_assert_msg (in != NULL, "open %s", src);
    size_t n = fread (buf, 1, sizeof buf, in);
    fclose (in);
    FILE *out = fopen (dst, "wb");
    ck_assert_msg (out != NULL, "create %s", dst);
    ck_assert_uint_eq (fwrite (buf, 1, n, out), n);
    fclose (out);
}

/* Copy round<r>'s files into dir (creating sub-directories on the first round). */
static void
s_install (const char *dir, int round)
{
    static const char *const files[] = { "net/dev", "stat", "meminfo", "uptime", "sys/kernel/hostname",
                                         "sys/kernel/osrelease" };
    char src[512], dst[512];
    if (round == 1) {
        static const char *const dirs[] = { "net", "sys", "sys/kernel" };
        for (size_t i = 0; i < 3; i++) {
            snprintf (dst, sizeof dst, "%s/%s", dir, dirs[i]);
            ck_assert_int_eq (mkdir (dst, 0700), 0);
        }
    }
    for (size_t i = 0; i < (round == 1 ? 6u : 4u); i++) {
        snprintf (src, sizeof src, "%s/round%d/%s", FIX, round, files[i]);
        snprintf (dst, sizeof dst, "%s/%s", dir, files[i]);
        s_copy (src, dst);
    }
}

static void
s_rmtree (const char *dir)
{
    static const char *const files[] = { "net/dev", "stat", "meminfo", "uptime", "sys/kernel/hostname",
                                         "sys/kernel/osrelease", "sys/kernel", "sys", "net" };
    char p[512];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf (p, sizeof p, "%s/%s", dir, files[i]);
        remove (p);
    }
    rmdir (dir);
}

START_TEST (two_rounds)
{
    char dir[] = "/tmp/vg_linux_XXXXXX";
    ck_assert_ptr_nonnull (mkdtemp (dir));
    s_install (dir, 1);
    vg_linux_cfg_t cfg = { .proc_root = dir, .site = "lab" };
    int err = 1;
    vg_linux_t *l = vg_linux_new (&cfg, &err);
    ck_assert_ptr_nonnull (l);
    ck_assert_int_eq (err, 0);
    ck_assert_str_eq (vg_linux_device_id (l), "testhost");
    col_t *c = calloc (1, sizeof *c);
    vg_sink_t k = s_sink (c);

    /* Round 1: 2 interfaces x 8 counters, boot time, memory x 2, up-time; no CPU yet. */
    ck_assert_int_eq (vg_linux_poll (l, 1000, &k), 20);
    ck_assert_uint_eq (c->n, 20);
    ck_assert_uint_eq (c->devices, 1);
    ck_assert_str_eq (c->dev_id, "testhost");
    ck_assert_str_eq (c->dev_model, "6.1.0-18-amd64");
    ck_assert_str_eq (c->dev_site, "lab");
    ck_assert_str_eq (c->dev.vendor, "linux");
    ck_assert_str_eq (c->dev.role, "host");
    ck_assert_double_eq (s_val (c, "/counters/in-octets", "eth0"), 987654321.0);
    ck_assert_double_eq (s_val (c, "/counters/in-pkts", "eth0"), 1234567.0);
    ck_assert_double_eq (s_val (c, "/counters/in-errors", "eth0"), 2.0);
    ck_assert_double_eq (s_val (c, "/counters/in-discards", "eth0"), 5.0);
    ck_assert_double_eq (s_val (c, "/counters/out-octets", "eth0"), 123456789.0);
    ck_assert_double_eq (s_val (c, "/counters/out-pkts", "eth0"), 654321.0);
    ck_assert_double_eq (s_val (c, "/counters/out-discards", "eth0"), 1.0);
    ck_assert_double_eq (s_val (c, "/counters/in-octets", "lo"), 1234567.0);
    ck_assert_double_eq (s_val (c, "/system/memory/state/physical", ""), 8000000.0 * 1024);
    ck_assert_double_eq (s_val (c, "/system/memory/state/used", ""), 5000000.0 * 1024);
    ck_assert_double_eq (s_val (c, "/system/state/boot-time", ""), 1767225000000.0);
    ck_assert_double_eq (s_val (c, "/system/state/up-time", ""), 12345670.0);
    ck_assert_uint_eq (s_count (c, "cpu/utilization"), 0);
    for (size_t i = 0; i < c->n; i++) {
        ck_assert_uint_eq (c->r[i].hint, c->r[i].expect_hint);
        ck_assert_int_eq (c->r[i].ts, 1000);
        ck_assert_str_eq (c->r[i].device, "testhost");
        if (strstr (c->r[i].path, "/counters/"))
            ck_assert_int_eq (c->r[i].kind, VG_KIND_COUNTER);
        else
            ck_assert_int_eq (c->r[i].kind, VG_KIND_GAUGE);
    }
    ck_assert_uint_eq (vg_linux_stats (l)->errors, 0);

    /* Round 2: a new interface, CPU utilisation from the jiffy deltas. */
    s_install (dir, 2);
    c->n = 0;
    ck_assert_int_eq (vg_linux_poll (l, 61000, &k), 31);
    ck_assert_uint_eq (c->devices, 1); /* announced once */
    ck_assert_double_eq_tol (s_val (c, "cpu/utilization/state/instant", "cpu"), 42.11, 1e-9);
    ck_assert_double_eq_tol (s_val (c, "cpu/utilization/state/instant", "cpu0"), 52.63, 1e-9);
    ck_assert_double_eq_tol (s_val (c, "cpu/utilization/state/instant", "cpu1"), 31.58, 1e-9);
    ck_assert_double_eq (s_val (c, "/counters/in-octets", "wg0"), 100.0);
    ck_assert_double_eq (s_val (c, "/counters/in-octets", "eth0"), 987754321.0);
    ck_assert_double_eq (s_val (c, "/system/memory/state/used", ""), 5100000.0 * 1024);
    for (size_t i = 0; i < c->n; i++)
        ck_assert_uint_eq (c->r[i].hint, c->r[i].expect_hint);
    ck_assert_uint_eq (vg_linux_stats (l)->errors, 0);
    ck_assert_uint_eq (vg_linux_stats (l)->messages, 2);
    ck_assert_uint_eq (vg_linux_stats (l)->samples, 51);

    /* Round 3: jiffies go backwards (round-1 stat again): counted, no CPU sample. */
    char src[512], dst[512];
    snprintf (src, sizeof src, "%s/round1/stat", FIX);
    snprintf (dst, sizeof dst, "%s/stat", dir);
    s_copy (src, dst);
    c->n = 0;
    ck_assert_int_eq (vg_linux_poll (l, 121000, &k), 28);
    ck_assert_uint_eq (s_count (c, "cpu/utilization"), 0);
    ck_assert_uint_eq (vg_linux_stats (l)->errors, 3);

    vg_linux_destroy (&l);
    ck_assert_ptr_null (l);
    vg_linux_destroy (&l);
    free (c);
    s_rmtree (dir);
}
END_TEST

START_TEST (malformed)
{
    vg_linux_cfg_t cfg = { .proc_root = FIX "/malformed", .device_id = "lab/host1" };
    vg_linux_t *l = vg_linux_new (&cfg, NULL);
    ck_assert_ptr_nonnull (l);
    col_t *c = calloc (1, sizeof *c);
    vg_sink_t k = s_sink (c);
    /* Only eth4 and eth5 (last line, no newline) are good: 16 samples.  Errors: net/dev 6
     * (truncated, bad name, non-numeric, huge line, overflow, no colon), stat 2 (short cpu line,
     * bad btime), meminfo 2 (bad MemTotal, then none), uptime 1. */
    ck_assert_int_eq (vg_linux_poll (l, 5000, &k), 16);
    ck_assert_uint_eq (c->n, 16);
    ck_assert_uint_eq (vg_linux_stats (l)->errors, 11);
    ck_assert_str_ne (vg_linux_stats (l)->last_error, "");
    ck_assert_double_eq (s_val (c, "/counters/in-octets", "eth4"), 1.0);
    ck_assert_double_eq (s_val (c, "/counters/out-discards", "eth5"), 12.0);
    ck_assert_ptr_null (s_find (c, "/counters/in-octets", "eth0"));
    ck_assert_ptr_null (s_find (c, "/counters/in-octets", "eth3"));
    ck_assert_str_eq (c->dev_model, "unknown");
    vg_linux_destroy (&l);
    free (c);
}
END_TEST

START_TEST (missing_and_bad_cfg)
{
    vg_linux_cfg_t cfg = { .proc_root = "/nonexistent/vigil-proc", .device_id = "h1" };
    vg_linux_t *l = vg_linux_new (&cfg, NULL);
    ck_assert_ptr_nonnull (l);
    col_t *c = calloc (1, sizeof *c);
    vg_sink_t k = s_sink (c);
    ck_assert_int_eq (vg_linux_poll (l, 1, &k), -VG_EIO);
    ck_assert_uint_eq (vg_linux_stats (l)->errors, 4);
    vg_linux_destroy (&l);

    char longid[VG_MAX_ID_LEN + 10];
    memset (longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    cfg.device_id = longid;
    int err = 0;
    ck_assert_ptr_null (vg_linux_new (&cfg, &err));
    ck_assert_int_eq (err, -VG_EINVAL);

    /* A sink error stops the poll and is returned. */
    vg_linux_cfg_t ok = { .proc_root = FIX "/round1", .device_id = "h2" };
    l = vg_linux_new (&ok, NULL);
    c->fail_at = 3;
    ck_assert_int_eq (vg_linux_poll (l, 1, &k), -VG_EFULL);
    vg_linux_destroy (&l);
    free (c);
}
END_TEST

/* A /proc/stat larger than the read bound is truncated at its last complete line. */
START_TEST (oversized)
{
    char dir[] = "/tmp/vg_linux_XXXXXX", path[512];
    ck_assert_ptr_nonnull (mkdtemp (dir));
    snprintf (path, sizeof path, "%s/stat", dir);
    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    fputs ("cpu  100 0 100 800 0 0 0 0\nintr", f);
    for (int i = 0; i < 300000; i++)
        fputs (" 12", f); /* 900 KB */
    fputs ("\nsoftirq", f);
    for (int i = 0; i < 100000; i++)
        fputs (" 34", f); /* crosses 1 MiB */
    fputs ("\nbtime 1767225000\n", f);
    fclose (f);
    vg_linux_cfg_t cfg = { .proc_root = dir, .device_id = "h3" };
    vg_linux_t *l = vg_linux_new (&cfg, NULL);
    col_t *c = calloc (1, sizeof *c);
    vg_sink_t k = s_sink (c);
    /* stat read (truncated: btime lost); net/dev, meminfo, uptime missing. */
    ck_assert_int_eq (vg_linux_poll (l, 1, &k), 0);
    ck_assert_uint_eq (vg_linux_stats (l)->errors, 4);
    ck_assert_ptr_null (s_find (c, "/system/state/boot-time", ""));
    vg_linux_destroy (&l);
    free (c);
    remove (path);
    rmdir (dir);
}
END_TEST

/* The real /proc of this machine parses without errors. */
START_TEST (real_proc)
{
    if (access ("/proc/net/dev", R_OK) != 0)
        return;
    vg_linux_t *l = vg_linux_new (NULL, NULL);
    ck_assert_ptr_nonnull (l);
    col_t *c = calloc (1, sizeof *c);
    vg_sink_t k = s_sink (c);
    ck_assert_int_gt (vg_linux_poll (l, 1, &k), 4);
    ck_assert_int_ge (vg_linux_poll (l, 2, &k), 4);
    ck_assert_msg (vg_linux_stats (l)->errors == 0, "%s", vg_linux_stats (l)->last_error);
    ck_assert (s_find (c, "/system/memory/state/physical", "") != NULL);
    vg_linux_destroy (&l);
    free (c);
}
END_TEST

Suite *
vg_linux_proc_suite (void)
{
    const TTest *tests[] = { two_rounds, malformed, missing_and_bad_cfg, oversized, real_proc };
    return vg_test_suite ("linux", "linux", tests, sizeof tests / sizeof tests[0], 30, NULL, NULL);
}
