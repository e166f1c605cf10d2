/* The JSON codec: the runtime-spec's examples, round trips, config.json, and a table of
 * malformed documents with their errors. */
#include <string.h>

#include "resources-private.h"
#include "unit-common.h"

/* Every resources example of the runtime-spec's config-linux.md, in one document. */
static const char spec_examples[] =
    "{"
    "  \"devices\": ["
    "    {\"allow\": false, \"access\": \"rwm\"},"
    "    {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"rw\"},"
    "    {\"allow\": true, \"type\": \"b\", \"major\": 8, \"minor\": 0, \"access\": \"r\"}"
    "  ],"
    "  \"memory\": {\"limit\": 536870912, \"reservation\": 536870912, \"swap\": 536870912,"
    "             \"kernel\": -1, \"kernelTCP\": -1, \"swappiness\": 0,"
    "             \"disableOOMKiller\": false},"
    "  \"cpu\": {\"shares\": 1024, \"quota\": 1000000, \"burst\": 1000000, \"period\": 500000,"
    "          \"realtimeRuntime\": 950000, \"realtimePeriod\": 1000000, \"cpus\": \"2-3\","
    "          \"mems\": \"0-7\", \"idle\": 0},"
    "  \"blockIO\": {\"weight\": 10, \"leafWeight\": 10,"
    "    \"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 500, \"leafWeight\": 300},"
    "                     {\"major\": 8, \"minor\": 16, \"weight\": 500}],"
    "    \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 600}],"
    "    \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 16, \"rate\": 300}]},"
    "  \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 209715200},"
    "                     {\"pageSize\": \"64KB\", \"limit\": 1000000}],"
    "  \"network\": {\"classID\": 1048577, \"priorities\": [{\"name\": \"eth0\", \"priority\": 500},"
    "              {\"name\": \"eth1\", \"priority\": 1000}]},"
    "  \"pids\": {\"limit\": 32771},"
    "  \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3, \"hcaObjects\": 10000},"
    "           \"mlx4_0\": {\"hcaObjects\": 1000}, \"rxe3\": {\"hcaObjects\": 10000}},"
    "  \"unified\": {\"io.max\": \"259:0 rbps=2097152 wiops=120\\n253:0 rbps=2097152 wiops=120\","
    "              \"hugetlb.1GB.max\": \"1073741824\"}"
    "}";

static CgfsResources *parse_ok(const char *json)
{
  GError *error = NULL;
  CgfsResources *r = cgfs_resources_from_json(json, -1, &error);
  assert_no_gerror(error);
  assert_non_null(r);
  return r;
}

