/* pointer.h - the replay pointer of an alert as one URI that the investigation commands take
 * as is (vigil replay / export / timeline --pointer URI).
 *
 *   vigil://DEVICE?store=DIR&path=PATH&series=HEX16&from=MS&to=MS
 *   vigil://KEY?scope=vendor|site&store=DIR&from=MS&to=MS      (a fleet finding)
 *
 * DEVICE is the device id; a fleet finding (X01 per vendor, X02 per site) has its scope
 * key there instead, named by scope (absent = a device); [from, to) is the time
 * range in epoch milliseconds, to exclusive; store, path and series are left out when
 * unknown (series: the 16-hex-digit series id, for findings about one series).  Every
 * value is percent-encoded except letters, digits and - . _ ~ / : * { } (so a device id or
 * path reads as itself).  Formatting uses snprintf only and allocates nothing. */
#ifndef VG_POINTER_H
#define VG_POINTER_H

#include <stddef.h>
#include <stdint.h>

#define VG_POINTER_SCHEME "vigil://"

/* What a pointer names.  Strings are NUL-terminated copies ("" = not given); the time
 * fields are also kept as text (from_text / to_text, "" when absent) for option parsers
 * that read times as text. */
typedef struct {
    char device[256];         /* the device id, or the scope key when scope is set */
    char scope[8];            /* "vendor", "site" or "" (a device) */
    char store[1024];
    char path[512];
    char series[17];
    int64_t from_ms, to_ms;
    char from_text[24], to_text[24];
} vg_pointer_t;

/* Write the URI of (store, device, path, series, [from, to)) into buf (always terminated
 * when size > 0); scope "vendor" or "site" marks device as that scope's key (NULL or "" =
 * a device); store, path may be NULL or "", series 0 leaves it out.  Returns the length
 * needed, like snprintf. */
size_t vg_pointer_format (const char *store, const char *scope, const char *device, const char *path, uint64_t series,
                          int64_t from_ms, int64_t to_ms, char *buf, size_t size);

/* Parse a URI made by vg_pointer_format (parameters in any order; unknown ones are an
 * error so a typo is not silently ignored).  Returns 0, or -VG_EINVAL with the reason in
 * err (not a vigil:// URI, bad escape, unknown parameter, a number that does not parse, a
 * value too long, a scope other than vendor or site). */
int vg_pointer_parse (const char *uri, vg_pointer_t *out, char *err, size_t errlen);

#endif
