/* pm3gpp.c - streaming decoder of 3GPP PM XML (TS 32.435 measCollec, TS 28.532 measData).
 *
 * Invariants: the input is never read past `len`; memory is bounded by the largest
 * measInfo (types) and text node (VG_PM3GPP_MAX_TEXT), not by the file; no allocation per
 * value (text nodes are read through libxml2's const accessors into reused buffers). */
#include "decode/pm3gpp.h"

#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"

#define S_MAX_TEXT (8u << 20)   /* one text node (a long measTypes / measResults list) */
#define S_NOTYPE UINT32_MAX

/* Vendor counter -> TS 28.552 measurement name (equivalent definitions only).  A
 * measurement's total is stored under its plain name (the rules' vocabulary), so the
 * Ericsson totals map to "RRC.ConnEstabAtt", not to the ".sum" subcounter form. */
static const struct { const char *vendor; const char *std; } s_std[] = {
    /* Ericsson NR (RadioNode) */
    { "pmRrcConnEstabAtt", "RRC.ConnEstabAtt" },
    { "pmRrcConnEstabSucc", "RRC.ConnEstabSucc" },
    { "pmHoPrepAttOutInterGnb", "MM.HoPrepInterReq" },
    { "pmHoPrepSuccOutInterGnb", "MM.HoPrepInterSucc" },
    { "pmHoExeAttOutInterGnb", "MM.HoExeInterReq" },
    { "pmHoExeSuccOutInterGnb", "MM.HoExeInterSucc" },
    { "pmHoPrepAttOutIntraGnb", "MM.HoPrepIntraReq" },
    { "pmHoPrepSuccOutIntraGnb", "MM.HoPrepIntraSucc" },
    { "pmHoExeAttOutIntraGnb", "MM.HoExeIntraReq" },
    { "pmHoExeSuccOutIntraGnb", "MM.HoExeIntraSucc" },
};

const char *
vg_pm3gpp_std_name (const char *counter)
{
    if (!counter || counter[0] != 'p')
        return NULL;
    for (size_t i = 0; i < sizeof s_std / sizeof s_std[0]; i++)
        if (strcmp (counter, s_std[i].vendor) == 0)
            return s_std[i].std;
    return NULL;
}

/* "<Family>.<Measurement>.sum" in any letter case: the subcounter that is the sum over
 * all causes / QCIs / slices, i.e. the measurement's total. */
static int
s_sum_suffix (const char *name, size_t n)
{
    if (n < 6 || name[n - 4] != '.')
        return 0;
    const char *sfx = name + n - 3;
    if ((sfx[0] | 0x20) != 's' || (sfx[1] | 0x20) != 'u' || (sfx[2] | 0x20) != 'm')
        return 0;
    /* a 3GPP-form name: at least one more '.' before the suffix, not at the start */
    const char *dot = memchr (name, '.', n - 4);
    return dot != NULL && dot != name;
}

const char *
vg_pm3gpp_norm_name (const char *counter, char *buf, size_t size)
{
    if (!counter)
        return NULL;
    const char *std = vg_pm3gpp_std_name (counter);
    if (std)
        return std;
    size_t n = strlen (counter);
    if (s_sum_suffix (counter, n) && buf && size > n - 4) {
        memcpy (buf, counter, n - 4);
        buf[n - 4] = '\0';
        return buf;
    }
    return counter;
}

/* Families whose subcounters partition the total (see vg_pm3gpp_totals_t): averages
 * (DRB.UEThpDl) and per-QoS subcounters do not add up, so they are not listed. */
static const char *const s_fam[VG_PM3GPP_NFAM] = { "RRC.ConnEstabAtt", "RRC.ConnEstabSucc" };
static const char *const s_fam_origin[VG_PM3GPP_NFAM] = { "sum(RRC.ConnEstabAtt.*)", "sum(RRC.ConnEstabSucc.*)" };

void
vg_pm3gpp_totals_reset (vg_pm3gpp_totals_t *t)
{
    memset (t, 0, sizeof *t);
}

