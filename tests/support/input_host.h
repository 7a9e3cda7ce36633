/* input_host.h - test fixture: the vg_input_host_t an agent offers its inputs, with answers
 * a test sets: nothing pending, flush does nothing, throttled, full and held as the test says.
 * Header-only (static functions); include it in one suite file. */
#ifndef VG_TEST_INPUT_HOST_H
#define VG_TEST_INPUT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/input.h"

typedef struct {
    bool throttled;
    /* Was batch seq of epoch put?  NULL: never. */
    bool (*held) (uint64_t epoch, uint64_t seq);
    bool full;
} vg_test_host_t;

static inline size_t
vg_test_host_pending (void *arg)
{
    (void) arg;
    return 0;
}

static inline int
vg_test_host_flush (void *arg)
{
    (void) arg;
    return 0;
}

static inline bool
vg_test_host_throttled (void *arg)
{
    return ((const vg_test_host_t *) arg)->throttled;
}

static inline bool
vg_test_host_full (void *arg)
{
    return ((const vg_test_host_t *) arg)->full;
}

static inline bool
vg_test_host_held (void *arg, uint64_t epoch, uint64_t seq)
{
    const vg_test_host_t *h = arg;
    return h->held && h->held (epoch, seq);
}

/* The host answering from h (borrowed: it must outlive the input). */
static inline vg_input_host_t
vg_test_input_host (vg_test_host_t *h)
{
    return (vg_input_host_t) { h, vg_test_host_pending, vg_test_host_flush, vg_test_host_throttled,
                               vg_test_host_full, vg_test_host_held };
}

#endif
