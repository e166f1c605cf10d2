/* cpuset: OCI cpu.cpus / cpu.mems <-> cpuset.cpus / cpuset.mems, the same names on v1 and v2.
 * A new v1 cpuset cgroup already holds its parent's sets (backend-v1.c), so tasks can join. */
#include "config-internal.h"

#include "resources-private.h"

static gboolean plan(CgfsPlan *p, const CgfsResources *r, GError **error)
{
  const CgfsCpuResources *c = &r->cpu;
  if (!c->cpus && !c->mems)
    return TRUE;
  int fd = cgfs_plan_dir(p, "cpuset", c->cpus ? "cpu.cpus" : "cpu.mems", error);
  if (fd < 0)
    return FALSE;
  if (c->cpus && !cgfs_plan_write(p, fd, "cpu.cpus", "cpuset.cpus", c->cpus, error))
    return FALSE;
  return !c->mems || cgfs_plan_write(p, fd, "cpu.mems", "cpuset.mems", c->mems, error);
}

static gboolean read_back(CgfsCgroup *cg, CgfsResources *out, GError **error)
{
  int fd = cgfs_res_read_dir(cg, "cpuset");
  if (fd < 0)
    return TRUE;
  return cgfs_res_read_optional(fd, "cpuset.cpus", &out->cpu.cpus, error) &&
         cgfs_res_read_optional(fd, "cpuset.mems", &out->cpu.mems, error);
}

const CgfsResController cgfs_res_cpuset = { "cpuset", plan, read_back };
