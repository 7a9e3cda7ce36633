/* wire_view.h - what the wire encoders take: one router's state at one sample time and one
 * gNB's counters over one 15-minute ROP, extracted from the simulator's normalised samples
 * by wire.c.  Plain structs; strings are borrowed from the simulator. */
#ifndef VG_WIRE_VIEW_H
#define VG_WIRE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#define VG_WIRE_MAX_IFS 16
#define VG_WIRE_MAX_CELLS 24

typedef struct {
    const char *name;
    double in_octets, in_pkts, out_octets, out_pkts;
    double in_errors, in_fcs_errors, in_discards, out_discards;
    int up;                 /* 1 up, 0 down */
    double rx_dbm, tx_dbm;
} vg_wire_if_t;

typedef struct {
    const char *host;       /* hostname as the device names itself */
    int64_t ts_ms;          /* collection time */
    double cpu;             /* % */
    double mem_phys, mem_used; /* bytes */
    int64_t boot_ms;
    size_t nifs;
    vg_wire_if_t ifs[VG_WIRE_MAX_IFS];
} vg_wire_router_t;

/* Measurements of one cell over a ROP: counters are deltas over the ROP, gauges are the
 * mean (max for conn_max) of the samples inside it. */
typedef struct {
    unsigned id;            /* NRCellDU / NRCellCU number */
    double rrc_att, rrc_succ, ho_inter_req, ho_inter_succ, ho_intra_req, ho_intra_succ;
    double vol_dl_mbit, vol_ul_mbit;
    double prb_dl, prb_ul, conn_mean, conn_max, thp_dl, thp_ul;
    unsigned samples;       /* samples averaged into the gauges */
} vg_wire_cell_t;

typedef struct {
    const char *host;       /* managed element name */
    const char *vendor;     /* "Ericsson", "Nokia", "Huawei", other: generic 3GPP */
    const char *sw;
    int64_t begin_ms, end_ms; /* ROP */
    int utc_offset_min;     /* timestamps are written in this local time */
    int suspect;            /* 1: the gNB was not up for the whole ROP (every value suspect) */
    size_t ncells;
    vg_wire_cell_t cells[VG_WIRE_MAX_CELLS];
} vg_wire_rop_t;

#endif
