#include "config-internal.h"

#include <signal.h>
#include <sys/pidfd.h>

#include "backend.h"
#include "fileio.h"
#include "journal-private.h"
#include "system-private.h"

GArray *cgfs_read_pids_at(int dirfd, const char *file, GError **error)
{
  g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
  if (!cgfs_collect_pids(dirfd, file, FALSE, pids, error))
    return NULL;
  return g_steal_pointer(&pids);
}

static gboolean parse_pids(const char *text, const char *file, GArray *out, GError **error)
{
  const char *p = text;
  while (*p) {
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (end == p || errno || v <= 0 || v > G_MAXINT || (*end && *end != '\n')) {
      cgfs_set_error(error, EBADMSG, "%s: invalid file format: '%.20s' is not a pid", file, p);
      return FALSE;
    }
    pid_t pid = (pid_t)v;
    g_array_append_val(out, pid);
    p = *end ? end + 1 : end;
  }
  return TRUE;
}

typedef struct {
  const char *file;
  GArray *out;
} PidWalk;

static CgfsWalk collect_child(int child_fd, const char *name, gpointer data, GError **error)
{
  const PidWalk *w = data;
  return cgfs_collect_pids(child_fd, w->file, FALSE, w->out, error) ? CGFS_WALK_NEXT
                                                                    : CGFS_WALK_FAIL;
}

gboolean cgfs_collect_pids(int dirfd, const char *file, gboolean recursive, GArray *out,
                           GError **error)
{
  g_autofree char *text = cgfs_read_alloc_at(dirfd, file, NULL, error);
  if (!text || !parse_pids(text, file, out, error))
    return FALSE;
  PidWalk w = { file, out };
  /* The whole subtree with a few fds, however deep. */
  return !recursive || cgfs_walk_subtree_at(dirfd, collect_child, &w, error);
}

gboolean cgfs_write_pid_at(int dirfd, const char *dir, const char *file, pid_t pid,
                           GError **error)
{
  char value[32];
  g_snprintf(value, sizeof value, "%d", (int)pid);
  for (guint attempt = 0;; attempt++) {
    cgfs_autofd fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      return cgfs_set_errno(error, "cannot open %s/%s", dir, file);
    ssize_t n = write(fd, value, strlen(value));
    if (n >= 0)
      return TRUE;
    /* A task still in TASK_NEW is refused with EINVAL for a moment (runc retries too). */
    if (errno != EINVAL || attempt >= 4) {
      if (errno == ESRCH)
        return cgfs_set_errno(error, "invalid pid: no process %d to move into %s", (int)pid, dir);
      return cgfs_set_errno(error, "cannot move %d into %s", (int)pid, dir);
    }
    g_usleep(30 * 1000);
  }
}

static gboolean check_pid(pid_t pid, GError **error)
{
  if (pid <= 0) {
    cgfs_set_error(error, EINVAL, "invalid pid %d: must be greater than 0", (int)pid);
    return FALSE;
  }
  return TRUE;
}

/* The parsed /proc/PID/cgroup of @pid, or NULL when it has exited (or is not visible). */
static GArray *proc_cgroup_of(pid_t pid)
{
  g_autofree char *proc = g_strdup_printf("/proc/%d/cgroup", (int)pid);
  g_autofree char *text = cgfs_read_alloc_at(AT_FDCWD, proc, NULL, NULL);
  return text ? cgfs_parse_proc_cgroup(text, NULL) : NULL;
}

/* The absolute directory of the process described by @lines in mount @m, or NULL. */
static char *dir_in_mount(GArray *lines, const CgfsMount *m)
{
  for (guint j = 0; lines && j < lines->len; j++) {
    const CgfsSelfCgroup *c = &g_array_index(lines, CgfsSelfCgroup, j);
    if (c->hierarchy_id == m->hierarchy_id && m->hierarchy_id >= 0)
      return cgfs_mount_dir_for(m, c->path);
  }
  return NULL;
}

