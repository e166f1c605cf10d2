/* The cgroup v2 device program, without a kernel: the instructions of a few rule sets, and a
 * small interpreter of the instructions the generator uses that runs the program on every
 * device and access of a small universe, against the rule semantics written out here. */
#include <linux/bpf.h>
#include <string.h>

#include "devices-bpf.h"
#include "unit-common.h"

/* ---- rules ---- */

static CgfsDeviceRule rule(gboolean allow, char type, gint64 major, gint64 minor,
                           const char *access)
{
  CgfsDeviceRule r = { .allow = allow, .type = type, .has_major = major >= 0,
                       .major = major >= 0 ? major : 0, .has_minor = minor >= 0,
                       .minor = minor >= 0 ? minor : 0 };
  g_strlcpy(r.access, access, sizeof r.access);
  return r;
}

static GArray *rules_of(const CgfsDeviceRule *list, guint n)
{
  GArray *a = g_array_new(FALSE, TRUE, sizeof(CgfsDeviceRule));
  g_array_append_vals(a, list, n);
  return a;
}

/* The semantics: per access letter, the last rule matching the device and listing the letter
 * decides; none denies; every requested letter must be allowed. */
static gboolean rule_matches(const CgfsDeviceRule *r, char type, guint32 major, guint32 minor)
{
  return (!r->type || r->type == 'a' || r->type == type) &&
         (!r->has_major || r->major == major) && (!r->has_minor || r->minor == minor);
}

static gboolean expected(const GArray *rules, char type, guint32 major, guint32 minor,
                         const char *access)
{
  for (const char *a = access; *a; a++) {
    gboolean allowed = FALSE;
    for (guint i = rules->len; i-- > 0;) {
      const CgfsDeviceRule *r = &g_array_index(rules, CgfsDeviceRule, i);
      const char *ra = r->access[0] ? r->access : "rwm";
      if (strchr(ra, *a) && rule_matches(r, type, major, minor)) {
        allowed = r->allow;
        break;
      }
    }
    if (!allowed)
      return FALSE;
  }
  return TRUE;
}

/* ---- the interpreter ---- */

static guint32 access_of(const char *access)
{
  guint32 bits = 0;
  for (const char *a = access; *a; a++)
    bits |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  return bits;
}

static guint32 alu32(guint8 op, guint32 a, guint32 b)
{
  switch (op) {
  case BPF_MOV: return b;
  case BPF_AND: return a & b;
  case BPF_XOR: return a ^ b;
  case BPF_RSH: return a >> b;
  }
  fail_msg("unexpected ALU op 0x%x", op);
  return 0;
}

/* Run the program on a request; its return value. Fails on an instruction the generator is not
 * meant to use, a backward jump, or running off the end. */
static guint64 run(const GArray *insns, char type, guint32 major, guint32 minor,
                   const char *access)
{
  struct bpf_cgroup_dev_ctx ctx = {
    .access_type = access_of(access) << 16 | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR),
    .major = major,
    .minor = minor,
  };
  guint64 r[MAX_BPF_REG] = { 0 };
  gboolean r1_is_ctx = TRUE;
  for (guint pc = 0; pc < insns->len; pc++) {
    const struct bpf_insn *i = &g_array_index(insns, struct bpf_insn, pc);
    guint8 cls = BPF_CLASS(i->code), op = BPF_OP(i->code);
    if (i->code == (BPF_LD | BPF_DW | BPF_IMM)) {
      r[i->dst_reg] = (guint32)i->imm;
      pc++;
    } else if (i->code == (BPF_LDX | BPF_W | BPF_MEM)) {
      assert_true(i->src_reg == BPF_REG_1 && r1_is_ctx);
      assert_true(i->off >= 0 && (gsize)i->off + 4 <= sizeof ctx);
      guint32 v;
      memcpy(&v, (const char *)&ctx + i->off, sizeof v);
      r[i->dst_reg] = v;
    } else if (cls == BPF_ALU) {
      guint32 src = BPF_SRC(i->code) == BPF_X ? (guint32)r[i->src_reg] : (guint32)i->imm;
      r[i->dst_reg] = alu32(op, (guint32)r[i->dst_reg], src);
    } else if (i->code == (BPF_ALU64 | BPF_MOV | BPF_K)) {
      r[i->dst_reg] = (guint64)(gint64)i->imm;
    } else if (i->code == (BPF_JMP | BPF_EXIT)) {
      return r[BPF_REG_0];
    } else if (cls == BPF_JMP && (op == BPF_JA || op == BPF_JEQ || op == BPF_JNE)) {
      assert_true(i->off >= 0);
      assert_int_equal(BPF_SRC(i->code), BPF_K);
      gboolean equal = r[i->dst_reg] == (guint64)(gint64)i->imm;
      if (op == BPF_JA || (op == BPF_JEQ) == equal)
        pc += (guint)i->off;
    } else {
      fail_msg("unexpected instruction 0x%02x at %u", i->code, pc);
    }
    if (cls != BPF_JMP && i->dst_reg == BPF_REG_1)
      r1_is_ctx = FALSE;
  }
  fail_msg("ran off the end of the program");
  return 0;
}

