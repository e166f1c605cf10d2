/* Pids as a caller in another pid namespace sees them: a pid written is read in the writer's
 * namespace, a pid read is shown in the reader's (left out if the reader cannot see it), as the
 * kernel does for cgroup.procs.
 *
 * The daemon's /proc shows, for every process, its pid at each level from the daemon's namespace
 * down ("NSpid:" in /proc/PID/status). A caller's namespace is at level L (its own NSpid has L+1
 * entries); a process is visible there if its NSpid has more than L entries and its namespace at
 * level L is the caller's (checked by walking up from its own namespace with NS_GET_PARENT). */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

/* The NSpid line of /proc/@dir/status: pids from the daemon's namespace down, or NULL. */
static GArray *nspids(const char *dir)
{
  g_autofree char *file = g_strdup_printf("%s/status", dir);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(file, &text, NULL, NULL))
    return NULL;
  const char *line = strstr(text, "\nNSpid:");
  if (!line)
    return NULL;
  g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(pid_t));
  const char *p = line + strlen("\nNSpid:");
  while (*p && *p != '\n') {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p)
      break;
    pid_t pid = (pid_t)v;
    g_array_append_val(out, pid);
    p = end;
  }
  return out->len ? g_steal_pointer(&out) : NULL;
}

static gboolean invisible(pid_t pid, FsPidNs *ns, GError **error)
{
  memset(ns, 0, sizeof *ns);
  g_set_error(error, CGFS_ERROR, ESRCH,
              "the caller (pid %d) is not visible in the daemon's pid namespace", (int)pid);
  return FALSE;
}

void fs_ns_link(char *buf, gsize size, pid_t pid, const char *name)
{
  char digits[16];
  char *d = digits + sizeof digits;
  *--d = '\0';
  guint v = pid > 0 ? (guint)pid : 0;
  do
    *--d = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  gsize digits_len = (gsize)(digits + sizeof digits - 1 - d), name_len = strlen(name);
  if (6 + digits_len + 4 + name_len + 1 > size) {
    g_strlcpy(buf, "", size);
    return;
  }
  char *p = buf;
  memcpy(p, "/proc/", 6);
  memcpy(p += 6, d, digits_len);
  memcpy(p += digits_len, "/ns/", 4);
  memcpy(p += 4, name, name_len + 1);
}

/* /proc, opened once: a link below it is read from there, without walking "/" and "proc" (and
 * the mount crossing) at every request: ~10 % of a caller's namespace readlink. The daemon's own
 * /proc, the one it started with: its pid namespace's, as the path named it then. -1: none. */
static int proc_dir(void)
{
  static gsize done;
  static int fd = -1;
  if (g_once_init_enter(&done)) {
    fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    g_once_init_leave(&done, 1);
  }
  return fd;
}

/* A readlink only formats the name, where a stat follows the link into nsfs (finding or making
 * its dentry): half the cost. */
guint64 fs_ns_link_inode(const char *link, const char *type)
{
  char target[64];
  int proc = g_str_has_prefix(link, "/proc/") ? proc_dir() : -1;
  ssize_t n = proc >= 0 ? readlinkat(proc, link + strlen("/proc/"), target, sizeof target - 1)
                        : readlink(link, target, sizeof target - 1);
  if (n <= 0)
    return 0;
  target[n] = '\0';
  gsize len = strlen(type);
  if (strncmp(target, type, len) != 0 || target[len] != ':' || target[len + 1] != '[')
    return 0;
  guint64 ino = 0;
  for (const char *c = target + len + 2; *c >= '0' && *c <= '9'; c++)
    ino = ino * 10 + (guint64)(*c - '0');
  return ino;
}

/* The daemon's own pid namespace: a process never changes its own (setns and unshare change
 * only its children's), so it is looked up once. */
static gboolean own_pidns(struct stat *out, guint64 *ino)
{
  static gsize done;
  static struct stat own;
  static guint64 own_ino;
  static gboolean ok;
  if (g_once_init_enter(&done)) {
    own_ino = fs_ns_link_inode("/proc/self/ns/pid", "pid");
    ok = stat("/proc/self/ns/pid", &own) == 0 && own_ino != 0 && own.st_ino == own_ino;
    g_once_init_leave(&done, 1);
  }
  *out = own;
  *ino = own_ino;
  return ok;
}

