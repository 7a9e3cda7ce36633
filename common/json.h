/* json.h - the one JSON string escaper (NDJSON output, alerts, OCSF, vigil query).
 *
 * Rules: '"' and '\\' are backslash-escaped; control characters use the short forms
 * (\n \r \t \b \f) or \u00XX; valid UTF-8 passes unchanged; each byte of an invalid UTF-8
 * sequence (overlong, surrogate, beyond U+10FFFF, truncated) becomes \ufffd, so the output
 * is always valid JSON whatever the input bytes. */
#ifndef VG_JSON_H
#define VG_JSON_H

#include <stddef.h>

/* Bytes of escaped output for n input bytes, at most. */
#define VG_JSON_ESCAPED_MAX(n) ((n) * 6)

/* Escape the NUL-terminated s (NULL = "") as the inside of a JSON string (no quotes) into
 * dst, snprintf-style: at most size - 1 bytes and a NUL are written (never a partial escape),
 * and the length of the whole escaped text is returned (>= size means it was cut).
 * dst may be NULL when size is 0. */
size_t vg_json_escape (char *dst, size_t size, const char *s);

#endif
