/* The resources object and the update engine: plan, snapshot, execute, roll back. */
#include "config-internal.h"

#include <pthread.h>
#include <signal.h>
#include <sys/file.h>

#include "backend.h"
#include "convert.h"
#include "fileio.h"
#include "journal-private.h"
#include "resources-private.h"

/* ---- the object ---- */

static void unified_entry_clear(CgfsUnifiedEntry *e)
{
  g_clear_pointer(&e->key, g_free);
  g_clear_pointer(&e->value, g_free);
}

static GArray *array_of(gsize element_size)
{
  return g_array_new(FALSE, TRUE, (guint)element_size);
}

CgfsResources *cgfs_resources_new(void)
{
  CgfsResources *r = g_new0(CgfsResources, 1);
  r->devices = array_of(sizeof(CgfsDeviceRule));
  r->block_io.weight_device = array_of(sizeof(CgfsWeightDevice));
  r->block_io.throttle_read_bps_device = array_of(sizeof(CgfsThrottleDevice));
  r->block_io.throttle_write_bps_device = array_of(sizeof(CgfsThrottleDevice));
  r->block_io.throttle_read_iops_device = array_of(sizeof(CgfsThrottleDevice));
  r->block_io.throttle_write_iops_device = array_of(sizeof(CgfsThrottleDevice));
  r->hugepage_limits = array_of(sizeof(CgfsHugepageLimit));
  r->network.priorities = array_of(sizeof(CgfsInterfacePriority));
  r->rdma = array_of(sizeof(CgfsRdmaLimit));
  r->unified = array_of(sizeof(CgfsUnifiedEntry));
  g_array_set_clear_func(r->unified, (GDestroyNotify)unified_entry_clear);
  return r;
}

void cgfs_resources_free(CgfsResources *r)
{
  if (!r)
    return;
  g_clear_pointer(&r->devices, g_array_unref);
  g_free(r->cpu.cpus);
  g_free(r->cpu.mems);
  g_clear_pointer(&r->block_io.weight_device, g_array_unref);
  g_clear_pointer(&r->block_io.throttle_read_bps_device, g_array_unref);
  g_clear_pointer(&r->block_io.throttle_write_bps_device, g_array_unref);
  g_clear_pointer(&r->block_io.throttle_read_iops_device, g_array_unref);
  g_clear_pointer(&r->block_io.throttle_write_iops_device, g_array_unref);
  g_clear_pointer(&r->hugepage_limits, g_array_unref);
  g_clear_pointer(&r->network.priorities, g_array_unref);
  g_clear_pointer(&r->rdma, g_array_unref);
  g_clear_pointer(&r->unified, g_array_unref);
  g_free(r);
}

void cgfs_resources_add_unified(CgfsResources *r, const char *key, const char *value)
{
  CgfsUnifiedEntry e = { g_strdup(key), g_strdup(value) };
  g_array_append_val(r->unified, e);
}

/* ---- the plan ---- */

/* The test hooks' settings (test_hooks). */
typedef struct {
  gboolean kill;
  guint64 kill_at;
  guint64 delay_ms;
} TestHooks;

/* A file read while planning; its strings are the plan's (p->strings). */
typedef struct {
  int fd;
  char *file;
  char *raw;  /* the content as read: what writing back restores exactly */
  gsize len;  /* of @raw */
  char *text; /* without its trailing newlines, for planning decisions */
} PlanRead;

struct _CgfsPlan {
  CgfsCgroup *cg;
  GArray *writes;   /* CgfsPlannedWrite */
  /* CgfsPlannedWrite* already executed (v2 enabling), to undo on failure; NULL: none yet */
  GPtrArray *done;
  GArray *own_fds;  /* int: directories the plan opened (v2 ancestors); NULL: none yet */
  /* PlanRead: the raw content of each file read while planning. Every planning read sees the
   * kernel as it was before the update, so each file is read once. A few per plan: looked up
   * in order (cheaper than hashing "FD/FILE" keys and a table per plan). */
  GArray *reads;
  GHashTable *prepared; /* v2 controllers already made available, names; NULL: none yet */
  /* The strings of the plan's writes (files, values, fields, labels) and of its reads, freed
   * with the plan: an update makes tens of them, each a malloc and a free otherwise. */
  GStringChunk *strings;
  /* CgfsFileWrite: the restoring writes of every planned write, each write's a range of them
   * (undo_at, n_undo): one array per plan instead of a list per write. */
  GArray *restores;
  CgfsJournalRecord *record; /* its journal record, once written (NULL: none, or no journal) */
  guint made;                /* writes made so far (for the test hooks) */
  TestHooks hooks; /* as they were when the plan was made */
  int overrides; /* the thread has CAP_DAC_OVERRIDE: 1, 0, or -1 not asked yet (may_open) */
};

CgfsFileWrite *cgfs_file_write_new(int fd, const char *file, const char *value)
{
  CgfsFileWrite *w = g_new(CgfsFileWrite, 1);
  w->dirfd = fd;
  w->file = g_strdup(file);
  w->value = g_strdup(value);
  return w;
}

void cgfs_file_write_free(CgfsFileWrite *w)
{
  if (!w)
    return;
  g_free(w->file);
  g_free(w->value);
  g_free(w);
}

static void planned_write_clear(CgfsPlannedWrite *pw)
{
  if (pw->step && pw->step->free)
    pw->step->free(pw->step_data);
  pw->step = NULL;
  pw->step_data = NULL;
  /* its strings and restoring writes are the plan's */
}

static void planned_write_free(CgfsPlannedWrite *pw)
{
  planned_write_clear(pw);
  g_free(pw);
}

static void close_fd_item(int *fd)
{
  cgfs_close_fd(fd);
}

/* The test hooks' settings from the environment, read at the first plan of the process and
 * again at the first plan of a forked child (the tests set them in a child they fork), not at
 * every plan: g_getenv twice per plan cost ~700 instructions per update. */
static TestHooks *hooks_read; /* atomic; NULL: not read yet */

