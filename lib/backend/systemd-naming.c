/* systemd's unit naming in cgroup paths: slices nested by name ("a-b.slice" in "a.slice"),
 * scopes in slices, plain cgroups below delegated units. */
#include "config-internal.h"

#include "path.h"
#include "systemd-private.h"

CgfsUnitKind cgfs_systemd_unit_kind(const char *name)
{
  static const char *const others[] = { ".service", ".socket", ".mount", ".swap" };
  if (g_str_has_suffix(name, ".slice") && strlen(name) > strlen(".slice"))
    return CGFS_UNIT_SLICE;
  if (g_str_has_suffix(name, ".scope") && strlen(name) > strlen(".scope"))
    return CGFS_UNIT_SCOPE;
  for (gsize i = 0; i < G_N_ELEMENTS(others); i++)
    if (g_str_has_suffix(name, others[i]) && strlen(name) > strlen(others[i]))
      return CGFS_UNIT_OTHER;
  return CGFS_UNIT_NONE;
}

/* What systemd accepts in a unit name: [A-Za-z0-9:_.\-] and '\', at most 255 bytes. */
static gboolean valid_unit_chars(const char *name)
{
  if (strlen(name) > 255)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum(*p) && !strchr(":_.-\\@", *p))
      return FALSE;
  return TRUE;
}

static gboolean bad_slice(const char *slice, const char *why, GError **error)
{
  cgfs_set_error(error, EINVAL, "invalid slice name '%s': %s", slice, why);
  return FALSE;
}

/* Check @slice against systemd's rules; its prefix without ".slice" in *@stem. */
static gboolean slice_stem(const char *slice, char **stem, GError **error)
{
  if (cgfs_systemd_unit_kind(slice) != CGFS_UNIT_SLICE)
    return bad_slice(slice, "a slice name ends with .slice", error);
  if (strchr(slice, '/') || !valid_unit_chars(slice))
    return bad_slice(slice, "only letters, digits and :_.-\\ are allowed", error);
  g_autofree char *s = g_strndup(slice, strlen(slice) - strlen(".slice"));
  if (strcmp(s, "-") != 0 &&
      (s[0] == '-' || s[strlen(s) - 1] == '-' || strstr(s, "--")))
    return bad_slice(slice, "'-' separates parent slices and cannot start, end or double",
                     error);
  if (strchr(s, '@'))
    return bad_slice(slice, "a slice cannot be a template instance", error);
  *stem = g_steal_pointer(&s);
  return TRUE;
}

char *cgfs_systemd_expand_slice(const char *slice, GError **error)
{
  g_autofree char *stem = NULL;
  if (!slice_stem(slice, &stem, error))
    return NULL;
  if (strcmp(stem, "-") == 0)
    return g_strdup("/");
  GString *path = g_string_new(NULL);
  g_auto(GStrv) parts = g_strsplit(stem, "-", -1);
  g_autoptr(GString) prefix = g_string_new(NULL);
  for (char **p = parts; *p; p++) {
    g_string_append_printf(path, "/%s%s.slice", prefix->str, *p);
    g_string_append_printf(prefix, "%s-", *p);
  }
  return g_string_free(path, FALSE);
}

/* @name as a unit in @parent_stem's slice: "b.slice" in "a" -> "a-b.slice". */
static char *child_unit_name(const char *parent_stem, const char *name)
{
  CgfsUnitKind kind = cgfs_systemd_unit_kind(name);
  if (kind == CGFS_UNIT_NONE)
    return g_strconcat(name, ".scope", NULL);
  if (kind != CGFS_UNIT_SLICE || strcmp(parent_stem, "-") == 0)
    return g_strdup(name);
  g_autofree char *prefix = g_strconcat(parent_stem, "-", NULL);
  if (g_str_has_prefix(name, prefix))
    return g_strdup(name);
  return g_strconcat(prefix, name, NULL);
}

char *cgfs_systemd_slice_path(const char *parent, const char *name, GError **error)
{
  if (!parent || !*parent)
    parent = "-.slice";
  g_autofree char *stem = NULL;
  g_autofree char *dir = cgfs_systemd_expand_slice(parent, error);
  if (!dir || !slice_stem(parent, &stem, error))
    return NULL;
  g_autofree char *unit = child_unit_name(stem, name);
  g_autofree char *path = cgfs_path_child(dir, unit);
  if (!cgfs_systemd_path_validate(path, error))
    return NULL;
  return g_steal_pointer(&path);
}

char *cgfs_systemd_path_unit(const char *path)
{
  const char *last = strrchr(path, '/');
  last = last ? last + 1 : path;
  if (!*last)
    return g_strdup("-.slice");
  return cgfs_systemd_unit_kind(last) == CGFS_UNIT_NONE ? NULL : g_strdup(last);
}

static gboolean bad_path(const char *path, const char *component, const char *why,
                         GError **error)
{
  cgfs_set_error(error, EINVAL, "invalid systemd cgroup path '%s': '%s' %s", path, component,
                 why);
  return FALSE;
}

/* One component of a path in a slice (@enclosing: the stem of the enclosing slice, "-" at the top). */
static gboolean check_in_slice(const char *path, const char *c, const char *enclosing,
                               GError **error)
{
  CgfsUnitKind kind = cgfs_systemd_unit_kind(c);
  if (kind == CGFS_UNIT_NONE)
    return bad_path(path, c, "is no unit: a slice holds only units (NAME.slice, NAME.scope)",
                    error);
  if (!valid_unit_chars(c))
    return bad_path(path, c, "is no valid unit name", error);
  if (kind != CGFS_UNIT_SLICE)
    return TRUE;
  g_autofree char *stem = NULL;
  if (!slice_stem(c, &stem, error))
    return FALSE;
  g_autofree char *expected = strcmp(enclosing, "-") == 0 ? NULL
                                                            : g_strconcat(enclosing, "-", NULL);
  const char *rest = expected && g_str_has_prefix(stem, expected) ? stem + strlen(expected)
                                                                  : expected ? NULL : stem;
  if (!rest || !*rest || strchr(rest, '-')) {
    g_autofree char *why = expected ? g_strdup_printf("does not belong in this slice: its name "
                                                      "must be %sNAME.slice", expected)
                                    : g_strdup("cannot be at the top: it names a parent slice");
    return bad_path(path, c, why, error);
  }
  return TRUE;
}

gboolean cgfs_systemd_path_validate(const char *path, GError **error)
{
  if (!cgfs_path_validate(path, error))
    return FALSE;
  g_auto(GStrv) parts = g_strsplit(path + 1, "/", -1);
  g_autofree char *slice_stem_now = g_strdup("-");
  gboolean in_unit = FALSE; /* below a scope or service: plain cgroups */
  for (char **p = parts; *p && **p; p++) {
    if (in_unit) {
      if (cgfs_systemd_unit_kind(*p) == CGFS_UNIT_SLICE)
        return bad_path(path, *p, "cannot be below a scope or service", error);
      continue;
    }
    if (!check_in_slice(path, *p, slice_stem_now, error))
      return FALSE;
    if (cgfs_systemd_unit_kind(*p) == CGFS_UNIT_SLICE) {
      g_free(slice_stem_now);
      slice_stem_now = g_strndup(*p, strlen(*p) - strlen(".slice"));
    } else {
      in_unit = TRUE;
    }
  }
  return TRUE;
}

char *cgfs_systemd_parent_slice(const char *path)
{
  g_autofree char *dir = g_path_get_dirname(path);
  const char *last = strrchr(dir, '/');
  last = last ? last + 1 : dir;
  return g_strdup(*last ? last : "-.slice");
}
