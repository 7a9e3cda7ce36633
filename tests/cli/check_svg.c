/* check_svg.c - the SVG writer and the timeline picture: hostile text stays well-formed
 * XML (checked with libxml2's parser), groups balance, write errors surface; a timeline
 * drawn from a hand-made vg_timeline_t has one series path per panel, one alert-window per
 * episode and one event line per new event. */
#include <check.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/svg.h"
#include "cli/timeline_svg.h"
#include "common/err.h"
#include "common/model.h"
#include "tests/support/suite.h"

/* Parse text as XML; NULL if it is not well-formed. */
static xmlDocPtr
s_parse (const char *text, size_t len)
{
    return xmlReadMemory (text, (int) len, "t.svg", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* Elements named tag whose class list holds cls (NULL: any), below node. */
static int
s_count (xmlNodePtr node, const char *tag, const char *cls)
{
    int n = 0;
    for (xmlNodePtr c = node; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !strcmp ((const char *) c->name, tag)) {
            xmlChar *k = xmlGetProp (c, (const xmlChar *) "class");
            if (!cls) {
                n++;
            } else if (k) {
                /* whole words of the class list */
                char buf[128];
                snprintf (buf, sizeof buf, " %s ", (const char *) k);
                char want[64];
                snprintf (want, sizeof want, " %s ", cls);
                n += strstr (buf, want) != NULL;
            }
            xmlFree (k);
        }
        n += s_count (c->children, tag, cls);
    }
    return n;
}

START_TEST (test_escape)
{
    char out[64];
    ck_assert_str_eq (vg_svg_escape ("<a&b>\"'", out, sizeof out), "&lt;a&amp;b&gt;&quot;&apos;");
    ck_assert_str_eq (vg_svg_escape ("x\001y\x7f", out, sizeof out), "x?y\x7f");
    ck_assert_str_eq (vg_svg_escape ("caf\xc3\xa9 \xff\xc3", out, sizeof out), "caf\xc3\xa9 ??");
    ck_assert_str_eq (vg_svg_escape ("\xed\xa0\x80", out, sizeof out), "???"); /* a surrogate */
    ck_assert_str_eq (vg_svg_escape (NULL, out, sizeof out), "");
    /* Cut at a whole character or entity, never inside one. */
    ck_assert_str_eq (vg_svg_escape ("ab&cd", out, 6), "ab");
    ck_assert_str_eq (vg_svg_escape ("a\xc3\xa9", out, 3), "a");
}
END_TEST

START_TEST (test_hostile_document_is_well_formed)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&text, &len);
    ck_assert_ptr_nonnull (f);
    vg_svg_t *s = vg_svg_new (f, 100, 50, ".a{fill:red}");
    ck_assert_ptr_nonnull (s);
    const char *evil = "]]></svg><script>&amp\"'\001\xff";
    vg_svg_group_begin (s, "g1", evil);
    vg_svg_rect (s, 1, 2, 3, -4, "a", "fill:blue", evil);
    vg_svg_line (s, 0, 0, 10, 10, NULL, NULL, NULL);
    vg_svg_text (s, 5, 5, "a", "middle", evil);
    vg_svg_group_begin (s, NULL, NULL);
    vg_svg_path_begin (s, "p", NULL);
    vg_svg_path_line (s, 1, 1); /* a line first becomes a move */
    for (int i = 0; i < 30; i++)
        vg_svg_path_line (s, i, i * 0.5);
    /* left open on purpose: path and two groups */
    ck_assert_int_eq (vg_svg_finish (&s), 0);
    ck_assert_ptr_null (s);
    ck_assert_int_eq (vg_svg_finish (&s), 0); /* NULL-safe */
    fclose (f);
    xmlDocPtr doc = s_parse (text, len);
    ck_assert_msg (doc != NULL, "not well-formed:\n%s", text);
    xmlNodePtr root = xmlDocGetRootElement (doc);
    ck_assert_str_eq ((const char *) root->name, "svg");
    ck_assert_int_eq (s_count (root, "g", NULL), 2);
    ck_assert_int_eq (s_count (root, "path", "p"), 1);
    ck_assert_int_eq (s_count (root, "script", NULL), 0);
    ck_assert_int_eq (s_count (root, "title", NULL), 1);
    xmlFreeDoc (doc);
    ck_assert_ptr_nonnull (strstr (text, "d=\"M1.0 1.0 L0.0 0.0"));
    free (text);
}
END_TEST

START_TEST (test_write_error)
{
    FILE *f = fopen ("/dev/full", "w");
    if (!f)
        return; /* no /dev/full here: nothing to check */
    vg_svg_t *s = vg_svg_new (f, 10, 10, NULL);
    ck_assert_ptr_nonnull (s);
    for (int i = 0; i < 2000; i++)
        vg_svg_rect (s, i, i, 1, 1, "x", NULL, NULL);
    ck_assert_int_eq (vg_svg_finish (&s), -VG_EIO);
    fclose (f);
}
END_TEST

