/* systemd-tool: one libcgfs call on the systemd hierarchy of the system bus, for vm-systemd.sh.
 *   systemd-tool slice PATH | scope PATH PID | sub PATH | update PATH JSON | add PATH PID |
 *                delete PATH | freeze PATH | thaw PATH | state PATH
 * Exit 0 on success; on a failure "systemd-tool: ERRNO-NAME: message" on stderr and exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cgfs/cgfs.h>

static int failed(GError *error)
{
  fprintf(stderr, "systemd-tool: %s: %s\n", g_strerror(error->code), error->message);
  g_error_free(error);
  return 1;
}

static pid_t pid_arg(const char *s)
{
  return (pid_t)strtol(s, NULL, 10);
}

static int run(CgfsHierarchy *h, int argc, char **argv)
{
  const char *cmd = argv[1], *path = argv[2];
  GError *error = NULL;
  if (strcmp(cmd, "slice") == 0 || strcmp(cmd, "sub") == 0) {
    g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new(h, CGFS_STATIC_PATH(path), NULL, &error);
    return cg ? 0 : failed(error);
  }
  if (strcmp(cmd, "scope") == 0 && argc == 4) {
    g_autoptr(CgfsCgroup) cg = cgfs_cgroup_new_scope(h, path, pid_arg(argv[3]), NULL, &error);
    return cg ? 0 : failed(error);
  }
  g_autoptr(CgfsCgroup) cg = cgfs_cgroup_load(h, CGFS_STATIC_PATH(path), &error);
  if (!cg)
    return failed(error);
  gboolean ok = FALSE;
  if (strcmp(cmd, "update") == 0 && argc == 4) {
    g_autoptr(CgfsResources) r = cgfs_resources_from_json(argv[3], -1, &error);
    ok = r && cgfs_cgroup_update(cg, r, &error);
  } else if (strcmp(cmd, "add") == 0 && argc == 4) {
    ok = cgfs_cgroup_add_process(cg, pid_arg(argv[3]), NULL, &error);
  } else if (strcmp(cmd, "delete") == 0) {
    ok = cgfs_cgroup_delete(cg, &error);
  } else if (strcmp(cmd, "freeze") == 0) {
    ok = cgfs_cgroup_freeze(cg, &error);
  } else if (strcmp(cmd, "thaw") == 0) {
    ok = cgfs_cgroup_thaw(cg, &error);
  } else if (strcmp(cmd, "state") == 0) {
    CgfsState s = cgfs_cgroup_state(cg, &error);
    if (s == CGFS_STATE_UNKNOWN)
      return failed(error);
    printf("%s\n", cgfs_state_to_string(s));
    return 0;
  } else {
    fprintf(stderr, "systemd-tool: unknown command %s\n", cmd);
    return 2;
  }
  return ok ? 0 : failed(error);
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: systemd-tool COMMAND PATH [ARG]\n");
    return 2;
  }
  GError *error = NULL;
  g_autoptr(CgfsSystem) sys = cgfs_system_new(&error);
  if (!sys)
    return failed(error);
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_systemd(sys, g_getenv("CGFS_SYSTEMD_BUS"), &error);
  if (!h)
    return failed(error);
  return run(h, argc, argv);
}
