/* fuzz_seed.h - seeds a fuzz target makes itself.  With VG_FUZZ_SEEDS=<dir> in the
 * environment, a target's LLVMFuzzerInitialize writes its seed inputs (built with the
 * product's own writers: batch writer, zstd framing, protobuf packers) into dir and exits;
 * tests/fuzz/run.sh does that before fuzzing, so the repository keeps no binary seeds.
 *
 * Header-only; it defines LLVMFuzzerInitialize, so a target includes it once, and
 * tests/support/tmpdir.c is compiled into every fuzz target. */
#ifndef VG_TEST_FUZZ_SEED_H
#define VG_TEST_FUZZ_SEED_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/support/tmpdir.h"

/* Each target that includes this header defines both: vg_fuzz_seeds writes its seeds into
 * dir; vg_fuzz_setup makes what a fuzzing or replay run needs (temp directories, a store). */
static void vg_fuzz_seeds (const char *dir);
static void vg_fuzz_setup (void);

int LLVMFuzzerInitialize (int *argc, char ***argv);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    const char *dir = getenv ("VG_FUZZ_SEEDS");
    if (dir && dir[0]) {
        vg_fuzz_seeds (dir);
        exit (0);
    }
    vg_fuzz_setup ();
    return 0;
}

/* Write p[0..n) as dir/name; a seed that cannot be written ends the run (exit 2). */
static inline void
vg_fuzz_seed_write (const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    if (!vg_test_path (path, sizeof path, dir, name) || vg_test_write_file (path, p, n) < 0) {
        fprintf (stderr, "fuzz: cannot write seed %s/%s\n", dir, name);
        exit (2);
    }
}

#endif
