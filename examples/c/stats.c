/* cgfs-example-stats PATH [--json]: a few counters of the cgroup PATH, the same on cgroup v1 and
 * v2, or with --json every counter as stats.json shows them. */
#include <stdio.h>
#include <string.h>

#include <cgfs/cgfs.h>

static void print_summary(const CgfsStats *s)
{
  const CgfsPidsStat *pids = s->version == 1 ? &s->v1.pids : &s->v2.pids;
  if (pids->present && CGFS_STATS_HAS(pids, current))
    printf("pids %" G_GUINT64_FORMAT "\n", pids->current);
  if (s->version == 1 && s->v1.memory.usage.present)
    printf("memory %" G_GUINT64_FORMAT "\n", s->v1.memory.usage.usage);
  if (s->version == 2 && s->v2.memory.present && CGFS_STATS_HAS(&s->v2.memory, usage))
    printf("memory %" G_GUINT64_FORMAT "\n", s->v2.memory.usage);
  if (s->version == 1 && s->v1.cpu.usage.present)
    printf("cpu_ns %" G_GUINT64_FORMAT "\n", s->v1.cpu.usage.total);
  if (s->version == 2 && s->v2.cpu.present && CGFS_STATS_HAS(&s->v2.cpu, usage_usec))
    printf("cpu_ns %" G_GUINT64_FORMAT "\n", s->v2.cpu.usage_usec * 1000);
}

int main(int argc, char **argv)
{
  if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--json") != 0)) {
    fprintf(stderr, "usage: %s /PATH [--json]\n", argv[0]);
    return 2;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsSystem) sys = cgfs_system_new(&error);
  g_autoptr(CgfsHierarchy) h = sys ? cgfs_hierarchy_detect(sys, &error) : NULL;
  g_autoptr(CgfsCgroup) cg = h ? cgfs_cgroup_load(h, CGFS_STATIC_PATH(argv[1]), &error) : NULL;
  g_autoptr(CgfsStats) stats = cg ? cgfs_cgroup_stats(cg, &error) : NULL; /* one snapshot */
  if (!stats) {
    fprintf(stderr, "%s: %s (errno %d)\n", argv[0], error->message, error->code);
    return 1;
  }
  if (argc == 3) {
    g_autofree char *json = cgfs_stats_to_json(stats, NULL);
    fputs(json, stdout);
  } else {
    print_summary(stats);
  }
  return 0;
}