static gboolean is_below(const char *path, const char *ancestor)
{
  gsize n = strlen(ancestor);
  if (strcmp(ancestor, "/") == 0)
    return TRUE;
  return strncmp(path, ancestor, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static gboolean lines_below(GArray *lines, const CgfsCgroupDir *d)
{
  g_autofree char *dir = dir_in_mount(lines, d->mount);
  return dir && is_below(dir, d->dir);
}

gboolean cgfs_pid_is_below(pid_t pid, const CgfsCgroupDir *d)
{
  g_autoptr(GArray) lines = proc_cgroup_of(pid);
  return lines_below(lines, d);
}

char *cgfs_cgroup_task_subpath(CgfsCgroup *cg, pid_t pid, GError **error)
{
  g_return_val_if_fail(cg != NULL, NULL);
  const CgfsCgroupDir *d = cgfs_cgroup_first_dir(cg);
  g_autoptr(GArray) lines = pid > 0 ? proc_cgroup_of(pid) : NULL;
  if (!lines) {
    cgfs_set_error(error, ESRCH, "no process %d", (int)pid);
    return NULL;
  }
  g_autofree char *dir = d ? dir_in_mount(lines, d->mount) : NULL;
  if (!dir || !is_below(dir, d->dir)) {
    cgfs_set_error(error, ENOENT, "process %d is not in %s or below it", (int)pid, cg->path);
    return NULL;
  }
  const char *rest = dir + strlen(d->dir);
  return g_strdup(*rest == '/' ? rest + 1 : rest);
}

gboolean cgfs_cgroup_contains_process(CgfsCgroup *cg, pid_t pid, const char *subsystem)
{
  g_return_val_if_fail(cg != NULL, FALSE);
  /* A fake tree's pids are not this machine's processes. */
  if (pid <= 0 || *cgfs_system_prefix(cgfs_hierarchy_system(cg->h)))
    return FALSE;
  g_autoptr(GArray) lines = proc_cgroup_of(pid);
  for (guint i = 0; lines && i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (subsystem && d != cgfs_cgroup_dir(cg, subsystem))
      continue;
    if (lines_below(lines, d))
      return TRUE;
  }
  return FALSE;
}

/* Where @pid sits now in each of @cg's mounts (NULL where unknown), so that a move refused by a
 * later hierarchy can be undone in the earlier ones. */
static GPtrArray *current_dirs(CgfsCgroup *cg, pid_t pid)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GArray) lines = proc_cgroup_of(pid);
  for (guint i = 0; i < cg->dirs->len; i++)
    g_ptr_array_add(dirs, dir_in_mount(lines, g_array_index(cg->dirs, CgfsCgroupDir, i).mount));
  return dirs;
}

static gboolean is_below(const char *path, const char *ancestor);
static const CgfsCgroupDir *dest_dir(CgfsCgroup *dest, const CgfsMount *m);

/* The longest directory both @a and @b are at or below ("/x/a/b", "/x/c" -> "/x"). */
static char *common_ancestor(const char *a, const char *b)
{
  gsize end = 0;
  for (gsize i = 0;; i++) {
    char ca = a[i], cb = b[i];
    if ((ca == '/' || ca == '\0') && (cb == '/' || cb == '\0'))
      end = i;
    if (ca != cb || ca == '\0')
      break;
  }
  return end == 0 ? g_strdup("/") : g_strndup(a, end);
}

gboolean cgfs_cgroup_holds_task(CgfsCgroup *cg, pid_t tid)
{
  g_autoptr(GPtrArray) now = current_dirs(cg, tid);
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd >= 0 && now->pdata[i] && is_below(now->pdata[i], d->dir))
      return TRUE;
  }
  return FALSE;
}

/* Whether the calling thread may open @file of @dir for writing, as the kernel asks of a writer
 * of the common ancestor's procs file. */
static gboolean may_write(const char *dir, const char *file, pid_t pid, const char *dest,
                          GError **error)
{
  g_autofree char *path = g_build_filename(dir, file, NULL);
  cgfs_autofd fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0)
    return TRUE;
  return cgfs_set_errno(error,
                        "cannot move %d into %s: %s, the common ancestor's procs file, is not "
                        "writable",
                        (int)pid, dest, path);
}

