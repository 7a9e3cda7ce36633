/* fixture_engine.c - the rules the engine suites share (see fixture_engine.h). */
#include "tests/detectors/fixture_engine.h"

const char VG_TEST_ENGINE_RULES[] =
    "windows:\n"
    "  - { name: mw, kind: maintenance, daily: \"12:00-13:00\", match: { site: [maint] } }\n"
    "allowlists:\n"
    "  - { name: mg, entries: [ 10.0.0.0/8 ] }\n"
    "rules:\n"
    "  - id: sil\n    detector: silence\n    keep_firing_for: 0s\n    match: { path: \"*\" }\n"
    "    params: { k: 3, min_silence: 30s }\n    techniques: [T1529]\n"
    "  - id: bgp\n    detector: bgp\n    for: 30s\n    keep_firing_for: 60s\n    repeat: 10m\n"
    "    match: { path: \"*/session-state\" }\n    techniques: [FGT5004]\n"
    "  - id: flap\n    detector: flap\n    keep_firing_for: 0s\n    match: { path: \"*/oper-status\" }\n"
    "  - id: uni\n    detector: seasonal\n    for: 10m\n    keep_firing_for: 10m\n    match: { path: \"*/in-octets\" }\n"
    "    params: { season: day, warmup: 2d, direction: low, drop_ratio: 0.5, min_z: 4 }\n"
    "  - id: ch\n    detector: callhome\n    severity: medium\n    keep_firing_for: 30m\n    params: { allowlist: mg }\n"
    "    techniques: [T1041, FGT1048]\n";