static GArray *generate(const GArray *rules, int map_fd)
{
  GError *error = NULL;
  GArray *insns = cgfs_devices_bpf_generate(rules, map_fd, &error);
  assert_no_gerror(error);
  return insns;
}

static const char types[] = { 'b', 'c' };
static const guint32 majors[] = { 0, 1, 5, 7 };
static const guint32 minors[] = { 0, 3, 5 };
static const char *const accesses[] = { "r", "w", "m", "rw", "rm", "wm", "rwm" };

/* The program's verdict is the expected one for every request of the universe. */
static void check_universe(const GArray *rules)
{
  g_autoptr(GArray) insns = generate(rules, -1);
  for (guint t = 0; t < G_N_ELEMENTS(types); t++)
    for (guint ma = 0; ma < G_N_ELEMENTS(majors); ma++)
      for (guint mi = 0; mi < G_N_ELEMENTS(minors); mi++)
        for (guint a = 0; a < G_N_ELEMENTS(accesses); a++) {
          gboolean want = expected(rules, types[t], majors[ma], minors[mi], accesses[a]);
          guint64 got = run(insns, types[t], majors[ma], minors[mi], accesses[a]);
          if (got != (guint64)want) {
            g_autofree char *text = cgfs_devices_rules_to_text(rules);
            fail_msg("%c %u:%u %s: program says %" G_GUINT64_FORMAT ", wanted %d; rules:\n%s",
                     types[t], majors[ma], minors[mi], accesses[a], got, want, text);
          }
        }
  /* a program that allows everything is never needed, and the check says so soundly */
  if (cgfs_devices_allow_all(rules))
    for (guint t = 0; t < G_N_ELEMENTS(types); t++)
      for (guint a = 0; a < G_N_ELEMENTS(accesses); a++)
        assert_true(expected(rules, types[t], 9, 9, accesses[a]) &&
                    expected(rules, types[t], 1, 5, accesses[a]));
}

/* ---- tests ---- */

/* The instructions, as a listing. */
static char *listing(const GArray *insns)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < insns->len; i++) {
    const struct bpf_insn *x = &g_array_index(insns, struct bpf_insn, i);
    g_string_append_printf(s, "%02x %u %u %d %d\n", x->code, x->dst_reg, x->src_reg, x->off,
                           x->imm);
  }
  return g_string_free(s, FALSE);
}

static void test_instructions(void **state)
{
  const CgfsDeviceRule list[] = { rule(FALSE, 0, -1, -1, ""), rule(TRUE, 'c', 1, 5, "r") };
  g_autoptr(GArray) rules = rules_of(list, G_N_ELEMENTS(list));
  g_autoptr(GArray) insns = generate(rules, 7);
  g_autofree char *got = listing(insns);
  const char *want =
      /* r0 = map 7 (keeps it alive) */
      "18 0 1 0 7\n00 0 0 0 0\n"
      /* r2 = type, r3 = access, r4 = major, r5 = minor */
      "61 2 1 0 0\n54 2 0 0 65535\n61 3 1 0 0\n74 3 0 0 16\n61 4 1 4 0\n61 5 1 8 0\n"
      /* r: requested? then c 1:5 allows, else the deny-all rule */
      "bc 1 3 0 0\n54 1 0 0 2\n15 1 0 12 0\n"
      "bc 1 2 0 0\na4 1 0 0 2\n55 1 0 7 0\n"
      "bc 1 4 0 0\na4 1 0 0 1\n55 1 0 4 0\n"
      "bc 1 5 0 0\na4 1 0 0 5\n55 1 0 1 0\n"
      "05 0 0 2 0\n"
      "b7 0 0 0 0\n95 0 0 0 0\n"
      /* w: only the deny-all rule lists it (it matches everything: the chain ends) */
      "bc 1 3 0 0\n54 1 0 0 4\n15 1 0 2 0\n"
      "b7 0 0 0 0\n95 0 0 0 0\n"
      /* m: the same */
      "bc 1 3 0 0\n54 1 0 0 1\n15 1 0 2 0\n"
      "b7 0 0 0 0\n95 0 0 0 0\n"
      /* every requested access allowed */
      "b7 0 0 0 1\n95 0 0 0 0\n";
  assert_string_equal(got, want);
}

