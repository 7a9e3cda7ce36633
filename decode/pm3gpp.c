/* pm3gpp.c - streaming decoder of 3GPP PM XML (TS 32.435 measCollec, TS 28.532 measData).
 *
 * Invariants: the input is never read past `len`; memory is bounded by the largest
 * measInfo (types) and text node (VG_PM3GPP_MAX_TEXT), not by the file; no allocation per
 * value (text nodes are read through libxml2's const accessors into reused buffers).
 * Counter names, totals and value parsing shared with the VES decoder: pm3gpp_names.c.
 * libxml2 is opened (common/dynlib.h) by the first file decoded, not linked: a process that
 * reads no PM XML never loads it, nor ICU behind it. */
#include "decode/pm3gpp.h"

#include <libxml/xmlreader.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/dynlib.h"
#include "common/err.h"

#ifndef VG_XML2_SONAME
#define VG_XML2_SONAME "libxml2.so.2"
#endif

#define S_MAX_TEXT (8u << 20)   /* one text node (a long measTypes / measResults list) */
#define S_NOTYPE UINT32_MAX

/* ---------------------------------------------------------------------------------------
 * The reader loop */

/* The libxml2 functions the reader loop calls, named after them without "xml". */
typedef struct {
    void *handle;
    __typeof__ (xmlReaderForMemory) *ReaderForMemory;
    __typeof__ (xmlFreeTextReader) *FreeTextReader;
    __typeof__ (xmlTextReaderSetStructuredErrorHandler) *TextReaderSetStructuredErrorHandler;
    __typeof__ (xmlTextReaderRead) *TextReaderRead;
    __typeof__ (xmlTextReaderNodeType) *TextReaderNodeType;
    __typeof__ (xmlTextReaderDepth) *TextReaderDepth;
    __typeof__ (xmlTextReaderIsEmptyElement) *TextReaderIsEmptyElement;
    __typeof__ (xmlTextReaderConstLocalName) *TextReaderConstLocalName;
    __typeof__ (xmlTextReaderConstValue) *TextReaderConstValue;
    __typeof__ (xmlTextReaderMoveToFirstAttribute) *TextReaderMoveToFirstAttribute;
    __typeof__ (xmlTextReaderMoveToNextAttribute) *TextReaderMoveToNextAttribute;
    __typeof__ (xmlTextReaderMoveToElement) *TextReaderMoveToElement;
} s_xml_t;

#define S_SYM(fn) { "xml" #fn, offsetof (s_xml_t, fn) }
static const vg_dynlib_sym_t s_xml_syms[] = {
    S_SYM (ReaderForMemory),
    S_SYM (FreeTextReader),
    S_SYM (TextReaderSetStructuredErrorHandler),
    S_SYM (TextReaderRead),
    S_SYM (TextReaderNodeType),
    S_SYM (TextReaderDepth),
    S_SYM (TextReaderIsEmptyElement),
    S_SYM (TextReaderConstLocalName),
    S_SYM (TextReaderConstValue),
    S_SYM (TextReaderMoveToFirstAttribute),
    S_SYM (TextReaderMoveToNextAttribute),
    S_SYM (TextReaderMoveToElement),
};
#undef S_SYM

enum { T_NONE, T_MEASTYPE, T_MEASTYPES, T_R, T_MEASRESULTS, T_SUSPECT };

