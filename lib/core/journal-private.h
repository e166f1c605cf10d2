/* Internal: writing the journal's records (journal.c). */
#pragma once

#include "cgroup-private.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include <cgfs/journal.h>

typedef struct _CgfsJournalRecord CgfsJournalRecord;

/* The journal attached to @cg's hierarchy, or NULL. */
CgfsJournal *cgfs_cgroup_journal(const CgfsCgroup *cg);

/* A record under construction: kind "update", "move", "kill" or "delete", for @cg. NULL
 * (nothing to journal) when @cg's hierarchy has no journal; every function below accepts NULL. */
JsonBuilder *cgfs_journal_record_start(const CgfsCgroup *cg, const char *kind);
/* Write it (in place, in a record file of its own kept open: whole or absent after the process
 * dies; not fsync'd, see journal.c) before the plan runs; errors from the file system.
 * *@record NULL: a new record, stored in *@record; else that record is replaced whole by this
 * one (same place in the order of recovery). A NULL @b changes nothing and returns TRUE. */
gboolean cgfs_journal_record_commit(const CgfsCgroup *cg, JsonBuilder *b,
                                    CgfsJournalRecord **record, GError **error);
/* The same, for a record written as text (cheaper than a JsonBuilder's tree, for the records of
 * every update): the record's opening members ("{" version, kind, cgroup, boot_id), to which
 * the caller appends ",\"member\":value" pairs (strings with cgfs_json_append_string); the
 * commit closes it. NULL when @cg's hierarchy has no journal. */
GString *cgfs_journal_text_start(const CgfsCgroup *cg, const char *kind);
gboolean cgfs_journal_text_commit(const CgfsCgroup *cg, GString *text,
                                  CgfsJournalRecord **record, GError **error);
/* @len bytes of @text appended to @out through GString's public fields, without a call when
 * they fit (as glib's own g_string_append_c does): a record appends ~30 pieces, and
 * g_string_append_len costs ~80 instructions each. */
static inline void cgfs_text_append_len(GString *out, const char *text, gsize len)
{
  if (out->len + len < out->allocated_len) {
    memcpy(out->str + out->len, text, len);
    out->len += len;
    out->str[out->len] = '\0';
  } else {
    g_string_append_len(out, text, (gssize)len);
  }
}
/* The same for a string literal (its length known when compiled). */
#define cgfs_text_append_literal(out, literal) \
  cgfs_text_append_len((out), "" literal "", sizeof(literal) - 1)

/* @value as a JSON string, quotes included. */
void cgfs_json_append_string(GString *out, const char *value);
/* The JSON string of the path "@dir/@file" (@dir_len bytes of @dir; no second '/' after one that
 * ends it), as cgfs_json_append_string() of the joined path would append it. */
void cgfs_json_append_path(GString *out, const char *dir, gsize dir_len, const char *file);
/* The plan completed (or was rolled back in process): drop the record. */
void cgfs_journal_record_drop(CgfsJournalRecord *r);

/* The absolute path of a file relative to an O_PATH directory fd, for a record. */
char *cgfs_journal_fd_path(int dirfd, const char *file);
/* /proc/PID/stat's start time, to tell a process from a later one with the same number. */
char *cgfs_journal_starttime(pid_t pid);

/* A plan may run with a caller's credentials (the daemon switches a thread's uid for the kernel
 * to check the caller, fs/caller.c), but the journal (and a plan's lock) is the process's own:
 * between cgfs_as_process() and cgfs_as_before(), files are opened with the file system
 * identity of the saved set-user-ID (root's, for the daemon). Per thread. */
typedef struct {
  gboolean switched;
  uid_t fsuid;
  gid_t fsgid;
} CgfsProcessIdentity;
CgfsProcessIdentity cgfs_as_process(void);
void cgfs_as_before(const CgfsProcessIdentity *id);
