/* pcap_util.h - test-only helpers for the decoder suites: read sample files, pull UDP
 * payloads and one reassembled TCP stream out of a pcap (libpcap offline), and a sink that
 * records what decoders deliver.  Not the product's capture replay input.
 *
 * The check_*.c files include pcap_util.c directly (the build compiles one source per
 * suite), so everything here is plain C with no global state. */
#ifndef VG_TEST_PCAP_UTIL_H
#define VG_TEST_PCAP_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "common/model.h"
#include "common/sink.h"

typedef struct {
    uint8_t *data;
    size_t len;
} tu_blob_t;

/* Read a whole file; data is NUL-terminated (not counted in len).  0 or -1. */
int tu_read_file (const char *path, tu_blob_t *out);
void tu_blob_free (tu_blob_t *b);

/* Decode base64 from s (n chars) into out (room for 3 * n / 4 bytes); characters outside
 * the alphabet (padding, newlines) are skipped.  Returns the bytes written. */
size_t tu_b64 (const char *s, size_t n, uint8_t *out);

/* All UDP payloads of a capture (Ethernet, Linux cooked, raw IPv4/IPv6, optional VLAN).
 * Returns the number of payloads (>= 0) and an array in *out, or -1 on error. */
int tu_pcap_udp (const char *path, tu_blob_t **out);
void tu_blobs_free (tu_blob_t **b, int n);

/* The TCP payload of the stream (by 4-tuple) carrying the most bytes, reassembled in
 * sequence-number order with duplicates dropped.  Returns 0 or -1; *nseg = segments. */
int tu_pcap_tcp_stream (const char *path, tu_blob_t *out, int *nseg);

/* A recording sink: keeps every sample (strings copied) for assertions. */
typedef struct {
    char *device, *path, *labels, *origin, *input, *state, *unit;
    vg_kind_t kind;
    double value;
    int64_t ts_ms;
} tu_sample_t;

typedef struct {
    tu_sample_t *s;
    size_t n, cap;
    size_t ndevices, nevents;
    char last_device[256], last_vendor[64];
    int events_by_type[VG_EV__COUNT];
    int fail_after;      /* >= 0: return an error from the sample() call number fail_after */
    int keep;            /* 0: only count (no copies) */
} tu_rec_t;

/* Initialise r (keep: copy samples, or only count them) and return the sink delivering into
 * it (r must stay where it is while the sink is used). */
vg_sink_t tu_rec_init (tu_rec_t *r, int keep);
void tu_rec_free (tu_rec_t *r);
vg_sink_t tu_rec_sink (tu_rec_t *r);
/* First sample whose path, labels ("k=v,k=v" sorted) and (optionally) origin match. */
const tu_sample_t *tu_rec_find (const tu_rec_t *r, const char *path, const char *labels);
const tu_sample_t *tu_rec_find_origin (const tu_rec_t *r, const char *origin, const char *labels);

#endif
