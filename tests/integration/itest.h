/* Shared by the C integration tests that run against the machine's real cgroups (root).
 *
 * Every cgroup a test makes is named with itest_name(), "cgfs-test-<pid>-<suffix>", and
 * itest_cleanup() (registered with atexit and run from cmocka teardowns) kills the processes
 * this test spawned, by pid, and removes every cgfs-test-<pid>-* directory, deepest first, in
 * every mounted hierarchy. Nothing else on the machine is touched.
 */
#pragma once

#include <sys/types.h>

#include <glib.h>
#include <cgfs/cgfs.h>

/* Exit 77 (skipped) unless root with cgroupfs mounted; register the cleanup. */
void itest_init(void);
/* Exit 77 unless a v1 hierarchy with @subsystem (or the v2 mount for "unified") is mounted. */
void itest_require(const char *subsystem);
/* "/cgfs-test-<pid>-<suffix>", new string. */
char *itest_name(const char *suffix);
/* fork+exec @argv (NULL: "sleep 1000"); the pid is remembered for cleanup. */
pid_t itest_spawn(const char *const *argv);
/* SIGKILL and reap a spawned process. */
void itest_reap(pid_t pid);
/* Kill the spawned processes and remove this test's cgroups. Safe to call twice. */
void itest_cleanup(void);
/* The text of a kernel file, stripped of the trailing newline; NULL when it cannot be read. */
char *itest_read(const char *path);
/* Write @value to a kernel file with one open/write/close; FALSE (errno set) on failure. */
gboolean itest_write(const char *path, const char *value);
/* Whether @pid is listed in the cgroup.procs (or tasks) file at @path. */
gboolean itest_file_has_pid(const char *path, pid_t pid);
/* The state letter of /proc/PID/stat (R, S, D, T, Z, ...). */
char itest_proc_state(pid_t pid);
/* Whether /proc/self/cgroup puts this process in cgroup @path in every hierarchy named in
 * @subsystems ("memory", ...; "" for the v2 hierarchy). */
gboolean itest_self_in(const char *path, const char *const *subsystems);
/* Fork a child that joins the cgroup directory @dir (absolute) and exits with @fn(@data); its
 * wait status (126 as exit status if it could not join). */
int itest_run_in(const char *dir, int (*fn)(gpointer), gpointer data);

/* For cmocka tests: fail on a set GError. */
#define assert_no_gerror(err)                                                                     \
  do {                                                                                            \
    if (err)                                                                                      \
      fail_msg("unexpected error: %s", (err)->message);                                           \
  } while (0)

/* Poll @cond up to @ms milliseconds. */
#define itest_wait_for(cond, ms)                                                                  \
  ({                                                                                              \
    gint64 _end = g_get_monotonic_time() + (ms) * 1000;                                           \
    while (!(cond) && g_get_monotonic_time() < _end)                                              \
      g_usleep(2000);                                                                             \
    (cond);                                                                                       \
  })
