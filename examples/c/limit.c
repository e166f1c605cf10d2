/* cgfs-example-limit PATH JSON: apply an OCI LinuxResources document to the existing cgroup
 * PATH, all or nothing, and print the limits as the kernel now has them.
 *   cgfs-example-limit /batch/job-1 '{"memory": {"limit": 268435456}, "pids": {"limit": 64}}' */
#include <stdio.h>

#include <cgfs/cgfs.h>

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: %s /PATH JSON\n", argv[0]);
    return 2;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsSystem) sys = cgfs_system_new(&error);
  g_autoptr(CgfsHierarchy) h = sys ? cgfs_hierarchy_detect(sys, &error) : NULL;
  g_autoptr(CgfsCgroup) cg = h ? cgfs_cgroup_load(h, CGFS_STATIC_PATH(argv[1]), &error) : NULL;
  g_autoptr(CgfsResources) wanted = cg ? cgfs_resources_from_json(argv[2], -1, &error) : NULL;
  if (!wanted || !cgfs_cgroup_update(cg, wanted, &error)) {
    /* The message names the field and the reason; nothing was changed. */
    fprintf(stderr, "%s: %s (errno %d)\n", argv[0], error->message, error->code);
    return 1;
  }
  g_autoptr(CgfsResources) now = cgfs_cgroup_read_resources(cg, &error);
  if (!now) {
    fprintf(stderr, "%s: %s\n", argv[0], error->message);
    return 1;
  }
  g_autofree char *json = cgfs_resources_to_json(now, NULL);
  fputs(json, stdout);
  return 0;
}
