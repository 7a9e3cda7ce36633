/* check_hindex.c - the intrusive chained hash index: lookups across growth, newest-first
 * chains (the order the engine's tables had before they shared this code), unlinking. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "detectors/hindex.h"
#include "tests/support/suite.h"

typedef struct {
    vg_hlink_t hl; /* first member: a vg_hlink_t * is a t_obj_t * */
    int id;
} t_obj_t;

static t_obj_t *
find (const vg_hindex_t *ix, uint64_t h, int id)
{
    for (vg_hlink_t *l = vg_hindex_chain (ix, h); l; l = l->next)
        if (l->h == h && ((t_obj_t *) l)->id == id)
            return (t_obj_t *) l;
    return NULL;
}

START_TEST (add_find_grow)
{
    enum { N = 5000 };
    vg_hindex_t ix = { 0 };
    ck_assert_ptr_null (vg_hindex_chain (&ix, 7));
    t_obj_t *o = calloc (N, sizeof *o);
    ck_assert_ptr_nonnull (o);
    for (int i = 0; i < N; i++) {
        o[i].id = i;
        o[i].hl.h = (uint64_t) i * 0x9e3779b97f4a7c15ULL;
        ck_assert_int_eq (vg_hindex_add (&ix, &o[i].hl), 0);
        ck_assert_uint_ge (ix.cap, ix.n);
    }
    ck_assert_uint_eq (ix.n, N);
    ck_assert_uint_eq (ix.cap, 8192); /* 256 doubled five times */
    for (int i = 0; i < N; i++)
        ck_assert_ptr_eq (find (&ix, o[i].hl.h, i), &o[i]);
    ck_assert_ptr_null (find (&ix, 12345, -1));
    /* every chain newest first, after five growths */
    for (size_t b = 0; b < ix.cap; b++)
        for (vg_hlink_t *l = ix.b[b]; l && l->next; l = l->next)
            ck_assert_int_gt (((t_obj_t *) l)->id, ((t_obj_t *) l->next)->id);
    vg_hindex_free (&ix);
    ck_assert_ptr_null (ix.b);
    ck_assert_uint_eq (ix.cap, 0);
    vg_hindex_free (&ix);
    vg_hindex_free (NULL);
    free (o);
}
END_TEST

START_TEST (same_hash_and_delete)
{
    vg_hindex_t ix = { 0 };
    t_obj_t o[4];
    for (int i = 0; i < 4; i++) {
        o[i].id = i;
        o[i].hl.h = i < 3 ? 42 : 42 + 256; /* one bucket: three equal hashes and a neighbour */
        ck_assert_int_eq (vg_hindex_add (&ix, &o[i].hl), 0);
    }
    vg_hlink_t *c = vg_hindex_chain (&ix, 42);
    ck_assert_ptr_eq (c, &o[3].hl);
    ck_assert_ptr_eq (c->next, &o[2].hl);
    vg_hindex_del (&ix, &o[2].hl); /* middle */
    ck_assert_ptr_eq (vg_hindex_chain (&ix, 42)->next, &o[1].hl);
    vg_hindex_del (&ix, &o[3].hl); /* head */
    ck_assert_ptr_eq (vg_hindex_chain (&ix, 42), &o[1].hl);
    vg_hindex_del (&ix, &o[0].hl); /* tail */
    ck_assert_ptr_null (o[1].hl.next);
    ck_assert_uint_eq (ix.n, 1);
    ck_assert_ptr_eq (find (&ix, 42, 1), &o[1]);
    ck_assert_ptr_null (find (&ix, 42, 0));
    vg_hindex_del (&ix, &o[1].hl);
    ck_assert_ptr_null (vg_hindex_chain (&ix, 42));
    ck_assert_uint_eq (ix.n, 0);
    vg_hindex_free (&ix);
    ck_assert_uint_eq (ix.cap, 0);
}
END_TEST

Suite *
vg_hindex_suite (void)
{
    Suite *s = suite_create ("hindex");
    vg_test_tcase (s, "add_find_grow", &add_find_grow, 1, 30, NULL, NULL);
    vg_test_tcase (s, "same_hash_and_delete", &same_hash_and_delete, 1, 30, NULL, NULL);
    return s;
}
