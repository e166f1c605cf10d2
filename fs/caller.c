/* The caller of a request: who it is (FUSE's uid, gid and pid, /proc's supplementary groups),
 * and running kernel changes with its credentials so that the kernel applies its own checks
 * (docs/security.md).
 *
 * Credentials are switched for the calling thread only: the raw setresuid/setresgid/setgroups
 * system calls change one thread, where glibc's wrappers change every thread of the process. The
 * saved set-user-ID stays 0, which is what lets the thread become root again afterwards. */
#include <errno.h>
#include <linux/capability.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs.h"

void fs_caller_clear(FsCaller *c)
{
  g_clear_pointer(&c->groups, g_free);
  g_clear_pointer(&c->ns_root, cgfs_ns_root_unref);
  c->n_groups = 0;
}

/* The "Groups:" line of /proc/PID/status, if its "Uid:" line still names @uid as the file
 * system uid (the pid could have been reused by now: then no supplementary groups, the safe
 * side). */
static void read_groups(FsCaller *c)
{
  g_autofree char *file = g_strdup_printf("/proc/%d/status", (int)c->pid);
  g_autofree char *text = NULL;
  if (c->pid <= 0 || !g_file_get_contents(file, &text, NULL, NULL))
    return;
  g_autoptr(GArray) groups = g_array_new(FALSE, FALSE, sizeof(gid_t));
  gboolean uid_ok = FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    unsigned ruid, euid, suid, fsuid;
    unsigned long long eff;
    if (sscanf(*l, "Uid: %u %u %u %u", &ruid, &euid, &suid, &fsuid) == 4)
      uid_ok = fsuid == c->uid;
    if (sscanf(*l, "CapEff: %llx", &eff) == 1)
      c->cap_eff = eff;
    if (!g_str_has_prefix(*l, "Groups:"))
      continue;
    g_auto(GStrv) words = g_strsplit_set(*l + strlen("Groups:"), " \t", -1);
    for (char **w = words; *w; w++) {
      guint64 v;
      if (**w && g_ascii_string_to_unsigned(*w, 10, 0, G_MAXUINT32 - 1, &v, NULL)) {
        gid_t g = (gid_t)v;
        g_array_append_val(groups, g);
      }
    }
  }
  if (!uid_ok) {
    c->cap_eff = 0;
    return;
  }
  c->n_groups = groups->len;
  c->groups = (gid_t *)(void *)g_array_free(g_steal_pointer(&groups), FALSE);
}

/* The capabilities of thread @tid (0: the calling thread): one capget(2). */
static gboolean get_caps(pid_t tid, guint32 eff[2], guint32 perm[2])
{
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, tid };
  struct __user_cap_data_struct d[2] = { { 0 } }; /* (valgrind knows only the first) */
  if (syscall(SYS_capget, &h, d) != 0)
    return FALSE;
  for (int i = 0; i < 2; i++) {
    eff[i] = d[i].effective;
    perm[i] = d[i].permitted;
  }
  return TRUE;
}

/* Set this thread's effective capabilities (only this thread's: the raw system call). */
static gboolean set_effective(const guint32 eff[2])
{
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2] = { { 0 } }; /* (valgrind knows only the first) */
  if (syscall(SYS_capget, &h, d) != 0)
    return FALSE;
  for (int i = 0; i < 2; i++)
    d[i].effective = eff[i] & d[i].permitted;
  return syscall(SYS_capset, &h, d) == 0;
}

guint64 fs_caller_daemon_caps(void)
{
  guint32 eff[2] = { 0 }, perm[2] = { 0 };
  if (!get_caps(0, eff, perm))
    return 0;
  return ((guint64)perm[1] << 32) | perm[0];
}

int fs_caller_daemon_overrides_dac(void)
{
  guint32 eff[2] = { 0 }, perm[2] = { 0 };
  const guint32 dac = 1u << CAP_DAC_OVERRIDE;
  if (!get_caps(0, eff, perm))
    return -1;
  if (!(perm[0] & dac))
    return 0;
  return eff[0] & dac ? 1 : -1;
}

/* A root caller's effective capabilities, when they lack some of the daemon's (a container's
 * root): asked of the kernel with capget(2) on its thread, which is cheap. The thread that made
 * the request waits for the answer (the kernel lets a request in the daemon's hands end only
 * with the reply, even for a killed caller), so the number names it, with the credentials it
 * made the request with, until then. Unknown capabilities are none (the safe side). The
 * daemon's own are the ones it started with (d->cap_perm). */
static void read_root_caps(FsCaller *c)
{
  const FsDaemon *d = fs_daemon();
  guint32 eff[2] = { 0 }, perm[2] = { 0 };
  if (d->euid != 0 || c->pid <= 0)
    return;
  if (!get_caps(c->pid, eff, perm))
    eff[0] = eff[1] = 0;
  c->cap_eff = ((guint64)eff[1] << 32) | eff[0];
  c->caps_reduced = (c->cap_eff & d->cap_perm) != d->cap_perm;
}

