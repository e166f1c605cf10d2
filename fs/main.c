/* cgfs: cgroups as a file tree. Options, start-up, the FUSE loop. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fs.h"
#include "recovery.h"
#include "takeover.h"

#include <fuse_lowlevel.h>

/* What the command line asks of cgfs itself (the rest goes to libfuse). */
typedef struct {
  char *root;
  char *hierarchy;
  char *pidfile;
  char *fd_cache;   /* the descriptors the cache may keep (--fd-cache N) */
  char *state_dir;
  char *source;     /* mount(8)'s device argument ("cgfs" in fstab), shown as the fsname */
  char *mountpoint;
  int n_positional;
  gboolean help;
  gboolean version;
} Options;

/* The daemon's options that take a value. Each is accepted as --NAME=VALUE, --NAME VALUE and
 * -o NAME=VALUE (the form mount(8) and fstab pass). Add a line here for a new one. */
typedef struct {
  const char *name;
  gsize offset; /* of its char * in Options */
  const char *metavar;
  const char *help;
} ValueOption;

static const ValueOption value_options[] = {
  { "root", G_STRUCT_OFFSET(Options, root), "PATH",
    "the cgroup shown as the mount's root (default /);\n"
    "nothing above it is reachable" },
  { "hierarchy", G_STRUCT_OFFSET(Options, hierarchy), "v1|v2|auto|systemd",
    "the cgroup hierarchy to show (default auto: v2 on a\n"
    "unified machine, every v1 hierarchy otherwise;\n"
    "systemd: cgroups are units of the system's systemd,\n"
    "--root may name a slice, e.g. --root my.slice)" },
  { "pidfile", G_STRUCT_OFFSET(Options, pidfile), "FILE",
    "write the serving process's pid to FILE (removed at exit)" },
  { "fd-cache", G_STRUCT_OFFSET(Options, fd_cache), "N",
    "keep up to N kernel descriptors open for the cgroups\n"
    "asked about most recently (default 4096; 0: none)" },
  { "state-dir", G_STRUCT_OFFSET(Options, state_dir), "DIR",
    "the journal of updates in flight, undone after a crash\n"
    "(default " CGFS_DEFAULT_STATE_DIR "; empty: none)" },
};

/* The same options in fuse_opt's form, for -o NAME=VALUE; the key is the index in
 * value_options. Long options are taken apart before fuse_opt sees them (normalize_args). */
static const struct fuse_opt option_spec[] = {
  FUSE_OPT_KEY("root=", 0),
  FUSE_OPT_KEY("hierarchy=", 1),
  FUSE_OPT_KEY("pidfile=", 2),
  FUSE_OPT_KEY("fd-cache=", 3),
  FUSE_OPT_KEY("state-dir=", 4),
  FUSE_OPT_END,
};
G_STATIC_ASSERT(G_N_ELEMENTS(option_spec) == G_N_ELEMENTS(value_options) + 1);

static void set_value_option(Options *o, const ValueOption *v, const char *value)
{
  char **field = G_STRUCT_MEMBER_P(o, v->offset);
  g_free(*field);
  *field = g_strdup(value);
}

static const ValueOption *find_value_option(const char *name, gsize len)
{
  for (gsize i = 0; i < G_N_ELEMENTS(value_options); i++)
    if (strlen(value_options[i].name) == len && strncmp(value_options[i].name, name, len) == 0)
      return &value_options[i];
  return NULL;
}

/* fuse_opt's callback: -o NAME=VALUE of ours, and the positional arguments (taken here, as
 * libfuse accepts only one: mount(8) passes the device first, then the mount point). */
static int option_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
  Options *o = data;
  if (key == FUSE_OPT_KEY_NONOPT) {
    o->n_positional++;
    g_free(o->source);
    o->source = o->mountpoint;
    o->mountpoint = g_strdup(arg);
    return 0;
  }
  if (key >= 0 && (gsize)key < G_N_ELEMENTS(value_options)) {
    set_value_option(o, &value_options[key], strchr(arg, '=') + 1);
    return 0;
  }
  /* Owners and modes shown are the kernel's, and the kernel checks them (default_permissions,
   * always on): these would show and check others (docs/security.md). */
  static const char *const refused[] = { "uid=", "gid=", "umask=", NULL };
  for (const char *const *r = refused; key == FUSE_OPT_KEY_OPT && *r; r++) {
    if (g_str_has_prefix(arg, *r)) {
      fprintf(stderr, "cgfs: -o %s: refused: owners and modes are the kernel's cgroup files'\n",
              arg);
      return -1;
    }
  }
  return 1; /* libfuse's */
}

