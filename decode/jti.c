/* jti.c - Juniper JTI native UDP TelemetryStream decoder (see jti.h).
 *
 * Field numbers: TelemetryStream and the port / logical_port / cpu_memory_utilization /
 * lsp_stats sensor protos (Juniper telemetry_top.proto and per-sensor protos, Apache-2.0).
 * Every field of InterfaceInfos (port.proto 1-16) and LogicalInterfaceInfo (logical_port.proto
 * 1-13) is decoded except the identities snmp_if_index and parent_ae_name; oc_map.c names the
 * OpenConfig leaf each one lands on (init_time -> counters/last-clear in ms, statuses ->
 * admin-status / oper-status STATE, if_transitions -> carrier-transitions, egress_errors ->
 * out-errors / out-discards).
 * The sequence tracker is an open-addressed table keyed by a 64-bit hash of the stream
 * identity; when a probe run is full the oldest-probed slot is reused (bounded memory). */
#include "decode/jti.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/hash.h"
#include "decode/oc_map.h"
#include "decode/pbwalk.h"

#define S_PROBE 8
#define S_EXT_JUNIPER 2636

/* ---- sensor descriptors ------------------------------------------------------------ */

static const vg_oc_fielddesc_t s_queue_f[] = {
    { 1, VG_OC_F_KEY_U64, NULL, "queue", NULL, NULL, 0 },
    { 2, VG_OC_F_U64, "packets", NULL, NULL, NULL, 0 },
    { 3, VG_OC_F_U64, "bytes", NULL, NULL, NULL, 0 },
    { 4, VG_OC_F_U64, "tail_drop_packets", NULL, NULL, NULL, 0 },
    { 5, VG_OC_F_U64, "rl_drop_packets", NULL, NULL, NULL, 0 },
    { 6, VG_OC_F_U64, "rl_drop_bytes", NULL, NULL, NULL, 0 },
    { 7, VG_OC_F_U64, "red_drop_packets", NULL, NULL, NULL, 0 },
    { 8, VG_OC_F_U64, "red_drop_bytes", NULL, NULL, NULL, 0 },
    { 9, VG_OC_F_U64, "avg_buffer_occupancy", NULL, NULL, NULL, 0 },
    { 10, VG_OC_F_U64, "cur_buffer_occupancy", NULL, NULL, NULL, 0 },
    { 11, VG_OC_F_U64, "peak_buffer_occupancy", NULL, NULL, NULL, 0 },
    { 12, VG_OC_F_U64, "allocated_buffer_size", NULL, NULL, NULL, 0 },
};
static const vg_oc_msgdesc_t s_queue = { s_queue_f, sizeof s_queue_f / sizeof s_queue_f[0] };

static const vg_oc_fielddesc_t s_ifstats_f[] = {
    { 1, VG_OC_F_U64, "if_pkts", NULL, NULL, NULL, 0 },
    { 2, VG_OC_F_U64, "if_octets", NULL, NULL, NULL, 0 },
    { 3, VG_OC_F_U64, "if_1sec_pkts", NULL, NULL, NULL, 0 },
    { 4, VG_OC_F_U64, "if_1sec_octets", NULL, NULL, NULL, 0 },
    { 5, VG_OC_F_U64, "if_uc_pkts", NULL, NULL, NULL, 0 },
    { 6, VG_OC_F_U64, "if_mc_pkts", NULL, NULL, NULL, 0 },
    { 7, VG_OC_F_U64, "if_bc_pkts", NULL, NULL, NULL, 0 },
    { 8, VG_OC_F_U64, "if_error", NULL, NULL, NULL, 0 },
    { 9, VG_OC_F_U64, "if_pause_pkts", NULL, NULL, NULL, 0 },
    { 10, VG_OC_F_U64, "if_unknown_proto_pkts", NULL, NULL, NULL, 0 },
};
static const vg_oc_msgdesc_t s_ifstats = { s_ifstats_f, sizeof s_ifstats_f / sizeof s_ifstats_f[0] };

