/* Restart with no hand. A daemon killed with SIGKILL (or crashed) leaves its mount behind: every
 * access says ENOTCONN, libfuse refuses the path as a mount point, and a user had to run
 * `fusermount3 -u` by hand. A new daemon detaches that dead mount first, only if it is cgfs's. */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include "fs.h"
#include "takeover.h"

/* Dead mounts stacked on one mount point (each an earlier daemon that mounted over the last). */
#define TAKEOVER_MAX_DEPTH 16

/* Undo mountinfo's octal escapes (\040 for a space). */
static char *unescape(const char *s)
{
  GString *out = g_string_new(NULL);
  for (const char *p = s; *p; p++) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
        p[3] <= '7') {
      g_string_append_c(out, (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0')));
      p += 3;
    } else {
      g_string_append_c(out, *p);
    }
  }
  return g_string_free(out, FALSE);
}

/* The file system type of the topmost mount on the absolute path @path (the last line of
 * /proc/self/mountinfo that names it), or NULL. */
static char *top_mount_type(const char *path)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
    return NULL;
  char *type = NULL;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) f = g_strsplit(*l, " ", -1);
    if (g_strv_length(f) < 7)
      continue;
    g_autofree char *point = unescape(f[4]);
    guint sep = 6;
    while (f[sep] && strcmp(f[sep], "-") != 0)
      sep++;
    if (strcmp(point, path) == 0 && f[sep] && f[sep + 1]) {
      g_free(type);
      type = g_strdup(f[sep + 1]);
    }
  }
  return type;
}

/* @mountpoint made absolute without looking into it (it cannot be looked into: ENOTCONN). */
static char *absolute_mount_point(const char *mountpoint, GError **error)
{
  g_autofree char *trimmed = g_strdup(mountpoint);
  gsize n = strlen(trimmed);
  while (n > 1 && trimmed[n - 1] == '/')
    trimmed[--n] = '\0';
  g_autofree char *parent = g_path_get_dirname(trimmed);
  g_autofree char *base = g_path_get_basename(trimmed);
  g_autofree char *real_parent = realpath(parent, NULL);
  if (!real_parent) {
    int e = errno;
    g_set_error(error, CGFS_ERROR, e, "bad mount point %s: %s", mountpoint, g_strerror(e));
    return NULL;
  }
  return g_build_filename(real_parent, base, NULL);
}

static gboolean detach(const char *path, GError **error)
{
  if (umount2(path, MNT_DETACH) == 0)
    return TRUE;
  int e = errno;
  if (e != EPERM) {
    g_set_error(error, CGFS_ERROR, e, "cannot detach the dead mount on %s: %s", path,
                g_strerror(e));
    return FALSE;
  }
  /* Not privileged: fusermount3 unmounts what the same user mounted. */
  const char *argv[] = { "fusermount3", "-u", "-z", "--", path, NULL };
  int status = 0;
  g_autoptr(GError) local = NULL;
  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, &status, &local) ||
      !g_spawn_check_wait_status(status, &local)) {
    g_set_error(error, CGFS_ERROR, EPERM, "cannot detach the dead mount on %s: %s", path,
                local->message);
    return FALSE;
  }
  return TRUE;
}

/* Whether process @pid is a live fusermount3 auto_unmount watchdog of @path. */
static gboolean is_watchdog_of(const char *pid, const char *path)
{
  g_autofree char *file = g_strdup_printf("/proc/%s/cmdline", pid);
  g_autofree char *cmdline = NULL;
  gsize len = 0;
  if (!g_file_get_contents(file, &cmdline, &len, NULL) || len == 0)
    return FALSE; /* gone, or a zombie (an empty command line) */
  g_autofree char *prog = g_path_get_basename(cmdline);
  if (strcmp(prog, "fusermount3") != 0)
    return FALSE;
  gboolean auto_unmount = FALSE;
  const char *last = cmdline;
  for (const char *a = cmdline; a < cmdline + len; a += strlen(a) + 1) {
    auto_unmount = auto_unmount || strstr(a, "auto_unmount") != NULL;
    last = a;
  }
  return auto_unmount && strcmp(last, path) == 0;
}

static gboolean watchdog_alive(const char *path)
{
  g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
  for (const char *n = proc ? g_dir_read_name(proc) : NULL; n; n = g_dir_read_name(proc))
    if (g_ascii_isdigit(n[0]) && is_watchdog_of(n, path))
      return TRUE;
  return FALSE;
}

/* The dead daemon's auto_unmount watchdog unmounts by itself, checking only the mount's type:
 * mounting before it has acted would let it unmount the new mount. Wait for it (a moment). */
#define WATCHDOG_WAIT_MS 5000

static void wait_for_watchdog(const char *path)
{
  gint64 deadline = g_get_monotonic_time() + WATCHDOG_WAIT_MS * 1000;
  while (watchdog_alive(path) && g_get_monotonic_time() < deadline)
    g_usleep(20 * 1000);
}

gboolean fs_take_over_dead_mount(const char *mountpoint, guint *detached, GError **error)
{
  *detached = 0;
  struct statfs sfs;
  /* statfs reaches the daemon every time (a stat may be answered from the attribute cache). */
  if (statfs(mountpoint, &sfs) == 0 || errno != ENOTCONN)
    return TRUE;
  g_autofree char *path = absolute_mount_point(mountpoint, error);
  if (!path)
    return FALSE;
  wait_for_watchdog(path);
  if (statfs(mountpoint, &sfs) == 0 || errno != ENOTCONN)
    return TRUE; /* the watchdog unmounted it */
  for (guint depth = 0; depth < TAKEOVER_MAX_DEPTH; depth++) {
    g_autofree char *type = top_mount_type(path);
    if (!type || strcmp(type, "fuse.cgfs") != 0) {
      g_set_error(error, CGFS_ERROR, ENOTCONN,
                  "%s: the mount there (%s) is not connected and is not cgfs's: left alone", path,
                  type ? type : "not in mountinfo");
      return FALSE;
    }
    if (!detach(path, error))
      return FALSE;
    (*detached)++;
    if (statfs(mountpoint, &sfs) == 0 || errno != ENOTCONN)
      return TRUE;
  }
  g_set_error(error, CGFS_ERROR, ENOTCONN, "%s: more than %d dead mounts stacked there", path,
              TAKEOVER_MAX_DEPTH);
  return FALSE;
}

gboolean fs_auto_unmount_applies(const char *mountpoint)
{
  if (g_str_has_prefix(mountpoint, "/dev/fd/"))
    return FALSE;
  g_autofree char *fusermount = g_find_program_in_path("fusermount3");
  return fusermount != NULL;
}
