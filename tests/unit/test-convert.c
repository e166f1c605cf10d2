/* The pure v1 <-> v2 conversions and the write-ordering decisions, edges included. */
#include <string.h>

#include "convert.h"
#include "resources-private.h"
#include "unit-common.h"

static void test_shares_to_weight(void **state)
{
  static const struct {
    guint64 shares, weight;
  } cases[] = {
    { 0, 0 },     /* unset */
    { 1, 1 },     { 2, 1 },  { 3, 2 },  { 6, 3 },  { 512, 59 }, { 1024, 100 }, { 2048, 174 },
    { 262143, 10000 }, { 262144, 10000 }, { 1000000, 10000 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    if (cgfs_cpu_shares_to_weight(cases[i].shares) != cases[i].weight)
      fail_msg("shares %" G_GUINT64_FORMAT ": weight %" G_GUINT64_FORMAT ", wanted %"
               G_GUINT64_FORMAT, cases[i].shares, cgfs_cpu_shares_to_weight(cases[i].shares),
               cases[i].weight);
}

/* Reading cpu.weight back and writing it again must give the same weight, for every weight. */
static void test_weight_round_trip(void **state)
{
  assert_int_equal(cgfs_cpu_weight_to_shares(0), 0);
  assert_int_equal(cgfs_cpu_weight_to_shares(1), 2);
  assert_int_equal(cgfs_cpu_weight_to_shares(2), 5);
  assert_int_equal(cgfs_cpu_weight_to_shares(100), 1024);
  assert_int_equal(cgfs_cpu_weight_to_shares(10000), 262144);
  assert_int_equal(cgfs_cpu_weight_to_shares(20000), 262144);
  for (guint64 w = 1; w <= 10000; w++) {
    guint64 shares = cgfs_cpu_weight_to_shares(w);
    if (cgfs_cpu_shares_to_weight(shares) != w)
      fail_msg("weight %" G_GUINT64_FORMAT " -> shares %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT,
               w, shares, cgfs_cpu_shares_to_weight(shares));
  }
}

static void test_cpu_max(void **state)
{
  g_autofree char *a = cgfs_cpu_max_format(50000, 100000);
  g_autofree char *b = cgfs_cpu_max_format(0, 100000);
  g_autofree char *c = cgfs_cpu_max_format(-1, 250000);
  assert_string_equal(a, "50000 100000");
  assert_string_equal(b, "max 100000");
  assert_string_equal(c, "max 250000");
  gint64 q;
  guint64 p;
  assert_true(cgfs_cpu_max_parse("max 100000", &q, &p));
  assert_int_equal(q, -1);
  assert_int_equal(p, 100000);
  assert_true(cgfs_cpu_max_parse("20000 50000", &q, &p));
  assert_int_equal(q, 20000);
  assert_int_equal(p, 50000);
  assert_false(cgfs_cpu_max_parse("max", &q, &p));
  assert_false(cgfs_cpu_max_parse("-5 100000", &q, &p));
  assert_false(cgfs_cpu_max_parse("1 2 3", &q, &p));
}

static void test_swap(void **state)
{
  gint64 v;
  assert_true(cgfs_memory_swap_to_v2(-1, 1000, &v));
  assert_int_equal(v, -1);
  assert_true(cgfs_memory_swap_to_v2(-1, -1, &v));
  assert_int_equal(v, -1);
  assert_true(cgfs_memory_swap_to_v2(3000, 1000, &v));
  assert_int_equal(v, 2000);
  assert_true(cgfs_memory_swap_to_v2(1000, 1000, &v)); /* swap equal to limit: no swap */
  assert_int_equal(v, 0);
  assert_false(cgfs_memory_swap_to_v2(999, 1000, &v)); /* below the limit */
  assert_false(cgfs_memory_swap_to_v2(1000, -1, &v));  /* finite with unlimited memory */
  assert_true(cgfs_memory_swap_to_v2(0, 0, &v));
  assert_int_equal(v, 0);

  assert_true(cgfs_memory_swap_from_v2(1000, 2000, &v));
  assert_int_equal(v, 3000);
  assert_true(cgfs_memory_swap_from_v2(1000, 0, &v));
  assert_int_equal(v, 1000);
  assert_true(cgfs_memory_swap_from_v2(1000, -1, &v));
  assert_int_equal(v, -1);
  assert_true(cgfs_memory_swap_from_v2(-1, -1, &v));
  assert_int_equal(v, -1);
  assert_false(cgfs_memory_swap_from_v2(-1, 5, &v));
  assert_false(cgfs_memory_swap_from_v2(G_MAXINT64, 5, &v));
}

static void test_blkio_weight(void **state)
{
  static const struct {
    guint64 weight, io_weight;
  } cases[] = {
    { 0, 1 }, { 1, 1 }, { 9, 1 }, /* below 10 */
    { 10, 1 }, { 11, 11 }, { 100, 910 }, { 500, 4950 }, { 999, 9989 }, { 1000, 10000 },
    { 1001, 10000 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    if (cgfs_blkio_weight_to_io_weight(cases[i].weight) != cases[i].io_weight)
      fail_msg("weight %" G_GUINT64_FORMAT ": io.weight %" G_GUINT64_FORMAT ", wanted %"
               G_GUINT64_FORMAT, cases[i].weight,
               cgfs_blkio_weight_to_io_weight(cases[i].weight), cases[i].io_weight);
  /* The inverse is exact where it exists: every OCI weight comes back. */
  for (guint64 w = 10; w <= 1000; w++) {
    guint64 back;
    assert_true(cgfs_io_weight_to_blkio_weight(cgfs_blkio_weight_to_io_weight(w), &back));
    assert_int_equal(back, w);
  }
  guint64 back;
  assert_false(cgfs_io_weight_to_blkio_weight(100, &back)); /* v2's default has no OCI form */
  assert_false(cgfs_io_weight_to_blkio_weight(0, &back));
  assert_false(cgfs_io_weight_to_blkio_weight(10001, &back));
}

/* cgfs_limit_parse takes exactly the numbers g_ascii_string_to_unsigned (base 10) takes. */
static void test_limit_parse_as_glib(void **state)
{
  (void)state;
  const char *const inputs[] = { "0", "7", "007", "4096", "9223372036854771712",
                                 "9223372036854775807", "9223372036854775808",
                                 "18446744073709551615", "18446744073709551616",
                                 "99999999999999999999", "", " 1", "1 ", "+1", "-0", "-5",
                                 "1\n", "0x10", "1e3", "12k", "1.5", "\xd9\xa1", NULL };
  for (const char *const *in = inputs; *in; in++) {
    guint64 want;
    gboolean glib = g_ascii_string_to_unsigned(*in, 10, 0, G_MAXUINT64, &want, NULL);
    gint64 got;
    assert_int_equal(cgfs_limit_parse(*in, &got), glib);
    if (glib)
      assert_int_equal(got, want >= cgfs_v1_unlimited_bytes() ? -1 : (gint64)want);
  }
}

static void test_limits(void **state)
{
  g_autofree char *a = cgfs_limit_format(-1, 2), *b = cgfs_limit_format(-1, 1);
  g_autofree char *c = cgfs_limit_format(4096, 2);
  assert_string_equal(a, "max");
  assert_string_equal(b, "-1");
  assert_string_equal(c, "4096");
  gint64 v;
  assert_true(cgfs_limit_parse("max", &v));
  assert_int_equal(v, -1);
  g_autofree char *unlimited = g_strdup_printf("%" G_GUINT64_FORMAT, cgfs_v1_unlimited_bytes());
  assert_true(cgfs_limit_parse(unlimited, &v));
  assert_int_equal(v, -1);
  assert_true(cgfs_limit_parse("999424", &v));
  assert_int_equal(v, 999424);
  assert_false(cgfs_limit_parse("12k", &v));
  assert_false(cgfs_limit_parse("", &v));
  const guint64 numbers[] = { 0, 7, 10, 1024, 262144, G_MAXINT64, G_MAXUINT64 };
  for (gsize k = 0; k < G_N_ELEMENTS(numbers); k++) {
    g_autofree char *got = cgfs_u64_format(numbers[k]);
    g_autofree char *want = g_strdup_printf("%" G_GUINT64_FORMAT, numbers[k]);
    assert_string_equal(got, want);
    gint64 as_limit = (gint64)MIN(numbers[k], (guint64)G_MAXINT64);
    g_autofree char *limit = cgfs_limit_format(as_limit, 1);
    g_autofree char *limit_want = g_strdup_printf("%" G_GINT64_FORMAT, as_limit);
    assert_string_equal(limit, limit_want);
  }
}

static void test_hugepage_sizes(void **state)
{
  guint64 b;
  assert_true(cgfs_hugepage_size_parse("2MB", &b));
  assert_int_equal(b, 2 << 20);
  assert_true(cgfs_hugepage_size_parse("1GB", &b));
  assert_int_equal(b, 1 << 30);
  assert_true(cgfs_hugepage_size_parse("64KB", &b));
  assert_int_equal(b, 64 << 10);
  assert_true(cgfs_hugepage_size_parse("16GB", &b));
  assert_false(cgfs_hugepage_size_parse("2048KB", &b)); /* the kernel says 2MB */
  assert_false(cgfs_hugepage_size_parse("1024MB", &b));
  assert_false(cgfs_hugepage_size_parse("2M", &b));
  assert_false(cgfs_hugepage_size_parse("MB", &b));
  assert_false(cgfs_hugepage_size_parse("-2MB", &b));
  assert_false(cgfs_hugepage_size_parse("0MB", &b));
}

/* Parent 0.5 CPU, child 0.5 CPU: 50000/100000 -> 25000/50000 only works quota first, the way
 * back only period first (checked against the real kernel in the integration test). */
static void test_bandwidth_order(void **state)
{
  assert_true(cgfs_bandwidth_quota_first(50000, 100000, 25000, 50000));
  assert_false(cgfs_bandwidth_quota_first(25000, 50000, 50000, 100000));
  /* the step between the old and the new share */
  assert_true(cgfs_bandwidth_quota_first(10000, 100000, 20000, 100000));
  assert_true(cgfs_bandwidth_quota_first(40000, 50000, 20000, 100000)); /* 0.8 -> 0.2 via 0.4 */
  /* neither between: the smaller step */
  assert_false(cgfs_bandwidth_quota_first(10000, 100000, 100000, 200000));
  assert_true(cgfs_bandwidth_quota_first(100000, 100000, 10000, 50000));
  /* unlimited steps are always accepted */
  assert_true(cgfs_bandwidth_quota_first(50000, 100000, -1, 10000));
  assert_false(cgfs_bandwidth_quota_first(-1, 100000, 50000, 200000));
}

static void test_kmem_kernels(void **state)
{
  assert_false(cgfs_kernel_ignores_kmem_limit("5.15.0-91-generic"));
  assert_false(cgfs_kernel_ignores_kmem_limit("6.0.19"));
  assert_true(cgfs_kernel_ignores_kmem_limit("6.1.0-18-amd64"));
  assert_true(cgfs_kernel_ignores_kmem_limit("6.18.44-fc"));
  assert_true(cgfs_kernel_ignores_kmem_limit("7.0"));
  assert_false(cgfs_kernel_ignores_kmem_limit("garbage"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_shares_to_weight), cmocka_unit_test(test_weight_round_trip),
    cmocka_unit_test(test_cpu_max),          cmocka_unit_test(test_swap),
    cmocka_unit_test(test_blkio_weight),     cmocka_unit_test(test_limits), cmocka_unit_test(test_limit_parse_as_glib),
    cmocka_unit_test(test_hugepage_sizes),   cmocka_unit_test(test_bandwidth_order),
    cmocka_unit_test(test_kmem_kernels),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
