#define FUSE_USE_VERSION 314
#include <fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <cgfs/cgfs.h>

#include "fuse-floor.h"

/* "/123" -> 123; -1 for anything else. */
static long file_size(const char *path)
{
  if (path[0] != '/' || !g_ascii_isdigit(path[1]))
    return -1;
  char *end;
  long n = strtol(path + 1, &end, 10);
  return *end || n > (1 << 20) ? -1 : n;
}

/* Directories, for walks: "/dN" holds N directories c0 ... c(N-1), each holding
 * FLOOR_FILES_PER_DIR empty files f0 ... (cgfs's directories hold 10 nodes). */
#define FLOOR_FILES_PER_DIR 10

typedef enum { FLOOR_NONE, FLOOR_ROOT, FLOOR_PARENT, FLOOR_CHILD, FLOOR_FILE } FloorKind;

/* "/dN" (*n = N), "/dN/cI", "/dN/cI/fJ". */
static FloorKind floor_kind(const char *path, long *n)
{
  if (strcmp(path, "/") == 0)
    return FLOOR_ROOT;
  if (strncmp(path, "/d", 2) != 0 || !g_ascii_isdigit(path[2]))
    return FLOOR_NONE;
  char *end;
  *n = strtol(path + 2, &end, 10);
  if (!*end)
    return FLOOR_PARENT;
  if (strncmp(end, "/c", 2) != 0 || !g_ascii_isdigit(end[2]))
    return FLOOR_NONE;
  long i = strtol(end + 2, &end, 10);
  if (i >= *n)
    return FLOOR_NONE;
  if (!*end)
    return FLOOR_CHILD;
  if (strncmp(end, "/f", 2) != 0 || !g_ascii_isdigit(end[2]))
    return FLOOR_NONE;
  long j = strtol(end + 2, &end, 10);
  return !*end && j < FLOOR_FILES_PER_DIR ? FLOOR_FILE : FLOOR_NONE;
}

/* "/w": a file that takes writes (and flushes them, as cgfs's writable nodes); "/m": a directory
 * that mkdir makes and rmdir removes (nothing else is kept). */
#define FLOOR_WRITABLE "/w"
#define FLOOR_MKDIR "/m"
static gint floor_m_exists;

static int floor_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
  memset(st, 0, sizeof *st);
  if (strcmp(path, FLOOR_WRITABLE) == 0) {
    st->st_mode = S_IFREG | 0666;
    st->st_nlink = 1;
    return 0;
  }
  if (strcmp(path, FLOOR_MKDIR) == 0) {
    if (!g_atomic_int_get(&floor_m_exists))
      return -ENOENT;
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
  }
  long n = 0;
  FloorKind kind = floor_kind(path, &n);
  if (kind == FLOOR_ROOT || kind == FLOOR_PARENT || kind == FLOOR_CHILD) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
  }
  if (kind == FLOOR_FILE) {
    st->st_mode = S_IFREG | 0444;
    st->st_nlink = 1;
    return 0;
  }
  if (file_size(path) < 0)
    return -ENOENT;
  st->st_mode = S_IFREG | 0444;
  st->st_nlink = 1;
  return 0;
}

static int floor_open(const char *path, struct fuse_file_info *fi)
{
  if (strcmp(path, FLOOR_WRITABLE) == 0) {
    fi->direct_io = 1; /* and flush at close: where cgfs reports an unfinished document */
    return 0;
  }
  if (file_size(path) < 0)
    return -ENOENT;
  fi->direct_io = 1;
  fi->noflush = 1;
  return 0;
}

static int floor_read(const char *path, char *buf, size_t size, off_t off,
                      struct fuse_file_info *fi)
{
  long n = file_size(path);
  if (off >= n)
    return 0;
  size_t len = MIN(size, (size_t)(n - off));
  memset(buf, 'x', len);
  return (int)len;
}

static int floor_write(const char *path, const char *buf, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
  return strcmp(path, FLOOR_WRITABLE) == 0 ? (int)size : -EBADF;
}

/* A flush that does nothing, but exists: without one the kernel learns from the first ENOSYS to
 * send no FLUSH at all, and "w" would cost a round trip less at close than cgfs's writable nodes,
 * which must answer FLUSH (an unfinished document is refused at close()). Readers set noflush. */
static int floor_flush(const char *path, struct fuse_file_info *fi)
{
  return 0;
}

static int floor_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
  return strcmp(path, FLOOR_WRITABLE) == 0 ? 0 : -EACCES;
}

/* With a parent cgroup (fuse_floor_mount_library), "m" is also its child FLOOR_LIB_CHILD, made
 * and removed with the library by path as the daemon does (make_child, remove): the least a
 * correct mount can do, with nothing of cgfs's own per request. */
#define FLOOR_LIB_CHILD "f"
static CgfsCgroup *floor_parent;
static char *floor_child_path;