void
vg_pm3gpp_totals_note (vg_pm3gpp_totals_t *t, const char *name, const char *stored, double v)
{
    if (!t || !name || !stored)
        return;
    for (size_t f = 0; f < VG_PM3GPP_NFAM; f++) {
        size_t l = strlen (s_fam[f]);
        if (strcmp (stored, s_fam[f]) == 0)
            t->tot[f]++;
        else if (strncmp (name, s_fam[f], l) == 0 && name[l] == '.' && name[l + 1] != '\0') {
            t->sum[f] += v;
            t->sub[f]++;
        }
    }
}

int
vg_pm3gpp_totals_get (const vg_pm3gpp_totals_t *t, size_t i, const char **path, const char **origin, double *v)
{
    if (!t || i >= VG_PM3GPP_NFAM || t->sub[i] == 0 || t->tot[i] != 0)
        return 0;
    *path = s_fam[i];
    *origin = s_fam_origin[i];
    *v = t->sum[i];
    return 1;
}

const char *
vg_pm3gpp_vendor_norm (const char *v)
{
    static const char *const known[] = { "Ericsson", "Nokia", "Huawei", "Samsung", "ZTE", "Mavenir", "Cisco",
                                         "Juniper" };
    if (!v)
        return NULL;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        size_t l = strlen (known[i]);
        if (strncmp (v, known[i], l) == 0 && (v[l] == '\0' || v[l] == ' ' || v[l] == ','))
            return known[i];
    }
    return v;
}

int64_t
vg_pm3gpp_duration_ms (const char *s)
{
    if (!s || s[0] != 'P')
        return -1;
    const char *p = s + 1;
    int64_t ms = 0;
    int in_time = 0, any = 0;
    while (*p) {
        if (*p == 'T') {
            in_time = 1;
            p++;
            continue;
        }
        if (*p < '0' || *p > '9')
            return -1;
        int64_t n = 0;
        while (*p >= '0' && *p <= '9') {
            if (n > 1000000000)
                return -1;
            n = n * 10 + (*p++ - '0');
        }
        int64_t unit;
        switch (*p) {
        case 'D': unit = in_time ? -1 : 86400000; break;
        case 'H': unit = in_time ? 3600000 : -1; break;
        case 'M': unit = in_time ? 60000 : -1; break;
        case 'S': unit = in_time ? 1000 : -1; break;
        default: unit = -1;
        }
        if (unit < 0)
            return -1;
        ms += n * unit;
        any = 1;
        p++;
    }
    return any ? ms : -1;
}

int
vg_pm3gpp_parse_value (const char *s, size_t n, double *v)
{
    vg_num_t x;
    vg_numtype_t t;
    if (!vg_pm3gpp_parse_num (s, n, &x, &t))
        return 0;
    *v = vg_num_to_double (x, t);
    return 1;
}

int
vg_pm3gpp_emit_bins (const vg_sink_t *sink, vg_decode_stats_t *st, const vg_point_t *pt, const char *s,
                     size_t n, int exact)
{
    vg_label_t lab[VG_MAX_LABELS];
    size_t nl = pt->nlabels < VG_MAX_LABELS ? pt->nlabels : VG_MAX_LABELS - 1, at = 0;
    char binv[16];
    while (at < nl && strcmp (pt->labels[at].key, "bin") < 0)
        at++;
    memcpy (lab, pt->labels, at * sizeof lab[0]);
    lab[at].key = "bin";
    lab[at].value = binv;
    memcpy (lab + at + 1, pt->labels + at, (nl - at) * sizeof lab[0]);
    vg_point_t q = *pt;
    q.labels = lab;
    q.nlabels = nl + 1;
    int rc = 0;
    size_t i = 0, bin = 0;
    while (i <= n && rc == 0) {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        snprintf (binv, sizeof binv, "%zu", bin++);
        vg_num_t num;
        vg_numtype_t nt;
        if (vg_pm3gpp_parse_num (s + i, j - i, &num, &nt)) {
            if (exact)
                vg_point_set_num (&q, num, nt);
            else
                q.value = vg_num_to_double (num, nt);
            rc = vg_sink_sample (sink, &q);
            if (rc == 0)
                st->samples++;
        } else
            st->undecoded++;
        i = j + 1;
    }
    return rc;
}