gboolean cgfs_cgroup_check_move(CgfsCgroup *dest, pid_t pid, gboolean thread, CgfsCgroup *confine,
                                gboolean ancestor_rule, GError **error)
{
  g_autofree char *proc = g_strdup_printf("/proc/%d/cgroup", (int)pid);
  if (access(proc, F_OK) != 0) {
    cgfs_set_error(error, ESRCH, "invalid pid %d: no such process", (int)pid);
    return FALSE;
  }
  g_autoptr(GPtrArray) now = current_dirs(dest, pid);
  for (guint i = 0; i < dest->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(dest->dirs, CgfsCgroupDir, i);
    const char *src = now->pdata[i];
    if (d->fd < 0 || !src)
      continue;
    const CgfsCgroupDir *root = confine ? dest_dir(confine, d->mount) : NULL;
    if (root && root->dir && !is_below(src, root->dir)) {
      cgfs_set_error(error, ENOENT, "cannot move %d into %s: it is in %s, outside %s", (int)pid,
                     d->dir, src, root->dir);
      return FALSE;
    }
    g_autofree char *ancestor = common_ancestor(src, d->dir);
    if (ancestor_rule &&
        !may_write(ancestor, thread ? dest->backend->threads_file : dest->backend->procs_file,
                   pid, d->dir, error))
      return FALSE;
  }
  return TRUE;
}

static void move_back(GPtrArray *origin, guint upto, const char *file, pid_t pid)
{
  for (guint i = 0; i < upto; i++) {
    const char *dir = origin->pdata[i];
    cgfs_autofd fd = dir ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0 && !cgfs_write_pid_at(fd, dir, file, pid, NULL))
      g_debug("cannot move %d back to %s", (int)pid, dir);
  }
}

/* A move into a cgroup whose directory is missing in a hierarchy would leave the process split:
 * refused before anything moves. */
static gboolean check_complete(CgfsCgroup *cg, pid_t pid, GError **error)
{
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd < 0) {
      g_autofree char *label = cgfs_cgroup_dir_label(cg, d);
      cgfs_set_error(error, ENOENT, "cannot move %d into %s: the cgroup does not exist in the "
                     "%s hierarchy (%s)", (int)pid, cg->path, label, d->dir);
      return FALSE;
    }
  }
  return TRUE;
}

void cgfs_pid_children(pid_t pid, GArray *out)
{
  g_autofree char *task = g_strdup_printf("/proc/%d/task", (int)pid);
  g_autoptr(GDir) dir = g_dir_open(task, 0, NULL);
  for (const char *tid = dir ? g_dir_read_name(dir) : NULL; tid; tid = g_dir_read_name(dir)) {
    g_autofree char *path = g_strdup_printf("%s/%s/children", task, tid);
    g_autofree char *text = cgfs_read_alloc_at(AT_FDCWD, path, NULL, NULL);
    g_auto(GStrv) words = text ? g_strsplit_set(g_strstrip(text), " \n", -1) : NULL;
    for (char **w = words; w && *w; w++) {
      guint64 v;
      if (**w && g_ascii_string_to_unsigned(*w, 10, 1, G_MAXINT, &v, NULL)) {
        pid_t child = (pid_t)v;
        g_array_append_val(out, child);
      }
    }
  }
}

/* Join @cg everywhere @pid is not in it, if it is in it somewhere (split). TRUE if it moved. */
static gboolean join_if_split(CgfsCgroup *cg, pid_t pid, const char *file, gboolean *moved,
                              GError **error)
{
  g_autoptr(GArray) lines = proc_cgroup_of(pid);
  if (!lines)
    return TRUE; /* exited */
  guint inside = 0;
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    g_autofree char *dir = dir_in_mount(lines, d->mount);
    inside += dir && strcmp(dir, d->dir) == 0;
  }
  if (inside == 0 || inside == cg->dirs->len)
    return TRUE;
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    g_autoptr(GError) local = NULL;
    if (!cgfs_write_pid_at(d->fd, d->dir, file, pid, &local) && local->code != ESRCH) {
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
  }
  *moved = TRUE;
  return TRUE;
}

/* Rounds of checking a moved process's descendants before giving up on one that keeps forking. */
#define SPLIT_MAX_ROUNDS 100

