/* Internal: statistics. The controller readers (stats-<controller>.c) fill a CgfsStats from the
 * kernel files, the pure parsers (stats-parse.c) turn file text into counters without I/O, the
 * writer (stats-json.c) prints them, and the cache (stats-cache.c) resolves device numbers and
 * page sizes once per CgfsSystem. */
#pragma once

#include "config-internal.h"

#include <cgfs/stats.h>

#include "cgroup-private.h"
#include "fileio.h"

/* ---- field tables ---- */

/* One counter of a struct: where it sits, its key in the kernel file and its JSON name (the
 * member's name). The bit of `has` that marks it is offset / 8. */
typedef struct {
  guint16 offset;
  guint8 key_len;
  guint8 name_len;
  const char *key;
  const char *name;
} CgfsStatsField;

typedef struct {
  const CgfsStatsField *fields; /* in JSON order */
  guint n_fields;
  guint16 has_offset; /* of the struct's has[] */
} CgfsStatsTable;

#define CGFS_FIELD(type, member, kernel_key)                                                      \
  { offsetof(type, member), sizeof(kernel_key) - 1, sizeof(#member) - 1, kernel_key, #member }
#define CGFS_TABLE(type, array)                                                                   \
  { array, G_N_ELEMENTS(array), offsetof(type, has) }

/* The offsets are those of guint64 members, so the results are aligned. */
static inline guint64 *cgfs_stats_slot(void *base, const CgfsStatsField *f)
{
  return (guint64 *)(void *)((char *)base + f->offset);
}

static inline const guint64 *cgfs_stats_value(const void *base, const CgfsStatsField *f)
{
  return (const guint64 *)(const void *)((const char *)base + f->offset);
}

static inline guint64 *cgfs_stats_has_bits(void *base, const CgfsStatsTable *t)
{
  return (guint64 *)(void *)((char *)base + t->has_offset);
}

static inline void cgfs_stats_set(void *base, const CgfsStatsTable *t, const CgfsStatsField *f,
                                  guint64 value)
{
  guint bit = f->offset / sizeof(guint64);
  *cgfs_stats_slot(base, f) = value;
  cgfs_stats_has_bits(base, t)[bit / 64] |= G_GUINT64_CONSTANT(1) << (bit % 64);
}

static inline gboolean cgfs_stats_isset(const void *base, const CgfsStatsTable *t,
                                        const CgfsStatsField *f)
{
  return cgfs_stats_bit_((const guint64 *)(const void *)((const char *)base + t->has_offset),
                         f->offset / sizeof(guint64));
}

/* The field whose kernel key is @key (@len bytes), or NULL. *@cursor remembers where the last
 * key was found: kernel files list their keys in the table's order, so the next one is
 * usually the very next entry. */
const CgfsStatsField *cgfs_stats_lookup(const CgfsStatsTable *t, const char *key, gsize len,
                                        guint *cursor);

/* The tables, defined next to their readers. */
extern const CgfsStatsTable cgfs_pids_table;
extern const CgfsStatsTable cgfs_v1_hugetlb_table;
extern const CgfsStatsTable cgfs_v1_cpu_usage_table;
extern const CgfsStatsTable cgfs_v1_throttle_table;
extern const CgfsStatsTable cgfs_v1_memory_table;
extern const CgfsStatsTable cgfs_v1_memory_entry_table;
extern const CgfsStatsTable cgfs_v1_oom_control_table;
extern const CgfsStatsTable cgfs_v2_cpu_table;
extern const CgfsStatsTable cgfs_v2_memory_table;
extern const CgfsStatsTable cgfs_v2_memory_events_table;
extern const CgfsStatsTable cgfs_v2_io_entry_table;
extern const CgfsStatsTable cgfs_v2_hugetlb_table;
extern const CgfsStatsTable cgfs_v2_cgroup_table;

/* ---- pure parsers (stats-parse.c): @text is NUL-terminated, @len its length; @file names
 * it in messages. A malformed file is EBADMSG "<file> line <n>: invalid file format: ...". */

/* Where keys a table lacks go: appended to *@items / *@n, names copied into *@strings.
 * Parsers that copy strings create *@strings on first use: most calls copy none. */
typedef struct {
  CgfsStatsCounter **items;
  guint *n;
  GStringChunk **strings;
} CgfsStatsExtraSink;

/* "KEY VALUE" lines into the counters of @base. Keys not in @t go to @extra (NULL: dropped). */
gboolean cgfs_parse_flat(const char *file, const char *text, gsize len, const CgfsStatsTable *t,
                         void *base, CgfsStatsExtraSink *extra, GError **error);
/* One unsigned integer, or "max" (G_MAXUINT64) when @allow_max. */
gboolean cgfs_parse_single(const char *file, const char *text, gsize len, gboolean allow_max,
                           guint64 *out, GError **error);
/* Space-separated integers on one line (cpuacct.usage_percpu); a new array in *@out. */
gboolean cgfs_parse_u64_list(const char *file, const char *text, gsize len, guint64 **out,
                             guint *n, GError **error);
/* cpuacct.usage_all: "cpu user system" then "N USER SYSTEM" lines; the column sums. */
gboolean cgfs_parse_cpuacct_all(const char *file, const char *text, gsize len, guint64 *user,
                                guint64 *system, GError **error);
/* "some avg10=A avg60=B avg300=C total=T" and the same for "full". */
gboolean cgfs_parse_psi(const char *file, const char *text, gsize len, CgfsPsiStats *out,
                        GError **error);
/* blkio lists: "MAJ:MIN Op VALUE" or "MAJ:MIN VALUE" lines and a last "Total N" line (not an
 * entry). Op names point to static strings, unknown ones into *@strings. device stays NULL. */
gboolean cgfs_parse_blkio(const char *file, const char *text, gsize len, GStringChunk **strings,
                          CgfsV1BlkioList *out, GError **error);
/* io.stat: "MAJ:MIN key=value ..." lines. Unknown keys are skipped. */
gboolean cgfs_parse_io_stat(const char *file, const char *text, gsize len,
                            CgfsV2IoEntry **out, guint *n, GError **error);
/* rdma.current / rdma.max: "DEVICE hca_handle=N hca_object=N" lines, "max" for limits. */
gboolean cgfs_parse_rdma(const char *file, const char *text, gsize len, GStringChunk **strings,
                         CgfsRdmaEntry **out, guint *n, GError **error);

/* The eight lists of CgfsV1BlkioStat, walked as an array from io_service_bytes_recursive. */
#define CGFS_BLKIO_N_LISTS 8
G_STATIC_ASSERT(offsetof(CgfsV1BlkioStat, sectors_recursive) ==
                offsetof(CgfsV1BlkioStat, io_service_bytes_recursive) +
                    (CGFS_BLKIO_N_LISTS - 1) * sizeof(CgfsV1BlkioList));

static inline CgfsV1BlkioList *cgfs_blkio_lists(CgfsV1BlkioStat *b)
{
  return &b->io_service_bytes_recursive;
}

/* ---- the per-system cache (stats-cache.c) ---- */

typedef struct _CgfsStatsCache CgfsStatsCache;

CgfsStatsCache *cgfs_stats_cache_new(const char *prefix);
void cgfs_stats_cache_free(CgfsStatsCache *c);
/* "/dev/NAME" of block device MAJ:MIN, from /sys/dev/block once per device; NULL if none.
 * The string lives as long as the cache. Thread-safe. */
const char *cgfs_stats_cache_device(CgfsStatsCache *c, guint64 major, guint64 minor);
/* The machine's huge page sizes as the hugetlb controller names them ("2MB", "1GB"),
 * smallest first; NULL-terminated, owned by the cache. */
const char *const *cgfs_stats_cache_pagesizes(CgfsStatsCache *c);
/* Whether the kernel of release @release can have the CFQ scheduler, whose v1 blkio files
 * (blkio.io_serviced_recursive, ...) stats look at first: CFQ left Linux in 5.0 (with the legacy
 * block layer), so a newer kernel is spared a failing open per read. Unknown: yes. */
gboolean cgfs_kernel_may_have_cfq(const char *release);
/* cgfs_kernel_may_have_cfq() of the running kernel; always TRUE on a fake machine (a prefix). */
gboolean cgfs_stats_cache_cfq_possible(const CgfsStatsCache *c);
/* The name the hugetlb controller gives a page of @kib KiB ("64KB", "2MB", "1GB"). */
char *cgfs_hugetlb_size_name(guint64 kib);

/* ---- reading (stats.c) ---- */

struct _CgfsStatsPrivate {
  CgfsSystem *sys;       /* keeps the cache, and the strings it hands out, alive */
  GStringChunk *strings; /* unknown keys, rdma device names; created on first use */
};

/* Big enough for any stats file of an ordinary machine in one read(); larger ones spill to
 * the heap. usage_all of 256 CPUs is ~8 KiB. */
#define CGFS_STATS_BUF_SIZE 16384

/* v2 controllers whose files a cgroup has: those its cgroup.controllers lists. */
enum {
  CGFS_V2_CPU = 1 << 0,
  CGFS_V2_IO = 1 << 1,
  CGFS_V2_MEMORY = 1 << 2,
  CGFS_V2_PIDS = 1 << 3,
  CGFS_V2_HUGETLB = 1 << 4,
  CGFS_V2_RDMA = 1 << 5,
};

/* The CGFS_V2_* bits of a cgroup.controllers line. */
guint cgfs_parse_v2_controllers(const char *text, gsize len);

typedef struct {
  CgfsStats *s;
  CgfsStatsCache *cache;
  const CgfsCgroupDir *dir; /* the directory being read, for messages */
  guint controllers;        /* v2: CGFS_V2_* */
  CgfsText text;            /* the file just read */
  char buf[CGFS_STATS_BUF_SIZE];
} CgfsStatsReader;

/* Read @name of the current directory into r->text: 1 when read, 0 when the file does not
 * exist, -1 on error (named with the directory). */
int cgfs_stats_read(CgfsStatsReader *r, const char *name, GError **error);
/* Read @name and parse it with the matching parser: 1, 0 (absent) or -1 as above. */
int cgfs_stats_read_single(CgfsStatsReader *r, const char *name, gboolean allow_max,
                           guint64 *out, GError **error);
int cgfs_stats_read_flat(CgfsStatsReader *r, const char *name, const CgfsStatsTable *t,
                         void *base, CgfsStatsCounter **extra, guint *n_extra, GError **error);
int cgfs_stats_read_psi(CgfsStatsReader *r, const char *name, CgfsPsiStats *out, GError **error);
/* Single-value files into counters of @base: @files[i] fills @t's field @first + i. 1 when
 * any exists, 0 when none does, -1 on error. */
int cgfs_stats_read_singles(CgfsStatsReader *r, const char *const *files, guint first,
                            guint count, gboolean allow_max, const CgfsStatsTable *t, void *base,
                            GError **error);
/* Prefix the error with the directory being read; returns -1. */
int cgfs_stats_fail(CgfsStatsReader *r, GError **error);
/* After a controller found none of its files in a directory that exists: ENOENT if the cgroup
 * itself is gone (no cgroup.procs), else 0. */
int cgfs_stats_check_deleted(CgfsStatsReader *r, GError **error);

/* Point the reader at @subsystem's directory; FALSE when the cgroup has none there. */
gboolean cgfs_stats_enter(CgfsStatsReader *r, const CgfsCgroup *cg, const char *subsystem);

/* The controller readers: each returns FALSE with @error set on failure, TRUE otherwise
 * (including when the controller is absent). */
gboolean cgfs_stats_v1_cpu(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error);
gboolean cgfs_stats_v1_memory(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error);
gboolean cgfs_stats_v1_pids(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error);
gboolean cgfs_stats_v1_blkio(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error);
gboolean cgfs_stats_v1_hugetlb(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error);
gboolean cgfs_stats_v1_rdma(CgfsStatsReader *r, const CgfsCgroup *cg, GError **error);
gboolean cgfs_stats_v2_cpu(CgfsStatsReader *r, GError **error);
gboolean cgfs_stats_v2_memory(CgfsStatsReader *r, GError **error);
gboolean cgfs_stats_v2_pids(CgfsStatsReader *r, GError **error);
gboolean cgfs_stats_v2_io(CgfsStatsReader *r, GError **error);
gboolean cgfs_stats_v2_hugetlb(CgfsStatsReader *r, GError **error);
gboolean cgfs_stats_v2_rdma(CgfsStatsReader *r, GError **error);
