/* Resources on real cgroup v2 with controllers (the vm suite's guest; skipped where the cgroup2
 * mount has none, as on this machine): every field written and checked in the kernel's file,
 * the v1-to-v2 conversions, controllers enabled through the ancestors (and the
 * no-internal-process refusal), read-back written back unchanged, a kernel refusal rolled back,
 * memory.max and pids.max enforced. */
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cgfs/cgfs.h>

#include "itest.h"

#define MiB (1024 * 1024)

static CgfsSystem *sys;
static CgfsHierarchy *h;
static const char *mount_dir;
static gboolean in_guest; /* the vm suite's guest: its disk and its modules are the test's */
static unsigned vda_major, vda_minor;
static gboolean have_vda;

/* ---- the kernel's files ---- */

static char *kread(const char *cg, const char *file)
{
  g_autofree char *path = g_strdup_printf("%s%s/%s", mount_dir, cg, file);
  return itest_read(path);
}

#define assert_kfile(cg, file, want)                                                              \
  do {                                                                                            \
    g_autofree char *got_ = kread((cg), (file));                                                  \
    if (!got_ || strcmp(got_, (want)) != 0)                                                       \
      fail_msg("%s/%s holds '%s', wanted '%s'", (cg), (file), got_ ? got_ : "(unreadable)",       \
               (want));                                                                           \
  } while (0)

/* The value of @key in a flat-keyed file ("key value" lines). */
static guint64 kkey(const char *cg, const char *file, const char *key)
{
  g_autofree char *text = kread(cg, file);
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix(*l, key) && (*l)[strlen(key)] == ' ')
      return g_ascii_strtoull(*l + strlen(key) + 1, NULL, 10);
  fail_msg("no %s in %s/%s", key, cg, file);
  return 0;
}

static gboolean kwords(const char *cg, const char *file, const char *word)
{
  g_autofree char *text = kread(cg, file);
  g_auto(GStrv) words = g_strsplit(text ? text : "", " ", -1);
  return g_strv_contains((const char *const *)words, word);
}

/* The ids of the device programs attached to the cgroup (BPF_PROG_QUERY). */
static guint n_device_programs(const char *cg, guint32 *first)
{
  g_autofree char *path = g_strconcat(mount_dir, cg, NULL);
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(fd >= 0);
  guint32 ids[64] = { 0 };
  union bpf_attr attr = { 0 };
  attr.query.target_fd = (guint32)fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (guint64)(guintptr)ids;
  attr.query.prog_cnt = G_N_ELEMENTS(ids);
  if (syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof attr) != 0)
    fail_msg("BPF_PROG_QUERY %s: %s", path, g_strerror(errno));
  close(fd);
  if (first)
    *first = ids[0];
  return attr.query.prog_cnt;
}

/* ---- the library ---- */

static CgfsResources *parse(const char *json)
{
  GError *error = NULL;
  CgfsResources *r = cgfs_resources_from_json(json, -1, &error);
  assert_no_gerror(error);
  return r;
}

static CgfsCgroup *make(const char *path)
{
  GError *error = NULL;
  CgfsCgroup *cg = cgfs_cgroup_new(h, CGFS_STATIC_PATH(path), NULL, &error);
  assert_no_gerror(error);
  return cg;
}

static void update_ok(CgfsCgroup *cg, const char *json)
{
  g_autoptr(CgfsResources) r = parse(json);
  GError *error = NULL;
  if (!cgfs_cgroup_update(cg, r, &error))
    fail_msg("%s: %s", json, error->message);
}

static GError *update_fails(CgfsCgroup *cg, const char *json)
{
  g_autoptr(CgfsResources) r = parse(json);
  GError *error = NULL;
  if (cgfs_cgroup_update(cg, r, &error))
    fail_msg("%s was accepted", json);
  return error;
}

/* The control files an update may write, as the kernel shows them. */
static const char *const control_files[] = {
  "memory.max", "memory.low", "memory.high", "memory.swap.max", "cpu.weight", "cpu.max",
  "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems", "pids.max", "io.max", "io.weight",
  "io.bfq.weight", "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max", "cgroup.subtree_control",
};