int
vg_pm3gpp_parse_num (const char *s, size_t n, vg_num_t *v, vg_numtype_t *t)
{
    while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n == 0 || n > 63)
        return 0;
    /* Counters are integers: keep all 64 bits rather than the 53 a double holds. */
    if (vg_num_parse_int (s, n, v, t))
        return 1;
    char tmp[64];
    memcpy (tmp, s, n);
    tmp[n] = '\0';
    /* strtod also takes hex, inf and nan: allow only decimal notation. */
    for (size_t i = 0; i < n; i++) {
        char c = tmp[i];
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'))
            return 0;
    }
    char *end;
    double d = strtod (tmp, &end);
    if (end != tmp + n)
        return 0;
    *v = vg_num_f64 (d);
    *t = VG_NUM_F64;
    return 1;
}

size_t
vg_pm3gpp_ldn_labels (const char *dn, char *scratch, size_t size, vg_label_t *labels, size_t max)
{
    if (!dn || !*dn || max == 0)
        return 0;
    size_t n = 0, o = 0;
    const char *p = dn;
    int ok = 1;
    while (*p && ok) {
        if (n >= max) {
            ok = 0;
            break;
        }
        /* key */
        const char *k = p;
        while (*p && *p != '=' && *p != ',')
            p++;
        if (*p != '=' || p == k) {
            ok = 0;
            break;
        }
        size_t kl = (size_t) (p - k);
        if (o + kl + 1 > size || kl >= VG_MAX_LABEL_LEN) {
            ok = 0;
            break;
        }
        char *key = scratch + o;
        memcpy (key, k, kl);
        key[kl] = '\0';
        o += kl + 1;
        p++;
        /* value, with "\," escapes */
        char *val = scratch + o;
        size_t vl = 0;
        while (*p && *p != ',') {
            if (*p == '\\' && p[1])
                p++;
            if (o + vl + 1 >= size || vl + 1 >= VG_MAX_LABEL_LEN) {
                ok = 0;
                break;
            }
            val[vl++] = *p++;
        }
        if (!ok)
            break;
        val[vl] = '\0';
        o += vl + 1;
        /* trim blanks around the key (DNs are often written "A=1, B=2") */
        while (*key == ' ')
            key++;
        labels[n].key = key;
        labels[n].value = val;
        n++;
        if (*p == ',')
            p++;
    }
    if (!ok) {
        size_t l = strlen (dn);
        if (l + 5 > size || l >= VG_MAX_LABEL_LEN)
            return 0;
        memcpy (scratch, "ldn", 4);
        memcpy (scratch + 4, dn, l + 1);
        labels[0].key = scratch;
        labels[0].value = scratch + 4;
        return 1;
    }
    /* sort by key (insertion sort: n <= max, small) */
    for (size_t i = 1; i < n; i++) {
        vg_label_t t = labels[i];
        size_t j = i;
        while (j > 0 && strcmp (labels[j - 1].key, t.key) > 0) {
            labels[j] = labels[j - 1];
            j--;
        }
        labels[j] = t;
    }
    return n;
}

/* ---------------------------------------------------------------------------------------
 * The reader loop */

enum { T_NONE, T_MEASTYPE, T_MEASTYPES, T_R, T_MEASRESULTS, T_SUSPECT };

typedef struct {
    const vg_decode_ctx_t *ctx;
    const vg_sink_t *sink;
    vg_decode_stats_t *st;
    int rc;                      /* sink error */
    char err[128];               /* first parser error */
    /* file level */
    char vendor[64];
    int have_vendor;
    char sender[VG_MAX_ID_LEN];
    char device[VG_MAX_ID_LEN];
    int announced;
    int64_t begin_ms, end_ms, dur_ms;
    /* measInfo */
    vg_buf_t names;              /* NUL-terminated type names */
    uint32_t *idx;               /* p -> offset in names, S_NOTYPE = none */
    size_t nidx;                 /* entries allocated in idx */
    uint32_t next_p;             /* measTypes: next p */
    /* measValue */
    vg_pm3gpp_totals_t fam;      /* per-cause sums of the current measValue */
    char ldn_scratch[2048];
    vg_label_t labels[VG_MAX_LABELS];
    size_t nlabels;
    /* current text element */
    int tcap;
    long tp;
    vg_buf_t text;
} s_pm_t;

