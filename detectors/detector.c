/* detector.c - the table of built-in detector kinds and helpers they share.
 * The table is const data in a fixed order: rule parsing and docs list kinds in this order. */
#include "detectors/detector.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"

extern const vg_detector_ops_t vg_det_silence, vg_det_flap, vg_det_seasonal, vg_det_burst,
    vg_det_exhaustion, vg_det_ran_kpi, vg_det_bgp, vg_det_callhome, vg_det_exfil_volume,
    vg_det_mirror, vg_det_login, vg_det_crypto_off, vg_det_config_change, vg_det_image_change,
    vg_det_reboot, vg_det_ntp, vg_det_ntp_change, vg_det_common_mode, vg_det_divergence;

const vg_detector_ops_t *const vg_detector_kinds[] = {
    &vg_det_silence, &vg_det_flap, &vg_det_seasonal, &vg_det_burst, &vg_det_exhaustion,
    &vg_det_ran_kpi, &vg_det_bgp, &vg_det_callhome, &vg_det_exfil_volume, &vg_det_mirror,
    &vg_det_login, &vg_det_crypto_off, &vg_det_config_change, &vg_det_image_change,
    &vg_det_reboot, &vg_det_ntp, &vg_det_ntp_change, &vg_det_common_mode, &vg_det_divergence,
    NULL,
};

const vg_detector_ops_t *
vg_detector_find (const char *name)
{
    for (size_t i = 0; name && vg_detector_kinds[i]; i++)
        if (!strcmp (vg_detector_kinds[i]->name, name))
            return vg_detector_kinds[i];
    return NULL;
}

int
vg_detector_save_pod (vg_buf_t *out, uint32_t tag, const void *p, size_t n)
{
    uint32_t len = (uint32_t) n;
    if (vg_buf_append (out, &tag, 4) || vg_buf_append (out, &len, 4) || vg_buf_append (out, p, n))
        return -VG_ENOMEM;
    return 0;
}

int
vg_detector_load_pod (const uint8_t *p, size_t len, uint32_t tag, void *dst, size_t n)
{
    uint32_t t, l;
    int rc = 0;
    if (len < 8)
        rc = -VG_ETRUNC;
    else {
        memcpy (&t, p, 4);
        memcpy (&l, p + 4, 4);
        if (t != tag || l != n)
            rc = -VG_EINVAL;
        else if (len - 8 < n)
            rc = -VG_ETRUNC;
    }
    if (rc == 0)
        memcpy (dst, p + 8, n);
    else
        memset (dst, 0, n); /* a kind starts cold rather than from half-read state */
    return rc;
}

void
vg_verdict_note (vg_verdict_t *out, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (out->evidence, sizeof out->evidence, fmt, ap);
    va_end (ap);
}
