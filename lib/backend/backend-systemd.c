/* The systemd backend: cgroups that are units of a systemd manager.
 *
 * A unit's cgroup (a slice, a scope, or a service loaded as it is) is made, removed, joined,
 * frozen and limited through systemd, which then keeps it: nothing is pruned or overwritten at
 * the next daemon-reload. Everything that only reads (state, stats, processes, events, the
 * limits read back) and killing go to the machine's cgroupfs backend (v1 or v2), in the
 * directory systemd's ControlGroup names. Plain cgroups below a delegated unit use the cgroupfs
 * backend itself (cgfs_backend_select). */
#include "config-internal.h"

#include "backend.h"
#include "resources-private.h"
#include "systemd-private.h"

static const CgfsBackend *base(const CgfsCgroup *cg)
{
  return cgfs_cgroup_version(cg) == 2 ? &cgfs_backend_v2 : &cgfs_backend_v1;
}

static CgfsSystemd *manager(const CgfsCgroup *cg)
{
  return cgfs_hierarchy_get_systemd(cg->h);
}

static char *unit_of(const CgfsCgroup *cg)
{
  return cgfs_systemd_path_unit(cg->path);
}

/* systemd acts with the credentials the connection was opened with, not the calling thread's.
 * So that a caller gets what the kernel would give it on cgroupfs (a daemon switches a thread to
 * its caller's credentials), each change is made only if the calling thread could write the
 * file (or directory) the same change needs on cgroupfs: @file of @dir (NULL: @dir itself). */
static gboolean may_write(const char *dir, const char *file, const char *what, GError **error)
{
  g_autofree char *path = file ? g_build_filename(dir, file, NULL) : g_strdup(dir);
  if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0 || errno == ENOENT)
    return TRUE;
  return cgfs_set_errno(error, "cannot %s: no write access to %s", what, path);
}

static gboolean may_write_parent(const CgfsCgroup *cg, const char *what, GError **error)
{
  const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, 0);
  g_autofree char *parent = g_path_get_dirname(d->dir);
  return may_write(parent, NULL, what, error);
}

static gboolean may_write_file(const CgfsCgroup *cg, const char *subsystem, const char *file,
                               const char *what, GError **error)
{
  const CgfsCgroupDir *d = subsystem ? cgfs_cgroup_dir(cg, subsystem) : NULL;
  if (!d || d->fd < 0)
    d = cgfs_cgroup_first_dir(cg);
  return !d || may_write(d->dir, file, what, error);
}

/* ---- what the cgroupfs backend does ---- */

static CgfsState sd_state(CgfsCgroup *cg, GError **error)
{
  return base(cg)->state(cg, error);
}

static gboolean sd_kill(CgfsCgroup *cg, const CgfsKillGate *gate, GError **error)
{
  return base(cg)->kill(cg, gate, error);
}

static char **sd_subsystems(const CgfsCgroup *cg, GError **error)
{
  return base(cg)->subsystems(cg, error);
}

static gboolean sd_stats(CgfsCgroup *cg, CgfsStats *out, GError **error)
{
  return base(cg)->stats(cg, out, error);
}

/* ---- freezer ---- */

