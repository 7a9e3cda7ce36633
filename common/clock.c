/* clock.c - time sources and time text. */
#include "common/clock.h"
#include "common/err.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t
vg_clock_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
vg_clock_mono_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
vg_clock_mono_ms (void)
{
    return vg_clock_mono_ns () / 1000000;
}

char *
vg_clock_rfc3339 (int64_t ts_ms, char *buf, size_t size)
{
    int64_t secs = ts_ms / 1000, ms = ts_ms % 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    time_t t = (time_t) secs;
    struct tm tm;
    if (!gmtime_r (&t, &tm)) {
        snprintf (buf, size, "invalid");
        return buf;
    }
    snprintf (buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
              tm.tm_hour, tm.tm_min, tm.tm_sec, (int) ms);
    return buf;
}

int64_t
vg_clock_days_from_civil (int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int
vg_duration_parse (const char *text, int64_t *ms)
{
    if (!text || !*text)
        return -VG_EINVAL;
    char *end;
    errno = 0;
    double v = strtod (text, &end);
    if (errno || end == text || v < 0)
        return -VG_EINVAL;
    double mult;
    if (*end == '\0' || strcmp (end, "ms") == 0)
        mult = 1;
    else if (strcmp (end, "s") == 0)
        mult = 1e3;
    else if (strcmp (end, "m") == 0)
        mult = 60e3;
    else if (strcmp (end, "h") == 0)
        mult = 3600e3;
    else if (strcmp (end, "d") == 0)
        mult = 86400e3;
    else if (strcmp (end, "w") == 0)
        mult = 7 * 86400e3;
    else
        return -VG_EINVAL;
    double r = v * mult;
    if (r > 9.0e15)
        return -VG_EINVAL;
    *ms = (int64_t) r;
    return 0;
}

int
vg_clock_parse (const char *text, int64_t now_ms, int64_t *ts_ms)
{
    if (!text || !*text)
        return -VG_EINVAL;
    if (strcmp (text, "now") == 0) {
        *ts_ms = now_ms;
        return 0;
    }
    if (text[0] == '-' || text[0] == '+') {
        int64_t d;
        if (vg_duration_parse (text + 1, &d) < 0)
            return -VG_EINVAL;
        *ts_ms = text[0] == '-' ? now_ms - d : now_ms + d;
        return 0;
    }
    size_t len = strlen (text);
    size_t digits = strspn (text, "0123456789");
    if (digits == len) {
        if (len > 15)
            return -VG_EINVAL;
        *ts_ms = strtoll (text, NULL, 10);
        return 0;
    }
    int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
    if (sscanf (text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -VG_EINVAL;
    const char *p = text + 10;
    int64_t frac_ms = 0, offset_min = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        int k = 0;
        if (sscanf (p + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &k) != 3 || k != 8)
            return -VG_EINVAL;
        p += 1 + k;
        if (*p == '.') {
            p++;
            int scale = 100;
            while (isdigit ((unsigned char) *p)) {
                frac_ms += (*p - '0') * scale;
                scale /= 10;
                p++;
            }
        }
        if (*p == 'Z' || *p == 'z')
            p++;
        else if (*p == '+' || *p == '-') {
            int oh, om, k2 = 0;
            if (sscanf (p + 1, "%2d:%2d%n", &oh, &om, &k2) != 2 || k2 != 5)
                return -VG_EINVAL;
            offset_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
            p += 1 + k2;
        }
    }
    if (*p != '\0')
        return -VG_EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -VG_EINVAL;
    int64_t days = vg_clock_days_from_civil (y, mo, d);
    *ts_ms = ((days * 86400 + h * 3600 + mi * 60 + s) - offset_min * 60) * 1000 + frac_ms;
    return 0;
}

char *
vg_duration_format (int64_t ms, char *buf, size_t size)
{
    const char *sign = ms < 0 ? "-" : "";
    uint64_t a = ms < 0 ? (uint64_t) 0 - (uint64_t) ms : (uint64_t) ms, s = a / 1000;
    if (s >= 86400)
        snprintf (buf, size, "%s%llud%02lluh%02llum", sign, (unsigned long long) (s / 86400),
                  (unsigned long long) (s % 86400 / 3600), (unsigned long long) (s % 3600 / 60));
    else if (s >= 3600)
        snprintf (buf, size, "%s%lluh%02llum", sign, (unsigned long long) (s / 3600), (unsigned long long) (s % 3600 / 60));
    else if (s >= 60)
        snprintf (buf, size, "%s%llum%02llus", sign, (unsigned long long) (s / 60), (unsigned long long) (s % 60));
    else
        snprintf (buf, size, "%s%llu.%03llus", sign, (unsigned long long) s, (unsigned long long) (a % 1000));
    return buf;
}
