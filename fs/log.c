/* Where the daemon's messages go: stderr in the foreground, syslog (the journal) otherwise, and
 * stderr again when there is no syslog socket (a container, a minimal machine). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include "fs.h"

typedef struct {
  gboolean to_syslog;
  gboolean debug;
  /* A copy of the stderr cgfs started with: detaching points fd 2 at /dev/null, but without
   * syslog the stderr of whoever started it (a terminal, a container's log) is the only place
   * left for the messages. */
  int err_fd;
} LogConfig;

static int syslog_priority(GLogLevelFlags level)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return LOG_ERR;
  if (level & G_LOG_LEVEL_WARNING)
    return LOG_WARNING;
  if (level & G_LOG_LEVEL_MESSAGE)
    return LOG_NOTICE;
  if (level & G_LOG_LEVEL_INFO)
    return LOG_INFO;
  return LOG_DEBUG;
}

static const char *field_value(const GLogField *fields, gsize n, const char *key)
{
  for (gsize i = 0; i < n; i++)
    if (g_strcmp0(fields[i].key, key) == 0 && fields[i].length < 0)
      return fields[i].value;
  return NULL;
}

/* One writev(): lines of threads logging at once stay whole, and dprintf's stream costs two
 * more system calls (fstat, lseek) per line, on every audited change; no copy of the line
 * either. */
static void write_line(int fd, const char *message)
{
  struct iovec iov[] = {
    { (void *)"cgfs: ", 6 },
    { (void *)message, strlen(message) },
    { (void *)"\n", 1 },
  };
  gsize len = iov[0].iov_len + iov[1].iov_len + iov[2].iov_len;
  ssize_t n;
  do
    n = writev(fd, iov, G_N_ELEMENTS(iov));
  while (n < 0 && errno == EINTR);
  if (n <= 0 || (gsize)n == len)
    return;
  /* A short write (a full pipe, a signal): the rest, piece by piece. */
  gsize done = (gsize)n;
  for (gsize i = 0; i < G_N_ELEMENTS(iov); i++) {
    if (done >= iov[i].iov_len) {
      done -= iov[i].iov_len;
      continue;
    }
    const char *p = (const char *)iov[i].iov_base + done;
    gsize left = iov[i].iov_len - done;
    done = 0;
    while (left > 0) {
      n = write(fd, p, left);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      p += n;
      left -= (gsize)n;
    }
  }
}

static GLogWriterOutput write_log(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                                  gpointer user_data)
{
  const LogConfig *cfg = user_data;
  if ((level & G_LOG_LEVEL_DEBUG) && !cfg->debug)
    return G_LOG_WRITER_HANDLED;
  const char *message = field_value(fields, n_fields, "MESSAGE");
  if (!message)
    return G_LOG_WRITER_UNHANDLED;
  if (cfg->to_syslog)
    syslog(syslog_priority(level), "%s", message);
  else if (cfg->err_fd >= 0)
    write_line(cfg->err_fd, message);
  return G_LOG_WRITER_HANDLED;
}

static gboolean has_syslog(void)
{
  struct stat st;
  return stat("/dev/log", &st) == 0 && S_ISSOCK(st.st_mode);
}

/* A detached daemon keeps no pipe open: whoever reads it (`$(mount ...)`) would wait for the
 * daemon's end. A terminal, a file or a socket (the journal's stdout stream) is kept. */
static int keep_stderr(gboolean foreground)
{
  struct stat st;
  if (!foreground && (fstat(STDERR_FILENO, &st) != 0 || S_ISFIFO(st.st_mode)))
    return -1;
  return fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
}

static void log_config_free(gpointer data)
{
  LogConfig *cfg = data;
  if (cfg->err_fd >= 0)
    close(cfg->err_fd);
  g_free(cfg);
}

void fs_log_init(gboolean foreground, gboolean debug)
{
  LogConfig *cfg = g_new0(LogConfig, 1);
  cfg->to_syslog = !foreground && has_syslog();
  cfg->debug = debug;
  cfg->err_fd = cfg->to_syslog ? -1 : keep_stderr(foreground);
  if (cfg->to_syslog)
    openlog("cgfs", LOG_PID, LOG_DAEMON);
  g_log_set_writer_func(write_log, cfg, log_config_free);
}
