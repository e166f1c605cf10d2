/* libFuzzer target: the stats parsers of kernel files (lib/stats/stats-parse.c) on any text. The
 * first byte picks the parser (and the table of a flat-keyed file), the rest is the file. A refusal
 * is EBADMSG with a message; nothing may crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const CgfsStatsTable *const tables[] = {
  &cgfs_pids_table,          &cgfs_v1_hugetlb_table,       &cgfs_v1_cpu_usage_table,
  &cgfs_v1_throttle_table,   &cgfs_v1_memory_table,        &cgfs_v1_memory_entry_table,
  &cgfs_v1_oom_control_table, &cgfs_v2_cpu_table,          &cgfs_v2_memory_table,
  &cgfs_v2_memory_events_table, &cgfs_v2_io_entry_table,   &cgfs_v2_hugetlb_table,
  &cgfs_v2_cgroup_table,
};
#define N_TABLES G_N_ELEMENTS(tables)

/* Takes @error, which must be read after the call that sets it. */
static void check_refusal(gboolean ok, GError *error)
{
  if (ok) {
    if (error)
      abort();
    return;
  }
  if (!error || error->domain != CGFS_ERROR || error->code != EBADMSG || !*error->message)
    abort();
  g_error_free(error);
}

static void parse_flat(const CgfsStatsTable *t, const char *text, gsize len)
{
  /* Every stats struct is far smaller than this; its has[] bits at t->has_offset. */
  void *base = g_malloc0(1 << 16);
  CgfsStatsCounter *items = NULL;
  guint n = 0;
  GStringChunk *strings = NULL;
  CgfsStatsExtraSink sink = { &items, &n, &strings };
  GError *error = NULL;
  gboolean ok = cgfs_parse_flat("f", text, len, t, base, &sink, &error);
  check_refusal(ok, error);
  for (guint i = 0; i < n; i++)
    if (!items[i].key)
      abort();
  g_free(items);
  if (strings)
    g_string_chunk_free(strings);
  g_free(base);
}

static void parse_other(guint which, const char *text, gsize len)
{
  GError *error = NULL;
  GStringChunk *strings = NULL;
  gboolean ok;
  guint64 v, w;
  guint n = 0;
  switch (which) {
  case 0:
    ok = cgfs_parse_single("f", text, len, TRUE, &v, &error);
    check_refusal(ok, error);
    break;
  case 1:
    ok = cgfs_parse_single("f", text, len, FALSE, &v, &error);
    check_refusal(ok, error);
    break;
  case 2: {
    guint64 *list = NULL;
    ok = cgfs_parse_u64_list("f", text, len, &list, &n, &error);
    check_refusal(ok, error);
    g_free(list);
    break;
  }
  case 3:
    ok = cgfs_parse_cpuacct_all("f", text, len, &v, &w, &error);
    check_refusal(ok, error);
    break;
  case 4: {
    CgfsPsiStats psi = { 0 };
    ok = cgfs_parse_psi("f", text, len, &psi, &error);
    check_refusal(ok, error);
    break;
  }
  case 5: {
    CgfsV1BlkioList list = { 0 };
    ok = cgfs_parse_blkio("f", text, len, &strings, &list, &error);
    check_refusal(ok, error);
    g_free(list.entries);
    break;
  }
  case 6: {
    CgfsV2IoEntry *entries = NULL;
    ok = cgfs_parse_io_stat("f", text, len, &entries, &n, &error);
    check_refusal(ok, error);
    g_free(entries);
    break;
  }
  case 7: {
    CgfsRdmaEntry *entries = NULL;
    ok = cgfs_parse_rdma("f", text, len, &strings, &entries, &n, &error);
    check_refusal(ok, error);
    g_free(entries);
    break;
  }
  default:
    (void)cgfs_parse_v2_controllers(text, len);
    break;
  }
  if (strings)
    g_string_chunk_free(strings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  /* The parsers take NUL-terminated text, as the kernel's files read: cut at a NUL. */
  char *text = g_strndup((const char *)data + 1, size - 1);
  gsize len = strlen(text);
  guint which = data[0] % (N_TABLES + 9);
  if (which < N_TABLES)
    parse_flat(tables[which], text, len);
  else
    parse_other(which - N_TABLES, text, len);
  g_free(text);
  return 0;
}