static const vg_oc_fielddesc_t s_iferr_f[] = {
    { 1, VG_OC_F_U64, "if_in_errors", NULL, NULL, NULL, 0 },
    { 2, VG_OC_F_U64, "if_in_qdrops", NULL, NULL, NULL, 0 },
    { 3, VG_OC_F_U64, "if_in_frame_errors", NULL, NULL, NULL, 0 },
    { 4, VG_OC_F_U64, "if_in_discards", NULL, NULL, NULL, 0 },
    { 5, VG_OC_F_U64, "if_in_runts", NULL, NULL, NULL, 0 },
    { 6, VG_OC_F_U64, "if_in_l3_incompletes", NULL, NULL, NULL, 0 },
    { 7, VG_OC_F_U64, "if_in_l2chan_errors", NULL, NULL, NULL, 0 },
    { 8, VG_OC_F_U64, "if_in_l2_mismatch_timeouts", NULL, NULL, NULL, 0 },
    { 9, VG_OC_F_U64, "if_in_fifo_errors", NULL, NULL, NULL, 0 },
    { 10, VG_OC_F_U64, "if_in_resource_errors", NULL, NULL, NULL, 0 },
};
static const vg_oc_msgdesc_t s_iferr = { s_iferr_f, sizeof s_iferr_f / sizeof s_iferr_f[0] };

static const vg_oc_fielddesc_t s_ifegerr_f[] = {
    { 1, VG_OC_F_U64, "if_errors", NULL, NULL, NULL, 0 },
    { 2, VG_OC_F_U64, "if_discards", NULL, NULL, NULL, 0 },
};
static const vg_oc_msgdesc_t s_ifegerr = { s_ifegerr_f, 2 };

static const vg_oc_fielddesc_t s_ifd_f[] = {
    { 1, VG_OC_F_KEY_STR, NULL, "name", NULL, NULL, 0 },
    { 2, VG_OC_F_U64, "init_time", NULL, NULL, NULL, 0 },
    { 5, VG_OC_F_MSG, "egress_queue_info", NULL, &s_queue, NULL, 0 },
    { 6, VG_OC_F_MSG, "ingress_queue_info", NULL, &s_queue, NULL, 0 },
    { 7, VG_OC_F_MSG, "ingress_stats", NULL, &s_ifstats, NULL, 0 },
    { 8, VG_OC_F_MSG, "egress_stats", NULL, &s_ifstats, NULL, 0 },
    { 9, VG_OC_F_MSG, "ingress_errors", NULL, &s_iferr, NULL, 0 },
    { 10, VG_OC_F_STR, "if_administration_status", NULL, NULL, NULL, 0 },
    { 11, VG_OC_F_STR, "if_operational_status", NULL, NULL, NULL, 0 },
    { 12, VG_OC_F_STR, "if_description", NULL, NULL, NULL, 0 },
    { 13, VG_OC_F_U64, "if_transitions", NULL, NULL, NULL, 0 },
    { 14, VG_OC_F_U64, "ifLastChange", NULL, NULL, NULL, 0 },
    { 15, VG_OC_F_U64, "ifHighSpeed", NULL, NULL, NULL, 0 },
    { 16, VG_OC_F_MSG, "egress_errors", NULL, &s_ifegerr, NULL, 0 },
};
static const vg_oc_msgdesc_t s_ifd = { s_ifd_f, sizeof s_ifd_f / sizeof s_ifd_f[0] };

static const vg_oc_fielddesc_t s_port_f[] = {
    { 1, VG_OC_F_MSG, "interface_stats", NULL, &s_ifd, NULL, 0 },
};
static const vg_oc_msgdesc_t s_port = { s_port_f, 1 };

