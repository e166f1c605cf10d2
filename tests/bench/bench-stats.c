/* How fast is a stats read, against the floor of reading the same kernel files and nothing else?
 *
 * bench-stats [N] creates cgfs-test-<pid>-bench in every v1 hierarchy (and in the cgroup2
 * mount), puts a process in it that holds memory and has done some direct IO, and times, in
 * interleaved rounds:
 *   floor   N times open/read/close of exactly the files one cgfs_cgroup_stats() call opened
 *           (recorded through a wrapped openat64), no parsing;
 *   stats   N cgfs_cgroup_stats() + cgfs_stats_free();
 *   json    N cgfs_cgroup_stats() + cgfs_stats_to_json() + free;
 * and, for the JSON writer alone, cgfs_stats_to_json() against building the same document with
 * json-glib's JsonBuilder and JsonGenerator. Needs root; exits 77 otherwise.
 *
 * bench-stats N floor|stats|json runs only that mode, N times, for perf or callgrind.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "itest.h"
#include "open-recorder.h"

#define ROUNDS 10
#define HOLD_BYTES (32 << 20)
#define BUF_SIZE 16384 /* as the library's read buffer */

static Recording recorded; /* the files one stats read opens */

/* ---- the process in the cgroup ---- */

/* Wait until this process's memory and IO are charged to @path, then charge memory and some
 * direct IO to it. */
static G_NORETURN void hold(const char *path)
{
  while (!itest_self_in(path, (const char *const[]){ "memory", "blkio", NULL }))
    g_usleep(1000);
  char *mem = g_malloc(HOLD_BYTES);
  memset(mem, 1, HOLD_BYTES);
  char tmpl[] = "/tmp/cgfs-bench-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd >= 0) {
    unlink(tmpl);
    void *block;
    g_autofree char *again = g_strdup_printf("/proc/self/fd/%d", fd);
    int dfd = open(again, O_RDWR | O_DIRECT);
    if (dfd >= 0 && posix_memalign(&block, 4096, 1 << 20) == 0) {
      memset(block, 2, 1 << 20);
      for (int i = 0; i < 4; i++)
        (void)!pwrite(dfd, block, 1 << 20, (off_t)i << 20);
      (void)!pread(dfd, block, 1 << 20, 0);
    }
  }
  for (;;)
    pause();
}

/* ---- timing ---- */

typedef enum { FLOOR, STATS, JSON, N_MODES } Mode;
static const char *const mode_names[] = { "floor (open/read/close)", "cgfs_cgroup_stats",
                                          "stats + cgfs_stats_to_json" };

static void floor_read(void)
{
  char buf[BUF_SIZE];
  recording_replay(&recorded, buf, sizeof buf);
}