static GPtrArray *snapshot(const char *cg)
{
  GPtrArray *s = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < G_N_ELEMENTS(control_files); i++) {
    char *v = kread(cg, control_files[i]);
    g_ptr_array_add(s, v ? v : g_strdup("(none)"));
  }
  return s;
}

static void assert_unchanged(const char *cg, GPtrArray *before)
{
  g_autoptr(GPtrArray) now = snapshot(cg);
  for (guint i = 0; i < G_N_ELEMENTS(control_files); i++)
    if (strcmp(before->pdata[i], now->pdata[i]) != 0)
      fail_msg("%s%s/%s changed: '%s' -> '%s'", mount_dir, cg, control_files[i],
               (char *)before->pdata[i], (char *)now->pdata[i]);
}

/* ---- every field ---- */

static char *full_document(void)
{
  g_autofree char *io = have_vda
      ? g_strdup_printf(", \"weightDevice\": [{\"major\": %u, \"minor\": %u, \"weight\": 300}],"
                        " \"throttleReadBpsDevice\": [{\"major\": %u, \"minor\": %u, \"rate\": 1048576}],"
                        " \"throttleWriteBpsDevice\": [{\"major\": %u, \"minor\": %u, \"rate\": 2097152}],"
                        " \"throttleReadIOPSDevice\": [{\"major\": %u, \"minor\": %u, \"rate\": 100}],"
                        " \"throttleWriteIOPSDevice\": [{\"major\": %u, \"minor\": %u, \"rate\": 200}]",
                        vda_major, vda_minor, vda_major, vda_minor, vda_major, vda_minor,
                        vda_major, vda_minor, vda_major, vda_minor)
      : g_strdup("");
  return g_strdup_printf(
      "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
      "   {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwm\"}],"
      " \"memory\": {\"limit\": 67108864, \"reservation\": 16777216, \"swap\": 100663296,"
      "   \"kernel\": -1, \"kernelTCP\": -1, \"useHierarchy\": true, \"disableOOMKiller\": false},"
      " \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000, \"burst\": 1000,"
      "   \"cpus\": \"0\", \"mems\": \"0\", \"idle\": 0},"
      " \"pids\": {\"limit\": 32},"
      " \"blockIO\": {\"weight\": 500%s},"
      " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}],"
      " \"unified\": {\"memory.high\": \"50331648\", \"pids.max\": \"16\"}}",
      io);
}

