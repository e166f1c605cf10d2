/* libcgfs: the journal of plans in flight (docs/architecture.md, "The journal").
 *
 * Before a plan that changes several kernel files runs (a limits update, a process move across
 * hierarchies, a v1 kill, a delete), its undo record is written to a state directory (whole or
 * not at all for the next process, whenever this one dies; records of an earlier boot are
 * ignored, as the kernel's cgroups do not survive one);
 * when it completes the record is dropped. After a crash, cgfs_journal_recover() finds the
 * records left and puts each cgroup back as it was before the plan (or forward, where that is
 * the only consistent state). Callers opt in: attach a journal to a hierarchy.
 */
#pragma once

#include <glib.h>
#include <cgfs/hierarchy.h>

G_BEGIN_DECLS

#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

typedef struct _CgfsJournal CgfsJournal;

/* Open @dir (made 0700 if missing, parents included) and take its lock: EBUSY while another
 * process holds it (its records are still in flight). Recover what is there first. */
CgfsJournal *cgfs_journal_new(const char *dir, GError **error);
CgfsJournal *cgfs_journal_ref(CgfsJournal *j);
void cgfs_journal_unref(CgfsJournal *j);
const char *cgfs_journal_dir(const CgfsJournal *j);

/* Undo every record in the journal's directory, newest first, and drop it. Returns one line per
 * record saying what was done (a NULL-terminated array, empty when there was nothing), for the
 * caller to log; NULL with @error only when the directory cannot be read. */
char **cgfs_journal_recover(CgfsJournal *j, GError **error);

/* Journal the plans run on @h's cgroups from now on (NULL: stop). @h keeps a reference. */
void cgfs_hierarchy_set_journal(CgfsHierarchy *h, CgfsJournal *j);

#pragma GCC visibility pop

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsJournal, cgfs_journal_unref)

G_END_DECLS