static void forget_hooks(void)
{
  g_clear_pointer(&hooks_read, g_free); /* a forked child, one thread */
}

static TestHooks test_hooks_settings(void)
{
  static gsize registered;
  if (g_once_init_enter(&registered)) {
    pthread_atfork(NULL, NULL, forget_hooks);
    g_once_init_leave(&registered, 1);
  }
  TestHooks *h = g_atomic_pointer_get(&hooks_read);
  if (h)
    return *h;
  h = g_new(TestHooks, 1);
  const char *kill_at = g_getenv("CGFS_TEST_KILL_AFTER_WRITES");
  h->kill = kill_at && *kill_at;
  h->kill_at = h->kill ? g_ascii_strtoull(kill_at, NULL, 10) : 0;
  const char *delay = g_getenv("CGFS_TEST_PLAN_DELAY_MS");
  h->delay_ms = delay ? g_ascii_strtoull(delay, NULL, 10) : 0;
  TestHooks settings = *h;
  if (!g_atomic_pointer_compare_and_exchange(&hooks_read, NULL, h))
    g_free(h); /* another thread read them first: the same values */
  return settings;
}

static void plan_destroy(CgfsPlan *p)
{
  g_array_unref(p->writes);
  g_array_unref(p->reads);
  g_array_unref(p->restores);
  g_string_chunk_free(p->strings); /* after everything that points into it */
  g_free(p);
}

/* A thread's last freed plan, its containers emptied, for the thread's next plan: making and
 * freeing them (three GArrays, a GStringChunk) cost ~2 000 instructions per update. Kept only
 * when its arrays are small (they keep their size), so that a thread holds a few KB at most. */
static GPrivate spare_plan = G_PRIVATE_INIT((GDestroyNotify)plan_destroy);
#define SPARE_MAX_ENTRIES 32

static gboolean worth_keeping(const CgfsPlan *p)
{
  return p->writes->len <= SPARE_MAX_ENTRIES && p->reads->len <= SPARE_MAX_ENTRIES &&
         p->restores->len <= SPARE_MAX_ENTRIES && !g_private_get(&spare_plan);
}

CgfsPlan *cgfs_plan_new(CgfsCgroup *cg)
{
  CgfsPlan *p = g_private_get(&spare_plan);
  if (p) {
    g_private_set(&spare_plan, NULL);
  } else {
    p = g_new0(CgfsPlan, 1);
    p->writes = g_array_sized_new(FALSE, TRUE, sizeof(CgfsPlannedWrite), 4);
    g_array_set_clear_func(p->writes, (GDestroyNotify)planned_write_clear);
    p->reads = g_array_sized_new(FALSE, FALSE, sizeof(PlanRead), 4);
    p->strings = g_string_chunk_new(512); /* a limits update's strings fit in one block */
    p->restores = g_array_sized_new(FALSE, FALSE, sizeof(CgfsFileWrite), 4);
  }
  p->cg = cgfs_cgroup_ref(cg);
  p->overrides = -1;
  p->hooks = test_hooks_settings();
  return p;
}

void cgfs_plan_free(CgfsPlan *p)
{
  if (!p)
    return;
  gboolean keep = worth_keeping(p);
  g_array_set_size(p->writes, 0);
  g_clear_pointer(&p->done, g_ptr_array_unref);
  g_clear_pointer(&p->own_fds, g_array_unref);
  g_array_set_size(p->reads, 0);
  g_clear_pointer(&p->prepared, g_hash_table_unref);
  g_array_set_size(p->restores, 0);
  g_string_chunk_clear(p->strings); /* after everything that points into it */
  g_clear_pointer(&p->record, cgfs_journal_record_drop); /* what it made while planning stays */
  g_clear_pointer(&p->cg, cgfs_cgroup_unref);
  p->made = 0;
  if (keep)
    g_private_set(&spare_plan, p);
  else
    plan_destroy(p);
}

int cgfs_plan_version(const CgfsPlan *p)
{
  return cgfs_cgroup_version(p->cg);
}

CgfsCgroup *cgfs_plan_cgroup(const CgfsPlan *p)
{
  return p->cg;
}

guint cgfs_plan_length(const CgfsPlan *p)
{
  return p->writes->len;
}

const CgfsPlannedWrite *cgfs_plan_get(const CgfsPlan *p, guint i)
{
  g_return_val_if_fail(i < p->writes->len, NULL);
  return &g_array_index(p->writes, CgfsPlannedWrite, i);
}

int cgfs_plan_keep_fd(CgfsPlan *p, int fd)
{
  if (!p->own_fds) {
    p->own_fds = g_array_new(FALSE, FALSE, sizeof(int));
    g_array_set_clear_func(p->own_fds, (GDestroyNotify)close_fd_item);
  }
  g_array_append_val(p->own_fds, fd);
  return fd;
}

static int v1_dir(CgfsPlan *p, const char *subsystem, const char *field, GError **error)
{
  const CgfsCgroupDir *d = cgfs_cgroup_dir(p->cg, subsystem);
  if (!d) {
    cgfs_set_error(error, EOPNOTSUPP, "%s: the %s controller is not mounted on this machine",
                   field, subsystem);
    return -1;
  }
  if (d->fd < 0) {
    cgfs_set_error(error, ENOENT, "%s: cgroup %s does not exist in the %s hierarchy (%s)",
                   field, p->cg->path, subsystem, d->dir);
    return -1;
  }
  return d->fd;
}

int cgfs_plan_dir(CgfsPlan *p, const char *controller, const char *field, GError **error)
{
  if (cgfs_plan_version(p) == 1)
    return v1_dir(p, controller, field, error);
  const CgfsCgroupDir *d = cgfs_cgroup_dir(p->cg, controller);
  if (d->fd < 0) {
    cgfs_set_error(error, ENOENT, "%s: cgroup deleted: %s does not exist", field, d->dir);
    return -1;
  }
  const CgfsBackend *b = p->cg->backend;
  if (strcmp(controller, "cgroup") == 0 || !b->prepare_controller ||
      (p->prepared && g_hash_table_contains(p->prepared, controller)))
    return d->fd;
  if (!b->prepare_controller(p, controller, field, error))
    return -1;
  if (!p->prepared)
    p->prepared = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add(p->prepared, g_strdup(controller));
  return d->fd;
}

