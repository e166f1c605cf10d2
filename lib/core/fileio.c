#include "config-internal.h"

#include <dirent.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "fileio.h"

gboolean cgfs_set_errno_impl(GError **error, int saved_errno, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  cgfs_set_error(error, saved_errno, "%s: %s", what, g_strerror(saved_errno));
  errno = saved_errno;
  return FALSE;
}

static int open_file_at(int dirfd, const char *name, int flags, GError **error)
{
  int fd = openat(dirfd, name, flags | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    cgfs_set_errno(error, "cannot open %s", name);
  return fd;
}

static gssize read_full(int fd, char *buf, gsize size)
{
  gsize done = 0;
  while (done < size) {
    ssize_t n = read(fd, buf + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    done += (gsize)n;
    /* A short read of a seq file is its end: saves the read() that would return 0. */
    if (done < size)
      break;
  }
  return (gssize)done;
}

gssize cgfs_read_at(int dirfd, const char *name, char *buf, gsize size, GError **error)
{
  g_return_val_if_fail(size > 1, -1);
  cgfs_autofd fd = open_file_at(dirfd, name, O_RDONLY, error);
  if (fd < 0)
    return -1;
  gssize n = read_full(fd, buf, size - 1);
  if (n < 0) {
    cgfs_set_errno(error, "cannot read %s", name);
    return -1;
  }
  if ((gsize)n == size - 1) {
    char extra;
    ssize_t more = read(fd, &extra, 1);
    if (more != 0) {
      cgfs_set_error(error, EFBIG, "cannot read %s: larger than %zu bytes", name, size - 1);
      return -1;
    }
  }
  buf[n] = '\0';
  return n;
}

/* One read() (@positional FALSE) or pread() at @off (TRUE), retried on EINTR. */
static ssize_t read_once(int fd, char *buf, gsize size, gboolean positional, off_t off)
{
  ssize_t n;
  do
    n = positional ? pread(fd, buf, size, off) : read(fd, buf, size);
  while (n < 0 && errno == EINTR);
  return n;
}

/* The rest of a file whose first @size bytes are in @buf: a heap copy that grows to the end,
 * read on from the file offset, or with pread() from @size when @positional. */
static gboolean read_spill(int fd, const char *name, const char *buf, gsize size,
                           gboolean positional, CgfsText *out, GError **error)
{
  gsize cap = size * 2, used = size;
  char *heap = g_malloc(cap);
  memcpy(heap, buf, size);
  for (;;) {
    if (cap - used < 2) {
      cap *= 2;
      heap = g_realloc(heap, cap);
    }
    ssize_t n = read_once(fd, heap + used, cap - used - 1, positional, (off_t)used);
    if (n < 0) {
      g_free(heap);
      return cgfs_set_errno(error, "cannot read %s", name);
    }
    if (n == 0)
      break;
    used += (gsize)n;
  }
  heap[used] = '\0';
  out->heap = heap;
  out->text = heap;
  out->len = used;
  return TRUE;
}

gboolean cgfs_read_text_at(int dirfd, const char *name, gboolean optional, char *buf, gsize size,
                           CgfsText *out, GError **error)
{
  g_return_val_if_fail(size > 1, FALSE);
  *out = (CgfsText){ 0 };
  cgfs_autofd fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (optional && errno == ENOENT)
      return TRUE;
    return cgfs_set_errno(error, "cannot open %s", name);
  }
  gssize n = read_full(fd, buf, size - 1);
  if (n < 0)
    return cgfs_set_errno(error, "cannot read %s", name);
  if ((gsize)n == size - 1)
    return read_spill(fd, name, buf, (gsize)n, FALSE, out, error);
  buf[n] = '\0';
  out->text = buf;
  out->len = (gsize)n;
  return TRUE;
}

gboolean cgfs_pread_text(int fd, const char *name, char *buf, gsize size, CgfsText *out,
                         GError **error)
{
  g_return_val_if_fail(size > 1, FALSE);
  *out = (CgfsText){ 0 };
  ssize_t n = read_once(fd, buf, size - 1, TRUE, 0);
  if (n < 0)
    return cgfs_set_errno(error, "cannot read %s", name);
  if ((gsize)n == size - 1)
    return read_spill(fd, name, buf, (gsize)n, TRUE, out, error);
  buf[n] = '\0'; /* a short read of a seq file is its end */
  out->text = buf;
  out->len = (gsize)n;
  return TRUE;
}

void cgfs_text_clear(CgfsText *t)
{
  g_clear_pointer(&t->heap, g_free);
  t->text = NULL;
  t->len = 0;
}

char *cgfs_read_alloc_at(int dirfd, const char *name, gsize *len, GError **error)
{
  cgfs_autofd fd = open_file_at(dirfd, name, O_RDONLY, error);
  if (fd < 0)
    return NULL;
  gsize cap = CGFS_SMALL_FILE_SIZE, used = 0;
  g_autofree char *buf = g_malloc(cap);
  for (;;) {
    ssize_t n = read(fd, buf + used, cap - used - 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      cgfs_set_errno(error, "cannot read %s", name);
      return NULL;
    }
    if (n == 0)
      break;
    used += (gsize)n;
    if (cap - used - 1 == 0) {
      cap *= 2;
      buf = g_realloc(buf, cap);
    }
  }
  buf[used] = '\0';
  if (len)
    *len = used;
  return g_steal_pointer(&buf);
}

char *cgfs_read_line_at(int dirfd, const char *name, GError **error)
{
  char buf[CGFS_SMALL_FILE_SIZE];
  gssize n = cgfs_read_at(dirfd, name, buf, sizeof buf, error);
  if (n < 0)
    return NULL;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    buf[--n] = '\0';
  return g_strndup(buf, (gsize)n);
}

gboolean cgfs_read_u64_at(int dirfd, const char *name, gboolean allow_max, guint64 *out,
                          GError **error)
{
  g_autofree char *line = cgfs_read_line_at(dirfd, name, error);
  if (!line)
    return FALSE;
  if (allow_max && strcmp(line, "max") == 0) {
    *out = G_MAXUINT64;
    return TRUE;
  }
  guint64 v;
  if (!g_ascii_string_to_unsigned(line, 10, 0, G_MAXUINT64, &v, NULL)) {
    cgfs_set_error(error, EBADMSG, "%s: invalid file format: '%s' is not an unsigned integer",
                   name, line);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

gboolean cgfs_read_i64_at(int dirfd, const char *name, gint64 *out, GError **error)
{
  g_autofree char *line = cgfs_read_line_at(dirfd, name, error);
  if (!line)
    return FALSE;
  gint64 v;
  if (!g_ascii_string_to_signed(line, 10, G_MININT64, G_MAXINT64, &v, NULL)) {
    cgfs_set_error(error, EBADMSG, "%s: invalid file format: '%s' is not an integer", name,
                   line);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

gboolean cgfs_write_at(int dirfd, const char *name, const char *value, GError **error)
{
  /* O_TRUNC: cgroupfs ignores it, and a plain file (a fake tree) then holds only @value. */
  cgfs_autofd fd = open_file_at(dirfd, name, O_WRONLY | O_TRUNC, error);
  if (fd < 0)
    return FALSE;
  gsize len = strlen(value);
  ssize_t n;
  do
    n = write(fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return cgfs_set_errno(error, "cannot write '%s' to %s", value, name);
  if ((gsize)n != len) {
    cgfs_set_error(error, EIO, "cannot write '%s' to %s: short write", value, name);
    return FALSE;
  }
  return TRUE;
}

gboolean cgfs_write_printf_at(int dirfd, const char *name, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *value = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  return cgfs_write_at(dirfd, name, value, error);
}

int cgfs_open_dir_at(int dirfd, const char *path, GError **error)
{
  int fd = openat(dirfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    cgfs_set_errno(error, "cannot open directory %s", path);
  return fd;
}

int cgfs_reopen_dir(int dirfd, GError **error)
{
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    cgfs_set_errno(error, "cannot list directory");
  return fd;
}

gboolean cgfs_for_each_entry_at(int dirfd, const char *what, CgfsEntryFunc fn, gpointer data,
                                GError **error)
{
  cgfs_autofd lfd = cgfs_reopen_dir(dirfd, error);
  if (lfd < 0)
    return FALSE;
  DIR *dir = fdopendir(lfd);
  if (!dir)
    return cgfs_set_errno(error, "cannot list %s", what);
  lfd = -1;
  CgfsWalk walk = CGFS_WALK_NEXT;
  struct dirent *e;
  while (walk == CGFS_WALK_NEXT && (e = readdir(dir)))
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      walk = fn(dirfd, e, data, error);
  closedir(dir);
  return walk != CGFS_WALK_FAIL;
}

typedef struct {
  CgfsChildFunc fn;
  gpointer data;
} ChildWalk;

static CgfsWalk visit_child(int dirfd, const struct dirent *e, gpointer data, GError **error)
{
  const ChildWalk *w = data;
  if (e->d_type != DT_DIR)
    return CGFS_WALK_NEXT;
  cgfs_autofd child = openat(dirfd, e->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (child < 0 && errno == ENOENT)
    return CGFS_WALK_NEXT; /* removed while we listed */
  if (child < 0) {
    cgfs_set_errno(error, "cannot open cgroup directory %s", e->d_name);
    return CGFS_WALK_FAIL;
  }
  return w->fn(child, e->d_name, w->data, error);
}

gboolean cgfs_for_each_child_at(int dirfd, CgfsChildFunc fn, gpointer data, GError **error)
{
  ChildWalk w = { fn, data };
  return cgfs_for_each_entry_at(dirfd, "cgroup directory", visit_child, &w, error);
}

/* ---- the subtree walk ---- */

typedef struct {
  GPtrArray *names; /* the level's subdirectories, listed when the walk entered it */
  guint next;       /* the next one to visit */
  dev_t dev;        /* the level's directory, to check the way back up */
  ino_t ino;
} WalkLevel;

static void walk_level_clear(WalkLevel *l)
{
  g_clear_pointer(&l->names, g_ptr_array_unref);
}

static CgfsWalk add_subdir(int dirfd, const struct dirent *e, gpointer data, GError **error)
{
  if (e->d_type == DT_DIR)
    g_ptr_array_add(data, g_strdup(e->d_name));
  return CGFS_WALK_NEXT;
}

/* Enter @fd: list its subdirectories (none if it was removed meanwhile) and note who it is. */
static gboolean walk_enter(GArray *stack, int fd, GError **error)
{
  WalkLevel l = { g_ptr_array_new_with_free_func(g_free), 0, 0, 0 };
  struct stat st;
  g_autoptr(GError) local = NULL;
  if (fstat(fd, &st) != 0) {
    walk_level_clear(&l);
    return cgfs_set_errno(error, "cannot stat a cgroup directory");
  }
  l.dev = st.st_dev;
  l.ino = st.st_ino;
  /* A directory's link count is 2 plus its subdirectories: a leaf needs no listing. */
  if (st.st_nlink != 2 && !cgfs_for_each_entry_at(fd, "cgroup directory", add_subdir, l.names, &local) &&
      local->code != ENOENT) {
    walk_level_clear(&l);
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  g_array_append_val(stack, l);
  return TRUE;
}

/* Leave the level of *@cur for its parent, which must be the level below it on the stack. */
static gboolean walk_up(GArray *stack, int *cur, GError **error)
{
  const WalkLevel *parent = &g_array_index(stack, WalkLevel, stack->len - 1);
  int up = openat(*cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (up < 0)
    return cgfs_set_errno(error, "cannot go back up a cgroup subtree");
  struct stat st;
  if (fstat(up, &st) != 0 || st.st_dev != parent->dev || st.st_ino != parent->ino) {
    close(up);
    cgfs_set_error(error, EAGAIN, "a cgroup was moved while its subtree was walked; try again");
    return FALSE;
  }
  cgfs_close_fd(cur);
  *cur = up;
  return TRUE;
}

gboolean cgfs_walk_subtree_at(int dirfd, CgfsChildFunc fn, gpointer data, GError **error)
{
  cgfs_autofd cur = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0)
    return cgfs_set_errno(error, "cannot open a cgroup directory");
  g_autoptr(GArray) stack = g_array_new(FALSE, TRUE, sizeof(WalkLevel));
  g_array_set_clear_func(stack, (GDestroyNotify)walk_level_clear);
  if (!walk_enter(stack, cur, error))
    return FALSE;
  while (stack->len > 0) {
    WalkLevel *top = &g_array_index(stack, WalkLevel, stack->len - 1);
    if (top->next == top->names->len) {
      g_array_set_size(stack, stack->len - 1);
      if (stack->len > 0 && !walk_up(stack, &cur, error))
        return FALSE;
      continue;
    }
    const char *name = top->names->pdata[top->next++];
    cgfs_autofd child = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child < 0 && (errno == ENOENT || errno == ENOTDIR))
      continue; /* removed while we walked */
    if (child < 0)
      return cgfs_set_errno(error, "cannot open cgroup directory %s", name);
    CgfsWalk w = fn(child, name, data, error);
    if (w != CGFS_WALK_NEXT)
      return w == CGFS_WALK_STOP;
    cgfs_close_fd(&cur);
    cur = child;
    child = -1;
    if (!walk_enter(stack, cur, error))
      return FALSE;
  }
  return TRUE;
}

static CgfsWalk take_name(int child_fd, const char *name, gpointer data, GError **error)
{
  *(char **)data = g_strdup(name);
  return CGFS_WALK_STOP;
}

char *cgfs_first_subdir_at(int dirfd, GError **error)
{
  char *child = NULL;
  if (!cgfs_for_each_child_at(dirfd, take_name, &child, error))
    return NULL;
  return child ? child : g_strdup("");
}

gboolean cgfs_exists_at(int dirfd, const char *name)
{
  struct stat st;
  return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* One capget: a plan asks once, not a faccessat per skipped write (a document read back and
 * written again skips them all); a delete once, not a faccessat per parent. */
gboolean cgfs_thread_overrides_dac(void)
{
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2] = { { 0 } };
  if (syscall(SYS_capget, &h, d) != 0)
    return FALSE;
  return (d[0].effective & (1u << CAP_DAC_OVERRIDE)) != 0;
}

/* The page of cgfs_self_pid(): (gsize)1 when the kernel cannot wipe it at fork. Set once per
 * process image; a child inherits the pointer and finds the page zeroed. Not a cache of
 * anything that can change: a process's pid is fixed for its life. */
static gsize pid_page;

static size_t page_size(void)
{
  long size = sysconf(_SC_PAGESIZE);
  return size > 0 ? (size_t)size : 4096;
}

static gsize pid_page_new(void)
{
  void *page = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                    0);
  if (page == MAP_FAILED)
    return 1;
#ifdef MADV_WIPEONFORK
  if (madvise(page, page_size(), MADV_WIPEONFORK) == 0)
    return (gsize)page;
#endif
  munmap(page, page_size());
  return 1;
}

pid_t cgfs_self_pid(void)
{
  gsize page = __atomic_load_n(&pid_page, __ATOMIC_ACQUIRE);
  if (page == 0) { /* no lock: a fork while another thread holds one would leave it held */
    gsize mine = pid_page_new();
    if (__atomic_compare_exchange_n(&pid_page, &page, mine, FALSE, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
      page = mine;
    else if (mine != 1) /* another thread set it first */
      munmap((void *)mine, page_size());
  }
  if (page == 1)
    return getpid();
  pid_t *kept = (pid_t *)page;
  pid_t pid = __atomic_load_n(kept, __ATOMIC_RELAXED);
  if (pid == 0) { /* the first call in this process (or in a child since the fork) */
    pid = getpid();
    __atomic_store_n(kept, pid, __ATOMIC_RELAXED);
  }
  return pid;
}