static void
s_on_error (void *arg, xmlErrorPtr e)
{
    s_pm_t *pm = arg;
    if (pm->err[0] == '\0' && e && e->level >= XML_ERR_ERROR)
        snprintf (pm->err, sizeof pm->err, "line %d: %.100s", e->line, e->message ? e->message : "?");
}

static const char *
s_attr (xmlTextReaderPtr rd, const char *name)
{
    /* xmlTextReaderGetAttribute allocates; walk attributes with const accessors instead. */
    if (xmlTextReaderMoveToFirstAttribute (rd) != 1)
        return NULL;
    const char *v = NULL;
    do {
        const xmlChar *n = xmlTextReaderConstLocalName (rd);
        if (n && strcmp ((const char *) n, name) == 0) {
            v = (const char *) xmlTextReaderConstValue (rd);
            break;
        }
    } while (xmlTextReaderMoveToNextAttribute (rd) == 1);
    xmlTextReaderMoveToElement (rd);
    return v;
}

static void
s_copy (char *dst, size_t size, const char *src)
{
    snprintf (dst, size, "%s", src ? src : "");
}

static int
s_set_type (s_pm_t *pm, long p, const char *name, size_t n)
{
    if (p < 1 || p > VG_PM3GPP_MAX_TYPES)
        return -1;
    if ((size_t) p >= pm->nidx) {
        size_t nn = pm->nidx ? pm->nidx : 64;
        while (nn <= (size_t) p)
            nn *= 2;
        uint32_t *ni = realloc (pm->idx, nn * sizeof *ni);
        if (!ni)
            return -VG_ENOMEM;
        for (size_t i = pm->nidx; i < nn; i++)
            ni[i] = S_NOTYPE;
        pm->idx = ni;
        pm->nidx = nn;
    }
    if (pm->names.len + n + 1 > UINT32_MAX)
        return -1;
    uint32_t off = (uint32_t) pm->names.len;
    if (vg_buf_append (&pm->names, name, n) < 0 || vg_buf_append (&pm->names, "", 1) < 0)
        return -VG_ENOMEM;
    pm->idx[p] = off;
    return 0;
}

static const char *
s_type (s_pm_t *pm, long p)
{
    if (p < 1 || (size_t) p >= pm->nidx || pm->idx[p] == S_NOTYPE)
        return NULL;
    return (const char *) pm->names.data + pm->idx[p];
}

static void
s_reset_types (s_pm_t *pm)
{
    for (size_t i = 0; i < pm->nidx; i++)
        pm->idx[i] = S_NOTYPE;
    vg_buf_reset (&pm->names);
    pm->next_p = 1;
}

static int
s_announce (s_pm_t *pm)
{
    if (pm->announced)
        return 0;
    if (!pm->device[0]) {
        if (pm->sender[0])
            s_copy (pm->device, sizeof pm->device, pm->sender);
        else if (pm->ctx && pm->ctx->source)
            s_copy (pm->device, sizeof pm->device, pm->ctx->source);
        else
            s_copy (pm->device, sizeof pm->device, "unknown");
    }
    vg_device_t d = { pm->device, pm->have_vendor ? vg_pm3gpp_vendor_norm (pm->vendor) : NULL, NULL, NULL, NULL,
                      NULL };
    int rc = vg_sink_device (pm->sink, &d);
    if (rc == 0)
        pm->announced = 1;
    return rc;
}

static int64_t
s_ts (const s_pm_t *pm)
{
    if (pm->end_ms)
        return pm->end_ms;
    if (pm->begin_ms && pm->dur_ms > 0)
        return pm->begin_ms + pm->dur_ms;
    return pm->ctx ? pm->ctx->received_ms : 0;
}

