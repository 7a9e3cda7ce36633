/* batch_pack.h - packing a hand-built or mutated vigil.Batch into a buffer, for the suites
 * that feed batches to ingest, the detect stage or the server (they link vg_proto).
 *
 * Header-only (static inline) because the support .c files are compiled into every suite and
 * most suites do not link the protobuf code.  Test-only: failures are Check assertions. */
#ifndef VG_TEST_BATCH_PACK_H
#define VG_TEST_BATCH_PACK_H

#include <check.h>

#include "common/buf.h"
#include "proto/vigil.pb-c.h"

/* A batch of epoch 1 from agent: sequence seq, created at created_ms, with the string table
 * strings[0..nstrings) and devs[0..ndevs) (all borrowed); no series or events yet. */
static inline Vigil__Batch
vg_test_batch (const char *agent, uint64_t seq, int64_t created_ms, char **strings, size_t nstrings,
               Vigil__Device **devs, size_t ndevs)
{
    Vigil__Batch b = VIGIL__BATCH__INIT;
    b.agent_id = (char *) agent;
    b.epoch = 1;
    b.seq = seq;
    b.created_ms = created_ms;
    b.n_strings = nstrings;
    b.strings = strings;
    b.n_devices = ndevs;
    b.devices = devs;
    return b;
}

/* Replace the contents of out with b packed (protobuf wire form, not compressed); fails the
 * test when out cannot grow. */
static inline void
vg_test_pack_batch (const Vigil__Batch *b, vg_buf_t *out)
{
    size_t sz = vigil__batch__get_packed_size (b);
    vg_buf_reset (out);
    ck_assert_int_eq (vg_buf_reserve (out, sz), 0);
    out->len = vigil__batch__pack (b, out->data);
}

#endif