static void test_no_rules_deny_everything(void **state)
{
  g_autoptr(GArray) rules = rules_of(NULL, 0);
  g_autoptr(GArray) insns = generate(rules, -1);
  assert_int_equal(run(insns, 'c', 1, 3, "r"), 0);
  assert_int_equal(run(insns, 'b', 8, 0, "m"), 0);
  assert_false(cgfs_devices_allow_all(rules));
  check_universe(rules);
}

typedef struct {
  const char *what;
  CgfsDeviceRule list[4];
  guint n;
} Case;

static void test_cases(void **state)
{
  const Case cases[] = {
    { "deny all, allow one", { rule(FALSE, 'a', -1, -1, "rwm"), rule(TRUE, 'c', 1, 5, "rwm") }, 2 },
    { "allow all, deny one", { rule(TRUE, 'a', -1, -1, "rwm"), rule(FALSE, 'c', 1, 5, "rwm") }, 2 },
    { "last wins", { rule(TRUE, 'c', 1, 5, "rwm"), rule(FALSE, 'c', 1, -1, "rwm") }, 2 },
    { "partial deny", { rule(TRUE, 0, -1, -1, ""), rule(FALSE, 'c', 1, 5, "w") }, 2 },
    { "split allow", { rule(TRUE, 'c', 1, 5, "r"), rule(TRUE, 'c', 1, 5, "w") }, 2 },
    { "type a with numbers", { rule(TRUE, 'a', 1, 5, "rw"), rule(FALSE, 'b', 1, -1, "r") }, 2 },
    { "minor only", { rule(TRUE, 'b', -1, 3, "m"), rule(TRUE, 'c', 5, 0, "rwm") }, 2 },
    { "major 0", { rule(TRUE, 'c', 0, 0, "rwm"), rule(FALSE, 'c', 0, -1, "m") }, 2 },
    { "allow after deny all after allow",
      { rule(TRUE, 'a', -1, -1, ""), rule(FALSE, 'b', -1, -1, "rwm"), rule(TRUE, 'b', 7, 5, "r") },
      3 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GArray) rules = rules_of(cases[i].list, cases[i].n);
    check_universe(rules);
  }
  /* spot checks of what the cases mean */
  const CgfsDeviceRule partial[] = { rule(TRUE, 0, -1, -1, ""), rule(FALSE, 'c', 1, 5, "w") };
  g_autoptr(GArray) p = rules_of(partial, 2);
  g_autoptr(GArray) insns = generate(p, -1);
  assert_int_equal(run(insns, 'c', 1, 5, "r"), 1);
  assert_int_equal(run(insns, 'c', 1, 5, "rw"), 0); /* open O_RDWR asks both */
  assert_int_equal(run(insns, 'c', 1, 3, "rw"), 1);
}

static void test_random_rule_lists(void **state)
{
  static const char rule_types[] = { 0, 'a', 'b', 'c' };
  static const gint64 rule_majors[] = { -1, 1, 5, 7 };
  static const gint64 rule_minors[] = { -1, 3, 5 };
  static const char *const rule_access[] = { "", "r", "w", "m", "rw", "wm", "rm", "rwm", "mr" };
  g_autoptr(GRand) rand = g_rand_new_with_seed(6);
  for (guint n = 0; n < 3000; n++) {
    g_autoptr(GArray) rules = rules_of(NULL, 0);
    guint len = (guint)g_rand_int_range(rand, 0, 9);
    for (guint i = 0; i < len; i++) {
      CgfsDeviceRule r = rule(g_rand_boolean(rand),
                              rule_types[g_rand_int_range(rand, 0, G_N_ELEMENTS(rule_types))],
                              rule_majors[g_rand_int_range(rand, 0, G_N_ELEMENTS(rule_majors))],
                              rule_minors[g_rand_int_range(rand, 0, G_N_ELEMENTS(rule_minors))],
                              rule_access[g_rand_int_range(rand, 0, G_N_ELEMENTS(rule_access))]);
      g_array_append_val(rules, r);
    }
    check_universe(rules);
  }
}

static void test_allow_all(void **state)
{
  const CgfsDeviceRule yes1[] = { rule(TRUE, 0, -1, -1, "") };
  const CgfsDeviceRule yes2[] = { rule(FALSE, 'c', 1, 5, "rwm"), rule(TRUE, 'a', -1, -1, "rwm") };
  const CgfsDeviceRule yes3[] = { rule(TRUE, 'a', -1, -1, "r"), rule(TRUE, 'a', -1, -1, "wm") };
  const CgfsDeviceRule no1[] = { rule(TRUE, 'a', -1, -1, "rw") };
  const CgfsDeviceRule no2[] = { rule(TRUE, 'a', -1, -1, "rwm"), rule(FALSE, 'b', 8, 0, "m") };
  const CgfsDeviceRule no3[] = { rule(TRUE, 'c', -1, -1, "rwm") };
  g_autoptr(GArray) a = rules_of(yes1, 1), b = rules_of(yes2, 2), c = rules_of(yes3, 2);
  g_autoptr(GArray) d = rules_of(no1, 1), e = rules_of(no2, 2), f = rules_of(no3, 1);
  assert_true(cgfs_devices_allow_all(a));
  assert_true(cgfs_devices_allow_all(b));
  assert_true(cgfs_devices_allow_all(c));
  assert_false(cgfs_devices_allow_all(d));
  assert_false(cgfs_devices_allow_all(e));
  assert_false(cgfs_devices_allow_all(f));
}