static void test_every_field(void **state)
{
  g_autofree char *path = itest_name("all");
  g_autoptr(CgfsCgroup) cg = make(path);
  g_autofree char *doc = full_document();
  update_ok(cg, doc);
  assert_kfile(path, "memory.max", "67108864");
  assert_kfile(path, "memory.low", "16777216");
  assert_kfile(path, "memory.swap.max", "33554432"); /* memory+swap − memory */
  assert_kfile(path, "memory.high", "50331648");
  assert_kfile(path, "cpu.weight", "100"); /* shares 1024 */
  assert_kfile(path, "cpu.max", "50000 100000");
  assert_kfile(path, "cpu.max.burst", "1000");
  assert_kfile(path, "cpu.idle", "0");
  assert_kfile(path, "cpuset.cpus", "0");
  assert_kfile(path, "cpuset.mems", "0");
  assert_kfile(path, "pids.max", "16"); /* unified is written last */
  assert_kfile(path, "hugetlb.2MB.max", "4194304");
  assert_kfile(path, "hugetlb.2MB.rsvd.max", "4194304");
  g_autofree char *bfq = kread(path, "io.bfq.weight");
  if (bfq) {
    g_autofree char *want = have_vda ? g_strdup_printf("default 500\n%u:%u 300", vda_major,
                                                       vda_minor)
                                     : g_strdup("default 500");
    assert_string_equal(bfq, want);
  } else {
    assert_kfile(path, "io.weight", "default 4950"); /* 1 + (500 − 10) · 9999 / 990 */
  }
  if (have_vda) {
    g_autofree char *want = g_strdup_printf("%u:%u rbps=1048576 wbps=2097152 riops=100 wiops=200",
                                            vda_major, vda_minor);
    assert_kfile(path, "io.max", want);
  }
  guint32 program;
  assert_int_equal(n_device_programs(path, &program), 1);
  for (const char *const *c = (const char *const[]){ "memory", "cpu", "cpuset", "pids", "io",
                                                     "hugetlb", NULL };
       *c; c++)
    assert_true(kwords("", "cgroup.subtree_control", *c));

  /* read back, write back: every file as it was, the same device program */
  GError *error = NULL;
  g_autoptr(CgfsResources) back = cgfs_cgroup_read_resources(cg, &error);
  assert_no_gerror(error);
  assert_true(back->memory.limit == 67108864 && back->memory.swap == 100663296);
  assert_true(back->memory.reservation == 16777216);
  assert_int_equal(back->cpu.shares, 1024);
  assert_true(back->cpu.quota == 50000 && back->cpu.period == 100000 && back->cpu.burst == 1000);
  assert_int_equal(back->pids.limit, 16);
  assert_int_equal(back->devices->len, 2);
  assert_int_equal(back->hugepage_limits->len, 2); /* 2MB and 1GB */
  if (have_vda)
    assert_int_equal(back->block_io.throttle_write_iops_device->len, 1);
  g_autofree char *json = cgfs_resources_to_json(back, NULL);
  g_autoptr(GPtrArray) before = snapshot(path);
  update_ok(cg, json);
  assert_unchanged(path, before);
  guint32 again;
  assert_int_equal(n_device_programs(path, &again), 1);
  assert_int_equal(again, program);
  g_autoptr(CgfsResources) back2 = cgfs_cgroup_read_resources(cg, &error);
  g_autofree char *json2 = cgfs_resources_to_json(back2, NULL);
  assert_string_equal(json, json2);
}

/* cpu.shares to cpu.weight, pids −1, quota ≤ 0, swap −1, on the kernel. */
static void test_conversions(void **state)
{
  static const struct {
    const char *json, *file, *want;
  } cases[] = {
    { "{\"cpu\": {\"shares\": 2}}", "cpu.weight", "1" },
    { "{\"cpu\": {\"shares\": 512}}", "cpu.weight", "59" },
    { "{\"cpu\": {\"shares\": 2048}}", "cpu.weight", "174" },
    { "{\"cpu\": {\"shares\": 262144}}", "cpu.weight", "10000" },
    { "{\"cpu\": {\"quota\": 20000}}", "cpu.max", "20000 100000" },
    { "{\"cpu\": {\"period\": 50000}}", "cpu.max", "20000 50000" },
    { "{\"cpu\": {\"quota\": -1}}", "cpu.max", "max 50000" },
    { "{\"pids\": {\"limit\": 7}}", "pids.max", "7" },
    { "{\"pids\": {\"limit\": -1}}", "pids.max", "max" },
    { "{\"memory\": {\"limit\": 33554432, \"swap\": 33554432}}", "memory.swap.max", "0" },
    { "{\"memory\": {\"swap\": -1}}", "memory.swap.max", "max" },
    { "{\"memory\": {\"limit\": -1}}", "memory.max", "max" },
    { "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 2097152}]}", "hugetlb.2MB.max",
      "2097152" },
  };
  g_autofree char *path = itest_name("conv");
  g_autoptr(CgfsCgroup) cg = make(path);
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    update_ok(cg, cases[i].json);
    assert_kfile(path, cases[i].file, cases[i].want);
  }
}

