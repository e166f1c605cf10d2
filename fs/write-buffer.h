/* Assembling what a writer sends to a node, write() by write(), into the units a node applies.
 *
 * Token nodes (procs, threads, state, kill) take white-space separated words: a word is complete
 * when white space follows it, and the last one when the file is flushed. JSON nodes
 * (resources.json) take one JSON object per open file: it is complete when its closing brace
 * arrives, and a syntax error is reported by the write() that brings it, not only at close(). Why
 * not only at close(): a shell's builtin `echo` restores its stdout with dup2(), which discards the
 * error of the implicit close, so an error found only there would never reach the user.
 */
#pragma once

#include <glib.h>

typedef enum {
  FS_WRITE_TOKENS,
  FS_WRITE_JSON,
} FsWriteKind;

/* The longest word a token node accepts, and the largest JSON document. */
#define FS_TOKEN_MAX 64
#define FS_JSON_MAX (4u << 20)

typedef struct _FsWriteBuffer FsWriteBuffer;

FsWriteBuffer *fs_write_buffer_new(FsWriteKind kind);
void fs_write_buffer_free(FsWriteBuffer *b);
/* The bytes held for a unit not complete yet (what the writer costs the daemon). */
gsize fs_write_buffer_held(const FsWriteBuffer *b);

/* Take @len bytes and append the units they complete (tokens, or the JSON document) to @units,
 * as new strings. EINVAL names the position and the reason for malformed input, EFBIG for input
 * over the limits; after a JSON error every later write fails too (the document is lost). */
gboolean fs_write_buffer_feed(FsWriteBuffer *b, const char *data, gsize len, GPtrArray *units,
                              GError **error);
/* The file is being closed: append the last token, or fail (EINVAL) on an unfinished document.
 * The buffer is empty afterwards. */
gboolean fs_write_buffer_flush(FsWriteBuffer *b, GPtrArray *units, GError **error);

/* Tokens: the word the last write() left unfinished ("" when it ended in white space), for the
 * node to check before it applies the words that came complete with it. */
const char *fs_write_buffer_partial(FsWriteBuffer *b);
/* The units of the last write() were refused with @error. Tokens: the unfinished word is
 * dropped, and its rest in the next write skipped. JSON: the document is over; every later
 * write() fails with @error (a writer that retries the same bytes, as CPython's buffered files
 * do at close(), gets the document's own error again). */
void fs_write_buffer_refuse(FsWriteBuffer *b, const GError *error);
/* JSON: the error that ended the document, or NULL. */
const GError *fs_write_buffer_error(FsWriteBuffer *b);
/* Tokens: keep @units (taken, @units is emptied) unapplied: their write ended inside a word, and
 * they are applied with it, when a write ends at white space or at close, so that a write such
 * as "PID 99999" (no newline) is refused whole when its last word is. */
void fs_write_buffer_hold(FsWriteBuffer *b, GPtrArray *units);
/* Put the held words (if any) before @units. */
void fs_write_buffer_take_held(FsWriteBuffer *b, GPtrArray *units);
/* Whether a token or a document has started and not been completed or refused. */
gboolean fs_write_buffer_unfinished(FsWriteBuffer *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FsWriteBuffer, fs_write_buffer_free)
