/* memory: OCI memory.* <-> v1 memory.* files, v2 memory.max / memory.low / memory.swap.max. */
#include "config-internal.h"

#include <stdio.h>
#include <sys/utsname.h>

#include "convert.h"
#include "fileio.h"
#include "resources-private.h"

#define LIMIT "memory.limit_in_bytes"
#define MEMSW "memory.memsw.limit_in_bytes"
#define KMEM "memory.kmem.limit_in_bytes"
#define KMEM_TCP "memory.kmem.tcp.limit_in_bytes"

gboolean cgfs_kernel_ignores_kmem_limit(const char *release)
{
  int major = 0, minor = 0;
  if (sscanf(release, "%d.%d", &major, &minor) != 2)
    return FALSE;
  return major > 6 || (major == 6 && minor >= 1);
}

static gboolean running_kernel_ignores_kmem_limit(void)
{
  struct utsname u;
  return uname(&u) == 0 && cgfs_kernel_ignores_kmem_limit(u.release);
}

/* -1 is unlimited: above everything. */
static gboolean limit_le(gint64 a, gint64 b)
{
  return b == -1 || (a != -1 && a <= b);
}

static char *limit_text(gint64 v)
{
  return v == -1 ? g_strdup("unlimited (-1)") : g_strdup_printf("%" G_GINT64_FORMAT, v);
}

/* A limit already there is not written again, however the kernel spells "unlimited". */
static gboolean write_limit(CgfsPlan *p, int fd, const char *field, const char *file,
                            gint64 value, GError **error)
{
  char buf[CGFS_NUMBER_TEXT];
  const char *text = cgfs_limit_format_in(value, cgfs_plan_version(p), buf);
  if (!cgfs_plan_write(p, fd, field, file, text, error))
    return FALSE;
  /* the old content, read for the write just planned (no second read) */
  gint64 current;
  if (cgfs_plan_read_limit(p, fd, field, file, &current, NULL) && current == value)
    cgfs_plan_last(p)->skip = TRUE;
  return TRUE;
}

/* memory.checkBeforeUpdate: refuse a limit below what the cgroup uses now. */
static gboolean check_usage(CgfsPlan *p, int fd, const CgfsMemoryResources *m, GError **error)
{
  if (!m->has_check_before_update || !m->check_before_update || !m->has_limit ||
      m->limit == -1)
    return TRUE;
  const char *file = cgfs_plan_version(p) == 2 ? "memory.current" : "memory.usage_in_bytes";
  gint64 usage;
  if (!cgfs_plan_read_limit(p, fd, "memory.checkBeforeUpdate", file, &usage, error))
    return FALSE;
  if (usage != -1 && m->limit < usage) {
    cgfs_set_error(error, EBUSY,
                   "memory.limit: %" G_GINT64_FORMAT " is below the current usage %" G_GINT64_FORMAT
                   " (%s) and memory.checkBeforeUpdate is set",
                   m->limit, usage, file);
    return FALSE;
  }
  return TRUE;
}

