/* The systemd manager over D-Bus (GDBus): transient units, jobs, properties.
 *
 * Every call that starts a job subscribes to JobRemoved (from the manager's unique name, so no
 * other client can fake it) and to the manager's NameOwnerChanged before calling, on a main
 * context of its own, then waits there for its job, for systemd to leave the bus, or for the
 * timeout: the daemon's threads can all wait at once. */
#include "config-internal.h"

#include "systemd-private.h"

#define SD_NAME "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

struct _CgfsSystemd {
  GDBusConnection *conn;
  guint timeout_ms;
  char *root;
};

/* ---- errors ---- */

static int errno_of_remote(const char *name)
{
  static const struct {
    const char *suffix;
    int code;
  } names[] = {
    { "systemd1.NoSuchUnit", ENOENT },     { "systemd1.LoadFailed", ENOENT },
    { "systemd1.UnitExists", EEXIST },     { "systemd1.UnitMasked", EPERM },
    { "InteractiveAuthorizationRequired", EACCES },
    { "systemd1.NoSuchProcess", ESRCH },   { "systemd1.TransactionIsDestructive", EBUSY },
    { "systemd1.UnitInactive", ENOENT },   { "systemd1.JobTypeNotApplicable", EINVAL },
  };
  /* sd-bus sends a plain errno as "System.Error.ENAME". */
  static const struct {
    const char *name;
    int code;
  } errnos[] = {
    { "ESRCH", ESRCH },   { "EPERM", EPERM },   { "EACCES", EACCES }, { "EINVAL", EINVAL },
    { "EBUSY", EBUSY },   { "ENOENT", ENOENT }, { "EEXIST", EEXIST }, { "ERANGE", ERANGE },
    { "EOPNOTSUPP", EOPNOTSUPP }, { "ENOMEDIUM", ENOMEDIUM }, { "ENODEV", ENODEV },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
    if (g_str_has_suffix(name, names[i].suffix))
      return names[i].code;
  if (g_str_has_prefix(name, "System.Error."))
    for (gsize i = 0; i < G_N_ELEMENTS(errnos); i++)
      if (strcmp(name + strlen("System.Error."), errnos[i].name) == 0)
        return errnos[i].code;
  return EIO;
}

static int errno_of_dbus(const GError *e)
{
  switch (e->code) {
  case G_DBUS_ERROR_NO_REPLY:
  case G_DBUS_ERROR_SERVICE_UNKNOWN:
  case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
  case G_DBUS_ERROR_DISCONNECTED:
  case G_DBUS_ERROR_NO_SERVER:
    return ENOTCONN;
  case G_DBUS_ERROR_ACCESS_DENIED:
  case G_DBUS_ERROR_AUTH_FAILED:
    return EACCES;
  case G_DBUS_ERROR_INVALID_ARGS:
  case G_DBUS_ERROR_INVALID_SIGNATURE:
    return EINVAL;
  case G_DBUS_ERROR_UNKNOWN_METHOD:
  case G_DBUS_ERROR_UNKNOWN_PROPERTY:
  case G_DBUS_ERROR_UNKNOWN_INTERFACE:
  case G_DBUS_ERROR_UNKNOWN_OBJECT:
  case G_DBUS_ERROR_NOT_SUPPORTED:
  case G_DBUS_ERROR_PROPERTY_READ_ONLY:
    return EOPNOTSUPP;
  case G_DBUS_ERROR_TIMEOUT:
  case G_DBUS_ERROR_TIMED_OUT:
    return ETIMEDOUT;
  case G_DBUS_ERROR_LIMITS_EXCEEDED:
    return EAGAIN;
  default:
    return EIO;
  }
}

static int errno_of(const GError *e)
{
  if (e->domain == G_DBUS_ERROR && e->code != G_DBUS_ERROR_FAILED)
    return errno_of_dbus(e);
  if (g_dbus_error_is_remote_error(e)) {
    g_autofree char *name = g_dbus_error_get_remote_error(e);
    return errno_of_remote(name);
  }
  if (e->domain == G_IO_ERROR) {
    if (e->code == G_IO_ERROR_TIMED_OUT)
      return ETIMEDOUT;
    if (e->code == G_IO_ERROR_CLOSED || e->code == G_IO_ERROR_CONNECTION_CLOSED ||
        e->code == G_IO_ERROR_BROKEN_PIPE)
      return ENOTCONN;
    if (e->code == G_IO_ERROR_NOT_SUPPORTED)
      return EOPNOTSUPP;
  }
  return EIO;
}

/* "systemd: cannot <what>: <systemd's message>" with the errno of the D-Bus error. */
static gboolean set_call_error(GError **error, GError *e, const char *what)
{
  int code = errno_of(e);
  g_dbus_error_strip_remote_error(e);
  if (code == ENOTCONN)
    cgfs_set_error(error, code, "systemd: cannot %s: systemd is not on the bus (%s)", what,
                   e->message);
  else
    cgfs_set_error(error, code, "systemd: cannot %s: %s", what, e->message);
  return FALSE;
}

/* ---- calls ---- */

static GVariant *call(CgfsSystemd *sd, const char *path, const char *iface, const char *method,
                      GVariant *args, const char *reply_type, GError **error)
{
  return g_dbus_connection_call_sync(sd->conn, SD_NAME, path, iface, method, args,
                                     reply_type ? G_VARIANT_TYPE(reply_type) : NULL,
                                     G_DBUS_CALL_FLAGS_NO_AUTO_START, (int)sd->timeout_ms, NULL,
                                     error);
}

static gboolean call_manager(CgfsSystemd *sd, const char *method, GVariant *args,
                             const char *what, GError **error)
{
  g_autoptr(GError) e = NULL;
  g_autoptr(GVariant) reply = call(sd, SD_PATH, SD_MANAGER, method, args, NULL, &e);
  return reply ? TRUE : set_call_error(error, e, what);
}

/* The manager's unique bus name, or NULL (ENOTCONN) when nobody owns org.freedesktop.systemd1. */
static char *manager_owner(CgfsSystemd *sd, GError **error)
{
  g_autoptr(GError) e = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      sd->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "GetNameOwner", g_variant_new("(s)", SD_NAME), G_VARIANT_TYPE("(s)"),
      G_DBUS_CALL_FLAGS_NONE, (int)sd->timeout_ms, NULL, &e);
  if (!reply) {
    cgfs_set_error(error, ENOTCONN, "systemd is not running: no %s on the bus", SD_NAME);
    return NULL;
  }
  char *owner = NULL;
  g_variant_get(reply, "(s)", &owner);
  return owner;
}