static void test_spec_examples(void **state)
{
  g_autoptr(CgfsResources) r = parse_ok(spec_examples);
  assert_int_equal(r->devices->len, 3);
  const CgfsDeviceRule *d0 = &g_array_index(r->devices, CgfsDeviceRule, 0);
  assert_false(d0->allow);
  assert_int_equal(d0->type, 0);
  assert_false(d0->has_major);
  assert_string_equal(d0->access, "rwm");
  const CgfsDeviceRule *d1 = &g_array_index(r->devices, CgfsDeviceRule, 1);
  assert_true(d1->allow && d1->type == 'c' && d1->has_major && d1->major == 10 && d1->minor == 229);
  assert_true(r->memory.has_limit && r->memory.limit == 536870912);
  assert_true(r->memory.has_kernel && r->memory.kernel == -1);
  assert_true(r->memory.has_swappiness && r->memory.swappiness == 0);
  assert_true(r->memory.has_disable_oom_killer && !r->memory.disable_oom_killer);
  assert_false(r->memory.has_use_hierarchy);
  assert_false(r->memory.has_check_before_update);
  assert_true(r->cpu.has_burst && r->cpu.burst == 1000000);
  assert_string_equal(r->cpu.cpus, "2-3");
  assert_true(r->cpu.has_idle && r->cpu.idle == 0);
  assert_true(r->block_io.has_weight && r->block_io.weight == 10);
  assert_int_equal(r->block_io.weight_device->len, 2);
  const CgfsWeightDevice *w1 = &g_array_index(r->block_io.weight_device, CgfsWeightDevice, 1);
  assert_true(w1->has_weight && !w1->has_leaf_weight && w1->minor == 16);
  assert_int_equal(r->block_io.throttle_read_bps_device->len, 1);
  assert_int_equal(r->block_io.throttle_write_bps_device->len, 0);
  assert_int_equal(r->hugepage_limits->len, 2);
  assert_string_equal(g_array_index(r->hugepage_limits, CgfsHugepageLimit, 1).page_size, "64KB");
  assert_true(r->network.has_class_id && r->network.class_id == 1048577);
  assert_int_equal(r->network.priorities->len, 2);
  assert_true(r->pids.has_limit && r->pids.limit == 32771);
  assert_int_equal(r->rdma->len, 3);
  const CgfsRdmaLimit *l1 = &g_array_index(r->rdma, CgfsRdmaLimit, 1);
  assert_string_equal(l1->device, "mlx4_0");
  assert_false(l1->has_hca_handles);
  assert_true(l1->has_hca_objects && l1->hca_objects == 1000);
  assert_int_equal(r->unified->len, 2);
  assert_string_equal(g_array_index(r->unified, CgfsUnifiedEntry, 0).key, "io.max");
}

static void test_round_trip(void **state)
{
  g_autoptr(CgfsResources) r = parse_ok(spec_examples);
  gsize len;
  g_autofree char *once = cgfs_resources_to_json(r, &len);
  assert_int_equal(len, strlen(once));
  assert_true(g_str_has_suffix(once, "}\n"));
  g_autoptr(CgfsResources) again = parse_ok(once);
  g_autofree char *twice = cgfs_resources_to_json(again, NULL);
  assert_string_equal(once, twice);
}

static void test_print_format(void **state)
{
  g_autoptr(CgfsResources) r = parse_ok(
      "{\"pids\": {\"limit\": -1}, \"memory\": {\"swap\": 0, \"limit\": 0, \"useHierarchy\": true},"
      " \"cpu\": {\"mems\": \"0\"}, \"unified\": {\"memory.high\": \"max\"}}");
  g_autofree char *text = cgfs_resources_to_json(r, NULL);
  /* The spec's key order whatever the input's; zero is printed, absent is not. */
  assert_string_equal(text, "{\n"
                            "  \"memory\" : {\n"
                            "    \"limit\" : 0,\n"
                            "    \"swap\" : 0,\n"
                            "    \"useHierarchy\" : true\n"
                            "  },\n"
                            "  \"cpu\" : {\n"
                            "    \"mems\" : \"0\"\n"
                            "  },\n"
                            "  \"pids\" : {\n"
                            "    \"limit\" : -1\n"
                            "  },\n"
                            "  \"unified\" : {\n"
                            "    \"memory.high\" : \"max\"\n"
                            "  }\n"
                            "}\n");
  g_autoptr(CgfsResources) empty = cgfs_resources_new();
  g_autofree char *none = cgfs_resources_to_json(empty, NULL);
  assert_string_equal(none, "{}\n");
}

static void test_config_json(void **state)
{
  g_autoptr(CgfsResources) r = parse_ok(
      "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"sh\"]}, \"root\": {\"path\": \"rootfs\"},"
      " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}], \"cgroupsPath\": \"/x\","
      "  \"resources\": {\"memory\": {\"limit\": 100000, \"reservation\": 200000},"
      "                \"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}}}");
  assert_true(r->memory.has_limit && r->memory.limit == 100000);
  assert_true(r->memory.has_reservation && r->memory.reservation == 200000);
  assert_int_equal(r->devices->len, 1);
  g_autoptr(CgfsResources) none = parse_ok("{\"ociVersion\": \"1.0.2\", \"linux\": {}}");
  g_autofree char *text = cgfs_resources_to_json(none, NULL);
  assert_string_equal(text, "{}\n");
}

