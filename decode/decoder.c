/* decoder.c - shared helpers of the decoders. */
#include "decode/decoder.h"

#include <stdarg.h>
#include <stdio.h>

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
