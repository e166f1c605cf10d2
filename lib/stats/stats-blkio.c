/* Block IO statistics on v1: the recursive lists of CFQ, BFQ or blk-throttle. */
#include "stats-private.h"

#define N_LISTS CGFS_BLKIO_N_LISTS
#define SERVICED 1 /* io_serviced_recursive: the list that tells whether a source is in use */

/* The files of each source, in the order of CgfsV1BlkioStat's lists; NULL: the source has none. */
typedef struct {
  const char *files[N_LISTS];
  guint first_optional; /* lists from here on come together or not at all (BFQ's debug ones) */
} Source;

static const Source cfq = {
  { "blkio.io_service_bytes_recursive", "blkio.io_serviced_recursive",
    "blkio.io_queued_recursive", "blkio.io_service_time_recursive",
    "blkio.io_wait_time_recursive", "blkio.io_merged_recursive", "blkio.time_recursive",
    "blkio.sectors_recursive" },
  N_LISTS,
};

/* Without CONFIG_BFQ_CGROUP_DEBUG, BFQ has only the first two. */
static const Source bfq = {
  { "blkio.bfq.io_service_bytes_recursive", "blkio.bfq.io_serviced_recursive",
    "blkio.bfq.io_queued_recursive", "blkio.bfq.io_service_time_recursive",
    "blkio.bfq.io_wait_time_recursive", "blkio.bfq.io_merged_recursive",
    "blkio.bfq.time_recursive", "blkio.bfq.sectors_recursive" },
  2,
};

static const Source throttle = {
  { "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive" },
  N_LISTS,
};

/* Older kernels have no recursive throttle files. */
static const Source throttle_local = {
  { "blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced" },
  N_LISTS,
};

static int read_list(CgfsStatsReader *r, const char *file, CgfsV1BlkioList *list, GError **error)
{
  int found = cgfs_stats_read(r, file, error);
  if (found <= 0)
    return found;
  if (!cgfs_parse_blkio(file, r->text.text, r->text.len, &r->s->priv->strings, list, error))
    return cgfs_stats_fail(r, error);
  return 1;
}

static void clear_list(CgfsV1BlkioList *list)
{
  g_free(list->entries);
  *list = (CgfsV1BlkioList){ 0 };
}

/* Read @src's lists into @lists: 1 when it is in use (its serviced list has entries, or
 * @always), 0 when not (nothing kept), -1 on error. */
static int read_source(CgfsStatsReader *r, const Source *src, gboolean always,
                       CgfsV1BlkioList *lists, GError **error)
{
  int found = read_list(r, src->files[SERVICED], &lists[SERVICED], error);
  if (found <= 0)
    return found;
  if (lists[SERVICED].n_entries == 0 && !always) {
    clear_list(&lists[SERVICED]);
    return 0;
  }
  for (guint i = 0; i < N_LISTS; i++) {
    if (i == SERVICED || !src->files[i])
      continue;
    found = read_list(r, src->files[i], &lists[i], error);
    if (found < 0)
      return -1;
    if (found == 0 && i >= src->first_optional)
      break;
  }
  return 1;
}

/* Name each entry's device; entries of one device come together, so ask the cache once. */
static void name_devices(CgfsStatsCache *cache, CgfsV1BlkioList *lists)
{
  guint64 major = G_MAXUINT64, minor = G_MAXUINT64;
  const char *name = NULL;
  for (guint i = 0; i < N_LISTS; i++)
    for (guint j = 0; j < lists[i].n_entries; j++) {
      CgfsV1BlkioEntry *e = &lists[i].entries[j];
      if (e->major != major || e->minor != minor) {
        major = e->major;
        minor = e->minor;
        name = cgfs_stats_cache_device(cache, major, minor);
      }
      e->device = name;
    }
}

static gboolean read_blkio(CgfsStatsReader *r, CgfsV1BlkioStat *b, GError **error)
{
  CgfsV1BlkioList *lists = cgfs_blkio_lists(b);
  /* CFQ first, as containerd reads them, where the kernel can have it (before Linux 5.0). */
  int found = 0;
  if (cgfs_stats_cache_cfq_possible(r->cache))
    found = read_source(r, &cfq, FALSE, lists, error);
  if (found == 0)
    found = read_source(r, &bfq, FALSE, lists, error);
  if (found == 0)
    found = read_source(r, &throttle, TRUE, lists, error);
  if (found == 0)
    found = read_source(r, &throttle_local, TRUE, lists, error);
  if (found < 0)
    return FALSE;
  if (found == 0)
    return cgfs_stats_check_deleted(r, error) == 0;
  name_devices(r->cache, lists);
  b->present = TRUE;
  return TRUE;
}

gboolean cgfs_stats_v1_blkio(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error)
{
  return !cgfs_stats_enter(r, cg, "blkio") || read_blkio(r, &r->s->v1.blkio, error);
}
