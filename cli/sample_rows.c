/* sample_rows.c - CSV / NDJSON lines of stored samples (see sample_rows.h).
 *
 * Per series, the text of every column that does not change from sample to sample
 * (device, path, labels, kind, unit) is built once; per sample only the timestamp, the
 * time and the value are formatted.  The date part of the time is cached per day. */
#include "cli/sample_rows.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/json.h"
#include "common/model.h"

#define S_FLUSH_AT (256 * 1024)
#define S_MAX_COLS 8

typedef enum { C_DEVICE, C_PATH, C_LABELS, C_KIND, C_UNIT, C_TS, C_TIME, C_VALUE, C__COUNT } s_col_t;

static const char *const s_col_names[C__COUNT] = { "device", "path", "labels", "kind", "unit",
                                                    "timestamp_ms", "time", "value" };

struct vg_rows {
    FILE *out;
    vg_rows_format_t format;
    s_col_t cols[S_MAX_COLS];
    size_t ncols;
    const Vigil__SeriesMeta *meta;
    vg_buf_t fixed[C__COUNT]; /* per series: the text of each fixed column, CSV-quoted */
    vg_buf_t json_head;       /* per series: the NDJSON line up to "ts_ms": */
    vg_buf_t line;            /* lines waiting to be written */
    int64_t day;              /* day of `date` (INT64_MIN: none) */
    char date[16];            /* "YYYY-MM-DDT" */
    uint64_t rows;
    int err;
};

vg_rows_t *
vg_rows_new (FILE *out, vg_rows_format_t format, const char *columns, char *err, size_t errlen)
{
    if (columns && format != VG_ROWS_CSV) {
        snprintf (err, errlen, "columns can only be chosen for CSV");
        return NULL;
    }
    vg_rows_t *r = calloc (1, sizeof *r);
    if (!r) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    r->out = out;
    r->format = format;
    r->day = INT64_MIN;
    const char *list = columns ? columns : "device,path,labels,timestamp_ms,time,value";
    while (*list) {
        size_t n = strcspn (list, ",");
        size_t c = 0;
        while (c < C__COUNT && !(strlen (s_col_names[c]) == n && memcmp (s_col_names[c], list, n) == 0))
            c++;
        bool repeated = false;
        for (size_t i = 0; i < r->ncols && c < C__COUNT; i++)
            repeated |= r->cols[i] == (s_col_t) c;
        if (c == C__COUNT || repeated || r->ncols == S_MAX_COLS) {
            snprintf (err, errlen, "%s column '%.*s' (columns: device, path, labels, kind, unit, timestamp_ms, time, value)",
                      c == C__COUNT ? "unknown" : "repeated", (int) (n > 40 ? 40 : n), list);
            vg_rows_destroy (&r);
            return NULL;
        }
        r->cols[r->ncols++] = (s_col_t) c;
        list += n + (list[n] == ',');
    }
    if (r->ncols == 0) {
        snprintf (err, errlen, "no columns");
        vg_rows_destroy (&r);
    }
    return r;
}

void
vg_rows_destroy (vg_rows_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_rows_t *r = *self_p;
    vg_rows_flush (r);
    for (int i = 0; i < C__COUNT; i++)
        vg_buf_free (&r->fixed[i]);
    vg_buf_free (&r->json_head);
    vg_buf_free (&r->line);
    free (r);
    *self_p = NULL;
}

int
vg_rows_flush (vg_rows_t *r)
{
    if (r->line.len && !r->err && fwrite (r->line.data, 1, r->line.len, r->out) != r->line.len)
        r->err = -VG_EIO;
    vg_buf_reset (&r->line);
    return r->err;
}

int
vg_rows_header (vg_rows_t *r)
{
    if (r->format != VG_ROWS_CSV)
        return 0;
    int rc = 0;
    for (size_t i = 0; i < r->ncols && rc == 0; i++)
        rc = vg_buf_printf (&r->line, "%s%s", i ? "," : "", s_col_names[r->cols[i]]);
    if (rc == 0)
        rc = vg_buf_append (&r->line, "\n", 1);
    return rc ? rc : vg_rows_flush (r);
}

