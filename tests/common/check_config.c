/* check_config.c - the table-driven YAML loader: every option type, bounds, defaults,
 * required/unknown/duplicate keys, syntax errors, lists, kept subtrees, overrides, files.
 * The tables are tests/common/fixture_config.c; --help and Markdown: check_config_doc.c;
 * the bare tree: check_config_tree.c. */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/err.h"
#include "tests/common/fixture_config.h"
#include "tests/support/suite.h"

/* Smallest valid document: the two required keys. */
#define T_MIN "agent:\n  id: gnb-1\ncollectors:\n  - endpoint: tcp://127.0.0.1:5555\n"

static bool
s_is_zero (const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* Load yaml as "agent.yaml"; on failure check the struct is empty and format the error. */
static int
s_load (const char *yaml, fx_cfg_t *c, char *msg, size_t size)
{
    vg_cfg_error_t err;
    int rc = vg_cfg_load_string (&fx_table, "agent.yaml", yaml, c, &err);
    msg[0] = '\0';
    if (rc < 0) {
        ck_assert (s_is_zero (c, sizeof *c));
        vg_cfg_error_format (&err, msg, size);
    }
    return rc;
}

/* Loading yaml fails with -VG_ECONFIG and exactly the message expect. */
static void
s_load_fails (const char *yaml, const char *expect)
{
    fx_cfg_t c;
    char m[512];
    ck_assert_int_eq (s_load (yaml, &c, m, sizeof m), -VG_ECONFIG);
    ck_assert_str_eq (m, expect);
}

typedef struct {
    const char *yaml, *expect;
} fail_t;

static void
s_load_fails_each (const fail_t *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s_load_fails (f[i].yaml, f[i].expect);
}

START_TEST (scalar_types)
{
    fx_cfg_t c;
    char m[512];
    const char *y = "agent: {id: gnb-7}\n"
                    "offset: -3\n"
                    "batch:\n"
                    "  max_samples: 0x400\n"
                    "ratio: 0.25\n"
                    "curve: no\n"
                    "name: \"\"\n"
                    "collectors: [{endpoint: tcp://127.0.0.1:5555}]\n";
    ck_assert_int_eq (s_load (y, &c, m, sizeof m), 0);
    ck_assert_str_eq (c.agent_id, "gnb-7");
    ck_assert_int_eq (c.offset, -3);
    ck_assert_uint_eq (c.max_samples, 1024);
    ck_assert_double_eq (c.ratio, 0.25);
    ck_assert (!c.curve);
    ck_assert_str_eq (c.name, "");
    vg_cfg_free (&fx_table, &c);
    ck_assert (s_is_zero (&c, sizeof c));
}
END_TEST

START_TEST (scalar_errors)
{
    static const fail_t bad[] = {
        { T_MIN "offset: 6\n",
          "agent.yaml:5: key 'offset': must be between -5 and 5" },
        { T_MIN "offset: -6\n",
          "agent.yaml:5: key 'offset': must be between -5 and 5" },
        { T_MIN "offset: 1.5\n",
          "agent.yaml:5: key 'offset': '1.5' is not an integer" },
        { T_MIN "offset: 99999999999999999999\n",
          "agent.yaml:5: key 'offset': '99999999999999999999' is not an integer" },
        { T_MIN "batch:\n  max_samples: 1048577\n",
          "agent.yaml:6: key 'batch.max_samples': must be between 1 and 1048576" },
        { T_MIN "batch.max_samples: -1\n",
          "agent.yaml:5: key 'batch.max_samples': '-1' is not a non-negative integer" },
        { T_MIN "ratio: 1.01\n",
          "agent.yaml:5: key 'ratio': must be between 0 and 1" },
        { T_MIN "ratio: nan\n",
          "agent.yaml:5: key 'ratio': 'nan' is not a number" },
        { T_MIN "curve: maybe\n",
          "agent.yaml:5: key 'curve': 'maybe' is not a boolean (use true or false)" },
        { T_MIN "curve:\n",
          "agent.yaml:5: key 'curve': needs a value (a bool)" },
        { T_MIN "curve: [1]\n",
          "agent.yaml:5: key 'curve': expected a bool, got a sequence" },
        { T_MIN "name: far-too-long\n",
          "agent.yaml:5: key 'name': longer than 8 characters" },
        { T_MIN "batch: 5\n",
          "agent.yaml:5: key 'batch': expected a map, got a scalar" },
    };
    s_load_fails_each (bad, sizeof bad / sizeof bad[0]);
}
END_TEST

START_TEST (durations_and_sizes)
{
    static const struct { const char *text; int64_t ms; } dur[] = {
        { "250ms", 250 }, { "2s", 2000 }, { "1m", 60000 }, { "10", 10 }, { "1.5s", 1500 },
    };
    static const struct { const char *text; uint64_t bytes; } sz[] = {
        { "4096", 4096 }, { "64KiB", 65536 }, { "64MiB", 67108864 }, { "1GB", 1000000000 },
        { "1.5GiB", 1610612736 }, { "8 k", 8192 }, { "1TiB", 1099511627776ull },
    };
    for (size_t i = 0; i < sizeof dur / sizeof dur[0]; i++) {
        char y[256], m[512];
        fx_cfg_t c;
        snprintf (y, sizeof y, T_MIN "batch: {flush: %s}\n", dur[i].text);
        ck_assert_msg (s_load (y, &c, m, sizeof m) == 0, "%s: %s", dur[i].text, m);
        ck_assert_int_eq (c.flush_ms, dur[i].ms);
        vg_cfg_free (&fx_table, &c);
    }
    for (size_t i = 0; i < sizeof sz / sizeof sz[0]; i++) {
        char y[256], m[512];
        fx_cfg_t c;
        snprintf (y, sizeof y, T_MIN "spool: {max_bytes: %s}\n", sz[i].text);
        ck_assert_msg (s_load (y, &c, m, sizeof m) == 0, "%s: %s", sz[i].text, m);
        ck_assert_uint_eq (c.spool_max, sz[i].bytes);
        vg_cfg_free (&fx_table, &c);
    }
    static const fail_t bad[] = {
        { T_MIN "batch:\n  flush: 1h\n",
          "agent.yaml:6: key 'batch.flush': must be between 10ms and 1m" },
        { T_MIN "batch:\n  flush: 5 parsecs\n",
          "agent.yaml:6: key 'batch.flush': '5 parsecs' is not a duration (e.g. 500ms, 10s, 5m, 2h, 7d)" },
        { T_MIN "batch:\n  flush: -5s\n",
          "agent.yaml:6: key 'batch.flush': '-5s' is not a duration (e.g. 500ms, 10s, 5m, 2h, 7d)" },
        { T_MIN "spool: {max_bytes: 2TiB}\n",
          "agent.yaml:5: key 'spool.max_bytes': must be between 4KiB and 1TiB" },
        { T_MIN "spool: {max_bytes: 12 furlongs}\n",
          "agent.yaml:5: key 'spool.max_bytes': '12 furlongs' is not a size (e.g. 4096, 64KiB, 64MiB, 1GB)" },
        { T_MIN "spool: {max_bytes: 99999999999TiB}\n",
          "agent.yaml:5: key 'spool.max_bytes': '99999999999TiB' is not a size (e.g. 4096, 64KiB, 64MiB, 1GB)" },
    };
    s_load_fails_each (bad, sizeof bad / sizeof bad[0]);
}
END_TEST

START_TEST (enums)
{
    fx_cfg_t c;
    char m[512];
    ck_assert_int_eq (s_load (T_MIN "log: {level: warn}\n", &c, m, sizeof m), 0);
    ck_assert_int_eq (c.level, 2);
    vg_cfg_free (&fx_table, &c);
    static const fail_t bad[] = {
        { T_MIN "log:\n  level: verbose\n",
          "agent.yaml:6: key 'log.level': 'verbose' is not one of: debug, info, warn, error" },
        { T_MIN "log:\n  level: WARN\n",
          "agent.yaml:6: key 'log.level': 'WARN' is not one of: debug, info, warn, error" },
    };
    s_load_fails_each (bad, sizeof bad / sizeof bad[0]);
}
END_TEST

START_TEST (defaults)
{
    fx_cfg_t c;
    char m[512];
    ck_assert_int_eq (s_load (T_MIN, &c, m, sizeof m), 0);
    ck_assert_str_eq (c.agent_id, "gnb-1");
    ck_assert_int_eq (c.offset, 0);
    ck_assert_uint_eq (c.max_samples, 10000);
    ck_assert_double_eq (c.ratio, 0.5);
    ck_assert (c.curve);
    ck_assert_int_eq (c.flush_ms, 1000);
    ck_assert_uint_eq (c.spool_max, 64u << 20);
    ck_assert_str_eq (c.spool_path, "/var/lib/vigil/spool");
    ck_assert_int_eq (c.level, 1);
    ck_assert_uint_eq (c.ntags, 1);
    ck_assert_str_eq (c.tags[0], "site-a");
    ck_assert_uint_eq (c.ncollectors, 1);
    ck_assert_str_eq (c.collectors[0].endpoint, "tcp://127.0.0.1:5555");
    ck_assert_int_eq (c.collectors[0].weight, 1);
    ck_assert_ptr_null (c.inputs);
    ck_assert_str_eq (c.name, "");
    vg_cfg_free (&fx_table, &c);

    /* defaults alone: required keys stay empty */
    vg_cfg_error_t err;
    ck_assert_int_eq (vg_cfg_defaults (&fx_table, &c, &err), 0);
    ck_assert_ptr_null (c.agent_id);
    ck_assert_uint_eq (c.ncollectors, 0);
    ck_assert_uint_eq (c.max_samples, 10000);
    ck_assert_str_eq (c.tags[0], "site-a");
    vg_cfg_free (&fx_table, &c);

    /* a bad default in a table is reported, naming the key */
    typedef struct {
        uint64_t n;
    } bad_t;
    static const vg_cfg_opt_t bad_opts[] = { VG_CFG_OPT ("n", VG_CFG_UINT, bad_t, n, 1, 10, "11", "n") };
    static const vg_cfg_table_t bad = VG_CFG_TABLE ("bad", bad_opts, bad_t);
    bad_t n;
    ck_assert_int_eq (vg_cfg_defaults (&bad, &n, &err), -VG_ECONFIG);
    ck_assert_str_eq (err.key, "n");
    ck_assert_str_eq (err.msg, "must be between 1 and 10");
    /* an empty document takes all defaults: only the required keys complain */
    s_load_fails ("", "agent.yaml: key 'agent.id': missing required key");
}
END_TEST

START_TEST (required_missing)
{
    static const fail_t bad[] = {
        { "collectors: [{endpoint: x}]\n",
          "agent.yaml:1: key 'agent.id': missing required key" },
        { "offset: 1\n\nagent:\n  other: x\n",
          "agent.yaml:4: key 'agent.other': unknown key" },
        { "offset: 1\n\nagent:\n  # nothing yet\ncollectors: [{endpoint: x}]\n",
          "agent.yaml:3: key 'agent.id': missing required key" },
        { "agent: {id: a}\n",
          "agent.yaml:1: key 'collectors': missing required key" },
        { "agent: {id: a}\ncollectors:\n  - endpoint: x\n  - weight: 3\n",
          "agent.yaml:4: key 'collectors[1].endpoint': missing required key" },
        { "agent: {id: a}\ncollectors: []\n",
          "agent.yaml:2: key 'collectors': has 0 items, at least 1 needed" },
    };
    s_load_fails_each (bad, sizeof bad / sizeof bad[0]);
}
END_TEST

START_TEST (unknown_keys)
{
    static const fail_t bad[] = {
        { "agent: {id: a}\ncollector: [{endpoint: x}]\n",
          "agent.yaml:2: key 'collector': unknown key (did you mean 'collectors'?)" },
        { T_MIN "batch:\n  max_sample: 5\n",
          "agent.yaml:6: key 'batch.max_sample': unknown key (did you mean 'batch.max_samples'?)" },
        { T_MIN "batch.flsh: 1s\n",
          "agent.yaml:5: key 'batch.flsh': unknown key (did you mean 'batch.flush'?)" },
        { T_MIN "zzzzzz: 1\n",
          "agent.yaml:5: key 'zzzzzz': unknown key" },
        { "agent: {id: a}\ncollectors:\n  - endpoint: x\n    wieght: 2\n",
          "agent.yaml:4: key 'collectors[0].wieght': unknown key (did you mean 'weight'?)" },
        { T_MIN "? [a, b]\n: 1\n",
          "agent.yaml:5: a key must be a plain string, not a sequence" },
    };
    s_load_fails_each (bad, sizeof bad / sizeof bad[0]);
}
END_TEST

START_TEST (duplicate_keys)
{
    static const fail_t bad[] = {
        { "agent: {id: a}\noffset: 1\ncollectors: [{endpoint: x}]\noffset: 2\n",
          "agent.yaml:4: key 'offset': duplicate key (first at line 2)" },
        { T_MIN "batch: {flush: 1s}\nbatch.flush: 2s\n",
          "agent.yaml:6: key 'batch.flush': duplicate key (first at line 5)" },
        { T_MIN "batch: {flush: 1s}\nbatch: {max_samples: 3}\n",
          "agent.yaml:6: key 'batch': duplicate key (first at line 5)" },
    };
    s_load_fails_each (bad, sizeof bad / sizeof bad[0]);
}
END_TEST

START_TEST (syntax_errors)
{
    fx_cfg_t c;
    char m[512];
    ck_assert_int_eq (s_load (T_MIN "offset: 1\nbatch: [1, 2\nratio: 1\n", &c, m, sizeof m), -VG_ECONFIG);
    ck_assert_msg (strncmp (m, "agent.yaml:7: YAML syntax error: ", 33) == 0, "%s", m);
    ck_assert_int_eq (s_load ("agent:\n  id: a\n\tbad: tab\n", &c, m, sizeof m), -VG_ECONFIG);
    ck_assert_msg (strncmp (m, "agent.yaml:3: YAML syntax error: ", 33) == 0, "%s", m);
    ck_assert_int_eq (s_load ("a: b\n  c: d\n", &c, m, sizeof m), -VG_ECONFIG);
    ck_assert_msg (strncmp (m, "agent.yaml:2: YAML syntax error: mapping values are not allowed", 62) == 0, "%s", m);
    static const fail_t bad[] = {
        { "a: 1\nb: \"\xff\"\n",
          "agent.yaml:2: YAML error: invalid leading UTF-8 octet (byte 9)" },
        { "a: 1\nb: 'open\n\nc: 2\n",
          "agent.yaml:5: YAML syntax error: found unexpected end of stream "
          "(while scanning a quoted scalar at line 2)" },
        { "a: \"x\\0y\"\n",
          "agent.yaml:1: a value contains a NUL character" },
        { "- 1\n- 2\n",
          "agent.yaml:1: expected a map of keys, got a sequence" },
        { T_MIN "---\na: 1\n",
          "agent.yaml:5: more than one YAML document" },
    };
    s_load_fails_each (bad, sizeof bad / sizeof bad[0]);
}
END_TEST

START_TEST (input_bounds)
{
    fx_cfg_t c;
    char m[512];
    /* aliases (and so "billion laughs") are refused */
    s_load_fails ("agent: &x {id: a}\nother: *x\n", "agent.yaml:2: aliases (*x) are not supported");
    /* nesting: 32 levels parse (then fail as unknown), 33 are refused */
    char deep[256];
    for (int levels = 32; levels <= 33; levels++) {
        size_t n = 0;
        n += (size_t) snprintf (deep + n, sizeof deep - n, "x: ");
        for (int i = 1; i < levels; i++)
            deep[n++] = '[';
        for (int i = 1; i < levels; i++)
            deep[n++] = ']';
        deep[n] = '\0';
        int rc = s_load (deep, &c, m, sizeof m);
        if (levels == 32)
            ck_assert_str_eq (m, "agent.yaml:1: key 'x': unknown key");
        else {
            ck_assert_int_eq (rc, -VG_ETOOBIG);
            ck_assert_str_eq (m, "agent.yaml:1: nested deeper than 32 levels");
        }
    }
    /* list counts */
    s_load_fails (T_MIN "tags: [a, b, c, d]\n", "agent.yaml:5: key 'tags': has 4 items, at most 3 allowed");
    /* size */
    size_t big = VG_CFG_MAX_BYTES + 10;
    char *y = malloc (big + 1);
    ck_assert_ptr_nonnull (y);
    memset (y, '#', big);
    y[big] = '\0';
    ck_assert_int_eq (s_load (y, &c, m, sizeof m), -VG_ETOOBIG);
    ck_assert_str_eq (m, "agent.yaml: larger than 4 MiB");
    /* node count: a flat sequence of half a million scalars */
    size_t nitems = VG_CFG_MAX_NODES + 1, off = 0;
    off += (size_t) snprintf (y, big, "tags: [");
    for (size_t i = 0; i < nitems && off + 3 < big; i++) {
        y[off++] = '1';
        y[off++] = ',';
    }
    y[off++] = ']';
    y[off] = '\0';
    ck_assert_int_eq (s_load (y, &c, m, sizeof m), -VG_ETOOBIG);
    ck_assert_str_eq (m, "agent.yaml:1: more than 500000 values in one document");
    free (y);
}
END_TEST

START_TEST (lists_of_maps)
{
    fx_cfg_t c;
    char m[512];
    const char *y = "agent: {id: a}\n"
                    "collectors:\n"
                    "  - endpoint: tcp://127.0.0.1:5555\n"
                    "  - endpoint: tcp://10.0.0.2:5555\n"
                    "    weight: 7\n";
    ck_assert_int_eq (s_load (y, &c, m, sizeof m), 0);
    ck_assert_uint_eq (c.ncollectors, 2);
    ck_assert_str_eq (c.collectors[0].endpoint, "tcp://127.0.0.1:5555");
    ck_assert_int_eq (c.collectors[0].weight, 1);
    ck_assert_str_eq (c.collectors[1].endpoint, "tcp://10.0.0.2:5555");
    ck_assert_int_eq (c.collectors[1].weight, 7);
    vg_cfg_free (&fx_table, &c);
    static const fail_t bad[] = {
        { "agent: {id: a}\ncollectors:\n  - endpoint: x\n  - endpoint: y\n    weight: 700\n",
          "agent.yaml:5: key 'collectors[1].weight': must be between 1 and 100" },
        { "agent: {id: a}\ncollectors:\n  - endpoint: x\n  - just-a-string\n",
          "agent.yaml:4: key 'collectors[1]': expected a map of keys, got a scalar" },
        { "agent: {id: a}\ncollectors: {endpoint: x}\n",
          "agent.yaml:2: key 'collectors': expected a sequence of maps, got a map" },
        { "agent: {id: a}\ncollectors: [{endpoint: a}, {endpoint: b}, {endpoint: c}, {endpoint: d}, "
          "{endpoint: e}]\n",
          "agent.yaml:2: key 'collectors': has 5 items, at most 4 allowed" },
    };
    s_load_fails_each (bad, sizeof bad / sizeof bad[0]);
}
END_TEST

START_TEST (string_lists)
{
    fx_cfg_t c;
    char m[512];
    ck_assert_int_eq (s_load (T_MIN "tags:\n  - ran\n  - \"site b\"\n", &c, m, sizeof m), 0);
    ck_assert_uint_eq (c.ntags, 2);
    ck_assert_str_eq (c.tags[0], "ran");
    ck_assert_str_eq (c.tags[1], "site b");
    vg_cfg_free (&fx_table, &c);
    ck_assert_int_eq (s_load (T_MIN "tags: []\n", &c, m, sizeof m), 0);
    ck_assert_uint_eq (c.ntags, 0);
    ck_assert_ptr_null (c.tags);
    vg_cfg_free (&fx_table, &c);
    static const fail_t bad[] = {
        { T_MIN "tags:\n  - a\n  - {b: 1}\n",
          "agent.yaml:7: key 'tags[1]': expected a string, got a map" },
        { T_MIN "tags: [a, ~]\n",
          "agent.yaml:5: key 'tags[1]': expected a string, got nothing" },
        { T_MIN "tags: a\n",
          "agent.yaml:5: key 'tags': expected a sequence of strings, got a scalar" },
    };
    s_load_fails_each (bad, sizeof bad / sizeof bad[0]);
}
END_TEST

START_TEST (kept_nodes)
{
    fx_cfg_t c;
    char m[512];
    const char *y = T_MIN /* lines 1-4 */
        "inputs:\n"                          /* 5 */
        "  - type: jti\n"                    /* 6 */
        "    port: 50000\n"                  /* 7 */
        "    socket: {buffer: 8MiB}\n"       /* 8 */
        "  - type: jti\n"                    /* 9 */
        "    listen: 127.0.0.1\n"            /* 10 */
        "    port: 70000\n"                  /* 11 */
        "  - type: jti\n"                    /* 12 */
        "    prot: 1\n";                     /* 13 */
    ck_assert_int_eq (s_load (y, &c, m, sizeof m), 0);
    ck_assert_ptr_nonnull (c.inputs);
    ck_assert_int_eq (vg_cfg_node_kind (c.inputs), VG_CFG_NODE_SEQ);
    ck_assert_uint_eq (vg_cfg_node_len (c.inputs), 3);
    ck_assert_int_eq (vg_cfg_node_line (c.inputs), 6);
    ck_assert_ptr_null (vg_cfg_node_at (c.inputs, 3));

    const vg_cfg_node_t *in0 = vg_cfg_node_at (c.inputs, 0);
    ck_assert_str_eq (vg_cfg_node_get_str (in0, "type"), "jti");
    ck_assert_str_eq (vg_cfg_node_get_str (in0, "socket.buffer"), "8MiB");
    ck_assert_ptr_null (vg_cfg_node_get_str (in0, "socket"));
    ck_assert_ptr_null (vg_cfg_node_get_str (in0, "missing"));
    ck_assert_ptr_null (vg_cfg_node_get_str (NULL, "type"));

    vg_cfg_error_t err;
    char buf[512];
    fx_jti_t j;
    ck_assert_int_eq (vg_cfg_load_node (&fx_jti_table, in0, &j, &err), 0);
    ck_assert_str_eq (j.type, "jti");
    ck_assert_str_eq (j.listen, "0.0.0.0");
    ck_assert_uint_eq (j.port, 50000);
    ck_assert_uint_eq (j.buffer, 8u << 20);
    vg_cfg_free (&fx_jti_table, &j);

    ck_assert_int_eq (vg_cfg_load_node (&fx_jti_table, vg_cfg_node_at (c.inputs, 1), &j, &err), -VG_ECONFIG);
    ck_assert (s_is_zero (&j, sizeof j));
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf),
                      "agent.yaml:11: key 'inputs[1].port': must be between 1 and 65535");
    ck_assert_int_eq (vg_cfg_load_node (&fx_jti_table, vg_cfg_node_at (c.inputs, 2), &j, &err), -VG_ECONFIG);
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf),
                      "agent.yaml:13: key 'inputs[2].prot': unknown key (did you mean 'port'?)");
    /* the whole sequence is not a map */
    ck_assert_int_eq (vg_cfg_load_node (&fx_jti_table, c.inputs, &j, &err), -VG_ECONFIG);
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf),
                      "agent.yaml:6: key 'inputs': expected a map of keys, got a sequence");
    /* a NULL node is an empty map: required keys are reported */
    ck_assert_int_eq (vg_cfg_load_node (&fx_jti_table, NULL, &j, &err), -VG_ECONFIG);
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf), "key 'type': missing required key");
    vg_cfg_free (&fx_table, &c);
    ck_assert (s_is_zero (&c, sizeof c));

    /* "inputs:" with no value is the same as absent; a required node needs a value */
    ck_assert_int_eq (s_load (T_MIN "inputs:\n", &c, m, sizeof m), 0);
    ck_assert_ptr_null (c.inputs);
    vg_cfg_free (&fx_table, &c);
    typedef struct {
        vg_cfg_node_t *n;
    } req_t;
    static const vg_cfg_opt_t req_opts[] = { VG_CFG_OPT ("n", VG_CFG_NODE, req_t, n, 0, 0, NULL, "n") };
    static const vg_cfg_table_t req = VG_CFG_TABLE ("req", req_opts, req_t);
    req_t r;
    ck_assert_int_eq (vg_cfg_load_string (&req, "r.yaml", "n: ~\n", &r, &err), -VG_ECONFIG);
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf),
                      "r.yaml:1: key 'n': needs a value (a map or a sequence)");
    ck_assert_int_eq (vg_cfg_load_string (&req, "r.yaml", "m: 1\n", &r, NULL), -VG_ECONFIG);
    ck_assert_int_eq (vg_cfg_load_string (&req, "r.yaml", "n: {a: [1, 2]}\n", &r, NULL), 0);
    ck_assert_uint_eq (vg_cfg_node_len (r.n), 1);
    ck_assert_ptr_null (vg_cfg_node_get_str (r.n, "a"));
    vg_cfg_free (&req, &r);
}
END_TEST