/* Take cgfs's own long options (--NAME=VALUE, --NAME VALUE, -h, -V) out of argv, and turn
 * --debug into libfuse's -d (which also keeps the daemon in the foreground). Everything else
 * is kept in order for fuse_opt. FALSE with a message on stderr for a value missing. */
static gboolean normalize_args(int argc, char **argv, Options *o, struct fuse_args *out)
{
  fuse_opt_add_arg(out, argv[0]);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0 || strcmp(a, "-o") == 0) { /* copied with what follows */
      fuse_opt_add_arg(out, a);
      if (i + 1 < argc)
        fuse_opt_add_arg(out, argv[++i]);
      if (strcmp(a, "--") == 0)
        for (i++; i < argc; i++)
          fuse_opt_add_arg(out, argv[i]);
      continue;
    }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      o->help = TRUE;
      continue;
    }
    if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
      o->version = TRUE;
      continue;
    }
    if (strcmp(a, "--debug") == 0) {
      fuse_opt_add_arg(out, "-d");
      continue;
    }
    if (!g_str_has_prefix(a, "--")) {
      fuse_opt_add_arg(out, a);
      continue;
    }
    const char *eq = strchr(a + 2, '=');
    const ValueOption *v = find_value_option(a + 2, eq ? (gsize)(eq - a - 2) : strlen(a + 2));
    if (!v) {
      fuse_opt_add_arg(out, a); /* libfuse's, or an error from it */
      continue;
    }
    if (!eq && i + 1 >= argc) {
      fprintf(stderr, "%s: option --%s needs a value (%s)\n", argv[0], v->name, v->metavar);
      return FALSE;
    }
    set_value_option(o, v, eq ? eq + 1 : argv[++i]);
  }
  return TRUE;
}

