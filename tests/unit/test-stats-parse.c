/* The pure parsers of statistics files: buffers in, counters out, errors naming file and line. */
#include <string.h>

#include "stats-private.h"
#include "unit-common.h"

#define TEXT(s) (s), strlen(s)

static void test_tables_cover_their_structs(void **state)
{
  const CgfsStatsTable *tables[] = {
    &cgfs_pids_table,          &cgfs_v1_hugetlb_table,       &cgfs_v1_cpu_usage_table,
    &cgfs_v1_throttle_table,   &cgfs_v1_memory_table,        &cgfs_v1_memory_entry_table,
    &cgfs_v1_oom_control_table, &cgfs_v2_cpu_table,          &cgfs_v2_memory_table,
    &cgfs_v2_memory_events_table, &cgfs_v2_io_entry_table,   &cgfs_v2_hugetlb_table,
    &cgfs_v2_cgroup_table,
  };
  for (guint i = 0; i < G_N_ELEMENTS(tables); i++) {
    const CgfsStatsTable *t = tables[i];
    /* one field per guint64 before has[], each exactly once */
    assert_int_equal(t->n_fields, t->has_offset / sizeof(guint64));
    guint64 seen[2] = { 0 };
    for (guint j = 0; j < t->n_fields; j++) {
      guint bit = t->fields[j].offset / sizeof(guint64);
      assert_true(bit < t->n_fields);
      assert_false((seen[bit / 64] >> (bit % 64)) & 1);
      seen[bit / 64] |= G_GUINT64_CONSTANT(1) << (bit % 64);
      assert_int_equal(t->fields[j].name_len, strlen(t->fields[j].name));
      assert_int_equal(t->fields[j].key_len, strlen(t->fields[j].key));
    }
  }
  assert_int_equal(cgfs_v2_memory_table.n_fields, 81);
}

static void test_lookup_in_and_out_of_order(void **state)
{
  const CgfsStatsTable *t = &cgfs_v1_memory_table;
  guint cursor = 0;
  const CgfsStatsField *f = cgfs_stats_lookup(t, TEXT("cache"), &cursor);
  assert_string_equal(f->name, "cache");
  assert_int_equal(cursor, 1);
  f = cgfs_stats_lookup(t, TEXT("total_unevictable"), &cursor);
  assert_string_equal(f->name, "total_unevictable");
  f = cgfs_stats_lookup(t, TEXT("rss"), &cursor); /* wraps around */
  assert_string_equal(f->name, "rss");
  f = cgfs_stats_lookup(t, TEXT("pgpgin"), &cursor);
  assert_string_equal(f->name, "pg_pg_in");
  assert_null(cgfs_stats_lookup(t, TEXT("rs"), &cursor));
  assert_null(cgfs_stats_lookup(t, TEXT("cachee"), &cursor));
}

static void test_flat(void **state)
{
  CgfsV1MemoryStat m = { 0 };
  CgfsStatsCounter *extra = NULL;
  guint n_extra = 0;
  GStringChunk *strings = NULL;
  CgfsStatsExtraSink sink = { &extra, &n_extra, &strings };
  GError *error = NULL;
  const char *text = "cache 790528\nrss 57360384\nswap 0\nbrand_new 7\npgpgin 17860\n"
                     "hierarchical_memory_limit 9223372036854771712\n";
  assert_true(cgfs_parse_flat("memory.stat", TEXT(text), &cgfs_v1_memory_table, &m, &sink,
                              &error));
  assert_no_gerror(error);
  assert_int_equal(m.cache, 790528);
  assert_int_equal(m.rss, 57360384);
  assert_int_equal(m.pg_pg_in, 17860);
  assert_int_equal(m.hierarchical_memory_limit, 9223372036854771712ull);
  assert_true(CGFS_STATS_HAS(&m, swap_usage));
  assert_int_equal(m.swap_usage, 0);
  assert_false(CGFS_STATS_HAS(&m, dirty));
  assert_false(CGFS_STATS_HAS(&m, total_unevictable));
  assert_int_equal(n_extra, 1);
  assert_string_equal(extra[0].key, "brand_new");
  assert_int_equal(extra[0].value, 7);
  g_free(extra);
  g_string_chunk_free(strings);
}

