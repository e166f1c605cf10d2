/* Included first by every libcgfs source file. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include <cgfs/error.h>

/* Set a CGFS_ERROR whose code is @code (an errno value). */
#define cgfs_set_error(error, code, ...) g_set_error((error), CGFS_ERROR, (code), __VA_ARGS__)

/* Set a CGFS_ERROR from the current errno, the message "<what>: <strerror>". Keeps errno. */
#define cgfs_set_errno(error, ...) cgfs_set_errno_impl((error), errno, __VA_ARGS__)
gboolean cgfs_set_errno_impl(GError **error, int saved_errno, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