static void options_clear(Options *o)
{
  for (gsize i = 0; i < G_N_ELEMENTS(value_options); i++)
    g_clear_pointer((char **)G_STRUCT_MEMBER_P(o, value_options[i].offset), g_free);
  g_clear_pointer(&o->source, g_free);
  g_clear_pointer(&o->mountpoint, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Options, options_clear)

/* Only what makes sense for cgfs: libfuse's own lists offer caching and inode options that
 * cgfs sets itself, and -h/-V a second time. */
static void usage(const char *prog)
{
  printf("usage: %s [options] MOUNTPOINT\n"
         "       mount -t fuse.cgfs cgfs MOUNTPOINT -o OPTION[,OPTION...]\n\n"
         "Mount the machine's cgroups as a file tree: every directory is a cgroup.\n\n"
         "cgfs options (each also as -o NAME=VALUE, as mount(8) and fstab give them):\n",
         prog);
  for (gsize i = 0; i < G_N_ELEMENTS(value_options); i++) {
    const ValueOption *v = &value_options[i];
    g_autofree char *form = g_strdup_printf("--%s=%s", v->name, v->metavar);
    g_auto(GStrv) lines = g_strsplit(v->help, "\n", -1);
    if (strlen(form) > 26) /* the help starts on the next line */
      printf("    %s\n", form);
    for (guint l = 0; lines[l]; l++)
      printf("    %-26s %s\n", l == 0 && strlen(form) <= 26 ? form : "", lines[l]);
  }
  printf("    -f                         stay in the foreground, log to stderr\n"
         "    -d, --debug                foreground, with FUSE's request trace and debug messages\n"
         "    -s                         serve requests in one thread\n"
         "    -h, --help                 this help\n"
         "    -V, --version              the versions of cgfs and libfuse\n\n"
         "FUSE options (-o):\n"
         "    -o allow_other             let other users in (the nodes' modes then decide)\n"
         "    -o allow_root              let root in, besides the user who mounted\n"
         "    -o auto_unmount            unmount when the daemon ends, even if it crashes\n"
         "                               (on by default where fusermount3 is installed)\n"
         "    -o ro                      a read-only mount\n"
         "    -o clone_fd                one /dev/fuse descriptor per thread\n"
         "    -o max_threads=N           at most N threads (default 10)\n"
         "    -o max_idle_threads=N      at most N idle threads\n");
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
  FsDaemon *d = fuse_get_context()->private_data;
  /* O_TRUNC comes with open(), which ignores it, instead of as a separate truncate request. */
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
    conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  /* The kernel sends release (the end of every open file) as a background request, and lets
   * only max_background of those (default 12) wait for the daemon at once: behind busy
   * workers, closed files piled up in its queue. Everything here is quick to release. */
  conn->max_background = FS_MAX_BACKGROUND;
  conn->congestion_threshold = FS_MAX_BACKGROUND * 3 / 4;
  cfg->use_ino = 0;
  cfg->direct_io = 1;
  cfg->entry_timeout = 1.0;
  cfg->attr_timeout = 1.0;
  cfg->negative_timeout = 0;
  /* No path worked out for a request on an open file (write, flush, release, read, poll,
   * readdir): the file knows its own (fs_request_path). Two to three path walks, their
   * allocations and the tree lock less per limits write. */
  cfg->nullpath_ok = 1;
  g_autoptr(GError) error = NULL;
  d->watcher = fs_watcher_new(&error);
  if (!d->watcher)
    g_warning("poll() on events will fail: %s", error->message);
  return d;
}

static void fs_destroy(void *private_data)
{
  FsDaemon *d = private_data;
  g_clear_pointer(&d->watcher, fs_watcher_free);
}

static const struct fuse_operations cgfs_operations = {
  .init = fs_init,
  .destroy = fs_destroy,
  .getattr = fs_getattr,
  .readdir = fs_readdir,
  .opendir = fs_opendir,
  .releasedir = fs_releasedir,
  .mkdir = fs_mkdir,
  .rmdir = fs_rmdir,
  .open = fs_open,
  .read = fs_read,
  .write = fs_write,
  .flush = fs_flush,
  .release = fs_release,
  .truncate = fs_truncate,
  .poll = fs_poll,
  .create = fs_refuse_create,
  .mknod = fs_refuse_mknod,
  .symlink = fs_refuse_symlink,
  .link = fs_refuse_link,
  .rename = fs_refuse_rename,
  .unlink = fs_refuse_unlink,
  .chmod = fs_chmod,
  .chown = fs_chown,
  .readlink = fs_readlink,
  .utimens = fs_utimens,
};

static void daemon_free(FsDaemon *d)
{
  if (!d)
    return;
  fs_watcher_free(d->watcher);
  fs_last_errors_free(d->errors);
  cgfs_cache_free(d->cache);
  fs_fair_share_free(d->share);
  fs_cgroupns_free(d->cgroupns);
  g_free(d->root);
  if (d->h)
    cgfs_hierarchy_unref(d->h);
  if (d->sys)
    cgfs_system_unref(d->sys);
  g_free(d);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FsDaemon, daemon_free)

/* Descriptors the cache may keep by default (docs/tree.md, "Descriptors and memory"). */
#define FS_FD_CACHE_DEFAULT 4096u

/* --fd-cache, at most half of the open files limit @nofile: the rest is for requests in flight,
 * FUSE and pollers (docs/tree.md, "Limits"). */
static gboolean cache_size(const char *option, guint64 nofile, guint *out, GError **error)
{
  guint64 wanted = FS_FD_CACHE_DEFAULT;
  if (option && !g_ascii_string_to_unsigned(option, 10, 0, G_MAXINT / 2, &wanted, NULL)) {
    g_set_error(error, CGFS_ERROR, EINVAL, "--fd-cache: '%s' is not a number of descriptors",
                option);
    return FALSE;
  }
  if (wanted > nofile / 2) {
    g_message("--fd-cache %" G_GUINT64_FORMAT " lowered to %" G_GUINT64_FORMAT
              ": the open files limit is %" G_GUINT64_FORMAT, wanted, nofile / 2, nofile);
    wanted = nofile / 2;
  }
  *out = (guint)wanted;
  return TRUE;
}

/* Find the hierarchy and check the root cgroup, before anything is mounted. */
static FsDaemon *daemon_new(const Options *o, guint64 nofile, GError **error)
{
  guint fd_cache;
  if (!cache_size(o->fd_cache, nofile, &fd_cache, error))
    return NULL;
  g_autoptr(FsDaemon) d = g_new0(FsDaemon, 1);
  d->euid = geteuid();
  d->cap_perm = fs_caller_daemon_caps();
  d->dac_override = fs_caller_daemon_overrides_dac();
  d->sys = cgfs_system_new(error);
  if (!d->sys)
    return NULL;
  d->h = cgfs_hierarchy_from_string(d->sys, o->hierarchy ? o->hierarchy : "auto", error);
  if (!d->h)
    return NULL;
  if (cgfs_hierarchy_is_systemd(d->h) && o->root && o->root[0] != '/')
    d->root = cgfs_systemd_expand_slice(o->root, error); /* "a-b.slice" */
  else
    d->root = g_strdup(o->root ? o->root : "/");
  if (!d->root)
    return NULL;
  if (strlen(d->root) > 1 && g_str_has_suffix(d->root, "/"))
    d->root[strlen(d->root) - 1] = '\0';
  g_autoptr(CgfsCgroup) root = cgfs_cgroup_load(d->h, CGFS_STATIC_PATH(d->root), error);
  if (!root) {
    g_prefix_error(error, "--root %s: ", d->root);
    return NULL;
  }
  d->errors = fs_last_errors_new();
  d->cache = cgfs_cache_new(d->h, fd_cache);
  cgfs_cache_set_access_check(d->cache, fs_cache_may_read, d);
  cgfs_cache_set_overrides_check(d->cache, fs_thread_overrides_dac, d);
  d->share = fs_fair_share_new(nofile - fd_cache); /* pollers share what the cache leaves */
  d->cgroupns = fs_cgroupns_new();
  return g_steal_pointer(&d);
}

static int run(struct fuse *fuse, const struct fuse_cmdline_opts *cmd)
{
  if (cmd->singlethread)
    return fuse_loop(fuse);
  struct fuse_loop_config *cfg = fuse_loop_cfg_create();
  fuse_loop_cfg_set_clone_fd(cfg, (unsigned)cmd->clone_fd);
  fuse_loop_cfg_set_max_threads(cfg, cmd->max_threads);
  if (cmd->max_idle_threads != UINT_MAX) /* UINT_MAX: not given */
    fuse_loop_cfg_set_idle_threads(cfg, cmd->max_idle_threads);
  int r = fuse_loop_mt(fuse, cfg);
  fuse_loop_cfg_destroy(cfg);
  return r;
}

/* The pid of the process that serves, once detached; removed at exit if it is still ours. */
static gboolean write_pidfile(const char *path, GError **error)
{
  g_autofree char *pid = g_strdup_printf("%d\n", (int)getpid());
  return g_file_set_contents(path, pid, -1, error);
}

static void remove_pidfile(const char *path)
{
  g_autofree char *content = NULL;
  if (g_file_get_contents(path, &content, NULL, NULL) && atoi(content) == (int)getpid())
    unlink(path);
}

/* Stdio on /dev/null, as fuse_daemonize() leaves a detached daemon (the log keeps its own copy
 * of stderr where it writes there). */
static void stdio_to_null(void)
{
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0)
    return;
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
    dup2(null, fd);
  if (null > STDERR_FILENO)
    close(null);
}

