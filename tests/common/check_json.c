/* check_json.c - the JSON string escaper: quotes and backslashes, control characters,
 * valid and invalid UTF-8, and snprintf-style truncation that never splits an escape. */
#include <check.h>
#include <string.h>

#include "common/json.h"
#include "tests/support/suite.h"

static const char *
t_esc (const char *s)
{
    static char buf[256];
    size_t n = vg_json_escape (buf, sizeof buf, s);
    ck_assert_uint_eq (n, strlen (buf));
    return buf;
}

START_TEST (escapes)
{
    ck_assert_str_eq (t_esc ("plain text"), "plain text");
    ck_assert_str_eq (t_esc ("a\"b\\c"), "a\\\"b\\\\c");
    ck_assert_str_eq (t_esc ("l1\nl2\tx\r\b\f"), "l1\\nl2\\tx\\r\\b\\f");
    ck_assert_str_eq (t_esc ("\x01\x1f"), "\\u0001\\u001f");
    ck_assert_str_eq (t_esc (NULL), "");
    ck_assert_str_eq (t_esc ("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa1"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa1");
}
END_TEST

START_TEST (invalid_utf8_becomes_replacement)
{
    ck_assert_str_eq (t_esc ("\xff"), "\\ufffd");
    ck_assert_str_eq (t_esc ("\xc0\xaf"), "\\ufffd\\ufffd");          /* overlong '/' */
    ck_assert_str_eq (t_esc ("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd"); /* surrogate */
    ck_assert_str_eq (t_esc ("x\xe2\x82"), "x\\ufffd\\ufffd");        /* truncated at the end */
    ck_assert_str_eq (t_esc ("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd"); /* > U+10FFFF */
}
END_TEST

START_TEST (truncation)
{
    char buf[8];
    ck_assert_uint_eq (vg_json_escape (buf, sizeof buf, "abcdefghij"), 10);
    ck_assert_str_eq (buf, "abcdefg");
    ck_assert_uint_eq (vg_json_escape (buf, sizeof buf, "abcde\x01z"), 12);
    ck_assert_str_eq (buf, "abcde");             /* the 6-byte escape did not fit whole */
    ck_assert_uint_eq (vg_json_escape (NULL, 0, "a\"b"), 4);
    ck_assert_uint_eq (vg_json_escape (buf, 1, "abc"), 3);
    ck_assert_str_eq (buf, "");
}
END_TEST

Suite *
vg_json_suite (void)
{
    const TTest *tests[] = { escapes, invalid_utf8_becomes_replacement, truncation };
    return vg_test_suite ("json", "escape", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
