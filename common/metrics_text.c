/* metrics_text.c - table-driven Prometheus text exposition (see metrics_text.h). */
#include "common/metrics_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"

int
vg_metrics_begin (vg_metric_out_t *out)
{
    if (out->size == 0)
        return 0;
    out->buf[out->len < out->size ? out->len : out->size - 1] = '\0';
    return 1;
}

void
vg_metrics_put (vg_metric_out_t *o, const char *fmt, ...)
{
    if (o->len >= o->size) {
        o->truncated = 1;
        return;
    }
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (o->buf + o->len, o->size - o->len, fmt, ap);
    va_end (ap);
    if (n < 0 || (size_t) n >= o->size - o->len) {
        o->len = o->size - 1;   /* keep what fitted; the buffer stays NUL-terminated */
        o->truncated = 1;
    } else {
        o->len += (size_t) n;
    }
}

/* One sample line of row m for one instance. */
static void
s_row (vg_metric_out_t *out, const vg_metric_t *m, const vg_metric_instance_t *in)
{
    vg_metrics_put (out, "%s%s", m->family, m->suffix ? m->suffix : "");
    const char *il = in->labels && in->labels[0] ? in->labels : NULL;
    if (il || m->labels)
        vg_metrics_put (out, "{%s%s%s}", il ? il : "", il && m->labels ? "," : "", m->labels ? m->labels : "");
    const void *p = (const char *) in->stats + m->offset;
    uint64_t u;
    int64_t s;
    size_t z;
    switch (m->repr) {
    case VG_METRIC_U64:
        memcpy (&u, p, sizeof u);
        vg_metrics_put (out, " %llu\n", (unsigned long long) u);
        break;
    case VG_METRIC_SIZE:
        memcpy (&z, p, sizeof z);
        vg_metrics_put (out, " %zu\n", z);
        break;
    case VG_METRIC_I64_MS:
        memcpy (&s, p, sizeof s);
        vg_metrics_put (out, " %.3f\n", (double) s / 1e3);
        break;
    case VG_METRIC_I64_US:
        memcpy (&s, p, sizeof s);
        vg_metrics_put (out, " %.6f\n", (double) s / 1e6);
        break;
    case VG_METRIC_U64_US:
        memcpy (&u, p, sizeof u);
        vg_metrics_put (out, " %.6f\n", (double) u / 1e6);
        break;
    }
}

void
vg_metrics_render_each (vg_metric_out_t *out, const vg_metric_t *table, size_t n, const vg_metric_instance_t *inst,
                        size_t ninst)
{
    if (ninst == 0)
        return;
    for (size_t i = 0; i < n;) {
        /* rows [i, end) are one family */
        size_t end = i + 1;
        while (end < n && strcmp (table[end].family, table[i].family) == 0)
            end++;
        vg_metrics_put (out, "# TYPE %s %s\n", table[i].family, table[i].type);
        for (size_t k = 0; k < ninst; k++)
            for (size_t r = i; r < end; r++)
                s_row (out, &table[r], &inst[k]);
        i = end;
    }
}

void
vg_metrics_render (vg_metric_out_t *out, const vg_metric_t *table, size_t n, const void *stats)
{
    const vg_metric_instance_t one = { stats, NULL };
    vg_metrics_render_each (out, table, n, &one, 1);
}

int
vg_metrics_label (char *buf, size_t size, const char *name, const char *value)
{
    if (size == 0)
        return -VG_ETOOBIG;
    size_t len = 0;
    int n = snprintf (buf, size, "%s=\"", name);
    if (n < 0 || (size_t) n >= size)
        goto toobig;
    len = (size_t) n;
    for (const char *p = value ? value : ""; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : *p == '\n' ? "\\n" : NULL;
        size_t k = esc ? 2 : 1;
        if (len + k >= size)
            goto toobig;
        memcpy (buf + len, esc ? esc : p, k);
        len += k;
    }
    if (len + 2 > size)
        goto toobig;
    buf[len++] = '"';
    buf[len] = '\0';
    return 0;
toobig:
    buf[0] = '\0';
    return -VG_ETOOBIG;
}
