/* Which kernel files a library call opens, so a benchmark can time reading exactly those files
 * directly (the floor). The benchmark is linked with -Wl,--wrap=openat64. */
#pragma once

#include <glib.h>

#define RECORDER_MAX_FILES 128

typedef struct {
  int dirfd;
  char *name;
} RecordedOpen;

typedef struct {
  RecordedOpen files[RECORDER_MAX_FILES];
  guint n;      /* files opened for reading (not O_PATH, not directories) */
  guint failed; /* opens that failed: files the call looked for and did not find */
} Recording;

/* Run @fn(@data) and add the files it opens to @r. Single-threaded. */
void recording_capture(Recording *r, void (*fn)(gpointer), gpointer data);
void recording_clear(Recording *r);
/* The floor: open, read once into @buf, close every recorded file; exits on a failure. */
void recording_replay(const Recording *r, char *buf, gsize size);