static void init_id(FsCaller *c, const FsPath *p)
{
  const struct fuse_context *ctx = fuse_get_context();
  memset(c, 0, sizeof *c);
  c->uid = ctx->uid;
  c->gid = ctx->gid;
  c->pid = ctx->pid;
  c->ns_root = p->ns ? cgfs_ns_root_ref(p->ns) : NULL;
}

/* Per request that acts as its caller (mkdir, rmdir, chown, an open that may act as its
 * opener): FUSE gives the uid, gid and pid; a caller other than root also needs its
 * supplementary groups (/proc/PID/status) for the kernel's mode checks, root only its
 * capabilities (fs_caller_enter takes nothing else on for root). */
void fs_caller_init(FsCaller *c, const FsPath *p)
{
  init_id(c, p);
  if (fs_caller_is_root(c))
    read_root_caps(c);
  else
    read_groups(c);
  c->creds_known = TRUE;
}

void fs_caller_init_id(FsCaller *c, const FsPath *p)
{
  init_id(c, p);
}

void fs_caller_copy(FsCaller *dst, const FsCaller *src)
{
  *dst = *src;
  dst->groups = src->n_groups ? g_memdup2(src->groups, src->n_groups * sizeof(gid_t)) : NULL;
  dst->ns_root = src->ns_root ? cgfs_ns_root_ref(src->ns_root) : NULL;
}

gboolean fs_caller_is_root(const FsCaller *c)
{
  return c->uid == 0;
}

/* A thread that cannot become root again would do later callers' work with this caller's
 * credentials, or fail it: stop rather than serve wrongly. */
static void must(long r, const char *what)
{
  if (r != 0) {
    g_critical("cannot %s: %s; stopping", what, g_strerror(errno));
    abort();
  }
}

/* How many fs_caller_enter() of this thread switched something and are not left yet: while
 * above 0 the thread acts with a caller's credentials or capabilities. */
static __thread guint acting_depth;

gboolean fs_caller_acting(void)
{
  return acting_depth > 0;
}

int fs_thread_overrides_dac(gpointer daemon)
{
  const FsDaemon *d = daemon;
  if (d->dac_override == 0) /* not permitted: no switch can make it effective */
    return 0;
  return acting_depth > 0 ? -1 : d->dac_override;
}

gboolean fs_caller_enter(const FsCaller *c, FsSavedCreds *saved, GError **error)
{
  memset(saved, 0, sizeof *saved);
  /* Learnt only at the request that made @c (fs_caller_init_id left them out): acting without
   * them would lend the daemon's groups or capabilities. */
  if (!c->creds_known) {
    g_set_error(error, CGFS_ERROR, EIO, "uid %u: its credentials were not learnt at open",
                (unsigned)c->uid);
    return FALSE;
  }
  if (fs_caller_is_root(c) && c->caps_reduced) {
    guint32 perm[2];
    const guint32 want[2] = { (guint32)c->cap_eff, (guint32)(c->cap_eff >> 32) };
    if (!get_caps(0, saved->cap_eff, perm) || !set_effective(want)) {
      g_set_error(error, CGFS_ERROR, EIO, "cannot take on the caller's capabilities: %s",
                  g_strerror(errno));
      return FALSE;
    }
    saved->caps_switched = TRUE;
    acting_depth++;
    return TRUE;
  }
  if (fs_caller_is_root(c) || c->uid == geteuid())
    return TRUE;
  /* Only root can take on another user's credentials; an unprivileged daemon would lend its own
   * user's power to other users. */
  if (geteuid() != 0) {
    g_set_error(error, CGFS_ERROR, EPERM, "uid %u: this cgfs runs as uid %u and acts only for it",
                (unsigned)c->uid, (unsigned)geteuid());
    return FALSE;
  }
  gid_t sgid;
  getresgid(&saved->rgid, &saved->egid, &sgid);
  int n = getgroups(0, NULL);
  if (n < 0 || n > (int)G_N_ELEMENTS(saved->groups)) {
    g_set_error(error, CGFS_ERROR, EIO, "cannot act as uid %u: the daemon's groups: %s",
                (unsigned)c->uid, n < 0 ? g_strerror(errno) : "too many");
    return FALSE;
  }
  saved->n_groups = getgroups(n, saved->groups);
  if (syscall(SYS_setgroups, (size_t)c->n_groups, c->groups) != 0 ||
      syscall(SYS_setresgid, c->gid, c->gid, (gid_t)-1) != 0 ||
      syscall(SYS_setresuid, c->uid, c->uid, (uid_t)-1) != 0) {
    int e = errno;
    saved->switched = TRUE; /* undo what was switched */
    acting_depth++;
    fs_caller_leave(saved);
    g_set_error(error, CGFS_ERROR, EIO, "cannot act as uid %u: %s", (unsigned)c->uid,
                g_strerror(e));
    return FALSE;
  }
  saved->switched = TRUE;
  acting_depth++;
  return TRUE;
}

