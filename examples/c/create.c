/* cgfs-example-create PATH: make the cgroup PATH (absolute, e.g. /batch/job-1) in every
 * hierarchy of this machine and print where it is. Build: cc create.c $(pkg-config --cflags
 * --libs cgfs) */
#include <stdio.h>

#include <cgfs/cgfs.h>

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: %s /PATH\n", argv[0]);
    return 2;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsSystem) sys = cgfs_system_new(&error);
  g_autoptr(CgfsHierarchy) h = sys ? cgfs_hierarchy_detect(sys, &error) : NULL;
  g_autoptr(CgfsCgroup) cg = h ? cgfs_cgroup_new(h, CGFS_STATIC_PATH(argv[1]), NULL, &error) : NULL;
  if (!cg) {
    fprintf(stderr, "%s: %s (errno %d)\n", argv[0], error->message, error->code);
    return 1;
  }
  g_auto(GStrv) subsystems = cgfs_cgroup_subsystems(cg, NULL);
  g_autofree char *list = subsystems ? g_strjoinv(",", subsystems) : g_strdup("");
  printf("%s: cgroup v%d, in %s\n", cgfs_cgroup_path(cg), cgfs_cgroup_version(cg), list);
  return 0;
}
