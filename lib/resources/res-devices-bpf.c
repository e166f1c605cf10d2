/* devices on cgroup v2: the rules become a BPF_PROG_TYPE_CGROUP_DEVICE program (devices-bpf.c)
 * that replaces whatever device programs were attached to the cgroup itself.
 *
 * Raw bpf(2) calls, not libbpf: the handful used here (load, attach, detach, query, get by id,
 * info, one map) are stable kernel ABI, and libbpf would bring global state into the library
 * (its print callback writes warnings to stderr by default; it may raise RLIMIT_MEMLOCK of the
 * calling process) and a dependency on libelf and zlib for every libcgfs user.
 *
 * Where the kernel keeps the rules: each program refers to a one-element array map, named like
 * the program, whose value is the rules' text (cgfs_devices_rules_to_text). The program keeps
 * the map alive, so reading back needs nothing but the kernel: the cgroup's one attached
 * program, its map, the text. No program attached reads back as "allow everything"; programs
 * libcgfs did not make cannot be read back, and devices are then left out.
 *
 * All or nothing: the program is built and loaded (verified) while planning; executing
 * attaches it with BPF_F_REPLACE over the single old program (or attaches it and detaches the
 * old ones), and undoing attaches the old ones back. Rules that allow everything attach no
 * program: the old ones are detached. Rules equal to those already attached change nothing. */
#include "devices-bpf.h"

#include <sys/syscall.h>

#include "cgroup-private.h"
#include "fileio.h"
#include "resources-private.h"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
  return (int)syscall(__NR_bpf, cmd, attr, sizeof *attr);
}

static guint64 ptr(const void *p)
{
  return (guint64)(guintptr)p;
}

static void close_fd_item(int *fd)
{
  cgfs_close_fd(fd);
}

/* ---- kernel calls ---- */

/* The ids of the device programs attached to the cgroup itself (not its ancestors'). */
static GArray *query_programs(int cg_fd, const char *dir, GError **error)
{
  guint32 room = 64;
  for (;;) {
    g_autoptr(GArray) ids = g_array_new(FALSE, TRUE, sizeof(guint32));
    g_array_set_size(ids, room);
    union bpf_attr attr = { 0 };
    attr.query.target_fd = (guint32)cg_fd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = ptr(ids->data);
    attr.query.prog_cnt = room;
    if (sys_bpf(BPF_PROG_QUERY, &attr) == 0) {
      g_array_set_size(ids, attr.query.prog_cnt);
      return g_steal_pointer(&ids);
    }
    if (errno != ENOSPC || attr.query.prog_cnt <= room) {
      cgfs_set_errno(error, "devices: cannot list the device programs of %s", dir);
      return NULL;
    }
    room = attr.query.prog_cnt; /* more were attached meanwhile */
  }
}

static int program_by_id(guint32 id)
{
  union bpf_attr attr = { 0 };
  attr.prog_id = id;
  return sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
}

static int map_by_id(guint32 id)
{
  union bpf_attr attr = { 0 };
  attr.map_id = id;
  return sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr);
}

static gboolean object_info(int fd, void *info, guint32 len)
{
  union bpf_attr attr = { 0 };
  attr.info.bpf_fd = (guint32)fd;
  attr.info.info_len = len;
  attr.info.info = ptr(info);
  return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) == 0;
}

/* @replace_fd >= 0: replace that program in place (BPF_F_REPLACE, Linux 5.6). */
static gboolean attach(int cg_fd, int prog_fd, int replace_fd)
{
  union bpf_attr attr = { 0 };
  attr.target_fd = (guint32)cg_fd;
  attr.attach_bpf_fd = (guint32)prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (replace_fd >= 0) {
    attr.attach_flags |= BPF_F_REPLACE;
    attr.replace_bpf_fd = (guint32)replace_fd;
  }
  return sys_bpf(BPF_PROG_ATTACH, &attr) == 0;
}

static gboolean detach(int cg_fd, int prog_fd)
{
  union bpf_attr attr = { 0 };
  attr.target_fd = (guint32)cg_fd;
  attr.attach_bpf_fd = (guint32)prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  return sys_bpf(BPF_PROG_DETACH, &attr) == 0;
}

/* ---- the rules kept with a program ---- */

