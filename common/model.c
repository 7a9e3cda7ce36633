/* model.c - names of the model's enumerations. */
#include "common/model.h"

#include <string.h>

static const char *const s_event_names[VG_EV__COUNT] = {
    "unspecified", "config_change", "image_change", "reboot", "login", "mirror_session",
    "crypto_state", "flow_summary", "gap", "fault", "delete", "ntp_change",
};

const char *
vg_event_type_name (vg_event_type_t type)
{
    if ((int) type < 0 || type >= VG_EV__COUNT)
        return "unknown";
    return s_event_names[type];
}

int
vg_event_type_parse (const char *name)
{
    for (int i = 0; i < VG_EV__COUNT; i++)
        if (strcmp (name, s_event_names[i]) == 0)
            return i;
    return -1;
}

const char *
vg_kind_name (vg_kind_t kind)
{
    switch (kind) {
    case VG_KIND_GAUGE: return "gauge";
    case VG_KIND_COUNTER: return "counter";
    case VG_KIND_STATE: return "state";
    }
    return "unknown";
}
