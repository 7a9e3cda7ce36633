/* decoder.c - shared helpers of the decoders. */
#include "decode/decoder.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"

int
vg_decode_fail (vg_decode_stats_t *st, int code, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (st->last_error, sizeof st->last_error, fmt, ap);
    va_end (ap);
    st->errors++;
    return code < 0 ? code : -code;
}

int
vg_decode_device (const vg_sink_t *sink, const vg_decode_ctx_t *ctx, const char *node, size_t len,
                  vg_device_t *d, char *id)
{
    if (!node) {
        node = ctx && ctx->source ? ctx->source : "unknown";
        len = strlen (node);
    }
    size_t n = 0;
    while (n < len && n < VG_MAX_ID_LEN - 1 && node[n])
        n++;
    memcpy (id, node, n);
    id[n] = '\0';
    d->id = id;
    return vg_sink_device (sink, d);
}

int
vg_decode_check_len (vg_decode_stats_t *st, size_t len, size_t max, const char *format, const char *what)
{
    if (len == 0)
        return vg_decode_fail (st, -VG_ETRUNC, "%s: empty %s", format, what);
    if (len > max)
        return vg_decode_fail (st, -VG_ETOOBIG, "%s: %s of %zu bytes exceeds %zu", format, what, len, max);
    return 0;
}

int
vg_decode_is_wire_error (int rc)
{
    return rc == -VG_ETRUNC || rc == -VG_EPROTO || rc == -VG_ETOOBIG;
}

int
vg_decode_wire_fail (vg_decode_stats_t *st, int rc, const char *format, const char *what)
{
    if (rc == -VG_ETOOBIG)
        return vg_decode_fail (st, rc, "%s: %s too long or too deep", format, what);
    return vg_decode_fail (st, rc, "%s: malformed %s (%s)", format, what,
                           rc == -VG_ETRUNC ? "truncated" : "bad wire format");
}