/* Without BFQ the weight goes to io.weight (guest only: it unloads the bfq module). */
static void test_io_weight_without_bfq(void **state)
{
  if (!in_guest)
    skip();
  if (have_vda)
    itest_write("/sys/block/vda/queue/scheduler", "none");
  if (syscall(__NR_delete_module, "bfq", O_NONBLOCK) != 0) /* in use or built in */
    skip();
  g_autofree char *path = itest_name("ioweight");
  g_autoptr(CgfsCgroup) cg = make(path);
  g_autofree char *bfq = kread(path, "io.bfq.weight");
  assert_null(bfq);
  update_ok(cg, "{\"blockIO\": {\"weight\": 10}}");
  assert_kfile(path, "io.weight", "default 1");
  update_ok(cg, "{\"blockIO\": {\"weight\": 1000}}");
  assert_kfile(path, "io.weight", "default 10000");
  update_ok(cg, "{\"blockIO\": {\"weight\": 500}}");
  assert_kfile(path, "io.weight", "default 4950");
  g_autoptr(CgfsResources) back = cgfs_cgroup_read_resources(cg, NULL);
  assert_true(back->block_io.has_weight && back->block_io.weight == 500);
}

/* Controllers are enabled from the root down; a parent with processes stops it (EBUSY), a later
 * refusal disables them again. */
static void test_enabling(void **state)
{
  g_autofree char *top = itest_name("en");
  g_autofree char *mid = g_strconcat(top, "/mid", NULL);
  g_autofree char *leaf = g_strconcat(mid, "/leaf", NULL);
  g_autoptr(CgfsCgroup) cg = make(leaf);
  assert_kfile(top, "cgroup.subtree_control", "");
  update_ok(cg, "{\"pids\": {\"limit\": 10}}");
  assert_kfile(top, "cgroup.subtree_control", "pids");
  assert_kfile(mid, "cgroup.subtree_control", "pids");
  assert_kfile(leaf, "pids.max", "10");

  /* rolled back: the kernel refuses cpu.max, pids.max and the enabling of cpu are undone */
  GError *error = update_fails(cg, "{\"pids\": {\"limit\": 5}, \"unified\": {\"cpu.max\": \"x\"}}");
  assert_int_equal(error->code, EINVAL);
  assert_non_null(strstr(error->message, "cpu.max"));
  g_error_free(error);
  assert_kfile(top, "cgroup.subtree_control", "pids");
  assert_kfile(mid, "cgroup.subtree_control", "pids");
  assert_kfile(leaf, "pids.max", "10");

  /* no-internal-process rule: a process in a middle cgroup without memory enabled */
  g_autofree char *busy_top = itest_name("busy");
  g_autofree char *busy_leaf = g_strconcat(busy_top, "/leaf", NULL);
  g_autoptr(CgfsCgroup) busy = make(busy_top);
  g_autoptr(CgfsCgroup) under = make(busy_leaf);
  pid_t pid = itest_spawn(NULL);
  assert_true(cgfs_cgroup_add_process(busy, pid, NULL, &error));
  error = update_fails(under, "{\"memory\": {\"limit\": 67108864}}");
  assert_int_equal(error->code, EBUSY);
  assert_non_null(strstr(error->message, "no-internal-process rule"));
  assert_non_null(strstr(error->message, busy_top));
  g_error_free(error);
  assert_kfile(busy_top, "cgroup.subtree_control", "");
  g_autofree char *no_memory = kread(busy_leaf, "memory.max");
  assert_null(no_memory);
  itest_reap(pid);
}

/* Threaded subtrees: the threaded controllers' limits are set where the kernel allows them (on
 * a thread root holding a process, one level down in an empty threaded cgroup), a domain
 * controller is refused naming the cgroup and the field. */