static int
s_csv (vg_buf_t *b, const char *s)
{
    s = s ? s : "";
    if (!strpbrk (s, ",\"\n\r"))
        return vg_buf_append (b, s, strlen (s));
    int rc = vg_buf_append (b, "\"", 1);
    for (; *s && rc == 0; s++)
        rc = *s == '"' ? vg_buf_append (b, "\"\"", 2) : vg_buf_append (b, s, 1);
    return rc ? rc : vg_buf_append (b, "\"", 1);
}

static int
s_json (vg_buf_t *b, const char *s)
{
    size_t need = vg_json_escape (NULL, 0, s);
    int rc = vg_buf_reserve (b, need + 3);
    if (rc < 0)
        return rc;
    b->data[b->len++] = '"';
    vg_json_escape ((char *) b->data + b->len, need + 1, s);
    b->len += need;
    b->data[b->len++] = '"';
    return 0;
}

int
vg_rows_series (vg_rows_t *r, const Vigil__SeriesMeta *m)
{
    r->meta = m;
    int rc = 0;
    if (r->format == VG_ROWS_NDJSON) {
        vg_buf_t *h = &r->json_head;
        vg_buf_reset (h);
        rc = vg_buf_append (h, "{\"device\":", 10);
        rc = rc ? rc : s_json (h, m->device);
        rc = rc ? rc : vg_buf_append (h, ",\"path\":", 8);
        rc = rc ? rc : s_json (h, m->path);
        rc = rc ? rc : vg_buf_append (h, ",\"labels\":{", 11);
        for (size_t i = 0; i < m->n_labels && rc == 0; i++) {
            rc = i ? vg_buf_append (h, ",", 1) : 0;
            rc = rc ? rc : s_json (h, m->labels[i]->key);
            rc = rc ? rc : vg_buf_append (h, ":", 1);
            rc = rc ? rc : s_json (h, m->labels[i]->value);
        }
        rc = rc ? rc : vg_buf_printf (h, "},\"kind\":\"%s\",\"ts_ms\":", vg_kind_name ((vg_kind_t) m->kind));
        return rc;
    }
    for (size_t i = 0; i < r->ncols && rc == 0; i++) {
        s_col_t c = r->cols[i];
        vg_buf_t *b = &r->fixed[c];
        vg_buf_reset (b);
        switch (c) {
        case C_DEVICE:
            rc = s_csv (b, m->device);
            break;
        case C_PATH:
            rc = s_csv (b, m->path);
            break;
        case C_KIND:
            rc = s_csv (b, vg_kind_name ((vg_kind_t) m->kind));
            break;
        case C_UNIT:
            rc = s_csv (b, m->unit);
            break;
        case C_LABELS: {
            vg_buf_t l = VG_BUF_INIT;
            for (size_t k = 0; k < m->n_labels && rc == 0; k++)
                rc = vg_buf_printf (&l, "%s%s=%s", k ? ";" : "", m->labels[k]->key, m->labels[k]->value);
            rc = rc ? rc : vg_buf_append (&l, "", 1);
            rc = rc ? rc : s_csv (b, (const char *) l.data);
            vg_buf_free (&l);
            break;
        }
        default:
            break;
        }
    }
    return rc;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" into t (25 bytes), the date part cached per day. */
static size_t
s_time (vg_rows_t *r, int64_t ts, char *t)
{
    int64_t day = ts >= 0 ? ts / 86400000 : -((-ts + 86399999) / 86400000);
    if (day != r->day) {
        char full[40];
        vg_clock_rfc3339 (day * 86400000, full, sizeof full);
        if (strlen (full) != 24) /* outside years 0000-9999: no cache */
            return (size_t) snprintf (t, 40, "%s", vg_clock_rfc3339 (ts, full, sizeof full));
        memcpy (r->date, full, 11);
        r->day = day;
    }
    int64_t ms = ts - day * 86400000;
    unsigned h = (unsigned) (ms / 3600000), mi = (unsigned) (ms / 60000 % 60), s = (unsigned) (ms / 1000 % 60),
             f = (unsigned) (ms % 1000);
    memcpy (t, r->date, 11);
    char *p = t + 11;
    *p++ = (char) ('0' + h / 10);
    *p++ = (char) ('0' + h % 10);
    *p++ = ':';
    *p++ = (char) ('0' + mi / 10);
    *p++ = (char) ('0' + mi % 10);
    *p++ = ':';
    *p++ = (char) ('0' + s / 10);
    *p++ = (char) ('0' + s % 10);
    *p++ = '.';
    *p++ = (char) ('0' + f / 100);
    *p++ = (char) ('0' + f / 10 % 10);
    *p++ = (char) ('0' + f % 10);
    *p++ = 'Z';
    return (size_t) (p - t);
}

/* The state name of a STATE sample, NULL for other kinds. */
static const char *
s_state (const Vigil__SeriesMeta *m, vg_num_t v, vg_numtype_t type)
{
    if (m->kind != VIGIL__SERIES_KIND__SERIES_KIND_STATE)
        return NULL;
    double d = vg_num_to_double (v, type);
    return d >= 0 && d < (double) m->n_state_names ? m->state_names[(size_t) d] : "?";
}

int
vg_rows_sample (vg_rows_t *r, int64_t ts_ms, vg_num_t v, vg_numtype_t type)
{
    if (r->err)
        return r->err;
    vg_buf_t *b = &r->line;
    const char *state = s_state (r->meta, v, type);
    char num[VG_NUM_TEXT_MAX], tsbuf[24], t[48];
    size_t nl = state ? 0 : vg_num_format (num, v, type);
    int tl = (int) vg_num_i64_text (tsbuf, ts_ms);
    int rc = 0;
    if (r->format == VG_ROWS_NDJSON) {
        size_t tn = s_time (r, ts_ms, t);
        rc = vg_buf_append (b, r->json_head.data, r->json_head.len);
        rc = rc ? rc : vg_buf_append (b, tsbuf, (size_t) tl);
        rc = rc ? rc : vg_buf_append (b, ",\"time\":\"", 9);
        rc = rc ? rc : vg_buf_append (b, t, tn);
        rc = rc ? rc : vg_buf_append (b, "\",\"value\":", 10);
        if (state)
            rc = rc ? rc : s_json (b, state);
        else if (!vg_num_finite (v, type))
            rc = rc ? rc : vg_buf_printf (b, "\"%s\"", num);
        else
            rc = rc ? rc : vg_buf_append (b, num, nl);
        rc = rc ? rc : vg_buf_append (b, "}\n", 2);
    } else {
        for (size_t i = 0; i < r->ncols && rc == 0; i++) {
            if (i)
                rc = vg_buf_append (b, ",", 1);
            s_col_t c = r->cols[i];
            if (c == C_TS)
                rc = rc ? rc : vg_buf_append (b, tsbuf, (size_t) tl);
            else if (c == C_TIME) {
                size_t tn = s_time (r, ts_ms, t);
                rc = rc ? rc : vg_buf_append (b, t, tn);
            } else if (c == C_VALUE)
                rc = rc ? rc : state ? s_csv (b, state) : vg_buf_append (b, num, nl);
            else if (r->fixed[c].len)
                rc = rc ? rc : vg_buf_append (b, r->fixed[c].data, r->fixed[c].len);
        }
        rc = rc ? rc : vg_buf_append (b, "\n", 1);
    }
    if (rc < 0)
        return r->err = rc;
    r->rows++;
    return b->len >= S_FLUSH_AT ? vg_rows_flush (r) : 0;
}

uint64_t
vg_rows_count (const vg_rows_t *r)
{
    return r->rows;
}
