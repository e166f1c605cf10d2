#include "config-internal.h"

#include <limits.h>
#include <signal.h>
#include <sys/stat.h>

#include <cgfs/resources.h>
#include <cgfs/tree.h>

#include "backend.h"
#include "fileio.h"
#include "journal-private.h"
#include "path.h"
#include "systemd-private.h"

static void dir_clear(CgfsCgroupDir *d)
{
  g_clear_pointer(&d->kept, cgfs_kept_files_free);
  cgfs_close_fd(&d->fd);
  g_clear_pointer(&d->dir, g_free);
}

static gboolean has_mount(GArray *dirs, const CgfsMount *m)
{
  for (guint i = 0; i < dirs->len; i++)
    if (g_array_index(dirs, CgfsCgroupDir, i).mount == m)
      return TRUE;
  return FALSE;
}

/* In a systemd hierarchy a path is a chain of unit names below the manager's root cgroup. */
static gboolean systemd_path_check(CgfsHierarchy *h, CgfsPathSpec spec, GError **error)
{
  if (!cgfs_hierarchy_get_systemd(h))
    return TRUE;
  if (spec.kind != CGFS_PATH_STATIC) {
    cgfs_set_error(error, EINVAL,
                   "invalid cgroup path '%s': a systemd hierarchy takes unit paths, not paths "
                   "relative to the caller's cgroup", spec.path);
    return FALSE;
  }
  return cgfs_systemd_path_validate(spec.path, error);
}

/* The directory of @spec in mount @m: below the systemd manager's root cgroup if there is one. */
static char *dir_in_mount(CgfsHierarchy *h, const CgfsMount *m, CgfsPathSpec spec,
                          GError **error)
{
  CgfsSystemd *sd = cgfs_hierarchy_get_systemd(h);
  if (!sd || strcmp(cgfs_systemd_root(sd), "/") == 0)
    return cgfs_path_dir(m, spec, error);
  g_autofree char *full = strcmp(spec.path, "/") == 0
                              ? g_strdup(cgfs_systemd_root(sd))
                              : g_strconcat(cgfs_systemd_root(sd), spec.path, NULL);
  return cgfs_path_dir(m, CGFS_STATIC_PATH(full), error);
}

/* A cgroup object with one directory entry per mount, the directories not opened yet. */
static CgfsCgroup *cgroup_alloc(CgfsHierarchy *h, CgfsPathSpec spec, GError **error)
{
  if (!cgfs_path_validate(spec.path, error) || !systemd_path_check(h, spec, error))
    return NULL;
  g_autoptr(CgfsCgroup) cg = g_new0(CgfsCgroup, 1);
  cg->ref = 1;
  cg->h = cgfs_hierarchy_ref(h);
  cg->backend = cgfs_backend_select(h, spec.path);
  cg->kind = spec.kind;
  cg->path = g_strdup(spec.path);
  cg->dirs = g_array_sized_new(FALSE, TRUE, sizeof(CgfsCgroupDir), cgfs_hierarchy_n_subsystems(h));
  g_array_set_clear_func(cg->dirs, (GDestroyNotify)dir_clear);
  for (guint i = 0; i < cgfs_hierarchy_n_subsystems(h); i++) {
    const CgfsMount *m = cgfs_hierarchy_subsystem(h, i)->mount;
    if (has_mount(cg->dirs, m))
      continue;
    CgfsCgroupDir d = { m, dir_in_mount(h, m, spec, error), -1, NULL };
    if (!d.dir)
      return NULL;
    g_array_append_val(cg->dirs, d);
  }
  return g_steal_pointer(&cg);
}

/* Where @d->dir is reached from: its mount's kept fd and the path below it when it lies below
 * it (as it always does), else AT_FDCWD and the whole path. */
static int dir_base(CgfsHierarchy *h, const CgfsCgroupDir *d, const char **rel)
{
  int mount_fd = cgfs_hierarchy_mount_fd(h, d->mount);
  gsize n = strlen(d->mount->dir);
  if (mount_fd < 0 || strncmp(d->dir, d->mount->dir, n) != 0 ||
      (d->dir[n] != '/' && d->dir[n] != '\0')) {
    *rel = d->dir;
    return AT_FDCWD;
  }
  *rel = d->dir[n] && d->dir[n + 1] ? d->dir + n + 1 : ".";
  return mount_fd;
}

