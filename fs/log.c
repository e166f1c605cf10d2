/* Where the daemon's messages go: stderr in the foreground, syslog (the journal) otherwise. */
#include <stdio.h>
#include <syslog.h>

#include "fs.h"

typedef struct {
  gboolean foreground;
  gboolean debug;
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

static GLogWriterOutput write_log(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                                  gpointer user_data)
{
  const LogConfig *cfg = user_data;
  if ((level & G_LOG_LEVEL_DEBUG) && !cfg->debug)
    return G_LOG_WRITER_HANDLED;
  const char *message = field_value(fields, n_fields, "MESSAGE");
  if (!message)
    return G_LOG_WRITER_UNHANDLED;
  if (cfg->foreground)
    fprintf(stderr, "cgfs: %s\n", message);
  else
    syslog(syslog_priority(level), "%s", message);
  return G_LOG_WRITER_HANDLED;
}

void fs_log_init(gboolean foreground, gboolean debug)
{
  LogConfig *cfg = g_new0(LogConfig, 1);
  cfg->foreground = foreground;
  cfg->debug = debug;
  if (!foreground)
    openlog("cgfs", LOG_PID, LOG_DAEMON);
  g_log_set_writer_func(write_log, cfg, g_free);
}
