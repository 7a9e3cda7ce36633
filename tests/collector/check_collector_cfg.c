/* check_collector_cfg.c - the collector's configuration: a kafka.properties secret read from
 * value_file (0600, newline dropped) and handed to the Kafka clients, refused from a loose
 * file or when neither value nor value_file is given; librdkafka errors never show a
 * secret's value. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector/collector.h"
#include "collector/collector_cfg.h"
#include "collector/kafka_props.h"
#include "common/config.h"
#include "tests/support/suite.h"
#include "tests/support/cfg_files.h"

static vg_test_cfg_files_t t_f;

static void
t_setup (void)
{
    vg_test_cfg_files_make (&t_f, "collcfg", "kafka.pw");
}

static void
t_teardown (void)
{
    vg_test_cfg_files_remove (&t_f);
}

/* The configuration with these kafka.properties entries (YAML list items). */
static int
t_load (const char *props, vg_collector_cfg_t *cfg, vg_cfg_error_t *err)
{
    char yaml[1024];
    snprintf (yaml, sizeof yaml,
              "store:\n  path: %s/store\ncurve:\n  insecure: true\nkafka:\n  enabled: true\n  properties:\n%s", t_f.dir,
              props);
    vg_test_write_text (t_f.yaml, yaml, 0600);
    return vg_cfg_load_file (&vg_collector_cfg_table, t_f.yaml, cfg, err);
}

START_TEST (secret_from_value_file)
{
    vg_test_write_text (t_f.secret, "s3cr3t-Pa55\n", 0600);
    char props[512];
    snprintf (props, sizeof props,
              "    - { key: security.protocol, value: SASL_SSL }\n    - { key: sasl.password, value_file: %s }\n",
              t_f.secret);
    vg_collector_cfg_t cfg;
    vg_cfg_error_t e;
    ck_assert_int_eq (t_load (props, &cfg, &e), 0);
    ck_assert_str_eq (e.warn, "");
    char err[256];
    ck_assert_int_eq (vg_collector_cfg_check (&cfg, err, sizeof err), 0);
    vg_alerter_prop_t *p = vg_collector_kafka_props (&cfg);
    ck_assert_ptr_nonnull (p);
    ck_assert_str_eq (p[1].key, "sasl.password");
    ck_assert_str_eq (p[1].value, "s3cr3t-Pa55"); /* the file, its newline dropped */
    ck_assert_str_eq (p[0].value, "SASL_SSL");
    free (p);
    vg_cfg_free (&vg_collector_cfg_table, &cfg);
}
END_TEST

START_TEST (loose_or_missing_value_refused)
{
    vg_collector_cfg_t cfg;
    vg_cfg_error_t e;
    char props[512], msg[600];
    /* a secret file others may read: refused at load, the key named, not the secret */
    vg_test_write_text (t_f.secret, "s3cr3t-Pa55\n", 0644);
    snprintf (props, sizeof props, "    - { key: sasl.password, value_file: %s }\n", t_f.secret);
    ck_assert_int_lt (t_load (props, &cfg, &e), 0);
    vg_cfg_error_format (&e, msg, sizeof msg);
    ck_assert_ptr_nonnull (strstr (msg, "value_file"));
    ck_assert_ptr_null (strstr (msg, "s3cr3t"));
    /* both forms: refused */
    vg_test_write_text (t_f.secret, "s3cr3t-Pa55\n", 0600);
    snprintf (props, sizeof props, "    - { key: sasl.password, value: x, value_file: %s }\n", t_f.secret);
    ck_assert_int_lt (t_load (props, &cfg, &e), 0);
    /* neither: loads, then the check names the property */
    ck_assert_int_eq (t_load ("    - { key: sasl.password }\n", &cfg, &e), 0);
    char err[256];
    ck_assert_int_lt (vg_collector_cfg_check (&cfg, err, sizeof err), 0);
    ck_assert_ptr_nonnull (strstr (err, "kafka.properties[0] (sasl.password): value or value_file is required"));
    vg_cfg_free (&vg_collector_cfg_table, &cfg);
}
END_TEST

START_TEST (errors_never_show_a_secret)
{
    ck_assert (vg_kafka_prop_is_secret ("sasl.password"));
    ck_assert (vg_kafka_prop_is_secret ("ssl.key.password"));
    ck_assert (vg_kafka_prop_is_secret ("sasl.oauthbearer.client.secret"));
    ck_assert (vg_kafka_prop_is_secret ("ssl.key.pem"));
    ck_assert (!vg_kafka_prop_is_secret ("security.protocol"));
    char err[256];
    vg_kafka_prop_error (err, sizeof err, "sasl.password", "hunter2",
                         "Invalid value \"hunter2\" for configuration property \"sasl.password\" (hunter2)");
    ck_assert_ptr_null (strstr (err, "hunter2"));
    ck_assert_str_eq (err, "kafka property 'sasl.password': Invalid value \"<redacted>\" for configuration property "
                           "\"sasl.password\" (<redacted>)");
    /* an ordinary property keeps its value in the message (it helps fix the file) */
    vg_kafka_prop_error (err, sizeof err, "acks", "most", "Invalid value \"most\" for configuration property \"acks\"");
    ck_assert_ptr_nonnull (strstr (err, "\"most\""));
    vg_kafka_prop_error (err, 8, NULL, NULL, NULL); /* truncated, terminated */
    ck_assert_uint_lt (strlen (err), 8);
}
END_TEST

Suite *
vg_collector_cfg_suite (void)
{
    const TTest *tests[] = { secret_from_value_file, loose_or_missing_value_refused, errors_never_show_a_secret };
    return vg_test_suite ("collector_cfg", "kafka_secrets", tests, sizeof tests / sizeof tests[0], 30, t_setup,
                          t_teardown);
}