static const vg_oc_fielddesc_t s_fc_f[] = {
    { 1, VG_OC_F_KEY_STR, NULL, "family", NULL, NULL, 0 },
    { 2, VG_OC_F_KEY_U64, NULL, "fc", NULL, NULL, 0 },
    { 3, VG_OC_F_U64, "if_pkts", NULL, NULL, NULL, 0 },
    { 4, VG_OC_F_U64, "if_octets", NULL, NULL, NULL, 0 },
};
static const vg_oc_msgdesc_t s_fc = { s_fc_f, sizeof s_fc_f / sizeof s_fc_f[0] };

static const vg_oc_fielddesc_t s_ifl_in_f[] = {
    { 1, VG_OC_F_U64, "if_pkts", NULL, NULL, NULL, 0 },
    { 2, VG_OC_F_U64, "if_octets", NULL, NULL, NULL, 0 },
    { 3, VG_OC_F_U64, "if_ucast_pkts", NULL, NULL, NULL, 0 },
    { 4, VG_OC_F_U64, "if_mcast_pkts", NULL, NULL, NULL, 0 },
    { 5, VG_OC_F_MSG, "if_fc_stats", NULL, &s_fc, NULL, 0 },
};
static const vg_oc_msgdesc_t s_ifl_in = { s_ifl_in_f, sizeof s_ifl_in_f / sizeof s_ifl_in_f[0] };

static const vg_oc_fielddesc_t s_ifl_out_f[] = {
    { 1, VG_OC_F_U64, "if_pkts", NULL, NULL, NULL, 0 },
    { 2, VG_OC_F_U64, "if_octets", NULL, NULL, NULL, 0 },
    { 3, VG_OC_F_U64, "if_ucast_pkts", NULL, NULL, NULL, 0 },
    { 4, VG_OC_F_U64, "if_mcast_pkts", NULL, NULL, NULL, 0 },
};
static const vg_oc_msgdesc_t s_ifl_out = { s_ifl_out_f, sizeof s_ifl_out_f / sizeof s_ifl_out_f[0] };

static const vg_oc_fielddesc_t s_opstate_f[] = {
    { 1, VG_OC_F_STR, "operational_status", NULL, NULL, NULL, 0 },
};
static const vg_oc_msgdesc_t s_opstate = { s_opstate_f, 1 };

/* LogicalInterfaceQueueStats: the same fields as QueueStats, spelled out in logical_port.proto. */
static const vg_oc_fielddesc_t s_iflq_f[] = {
    { 1, VG_OC_F_KEY_U64, NULL, "queue", NULL, NULL, 0 },
    { 2, VG_OC_F_U64, "packets", NULL, NULL, NULL, 0 },
    { 3, VG_OC_F_U64, "bytes", NULL, NULL, NULL, 0 },
    { 4, VG_OC_F_U64, "tail_drop_packets", NULL, NULL, NULL, 0 },
    { 5, VG_OC_F_U64, "rate_limit_drop_packets", NULL, NULL, NULL, 0 },
    { 6, VG_OC_F_U64, "rate_limit_drop_bytes", NULL, NULL, NULL, 0 },
    { 7, VG_OC_F_U64, "red_drop_packets", NULL, NULL, NULL, 0 },
    { 8, VG_OC_F_U64, "red_drop_bytes", NULL, NULL, NULL, 0 },
    { 9, VG_OC_F_U64, "average_buffer_occupancy", NULL, NULL, NULL, 0 },
    { 10, VG_OC_F_U64, "current_buffer_occupancy", NULL, NULL, NULL, 0 },
    { 11, VG_OC_F_U64, "peak_buffer_occupancy", NULL, NULL, NULL, 0 },
    { 12, VG_OC_F_U64, "allocated_buffer_size", NULL, NULL, NULL, 0 },
};
static const vg_oc_msgdesc_t s_iflq = { s_iflq_f, sizeof s_iflq_f / sizeof s_iflq_f[0] };

