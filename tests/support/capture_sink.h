/* capture_sink.h - test fixture: a vg_sink_t that records what a producer delivers.
 *
 * Every sample and event is copied (strings included, labels flattened to "k=v,k=v"), so
 * assertions can run after the producer's buffers are gone.  Optionally fails the n-th
 * sample() call, to test that producers stop and pass the sink's code up.  Shared by the
 * Check suites (compiled into every suite executable). */
#ifndef VG_TEST_CAPTURE_SINK_H
#define VG_TEST_CAPTURE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "common/model.h"
#include "common/sink.h"

typedef struct {
    char *device, *path, *labels, *input, *origin, *unit, *state;
    vg_kind_t kind;
    int64_t ts_ms;
    double value;
} vg_test_sample_t;

typedef struct {
    char *device, *input;
    vg_event_type_t type;
    int64_t ts_ms;
    size_t nattrs;
    uint64_t gap_samples;     /* VG_EV_GAP only */
} vg_test_event_t;

typedef struct {
    vg_test_sample_t *samples;
    size_t nsamples, samples_cap;
    vg_test_event_t *events;
    size_t nevents, events_cap;
    size_t ndevices;                    /* device() calls */
    size_t events_by_type[VG_EV__COUNT];
    char last_device[VG_MAX_ID_LEN + 1], last_vendor[VG_MAX_ID_LEN + 1];
    long fail_at;                       /* > 0: sample() call number fail_at returns fail_rc */
    int fail_rc;
    long sample_calls;
} vg_test_capture_t;

/* An empty capture (nothing allocated yet). */
void vg_test_capture_init (vg_test_capture_t *c);
/* Free every copy; the capture is empty (and reusable) afterwards.  NULL-safe. */
void vg_test_capture_free (vg_test_capture_t *c);
/* The sink delivering into c (c is borrowed and must outlive the sink's use). */
vg_sink_t vg_test_capture_sink (vg_test_capture_t *c);

/* Write labels as "k=v,k=v" (in the given order) into out (size > 0 bytes; cut short when
 * they do not fit).  Returns out.  For sinks of their own that record labels as text. */
char *vg_test_labels (char *out, size_t size, const vg_label_t *labels, size_t n);
/* 1 when the label keys are strictly ascending (sorted and unique, as decoders deliver
 * them), else 0. */
int vg_test_labels_sorted (const vg_label_t *labels, size_t n);
/* Copy a device's id and vendor ("" for NULL) into a recording's buffers. */
void vg_test_device_note (const vg_device_t *d, char *id, size_t id_size, char *vendor, size_t vendor_size);

/* The device part of a suite's own recording sink: device() calls, the last id and vendor. */
typedef struct {
    size_t devices;
    char device[256], vendor[64];
} vg_test_devices_t;

/* A sink's device callback: ctx is a vg_test_devices_t, or a struct whose first member is
 * one.  Counts the call and notes the device. */
int vg_test_devices_note (void *ctx, const vg_device_t *d);

/* First sample with this path and labels ("k=v,k=v" in delivery order; NULL = any).
 * NULL when there is none. */
const vg_test_sample_t *vg_test_capture_find (const vg_test_capture_t *c, const char *path, const char *labels);
/* Number of samples with this path (any labels). */
size_t vg_test_capture_count (const vg_test_capture_t *c, const char *path);

#endif
