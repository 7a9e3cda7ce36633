/* wire_jti.c - Juniper JTI native UDP encoder (see wire_jti.h).  Field numbers:
 * TelemetryStream{system_id 1, component_id 2, sub_component_id 3, sensor_name 4,
 * sequence_number 5, timestamp 6 (ms), version_major 7, version_minor 8, enterprise 101}
 * -> EnterpriseSensors{juniperNetworks 2636} -> JuniperNetworksSensors{cpu_memory_util_ext
 * 1, jnpr_interface_ext 3}; GPort{interface_stats 1}; InterfaceInfos{if_name 1, init_time 2,
 * snmp_if_index 3, ingress_stats 7, egress_stats 8, ingress_errors 9,
 * if_administration_status 10, if_operational_status 11, if_transitions 13, ifHighSpeed 15,
 * egress_errors 16}; InterfaceStats{if_pkts 1, if_octets 2, if_1sec_pkts 3, if_1sec_octets
 * 4, if_uc_pkts 5}; IngressInterfaceErrors{if_in_errors 1, if_in_qdrops 2,
 * if_in_frame_errors 3, if_in_discards 4}; EgressInterfaceErrors{if_errors 1, if_discards 2};
 * CpuMemoryUtilization{utilization 1}; summary{name 1, size 2, bytes_allocated 3,
 * utilization 4}. */
#include "sim/wire_jti.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "sim/wire_pb.h"

#define S_IFD_SENSOR "jvigil-ifd:/junos/system/linecard/interface/:/junos/system/linecard/interface/:PFE"
#define S_MEM_SENSOR "jvigil-mem:/junos/system/linecard/cpu/memory/:/junos/system/linecard/cpu/memory/:PFE"

static uint64_t
s_u (double v)
{
    return v > 0 ? (uint64_t) v : 0;
}

/* TelemetryStream header fields; the caller then opens 101/2636/<ext>. */
static int
s_head (vg_buf_t *b, const vg_wire_router_t *r, const vg_wire_jti_t *st, const char *sensor, uint32_t comp,
        uint32_t seq)
{
    char sys[128];
    snprintf (sys, sizeof sys, "%s:%s", r->host, st->export_ip ? st->export_ip : "0.0.0.0");
    int rc = vg_wire_pb_str (b, 1, sys);
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 2, comp);
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 3, 0);
    if (rc == 0)
        rc = vg_wire_pb_str (b, 4, sensor);
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 5, seq);
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 6, (uint64_t) r->ts_ms);
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 7, 1);
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 8, 1);
    return rc;
}

static int
s_stats (vg_buf_t *b, uint32_t num, double pkts, double octets)
{
    size_t m = vg_wire_pb_begin (b);
    int rc = vg_wire_pb_u64 (b, 1, s_u (pkts));
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 2, s_u (octets));
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 3, 0);
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 4, 0);
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 5, s_u (pkts));
    return rc ? rc : vg_wire_pb_end (b, num, m);
}

static int
s_ifinfo (vg_buf_t *b, const vg_wire_router_t *r, size_t i)
{
    const vg_wire_if_t *f = &r->ifs[i];
    size_t m = vg_wire_pb_begin (b);
    int rc = vg_wire_pb_str (b, 1, f->name);
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 2, (uint64_t) (r->boot_ms / 1000));
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 3, 500 + i);
    if (rc == 0)
        rc = s_stats (b, 7, f->in_pkts, f->in_octets);
    if (rc == 0)
        rc = s_stats (b, 8, f->out_pkts, f->out_octets);
    if (rc == 0) {
        size_t e = vg_wire_pb_begin (b);
        rc = vg_wire_pb_u64 (b, 1, s_u (f->in_errors));
        if (rc == 0)
            rc = vg_wire_pb_u64 (b, 2, 0);
        if (rc == 0)
            rc = vg_wire_pb_u64 (b, 3, s_u (f->in_fcs_errors));
        if (rc == 0)
            rc = vg_wire_pb_u64 (b, 4, s_u (f->in_discards));
        if (rc == 0)
            rc = vg_wire_pb_end (b, 9, e);
    }
    if (rc == 0)
        rc = vg_wire_pb_str (b, 10, "UP");
    if (rc == 0)
        rc = vg_wire_pb_str (b, 11, f->up ? "UP" : "DOWN");
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 13, f->up ? 1 : 2);
    if (rc == 0)
        rc = vg_wire_pb_u64 (b, 15, 10000);
    if (rc == 0) {
        size_t e = vg_wire_pb_begin (b);
        rc = vg_wire_pb_u64 (b, 1, 0);
        if (rc == 0)
            rc = vg_wire_pb_u64 (b, 2, s_u (f->out_discards));
        if (rc == 0)
            rc = vg_wire_pb_end (b, 16, e);
    }
    return rc ? rc : vg_wire_pb_end (b, 1, m);
}

/* Open enterprise(101) / juniperNetworks(2636) / ext; returns the three marks. */
static void
s_open (const vg_buf_t *b, size_t mk[3])
{
    mk[0] = vg_wire_pb_begin (b);
    mk[1] = mk[0];
    mk[2] = mk[0];
}

static int
s_close (vg_buf_t *b, const size_t mk[3], uint32_t ext)
{
    /* The three levels share one start: close innermost first. */
    int rc = vg_wire_pb_end (b, ext, mk[2]);
    if (rc == 0)
        rc = vg_wire_pb_end (b, 2636, mk[1]);
    return rc ? rc : vg_wire_pb_end (b, 101, mk[0]);
}

int
vg_wire_jti_encode (const vg_wire_router_t *r, vg_wire_jti_t *st, vg_buf_t *b, vg_wire_jti_fn fn, void *arg)
{
    int n = 0, rc = 0;
    size_t i = 0;
    while (i < r->nifs) {
        vg_buf_reset (b);
        size_t mk[3];
        rc = s_head (b, r, st, S_IFD_SENSOR, 0, st->seq_ifd++);
        s_open (b, mk);
        size_t port = vg_wire_pb_begin (b);
        while (rc == 0 && i < r->nifs) {
            size_t before = b->len;
            rc = s_ifinfo (b, r, i);
            if (rc == 0 && b->len > VG_WIRE_JTI_MAX_DGRAM && before > port) {
                b->len = before; /* does not fit: next datagram */
                break;
            }
            i++;
        }
        (void) port;
        if (rc == 0)
            rc = s_close (b, mk, 3);
        if (rc == 0)
            rc = fn (arg, b->data, b->len);
        if (rc)
            return rc;
        n++;
    }
    vg_buf_reset (b);
    size_t mk[3];
    rc = s_head (b, r, st, S_MEM_SENSOR, 65535, st->seq_mem++);
    s_open (b, mk);
    if (rc == 0) {
        size_t s = vg_wire_pb_begin (b);
        rc = vg_wire_pb_str (b, 1, "Kernel");
        if (rc == 0)
            rc = vg_wire_pb_u64 (b, 2, s_u (r->mem_phys));
        if (rc == 0)
            rc = vg_wire_pb_u64 (b, 3, s_u (r->mem_used));
        if (rc == 0)
            rc = vg_wire_pb_u64 (b, 4, s_u (r->mem_phys > 0 ? 100.0 * r->mem_used / r->mem_phys : 0));
        if (rc == 0)
            rc = vg_wire_pb_end (b, 1, s);
    }
    if (rc == 0)
        rc = s_close (b, mk, 1);
    if (rc == 0)
        rc = fn (arg, b->data, b->len);
    return rc ? rc : n + 1;
}
