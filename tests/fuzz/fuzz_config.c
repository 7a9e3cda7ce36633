/* fuzz_config.c - libFuzzer target for the configuration loaders: one YAML text per input,
 * loaded through vigil-agent's and vigil-collector's option tables (common/config.c and
 * config_tree.c, then each daemon's cross-option check) and parsed as a detector rules
 * file (detectors/rules_yaml.c, vg_rules_parse).
 * Checks the loaders' contracts: a load returns 0 or a documented error with a reason and
 * the target struct zeroed; vg_cfg_free leaves it zeroed; a rules parse returns a rule set
 * exactly when it succeeds.  Seeds: the example configs in deploy/examples (their key files,
 * absent here, replaced by inline keys so that the seeds load) and detectors/rules.yaml. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_cfg.h"
#include "collector/collector_cfg.h"
#include "common/config.h"
#include "common/err.h"
#include "detectors/rules.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static bool
s_zero (const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* Load yaml through table t into out (t->struct_size bytes); returns the load's code. */
static int
s_load (const vg_cfg_table_t *t, const char *yaml, void *out)
{
    vg_cfg_error_t err;
    memset (out, 0xA5, t->struct_size); /* the loader must overwrite everything */
    int rc = vg_cfg_load_string (t, "fuzz.yaml", yaml, out, &err);
    if (rc != 0) {
        /* -VG_EIO: a NAME_file secret option names a file that cannot be read. */
        if (rc != -VG_ECONFIG && rc != -VG_ETOOBIG && rc != -VG_ENOMEM && rc != -VG_EIO)
            abort ();
        bool reason = err.msg[0] && strnlen (err.msg, sizeof err.msg) < sizeof err.msg;
        if (!s_zero (out, t->struct_size) || !reason)
            abort ();
    }
    return rc;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *yaml = malloc (size + 1);
    if (!yaml)
        return 0;
    memcpy (yaml, data, size);
    yaml[size] = '\0';

    vg_agent_cfg_t a;
    if (s_load (&vg_agent_cfg_table, yaml, &a) == 0) {
        char why[1024];
        (void) vg_agent_cfg_check (&a, why, sizeof why);
        vg_cfg_free (&vg_agent_cfg_table, &a);
        if (!s_zero (&a, sizeof a))
            abort ();
    }
    vg_collector_cfg_t c;
    if (s_load (&vg_collector_cfg_table, yaml, &c) == 0) {
        char why[1024];
        (void) vg_collector_cfg_check (&c, why, sizeof why);
        vg_cfg_free (&vg_collector_cfg_table, &c);
        if (!s_zero (&c, sizeof c))
            abort ();
    }

    vg_rules_t *rs = NULL;
    char err[256] = "";
    int rc = vg_rules_parse (yaml, size, "fuzz-rules.yaml", &rs, err, sizeof err);
    if (rc == 0 ? rs == NULL : (rs != NULL || (rc != -VG_ECONFIG && rc != -VG_ENOMEM) || !err[0]))
        abort ();
    vg_rules_destroy (&rs);
    free (yaml);
    return 0;
}