static int open_dir(CgfsHierarchy *h, const CgfsCgroupDir *d)
{
  const char *rel;
  int base = dir_base(h, d, &rel);
  return openat(base, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int cgfs_cgroup_stat_dir(const CgfsCgroup *cg, const CgfsCgroupDir *d, struct stat *st)
{
  const char *rel;
  int base = dir_base(cg->h, d, &rel);
  return fstatat(base, rel, st, 0);
}

/* A static path that cgfs_path_validate() accepts, checked without allocating (a walk stats
 * thousands of them). */
static gboolean plain_path(const char *path)
{
  if (path[0] != '/')
    return FALSE;
  for (const char *p = path + 1; *p;) {
    const char *slash = strchrnul(p, '/');
    gsize len = (gsize)(slash - p);
    if (len == 0 || len > NAME_MAX || (p[0] == '.' && (len == 1 || (len == 2 && p[1] == '.'))))
      return FALSE;
    p = *slash ? slash + 1 : slash;
    if (*slash && !*p)
      return FALSE; /* a trailing slash: an empty last component */
  }
  return TRUE;
}

#define MAX_QUICK_MOUNTS 16

/* Where the directories of @spec are, as (mount fd, path below it) for each distinct mount of
 * @h in order, without a cgroup object: what a stat by path needs. 0 when that does not apply
 * (a nested or systemd path, an invalid one, a mount fd missing): then build the object, which
 * also tells what is wrong. */
static guint quick_dirs(CgfsHierarchy *h, CgfsPathSpec spec, int *fds, const char **rel)
{
  if (spec.kind != CGFS_PATH_STATIC || cgfs_hierarchy_get_systemd(h) || !plain_path(spec.path))
    return 0;
  const CgfsMount *seen[MAX_QUICK_MOUNTS];
  guint n = 0;
  for (guint i = 0; i < cgfs_hierarchy_n_subsystems(h); i++) {
    const CgfsMount *m = cgfs_hierarchy_subsystem(h, i)->mount;
    gboolean again = FALSE;
    for (guint j = 0; j < n && !again; j++)
      again = seen[j] == m;
    if (again)
      continue;
    if (n == MAX_QUICK_MOUNTS || (fds[n] = cgfs_hierarchy_mount_fd(h, m)) < 0)
      return 0;
    seen[n++] = m;
  }
  *rel = spec.path[1] ? spec.path + 1 : ".";
  return n;
}

gboolean cgfs_cgroup_stat_path(CgfsHierarchy *h, CgfsPathSpec spec, struct stat *st,
                               GError **error)
{
  int fds[MAX_QUICK_MOUNTS];
  const char *rel;
  guint n = quick_dirs(h, spec, fds, &rel);
  int first = n > 0 ? fstatat(fds[0], rel, st, 0) : -1;
  if (first == 0 && S_ISDIR(st->st_mode))
    return TRUE;
  /* Not in the first hierarchy. The common case is a name that exists nowhere (the lookup
   * before every mkdir): one stat per other hierarchy says so, and one of a mount point that it
   * is the cgroup that is missing, not the hierarchy, as the load would (without opening the
   * first hierarchy again). Anything else (or not the plain case): the load finds where it is,
   * or tells what is missing and why. */
  if (n > 0 && first != 0 && (errno == ENOENT || errno == ENOTDIR)) {
    gboolean elsewhere = FALSE;
    for (guint i = 1; i < n && !elsewhere; i++) {
      struct stat other;
      elsewhere = fstatat(fds[i], rel, &other, 0) == 0 || (errno != ENOENT && errno != ENOTDIR);
    }
    if (!elsewhere && cgfs_exists_at(AT_FDCWD, cgfs_hierarchy_subsystem(h, 0)->mount->dir)) {
      cgfs_set_error(error, ENOENT, "no such cgroup: %s exists in no hierarchy", spec.path);
      return FALSE;
    }
  }
  g_autoptr(CgfsCgroup) loaded = cgfs_cgroup_load(h, spec, error);
  return loaded && cgfs_cgroup_stat(loaded, st, error);
}

int cgfs_cgroup_stat_file_path(CgfsHierarchy *h, CgfsPathSpec spec, const char *const *names,
                               struct stat *st)
{
  int fds[MAX_QUICK_MOUNTS];
  const char *rel;
  guint n = quick_dirs(h, spec, fds, &rel);
  if (n == 0)
    return -1;
  for (const char *const *name = names; *name; name++) {
    char path[PATH_MAX];
    if (g_snprintf(path, sizeof path, "%s/%s", rel, *name) >= (int)sizeof path)
      return -1;
    for (guint i = 0; i < n; i++) {
      if (fstatat(fds[i], path, st, AT_SYMLINK_NOFOLLOW) == 0)
        return 1;
      if (errno != ENOENT)
        return 0; /* as cgfs_cgroup_stat_file: an error is "not found" to a mirror */
    }
  }
  return 0;
}

gboolean cgfs_cgroup_leaf_path(CgfsHierarchy *h, CgfsPathSpec spec)
{
  int fds[MAX_QUICK_MOUNTS];
  const char *rel;
  guint n = quick_dirs(h, spec, fds, &rel);
  for (guint i = 0; i < n; i++) {
    struct stat st;
    /* Missing anywhere: the load decides (the cgroup, or a whole hierarchy gone). */
    if (fstatat(fds[i], rel, &st, 0) != 0 || !S_ISDIR(st.st_mode) || st.st_nlink != 2)
      return FALSE;
  }
  return n > 0;
}

static guint open_dirs(CgfsCgroup *cg, GError **error)
{
  guint found = 0;
  for (guint i = 0; i < cg->dirs->len; i++) {
    CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    cgfs_close_fd(&d->fd);
    d->fd = open_dir(cg->h, d);
    if (d->fd >= 0)
      found++;
    else if (errno != ENOENT && errno != ENOTDIR) {
      cgfs_set_errno(error, "cannot open cgroup directory %s", d->dir);
      return G_MAXUINT;
    }
  }
  return found;
}

static gboolean check_mounts_exist(CgfsCgroup *cg, GError **error)
{
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsMount *m = g_array_index(cg->dirs, CgfsCgroupDir, i).mount;
    struct stat st;
    if (stat(m->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
      cgfs_set_error(error, ENODEV, "cgroup mountpoint does not exist: %s", m->dir);
      return FALSE;
    }
  }
  return TRUE;
}

CgfsCgroup *cgfs_cgroup_load(CgfsHierarchy *h, CgfsPathSpec spec, GError **error)
{
  g_autoptr(CgfsCgroup) cg = cgroup_alloc(h, spec, error);
  if (!cg)
    return NULL;
  guint found = open_dirs(cg, error);
  if (found == G_MAXUINT)
    return NULL;
  /* Only when a directory is missing: is it the cgroup, or the whole hierarchy? Missing
   * everywhere (the common case: a name looked up that does not exist), one mount that is there
   * tells it is the cgroup. */
  gboolean first_mount_there =
    found == 0 && cgfs_exists_at(AT_FDCWD, g_array_index(cg->dirs, CgfsCgroupDir, 0).mount->dir);
  if (found < cg->dirs->len && !first_mount_there && !check_mounts_exist(cg, error))
    return NULL;
  if (found == 0) {
    cgfs_set_error(error, ENOENT, "no such cgroup: %s exists in no hierarchy", spec.path);
    return NULL;
  }
  return g_steal_pointer(&cg);
}

/* The part of @d->dir below which this call creates directories: the mount, or the caller's
 * own cgroup for nested paths. */
static char *creation_base(const CgfsCgroup *cg, const CgfsCgroupDir *d)
{
  gsize path_len = strcmp(cg->path, "/") == 0 ? 0 : strlen(cg->path);
  return g_strndup(d->dir, strlen(d->dir) - path_len);
}

static void remove_created(GPtrArray *created)
{
  for (guint i = created->len; i-- > 0;)
    if (rmdir(created->pdata[i]) != 0)
      g_debug("rollback: cannot remove %s: %s", (char *)created->pdata[i], g_strerror(errno));
}

/* mkdir -p of @d->dir, remembering every directory created in @created. */
static gboolean create_dir(CgfsCgroup *cg, CgfsCgroupDir *d, GPtrArray *created, GError **error)
{
  g_autofree char *base = creation_base(cg, d);
  cgfs_autofd parent = cgfs_open_dir_at(AT_FDCWD, base, error);
  if (parent < 0)
    return FALSE;
  g_autofree char *walk = g_strdup(base);
  g_auto(GStrv) parts = g_strsplit(cg->path + 1, "/", -1);
  for (char **p = parts; *p && **p; p++) {
    g_autofree char *next = g_strconcat(walk, "/", *p, NULL);
    gboolean made = mkdirat(parent, *p, 0755) == 0;
    if (!made && errno != EEXIST)
      return cgfs_set_errno(error, "cannot create cgroup %s", next);
    cgfs_autofd child = openat(parent, *p, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (child < 0) {
      cgfs_set_errno(error, "cannot open cgroup %s", next);
      return FALSE;
    }
    if (made) {
      g_ptr_array_add(created, g_strdup(next));
      if (cg->backend->init_dir && !cg->backend->init_dir(parent, *p, d->mount, error))
        return FALSE;
    }
    cgfs_close_fd(&parent);
    parent = child;
    child = -1;
    g_free(walk);
    walk = g_steal_pointer(&next);
  }
  return TRUE;
}

/* A manager makes the cgroup (a systemd unit); on a failure to apply @resources, it is removed
 * again. */
static CgfsCgroup *create_by_backend(CgfsCgroup *cg, pid_t pid, const CgfsResources *resources,
                                     GError **error)
{
  if (!cg->backend->create(cg, pid, error))
    return NULL;
  if (open_dirs(cg, error) != G_MAXUINT &&
      (!resources || cgfs_cgroup_update(cg, resources, error)))
    return cgfs_cgroup_ref(cg);
  g_autoptr(GError) undo = NULL;
  if (!cg->backend->remove(cg, &undo))
    g_debug("rollback: %s", undo->message);
  return NULL;
}

/* Below a systemd unit only the last component is made: the units above are systemd's. */
static gboolean parent_exists(CgfsCgroup *cg, GError **error)
{
  const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, 0);
  g_autofree char *parent = g_path_get_dirname(d->dir);
  if (g_file_test(parent, G_FILE_TEST_IS_DIR))
    return TRUE;
  g_autofree char *parent_path = g_path_get_dirname(cg->path);
  cgfs_set_error(error, ENOENT, "cannot create cgroup %s: its parent %s does not exist",
                 cg->path, parent_path);
  return FALSE;
}

CgfsCgroup *cgfs_cgroup_new_with_pid(CgfsHierarchy *h, CgfsPathSpec spec, pid_t pid,
                                     const CgfsResources *resources, GError **error)
{
  g_autoptr(CgfsCgroup) cg = cgroup_alloc(h, spec, error);
  if (!cg || !check_mounts_exist(cg, error))
    return NULL;
  if (cg->backend->create)
    return create_by_backend(cg, pid, resources, error);
  if (cgfs_hierarchy_get_systemd(h) && !parent_exists(cg, error))
    return NULL;
  g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < cg->dirs->len; i++) {
    if (!create_dir(cg, &g_array_index(cg->dirs, CgfsCgroupDir, i), created, error)) {
      remove_created(created);
      return NULL;
    }
  }
  if (open_dirs(cg, error) == G_MAXUINT) {
    remove_created(created);
    return NULL;
  }
  if (resources && !cgfs_cgroup_update(cg, resources, error)) {
    remove_created(created);
    return NULL;
  }
  return g_steal_pointer(&cg);
}

CgfsCgroup *cgfs_cgroup_new(CgfsHierarchy *h, CgfsPathSpec spec, const CgfsResources *resources,
                            GError **error)
{
  return cgfs_cgroup_new_with_pid(h, spec, 0, resources, error);
}

CgfsCgroup *cgfs_cgroup_new_child(CgfsCgroup *parent, const char *name,
                                  const CgfsResources *resources, GError **error)
{
  if (!cgfs_name_validate(name, error))
    return NULL;
  g_autofree char *path = cgfs_path_child(parent->path, name);
  CgfsPathSpec spec = { parent->kind, path };
  return cgfs_cgroup_new(parent->h, spec, resources, error);
}

/* A manager's unit (systemd): EEXIST if its cgroup is there, as mkdir(2) says. */
static CgfsCgroup *create_child_by_backend(CgfsCgroup *cg, GError **error)
{
  const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, 0);
  if (g_file_test(d->dir, G_FILE_TEST_IS_DIR)) {
    cgfs_set_error(error, EEXIST, "cgroup %s exists already (%s)", cg->path, d->dir);
    return NULL;
  }
  return create_by_backend(cg, 0, NULL, error);
}

