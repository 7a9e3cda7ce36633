/* linux_proc.c - host telemetry from /proc (see linux_proc.h for paths and units).
 *
 * Invariant: poll never allocates and never trusts a file: every file is read into one
 * bounded buffer, every line is parsed with explicit bounds, and anything unexpected is
 * counted in the stats and skipped.  Series hints are computed once per series, when the
 * interface or CPU is first seen. */
#include "decode/linux_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/hash.h"

#define FILE_MAX (1u << 20)  /* bytes read from one /proc file */
#define LINE_MAX_NETDEV 1024 /* a longer net/dev line is malformed */
#define MAX_IFS 256
#define MAX_CPUS 512
#define IFNAME_MAX 64
#define NIFC 8

#define IFC "/interfaces/interface/state/counters/"
#define CPU_PATH "/components/component/cpu/utilization/state/instant"
#define MEM_PHYS "/system/memory/state/physical"
#define MEM_USED "/system/memory/state/used"
#define BOOT_PATH "/system/state/boot-time"
#define UP_PATH "/system/state/up-time"

/* net/dev columns we emit: receive 0-3, transmit 8-11. */
static const struct {
    int col;
    const char *path;
} s_ifc[NIFC] = {
    { 0, IFC "in-octets" },  { 1, IFC "in-pkts" },  { 2, IFC "in-errors" },  { 3, IFC "in-discards" },
    { 8, IFC "out-octets" }, { 9, IFC "out-pkts" }, { 10, IFC "out-errors" }, { 11, IFC "out-discards" },
};

typedef struct {
    char name[IFNAME_MAX];
    uint64_t hint[NIFC];
} iface_t;

typedef struct {
    char name[16];      /* "cpu" or "cpuN" */
    uint64_t hint;
    uint64_t total, idle; /* previous jiffies */
    int have;           /* previous values valid */
} cpu_t;

/* s_named finds both by the name they start with. */
_Static_assert (offsetof (iface_t, name) == 0 && offsetof (cpu_t, name) == 0, "name first");

struct vg_linux {
    char root[512];
    char id[VG_MAX_ID_LEN];
    char site[VG_MAX_ID_LEN];
    char release[128];
    vg_device_t dev;
    int announced;
    char *buf;          /* FILE_MAX + 1 bytes */
    iface_t ifs[MAX_IFS];
    size_t nifs;
    cpu_t *cpus;        /* MAX_CPUS */
    size_t ncpus;
    uint64_t h_phys, h_used, h_boot, h_up;
    vg_decode_stats_t st;
};

/* Read <root>/<rel> into l->buf (NUL-terminated).  Returns the length, or a negative code
 * after counting the error.  An oversized file is counted and truncated after its last
 * complete line. */
static long
s_read (vg_linux_t *l, const char *rel)
{
    char path[640];
    snprintf (path, sizeof path, "%s/%s", l->root, rel);
    int fd = open (path, O_RDONLY);
    if (fd < 0)
        return vg_decode_fail (&l->st, -VG_EIO, "%s: %s", path, strerror (errno));
    size_t n = 0;
    int over = 0;
    for (;;) {
        if (n == FILE_MAX) {
            char c;
            over = read (fd, &c, 1) > 0;
            break;
        }
        ssize_t r = read (fd, l->buf + n, FILE_MAX - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close (fd);
            return vg_decode_fail (&l->st, -VG_EIO, "%s: %s", path, strerror (e));
        }
        if (r == 0)
            break;
        n += (size_t) r;
    }
    close (fd);
    if (over) {
        vg_decode_fail (&l->st, -VG_ETOOBIG, "%s: larger than %u bytes, truncated", path, FILE_MAX);
        while (n > 0 && l->buf[n - 1] != '\n')
            n--;
    }
    l->buf[n] = '\0';
    return (long) n;
}

/* Next line of the NUL-terminated text at *pos: returns its start and length, or NULL. */
static const char *
s_line (char **pos, size_t *len)
{
    char *p = *pos;
    if (*p == '\0')
        return NULL;
    char *nl = strchr (p, '\n');
    *len = nl ? (size_t) (nl - p) : strlen (p);
    *pos = nl ? nl + 1 : p + *len;
    return p;
}

