/* fixture_vigil.c - temporary directory, empty store and vigil runner of the cli suites (see
 * fixture_vigil.h). */
#include "tests/cli/fixture_vigil.h"

#include <check.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>

#include "store/store.h"
#include "tests/support/tmpdir.h"

extern char **environ;

char fx_dir[64];

void
fx_setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (fx_dir, sizeof fx_dir, "cli"));
}

void
fx_teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (fx_dir), 0);
}

vg_store_t *
fx_store_new (const char *name, char *path, size_t size)
{
    char err[256];
    snprintf (path, size, "%s/%s", fx_dir, name);
    vg_store_cfg_t cfg = { path, VG_STORE_RW, 3600000, false, 0 };
    vg_store_t *s = vg_store_open (&cfg, err, sizeof err);
    ck_assert_msg (s != NULL, "%s", err);
    return s;
}

void
fx_empty_store (char *path, size_t size)
{
    vg_store_t *s = fx_store_new ("store", path, size);
    vg_store_destroy (&s);
}

int
fx_vigil (char *const *args, const char *out_path, const char *err_path, struct rusage *ru)
{
    char bin[512];
    snprintf (bin, sizeof bin, "%s/vigil", VG_BIN_DIR);
    char *argv[32] = { bin };
    size_t n = 1;
    for (; args[n - 1]; n++) {
        ck_assert_uint_lt (n, sizeof argv / sizeof argv[0] - 1);
        argv[n] = args[n - 1];
    }
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init (&fa);
    posix_spawn_file_actions_addopen (&fa, 1, out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen (&fa, 2, err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    ck_assert_int_eq (posix_spawn (&pid, bin, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy (&fa);
    int status;
    struct rusage r;
    ck_assert_int_eq (wait4 (pid, &status, 0, &r), pid);
    if (ru)
        *ru = r;
    ck_assert_msg (WIFEXITED (status), "vigil %s: status %d", args[0] ? args[0] : "", status);
    return WEXITSTATUS (status);
}
