/* The sizes of the public struct types that callers fill or that are embedded by value, frozen
 * for the soname: a program built against these headers indexes arrays and reaches members with
 * them. A new member takes room from the struct's reserved_ array (reserved_[4] becomes, e.g.,
 * `gboolean has_x; gint64 x; gpointer reserved_[2];`) so that the size below stays; if one of
 * these fails, the ABI changed: take the room from reserved_ instead. Checked on 64-bit Linux,
 * where the sizes were measured. */
#include <cgfs/cgfs.h>

#if GLIB_SIZEOF_VOID_P == 8 && defined(__x86_64__)
G_STATIC_ASSERT(sizeof(CgfsDeviceRule) == 80);
G_STATIC_ASSERT(sizeof(CgfsMemoryResources) == 152);
G_STATIC_ASSERT(sizeof(CgfsCpuResources) == 160);
G_STATIC_ASSERT(sizeof(CgfsPidsResources) == 48);
G_STATIC_ASSERT(sizeof(CgfsWeightDevice) == 64);
G_STATIC_ASSERT(sizeof(CgfsThrottleDevice) == 56);
G_STATIC_ASSERT(sizeof(CgfsBlockIOResources) == 88);
G_STATIC_ASSERT(sizeof(CgfsHugepageLimit) == 56);
G_STATIC_ASSERT(sizeof(CgfsInterfacePriority) == 56);
G_STATIC_ASSERT(sizeof(CgfsNetworkResources) == 48);
G_STATIC_ASSERT(sizeof(CgfsRdmaLimit) == 112);
G_STATIC_ASSERT(sizeof(CgfsUnifiedEntry) == 48);
G_STATIC_ASSERT(sizeof(CgfsStatsCounter) == 48);
G_STATIC_ASSERT(sizeof(CgfsPsiData) == 64);
G_STATIC_ASSERT(sizeof(CgfsPsiStats) == 168);
G_STATIC_ASSERT(sizeof(CgfsPidsStat) == 64);
G_STATIC_ASSERT(sizeof(CgfsRdmaEntry) == 48);
G_STATIC_ASSERT(sizeof(CgfsRdmaStat) == 72);
G_STATIC_ASSERT(sizeof(CgfsV1HugetlbStat) == 72);
G_STATIC_ASSERT(sizeof(CgfsV1HugetlbList) == 56);
G_STATIC_ASSERT(sizeof(CgfsV1CpuUsage) == 88);
G_STATIC_ASSERT(sizeof(CgfsV1Throttle) == 88);
G_STATIC_ASSERT(sizeof(CgfsV1CpuStat) == 216);
G_STATIC_ASSERT(sizeof(CgfsV1MemoryEntry) == 80);
G_STATIC_ASSERT(sizeof(CgfsV1MemoryStat) == 720);
G_STATIC_ASSERT(sizeof(CgfsV1MemoryOomControl) == 72);
G_STATIC_ASSERT(sizeof(CgfsV1BlkioEntry) == 72);
G_STATIC_ASSERT(sizeof(CgfsV1BlkioList) == 56);
G_STATIC_ASSERT(sizeof(CgfsV1BlkioStat) == 488);
G_STATIC_ASSERT(sizeof(CgfsV1Metrics) == 1720);
G_STATIC_ASSERT(sizeof(CgfsV2CpuStat) == 312);
G_STATIC_ASSERT(sizeof(CgfsV2MemoryStat) == 888);
G_STATIC_ASSERT(sizeof(CgfsV2MemoryEvents) == 120);
G_STATIC_ASSERT(sizeof(CgfsV2IoEntry) == 104);
G_STATIC_ASSERT(sizeof(CgfsV2IoStat) == 224);
G_STATIC_ASSERT(sizeof(CgfsV2HugetlbStat) == 64);
G_STATIC_ASSERT(sizeof(CgfsV2HugetlbList) == 56);
G_STATIC_ASSERT(sizeof(CgfsV2CgroupStat) == 304);
G_STATIC_ASSERT(sizeof(CgfsV2Metrics) == 2072);
#endif