static gboolean sd_set_frozen(CgfsCgroup *cg, gboolean frozen, GError **error)
{
  g_autofree char *unit = unit_of(cg);
  g_autofree char *what = g_strdup_printf("%s unit %s", frozen ? "freeze" : "thaw", unit);
  gboolean v2 = cgfs_cgroup_version(cg) == 2;
  if (!may_write_file(cg, "freezer", v2 ? "cgroup.freeze" : "freezer.state", what, error))
    return FALSE;
  g_autoptr(GError) local = NULL;
  if (cgfs_systemd_set_frozen(manager(cg), unit, frozen, &local))
    return TRUE;
  if (local->code != EOPNOTSUPP) {
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  /* systemd before 246, or on cgroup v1: the kernel's freezer directly. */
  const CgfsCgroupDir *fz = v2 ? NULL : cgfs_cgroup_dir(cg, "freezer");
  if (fz && fz->fd < 0) {
    cgfs_set_error(error, EOPNOTSUPP,
                   "cannot %s: systemd cannot freeze on cgroup v1 and makes no cgroup for its "
                   "units in the freezer hierarchy",
                   what);
    return FALSE;
  }
  return base(cg)->set_frozen(cg, frozen, error);
}

/* ---- creating and removing units ---- */

static void add_accounting(GVariantBuilder *b, int version)
{
  const char *names[] = { "MemoryAccounting", "CPUAccounting", "TasksAccounting",
                          version == 2 ? "IOAccounting" : "BlockIOAccounting" };
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
    g_variant_builder_add(b, "(sv)", names[i], g_variant_new_boolean(TRUE));
}

/* What a new unit is started with (runc's choices): a slice is placed by its name and wants
 * its parent; a scope goes into its slice with the process, delegated. */
static GVariant *start_properties(const CgfsCgroup *cg, CgfsUnitKind kind, pid_t pid)
{
  g_autofree char *parent = cgfs_systemd_parent_slice(cg->path);
  GVariantBuilder b;
  g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
  g_autofree char *description = g_strdup_printf("cgfs %s", cg->path);
  g_variant_builder_add(&b, "(sv)", "Description", g_variant_new_string(description));
  g_variant_builder_add(&b, "(sv)", "DefaultDependencies", g_variant_new_boolean(FALSE));
  if (kind == CGFS_UNIT_SLICE) {
    if (strcmp(parent, "-.slice") != 0) {
      const char *wants[] = { parent, NULL };
      g_variant_builder_add(&b, "(sv)", "Wants", g_variant_new_strv(wants, -1));
    }
  } else {
    g_variant_builder_add(&b, "(sv)", "Slice", g_variant_new_string(parent));
    g_variant_builder_add(&b, "(sv)", "Delegate", g_variant_new_boolean(TRUE));
    guint32 p = (guint32)pid;
    g_variant_builder_add(&b, "(sv)", "PIDs",
                          g_variant_new_fixed_array(G_VARIANT_TYPE_UINT32, &p, 1, sizeof p));
  }
  add_accounting(&b, cgfs_cgroup_version(cg));
  return g_variant_builder_end(&b);
}

/* The unit exists already: reuse it if it runs (a scope takes @pid in). */
static gboolean reuse_unit(CgfsCgroup *cg, const char *unit, pid_t pid, GError **error)
{
  g_autoptr(GError) local = NULL;
  if (!cgfs_systemd_unit_active(manager(cg), unit, &local)) {
    cgfs_set_error(error, EEXIST, "cannot create unit %s: it exists and is not active%s%s", unit,
                   local ? ": " : "", local ? local->message : "");
    return FALSE;
  }
  return pid <= 0 || cgfs_systemd_attach(manager(cg), unit, pid, error);
}

static gboolean sd_create(CgfsCgroup *cg, pid_t pid, GError **error)
{
  g_autofree char *unit = unit_of(cg);
  CgfsUnitKind kind = cgfs_systemd_unit_kind(unit);
  if (kind != CGFS_UNIT_SLICE && kind != CGFS_UNIT_SCOPE) {
    cgfs_set_error(error, EOPNOTSUPP,
                   "cannot create unit %s: cgfs creates slices and scopes, other units come "
                   "from unit files",
                   unit);
    return FALSE;
  }
  if (kind == CGFS_UNIT_SCOPE && pid <= 0) {
    cgfs_set_error(error, EINVAL,
                   "cannot create scope %s: a scope needs a process: start it with its first "
                   "pid (cgfs_cgroup_new_scope; in a cgfs mount, write '%s PID' to the "
                   "slice's procs)",
                   unit, unit);
    return FALSE;
  }
  if (kind == CGFS_UNIT_SLICE && pid > 0) {
    cgfs_set_error(error, EINVAL, "cannot put process %d in slice %s: slices hold only units",
                   (int)pid, unit);
    return FALSE;
  }
  g_autofree char *what = g_strdup_printf("create unit %s", unit);
  if (!may_write_parent(cg, what, error))
    return FALSE;
  g_autoptr(GError) local = NULL;
  if (cgfs_systemd_start_transient(manager(cg), unit, start_properties(cg, kind, pid), &local))
    return TRUE;
  if (local->code == EEXIST)
    return reuse_unit(cg, unit, pid, error);
  g_propagate_error(error, g_steal_pointer(&local));
  return FALSE;
}

static gboolean sd_remove(CgfsCgroup *cg, GError **error)
{
  g_autofree char *unit = unit_of(cg);
  g_autofree char *what = g_strdup_printf("stop unit %s", unit);
  if (!may_write_parent(cg, what, error))
    return FALSE;
  g_autoptr(GError) local = NULL;
  if (cgfs_systemd_stop(manager(cg), unit, &local))
    return TRUE;
  if (local->code == ENOENT)
    cgfs_set_error(error, ENOENT, "cgroup deleted: unit %s is not loaded", unit);
  else
    g_propagate_error(error, g_steal_pointer(&local));
  return FALSE;
}

/* ---- processes ---- */

static gboolean write_everywhere(CgfsCgroup *cg, pid_t pid, GError **error)
{
  for (guint i = 0; i < cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(cg->dirs, CgfsCgroupDir, i);
    if (d->fd >= 0 && !cgfs_write_pid_at(d->fd, d->dir, "cgroup.procs", pid, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean sd_attach(CgfsCgroup *cg, pid_t pid, GError **error)
{
  g_autofree char *unit = unit_of(cg);
  g_autofree char *what = g_strdup_printf("move process %d into unit %s", (int)pid, unit);
  if (!may_write_file(cg, NULL, "cgroup.procs", what, error))
    return FALSE;
  g_autoptr(GError) local = NULL;
  if (cgfs_systemd_attach(manager(cg), unit, pid, &local))
    return TRUE;
  if (local->code != EOPNOTSUPP || cgfs_systemd_unit_kind(unit) == CGFS_UNIT_SLICE) {
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  /* systemd before 238 has no AttachProcessesToUnit: a delegated unit's cgroup is ours. */
  return write_everywhere(cg, pid, error);
}

/* ---- resources ---- */

/* Unit properties first (systemd checks them all before it applies any), then the cgroupfs
 * plan; if the kernel refuses a file, the properties are set back to what they were. */
static gboolean apply(CgfsCgroup *cg, const char *unit, GVariant *props, CgfsPlan *plan,
                      GError **error)
{
  CgfsSystemd *sd = manager(cg);
  g_autoptr(GVariant) old = cgfs_systemd_read_properties(sd, unit, props, error);
  if (old)
    g_variant_ref_sink(old);
  if (!old || !cgfs_systemd_set_properties(sd, unit, props, error)) {
    cgfs_plan_abandon(plan);
    return FALSE;
  }
  GError *failed = NULL;
  if (cgfs_plan_execute(plan, &failed))
    return TRUE;
  g_autoptr(GError) restore = NULL;
  if (!cgfs_systemd_set_properties(sd, unit, old, &restore))
    g_prefix_error(&failed, "(and the unit's old properties could not be restored: %s) ",
                   restore->message);
  g_propagate_error(error, failed);
  return FALSE;
}

static gboolean sd_update(CgfsCgroup *cg, const CgfsResources *r, GError **error)
{
  g_autofree char *unit = unit_of(cg);
  CgfsResources *rest = NULL;
  g_autoptr(GVariant) props = cgfs_systemd_properties(
      r, cgfs_cgroup_version(cg), cgfs_systemd_unit_kind(unit) == CGFS_UNIT_SLICE, &rest, error);
  if (!props)
    return FALSE;
  g_variant_ref_sink(props);
  /* The rest goes to cgroupfs with the caller's credentials, and a refusal there sets the
   * properties back; device rules systemd takes have no file: the kernel lets only root (BPF,
   * or v1's root-only devices.allow) change them. */
  if (rest->devices->len == 0 && r->devices->len > 0 && geteuid() != 0) {
    cgfs_set_error(error, EPERM, "devices: cannot change the device rules of unit %s: not root",
                   unit);
    cgfs_systemd_residual_free(rest);
    return FALSE;
  }
  g_autoptr(CgfsPlan) plan = cgfs_resources_plan(cg, rest, error);
  gboolean ok = plan != NULL;
  if (ok && g_variant_n_children(props) == 0)
    ok = cgfs_plan_execute(plan, error);
  else if (ok)
    ok = apply(cg, unit, props, plan, error);
  cgfs_systemd_residual_free(rest);
  return ok;
}

const CgfsBackend cgfs_backend_systemd_v1 = {
  .name = "systemd-v1",
  .procs_file = "cgroup.procs",
  .threads_file = "tasks",
  .set_frozen = sd_set_frozen,
  .state = sd_state,
  .kill = sd_kill,
  .subsystems = sd_subsystems,
  .stats = sd_stats,
  .create = sd_create,
  .remove = sd_remove,
  .attach = sd_attach,
  .update = sd_update,
};

const CgfsBackend cgfs_backend_systemd_v2 = {
  .name = "systemd-v2",
  .procs_file = "cgroup.procs",
  .threads_file = "cgroup.threads",
  .set_frozen = sd_set_frozen,
  .state = sd_state,
  .kill = sd_kill,
  .subsystems = sd_subsystems,
  .stats = sd_stats,
  .prepare_controller = cgfs_plan_enable_v2,
  .create = sd_create,
  .remove = sd_remove,
  .attach = sd_attach,
  .update = sd_update,
};

const CgfsBackend *cgfs_backend_select(CgfsHierarchy *h, const char *path)
{
  gboolean v2 = cgfs_hierarchy_version(h) == 2;
  if (!cgfs_hierarchy_get_systemd(h))
    return v2 ? &cgfs_backend_v2 : &cgfs_backend_v1;
  g_autofree char *unit = cgfs_systemd_path_unit(path);
  if (!unit)
    return v2 ? &cgfs_backend_v2 : &cgfs_backend_v1;
  return v2 ? &cgfs_backend_systemd_v2 : &cgfs_backend_systemd_v1;
}

/* ---- the public entry points ---- */

CgfsCgroup *cgfs_cgroup_new_scope(CgfsHierarchy *h, const char *path, pid_t pid,
                                  const CgfsResources *resources, GError **error)
{
  if (!cgfs_hierarchy_get_systemd(h)) {
    cgfs_set_error(error, EINVAL, "cannot create scope %s: not a systemd hierarchy", path);
    return NULL;
  }
  if (pid <= 0) {
    cgfs_set_error(error, EINVAL, "invalid pid %d: must be greater than 0", (int)pid);
    return NULL;
  }
  g_autofree char *unit = cgfs_systemd_path_unit(path);
  if (!unit || cgfs_systemd_unit_kind(unit) != CGFS_UNIT_SCOPE) {
    cgfs_set_error(error, EINVAL, "cannot create scope %s: the path does not end in NAME.scope",
                   path);
    return NULL;
  }
  return cgfs_cgroup_new_with_pid(h, CGFS_STATIC_PATH(path), pid, resources, error);
}