static void test_null_is_absent(void **state)
{
  g_autoptr(CgfsResources) r = parse_ok("{\"memory\": {\"limit\": null, \"swap\": 5}, \"cpu\": null,"
                                        " \"devices\": null}");
  assert_false(r->memory.has_limit);
  assert_true(r->memory.has_swap);
  assert_null(r->cpu.cpus);
  assert_int_equal(r->devices->len, 0);
}

/* A key given twice counts once, at its first place, with its last value (as json-glib's
 * parser did): a list is not read twice, an earlier bad value is not looked at. */
static void test_duplicate_keys(void **state)
{
  g_autoptr(CgfsResources) r =
    parse_ok("{\"devices\": [{\"allow\": false}], \"pids\": {\"limit\": \"x\"},"
             " \"devices\": [{\"allow\": true, \"access\": \"r\"}], \"pids\": {\"limit\": 7}}");
  assert_int_equal(r->devices->len, 1);
  assert_true(g_array_index(r->devices, CgfsDeviceRule, 0).allow);
  assert_int_equal(r->pids.limit, 7);
  /* the first place: "a" is read (and refused) before "pids" */
  GError *error = NULL;
  assert_null(cgfs_resources_from_json("{\"a\": 1, \"pids\": 5, \"a\": 2}", -1, &error));
  assert_gerror(error, EINVAL, "a: unknown key");
  g_clear_error(&error);
  /* an object of many members finds its repeated keys by a hash table */
  g_autoptr(GString) json = g_string_new("{\"unified\": {");
  for (guint i = 0; i < 20; i++)
    g_string_append_printf(json, "\"k%u.x\": \"%u\", ", i, i);
  g_string_append(json, "\"k3.x\": \"again\"}}");
  g_autoptr(CgfsResources) u = parse_ok(json->str);
  assert_int_equal(u->unified->len, 20);
  assert_string_equal(g_array_index(u->unified, CgfsUnifiedEntry, 3).value, "again");
}

/* The old parser's mark for integers beyond 64 bits is no longer anything but text. */
static void test_string_like_the_old_mark(void **state)
{
  g_autoptr(CgfsResources) r = parse_ok("{\"unified\": {\"a.b\": \"\\u0001cgfs-int:5\"}}");
  assert_string_equal(g_array_index(r->unified, CgfsUnifiedEntry, 0).value, "\001cgfs-int:5");
}

static void test_length_and_minus_one_devices(void **state)
{
  const char *json = "{\"pids\": {\"limit\": 5}} trailing garbage";
  GError *error = NULL;
  g_autoptr(CgfsResources) r = cgfs_resources_from_json(json, 23, &error);
  assert_no_gerror(error);
  assert_int_equal(r->pids.limit, 5);
  g_autoptr(CgfsResources) d = parse_ok("{\"devices\": [{\"allow\": true, \"type\": \"c\","
                                        " \"major\": -1, \"minor\": 3}]}");
  const CgfsDeviceRule *rule = &g_array_index(d->devices, CgfsDeviceRule, 0);
  assert_false(rule->has_major);
  assert_true(rule->has_minor);
}

typedef struct {
  const char *json;
  int code;
  const char *message;
} Bad;

