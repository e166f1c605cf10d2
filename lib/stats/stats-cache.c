/* What stats need from outside the cgroup, looked up once per CgfsSystem rather than on every
 * poll: block device names, the machine's huge page sizes, whether its kernel can have CFQ.
 * All are stable while the system object lives (a CgfsSystem is a snapshot of the machine
 * anyway). */
#include "stats-private.h"

#include <stdio.h>
#include <sys/utsname.h>

struct _CgfsStatsCache {
  char *prefix; /* prepended to /sys paths, as CgfsSystemSources.prefix */
  gboolean cfq_possible;
  GMutex lock;
  GHashTable *devices; /* (major << 20 | minor) -> "/dev/NAME", or NULL for no such device */
  GOnce pagesizes_once;
};

CgfsStatsCache *cgfs_stats_cache_new(const char *prefix)
{
  CgfsStatsCache *c = g_new0(CgfsStatsCache, 1);
  c->prefix = g_strdup(prefix ? prefix : "");
  /* A fake machine (a prefix) may have anything; the real one, what its kernel can have. */
  struct utsname u;
  c->cfq_possible = *c->prefix || uname(&u) != 0 || cgfs_kernel_may_have_cfq(u.release);
  g_mutex_init(&c->lock);
  c->devices = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  c->pagesizes_once = (GOnce)G_ONCE_INIT;
  return c;
}

void cgfs_stats_cache_free(CgfsStatsCache *c)
{
  if (!c)
    return;
  g_hash_table_unref(c->devices);
  g_mutex_clear(&c->lock);
  if (c->pagesizes_once.status == G_ONCE_STATUS_READY)
    g_strfreev(c->pagesizes_once.retval);
  g_free(c->prefix);
  g_free(c);
}

gboolean cgfs_kernel_may_have_cfq(const char *release)
{
  int major = 0;
  return sscanf(release, "%d.", &major) != 1 || major < 5;
}

gboolean cgfs_stats_cache_cfq_possible(const CgfsStatsCache *c)
{
  return c->cfq_possible;
}

/* /sys/dev/block/MAJ:MIN links to the device's sysfs directory, whose name is the kernel's
 * name for it (vda, vda1, dm-0, loop3, nvme0n1p2), the name it has under /dev. */
static char *resolve_device(const CgfsStatsCache *c, guint64 major, guint64 minor)
{
  char link[64];
  g_snprintf(link, sizeof link, "/sys/dev/block/%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
             major, minor);
  g_autofree char *path = g_strconcat(c->prefix, link, NULL);
  g_autofree char *target = g_file_read_link(path, NULL);
  if (!target)
    return NULL;
  g_autofree char *name = g_path_get_basename(target);
  return g_strconcat("/dev/", name, NULL);
}

const char *cgfs_stats_cache_device(CgfsStatsCache *c, guint64 major, guint64 minor)
{
  /* Linux device numbers have a 12-bit major and a 20-bit minor. */
  if (major >= (1u << 12) || minor >= (1u << 20))
    return NULL;
  gpointer key = GUINT_TO_POINTER((guint)(major << 20 | minor));
  gpointer name = NULL;
  g_mutex_lock(&c->lock);
  if (!g_hash_table_lookup_extended(c->devices, key, NULL, &name)) {
    name = resolve_device(c, major, minor);
    g_hash_table_insert(c->devices, key, name);
  }
  g_mutex_unlock(&c->lock);
  return name;
}

char *cgfs_hugetlb_size_name(guint64 kib)
{
  if (kib >= 1024 * 1024)
    return g_strdup_printf("%" G_GUINT64_FORMAT "GB", kib / (1024 * 1024));
  if (kib >= 1024)
    return g_strdup_printf("%" G_GUINT64_FORMAT "MB", kib / 1024);
  return g_strdup_printf("%" G_GUINT64_FORMAT "KB", kib);
}

static gint compare_kib(gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
  return x < y ? -1 : x > y;
}

/* The "hugepages-<N>kB" directories of /sys/kernel/mm/hugepages. */
static gpointer load_pagesizes(gpointer data)
{
  const CgfsStatsCache *c = data;
  g_autofree char *path = g_strconcat(c->prefix, "/sys/kernel/mm/hugepages", NULL);
  g_autoptr(GArray) kibs = g_array_new(FALSE, FALSE, sizeof(guint64));
  GDir *dir = g_dir_open(path, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir))) {
    guint64 kib;
    char *end;
    if (!g_str_has_prefix(name, "hugepages-"))
      continue;
    kib = g_ascii_strtoull(name + strlen("hugepages-"), &end, 10);
    if (kib > 0 && strcmp(end, "kB") == 0)
      g_array_append_val(kibs, kib);
  }
  if (dir)
    g_dir_close(dir);
  g_array_sort(kibs, compare_kib);
  char **names = g_new0(char *, kibs->len + 1);
  for (guint i = 0; i < kibs->len; i++)
    names[i] = cgfs_hugetlb_size_name(g_array_index(kibs, guint64, i));
  return names;
}

const char *const *cgfs_stats_cache_pagesizes(CgfsStatsCache *c)
{
  return g_once(&c->pagesizes_once, load_pagesizes, c);
}
