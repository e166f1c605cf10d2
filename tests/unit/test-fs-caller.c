/* The daemon's answer to the cache's overrides hook (fs/caller.c, fs_thread_overrides_dac):
 * what it knows of its thread's CAP_DAC_OVERRIDE without a capget, and "ask the kernel" (-1)
 * whenever the thread acts as a caller, whose capabilities the daemon does not know this way. */
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs.h"
#include "unit-common.h"

static gboolean thread_has_dac_override(gboolean permitted)
{
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2] = { { 0 } };
  assert_int_equal(syscall(SYS_capget, &h, d), 0);
  return ((permitted ? d[0].permitted : d[0].effective) & (1u << CAP_DAC_OVERRIDE)) != 0;
}

static void test_daemon_overrides(void **state)
{
  (void)state;
  /* at start: what capget says, or -1 when permitted but not effective */
  int at_start = fs_caller_daemon_overrides_dac();
  if (!thread_has_dac_override(TRUE))
    assert_int_equal(at_start, 0);
  else
    assert_int_equal(at_start, thread_has_dac_override(FALSE) ? 1 : -1);

  FsDaemon d = { .dac_override = 1 };
  assert_int_equal(fs_thread_overrides_dac(&d), 1);
  /* acting as a root caller with fewer capabilities (a container's root): not known */
  FsCaller c = { .uid = 0, .caps_reduced = TRUE, .cap_eff = 0, .creds_known = TRUE };
  FsSavedCreds saved;
  GError *error = NULL;
  assert_true(fs_caller_enter(&c, &saved, &error));
  assert_true(fs_caller_acting());
  assert_int_equal(fs_thread_overrides_dac(&d), -1);
  assert_false(thread_has_dac_override(FALSE));
  d.dac_override = 0; /* not permitted: never effective, acting or not */
  assert_int_equal(fs_thread_overrides_dac(&d), 0);
  fs_caller_leave(&saved);
  assert_false(fs_caller_acting());
  assert_int_equal(fs_thread_overrides_dac(&d), 0);
  d.dac_override = -1;
  assert_int_equal(fs_thread_overrides_dac(&d), -1);
  d.dac_override = 1;
  assert_int_equal(fs_thread_overrides_dac(&d), 1);
}

/* The audit line, as the log writer gets it: on the stack or not (a path longer than its
 * buffer), with arguments or not. */
static char *last_message;

static GLogWriterOutput keep_message(GLogLevelFlags level, const GLogField *fields, gsize n,
                                     gpointer data)
{
  for (gsize i = 0; i < n; i++)
    if (g_strcmp0(fields[i].key, "MESSAGE") == 0) {
      g_free(last_message);
      last_message = g_strdup(fields[i].value);
    }
  return G_LOG_WRITER_HANDLED;
}

static void test_audit_line(void **state)
{
  (void)state;
  g_log_set_writer_func(keep_message, NULL, NULL);
  FsCaller c = { .uid = 4294967294u, .pid = 123 };
  fs_audit(&c, "/a/b", "changed limits");
  assert_string_equal(last_message, "audit: uid 4294967294 pid 123: /a/b: changed limits");
  c.uid = 0;
  c.pid = -7;
  fs_audit(&c, "/", "moved %s %d in", "process", 42);
  assert_string_equal(last_message, "audit: uid 0 pid -7: /: moved process 42 in");
  g_autofree char *longer = g_strnfill(1000, 'x');
  longer[0] = '/';
  fs_audit(&c, longer, "100%% %s", "done");
  g_autofree char *want = g_strdup_printf("audit: uid 0 pid -7: %s: 100%% done", longer);
  assert_string_equal(last_message, want);
  g_clear_pointer(&last_message, g_free);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_audit_line),
    cmocka_unit_test(test_daemon_overrides),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