static void test_flat_without_sink_drops_unknown(void **state)
{
  CgfsV1MemoryOomControl oom = { 0 };
  GError *error = NULL;
  assert_true(cgfs_parse_flat("memory.oom_control",
                              TEXT("oom_kill_disable 1\nunder_oom 0\noom_kill 3\nextra 9\n"),
                              &cgfs_v1_oom_control_table, &oom, NULL, &error));
  assert_int_equal(oom.oom_kill_disable, 1);
  assert_int_equal(oom.oom_kill, 3);
  assert_true(CGFS_STATS_HAS(&oom, under_oom));
}

/* Each malformed text of @file fails with EBADMSG naming the file and @line_no. */
static void assert_flat_error(const char *text, const char *want)
{
  CgfsV2CpuStat cpu = { 0 };
  GError *error = NULL;
  assert_false(cgfs_parse_flat("cpu.stat", TEXT(text), &cgfs_v2_cpu_table, &cpu, NULL, &error));
  assert_gerror(error, EBADMSG, want);
  g_error_free(error);
}

static void test_flat_errors(void **state)
{
  assert_flat_error("usage_usec 1\nuser_usec\n", "cpu.stat line 2: invalid file format");
  assert_flat_error("usage_usec 1\nuser_usec\n", "'user_usec'");
  assert_flat_error("usage_usec -1\n", "cpu.stat line 1:");
  assert_flat_error("usage_usec 12x\n", "not an unsigned integer");
  assert_flat_error("usage_usec 18446744073709551616\n", "cpu.stat line 1:");
  assert_flat_error("\n\nusage_usec 1 2\n", "cpu.stat line 3:");
  assert_flat_error(" 5\n", "not 'KEY VALUE'");
}

static void test_flat_largest_value(void **state)
{
  CgfsV2CpuStat cpu = { 0 };
  GError *error = NULL;
  assert_true(cgfs_parse_flat("cpu.stat", TEXT("usage_usec 18446744073709551615\n"),
                              &cgfs_v2_cpu_table, &cpu, NULL, &error));
  assert_true(cpu.usage_usec == G_MAXUINT64);
}

static void test_single(void **state)
{
  guint64 v;
  GError *error = NULL;
  assert_true(cgfs_parse_single("pids.current", TEXT("17\n"), FALSE, &v, &error));
  assert_int_equal(v, 17);
  assert_true(cgfs_parse_single("pids.max", TEXT("max\n"), TRUE, &v, &error));
  assert_true(v == G_MAXUINT64);
  assert_false(cgfs_parse_single("pids.current", TEXT("max\n"), FALSE, &v, &error));
  assert_gerror(error, EBADMSG, "pids.current line 1: invalid file format");
  g_clear_error(&error);
  assert_false(cgfs_parse_single("memory.max", TEXT("1\n2\n"), TRUE, &v, &error));
  assert_gerror(error, EBADMSG, "memory.max line 2:");
  g_clear_error(&error);
  assert_false(cgfs_parse_single("memory.max", TEXT(""), TRUE, &v, &error));
  assert_gerror(error, EBADMSG, "memory.max line 1: invalid file format: empty");
  g_clear_error(&error);
}