/* v1 keeps limit <= memsw limit at every step: raise memsw first, lower the limit first. */
static gboolean plan_limits_v1(CgfsPlan *p, int fd, const CgfsMemoryResources *m,
                               GError **error)
{
  if (!m->has_limit && !m->has_swap)
    return TRUE;
  /* Swap accounting is on where memsw exists: its read (needed below) tells, no stat first. */
  gint64 cur_swap = -1;
  g_autoptr(GError) no_memsw = NULL;
  gboolean has_memsw = cgfs_plan_read_limit(p, fd, "memory.swap", MEMSW, &cur_swap, &no_memsw);
  if (!has_memsw && no_memsw->code != EOPNOTSUPP) {
    g_propagate_error(error, g_steal_pointer(&no_memsw));
    return FALSE;
  }
  /* Without swap accounting, unlimited swap is the only state there is. */
  gboolean has_swap = m->has_swap && (has_memsw || m->swap != -1);
  if (!m->has_limit && !has_swap)
    return TRUE;
  if (has_swap && !has_memsw) {
    cgfs_set_error(error, EOPNOTSUPP,
                   "memory.swap: swap accounting is off on this machine (no " MEMSW "); only -1 "
                   "is accepted");
    return FALSE;
  }
  gint64 cur_limit;
  if (!cgfs_plan_read_limit(p, fd, "memory.limit", LIMIT, &cur_limit, error))
    return FALSE;
  gint64 limit = m->has_limit ? m->limit : cur_limit;
  gint64 swap = has_swap ? m->swap : cur_swap;
  if (has_memsw && !limit_le(limit, swap)) {
    g_autofree char *l = limit_text(limit), *s = limit_text(swap);
    if (has_swap)
      cgfs_set_error(error, EINVAL,
                     "memory.swap: %s is below memory.limit %s (it is memory + swap)", s, l);
    else
      cgfs_set_error(error, EINVAL,
                     "memory.limit: %s is above the memory+swap limit %s (" MEMSW
                     "); set memory.swap as well", l, s);
    return FALSE;
  }
  if (!check_usage(p, fd, m, error))
    return FALSE;
  gboolean swap_first = has_swap && !limit_le(limit, cur_swap);
  if (swap_first && !write_limit(p, fd, "memory.swap", MEMSW, m->swap, error))
    return FALSE;
  if (m->has_limit && !write_limit(p, fd, "memory.limit", LIMIT, m->limit, error))
    return FALSE;
  if (has_swap && !swap_first && !write_limit(p, fd, "memory.swap", MEMSW, m->swap, error))
    return FALSE;
  return TRUE;
}

static gboolean plan_kernel_v1(CgfsPlan *p, int fd, gint64 kernel, GError **error)
{
  if (running_kernel_ignores_kmem_limit()) {
    if (kernel == -1)
      return TRUE; /* unlimited is what this kernel always does */
    cgfs_set_error(error, EOPNOTSUPP,
                   "memory.kernel: kernel memory limits are not supported here (Linux 6.1 and "
                   "later ignore " KMEM "); only -1 is accepted");
    return FALSE;
  }
  return write_limit(p, fd, "memory.kernel", KMEM, kernel, error);
}

/* memory.oom_control reads "oom_kill_disable N\nunder_oom M..." and takes "N". */
static gboolean plan_oom_v1(CgfsPlan *p, int fd, gboolean disable, GError **error)
{
  const char *field = "memory.disableOOMKiller";
  g_autofree char *text = cgfs_plan_read(p, fd, field, "memory.oom_control", error);
  if (!text)
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  const char *line = cgfs_res_find_line(lines, "oom_kill_disable");
  if (!line) {
    cgfs_set_error(error, EBADMSG, "%s: invalid file format: memory.oom_control has no "
                   "oom_kill_disable", field);
    return FALSE;
  }
  const char *old = line + strlen("oom_kill_disable ");
  GPtrArray *undo = g_ptr_array_new_with_free_func((GDestroyNotify)cgfs_file_write_free);
  g_ptr_array_add(undo, cgfs_file_write_new(fd, "memory.oom_control", old));
  const char *value = disable ? "1" : "0";
  CgfsPlannedWrite *pw = cgfs_plan_write_undo(p, fd, field, "memory.oom_control", value, undo);
  pw->skip = strcmp(old, value) == 0;
  return TRUE;
}

static const char *first_v1_field(const CgfsMemoryResources *m)
{
  if (m->has_reservation)
    return "memory.reservation";
  if (m->has_limit)
    return "memory.limit";
  if (m->has_swap)
    return "memory.swap";
  if (m->has_kernel)
    return "memory.kernel";
  if (m->has_kernel_tcp)
    return "memory.kernelTCP";
  if (m->has_swappiness)
    return "memory.swappiness";
  if (m->has_disable_oom_killer)
    return "memory.disableOOMKiller";
  if (m->has_use_hierarchy)
    return "memory.useHierarchy";
  return NULL;
}

