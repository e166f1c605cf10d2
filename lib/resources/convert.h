/* Internal: the pure conversions between OCI (cgroup v1) values and cgroup v2 values, and their
 * inverses for reading back. No I/O; unit-tested on their own (tests/unit/test-convert.c). */
#pragma once

#include "config-internal.h"

/* cpu.shares -> cpu.weight: 0 -> 0 (unset), <= 2 -> 1, >= 262144 -> 10000, else
 * ceil(10^((l^2 + 125 l)/612 - 7/34)) with l = log2(shares). */
guint64 cgfs_cpu_shares_to_weight(guint64 shares);
/* The largest shares that cgfs_cpu_shares_to_weight() maps to @weight (1..10000), so that
 * converting it again gives @weight back (100 -> 1024); 0 -> 0, above 10000 -> 262144. */
guint64 cgfs_cpu_weight_to_shares(guint64 weight);

/* cpu.max "QUOTA PERIOD": @quota <= 0 is "max". */
char *cgfs_cpu_max_format(gint64 quota, guint64 period);
/* Parse cpu.max; "max" gives @quota -1. FALSE on anything else. */
gboolean cgfs_cpu_max_parse(const char *text, gint64 *quota, guint64 *period);

/* memory.swap (memory + swap, -1 unlimited) and memory.limit -> memory.swap.max (-1 = "max").
 * FALSE when there is no such value: swap below limit, or a finite swap with an unlimited
 * limit. */
gboolean cgfs_memory_swap_to_v2(gint64 swap, gint64 limit, gint64 *swap_max);
/* The inverse: memory.max and memory.swap.max (-1 = "max") -> memory.swap. FALSE when OCI
 * cannot say it (finite swap.max under an unlimited memory.max). */
gboolean cgfs_memory_swap_from_v2(gint64 limit, gint64 swap_max, gint64 *swap);

/* blockIO.weight (v1, 10..1000) -> io.weight (1..10000): 1 + (w - 10) * 9999 / 990; below 10
 * gives 1, above 1000 gives 10000. */
guint64 cgfs_blkio_weight_to_io_weight(guint64 weight);
/* The blockIO.weight (10..1000) that converts to exactly @io_weight; FALSE when none does. */
gboolean cgfs_io_weight_to_blkio_weight(guint64 io_weight, guint64 *weight);

/* A memory-style limit: -1 -> "max" (v2) or "-1" (v1), else the number. */
char *cgfs_limit_format(gint64 value, int version);
/* Room for any 64-bit integer in decimal, its sign and a NUL. */
#define CGFS_NUMBER_TEXT 24
/* The same in @buf (or a constant string), for a value used at once: no allocation. */
const char *cgfs_limit_format_in(gint64 value, int version, char buf[CGFS_NUMBER_TEXT]);
/* @value in decimal (what "%" G_GUINT64_FORMAT prints), without printf. */
char *cgfs_u64_format(guint64 value);
const char *cgfs_u64_format_in(guint64 value, char buf[CGFS_NUMBER_TEXT]);
/* Parse a v1 byte counter or a v2 "max"/number into OCI form: unlimited -> -1. v1 prints
 * "unlimited" as the largest page-aligned value (see cgfs_v1_unlimited_bytes). */
gboolean cgfs_limit_parse(const char *text, gint64 *value);
/* What v1 prints for an unlimited page counter: G_MAXINT64 rounded down to the page size. */
guint64 cgfs_v1_unlimited_bytes(void);

/* "2MB" -> 2097152; FALSE unless <digits><KB|MB|GB> in the kernel's own spelling (the largest
 * unit that divides the size, as in hugetlb.<size>.* file names). */
gboolean cgfs_hugepage_size_parse(const char *text, guint64 *bytes);
