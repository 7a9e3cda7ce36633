/* fixture_ingest.h - the set-up the ingest suites (check_ingest*.c) share: a fresh store and
 * an ingest over it for each test, batches built by the agent's real batcher, the store seen
 * from outside (key counts, samples, a digest of every key and value ingest may write), and
 * feeding helpers that check a refused batch left its transaction empty.
 *
 * Test-only: failures are Check assertions.  The fixture's state is one global per test
 * process (Check runs each test in its own process); fx_setup/fx_teardown are the checked
 * fixture of every TCase. */
#ifndef VG_TEST_FIXTURE_INGEST_H
#define VG_TEST_FIXTURE_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "collector/ingest.h"
#include "common/buf.h"
#include "store/store.h"

#define T0 1767614400000LL /* "now" of every ingest call */
#define DAY 86400000LL
#define HOUR 3600000LL

extern vg_store_t *fx_store; /* the test's store */
extern vg_ingest_t *fx_in;   /* the ingest under test, over fx_store */

/* The agents list of fx_cfg: a1 may report the devices under lab/ only, a2 any device. */
extern const vg_agent_acl_t fx_acl[2];

/* Make a fresh store and an ingest over it (fx_cfg), / destroy both and the directory. */
void fx_setup (void);
void fx_teardown (void);

/* The ingest configuration of the fixture: a day of past, an hour of future, 64 series and
 * events, 1000 samples per series, unknown agents refused, agents fx_acl. */
vg_ingest_cfg_t fx_cfg (void);

/* Replace fx_in with a new ingest over cfg (same store); fails the test when it cannot. */
void fx_reopen (const vg_ingest_cfg_t *cfg);

/* ---- batches, built by the agent's batcher (uncompressed: the server inflates zstd) ---- */

typedef struct {
    const char *agent, *device;
    uint64_t epoch, seq;
    int nseries, per;   /* gauge series /t/m<i>, `per` samples each */
    int64_t t0, step;   /* sample j at t0 + j * step */
    int nstate;         /* state series /t/state<i>, UP/DOWN alternating */
    int nevents;        /* login events at ev_t0 + k */
    int64_t ev_t0;
} fx_spec_t;

/* The simple batch of agent: device lab/r1, epoch 7, 3 gauges of 10 samples a second
 * ending a minute before T0, no state series, no events. */
fx_spec_t fx_spec (const char *agent, uint64_t seq);

/* Build the batch sp describes into out (reset first). */
void fx_build (const fx_spec_t *sp, vg_buf_t *out);

/* Build agent's simple batch seq (fx_spec, its samples moved back by (seq % 32) times their
 * span: batches of different seqs hold different timestamps) into out. */
void fx_build_simple (const char *agent, uint64_t seq, vg_buf_t *out);

/* ---- the store as seen from outside ---- */

/* Keys in column family cf. */
size_t fx_keys (vg_cf_t cf);

/* Samples stored (the value counts of every samples key). */
int64_t fx_samples_stored (void);

/* A digest of every key and value ingest may write. */
uint64_t fx_digest (void);

/* ---- feeding ---- */

/* Ingest p[0..len) into a fresh txn; commit it when accepted.  Whenever the batch is not
 * accepted, the txn must have been left empty (but for the position of a rejected batch
 * that was next in order, which is rolled back).  Returns vg_ingest_batch's result. */
int fx_feed_raw (vg_ingest_t *in, const uint8_t *p, size_t len, vg_ingest_result_t *res);

/* fx_feed_raw of b into fx_in. */
int fx_feed (const vg_buf_t *b, vg_ingest_result_t *res);

/* Build agent's simple batch seq (fx_build_simple) into *b and feed it: fx_feed's result. */
int fx_feed_simple (const char *agent, uint64_t seq, vg_buf_t *b, vg_ingest_result_t *res);

/* Fail unless agent's committed position is batch seq of epoch (0: of any epoch). */
void fx_assert_pos (const char *agent, uint64_t epoch, uint64_t seq);

/* Ingest without committing: an accepted batch is forgotten again (rollback reloads the
 * view from the store).  For sweeps over many hostile variants. */
int fx_probe (const uint8_t *p, size_t len);

/* The batch must be refused with `code`, counted once, reason containing `why`, and leave
 * the store and the agents' state as they were. */
void fx_expect_reject (const uint8_t *p, size_t len, int code, const char *why);

/* ---- a tracking protobuf-c allocator, so a test can point fields of an unpacked batch at
 * new memory without protobuf-c freeing it; everything is freed at once ---- */

typedef struct {
    void **p;
    size_t n, cap;
} fx_track_t;

/* ProtobufCAllocator callbacks over a fx_track_t (data): zeroed blocks, free is a no-op. */
void *fx_talloc (void *data, size_t size);
void fx_tfree (void *data, void *p);

/* Free every block t handed out; t is empty afterwards. */
void fx_track_free (fx_track_t *t);

/* A new string of n times c, owned by t. */
char *fx_tstr (fx_track_t *t, char c, size_t n);

#endif