/* ---- jobs ---- */

typedef struct {
  GHashTable *results; /* job path -> JobRemoved result */
  gboolean vanished;   /* the manager left the bus */
  gboolean timed_out;
} JobWatch;

static void on_job_removed(GDBusConnection *c, const char *sender, const char *path,
                           const char *iface, const char *signal, GVariant *params, gpointer data)
{
  (void)c, (void)sender, (void)path, (void)iface, (void)signal;
  JobWatch *w = data;
  if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(uoss)")))
    return;
  const char *job, *result;
  g_variant_get(params, "(u&os&s)", NULL, &job, NULL, &result);
  g_hash_table_insert(w->results, g_strdup(job), g_strdup(result));
}

static void on_owner_changed(GDBusConnection *c, const char *sender, const char *path,
                             const char *iface, const char *signal, GVariant *params,
                             gpointer data)
{
  (void)c, (void)sender, (void)path, (void)iface, (void)signal;
  JobWatch *w = data;
  if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(sss)")))
    return;
  const char *name, *new_owner;
  g_variant_get(params, "(&s&s&s)", &name, NULL, &new_owner);
  if (strcmp(name, SD_NAME) == 0 && !*new_owner)
    w->vanished = TRUE;
}

static gboolean on_timeout(gpointer data)
{
  ((JobWatch *)data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static int errno_of_result(const char *result)
{
  if (strcmp(result, "canceled") == 0)
    return ECANCELED;
  if (strcmp(result, "timeout") == 0)
    return ETIMEDOUT;
  return EIO;
}

/* Wait in @ctx for @job's JobRemoved; its result is checked by the caller. */
static const char *wait_job(CgfsSystemd *sd, GMainContext *ctx, JobWatch *w, const char *job)
{
  g_autoptr(GSource) timer = g_timeout_source_new(sd->timeout_ms);
  g_source_set_callback(timer, on_timeout, w, NULL);
  g_source_attach(timer, ctx);
  const char *result;
  while (!(result = g_hash_table_lookup(w->results, job)) && !w->vanished && !w->timed_out)
    g_main_context_iteration(ctx, TRUE);
  g_source_destroy(timer);
  return result;
}

/* Call @method (which returns a job) and wait for the job; @verb and @unit name it in
 * messages ("start unit x.scope"). */
static gboolean run_job(CgfsSystemd *sd, const char *method, GVariant *args, const char *verb,
                        const char *unit, GError **error)
{
  g_autofree char *what = g_strdup_printf("%s unit %s", verb, unit);
  g_autoptr(GVariant) owned_args = g_variant_ref_sink(args);
  g_autofree char *owner = manager_owner(sd, error);
  if (!owner)
    return FALSE;
  g_autoptr(GMainContext) ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  JobWatch w = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free), FALSE, FALSE };
  guint removed = g_dbus_connection_signal_subscribe(
      sd->conn, owner, SD_MANAGER, "JobRemoved", SD_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
      on_job_removed, &w, NULL);
  guint gone = g_dbus_connection_signal_subscribe(
      sd->conn, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
      "/org/freedesktop/DBus", SD_NAME, G_DBUS_SIGNAL_FLAGS_NONE, on_owner_changed, &w, NULL);
  g_autoptr(GError) e = NULL;
  g_autoptr(GVariant) reply = call(sd, SD_PATH, SD_MANAGER, method, owned_args, "(o)", &e);
  gboolean ok = FALSE;
  if (!reply) {
    set_call_error(error, e, what);
  } else {
    const char *job;
    g_variant_get(reply, "(&o)", &job);
    const char *result = wait_job(sd, ctx, &w, job);
    if (result && strcmp(result, "done") == 0)
      ok = TRUE;
    else if (result)
      cgfs_set_error(error, errno_of_result(result),
                     "systemd: cannot %s: the job finished with result '%s'", what, result);
    else if (w.vanished)
      cgfs_set_error(error, ENOTCONN, "systemd: cannot %s: systemd left the bus during the job",
                     what);
    else
      cgfs_set_error(error, ETIMEDOUT, "systemd: cannot %s: no answer within %u ms", what,
                     sd->timeout_ms);
  }
  g_dbus_connection_signal_unsubscribe(sd->conn, removed);
  g_dbus_connection_signal_unsubscribe(sd->conn, gone);
  g_main_context_pop_thread_default(ctx);
  g_hash_table_unref(w.results);
  return ok;
}