gboolean cgfs_plan_missing_file(CgfsPlan *p, int fd, const char *field, const char *file,
                                GError **error)
{
  /* Every cgroup directory has cgroup.procs: without it the cgroup was removed meanwhile (its
   * directory fd still open), which is not the machine lacking a controller. */
  if (!cgfs_exists_at(fd, "cgroup.procs"))
    cgfs_set_error(error, ENOENT, "%s: cgroup deleted: %s", field, p->cg->path);
  else
    cgfs_set_error(error, EOPNOTSUPP, "%s: not supported here: no %s in %s", field, file,
                   p->cg->path);
  return FALSE;
}

/* Whether @file's controller (the name before its first dot) is listed in the cgroup.controllers
 * of the v2 cgroup at @fd. */
static gboolean controller_listed(int fd, const char *file)
{
  g_autofree char *controller = g_strndup(file, strcspn(file, "."));
  g_autofree char *line = cgfs_read_line_at(fd, "cgroup.controllers", NULL);
  g_auto(GStrv) words = g_strsplit(line ? line : "", " ", -1);
  return g_strv_contains((const char *const *)words, controller);
}

/* cgroup v2 shows a controller in cgroup.controllers as soon as a parent's subtree_control
 * enables it, and creates the controller's files in the children only after: a concurrent
 * enabling (another request, another program) can be seen half-done. Wait for the files. */
