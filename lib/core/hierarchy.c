#include "config-internal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cgfs/hierarchy.h>

#include "journal-private.h"
#include "backend.h"
#include "systemd-private.h"

struct _CgfsHierarchy {
  gint ref;
  int version;
  CgfsSystem *sys;
  GArray *subsystems; /* CgfsSubsystem; names point into the system's mounts */
  CgfsJournal *journal; /* NULL: plans are not journaled */
  CgfsSystemd *systemd; /* a systemd hierarchy's manager; NULL for cgroupfs */
  /* O_PATH fd of each subsystem's mount directory, opened at first use (-1: not yet; -2: could
   * not be opened, paths are used); see cgfs_hierarchy_mount_fd(). */
  int *mount_fds;
};

static CgfsHierarchy *hierarchy_new(CgfsSystem *sys, int version)
{
  CgfsHierarchy *h = g_new0(CgfsHierarchy, 1);
  h->ref = 1;
  h->version = version;
  h->sys = cgfs_system_ref(sys);
  h->subsystems = g_array_new(FALSE, TRUE, sizeof(CgfsSubsystem));
  return h;
}

static void add_subsystem(CgfsHierarchy *h, const char *name, const CgfsMount *m)
{
  CgfsSubsystem s = { name, m };
  g_array_append_val(h->subsystems, s);
  h->mount_fds = g_renew(int, h->mount_fds, h->subsystems->len);
  h->mount_fds[h->subsystems->len - 1] = -1;
}