static void test_threaded(void **state)
{
  g_autofree char *root = itest_name("thr");
  g_autofree char *a = g_strconcat(root, "/a", NULL);
  g_autofree char *b = g_strconcat(a, "/b", NULL);
  g_autoptr(CgfsCgroup) rcg = make(root);
  g_autoptr(CgfsCgroup) acg = make(a);
  g_autoptr(CgfsCgroup) bcg = make(b);
  GError *error = NULL;
  assert_true(cgfs_cgroup_make_threaded(acg, &error));
  assert_no_gerror(error);
  assert_true(cgfs_cgroup_make_threaded(bcg, &error));
  assert_no_gerror(error);
  assert_kfile(root, "cgroup.type", "domain threaded");
  assert_kfile(b, "cgroup.type", "threaded");
  pid_t pid = itest_spawn(NULL);
  assert_true(cgfs_cgroup_add_process(rcg, pid, NULL, &error));
  assert_no_gerror(error);
  update_ok(acg, "{\"pids\": {\"limit\": 10}, \"cpu\": {\"shares\": 512}}");
  assert_kfile(a, "pids.max", "10");
  assert_kfile(a, "cpu.weight", "59");
  update_ok(bcg, "{\"pids\": {\"limit\": 7}}");
  assert_kfile(b, "pids.max", "7");
  error = update_fails(bcg, "{\"memory\": {\"limit\": 67108864}}");
  assert_int_equal(error->code, EOPNOTSUPP);
  assert_non_null(strstr(error->message, "memory.limit"));
  assert_non_null(strstr(error->message, "threaded subtree"));
  assert_non_null(strstr(error->message, root));
  g_error_free(error);
  itest_reap(pid);
}

/* A kernel refusal in the middle restores everything written before it, devices included. */
static void test_refusal_rolls_back(void **state)
{
  g_autofree char *path = itest_name("refuse");
  g_autoptr(CgfsCgroup) cg = make(path);
  update_ok(cg, "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}], \"memory\": "
                "{\"limit\": 134217728}, \"cpu\": {\"shares\": 512, \"cpus\": \"0\"}, "
                "\"pids\": {\"limit\": 20}}");
  guint32 program;
  assert_int_equal(n_device_programs(path, &program), 1);
  g_autoptr(GPtrArray) before = snapshot(path);
  /* memory, cpu and the device program are written, then cpuset.cpus 99 is refused */
  GError *error = update_fails(
      cg, "{\"devices\": [{\"allow\": true, \"access\": \"rwm\"}], \"memory\": {\"limit\": "
          "67108864, \"swap\": 67108864}, \"cpu\": {\"shares\": 2048, \"quota\": 10000, "
          "\"cpus\": \"99\"}, \"pids\": {\"limit\": 30}}");
  assert_true(error->code == EINVAL || error->code == ERANGE); /* the kernel's */
  assert_non_null(strstr(error->message, "cpu.cpus: cannot write"));
  g_error_free(error);
  assert_unchanged(path, before);
  guint32 still;
  assert_int_equal(n_device_programs(path, &still), 1);
  assert_int_equal(still, program);
}

/* ---- enforcement ---- */

/* The wait status of @fn run in a child that joined cgroup @cg. */
static int in_cgroup(const char *cg, int (*fn)(gpointer))
{
  g_autofree char *dir = g_strconcat(mount_dir, cg, NULL);
  return itest_run_in(dir, fn, NULL);
}

static int allocate_128m(gpointer unused)
{
  volatile char *p = malloc(128 * MiB);
  for (gsize i = 0; p && i < 128 * MiB; i += 4096)
    p[i] = 1;
  return 0;
}

static void test_memory_max_oom(void **state)
{
  g_autofree char *path = itest_name("oom");
  g_autoptr(CgfsCgroup) cg = make(path);
  update_ok(cg, "{\"memory\": {\"limit\": 33554432, \"swap\": 33554432}}");
  GError *error = NULL;
  int fd = cgfs_cgroup_oom_event_fd(cg, &error);
  assert_no_gerror(error);
  assert_int_equal(kkey(path, "memory.events", "oom_kill"), 0);
  int status = in_cgroup(path, allocate_128m);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  assert_true(kkey(path, "memory.events", "oom_kill") >= 1);
  assert_true(kkey(path, "memory.events", "max") >= 1);
  struct pollfd pfd = { fd, POLLIN, 0 };
  assert_int_equal(poll(&pfd, 1, 30000), 1); /* the kernel notifies from a work queue */
  assert_true(pfd.revents & POLLIN);
  close(fd);
  g_autoptr(CgfsStats) s = cgfs_cgroup_stats(cg, &error);
  assert_no_gerror(error);
  assert_int_equal(s->v2.memory_events.oom_kill, kkey(path, "memory.events", "oom_kill"));
  assert_int_equal(s->v2.memory.usage_limit, 33554432);
}

