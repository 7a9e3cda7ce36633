/* wire_pm.c - 3GPP TS 32.435 measCollec XML encoder (see wire_pm.h).  Counter values are
 * written as integers (ROP deltas), gauges with one decimal; the measInfo groups follow
 * the vendor's managed-object model (Ericsson NRCellCU / NRCellDU PmGroups, others one
 * group per object class). */
#include "sim/wire_pm.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/err.h"

enum { V_ERICSSON, V_NOKIA, V_HUAWEI, V_OTHER };

typedef struct {
    const char *std, *ericsson; /* name per style */
    int cu;                     /* 1: NRCellCU object (Ericsson), else NRCellDU */
    int dec;                    /* decimals */
} s_meas_t;

/* Values are pulled by index in s_value. */
static const s_meas_t s_meas[] = {
    { "RRC.ConnEstabAtt", "pmRrcConnEstabAtt", 1, 0 },
    { "RRC.ConnEstabSucc", "pmRrcConnEstabSucc", 1, 0 },
    { "MM.HoExeInterReq", "pmHoExeAttOutInterGnb", 1, 0 },
    { "MM.HoExeInterSucc", "pmHoExeSuccOutInterGnb", 1, 0 },
    { "MM.HoExeIntraReq", "pmHoExeAttOutIntraGnb", 1, 0 },
    { "MM.HoExeIntraSucc", "pmHoExeSuccOutIntraGnb", 1, 0 },
    { "RRC.ConnMean", "pmRrcConnLevelSumSa", 1, 1 },
    { "RRC.ConnMax", "pmRrcConnLevelMaxSa", 1, 0 },
    { "DRB.PdcpSduVolumeDL", "pmPdcpVolDlDrb", 0, 0 },
    { "DRB.PdcpSduVolumeUL", "pmPdcpVolUlDrb", 0, 0 },
    { "RRU.PrbTotDl", "pmLicDlPrbUsedSum", 0, 1 },
    { "RRU.PrbTotUl", "pmLicUlPrbUsedSum", 0, 1 },
    { "DRB.UEThpDl", "pmMacDrbThpVolDl", 0, 1 },
    { "DRB.UEThpUl", "pmMacLcgThpVolUl", 0, 1 },
};
#define N_MEAS (sizeof s_meas / sizeof s_meas[0])
/* Ericsson's extra denominators, written after the above in their groups. */
#define E_SAMP_CU "pmRrcConnLevelSamp"
#define E_SAMP_DU "pmLicDlPrbUsedSamp"
#define E_SAMP_DU2 "pmLicUlPrbUsedSamp"
#define E_TIME_DL "pmMacDrbThpTimeDl"
#define E_TIME_UL "pmMacLcgThpTimeUl"

static int
s_vendor (const char *v)
{
    if (!v)
        return V_OTHER;
    if (strcmp (v, "Ericsson") == 0)
        return V_ERICSSON;
    if (strcmp (v, "Nokia") == 0)
        return V_NOKIA;
    if (strcmp (v, "Huawei") == 0)
        return V_HUAWEI;
    return V_OTHER;
}

/* ISO 8601 local time with offset: 2026-11-01T01:15:00+01:00 (or Z style "+00:00"). */
static int
s_iso (int64_t ms, int off_min, char *out, size_t size)
{
    time_t t = (time_t) (ms / 1000 + off_min * 60);
    struct tm tm;
    if (!gmtime_r (&t, &tm))
        return -VG_EINVAL;
    int a = off_min < 0 ? -off_min : off_min;
    int n = snprintf (out, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off_min < 0 ? '-' : '+', a / 60, a % 60);
    return n > 0 && (size_t) n < size ? 0 : -VG_EINVAL;
}

int
vg_wire_pm_filename (const vg_wire_rop_t *r, char *name, size_t size)
{
    int off = s_vendor (r->vendor) == V_NOKIA ? r->utc_offset_min : 0;
    time_t b = (time_t) (r->begin_ms / 1000 + off * 60), e = (time_t) (r->end_ms / 1000 + off * 60);
    struct tm tb, te;
    if (!gmtime_r (&b, &tb) || !gmtime_r (&e, &te))
        return -VG_EINVAL;
    int a = off < 0 ? -off : off;
    char tz[24];
    snprintf (tz, sizeof tz, "%c%02d%02d", off < 0 ? '-' : '+', a / 60, a % 60);
    int n = snprintf (name, size, "A%04d%02d%02d.%02d%02d%s-%02d%02d%s_%s.xml", tb.tm_year + 1900, tb.tm_mon + 1,
                      tb.tm_mday, tb.tm_hour, tb.tm_min, tz, te.tm_hour, te.tm_min, tz, r->host);
    return n > 0 && (size_t) n < size ? 0 : -VG_EINVAL;
}