/* Undo what make_dirs made: @name below the parent's first @n directories (each there was made),
 * closing what was opened into @cg (NULL: nothing was). */
static void unmake_dirs(CgfsCgroup *parent, CgfsCgroup *cg, guint n, const char *name)
{
  for (guint i = n; i-- > 0;) {
    const CgfsCgroupDir *pd = &g_array_index(parent->dirs, CgfsCgroupDir, i);
    if (cg)
      cgfs_close_fd(&g_array_index(cg->dirs, CgfsCgroupDir, i).fd);
    if (pd->fd >= 0 && unlinkat(pd->fd, name, AT_REMOVEDIR) != 0)
      g_debug("rollback: cannot remove %s/%s: %s", pd->dir, name, g_strerror(errno));
  }
}

/* mkdir of @name below the parent's directory @pd, initialised by @backend (v1 cpuset), and
 * opened into *@fd unless @fd is NULL. FALSE when the mkdir failed (nothing made); *made says
 * whether the directory was made, to be undone. */
static gboolean make_dir(const CgfsBackend *backend, const CgfsCgroupDir *pd, const char *name,
                         int *fd, gboolean *made, GError **error)
{
  *made = mkdirat(pd->fd, name, 0755) == 0;
  if (!*made) {
    int saved = errno;
    g_autofree char *dir = g_strconcat(pd->dir, "/", name, NULL);
    if (saved == EEXIST) {
      cgfs_set_error(error, EEXIST, "cgroup %s exists already (%s)", name, dir);
      return FALSE;
    }
    errno = saved;
    return cgfs_set_errno(error, "cannot create cgroup %s", dir);
  }
  if (fd && (*fd = openat(pd->fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    return cgfs_set_errno(error, "cannot open cgroup %s/%s", pd->dir, name);
  return !backend->init_dir || backend->init_dir(pd->fd, name, pd->mount, error);
}

/* mkdir of @name below each directory of @parent, in every hierarchy where the parent is: all
 * or, undone, nothing. Opened into @cg's directories (laid out as the parent's), unless @cg is
 * NULL. */
static gboolean make_dirs(CgfsCgroup *parent, const CgfsBackend *backend, const char *name,
                          CgfsCgroup *cg, GError **error)
{
  guint made = 0;
  for (guint i = 0; i < parent->dirs->len; i++) {
    const CgfsCgroupDir *pd = &g_array_index(parent->dirs, CgfsCgroupDir, i);
    CgfsCgroupDir *d = cg ? &g_array_index(cg->dirs, CgfsCgroupDir, i) : NULL;
    g_assert(!d || pd->mount == d->mount); /* both laid out from the same hierarchy */
    if (pd->fd < 0)
      continue; /* the parent is missing there: so is the child, as cgfs_cgroup_load sees it */
    gboolean this_made;
    if (!make_dir(backend, pd, name, d ? &d->fd : NULL, &this_made, error)) {
      unmake_dirs(parent, cg, i + this_made, name);
      return FALSE;
    }
    made++;
  }
  if (made == 0) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s exists in no subsystem", parent->path);
    return FALSE;
  }
  return TRUE;
}

CgfsCgroup *cgfs_cgroup_create_child(CgfsCgroup *parent, const char *name, GError **error)
{
  if (!cgfs_name_validate(name, error))
    return NULL;
  g_autofree char *path = cgfs_path_child(parent->path, name);
  g_autoptr(CgfsCgroup) cg = cgroup_alloc(parent->h, (CgfsPathSpec){ parent->kind, path }, error);
  if (!cg)
    return NULL;
  if (cg->backend->create)
    return create_child_by_backend(cg, error);
  g_assert(cg->dirs->len == parent->dirs->len);
  return make_dirs(parent, cg->backend, name, cg, error) ? g_steal_pointer(&cg) : NULL;
}

gboolean cgfs_cgroup_make_child(CgfsCgroup *parent, const char *name, GError **error)
{
  /* In a systemd hierarchy the new cgroup may be a unit, made by the manager. */
  if (cgfs_hierarchy_get_systemd(parent->h)) {
    g_autoptr(CgfsCgroup) cg = cgfs_cgroup_create_child(parent, name, error);
    return cg != NULL;
  }
  /* Elsewhere a child's backend is its parent's (v1 or v2), and a valid path below a valid
   * parent is a valid name: no object is needed, the directories are the parent's and @name. */
  return cgfs_name_validate(name, error) && make_dirs(parent, parent->backend, name, NULL, error);
}

CgfsCgroup *cgfs_cgroup_open_child(CgfsCgroup *parent, const char *name)
{
  if (!cgfs_name_validate(name, NULL))
    return NULL;
  g_autofree char *path = cgfs_path_child(parent->path, name);
  g_autoptr(CgfsCgroup) cg = cgroup_alloc(parent->h, (CgfsPathSpec){ parent->kind, path }, NULL);
  if (!cg || cg->dirs->len != parent->dirs->len)
    return NULL;
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *pd = &g_array_index(parent->dirs, CgfsCgroupDir, i);
    CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (pd->mount != d->mount || pd->fd < 0)
      return NULL;
    d->fd = openat(pd->fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d->fd < 0)
      return NULL;
  }
  return g_steal_pointer(&cg);
}

CgfsCgroup *cgfs_cgroup_ref(CgfsCgroup *cg)
{
  g_atomic_int_inc(&cg->ref);
  return cg;
}

void cgfs_cgroup_unref(CgfsCgroup *cg)
{
  if (cg && g_atomic_int_dec_and_test(&cg->ref)) {
    cgfs_fd_budget_release_cgroup(cg);
    if (cg->dirs)
      g_array_unref(cg->dirs);
    if (cg->h)
      cgfs_hierarchy_unref(cg->h);
    g_free(cg->path);
    g_free(cg);
  }
}

const char *cgfs_cgroup_path(const CgfsCgroup *cg)
{
  return cg->path;
}

CgfsHierarchy *cgfs_cgroup_hierarchy(const CgfsCgroup *cg)
{
  return cg->h;
}

int cgfs_cgroup_version(const CgfsCgroup *cg)
{
  return cgfs_hierarchy_version(cg->h);
}

const CgfsCgroupDir *cgfs_cgroup_dir(const CgfsCgroup *cg, const char *subsystem)
{
  if (cgfs_cgroup_version(cg) == 2)
    return &g_array_index(cg->dirs, CgfsCgroupDir, 0);
  const CgfsSubsystem *s = cgfs_hierarchy_find(cg->h, subsystem);
  if (!s)
    return NULL;
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->mount == s->mount)
      return d;
  }
  return NULL;
}

