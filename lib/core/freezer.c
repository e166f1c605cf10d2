/* The freezer: v1 freezer.state, v2 cgroup.freeze and cgroup.events. */
#include "config-internal.h"

#include <poll.h>

#include "backend.h"
#include "fileio.h"

static CgfsState parse_v1_state(const char *s)
{
  if (strcmp(s, "THAWED") == 0)
    return CGFS_STATE_THAWED;
  if (strcmp(s, "FREEZING") == 0)
    return CGFS_STATE_FREEZING;
  if (strcmp(s, "FROZEN") == 0)
    return CGFS_STATE_FROZEN;
  return CGFS_STATE_UNKNOWN;
}

CgfsState cgfs_freezer_v1_state(int fd, GError **error)
{
  g_autofree char *line = cgfs_read_line_at(fd, "freezer.state", error);
  if (!line)
    return CGFS_STATE_UNKNOWN;
  CgfsState st = parse_v1_state(line);
  if (st == CGFS_STATE_UNKNOWN)
    cgfs_set_error(error, EBADMSG, "freezer.state: invalid file format: '%s'", line);
  return st;
}

static gboolean v1_parent_frozen(int fd)
{
  g_autofree char *line = cgfs_read_line_at(fd, "freezer.parent_freezing", NULL);
  return line && strcmp(line, "1") == 0;
}

gboolean cgfs_freezer_v1_set(int fd, const char *dir, gboolean frozen, guint timeout_ms,
                             GError **error)
{
  const char *want = frozen ? "FROZEN" : "THAWED";
  if (!frozen && v1_parent_frozen(fd)) {
    cgfs_set_error(error, EBUSY, "cannot thaw %s: an ancestor cgroup is frozen", dir);
    return FALSE;
  }
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  for (guint attempt = 0;; attempt++) {
    /* Writing FROZEN again makes the kernel retry tasks that could not be frozen yet. */
    if (!cgfs_write_at(fd, "freezer.state", want, error))
      return FALSE;
    CgfsState st = cgfs_freezer_v1_state(fd, error);
    if (st == CGFS_STATE_UNKNOWN)
      return FALSE;
    if (st == (frozen ? CGFS_STATE_FROZEN : CGFS_STATE_THAWED))
      return TRUE;
    if (g_get_monotonic_time() > deadline) {
      if (frozen)
        cgfs_write_at(fd, "freezer.state", "THAWED", NULL);
      cgfs_set_error(error, ETIMEDOUT, "%s did not become %s within %u ms%s", dir, want,
                     timeout_ms, frozen ? "; thawed it again" : "");
      return FALSE;
    }
    cgfs_backoff_sleep(attempt);
  }
}

/* The value of @key in a "key value" per line file, or NULL. */
static const char *find_key(const char *text, const char *key, gsize *len)
{
  gsize klen = strlen(key);
  const char *p = text;
  while (p && *p) {
    if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
      const char *v = p + klen + 1;
      *len = strcspn(v, "\n");
      return v;
    }
    p = strchr(p, '\n');
    if (p)
      p++;
  }
  return NULL;
}

static gboolean events_match(int efd, const char *key, const char *value, gboolean *match,
                             GError **error)
{
  char buf[CGFS_SMALL_FILE_SIZE];
  if (lseek(efd, 0, SEEK_SET) < 0)
    return cgfs_set_errno(error, "cannot rewind cgroup.events");
  ssize_t n = read(efd, buf, sizeof buf - 1);
  if (n < 0)
    return cgfs_set_errno(error, "cannot read cgroup.events");
  buf[n] = '\0';
  gsize len = 0;
  const char *v = find_key(buf, key, &len);
  *match = v && len == strlen(value) && strncmp(v, value, len) == 0;
  return TRUE;
}

