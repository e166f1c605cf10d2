/* The FUSE floor: the least a request through a FUSE mount can cost on this machine, measured
 * on a file system that does nothing else. It is served by a child process with the same libfuse,
 * the same high-level API, the same loop and the same options as cgfs (direct I/O, 1 s entry and
 * attribute caches, default_permissions), and it opens nothing: every name that is a decimal
 * number N is a file of N bytes ("0" is the empty file), and "dN" a directory of N directories
 * (c0 ...) holding 10 empty files each, for walks; "w" takes writes (and answers FLUSH at close, as
 * cgfs's writable nodes must) and "m" is a directory that mkdir makes and rmdir removes: the floors of a
 * write and of mkdir+rmdir through a mount. */
#pragma once

#include <sys/types.h>

#include <cgfs/cgfs.h>

/* Mount the floor file system on a new temporary directory; its path (free it) and the
 * serving process. Exits 77 when FUSE cannot be mounted. */
char *fuse_floor_mount(pid_t *server);
/* The same, where mkdir and rmdir of "m" also make and remove @parent's child "f" with the
 * library by path (cgfs_cgroup_make_child, cgfs_cgroup_remove): FUSE floor + library, the least
 * a correct mount can do. */
char *fuse_floor_mount_library(CgfsCgroup *parent, pid_t *server);
/* Unmount it, reap the server and remove the directory. */
void fuse_floor_unmount(const char *mnt, pid_t server);
