/* Fair share (fs/fair-share.c): per-uid counts, limits, errnos, root exempt, given back. */
#include <errno.h>
#include <string.h>

#include "fs.h"
#include "unit-common.h"

static void take_until_refused(FsFairShare *s, uid_t uid, FsShareKind kind, int code)
{
  guint64 max = fs_fair_share_max(s, kind);
  GError *error = NULL;
  for (guint64 i = 0; i < max; i++)
    assert_true(fs_fair_share_take(s, uid, kind, 1, &error));
  assert_false(fs_fair_share_take(s, uid, kind, 1, &error));
  assert_gerror(error, code, "the most");
  g_clear_error(&error);
}

static void test_each_limit(void **state)
{
  FsFairShare *s = fs_fair_share_new(20000);
  take_until_refused(s, 1000, FS_SHARE_OPEN_FILES, EMFILE);
  take_until_refused(s, 1000, FS_SHARE_POLLERS, EMFILE);
  take_until_refused(s, 1000, FS_SHARE_SLOW_WRITES, EAGAIN);
  GError *error = NULL;
  assert_true(fs_fair_share_take(s, 1000, FS_SHARE_PENDING_BYTES, FS_SHARE_MAX_PENDING_BYTES,
                                 &error));
  assert_false(fs_fair_share_take(s, 1000, FS_SHARE_PENDING_BYTES, 1, &error));
  assert_gerror(error, EDQUOT, "uid 1000");
  g_clear_error(&error);
  assert_true(fs_fair_share_take(s, 1000, FS_SHARE_SNAPSHOT_BYTES, FS_SHARE_MAX_SNAPSHOT_BYTES - 1,
                                 &error));
  assert_false(fs_fair_share_refused(s, 1000, FS_SHARE_SNAPSHOT_BYTES, &error));
  assert_false(fs_fair_share_take(s, 1000, FS_SHARE_SNAPSHOT_BYTES, 2, &error));
  assert_gerror(error, ENOMEM, "contents");
  g_clear_error(&error);
  /* refused until some is given back, even for what would fit */
  assert_true(fs_fair_share_refused(s, 1000, FS_SHARE_SNAPSHOT_BYTES, &error));
  assert_gerror(error, ENOMEM, "contents");
  g_clear_error(&error);
  fs_fair_share_give(s, 1000, FS_SHARE_SNAPSHOT_BYTES, 10);
  assert_false(fs_fair_share_refused(s, 1000, FS_SHARE_SNAPSHOT_BYTES, &error));
  assert_true(fs_fair_share_take(s, 1000, FS_SHARE_SNAPSHOT_BYTES, 10, &error));
  /* another user has its own share; root is never limited */
  assert_true(fs_fair_share_take(s, 1001, FS_SHARE_OPEN_FILES, 1, &error));
  for (int i = 0; i < 5000; i++)
    assert_true(fs_fair_share_take(s, 0, FS_SHARE_OPEN_FILES, 1, &error));
  /* given back, it can be taken again */
  fs_fair_share_give(s, 1000, FS_SHARE_OPEN_FILES, 1);
  assert_true(fs_fair_share_take(s, 1000, FS_SHARE_OPEN_FILES, 1, &error));
  assert_no_gerror(error);
  fs_fair_share_free(s);
}

/* The pollers one user gets follow the fd limit: an eighth of what the budget leaves. */
static void test_pollers_follow_fd_limit(void **state)
{
  assert_int_equal(fs_fair_share_pollers_for(20000), FS_SHARE_MAX_POLLERS);
  guint64 reserved = FS_FDS_FIXED + FS_MAX_WORKERS * FS_FDS_PER_WORKER;
  assert_int_equal(fs_fair_share_pollers_for(reserved + 8 * FS_FDS_PER_POLLER * 3), 3);
  assert_int_equal(fs_fair_share_pollers_for(reserved), 0);
  assert_int_equal(fs_fair_share_pollers_for(10), 0);
  /* a user over a zero share is refused, and the message names the limit */
  FsFairShare *s = fs_fair_share_new(10);
  GError *error = NULL;
  assert_false(fs_fair_share_take(s, 1000, FS_SHARE_POLLERS, 1, &error));
  assert_gerror(error, EMFILE, "polled events files");
  g_clear_error(&error);
  fs_fair_share_free(s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_each_limit),
    cmocka_unit_test(test_pollers_follow_fd_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
