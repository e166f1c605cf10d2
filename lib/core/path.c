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
  /* Every load and mkdir validates its path: the components looked at in place (no split). */
  for (const char *c = path + 1;;) {
    const char *slash = strchr(c, '/');
    gsize len = slash ? (gsize)(slash - c) : strlen(c);
    if (len == 0) {
      cgfs_set_error(error, EINVAL, "invalid cgroup path '%s': empty component", path);
      return FALSE;
    }
    if (c[0] == '.' && (len == 1 || (len == 2 && c[1] == '.'))) {
      cgfs_set_error(error, EINVAL, "invalid cgroup path '%s': '%.*s' would leave the hierarchy",
                     path, (int)len, c);
      return FALSE;
    }
    if (len > NAME_MAX) {
      cgfs_set_error(error, EINVAL, "invalid cgroup path '%s': component longer than %d bytes",
                     path, NAME_MAX);
      return FALSE;
    }
    if (!slash)
      return TRUE;
    c = slash + 1;
  }
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
