/* fuzz_fleet.c - libFuzzer target for the fleet tier's input: one vigil.FleetBatch message
 * as a fleet instance reads it from the fleet topic (proto/fleet_reader.h), differential
 * against protobuf-c.  Checks: the reader accepts exactly what protobuf-c's unpack +
 * vg_batch_validate + the finding check accept (except a `batch` field given twice, which
 * it refuses by contract), and then reads the same tables; every index it hands out is in
 * range; a second parse of the same bytes with the warm reader gives the same verdict.
 * Seeds (VG_FUZZ_SEEDS, see fuzz_seed.h): messages packed with protobuf-c, as the site
 * publisher packs them (KPI counters, inventory, a finding, an event). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "proto/batch.h"
#include "proto/fleet.pb-c.h"
#include "proto/fleet_reader.h"
#include "tests/fuzz/fuzz_seed.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static vg_fleet_reader_t *s_reader;

static void
s_cleanup (void)
{
    vg_fleet_reader_destroy (&s_reader);
}

static void
vg_fuzz_setup (void)
{
    s_reader = vg_fleet_reader_new ();
    if (!s_reader)
        abort ();
    atexit (s_cleanup);
}

static void
vg_fuzz_seeds (const char *dir)
{
    char *strings[] = { "", "/pm/RRC.ConnEstabAtt", "/pm/RRC.ConnEstabSucc", "cell", "1", "unit" };
    Vigil__Device dev = VIGIL__DEVICE__INIT, *pdev = &dev;
    dev.id = "site-a/gnb1";
    dev.vendor = "nokia";
    dev.site = "site-a";
    dev.sw_version = "22R1";
    uint8_t chunk[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    uint32_t labels[] = { 3, 4 };
    Vigil__Series ser[2], *pser[2];
    for (int i = 0; i < 2; i++) {
        vigil__series__init (&ser[i]);
        ser[i].path = (uint32_t) (1 + i);
        ser[i].labels = labels;
        ser[i].n_labels = 2;
        ser[i].kind = VIGIL__SERIES_KIND__SERIES_KIND_COUNTER;
        ser[i].count = 1;
        ser[i].chunk = (ProtobufCBinaryData) { sizeof chunk, chunk };
        pser[i] = &ser[i];
    }
    Vigil__Attr attr = VIGIL__ATTR__INIT, *pattr = &attr;
    attr.key = "reason";
    attr.value = "power";
    Vigil__Gap gap = VIGIL__GAP__INIT;
    gap.reason = "spool_full";
    Vigil__Event ev = VIGIL__EVENT__INIT, *pev = &ev;
    ev.type = VIGIL__EVENT_TYPE__EVENT_TYPE_REBOOT;
    ev.attrs = &pattr;
    ev.n_attrs = 1;
    ev.gap = &gap;
    Vigil__Batch b = VIGIL__BATCH__INIT;
    b.agent_id = "site-a";
    b.strings = strings;
    b.n_strings = 6;
    b.devices = &pdev;
    b.n_devices = 1;
    b.series = pser;
    b.n_series = 2;
    Vigil__FleetFinding f = VIGIL__FLEET_FINDING__INIT, *pf = &f;
    f.ts_ms = 1767571200000LL;
    f.rule_id = "X01";
    f.detector = "reboot";
    f.uid = "f-1";
    Vigil__FleetBatch fb = VIGIL__FLEET_BATCH__INIT;
    fb.collector_id = "site-a";
    fb.batch = &b;
    uint8_t buf[4096];
    vg_fuzz_seed_write (dir, "kpi", buf, vigil__fleet_batch__pack (&fb, buf));
    b.n_series = 0;
    vg_fuzz_seed_write (dir, "inventory", buf, vigil__fleet_batch__pack (&fb, buf));
    fb.findings = &pf;
    fb.n_findings = 1;
    vg_fuzz_seed_write (dir, "finding", buf, vigil__fleet_batch__pack (&fb, buf));
    b.events = &pev;
    b.n_events = 1;
    vg_fuzz_seed_write (dir, "event", buf, vigil__fleet_batch__pack (&fb, buf));
}

static int
s_streq (const char *a, const char *b)
{
    return strcmp (a, b) == 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static const vg_batch_limits_t lim = { UINT32_MAX, UINT32_MAX, UINT32_MAX };
    vg_fleet_msg_t m;
    int rc = vg_fleet_reader_parse (s_reader, data, size, &m, NULL, 0);
    if (rc != 0 && rc != -VG_EPROTO)
        abort ();
    Vigil__FleetBatch *fb = vigil__fleet_batch__unpack (NULL, size, data);
    char why[160];
    int ok = fb && fb->batch && vg_batch_validate (fb->batch, &lim, NULL, why, sizeof why) == 0;
    for (size_t i = 0; ok && i < fb->n_findings; i++)
        ok = fb->findings[i]->device < fb->batch->n_devices;
    if (rc == 0 && !ok)
        abort (); /* the reader let through what protobuf-c and the validator refuse */
    if (rc == 0) {
        const Vigil__Batch *b = fb->batch;
        if (m.n_strings != b->n_strings || m.n_devices != b->n_devices || m.n_series != b->n_series ||
            m.n_findings != fb->n_findings || m.n_events != b->n_events || !s_streq (m.collector_id, fb->collector_id))
            abort ();
        for (size_t i = 0; i < m.n_strings; i++)
            if (!s_streq (m.strings[i], b->strings[i]))
                abort ();
        for (size_t i = 0; i < m.n_devices; i++)
            if (!s_streq (m.devices[i].id, b->devices[i]->id) || !s_streq (m.devices[i].site, b->devices[i]->site))
                abort ();
        for (size_t i = 0; i < m.n_series; i++) {
            const vg_fleet_series_t *s = &m.series[i];
            const Vigil__Series *r = b->series[i];
            if (s->device >= m.n_devices || s->path >= m.n_strings || s->n_labels != r->n_labels ||
                s->chunk_len != r->chunk.len || (s->chunk_len && memcmp (s->chunk, r->chunk.data, s->chunk_len)))
                abort ();
            for (size_t k = 0; k < s->n_labels; k++)
                if (s->labels[k] >= m.n_strings || s->labels[k] != r->labels[k])
                    abort ();
        }
        for (size_t i = 0; i < m.n_findings; i++)
            if (m.findings[i].device >= m.n_devices || m.findings[i].ts_ms != fb->findings[i]->ts_ms ||
                !s_streq (m.findings[i].uid, fb->findings[i]->uid))
                abort ();
    }
    /* protobuf-c accepts and the reader does not: only the documented case (checked
     * loosely: the reader's refusals are otherwise protobuf-c's). */
    if (ok && rc != 0) {
        vg_fleet_msg_t m2;
        char w[160] = "";
        vg_fleet_reader_parse (s_reader, data, size, &m2, w, sizeof w);
        if (!s_streq (w, "batch given twice"))
            abort ();
    }
    if (fb)
        vigil__fleet_batch__free_unpacked (fb, NULL);
    if (vg_fleet_reader_parse (s_reader, data, size, &m, NULL, 0) != rc)
        abort ();
    return 0;
}
