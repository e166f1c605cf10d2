/* devices: v1 devices.allow / devices.deny, one write per rule, in the order given; the old
 * state is devices.list. On v2 device rules are an eBPF program (res-devices-bpf.c).
 *
 * The kernel's rules are replayed on a copy of devices.list (apply_rule) so that rules that
 * would leave the list as it is are not written: rewriting "deny everything, then allow these"
 * would otherwise deny the cgroup's devices for a moment, and reading resources.json and
 * writing it back must change nothing. */
#include "config-internal.h"

#include <stdio.h>

#include "devices-bpf.h"
#include "fileio.h"
#include "resources-private.h"

#define DEV_ANY (-1)

typedef struct {
  char type; /* 'b', 'c' or 'a' */
  gint64 major, minor;
  guint access; /* bits of "rwm" */
} DevException;

typedef struct {
  gboolean allow_all; /* the default: every device unless listed (the list is not shown) */
  GArray *exceptions; /* DevException */
} DevState;

static guint access_bits(const char *s)
{
  guint bits = 0;
  for (; *s; s++)
    if (strchr("rwm", *s))
      bits |= 1u << (strchr("rwm", *s) - "rwm");
  return bits;
}

static gboolean parse_number(const char *s, gint64 *out)
{
  if (strcmp(s, "*") == 0) {
    *out = DEV_ANY;
    return TRUE;
  }
  return g_ascii_string_to_signed(s, 10, 0, G_MAXINT64, out, NULL);
}

/* devices.list: "a *:* rwm" alone when everything is allowed, else the allowed exceptions. */
static gboolean parse_list(const char *text, DevState *st)
{
  st->exceptions = g_array_new(FALSE, TRUE, sizeof(DevException));
  st->allow_all = strcmp(text, "a *:* rwm") == 0;
  if (st->allow_all)
    return TRUE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    if (!**l)
      continue;
    char type, mm[64], acc[8];
    if (sscanf(*l, "%c %63s %7s", &type, mm, acc) != 3)
      return FALSE;
    g_auto(GStrv) parts = g_strsplit(mm, ":", 2);
    DevException e = { type, 0, 0, access_bits(acc) };
    if (g_strv_length(parts) != 2 || !parse_number(parts[0], &e.major) ||
        !parse_number(parts[1], &e.minor))
      return FALSE;
    g_array_append_val(st->exceptions, e);
  }
  return TRUE;
}

static DevException *find_exception(DevState *st, const DevException *e)
{
  for (guint i = 0; i < st->exceptions->len; i++) {
    DevException *x = &g_array_index(st->exceptions, DevException, i);
    if (x->type == e->type && x->major == e->major && x->minor == e->minor)
      return x;
  }
  return NULL;
}

static void add_exception(DevState *st, const DevException *e)
{
  DevException *x = find_exception(st, e);
  if (x)
    x->access |= e->access;
  else
    g_array_append_val(st->exceptions, *e);
}

static void remove_exception(DevState *st, const DevException *e)
{
  DevException *x = find_exception(st, e);
  if (!x)
    return;
  x->access &= ~e->access;
  if (!x->access)
    g_array_remove_index(st->exceptions, (guint)(x - (DevException *)(void *)st->exceptions->data));
}

/* The kernel's devcgroup_update_access, without the parent checks. */
static void apply_rule(DevState *st, const CgfsDeviceRule *r)
{
  if (!r->type || r->type == 'a') {
    st->allow_all = r->allow;
    g_array_set_size(st->exceptions, 0);
    return;
  }
  DevException e = { r->type, r->has_major ? r->major : DEV_ANY,
                     r->has_minor ? r->minor : DEV_ANY, access_bits(r->access[0] ? r->access
                                                                                 : "rwm") };
  if (r->allow == st->allow_all)
    remove_exception(st, &e);
  else
    add_exception(st, &e);
}

static gboolean same_state(DevState *a, DevState *b)
{
  if (a->allow_all != b->allow_all || a->exceptions->len != b->exceptions->len)
    return FALSE;
  for (guint i = 0; i < a->exceptions->len; i++) {
    DevException *x = &g_array_index(a->exceptions, DevException, i);
    DevException *y = find_exception(b, x);
    if (!y || y->access != x->access)
      return FALSE;
  }
  return TRUE;
}

static char *rule_text(const CgfsDeviceRule *r)
{
  if (!r->type || r->type == 'a')
    return g_strdup("a");
  g_autofree char *major = r->has_major ? g_strdup_printf("%" G_GINT64_FORMAT, r->major)
                                        : g_strdup("*");
  g_autofree char *minor = r->has_minor ? g_strdup_printf("%" G_GINT64_FORMAT, r->minor)
                                        : g_strdup("*");
  return g_strdup_printf("%c %s:%s %s", r->type, major, minor, r->access[0] ? r->access : "rwm");
}

/* What re-establishes a deny-all @list: deny all, then allow each line again. */
static GPtrArray *restoring_writes(int fd, const char *list)
{
  GPtrArray *undo = g_ptr_array_new_with_free_func((GDestroyNotify)cgfs_file_write_free);
  g_ptr_array_add(undo, cgfs_file_write_new(fd, "devices.deny", "a"));
  g_auto(GStrv) lines = g_strsplit(list, "\n", -1);
  for (char **l = lines; *l; l++)
    if (**l)
      g_ptr_array_add(undo, cgfs_file_write_new(fd, "devices.allow", *l));
  return undo;
}