static gboolean plan_v1(CgfsPlan *p, const CgfsMemoryResources *m, GError **error)
{
  const char *field = first_v1_field(m);
  if (!field)
    return TRUE;
  int fd = cgfs_plan_dir(p, "memory", field, error);
  if (fd < 0)
    return FALSE;
  if (m->has_reservation &&
      !write_limit(p, fd, "memory.reservation", "memory.soft_limit_in_bytes", m->reservation,
                   error))
    return FALSE;
  if (!plan_limits_v1(p, fd, m, error))
    return FALSE;
  if (m->has_kernel && !plan_kernel_v1(p, fd, m->kernel, error))
    return FALSE;
  if (m->has_kernel_tcp &&
      !write_limit(p, fd, "memory.kernelTCP", KMEM_TCP, m->kernel_tcp, error))
    return FALSE;
  if (m->has_swappiness) {
    g_autofree char *v = g_strdup_printf("%" G_GUINT64_FORMAT, m->swappiness);
    if (!cgfs_plan_write(p, fd, "memory.swappiness", "memory.swappiness", v, error))
      return FALSE;
  }
  if (m->has_disable_oom_killer && !plan_oom_v1(p, fd, m->disable_oom_killer, error))
    return FALSE;
  if (m->has_use_hierarchy &&
      !cgfs_plan_write(p, fd, "memory.useHierarchy", "memory.use_hierarchy",
                       m->use_hierarchy ? "1" : "0", error))
    return FALSE;
  return TRUE;
}

/* The v1 knobs cgroup v2 lacks: fine when they ask for what v2 always does. */
static gboolean check_v2_only_defaults(const CgfsMemoryResources *m, GError **error)
{
  const char *field = NULL, *why = NULL;
  if (m->has_kernel && m->kernel != -1)
    field = "memory.kernel", why = "kernel memory counts in memory.max; only -1 is accepted";
  else if (m->has_kernel_tcp && m->kernel_tcp != -1)
    field = "memory.kernelTCP", why = "TCP buffers count in memory.max; only -1 is accepted";
  else if (m->has_swappiness)
    field = "memory.swappiness", why = "there is no per-cgroup swappiness";
  else if (m->has_disable_oom_killer && m->disable_oom_killer)
    field = "memory.disableOOMKiller", why = "the OOM killer cannot be disabled";
  else if (m->has_use_hierarchy && !m->use_hierarchy)
    field = "memory.useHierarchy", why = "accounting is always hierarchical";
  if (!field)
    return TRUE;
  cgfs_set_error(error, EOPNOTSUPP, "%s: not supported on cgroup v2: %s", field, why);
  return FALSE;
}

static gboolean plan_swap_v2(CgfsPlan *p, int fd, const CgfsMemoryResources *m, GError **error)
{
  gint64 limit = m->limit;
  if (!m->has_limit && !cgfs_plan_read_limit(p, fd, "memory.swap", "memory.max", &limit, error))
    return FALSE;
  gint64 swap_max;
  if (!cgfs_memory_swap_to_v2(m->swap, limit, &swap_max)) {
    g_autofree char *l = limit_text(limit);
    cgfs_set_error(error, EINVAL,
                   limit == -1 ? "memory.swap: %" G_GINT64_FORMAT " cannot be set with an "
                                 "unlimited memory.limit (%s); use -1"
                               : "memory.swap: %" G_GINT64_FORMAT " is below memory.limit %s "
                                 "(it is memory + swap)",
                   m->swap, l);
    return FALSE;
  }
  if (!cgfs_exists_at(fd, "memory.swap.max")) {
    if (swap_max == 0 || swap_max == -1)
      return TRUE; /* no swap at all: both "none" and "unlimited" hold */
    cgfs_set_error(error, EOPNOTSUPP, "memory.swap: this machine has no swap support (no "
                   "memory.swap.max)");
    return FALSE;
  }
  return write_limit(p, fd, "memory.swap", "memory.swap.max", swap_max, error);
}

static gboolean plan_v2(CgfsPlan *p, const CgfsMemoryResources *m, GError **error)
{
  if (!check_v2_only_defaults(m, error))
    return FALSE;
  const char *field = m->has_reservation ? "memory.reservation"
                      : m->has_limit     ? "memory.limit"
                      : m->has_swap      ? "memory.swap"
                                         : NULL;
  if (!field)
    return TRUE;
  int fd = cgfs_plan_dir(p, "memory", field, error);
  if (fd < 0)
    return FALSE;
  if (m->has_reservation &&
      !write_limit(p, fd, "memory.reservation", "memory.low", m->reservation, error))
    return FALSE;
  if (!check_usage(p, fd, m, error))
    return FALSE;
  if (m->has_limit && !write_limit(p, fd, "memory.limit", "memory.max", m->limit, error))
    return FALSE;
  return !m->has_swap || plan_swap_v2(p, fd, m, error);
}