gboolean cgfs_systemd_start_transient(CgfsSystemd *sd, const char *unit, GVariant *properties,
                                      GError **error)
{
  GVariant *args = g_variant_new("(ss@a(sv)@a(sa(sv)))", unit, "fail", properties,
                                 g_variant_new_array(G_VARIANT_TYPE("(sa(sv))"), NULL, 0));
  return run_job(sd, "StartTransientUnit", args, "start", unit, error);
}

gboolean cgfs_systemd_stop(CgfsSystemd *sd, const char *unit, GError **error)
{
  return run_job(sd, "StopUnit", g_variant_new("(ss)", unit, "replace"), "stop", unit, error);
}

gboolean cgfs_systemd_attach(CgfsSystemd *sd, const char *unit, pid_t pid, GError **error)
{
  GVariantBuilder pids;
  g_variant_builder_init(&pids, G_VARIANT_TYPE("au"));
  g_variant_builder_add(&pids, "u", (guint32)pid);
  g_autofree char *what = g_strdup_printf("move process %d into unit %s", (int)pid, unit);
  return call_manager(sd, "AttachProcessesToUnit", g_variant_new("(ssau)", unit, "", &pids),
                      what, error);
}

gboolean cgfs_systemd_set_frozen(CgfsSystemd *sd, const char *unit, gboolean frozen,
                                 GError **error)
{
  g_autofree char *what = g_strdup_printf("%s unit %s", frozen ? "freeze" : "thaw", unit);
  return call_manager(sd, frozen ? "FreezeUnit" : "ThawUnit", g_variant_new("(s)", unit), what,
                      error);
}

gboolean cgfs_systemd_set_properties(CgfsSystemd *sd, const char *unit, GVariant *properties,
                                     GError **error)
{
  g_autofree char *what = g_strdup_printf("set the properties of unit %s", unit);
  return call_manager(sd, "SetUnitProperties",
                      g_variant_new("(sb@a(sv))", unit, TRUE, properties), what, error);
}

/* ---- properties ---- */