void fs_caller_leave(FsSavedCreds *saved)
{
  int e = errno; /* the caller's error stays */
  if (saved->caps_switched) {
    must(set_effective(saved->cap_eff) ? 0 : -1, "take the daemon's capabilities again");
    saved->caps_switched = FALSE;
    acting_depth--;
  }
  if (!saved->switched) {
    errno = e;
    return;
  }
  /* The saved set-user-ID 0 allows the way back; root's effective capabilities return with it. */
  must(syscall(SYS_setresuid, (uid_t)0, (uid_t)0, (uid_t)-1), "become root again");
  must(syscall(SYS_setresgid, saved->rgid, saved->egid, (gid_t)-1), "take the daemon's group again");
  must(syscall(SYS_setgroups, (size_t)saved->n_groups, saved->groups), "restore the groups");
  saved->switched = FALSE;
  acting_depth--;
  errno = e;
}

gboolean fs_caller_may_signal(const FsCaller *c, pid_t pid, GError **error)
{
  FsSavedCreds saved;
  if (!fs_caller_enter(c, &saved, error))
    return FALSE;
  int r = kill(pid, 0);
  int e = errno;
  fs_caller_leave(&saved);
  if (r == 0 || e == ESRCH)
    return TRUE;
  g_set_error(error, CGFS_ERROR, e, "process %d: uid %u may not signal it: %s", (int)pid,
              (unsigned)c->uid, g_strerror(e));
  return FALSE;
}

/* ---- the daemon itself ---- */

gboolean fs_is_daemon_task(pid_t pid)
{
  if (pid == getpid())
    return TRUE;
  g_autofree char *task = g_strdup_printf("/proc/self/task/%d", (int)pid);
  return access(task, F_OK) == 0;
}

gboolean fs_check_not_daemon(pid_t pid, GError **error)
{
  if (!fs_is_daemon_task(pid))
    return TRUE;
  g_set_error(error, CGFS_ERROR, EACCES,
              "process %d is the cgfs daemon: it cannot be moved through its own mount", (int)pid);
  return FALSE;
}

gboolean fs_check_daemon_outside(CgfsCgroup *cg, const char *what, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir))) {
    pid_t tid = (pid_t)atoi(name);
    if (tid > 0 && cgfs_cgroup_holds_task(cg, tid)) {
      g_set_error(error, CGFS_ERROR, EPERM,
                  "refusing to %s: the cgfs daemon (thread %d) is in this subtree", what,
                  (int)tid);
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- audit ---- */

/* The decimal digits of @v (and a '-' before them if @negative), at the end of @buf (24 bytes):
 * returns where they start; @buf ends with a NUL. */
static const char *decimal(char buf[24], gboolean negative, guint64 v)
{
  gsize i = 23;
  buf[i] = '\0';
  do
    buf[--i] = (char)('0' + v % 10);
  while ((v /= 10) > 0);
  if (negative)
    buf[--i] = '-';
  return buf + i;
}

/* Formatted once, on the stack when it fits (a limits write is one audited change: no
 * allocation for its line), and given to the log writer as it is: g_message would print it
 * into a new string again. */
void fs_audit(const FsCaller *c, const char *hpath, const char *format, ...)
{
  g_autofree char *formatted = NULL;
  const char *what = format;
  if (strchr(format, '%')) {
    va_list ap;
    va_start(ap, format);
    formatted = g_strdup_vprintf(format, ap);
    va_end(ap);
    what = formatted;
  } /* else what printf would make of it */
  char uid_buf[24], pid_buf[24];
  const char *parts[] = {
    "audit: uid ", decimal(uid_buf, FALSE, c->uid),
    " pid ", decimal(pid_buf, c->pid < 0, c->pid < 0 ? -(guint64)c->pid : (guint64)c->pid),
    ": ", hpath, ": ", what,
  };
  gsize lens[G_N_ELEMENTS(parts)];
  gsize need = 1;
  for (gsize i = 0; i < G_N_ELEMENTS(parts); i++)
    need += lens[i] = strlen(parts[i]);
  char stack[256];
  g_autofree char *heap = need > sizeof stack ? g_malloc(need) : NULL;
  char *line = heap ? heap : stack;
  char *at = line;
  for (gsize i = 0; i < G_N_ELEMENTS(parts); i++) {
    memcpy(at, parts[i], lens[i]);
    at += lens[i];
  }
  *at = '\0';
  const GLogField fields[] = {
    { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 },
    { "MESSAGE", line, -1 },
    { "PRIORITY", "5", -1 }, /* g_message's: notice */
  };
  g_log_structured_array(G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS(fields));
}
