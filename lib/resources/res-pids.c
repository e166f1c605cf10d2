/* pids: OCI pids.limit <-> pids.max on v1 and v2; -1 is "max". */
#include "config-internal.h"

#include "convert.h"
#include "resources-private.h"

static gboolean plan(CgfsPlan *p, const CgfsResources *r, GError **error)
{
  if (!r->pids.has_limit)
    return TRUE;
  int fd = cgfs_plan_dir(p, "pids", "pids.limit", error);
  if (fd < 0)
    return FALSE;
  char buf[CGFS_NUMBER_TEXT];
  const char *v = cgfs_limit_format_in(r->pids.limit, 2, buf);
  return cgfs_plan_write(p, fd, "pids.limit", "pids.max", v, error);
}

static gboolean read_back(CgfsCgroup *cg, CgfsResources *out, GError **error)
{
  int fd = cgfs_res_read_dir(cg, "pids");
  if (fd < 0)
    return TRUE;
  return cgfs_res_read_limit(fd, "pids.max", &out->pids.has_limit, &out->pids.limit, error);
}

const CgfsResController cgfs_res_pids = { "pids", plan, read_back };