static int floor_lib_call(gboolean make)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = make ? cgfs_cgroup_make_child(floor_parent, FLOOR_LIB_CHILD, &error)
                     : cgfs_cgroup_remove(cgfs_cgroup_hierarchy(floor_parent),
                                          CGFS_STATIC_PATH(floor_child_path), &error);
  return ok ? 0 : -error->code;
}

static int floor_mkdir(const char *path, mode_t mode)
{
  if (strcmp(path, FLOOR_MKDIR) != 0)
    return -EPERM;
  if (!floor_parent)
    return g_atomic_int_compare_and_exchange(&floor_m_exists, 0, 1) ? 0 : -EEXIST;
  if (g_atomic_int_get(&floor_m_exists))
    return -EEXIST;
  int r = floor_lib_call(TRUE);
  if (r == 0)
    g_atomic_int_set(&floor_m_exists, 1);
  return r;
}

static int floor_rmdir(const char *path)
{
  if (strcmp(path, FLOOR_MKDIR) != 0)
    return -EPERM;
  if (!floor_parent)
    return g_atomic_int_compare_and_exchange(&floor_m_exists, 1, 0) ? 0 : -ENOENT;
  if (!g_atomic_int_get(&floor_m_exists))
    return -ENOENT;
  int r = floor_lib_call(FALSE);
  if (r == 0)
    g_atomic_int_set(&floor_m_exists, 0);
  return r;
}

/* As cgfs lists: every entry with its type, the whole listing at the first call. */
static int floor_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                         struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
  long n = 0;
  FloorKind kind = floor_kind(path, &n);
  if (kind != FLOOR_ROOT && kind != FLOOR_PARENT && kind != FLOOR_CHILD)
    return -ENOTDIR;
  const struct stat dir = { .st_mode = S_IFDIR }, file = { .st_mode = S_IFREG };
  filler(buf, ".", &dir, 0, 0);
  filler(buf, "..", &dir, 0, 0);
  char name[32];
  for (long i = 0; kind == FLOOR_PARENT && i < n; i++) {
    g_snprintf(name, sizeof name, "c%ld", i);
    filler(buf, name, &dir, 0, 0);
  }
  for (long j = 0; kind == FLOOR_CHILD && j < FLOOR_FILES_PER_DIR; j++) {
    g_snprintf(name, sizeof name, "f%ld", j);
    filler(buf, name, &file, 0, 0);
  }
  return 0;
}

static void *floor_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) /* as cgfs: O_TRUNC without a setattr */
    conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  cfg->use_ino = 0;
  cfg->direct_io = 1;
  cfg->entry_timeout = 1.0;
  cfg->attr_timeout = 1.0;
  cfg->negative_timeout = 0;
  return NULL;
}

static const struct fuse_operations floor_operations = {
  .init = floor_init,
  .getattr = floor_getattr,
  .open = floor_open,
  .read = floor_read,
  .write = floor_write,
  .flush = floor_flush,
  .truncate = floor_truncate,
  .mkdir = floor_mkdir,
  .rmdir = floor_rmdir,
  .readdir = floor_readdir,
};

static gboolean is_mounted(const char *mnt)
{
  g_autofree char *mounts = NULL;
  if (!g_file_get_contents("/proc/self/mounts", &mounts, NULL, NULL))
    return FALSE;
  g_autofree char *needle = g_strdup_printf(" %s fuse", mnt);
  return strstr(mounts, needle) != NULL;
}

char *fuse_floor_mount(pid_t *server)
{
  char *mnt = g_dir_make_tmp("cgfs-floor-XXXXXX", NULL);
  g_assert_nonnull(mnt);
  pid_t pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    char name[] = "fuse-floor", fg[] = "-f", opts[] = "-odefault_permissions,fsname=floor";
    char *argv[] = { name, fg, opts, mnt, NULL };
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    dup2(null, 2);
    _exit(fuse_main(4, argv, &floor_operations, NULL));
  }
  while (!is_mounted(mnt)) {
    if (waitpid(pid, NULL, WNOHANG) == pid) {
      fprintf(stderr, "skipped: the FUSE floor file system did not mount\n");
      rmdir(mnt);
      exit(77);
    }
    g_usleep(2000);
  }
  *server = pid;
  return mnt;
}

char *fuse_floor_mount_library(CgfsCgroup *parent, pid_t *server)
{
  floor_parent = parent; /* for the child only: this process's floor stays as it was */
  floor_child_path = g_strconcat(cgfs_cgroup_path(parent), "/" FLOOR_LIB_CHILD, NULL);
  char *mnt = fuse_floor_mount(server);
  floor_parent = NULL;
  g_clear_pointer(&floor_child_path, g_free);
  return mnt;
}

void fuse_floor_unmount(const char *mnt, pid_t server)
{
  if (server <= 0)
    return;
  if (is_mounted(mnt) && umount2(mnt, 0) != 0)
    umount2(mnt, MNT_DETACH);
  waitpid(server, NULL, 0);
  rmdir(mnt);
}