/* In the foreground: the pid file only. Otherwise detached as fuse_daemonize() does (fork,
 * setsid, chdir /, stdio on /dev/null), except that the starting process returns only once the
 * pid file is written, with its outcome: whoever reads the pid file as soon as `cgfs` or `mount`
 * returns (a script, systemd's PIDFile=) finds it. */
static gboolean detach(gboolean foreground, const char *pidfile)
{
  g_autoptr(GError) error = NULL;
  int waiter[2] = { -1, -1 };
  if (!foreground) {
    if (pipe2(waiter, O_CLOEXEC) != 0)
      return FALSE;
    pid_t pid = fork();
    if (pid != 0) {
      close(waiter[1]);
      char written = 0;
      gboolean ok = pid > 0 && read(waiter[0], &written, 1) == 1 && written;
      if (pid > 0)
        _exit(ok ? 0 : 1);
      close(waiter[0]);
      return FALSE;
    }
    close(waiter[0]);
    setsid();
  }
  if (chdir("/") != 0)
    g_debug("chdir /: %s", g_strerror(errno));
  char written = !pidfile || write_pidfile(pidfile, &error);
  if (!written)
    g_warning("cannot write the pid file: %s", error->message);
  if (!foreground) {
    stdio_to_null();
    if (write(waiter[1], &written, 1) != 1)
      g_debug("the starting process is gone");
    close(waiter[1]);
  }
  return written;
}

static int serve(struct fuse *fuse, const struct fuse_cmdline_opts *cmd, FsDaemon *d,
                 const Options *o)
{
  if (!detach(cmd->foreground, o->pidfile) ||
      fuse_set_signal_handlers(fuse_get_session(fuse)) != 0)
    return 1;
  g_message("serving %s of the %s%s hierarchy on %s", d->root,
            cgfs_hierarchy_is_systemd(d->h) ? "systemd " : "",
            cgfs_hierarchy_version(d->h) == 2 ? "v2" : "v1", cmd->mountpoint);
  int r = run(fuse, cmd);
  if (o->pidfile)
    remove_pidfile(o->pidfile);
  fuse_remove_signal_handlers(fuse_get_session(fuse));
  /* libfuse's signal handlers end the loop with the signal's number: a clean exit. */
  return r == 0 || r == SIGINT || r == SIGTERM || r == SIGHUP ? 0 : 1;
}