static gboolean read_enabling(CgfsPlan *p, int fd, const char *file, char *buf, gsize size,
                              CgfsText *out, GError **error)
{
  gint64 deadline = 0; /* from the first time the file is missing */
  for (;;) {
    g_autoptr(GError) local = NULL;
    if (cgfs_kept_read_text_at(p->cg, fd, file, buf, size, out, &local))
      return TRUE;
    if (!deadline)
      deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    if (local->code != ENOENT || cgfs_plan_version(p) != 2 ||
        g_get_monotonic_time() > deadline || !controller_listed(fd, file)) {
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
    g_usleep(1000);
  }
}

/* A copy of @len bytes of @text (a NUL after them) that lives as long as the plan. */
static char *plan_string_len(CgfsPlan *p, const char *text, gsize len)
{
  return g_string_chunk_insert_len(p->strings, text, (gssize)len);
}

static char *plan_string(CgfsPlan *p, const char *text)
{
  return text ? g_string_chunk_insert(p->strings, text) : NULL;
}

/* The file's content as it is, trailing newline included (what restores it exactly), and
 * without it. Read from the kernel once per plan; the strings are the plan's. */
static gboolean read_raw(CgfsPlan *p, int fd, const char *field, const char *file,
                         PlanRead *out, GError **error)
{
  for (guint i = 0; i < p->reads->len; i++) {
    const PlanRead *r = &g_array_index(p->reads, PlanRead, i);
    if (r->fd == fd && strcmp(r->file, file) == 0) {
      *out = *r;
      return TRUE;
    }
  }
  g_autoptr(GError) local = NULL;
  char buf[CGFS_SMALL_FILE_SIZE]; /* copied into the plan's strings: no heap copy first */
  CgfsText read;
  if (!read_enabling(p, fd, file, buf, sizeof buf, &read, &local)) {
    if (local->code == ENOENT)
      cgfs_plan_missing_file(p, fd, field, file, error);
    else
      cgfs_set_error(error, local->code, "%s: %s", field, local->message);
    return FALSE;
  }
  const char *text = read.text;
  gsize len = strlen(text); /* up to a NUL, as a C string of it is read */
  gsize stripped = len;
  while (stripped > 0 && text[stripped - 1] == '\n')
    stripped--;
  out->fd = fd;
  out->file = plan_string(p, file);
  out->raw = plan_string_len(p, text, len);
  out->len = len;
  out->text = stripped == len ? out->raw : plan_string_len(p, text, stripped);
  cgfs_text_clear(&read);
  g_array_append_val(p->reads, *out);
  return TRUE;
}

char *cgfs_plan_read_raw(CgfsPlan *p, int fd, const char *field, const char *file,
                         GError **error)
{
  PlanRead r;
  return read_raw(p, fd, field, file, &r, error) ? g_strdup(r.raw) : NULL;
}

char *cgfs_plan_read(CgfsPlan *p, int fd, const char *field, const char *file, GError **error)
{
  PlanRead r;
  return read_raw(p, fd, field, file, &r, error) ? g_strdup(r.text) : NULL;
}

gboolean cgfs_plan_read_limit(CgfsPlan *p, int fd, const char *field, const char *file,
                              gint64 *value, GError **error)
{
  PlanRead r;
  if (!read_raw(p, fd, field, file, &r, error))
    return FALSE;
  if (!cgfs_limit_parse(r.text, value)) {
    cgfs_set_error(error, EBADMSG, "%s: invalid file format: %s holds '%s'", field, file, r.text);
    return FALSE;
  }
  return TRUE;
}

/* How messages name @file of @fd: its path for a directory the plan opened (a v2 ancestor),
 * else NULL, which means the file's name (no copy of it per write). */
static char *label_for(CgfsPlan *p, int fd, const char *file)
{
  for (guint i = 0; p->own_fds && i < p->own_fds->len; i++)
    if (g_array_index(p->own_fds, int, i) == fd) {
      g_autofree char *link = g_strdup_printf("/proc/self/fd/%d", fd);
      g_autofree char *dir = g_file_read_link(link, NULL);
      g_autofree char *path = dir ? g_build_filename(dir, file, NULL) : NULL;
      return plan_string(p, path ? path : file);
    }
  return NULL;
}

const char *cgfs_planned_write_label(const CgfsPlannedWrite *pw)
{
  return pw->label ? pw->label : pw->w.file;
}

/* Add the restoring write of @value to @file (strings the plan's: not copied) to the plan's
 * list, after those of @pw. */
static void add_restore(CgfsPlan *p, CgfsPlannedWrite *pw, int fd, char *file, char *value)
{
  CgfsFileWrite w = { fd, file, value };
  if (pw->n_undo == 0)
    pw->undo_at = p->restores->len;
  g_array_append_val(p->restores, w);
  pw->n_undo++;
}

const CgfsFileWrite *cgfs_plan_undo(const CgfsPlan *p, const CgfsPlannedWrite *pw)
{
  return pw->n_undo ? &g_array_index(p->restores, CgfsFileWrite, pw->undo_at) : NULL;
}

static CgfsPlannedWrite *append_write(CgfsPlan *p, const CgfsPlannedWrite *pw)
{
  g_array_append_vals(p->writes, pw, 1);
  return &g_array_index(p->writes, CgfsPlannedWrite, p->writes->len - 1);
}

/* A planned write without its restoring writes (they come next); @file is the plan's string. */
static CgfsPlannedWrite planned_write(CgfsPlan *p, int fd, const char *field, char *file,
                                      const char *value)
{
  return (CgfsPlannedWrite){
    .w = { fd, file, plan_string(p, value) },
    .field = plan_string(p, field),
    .label = label_for(p, fd, file),
  };
}

CgfsPlannedWrite *cgfs_plan_write_undo(CgfsPlan *p, int fd, const char *field,
                                       const char *file, const char *value, GPtrArray *undo)
{
  CgfsPlannedWrite pw = planned_write(p, fd, field, plan_string(p, file), value);
  for (guint i = 0; undo && i < undo->len; i++) {
    const CgfsFileWrite *w = undo->pdata[i];
    add_restore(p, &pw, w->dirfd, plan_string(p, w->file), plan_string(p, w->value));
  }
  g_clear_pointer(&undo, g_ptr_array_unref);
  return append_write(p, &pw);
}

CgfsPlannedWrite *cgfs_plan_add_step(CgfsPlan *p, const char *field, const char *what,
                                     const char *summary, const CgfsPlanStepOps *ops,
                                     gpointer data)
{
  CgfsPlannedWrite pw = {
    .w = { -1, plan_string(p, what), plan_string(p, summary) },
    .field = plan_string(p, field),
    .label = plan_string(p, what),
    .step = ops,
    .step_data = data,
  };
  return append_write(p, &pw);
}

/* A write restored by writing @old back (@file and @old the plan's strings). */
static CgfsPlannedWrite *add_write(CgfsPlan *p, int fd, const char *field, char *file,
                                   const char *value, char *old)
{
  CgfsPlannedWrite pw = planned_write(p, fd, field, file, value);
  add_restore(p, &pw, fd, pw.w.file, old);
  return append_write(p, &pw);
}

gboolean cgfs_plan_write(CgfsPlan *p, int fd, const char *field, const char *file,
                         const char *value, GError **error)
{
  PlanRead old;
  if (!read_raw(p, fd, field, file, &old, error))
    return FALSE;
  CgfsPlannedWrite *pw = add_write(p, fd, field, old.file, value, old.raw);
  pw->skip = strcmp(old.text, value) == 0; /* the undo keeps the trailing newlines */
  return TRUE;
}

const char *cgfs_res_find_line(char **lines, const char *key)
{
  gsize n = strlen(key);
  for (char **l = lines; *l; l++)
    if (strncmp(*l, key, n) == 0 && ((*l)[n] == ' ' || (*l)[n] == '\0'))
      return *l;
  return NULL;
}

gboolean cgfs_plan_write_keyed(CgfsPlan *p, int fd, const char *field, const char *file,
                               const char *key, const char *value, const char *absent,
                               GError **error)
{
  g_autofree char *text = cgfs_plan_read(p, fd, field, file, error);
  if (!text)
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  const char *old = cgfs_res_find_line(lines, key);
  if (!old)
    old = absent;
  CgfsPlannedWrite *pw = add_write(p, fd, field, plan_string(p, file), value,
                                    plan_string(p, old));
  pw->skip = strcmp(old, value) == 0;
  pw->keyed = TRUE;
  return TRUE;
}

CgfsPlannedWrite *cgfs_plan_last(CgfsPlan *p)
{
  g_return_val_if_fail(p->writes->len > 0, NULL);
  return &g_array_index(p->writes, CgfsPlannedWrite, p->writes->len - 1);
}

void cgfs_plan_pair_with_next(CgfsPlan *p)
{
  g_return_if_fail(p->writes->len > 0);
  g_array_index(p->writes, CgfsPlannedWrite, p->writes->len - 1).either_order = TRUE;
}

/* ---- test hooks ---- */

/* For the fault tests only (docs/architecture.md, "Test hooks"), read from the environment of
 * the process once (test_hooks_settings): CGFS_TEST_PLAN_DELAY_MS=N sleeps N ms after each
 * write of a plan, so that a kill at a random instant catches more plans in flight;
 * CGFS_TEST_KILL_AFTER_WRITES=N makes the process kill itself (SIGKILL) at the point where a
 * plan has made N writes (0: as soon as its record is written), to crash at an exact instant.
 * @wrote: a write was just made. */
static void test_hooks(CgfsPlan *p, gboolean wrote)
{
  if (wrote)
    p->made++;
  if (p->hooks.kill && p->hooks.kill_at == p->made)
    raise(SIGKILL);
  if (wrote && p->hooks.delay_ms > 0)
    g_usleep(p->hooks.delay_ms * 1000);
}

/* ---- execution ---- */

static const char *quoted(const char *value, char **tmp)
{
  if (!strpbrk(value, " \t\n") && *value)
    return value;
  *tmp = g_strdup_printf("'%s'", value);
  return *tmp;
}

static gboolean may_open_for_writing(int dirfd, const char *name, gpointer plan);

/* Files whose kernel write handler checks the opener's credentials (the file's, not the
 * writer's) at every write: never written through a descriptor kept for someone else. */
static gboolean opener_matters(const char *file)
{
  return strcmp(file, "cgroup.procs") == 0 || strcmp(file, "cgroup.threads") == 0 ||
         strcmp(file, "tasks") == 0 || strcmp(file, "release_agent") == 0;
}

/* @w's write; for a plan's own writes (@p not NULL) in a cached cgroup, through a descriptor
 * kept open (cgfs_kept_write: a pwrite instead of open/write/close). */
static gboolean run_write(CgfsPlan *p, const CgfsFileWrite *w, const char *field,
                          const char *label, GError **error)
{
  g_autoptr(GError) local = NULL;
  gboolean ok = p && !opener_matters(w->file)
                  ? cgfs_kept_write(p->cg, w->dirfd, w->file, w->value, may_open_for_writing,
                                    p, &local)
                  : cgfs_write_at(w->dirfd, w->file, w->value, &local);
  if (ok)
    return TRUE;
  g_autofree char *tmp = NULL;
  cgfs_set_error(error, local->code, "%s: cannot write %s to %s: %s", field,
                 quoted(w->value, &tmp), label, g_strerror(local->code));
  return FALSE;
}

static gboolean run_planned(CgfsPlan *p, const CgfsPlannedWrite *pw, GError **error)
{
  gboolean ok = pw->step ? pw->step->run(pw->step_data, error)
                         : run_write(p, &pw->w, pw->field, cgfs_planned_write_label(pw), error);
  if (ok)
    test_hooks(p, TRUE);
  return ok;
}

/* Best effort: every restoring write is tried; the first failure is reported. */
static void run_undo(const CgfsPlan *p, const CgfsPlannedWrite *pw, GString *failures)
{
  g_autoptr(GError) step_failed = NULL;
  if (pw->step && !pw->step->undo(pw->step_data, &step_failed)) {
    g_debug("rollback: %s", step_failed->message);
    g_string_append_printf(failures, "%s%s", failures->len ? "; " : "", step_failed->message);
  }
  const CgfsFileWrite *undo = cgfs_plan_undo(p, pw);
  for (guint i = 0; i < pw->n_undo; i++) {
    const CgfsFileWrite *w = &undo[i];
    g_autoptr(GError) local = NULL;
    g_autofree char *kept = NULL;
    if (cgfs_res_subtree_undo_keeps(w->dirfd, w->file, w->value, &kept)) {
      g_debug("rollback: %s: %s", cgfs_planned_write_label(pw), kept); /* another plan relies on the enabling */
      continue;
    }
    if (!cgfs_write_at(w->dirfd, w->file, w->value, &local)) {
      g_debug("rollback: %s", local->message);
      g_string_append_printf(failures, "%s%s", failures->len ? "; " : "", local->message);
    }
  }
}

/* Undo, newest first, the first @ran writes of the plan (but those skipped, which made no
 * change), then what ran while planning. */
static void rollback(const CgfsPlan *p, guint ran, GString *failures)
{
  for (guint i = ran; i-- > 0;) {
    const CgfsPlannedWrite *pw = &g_array_index(p->writes, CgfsPlannedWrite, i);
    if (!pw->skip)
      run_undo(p, pw, failures);
  }
  for (guint i = p->done ? p->done->len : 0; i-- > 0;)
    run_undo(p, p->done->pdata[i], failures);
}

static gboolean refusal_may_be_order(const GError *e)
{
  return e->code == EINVAL || e->code == EBUSY;
}

static gboolean execute(CgfsPlan *p, GError **error);

void cgfs_plan_abandon(CgfsPlan *p)
{
  g_autoptr(GString) failures = g_string_new(NULL);
  rollback(p, 0, failures);
  if (p->done)
    g_ptr_array_set_size(p->done, 0);
  g_clear_pointer(&p->record, cgfs_journal_record_drop);
}

/* The absolute path of the directory @fd, for a record: one of the cgroup's own (their paths are
 * known: no copy), else (a v2 ancestor the plan opened) from /proc/self/fd, read once per record
 * into *@others (fd -> path, made at first use; "" when it cannot be named). */
static const char *dir_path(CgfsPlan *p, int fd, GHashTable **others)
{
  for (guint i = 0; i < p->cg->dirs->len; i++) {
    const CgfsCgroupDir *d = &g_array_index(p->cg->dirs, CgfsCgroupDir, i);
    if (d->fd == fd && d->dir)
      return d->dir;
  }
  if (!*others)
    *others = g_hash_table_new_full(NULL, NULL, NULL, g_free);
  char *dir = g_hash_table_lookup(*others, GINT_TO_POINTER(fd));
  if (!dir) {
    dir = cgfs_journal_fd_path(fd, "");
    if (!dir)
      dir = g_strdup("");
    g_hash_table_insert(*others, GINT_TO_POINTER(fd), dir);
  }
  return dir;
}

/* One restoring group per write: what its undo list writes, by absolute path ("DIR/FILE", as
 * g_build_filename() joins them, appended as one JSON string without building it first). */
static void journal_add_undo(CgfsPlan *p, GString *rec, const CgfsPlannedWrite *pw,
                             GHashTable **others, gboolean *first)
{
  if (*first)
    g_string_append_c(rec, '[');
  else
    cgfs_text_append_literal(rec, ",[");
  *first = FALSE;
  gboolean none = TRUE;
  const CgfsFileWrite *undo = cgfs_plan_undo(p, pw);
  for (guint i = 0; i < pw->n_undo; i++) {
    const CgfsFileWrite *w = &undo[i];
    const char *dir = dir_path(p, w->dirfd, others);
    if (!*dir) {
      g_debug("journal: cannot name the directory of fd %d; %s is not in the record", w->dirfd,
              w->file);
      continue;
    }
    if (!none)
      g_string_append_c(rec, ',');
    cgfs_text_append_literal(rec, "{\"file\":");
    none = FALSE;
    gsize dir_len = strlen(dir);
    while (dir_len > 1 && dir[dir_len - 1] == '/')
      dir_len--;
    cgfs_json_append_path(rec, dir, dir_len, w->file);
    cgfs_text_append_literal(rec, ",\"value\":");
    cgfs_json_append_string(rec, w->value);
    g_string_append_c(rec, '}');
  }
  g_string_append_c(rec, ']');
}

/* The kernel changes the plan makes, those made while planning (v2 enabling) included. A step
 * counts as two: the device step is one change only when it replaces a single old program
 * (BPF_F_REPLACE); over several (programs libcgfs did not make) it attaches the new one, then
 * detaches the old ones one by one, and a crash between those needs the record. */
static guint changes_of(const CgfsPlan *p)
{
  guint n = p->done ? p->done->len : 0;
  for (guint i = 0; i < p->writes->len; i++) {
    const CgfsPlannedWrite *pw = &g_array_index(p->writes, CgfsPlannedWrite, i);
    n += pw->skip ? 0 : pw->step ? 2 : 1;
  }
  return n;
}

/* A step's entry, as the step records itself (a JsonBuilder's text: steps are rare). */
static void journal_add_step(GString *rec, const CgfsPlannedWrite *pw)
{
  if (!pw->step->journal) {
    cgfs_json_append_string(rec, cgfs_planned_write_label(pw));
    return;
  }
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
  pw->step->journal(pw->step_data, b);
  json_builder_end_array(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = json_to_string(root, FALSE);
  gsize len = strlen(text);
  g_string_append_len(rec, text + 1, (gssize)len - 2); /* inside the array's brackets */
}

/* The plan's undo record: the restoring writes of what already ran (v2 enabling) and, with
 * @with_writes, of every write to make, in plan order; then the steps (v2 device programs),
 * which run last, each as it records itself. Written to p->record (replacing what it held).
 * None for a plan of one change: the kernel makes one write whole or not at all, so a crash
 * leaves the old document or the new one (docs/architecture.md). Assembled as text: a
 * JsonBuilder tree cost ~110 000 instructions per update. */
static gboolean journal_plan(CgfsPlan *p, gboolean with_writes, GError **error)
{
  if (with_writes && !p->record && changes_of(p) <= 1)
    return TRUE;
  g_autoptr(GString) rec = cgfs_journal_text_start(p->cg, "update");
  if (!rec)
    return TRUE;
  g_autoptr(GHashTable) others = NULL; /* paths of directories not the cgroup's own */
  gboolean first = TRUE;
  cgfs_text_append_literal(rec, ",\"undo\":[");
  for (guint i = 0; p->done && i < p->done->len; i++)
    journal_add_undo(p, rec, p->done->pdata[i], &others, &first);
  for (guint i = 0; with_writes && i < p->writes->len; i++) {
    const CgfsPlannedWrite *pw = &g_array_index(p->writes, CgfsPlannedWrite, i);
    if (!pw->skip && !pw->step)
      journal_add_undo(p, rec, pw, &others, &first);
  }
  cgfs_text_append_literal(rec, "],\"steps\":[");
  first = TRUE;
  for (guint i = 0; with_writes && i < p->writes->len; i++) {
    const CgfsPlannedWrite *pw = &g_array_index(p->writes, CgfsPlannedWrite, i);
    if (pw->skip || !pw->step)
      continue;
    if (!first)
      g_string_append_c(rec, ',');
    first = FALSE;
    journal_add_step(rec, pw);
  }
  g_string_append_c(rec, ']');
  return cgfs_journal_text_commit(p->cg, rec, &p->record, error);
}

gboolean cgfs_plan_execute(CgfsPlan *p, GError **error)
{
  if (!journal_plan(p, TRUE, error)) {
    cgfs_plan_abandon(p);
    return FALSE;
  }
  test_hooks(p, FALSE);
  gboolean ok = execute(p, error);
  g_clear_pointer(&p->record, cgfs_journal_record_drop);
  return ok;
}

/* The permission check of the open() a write through a kept descriptor saves, for the calling
 * thread's credentials as they are now: with CAP_DAC_OVERRIDE the kernel lets it open any
 * cgroup file for writing (cgroupfs makes no other check at open: a limit file of mode 0444
 * opens for writing as root, checked against the kernel); without, faccessat(W_OK, AT_EACCESS),
 * the same mode check with the thread's fsuid, fsgid and groups. */
static gboolean may_open_for_writing(int dirfd, const char *name, gpointer plan)
{
  CgfsPlan *p = plan;
  if (p->overrides < 0)
    p->overrides = cgfs_cgroup_thread_overrides_dac(p->cg);
  return p->overrides || faccessat(dirfd, name, W_OK, AT_EACCESS) == 0;
}

/* A write skipped because the file already holds the value still answers what the kernel would:
 * a caller who may not write the file is refused (EACCES, nothing changed), as its write would
 * be; the kernel's own permission check of the open(), for the thread's credentials. */
static gboolean may_write(CgfsPlan *p, const CgfsPlannedWrite *pw, GError **error)
{
  if (pw->step || may_open_for_writing(pw->w.dirfd, pw->w.file, p))
    return TRUE;
  int code = errno;
  g_autofree char *tmp = NULL;
  cgfs_set_error(error, code, "%s: cannot write %s to %s: %s", pw->field,
                 quoted(pw->w.value, &tmp), cgfs_planned_write_label(pw), g_strerror(code));
  return FALSE;
}

/* Run the plan's writes in order. On a refusal, *@ran: how many of the plan's writes ran (those
 * skipped among them made no change). */
static gboolean run_writes(CgfsPlan *p, guint *ran, GError **error)
{
  for (guint i = 0; i < p->writes->len; i++) {
    CgfsPlannedWrite *pw = &g_array_index(p->writes, CgfsPlannedWrite, i);
    *ran = i;
    if (pw->skip && !may_write(p, pw, error))
      return FALSE;
    GError *failed = NULL;
    if (pw->skip || run_planned(p, pw, &failed))
      continue;
    CgfsPlannedWrite *next = i + 1 < p->writes->len ? pw + 1 : NULL;
    if (!pw->either_order || !next || next->skip || !refusal_may_be_order(failed) ||
        !run_planned(p, next, NULL)) {
      g_propagate_error(error, failed);
      return FALSE;
    }
    /* The other order: the second first. The pair is swapped in the plan, which so stays in
     * the order the writes ran, as the rollback undoes them (backwards). The first refusal is
     * the one reported if the second order fails too. */
    CgfsPlannedWrite first = *pw;
    *pw = *next;
    *next = first;
    *ran = i + 1;
    if (!run_planned(p, next, NULL)) {
      g_propagate_error(error, failed);
      return FALSE;
    }
    g_clear_error(&failed);
    i++;
  }
  *ran = p->writes->len;
  return TRUE;
}

static gboolean execute(CgfsPlan *p, GError **error)
{
  guint ran;
  GError *failed = NULL;
  gboolean ok = run_writes(p, &ran, &failed);
  if (!ok) {
    g_autoptr(GString) failures = g_string_new(NULL);
    rollback(p, ran, failures);
    if (failures->len) {
      char *msg = g_strdup_printf("%s (and the old values could not all be restored: %s)",
                                  failed->message, failures->str);
      g_free(failed->message);
      failed->message = msg;
    }
    g_propagate_error(error, failed);
  }
  if (p->done)
    g_ptr_array_set_size(p->done, 0);
  return ok;
}

gboolean cgfs_plan_run_now(CgfsPlan *p, int fd, const char *label, const char *field,
                           const char *file, const char *value, const char *undo_value,
                           GError **error)
{
  CgfsPlannedWrite *pw = g_new0(CgfsPlannedWrite, 1);
  pw->w = (CgfsFileWrite){ fd, plan_string(p, file), plan_string(p, value) };
  pw->field = plan_string(p, field);
  pw->label = plan_string(p, label);
  add_restore(p, pw, fd, pw->w.file, plan_string(p, undo_value));
  if (!p->done)
    p->done = g_ptr_array_new_with_free_func((GDestroyNotify)planned_write_free);
  g_ptr_array_add(p->done, pw);
  /* Journaled before it is made, like the plan's own writes: a crash between this write and
   * the plan's record would leave the controller enabled. Only plans that enable a controller
   * pay for this record (rewritten whole when the plan runs). */
  if (!journal_plan(p, FALSE, error) || !run_write(NULL, &pw->w, field, label, error)) {
    g_ptr_array_remove_index(p->done, p->done->len - 1);
    return FALSE;
  }
  test_hooks(p, TRUE);
  return TRUE;
}

/* ---- update and read-back ---- */

static const CgfsResController *const controllers[] = {
  &cgfs_res_devices, &cgfs_res_memory, &cgfs_res_cpu,     &cgfs_res_cpuset, &cgfs_res_pids,
  &cgfs_res_blkio,   &cgfs_res_hugetlb, &cgfs_res_net,    &cgfs_res_rdma,
  &cgfs_res_unified, /* last: written as given, after everything else */
};

/* Whether @a and @b write the same file, or the same line of a keyed file. */
static gboolean same_target(const CgfsPlannedWrite *a, const CgfsPlannedWrite *b)
{
  if (a->step || b->step || a->w.dirfd != b->w.dirfd || strcmp(a->w.file, b->w.file) != 0)
    return FALSE;
  if (!a->keyed || !b->keyed)
    return TRUE;
  gsize n = strcspn(a->w.value, " ");
  return n == strcspn(b->w.value, " ") && strncmp(a->w.value, b->w.value, n) == 0;
}

/* A write was marked skipped because the file held its value before the update; if an earlier
 * write of the plan changes that file, it no longer will, and the write must happen. */
static void unskip_rewritten(CgfsPlan *p)
{
  for (guint i = 0; i < p->writes->len; i++) {
    CgfsPlannedWrite *pw = &g_array_index(p->writes, CgfsPlannedWrite, i);
    for (guint j = 0; pw->skip && j < i; j++) {
      const CgfsPlannedWrite *earlier = &g_array_index(p->writes, CgfsPlannedWrite, j);
      if (!earlier->skip && same_target(earlier, pw))
        pw->skip = FALSE;
    }
  }
}

/* Steps (v2 device programs) after every file write. The old device programs die with the
 * process that held them once detached, so a record cannot bring them back after a crash; but
 * with the step last, a crash after it started leaves a plan whose file writes were all made:
 * recovery completes the step instead (the new document), and a crash before it leaves the old
 * programs, and the files are restored (the old document). */
static void steps_last(CgfsPlan *p)
{
  guint n_steps = 0;
  for (guint i = 0; i < p->writes->len; i++)
    n_steps += g_array_index(p->writes, CgfsPlannedWrite, i).step != NULL;
  if (n_steps == 0)
    return; /* nearly always: nothing to move */
  GArray *ordered = g_array_sized_new(FALSE, TRUE, sizeof(CgfsPlannedWrite), p->writes->len);
  g_array_set_clear_func(ordered, (GDestroyNotify)planned_write_clear);
  for (int steps = 0; steps <= 1; steps++)
    for (guint i = 0; i < p->writes->len; i++) {
      CgfsPlannedWrite *pw = &g_array_index(p->writes, CgfsPlannedWrite, i);
      if ((pw->step != NULL) == steps)
        g_array_append_val(ordered, *pw);
    }
  g_array_set_clear_func(p->writes, NULL); /* moved, not copied */
  g_array_unref(p->writes);
  p->writes = ordered;
}

CgfsPlan *cgfs_resources_plan(CgfsCgroup *cg, const CgfsResources *r, GError **error)
{
  if (!cgfs_resources_validate(r, "", error))
    return NULL;
  g_autoptr(CgfsPlan) p = cgfs_plan_new(cg);
  for (guint i = 0; i < G_N_ELEMENTS(controllers); i++)
    if (!controllers[i]->plan(p, r, error)) {
      cgfs_plan_abandon(p);
      return NULL;
    }
  unskip_rewritten(p);
  steps_last(p);
  return g_steal_pointer(&p);
}

/* The first directory @d opened for flock(), as the process when the caller may not read it;
 * -1 when it cannot be opened (deleted: the plan says so). */
static int open_lock_dir(const CgfsCgroupDir *d)
{
  int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == EACCES) {
    CgfsProcessIdentity id = cgfs_as_process();
    fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cgfs_as_before(&id);
  }
  if (fd < 0)
    g_debug("updates of %s not serialised: cannot open it: %s", d->dir, g_strerror(errno));
  return fd;
}

/* Plans of one cgroup run one at a time, in this process and in any other: flock() on its first
 * directory (kernfs directories take flock; the lock is the open file's). A plan reads the old
 * values it restores while planning, and recovery undoes the unfinished plans newest first:
 * both are right only when the plans of a cgroup never interleave (two documents written at
 * once would otherwise leave a mixture of both). A hot cgroup (cached) keeps the descriptor, so
 * an update costs two flock() calls instead of open, flock and close
 * (cgfs_kept_lock_updates; its threads take turns on a mutex); otherwise each update opens
 * its own. Returns the descriptor to close (which releases the lock), -1 for none; *@kept:
 * the lock is the kept one (cgfs_kept_unlock_updates). */
static int lock_updates(const CgfsCgroup *cg, const CgfsCgroupDir **kept)
{
  const CgfsCgroupDir *d = cgfs_cgroup_first_dir(cg);
  *kept = NULL;
  if (!d)
    return -1;
  if (cgfs_kept_lock_updates(d, open_lock_dir)) {
    *kept = d;
    return -1;
  }
  int fd = open_lock_dir(d);
  while (fd >= 0 && flock(fd, LOCK_EX) != 0)
    if (errno != EINTR) {
      g_debug("updates of %s not serialised: flock: %s", cg->path, g_strerror(errno));
      break;
    }
  return fd;
}

gboolean cgfs_cgroup_update(CgfsCgroup *cg, const CgfsResources *r, GError **error)
{
  g_return_val_if_fail(cg != NULL && r != NULL, FALSE);
  const CgfsCgroupDir *kept;
  int lock = lock_updates(cg, &kept);
  gboolean ok;
  if (cg->backend->update)
    ok = cg->backend->update(cg, r, error);
  else {
    g_autoptr(CgfsPlan) p = cgfs_resources_plan(cg, r, error);
    ok = p && cgfs_plan_execute(p, error);
  }
  /* released after the plan's record was dropped */
  if (kept)
    cgfs_kept_unlock_updates(kept);
  cgfs_close_fd(&lock);
  return ok;
}

CgfsResources *cgfs_cgroup_read_resources(CgfsCgroup *cg, GError **error)
{
  g_return_val_if_fail(cg != NULL, NULL);
  if (!cgfs_cgroup_first_dir(cg)) {
    cgfs_set_error(error, ENOENT, "cgroup deleted: %s", cg->path);
    return NULL;
  }
  g_autoptr(CgfsResources) r = cgfs_resources_new();
  for (guint i = 0; i < G_N_ELEMENTS(controllers); i++)
    if (!controllers[i]->read(cg, r, error))
      return NULL;
  return g_steal_pointer(&r);
}

/* ---- shared by the controllers' read functions ---- */

int cgfs_res_read_dir(CgfsCgroup *cg, const char *controller)
{
  if (cgfs_cgroup_version(cg) == 1)
    return cgfs_cgroup_fd(cg, controller);
  return cgfs_cgroup_fd(cg, "unified");
}

gboolean cgfs_res_read_optional(int fd, const char *file, char **out, GError **error)
{
  *out = NULL;
  if (fd < 0 || !cgfs_exists_at(fd, file))
    return TRUE;
  gsize len;
  g_autoptr(GError) local = NULL;
  char *text = cgfs_read_alloc_at(fd, file, &len, &local);
  if (!text) {
    cgfs_set_error(error, local->code, "cannot read the limits: %s", local->message);
    return FALSE;
  }
  while (len > 0 && text[len - 1] == '\n')
    text[--len] = '\0';
  *out = text;
  return TRUE;
}

gboolean cgfs_res_read_limit(int fd, const char *file, gboolean *has, gint64 *out,
                             GError **error)
{
  g_autofree char *text = NULL;
  if (!cgfs_res_read_optional(fd, file, &text, error))
    return FALSE;
  if (!text)
    return TRUE;
  if (!cgfs_limit_parse(text, out)) {
    cgfs_set_error(error, EBADMSG, "%s: invalid file format: '%s' is not a limit", file, text);
    return FALSE;
  }
  *has = TRUE;
  return TRUE;
}

gboolean cgfs_res_read_int(int fd, const char *file, gint64 min, gint64 max, gboolean *has,
                           gint64 *out, GError **error)
{
  g_autofree char *text = NULL;
  if (!cgfs_res_read_optional(fd, file, &text, error))
    return FALSE;
  if (!text)
    return TRUE;
  g_autoptr(GError) why = NULL;
  if (!g_ascii_string_to_signed(text, 10, min, max, out, &why)) {
    if (g_error_matches(why, G_NUMBER_PARSER_ERROR, G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
      cgfs_set_error(error, EBADMSG, "%s: the kernel holds %s, outside the range %" G_GINT64_FORMAT
                     "..%" G_GINT64_FORMAT " this library knows", file, text, min, max);
    else
      cgfs_set_error(error, EBADMSG, "%s: invalid file format: '%s' is not an integer", file,
                     text);
    return FALSE;
  }
  *has = TRUE;
  return TRUE;
}

void cgfs_res_add_unified_file(CgfsResources *r, const char *file, const char *value)
{
  for (guint i = 0; i < r->unified->len; i++)
    if (strcmp(g_array_index(r->unified, CgfsUnifiedEntry, i).key, file) == 0)
      return;
  cgfs_resources_add_unified(r, file, value);
}
