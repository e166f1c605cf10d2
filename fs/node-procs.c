/* procs and threads: the pids (tids) of a cgroup; writing one moves it in. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "fs.h"

gboolean fs_parse_pid(const char *word, pid_t writer, pid_t *out, GError **error)
{
  guint64 v = 0;
  if (!g_ascii_string_to_unsigned(word, 10, 0, G_MAXINT, &v, NULL)) {
    g_set_error(error, CGFS_ERROR, EINVAL, "invalid pid '%s': not a decimal number from 0 to %d",
                word, G_MAXINT);
    return FALSE;
  }
  if (v > 0) {
    *out = (pid_t)v;
    return TRUE;
  }
  /* FUSE reports 0 for a writer outside the daemon's pid namespace. */
  if (writer <= 0) {
    g_set_error(error, CGFS_ERROR, ESRCH,
                "invalid pid 0: the writing process is not visible in the daemon's pid namespace");
    return FALSE;
  }
  *out = writer;
  return TRUE;
}

/* The start of a pid: decimal digits, not yet above the largest. */
gboolean fs_check_partial_pid(const char *start, GError **error)
{
  guint64 v = 0;
  if (strspn(start, "0123456789") == strlen(start) && strlen(start) <= 10 &&
      g_ascii_string_to_unsigned(start, 10, 0, G_MAXINT, &v, NULL))
    return TRUE;
  g_set_error(error, CGFS_ERROR, EINVAL, "invalid pid '%s...': not a decimal number from 0 to %d",
              start, G_MAXINT);
  return FALSE;
}

/* Every word a pid, every pid alive: checked before anything moves. A pid other than 0 is read
 * in the writer's pid namespace, as the kernel reads a pid written to cgroup.procs. */
static GArray *parse_all(FsRequest *rq, char **words, guint n, gboolean threads, GError **error)
{
  pid_t writer = rq->caller;
  g_autoptr(GArray) pids = g_array_sized_new(FALSE, FALSE, sizeof(pid_t), n);
  FsPidNs ns;
  gboolean have_ns = FALSE;
  for (guint i = 0; i < n; i++) {
    pid_t pid;
    if (!fs_parse_pid(words[i], writer, &pid, error))
      return NULL;
    gboolean zero = strspn(words[i], "0") == strlen(words[i]); /* "0": the writer itself */
    if (!zero) {
      /* A word completed at close() may have been written by a process gone since: then the
       * namespace is the opener's, never simply the daemon's. */
      if (!have_ns && !fs_pidns_of(writer, &ns, NULL) && !fs_pidns_of(rq->who->pid, &ns, error))
        return NULL;
      have_ns = TRUE;
      if (!fs_pidns_resolve(&ns, pid, threads, &pid, error))
        return NULL;
    }
    if (kill(pid, 0) != 0 && errno == ESRCH) {
      g_set_error(error, CGFS_ERROR, ESRCH, "invalid pid %d: no such process", (int)pid);
      return NULL;
    }
    g_array_append_val(pids, pid);
  }
  return g_steal_pointer(&pids);
}

/* What the kernel would not check itself, for every pid before anything moves: the daemon's own
 * threads stay where they are, --root confines pids as it confines paths, and on v1, which has
 * no such rule, the v2 migration rule is applied for callers other than root. */
static gboolean check_moves(FsRequest *rq, GArray *pids, gboolean threads, GError **error)
{
  g_autoptr(CgfsCgroup) top = NULL;
  if (strcmp(rq->d->root, "/") != 0 && !(top = fs_load(rq->d, "/", NULL, error)))
    return FALSE;
  /* systemd moves processes into a new scope as root: the kernel checks nothing there either. */
  gboolean kernel_checks = cgfs_cgroup_version(rq->cg) == 2 &&
                           !cgfs_hierarchy_is_systemd(cgfs_cgroup_hierarchy(rq->cg));
  gboolean ancestor_rule = !kernel_checks && !fs_caller_is_root(rq->who);
  /* The kernel's cgroup namespace rule (cgroup2 with nsdelegate: the source must be at or below
   * the writer's namespace root, or ENOENT) does not see the caller's namespace when the daemon
   * writes, and v1 has none: applied here, after the ancestor rule as the kernel orders them. */
  CgfsNsRoot *ns = rq->who->ns_root;
  for (guint i = 0; i < pids->len; i++) {
    pid_t pid = g_array_index(pids, pid_t, i);
    if (!fs_check_not_daemon(pid, error) ||
        !cgfs_cgroup_check_move(rq->cg, pid, threads, top, FALSE, error))
      return FALSE;
    if (!ancestor_rule && !ns)
      continue;
    FsSavedCreds saved;
    if (!fs_caller_enter(rq->who, &saved, error))
      return FALSE;
    gboolean ok = cgfs_cgroup_check_move(rq->cg, pid, threads, NULL, TRUE, error);
    fs_caller_leave(&saved);
    if (!ok || (ns && !cgfs_ns_root_check_task(ns, pid, error)))
      return FALSE;
  }
  return TRUE;
}