/* A process that forks while it is moved leaves the child in @cg in the hierarchies written
 * before the fork and where it was in the others: split. No kernel interface moves a process
 * across hierarchies atomically, so once the process is in everywhere, its descendants are
 * checked until a pass finds none split, and each split one joins @cg everywhere (it was forked
 * after the move began, so it follows its parent). */
static gboolean gather_forked(CgfsCgroup *cg, pid_t pid, const char *file, GError **error)
{
  for (guint round = 0; round < SPLIT_MAX_ROUNDS; round++) {
    gboolean moved = FALSE;
    g_autoptr(GArray) todo = g_array_new(FALSE, FALSE, sizeof(pid_t));
    cgfs_pid_children(pid, todo);
    for (guint i = 0; i < todo->len; i++) {
      pid_t p = g_array_index(todo, pid_t, i);
      if (!join_if_split(cg, p, file, &moved, error))
        return FALSE;
      cgfs_pid_children(p, todo);
    }
    if (!moved)
      return TRUE;
  }
  cgfs_set_error(error, EBUSY, "cannot move %d into %s with its new children: they keep forking",
                 (int)pid, cg->path);
  return FALSE;
}

/* The hierarchies where @pid is not in @cg yet (its directory there differs from @origin's). */
static guint moves_of(CgfsCgroup *cg, GPtrArray *origin)
{
  guint n = 0;
  for (guint i = 0; i < cg->dirs->len; i++) {
    const char *from = origin->pdata[i];
    n += !from || strcmp(from, g_array_index(cg->dirs, CgfsCgroupDir, i).dir) != 0;
  }
  return n;
}

static void append_strings(GString *rec, const char *name, const char *const *values, guint n)
{
  g_string_append_printf(rec, ",\"%s\":[", name);
  for (guint i = 0; i < n; i++) {
    if (i)
      g_string_append_c(rec, ',');
    cgfs_json_append_string(rec, values[i] ? values[i] : "");
  }
  g_string_append_c(rec, ']');
}

/* The move's undo record: the process (and its start time, so that a later process with the
 * same number is left alone), where it was and where it goes, in every hierarchy. None when it
 * changes the process's cgroup in one hierarchy at most (already there elsewhere: a crash leaves
 * it where it was or where it goes, whole). Assembled as text, as update records are. */
static gboolean journal_move(CgfsCgroup *cg, pid_t pid, const char *file, GPtrArray *origin,
                             CgfsJournalRecord **out, GError **error)
{
  *out = NULL;
  if (!cgfs_cgroup_journal(cg) || moves_of(cg, origin) <= 1)
    return TRUE;
  g_autofree char *start = cgfs_journal_starttime(pid);
  if (!start)
    return TRUE; /* the process is gone: the writes will say so */
  g_autoptr(GString) rec = cgfs_journal_text_start(cg, "move");
  g_string_append_printf(rec, ",\"pid\":%d,\"starttime\":", (int)pid);
  cgfs_json_append_string(rec, start);
  g_string_append(rec, ",\"file\":");
  cgfs_json_append_string(rec, file);
  append_strings(rec, "from", (const char *const *)origin->pdata, origin->len);
  g_autofree const char **to = g_new(const char *, cg->dirs->len);
  for (guint i = 0; i < cg->dirs->len; i++)
    to[i] = g_array_index(cg->dirs, CgfsCgroupDir, i).dir;
  append_strings(rec, "to", to, cg->dirs->len);
  return cgfs_journal_text_commit(cg, rec, out, error);
}

static gboolean write_everywhere(CgfsCgroup *cg, pid_t pid, const char *file, gboolean process,
                                 GPtrArray *origin, GError **error)
{
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (cgfs_write_pid_at(d->fd, d->dir, file, pid, error))
      continue;
    if (origin)
      move_back(origin, i, file, pid);
    return FALSE;
  }
  return !process || cg->dirs->len < 2 || gather_forked(cg, pid, file, error);
}

/* Move @pid into every mount; if one refuses, move it back where it was in the others. */
static gboolean add_everywhere(CgfsCgroup *cg, pid_t pid, const char *file, gboolean process,
                               GError **error)
{
  if (!check_complete(cg, pid, error))
    return FALSE;
  g_autoptr(GPtrArray) origin = cg->dirs->len > 1 ? current_dirs(cg, pid) : NULL;
  CgfsJournalRecord *record = NULL;
  if (origin && !journal_move(cg, pid, file, origin, &record, error))
    return FALSE;
  gboolean ok = write_everywhere(cg, pid, file, process, origin, error);
  cgfs_journal_record_drop(record);
  return ok;
}

