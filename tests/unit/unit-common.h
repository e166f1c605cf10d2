/* Shared by the unit tests: cmocka plus GError assertions. */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>

#include <cgfs/cgfs.h>

#define assert_no_gerror(err)                                                                     \
  do {                                                                                            \
    if (err)                                                                                      \
      fail_msg("unexpected error: %s", (err)->message);                                           \
  } while (0)

/* @err is a CGFS_ERROR with errno @code whose message contains @needle. */
#define assert_gerror(err, want_code, needle)                                                          \
  do {                                                                                            \
    assert_non_null(err);                                                                         \
    assert_true((err)->domain == CGFS_ERROR);                                                     \
    if ((err)->code != (want_code))                                                                    \
      fail_msg("error code %d (%s), wanted %d: %s", (err)->code, g_strerror((err)->code),         \
               (int)(want_code), (err)->message);                                                      \
    if (!strstr((err)->message, (needle)))                                                        \
      fail_msg("message '%s' lacks '%s'", (err)->message, (needle));                              \
  } while (0)
