/* fixture_detect_stage.h - the set-up the detect stage suites (check_detect_stage*.c) share:
 * a store, the real ingest in front of it and a rules file per test, detect stages on them,
 * batches of one device (a BGP session-state series and events) built as the agent's batcher
 * builds them and fed as the server does, and the stored alert records read back.
 *
 * Test-only: failures are Check assertions.  The fixture's state is one global per test
 * process (Check runs each test in its own process); ds_setup/ds_teardown are the checked
 * fixture of every TCase. */
#ifndef VG_TEST_FIXTURE_DETECT_STAGE_H
#define VG_TEST_FIXTURE_DETECT_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "collector/detect_stage.h"
#include "collector/ingest.h"
#include "common/buf.h"
#include "store/store.h"

#define T0 1767614400000LL /* Monday 2026-01-05 12:00Z: outside the 00:00-05:00 change window */
#define T_NIGHT (T0 - 9 * 3600000LL) /* 03:00Z: inside it */

/* The rules file of every test (ds_rules_text): a change window, an allowlist, and the
 * rules cc (config_change), login (login) and bgp (bgp, session mode). */
#define RULES_HEAD                                                                                                   \
    "windows:\n"                                                                                                    \
    "  - { name: cw, kind: change, daily: \"00:00-05:00\" }\n"                                                      \
    "allowlists:\n"                                                                                                 \
    "  - { name: bastion, entries: [ 10.255.0.0/24 ] }\n"                                                           \
    "rules:\n"
#define R_CC "  - id: cc\n    detector: config_change\n    keep_firing_for: 1h\n"
#define R_LOGIN "  - id: login\n    detector: login\n    keep_firing_for: 1h\n    params: { allowlist: bastion }\n"
#define R_BGP                                                                                                        \
    "  - id: bgp\n    detector: bgp\n    for: 30s\n    keep_firing_for: 1m\n"                                        \
    "    match: { path: [\"*/session-state\"] }\n    params: { mode: session }\n"

extern const char *const ds_rules_text; /* RULES_HEAD R_CC R_LOGIN R_BGP */

extern char ds_dir[256];        /* the test's directory */
extern char ds_rules[300];      /* ds_dir/rules.yaml, holding ds_rules_text at the start */
extern vg_store_t *ds_store;    /* ds_dir/store */
extern vg_ingest_t *ds_ingest;  /* the batches go through the real ingest first, as in the collector */

void ds_setup (void);
void ds_teardown (void);

/* A detect stage on ds_rules over ds_store (tick 1 s, no periodic save), or NULL when it
 * cannot be made / one that must be made (fails the test otherwise). */
vg_detect_stage_t *ds_stage_or_null (void);
vg_detect_stage_t *ds_stage (void);

/* A store in ds_dir/<sub> and a detect stage on it running rules_text (written to
 * ds_dir/<rules_file>) with cfg (its rules_path is filled in and cleared again); the store in
 * *store_p.  Destroy the stage, then the store. */
vg_detect_stage_t *ds_stage_in (const char *sub, const char *rules_file, const char *rules_text,
                                vg_detect_stage_cfg_t *cfg, vg_store_t **store_p);

/* The stage's counters now. */
vg_detect_stage_stats_t ds_stats (vg_detect_stage_t *st);

/* ---- batches, built the way the agent's batcher builds them (one device, a string table,
 * chunk-encoded series, events with attributes) ---- */

typedef struct {
    int64_t ts;
    int type;
    const char *kv[8]; /* "key=value", NULL-terminated */
} ds_ev_t;

typedef struct {
    const char *dev;
    const ds_ev_t *evs;
    size_t nev;
    int64_t st_ts0;     /* state series: first sample time (0 = no series) */
    int st_n;           /* samples, every 10 s */
    int st_value;       /* index into {"ESTABLISHED", "IDLE"} */
} ds_spec_t;

/* The batch seq of agent t1 that sp describes, packed into out. */
void ds_batch (const ds_spec_t *sp, uint64_t seq, vg_buf_t *out);

/* Store the batch of sp as the server does, then hand it to the stage, whose next
 * `fail` commits fail (store fault seam); the stage's return code. */
int ds_feed_failing (vg_detect_stage_t *st, const ds_spec_t *sp, uint64_t seq, int fail);

/* ds_feed_failing without failures; fails the test unless the stage takes the batch. */
void ds_feed (vg_detect_stage_t *st, const ds_spec_t *sp, uint64_t seq);

/* The opening both restart suites (check_detect_journal.c, check_detect_stage_restart.c)
 * continue from: seq 1, router lab/r1's BGP session IDLE from T0 (fires after 30 s) and a
 * config change (hash=aaa by bob) at T0; seq 2, still IDLE at T0 + 120 s. */
void ds_feed_opening (vg_detect_stage_t *st);

/* ---- stored alerts ---- */

typedef struct {
    int n;
    int64_t t[64];
    char uid[64][420];
    int act[64];
    char json[64][2048];
} ds_rec_t;

/* The alert records in ds_store (at most 64), in time order; free() it. */
ds_rec_t *ds_stored (void);

/* Records whose uid starts with prefix and have the activity (0 = any). */
int ds_count (const ds_rec_t *r, const char *prefix, int act);

#endif