/* A gauge of the current measured object: path, origin, labels and time filled in. */
static void
s_point (const s_pm_t *pm, vg_point_t *pt, const char *path, const char *origin)
{
    memset (pt, 0, sizeof *pt);
    pt->device = pm->device;
    pt->path = path;
    pt->origin_path = origin;
    pt->kind = VG_KIND_GAUGE;
    pt->input = "3gpp";
    pt->ts_ms = s_ts (pm);
    pt->labels = pm->labels;
    pt->nlabels = pm->nlabels;
}

/* End of a measValue: emit the total of each family seen only as subcounters. */
static int
s_fam_flush (s_pm_t *pm)
{
    int rc = 0;
    const char *path, *origin;
    double v;
    for (size_t f = 0; f < VG_PM3GPP_NFAM && rc == 0; f++) {
        if (!vg_pm3gpp_totals_get (&pm->fam, f, &path, &origin, &v))
            continue;
        vg_point_t pt;
        s_point (pm, &pt, path, origin);
        pt.value = v;
        rc = s_announce (pm);
        if (rc == 0)
            rc = vg_sink_sample (pm->sink, &pt);
        if (rc == 0)
            pm->st->samples++;
    }
    vg_pm3gpp_totals_reset (&pm->fam);
    return rc;
}

/* Emit one measured value (text s[0..n), possibly a comma-separated compound). */
static int
s_value (s_pm_t *pm, long p, char *s, size_t n)
{
    const char *name = s_type (pm, p);
    if (!name) {
        pm->st->undecoded++;
        return 0;
    }
    int rc = s_announce (pm);
    if (rc)
        return rc;
    char nbuf[VG_MAX_PATH_LEN];
    vg_point_t pt;
    s_point (pm, &pt, vg_pm3gpp_norm_name (name, nbuf, sizeof nbuf), name);
    vg_num_t num;
    vg_numtype_t nt;
    if (!memchr (s, ',', n)) {
        if (!vg_pm3gpp_parse_num (s, n, &num, &nt)) {
            pm->st->undecoded++;
            return 0;
        }
        vg_point_set_num (&pt, num, nt);
        vg_pm3gpp_totals_note (&pm->fam, name, pt.path, pt.value);
        rc = vg_sink_sample (pm->sink, &pt);
        if (rc == 0)
            pm->st->samples++;
        return rc;
    }
    /* Compound value: one sample per element, label bin=<index>. */
    return vg_pm3gpp_emit_bins (pm->sink, pm->st, &pt, s, n, 1);
}