static gboolean plan(CgfsPlan *p, const CgfsResources *r, GError **error)
{
  if (cgfs_plan_version(p) == 2)
    return plan_v2(p, &r->memory, error);
  return plan_v1(p, &r->memory, error);
}

static gboolean read_oom_v1(int fd, CgfsMemoryResources *m, GError **error)
{
  g_autofree char *text = NULL;
  if (!cgfs_res_read_optional(fd, "memory.oom_control", &text, error))
    return FALSE;
  if (!text)
    return TRUE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  const char *line = cgfs_res_find_line(lines, "oom_kill_disable");
  if (line) {
    m->has_disable_oom_killer = TRUE;
    m->disable_oom_killer = strcmp(line, "oom_kill_disable 1") == 0;
  }
  return TRUE;
}

static gboolean read_v1(int fd, CgfsMemoryResources *m, GError **error)
{
  gint64 v;
  gboolean has = FALSE;
  if (!cgfs_res_read_limit(fd, LIMIT, &m->has_limit, &m->limit, error) ||
      !cgfs_res_read_limit(fd, "memory.soft_limit_in_bytes", &m->has_reservation,
                           &m->reservation, error) ||
      !cgfs_res_read_limit(fd, MEMSW, &m->has_swap, &m->swap, error) ||
      !cgfs_res_read_limit(fd, KMEM_TCP, &m->has_kernel_tcp, &m->kernel_tcp, error))
    return FALSE;
  if (!running_kernel_ignores_kmem_limit() &&
      !cgfs_res_read_limit(fd, KMEM, &m->has_kernel, &m->kernel, error))
    return FALSE;
  if (!cgfs_res_read_int(fd, "memory.swappiness", 0, 200, &has, &v, error))
    return FALSE;
  m->has_swappiness = has;
  m->swappiness = has ? (guint64)v : 0;
  has = FALSE;
  if (!cgfs_res_read_int(fd, "memory.use_hierarchy", 0, 1, &has, &v, error))
    return FALSE;
  m->has_use_hierarchy = has;
  m->use_hierarchy = has && v == 1;
  return read_oom_v1(fd, m, error);
}

/* v2 knobs without an OCI field, reported under "unified" so that writing back keeps them. */
static const char *const v2_extras[] = {
  "memory.min", "memory.high", "memory.swap.high", "memory.oom.group", NULL,
};

static gboolean read_v2(int fd, CgfsResources *r, GError **error)
{
  CgfsMemoryResources *m = &r->memory;
  gboolean has_swap_max = FALSE;
  gint64 swap_max;
  if (!cgfs_res_read_limit(fd, "memory.max", &m->has_limit, &m->limit, error) ||
      !cgfs_res_read_limit(fd, "memory.low", &m->has_reservation, &m->reservation, error) ||
      !cgfs_res_read_limit(fd, "memory.swap.max", &has_swap_max, &swap_max, error))
    return FALSE;
  if (m->has_limit && has_swap_max) {
    m->has_swap = cgfs_memory_swap_from_v2(m->limit, swap_max, &m->swap);
    g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, swap_max);
    if (!m->has_swap) /* a finite swap.max under an unlimited memory.max: kept as it is */
      cgfs_res_add_unified_file(r, "memory.swap.max", text);
  }
  for (const char *const *f = v2_extras; *f; f++) {
    g_autofree char *text = NULL;
    if (!cgfs_res_read_optional(fd, *f, &text, error))
      return FALSE;
    if (text)
      cgfs_res_add_unified_file(r, *f, text);
  }
  return TRUE;
}

static gboolean read_back(CgfsCgroup *cg, CgfsResources *out, GError **error)
{
  int fd = cgfs_res_read_dir(cg, "memory");
  if (fd < 0)
    return TRUE;
  if (cgfs_cgroup_version(cg) == 2)
    return read_v2(fd, out, error);
  return read_v1(fd, &out->memory, error);
}

const CgfsResController cgfs_res_memory = { "memory", plan, read_back };
