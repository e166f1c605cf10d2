/**
 * SECTION:error
 * @title: Errors
 * @short_description: the CGFS_ERROR domain: errno codes, one-line messages
 * @include: cgfs/cgfs.h
 *
 * Every failing libcgfs call sets a #GError in %CGFS_ERROR whose code is an errno value
 * (EINVAL, ERANGE, ESRCH, EBUSY, ENOENT, EOPNOTSUPP, ...) and whose message is one line
 * naming what failed and why. docs/errors.md lists the causes.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/**
 * CGFS_ERROR:
 *
 * The error domain of libcgfs. The #GError code is an errno value (EINVAL, ENOENT, ...).
 */
#define CGFS_ERROR (cgfs_error_quark())
/**
 * cgfs_error_quark:
 *
 * The #GQuark behind %CGFS_ERROR. Thread-safe.
 *
 * Returns: the error domain of libcgfs
 */
GQuark cgfs_error_quark(void);

#pragma GCC visibility pop
G_END_DECLS
