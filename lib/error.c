#include "config-internal.h"

#include <cgfs/error.h>

G_DEFINE_QUARK(cgfs-error-quark, cgfs_error)
