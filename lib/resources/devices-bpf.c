/* Device rules as a cgroup v2 device program, and as the text kept beside it.
 *
 * Layout of the program (the request is struct bpf_cgroup_dev_ctx: access_type holds the
 * device type in its low 16 bits and the access bits in its high 16, then major, minor):
 *
 *   r2 = type, r3 = access, r4 = major, r5 = minor
 *   for each access bit (r, w, m):
 *     if the request lacks the bit: skip this block
 *     for each rule that lists the bit, last first:
 *       if the device differs from the rule's type, major or minor: try the next rule
 *       allow: go to the next bit / deny: return 0
 *     no rule matched: return 0
 *   return 1
 *
 * Each comparison is made on a scratch copy (r1 = field ^ value; r1 != 0), never on the field
 * itself: the verifier then learns nothing about r2..r5 from a failed match, every rule starts
 * in the same verifier state, and loading stays linear in the number of rules instead of
 * exploring the rules once per combination of values the earlier ones pinned down. */
#include "devices-bpf.h"

enum {
  R_RESULT = BPF_REG_0,
  R_CTX = BPF_REG_1,
  R_SCRATCH = BPF_REG_1, /* the context is not needed once its fields are loaded */
  R_TYPE = BPF_REG_2,
  R_ACCESS = BPF_REG_3,
  R_MAJOR = BPF_REG_4,
  R_MINOR = BPF_REG_5,
};

/* In the order of OCI's "rwm". */
static const guint32 access_bits[] = { BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE,
                                       BPF_DEVCG_ACC_MKNOD };

static guint32 rule_access(const CgfsDeviceRule *r)
{
  guint32 bits = 0;
  const char *access = r->access[0] ? r->access : "rwm";
  for (guint i = 0; i < 3; i++)
    if (strchr(access, "rwm"[i]))
      bits |= access_bits[i];
  return bits;
}

/* ---- instructions ---- */

static struct bpf_insn insn(guint8 code, guint8 dst, guint8 src, gint16 off, gint32 imm)
{
  return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

static guint emit(GArray *a, struct bpf_insn i)
{
  g_array_append_val(a, i);
  return a->len - 1;
}

static void emit_load_word(GArray *a, guint8 dst, gint16 offset)
{
  emit(a, insn(BPF_LDX | BPF_W | BPF_MEM, dst, R_CTX, offset, 0));
}

static void emit_alu32_imm(GArray *a, guint8 op, guint8 dst, gint32 imm)
{
  emit(a, insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm));
}

static void emit_mov32_reg(GArray *a, guint8 dst, guint8 src)
{
  emit(a, insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0));
}

