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

static gboolean in_unified(const CgfsResources *r, const char *file)
{
  for (guint i = 0; i < r->unified->len; i++)
    if (strcmp(g_array_index(r->unified, CgfsUnifiedEntry, i).key, file) == 0)
      return TRUE;
  return FALSE;
}

/* The limit and, where the kernel has it, the reservation limit, unless "unified" sets that
 * file itself (as a read-back does when the two differ). */
static gboolean plan_one(CgfsPlan *p, const CgfsResources *r, const CgfsHugepageLimit *l,
                         guint i, GError **error)
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
  if (!cgfs_exists_at(fd, rsvd) || in_unified(r, rsvd))
    return TRUE;
  /* v1 has no "unified" to read a different reservation limit back into: it follows the limit
   * only when the limit changes, so that writing back what was read keeps it. */
  if (version == 1 && cgfs_plan_last(p)->skip)
    return TRUE;
  return cgfs_plan_write(p, fd, field, rsvd, value, error);
}

static gboolean plan(CgfsPlan *p, const CgfsResources *r, GError **error)
{
  for (guint i = 0; i < r->hugepage_limits->len; i++)
    if (!plan_one(p, r, &g_array_index(r->hugepage_limits, CgfsHugepageLimit, i), i, error))
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

static guint64 bytes_of(const char *size)
{
  guint64 b = 0;
  cgfs_hugepage_size_parse(size, &b);
  return b;
}

static gint by_size(gconstpointer a, gconstpointer b)
{
  guint64 x = bytes_of(*(char *const *)a), y = bytes_of(*(char *const *)b);
  return x < y ? -1 : x > y;
}

/* v2: a reservation limit unlike the usage limit goes under "unified", so that writing the
 * read-back keeps it. */
static gboolean read_rsvd_v2(int fd, const char *size, gint64 limit, CgfsResources *out,
                             GError **error)
{
  g_autofree char *file = limit_file(2, size, TRUE);
  g_autofree char *text = NULL;
  gint64 v;
  if (!cgfs_res_read_optional(fd, file, &text, error))
    return FALSE;
  if (text && (!cgfs_limit_parse(text, &v) || v != limit))
    cgfs_res_add_unified_file(out, file, text);
  return TRUE;
}

static gboolean read_one(int fd, const char *size, int version, CgfsResources *out,
                         GError **error)
{
  g_autofree char *name = limit_file(version, size, FALSE);
  gint64 v;
  gboolean has = FALSE;
  if (!cgfs_res_read_limit(fd, name, &has, &v, error))
    return FALSE;
  if (!has)
    return TRUE;
  CgfsHugepageLimit l = { .limit = v == -1 ? cgfs_v1_unlimited_bytes() : (guint64)v };
  g_strlcpy(l.page_size, size, sizeof l.page_size);
  g_array_append_val(out->hugepage_limits, l);
  return version == 1 || read_rsvd_v2(fd, size, v, out, error);
}

typedef struct {
  int version;
  GPtrArray *sizes;
} SizeWalk;

static CgfsWalk add_size(int dirfd, const struct dirent *e, gpointer data, GError **error)
{
  SizeWalk *w = data;
  char *size = size_of(e->d_name, w->version);
  if (size)
    g_ptr_array_add(w->sizes, size);
  return CGFS_WALK_NEXT;
}

/* The page sizes of @fd's hugetlb files, smallest first. */
static GPtrArray *page_sizes(int fd, int version, GError **error)
{
  g_autoptr(GPtrArray) sizes = g_ptr_array_new_with_free_func(g_free);
  SizeWalk w = { version, sizes };
  if (!cgfs_for_each_entry_at(fd, "the hugetlb files", add_size, &w, error))
    return NULL;
  g_ptr_array_sort(sizes, by_size);
  return g_steal_pointer(&sizes);
}

static gboolean read_back(CgfsCgroup *cg, CgfsResources *out, GError **error)
{
  int fd = cgfs_res_read_dir(cg, "hugetlb");
  if (fd < 0)
    return TRUE;
  int version = cgfs_cgroup_version(cg);
  g_autoptr(GPtrArray) sizes = page_sizes(fd, version, error);
  if (!sizes)
    return FALSE;
  for (guint i = 0; i < sizes->len; i++)
    if (!read_one(fd, sizes->pdata[i], version, out, error))
      return FALSE;
  return TRUE;
}

const CgfsResController cgfs_res_hugetlb = { "hugetlb", plan, read_back };
