#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-daemon.h"

static BenchDaemon *mounted;

gboolean bench_is_mounted(const char *mnt)
{
  g_autofree char *mounts = NULL;
  if (!g_file_get_contents("/proc/self/mounts", &mounts, NULL, NULL))
    return FALSE;
  g_autofree char *needle = g_strdup_printf(" %s fuse", mnt);
  return strstr(mounts, needle) != NULL;
}

/* The daemon removes its journal's directory at a clean exit; after a crash its lock file stays. */
static void remove_state_dir(const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open(dir, 0, NULL);
  for (const char *n = listing ? g_dir_read_name(listing) : NULL; n;
       n = g_dir_read_name(listing)) {
    g_autofree char *sub = g_build_filename(dir, n, NULL);
    g_autofree char *lock = g_build_filename(sub, "lock", NULL);
    unlink(lock);
    rmdir(sub);
  }
  rmdir(dir);
}

static void unmount_daemon(void)
{
  BenchDaemon *d = mounted;
  if (!d)
    return;
  if (d->pid > 0) {
    if (bench_is_mounted(d->mnt) && umount2(d->mnt, 0) != 0)
      umount2(d->mnt, MNT_DETACH);
    waitpid(d->pid, NULL, 0);
    d->pid = 0;
  }
  rmdir(d->mnt);
  remove_state_dir(d->state_dir);
  mounted = NULL;
}

static G_NORETURN void exec_daemon(const char *cgfs, const char *hierarchy, const char *mnt,
                                   const char *state_dir)
{
  int null = open("/dev/null", O_WRONLY);
  dup2(null, 1);
  dup2(null, 2);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  g_strv_builder_add_many(b, cgfs, "-f", "--hierarchy", hierarchy, "--state-dir", state_dir,
                          NULL);
  const char *args = g_getenv("CGFS_ARGS");
  g_auto(GStrv) extra = g_strsplit(args ? args : "", " ", -1);
  for (char **e = extra; *e; e++)
    if (**e)
      g_strv_builder_add(b, *e);
  g_strv_builder_add(b, mnt);
  g_auto(GStrv) argv = g_strv_builder_end(b);
  execv(cgfs, argv);
  _exit(127);
}

void bench_daemon_mount(BenchDaemon *d, const char *hierarchy)
{
  const char *cgfs = g_getenv("CGFS");
  if (!cgfs || access(cgfs, X_OK) != 0) {
    fprintf(stderr, "skipped: CGFS does not name the cgfs binary\n");
    exit(77);
  }
  d->mnt = g_dir_make_tmp("cgfs-bench-XXXXXX", NULL);
  g_assert_nonnull(d->mnt);
  d->state_dir = g_dir_make_tmp("cgfs-bench-state-XXXXXX", NULL);
  g_assert_nonnull(d->state_dir);
  d->pid = fork();
  g_assert_cmpint(d->pid, >=, 0);
  if (d->pid == 0)
    exec_daemon(cgfs, hierarchy, d->mnt, d->state_dir);
  mounted = d;
  atexit(unmount_daemon);
  while (!bench_is_mounted(d->mnt)) {
    if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
      fprintf(stderr, "cgfs did not mount\n");
      d->pid = 0;
      exit(1);
    }
    g_usleep(2000);
  }
}
