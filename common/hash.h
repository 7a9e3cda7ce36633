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

#endif
