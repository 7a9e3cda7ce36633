/* wire_udpnotif.h - Huawei VRP UDP-notif encoder for the simulator (draft-ietf-netconf-
 * udp-notif, YANG-push JSON, as an NE40E sends it): one router sample becomes one datagram
 * per interface (huawei-ifm mib-statistics counters as strings, dynamic oper/admin status)
 * plus one for the CPU (huawei-devm) and one for the uptime (huawei-system).
 * Invariant: the bytes are a function of the view, the observation domain and the message
 * ids only. */
#ifndef VG_WIRE_UDPNOTIF_H
#define VG_WIRE_UDPNOTIF_H

#include <stdint.h>

#include "common/buf.h"
#include "sim/wire_view.h"

typedef struct {
    uint32_t odid;   /* observation domain id */
    uint32_t msg_id; /* next message id (restarts at 0 after a reboot) */
    uint32_t sub_id; /* YANG-push subscription id */
} vg_wire_udpnotif_t;

/* Called once per datagram; returns 0 to continue. */
typedef int (*vg_wire_udpnotif_fn) (void *arg, const uint8_t *p, size_t len);

/* Encode one router sample into datagrams (12-byte header, media type YANG-JSON, no
 * segmentation) and hand each to fn.  Returns the number of datagrams, -VG_ENOMEM /
 * -VG_EINVAL, or fn's non-zero return. */
int vg_wire_udpnotif_encode (const vg_wire_router_t *r, vg_wire_udpnotif_t *st, vg_buf_t *scratch,
                             vg_wire_udpnotif_fn fn, void *arg);

#endif