int cgfs_cgroup_fd(const CgfsCgroup *cg, const char *subsystem)
{
  const CgfsCgroupDir *d = cgfs_cgroup_dir(cg, subsystem);
  return d ? d->fd : -1;
}

const CgfsCgroupDir *cgfs_cgroup_first_dir(const CgfsCgroup *cg)
{
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd >= 0)
      return d;
  }
  return NULL;
}

char *cgfs_cgroup_dir_label(const CgfsCgroup *cg, const CgfsCgroupDir *d)
{
  if (cgfs_cgroup_version(cg) == 2)
    return g_strdup("unified");
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  for (guint i = 0; i < cgfs_hierarchy_n_subsystems(cg->h); i++) {
    const CgfsSubsystem *s = cgfs_hierarchy_subsystem(cg->h, i);
    if (s->mount == d->mount)
      g_ptr_array_add(names, (gpointer)s->name);
  }
  g_ptr_array_add(names, NULL);
  return g_strjoinv(",", (char **)names->pdata);
}

gboolean cgfs_cgroup_has_subsystem(const CgfsCgroup *cg, const char *name)
{
  if (cgfs_cgroup_version(cg) == 2) {
    g_auto(GStrv) names = cgfs_cgroup_subsystems(cg, NULL);
    return names && g_strv_contains((const char *const *)names, name);
  }
  return cgfs_cgroup_fd(cg, name) >= 0;
}

