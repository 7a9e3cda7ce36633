/* kafka_props.c - secret kafka.properties and redacted errors about them (see kafka_props.h). */
#include "collector/kafka_props.h"

#include <stdio.h>
#include <string.h>

bool
vg_kafka_prop_is_secret (const char *key)
{
    static const char *const parts[] = { "password", "secret", "ssl.key.pem", "ssl.keystore.", "sasl.oauthbearer.config",
                                         "sasl.jaas.config", NULL };
    for (size_t i = 0; key && parts[i]; i++)
        if (strstr (key, parts[i]))
            return true;
    return false;
}

void
vg_kafka_prop_error (char *err, size_t errlen, const char *key, const char *value, const char *rd_err)
{
    char why[512];
    size_t n = 0, vl = value ? strlen (value) : 0;
    bool hide = vl && (vg_kafka_prop_is_secret (key) || vl > 64);
    const char *p = rd_err ? rd_err : "";
    while (*p && n + 1 < sizeof why) {
        if (hide && strncmp (p, value, vl) == 0) {
            n += (size_t) snprintf (why + n, sizeof why - n, "<redacted>");
            if (n >= sizeof why)
                n = sizeof why - 1;
            p += vl;
        } else {
            why[n++] = *p++;
        }
    }
    why[n] = '\0';
    snprintf (err, errlen, "kafka property '%s': %s", key ? key : "?", why);
}