static const vg_oc_fielddesc_t s_ifl_f[] = {
    { 1, VG_OC_F_KEY_IFL, NULL, NULL, NULL, NULL, 0 },
    { 2, VG_OC_F_U64, "init_time", NULL, NULL, NULL, 0 },
    { 5, VG_OC_F_MSG, "ingress_stats", NULL, &s_ifl_in, NULL, 0 },
    { 6, VG_OC_F_MSG, "egress_stats", NULL, &s_ifl_out, NULL, 0 },
    { 7, VG_OC_F_MSG, "op_state", NULL, &s_opstate, NULL, 0 },
    { 8, VG_OC_F_STR, "administractive_status", NULL, NULL, NULL, 0 },  /* sic, as in the proto */
    { 9, VG_OC_F_STR, "description", NULL, NULL, NULL, 0 },
    { 10, VG_OC_F_U64, "last_change", NULL, NULL, NULL, 0 },
    { 11, VG_OC_F_U64, "high_speed", NULL, NULL, NULL, 0 },
    { 12, VG_OC_F_MSG, "ingress_queue_info", NULL, &s_iflq, NULL, 0 },
    { 13, VG_OC_F_MSG, "egress_queue_info", NULL, &s_iflq, NULL, 0 },
};
static const vg_oc_msgdesc_t s_ifl = { s_ifl_f, sizeof s_ifl_f / sizeof s_ifl_f[0] };

static const vg_oc_fielddesc_t s_lport_f[] = {
    { 1, VG_OC_F_MSG, "interface_info", NULL, &s_ifl, NULL, 0 },
};
static const vg_oc_msgdesc_t s_lport = { s_lport_f, 1 };

static const vg_oc_fielddesc_t s_memapp_f[] = {
    { 1, VG_OC_F_KEY_STR, NULL, "application", NULL, NULL, 0 },
    { 2, VG_OC_F_U64, "bytes_allocated", NULL, NULL, NULL, 0 },
    { 3, VG_OC_F_U64, "allocations", NULL, NULL, NULL, 0 },
    { 4, VG_OC_F_U64, "frees", NULL, NULL, NULL, 0 },
    { 5, VG_OC_F_U64, "allocations_failed", NULL, NULL, NULL, 0 },
};
static const vg_oc_msgdesc_t s_memapp = { s_memapp_f, sizeof s_memapp_f / sizeof s_memapp_f[0] };

static const vg_oc_fielddesc_t s_memsum_f[] = {
    { 1, VG_OC_F_KEY_STR, NULL, "name", NULL, NULL, 0 },
    { 2, VG_OC_F_U64, "size", NULL, NULL, NULL, 0 },
    { 3, VG_OC_F_U64, "bytes_allocated", NULL, NULL, NULL, 0 },
    { 4, VG_OC_F_I64, "utilization", NULL, NULL, NULL, 0 },
    { 5, VG_OC_F_MSG, "application_utilization", NULL, &s_memapp, NULL, 0 },
};
static const vg_oc_msgdesc_t s_memsum = { s_memsum_f, sizeof s_memsum_f / sizeof s_memsum_f[0] };

static const vg_oc_fielddesc_t s_cpumem_f[] = {
    { 1, VG_OC_F_MSG, "utilization", NULL, &s_memsum, NULL, 0 },
};
static const vg_oc_msgdesc_t s_cpumem = { s_cpumem_f, 1 };

static const vg_oc_fielddesc_t s_lsprec_f[] = {
    { 1, VG_OC_F_KEY_STR, NULL, "name", NULL, NULL, 0 },
    { 2, VG_OC_F_KEY_U64, NULL, "instance", NULL, NULL, 0 },
    { 3, VG_OC_F_KEY_STR, NULL, "counter", NULL, NULL, 0 },
    { 4, VG_OC_F_U64, "packets", NULL, NULL, NULL, 0 },
    { 5, VG_OC_F_U64, "bytes", NULL, NULL, NULL, 0 },
    { 6, VG_OC_F_U64, "packet_rate", NULL, NULL, NULL, 0 },
    { 7, VG_OC_F_U64, "byte_rate", NULL, NULL, NULL, 0 },
};
static const vg_oc_msgdesc_t s_lsprec = { s_lsprec_f, sizeof s_lsprec_f / sizeof s_lsprec_f[0] };