char **cgfs_cgroup_subsystems(const CgfsCgroup *cg, GError **error)
{
  return cg->backend->subsystems(cg, error);
}

void cgfs_backoff_sleep(guint attempt)
{
  g_usleep(1000u << MIN(attempt, 4u));
}

/* A delete reaches a cgroup's directories through the object's fds when it has them open
 * (cgfs_cgroup_delete), else by path below each mount's kept fd (cgfs_cgroup_remove: nothing
 * opened but the files it reads). @present says which directories are there to remove. */

/* @file of @d as openat()'s (directory fd, name): below @d's fd, or, when it is not open, the
 * path below its mount's fd, joined in @buf (PATH_MAX bytes); -1 (ENAMETOOLONG) when it does
 * not fit, as the kernel would say. */
static int file_at(const CgfsCgroup *cg, const CgfsCgroupDir *d, const char *file, char *buf,
                   const char **name)
{
  *name = file;
  if (d->fd >= 0)
    return d->fd;
  const char *rel;
  int base = dir_base(cg->h, d, &rel);
  gsize rel_len = strlen(rel), file_len = strlen(file);
  if (rel_len + 1 + file_len >= PATH_MAX) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(buf, rel, rel_len);
  buf[rel_len] = '/';
  memcpy(buf + rel_len + 1, file, file_len + 1);
  *name = buf;
  return base;
}

