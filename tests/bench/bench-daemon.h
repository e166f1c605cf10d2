/* The cgfs daemon under benchmark: $CGFS started in the foreground on a new temporary mount
 * point, with --hierarchy @hierarchy, its journal in a temporary --state-dir and the options in
 * $CGFS_ARGS (split at spaces). */
#pragma once

#include <sys/types.h>

#include <glib.h>

typedef struct {
  char *mnt;
  char *state_dir; /* its --state-dir: a temporary directory, removed at exit */
  pid_t pid;
} BenchDaemon;

/* Exits 77 when $CGFS does not name the binary, 1 when it does not mount. Registers an atexit
 * handler that unmounts it, so call it after itest_init() (handlers run in reverse order). */
void bench_daemon_mount(BenchDaemon *d, const char *hierarchy);
gboolean bench_is_mounted(const char *mnt);
