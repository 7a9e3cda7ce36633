/* check_config_secret.c - secret options of the configuration tables: NAME_file read once
 * (newline stripped, loose mode and missing file refused with the key named), inline and file
 * forms exclusive, the same in LIST elements and through --set, and the warning left in
 * vg_cfg_error_t.warn for an inline secret in a file that group or others can read. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/err.h"
#include "tests/support/suite.h"
#include "tests/support/cfg_files.h"

typedef struct {
    char *user, *password;
} t_in_t;

typedef struct {
    char *id;
    char *secret;
    t_in_t *ins;
    size_t nins;
} t_cfg_t;

static const vg_cfg_opt_t t_in_opts[] = {
    VG_CFG_OPT ("user", VG_CFG_STR, t_in_t, user, 0, 0, "", "user"),
    VG_CFG_SECRET_OPT ("password", t_in_t, password, 16, "password"),
};
static const vg_cfg_table_t t_in_table = VG_CFG_TABLE ("in", t_in_opts, t_in_t);
static const vg_cfg_opt_t t_opts[] = {
    VG_CFG_OPT ("agent.id", VG_CFG_STR, t_cfg_t, id, 0, 0, "a", "identity"),
    VG_CFG_SECRET_OPT ("curve.secret_key", t_cfg_t, secret, 0, "key"),
    VG_CFG_LIST_OPT ("inputs", t_cfg_t, ins, nins, &t_in_table, 0, 8, "[]", "inputs"),
};
static const vg_cfg_table_t t_table = VG_CFG_TABLE ("test", t_opts, t_cfg_t);

static vg_test_cfg_files_t t_f;

static void
t_setup (void)
{
    vg_test_cfg_files_make (&t_f, "cfgsecret", "key");
}

static void
t_teardown (void)
{
    vg_test_cfg_files_remove (&t_f);
}

/* Load yaml (with %s replaced by the key file's path) from a file of the given mode. */
static int
t_load (const char *yaml, mode_t mode, t_cfg_t *cfg, vg_cfg_error_t *err)
{
    char text[1024];
    snprintf (text, sizeof text, yaml, t_f.secret);
    vg_test_write_text (t_f.yaml, text, mode);
    return vg_cfg_load_file (&t_table, t_f.yaml, cfg, err);
}

START_TEST (file_form_read_once_newline_stripped)
{
    vg_test_write_text (t_f.secret, "Z85-secret-key\n", 0600);
    t_cfg_t cfg;
    vg_cfg_error_t err;
    ck_assert_int_eq (t_load ("curve:\n  secret_key_file: %1$s\ninputs:\n  - {user: u, password_file: '%1$s'}\n",
                              0644, &cfg, &err),
                      0);
    ck_assert_str_eq (cfg.secret, "Z85-secret-key");
    ck_assert_uint_eq (cfg.nins, 1);
    ck_assert_str_eq (cfg.ins[0].password, "Z85-secret-key");
    ck_assert_str_eq (err.warn, ""); /* no secret inline: a 0644 file is fine */
    vg_test_write_text (t_f.secret, "changed\n", 0600);
    ck_assert_str_eq (cfg.secret, "Z85-secret-key"); /* read once, at load */
    vg_cfg_free (&t_table, &cfg);
}
END_TEST

/* A reader that needs no secrets: the NAME_file path is not opened (absent here), the
 * secret stays empty, the rest loads; a NAME_file without a path is still refused. */
START_TEST (no_secrets_load_skips_the_files)
{
    char missing[300];
    snprintf (missing, sizeof missing, "%s.absent", t_f.secret);
    char text[1024];
    snprintf (text, sizeof text, "curve:\n  secret_key_file: %s\ninputs:\n  - {user: u, password: inline}\n", missing);
    vg_test_write_text (t_f.yaml, text, 0600);
    t_cfg_t cfg;
    vg_cfg_error_t err;
    ck_assert_int_eq (vg_cfg_load_file (&t_table, t_f.yaml, &cfg, &err), -VG_EIO);
    ck_assert_int_eq (vg_cfg_load_file_no_secrets (&t_table, t_f.yaml, &cfg, &err), 0);
    ck_assert_str_eq (cfg.secret, "");
    ck_assert_uint_eq (cfg.nins, 1);
    ck_assert_str_eq (cfg.ins[0].password, "inline");
    vg_cfg_free (&t_table, &cfg);
    vg_test_write_text (t_f.yaml, "curve:\n  secret_key_file:\n", 0600);
    ck_assert_int_eq (vg_cfg_load_file_no_secrets (&t_table, t_f.yaml, &cfg, &err), -VG_ECONFIG);
}
END_TEST

