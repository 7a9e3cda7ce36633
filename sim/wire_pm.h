/* wire_pm.h - 3GPP TS 32.435 measCollec XML encoder for the simulator's gNBs: one file per
 * gNB and 15-minute ROP, in the style of the gNB's vendor:
 *   Ericsson  vendorName "Ericsson AB", pm* counter names (PmGroup measInfos, measType/r
 *             form), ConnMean as sum + samples, throughput as volume + time, UTC;
 *   Nokia     TS 28.552 names, measType/r form, timestamps and file name in local time;
 *   Huawei    TS 28.552 names in the measTypes / measResults form, UTC;
 *   others    TS 28.552 names, measType/r form, UTC.
 * File names follow TS 32.432: A<date>.<begin><tz>-<end><tz>_<sender>.xml.
 * Invariant: the text is a function of the ROP view only. */
#ifndef VG_WIRE_PM_H
#define VG_WIRE_PM_H

#include <stddef.h>

#include "common/buf.h"
#include "sim/wire_view.h"

/* Append the XML file of one ROP to out.  Returns 0, -VG_ENOMEM or -VG_EINVAL (a ROP whose
 * time does not format). */
int vg_wire_pm_encode (const vg_wire_rop_t *rop, vg_buf_t *out);

/* The TS 32.432 file name of the ROP into name (size bytes).  Returns 0 or -VG_EINVAL. */
int vg_wire_pm_filename (const vg_wire_rop_t *rop, char *name, size_t size);

#endif
