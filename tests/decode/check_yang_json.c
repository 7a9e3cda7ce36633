/* check_yang_json.c - the YANG-JSON number grammars and walker flags (decode/yang_json.h). */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "decode/yang_json.h"
#include "tests/support/suite.h"

START_TEST (number_grammars)
{
    static const struct { const char *s; int strict, lenient; double v; } c[] = {
        { "123", 1, 1, 123 },          { "-1.5", 1, 1, -1.5 },   { "+1", 0, 1, 1 },
        { "5.", 0, 1, 5 },             { ".5", 0, 1, 0.5 },      { "1e5", 0, 0, 0 },
        { " 1", 0, 0, 0 },             { "0x10", 0, 0, 0 },      { "nan", 0, 0, 0 },
        { "", 0, 0, 0 },               { "-", 0, 0, 0 },         { ".", 0, 0, 0 },
        { "1.2.3", 0, 0, 0 },          { "18446744073709551616", 1, 1, 18446744073709551616.0 },
        { "1727576079810951148", 1, 1, 1727576079810951148.0 },
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        double v = -42;
        ck_assert_msg (vg_yang_number (c[i].s, strlen (c[i].s), VG_YANG_NUM_STRICT, &v) == c[i].strict,
                       "strict %s", c[i].s);
        if (c[i].strict)
            ck_assert_msg (v == c[i].v, "strict value %s", c[i].s);
        v = -42;
        ck_assert_msg (vg_yang_number (c[i].s, strlen (c[i].s), VG_YANG_NUM_LENIENT, &v) == c[i].lenient,
                       "lenient %s", c[i].s);
        if (c[i].lenient)
            ck_assert_msg (v == c[i].v, "lenient value %s", c[i].s);
    }
    /* Only s[0..len) is read; 41 integer digits are refused by the strict grammar only when
     * the lenient bound (64 characters) is not hit first. */
    double v;
    ck_assert_int_eq (vg_yang_number ("12x", 2, VG_YANG_NUM_STRICT, &v), 1);
    ck_assert (v == 12);
    ck_assert_int_eq (vg_yang_number ("11111111111111111111111111111111111111111", 41, VG_YANG_NUM_STRICT, &v), 0);
    ck_assert_int_eq (vg_yang_number ("11111111111111111111111111111111111111111", 41, VG_YANG_NUM_LENIENT, &v), 1);
}
END_TEST

typedef struct {
    char seen[1024];
} s_log_t;

static int
s_leaf (vg_yang_walk_t *w, const char *name, const json_t *v)
{
    s_log_t *l = w->ctx;
    (void) name;
    (void) v;
    size_t n = strlen (l->seen);
    snprintf (l->seen + n, sizeof l->seen - n, "%s;", w->path);
    return 0;
}

static int
s_enter (vg_yang_walk_t *w, const char *list, const json_t *obj, const char **skip, vg_yang_mark_t *mark)
{
    (void) w;
    (void) obj;
    (void) mark;
    if (list)
        *skip = "k";
    return 0;
}

/* A walker 8 levels deep logging every leaf into l (no list hook). */
static vg_yang_walk_t
s_walker (s_log_t *l)
{
    vg_yang_walk_t w;
    memset (&w, 0, sizeof w);
    w.max_depth = 8;
    w.ctx = l;
    w.leaf = s_leaf;
    return w;
}

START_TEST (walk_lists_and_flags)
{
    json_t *j = json_loads ("{\"a\":{\"l\":[{\"k\":\"x\",\"v\":1},2,[3]],\"b\":\"s\"}}", 0, NULL);
    ck_assert_ptr_nonnull (j);
    s_log_t l = { "" };
    vg_yang_walk_t w = s_walker (&l);
    w.enter = s_enter;
    /* Default: list entries only (their key skipped), at the array's depth. */
    ck_assert_int_eq (vg_yang_walk (&w, j), 0);
    ck_assert_str_eq (l.seen, "a/l/v;a/b;");
    ck_assert_uint_eq (w.plen, 0);
    /* Every element, one level deeper; the base path is kept and restored. */
    l.seen[0] = '\0';
    strcpy (w.path, "/r/");
    w.plen = 3;
    w.flags = VG_YANG_WALK_ALL_ELEMENTS | VG_YANG_WALK_SQUASH_SLASH;
    ck_assert_int_eq (vg_yang_walk (&w, j), 0);
    ck_assert_str_eq (l.seen, "/r/a/l/v;/r/a/l;/r/a/l;/r/a/b;");
    ck_assert_str_eq (w.path, "/r/");
    /* Depth bound. */
    w.max_depth = 1;
    ck_assert_int_eq (vg_yang_walk (&w, j), -VG_ETOOBIG);
    json_decref (j);
}
END_TEST

START_TEST (walk_path_overflow)
{
    char key[VG_MAX_PATH_LEN + 8];
    memset (key, 'x', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    json_t *j = json_object ();
    json_object_set_new (j, key, json_integer (1));
    json_object_set_new (j, "ok", json_integer (2));
    s_log_t l = { "" };
    vg_yang_walk_t w = s_walker (&l);
    ck_assert_int_eq (vg_yang_walk (&w, j), 0);
    ck_assert_uint_eq (w.overflow, 1);
    ck_assert_str_eq (l.seen, "ok;");
    w.flags = VG_YANG_WALK_PATH_FATAL;
    ck_assert_int_eq (vg_yang_walk (&w, j), -VG_ETOOBIG);
    json_decref (j);
}
END_TEST

Suite *
vg_yang_json_suite (void)
{
    const TTest *tests[] = { number_grammars, walk_lists_and_flags, walk_path_overflow };
    return vg_test_suite ("yang_json", "yang_json", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