static gboolean add_task(CgfsCgroup *cg, pid_t pid, const char *subsystem, const char *file,
                         GError **error)
{
  if (!check_pid(pid, error))
    return FALSE;
  if (subsystem) {
    const CgfsCgroupDir *d = cgfs_cgroup_dir(cg, subsystem);
    if (!d || d->fd < 0) {
      cgfs_set_error(error, ENOENT, "cgroup %s has no %s subsystem", cg->path, subsystem);
      return FALSE;
    }
    return cgfs_write_pid_at(d->fd, d->dir, file, pid, error);
  }
  if (!cgfs_cgroup_first_dir(cg)) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s", cg->path);
    return FALSE;
  }
  if (cg->backend->attach && strcmp(file, cg->backend->procs_file) == 0)
    return cg->backend->attach(cg, pid, error);
  return add_everywhere(cg, pid, file, strcmp(file, cg->backend->procs_file) == 0, error);
}

gboolean cgfs_cgroup_add_process(CgfsCgroup *cg, pid_t pid, const char *subsystem,
                                 GError **error)
{
  return add_task(cg, pid, subsystem, cg->backend->procs_file, error);
}

gboolean cgfs_cgroup_add_thread(CgfsCgroup *cg, pid_t tid, const char *subsystem,
                                GError **error)
{
  return add_task(cg, tid, subsystem, cg->backend->threads_file, error);
}

static const CgfsCgroupDir *listing_dir(CgfsCgroup *cg, const char *subsystem, GError **error)
{
  const CgfsCgroupDir *d = subsystem ? cgfs_cgroup_dir(cg, subsystem) : cgfs_cgroup_first_dir(cg);
  if (!d) {
    if (subsystem)
      cgfs_set_error(error, ENOENT, "cgroup %s has no %s subsystem", cg->path, subsystem);
    else
      cgfs_set_error(error, ENOENT, "cgroup deleted: %s", cg->path);
    return NULL;
  }
  if (d->fd < 0) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s does not exist", d->dir);
    return NULL;
  }
  return d;
}

/* Whether a cached cgroup's pids may be read through a kept descriptor (pread at offset 0):
 * on v2 the kernel lists the tasks anew at every read from offset 0. Not on v1: its
 * cgroup.procs and tasks serve a list the kernel keeps for a second after each read of the same
 * open file (cgroup_pidlist_find()), and each read keeps it a second longer: a descriptor read
 * every few seconds could show pids gone long ago. v1 opens the file for every read. */
static gboolean kept_is_live(const CgfsCgroup *cg, gboolean recursive)
{
  return !recursive && cgfs_cgroup_version(cg) == 2;
}

static GArray *list_tasks(CgfsCgroup *cg, const char *subsystem, gboolean recursive,
                          const char *file, GError **error)
{
  const CgfsCgroupDir *d = listing_dir(cg, subsystem, error);
  if (!d)
    return NULL;
  g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
  if (kept_is_live(cg, recursive)) {
    g_autofree char *text = cgfs_kept_read_alloc(cg, d->fd, file, NULL, error);
    if (!text || !parse_pids(text, file, pids, error))
      return NULL;
  } else if (!cgfs_collect_pids(d->fd, file, recursive, pids, error)) {
    return NULL;
  }
  return g_steal_pointer(&pids);
}

GArray *cgfs_cgroup_processes(CgfsCgroup *cg, const char *subsystem, gboolean recursive,
                              GError **error)
{
  return list_tasks(cg, subsystem, recursive, cg->backend->procs_file, error);
}

GArray *cgfs_cgroup_threads(CgfsCgroup *cg, const char *subsystem, gboolean recursive,
                            GError **error)
{
  return list_tasks(cg, subsystem, recursive, cg->backend->threads_file, error);
}