START_TEST (file_form_refusals_name_the_key)
{
    t_cfg_t cfg;
    vg_cfg_error_t err;
    char msg[1024];
    vg_test_write_text (t_f.secret, "Z85-secret-key\n", 0644);
    ck_assert_int_eq (t_load ("curve:\n  secret_key_file: %s\n", 0600, &cfg, &err), -VG_ECONFIG);
    vg_cfg_error_format (&err, msg, sizeof msg);
    ck_assert_str_eq (err.key, "curve.secret_key_file");
    ck_assert_int_eq (err.line, 2);
    ck_assert_ptr_nonnull (strstr (msg, "chmod 600"));
    ck_assert_ptr_null (strstr (msg, "Z85-secret-key"));
    ck_assert_ptr_null (cfg.secret); /* a failed load owns nothing */
    ck_assert_int_eq (unlink (t_f.secret), 0);
    ck_assert_int_eq (t_load ("inputs:\n  - {password_file: %s}\n", 0600, &cfg, &err), -VG_EIO);
    ck_assert_str_eq (err.key, "inputs[0].password_file");
    ck_assert_ptr_nonnull (strstr (err.msg, "cannot open"));
    vg_test_write_text (t_f.secret, "longer-than-sixteen\n", 0600); /* the option's own bound still holds */
    ck_assert_int_eq (t_load ("inputs:\n  - {password_file: %s}\n", 0600, &cfg, &err), -VG_ECONFIG);
    ck_assert_ptr_nonnull (strstr (err.msg, "longer than 16"));
    ck_assert_int_eq (t_load ("curve:\n  secret_key: inline\n  secret_key_file: %s\n", 0600, &cfg, &err),
                      -VG_ECONFIG);
    ck_assert_ptr_nonnull (strstr (err.msg, "not both"));
    ck_assert_int_eq (t_load ("curve:\n  secret_key_file: %s\n  secret_key: inline\n", 0600, &cfg, &err),
                      -VG_ECONFIG);
    ck_assert_int_eq (t_load ("curve:\n  secret_key_file:\n", 0600, &cfg, &err), -VG_ECONFIG);
    ck_assert_ptr_nonnull (strstr (err.msg, "path of a file"));
    ck_assert_int_eq (t_load ("agent:\n  id_file: %s\n", 0600, &cfg, &err), -VG_ECONFIG); /* not a secret */
    ck_assert_ptr_nonnull (strstr (err.msg, "unknown key"));
}
END_TEST

START_TEST (inline_secret_in_loose_file_warns)
{
    t_cfg_t cfg;
    vg_cfg_error_t err;
    ck_assert_int_eq (t_load ("curve:\n  secret_key: inline-key\n", 0644, &cfg, &err), 0);
    ck_assert_str_eq (cfg.secret, "inline-key");
    ck_assert_ptr_nonnull (strstr (err.warn, t_f.yaml));
    ck_assert_ptr_nonnull (strstr (err.warn, "'curve.secret_key'"));
    ck_assert_ptr_nonnull (strstr (err.warn, "chmod 600"));
    ck_assert_ptr_nonnull (strstr (err.warn, "curve.secret_key_file"));
    ck_assert_ptr_null (strstr (err.warn, "inline-key"));
    vg_cfg_free (&t_table, &cfg);
    ck_assert_int_eq (t_load ("inputs:\n  - {password: pw}\n", 0640, &cfg, &err), 0);
    ck_assert_ptr_nonnull (strstr (err.warn, "'inputs[0].password'"));
    vg_cfg_free (&t_table, &cfg);
    /* private file, or an empty secret: no warning */
    ck_assert_int_eq (t_load ("curve:\n  secret_key: inline-key\n", 0600, &cfg, &err), 0);
    ck_assert_str_eq (err.warn, "");
    vg_cfg_free (&t_table, &cfg);
    ck_assert_int_eq (t_load ("curve:\n  secret_key: ''\n", 0644, &cfg, &err), 0);
    ck_assert_str_eq (err.warn, "");
    vg_cfg_free (&t_table, &cfg);
}
END_TEST

START_TEST (set_takes_the_file_form)
{
    t_cfg_t cfg;
    vg_cfg_error_t err;
    ck_assert_int_eq (t_load ("curve:\n  secret_key: old\n", 0600, &cfg, &err), 0);
    vg_test_write_text (t_f.secret, "from-file\n", 0600);
    ck_assert_int_eq (vg_cfg_set (&t_table, &cfg, "curve.secret_key_file", t_f.secret, &err), 0);
    ck_assert_str_eq (cfg.secret, "from-file");
    ck_assert_int_eq (chmod (t_f.secret, 0604), 0);
    ck_assert_int_eq (vg_cfg_set (&t_table, &cfg, "curve.secret_key_file", t_f.secret, &err), -VG_ECONFIG);
    ck_assert_str_eq (cfg.secret, "from-file"); /* kept on failure */
    vg_cfg_free (&t_table, &cfg);
}
END_TEST

Suite *
vg_config_secret_suite (void)
{
    const TTest *tests[] = { file_form_read_once_newline_stripped, no_secrets_load_skips_the_files,
                             file_form_refusals_name_the_key,
                             inline_secret_in_loose_file_warns, set_takes_the_file_form };
    return vg_test_suite ("config_secret", "secret", tests, sizeof tests / sizeof tests[0], 10, t_setup, t_teardown);
}
