/**
 * SECTION:journal
 * @title: CgfsJournal
 * @short_description: the journal of plans in flight, for recovery after a crash
 * @include: cgfs/cgfs.h
 *
 * Before a plan that changes several kernel files runs (a limits update, a process move across
 * hierarchies, a v1 kill, a delete), its undo record is written to a state directory (whole or
 * not at all for the next process, whenever this one dies; records of an earlier boot are
 * ignored, as the kernel's cgroups do not survive one); when it completes the record is
 * dropped. After a crash, cgfs_journal_recover() finds the records left and puts each cgroup
 * back as it was before the plan (or forward, where that is the only consistent state).
 * Callers opt in: attach a journal to a hierarchy (docs/architecture.md, "The journal").
 *
 * A #CgfsJournal's reference count is atomic and the plans of several threads can be
 * journalled at once.
 */
#pragma once

#include <glib.h>
#include <cgfs/hierarchy.h>

G_BEGIN_DECLS

#pragma GCC visibility push(default) /* the public API: exported (lib/libcgfs.map) */

/**
 * CgfsJournal:
 *
 * A state directory holding the undo records of plans in flight. Opaque; reference-counted.
 */
typedef struct _CgfsJournal CgfsJournal;

/**
 * cgfs_journal_new:
 * @dir: the state directory (made 0700 if missing, parents included)
 * @error: return location for a #GError, or %NULL
 *
 * Open @dir and take its lock: EBUSY while another process holds it (its records are still in
 * flight). Recover what is there first (cgfs_journal_recover()).
 *
 * Returns: (transfer full): the journal, or %NULL with @error set
 */
CgfsJournal *cgfs_journal_new(const char *dir, GError **error);
/**
 * cgfs_journal_ref:
 * @j: a #CgfsJournal
 *
 * Take a reference (atomic).
 *
 * Returns: @j
 */
CgfsJournal *cgfs_journal_ref(CgfsJournal *j);
/**
 * cgfs_journal_unref:
 * @j: (nullable): a #CgfsJournal
 *
 * Drop a reference (atomic); the last one releases the lock. %NULL is accepted.
 */
void cgfs_journal_unref(CgfsJournal *j);
/**
 * cgfs_journal_dir:
 * @j: a #CgfsJournal
 *
 * The state directory.
 *
 * Returns: (transfer none): the path, owned by @j
 */
const char *cgfs_journal_dir(const CgfsJournal *j);

/**
 * cgfs_journal_recover:
 * @j: a #CgfsJournal
 * @error: return location for a #GError, or %NULL
 *
 * Undo every record in the journal's directory, newest first, and drop it.
 *
 * Returns: (transfer full): one line per record saying what was done, for the caller to log
 *   (a %NULL-terminated array, empty when there was nothing; g_strfreev() it); %NULL with
 *   @error only when the directory cannot be read
 */
char **cgfs_journal_recover(CgfsJournal *j, GError **error);

/**
 * cgfs_hierarchy_set_journal:
 * @h: a #CgfsHierarchy
 * @j: (nullable): the journal, or %NULL to stop journalling
 *
 * Journal the plans run on @h's cgroups from now on. @h keeps a reference. Not thread-safe:
 * call it before @h is shared between threads.
 */
void cgfs_hierarchy_set_journal(CgfsHierarchy *h, CgfsJournal *j);

#pragma GCC visibility pop

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CgfsJournal, cgfs_journal_unref)

G_END_DECLS
