#include "config-internal.h"

#include <limits.h>

#include "path.h"
#include "system-private.h"

gboolean cgfs_name_validate(const char *name, GError **error)
{
  if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/') ||
      strlen(name) > NAME_MAX) {
    cgfs_set_error(error, EINVAL, "invalid cgroup name '%s': must be one path component", name);
    return FALSE;
  }
  return TRUE;
}

gboolean cgfs_path_validate(const char *path, GError **error)
{
  if (!path || path[0] != '/') {
    cgfs_set_error(error, EINVAL, "invalid cgroup path '%s': not absolute", path ? path : "(null)");
    return FALSE;
  }
  if (strcmp(path, "/") == 0)
    return TRUE;
  g_auto(GStrv) parts = g_strsplit(path + 1, "/", -1);
  for (char **p = parts; *p; p++) {
    if (!**p) {
      cgfs_set_error(error, EINVAL, "invalid cgroup path '%s': empty component", path);
      return FALSE;
    }
    if (strcmp(*p, "..") == 0 || strcmp(*p, ".") == 0) {
      cgfs_set_error(error, EINVAL, "invalid cgroup path '%s': '%s' would leave the hierarchy",
                     path, *p);
      return FALSE;
    }
    if (strlen(*p) > NAME_MAX) {
      cgfs_set_error(error, EINVAL, "invalid cgroup path '%s': component longer than %d bytes",
                     path, NAME_MAX);
      return FALSE;
    }
  }
  return TRUE;
}

char *cgfs_path_child(const char *base, const char *name)
{
  if (strcmp(base, "/") == 0)
    return g_strconcat("/", name, NULL);
  return g_strconcat(base, "/", name, NULL);
}

static char *append_path(const char *dir, const char *path)
{
  return strcmp(path, "/") == 0 ? g_strdup(dir) : g_strconcat(dir, path, NULL);
}

char *cgfs_path_dir(const CgfsMount *m, CgfsPathSpec spec, GError **error)
{
  if (spec.kind == CGFS_PATH_STATIC)
    return append_path(m->dir, spec.path);
  g_autofree char *own = m->self_path ? cgfs_mount_dir_for(m, m->self_path) : NULL;
  if (!own) {
    cgfs_set_error(error, ENOENT,
                   "cannot find cgroup mount destination: this process's cgroup is not below %s",
                   m->mount_point);
    return NULL;
  }
  return append_path(own, spec.path);
}
