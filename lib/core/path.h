/* Internal: validating cgroup paths and placing them in a mount. */
#pragma once

#include "config-internal.h"

#include <cgfs/cgroup.h>

/* EINVAL unless @path is "/" or "/a/b" with no empty, "." or ".." component. */
gboolean cgfs_path_validate(const char *path, GError **error);
/* EINVAL unless @name is one component fit to be a cgroup directory. */
gboolean cgfs_name_validate(const char *name, GError **error);
/* @base + "/" + @name, without doubling the slash of a root @base. */
char *cgfs_path_child(const char *base, const char *name);
/* The directory that @spec names within mount @m. ENOENT when the caller's own cgroup (nested
 * paths) cannot be found below the mount. */
char *cgfs_path_dir(const CgfsMount *m, CgfsPathSpec spec, GError **error);