int cgfs_hierarchy_mount_fd(CgfsHierarchy *h, const CgfsMount *m)
{
  guint i = 0;
  while (i < h->subsystems->len && g_array_index(h->subsystems, CgfsSubsystem, i).mount != m)
    i++;
  if (i == h->subsystems->len)
    return -1;
  int fd = __atomic_load_n(&h->mount_fds[i], __ATOMIC_ACQUIRE);
  if (fd != -1)
    return fd < 0 ? -1 : fd;
  int opened = open(m->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int want = opened >= 0 ? opened : -2;
  int expected = -1;
  /* Two threads may race at the first use: one fd is kept, the other closed. */
  if (!__atomic_compare_exchange_n(&h->mount_fds[i], &expected, want, FALSE, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    if (opened >= 0)
      close(opened);
    return expected < 0 ? -1 : expected;
  }
  return opened;
}

CgfsHierarchy *cgfs_hierarchy_v1(CgfsSystem *sys, GError **error)
{
  g_autoptr(CgfsHierarchy) h = hierarchy_new(sys, 1);
  for (guint i = 0; i < cgfs_system_n_mounts(sys); i++) {
    const CgfsMount *m = cgfs_system_mount(sys, i);
    if (m->version != 1)
      continue;
    for (char **c = m->controllers; *c; c++)
      add_subsystem(h, *c, m);
  }
  if (h->subsystems->len == 0) {
    cgfs_set_error(error, ENODEV, "cgroup mountpoint does not exist: no cgroup v1 hierarchy is mounted");
    return NULL;
  }
  return g_steal_pointer(&h);
}

CgfsHierarchy *cgfs_hierarchy_v2(CgfsSystem *sys, GError **error)
{
  const CgfsMount *m = cgfs_system_find_mount(sys, "unified");
  if (!m) {
    cgfs_set_error(error, ENODEV, "cgroup mountpoint does not exist: no cgroup2 file system is mounted");
    return NULL;
  }
  CgfsHierarchy *h = hierarchy_new(sys, 2);
  add_subsystem(h, "unified", m);
  return h;
}

CgfsHierarchy *cgfs_hierarchy_single(CgfsSystem *sys, const char *subsystem, GError **error)
{
  if (strcmp(subsystem, "unified") == 0)
    return cgfs_hierarchy_v2(sys, error);
  const CgfsMount *m = cgfs_system_find_mount(sys, subsystem);
  if (!m) {
    cgfs_set_error(error, ENODEV, "cgroup mountpoint does not exist: subsystem '%s' is not mounted",
                   subsystem);
    return NULL;
  }
  CgfsHierarchy *h = hierarchy_new(sys, 1);
  for (char **c = m->controllers; *c; c++)
    if (strcmp(*c, subsystem) == 0)
      add_subsystem(h, *c, m);
  return h;
}

CgfsHierarchy *cgfs_hierarchy_detect(CgfsSystem *sys, GError **error)
{
  switch (cgfs_system_mode(sys)) {
  case CGFS_MODE_UNIFIED:
    return cgfs_hierarchy_v2(sys, error);
  case CGFS_MODE_LEGACY:
  case CGFS_MODE_HYBRID:
    return cgfs_hierarchy_v1(sys, error);
  case CGFS_MODE_UNAVAILABLE:
  default:
    cgfs_set_error(error, ENODEV, "cgroup mountpoint does not exist: no cgroup file system is mounted");
    return NULL;
  }
}

CgfsHierarchy *cgfs_hierarchy_from_string(CgfsSystem *sys, const char *spec, GError **error)
{
  if (strcmp(spec, "v1") == 0)
    return cgfs_hierarchy_v1(sys, error);
  if (strcmp(spec, "v2") == 0)
    return cgfs_hierarchy_v2(sys, error);
  if (strcmp(spec, "auto") == 0 || strcmp(spec, "detect") == 0)
    return cgfs_hierarchy_detect(sys, error);
  if (strcmp(spec, "systemd") == 0)
    return cgfs_hierarchy_systemd(sys, NULL, error);
  return cgfs_hierarchy_single(sys, spec, error);
}

CgfsHierarchy *cgfs_hierarchy_ref(CgfsHierarchy *h)
{
  g_atomic_int_inc(&h->ref);
  return h;
}

void cgfs_hierarchy_unref(CgfsHierarchy *h)
{
  if (h && g_atomic_int_dec_and_test(&h->ref)) {
    for (guint i = 0; h->mount_fds && i < h->subsystems->len; i++)
      if (h->mount_fds[i] >= 0)
        close(h->mount_fds[i]);
    g_free(h->mount_fds);
    g_array_unref(h->subsystems);
    cgfs_journal_unref(h->journal);
    cgfs_systemd_free(h->systemd);
    cgfs_system_unref(h->sys);
    g_free(h);
  }
}

int cgfs_hierarchy_version(const CgfsHierarchy *h)
{
  return h->version;
}

CgfsSystem *cgfs_hierarchy_system(const CgfsHierarchy *h)
{
  return h->sys;
}

guint cgfs_hierarchy_n_subsystems(const CgfsHierarchy *h)
{
  return h->subsystems->len;
}

const CgfsSubsystem *cgfs_hierarchy_subsystem(const CgfsHierarchy *h, guint index)
{
  g_return_val_if_fail(index < h->subsystems->len, NULL);
  return &g_array_index(h->subsystems, CgfsSubsystem, index);
}

const CgfsSubsystem *cgfs_hierarchy_find(const CgfsHierarchy *h, const char *name)
{
  for (guint i = 0; i < h->subsystems->len; i++) {
    const CgfsSubsystem *s = &g_array_index(h->subsystems, CgfsSubsystem, i);
    if (strcmp(s->name, name) == 0)
      return s;
  }
  return NULL;
}

void cgfs_hierarchy_set_journal(CgfsHierarchy *h, CgfsJournal *j)
{
  CgfsJournal *old = h->journal;
  h->journal = j ? cgfs_journal_ref(j) : NULL;
  cgfs_journal_unref(old);
}

CgfsJournal *cgfs_cgroup_journal(const CgfsCgroup *cg)
{
  return cg->h->journal;
}

/* The machine's cgroupfs hierarchy (v2 when unified, every v1 subsystem otherwise), its cgroups
 * made and limited through the manager on the bus. */
CgfsHierarchy *cgfs_hierarchy_systemd(CgfsSystem *sys, const char *bus_address, GError **error)
{
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_detect(sys, error);
  if (!h)
    return NULL;
  h->systemd = cgfs_systemd_connect(bus_address, error);
  return h->systemd ? g_steal_pointer(&h) : NULL;
}

gboolean cgfs_hierarchy_is_systemd(const CgfsHierarchy *h)
{
  return h->systemd != NULL;
}

void cgfs_hierarchy_systemd_set_timeout(CgfsHierarchy *h, guint timeout_ms)
{
  if (h->systemd)
    cgfs_systemd_set_timeout(h->systemd, timeout_ms);
}

CgfsSystemd *cgfs_hierarchy_get_systemd(const CgfsHierarchy *h)
{
  return h->systemd;
}