/* Value of measurement i of cell c as written by vendor style v. */
static double
s_value (const vg_wire_cell_t *c, size_t i, int v)
{
    double rop_s = 900, n = c->samples ? c->samples : 1;
    switch (i) {
    case 0: return c->rrc_att;
    case 1: return c->rrc_succ;
    case 2: return c->ho_inter_req;
    case 3: return c->ho_inter_succ;
    case 4: return c->ho_intra_req;
    case 5: return c->ho_intra_succ;
    case 6: return v == V_ERICSSON ? c->conn_mean * n : c->conn_mean;
    case 7: return c->conn_max;
    case 8: return v == V_ERICSSON ? c->vol_dl_mbit * 1000 : c->vol_dl_mbit; /* Ericsson: kbit */
    case 9: return v == V_ERICSSON ? c->vol_ul_mbit * 1000 : c->vol_ul_mbit;
    case 10: return v == V_ERICSSON ? c->prb_dl * n : c->prb_dl;
    case 11: return v == V_ERICSSON ? c->prb_ul * n : c->prb_ul;
    /* Ericsson: throughput volume (kbit) over an active time of 40 % of the ROP (ms). */
    case 12: return v == V_ERICSSON ? c->thp_dl * rop_s * 0.4 : c->thp_dl;
    default: return v == V_ERICSSON ? c->thp_ul * rop_s * 0.4 : c->thp_ul;
    }
}

static int
s_num (vg_buf_t *b, double v, int dec)
{
    if (!isfinite (v))
        return vg_buf_printf (b, "NIL");
    return dec ? vg_buf_printf (b, "%.1f", v) : vg_buf_printf (b, "%.0f", v);
}

static const char *
s_name (size_t i, int v)
{
    return v == V_ERICSSON ? s_meas[i].ericsson : s_meas[i].std;
}

/* One measInfo over the cells for the measurements with cu == group (Ericsson) or all. */
static int
s_measinfo (vg_buf_t *b, const vg_wire_rop_t *r, int v, int group, const char *end, const char *info,
            const char *cls, const char *fn)
{
    int rc = vg_buf_printf (b,
                       "    <measInfo measInfoId=\"%s\">\n      <job jobId=\"%s\"/>\n"
                       "      <granPeriod duration=\"PT900S\" endTime=\"%s\"/>\n"
                       "      <repPeriod duration=\"PT900S\"/>\n",
                       info, v == V_ERICSSON ? "nr_all" : "PM_NR_CELL_15MIN", end);
    size_t sel[N_MEAS + 4], ns = 0;
    for (size_t i = 0; i < N_MEAS; i++)
        if (group < 0 || s_meas[i].cu == group)
            sel[ns++] = i;
    const char *extra[3] = { NULL, NULL, NULL };
    size_t nx = 0;
    if (v == V_ERICSSON && group == 1)
        extra[nx++] = E_SAMP_CU;
    if (v == V_ERICSSON && group == 0) {
        extra[nx++] = E_SAMP_DU;
        extra[nx++] = E_SAMP_DU2;
    }
    if (v == V_HUAWEI) {
        rc = rc ? rc : vg_buf_printf (b, "      <measTypes>");
        for (size_t k = 0; k < ns && rc == 0; k++)
            rc = vg_buf_printf (b, "%s%s", k ? " " : "", s_name (sel[k], v));
        rc = rc ? rc : vg_buf_printf (b, "</measTypes>\n");
    } else {
        for (size_t k = 0; k < ns && rc == 0; k++)
            rc = vg_buf_printf (b, "      <measType p=\"%zu\">%s</measType>\n", k + 1, s_name (sel[k], v));
        for (size_t k = 0; k < nx && rc == 0; k++)
            rc = vg_buf_printf (b, "      <measType p=\"%zu\">%s</measType>\n", ns + k + 1, extra[k]);
        if (v == V_ERICSSON && group == 0 && rc == 0) {
            rc = vg_buf_printf (b, "      <measType p=\"%zu\">%s</measType>\n", ns + nx + 1, E_TIME_DL);
            rc = rc ? rc : vg_buf_printf (b, "      <measType p=\"%zu\">%s</measType>\n", ns + nx + 2, E_TIME_UL);
        }
    }
    for (size_t c = 0; c < r->ncells && rc == 0; c++) {
        const vg_wire_cell_t *cell = &r->cells[c];
        rc = vg_buf_printf (b, "      <measValue measObjLdn=\"ManagedElement=%s,%s=1,%s=%u\">\n", r->host, fn, cls,
                       cell->id);
        if (v == V_HUAWEI) {
            rc = rc ? rc : vg_buf_printf (b, "        <measResults>");
            for (size_t k = 0; k < ns && rc == 0; k++) {
                rc = k ? vg_buf_printf (b, " ") : 0;
                rc = rc ? rc : s_num (b, s_value (cell, sel[k], v), s_meas[sel[k]].dec);
            }
            rc = rc ? rc : vg_buf_printf (b, "</measResults>\n");
        } else {
            for (size_t k = 0; k < ns && rc == 0; k++) {
                rc = vg_buf_printf (b, "        <r p=\"%zu\">", k + 1);
                rc = rc ? rc : s_num (b, s_value (cell, sel[k], v), s_meas[sel[k]].dec);
                rc = rc ? rc : vg_buf_printf (b, "</r>\n");
            }
            for (size_t k = 0; k < nx && rc == 0; k++)
                rc = vg_buf_printf (b, "        <r p=\"%zu\">%u</r>\n", ns + k + 1, cell->samples);
            if (v == V_ERICSSON && group == 0 && rc == 0) {
                rc = vg_buf_printf (b, "        <r p=\"%zu\">360000</r>\n", ns + nx + 1);
                rc = rc ? rc : vg_buf_printf (b, "        <r p=\"%zu\">360000</r>\n", ns + nx + 2);
            }
        }
        rc = rc ? rc : vg_buf_printf (b, "        <suspect>%s</suspect>\n      </measValue>\n",
                                 cell->samples && !r->suspect ? "false" : "true");
    }
    return rc ? rc : vg_buf_printf (b, "    </measInfo>\n");
}