/* A timeline by hand: a gauge with a step, a counter and a state series; two episodes
 * (one open), three events of which one repeats. */
START_TEST (test_timeline_picture)
{
    vg_timeline_t t = { 0 };
    vg_tl_series_t ser[3];
    memset (ser, 0, sizeof ser);
    int64_t ts[3][500];
    double v[3][500];
    char *states[] = { "UP", "DOWN" };
    const int64_t t0 = 1790000000000LL;
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 500; i++) {
            ts[k][i] = t0 + (int64_t) i * 60000;
            v[k][i] = k == 0 ? (i < 250 ? 5.0 : 40.0) : k == 1 ? (double) i * 1000.0 : (i > 300 && i < 320);
        }
        ser[k].sid = (uint64_t) k + 1;
        ser[k].ts = ts[k];
        ser[k].v = v[k];
        ser[k].n = 500;
        ser[k].unit = k == 1 ? "By" : "";
        ser[k].kind = k == 0 ? VG_KIND_GAUGE : k == 1 ? VG_KIND_COUNTER : VG_KIND_STATE;
        if (k == 2) {
            ser[k].states = states;
            ser[k].nstates = 2;
        }
    }
    ser[0].name = "/cpu{name=<0>}";
    ser[1].name = "/if/in-octets";
    ser[2].name = "/if/oper-status";
    vg_tl_event_t ev[3] = {
        { .ts = t0 + 100 * 60000, .type = VG_EV_REBOOT, .text = "reason=crash & burn" },
        { .ts = t0 + 200 * 60000, .type = VG_EV_LOGIN, .text = "user=x" },
        { .ts = t0 + 210 * 60000, .type = VG_EV_LOGIN, .text = "user=x", .repeat = 1 },
    };
    vg_tl_episode_t ep[2] = {
        { .uid = "r1:d@1", .rule = "a05-cpu", .severity = "High", .start = t0 + 240 * 60000,
          .fired = t0 + 250 * 60000, .end = t0 + 300 * 60000, .series_id = 1 },
        { .uid = "r2:d@2", .rule = "a02-if", .severity = "Low", .start = t0 + 301 * 60000, .fired = t0 + 305 * 60000,
          .end = INT64_MAX },
    };
    t.device = "dev<1>";
    t.from = t0;
    t.to = t0 + 500 * 60000;
    t.series = ser;
    t.nseries = 3;
    t.events = ev;
    t.nevents = 3;
    t.episodes = ep;
    t.nepisodes = 2;
    size_t pick[] = { 2, 0, 1 };
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&text, &len);
    ck_assert_int_eq (vg_timeline_svg (&t, pick, 3, f), 0);
    fclose (f);
    xmlDocPtr doc = s_parse (text, len);
    ck_assert_msg (doc != NULL, "not well-formed");
    xmlNodePtr root = xmlDocGetRootElement (doc);
    ck_assert_int_eq (s_count (root, "path", "series"), 3);
    ck_assert_int_eq (s_count (root, "path", "state"), 1);
    ck_assert_int_eq (s_count (root, "rect", "alert-window"), 2);
    ck_assert_int_eq (s_count (root, "rect", "alert-series"), 1); /* the cpu panel's own episode */
    ck_assert_int_eq (s_count (root, "line", "event"), 2);        /* the repeat is a mark only */
    ck_assert_int_eq (s_count (root, "line", "event-mark"), 3 + 6); /* + the legend's */
    ck_assert_int_eq (s_count (root, "g", "panel"), 3);
    xmlFreeDoc (doc);
    /* Titles name the series and the units. */
    ck_assert_ptr_nonnull (strstr (text, "/cpu{name=&lt;0&gt;}"));
    ck_assert_ptr_nonnull (strstr (text, "By/s (rate of a counter)"));
    ck_assert_ptr_nonnull (strstr (text, ">DOWN</text>"));
    /* Y ticks at round values: the cpu series (5 -> 40) has 10, 20, 30 and 40. */
    ck_assert_ptr_nonnull (strstr (text, ">10</text>"));
    ck_assert_ptr_nonnull (strstr (text, ">20</text>"));
    ck_assert_ptr_nonnull (strstr (text, ">30</text>"));
    ck_assert_ptr_nonnull (strstr (text, ">40</text>"));
    free (text);
}
END_TEST

Suite *
vg_svg_suite (void)
{
    const TTest *tests[] = {
        test_escape, test_hostile_document_is_well_formed, test_write_error, test_timeline_picture,
    };
    return vg_test_suite ("svg", "writer", tests, sizeof tests / sizeof tests[0], 30, NULL, NULL);
}
