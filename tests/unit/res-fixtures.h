/* Shared by the resources unit tests: fake trees whose new cgroups get the control files of a
 * real kernel, snapshots of a whole tree, and plan summaries. */
#pragma once

#include "fake-tree.h"
#include "resources-private.h"

/* This machine's v1 layout (fake_tree_new_v1) with the files its kernel gives a new cgroup. */
FakeTree *res_tree_v1(void);
/* Every v1 controller, blkio with CFQ files (blkio.weight, leaf weights), hugetlb (2MB, 64KB,
 * 1GB, with rsvd files), net_cls, net_prio (lo, eth0, eth1) and rdma (mlx5_1, mlx4_0, rxe3). */
FakeTree *res_tree_v1_full(void);
/* cgroup v2 with cpuset cpu io memory hugetlb pids rdma and their files; @bfq adds
 * io.bfq.weight. */
FakeTree *res_tree_v2(gboolean bfq);

/* path (relative to the root) -> content of every regular file. */
GHashTable *res_tree_snapshot(FakeTree *t);
/* Fails the test unless every file has the content of @before (@except aside, may be NULL;
 * devices.allow and devices.deny aside: write-only files in the kernel). */
void res_assert_tree_equals(FakeTree *t, GHashTable *before, const char *except);

/* "file=value" lines of the writes @p will make (skipped ones left out), in order. */
char *res_plan_summary(const CgfsPlan *p);

/* @json parsed; the test fails on an error. */
CgfsResources *res_parse(const char *json);
/* The plan of applying @json to @cg; the test fails on an error. */
CgfsPlan *res_plan_of(CgfsCgroup *cg, const char *json);
/* Fails unless the plan of @json is @expected (res_plan_summary lines). */
void res_assert_plan(CgfsCgroup *cg, const char *json, const char *expected);
/* Applies @json; fails on an error. */
void res_update_ok(CgfsCgroup *cg, const char *json);
/* Fails unless @rel holds exactly @want. */
void res_assert_file(FakeTree *t, const char *rel, const char *want);

/* The cgroup @path in @t's v1 or v2 hierarchy, created (with its template files) if needed. */
CgfsCgroup *res_cgroup(FakeTree *t, int version, const char *path);