/* The rules' text of program @id when libcgfs made it; NULL without error when it did not. */
static char *program_rules_text(guint32 id, GError **error)
{
  cgfs_autofd prog = program_by_id(id);
  if (prog < 0) {
    cgfs_set_errno(error, "devices: cannot open device program %u", id);
    return NULL;
  }
  guint32 map_ids[2] = { 0 };
  struct bpf_prog_info info = { .nr_map_ids = G_N_ELEMENTS(map_ids), .map_ids = ptr(map_ids) };
  if (!object_info(prog, &info, sizeof info)) {
    cgfs_set_errno(error, "devices: cannot read device program %u", id);
    return NULL;
  }
  if (strcmp(info.name, CGFS_DEVICES_BPF_NAME) != 0 || info.nr_map_ids != 1)
    return NULL;
  cgfs_autofd map = map_by_id(map_ids[0]);
  struct bpf_map_info minfo = { 0 };
  if (map < 0 || !object_info(map, &minfo, sizeof minfo)) {
    cgfs_set_errno(error, "devices: cannot open the map of device program %u", id);
    return NULL;
  }
  if (strcmp(minfo.name, CGFS_DEVICES_BPF_NAME) != 0 || minfo.type != BPF_MAP_TYPE_ARRAY ||
      minfo.key_size != sizeof(guint32))
    return NULL;
  g_autofree char *text = g_malloc0(minfo.value_size + 1);
  guint32 key = 0;
  union bpf_attr attr = { 0 };
  attr.map_fd = (guint32)map;
  attr.key = ptr(&key);
  attr.value = ptr(text);
  if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr) != 0) {
    cgfs_set_errno(error, "devices: cannot read the rules of device program %u", id);
    return NULL;
  }
  return g_steal_pointer(&text);
}

/* A frozen one-element array holding @text. */
static int rules_map_new(const char *text, GError **error)
{
  union bpf_attr attr = { 0 };
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = sizeof(guint32);
  attr.value_size = (guint32)strlen(text) + 1;
  attr.max_entries = 1;
  g_strlcpy(attr.map_name, CGFS_DEVICES_BPF_NAME, sizeof attr.map_name);
  cgfs_autofd map = sys_bpf(BPF_MAP_CREATE, &attr);
  if (map < 0) {
    cgfs_set_errno(error, "devices: cannot create the map that keeps the device rules");
    return -1;
  }
  guint32 key = 0;
  memset(&attr, 0, sizeof attr);
  attr.map_fd = (guint32)map;
  attr.key = ptr(&key);
  attr.value = ptr(text);
  attr.flags = BPF_ANY;
  if (sys_bpf(BPF_MAP_UPDATE_ELEM, &attr) != 0) {
    cgfs_set_errno(error, "devices: cannot store the device rules in their map");
    return -1;
  }
  memset(&attr, 0, sizeof attr);
  attr.map_fd = (guint32)map;
  if (sys_bpf(BPF_MAP_FREEZE, &attr) != 0 && errno != EINVAL) { /* EINVAL: before Linux 5.2 */
    cgfs_set_errno(error, "devices: cannot freeze the map of the device rules");
    return -1;
  }
  int fd = map;
  map = -1;
  return fd;
}

/* The last non-empty line of the verifier's log, for the message. */
static char *verifier_complaint(union bpf_attr *attr)
{
  enum { LOG_SIZE = 1 << 16 };
  g_autofree char *log = g_malloc0(LOG_SIZE);
  attr->log_level = 1;
  attr->log_buf = ptr(log);
  attr->log_size = LOG_SIZE;
  int fd = sys_bpf(BPF_PROG_LOAD, attr);
  if (fd >= 0)
    close(fd);
  g_debug("device program verifier log:\n%s", log);
  g_strchomp(log);
  const char *last = strrchr(log, '\n');
  return *log ? g_strdup(last ? last + 1 : log) : NULL;
}

static int program_load(GArray *insns, GError **error)
{
  union bpf_attr attr = { 0 };
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = ptr(insns->data);
  attr.insn_cnt = insns->len;
  attr.license = ptr("LGPL-2.1-or-later"); /* the program calls no helper */
  g_strlcpy(attr.prog_name, CGFS_DEVICES_BPF_NAME, sizeof attr.prog_name);
  int fd = sys_bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  int saved = errno;
  g_autofree char *why = verifier_complaint(&attr);
  cgfs_set_error(error, saved, "devices: the kernel refuses the device program of %u "
                 "instructions: %s%s%s", insns->len, g_strerror(saved), why ? "; verifier: " : "",
                 why ? why : "");
  return -1;
}

/* ---- the plan step ---- */

typedef struct {
  int cg_fd;     /* a readable directory fd of the cgroup */
  char *dir;     /* its path, for messages */
  int new_prog;  /* -1: the rules allow everything, no program */
  GArray *old;   /* int: the programs attached when the update was planned */
  GArray *old_ids; /* guint32: their ids, for the journal */
  gboolean replaced; /* run replaced the single old program in place */
} DeviceSwap;