static int mount_and_serve(struct fuse_args *args, const struct fuse_cmdline_opts *cmd,
                           FsDaemon *d, const Options *o)
{
  struct fuse *fuse = fuse_new(args, &cgfs_operations, sizeof cgfs_operations, d);
  if (!fuse)
    return 1;
  int status = 1;
  if (fuse_mount(fuse, cmd->mountpoint) == 0) {
    status = serve(fuse, cmd, d, o);
    fuse_unmount(fuse);
  }
  fuse_destroy(fuse);
  return status;
}

/* Polled events files hold fds (FS_FDS_PER_POLLER each): as many as the hard limit allows.
 * Returns the limit in force. */
static guint64 raise_fd_limit(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlim_t soft = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      g_message("cannot raise the open files limit: %s", g_strerror(errno));
      rl.rlim_cur = soft;
    }
  }
  return rl.rlim_cur;
}

/* The mount options cgfs always wants, first so that the user's -o options come later and win;
 * mount(8)'s device argument becomes the fsname /proc/mounts shows (unless it needs escaping). */
static void insert_default_options(struct fuse_args *args, const Options *o)
{
  const char *fsname = o->source && *o->source && !strpbrk(o->source, ",\\") ? o->source : "cgfs";
  /* auto_unmount: a daemon that dies leaves no dead mount behind (fusermount3 watches it). */
  g_autofree char *defaults =
    g_strdup_printf("-odefault_permissions,fsname=%s,subtype=cgfs%s", fsname,
                    fs_auto_unmount_applies(o->mountpoint) ? ",auto_unmount" : "");
  fuse_opt_insert_arg(args, 1, defaults);
}

static int start(const char *prog, struct fuse_args *args, const Options *o)
{
  if (o->n_positional == 0) {
    fprintf(stderr, "%s: no mount point given (try --help)\n", prog);
    return 1;
  }
  if (o->n_positional > 2) {
    fprintf(stderr, "%s: too many arguments: only [DEVICE] MOUNTPOINT (try --help)\n", prog);
    return 1;
  }
  insert_default_options(args, o);
  fuse_opt_add_arg(args, o->mountpoint);
  g_autoptr(GError) dead = NULL;
  guint detached = 0;
  if (!fs_take_over_dead_mount(o->mountpoint, &detached, &dead)) {
    fprintf(stderr, "%s: %s\n", prog, dead->message);
    return 1;
  }
  struct fuse_cmdline_opts cmd = { 0 };
  if (fuse_parse_cmdline(args, &cmd) != 0)
    return 1;
  fs_log_init(cmd.foreground, cmd.debug);
  if (detached)
    g_message("%s: detached %u dead cgfs mount(s) left by a daemon that ended", o->mountpoint,
              detached);
  guint64 nofile = raise_fd_limit();
  g_autoptr(GError) error = NULL;
  g_autoptr(FsDaemon) d = daemon_new(o, nofile, &error);
  if (d && !fs_recover_and_journal(d->h, o->state_dir, cmd.mountpoint, &error))
    g_clear_pointer(&d, daemon_free);
  int status = 1;
  if (!d)
    fprintf(stderr, "%s: %s\n", prog, error->message);
  else {
    status = mount_and_serve(args, &cmd, d, o);
    fs_journal_finish(d->h, o->state_dir, cmd.mountpoint);
  }
  free(cmd.mountpoint);
  return status;
}

int main(int argc, char **argv)
{
  g_auto(Options) o = { 0 };
  struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
  if (!normalize_args(argc, argv, &o, &args) ||
      fuse_opt_parse(&args, &o, option_spec, option_proc) != 0) {
    fuse_opt_free_args(&args);
    return 1;
  }
  if (o.pidfile) { /* the daemon works in / */
    char *absolute = g_canonicalize_filename(o.pidfile, NULL);
    g_free(o.pidfile);
    o.pidfile = absolute;
  }
  int status = o.help || o.version ? 0 : start(argv[0], &args, &o);
  if (o.help)
    usage(argv[0]);
  else if (o.version)
    printf("cgfs version %s\nFUSE library version %s\n", CGFS_VERSION, fuse_pkgversion());
  fuse_opt_free_args(&args);
  return status;
}
