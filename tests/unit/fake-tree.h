/* A fake cgroup machine in a temporary directory, for unit tests without root.
 *
 * fake_tree_new_v1() lays out this machine's v1 hierarchies (cpu, cpuacct, cpuset, memory,
 * devices, freezer, blkio, pids, name=systemd) plus cgroup2 at /sys/fs/cgroup/unified, with
 * mountinfo and /proc/self/cgroup files that say so; fake_tree_new_v2() a unified machine.
 *
 * The test binary is linked with -Wl,--wrap=mkdirat,--wrap=rmdir,--wrap=unlinkat: a directory made below the
 * fake tree gets the mount's template files, as the kernel fills a new cgroup with its control
 * files, and rmdir (or unlinkat with AT_REMOVEDIR) removes them again, as the kernel does.
 */
#pragma once

#include <glib.h>
#include <cgfs/cgfs.h>

typedef struct {
  char *root;      /* the temp dir; mounts live at root + "/sys/fs/cgroup/..." */
  char *mountinfo; /* root + "/proc/self/mountinfo" */
  char *self_cgroup;
  GHashTable *templates; /* mount dir -> GHashTable(file -> initial content) */
} FakeTree;

FakeTree *fake_tree_new(void);
FakeTree *fake_tree_new_v1(void);
FakeTree *fake_tree_new_v2(const char *controllers);
void fake_tree_free(FakeTree *t);

/* Paths are relative to the tree's root, e.g. "sys/fs/cgroup/memory/x/memory.limit_in_bytes". */
char *fake_tree_path(FakeTree *t, const char *rel);
void fake_tree_write(FakeTree *t, const char *rel, const char *content);
char *fake_tree_read(FakeTree *t, const char *rel);
gboolean fake_tree_exists(FakeTree *t, const char *rel);
void fake_tree_mkdir(FakeTree *t, const char *rel);
/* Files (with their content) that every new directory below mount @mount_rel receives. */
void fake_tree_template(FakeTree *t, const char *mount_rel, const char *file, const char *content);
/* Create cgroup directory @rel and its template files, as mkdir in cgroupfs would. */
void fake_tree_mkcg(FakeTree *t, const char *rel);
CgfsSystem *fake_tree_system(FakeTree *t);

/* A fake tree with its system and one hierarchy, as most tests set them up. */
typedef struct {
  FakeTree *t;
  CgfsSystem *sys;
  CgfsHierarchy *h;
} FakeMachine;

/* Takes @t; @hierarchy as cgfs_hierarchy_from_string ("v1", "v2", ...). */
FakeMachine *fake_machine_new(FakeTree *t, const char *hierarchy);
void fake_machine_free(FakeMachine *m);
/* cmocka teardown for a FakeMachine in *state. */
int fake_machine_teardown(void **state);

/* The fake-tree mount dirs of this machine's v1 hierarchies, relative to the root. */
extern const char *const fake_v1_mounts[];