/* A directory's link count is 2 plus its subdirectories (kernfs keeps it so, as do disk file
 * systems): one stat tells a leaf, where listing the directory costs 7 system calls. A count
 * other than 2 (some file systems always say 1) is not trusted: the listing says. */
static gboolean is_leaf(const struct stat *st)
{
  return S_ISDIR(st->st_mode) && st->st_nlink == 2;
}

/* The first child cgroup of @d ("" when none; NULL on error). */
static char *first_child(const CgfsCgroup *cg, const CgfsCgroupDir *d, GError **error)
{
  if (d->fd >= 0)
    return cgfs_first_subdir_at(d->fd, error);
  const char *rel;
  int base = dir_base(cg->h, d, &rel);
  cgfs_autofd fd = cgfs_open_dir_at(base, rel, error);
  return fd < 0 ? NULL : cgfs_first_subdir_at(fd, error);
}

/* The first pid listed in @file below @fd (-1 if unreadable as one), 0 when it lists none: one
 * read into a small buffer (a longer list goes on in a heap buffer), no array of every pid. */
static gboolean first_pid_at(int fd, const char *file, pid_t *pid, GError **error)
{
  char buf[64];
  CgfsText text = { 0 };
  if (!cgfs_read_text_at(fd, file, FALSE, buf, sizeof buf, &text, error))
    return FALSE;
  long first = text.len > 0 ? strtol(text.text, NULL, 10) : 0;
  *pid = text.len == 0 ? 0 : first > 0 && first <= G_MAXINT ? (pid_t)first : -1;
  cgfs_text_clear(&text);
  return TRUE;
}

/* The first pid in @d's @file (see first_pid_at). */
static gboolean first_pid_in(const CgfsCgroup *cg, const CgfsCgroupDir *d, const char *file,
                             pid_t *pid, GError **error)
{
  char buf[PATH_MAX];
  const char *name;
  int at = file_at(cg, d, file, buf, &name);
  if (at == -1)
    return cgfs_set_errno(error, "cannot open %s/%s", d->dir, file);
  return first_pid_at(at, name, pid, error);
}

/* ENOTEMPTY if @d has a child cgroup, EBUSY if it holds a process. @st: @d's stat when the
 * caller has just taken it (NULL: taken here). */
static gboolean check_removable(const CgfsCgroup *cg, const CgfsCgroupDir *d,
                                const struct stat *st, GError **error)
{
  g_autoptr(GError) local = NULL;
  pid_t pid = 0;
  gboolean listed = first_pid_in(cg, d, cg->backend->procs_file, &pid, &local);
  /* A v2 threaded cgroup cannot list its processes (EOPNOTSUPP): its threads tell as well. */
  if (!listed && local->code == EOPNOTSUPP) {
    char buf[PATH_MAX];
    const char *name;
    int at = file_at(cg, d, "cgroup.threads", buf, &name);
    if (at != -1 && cgfs_exists_at(at, name))
      listed = first_pid_in(cg, d, "cgroup.threads", &pid, error);
    else
      g_propagate_error(error, g_steal_pointer(&local));
  } else if (!listed)
    g_propagate_error(error, g_steal_pointer(&local));
  if (!listed)
    return FALSE;
  struct stat now;
  if (!st && (d->fd >= 0 ? fstat(d->fd, &now) : cgfs_cgroup_stat_dir(cg, d, &now)) == 0)
    st = &now;
  g_autofree char *child = st && is_leaf(st) ? g_strdup("") : first_child(cg, d, error);
  if (!child)
    return FALSE;
  if (*child) {
    cgfs_set_error(error, ENOTEMPTY, "cannot delete cgroup %s: it has a child cgroup '%s'",
                   cg->path, child);
    return FALSE;
  }
  if (pid != 0) {
    cgfs_set_error(error, EBUSY, "cannot delete cgroup %s: process %d is still in %s", cg->path,
                   (int)pid, d->dir);
    return FALSE;
  }
  return TRUE;
}

/* rmdir of @d, retried briefly: a process that has just exited can keep a v1 cgroup busy. The
 * directory is named from its mount's kept fd (as a load opens it), not by its whole path: the
 * walk through /sys/fs/cgroup/<mount> is the part of an rmdir that is not the cgroup's own. */
