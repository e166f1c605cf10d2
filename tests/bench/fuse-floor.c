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

static int floor_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
  memset(st, 0, sizeof *st);
  if (strcmp(path, "/") == 0) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
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

static void *floor_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
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

void fuse_floor_unmount(const char *mnt, pid_t server)
{
  if (server <= 0)
    return;
  if (is_mounted(mnt) && umount2(mnt, 0) != 0)
    umount2(mnt, MNT_DETACH);
  waitpid(server, NULL, 0);
  rmdir(mnt);
}
