/* err.c - error code strings. */
#include "common/err.h"

const char *
vg_strerror (int code)
{
    static const char *const names[VG_E_COUNT] = {
        [VG_OK] = "ok",
        [VG_EINVAL] = "invalid argument or input",
        [VG_ENOMEM] = "out of memory",
        [VG_EIO] = "I/O error",
        [VG_EPROTO] = "protocol violation",
        [VG_ETOOBIG] = "input too big",
        [VG_ETRUNC] = "input truncated",
        [VG_ENOTFOUND] = "not found",
        [VG_EAGAIN] = "try again",
        [VG_ECONFIG] = "configuration error",
        [VG_ECRC] = "checksum mismatch",
        [VG_ESTORE] = "store error",
        [VG_EFULL] = "resource full",
        [VG_EUNSUPP] = "unsupported",
        [VG_ERANGE] = "value out of range",
        [VG_EDUP] = "duplicate",
    };
    if (code < 0)
        code = -code;
    if (code >= VG_E_COUNT)
        return "unknown error";
    return names[code];
}
