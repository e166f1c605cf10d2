/* libcgfs: Linux cgroups v1, v2 and systemd from C. Include this header.
 *
 * Threads: libcgfs keeps no global state. CgfsSystem, CgfsHierarchy and CgfsCgroup are
 * reference-counted with atomic counts and do not change after creation, so one object can be
 * used from several threads at once (the kernel orders concurrent changes to the same cgroup;
 * cgfs_cgroup_update() is all-or-nothing per call, not across calls). Plain data (CgfsResources,
 * CgfsStats) and CgfsMetrics, CgfsEventsWatch belong to one thread at a time.
 *
 * ABI: only the functions declared in these headers are exported, versioned CGFS_0.1
 * (lib/libcgfs.map). Structs the library allocates (CgfsResources, CgfsStats) are never
 * allocated or copied by value by callers: they grow at their end. Every other public struct
 * (list elements a caller fills, structs embedded by value) ends with `reserved_`, room that new
 * members take over so that its size stays the same (lib/abi.c asserts the sizes). Initialise
 * them with `= { 0 }` or designated initialisers, so that reserved_ is zero.
 *
 * CGFS_VERSION_STRING, CGFS_CHECK_VERSION() and cgfs_version() (<cgfs/version.h>) give the
 * version. */
#pragma once

#include <cgfs/version.h>
#include <cgfs/error.h>
#include <cgfs/system.h>
#include <cgfs/hierarchy.h>
#include <cgfs/cgroup.h>
#include <cgfs/cgroupns.h>
#include <cgfs/tree.h>
#include <cgfs/events.h>
#include <cgfs/stats.h>
#include <cgfs/metrics.h>
#include <cgfs/resources.h>
#include <cgfs/journal.h>
#include <cgfs/cache.h>
#include <cgfs/systemd.h>