/* On an allow-all list the kernel hides its deny exceptions, so the old state cannot be written
 * back whole: each rule is undone by its opposite instead. "allow a" there has none that could
 * be known. */
static GPtrArray *opposite_write(int fd, const CgfsDeviceRule *r)
{
  if ((!r->type || r->type == 'a') && r->allow)
    return NULL;
  GPtrArray *undo = g_ptr_array_new_with_free_func((GDestroyNotify)cgfs_file_write_free);
  g_autofree char *text = rule_text(r);
  g_ptr_array_add(undo, cgfs_file_write_new(fd, r->allow ? "devices.deny" : "devices.allow",
                                            text));
  return undo;
}

static gboolean is_allow_all(const CgfsDeviceRule *r)
{
  return r->allow && (!r->type || r->type == 'a');
}

/* Whether the kernel can take a rule of type "a" here: not while the cgroup has children. */
static gboolean can_reset(int fd, GError **error, gboolean *can)
{
  g_autofree char *child = cgfs_first_subdir_at(fd, error);
  if (!child)
    return FALSE;
  *can = !*child;
  return TRUE;
}

static void state_clear(DevState *st)
{
  g_clear_pointer(&st->exceptions, g_array_unref);
}

static gboolean plan(CgfsPlan *p, const CgfsResources *r, GError **error)
{
  if (r->devices->len == 0)
    return TRUE;
  if (cgfs_plan_version(p) == 2)
    return cgfs_res_devices_plan_v2(p, r->devices, error);
  int fd = cgfs_plan_dir(p, "devices", "devices", error);
  if (fd < 0)
    return FALSE;
  g_autofree char *list = cgfs_plan_read(p, fd, "devices", "devices.list", error);
  if (!list)
    return FALSE;
  DevState old = { 0 }, now = { 0 };
  gboolean parsed = parse_list(list, &old) && parse_list(list, &now);
  for (guint i = 0; parsed && i < r->devices->len; i++)
    apply_rule(&now, &g_array_index(r->devices, CgfsDeviceRule, i));
  /* A deny-all list is compared whole. An allow-all one hides its deny exceptions, so what
   * looks like no change may lift them: its rules are written, in order, as runc, crun and
   * containerd do (an explicit "allow a" is how a user lifts hidden denies). */
  gboolean unchanged = parsed && !old.allow_all && same_state(&old, &now);
  gboolean allow_all = old.allow_all;
  gboolean resettable = TRUE;
  if (parsed && allow_all && !can_reset(fd, error, &resettable)) {
    state_clear(&old);
    state_clear(&now);
    return FALSE;
  }
  state_clear(&old);
  state_clear(&now);
  if (!parsed) {
    cgfs_set_error(error, EBADMSG, "devices: invalid file format: devices.list holds '%s'", list);
    return FALSE;
  }
  for (guint i = 0; i < r->devices->len; i++) {
    const CgfsDeviceRule *rule = &g_array_index(r->devices, CgfsDeviceRule, i);
    g_autofree char *field = g_strdup_printf("devices[%u]", i);
    g_autofree char *text = rule_text(rule);
    GPtrArray *undo = allow_all ? opposite_write(fd, rule) : i == 0 ? restoring_writes(fd, list)
                                                                    : NULL;
    CgfsPlannedWrite *pw = cgfs_plan_write_undo(
        p, fd, field, rule->allow ? "devices.allow" : "devices.deny", text, undo);
    /* With children the kernel refuses "a"; an allow-all list keeps its hidden denies then,
     * and "allow a" there is already what the list shows. */
    pw->skip = unchanged || (allow_all && !resettable && i == 0 && is_allow_all(rule));
  }
  return TRUE;
}

static gboolean read_back(CgfsCgroup *cg, CgfsResources *out, GError **error)
{
  if (cgfs_cgroup_version(cg) == 2) {
    cgfs_res_devices_read_v2(cg, out);
    return TRUE;
  }
  g_autofree char *list = NULL;
  if (!cgfs_res_read_optional(cgfs_res_read_dir(cg, "devices"), "devices.list", &list, error))
    return FALSE;
  if (!list)
    return TRUE;
  DevState st = { 0 };
  if (!parse_list(list, &st)) {
    state_clear(&st);
    cgfs_set_error(error, EBADMSG, "devices.list: invalid file format: '%s'", list);
    return FALSE;
  }
  CgfsDeviceRule all = { .allow = st.allow_all, .type = 'a', .access = "rwm" };
  g_array_append_val(out->devices, all);
  for (guint i = 0; i < st.exceptions->len; i++) {
    const DevException *e = &g_array_index(st.exceptions, DevException, i);
    CgfsDeviceRule rule = { .allow = TRUE, .type = e->type, .has_major = e->major != DEV_ANY,
                            .major = e->major, .has_minor = e->minor != DEV_ANY,
                            .minor = e->minor };
    gsize n = 0;
    for (guint b = 0; b < 3; b++)
      if (e->access & (1u << b))
        rule.access[n++] = "rwm"[b];
    g_array_append_val(out->devices, rule);
  }
  state_clear(&st);
  return TRUE;
}

const CgfsResController cgfs_res_devices = { "devices", plan, read_back };