static void test_u64_list(void **state)
{
  g_autofree guint64 *v = NULL;
  guint n;
  GError *error = NULL;
  assert_true(cgfs_parse_u64_list("cpuacct.usage_percpu", TEXT("50736321 1457996874 \n"), &v,
                                  &n, &error));
  assert_int_equal(n, 2);
  assert_int_equal(v[0], 50736321);
  assert_int_equal(v[1], 1457996874);
  g_autofree guint64 *none = NULL;
  assert_true(cgfs_parse_u64_list("cpuacct.usage_percpu", TEXT(""), &none, &n, &error));
  assert_int_equal(n, 0);
  guint64 *bad = NULL;
  assert_false(cgfs_parse_u64_list("cpuacct.usage_percpu", TEXT("1 2 x3\n"), &bad, &n, &error));
  assert_null(bad);
  assert_gerror(error, EBADMSG, "cpuacct.usage_percpu line 1: invalid file format");
  g_clear_error(&error);
}

static void test_cpuacct_all(void **state)
{
  guint64 user, sys;
  GError *error = NULL;
  const char *text = "cpu user system\n0 8000000 20000000\n1 1427654600 40000000\n";
  assert_true(cgfs_parse_cpuacct_all("cpuacct.usage_all", TEXT(text), &user, &sys, &error));
  assert_int_equal(user, 1435654600);
  assert_int_equal(sys, 60000000);
  /* the columns are found by name */
  assert_true(cgfs_parse_cpuacct_all("cpuacct.usage_all",
                                     TEXT("cpu system user\n0 1 2\n1 10 20\n"), &user, &sys,
                                     &error));
  assert_int_equal(user, 22);
  assert_int_equal(sys, 11);
  assert_false(cgfs_parse_cpuacct_all("cpuacct.usage_all", TEXT("cpu user system\n0 1\n"),
                                      &user, &sys, &error));
  assert_gerror(error, EBADMSG, "cpuacct.usage_all line 2: invalid file format: too few");
  g_clear_error(&error);
  assert_false(cgfs_parse_cpuacct_all("cpuacct.usage_all", TEXT("0 1 2\n"), &user, &sys,
                                      &error));
  assert_gerror(error, EBADMSG, "cpuacct.usage_all line 1:");
  g_clear_error(&error);
}

