/* wire.h - the simulator's vendor wire output: a sink that takes the simulated fleet's
 * normalised samples step by step and writes what the devices would have sent on the wire:
 *   mdt.pcap   Cisco routers, IOS XR MDT TCP dial-out (12-byte header + JSON or kvGPB), one
 *              TCP session per router to the collector, reconnecting after a reboot;
 *   jti.pcap   Juniper routers, JTI native UDP TelemetryStream datagrams;
 *   udpnotif.pcap  Huawei routers, UDP-notif YANG-push JSON datagrams (the decoder names
 *              the device after the sender's address, so its wire id is that address);
 *   pm/        gNBs, one TS 32.435 XML file per 15-minute ROP in the vendor's style, its
 *              modification time set to when it would have been delivered (a few minutes
 *              after the ROP, some late, a few missing); a gNB that is silent (down) when
 *              a ROP ends writes no file for it, and the file of the ROP it came back in
 *              is flagged suspect;
 *   manifest.json  devices (simulator id -> wire device id, vendor, transport), ports, and
 *              every PM file with its ROP, delivery time and whether it is late or missing
 *              (ROPs a gNB was down for are counted as "down", not listed).
 * Other devices (core NFs, Nokia routers) are not written (transport "none").
 * Realistic nuisance on top of the simulator: background input errors and discards on busy
 * links, sessions that stay open while a device is silent, late and missing PM files.
 * Invariant: the output bytes are a function of the simulator's stream and the config
 * (no clock, no randomness other than hashes of the seed). */
#ifndef VG_WIRE_H
#define VG_WIRE_H

#include <stdint.h>

#include "common/sink.h"
#include "sim/sim.h"

typedef struct {
    const char *dir;         /* output directory (created if missing) */
    uint64_t seed;           /* nuisance draws */
    int mdt_encap;           /* VG_WIRE_MDT_JSON (default when 0) or VG_WIRE_MDT_KVGPB */
    int64_t interval_ms;     /* the simulator's step */
    uint16_t mdt_port, jti_port, un_port; /* collector ports (defaults 57500 / 50000 / 10003) */
    int nokia_utc_offset_min;    /* Nokia local time (default +60) */
} vg_wire_cfg_t;

typedef struct vg_wire vg_wire_t;

/* Create the writer and its output files.  Returns NULL and sets *err (-VG_EIO when the
 * directory or files cannot be created, -VG_ENOMEM). */
vg_wire_t *vg_wire_new (const vg_wire_cfg_t *cfg, int *err);

/* The sink to pass to vg_sim_announce / vg_sim_step (borrows w). */
vg_sink_t vg_wire_sink (vg_wire_t *w);

/* Encode the step delivered since the previous call (call after each vg_sim_step).
 * Returns 0 or a negative -VG_E* code. */
int vg_wire_flush (vg_wire_t *w);

/* Write the last ROP, close the sessions, write manifest.json.  end_ms is the end of the
 * simulated range.  Returns 0 or a negative code. */
int vg_wire_finish (vg_wire_t *w, int64_t end_ms);

/* Run sim to its end through w: vg_sim_announce, every vg_sim_step followed by
 * vg_wire_flush, then vg_wire_finish (w, end_ms).  Returns 0 or the first negative code
 * (nothing more is written after it; w is not destroyed). */
int vg_wire_write_sim (vg_wire_t *w, vg_sim_t *sim, int64_t end_ms);

/* Free; NULL-safe, sets *self_p to NULL.  Files not finished are left as they are. */
void vg_wire_destroy (vg_wire_t **self_p);

/* Delivery of gNB dev's PM file of the ROP ending at rop_end_ms, drawn from seed: on time
 * (90 s .. 6 min after the ROP), late (3 %: 20-45 min) or never (0.5 %, never two ROPs in a
 * row of one gNB).  Sets *deliver_ms (may be NULL) and returns VG_WIRE_PM_*. */
enum { VG_WIRE_PM_ON_TIME = 0, VG_WIRE_PM_LATE = 1, VG_WIRE_PM_MISSING = 2 };
int vg_wire_pm_fate (uint64_t seed, const char *dev, int64_t rop_end_ms, int64_t *deliver_ms);

#endif