gboolean fs_pidns_of(pid_t pid, FsPidNs *ns, GError **error)
{
  memset(ns, 0, sizeof *ns);
  char link[48];
  fs_ns_link(link, sizeof link, pid, "pid");
  struct stat mine, theirs;
  guint64 mine_ino;
  if (pid <= 0 || !own_pidns(&mine, &mine_ino))
    return invisible(pid, ns, error);
  /* The common case, the daemon's own (level 0): one readlink, not a stat nor a read of
   * /proc/PID/status. Inode numbers of namespaces are unique among those alive, and the
   * daemon's own lives as long as the daemon, so a link naming its number is its namespace. */
  if (fs_ns_link_inode(link, "pid") == mine_ino) {
    ns->dev = mine.st_dev;
    ns->ino = mine.st_ino;
    ns->own = TRUE;
    return TRUE;
  }
  if (stat(link, &theirs) != 0)
    return invisible(pid, ns, error);
  ns->dev = theirs.st_dev;
  ns->ino = theirs.st_ino;
  ns->own = theirs.st_dev == mine.st_dev && theirs.st_ino == mine.st_ino;
  if (ns->own) /* (the readlink failed, the stat did not) */
    return TRUE;
  g_autofree char *dir = g_strdup_printf("/proc/%d", (int)pid);
  g_autoptr(GArray) levels = nspids(dir);
  if (!levels)
    return invisible(pid, ns, error);
  ns->level = levels->len - 1;
  return TRUE;
}

/* Whether the process (or thread) of /proc/@dir, with @levels, lives in @ns or below it. */
static gboolean lives_in(const char *dir, const GArray *levels, const FsPidNs *ns)
{
  if (levels->len <= ns->level)
    return FALSE;
  g_autofree char *link = g_strdup_printf("%s/ns/pid", dir);
  int fd = open(link, O_RDONLY | O_CLOEXEC);
  for (guint up = levels->len - 1 - ns->level; fd >= 0 && up > 0; up--) {
    int parent = ioctl(fd, NS_GET_PARENT);
    close(fd);
    fd = parent;
  }
  if (fd < 0)
    return FALSE;
  struct stat st;
  gboolean same = fstat(fd, &st) == 0 && st.st_dev == ns->dev && st.st_ino == ns->ino;
  close(fd);
  return same;
}

pid_t fs_pidns_show(const FsPidNs *ns, pid_t pid)
{
  if (ns->own)
    return pid;
  g_autofree char *dir = g_strdup_printf("/proc/%d", (int)pid);
  g_autoptr(GArray) levels = nspids(dir);
  if (!levels || !lives_in(dir, levels, ns))
    return 0;
  return g_array_index(levels, pid_t, ns->level);
}

/* Look for @pid as seen in @ns among /proc/@dir's entries (processes, or one's threads). */
static pid_t find_in(const char *dir, const FsPidNs *ns, pid_t pid)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    if (!g_ascii_isdigit(name[0]))
      continue;
    g_autofree char *sub = g_strdup_printf("%s/%s", dir, name);
    g_autoptr(GArray) levels = nspids(sub);
    if (levels && levels->len > ns->level && g_array_index(levels, pid_t, ns->level) == pid &&
        lives_in(sub, levels, ns))
      return g_array_index(levels, pid_t, 0);
  }
  return 0;
}

gboolean fs_pidns_resolve(const FsPidNs *ns, pid_t pid, gboolean thread, pid_t *out,
                          GError **error)
{
  if (ns->own) {
    *out = pid;
    return TRUE;
  }
  pid_t found = find_in("/proc", ns, pid);
  if (!found && thread) {
    /* A thread that leads no process is listed only below its process. */
    g_autoptr(GDir) d = g_dir_open("/proc", 0, NULL);
    const char *name;
    while (!found && d && (name = g_dir_read_name(d))) {
      if (!g_ascii_isdigit(name[0]))
        continue;
      g_autofree char *tasks = g_strdup_printf("/proc/%s/task", name);
      found = find_in(tasks, ns, pid);
    }
  }
  if (!found) {
    g_set_error(error, CGFS_ERROR, ESRCH,
                "invalid pid %d: no such process in the writer's pid namespace", (int)pid);
    return FALSE;
  }
  *out = found;
  return TRUE;
}
