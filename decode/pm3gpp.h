/* pm3gpp.h - 3GPP PM XML files: TS 32.435 measCollecFile and TS 28.532 measDataFile.
 *
 * Streams the file with libxml2's reader (memory stays bounded whatever the file size),
 * both measType/r and measTypes/measResults forms.  Every measured value becomes one
 * sample (a comma-separated compound value, e.g. a PDF counter, one sample per bin with
 * label bin=<index>), timestamped at granPeriod@endTime.  Values are per-ROP counts and
 * are delivered as GAUGE (see docs/VENDORS.md for why).  The helpers below are shared
 * with the VES perf3gpp decoder. */
#ifndef VG_PM3GPP_H
#define VG_PM3GPP_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decoder.h"

#define VG_PM3GPP_MAX_XML (64u << 20)   /* largest file accepted */
#define VG_PM3GPP_MAX_TYPES 65536        /* measTypes per measInfo */

/* Decode one PM XML file held in memory.  Leading whitespace, a BOM and processing
 * instructions before the XML declaration are tolerated; missing and non-numeric values
 * are skipped and counted in st->undecoded.  Device = managedElement/measEntity localDn
 * (else fileSender localDn/senderName, else ctx->source); vendor = fileHeader vendorName.
 * Returns 0 (st->messages += 1), a negative -VG_E* after vg_decode_fail() for a malformed,
 * truncated or oversized file (samples delivered before the error stay delivered), or
 * the sink's non-zero return. */
int vg_pm3gpp_decode (const uint8_t *xml, size_t len, const vg_decode_ctx_t *ctx, const vg_sink_t *sink,
                      vg_decode_stats_t *st);

/* TS 28.552 name for a vendor counter name (Ericsson pm* counters with the same
 * definition), or NULL when the table has no equivalent. */
const char *vg_pm3gpp_std_name (const char *counter);

/* Convert p's value from the unit of the vendor counter it came from (p->origin_path) to
 * the unit of its TS 28.552 name (Ericsson kbit volumes -> Mbit); other points unchanged. */
void vg_pm3gpp_std_unit (vg_point_t *p);

/* The name a PM counter is stored under: the TS 28.552 equivalent of a vendor counter
 * (vg_pm3gpp_std_name), else a 3GPP-form "<Family>.<Meas>.sum" (any case) without its
 * ".sum" (the total lives under the plain name the rules use; written into buf[size]),
 * else the counter itself.  Other subcounters (".QCI1", ".mo-Data", ...) keep their full
 * name so they never mix with the total.  NULL only for a NULL counter. */
const char *vg_pm3gpp_norm_name (const char *counter, char *buf, size_t size);

/* Totals of per-cause-only measurements, per measured object.  TS 28.552
 * RRC.ConnEstabAtt.Cause / RRC.ConnEstabSucc.Cause: every establishment has exactly one
 * cause, so the causes partition the total.  Feed every value of one object with
 * vg_pm3gpp_totals_note (name as sent, stored = vg_pm3gpp_norm_name); afterwards
 * vg_pm3gpp_totals_get (t, i, ...) for i < VG_PM3GPP_NFAM returns 1 with the plain name,
 * an origin "sum(<name>.*)" and the sum when family i had subcounters but no total. */
#define VG_PM3GPP_NFAM 2
typedef struct {
    double sum[VG_PM3GPP_NFAM];
    uint32_t sub[VG_PM3GPP_NFAM], tot[VG_PM3GPP_NFAM];
} vg_pm3gpp_totals_t;
void vg_pm3gpp_totals_reset (vg_pm3gpp_totals_t *t);
void vg_pm3gpp_totals_note (vg_pm3gpp_totals_t *t, const char *name, const char *stored, double v);
int vg_pm3gpp_totals_get (const vg_pm3gpp_totals_t *t, size_t i, const char **path, const char **origin, double *v);

/* Vendor name as used across inputs ("Ericsson AB" -> "Ericsson"); unknown names are
 * returned unchanged, NULL stays NULL. */
const char *vg_pm3gpp_vendor_norm (const char *vendor);

/* Split a distinguished name "A=1,B=x" into labels {A:1, B:x} sorted by key, using
 * `scratch` (size bytes) for the strings.  When the DN does not parse, has more than
 * `max` parts or does not fit, yields one label {ldn: <whole dn>}.  Returns the number
 * of labels (0 for an empty dn, or when even the fallback does not fit).  GNBCUCPFunction and
 * GNBCUUPFunction are left out unless last: a cell's control- and user-plane counters then
 * share one entity. */
size_t vg_pm3gpp_ldn_labels (const char *dn, char *scratch, size_t size, vg_label_t *labels, size_t max);

/* Parse a measured value: trims blanks; returns 1 and *v for a number, 0 for empty,
 * "NIL"/"-" or non-numeric text. */
int vg_pm3gpp_parse_value (const char *s, size_t n, double *v);
/* Same, keeping integers exact: a whole decimal integer that fits 64 bits sets *t to
 * VG_NUM_U64 (or VG_NUM_I64 when negative); any other number is VG_NUM_F64. */
int vg_pm3gpp_parse_num (const char *s, size_t n, vg_num_t *v, vg_numtype_t *t);

/* Emit the compound (PDF) value s[0..n) ("3,0,7"): one sample per element, a copy of *pt
 * with the label bin=<index> put among its labels in key order (a label past
 * VG_MAX_LABELS - 1 is dropped).  exact: integers keep 64 bits (vg_pm3gpp_parse_num), else
 * every value is a double.  An element that does not parse counts as undecoded.  Returns 0
 * or the sink's code; counts st->samples.  Used by the XML and the VES decoders alike. */
int vg_pm3gpp_emit_bins (const vg_sink_t *sink, vg_decode_stats_t *st, const vg_point_t *pt, const char *s,
                         size_t n, int exact);

/* Parse an ISO 8601 duration such as "PT900S", "PT15M", "PT1H" into ms; -1 if invalid. */
int64_t vg_pm3gpp_duration_ms (const char *s);

#endif
