/* Reading and writing kernel cgroup files relative to a directory fd. */
#pragma once

#include "config-internal.h"

/* Room for any single-valued or small cgroup file; larger files use cgfs_read_alloc_at. */
#define CGFS_SMALL_FILE_SIZE 4096

/* Read the whole of @name into @buf (NUL-terminated) and return its length, or -1. A file
 * larger than @size - 1 is EFBIG. One read() when the content fits: cgroup files are seq
 * files that fill the buffer until their end, so a short read is the end. */
gssize cgfs_read_at(int dirfd, const char *name, char *buf, gsize size, GError **error);
/* A file's content: in the caller's buffer when it fits, else in a heap buffer (heap). */
typedef struct {
  const char *text; /* NUL-terminated; NULL when an optional file does not exist */
  gsize len;
  char *heap;
} CgfsText;

/* Read the whole of @name with one read() into @buf (@size bytes) when it fits, continuing
 * into a heap buffer when it does not; cgfs_text_clear() frees that. With @optional a missing
 * file (ENOENT) is no error: TRUE with out->text NULL. */
gboolean cgfs_read_text_at(int dirfd, const char *name, gboolean optional, char *buf, gsize size,
                           CgfsText *out, GError **error);
void cgfs_text_clear(CgfsText *t);
/* The same from a descriptor kept open, with pread() from offset 0: a kernfs seq file
 * generates its content again at offset 0. */
gboolean cgfs_pread_text(int fd, const char *name, char *buf, gsize size, CgfsText *out,
                         GError **error);
/* Read the whole of @name, of any size, into a new NUL-terminated buffer. */
char *cgfs_read_alloc_at(int dirfd, const char *name, gsize *len, GError **error);
/* Read a one-line file and strip the trailing newline. */
char *cgfs_read_line_at(int dirfd, const char *name, GError **error);
/* Read a file holding one unsigned integer ("max" is G_MAXUINT64 when @allow_max). */
gboolean cgfs_read_u64_at(int dirfd, const char *name, gboolean allow_max, guint64 *out,
                          GError **error);
gboolean cgfs_read_i64_at(int dirfd, const char *name, gint64 *out, GError **error);

/* Write @value to @name with one open/write/close; the kernel's errno comes back as the code. */
gboolean cgfs_write_at(int dirfd, const char *name, const char *value, GError **error);
gboolean cgfs_write_printf_at(int dirfd, const char *name, GError **error, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/* An fd usable as openat()'s directory: O_PATH|O_DIRECTORY|O_CLOEXEC. */
int cgfs_open_dir_at(int dirfd, const char *path, GError **error);
/* A readable directory fd for listing (fdopendir), from an O_PATH one. */
int cgfs_reopen_dir(int dirfd, GError **error);
/* What a directory walk's callback answers. */
typedef enum { CGFS_WALK_FAIL = -1, CGFS_WALK_STOP = 0, CGFS_WALK_NEXT = 1 } CgfsWalk;
struct dirent;
typedef CgfsWalk (*CgfsEntryFunc)(int dirfd, const struct dirent *e, gpointer data,
                                  GError **error);
typedef CgfsWalk (*CgfsChildFunc)(int child_fd, const char *name, gpointer data, GError **error);
/* Call @fn for every entry of @dirfd but "." and ".." (@what names the directory in messages). */
gboolean cgfs_for_each_entry_at(int dirfd, const char *what, CgfsEntryFunc fn, gpointer data,
                                GError **error);
/* Call @fn for every subdirectory (child cgroup) of @dirfd with an O_PATH fd of it; a child
 * removed while the walk runs is skipped. */
gboolean cgfs_for_each_child_at(int dirfd, CgfsChildFunc fn, gpointer data, GError **error);
/* Call @fn for every directory below @dirfd (not @dirfd itself), parents before children, with
 * an O_PATH fd of it; STOP from @fn ends the whole walk. At most three fds are open at once
 * whatever the depth (each level is listed before the walk enters it, and left through ".."),
 * so a subtree thousands of levels deep cannot exhaust the caller's fds. A directory removed
 * while the walk runs is skipped; EAGAIN when one was moved (renamed) under the walk. */
gboolean cgfs_walk_subtree_at(int dirfd, CgfsChildFunc fn, gpointer data, GError **error);
/* The name of the first subdirectory of @dirfd (a child cgroup), "" when there is none (a new
 * string either way), NULL on error. */
char *cgfs_first_subdir_at(int dirfd, GError **error);
/* Whether this thread's effective capabilities include CAP_DAC_OVERRIDE: then the kernel lets it
 * open any cgroup file for writing and write into any directory, and no permission check of
 * ours is needed. */
gboolean cgfs_thread_overrides_dac(void);
/* Whether @name exists below @dirfd. */
gboolean cgfs_exists_at(int dirfd, const char *name);
/* getpid(), without a system call after the first in each process: the pid is kept in a page
 * the kernel zeroes in every child that gets a copy of this process's memory (MADV_WIPEONFORK:
 * fork(), _Fork(), clone() without CLONE_VM, whether atfork handlers run or not), so a child
 * asks again. Where the kernel cannot (before 4.14), every call is a getpid(). A child that
 * shares the memory instead (vfork, clone with CLONE_VM but not CLONE_THREAD) would see its
 * parent's pid: such a child may only exec or exit, never call libcgfs. */
pid_t cgfs_self_pid(void);

static inline void cgfs_close_fd(int *fd)
{
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
    *fd = -1;
  }
}
#define cgfs_autofd __attribute__((cleanup(cgfs_close_fd))) int
