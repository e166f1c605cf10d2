/* libcgfs: error domain.
 *
 * Every failing libcgfs call sets a GError in CGFS_ERROR whose code is an errno value
 * (EINVAL, ERANGE, ESRCH, EBUSY, ENOENT, EOPNOTSUPP, ...) and whose message is one line
 * naming what failed and why. docs/errors.md lists the causes.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS
#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

#define CGFS_ERROR (cgfs_error_quark())
GQuark cgfs_error_quark(void);

#pragma GCC visibility pop
G_END_DECLS
