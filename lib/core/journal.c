/* The journal of plans in flight: a record per plan, written durably before it runs and dropped
 * when it completes; recovery undoes what a crash left half done. Format and rules:
 * docs/architecture.md, "The journal". */
#include "config-internal.h"

#include <stdio.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/mman.h>

#include "backend.h"
#include "devices-bpf.h"
#include "fileio.h"
#include "journal-private.h"
#include "resources-private.h"

#define RECORD_VERSION 1
#define RECORD_SUFFIX ".json"
#define SLOT_PREFIX "slot-"
/* The first byte of a slot that holds no record (a committed record starts with '{'). */
#define SLOT_FREE "#"
/* Passes over the restoring writes a kernel refused: some are refused until another is made
 * (v1 memory and memsw limits, CFS quota and period). */
#define RECOVERY_PASSES 3

/* The bytes of a slot file made by this process, and of its shared mapping (see write_record). */
#define SLOT_MAPPED 4096

/* A record file kept open and written in place (see write_record). */
typedef struct {
  int fd;
  guint index; /* slot-<index>.json */
  gsize size;  /* the longest record it held: shorter ones are padded to it */
  char *map;   /* its first SLOT_MAPPED bytes mapped shared; NULL: written with pwrite() */
} Slot;

struct _CgfsJournal {
  gint ref;
  char *dir;
  int dirfd;
  int lockfd;
  guint counter;
  char *boot_id;
  GMutex slots_lock;
  GArray *free_slots; /* Slot: each plan in flight holds one, the others wait here */
  guint n_slots;      /* slot files made, the next index */
};

/* This boot's id: a record written before the machine restarted names cgroups that are gone. */
static char *boot_id(void)
{
  g_autofree char *id = cgfs_read_line_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", NULL);
  return g_strdup(id ? id : "");
}

struct _CgfsJournalRecord {
  CgfsJournal *j;
  Slot slot;
  char *seq;      /* the plan's place in the order of recovery */
  guint revision; /* a record rewritten: the newest revision of a seq wins at recovery */
};

CgfsJournal *cgfs_journal_new(const char *dir, GError **error)
{
  g_autoptr(CgfsJournal) j = g_new0(CgfsJournal, 1);
  j->ref = 1;
  j->dirfd = -1;
  j->lockfd = -1;
  j->dir = g_strdup(dir);
  j->boot_id = boot_id();
  g_mutex_init(&j->slots_lock);
  j->free_slots = g_array_new(FALSE, FALSE, sizeof(Slot));
  if (g_mkdir_with_parents(dir, 0700) != 0) {
    cgfs_set_errno(error, "cannot make the state directory %s", dir);
    return NULL;
  }
  j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (j->dirfd < 0) {
    cgfs_set_errno(error, "cannot open the state directory %s", dir);
    return NULL;
  }
  j->lockfd = openat(j->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (j->lockfd < 0) {
    cgfs_set_errno(error, "cannot open %s/lock", dir);
    return NULL;
  }
  /* Records of a live process are in flight, not left by a crash. */
  if (flock(j->lockfd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      cgfs_set_error(error, EBUSY, "state directory %s is in use by another process", dir);
    else
      cgfs_set_errno(error, "cannot lock %s/lock", dir);
    return NULL;
  }
  return g_steal_pointer(&j);
}

CgfsJournal *cgfs_journal_ref(CgfsJournal *j)
{
  g_atomic_int_inc(&j->ref);
  return j;
}

static void remove_free_slots(CgfsJournal *j);

void cgfs_journal_unref(CgfsJournal *j)
{
  if (!j || !g_atomic_int_dec_and_test(&j->ref))
    return;
  remove_free_slots(j); /* no plan in flight holds a reference: every slot is free */
  g_array_unref(j->free_slots);
  g_mutex_clear(&j->slots_lock);
  cgfs_close_fd(&j->lockfd);
  cgfs_close_fd(&j->dirfd);
  g_free(j->dir);
  g_free(j->boot_id);
  g_free(j);
}

const char *cgfs_journal_dir(const CgfsJournal *j)
{
  return j->dir;
}

/* ---- the process's own identity ---- */

/* A plan may run with a caller's credentials (the daemon switches a thread's uid for the kernel
 * to check the caller, fs/caller.c), but the journal is the process's own: its files are made
 * with the file system identity of the saved set-user-ID (root's, for the daemon), and back. */
CgfsProcessIdentity cgfs_as_process(void)
{
  CgfsProcessIdentity id = { FALSE, 0, 0 };
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0 ||
      (euid == suid && egid == sgid))
    return id;
  id.switched = TRUE;
  id.fsgid = (gid_t)setfsgid(sgid);
  id.fsuid = (uid_t)setfsuid(suid);
  return id;
}

void cgfs_as_before(const CgfsProcessIdentity *id)
{
  if (!id->switched)
    return;
  setfsuid(id->fsuid);
  setfsgid(id->fsgid);
}

/* ---- records ---- */

JsonBuilder *cgfs_journal_record_start(const CgfsCgroup *cg, const char *kind)
{
  if (!cgfs_cgroup_journal(cg))
    return NULL;
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "version");
  json_builder_add_int_value(b, RECORD_VERSION);
  json_builder_set_member_name(b, "kind");
  json_builder_add_string_value(b, kind);
  json_builder_set_member_name(b, "cgroup");
  json_builder_add_string_value(b, cg->path);
  json_builder_set_member_name(b, "boot_id");
  json_builder_add_string_value(b, cgfs_cgroup_journal(cg)->boot_id);
  return b;
}

