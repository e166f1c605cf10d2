/* unified: cgroup v2 files written as given, after everything else. A value of several lines
 * is written one line at a time (io.max, io.weight take one device per write). */
#include "config-internal.h"

#include "fileio.h"
#include "resources-private.h"

/* Files of one line per key: a line restores to the old line of its key, or to the reset that
 * removes the key's entry. */
static const struct {
  const char *file;
  const char *reset;
} keyed_files[] = {
  { "io.max", " rbps=max wbps=max riops=max wiops=max" },
  { "io.weight", " default" },
  { "io.bfq.weight", " default" },
  { "io.latency", " target=0" },
  { "rdma.max", " hca_handle=max hca_object=max" },
  { "misc.max", " max" },
};

static const char *reset_of(const char *file)
{
  for (guint i = 0; i < G_N_ELEMENTS(keyed_files); i++)
    if (strcmp(keyed_files[i].file, file) == 0)
      return keyed_files[i].reset;
  return NULL;
}

static GPtrArray *new_undo(void)
{
  return g_ptr_array_new_with_free_func((GDestroyNotify)cgfs_file_write_free);
}

/* The whole old content back: as read when it is one line, a write per line otherwise. */
static GPtrArray *whole_undo(int fd, const char *file, const char *raw)
{
  GPtrArray *undo = new_undo();
  g_auto(GStrv) lines = g_strsplit(raw, "\n", -1);
  guint n = g_strv_length(lines);
  if (n == 1 || (n == 2 && !lines[1][0])) {
    g_ptr_array_add(undo, cgfs_file_write_new(fd, file, raw));
    return undo;
  }
  for (char **l = lines; *l; l++)
    if (**l)
      g_ptr_array_add(undo, cgfs_file_write_new(fd, file, *l));
  return undo;
}

static void add_keyed_line(CgfsPlan *p, int fd, const char *field, const char *file,
                           const char *line, char **old_lines, const char *reset)
{
  g_autofree char *key = g_strndup(line, strcspn(line, " "));
  const char *old = old_lines ? cgfs_res_find_line(old_lines, key) : NULL;
  g_autofree char *restore = old ? g_strdup(old) : g_strconcat(key, reset, NULL);
  GPtrArray *undo = NULL;
  if (old_lines) {
    undo = new_undo();
    g_ptr_array_add(undo, cgfs_file_write_new(fd, file, restore));
  }
  CgfsPlannedWrite *pw = cgfs_plan_write_undo(p, fd, field, file, line, undo);
  pw->skip = old && strcmp(old, line) == 0;
  pw->keyed = TRUE;
}

static gboolean check_entry(const CgfsUnifiedEntry *e, const char *field, char **controller,
                            GError **error)
{
  /* Of the core's cgroup.* files only these are limits; the others move processes, freeze,
   * kill, or change the tree (subtree_control, type), and could not be rolled back by writing
   * their old content. */
  static const char *const core_limits[] = { "cgroup.max.depth", "cgroup.max.descendants",
                                              NULL };
  const char *dot = strchr(e->key, '.');
  if (!dot || dot == e->key) {
    cgfs_set_error(error, EINVAL, "%s: not a cgroup v2 file name (controller.name)", field);
    return FALSE;
  }
  if (g_str_has_prefix(e->key, "cgroup.") && !g_strv_contains(core_limits, e->key)) {
    cgfs_set_error(error, EINVAL, "%s: not a limit: processes, freezing, controllers and the "
                   "cgroup's type have their own files, not resources", field);
    return FALSE;
  }
  *controller = g_strndup(e->key, (gsize)(dot - e->key));
  return TRUE;
}

static gboolean plan_entry(CgfsPlan *p, const CgfsUnifiedEntry *e, GError **error)
{
  g_autofree char *field = g_strdup_printf("unified[\"%s\"]", e->key);
  g_autofree char *controller = NULL;
  if (!check_entry(e, field, &controller, error))
    return FALSE;
  int fd = cgfs_plan_dir(p, controller, field, error);
  if (fd < 0)
    return FALSE;
  if (!cgfs_exists_at(fd, e->key))
    return cgfs_plan_missing_file(p, fd, field, e->key, error);
  /* A file that cannot be read (write-only, e.g. memory.reclaim) has nothing to restore. */
  g_autoptr(GError) unreadable = NULL;
  g_autofree char *raw = cgfs_read_alloc_at(fd, e->key, NULL, &unreadable);
  g_autofree char *old = raw ? g_strchomp(g_strdup(raw)) : NULL;
  g_auto(GStrv) old_lines = old ? g_strsplit(old, "\n", -1) : NULL;
  const char *reset = reset_of(e->key);
  g_auto(GStrv) lines = g_strsplit(e->value, "\n", -1);
  guint written = 0;
  for (char **l = lines; *l; l++) {
    if (!**l && (written || l[1]))
      continue; /* blank lines; "" alone is a value */
    if (reset) {
      add_keyed_line(p, fd, field, e->key, *l, old_lines, reset);
    } else {
      GPtrArray *undo = written == 0 && raw ? whole_undo(fd, e->key, raw) : NULL;
      CgfsPlannedWrite *pw = cgfs_plan_write_undo(p, fd, field, e->key, *l, undo);
      pw->skip = old && strcmp(old, e->value) == 0;
    }
    written++;
  }
  return TRUE;
}

static gboolean plan(CgfsPlan *p, const CgfsResources *r, GError **error)
{
  if (r->unified->len == 0)
    return TRUE;
  if (cgfs_plan_version(p) == 1) {
    cgfs_set_error(error, EOPNOTSUPP, "unified[\"%s\"]: cgroup v2 files cannot be set on a "
                   "cgroup v1 hierarchy", g_array_index(r->unified, CgfsUnifiedEntry, 0).key);
    return FALSE;
  }
  for (guint i = 0; i < r->unified->len; i++)
    if (!plan_entry(p, &g_array_index(r->unified, CgfsUnifiedEntry, i), error))
      return FALSE;
  return TRUE;
}

/* The controllers' read functions add the v2 files that have no OCI field. */
static gboolean read_back(CgfsCgroup *cg, CgfsResources *out, GError **error)
{
  return TRUE;
}

const CgfsResController cgfs_res_unified = { "unified", plan, read_back };
