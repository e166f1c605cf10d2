/**
 * SECTION:cgfs
 * @title: libcgfs
 * @short_description: Linux cgroups v1, v2 and systemd from C
 * @include: cgfs/cgfs.h
 *
 * Include `<cgfs/cgfs.h>` (it includes every other header) and link with
 * `pkg-config --cflags --libs cgfs`.
 *
 * # Threads
 *
 * libcgfs keeps no global state. #CgfsSystem, #CgfsHierarchy, #CgfsCgroup and #CgfsJournal
 * are reference-counted with atomic counts and do not change after creation, so one object can
 * be used from several threads at once (the kernel orders concurrent changes to the same
 * cgroup; cgfs_cgroup_update() is all-or-nothing per call, not across calls). #CgfsCache is
 * thread-safe. Plain data (#CgfsResources, #CgfsStats) and #CgfsMetrics, #CgfsEventsWatch
 * belong to one thread at a time. Each function's documentation says where it differs.
 *
 * # ABI
 *
 * Only the functions declared in these headers are exported, versioned CGFS_0.1
 * (lib/libcgfs.map). Structs the library allocates (#CgfsResources, #CgfsStats) are never
 * allocated or copied by value by callers: they grow at their end. Every other public struct
 * (list elements a caller fills, structs embedded by value) ends with `reserved_`, room that
 * new members take over so that its size stays the same (lib/abi.c asserts the sizes).
 * Initialise them with `= { 0 }` or designated initialisers, so that `reserved_` is zero.
 *
 * %CGFS_VERSION_STRING, CGFS_CHECK_VERSION() and cgfs_version() give the version.
 *
 * # Errors
 *
 * Every function that can fail takes a `GError **error` last, sets it in %CGFS_ERROR (code =
 * errno) and returns its failure value (%FALSE, %NULL or -1, as documented). Bad input
 * changes nothing.
 */
#pragma once

#include <cgfs/version.h>
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