static gboolean pwrite_all(int fd, const char *text, gsize len, off_t off)
{
  while (len > 0) {
    ssize_t n = pwrite(fd, text, len, off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    text += n;
    len -= (gsize)n;
    off += n;
  }
  return TRUE;
}

/* A new slot file's mapping: the file filled with a free slot's bytes ('#' and spaces, written
 * with pwrite() so that its blocks are taken now: a store through the mapping then never needs
 * room on the file system), mapped shared. NULL (the slot is written with pwrite()) when it
 * cannot be. */
static char *map_slot(int fd)
{
  char page[SLOT_MAPPED];
  page[0] = SLOT_FREE[0];
  memset(page + 1, ' ', sizeof page - 1);
  if (!pwrite_all(fd, page, sizeof page, 0))
    return NULL;
  void *map = mmap(NULL, SLOT_MAPPED, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  return map == MAP_FAILED ? NULL : map;
}

static void close_slot(Slot *slot)
{
  if (slot->map)
    munmap(slot->map, SLOT_MAPPED);
  slot->map = NULL;
  cgfs_close_fd(&slot->fd);
}

/* A free slot, or a new slot file (made with the process's own identity). */
static gboolean take_slot(CgfsJournal *j, Slot *out, GError **error)
{
  g_mutex_lock(&j->slots_lock);
  if (j->free_slots->len > 0) {
    *out = g_array_index(j->free_slots, Slot, j->free_slots->len - 1);
    g_array_set_size(j->free_slots, j->free_slots->len - 1);
    g_mutex_unlock(&j->slots_lock);
    return TRUE;
  }
  g_mutex_unlock(&j->slots_lock);
  CgfsProcessIdentity id = cgfs_as_process();
  for (;;) {
    g_mutex_lock(&j->slots_lock);
    guint index = j->n_slots++;
    g_mutex_unlock(&j->slots_lock);
    char name[64];
    g_snprintf(name, sizeof name, SLOT_PREFIX "%u" RECORD_SUFFIX, index);
    int fd = openat(j->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      *out = (Slot){ fd, index, 0, map_slot(fd) };
      break;
    }
    /* A record file of that name (left by a crash, not recovered yet) is not ours. */
    if (errno != EEXIST || index > 100000) {
      cgfs_as_before(&id);
      return cgfs_set_errno(error, "cannot make a journal record in %s", j->dir);
    }
  }
  cgfs_as_before(&id);
  return TRUE;
}

static void give_slot(CgfsJournal *j, const Slot *slot)
{
  g_mutex_lock(&j->slots_lock);
  g_array_append_val(j->free_slots, *slot);
  g_mutex_unlock(&j->slots_lock);
}

/* A slot whose record cannot be marked free is never written again, nor removed: recovery
 * will undo its (completed) plan, which leaves the old document, a whole one. */
static void lose_slot(CgfsJournal *j, Slot *slot)
{
  g_debug("cannot free the journal record %s/" SLOT_PREFIX "%u" RECORD_SUFFIX ": %s", j->dir,
          slot->index, g_strerror(errno));
  close_slot(slot);
}

static void remove_free_slots(CgfsJournal *j)
{
  CgfsProcessIdentity id = cgfs_as_process();
  for (guint i = 0; i < j->free_slots->len; i++) {
    Slot *slot = &g_array_index(j->free_slots, Slot, i);
    char name[64];
    g_snprintf(name, sizeof name, SLOT_PREFIX "%u" RECORD_SUFFIX, slot->index);
    if (j->dirfd >= 0)
      unlinkat(j->dirfd, name, 0);
    close_slot(slot);
  }
  g_array_set_size(j->free_slots, 0);
  cgfs_as_before(&id);
}

/* Write @text into @slot, in place: the body first behind a first byte that says "free", then
 * that byte, '{', in a write of its own. One byte is written whole or not at all, so whenever
 * the process dies, the next one finds the record whole or the slot free; padded with spaces
 * to the longest record the slot held, so that no end of an earlier one follows it. In the page
 * cache, not fsync'd: the journal guards against the death of the process, whose writes the
 * page cache keeps; a machine crash takes the kernel's cgroups with it, and records of an
 * earlier boot are dropped unread (boot_id). Creating, renaming and unlinking a file per plan
 * cost ~30 µs on ext4 here; two pwrite() calls to make a record and one to drop it ~1.5 µs;
 * stores through a shared mapping of the slot's first page (records up to SLOT_MAPPED bytes,
 * nearly all) no system call: they land in the same page cache page, which outlives the
 * process as a pwrite()'s bytes do. The first byte is stored last, with release order: the
 * compiler and the processor keep the body's stores before it, so a death at any instruction
 * leaves either a free byte or a whole record. */
static gboolean write_record(CgfsJournal *j, Slot *slot, const char *text, GError **error)
{
  gsize len = strlen(text);
  g_assert(len > 1 && text[0] == '{');
  gsize size = MAX(len, slot->size);
  if (slot->map && size <= SLOT_MAPPED) {
    /* the slot is free (a new one, or given back after its first byte was stored free) */
    memcpy(slot->map + 1, text + 1, len - 1);
    memset(slot->map + len, ' ', size - len);
    __atomic_store_n(slot->map, '{', __ATOMIC_RELEASE);
    slot->size = size;
    return TRUE;
  }
  g_autofree char *body = g_malloc(size);
  body[0] = SLOT_FREE[0];
  memcpy(body + 1, text + 1, len - 1);
  memset(body + len, ' ', size - len);
  if (!pwrite_all(slot->fd, body, size, 0) || !pwrite_all(slot->fd, "{", 1, 0)) {
    cgfs_set_errno(error, "cannot write the journal record %s/" SLOT_PREFIX "%u" RECORD_SUFFIX,
                   j->dir, slot->index);
    if (pwrite_all(slot->fd, SLOT_FREE, 1, 0))
      give_slot(j, slot);
    else
      lose_slot(j, slot);
    return FALSE;
  }
  slot->size = size;
  return TRUE;
}

/* Mark @slot free and give it back. */
static void free_slot(CgfsJournal *j, Slot *slot)
{
  if (slot->map) {
    __atomic_store_n(slot->map, SLOT_FREE[0], __ATOMIC_RELEASE);
    give_slot(j, slot);
  } else if (pwrite_all(slot->fd, SLOT_FREE, 1, 0))
    give_slot(j, slot);
  else
    lose_slot(j, slot);
}

/* The place of a new record in the order of recovery (seqs sort in start order: recovery
 * undoes the newest first), or of @old's next revision (a record rewritten keeps its seq). */
static char *seq_for(CgfsJournal *j, const CgfsJournalRecord *old)
{
  if (old)
    return g_strdup(old->seq);
  /* "%016llx-%d-%08x" of the time, the pid and the counter, without printf's machinery (one
   * per update) */
  static const char hex[] = "0123456789abcdef";
  guint64 now = (guint64)g_get_real_time();
  int pid = (int)cgfs_self_pid();
  guint counter = (guint)g_atomic_int_add((gint *)&j->counter, 1);
  char buf[16 + 1 + 12 + 1 + 8 + 1];
  char *c = buf;
  for (int shift = 60; shift >= 0; shift -= 4)
    *c++ = hex[(now >> shift) & 0xf];
  *c++ = '-';
  char digits[12];
  gsize n = 0;
  guint v = pid < 0 ? -(guint)pid : (guint)pid;
  do
    digits[n++] = (char)('0' + v % 10);
  while ((v /= 10) > 0);
  if (pid < 0)
    *c++ = '-';
  while (n > 0)
    *c++ = digits[--n];
  *c++ = '-';
  for (int shift = 28; shift >= 0; shift -= 4)
    *c++ = hex[(counter >> shift) & 0xf];
  *c = '\0';
  return g_strdup(buf);
}

/* Write the whole record @text (seq and revision in it) and make or update *@record. */
static gboolean commit_text(CgfsJournal *j, const char *text, char *seq, guint revision,
                            CgfsJournalRecord **record, GError **error)
{
  Slot slot;
  if (!take_slot(j, &slot, error) || !write_record(j, &slot, text, error)) {
    g_free(seq);
    return FALSE;
  }
  CgfsJournalRecord *old = *record;
  if (old) {
    /* The new revision is whole in its own slot: the old one can go (both there after a
     * crash in between: recovery keeps the newest revision). */
    free_slot(j, &old->slot);
    old->slot = slot;
    old->revision = revision;
    g_free(seq);
    return TRUE;
  }
  CgfsJournalRecord *r = g_new0(CgfsJournalRecord, 1);
  r->j = cgfs_journal_ref(j);
  r->slot = slot;
  r->seq = seq;
  r->revision = revision;
  *record = r;
  return TRUE;
}

gboolean cgfs_journal_record_commit(const CgfsCgroup *cg, JsonBuilder *b,
                                    CgfsJournalRecord **record, GError **error)
{
  if (!b)
    return TRUE;
  CgfsJournal *j = cgfs_cgroup_journal(cg);
  char *seq = seq_for(j, *record);
  guint revision = *record ? (*record)->revision + 1 : 0;
  json_builder_set_member_name(b, "seq");
  json_builder_add_string_value(b, seq);
  json_builder_set_member_name(b, "revision");
  json_builder_add_int_value(b, revision);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = json_to_string(root, FALSE);
  return commit_text(j, text, seq, revision, record, error);
}

/* @len bytes of @value, escaped for a JSON string (no quotes). */
/* The bytes a JSON string escapes: control characters, '"' and '\\'. A table lookup per byte
 * (a delete's record escapes 9 directory paths: ~600 instructions each with three comparisons
 * per byte). */
static const guint8 needs_escape[256] = { [0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1 };

static void append_escaped(GString *out, const char *value, gsize len)
{
  for (const char *c = value, *end = value + len; c < end;) {
    /* runs of characters that need no escape, copied at once */
    gsize run = 0;
    while (c + run < end && !needs_escape[(guchar)c[run]])
      run++;
    cgfs_text_append_len(out, c, run);
    c += run;
    if (c == end)
      break;
    if (*c == '"' || *c == '\\') {
      g_string_append_c(out, '\\');
      g_string_append_c(out, *c);
    } else if (*c == '\n') {
      cgfs_text_append_literal(out, "\\n");
    } else if (*c == '\t') {
      cgfs_text_append_literal(out, "\\t");
    } else {
      g_string_append_printf(out, "\\u%04x", (guint)(guchar)*c);
    }
    c++;
  }
}

void cgfs_json_append_string(GString *out, const char *value)
{
  g_string_append_c(out, '"');
  append_escaped(out, value, strlen(value));
  g_string_append_c(out, '"');
}

void cgfs_json_append_path(GString *out, const char *dir, gsize dir_len, const char *file)
{
  g_string_append_c(out, '"');
  append_escaped(out, dir, dir_len);
  if (dir_len > 0 && dir[dir_len - 1] != '/')
    g_string_append_c(out, '/');
  append_escaped(out, file, strlen(file));
  g_string_append_c(out, '"');
}

GString *cgfs_journal_text_start(const CgfsCgroup *cg, const char *kind)
{
  CgfsJournal *j = cgfs_cgroup_journal(cg);
  if (!j)
    return NULL;
  /* GString rounds up to a power of two: 480 asks for 512 bytes, room for a usual update's
   * record (~430) in malloc's small bins; 512 would ask for 1 024, a "large" request, which
   * makes glibc's malloc consolidate its fast bins on every update (~2 800 instructions). */
  GString *out = g_string_sized_new(480);
  cgfs_text_append_literal(out, "{\"version\":" G_STRINGIFY(RECORD_VERSION) ",\"kind\":");
  cgfs_json_append_string(out, kind);
  cgfs_text_append_literal(out, ",\"cgroup\":");
  cgfs_json_append_string(out, cg->path);
  cgfs_text_append_literal(out, ",\"boot_id\":");
  cgfs_json_append_string(out, j->boot_id);
  return out;
}

gboolean cgfs_journal_text_commit(const CgfsCgroup *cg, GString *text,
                                  CgfsJournalRecord **record, GError **error)
{
  if (!text)
    return TRUE;
  CgfsJournal *j = cgfs_cgroup_journal(cg);
  char *seq = seq_for(j, *record);
  guint revision = *record ? (*record)->revision + 1 : 0;
  cgfs_text_append_literal(text, ",\"seq\":");
  cgfs_json_append_string(text, seq);
  cgfs_text_append_literal(text, ",\"revision\":");
  char digits[12]; /* %u, without printf's machinery */
  gsize i = sizeof digits;
  guint v = revision;
  do
    digits[--i] = (char)('0' + v % 10);
  while ((v /= 10) > 0);
  cgfs_text_append_len(text, digits + i, sizeof digits - i);
  g_string_append_c(text, '}');
  return commit_text(j, text->str, seq, revision, record, error);
}

void cgfs_journal_record_drop(CgfsJournalRecord *r)
{
  if (!r)
    return;
  free_slot(r->j, &r->slot);
  cgfs_journal_unref(r->j);
  g_free(r->seq);
  g_free(r);
}

char *cgfs_journal_fd_path(int dirfd, const char *file)
{
  g_autofree char *link = g_strdup_printf("/proc/self/fd/%d", dirfd);
  /* a thread acting as a caller cannot read its own /proc/self/fd */
  CgfsProcessIdentity id = cgfs_as_process();
  g_autofree char *dir = g_file_read_link(link, NULL);
  cgfs_as_before(&id);
  return dir ? g_build_filename(dir, file, NULL) : NULL;
}

char *cgfs_journal_starttime(pid_t pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
  g_autofree char *text = cgfs_read_alloc_at(AT_FDCWD, path, NULL, NULL);
  const char *p = text ? strrchr(text, ')') : NULL;
  if (!p)
    return NULL;
  /* after ") ": state is field 3; starttime is field 22 */
  g_auto(GStrv) f = g_strsplit(p + 2, " ", 22);
  return g_strv_length(f) >= 20 ? g_strdup(f[19]) : NULL;
}

/* ---- recovery ---- */

static const char *member_string(JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member(o, name);
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
           ? json_node_get_string(n)
           : NULL;
}

static JsonArray *member_array(JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member(o, name);
  return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

/* A path a record may name: absolute, no "..". */
static gboolean path_ok(const char *path)
{
  return path && path[0] == '/' && !strstr(path, "/../") && !g_str_has_suffix(path, "/..");
}

typedef struct {
  const char *file;
  const char *value;
} Restore;

/* The restoring writes of an update, in the order they run: the plan's writes last to first,
 * each write's own list in order (as the in-process rollback). */
static GArray *restores_of(JsonArray *undo)
{
  GArray *out = g_array_new(FALSE, FALSE, sizeof(Restore));
  for (guint i = undo ? json_array_get_length(undo) : 0; i-- > 0;) {
    JsonNode *g = json_array_get_element(undo, i);
    JsonArray *group = JSON_NODE_HOLDS_ARRAY(g) ? json_node_get_array(g) : NULL;
    for (guint k = 0; group && k < json_array_get_length(group); k++) {
      JsonNode *w = json_array_get_element(group, k);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT(w) ? json_node_get_object(w) : NULL;
      Restore r = { o ? member_string(o, "file") : NULL, o ? member_string(o, "value") : NULL };
      if (path_ok(r.file) && r.value)
        g_array_append_val(out, r);
    }
  }
  return out;
}

/* A v2 device step of an update (res-devices-bpf.c): 1 if it had started (and is completed
 * now), 0 if not, -1 with *@why. */
static int recover_devices_step(JsonObject *step, char **why)
{
  const char *dir = member_string(step, "dir");
  JsonArray *old = member_array(step, "old");
  if (!path_ok(dir) || !old) {
    *why = g_strdup("a malformed device step");
    return -1;
  }
  g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint32));
  for (guint i = 0; i < json_array_get_length(old); i++) {
    JsonNode *n = json_array_get_element(old, i);
    gint64 id = JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64
                  ? json_node_get_int(n)
                  : 0;
    if (id <= 0 || id > G_MAXUINT32) {
      *why = g_strdup("a malformed device step");
      return -1;
    }
    guint32 id32 = (guint32)id;
    g_array_append_val(ids, id32);
  }
  g_autoptr(GError) local = NULL;
  const guint32 *old_ids = (const void *)ids->data; /* a GArray of guint32 */
  int started = cgfs_res_devices_recover_v2(dir, old_ids, ids->len, &local);
  if (started < 0 && local->code == ENOENT)
    return 0; /* the cgroup is gone: nothing to restore there */
  if (started < 0)
    *why = g_strdup(local->message);
  return started;
}

/* The steps of an update, which run after all its file writes: whether one had started (then
 * every write had been made, and the step is completed: the update is rolled forward); the
 * steps known only by name (older records) in *@unknown. */
static int recover_steps(JsonArray *steps, guint *unknown, char **why)
{
  int started = 0;
  for (guint i = 0; steps && i < json_array_get_length(steps); i++) {
    JsonNode *n = json_array_get_element(steps, i);
    JsonObject *step = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
    const char *kind = step ? member_string(step, "kind") : NULL;
    if (!kind || strcmp(kind, "devices_v2") != 0) {
      (*unknown)++;
      continue;
    }
    int r = recover_devices_step(step, why);
    if (r != 0)
      started = r < 0 && started == 0 ? -1 : (r > 0 ? 1 : started);
  }
  return started;
}

static char *recover_update(JsonObject *o, const char *cgroup)
{
  guint unknown = 0;
  g_autofree char *step_failed = NULL;
  int started = recover_steps(member_array(o, "steps"), &unknown, &step_failed);
  if (started > 0)
    return g_strdup_printf("completed the unfinished update of %s: its device program (the last "
                           "step) was being attached, after every other write%s%s", cgroup,
                           step_failed ? "; but " : "", step_failed ? step_failed : "");
  g_autoptr(GArray) todo = restores_of(member_array(o, "undo"));
  guint total = todo->len, gone = 0;
  g_autofree char *last_error = NULL;
  g_autoptr(GString) kept = g_string_new(NULL);
  for (guint pass = 0; pass < RECOVERY_PASSES && todo->len; pass++) {
    g_autoptr(GArray) failed = g_array_new(FALSE, FALSE, sizeof(Restore));
    for (guint i = 0; i < todo->len; i++) {
      const Restore *r = &g_array_index(todo, Restore, i);
      g_autoptr(GError) local = NULL;
      g_autofree char *why = NULL;
      /* An enabling undone only if no other cgroup relies on it since (a sibling's plan that
       * found the controller enabled and wrote its limits: disabling would delete them). */
      if (cgfs_res_subtree_undo_keeps(AT_FDCWD, r->file, r->value, &why)) {
        g_string_append_printf(kept, "; %s", why);
        total--;
        continue;
      }
      if (cgfs_write_at(AT_FDCWD, r->file, r->value, &local))
        continue;
      if (local->code == ENOENT) {
        gone++; /* the cgroup was deleted since: nothing to restore */
        continue;
      }
      g_free(last_error);
      last_error = g_strdup(local->message);
      g_array_append_val(failed, *r);
    }
    g_array_unref(todo);
    todo = g_steal_pointer(&failed);
  }
  g_autofree char *step_note =
    step_failed ? g_strdup_printf("; the device step: %s", step_failed)
    : unknown   ? g_strdup_printf("; %u step(s) not undone", unknown)
                : g_strdup("");
  if (todo->len)
    return g_strdup_printf("rolled back the unfinished update of %s: %u of %u files restored, %u "
                           "could not be (%s)%s%s", cgroup, total - todo->len - gone, total,
                           todo->len, last_error, step_note, kept->str);
  return g_strdup_printf("rolled back the unfinished update of %s: %u files restored%s%s%s",
                         cgroup, total - gone, gone ? " (the rest deleted since)" : "",
                         step_note, kept->str);
}

static char **strings_of(JsonArray *a)
{
  GPtrArray *out = g_ptr_array_new();
  for (guint i = 0; a && i < json_array_get_length(a); i++) {
    JsonNode *n = json_array_get_element(a, i);
    const char *s = JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
                      ? json_node_get_string(n)
                      : "";
    g_ptr_array_add(out, g_strdup(s));
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

static gboolean all_exist(char **dirs)
{
  for (char **d = dirs; *d; d++)
    if (!path_ok(*d) || !g_file_test(*d, G_FILE_TEST_IS_DIR))
      return FALSE;
  return dirs[0] != NULL;
}

static gboolean listed_in(const char *dir, const char *file, pid_t pid)
{
  g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
  cgfs_autofd fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || !cgfs_collect_pids(fd, file, FALSE, pids, NULL))
    return FALSE;
  for (guint i = 0; i < pids->len; i++)
    if (g_array_index(pids, pid_t, i) == pid)
      return TRUE;
  return FALSE;
}

/* Put @pid in @target in every hierarchy. */
static guint place(pid_t pid, char **target, const char *file)
{
  guint failed = 0;
  for (char **d = target; *d; d++) {
    cgfs_autofd fd = open(*d, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || !cgfs_write_pid_at(fd, *d, file, pid, NULL))
      failed++;
  }
  return failed;
}

/* Whether @pid is in some of @dirs but not all of them. */
static gboolean split_over(pid_t pid, char **dirs, const char *file)
{
  guint n = 0, in = 0;
  for (char **d = dirs; *d; d++, n++)
    in += listed_in(*d, file, pid);
  return in > 0 && in < n;
}

/* A move cut short: the process (if it is still the same one) and its descendants left split
 * go back where it was, or forward if its old cgroup is gone in some hierarchy. */
static char *recover_move(JsonObject *o, const char *cgroup)
{
  gint64 pid = json_object_get_int_member_with_default(o, "pid", 0);
  const char *start = member_string(o, "starttime");
  const char *file = member_string(o, "file");
  g_auto(GStrv) from = strings_of(member_array(o, "from"));
  g_auto(GStrv) to = strings_of(member_array(o, "to"));
  if (pid <= 0 || pid > G_MAXINT || !start || !file || strchr(file, '/'))
    return g_strdup_printf("dropped a malformed move record for %s", cgroup);
  g_autofree char *now = cgfs_journal_starttime((pid_t)pid);
  if (!now || strcmp(now, start) != 0)
    return g_strdup_printf("move of %d into %s: the process is gone, nothing to do", (int)pid,
                           cgroup);
  gboolean back = all_exist(from) && g_strv_length(from) == g_strv_length(to);
  char **target = back ? from : to;
  if (!back && !all_exist(to))
    return g_strdup_printf("move of %d into %s: neither its old nor its new cgroup exists in "
                           "every hierarchy; left as it is", (int)pid, cgroup);
  guint failed = place((pid_t)pid, target, file);
  guint children = 0;
  g_autoptr(GArray) todo = g_array_new(FALSE, FALSE, sizeof(pid_t));
  cgfs_pid_children((pid_t)pid, todo);
  for (guint i = 0; i < todo->len; i++) {
    pid_t c = g_array_index(todo, pid_t, i);
    if (split_over(c, to, file)) {
      failed += place(c, target, file);
      children++;
    }
    cgfs_pid_children(c, todo);
  }
  g_autofree char *also = children ? g_strdup_printf(" (and %u child(ren))", children) : NULL;
  return g_strdup_printf("%s the unfinished move of %d into %s%s%s", back ? "undid" : "completed",
                         (int)pid, cgroup, also ? also : "", failed ? " (some writes failed)" : "");
}

static char *recover_kill(JsonObject *o, const char *cgroup)
{
  const char *dir = member_string(o, "freezer");
  if (!path_ok(dir))
    return g_strdup_printf("dropped a malformed kill record for %s", cgroup);
  cgfs_autofd fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return g_strdup_printf("kill of %s cut short: the cgroup is gone", cgroup);
  g_autoptr(GError) local = NULL;
  if (!cgfs_write_at(fd, "freezer.state", "THAWED", &local))
    return g_strdup_printf("kill of %s cut short: cannot thaw it: %s", cgroup, local->message);
  return g_strdup_printf("kill of %s cut short: thawed it (signals sent are delivered)", cgroup);
}

static char *recover_delete(JsonObject *o, const char *cgroup)
{
  g_auto(GStrv) dirs = strings_of(member_array(o, "dirs"));
  guint removed = 0, left = 0;
  for (char **d = dirs; *d; d++) {
    if (!path_ok(*d) || !g_file_test(*d, G_FILE_TEST_IS_DIR))
      continue;
    if (rmdir(*d) == 0)
      removed++;
    else
      left++;
  }
  g_autofree char *also = left ? g_strdup_printf(", %u could not be", left) : NULL;
  return g_strdup_printf("completed the unfinished delete of %s: %u directories removed%s", cgroup,
                         removed, also ? also : "");
}

/* A move of a subtree's processes cut short: completed, hierarchy by hierarchy. */
static char *recover_move_all(JsonObject *o, const char *cgroup)
{
  const char *file = member_string(o, "file");
  JsonArray *pairs = member_array(o, "pairs");
  if (!file || strchr(file, '/') || !pairs)
    return g_strdup_printf("dropped a malformed move record for %s", cgroup);
  guint failed = 0;
  g_autofree char *why = NULL;
  for (guint i = 0; i < json_array_get_length(pairs); i++) {
    JsonNode *n = json_array_get_element(pairs, i);
    g_auto(GStrv) pair = strings_of(JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL);
    if (g_strv_length(pair) != 2 || !path_ok(pair[0]) || !path_ok(pair[1]))
      continue;
    cgfs_autofd src = open(pair[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
    cgfs_autofd dst = open(pair[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
    g_autoptr(GError) local = NULL;
    if (src < 0 || dst < 0)
      continue; /* gone since: nothing to move, or nowhere to */
    if (!cgfs_move_all_dir(src, pair[0], dst, pair[1], file, &local)) {
      failed++;
      g_free(why);
      why = g_strdup(local->message);
    }
  }
  if (failed)
    return g_strdup_printf("could not complete the move of the processes of %s: %s", cgroup, why);
  return g_strdup_printf("completed the unfinished move of the processes of %s", cgroup);
}

static char *recover_record(CgfsJournal *j, const char *name, JsonParser *parser)
{
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  const char *kind = member_string(o, "kind");
  const char *cgroup = member_string(o, "cgroup");
  if (!cgroup)
    cgroup = "?";
  if (json_object_get_int_member_with_default(o, "version", 0) != RECORD_VERSION || !kind)
    return g_strdup_printf("dropped the journal record %s: unknown version or kind", name);
  const char *boot = member_string(o, "boot_id");
  if (boot && strcmp(boot, j->boot_id) != 0)
    return g_strdup_printf("dropped the record of %s of %s from an earlier boot", kind, cgroup);
  if (strcmp(kind, "update") == 0)
    return recover_update(o, cgroup);
  if (strcmp(kind, "move") == 0)
    return recover_move(o, cgroup);
  if (strcmp(kind, "move_all") == 0)
    return recover_move_all(o, cgroup);
  if (strcmp(kind, "kill") == 0)
    return recover_kill(o, cgroup);
  if (strcmp(kind, "delete") == 0)
    return recover_delete(o, cgroup);
  return g_strdup_printf("dropped the journal record %s: unknown kind '%s'", name, kind);
}

/* A record file found at recovery. */
typedef struct {
  char *name;
  char *seq;        /* its place in the order (the file name for records without one) */
  gint64 revision;
  JsonParser *parser; /* NULL: unreadable */
  char *why;          /* why it is unreadable */
} Found;

static void found_clear(Found *f)
{
  g_free(f->name);
  g_free(f->seq);
  g_clear_object(&f->parser);
  g_free(f->why);
}

/* Read record @name: FALSE when it is a free slot (no record). */
static gboolean read_found(CgfsJournal *j, const char *name, Found *out)
{
  g_autofree char *path = g_build_filename(j->dir, name, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  gboolean read = g_file_get_contents(path, &text, &len, &local);
  if (read && g_str_has_prefix(name, SLOT_PREFIX) && (len == 0 || text[0] != '{'))
    return FALSE;
  *out = (Found){ g_strdup(name), g_strndup(name, strlen(name) - strlen(RECORD_SUFFIX)) };
  g_autoptr(JsonParser) parser = json_parser_new();
  if (read && !json_parser_load_from_data(parser, text, (gssize)len, &local))
    read = FALSE;
  if (!read || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    out->why = g_strdup(local ? local->message : "not a JSON object");
    return TRUE;
  }
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  const char *seq = member_string(o, "seq");
  if (seq) {
    g_free(out->seq);
    out->seq = g_strdup(seq);
  }
  out->revision = json_object_get_int_member_with_default(o, "revision", 0);
  out->parser = g_steal_pointer(&parser);
  return TRUE;
}

static gint newest_first(gconstpointer a, gconstpointer b)
{
  const Found *x = a, *y = b;
  int c = -strcmp(x->seq, y->seq);
  return c ? c : (x->revision < y->revision) - (x->revision > y->revision);
}

/* Forget the free slots: recovery reads every slot file anew (a process forked from this one
 * may have written through the same descriptors) and removes the free ones. */
static void forget_free_slots(CgfsJournal *j)
{
  g_mutex_lock(&j->slots_lock);
  for (guint i = 0; i < j->free_slots->len; i++)
    close_slot(&g_array_index(j->free_slots, Slot, i));
  g_array_set_size(j->free_slots, 0);
  g_mutex_unlock(&j->slots_lock);
}

char **cgfs_journal_recover(CgfsJournal *j, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open(j->dir, 0, error);
  if (!dir)
    return NULL;
  forget_free_slots(j);
  g_autoptr(GArray) found = g_array_new(FALSE, TRUE, sizeof(Found));
  g_array_set_clear_func(found, (GDestroyNotify)found_clear);
  for (const char *n = g_dir_read_name(dir); n; n = g_dir_read_name(dir)) {
    Found f;
    if (g_str_has_suffix(n, RECORD_SUFFIX)) {
      if (read_found(j, n, &f))
        g_array_append_val(found, f);
      else
        unlinkat(j->dirfd, n, 0); /* a free slot */
    } else if (g_str_has_suffix(n, ".tmp")) {
      unlinkat(j->dirfd, n, 0); /* never committed: its plan never ran */
    }
  }
  g_array_sort(found, newest_first);
  GPtrArray *report = g_ptr_array_new();
  for (guint i = 0; i < found->len; i++) {
    const Found *f = &g_array_index(found, Found, i);
    /* An older revision of a record rewritten (a crash between the two writes): the newest,
     * just before it in the order, says all. */
    gboolean superseded = i > 0 && strcmp(g_array_index(found, Found, i - 1).seq, f->seq) == 0;
    if (!f->parser)
      g_ptr_array_add(report, g_strdup_printf("dropped the unreadable journal record %s: %s",
                                              f->name, f->why));
    else if (!superseded)
      g_ptr_array_add(report, recover_record(j, f->name, f->parser));
    unlinkat(j->dirfd, f->name, 0);
  }
  g_ptr_array_add(report, NULL);
  return (char **)g_ptr_array_free(report, FALSE);
}