static const vg_oc_fielddesc_t s_lsp_f[] = {
    { 1, VG_OC_F_MSG, "lsp_stats_records", NULL, &s_lsprec, NULL, 0 },
};
static const vg_oc_msgdesc_t s_lsp = { s_lsp_f, 1 };

/* JuniperNetworksSensors extension number -> (vendor path root, descriptor). */
static const struct {
    uint32_t ext;
    const char *root;
    const vg_oc_msgdesc_t *d;
} s_exts[] = {
    { 1, "cpu_memory_util_ext:", &s_cpumem },
    { 3, "jnpr_interface_ext:", &s_port },
    { 5, "jnpr_lsp_statistics_ext:", &s_lsp },
    { 7, "jnprLogicalInterfaceExt:", &s_lport },
};

/* ---- sequence tracking ------------------------------------------------------------- */

typedef struct {
    uint64_t key;   /* 0 = empty */
    uint32_t seq;
} s_slot_t;

struct vg_jti_state {
    s_slot_t slot[VG_JTI_STATE_SLOTS];
};

vg_jti_state_t *
vg_jti_state_new (void)
{
    return calloc (1, sizeof (vg_jti_state_t));
}

void
vg_jti_state_destroy (vg_jti_state_t **self_p)
{
    if (self_p && *self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

/* Record seq for stream key; returns the number of messages missed since the last one. */
static uint64_t
s_track (vg_jti_state_t *s, uint64_t key, uint32_t seq)
{
    if (key == 0)
        key = 1;
    size_t h = (size_t) key & (VG_JTI_STATE_SLOTS - 1);
    for (int i = 0; i < S_PROBE; i++) {
        s_slot_t *sl = &s->slot[(h + (size_t) i) & (VG_JTI_STATE_SLOTS - 1)];
        if (sl->key == key) {
            uint32_t last = sl->seq;
            sl->seq = seq;
            /* Forward gaps only; a restart or reorder (seq <= last) is not loss, and an
             * implausibly large jump is treated as a restart too. */
            if (seq > last + 1u && seq - last - 1u < 1000000u)
                return seq - last - 1u;
            return 0;
        }
        if (sl->key == 0) {
            sl->key = key;
            sl->seq = seq;
            return 0;
        }
    }
    s_slot_t *sl = &s->slot[(h + (size_t) (seq % S_PROBE)) & (VG_JTI_STATE_SLOTS - 1)];
    sl->key = key;
    sl->seq = seq;
    return 0;
}

/* ---- decoding ---------------------------------------------------------------------- */

static int
s_fail_wire (vg_decode_stats_t *st, int rc, const char *where)
{
    if (rc == -VG_ETOOBIG)
        return vg_decode_fail (st, rc, "jti: %s nested too deep", where);
    return vg_decode_fail (st, rc, "jti: malformed %s (%s)", where,
                           rc == -VG_ETRUNC ? "truncated" : "bad wire format");
}

int
vg_jti_decode (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx, const vg_sink_t *sink,
               vg_jti_state_t *state, vg_decode_stats_t *st)
{
    vg_pb_reader_t r;
    vg_pb_field_t f;
    vg_pb_field_t sysid = { 0 }, sensor = { 0 }, ent = { 0 };
    uint64_t comp = 0, subcomp = 0, seq = 0, ts = 0;
    int have_sys = 0, have_seq = 0, have_ent = 0, rc;

    vg_pb_init (&r, p, len);
    while (vg_pb_more (&r, &f, &rc)) {
        if (f.wt == VG_PB_LEN && f.num == 1) {
            sysid = f;
            have_sys = 1;
        } else if (f.wt == VG_PB_LEN && f.num == 4) {
            sensor = f;
        } else if (f.wt == VG_PB_LEN && f.num == 101) {
            ent = f;
            have_ent = 1;
        } else if (f.wt == VG_PB_VARINT) {
            if (f.num == 2)
                comp = f.u;
            else if (f.num == 3)
                subcomp = f.u;
            else if (f.num == 5) {
                seq = f.u;
                have_seq = 1;
            } else if (f.num == 6)
                ts = f.u;
        }
    }
    if (rc < 0)
        return s_fail_wire (st, rc, "TelemetryStream");
    if (!have_sys || sysid.len == 0)
        return vg_decode_fail (st, -VG_EPROTO, "jti: TelemetryStream without system_id");

    /* Device id = system_id up to the first ':' ("vmxAccess:99.99.99.2" -> "vmxAccess"). */
    char dev[VG_MAX_ID_LEN];
    vg_pb_strcpy (dev, sizeof dev, &sysid);
    char *colon = strchr (dev, ':');
    if (colon && colon != dev)
        *colon = '\0';

    if (state && have_seq) {
        uint64_t h = vg_hash64 (sysid.p, sysid.len, comp * 0x9e3779b97f4a7c15ull + subcomp);
        h = vg_hash64 (sensor.p ? sensor.p : (const uint8_t *) "", sensor.len, h);
        st->lost += s_track (state, h, (uint32_t) seq);
    }

    int64_t ts_ms = (int64_t) ts;
    if (ts == 0)
        ts_ms = ctx ? ctx->received_ms : 0;
    else if (ts < 100000000000ull)
        ts_ms = (int64_t) ts * 1000;  /* Junos 15.1 sends seconds */

    vg_device_t d = { 0 };
    d.id = dev;
    d.vendor = "Juniper";
    rc = vg_sink_device (sink, &d);
    if (rc)
        return rc;

    vg_oc_out_t o = { sink, st, dev, "jti", ts_ms };
    vg_oc_labels_t lb;
    char path[VG_MAX_PATH_LEN];

    if (have_ent) {
        /* EnterpriseSensors { extensions: 2636 juniperNetworks } */
        vg_pb_reader_t er;
        vg_pb_init (&er, ent.p, ent.len);
        while (vg_pb_more (&er, &f, &rc)) {
            if (f.num != S_EXT_JUNIPER || f.wt != VG_PB_LEN) {
                st->undecoded++;
                continue;
            }
            vg_pb_reader_t jr;
            vg_pb_field_t x;
            vg_pb_init (&jr, f.p, f.len);
            while (vg_pb_more (&jr, &x, &rc)) {
                size_t i;
                for (i = 0; i < sizeof s_exts / sizeof s_exts[0]; i++)
                    if (s_exts[i].ext == x.num)
                        break;
                if (i == sizeof s_exts / sizeof s_exts[0] || x.wt != VG_PB_LEN) {
                    st->undecoded++;
                    continue;
                }
                size_t pl = strlen (s_exts[i].root);
                memcpy (path, s_exts[i].root, pl + 1);
                vg_oc_labels_reset (&lb);
                /* Vendor paths read "<extension>:/<field>/...", like a gNMI origin. */
                rc = vg_oc_pb (&o, s_exts[i].d, x.p, x.len, path, pl, &lb, 1);
                if (rc < 0)
                    break;
            }
            if (rc < 0)
                break;
        }
        if (rc < 0)   /* a wire error, or the sink refused */
            return vg_decode_is_wire_error (rc) ? s_fail_wire (st, rc, "sensor payload") : rc;
    } else {
        st->undecoded++;  /* ietf(100) or empty: nothing we decode */
    }
    st->messages++;
    return 0;
}
