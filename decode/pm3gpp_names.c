/* pm3gpp_names.c - 3GPP PM naming and values shared by the XML (pm3gpp.c) and VES decoders:
 * vendor counters to TS 28.552 names, per-cause totals, vendor and duration parsing, exact
 * numbers and compound (bin) values, and LDN labels.  Pure functions over their arguments. */
#include "decode/pm3gpp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
/* Vendor counter -> TS 28.552 measurement name (equivalent definitions only), and the factor
 * from the vendor's unit to the standard's (0: the same).  A measurement's total is stored
 * under its plain name (the rules' vocabulary), so the Ericsson totals map to
 * "RRC.ConnEstabAtt", not to the ".sum" subcounter form. */
static const struct { const char *vendor; const char *std; double scale; } s_std[] = {
    /* Ericsson NR (RadioNode) */
    { "pmRrcConnEstabAtt", "RRC.ConnEstabAtt", 0 },
    { "pmRrcConnEstabSucc", "RRC.ConnEstabSucc", 0 },
    { "pmHoPrepAttOutInterGnb", "MM.HoPrepInterReq", 0 },
    { "pmHoPrepSuccOutInterGnb", "MM.HoPrepInterSucc", 0 },
    { "pmHoExeAttOutInterGnb", "MM.HoExeInterReq", 0 },
    { "pmHoExeSuccOutInterGnb", "MM.HoExeInterSucc", 0 },
    { "pmHoPrepAttOutIntraGnb", "MM.HoPrepIntraReq", 0 },
    { "pmHoPrepSuccOutIntraGnb", "MM.HoPrepIntraSucc", 0 },
    { "pmHoExeAttOutIntraGnb", "MM.HoExeIntraReq", 0 },
    { "pmHoExeSuccOutIntraGnb", "MM.HoExeIntraSucc", 0 },
    /* PDCP SDU volume on DRBs: Ericsson counts kbit, TS 28.552 Mbit.  Under its vendor name
     * no throughput-collapse rule saw an Ericsson cell. */
    { "pmPdcpVolDlDrb", "DRB.PdcpSduVolumeDL", 1e-3 },
    { "pmPdcpVolUlDrb", "DRB.PdcpSduVolumeUL", 1e-3 },
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

void
vg_pm3gpp_std_unit (vg_point_t *p)
{
    const char *c = p->origin_path;
    if (!c || c[0] != 'p')
        return;
    for (size_t i = 0; i < sizeof s_std / sizeof s_std[0]; i++)
        if (s_std[i].scale != 0 && strcmp (c, s_std[i].vendor) == 0) {
            p->value *= s_std[i].scale;
            p->vtype = VG_NUM_F64;
            return;
        }
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
    /* The gNB-CU's control- and user-plane functions both contain the cell: Ericsson counts
     * a cell's RRC attempts under GNBCUCPFunction=1,NRCellCU=2 and its PDCP volume under
     * GNBCUUPFunction=1,NRCellCU=2.  Kept, the function split one cell into two entities, so
     * no rule saw a cell's attempts and traffic together; it is dropped unless it is the
     * measured object itself (the last part). */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && (!strcmp (labels[i].key, "GNBCUCPFunction") || !strcmp (labels[i].key, "GNBCUUPFunction")))
            continue;
        labels[kept++] = labels[i];
    }
    n = kept;
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