int
vg_wire_pm_encode (const vg_wire_rop_t *r, vg_buf_t *b)
{
    int v = s_vendor (r->vendor);
    int off = v == V_NOKIA ? r->utc_offset_min : 0;
    char begin[40], end[40];
    if (s_iso (r->begin_ms, off, begin, sizeof begin) < 0 || s_iso (r->end_ms, off, end, sizeof end) < 0)
        return -VG_EINVAL;
    static const char *const vname[] = { "Ericsson AB", "Nokia Solutions and Networks", "Huawei Technologies Co., Ltd.",
                                         NULL };
    const char *vn = vname[v] ? vname[v] : (r->vendor ? r->vendor : "");
    const char *et = v == V_ERICSSON ? "RadioNode" : "gNB";
    int rc = vg_buf_printf (b,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<measCollecFile xmlns=\"http://www.3gpp.org/ftp/specs/archive/32_series/32.435#measCollec\">\n"
                       "  <fileHeader fileFormatVersion=\"32.435 V10.0\" vendorName=\"%s\" dnPrefix=\"SubNetwork=RAN\">\n"
                       "    <fileSender localDn=\"%s\" elementType=\"%s\"/>\n"
                       "    <measCollec beginTime=\"%s\"/>\n  </fileHeader>\n  <measData>\n"
                       "    <managedElement localDn=\"%s\" swVersion=\"%s\"/>\n",
                       vn, r->host, et, begin, r->host, r->sw ? r->sw : "");
    if (rc == 0 && v == V_ERICSSON) {
        rc = s_measinfo (b, r, v, 1, end, "PM=1,PmGroup=NRCellCU_GNBCUCP", "NRCellCU", "GNBCUCPFunction");
        rc = rc ? rc : s_measinfo (b, r, v, 0, end, "PM=1,PmGroup=NRCellDU_GNBDU", "NRCellDU", "GNBDUFunction");
    } else if (rc == 0) {
        rc = s_measinfo (b, r, v, -1, end, v == V_NOKIA ? "NRCELL-15MIN" : "NRCellDU", "NRCellDU", "GNBDUFunction");
    }
    return rc ? rc : vg_buf_printf (b, "  </measData>\n  <fileFooter>\n    <measCollec endTime=\"%s\"/>\n  </fileFooter>\n"
                                  "</measCollecFile>\n", end);
}
