/* json.c - JSON string escaping (see json.h). */
#include "common/json.h"

#include <stdint.h>
#include <string.h>

/* Length of a valid UTF-8 sequence at s (2..4; s[0] >= 0x80), or 0 if invalid. */
static size_t
s_utf8_len (const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)   /* also stops at the terminating NUL */
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* The escaped form of the character at *p into tok (up to 6 bytes); advances *p. */
static size_t
s_token (const unsigned char **p, char *tok)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char c = **p;
    if (c == '"' || c == '\\') {
        tok[0] = '\\';
        tok[1] = (char) c;
        (*p)++;
        return 2;
    }
    if (c < 0x20) {
        static const char shortform[0x20] = { ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', ['\b'] = 'b', ['\f'] = 'f' };
        (*p)++;
        tok[0] = '\\';
        if (shortform[c]) {
            tok[1] = shortform[c];
            return 2;
        }
        memcpy (tok + 1, "u00", 3);
        tok[4] = hex[c >> 4];
        tok[5] = hex[c & 15];
        return 6;
    }
    if (c < 0x80) {
        tok[0] = (char) c;
        (*p)++;
        return 1;
    }
    size_t l = s_utf8_len (*p);
    if (l == 0) {
        memcpy (tok, "\\ufffd", 6);
        (*p)++;
        return 6;
    }
    memcpy (tok, *p, l);
    *p += l;
    return l;
}

size_t
vg_json_escape (char *dst, size_t size, const char *s)
{
    const unsigned char *p = (const unsigned char *) (s ? s : "");
    size_t len = 0, written = 0; /* written: bytes in dst once it is full */
    int full = size == 0;
    while (*p) {
        const unsigned char *run = p;
        /* plain ASCII runs are copied at once (cutting one never splits an escape) */
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
            p++;
        size_t n = (size_t) (p - run);
        if (n) {
            if (!full) {
                size_t room = size - 1 - len;
                memcpy (dst + len, run, n <= room ? n : room);
                if (n > room) {
                    written = len + room;
                    full = 1;
                }
            }
            len += n;
            continue;
        }
        char tok[6];
        size_t t = s_token (&p, tok);
        if (!full && t <= size - 1 - len) {
            memcpy (dst + len, tok, t);
        } else if (!full) {
            written = len;
            full = 1;
        }
        len += t;
    }
    if (size)
        dst[full ? written : len] = '\0';
    return len;
}