static void swap_free(DeviceSwap *s)
{
  if (!s)
    return;
  cgfs_close_fd(&s->cg_fd);
  cgfs_close_fd(&s->new_prog);
  g_clear_pointer(&s->old, g_array_unref);
  g_clear_pointer(&s->old_ids, g_array_unref);
  g_free(s->dir);
  g_free(s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DeviceSwap, swap_free)

static void swap_free_data(gpointer data)
{
  swap_free(data);
}

static int old_prog(DeviceSwap *s, guint i)
{
  return g_array_index(s->old, int, i);
}

/* Attach old programs [0, @n) again and detach the new one. */
static gboolean swap_restore(DeviceSwap *s, guint n, GError **error)
{
  for (guint i = 0; i < n; i++)
    if (!attach(s->cg_fd, old_prog(s, i), -1)) {
      cgfs_set_errno(error, "devices: cannot attach the old device program to %s again", s->dir);
      return FALSE;
    }
  if (s->new_prog >= 0 && !detach(s->cg_fd, s->new_prog)) {
    cgfs_set_errno(error, "devices: cannot detach the new device program from %s", s->dir);
    return FALSE;
  }
  return TRUE;
}

static gboolean swap_run(gpointer data, GError **error)
{
  DeviceSwap *s = data;
  s->replaced = FALSE;
  if (s->new_prog >= 0 && s->old->len == 1) {
    if (attach(s->cg_fd, s->new_prog, old_prog(s, 0))) {
      s->replaced = TRUE;
      return TRUE;
    }
    if (errno != EINVAL) { /* EINVAL: no BPF_F_REPLACE before Linux 5.6 */
      cgfs_set_errno(error, "devices: cannot replace the device program of %s", s->dir);
      return FALSE;
    }
  }
  if (s->new_prog >= 0 && !attach(s->cg_fd, s->new_prog, -1)) {
    cgfs_set_errno(error, "devices: cannot attach the device program to %s", s->dir);
    return FALSE;
  }
  for (guint i = 0; i < s->old->len; i++)
    if (!detach(s->cg_fd, old_prog(s, i)) && errno != ENOENT) { /* ENOENT: detached already */
      cgfs_set_errno(error, "devices: cannot detach the old device program from %s", s->dir);
      swap_restore(s, i, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean swap_undo(gpointer data, GError **error)
{
  DeviceSwap *s = data;
  if (!s->replaced)
    return swap_restore(s, s->old->len, error);
  if (!attach(s->cg_fd, old_prog(s, 0), s->new_prog)) {
    cgfs_set_errno(error, "devices: cannot put the old device program of %s back", s->dir);
    return FALSE;
  }
  return TRUE;
}

/* The journal's entry: the cgroup and the ids of the programs attached before. The old programs
 * die with the process once detached, so they cannot be put back after a crash; the step runs
 * last in its plan, and recovery tells from the ids whether it had started (see
 * cgfs_res_devices_recover_v2). */
static void swap_journal(gpointer data, JsonBuilder *b)
{
  DeviceSwap *s = data;
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "kind");
  json_builder_add_string_value(b, "devices_v2");
  json_builder_set_member_name(b, "dir");
  json_builder_add_string_value(b, s->dir);
  json_builder_set_member_name(b, "old");
  json_builder_begin_array(b);
  for (guint i = 0; i < s->old_ids->len; i++)
    json_builder_add_int_value(b, g_array_index(s->old_ids, guint32, i));
  json_builder_end_array(b);
  json_builder_end_object(b);
}

static const CgfsPlanStepOps swap_ops = { swap_run, swap_undo, swap_free_data, swap_journal };

/* Open the programs of @ids; one detached meanwhile (ENOENT) is no longer there to replace. */
static gboolean open_old_programs(DeviceSwap *s, GArray *ids, GError **error)
{
  for (guint i = 0; i < ids->len; i++) {
    guint32 id = g_array_index(ids, guint32, i);
    int fd = program_by_id(id);
    if (fd < 0 && errno == ENOENT)
      continue;
    if (fd < 0) {
      cgfs_set_errno(error, "devices: cannot open device program %u of %s", id, s->dir);
      return FALSE;
    }
    g_array_append_val(s->old, fd);
    g_array_append_val(s->old_ids, id);
  }
  return TRUE;
}

static gboolean load_rules(DeviceSwap *s, const GArray *rules, const char *text, GError **error)
{
  cgfs_autofd map = rules_map_new(text, error);
  if (map < 0)
    return FALSE;
  g_autoptr(GArray) insns = cgfs_devices_bpf_generate(rules, map, error);
  if (!insns)
    return FALSE;
  s->new_prog = program_load(insns, error);
  return s->new_prog >= 0;
}

/* Whether the cgroup already has exactly these rules: no program when they allow everything,
 * else a single program of libcgfs with the same text. */
static gboolean unchanged(GArray *ids, gboolean allow_all, const char *text)
{
  if (ids->len == 0)
    return allow_all;
  if (ids->len != 1 || allow_all)
    return FALSE;
  g_autoptr(GError) local = NULL;
  g_autofree char *current = program_rules_text(g_array_index(ids, guint32, 0), &local);
  if (local)
    g_debug("%s", local->message);
  return current && strcmp(current, text) == 0;
}

static DeviceSwap *swap_new(int dirfd, const char *dir, GError **error)
{
  DeviceSwap *s = g_new0(DeviceSwap, 1);
  s->dir = g_strdup(dir);
  s->new_prog = -1;
  s->old = g_array_new(FALSE, FALSE, sizeof(int));
  g_array_set_clear_func(s->old, (GDestroyNotify)close_fd_item);
  s->old_ids = g_array_new(FALSE, FALSE, sizeof(guint32));
  s->cg_fd = cgfs_reopen_dir(dirfd, error);
  if (s->cg_fd < 0) {
    swap_free(s);
    return NULL;
  }
  return s;
}

gboolean cgfs_res_devices_plan_v2(CgfsPlan *p, const GArray *rules, GError **error)
{
  int dirfd = cgfs_plan_dir(p, "cgroup", "devices", error);
  if (dirfd < 0)
    return FALSE;
  const char *dir = cgfs_cgroup_dir(cgfs_plan_cgroup(p), "unified")->dir;
  g_autoptr(DeviceSwap) s = swap_new(dirfd, dir, error);
  if (!s)
    return FALSE;
  g_autoptr(GArray) ids = query_programs(s->cg_fd, dir, error);
  if (!ids)
    return FALSE;
  g_autofree char *text = cgfs_devices_rules_to_text(rules);
  gboolean allow_all = cgfs_devices_allow_all(rules);
  if (unchanged(ids, allow_all, text))
    return TRUE;
  if (!open_old_programs(s, ids, error) || (!allow_all && !load_rules(s, rules, text, error)))
    return FALSE;
  g_autofree char *summary = allow_all ? g_strdup("none (every device allowed)")
                                       : g_strdup_printf("%u rules", rules->len);
  cgfs_plan_add_step(p, "devices", "device program", summary, &swap_ops, g_steal_pointer(&s));
  return TRUE;
}

void cgfs_res_devices_read_v2(CgfsCgroup *cg, CgfsResources *out)
{
  const CgfsCgroupDir *d = cgfs_cgroup_dir(cg, "unified");
  g_autoptr(GError) local = NULL;
  cgfs_autofd fd = d->fd >= 0 ? cgfs_reopen_dir(d->fd, &local) : -1;
  g_autoptr(GArray) ids = fd >= 0 ? query_programs(fd, d->dir, &local) : NULL;
  if (!ids) {
    g_debug("devices not read back: %s", local ? local->message : "no directory");
    return;
  }
  if (ids->len == 0) {
    CgfsDeviceRule all = { .allow = TRUE, .type = 'a', .access = "rwm" };
    g_array_append_val(out->devices, all);
    return;
  }
  g_autofree char *text = ids->len == 1 ? program_rules_text(g_array_index(ids, guint32, 0),
                                                             &local)
                                        : NULL;
  g_autoptr(GArray) rules = text ? cgfs_devices_rules_from_text(text, &local) : NULL;
  if (!rules) {
    g_debug("devices not read back: %s", local ? local->message
                                               : "device programs libcgfs did not make");
    return;
  }
  g_array_append_vals(out->devices, rules->data, rules->len);
}

/* ---- recovery ---- */

static gboolean has_id(GArray *ids, guint32 id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index(ids, guint32, i) == id)
      return TRUE;
  return FALSE;
}

/* Whether the programs attached are exactly @old (in any order). */
static gboolean same_programs(GArray *attached, const guint32 *old, guint n)
{
  if (attached->len != n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!has_id(attached, old[i]))
      return FALSE;
  return TRUE;
}

int cgfs_res_devices_recover_v2(const char *dir, const guint32 *old, guint n, GError **error)
{
  cgfs_autofd fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    cgfs_set_errno(error, "devices: cannot open %s", dir);
    return -1;
  }
  g_autoptr(GArray) attached = query_programs(fd, dir, error);
  if (!attached)
    return -1;
  if (same_programs(attached, old, n))
    return 0;
  /* Started: the new program (if any) is attached; detach the old ones still there. A program
   * id is not reused while the program exists, so an id of @old still attached is that one. */
  for (guint i = 0; i < n; i++) {
    if (!has_id(attached, old[i]))
      continue;
    cgfs_autofd prog = program_by_id(old[i]);
    if ((prog < 0 || !detach(fd, prog)) && errno != ENOENT) {
      cgfs_set_errno(error, "devices: cannot detach the old device program %u from %s", old[i],
                     dir);
      return -1;
    }
  }
  return 1;
}
