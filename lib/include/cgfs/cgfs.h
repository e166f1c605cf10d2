/* libcgfs: Linux cgroups v1, v2 and systemd from C. Include this header. */
#pragma once

#include <cgfs/error.h>
#include <cgfs/system.h>
#include <cgfs/hierarchy.h>
#include <cgfs/cgroup.h>
#include <cgfs/tree.h>
#include <cgfs/events.h>
#include <cgfs/stats.h>
#include <cgfs/metrics.h>
#include <cgfs/resources.h>
#include <cgfs/journal.h>
#include <cgfs/cache.h>
#include <cgfs/systemd.h>