static int remove_dir(CgfsHierarchy *h, const CgfsCgroupDir *d)
{
  const char *rel;
  int base = dir_base(h, d, &rel);
  for (guint attempt = 0;; attempt++) {
    if (unlinkat(base, rel, AT_REMOVEDIR) == 0 || errno == ENOENT)
      return 0;
    if (errno != EBUSY || attempt >= 8)
      return -1;
    cgfs_backoff_sleep(attempt);
  }
}

/* For the fault tests only (docs/architecture.md, "Test hooks"): CGFS_TEST_KILL_AFTER_REMOVALS=N
 * in the environment makes the process kill itself (SIGKILL) once a delete has removed N
 * directories (0: as soon as its record is written), to crash in the middle of one. Read once
 * per delete: -1 when unset. */
static gint64 delete_kill_at(void)
{
  const char *kill_at = g_getenv("CGFS_TEST_KILL_AFTER_REMOVALS");
  return kill_at && *kill_at ? (gint64)g_ascii_strtoull(kill_at, NULL, 10) : -1;
}

static void delete_test_hook(gint64 kill_at, guint removed)
{
  if (kill_at == (gint64)removed)
    raise(SIGKILL);
}

/* The directories present other than @done, removed already (the first). */
static gboolean remove_dirs(CgfsCgroup *cg, const gboolean *present, guint done, gint64 kill_at,
                            GError **error)
{
  guint removed = 1;
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (!present[i] || i == done)
      continue;
    if (remove_dir(cg->h, d) != 0)
      return cgfs_set_errno(error, "cannot delete cgroup %s (%s)", cg->path, d->dir);
    delete_test_hook(kill_at, ++removed);
  }
  return TRUE;
}

/* A delete cut short leaves the cgroup in some hierarchies only: recovery removes the rest (its
 * old limits are gone with the removed directories, so forward is the only consistent state).
 * None for a cgroup in one hierarchy (one rmdir: whole or not at all). Assembled as text, as
 * update records are (a JsonBuilder tree cost ~55 000 instructions per delete). */
static gboolean journal_delete(CgfsCgroup *cg, const gboolean *present, CgfsJournalRecord **out,
                               GError **error)
{
  if (!cgfs_cgroup_journal(cg))
    return TRUE;
  guint n = 0;
  for (guint i = 0; i < cg->dirs->len; i++)
    n += present[i] != FALSE;
  if (n <= 1)
    return TRUE;
  g_autoptr(GString) rec = cgfs_journal_text_start(cg, "delete");
  g_string_append(rec, ",\"dirs\":[");
  gboolean first = TRUE;
  for (guint i = 0; i < cg->dirs->len; i++) {
    if (!present[i])
      continue;
    if (!first)
      g_string_append_c(rec, ',');
    cgfs_json_append_string(rec, g_array_index(cg->dirs, CgfsCgroupDir, i).dir);
    first = FALSE;
  }
  g_string_append_c(rec, ']');
  return cgfs_journal_text_commit(cg, rec, out, error);
}

/* The directory a delete removes first, unchecked: the last one there (G_MAXUINT: none). */
static guint removed_first(const CgfsCgroup *cg, const gboolean *present)
{
  for (guint i = cg->dirs->len; i-- > 0;)
    if (present[i])
      return i;
  return G_MAXUINT;
}

/* Remove @d before any other directory: the kernel refuses (EBUSY) a cgroup with a process or a
 * child cgroup, and then nothing is removed yet, so its refusal is the check the other
 * directories get beforehand. Refused, the check says why (ENOTEMPTY or EBUSY and the process,
 * as for the others); found empty, it was a process that had just exited: retried briefly. */
static gboolean remove_first(CgfsCgroup *cg, const CgfsCgroupDir *d, GError **error)
{
  const char *rel;
  int base = dir_base(cg->h, d, &rel);
  for (guint attempt = 0;; attempt++) {
    if (unlinkat(base, rel, AT_REMOVEDIR) == 0 || errno == ENOENT)
      return TRUE;
    if ((errno != EBUSY && errno != ENOTEMPTY) || attempt >= 8)
      return cgfs_set_errno(error, "cannot delete cgroup %s (%s)", cg->path, d->dir);
    if (!check_removable(cg, d, NULL, error))
      return FALSE;
    cgfs_backoff_sleep(attempt);
  }
}

/* EACCES (nothing removed) unless the calling thread may remove @d from its parent: write and
 * search permission on the parent directory, which the kernel's rmdir checks in one hierarchy at
 * a time (a cgroup delegated in some hierarchies only would be removed from those before the
 * first refusal). */
static gboolean check_parent_writable(const CgfsCgroup *cg, const CgfsCgroupDir *d,
                                      GError **error)
{
  const char *rel;
  int base = dir_base(cg->h, d, &rel);
  const char *slash = strrchr(rel, '/');
  char parent[PATH_MAX];
  gsize len = slash ? (gsize)(slash - rel) : 0;
  if (len >= sizeof parent) {
    errno = ENAMETOOLONG;
    return cgfs_set_errno(error, "cannot delete cgroup %s (%s)", cg->path, d->dir);
  }
  memcpy(parent, rel, len);
  parent[len] = '\0';
  if (faccessat(base, slash ? (len ? parent : "/") : ".", W_OK | X_OK, AT_EACCESS) == 0)
    return TRUE;
  return cgfs_set_errno(error, "cannot delete cgroup %s (%s)", cg->path, d->dir);
}

