/* hugepageLimits: hugetlb.<size>.limit_in_bytes (v1) / hugetlb.<size>.max (v2), and the
 * reservation limit (.rsvd.) where the kernel has it, as the runtime-spec asks. An unlimited
 * limit reads back as what v1 prints for it (the largest page-aligned byte count) on both. */
#include "config-internal.h"

#include <dirent.h>

#include "convert.h"
#include "fileio.h"
#include "resources-private.h"

static char *limit_file(int version, const char *size, gboolean rsvd)
{
  return g_strdup_printf("hugetlb.%s.%s%s", size, rsvd ? "rsvd." : "",
                         version == 2 ? "max" : "limit_in_bytes");
}

static char *limit_value(int version, guint64 limit)
{
  if (version == 2 && limit >= cgfs_v1_unlimited_bytes())
    return g_strdup("max");
  return g_strdup_printf("%" G_GUINT64_FORMAT, limit);
}

static gboolean plan_one(CgfsPlan *p, const CgfsHugepageLimit *l, guint i, GError **error)
{
  int version = cgfs_plan_version(p);
  g_autofree char *field = g_strdup_printf("hugepageLimits[%u]", i);
  int fd = cgfs_plan_dir(p, "hugetlb", field, error);
  if (fd < 0)
    return FALSE;
  g_autofree char *file = limit_file(version, l->page_size, FALSE);
  if (!cgfs_exists_at(fd, file)) {
    cgfs_set_error(error, EOPNOTSUPP, "%s.pageSize: no %s huge pages on this machine (no %s)",
                   field, l->page_size, file);
    return FALSE;
  }
  g_autofree char *value = limit_value(version, l->limit);
  if (!cgfs_plan_write(p, fd, field, file, value, error))
    return FALSE;
  g_autofree char *rsvd = limit_file(version, l->page_size, TRUE);
  return !cgfs_exists_at(fd, rsvd) || cgfs_plan_write(p, fd, field, rsvd, value, error);
}

static gboolean plan(CgfsPlan *p, const CgfsResources *r, GError **error)
{
  for (guint i = 0; i < r->hugepage_limits->len; i++)
    if (!plan_one(p, &g_array_index(r->hugepage_limits, CgfsHugepageLimit, i), i, error))
      return FALSE;
  return TRUE;
}

/* "hugetlb.2MB.limit_in_bytes" -> "2MB"; NULL for the other hugetlb files. */
static char *size_of(const char *name, int version)
{
  const char *suffix = version == 2 ? ".max" : ".limit_in_bytes";
  if (!g_str_has_prefix(name, "hugetlb.") || !g_str_has_suffix(name, suffix))
    return NULL;
  g_autofree char *size = g_strndup(name + 8, strlen(name) - 8 - strlen(suffix));
  guint64 bytes;
  return cgfs_hugepage_size_parse(size, &bytes) ? g_steal_pointer(&size) : NULL;
}

static gint by_size(gconstpointer a, gconstpointer b)
{
  guint64 x = 0, y = 0;
  cgfs_hugepage_size_parse(((const CgfsHugepageLimit *)a)->page_size, &x);
  cgfs_hugepage_size_parse(((const CgfsHugepageLimit *)b)->page_size, &y);
  return x < y ? -1 : x > y;
}

static gboolean read_one(int fd, const char *name, int version, GArray *out, GError **error)
{
  g_autofree char *size = size_of(name, version);
  if (!size)
    return TRUE;
  gint64 v;
  gboolean has = FALSE;
  if (!cgfs_res_read_limit(fd, name, &has, &v, error))
    return FALSE;
  CgfsHugepageLimit l = { .limit = v == -1 ? cgfs_v1_unlimited_bytes() : (guint64)v };
  g_strlcpy(l.page_size, size, sizeof l.page_size);
  if (has)
    g_array_append_val(out, l);
  return TRUE;
}

static gboolean read_back(CgfsCgroup *cg, CgfsResources *out, GError **error)
{
  int fd = cgfs_res_read_dir(cg, "hugetlb");
  if (fd < 0)
    return TRUE;
  int lfd = cgfs_reopen_dir(fd, error);
  if (lfd < 0)
    return FALSE;
  DIR *dir = fdopendir(lfd);
  if (!dir) {
    close(lfd);
    return cgfs_set_errno(error, "cannot list %s", cgfs_cgroup_path(cg));
  }
  struct dirent *e;
  gboolean ok = TRUE;
  while (ok && (e = readdir(dir)))
    ok = read_one(fd, e->d_name, cgfs_cgroup_version(cg), out->hugepage_limits, error);
  closedir(dir);
  g_array_sort(out->hugepage_limits, by_size);
  return ok;
}

const CgfsResController cgfs_res_hugetlb = { "hugetlb", plan, read_back };
