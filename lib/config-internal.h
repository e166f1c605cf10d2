/* Included first by every libcgfs source file. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include <cgfs/error.h>

/* Set a CGFS_ERROR whose code is @code (an errno value). The message is bounded: input echoed
 * in it (a key, a value, a file's content) is cut in its middle beyond CGFS_MESSAGE_MAX bytes. */
#define cgfs_set_error(error, code, ...) cgfs_set_error_impl((error), (code), __VA_ARGS__)
void cgfs_set_error_impl(GError **error, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
#define CGFS_MESSAGE_MAX 1024
/* @msg (taken) cut to at most about CGFS_MESSAGE_MAX bytes: its head and its tail (where the
 * reason usually is), the number of bytes left out between them. */
char *cgfs_bounded_message(char *msg);

/* Set a CGFS_ERROR from the current errno, the message "<what>: <strerror>". Keeps errno. */
#define cgfs_set_errno(error, ...) cgfs_set_errno_impl((error), errno, __VA_ARGS__)
gboolean cgfs_set_errno_impl(GError **error, int saved_errno, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
