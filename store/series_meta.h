/* series_meta.h - the series column family: one vigil.SeriesMeta per series id.
 *
 * Key: the 8-byte big-endian series id (vg_series_id); value: the packed SeriesMeta (device,
 * path, labels, kind, unit, state names).  Ingest writes it when a series is first seen or
 * its state names grow; ingest, the detect stage and `vigil query` read it back with
 * vg_series_meta_scan instead of decoding keys and values themselves. */
#ifndef VG_SERIES_META_H
#define VG_SERIES_META_H

#include <stdint.h>

#include "common/buf.h"
#include "proto/vigil.pb-c.h"
#include "store/store.h"

#define VG_SERIES_KEY_LEN 8

/* Called once per readable record, in series-id order.  *meta_p is the unpacked record; the
 * callee may keep it by setting *meta_p = NULL (it then frees it with
 * vigil__series_meta__free_unpacked), otherwise the scan frees it.  Return 0 to go on, a
 * positive value to stop, a negative error to stop with that error. */
typedef int (*vg_series_meta_fn) (void *ctx, uint64_t sid, Vigil__SeriesMeta **meta_p);

/* Visit every series record of s.  Records with a malformed key or value are skipped and
 * counted in *skipped (may be NULL).  Returns 0, the callback's negative error, or a store
 * error. */
int vg_series_meta_scan (vg_store_t *s, vg_series_meta_fn fn, void *ctx, uint64_t *skipped);

/* The same, visiting only records whose packed bytes contain needle (a device id: the
 * others are skipped unread, not counted). */
int vg_series_meta_scan_having (vg_store_t *s, const char *needle, vg_series_meta_fn fn, void *ctx,
                                uint64_t *skipped);

/* Add the record of series sid to txn; scratch holds the packed value (reused, so steady
 * state does not allocate).  Returns 0 or -VG_ENOMEM. */
int vg_series_meta_put (vg_store_txn_t *txn, uint64_t sid, const Vigil__SeriesMeta *m, vg_buf_t *scratch);

#endif