/* Every directory but the one removed first (the kernel's refusal there comes before any
 * removal): the permission check of its rmdir, before anything is removed. Skipped with
 * CAP_DAC_OVERRIDE (one capget), which passes it everywhere. */
static gboolean check_parents_writable(const CgfsCgroup *cg, const gboolean *present, guint first,
                                       GError **error)
{
  guint others = 0;
  for (guint i = 0; i < cg->dirs->len; i++)
    others += present[i] && i != first;
  if (others == 0 || cgfs_thread_overrides_dac())
    return TRUE;
  for (guint i = 0; i < cg->dirs->len; i++)
    if (present[i] && i != first &&
        !check_parent_writable(cg, &g_array_index(cg->dirs, CgfsCgroupDir, i), error))
      return FALSE;
  return TRUE;
}

static gboolean is_root(const CgfsCgroup *cg, GError **error)
{
  if (strcmp(cg->path, "/") != 0 || cg->kind != CGFS_PATH_STATIC)
    return FALSE;
  cgfs_set_error(error, EBUSY, "cannot delete the root cgroup");
  return TRUE;
}

/* Delete the directories of @cg that are @present (@st: their stats, just taken; NULL: the
 * checks take them): all, or, refused, none. */
static gboolean delete_dirs(CgfsCgroup *cg, const gboolean *present, const struct stat *st,
                            GError **error)
{
  /* A backend's own remove (systemd) gets every directory checked. */
  guint first = cg->backend->remove ? G_MAXUINT : removed_first(cg, present);
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (present[i] && i != first && !check_removable(cg, d, st ? &st[i] : NULL, error))
      return FALSE;
  }
  if (cg->backend->remove)
    return cg->backend->remove(cg, error);
  if (!check_parents_writable(cg, present, first, error))
    return FALSE;
  CgfsJournalRecord *record = NULL;
  if (!journal_delete(cg, present, &record, error))
    return FALSE;
  gint64 kill_at = delete_kill_at();
  delete_test_hook(kill_at, 0);
  gboolean ok = first == G_MAXUINT ||
                remove_first(cg, &g_array_index(cg->dirs, CgfsCgroupDir, first), error);
  if (ok && first != G_MAXUINT) {
    delete_test_hook(kill_at, 1);
    ok = remove_dirs(cg, present, first, kill_at, error);
  }
  cgfs_journal_record_drop(record);
  return ok;
}

gboolean cgfs_cgroup_delete(CgfsCgroup *cg, GError **error)
{
  if (is_root(cg, error))
    return FALSE;
  gboolean *present = g_newa(gboolean, cg->dirs->len);
  for (guint i = 0; i < cg->dirs->len; i++)
    present[i] = g_array_index(cg->dirs, CgfsCgroupDir, i).fd >= 0;
  return delete_dirs(cg, present, NULL, error);
}

/* cgfs_cgroup_remove of a cgroup that is not a plain static path below the mounts (nested,
 * systemd): loaded, then deleted. */
static gboolean load_and_delete(CgfsHierarchy *h, CgfsPathSpec spec, GError **error)
{
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_load(h, spec, error);
  return cg && cgfs_cgroup_delete(cg, error);
}

gboolean cgfs_cgroup_remove(CgfsHierarchy *h, CgfsPathSpec spec, GError **error)
{
  if (spec.kind != CGFS_PATH_STATIC || cgfs_hierarchy_get_systemd(h))
    return load_and_delete(h, spec, error);
  g_autoptr(CgfsCgroup) cg = cgroup_alloc(h, spec, error);
  if (!cg || is_root(cg, error))
    return FALSE;
  if (cg->backend->remove)
    return load_and_delete(h, spec, error);
  /* Where it is: one stat per hierarchy, whose link count is also the check for children. */
  guint n = cg->dirs->len, found = 0;
  gboolean *present = g_newa(gboolean, n);
  struct stat *st = g_newa(struct stat, n);
  for (guint i = 0; i < n; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    int r = cgfs_cgroup_stat_dir(cg, d, &st[i]);
    if (r != 0 && errno != ENOENT && errno != ENOTDIR)
      return cgfs_set_errno(error, "cannot delete cgroup %s (%s)", cg->path, d->dir);
    present[i] = r == 0 && S_ISDIR(st[i].st_mode);
    found += present[i];
  }
  /* As a load tells: a directory missing because its whole hierarchy is (ENODEV). */
  gboolean first_mount_there =
    found == 0 && cgfs_exists_at(AT_FDCWD, g_array_index(cg->dirs, CgfsCgroupDir, 0).mount->dir);
  if (found < n && !first_mount_there && !check_mounts_exist(cg, error))
    return FALSE;
  if (found == 0) {
    cgfs_set_error(error, ENOENT, "no such cgroup: %s exists in no hierarchy", spec.path);
    return FALSE;
  }
  return delete_dirs(cg, present, st, error);
}