START_TEST (set_overrides)
{
    fx_cfg_t c;
    char m[512];
    vg_cfg_error_t err;
    char buf[512];
    ck_assert_int_eq (s_load (T_MIN, &c, m, sizeof m), 0);
    ck_assert_int_eq (vg_cfg_set (&fx_table, &c, "batch.max_samples", "42", &err), 0);
    ck_assert_uint_eq (c.max_samples, 42);
    ck_assert_int_eq (vg_cfg_set (&fx_table, &c, "spool.path", "/tmp/spool", &err), 0);
    ck_assert_str_eq (c.spool_path, "/tmp/spool");
    ck_assert_int_eq (vg_cfg_set (&fx_table, &c, "batch.flush", "50ms", &err), 0);
    ck_assert_int_eq (c.flush_ms, 50);
    ck_assert_int_eq (vg_cfg_set (&fx_table, &c, "log.level", "debug", &err), 0);
    ck_assert_int_eq (c.level, 0);
    ck_assert_int_eq (vg_cfg_set (&fx_table, &c, "tags", "[x, y]", &err), 0);
    ck_assert_uint_eq (c.ntags, 2);
    ck_assert_str_eq (c.tags[1], "y");
    ck_assert_int_eq (vg_cfg_set (&fx_table, &c, "collectors", "[{endpoint: a}, {endpoint: b, weight: 2}]", &err), 0);
    ck_assert_uint_eq (c.ncollectors, 2);
    ck_assert_str_eq (c.collectors[1].endpoint, "b");
    ck_assert_int_eq (vg_cfg_set (&fx_table, &c, "inputs", "[{type: jti, port: 1}]", &err), 0);
    ck_assert_str_eq (vg_cfg_node_get_str (vg_cfg_node_at (c.inputs, 0), "type"), "jti");

    /* a rejected override keeps the previous value */
    ck_assert_int_eq (vg_cfg_set (&fx_table, &c, "batch.max_samples", "0", &err), -VG_ECONFIG);
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf),
                      "command line: key 'batch.max_samples': must be between 1 and 1048576");
    ck_assert_uint_eq (c.max_samples, 42);
    ck_assert_int_eq (vg_cfg_set (&fx_table, &c, "tags", "[a, b, c, d]", &err), -VG_ECONFIG);
    ck_assert_uint_eq (c.ntags, 2);
    ck_assert_str_eq (c.tags[0], "x");
    ck_assert_int_eq (vg_cfg_set (&fx_table, &c, "collectors", "[{endpoint: a}, {weight: 2}]", &err), -VG_ECONFIG);
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf),
                      "command line:1: key 'collectors[1].endpoint': missing required key");
    ck_assert_uint_eq (c.ncollectors, 2);
    ck_assert_str_eq (c.collectors[1].endpoint, "b");
    ck_assert_int_eq (vg_cfg_set (&fx_table, &c, "batch.max_sampels", "5", &err), -VG_ECONFIG);
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf),
                      "command line: key 'batch.max_sampels': unknown key (did you mean 'batch.max_samples'?)");
    /* an empty string is a value for a string option, not "absent" */
    ck_assert_int_eq (vg_cfg_set (&fx_table, &c, "spool.path", "", &err), 0);
    ck_assert_str_eq (c.spool_path, "");
    vg_cfg_free (&fx_table, &c);
}
END_TEST