static const char *type_interface(const char *unit)
{
  static const char *const types[][2] = {
    { ".slice", "org.freedesktop.systemd1.Slice" },
    { ".scope", "org.freedesktop.systemd1.Scope" },
    { ".service", "org.freedesktop.systemd1.Service" },
    { ".socket", "org.freedesktop.systemd1.Socket" },
    { ".mount", "org.freedesktop.systemd1.Mount" },
    { ".swap", "org.freedesktop.systemd1.Swap" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(types); i++)
    if (g_str_has_suffix(unit, types[i][0]))
      return types[i][1];
  return "org.freedesktop.systemd1.Unit";
}

static char *unit_object(CgfsSystemd *sd, const char *unit, GError **error)
{
  g_autoptr(GError) e = NULL;
  g_autoptr(GVariant) reply = call(sd, SD_PATH, SD_MANAGER, "GetUnit",
                                   g_variant_new("(s)", unit), "(o)", &e);
  if (!reply) {
    g_autofree char *what = g_strdup_printf("find unit %s", unit);
    set_call_error(error, e, what);
    return NULL;
  }
  char *path;
  g_variant_get(reply, "(o)", &path);
  return path;
}

static GVariant *get_on(CgfsSystemd *sd, const char *unit, const char *iface, const char *name,
                        GError **error)
{
  g_autofree char *path = unit_object(sd, unit, error);
  if (!path)
    return NULL;
  g_autoptr(GError) e = NULL;
  g_autoptr(GVariant) reply = call(sd, path, "org.freedesktop.DBus.Properties", "Get",
                                   g_variant_new("(ss)", iface, name), "(v)", &e);
  if (!reply) {
    g_autofree char *what = g_strdup_printf("read property %s of unit %s", name, unit);
    set_call_error(error, e, what);
    return NULL;
  }
  GVariant *value;
  g_variant_get(reply, "(v)", &value);
  return value;
}

GVariant *cgfs_systemd_get_property(CgfsSystemd *sd, const char *unit, const char *name,
                                    GError **error)
{
  return get_on(sd, unit, type_interface(unit), name, error);
}

gboolean cgfs_systemd_unit_active(CgfsSystemd *sd, const char *unit, GError **error)
{
  g_autoptr(GVariant) state =
      get_on(sd, unit, "org.freedesktop.systemd1.Unit", "ActiveState", error);
  if (!state || !g_variant_is_of_type(state, G_VARIANT_TYPE_STRING))
    return FALSE;
  const char *s = g_variant_get_string(state, NULL);
  return strcmp(s, "active") == 0 || strcmp(s, "activating") == 0 || strcmp(s, "reloading") == 0;
}

/* ---- the connection ---- */

static GDBusConnection *open_bus(const char *bus_address, GError **error)
{
  g_autoptr(GError) e = NULL;
  g_autofree char *system = NULL;
  if (!bus_address) {
    system = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SYSTEM, NULL, &e);
    if (!system) {
      cgfs_set_error(error, ENOTCONN, "systemd: no system bus: %s", e->message);
      return NULL;
    }
    bus_address = system;
  }
  GDBusConnection *conn = g_dbus_connection_new_for_address_sync(
      bus_address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
          G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &e);
  if (!conn)
    cgfs_set_error(error, ENOTCONN, "systemd: cannot connect to the bus at %s: %s", bus_address,
                   e->message);
  return conn;
}

/* The root slice's ControlGroup: "" or "/" for the system manager, the user manager's own
 * cgroup for `systemd --user`. */
static char *read_root(CgfsSystemd *sd)
{
  g_autoptr(GVariant) cg = cgfs_systemd_get_property(sd, "-.slice", "ControlGroup", NULL);
  if (!cg || !g_variant_is_of_type(cg, G_VARIANT_TYPE_STRING))
    return g_strdup("/");
  const char *s = g_variant_get_string(cg, NULL);
  if (!*s || strcmp(s, "/") == 0)
    return g_strdup("/");
  return g_strdup(s);
}

CgfsSystemd *cgfs_systemd_connect(const char *bus_address, GError **error)
{
  g_autoptr(CgfsSystemd) sd = g_new0(CgfsSystemd, 1);
  sd->timeout_ms = CGFS_SYSTEMD_DEFAULT_TIMEOUT_MS;
  sd->conn = open_bus(bus_address, error);
  if (!sd->conn)
    return NULL;
  g_autofree char *owner = manager_owner(sd, error);
  if (!owner)
    return NULL;
  /* Job signals are only sent once a client subscribed; a manager without Subscribe sends them
   * anyway. */
  GVariant *subscribed = call(sd, SD_PATH, SD_MANAGER, "Subscribe", NULL, NULL, NULL);
  if (subscribed)
    g_variant_unref(subscribed);
  sd->root = read_root(sd);
  return g_steal_pointer(&sd);
}

void cgfs_systemd_free(CgfsSystemd *sd)
{
  if (!sd)
    return;
  if (sd->conn) {
    g_dbus_connection_close_sync(sd->conn, NULL, NULL);
    g_object_unref(sd->conn);
  }
  g_free(sd->root);
  g_free(sd);
}

void cgfs_systemd_set_timeout(CgfsSystemd *sd, guint timeout_ms)
{
  sd->timeout_ms = timeout_ms ? timeout_ms : CGFS_SYSTEMD_DEFAULT_TIMEOUT_MS;
}

const char *cgfs_systemd_root(const CgfsSystemd *sd)
{
  return sd->root;
}
