/* Block IO statistics on v2: io.stat and io.pressure. */
#include "stats-private.h"

static const CgfsStatsField io_fields[] = {
  /* major and minor are the line's head, not keys: their keys match no key=value pair. */
  CGFS_FIELD(CgfsV2IoEntry, major, ""),
  CGFS_FIELD(CgfsV2IoEntry, minor, ""),
  CGFS_FIELD(CgfsV2IoEntry, rbytes, "rbytes"),
  CGFS_FIELD(CgfsV2IoEntry, wbytes, "wbytes"),
  CGFS_FIELD(CgfsV2IoEntry, rios, "rios"),
  CGFS_FIELD(CgfsV2IoEntry, wios, "wios"),
  CGFS_FIELD(CgfsV2IoEntry, dbytes, "dbytes"),
  CGFS_FIELD(CgfsV2IoEntry, dios, "dios"),
};
const CgfsStatsTable cgfs_v2_io_entry_table = CGFS_TABLE(CgfsV2IoEntry, io_fields);

/* io.pressure exists without the io controller, io.stat only with it (and in the root). */
gboolean cgfs_stats_v2_io(CgfsStatsReader *r, GError **error)
{
  CgfsV2IoStat *io = &r->s->v2.io;
  int found = r->controllers & CGFS_V2_IO ? cgfs_stats_read(r, "io.stat", error) : 0;
  if (found < 0)
    return FALSE;
  if (found > 0) {
    if (!cgfs_parse_io_stat("io.stat", r->text.text, r->text.len, &io->usage, &io->n_usage,
                            error)) {
      cgfs_stats_fail(r, error);
      return FALSE;
    }
    io->has_usage = TRUE;
  }
  if (cgfs_stats_read_psi(r, "io.pressure", &io->psi, error) < 0)
    return FALSE;
  io->present = io->has_usage || io->psi.present;
  return TRUE;
}