static void emit_return(GArray *a, gint32 verdict)
{
  emit(a, insn(BPF_ALU64 | BPF_MOV | BPF_K, R_RESULT, 0, 0, verdict));
  emit(a, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

/* r0 = the map (two slots): the program holds a reference to it. */
static void emit_map_reference(GArray *a, int map_fd)
{
  emit(a, insn(BPF_LD | BPF_DW | BPF_IMM, R_RESULT, BPF_PSEUDO_MAP_FD, 0, map_fd));
  emit(a, insn(0, 0, 0, 0, 0));
}

/* ---- the program ---- */

typedef struct {
  guint8 reg;
  gint32 value;
} Cond;

static guint rule_conds(const CgfsDeviceRule *r, Cond conds[3])
{
  guint n = 0;
  if (r->type == 'b' || r->type == 'c')
    conds[n++] = (Cond){ R_TYPE, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR };
  if (r->has_major)
    conds[n++] = (Cond){ R_MAJOR, (gint32)r->major };
  if (r->has_minor)
    conds[n++] = (Cond){ R_MINOR, (gint32)r->minor };
  return n;
}

typedef struct {
  GArray *insns;
  GArray *to_block_end; /* guint: jumps to the end of the current access bit's block */
} Gen;

/* The rule's test and verdict; an allow jumps to the end of the block (patched later). */
static void emit_rule(Gen *g, const CgfsDeviceRule *r, const Cond *conds, guint n)
{
  guint verdict_len = r->allow ? 1 : 2;
  for (guint i = 0; i < n; i++) {
    gint16 to_next_rule = (gint16)(3 * (n - i - 1) + verdict_len);
    emit_mov32_reg(g->insns, R_SCRATCH, conds[i].reg);
    emit_alu32_imm(g->insns, BPF_XOR, R_SCRATCH, conds[i].value);
    emit(g->insns, insn(BPF_JMP | BPF_JNE | BPF_K, R_SCRATCH, 0, to_next_rule, 0));
  }
  if (!r->allow) {
    emit_return(g->insns, 0);
    return;
  }
  guint ja = emit(g->insns, insn(BPF_JMP | BPF_JA, 0, 0, 0, 0));
  g_array_append_val(g->to_block_end, ja);
}

static gboolean patch_block_end(Gen *g, guint n_rules, GError **error)
{
  guint target = g->insns->len;
  for (guint i = 0; i < g->to_block_end->len; i++) {
    guint at = g_array_index(g->to_block_end, guint, i);
    guint offset = target - (at + 1);
    if (offset > G_MAXINT16) {
      cgfs_set_error(error, E2BIG, "devices: %u rules make a program longer than a BPF jump can "
                     "span (%u instructions for one access type)", n_rules, offset);
      return FALSE;
    }
    g_array_index(g->insns, struct bpf_insn, at).off = (gint16)offset;
  }
  g_array_set_size(g->to_block_end, 0);
  return TRUE;
}

static gboolean emit_access_block(Gen *g, const GArray *rules, guint32 bit, GError **error)
{
  emit_mov32_reg(g->insns, R_SCRATCH, R_ACCESS);
  emit_alu32_imm(g->insns, BPF_AND, R_SCRATCH, (gint32)bit);
  guint skip = emit(g->insns, insn(BPF_JMP | BPF_JEQ | BPF_K, R_SCRATCH, 0, 0, 0));
  g_array_append_val(g->to_block_end, skip);
  gboolean decided = FALSE; /* a rule matching every device ends the chain */
  for (guint i = rules->len; i-- > 0 && !decided;) {
    const CgfsDeviceRule *r = &g_array_index(rules, CgfsDeviceRule, i);
    if (!(rule_access(r) & bit))
      continue;
    Cond conds[3];
    guint n = rule_conds(r, conds);
    emit_rule(g, r, conds, n);
    decided = n == 0;
  }
  if (!decided)
    emit_return(g->insns, 0);
  return patch_block_end(g, rules->len, error);
}

GArray *cgfs_devices_bpf_generate(const GArray *rules, int map_fd, GError **error)
{
  g_autoptr(GArray) insns = g_array_new(FALSE, TRUE, sizeof(struct bpf_insn));
  g_autoptr(GArray) to_block_end = g_array_new(FALSE, FALSE, sizeof(guint));
  Gen g = { insns, to_block_end };
  if (map_fd >= 0)
    emit_map_reference(insns, map_fd);
  emit_load_word(insns, R_TYPE, offsetof(struct bpf_cgroup_dev_ctx, access_type));
  emit_alu32_imm(insns, BPF_AND, R_TYPE, 0xffff);
  emit_load_word(insns, R_ACCESS, offsetof(struct bpf_cgroup_dev_ctx, access_type));
  emit_alu32_imm(insns, BPF_RSH, R_ACCESS, 16);
  emit_load_word(insns, R_MAJOR, offsetof(struct bpf_cgroup_dev_ctx, major));
  emit_load_word(insns, R_MINOR, offsetof(struct bpf_cgroup_dev_ctx, minor));
  for (guint i = 0; i < G_N_ELEMENTS(access_bits); i++)
    if (!emit_access_block(&g, rules, access_bits[i], error))
      return NULL;
  emit_return(insns, 1);
  return g_steal_pointer(&insns);
}

gboolean cgfs_devices_allow_all(const GArray *rules)
{
  for (guint b = 0; b < G_N_ELEMENTS(access_bits); b++) {
    gboolean allowed = FALSE;
    for (guint i = rules->len; i-- > 0;) {
      const CgfsDeviceRule *r = &g_array_index(rules, CgfsDeviceRule, i);
      Cond conds[3];
      if (!(rule_access(r) & access_bits[b]))
        continue;
      if (!r->allow)
        return FALSE; /* it denies the bit on the devices it matches */
      if (rule_conds(r, conds) == 0) {
        allowed = TRUE;
        break;
      }
    }
    if (!allowed)
      return FALSE;
  }
  return TRUE;
}

/* ---- the rules as text ---- */

static void append_number(GString *s, gboolean has, gint64 v)
{
  if (has)
    g_string_append_printf(s, "%" G_GINT64_FORMAT, v);
  else
    g_string_append_c(s, '*');
}

char *cgfs_devices_rules_to_text(const GArray *rules)
{
  GString *s = g_string_new(CGFS_DEVICES_TEXT_HEADER);
  for (guint i = 0; i < rules->len; i++) {
    const CgfsDeviceRule *r = &g_array_index(rules, CgfsDeviceRule, i);
    g_string_append_printf(s, "%s %c ", r->allow ? "allow" : "deny", r->type ? r->type : 'a');
    append_number(s, r->has_major, r->major);
    g_string_append_c(s, ':');
    append_number(s, r->has_minor, r->minor);
    g_string_append_c(s, ' ');
    guint32 bits = rule_access(r);
    for (guint b = 0; b < 3; b++)
      if (bits & access_bits[b])
        g_string_append_c(s, "rwm"[b]);
    g_string_append_c(s, '\n');
  }
  return g_string_free(s, FALSE);
}

static gboolean parse_number(const char *s, gint64 max, gboolean *has, gint64 *out)
{
  *has = strcmp(s, "*") != 0;
  return !*has || g_ascii_string_to_signed(s, 10, 0, max, out, NULL);
}

static gboolean parse_access(const char *s, char out[4])
{
  gsize n = strlen(s);
  if (n == 0 || n > 3 || strspn(s, "rwm") != n)
    return FALSE;
  memcpy(out, s, n + 1);
  return TRUE;
}

static gboolean parse_rule(const char *line, CgfsDeviceRule *r)
{
  g_auto(GStrv) f = g_strsplit(line, " ", -1);
  if (g_strv_length(f) != 4 || strlen(f[1]) != 1 || !strchr("abc", f[1][0]))
    return FALSE;
  g_auto(GStrv) mm = g_strsplit(f[2], ":", -1);
  if (g_strv_length(mm) != 2)
    return FALSE;
  r->allow = strcmp(f[0], "allow") == 0;
  r->type = f[1][0];
  return (r->allow || strcmp(f[0], "deny") == 0) &&
         parse_number(mm[0], G_MAXUINT32, &r->has_major, &r->major) &&
         parse_number(mm[1], G_MAXUINT32, &r->has_minor, &r->minor) &&
         parse_access(f[3], r->access);
}

GArray *cgfs_devices_rules_from_text(const char *text, GError **error)
{
  g_autoptr(GArray) rules = g_array_new(FALSE, TRUE, sizeof(CgfsDeviceRule));
  if (!g_str_has_prefix(text, CGFS_DEVICES_TEXT_HEADER)) {
    cgfs_set_error(error, EBADMSG, "devices: the rules kept with the device program do not "
                   "start with '%.*s'", (int)strlen(CGFS_DEVICES_TEXT_HEADER) - 1,
                   CGFS_DEVICES_TEXT_HEADER);
    return NULL;
  }
  g_auto(GStrv) lines = g_strsplit(text + strlen(CGFS_DEVICES_TEXT_HEADER), "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    if (!lines[i][0] && !lines[i + 1])
      break; /* the last newline */
    CgfsDeviceRule r = { 0 };
    if (!parse_rule(lines[i], &r)) {
      cgfs_set_error(error, EBADMSG, "devices: line %u of the rules kept with the device "
                     "program is not a rule: '%s'", i + 2, lines[i]);
      return NULL;
    }
    g_array_append_val(rules, r);
  }
  return g_steal_pointer(&rules);
}
