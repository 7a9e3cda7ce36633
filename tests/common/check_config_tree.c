/* check_config_tree.c - a YAML document read as a bare tree (no table), as the rules parser
 * reads its file: keys and lines in file order, null and quoted scalars, dotted lookups, a
 * map loaded through a table later, bounds, errors built from parts, "did you mean". */
#include <check.h>
#include <string.h>

#include "common/config.h"
#include "common/err.h"
#include "tests/common/fixture_config.h"
#include "tests/support/suite.h"

/* A document read as a bare tree (no table), as the rules parser does. */
START_TEST (tree_without_table)
{
    const char *y = "b: 1\n"                       /* 1 */
                    "a:\n"                         /* 2 */
                    "  x: [p, \"\", ~]\n"          /* 3 */
                    "  y: {port: 70000}\n"         /* 4 */
                    "c:\n"                         /* 5 */
                    "\"q\": ''\n"                  /* 6 */
                    "[k]: v\n";                    /* 7 */
    vg_cfg_node_t *root = NULL;
    vg_cfg_error_t err;
    char buf[512];
    ck_assert_int_eq (vg_cfg_tree_parse ("r.yaml", y, strlen (y), &root, &err), 0);
    ck_assert_int_eq (vg_cfg_node_kind (root), VG_CFG_NODE_MAP);
    ck_assert_uint_eq (vg_cfg_node_len (root), 5);
    /* pairs in file order, keys with their lines */
    const char *keys[] = { "b", "a", "c", "q", NULL };
    const int lines[] = { 1, 2, 5, 6, 7 };
    for (size_t i = 0; i < 5; i++) {
        const vg_cfg_node_t *k = vg_cfg_node_key (root, i);
        ck_assert_int_eq (vg_cfg_node_line (k), lines[i]);
        if (keys[i])
            ck_assert_str_eq (vg_cfg_node_text (k), keys[i]);
        else
            ck_assert_ptr_null (vg_cfg_node_text (k)); /* a sequence as a key */
    }
    ck_assert_ptr_null (vg_cfg_node_key (root, 5));
    ck_assert_ptr_null (vg_cfg_node_value (root, 5));
    ck_assert_str_eq (vg_cfg_node_text (vg_cfg_node_value (root, 0)), "1");
    /* get returns any kind, dotted; text of a map is NULL */
    const vg_cfg_node_t *x = vg_cfg_node_get (root, "a.x");
    ck_assert_int_eq (vg_cfg_node_kind (x), VG_CFG_NODE_SEQ);
    ck_assert_int_eq (vg_cfg_node_line (x), 3);
    ck_assert_ptr_null (vg_cfg_node_text (vg_cfg_node_get (root, "a")));
    ck_assert_ptr_null (vg_cfg_node_get (root, "a.z"));
    ck_assert_ptr_null (vg_cfg_node_get (x, "p"));
    ck_assert_ptr_null (vg_cfg_node_key (x, 0));
    /* null: plain empty and ~ are null, a quoted "" is not; all read as their text */
    ck_assert (!vg_cfg_node_is_null (vg_cfg_node_at (x, 0)));
    ck_assert (!vg_cfg_node_is_null (vg_cfg_node_at (x, 1)));
    ck_assert (vg_cfg_node_is_null (vg_cfg_node_at (x, 2)));
    ck_assert_str_eq (vg_cfg_node_text (vg_cfg_node_at (x, 2)), "~");
    ck_assert (vg_cfg_node_is_null (vg_cfg_node_get (root, "c")));
    ck_assert_str_eq (vg_cfg_node_text (vg_cfg_node_get (root, "c")), "");
    ck_assert_ptr_null (vg_cfg_node_get_str (root, "c"));
    ck_assert (!vg_cfg_node_is_null (vg_cfg_node_get (root, "q")));
    ck_assert (vg_cfg_node_is_null (NULL));
    ck_assert_ptr_null (vg_cfg_node_text (NULL));
    /* a map inside the tree goes through a table, and its errors name the file and path */
    fx_jti_t j;
    ck_assert_int_eq (vg_cfg_load_node (&fx_jti_table, vg_cfg_node_get (root, "a.y"), &j, &err), -VG_ECONFIG);
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf), "r.yaml:4: key 'a.y.port': must be between 1 and 65535");
    vg_cfg_node_destroy (&root);
    ck_assert_ptr_null (root);
    vg_cfg_node_destroy (&root);
    vg_cfg_node_destroy (NULL);

    /* empty document: no tree; errors as for config files */
    ck_assert_int_eq (vg_cfg_tree_parse ("r.yaml", "# only\n", 7, &root, &err), 0);
    ck_assert_ptr_null (root);
    ck_assert_int_eq (vg_cfg_tree_parse ("r.yaml", "a: [\n", 5, &root, &err), -VG_ECONFIG);
    ck_assert_ptr_null (root);
    ck_assert_ptr_nonnull (strstr (vg_cfg_error_format (&err, buf, sizeof buf), "r.yaml:2: YAML syntax error"));
    ck_assert_int_eq (vg_cfg_tree_parse ("r.yaml", "a: &x 1\nb: *x\n", 13, &root, NULL), -VG_ECONFIG);
    ck_assert_int_eq (vg_cfg_tree_parse (NULL, "a: 1\n---\na: 2\n", 14, &root, &err), -VG_ECONFIG);
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf), "<string>:2: more than one YAML document");
    /* the length bounds the text: no terminator needed */
    ck_assert_int_eq (vg_cfg_tree_parse ("r.yaml", "a: 1\nb: [", 5, &root, &err), 0);
    ck_assert_uint_eq (vg_cfg_node_len (root), 1);
    vg_cfg_node_destroy (&root);

    /* errors built from parts read like the loader's */
    vg_cfg_error_set (&err, "rules.yaml", 3, "rules[a].for", "expected %s", "a duration");
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf), "rules.yaml:3: key 'rules[a].for': expected a duration");
    vg_cfg_error_set (&err, NULL, 0, NULL, "empty");
    ck_assert_str_eq (vg_cfg_error_format (&err, buf, sizeof buf), "empty");

    /* "did you mean" for a schema of one's own: fewer than 3 edits and fewer than the word's length */
    static const char *const cands[] = { "severity", "site", "rules", NULL };
    ck_assert_str_eq (vg_cfg_suggest ("sevrity", cands), "severity");
    ck_assert_str_eq (vg_cfg_suggest ("rulez", cands), "rules");
    ck_assert_ptr_null (vg_cfg_suggest ("si", cands));
    ck_assert_ptr_null (vg_cfg_suggest ("windows", cands));
    ck_assert_ptr_null (vg_cfg_suggest ("site", NULL));
}
END_TEST

Suite *
vg_config_tree_suite (void)
{
    vg_test_case_t cases[] = { { "tree_without_table", tree_without_table } };
    return vg_test_cases_suite ("config_tree", cases, sizeof cases / sizeof cases[0], 30, NULL, NULL);
}