static const CgfsCgroupDir *dest_dir(CgfsCgroup *dest, const CgfsMount *m)
{
  for (guint i = 0; i < dest->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(dest->dirs, CgfsCgroupDir, i);
    if (d->mount == m)
      return d;
  }
  return NULL;
}

/* Rounds of list-and-move before giving up on a subtree that keeps forking. */
#define MOVE_MAX_ROUNDS 1000

static gboolean move_dir(CgfsCgroup *cg, const CgfsCgroupDir *src, const CgfsCgroupDir *dst,
                         GError **error)
{
  return cgfs_move_all_dir(src->fd, src->dir, dst->fd, dst->dir, cg->backend->procs_file, error);
}

static gboolean check_move_to(CgfsCgroup *cg, CgfsCgroup *dest, GError **error)
{
  if (cgfs_cgroup_hierarchy(dest) != cg->h && cgfs_cgroup_version(dest) != cgfs_cgroup_version(cg)) {
    cgfs_set_error(error, EINVAL, "cannot move %s to %s: different cgroup versions", cg->path,
                   dest->path);
    return FALSE;
  }
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *src = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    const CgfsCgroupDir *dst = dest_dir(dest, src->mount);
    if (src->fd < 0)
      continue;
    if (!dst || dst->fd < 0) {
      cgfs_set_error(error, ENOENT, "cannot move %s to %s: the destination has no directory in %s",
                     cg->path, dest->path, src->mount->mount_point);
      return FALSE;
    }
    if (is_below(dst->dir, src->dir)) {
      cgfs_set_error(error, EINVAL, "cannot move %s into its own subtree %s", src->dir, dst->dir);
      return FALSE;
    }
  }
  return TRUE;
}

/* Moving a subtree's processes goes hierarchy by hierarchy: a crash in between leaves them
 * split. Recovery completes the move (forward: the processes were asked to leave). */
static gboolean journal_move_all(CgfsCgroup *cg, CgfsCgroup *dest, CgfsJournalRecord **out,
                                 GError **error)
{
  g_autoptr(JsonBuilder) b = cg->dirs->len > 1 ? cgfs_journal_record_start(cg, "move_all") : NULL;
  if (b) {
    json_builder_set_member_name(b, "file");
    json_builder_add_string_value(b, cg->backend->procs_file);
    json_builder_set_member_name(b, "pairs");
    json_builder_begin_array(b);
    for (guint i = 0; i < cg->dirs->len; i++) {
      const CgfsCgroupDir *src = &g_array_index(cg->dirs, CgfsCgroupDir, i);
      const CgfsCgroupDir *dst = dest_dir(dest, src->mount);
      if (src->fd < 0 || !dst)
        continue;
      json_builder_begin_array(b);
      json_builder_add_string_value(b, src->dir);
      json_builder_add_string_value(b, dst->dir);
      json_builder_end_array(b);
    }
    json_builder_end_array(b);
  }
  return cgfs_journal_record_commit(cg, b, out, error);
}

gboolean cgfs_cgroup_move_to(CgfsCgroup *cg, CgfsCgroup *dest, GError **error)
{
  if (!check_move_to(cg, dest, error))
    return FALSE;
  CgfsJournalRecord *record = NULL;
  if (!journal_move_all(cg, dest, &record, error))
    return FALSE;
  gboolean ok = TRUE;
  for (guint i = 0; i < cg->dirs->len && ok; i++) {
    const CgfsCgroupDir *src = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    const CgfsCgroupDir *dst = dest_dir(dest, src->mount);
    if (src->fd >= 0 && dst) /* both checked by check_move_to */
      ok = move_dir(cg, src, dst, error);
  }
  cgfs_journal_record_drop(record);
  return ok;
}

gboolean cgfs_move_all_dir(int src_fd, const char *src_dir, int dst_fd, const char *dst_dir,
                           const char *file, GError **error)
{
  for (guint round = 0; round < MOVE_MAX_ROUNDS; round++) {
    g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
    if (!cgfs_collect_pids(src_fd, file, TRUE, pids, error))
      return FALSE;
    if (pids->len == 0)
      return TRUE;
    for (guint i = 0; i < pids->len; i++) {
      g_autoptr(GError) local = NULL;
      pid_t pid = g_array_index(pids, pid_t, i);
      if (!cgfs_write_pid_at(dst_fd, dst_dir, file, pid, &local) && local->code != ESRCH) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
      }
    }
  }
  cgfs_set_error(error, EBUSY, "cannot empty %s: processes keep appearing", src_dir);
  return FALSE;
}