static void test_psi(void **state)
{
  CgfsPsiStats p = { 0 };
  GError *error = NULL;
  const char *text = "some avg10=8.33 avg60=1.50 avg300=0.31 total=1584430\n"
                     "full avg10=0.00 avg60=0.00 avg300=100.00 total=1583303\n";
  assert_true(cgfs_parse_psi("cpu.pressure", TEXT(text), &p, &error));
  assert_true(p.present);
  assert_true(p.has_full);
  assert_true(p.some.avg10 == 8.33);
  assert_true(p.some.avg60 == 1.5);
  assert_true(p.some.avg300 == 0.31);
  assert_int_equal(p.some.total, 1584430);
  assert_true(p.full.avg300 == 100.0);
  assert_int_equal(p.full.total, 1583303);

  CgfsPsiStats only_some = { 0 };
  assert_true(cgfs_parse_psi("cpu.pressure",
                             TEXT("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"),
                             &only_some, &error));
  assert_false(only_some.has_full);

  CgfsPsiStats bad = { 0 };
  assert_false(cgfs_parse_psi("io.pressure",
                              TEXT("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                                   "full avg10=0.00 avg60=0.00 total=0\n"),
                              &bad, &error));
  assert_gerror(error, EBADMSG, "io.pressure line 2: invalid file format");
  g_clear_error(&error);
  assert_false(cgfs_parse_psi("io.pressure", TEXT("half avg10=0.00\n"), &bad, &error));
  assert_gerror(error, EBADMSG, "io.pressure line 1:");
  g_clear_error(&error);
  assert_false(cgfs_parse_psi("io.pressure",
                              TEXT("some avg10=x avg60=0.00 avg300=0.00 total=0\n"), &bad,
                              &error));
  assert_gerror(error, EBADMSG, "not a number");
  g_clear_error(&error);
}

static void test_blkio(void **state)
{
  CgfsV1BlkioList l = { 0 };
  GStringChunk *strings = NULL;
  GError *error = NULL;
  const char *text = "254:0 Read 9211904\n254:0 Write 8388608\n254:0 Sync 17600512\n"
                     "254:0 Async 0\n254:0 Discard 0\n254:0 Total 17600512\n"
                     "8:16 Trim 5\nTotal 17600512\n";
  assert_true(cgfs_parse_blkio("blkio.throttle.io_service_bytes_recursive", TEXT(text),
                               &strings, &l, &error));
  assert_true(l.present);
  assert_int_equal(l.n_entries, 7);
  assert_string_equal(l.entries[0].op, "Read");
  assert_int_equal(l.entries[0].major, 254);
  assert_int_equal(l.entries[0].minor, 0);
  assert_int_equal(l.entries[0].value, 9211904);
  assert_null(l.entries[0].device);
  assert_string_equal(l.entries[5].op, "Total");
  assert_string_equal(l.entries[6].op, "Trim"); /* an op this libcgfs does not know */
  assert_int_equal(l.entries[6].major, 8);
  assert_non_null(strings);
  g_free(l.entries);
  g_string_chunk_free(strings);

  CgfsV1BlkioList empty = { 0 };
  strings = NULL;
  assert_true(cgfs_parse_blkio("blkio.bfq.io_serviced_recursive", TEXT("Total 0\n"), &strings,
                               &empty, &error));
  assert_true(empty.present);
  assert_int_equal(empty.n_entries, 0);
  assert_null(strings); /* nothing copied, nothing allocated */

  CgfsV1BlkioList noop = { 0 };
  assert_true(cgfs_parse_blkio("blkio.time_recursive", TEXT("8:0 1234\n8:16 5\n"), &strings,
                               &noop, &error));
  assert_int_equal(noop.n_entries, 2);
  assert_string_equal(noop.entries[1].op, "");
  assert_int_equal(noop.entries[1].value, 5);
  g_free(noop.entries);

  CgfsV1BlkioList bad = { 0 };
  assert_false(cgfs_parse_blkio("blkio.throttle.io_serviced_recursive",
                                TEXT("254:0 Read 1\n254-0 Write 2\n"), &strings, &bad, &error));
  assert_gerror(error, EBADMSG,
                "blkio.throttle.io_serviced_recursive line 2: invalid file format: not a MAJ:MIN");
  g_clear_error(&error);
  assert_false(cgfs_parse_blkio("blkio.throttle.io_serviced_recursive",
                                TEXT("254:0 Read 1 2\n"), &strings, &bad, &error));
  assert_gerror(error, EBADMSG, "line 1:");
  g_clear_error(&error);
  assert_false(cgfs_parse_blkio("blkio.throttle.io_serviced_recursive", TEXT("254:0 Read x\n"),
                                &strings, &bad, &error));
  assert_gerror(error, EBADMSG, "not an unsigned integer");
  g_clear_error(&error);
}

static void test_io_stat(void **state)
{
  g_autofree CgfsV2IoEntry *e = NULL;
  guint n;
  GError *error = NULL;
  const char *text = "8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n"
                     "8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 "
                     "dios=3021 cost.vrate=100.00 cost.usage=7\n"
                     "259:1 rbytes=4096\n";
  assert_true(cgfs_parse_io_stat("io.stat", TEXT(text), &e, &n, &error));
  assert_int_equal(n, 3);
  assert_int_equal(e[0].major, 8);
  assert_int_equal(e[0].minor, 16);
  assert_int_equal(e[0].wbytes, 314773504);
  assert_int_equal(e[1].dios, 3021);
  assert_true(CGFS_STATS_HAS(&e[2], rbytes));
  assert_false(CGFS_STATS_HAS(&e[2], wbytes));
  assert_true(CGFS_STATS_HAS(&e[2], minor));

  CgfsV2IoEntry *bad = NULL;
  assert_false(cgfs_parse_io_stat("io.stat", TEXT("8:0 rbytes=1\nsda rbytes=2\n"), &bad, &n,
                                  &error));
  assert_null(bad);
  assert_gerror(error, EBADMSG, "io.stat line 2: invalid file format");
  g_clear_error(&error);
  assert_false(cgfs_parse_io_stat("io.stat", TEXT("8:0 rbytes\n"), &bad, &n, &error));
  assert_gerror(error, EBADMSG, "not 'KEY=VALUE' pairs");
  g_clear_error(&error);
  assert_false(cgfs_parse_io_stat("io.stat", TEXT("8:0 rbytes=-1\n"), &bad, &n, &error));
  assert_gerror(error, EBADMSG, "io.stat line 1:");
  g_clear_error(&error);
}

static void test_rdma(void **state)
{
  g_autofree CgfsRdmaEntry *e = NULL;
  guint n;
  GStringChunk *strings = NULL;
  GError *error = NULL;
  assert_true(cgfs_parse_rdma("rdma.max",
                              TEXT("mlx4_0 hca_handle=2 hca_object=2000\n"
                                   "rxe0 index=5 hca_handle=3 hca_object=max\n"),
                              &strings, &e, &n, &error));
  assert_int_equal(n, 2);
  assert_string_equal(e[0].device, "mlx4_0");
  assert_int_equal(e[0].hca_handles, 2);
  assert_int_equal(e[0].hca_objects, 2000);
  assert_string_equal(e[1].device, "rxe0");
  assert_int_equal(e[1].hca_objects, G_MAXUINT32);
  CgfsRdmaEntry *bad = NULL;
  assert_false(cgfs_parse_rdma("rdma.current", TEXT("mlx4_0 hca_handle=1\n"), &strings, &bad,
                               &n, &error));
  assert_gerror(error, EBADMSG, "rdma.current line 1: invalid file format");
  g_clear_error(&error);
  assert_false(cgfs_parse_rdma("rdma.current",
                               TEXT("mlx4_0 hca_handle=4294967296 hca_object=1\n"), &strings,
                               &bad, &n, &error));
  assert_gerror(error, EBADMSG, "32-bit");
  g_clear_error(&error);
  g_string_chunk_free(strings);
}

static void test_v2_controllers(void **state)
{
  assert_int_equal(cgfs_parse_v2_controllers(TEXT("cpuset cpu io memory hugetlb pids rdma misc\n")),
                   CGFS_V2_CPU | CGFS_V2_IO | CGFS_V2_MEMORY | CGFS_V2_PIDS | CGFS_V2_HUGETLB |
                       CGFS_V2_RDMA);
  assert_int_equal(cgfs_parse_v2_controllers(TEXT("\n")), 0);
  assert_int_equal(cgfs_parse_v2_controllers(TEXT("hugetlb\n")), CGFS_V2_HUGETLB);
  assert_int_equal(cgfs_parse_v2_controllers(TEXT("cpuset iomem memoryx\n")), 0);
}

static void test_hugetlb_size_names(void **state)
{
  static const struct {
    guint64 kib;
    const char *name;
  } cases[] = { { 64, "64KB" }, { 2048, "2MB" }, { 32768, "32MB" }, { 1048576, "1GB" },
                { 16777216, "16GB" } };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name = cgfs_hugetlb_size_name(cases[i].kib);
    assert_string_equal(name, cases[i].name);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_tables_cover_their_structs),
    cmocka_unit_test(test_lookup_in_and_out_of_order),
    cmocka_unit_test(test_flat),
    cmocka_unit_test(test_flat_without_sink_drops_unknown),
    cmocka_unit_test(test_flat_errors),
    cmocka_unit_test(test_flat_largest_value),
    cmocka_unit_test(test_single),
    cmocka_unit_test(test_u64_list),
    cmocka_unit_test(test_cpuacct_all),
    cmocka_unit_test(test_psi),
    cmocka_unit_test(test_blkio),
    cmocka_unit_test(test_io_stat),
    cmocka_unit_test(test_rdma),
    cmocka_unit_test(test_v2_controllers),
    cmocka_unit_test(test_hugetlb_size_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