START_TEST (files)
{
    fx_cfg_t c;
    vg_cfg_error_t err;
    char buf[512];
    ck_assert_int_eq (vg_cfg_load_file (&fx_table, "/nonexistent/agent.yaml", &c, &err), -VG_EIO);
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf),
                      "/nonexistent/agent.yaml: cannot open: No such file or directory");
    ck_assert (s_is_zero (&c, sizeof c));

    char path[] = "/tmp/check_config_XXXXXX";
    int fd = mkstemp (path);
    ck_assert_int_ge (fd, 0);
    const char *y = T_MIN "batch:\n  max_samples: 0\n";
    ck_assert_int_eq (write (fd, y, strlen (y)), (int) strlen (y));
    close (fd);
    ck_assert_int_eq (vg_cfg_load_file (&fx_table, path, &c, &err), -VG_ECONFIG);
    ck_assert_str_eq (err.file, path);
    ck_assert_int_eq (err.line, 6);
    ck_assert_str_eq (err.key, "batch.max_samples");

    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    fputs (T_MIN "inputs: {type: jti, port: 0}\n", f);
    fclose (f);
    ck_assert_int_eq (vg_cfg_load_file (&fx_table, path, &c, &err), 0);
    ck_assert_str_eq (c.agent_id, "gnb-1");
    fx_jti_t j;
    ck_assert_int_eq (vg_cfg_load_node (&fx_jti_table, c.inputs, &j, &err), -VG_ECONFIG);
    ck_assert_str_eq (err.file, path);
    ck_assert_int_eq (err.line, 5);
    ck_assert_str_eq (err.key, "inputs.port");
    vg_cfg_free (&fx_table, &c);

    /* over the size bound */
    f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    for (int i = 0; i < (5 << 20) / 64; i++)
        fputs ("# padding padding padding padding padding padding padding pad\n", f);
    fclose (f);
    ck_assert_int_eq (vg_cfg_load_file (&fx_table, path, &c, &err), -VG_ETOOBIG);
    ck_assert_str_eq (err.msg, "larger than 4 MiB");
    ck_assert_int_eq (vg_cfg_load_file (&fx_table, "/tmp", &c, &err), -VG_EIO);
    ck_assert_str_eq (err.msg, "cannot read: Is a directory");
    unlink (path);
}
END_TEST

