/* cgfs: cgroups as a file tree. Options, start-up, the FUSE loop. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "fs.h"

#include <fuse_lowlevel.h>

/* Descriptors the cache may keep (docs/tree.md, "Descriptors and memory"). */
#define FS_FD_CACHE_DEFAULT 4096u

typedef struct {
  char *root;
  char *hierarchy;
  unsigned fd_cache;
  int help;
  int version;
} Options;

#define OPT(t, p) { t, offsetof(Options, p), 1 }
static const struct fuse_opt option_spec[] = {
  OPT("--root=%s", root),
  OPT("--root %s", root),
  OPT("--hierarchy=%s", hierarchy),
  OPT("--hierarchy %s", hierarchy),
  OPT("--fd-cache=%u", fd_cache),
  OPT("--fd-cache %u", fd_cache),
  OPT("-h", help),
  OPT("--help", help),
  OPT("-V", version),
  OPT("--version", version),
  FUSE_OPT_END,
};

static void usage(const char *prog)
{
  printf("usage: %s [options] MOUNTPOINT\n\n"
         "Mount the machine's cgroups as a file tree: every directory is a cgroup.\n\n"
         "cgfs options:\n"
         "    --root=PATH            the cgroup shown as the mount's root (default /);\n"
         "                           nothing above it is reachable\n"
         "    --hierarchy=v1|v2|auto the cgroup hierarchy to show (default auto: v2 on a\n"
         "                           unified machine, every v1 hierarchy otherwise)\n"
         "    --fd-cache=N           keep up to N kernel descriptors open for the cgroups\n"
         "                           asked about most recently (default %u; 0: none)\n"
         "    -h, --help             this help\n"
         "    -V, --version          the versions of cgfs and libfuse\n\n",
         prog, FS_FD_CACHE_DEFAULT);
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
  FsDaemon *d = fuse_get_context()->private_data;
  /* O_TRUNC comes with open(), which ignores it, instead of as a separate truncate request. */
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
    conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  cfg->use_ino = 0;
  cfg->direct_io = 1;
  cfg->entry_timeout = 1.0;
  cfg->attr_timeout = 1.0;
  cfg->negative_timeout = 0;
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
  .utimens = fs_utimens,
};

static void daemon_free(FsDaemon *d)
{
  if (!d)
    return;
  fs_watcher_free(d->watcher);
  fs_last_errors_free(d->errors);
  cgfs_cache_free(d->cache);
  g_free(d->root);
  if (d->h)
    cgfs_hierarchy_unref(d->h);
  if (d->sys)
    cgfs_system_unref(d->sys);
  g_free(d);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FsDaemon, daemon_free)

/* The cache may take at most half of the open files limit (raised before): the rest is for
 * requests in flight, FUSE and open writers. */
static guint cache_size(guint wanted)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
      wanted <= rl.rlim_cur / 2)
    return wanted;
  g_message("--fd-cache %u lowered to %u: the open files limit is %llu", wanted,
            (guint)(rl.rlim_cur / 2), (unsigned long long)rl.rlim_cur);
  return (guint)(rl.rlim_cur / 2);
}

/* Find the hierarchy and check the root cgroup, before anything is mounted. */
static FsDaemon *daemon_new(const Options *o, GError **error)
{
  g_autoptr(FsDaemon) d = g_new0(FsDaemon, 1);
  d->sys = cgfs_system_new(error);
  if (!d->sys)
    return NULL;
  d->h = cgfs_hierarchy_from_string(d->sys, o->hierarchy ? o->hierarchy : "auto", error);
  if (!d->h)
    return NULL;
  d->root = g_strdup(o->root ? o->root : "/");
  if (strlen(d->root) > 1 && g_str_has_suffix(d->root, "/"))
    d->root[strlen(d->root) - 1] = '\0';
  g_autoptr(CgfsCgroup) root = cgfs_cgroup_load(d->h, CGFS_STATIC_PATH(d->root), error);
  if (!root)
    return NULL;
  d->errors = fs_last_errors_new();
  d->cache = cgfs_cache_new(d->h, cache_size(o->fd_cache));
  cgfs_cache_set_access_check(d->cache, fs_cache_may_read, d);
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

static int mount_and_serve(struct fuse_args *args, const struct fuse_cmdline_opts *cmd, FsDaemon *d)
{
  struct fuse *fuse = fuse_new(args, &cgfs_operations, sizeof cgfs_operations, d);
  if (!fuse)
    return 1;
  int status = 1;
  if (fuse_mount(fuse, cmd->mountpoint) == 0) {
    if (fuse_daemonize(cmd->foreground) == 0 &&
        fuse_set_signal_handlers(fuse_get_session(fuse)) == 0) {
      g_message("serving %s of the %s hierarchy on %s", d->root,
                cgfs_hierarchy_version(d->h) == 2 ? "v2" : "v1", cmd->mountpoint);
      int r = run(fuse, cmd);
      /* libfuse's signal handlers end the loop with the signal's number: a clean exit. */
      status = r == 0 || r == SIGINT || r == SIGTERM || r == SIGHUP ? 0 : 1;
      fuse_remove_signal_handlers(fuse_get_session(fuse));
    }
    fuse_unmount(fuse);
  }
  fuse_destroy(fuse);
  return status;
}

/* Every open writer or polled events file holds a directory fd per hierarchy: the default
 * soft limit of 1024 would let a few hundred opens starve everyone. */
static void raise_fd_limit(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
    return;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
    g_message("cannot raise the open files limit: %s", g_strerror(errno));
}

int main(int argc, char **argv)
{
  struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
  Options o = { .fd_cache = FS_FD_CACHE_DEFAULT };
  if (fuse_opt_parse(&args, &o, option_spec, NULL) != 0)
    return 1;
  if (o.help) {
    usage(argv[0]);
    fuse_cmdline_help();
    fuse_lib_help(&args);
    fuse_opt_free_args(&args);
    return 0;
  }
  if (o.version) {
    printf("cgfs version %s\nFUSE library version %s\n", CGFS_VERSION, fuse_pkgversion());
    fuse_opt_free_args(&args);
    return 0;
  }
  /* First, so that the user's -o options come later and win. */
  fuse_opt_insert_arg(&args, 1, "-odefault_permissions,fsname=cgfs,subtype=cgfs");
  struct fuse_cmdline_opts cmd = { 0 };
  if (fuse_parse_cmdline(&args, &cmd) != 0)
    return 1;
  int status = 1;
  if (!cmd.mountpoint) {
    fprintf(stderr, "%s: no mount point given (try --help)\n", argv[0]);
  } else {
    fs_log_init(cmd.foreground, cmd.debug);
    raise_fd_limit();
    g_autoptr(GError) error = NULL;
    g_autoptr(FsDaemon) d = daemon_new(&o, &error);
    if (!d)
      fprintf(stderr, "%s: %s\n", argv[0], error->message);
    else
      status = mount_and_serve(&args, &cmd, d);
  }
  free(cmd.mountpoint);
  free(o.root);
  free(o.hierarchy);
  fuse_opt_free_args(&args);
  return status;
}