static int
s_is_space (char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
s_text_end (s_pm_t *pm)
{
    char *s = (char *) pm->text.data;
    size_t n = pm->text.len;
    int rc = 0;
    switch (pm->tcap) {
    case T_MEASTYPE: {
        while (n && s_is_space (*s)) { s++; n--; }
        while (n && s_is_space (s[n - 1])) n--;
        if (n == 0 || s_set_type (pm, pm->tp, s, n) != 0)
            pm->st->undecoded++;
        break;
    }
    case T_MEASTYPES:
    case T_MEASRESULTS: {
        size_t i = 0;
        long p = 1;
        while (i < n && rc == 0) {
            while (i < n && s_is_space (s[i]))
                i++;
            if (i >= n)
                break;
            size_t j = i;
            while (j < n && !s_is_space (s[j]))
                j++;
            if (pm->tcap == T_MEASTYPES) {
                rc = s_set_type (pm, (long) pm->next_p++, s + i, j - i);
                if (rc > 0 || rc == -1) {
                    pm->st->undecoded++;
                    rc = 0;
                }
            } else
                rc = s_value (pm, p++, s + i, j - i);
            i = j;
        }
        break;
    }
    case T_R:
        rc = s_value (pm, pm->tp, s, n);
        break;
    default:
        break;
    }
    pm->tcap = T_NONE;
    vg_buf_reset (&pm->text);
    return rc;
}

static long
s_p_attr (xmlTextReaderPtr rd)
{
    const char *p = s_attr (rd, "p");
    if (!p)
        return -1;
    char *end;
    long v = strtol (p, &end, 10);
    return (*end == '\0' && end != p) ? v : -1;
}

static int64_t
s_time_attr (xmlTextReaderPtr rd, const char *name)
{
    const char *t = s_attr (rd, name);
    int64_t ms;
    if (t && t[0] >= '0' && t[0] <= '9' && vg_clock_parse (t, 0, &ms) == 0)
        return ms;
    return 0;
}

static int
s_start (s_pm_t *pm, xmlTextReaderPtr rd, const char *name, int depth)
{
    if (depth == 0) {
        if (strcmp (name, "measCollecFile") != 0 && strcmp (name, "measDataFile") != 0)
            return vg_decode_fail (pm->st, -VG_EPROTO, "3gpp: root element <%.40s> is not a PM file", name);
        return 0;
    }
    switch (name[0]) {
    case 'f':
        if (strcmp (name, "fileHeader") == 0) {
            const char *v = s_attr (rd, "vendorName");
            if (v && *v) {
                s_copy (pm->vendor, sizeof pm->vendor, v);
                pm->have_vendor = 1;
            }
        } else if (strcmp (name, "fileSender") == 0) {
            const char *v = s_attr (rd, "localDn");
            if (!v || !*v)
                v = s_attr (rd, "senderName");
            if (v && *v)
                s_copy (pm->sender, sizeof pm->sender, v);
        }
        break;
    case 'm':
        if ((strcmp (name, "measCollec") == 0 || strcmp (name, "measData") == 0) && depth == 2) {
            int64_t b = s_time_attr (rd, "beginTime");
            if (b)
                pm->begin_ms = b;
        } else if (strcmp (name, "managedElement") == 0 || strcmp (name, "measEntity") == 0) {
            const char *v = s_attr (rd, "localDn");
            if (v && strlen (v) >= VG_MAX_ID_LEN)
                return vg_decode_fail (pm->st, -VG_ETOOBIG, "3gpp: localDn longer than %d", VG_MAX_ID_LEN - 1);
            s_copy (pm->device, sizeof pm->device, v && *v ? v : NULL);
            pm->announced = 0;
        } else if (strcmp (name, "measInfo") == 0) {
            s_reset_types (pm);
            pm->end_ms = 0;
            pm->dur_ms = 0;
        } else if (strcmp (name, "measType") == 0) {
            pm->tcap = T_MEASTYPE;
            pm->tp = s_p_attr (rd);
        } else if (strcmp (name, "measTypes") == 0) {
            pm->tcap = T_MEASTYPES;
        } else if (strcmp (name, "measValue") == 0) {
            const char *ldn = s_attr (rd, "measObjLdn");
            vg_pm3gpp_totals_reset (&pm->fam);
            pm->nlabels = vg_pm3gpp_ldn_labels (ldn, pm->ldn_scratch, sizeof pm->ldn_scratch, pm->labels,
                                                VG_MAX_LABELS - 1);
        } else if (strcmp (name, "measResults") == 0) {
            pm->tcap = T_MEASRESULTS;
        }
        break;
    case 'g':
        if (strcmp (name, "granPeriod") == 0) {
            pm->end_ms = s_time_attr (rd, "endTime");
            pm->dur_ms = vg_pm3gpp_duration_ms (s_attr (rd, "duration"));
        }
        break;
    case 'r':
        if (name[1] == '\0') {
            pm->tcap = T_R;
            pm->tp = s_p_attr (rd);
        }
        break;
    case 's':
        if (strcmp (name, "suspect") == 0)
            pm->tcap = T_SUSPECT;
        break;
    default:
        break;
    }
    vg_buf_reset (&pm->text);
    return 0;
}

/* Skip a BOM, blanks, comments and processing instructions that precede the XML
 * declaration (seen in real gNB files); returns the offset to start parsing at. */
static size_t
s_preamble (const uint8_t *x, size_t len)
{
    size_t o = 0;
    if (len >= 3 && x[0] == 0xEF && x[1] == 0xBB && x[2] == 0xBF)
        o = 3;
    size_t start = o;
    for (;;) {
        while (o < len && s_is_space ((char) x[o]))
            o++;
        if (o + 5 < len && memcmp (x + o, "<?xml", 5) == 0 && s_is_space ((char) x[o + 5]))
            return o;
        if (o + 1 < len && x[o] == '<' && x[o + 1] == '?') {
            const uint8_t *e = NULL;
            for (size_t i = o + 2; i + 1 < len; i++)
                if (x[i] == '?' && x[i + 1] == '>') {
                    e = x + i;
                    break;
                }
            if (!e)
                return start;
            o = (size_t) (e - x) + 2;
        } else if (o + 3 < len && memcmp (x + o, "<!--", 4) == 0) {
            const uint8_t *e = NULL;
            for (size_t i = o + 4; i + 2 < len; i++)
                if (x[i] == '-' && x[i + 1] == '-' && x[i + 2] == '>') {
                    e = x + i;
                    break;
                }
            if (!e)
                return start;
            o = (size_t) (e - x) + 3;
        } else
            return start == 0 && o > 0 ? o : start;
    }
}

int
vg_pm3gpp_decode (const uint8_t *xml, size_t len, const vg_decode_ctx_t *ctx, const vg_sink_t *sink,
                  vg_decode_stats_t *st)
{
    int rc = vg_decode_check_len (st, len, VG_PM3GPP_MAX_XML, "3gpp", "file");
    if (rc < 0)
        return rc;
    size_t off = s_preamble (xml, len);
    if (len - off > INT32_MAX)
        return vg_decode_fail (st, -VG_ETOOBIG, "3gpp: file too large");
    s_pm_t *pm = calloc (1, sizeof *pm);
    if (!pm)
        return vg_decode_fail (st, -VG_ENOMEM, "3gpp: out of memory");
    pm->ctx = ctx;
    pm->sink = sink;
    pm->st = st;
    xmlTextReaderPtr rd = xmlReaderForMemory ((const char *) xml + off, (int) (len - off), NULL, NULL,
                                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!rd) {
        free (pm);
        return vg_decode_fail (st, -VG_ENOMEM, "3gpp: cannot create the XML reader");
    }
    xmlTextReaderSetStructuredErrorHandler (rd, s_on_error, pm);
    int k, saw_root = 0;
    while ((k = xmlTextReaderRead (rd)) == 1) {
        int type = xmlTextReaderNodeType (rd);
        if (type == XML_READER_TYPE_ELEMENT) {
            const char *name = (const char *) xmlTextReaderConstLocalName (rd);
            int depth = xmlTextReaderDepth (rd);
            if (!name)
                continue;
            saw_root = 1;
            rc = s_start (pm, rd, name, depth);
            if (rc)
                break;
            if (xmlTextReaderIsEmptyElement (rd) && pm->tcap != T_NONE) {
                rc = s_text_end (pm);
                if (rc)
                    break;
            }
        } else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA
                   || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
            if (pm->tcap != T_NONE) {
                const char *v = (const char *) xmlTextReaderConstValue (rd);
                size_t n = v ? strlen (v) : 0;
                if (pm->text.len + n > S_MAX_TEXT) {
                    rc = vg_decode_fail (st, -VG_ETOOBIG, "3gpp: text node longer than %u bytes", S_MAX_TEXT);
                    break;
                }
                if (vg_buf_append (&pm->text, v, n) < 0) {
                    rc = vg_decode_fail (st, -VG_ENOMEM, "3gpp: out of memory");
                    break;
                }
            }
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (pm->tcap != T_NONE) {
                rc = s_text_end (pm);
                if (rc)
                    break;
            }
            const char *name = (const char *) xmlTextReaderConstLocalName (rd);
            if (name && strcmp (name, "measValue") == 0) {
                rc = s_fam_flush (pm);
                if (rc)
                    break;
            }
        }
    }
    if (rc == 0 && k != 0)
        rc = vg_decode_fail (st, -VG_EPROTO, "3gpp: XML error: %s", pm->err[0] ? pm->err : "malformed document");
    else if (rc == 0 && !saw_root)
        rc = vg_decode_fail (st, -VG_ETRUNC, "3gpp: no root element");
    xmlFreeTextReader (rd);
    vg_buf_free (&pm->names);
    vg_buf_free (&pm->text);
    free (pm->idx);
    free (pm);
    if (rc == 0)
        st->messages++;
    return rc;
}