static gboolean move_tasks(FsRequest *rq, char **words, guint n, gboolean threads,
                           GError **error)
{
  g_autoptr(GArray) pids = parse_all(rq, words, n, threads, error);
  if (!pids || !check_moves(rq, pids, threads, error))
    return FALSE;
  for (guint i = 0; i < pids->len; i++) {
    pid_t pid = g_array_index(pids, pid_t, i);
    FsSavedCreds saved;
    if (!fs_caller_enter(rq->who, &saved, error))
      return FALSE;
    gboolean ok = threads ? cgfs_cgroup_add_thread(rq->cg, pid, NULL, error)
                          : cgfs_cgroup_add_process(rq->cg, pid, NULL, error);
    fs_caller_leave(&saved);
    if (!ok)
      return FALSE;
    fs_audit(rq->who, rq->path, "moved %s %d in", threads ? "thread" : "process", (int)pid);
  }
  return TRUE;
}

/* "PID\n" without printf's machinery (a list of thousands of pids at every open). */
static void append_pid(GString *out, pid_t pid)
{
  char text[16];
  char *p = text + sizeof text;
  *--p = '\n';
  guint v = pid > 0 ? (guint)pid : 0;
  do
    *--p = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  g_string_append_len(out, p, text + sizeof text - p);
}

/* In the reader's pid namespace, as cgroupfs shows them: a pid the reader cannot see is left out
 * on v1 and shown as 0 on v2 (the kernel's task_pid_vnr). A reader the daemon cannot see (FUSE's
 * pid 0) gets the daemon's numbers. */
static char *format_pids(FsRequest *rq, GArray *pids, gsize *len)
{
  FsPidNs ns = { .own = TRUE };
  /* (an empty list has nothing to translate: no look at the reader's namespace) */
  if (pids->len > 0 && rq->caller > 0 && !fs_pidns_of(rq->caller, &ns, NULL))
    ns.own = TRUE;
  gboolean zeros = cgfs_cgroup_version(rq->cg) == 2;
  GString *out = g_string_sized_new(pids->len * 8);
  for (guint i = 0; i < pids->len; i++) {
    pid_t shown = fs_pidns_show(&ns, g_array_index(pids, pid_t, i));
    if (shown > 0 || zeros)
      append_pid(out, shown);
  }
  *len = out->len;
  return g_string_free(out, FALSE);
}

static char *read_procs(FsRequest *rq, gsize *len, GError **error)
{
  g_autoptr(GArray) pids = cgfs_cgroup_processes(rq->cg, NULL, FALSE, error);
  return pids ? format_pids(rq, pids, len) : NULL;
}

static char *read_threads(FsRequest *rq, gsize *len, GError **error)
{
  g_autoptr(GArray) tids = cgfs_cgroup_threads(rq->cg, NULL, FALSE, error);
  return tids ? format_pids(rq, tids, len) : NULL;
}

/* systemd hierarchy: "NAME.scope PID..." written to a slice's procs starts the transient scope
 * NAME.scope there with those processes (a scope cannot exist without one, so mkdir cannot
 * make it). docs/tree.md. */
static gboolean is_scope_name(const char *word)
{
  return g_str_has_suffix(word, ".scope") && strlen(word) > strlen(".scope");
}

static gboolean start_scope(FsRequest *rq, char **words, guint n, GError **error)
{
  if (n < 2) {
    g_set_error(error, CGFS_ERROR, EINVAL,
                "cannot start scope %s: a scope needs a process: write '%s PID'", words[0],
                words[0]);
    return FALSE;
  }
  /* systemd moves them as root: the checks a move through procs gets are made here. */
  g_autoptr(GArray) pids = parse_all(rq, words + 1, n - 1, FALSE, error);
  if (!pids || !check_moves(rq, pids, FALSE, error))
    return FALSE;
  const char *base = cgfs_cgroup_path(rq->cg);
  g_autofree char *path = g_strconcat(strcmp(base, "/") == 0 ? "" : base, "/", words[0], NULL);
  g_autoptr(CgfsCgroup) scope = cgfs_cgroup_new_scope(
      cgfs_cgroup_hierarchy(rq->cg), path, g_array_index(pids, pid_t, 0), NULL, error);
  if (!scope)
    return FALSE;
  for (guint i = 1; i < pids->len; i++)
    if (!cgfs_cgroup_add_process(scope, g_array_index(pids, pid_t, i), NULL, error))
      return FALSE;
  fs_audit(rq->who, rq->path, "started scope %s with %u processes", words[0], pids->len);
  return TRUE;
}

static gboolean write_procs(FsRequest *rq, char **words, guint n, GError **error)
{
  if (n > 0 && is_scope_name(words[0]) && cgfs_hierarchy_is_systemd(cgfs_cgroup_hierarchy(rq->cg)))
    return start_scope(rq, words, n, error);
  return move_tasks(rq, words, n, FALSE, error);
}

static gboolean write_threads(FsRequest *rq, char **words, guint n, GError **error)
{
  return move_tasks(rq, words, n, TRUE, error);
}

const FsNode fs_node_procs = {
  .name = "procs",
  .mask = 0666,
  .mirror_v1 = (const char *const[]){ "cgroup.procs", NULL },
  .mirror_v2 = (const char *const[]){ "cgroup.procs", NULL },
  .read = read_procs,
  .read_as_daemon = TRUE,
  .write_kind = FS_WRITE_TOKENS,
  .write = write_procs,
  .check_partial = fs_check_partial_pid,
};

const FsNode fs_node_threads = {
  .name = "threads",
  .mask = 0666,
  .mirror_v1 = (const char *const[]){ "tasks", NULL },
  .mirror_v2 = (const char *const[]){ "cgroup.threads", NULL },
  .read = read_threads,
  .read_as_daemon = TRUE,
  .write_kind = FS_WRITE_TOKENS,
  .write = write_threads,
  .check_partial = fs_check_partial_pid,
};