static int fork_until_refused(gpointer unused)
{
  int forked = 0;
  for (; forked < 20; forked++) {
    pid_t pid = fork();
    if (pid < 0)
      return errno == EAGAIN ? forked : 100;
    if (pid == 0) {
      pause();
      _exit(0);
    }
  }
  return forked;
}

static void test_pids_max_enforced(void **state)
{
  g_autofree char *path = itest_name("pids");
  g_autoptr(CgfsCgroup) cg = make(path);
  update_ok(cg, "{\"pids\": {\"limit\": 4}}");
  int status = in_cgroup(path, fork_until_refused);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 3); /* itself and three children */
  assert_true(kkey(path, "pids.events", "max") >= 1);
  assert_kfile(path, "pids.current", "3"); /* the orphans, still there */
  GError *error = NULL;
  g_autoptr(GArray) orphans = cgfs_cgroup_processes(cg, NULL, FALSE, &error);
  assert_true(cgfs_cgroup_kill(cg, &error));
  assert_no_gerror(error);
  /* a pid is uncharged when its zombie is reaped: this process is their subreaper */
  for (guint i = 0; i < orphans->len; i++)
    assert_int_equal(waitpid(g_array_index(orphans, pid_t, i), NULL, 0),
                     g_array_index(orphans, pid_t, i));
  assert_kfile(path, "pids.current", "0");
}

/* ---- setup ---- */

static gboolean has_controllers(void)
{
  g_autofree char *path = g_build_filename(mount_dir, "cgroup.subtree_control", NULL);
  g_autofree char *enabled = itest_read(path);
  g_auto(GStrv) words = g_strsplit(enabled ? enabled : "", " ", -1);
  for (const char *const *c = (const char *const[]){ "cpuset", "cpu", "io", "memory", "hugetlb",
                                                     "pids", NULL };
       *c; c++)
    if (!g_strv_contains((const char *const *)words, *c))
      return FALSE;
  return TRUE;
}

int main(void)
{
  itest_init();
  itest_require("unified");
  sys = cgfs_system_new(NULL);
  h = cgfs_hierarchy_v2(sys, NULL);
  mount_dir = cgfs_hierarchy_subsystem(h, 0)->mount->dir;
  if (!has_controllers()) {
    fprintf(stderr, "skipped: %s does not give cpuset cpu io memory hugetlb pids to its children "
            "(the vm suite runs this test in a guest that does)\n", mount_dir);
    return 77;
  }
  prctl(PR_SET_CHILD_SUBREAPER, 1); /* the orphans of test_pids_max_enforced */
  char host[64] = "";
  gethostname(host, sizeof host - 1);
  in_guest = strcmp(host, "cgfs-vm") == 0;
  struct stat st;
  have_vda = in_guest && stat("/dev/vda", &st) == 0 && S_ISBLK(st.st_mode);
  if (have_vda) {
    vda_major = major(st.st_rdev);
    vda_minor = minor(st.st_rdev);
    /* per-device BFQ weights apply only to a disk that BFQ schedules */
    itest_write("/sys/block/vda/queue/scheduler", "bfq");
  }
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_every_field),
    cmocka_unit_test(test_conversions),
    cmocka_unit_test(test_enabling),
    cmocka_unit_test(test_threaded),
    cmocka_unit_test(test_refusal_rolls_back),
    cmocka_unit_test(test_memory_max_oom),
    cmocka_unit_test(test_pids_max_enforced),
    cmocka_unit_test(test_io_weight_without_bfq), /* last: it unloads bfq */
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  itest_cleanup();
  cgfs_hierarchy_unref(h);
  cgfs_system_unref(sys);
  return failed;
}