/* Signal @pid only if it is the process listed in @d's subtree: the pidfd pins the process, so
 * a number reused after the listing (an unfrozen subtree) is never signalled. 1 signalled, 0
 * gone or elsewhere, -1 error. */
static int signal_if_below(pid_t pid, const CgfsCgroupDir *d, int sig, GError **error)
{
  cgfs_autofd pidfd = pidfd_open(pid, 0);
  int r;
  if (pidfd >= 0)
    r = cgfs_pid_is_below(pid, d) ? pidfd_send_signal(pidfd, sig, NULL, 0) : 1;
  else if (errno == ENOSYS)
    r = kill(pid, sig); /* no pidfd (before Linux 5.3): the listing is all there is */
  else
    r = -1;
  if (r == 0)
    return 1;
  if (r > 0 || errno == ESRCH)
    return 0;
  cgfs_set_errno(error, "cannot signal process %d", (int)pid);
  return -1;
}

gssize cgfs_signal_subtree(const CgfsCgroupDir *d, const char *file, int sig,
                           const CgfsKillGate *gate, GError **error)
{
  g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
  if (!cgfs_collect_pids(d->fd, file, TRUE, pids, error))
    return -1;
  /* Every process is accepted before the first is signalled: all or nothing. */
  for (guint i = 0; gate && i < pids->len; i++)
    if (!gate->check(g_array_index(pids, pid_t, i), gate->data, error))
      return -1;
  gssize sent = 0;
  for (guint i = 0; i < pids->len; i++) {
    int r = signal_if_below(g_array_index(pids, pid_t, i), d, sig, error);
    if (r < 0)
      return -1;
    sent += r;
  }
  return sent;
}

gboolean cgfs_wait_empty(int dirfd, const char *file, guint timeout_ms, GError **error)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  for (guint attempt = 0;; attempt++) {
    g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
    if (!cgfs_collect_pids(dirfd, file, TRUE, pids, error))
      return FALSE;
    if (pids->len == 0)
      return TRUE;
    if (g_get_monotonic_time() > deadline) {
      cgfs_set_error(error, ETIMEDOUT, "process %d is still there after %u ms",
                     g_array_index(pids, pid_t, 0), timeout_ms);
      return FALSE;
    }
    cgfs_backoff_sleep(attempt);
  }
}

gboolean cgfs_cgroup_freeze(CgfsCgroup *cg, GError **error)
{
  /* The caller would be frozen before it could see the result, and nothing would thaw it. */
  if (cgfs_cgroup_contains_process(cg, getpid(), "freezer")) {
    cgfs_set_error(error, EDEADLK, "cannot freeze %s: the calling process %d is in it", cg->path,
                   (int)getpid());
    return FALSE;
  }
  return cg->backend->set_frozen(cg, TRUE, error);
}

gboolean cgfs_cgroup_thaw(CgfsCgroup *cg, GError **error)
{
  return cg->backend->set_frozen(cg, FALSE, error);
}

CgfsState cgfs_cgroup_state(CgfsCgroup *cg, GError **error)
{
  return cg->backend->state(cg, error);
}

const char *cgfs_state_to_string(CgfsState state)
{
  switch (state) {
  case CGFS_STATE_THAWED:
    return "thawed";
  case CGFS_STATE_FREEZING:
    return "freezing";
  case CGFS_STATE_FROZEN:
    return "frozen";
  case CGFS_STATE_DELETED:
    return "deleted";
  case CGFS_STATE_UNKNOWN:
  default:
    return "unknown";
  }
}

gboolean cgfs_cgroup_kill(CgfsCgroup *cg, GError **error)
{
  return cg->backend->kill(cg, NULL, error);
}

gboolean cgfs_cgroup_kill_checked(CgfsCgroup *cg, CgfsKillCheck check, gpointer data,
                                  GError **error)
{
  const CgfsKillGate gate = { check, data };
  return cg->backend->kill(cg, check ? &gate : NULL, error);
}