typedef struct {
    s_xml_t x;                   /* libxml2 */
    xmlTextReaderPtr rd;
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
    /* measValue: its values are held until its end, where <suspect> (after them) decides */
    vg_pm3gpp_totals_t fam;      /* per-cause sums of the current measValue */
    int in_mv;                   /* inside a measValue */
    int suspect;                 /* its <suspect> said true */
    vg_buf_t held;               /* its r / measResults texts: s_held_t + bytes, in order */
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
s_attr (const s_pm_t *pm, const char *name)
{
    /* xmlTextReaderGetAttribute allocates; walk attributes with const accessors instead. */
    if (pm->x.TextReaderMoveToFirstAttribute (pm->rd) != 1)
        return NULL;
    const char *v = NULL;
    do {
        const xmlChar *n = pm->x.TextReaderConstLocalName (pm->rd);
        if (n && strcmp ((const char *) n, name) == 0) {
            v = (const char *) pm->x.TextReaderConstValue (pm->rd);
            break;
        }
    } while (pm->x.TextReaderMoveToNextAttribute (pm->rd) == 1);
    pm->x.TextReaderMoveToElement (pm->rd);
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
        vg_pm3gpp_std_unit (&pt);
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

/* A value text held until the end of its measValue. */
typedef struct {
    int tcap;
    long tp;
    size_t n;
} s_held_t;

static int s_text_values (s_pm_t *pm, int tcap, long tp, char *s, size_t n);

/* Hold the current text of a measValue's r / measResults (bounded like one text node). */
static int
s_hold (s_pm_t *pm, int tcap, long tp, const char *s, size_t n)
{
    if (pm->held.len + sizeof (s_held_t) + n + 1 > S_MAX_TEXT)
        return vg_decode_fail (pm->st, -VG_ETOOBIG, "3gpp: measValue longer than %u bytes", S_MAX_TEXT);
    s_held_t h = { tcap, tp, n };
    if (!s)
        s = "";
    if (vg_buf_append (&pm->held, &h, sizeof h) < 0 || vg_buf_append (&pm->held, s, n) < 0 ||
        vg_buf_append (&pm->held, "", 1) < 0 || vg_buf_append (&pm->held, "\0\0\0\0\0\0\0", (8 - (n + 1) % 8) % 8) < 0)
        return vg_decode_fail (pm->st, -VG_ENOMEM, "3gpp: out of memory");
    return 0;
}

/* End of a measValue: its held values are emitted, then the totals of families seen only as
 * subcounters; a suspect measValue (TS 32.435 <suspect>true</suspect>: the sender does not
 * vouch for its values, e.g. the ROP a gNB restarted in) emits nothing and counts its values
 * in st->suspect, so a partial or unreliable ROP never reads as a KPI drop or a dead cell. */
static int
s_mv_end (s_pm_t *pm)
{
    int rc = 0;
    for (size_t off = 0; off + sizeof (s_held_t) <= pm->held.len && rc == 0;) {
        s_held_t h;
        memcpy (&h, pm->held.data + off, sizeof h);
        char *s = (char *) pm->held.data + off + sizeof h;
        if (pm->suspect)
            pm->st->suspect++;
        else
            rc = s_text_values (pm, h.tcap, h.tp, s, h.n);
        off += sizeof h + h.n + 1 + (8 - (h.n + 1) % 8) % 8;
    }
    if (rc == 0 && !pm->suspect)
        rc = s_fam_flush (pm);
    vg_pm3gpp_totals_reset (&pm->fam);
    vg_buf_reset (&pm->held);
    pm->in_mv = 0;
    pm->suspect = 0;
    return rc;
}

static int
s_is_true (const char *s, size_t n)
{
    while (n && s_is_space (*s)) { s++; n--; }
    while (n && s_is_space (s[n - 1])) n--;
    return (n == 4 && !strncasecmp (s, "true", 4)) || (n == 1 && s[0] == '1');
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
    case T_SUSPECT:
        if (pm->in_mv)
            pm->suspect = s_is_true (s, n);
        break;
    case T_R:
    case T_MEASRESULTS:
        if (pm->in_mv)
            rc = s_hold (pm, pm->tcap, pm->tp, s, n);
        else
            rc = s_text_values (pm, pm->tcap, pm->tp, s, n);
        break;
    case T_MEASTYPES:
        rc = s_text_values (pm, pm->tcap, pm->tp, s, n);
        break;
    default:
        break;
    }
    pm->tcap = T_NONE;
    vg_buf_reset (&pm->text);
    return rc;
}

/* Types (measTypes) or values (r, measResults) of the text s[0..n). */
static int
s_text_values (s_pm_t *pm, int tcap, long tp, char *s, size_t n)
{
    int rc = 0;
    switch (tcap) {
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
            if (tcap == T_MEASTYPES) {
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
        rc = s_value (pm, tp, s, n);
        break;
    default:
        break;
    }
    return rc;
}

static long
s_p_attr (const s_pm_t *pm)
{
    const char *p = s_attr (pm, "p");
    if (!p)
        return -1;
    char *end;
    long v = strtol (p, &end, 10);
    return (*end == '\0' && end != p) ? v : -1;
}

static int64_t
s_time_attr (const s_pm_t *pm, const char *name)
{
    const char *t = s_attr (pm, name);
    int64_t ms;
    if (t && t[0] >= '0' && t[0] <= '9' && vg_clock_parse (t, 0, &ms) == 0)
        return ms;
    return 0;
}

static int
s_start (s_pm_t *pm, const char *name, int depth)
{
    if (depth == 0) {
        if (strcmp (name, "measCollecFile") != 0 && strcmp (name, "measDataFile") != 0)
            return vg_decode_fail (pm->st, -VG_EPROTO, "3gpp: root element <%.40s> is not a PM file", name);
        return 0;
    }
    switch (name[0]) {
    case 'f':
        if (strcmp (name, "fileHeader") == 0) {
            const char *v = s_attr (pm, "vendorName");
            if (v && *v) {
                s_copy (pm->vendor, sizeof pm->vendor, v);
                pm->have_vendor = 1;
            }
        } else if (strcmp (name, "fileSender") == 0) {
            const char *v = s_attr (pm, "localDn");
            if (!v || !*v)
                v = s_attr (pm, "senderName");
            if (v && *v)
                s_copy (pm->sender, sizeof pm->sender, v);
        }
        break;
    case 'm':
        if ((strcmp (name, "measCollec") == 0 || strcmp (name, "measData") == 0) && depth == 2) {
            int64_t b = s_time_attr (pm, "beginTime");
            if (b)
                pm->begin_ms = b;
        } else if (strcmp (name, "managedElement") == 0 || strcmp (name, "measEntity") == 0) {
            const char *v = s_attr (pm, "localDn");
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
            pm->tp = s_p_attr (pm);
        } else if (strcmp (name, "measTypes") == 0) {
            pm->tcap = T_MEASTYPES;
        } else if (strcmp (name, "measValue") == 0) {
            const char *ldn = s_attr (pm, "measObjLdn");
            vg_pm3gpp_totals_reset (&pm->fam);
            vg_buf_reset (&pm->held);
            pm->in_mv = !pm->x.TextReaderIsEmptyElement (pm->rd);
            pm->suspect = 0;
            pm->nlabels = vg_pm3gpp_ldn_labels (ldn, pm->ldn_scratch, sizeof pm->ldn_scratch, pm->labels,
                                                VG_MAX_LABELS - 1);
        } else if (strcmp (name, "measResults") == 0) {
            pm->tcap = T_MEASRESULTS;
        }
        break;
    case 'g':
        if (strcmp (name, "granPeriod") == 0) {
            pm->end_ms = s_time_attr (pm, "endTime");
            pm->dur_ms = vg_pm3gpp_duration_ms (s_attr (pm, "duration"));
        }
        break;
    case 'r':
        if (name[1] == '\0') {
            pm->tcap = T_R;
            pm->tp = s_p_attr (pm);
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
    static const char *const sonames[] = { VG_XML2_SONAME, "libxml2.so", NULL };
    char why[200];
    pm->x.handle = vg_dynlib_open (sonames, s_xml_syms, sizeof s_xml_syms / sizeof s_xml_syms[0], &pm->x, true,
                                   why, sizeof why);
    if (!pm->x.handle) {
        free (pm);
        return vg_decode_fail (st, -VG_EUNSUPP, "3gpp: %s", why);
    }
    pm->rd = pm->x.ReaderForMemory ((const char *) xml + off, (int) (len - off), NULL, NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!pm->rd) {
        vg_dynlib_close (&pm->x.handle);
        free (pm);
        return vg_decode_fail (st, -VG_ENOMEM, "3gpp: cannot create the XML reader");
    }
    pm->x.TextReaderSetStructuredErrorHandler (pm->rd, s_on_error, pm);
    int k, saw_root = 0;
    while ((k = pm->x.TextReaderRead (pm->rd)) == 1) {
        int type = pm->x.TextReaderNodeType (pm->rd);
        if (type == XML_READER_TYPE_ELEMENT) {
            const char *name = (const char *) pm->x.TextReaderConstLocalName (pm->rd);
            int depth = pm->x.TextReaderDepth (pm->rd);
            if (!name)
                continue;
            saw_root = 1;
            rc = s_start (pm, name, depth);
            if (rc)
                break;
            if (pm->x.TextReaderIsEmptyElement (pm->rd) && pm->tcap != T_NONE) {
                rc = s_text_end (pm);
                if (rc)
                    break;
            }
        } else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA
                   || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
            if (pm->tcap != T_NONE) {
                const char *v = (const char *) pm->x.TextReaderConstValue (pm->rd);
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
            const char *name = (const char *) pm->x.TextReaderConstLocalName (pm->rd);
            if (name && strcmp (name, "measValue") == 0) {
                rc = s_mv_end (pm);
                if (rc)
                    break;
            }
        }
    }
    if (rc == 0 && k != 0)
        rc = vg_decode_fail (st, -VG_EPROTO, "3gpp: XML error: %s", pm->err[0] ? pm->err : "malformed document");
    else if (rc == 0 && !saw_root)
        rc = vg_decode_fail (st, -VG_ETRUNC, "3gpp: no root element");
    pm->x.FreeTextReader (pm->rd);
    vg_dynlib_close (&pm->x.handle);
    vg_buf_free (&pm->names);
    vg_buf_free (&pm->text);
    vg_buf_free (&pm->held);
    free (pm->idx);
    free (pm);
    if (rc == 0)
        st->messages++;
    return rc;
}
