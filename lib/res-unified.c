/* unified: cgroup v2 files written as given, after everything else. A value of several lines
 * is written one line at a time (io.max, io.weight take one device per write). */
#include "config-internal.h"

#include "fileio.h"
#include "resources-private.h"

/* The old content as restoring writes, a line each; NULL for a file that cannot be read
 * (write-only files such as memory.reclaim: nothing to restore). */
static GPtrArray *old_content(int fd, const char *file, char **old)
{
  g_autoptr(GError) ignored = NULL;
  gsize len;
  *old = cgfs_read_alloc_at(fd, file, &len, &ignored);
  if (!*old)
    return NULL;
  while (len > 0 && (*old)[len - 1] == '\n')
    (*old)[--len] = '\0';
  GPtrArray *undo = g_ptr_array_new_with_free_func((GDestroyNotify)cgfs_file_write_free);
  g_auto(GStrv) lines = g_strsplit(*old, "\n", -1);
  for (char **l = lines; *l; l++)
    if (**l || !lines[1])
      g_ptr_array_add(undo, cgfs_file_write_new(fd, file, *l));
  return undo;
}

static gboolean plan_entry(CgfsPlan *p, const CgfsUnifiedEntry *e, GError **error)
{
  g_autofree char *field = g_strdup_printf("unified[\"%s\"]", e->key);
  const char *dot = strchr(e->key, '.');
  if (!dot || dot == e->key) {
    cgfs_set_error(error, EINVAL, "%s: not a cgroup v2 file name (controller.name)", field);
    return FALSE;
  }
  static const char *const not_limits[] = { "cgroup.procs", "cgroup.threads", "cgroup.kill",
                                             NULL };
  if (g_strv_contains(not_limits, e->key)) {
    cgfs_set_error(error, EINVAL, "%s: not a limit: processes are moved and killed through "
                   "their own files, not resources", field);
    return FALSE;
  }
  g_autofree char *controller = g_strndup(e->key, (gsize)(dot - e->key));
  int fd = cgfs_plan_dir(p, controller, field, error);
  if (fd < 0)
    return FALSE;
  if (!cgfs_exists_at(fd, e->key)) {
    cgfs_set_error(error, EOPNOTSUPP, "%s: not supported here: no %s in %s", field, e->key,
                   cgfs_cgroup_path(cgfs_plan_cgroup(p)));
    return FALSE;
  }
  g_autofree char *old = NULL;
  GPtrArray *undo = old_content(fd, e->key, &old);
  gboolean same = old && strcmp(old, e->value) == 0;
  g_auto(GStrv) lines = g_strsplit(e->value, "\n", -1);
  gboolean first = TRUE;
  for (char **l = lines; *l; l++) {
    if (!**l && !(first && !l[1]))
      continue; /* blank lines; "" alone is a value */
    CgfsPlannedWrite *pw = cgfs_plan_write_undo(p, fd, field, e->key, *l, first ? undo : NULL);
    pw->skip = same;
    first = FALSE;
  }
  if (first && undo)
    g_ptr_array_unref(undo);
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
