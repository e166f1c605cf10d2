#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define MAX_SPAWNED 256

static pid_t spawned[MAX_SPAWNED];
static guint n_spawned;
static pid_t owner_pid;

static void on_fatal_signal(int sig)
{
  itest_cleanup();
  signal(sig, SIG_DFL);
  raise(sig);
}

void itest_init(void)
{
  if (geteuid() != 0) {
    fprintf(stderr, "skipped: needs root to manage real cgroups\n");
    exit(77);
  }
  if (access("/sys/fs/cgroup", F_OK) != 0 || access("/proc/self/cgroup", R_OK) != 0) {
    fprintf(stderr, "skipped: no cgroup file system\n");
    exit(77);
  }
  owner_pid = getpid();
  atexit(itest_cleanup);
  signal(SIGABRT, on_fatal_signal);
  signal(SIGSEGV, on_fatal_signal);
  signal(SIGTERM, on_fatal_signal);
  signal(SIGINT, on_fatal_signal);
}

void itest_require(const char *subsystem)
{
  g_autoptr(CgfsSystem) sys = cgfs_system_new(NULL);
  if (!sys || !cgfs_system_find_mount(sys, subsystem)) {
    fprintf(stderr, "skipped: no %s hierarchy mounted\n", subsystem);
    exit(77);
  }
}

char *itest_name(const char *suffix)
{
  return g_strdup_printf("/cgfs-test-%d-%s", (int)getpid(), suffix);
}

pid_t itest_spawn(const char *const *argv)
{
  static const char *const sleeper[] = { "sleep", "1000", NULL };
  if (!argv)
    argv = sleeper;
  g_assert_cmpuint(n_spawned, <, MAX_SPAWNED);
  pid_t pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    execvp(argv[0], (char *const *)argv);
    _exit(127);
  }
  spawned[n_spawned++] = pid;
  return pid;
}

void itest_reap(pid_t pid)
{
  if (pid <= 0)
    return; /* kill(0) or kill(-1) would hit far more than the test's own child */
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  for (guint i = 0; i < n_spawned; i++)
    if (spawned[i] == pid)
      spawned[i] = 0;
}

/* Remove @dir's cgroup subtree, deepest first. */
static void remove_tree(const char *dir)
{
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      g_autofree char *child = g_build_filename(dir, e->d_name, NULL);
      remove_tree(child);
    }
  closedir(d);
  g_autofree char *freeze = g_build_filename(dir, "freezer.state", NULL);
  int fd = open(freeze, O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    (void)!write(fd, "THAWED", 6);
    close(fd);
  }
  for (int i = 0; i < 50 && rmdir(dir) != 0 && errno == EBUSY; i++)
    g_usleep(20000);
}

static void remove_own_cgroups(const char *mount)
{
  g_autofree char *prefix = g_strdup_printf("cgfs-test-%d-", (int)owner_pid);
  DIR *d = opendir(mount);
  if (!d)
    return;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_type == DT_DIR && g_str_has_prefix(e->d_name, prefix)) {
      g_autofree char *dir = g_build_filename(mount, e->d_name, NULL);
      remove_tree(dir);
    }
  closedir(d);
}

void itest_cleanup(void)
{
  if (getpid() != owner_pid)
    return;
  for (guint i = 0; i < n_spawned; i++)
    if (spawned[i] > 0) {
      kill(spawned[i], SIGKILL);
      waitpid(spawned[i], NULL, 0);
      spawned[i] = 0;
    }
  g_autoptr(CgfsSystem) sys = cgfs_system_new(NULL);
  for (guint i = 0; sys && i < cgfs_system_n_mounts(sys); i++) {
    const CgfsMount *m = cgfs_system_mount(sys, i);
    remove_own_cgroups(m->dir);
    if (m->self_path) {
      g_autofree char *own = g_strconcat(m->dir, strcmp(m->self_path, "/") ? m->self_path : "", NULL);
      remove_own_cgroups(own);
    }
  }
}

char *itest_read(const char *path)
{
  char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return NULL;
  g_strchomp(text);
  return text;
}

gboolean itest_file_has_pid(const char *path, pid_t pid)
{
  g_autofree char *text = itest_read(path);
  if (!text)
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++)
    if (atoi(*l) == pid)
      return TRUE;
  return FALSE;
}

char itest_proc_state(pid_t pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
  g_autofree char *text = itest_read(path);
  if (!text)
    return '?';
  const char *close_paren = strrchr(text, ')');
  return close_paren && close_paren[1] == ' ' ? close_paren[2] : '?';
}

gboolean itest_write(const char *path, const char *value)
{
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  ssize_t n = write(fd, value, strlen(value));
  int saved = errno;
  close(fd);
  errno = saved;
  return n == (ssize_t)strlen(value);
}

/* Whether the /proc/self/cgroup line @line is hierarchy @subsystem's and names @path. */
static gboolean line_is(const char *line, const char *subsystem, const char *path)
{
  g_auto(GStrv) f = g_strsplit(line, ":", 3);
  if (g_strv_length(f) != 3 || strcmp(f[2], path) != 0)
    return FALSE;
  if (!*subsystem)
    return !*f[1];
  g_auto(GStrv) names = g_strsplit(f[1], ",", -1);
  return g_strv_contains((const char *const *)names, subsystem);
}

gboolean itest_self_in(const char *path, const char *const *subsystems)
{
  g_autofree char *self = itest_read("/proc/self/cgroup");
  g_auto(GStrv) lines = g_strsplit(self ? self : "", "\n", -1);
  for (const char *const *s = subsystems; *s; s++) {
    gboolean found = FALSE;
    for (char **l = lines; *l && !found; l++)
      found = line_is(*l, *s, path);
    if (!found)
      return FALSE;
  }
  return TRUE;
}

int itest_run_in(const char *dir, int (*fn)(gpointer), gpointer data)
{
  pid_t pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    g_autofree char *procs = g_build_filename(dir, "cgroup.procs", NULL);
    _exit(itest_write(procs, "0") ? fn(data) : 126);
  }
  int status;
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  return status;
}