static const Bad bad[] = {
  { "{\"memory\": {\"swappiness\": 201}}", ERANGE, "memory.swappiness: 201 is out of range 0..200" },
  { "{\"unified\": {\"memory.high\": \"1\\u0000 2\"}}", EINVAL,
    "resources: invalid JSON at line 1, column 31: a NUL character" },
  { "{\"unified\": {\"a\\u0000b.c\": \"1\"}}", EINVAL, "a NUL character" },
  { "{\"memory\": {\"swapines\": 1}}", EINVAL, "memory.swapines: unknown key" },
  { "{\"memory\": {\"limit\": \"1G\"}}", EINVAL, "memory.limit: expected an integer, got a string" },
  { "{\"memory\": {\"limit\": 1.5}}", EINVAL, "memory.limit: expected an integer, got a number" },
  { "{\"memory\": {\"limit\": 1e3}}", EINVAL, "memory.limit: expected an integer, got a number" },
  { "{\"memory\": {\"limit\": -2}}", ERANGE,
    "memory.limit: -2 is out of range -1..9223372036854775807" },
  { "{\"memory\": {\"limit\": 18446744073709551615}}", ERANGE,
    "memory.limit: 18446744073709551615 is out of range -1..9223372036854775807" },
  { "{\"memory\": {\"swap\": -9223372036854775809}}", ERANGE,
    "memory.swap: -9223372036854775809 is out of range" },
  { "{\"unified\": {\"memory.high\": 99999999999999999999}}", EINVAL,
    "unified[\"memory.high\"]: expected a string, got a number" },
  { "{\"memory\": {\"disableOOMKiller\": 1}}", EINVAL,
    "memory.disableOOMKiller: expected true or false, got a number" },
  { "{\"memory\": []}", EINVAL, "memory: expected an object, got an array" },
  { "{\"cpu\": {\"shares\": -1}}", ERANGE, "cpu.shares: -1 is out of range 0..9223372036854775807" },
  { "{\"cpu\": {\"cpus\": 3}}", EINVAL, "cpu.cpus: expected a string, got a number" },
  { "{\"cpu\": {\"cpus\": \"0-3;5\"}}", EINVAL, "cpu.cpus: '0-3;5' is not a list" },
  { "{\"cpu\": {\"period\": 10}}", ERANGE, "cpu.period: 10 is out of range 1000..1000000" },
  { "{\"cpu\": {\"idle\": 2}}", ERANGE, "cpu.idle: 2 is out of range 0..1" },
  { "{\"cpu\": {\"realtimeRuntime\": -5}}", ERANGE, "cpu.realtimeRuntime: -5 is out of range" },
  { "{\"pids\": 5}", EINVAL, "pids: expected an object, got a number" },
  { "{\"pids\": {\"limit\": -2}}", ERANGE, "pids.limit: -2 is out of range -1.." },
  { "{\"devices\": [{\"access\": \"rwm\"}]}", EINVAL, "devices[0].allow: missing (required)" },
  { "{\"devices\": [{\"allow\": true, \"type\": \"x\"}]}", EINVAL,
    "devices[0].type: 'x' is not a device type: a, b or c" },
  { "{\"devices\": [{\"allow\": true}, {\"allow\": true, \"access\": \"rwx\"}]}", EINVAL,
    "devices[1].access: 'rwx' is not a combination of r, w and m" },
  { "{\"devices\": [{\"allow\": true, \"access\": \"rr\"}]}", EINVAL, "devices[0].access: 'rr'" },
  { "{\"devices\": [{\"allow\": \"yes\"}]}", EINVAL,
    "devices[0].allow: expected true or false, got a string" },
  { "{\"devices\": {\"allow\": true}}", EINVAL, "devices: expected an array, got an object" },
  { "{\"devices\": [5]}", EINVAL, "devices[0]: expected an object, got a number" },
  { "{\"devices\": [{\"allow\": true, \"major\": 5000}]}", ERANGE,
    "devices[0].major: 5000 is out of range -1..4095" },
  { "{\"devices\": [{\"allow\": true, \"path\": \"/dev/null\"}]}", EINVAL,
    "devices[0].path: unknown key" },
  { "{\"blockIO\": {\"weight\": 0}}", ERANGE, "blockIO.weight: 0 is out of range 1..1000" },
  { "{\"blockIO\": {\"weight\": 70000}}", ERANGE, "blockIO.weight: 70000 is out of range 1..1000" },
  { "{\"blockIO\": {\"leafWeight\": 5}}", ERANGE, "blockIO.leafWeight: 5 is out of range 10..1000" },
  { "{\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0}]}}", EINVAL,
    "blockIO.weightDevice[0]: needs weight or leafWeight" },
  { "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"rate\": 1}]}}", EINVAL,
    "blockIO.throttleReadBpsDevice[0].minor: missing (required)" },
  { "{\"blockIO\": {\"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": -1}]}}",
    ERANGE, "blockIO.throttleWriteIOPSDevice[0].rate: -1 is out of range" },
  { "{\"hugepageLimits\": [{\"pageSize\": \"2M\", \"limit\": 1}]}", EINVAL,
    "hugepageLimits[0].pageSize: '2M' is not a huge page size" },
  { "{\"hugepageLimits\": [{\"pageSize\": \"2MB\"}]}", EINVAL,
    "hugepageLimits[0].limit: missing (required)" },
  { "{\"network\": {\"classID\": 4294967296}}", ERANGE,
    "network.classID: 4294967296 is out of range 0..4294967295" },
  { "{\"network\": {\"priorities\": [{\"name\": \"eth 0\", \"priority\": 1}]}}", EINVAL,
    "network.priorities[0].name: 'eth 0' is not a name" },
  { "{\"network\": {\"priorities\": [{\"name\": \"averyveryverylongname\", \"priority\": 1}]}}",
    EINVAL, "network.priorities[0].name: 'averyveryverylongname' is longer than 15 bytes" },
  { "{\"rdma\": {\"mlx5_1\": {}}}", EINVAL, "rdma[\"mlx5_1\"]: needs hcaHandles or hcaObjects" },
  { "{\"rdma\": {\"mlx5_1\": {\"hcaHandles\": -1}}}", ERANGE,
    "rdma[\"mlx5_1\"].hcaHandles: -1 is out of range 0..4294967295" },
  { "{\"rdma\": []}", EINVAL, "rdma: expected an object, got an array" },
  { "{\"unified\": {\"memory.high\": 5}}", EINVAL,
    "unified[\"memory.high\"]: expected a string, got a number" },
  { "{\"unified\": {\"../x\": \"1\"}}", EINVAL, "unified[\"../x\"]: '../x' is not a name" },
  { "{\"foo\": 1}", EINVAL, "foo: unknown key" },
  /* an unknown key is an error whatever its value, null too */
  { "{\"foo\": null}", EINVAL, "foo: unknown key" },
  { "{\"memory\": {\"swapines\": null}}", EINVAL, "memory.swapines: unknown key" },
  { "{\"devices\": [{\"allow\": true, \"path\": null}]}", EINVAL, "devices[0].path: unknown key" },
  { "{\"blockIO\": {\"throttleReadBPSDevice\": null}}", EINVAL,
    "blockIO.throttleReadBPSDevice: unknown key" },
  /* C escapes, which json-glib took (found by the fuzzer), are not JSON */
  { "{\"unified\": {\"io.max\": \"a\\253b\"}}", EINVAL,
    "resources: invalid JSON at line 1, column 26: inside a string, '\\' occurs before a "
    "character which it may not." },
  { "{\"rdma\": {\"a\\253\": {\"hcaHandles\": 1}}}", EINVAL,
    "resources: invalid JSON at line 1, column 13: inside a string" },
  /* half a UTF-16 surrogate pair decodes to bytes that are not UTF-8 */
  { "{\"unified\": {\"io.max\": \"a\\ud800\"}}", EINVAL, "unified[\"io.max\"]: not valid UTF-8" },
  { "{\"unified\": {\"io.max\": \"a\\ud800\\u0041\"}}", EINVAL,
    "unified[\"io.max\"]: not valid UTF-8" },
  { "{\"unified\": {\"io.max\": \"a\\udc00b\"}}", EINVAL, "unified[\"io.max\"]: not valid UTF-8" },
  { "{\"rdma\": {\"a\\ud800\": {\"hcaHandles\": 1}}}", EINVAL, "rdma: not valid UTF-8" },
  /* RFC 8259 JSON only, as through the mount (fs/write-buffer.c) */
  { "{\"pids\": {\"limit\": 5}} /* c */", EINVAL,
    "resources: invalid JSON at line 1, column 24: trailing garbage" },
  { "{\"pids\": /* c */ {}}", EINVAL,
    "resources: invalid JSON at line 1, column 10: probable comment found" },
  { "{'pids': {}}", EINVAL, "resources: invalid JSON at line 1, column 2: invalid char" },
  { "{\"pids\": {\"limit\": 0x10}}", EINVAL,
    "resources: invalid JSON at line 1, column 21: invalid char" },
  { "{\"pids\":\f{}}", EINVAL,
    "resources: invalid JSON at line 1, column 9: a byte 0x0c, which is not JSON white space" },
  { "{} \"a", EINVAL, "resources: invalid JSON at line 1, column 4: trailing garbage" },
  { "{}{}", EINVAL, "resources: invalid JSON at line 1, column 3: trailing garbage" },
  { "{\"pids\": {\"limit\": 5,}}", EINVAL,
    "resources: invalid JSON at line 1, column 22: invalid object key (must be a string)" },
  { "\n\n  {\"pids\" {}}", EINVAL, "resources: invalid JSON at line 3, column 11:" },
  { "{\"pids\": {\"limit\": 5}", EINVAL,
    "resources: invalid JSON at line 1, column 22: premature EOF" },
  { "{\"pids\": \"\xff\"}", EINVAL, "resources: invalid JSON: JSON data must be UTF-8 encoded" },
  { "{\"pids\": \"\\\xff\"}", EINVAL, "resources: invalid JSON: JSON data must be UTF-8 encoded" },
  { "[1]", EINVAL, "resources: expected a JSON object, got an array" },
  { "", EINVAL, "resources: expected a JSON object, got nothing" },
  { "\"x\"", EINVAL, "resources: expected a JSON object, got a string" },
  { "{\"memory\": ", EINVAL, "resources: invalid JSON" },
  { "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": {\"memory\": {\"swappiness\": 250}}}}",
    ERANGE, "linux.resources.memory.swappiness: 250 is out of range 0..200" },
  { "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": {\"devices\": [{}]}}}", EINVAL,
    "linux.resources.devices[0].allow: missing (required)" },
  { "{\"ociVersion\": \"1\", \"linux\": 3}", EINVAL, "linux: expected an object, got a number" },
};

/* Nesting deeper than a document needs is refused before it is parsed. */
static void test_deep_nesting(void **state)
{
  GString *json = g_string_new("{\"unified\": ");
  for (guint i = 0; i < 100000; i++)
    g_string_append_c(json, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c(json, ']');
  g_string_append_c(json, '}');
  GError *error = NULL;
  assert_null(cgfs_resources_from_json(json->str, (gssize)json->len, &error));
  assert_gerror(error, EINVAL, "nested deeper than 64 levels");
  g_clear_error(&error);
  g_string_free(json, TRUE);
}

static void test_malformed(void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    GError *error = NULL;
    CgfsResources *r = cgfs_resources_from_json(bad[i].json, -1, &error);
    if (r)
      fail_msg("accepted: %s", bad[i].json);
    if (!error || error->code != bad[i].code || !strstr(error->message, bad[i].message))
      fail_msg("%s: got %d '%s', wanted %d '%s'", bad[i].json, error ? error->code : 0,
               error ? error->message : "", bad[i].code, bad[i].message);
    g_clear_error(&error);
  }
}

/* A struct filled from C gets the same checks as JSON, before anything is written. */
/* Input echoed in a message is bounded: a 4 MiB key gives a short message that still says why. */
static void test_long_input_bounded_message(void **state)
{
  g_autoptr(GString) doc = g_string_new("{\"memory\": {\"");
  for (int i = 0; i < (4 << 20) / 4; i++)
    g_string_append(doc, "k\u00e9y");
  g_string_append(doc, "\": 1}}");
  GError *error = NULL;
  g_autoptr(CgfsResources) r = cgfs_resources_from_json(doc->str, (gssize)doc->len, &error);
  assert_null(r);
  assert_gerror(error, EINVAL, "unknown key");
  assert_true(strlen(error->message) <= 1100);
  assert_true(g_str_has_prefix(error->message, "memory.k"));
  assert_true(g_utf8_validate(error->message, -1, NULL));
  g_clear_error(&error);
}

/* A document of more values than any needs is refused before json-glib builds it (memory). */
static void test_too_many_values(void **state)
{
  g_autoptr(GString) doc = g_string_new("{\"devices\": [");
  for (int i = 0; i < 20000; i++)
    g_string_append(doc, "{\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3},");
  g_string_truncate(doc, doc->len - 1);
  g_string_append(doc, "]}");
  GError *error = NULL;
  g_autoptr(CgfsResources) r = cgfs_resources_from_json(doc->str, (gssize)doc->len, &error);
  assert_null(r);
  assert_gerror(error, EFBIG, "more than 65536 values");
  g_clear_error(&error);
}

static void test_validate_struct(void **state)
{
  g_autoptr(CgfsResources) r = cgfs_resources_new();
  GError *error = NULL;
  assert_true(cgfs_resources_validate(r, "", &error));
  /* a list dropped by the caller is an error, not a crash later */
  g_clear_pointer(&r->rdma, g_array_unref);
  assert_false(cgfs_resources_validate(r, "", &error));
  assert_gerror(error, EINVAL, "rdma: the list is NULL");
  g_clear_error(&error);
  r->rdma = g_array_new(FALSE, TRUE, sizeof(CgfsRdmaLimit));
  r->memory.has_swappiness = TRUE;
  r->memory.swappiness = 201;
  assert_false(cgfs_resources_validate(r, "", &error));
  assert_gerror(error, ERANGE, "memory.swappiness: 201 is out of range 0..200");
  g_clear_error(&error);
  r->memory.swappiness = 10;
  r->cpu.shares = G_MAXUINT64;
  r->cpu.has_shares = TRUE;
  assert_false(cgfs_resources_validate(r, "", &error));
  assert_gerror(error, ERANGE, "cpu.shares: 18446744073709551615 is out of range");
  g_clear_error(&error);
  r->cpu.has_shares = FALSE;
  CgfsDeviceRule rule = { .allow = TRUE, .type = 'q' };
  g_array_append_val(r->devices, rule);
  assert_false(cgfs_resources_validate(r, "", &error));
  assert_gerror(error, EINVAL, "devices[0].type: 'q' is not a device type");
  g_clear_error(&error);
  g_array_set_size(r->devices, 0);
  CgfsHugepageLimit l = { .page_size = "3XB", .limit = 1 };
  g_array_append_val(r->hugepage_limits, l);
  assert_false(cgfs_resources_validate(r, "", &error));
  assert_gerror(error, EINVAL, "hugepageLimits[0].pageSize: '3XB'");
  g_clear_error(&error);
  g_array_set_size(r->hugepage_limits, 0);
  cgfs_resources_add_unified(r, "memory.high", "1G");
  assert_true(cgfs_resources_validate(r, "", &error));
  cgfs_resources_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_spec_examples),   cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_print_format),    cmocka_unit_test(test_config_json),
    cmocka_unit_test(test_null_is_absent),  cmocka_unit_test(test_length_and_minus_one_devices),
    cmocka_unit_test(test_malformed),
    cmocka_unit_test(test_duplicate_keys),     cmocka_unit_test(test_string_like_the_old_mark),
    cmocka_unit_test(test_deep_nesting),       cmocka_unit_test(test_validate_struct),
    cmocka_unit_test(test_long_input_bounded_message), cmocka_unit_test(test_too_many_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
