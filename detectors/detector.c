/* detector.c - the table of built-in detector kinds and the helpers they share: the generic
 * save/load of a kind's plain-struct state (declared in its ops table), the generic new and
 * destroy of a single-allocation instance, verdict text.
 * The table is const data in a fixed order: rule parsing and docs list kinds in this order. */
#include "detectors/detector.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/rules.h"

extern const vg_detector_ops_t vg_det_silence, vg_det_flap, vg_det_seasonal, vg_det_burst,
    vg_det_exhaustion, vg_det_ran_kpi, vg_det_bgp, vg_det_callhome, vg_det_exfil_volume,
    vg_det_mirror, vg_det_login, vg_det_crypto_off, vg_det_config_change, vg_det_image_change,
    vg_det_reboot, vg_det_ntp, vg_det_ntp_change, vg_det_common_mode, vg_det_divergence, vg_det_link_down,
    vg_det_cell_outage, vg_det_collapse;

const vg_detector_ops_t *const vg_detector_kinds[] = {
    &vg_det_silence, &vg_det_flap, &vg_det_seasonal, &vg_det_burst, &vg_det_exhaustion,
    &vg_det_ran_kpi, &vg_det_bgp, &vg_det_callhome, &vg_det_exfil_volume, &vg_det_mirror,
    &vg_det_login, &vg_det_crypto_off, &vg_det_config_change, &vg_det_image_change,
    &vg_det_reboot, &vg_det_ntp, &vg_det_ntp_change, &vg_det_common_mode, &vg_det_divergence,
    &vg_det_link_down, &vg_det_cell_outage, &vg_det_collapse, NULL,
};

const vg_detector_ops_t *
vg_detector_find (const char *name)
{
    for (size_t i = 0; name && vg_detector_kinds[i]; i++)
        if (!strcmp (vg_detector_kinds[i]->name, name))
            return vg_detector_kinds[i];
    return NULL;
}

int
vg_detector_save_pod (vg_buf_t *out, uint32_t tag, const void *p, size_t n)
{
    uint32_t len = (uint32_t) n;
    if (vg_buf_append (out, &tag, 4) || vg_buf_append (out, &len, 4) || vg_buf_append (out, p, n))
        return -VG_ENOMEM;
    return 0;
}

int
vg_detector_load_pod (const uint8_t *p, size_t len, uint32_t tag, void *dst, size_t n)
{
    uint32_t t, l;
    int rc = 0;
    if (len < 8)
        rc = -VG_ETRUNC;
    else {
        memcpy (&t, p, 4);
        memcpy (&l, p + 4, 4);
        if (t != tag || l != n)
            rc = -VG_EINVAL;
        else if (len - 8 < n)
            rc = -VG_ETRUNC;
    }
    if (rc == 0)
        memcpy (dst, p + 8, n);
    else
        memset (dst, 0, n); /* a kind starts cold rather than from half-read state */
    return rc;
}

int
vg_detector_save_state (const vg_detector_t *self, vg_buf_t *out)
{
    const vg_detector_ops_t *ops = self->ops;
    return vg_detector_save_pod (out, ops->state_tag, (const uint8_t *) self + ops->state_off, ops->state_size);
}

int
vg_detector_load_state (vg_detector_t *self, const uint8_t *p, size_t len)
{
    const vg_detector_ops_t *ops = self->ops;
    uint8_t *st = (uint8_t *) self + ops->state_off;
    int rc = vg_detector_load_pod (p, len, ops->state_tag, st, ops->state_size);
    if (rc == 0 && ops->validate)
        rc = ops->validate (self);
    if (rc) {
        memset (st, 0, ops->state_size);
        if (ops->cold)
            ops->cold (self);
    }
    return rc;
}

vg_detector_t *
vg_detector_new_plain (const vg_rule_t *rule, const vg_entity_t *entity)
{
    (void) entity;
    vg_detector_t *d = calloc (1, rule->ops->size);
    if (!d)
        return NULL;
    d->ops = rule->ops;
    d->rule = rule;
    if (rule->ops->cold)
        rule->ops->cold (d);
    return d;
}

void
vg_detector_free (vg_detector_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

void
vg_verdict_finding (vg_verdict_t *out, int severity)
{
    out->state = VG_VERDICT_FIRE;
    out->oneshot = 1;
    out->severity = severity;
    out->observed = 1;
    out->expected = 0;
    out->score = 1.0;
}

void
vg_verdict_note (vg_verdict_t *out, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (out->evidence, sizeof out->evidence, fmt, ap);
    va_end (ap);
}

void
vg_verdict_title (vg_verdict_t *out, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (out->title, sizeof out->title, fmt, ap);
    va_end (ap);
}

/* Does key contain "cell" in any case? */
static int
s_has_cell (const char *k)
{
    for (; k && *k; k++)
        if ((k[0] | 32) == 'c' && (k[1] | 32) == 'e' && (k[2] | 32) == 'l' && (k[3] | 32) == 'l')
            return 1;
    return 0;
}

const char *
vg_entity_name (const vg_entity_t *e, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    buf[0] = '\0';
    if (!e)
        return buf;
    size_t o = (size_t) snprintf (buf, size, "%s", e->device && e->device->id ? e->device->id : e->key ? e->key : "");
    const char *name = NULL, *index = NULL, *cell = NULL, *cellk = NULL;
    for (size_t i = 0; i < e->nlabels; i++) {
        const char *k = e->labels[i].key, *v = e->labels[i].value;
        if (!k || !v)
            continue;
        if (!strcmp (k, "name"))
            name = v;
        else if (!strcmp (k, "index"))
            index = v;
        else if (s_has_cell (k))
            cell = v, cellk = k;
    }
    if (o >= size)
        return buf;
    if (cell)
        snprintf (buf + o, size - o, " cell %s%s%s", strcmp (cellk, "cell") ? cellk : "", strcmp (cellk, "cell") ? "=" : "",
                  cell);
    else if (name && e->path && strncmp (e->path, "/components/", 12) == 0)
        snprintf (buf + o, size - o, " component %s", name);   /* a CPU, memory pool, fan, ... */
    else if (name)
        snprintf (buf + o, size - o, " interface %s%s%s", name, index ? "." : "", index ? index : "");
    else if (e->nlabels) {
        for (size_t i = 0; i < e->nlabels && o < size; i++)
            o += (size_t) snprintf (buf + o, size - o, "%s%s=%s%s", i ? "," : " {", e->labels[i].key ? e->labels[i].key : "",
                                    e->labels[i].value ? e->labels[i].value : "", i + 1 == e->nlabels ? "}" : "");
    }
    return buf;
}