gboolean cgfs_events_wait(int fd, const char *key, const char *value, guint timeout_ms,
                          GError **error)
{
  cgfs_autofd efd = openat(fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  if (efd < 0)
    return cgfs_set_errno(error, "cannot open cgroup.events");
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  for (;;) {
    gboolean match = FALSE;
    if (!events_match(efd, key, value, &match, error))
      return FALSE;
    if (match)
      return TRUE;
    gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
    if (left_ms <= 0) {
      cgfs_set_error(error, ETIMEDOUT, "cgroup.events did not show '%s %s' within %u ms", key,
                     value, timeout_ms);
      return FALSE;
    }
    /* kernfs wakes pollers with POLLPRI|POLLERR on every change of cgroup.events. */
    struct pollfd pfd = { .fd = efd, .events = POLLPRI };
    if (poll(&pfd, 1, (int)MIN(left_ms, 100)) < 0 && errno != EINTR)
      return cgfs_set_errno(error, "cannot poll cgroup.events");
  }
}

static gboolean v2_events_value(int fd, const char *key, char *out, gsize size)
{
  char buf[CGFS_SMALL_FILE_SIZE];
  if (cgfs_read_at(fd, "cgroup.events", buf, sizeof buf, NULL) < 0)
    return FALSE;
  gsize len = 0;
  const char *v = find_key(buf, key, &len);
  if (!v || len >= size)
    return FALSE;
  memcpy(out, v, len);
  out[len] = '\0';
  return TRUE;
}

CgfsState cgfs_freezer_v2_state(int fd, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *want = cgfs_read_line_at(fd, "cgroup.freeze", &local);
  if (!want && local->code == ENOENT && cgfs_exists_at(fd, "cgroup.procs"))
    return CGFS_STATE_THAWED; /* the root cgroup cannot be frozen */
  if (!want) {
    g_propagate_error(error, g_steal_pointer(&local));
    return CGFS_STATE_UNKNOWN;
  }
  char frozen[8];
  if (!v2_events_value(fd, "frozen", frozen, sizeof frozen)) {
    cgfs_set_error(error, EBADMSG, "cgroup.events: invalid file format: no 'frozen' line");
    return CGFS_STATE_UNKNOWN;
  }
  if (strcmp(frozen, "1") == 0)
    return CGFS_STATE_FROZEN;
  return strcmp(want, "1") == 0 ? CGFS_STATE_FREEZING : CGFS_STATE_THAWED;
}

/* Whether an ancestor below the mount has cgroup.freeze = 1 (then nothing below can thaw). */
static gboolean v2_ancestor_frozen(int fd)
{
  cgfs_autofd cur = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
  while (cur >= 0) {
    g_autofree char *v = cgfs_read_line_at(cur, "cgroup.freeze", NULL);
    if (!v)
      return FALSE;
    if (strcmp(v, "1") == 0)
      return TRUE;
    int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    cgfs_close_fd(&cur);
    cur = up;
  }
  return FALSE;
}

gboolean cgfs_freezer_v2_set(int fd, const char *dir, gboolean frozen, GError **error)
{
  if (!cgfs_exists_at(fd, "cgroup.freeze")) {
    cgfs_set_error(error, EOPNOTSUPP, "freezer not supported for %s: no cgroup.freeze (the root "
                   "cgroup cannot be frozen)", dir);
    return FALSE;
  }
  if (!frozen && v2_ancestor_frozen(fd)) {
    cgfs_set_error(error, EBUSY, "cannot thaw %s: an ancestor cgroup is frozen", dir);
    return FALSE;
  }
  if (!cgfs_write_at(fd, "cgroup.freeze", frozen ? "1" : "0", error))
    return FALSE;
  g_autoptr(GError) local = NULL;
  if (cgfs_events_wait(fd, "frozen", frozen ? "1" : "0", CGFS_FREEZE_TIMEOUT_MS, &local))
    return TRUE;
  if (frozen)
    cgfs_write_at(fd, "cgroup.freeze", "0", NULL);
  cgfs_set_error(error, local->code, "cannot %s %s: %s%s", frozen ? "freeze" : "thaw", dir,
                 local->message, frozen ? "; thawed it again" : "");
  return FALSE;
}