static void stats_read(CgfsCgroup *cg, gboolean json)
{
  GError *error = NULL;
  CgfsStats *s = cgfs_cgroup_stats(cg, &error);
  if (!s)
    g_error("stats: %s", error->message);
  if (json)
    g_free(cgfs_stats_to_json(s, NULL));
  cgfs_stats_free(s);
}

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, guint n)
{
  qsort(v, n, sizeof *v, compare_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Microseconds per read of each mode: the median over rounds, the modes interleaved so that
 * drift on the machine hits them alike. */
static void time_modes(CgfsCgroup *cg, guint n, double us[N_MODES])
{
  double rounds[N_MODES][ROUNDS];
  guint per_round = MAX(n / ROUNDS, 1);
  for (guint r = 0; r < ROUNDS; r++)
    for (Mode m = 0; m < N_MODES; m++) {
      gint64 start = g_get_monotonic_time();
      for (guint i = 0; i < per_round; i++) {
        if (m == FLOOR)
          floor_read();
        else
          stats_read(cg, m == JSON);
      }
      rounds[m][r] = (double)(g_get_monotonic_time() - start) / per_round;
    }
  for (Mode m = 0; m < N_MODES; m++)
    us[m] = median(rounds[m], ROUNDS);
}

/* ---- the JSON writer against json-glib ---- */

/* Replay @node into @b: what building this document with json-glib costs. */
static void replay(JsonBuilder *b, JsonNode *node)
{
  switch (json_node_get_node_type(node)) {
  case JSON_NODE_OBJECT: {
    JsonObject *o = json_node_get_object(node);
    json_builder_begin_object(b);
    g_autoptr(GList) members = json_object_get_members(o);
    for (GList *l = members; l; l = l->next) {
      json_builder_set_member_name(b, l->data);
      replay(b, json_object_get_member(o, l->data));
    }
    json_builder_end_object(b);
    break;
  }
  case JSON_NODE_ARRAY: {
    JsonArray *a = json_node_get_array(node);
    json_builder_begin_array(b);
    for (guint i = 0; i < json_array_get_length(a); i++)
      replay(b, json_array_get_element(a, i));
    json_builder_end_array(b);
    break;
  }
  case JSON_NODE_VALUE:
    if (json_node_get_value_type(node) == G_TYPE_INT64)
      json_builder_add_int_value(b, json_node_get_int(node));
    else if (json_node_get_value_type(node) == G_TYPE_DOUBLE)
      json_builder_add_double_value(b, json_node_get_double(node));
    else
      json_builder_add_string_value(b, json_node_get_string(node));
    break;
  case JSON_NODE_NULL:
    json_builder_add_null_value(b);
    break;
  }
}

static void time_writers(CgfsCgroup *cg, guint n, double *ours, double *glib)
{
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(cg, NULL);
  g_autofree char *text = cgfs_stats_to_json(s, NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, text, -1, NULL))
    g_error("our JSON does not parse");
  JsonNode *root = json_parser_get_root(parser);
  gint64 start = g_get_monotonic_time();
  for (guint i = 0; i < n; i++)
    g_free(cgfs_stats_to_json(s, NULL));
  *ours = (double)(g_get_monotonic_time() - start) / n;
  start = g_get_monotonic_time();
  for (guint i = 0; i < n; i++) {
    g_autoptr(JsonBuilder) b = json_builder_new();
    replay(b, root);
    g_autoptr(JsonNode) built = json_builder_get_root(b);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_root(gen, built);
    g_free(json_generator_to_data(gen, NULL));
  }
  *glib = (double)(g_get_monotonic_time() - start) / n;
}

/* ---- one hierarchy ---- */

static void stats_only(gpointer cg)
{
  stats_read(cg, FALSE);
}

static void record_files(CgfsCgroup *cg)
{
  recording_clear(&recorded);
  stats_read(cg, FALSE); /* warm the caches: device names, page sizes */
  recording_capture(&recorded, stats_only, cg);
}

static void run_one_mode(const char *label, CgfsCgroup *cg, guint n, const char *mode)
{
  record_files(cg);
  gint64 start = g_get_monotonic_time();
  for (guint i = 0; i < n; i++) {
    if (strcmp(mode, "floor") == 0)
      floor_read();
    else
      stats_read(cg, strcmp(mode, "json") == 0);
  }
  printf("%s %s: %.2f us/read\n", label, mode, (double)(g_get_monotonic_time() - start) / n);
}

static void bench(const char *label, CgfsCgroup *cg, guint n)
{
  record_files(cg);

  double us[N_MODES], ours, glib;
  time_modes(cg, n, us);
  time_writers(cg, n, &ours, &glib);
  printf("%s %s: one stats read opens %u files (and tries %u that do not exist)\n", label,
         cgfs_cgroup_path(cg), recorded.n, recorded.failed);
  for (Mode m = 0; m < N_MODES; m++)
    printf("  %-28s %8.2f us/read   %.3fx the floor\n", mode_names[m], us[m], us[m] / us[FLOOR]);
  printf("  %-28s %8.2f us/doc    json-glib builder+generator %.2f us/doc (%.1fx)\n",
         "cgfs_stats_to_json alone", ours, glib, glib / ours);
}

static CgfsCgroup *make_cgroup(CgfsSystem *sys, const char *spec, const char *path)
{
  GError *error = NULL;
  g_autoptr(CgfsHierarchy) h = cgfs_hierarchy_from_string(sys, spec, &error);
  if (!h)
    return NULL;
  CgfsCgroup *cg = cgfs_cgroup_new(h, CGFS_STATIC_PATH(path), NULL, &error);
  if (!cg)
    g_error("cannot create %s (%s): %s", path, spec, error->message);
  return cg;
}

int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "--hold") == 0)
    hold(argv[2]);
  guint n = argc > 1 ? (guint)atoi(argv[1]) : 20000;
  itest_init();
  itest_require("memory");
  g_autofree char *path = itest_name("bench");
  g_autoptr(CgfsSystem) sys = cgfs_system_new(NULL);
  g_autoptr(CgfsCgroup) v1 = make_cgroup(sys, "v1", path);
  g_autoptr(CgfsCgroup) v2 = make_cgroup(sys, "v2", path);

  g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
  const char *const argv_hold[] = { self, "--hold", path, NULL };
  pid_t pid = itest_spawn(argv_hold);
  GError *error = NULL;
  if (!cgfs_cgroup_add_process(v1, pid, NULL, &error))
    g_error("cannot move the holder: %s", error->message);
  if (v2 && !cgfs_cgroup_add_process(v2, pid, NULL, &error))
    g_error("cannot move the holder: %s", error->message);
  for (;;) {
    g_autoptr(CgfsStats) s = cgfs_cgroup_stats(v1, NULL);
    if (s && s->v1.memory.usage.usage >= HOLD_BYTES)
      break;
    g_usleep(2000);
  }
  g_usleep(100000); /* let the direct IO finish */

  if (argc > 2) {
    run_one_mode("v1", v1, n, argv[2]);
    if (v2)
      run_one_mode("v2", v2, n, argv[2]);
  } else {
    printf("%u reads per mode, %d interleaved rounds, medians of the rounds\n", n, ROUNDS);
    bench("v1", v1, n);
    if (v2)
      bench("v2", v2, n);
  }
  if (pid > 0)
    itest_reap(pid);
  return 0;
}
