/* hash.h - fast non-cryptographic 64-bit hashing for series identity and hash tables.
 *
 * Series identity: vg_series_id() hashes device, path and the labels sorted by key, so the
 * same series gets the same id in every agent, collector and CLI run. The function is part
 * of the storage format: never change it. */
#ifndef VG_HASH_H
#define VG_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "common/model.h"

/* Hash n bytes with a seed. */
uint64_t vg_hash64 (const void *data, size_t n, uint64_t seed);
/* Mix one 64-bit value (a finaliser; bijective). */
uint64_t vg_hash_mix64 (uint64_t x);
/* Stable series id of (device, path, labels); labels may be in any order. Never returns 0. */
uint64_t vg_series_id (const char *device, const char *path, const vg_label_t *labels, size_t nlabels);

/* vg_series_id in pieces, for callers that hash many series of few devices, paths and label
 * strings (the fleet tier memoises the pieces per message):
 *   vg_series_id (d, p, L, n) ==
 *       vg_series_id_finish (vg_series_id_path (vg_series_id_device (d), p), lh, n)
 *   with lh[i] = vg_series_id_label (vg_series_id_label_key (L[i].key), L[i].value). */
uint64_t vg_series_id_device (const char *device);
uint64_t vg_series_id_path (uint64_t device_h, const char *path);
uint64_t vg_series_id_label_key (const char *key);
uint64_t vg_series_id_label (uint64_t key_h, const char *value);
uint64_t vg_series_id_finish (uint64_t path_h, const uint64_t *label_h, size_t nlabels);

#endif