static void test_text_round_trip(void **state)
{
  const CgfsDeviceRule list[] = { rule(FALSE, 0, -1, -1, ""), rule(TRUE, 'c', 1, 5, "wr"),
                                  rule(TRUE, 'b', 254, -1, "m"), rule(FALSE, 'c', -1, 7, "mw") };
  g_autoptr(GArray) rules = rules_of(list, G_N_ELEMENTS(list));
  g_autofree char *text = cgfs_devices_rules_to_text(rules);
  assert_string_equal(text, "cgfs devices 1\n"
                            "deny a *:* rwm\n"
                            "allow c 1:5 rw\n"
                            "allow b 254:* m\n"
                            "deny c *:7 wm\n");
  GError *error = NULL;
  g_autoptr(GArray) back = cgfs_devices_rules_from_text(text, &error);
  assert_no_gerror(error);
  assert_int_equal(back->len, 4);
  g_autofree char *again = cgfs_devices_rules_to_text(back);
  assert_string_equal(again, text);
  const CgfsDeviceRule *r = &g_array_index(back, CgfsDeviceRule, 2);
  assert_true(r->allow && r->type == 'b' && r->has_major && r->major == 254 && !r->has_minor);
  assert_string_equal(r->access, "m");
  /* the text read back gives the same program */
  g_autoptr(GArray) p1 = generate(rules, -1), p2 = generate(back, -1);
  assert_int_equal(p1->len, p2->len);
  assert_memory_equal(p1->data, p2->data, p1->len * sizeof(struct bpf_insn));
}

static void test_text_malformed(void **state)
{
  static const char *const texts[][2] = {
    { "", "do not start with 'cgfs devices 1'" },
    { "cgfs devices 2\n", "do not start with" },
    { "cgfs devices 1\nallow c 1:5\n", "line 2 of the rules" },
    { "cgfs devices 1\nallow c 1:5 rwm\nmaybe c 1:5 rwm\n", "line 3" },
    { "cgfs devices 1\nallow x 1:5 rwm\n", "line 2" },
    { "cgfs devices 1\nallow c 1-5 rwm\n", "line 2" },
    { "cgfs devices 1\nallow c a:5 rwm\n", "line 2" },
    { "cgfs devices 1\nallow c 1:5 rwx\n", "line 2" },
    { "cgfs devices 1\nallow c 1:5 \n", "line 2" },
    { "cgfs devices 1\n\nallow c 1:5 r\n", "line 2" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
    GError *error = NULL;
    g_autoptr(GArray) rules = cgfs_devices_rules_from_text(texts[i][0], &error);
    assert_null(rules);
    assert_gerror(error, EBADMSG, texts[i][1]);
    g_error_free(error);
  }
  GError *error = NULL;
  g_autoptr(GArray) empty = cgfs_devices_rules_from_text("cgfs devices 1\n", &error);
  assert_no_gerror(error);
  assert_int_equal(empty->len, 0);
}

/* Rules whose block would need a jump longer than 16 bits: E2BIG, not a broken program. */
static void test_too_many_rules(void **state)
{
  g_autoptr(GArray) rules = rules_of(NULL, 0);
  for (guint i = 0; i < 5000; i++) {
    CgfsDeviceRule r = rule(TRUE, 'c', i % 4000, i, "r");
    g_array_append_val(rules, r);
  }
  GError *error = NULL;
  g_autoptr(GArray) insns = cgfs_devices_bpf_generate(rules, -1, &error);
  assert_null(insns);
  assert_gerror(error, E2BIG, "devices: 5000 rules make a program longer than a BPF jump");
  g_error_free(error);
  g_array_set_size(rules, 2000); /* fits */
  g_autoptr(GArray) fits = generate(rules, -1);
  assert_int_equal(run(fits, 'c', 1999, 1999, "r"), 1);
  assert_int_equal(run(fits, 'c', 1999, 1998, "r"), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_instructions),
    cmocka_unit_test(test_no_rules_deny_everything),
    cmocka_unit_test(test_cases),
    cmocka_unit_test(test_random_rule_lists),
    cmocka_unit_test(test_allow_all),
    cmocka_unit_test(test_text_round_trip),
    cmocka_unit_test(test_text_malformed),
    cmocka_unit_test(test_too_many_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
