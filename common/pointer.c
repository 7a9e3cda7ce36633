/* pointer.c - replay pointer URIs (see pointer.h): format with percent-encoding, parse back.
 *
 * Invariant: vg_pointer_parse (vg_pointer_format (x)) gives back x's fields exactly. */
#include "common/pointer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

static int
s_plain (unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr ("-._~/:*{}", c);
}

/* Append s percent-encoded at buf[*len] (bounded by size; *len counts what is needed). */
static void
s_enc (char *buf, size_t size, size_t *len, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        char tmp[3] = { (char) *p, 0, 0 };
        size_t n = 1;
        if (!s_plain (*p)) {
            tmp[0] = '%';
            tmp[1] = hex[*p >> 4];
            tmp[2] = hex[*p & 15];
            n = 3;
        }
        for (size_t i = 0; i < n; i++, (*len)++)
            if (*len + 1 < size)
                buf[*len] = tmp[i];
    }
}

static void
s_lit (char *buf, size_t size, size_t *len, const char *s)
{
    for (; *s; s++, (*len)++)
        if (*len + 1 < size)
            buf[*len] = *s;
}

size_t
vg_pointer_format (const char *store, const char *scope, const char *device, const char *path, uint64_t series,
                   int64_t from_ms, int64_t to_ms, char *buf, size_t size)
{
    size_t len = 0;
    char num[64];
    s_lit (buf, size, &len, VG_POINTER_SCHEME);
    s_enc (buf, size, &len, device ? device : "");
    const char *sep = "?";
    if (scope && scope[0]) {
        s_lit (buf, size, &len, "?scope=");
        s_enc (buf, size, &len, scope);
        sep = "&";
    }
    if (store && store[0]) {
        s_lit (buf, size, &len, sep);
        s_lit (buf, size, &len, "store=");
        s_enc (buf, size, &len, store);
        sep = "&";
    }
    if (path && path[0]) {
        s_lit (buf, size, &len, sep);
        s_lit (buf, size, &len, "path=");
        s_enc (buf, size, &len, path);
        sep = "&";
    }
    if (series) {
        snprintf (num, sizeof num, "%sseries=%016" PRIx64, sep, series);
        s_lit (buf, size, &len, num);
        sep = "&";
    }
    snprintf (num, sizeof num, "%sfrom=%" PRId64 "&to=%" PRId64, sep, from_ms, to_ms);
    s_lit (buf, size, &len, num);
    if (size)
        buf[len < size ? len : size - 1] = '\0';
    return len;
}

static int
s_hexval (char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode text[0..n) into out (of cap bytes).  Returns 0 or -VG_EINVAL. */
static int
s_dec (const char *text, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char) text[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -VG_EINVAL;
            int a = s_hexval (text[i + 1]), b = s_hexval (text[i + 2]);
            if (a < 0 || b < 0 || (a == 0 && b == 0))
                return -VG_EINVAL;
            c = a * 16 + b;
            i += 2;
        }
        if (o + 1 >= cap)
            return -VG_EINVAL;
        out[o++] = (char) c;
    }
    out[o] = '\0';
    return 0;
}

static int
s_ms (const char *text, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll (text, &end, 10);
    if (errno || end == text || *end)
        return -VG_EINVAL;
    *out = v;
    return 0;
}

int
vg_pointer_parse (const char *uri, vg_pointer_t *out, char *err, size_t errlen)
{
    memset (out, 0, sizeof *out);
    size_t sl = strlen (VG_POINTER_SCHEME);
    if (strncmp (uri, VG_POINTER_SCHEME, sl) != 0) {
        snprintf (err, errlen, "'%s' is not a replay pointer (%s...)", uri, VG_POINTER_SCHEME);
        return -VG_EINVAL;
    }
    const char *p = uri + sl, *q = strchr (p, '?');
    size_t dl = q ? (size_t) (q - p) : strlen (p);
    if (dl == 0 || s_dec (p, dl, out->device, sizeof out->device) < 0) {
        snprintf (err, errlen, "replay pointer: bad or missing device in '%s'", uri);
        return -VG_EINVAL;
    }
    for (p = q ? q + 1 : p + dl; *p;) {
        size_t n = strcspn (p, "&");
        const char *eq = memchr (p, '=', n);
        if (!eq) {
            snprintf (err, errlen, "replay pointer: '%.*s' is not key=value", (int) n, p);
            return -VG_EINVAL;
        }
        size_t kl = (size_t) (eq - p), vl = n - kl - 1;
        struct {
            const char *key;
            char *dst;
            size_t cap;
        } const fields[] = {
            { "store", out->store, sizeof out->store },       { "path", out->path, sizeof out->path },
            { "series", out->series, sizeof out->series },    { "from", out->from_text, sizeof out->from_text },
            { "to", out->to_text, sizeof out->to_text },       { "scope", out->scope, sizeof out->scope },
        };
        size_t f = 0;
        while (f < sizeof fields / sizeof fields[0] && (strlen (fields[f].key) != kl || strncmp (fields[f].key, p, kl)))
            f++;
        if (f == sizeof fields / sizeof fields[0]) {
            snprintf (err, errlen, "replay pointer: unknown parameter '%.*s'", (int) kl, p);
            return -VG_EINVAL;
        }
        if (s_dec (eq + 1, vl, fields[f].dst, fields[f].cap) < 0) {
            snprintf (err, errlen, "replay pointer: bad value of '%s'", fields[f].key);
            return -VG_EINVAL;
        }
        p += n + (p[n] == '&');
    }
    if (out->scope[0] && strcmp (out->scope, "vendor") && strcmp (out->scope, "site")) {
        snprintf (err, errlen, "replay pointer: scope must be vendor or site, not '%s'", out->scope);
        return -VG_EINVAL;
    }
    if ((out->from_text[0] && s_ms (out->from_text, &out->from_ms) < 0) ||
        (out->to_text[0] && s_ms (out->to_text, &out->to_ms) < 0)) {
        snprintf (err, errlen, "replay pointer: from and to must be epoch milliseconds");
        return -VG_EINVAL;
    }
    return 0;
}