/* Parse an unsigned decimal at *p (after blanks) not past end.  Returns 0 or -1. */
static int
s_u64 (const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    if (s == end || *s < '0' || *s > '9')
        return -1;
    uint64_t v = 0;
    while (s < end && *s >= '0' && *s <= '9') {
        unsigned d = (unsigned) (*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        s++;
    }
    if (s < end && *s != ' ' && *s != '\t' && *s != '\r')
        return -1;
    *p = s;
    *out = v;
    return 0;
}

static void
s_trim_copy (char *dst, size_t cap, const char *src)
{
    while (*src == ' ' || *src == '\t')
        src++;
    size_t n = strcspn (src, "\r\n");
    if (n >= cap)
        n = cap - 1;
    memcpy (dst, src, n);
    dst[n] = '\0';
    while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\t'))
        dst[--n] = '\0';
}

static int
s_emit (vg_linux_t *l, const vg_sink_t *sink, const char *path, const vg_label_t *lab, vg_kind_t kind,
        const char *unit, int64_t ts, vg_num_t v, vg_numtype_t vt, uint64_t hint)
{
    vg_point_t p = { .device = l->id, .path = path, .labels = lab, .nlabels = lab ? 1 : 0, .kind = kind,
                     .input = "linux", .unit = unit, .ts_ms = ts, .series_hint = hint };
    vg_point_set_num (&p, v, vt);
    int rc = vg_sink_sample (sink, &p);
    if (rc == 0)
        l->st.samples++;
    return rc;
}

/* Interface name: printable, no blanks, shorter than IFNAME_MAX. */
static int
s_ifname_ok (const char *s, size_t n)
{
    if (n == 0 || n >= IFNAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return 0;
    return 1;
}

/* Is the NUL-terminated `have` exactly name[0..n)? */
static int
s_is_name (const char *have, const char *name, size_t n)
{
    return strncmp (have, name, n) == 0 && have[n] == '\0';
}

/* Find the entry named name[0..n) among the *count entries of `stride` bytes at base, each
 * starting with a NUL-terminated name of namesz bytes, or append it (name set, *fresh = 1).
 * Returns NULL when absent and there are max entries already or the name does not fit. */
static void *
s_named (void *base, size_t stride, size_t namesz, size_t *count, size_t max, const char *name, size_t n,
         int *fresh)
{
    char *p = base;
    *fresh = 0;
    for (size_t i = 0; i < *count; i++)
        if (s_is_name (p + i * stride, name, n))
            return p + i * stride;
    if (*count == max || n >= namesz)
        return NULL;
    char *e = p + (*count)++ * stride;
    memcpy (e, name, n);
    e[n] = '\0';
    *fresh = 1;
    return e;
}

static iface_t *
s_iface (vg_linux_t *l, const char *name, size_t n)
{
    int fresh;
    iface_t *f = s_named (l->ifs, sizeof l->ifs[0], sizeof l->ifs[0].name, &l->nifs, MAX_IFS, name, n, &fresh);
    if (fresh) {
        vg_label_t lab = { "name", f->name };
        for (int k = 0; k < NIFC; k++)
            f->hint[k] = vg_series_id (l->id, s_ifc[k].path, &lab, 1);
    }
    return f;
}

/* <root>/net/dev: two header lines, then "name: 16 counters". */
static int
s_netdev (vg_linux_t *l, int64_t ts, const vg_sink_t *sink)
{
    if (s_read (l, "net/dev") < 0)
        return 1;
    char *pos = l->buf;
    const char *line;
    size_t len;
    int lineno = 0;
    for (line = s_line (&pos, &len); line != NULL; line = s_line (&pos, &len)) {
        if (++lineno <= 2)
            continue; /* column headers */
        const char *end = line + len;
        if (len > LINE_MAX_NETDEV) {
            vg_decode_fail (&l->st, -VG_ETOOBIG, "net/dev line %d: %zu bytes", lineno, len);
            continue;
        }
        const char *colon = memchr (line, ':', len);
        const char *nm = line;
        while (nm < end && (*nm == ' ' || *nm == '\t'))
            nm++;
        if (!colon || !s_ifname_ok (nm, (size_t) (colon - nm))) {
            vg_decode_fail (&l->st, -VG_EPROTO, "net/dev line %d: bad interface name", lineno);
            continue;
        }
        uint64_t v[16];
        const char *p = colon + 1;
        int k = 0;
        while (k < 16 && s_u64 (&p, end, &v[k]) == 0)
            k++;
        if (k < 16) {
            vg_decode_fail (&l->st, -VG_EPROTO, "net/dev line %d: %d of 16 counters", lineno, k);
            continue;
        }
        iface_t *f = s_iface (l, nm, (size_t) (colon - nm));
        if (!f) {
            vg_decode_fail (&l->st, -VG_EFULL, "net/dev: more than %d interfaces", MAX_IFS);
            continue;
        }
        vg_label_t lab = { "name", f->name };
        for (int c = 0; c < NIFC; c++) {
            const char *unit = c == 0 || c == 4 ? "By" : NULL;
            /* 64-bit counters: exact, not rounded to a double's 53 bits */
            vg_num_t val = vg_num_u64 (v[s_ifc[c].col]);
            int rc = s_emit (l, sink, s_ifc[c].path, &lab, VG_KIND_COUNTER, unit, ts, val, VG_NUM_U64, f->hint[c]);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static cpu_t *
s_cpu (vg_linux_t *l, const char *name, size_t nlen)
{
    int fresh;
    cpu_t *c = s_named (l->cpus, sizeof l->cpus[0], sizeof l->cpus[0].name, &l->ncpus, MAX_CPUS, name, nlen, &fresh);
    if (fresh) {
        vg_label_t lab = { "name", c->name };
        c->hint = vg_series_id (l->id, CPU_PATH, &lab, 1);
    }
    return c;
}

/* <root>/stat: "cpu[N] user nice system idle iowait irq softirq steal ..." and "btime S".
 * Other lines (intr, ctxt, ... possibly very long) are ignored. */
static int
s_stat (vg_linux_t *l, int64_t ts, const vg_sink_t *sink)
{
    if (s_read (l, "stat") < 0)
        return 1;
    char *pos = l->buf;
    const char *line;
    size_t len;
    for (line = s_line (&pos, &len); line != NULL; line = s_line (&pos, &len)) {
        const char *end = line + len, *p;
        int rc;
        if (len > 5 && memcmp (line, "btime", 5) == 0 && (line[5] == ' ' || line[5] == '\t')) {
            uint64_t bt;
            p = line + 5;
            if (s_u64 (&p, end, &bt) != 0 || bt > 4102444800ULL) { /* after 2100: nonsense */
                vg_decode_fail (&l->st, -VG_EPROTO, "stat: bad btime");
                continue;
            }
            rc = s_emit (l, sink, BOOT_PATH, NULL, VG_KIND_GAUGE, "ms", ts, vg_num_f64 ((double) bt * 1000.0), VG_NUM_F64, l->h_boot);
            if (rc)
                return rc;
            continue;
        }
        if (len < 4 || memcmp (line, "cpu", 3) != 0)
            continue;
        size_t nlen = 3;
        while (nlen < len && line[nlen] >= '0' && line[nlen] <= '9')
            nlen++;
        if (nlen == len || (line[nlen] != ' ' && line[nlen] != '\t'))
            continue; /* not a cpu line */
        uint64_t v[8] = { 0 }, total = 0;
        int k = 0;
        p = line + nlen;
        while (k < 8 && s_u64 (&p, end, &v[k]) == 0)
            k++;
        if (k < 4) {
            vg_decode_fail (&l->st, -VG_EPROTO, "stat: %.*s has %d fields", (int) nlen, line, k);
            continue;
        }
        for (int i = 0; i < k; i++) {
            if (total > UINT64_MAX - v[i])
                total = UINT64_MAX;
            else
                total += v[i];
        }
        uint64_t idle = v[3] + v[4]; /* idle + iowait */
        cpu_t *c = s_cpu (l, line, nlen);
        if (!c) {
            vg_decode_fail (&l->st, -VG_EFULL, "stat: more than %d cpus", MAX_CPUS);
            continue;
        }
        int have = c->have;
        uint64_t dt = total - c->total, di = idle - c->idle;
        int sane = total >= c->total && idle >= c->idle && di <= dt;
        c->total = total;
        c->idle = idle;
        c->have = 1;
        if (!have || dt == 0)
            continue;
        if (!sane) { /* counters went backwards: counted, baseline reset */
            vg_decode_fail (&l->st, -VG_ERANGE, "stat: %s jiffies went backwards", c->name);
            continue;
        }
        double util = 100.0 * (1.0 - (double) di / (double) dt);
        util = (double) (int64_t) (util * 100.0 + 0.5) / 100.0;
        vg_label_t lab = { "name", c->name };
        rc = s_emit (l, sink, CPU_PATH, &lab, VG_KIND_GAUGE, "%", ts, vg_num_f64 (util), VG_NUM_F64, c->hint);
        if (rc)
            return rc;
    }
    return 0;
}

/* <root>/meminfo: "MemTotal:  N kB", "MemAvailable: N kB" (else MemFree+Buffers+Cached). */
static int
s_meminfo (vg_linux_t *l, int64_t ts, const vg_sink_t *sink)
{
    if (s_read (l, "meminfo") < 0)
        return 1;
    static const char *const keys[] = { "MemTotal:", "MemAvailable:", "MemFree:", "Buffers:", "Cached:" };
    uint64_t val[5] = { 0 };
    int have[5] = { 0 };
    char *pos = l->buf;
    const char *line;
    size_t len;
    for (line = s_line (&pos, &len); line != NULL; line = s_line (&pos, &len)) {
        for (int k = 0; k < 5; k++) {
            size_t kl = strlen (keys[k]);
            if (len > kl && memcmp (line, keys[k], kl) == 0) {
                const char *p = line + kl;
                uint64_t v;
                if (s_u64 (&p, line + len, &v) != 0 || v > (UINT64_MAX >> 10)) {
                    vg_decode_fail (&l->st, -VG_EPROTO, "meminfo: bad %s", keys[k]);
                    break;
                }
                val[k] = v * 1024; /* kB */
                have[k] = 1;
                break;
            }
        }
    }
    if (!have[0]) {
        vg_decode_fail (&l->st, -VG_EPROTO, "meminfo: no MemTotal");
        return 0;
    }
    uint64_t avail = have[1] ? val[1] : val[2] + val[3] + val[4];
    if (!have[1] && !have[2]) {
        vg_decode_fail (&l->st, -VG_EPROTO, "meminfo: no MemAvailable or MemFree");
        avail = val[0];
    }
    uint64_t used = avail < val[0] ? val[0] - avail : 0;
    int rc = s_emit (l, sink, MEM_PHYS, NULL, VG_KIND_GAUGE, "By", ts, vg_num_f64 ((double) val[0]), VG_NUM_F64, l->h_phys);
    if (rc)
        return rc;
    if (have[1] || have[2]) {
        rc = s_emit (l, sink, MEM_USED, NULL, VG_KIND_GAUGE, "By", ts, vg_num_f64 ((double) used), VG_NUM_F64, l->h_used);
        if (rc)
            return rc;
    }
    return 0;
}

/* <root>/uptime: "12345.67 23456.78" (seconds since boot, then idle seconds). */
static int
s_uptime (vg_linux_t *l, int64_t ts, const vg_sink_t *sink)
{
    if (s_read (l, "uptime") < 0)
        return 1;
    const char *p = l->buf, *end = p + strcspn (p, "\n");
    uint64_t sec = 0, ms = 0;
    while (p < end && *p == ' ')
        p++;
    const char *d0 = p;
    while (p < end && *p >= '0' && *p <= '9' && p - d0 < 12)
        sec = sec * 10 + (uint64_t) (*p++ - '0');
    if (p < end && *p == '.') {
        uint64_t scale = 100;
        for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
            ms += (uint64_t) (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (p == d0 || (p < end && *p != ' ')) {
        vg_decode_fail (&l->st, -VG_EPROTO, "uptime: malformed");
        return 0;
    }
    int rc = s_emit (l, sink, UP_PATH, NULL, VG_KIND_GAUGE, "ms", ts, vg_num_f64 ((double) (sec * 1000 + ms)), VG_NUM_F64, l->h_up);
    return rc;
}

int
vg_linux_poll (vg_linux_t *l, int64_t now_ms, const vg_sink_t *sink)
{
    /* Each reader returns 0, 1 when its file is missing, or the sink's negative code. */
    static int (*const readers[]) (vg_linux_t *, int64_t, const vg_sink_t *) = { s_netdev, s_stat, s_meminfo,
                                                                                  s_uptime };
    const size_t nreaders = sizeof readers / sizeof readers[0];
    uint64_t before = l->st.samples;
    int rc, missing = 0;
    if (!l->announced) {
        rc = vg_sink_device (sink, &l->dev);
        if (rc)
            return rc;
        l->announced = 1;
    }
    l->st.messages++;
    for (size_t i = 0; i < nreaders; i++) {
        rc = readers[i] (l, now_ms, sink);
        if (rc < 0)
            return rc;
        missing += rc;
    }
    return missing == (int) nreaders ? -VG_EIO : (int) (l->st.samples - before);
}

vg_linux_t *
vg_linux_new (const vg_linux_cfg_t *cfg, int *err)
{
    int rc = -VG_EINVAL;
    vg_linux_t *l = NULL;
    const char *root = cfg && cfg->proc_root && cfg->proc_root[0] ? cfg->proc_root : "/proc";
    if (strlen (root) >= sizeof l->root)
        goto fail;
    rc = -VG_ENOMEM;
    l = calloc (1, sizeof *l);
    if (!l)
        goto fail;
    l->buf = malloc (FILE_MAX + 1);
    l->cpus = calloc (MAX_CPUS, sizeof *l->cpus);
    if (!l->buf || !l->cpus)
        goto fail;
    snprintf (l->root, sizeof l->root, "%s", root);
    rc = -VG_EINVAL;
    if (cfg && cfg->device_id && cfg->device_id[0]) {
        if (strlen (cfg->device_id) >= sizeof l->id)
            goto fail;
        snprintf (l->id, sizeof l->id, "%s", cfg->device_id);
    } else {
        if (s_read (l, "sys/kernel/hostname") > 0)
            s_trim_copy (l->id, 65, l->buf);
        if (!l->id[0] && gethostname (l->id, 65) != 0)
            l->id[0] = '\0';
        l->id[64] = '\0';
        if (!l->id[0])
            snprintf (l->id, sizeof l->id, "localhost");
    }
    if (cfg && cfg->site && cfg->site[0]) {
        if (strlen (cfg->site) >= sizeof l->site)
            goto fail;
        snprintf (l->site, sizeof l->site, "%s", cfg->site);
    }
    if (s_read (l, "sys/kernel/osrelease") > 0)
        s_trim_copy (l->release, sizeof l->release, l->buf);
    if (!l->release[0])
        snprintf (l->release, sizeof l->release, "unknown");
    memset (&l->st, 0, sizeof l->st); /* reading optional files at start-up is not an error */
    l->dev.id = l->id;
    l->dev.vendor = "linux";
    l->dev.model = l->release;
    l->dev.sw_version = l->release;
    l->dev.role = "host";
    l->dev.site = l->site[0] ? l->site : NULL;
    l->h_phys = vg_series_id (l->id, MEM_PHYS, NULL, 0);
    l->h_used = vg_series_id (l->id, MEM_USED, NULL, 0);
    l->h_boot = vg_series_id (l->id, BOOT_PATH, NULL, 0);
    l->h_up = vg_series_id (l->id, UP_PATH, NULL, 0);
    if (err)
        *err = 0;
    return l;
fail:
    vg_linux_destroy (&l);
    if (err)
        *err = rc;
    return NULL;
}

void
vg_linux_destroy (vg_linux_t **p)
{
    if (!p || !*p)
        return;
    free ((*p)->buf);
    free ((*p)->cpus);
    free (*p);
    *p = NULL;
}

const vg_decode_stats_t *
vg_linux_stats (const vg_linux_t *l)
{
    return &l->st;
}

const char *
vg_linux_device_id (const vg_linux_t *l)
{
    return l->id;
}