START_TEST (free_and_format)
{
    fx_cfg_t c;
    char m[512];
    /* a failure late in the walk frees everything loaded before it */
    ck_assert_int_eq (s_load ("agent: {id: a}\ntags: [p, q]\ninputs: [{a: 1}]\n"
                              "collectors: [{endpoint: x}, {endpoint: y, weight: 0}]\n",
                              &c, m, sizeof m),
                      -VG_ECONFIG);
    ck_assert (s_is_zero (&c, sizeof c));
    vg_cfg_free (&fx_table, &c);
    vg_cfg_free (&fx_table, NULL);

    vg_cfg_error_t err = { .file = "agent.yaml", .line = 12, .key = "batch.max_samples",
                           .msg = "must be between 1 and 1048576" };
    char buf[40];
    ck_assert_str_eq (vg_cfg_error_format (&err, m, sizeof m),
                      "agent.yaml:12: key 'batch.max_samples': must be between 1 and 1048576");
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf), "agent.yaml:12: key 'batch.max_samples':");
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, 5), "agen");
    vg_cfg_error_t bare = { .msg = "oops" };
    ck_assert_str_eq (vg_cfg_error_format (&bare, buf, sizeof buf), "oops");
}
END_TEST

Suite *
vg_config_suite (void)
{
    Suite *s = suite_create ("config");
    vg_test_case_t cases[] = {
        { "scalar_types", scalar_types }, { "scalar_errors", scalar_errors },
        { "durations_and_sizes", durations_and_sizes }, { "enums", enums }, { "defaults", defaults },
        { "required_missing", required_missing }, { "unknown_keys", unknown_keys },
        { "duplicate_keys", duplicate_keys }, { "syntax_errors", syntax_errors },
        { "input_bounds", input_bounds },
        { "lists_of_maps", lists_of_maps }, { "string_lists", string_lists }, { "kept_nodes", kept_nodes },
        { "set_overrides", set_overrides }, { "files", files }, { "free_and_format", free_and_format },
    };
    vg_test_cases (s, cases, sizeof cases / sizeof cases[0], 30, NULL, NULL);
    return s;
}
