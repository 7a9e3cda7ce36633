/* check_main.c - the main() of every Check suite executable: runs VG_SUITE_FN's suite,
 * each test in its own process (CK_FORK) with its own timeout. */
#include <check.h>
#include <stdlib.h>

Suite *VG_SUITE_FN (void);

int
main (void)
{
    SRunner *sr = srunner_create (VG_SUITE_FN ());
    srunner_run_all (sr, CK_NORMAL);
    int failed = srunner_ntests_failed (sr);
    srunner_free (sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
