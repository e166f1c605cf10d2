/* Internal: the field tables of CgfsResources, shared by the JSON codec and the validation. */
#pragma once

#include "config-internal.h"

#include "resources-private.h"

typedef enum {
  T_I64,
  T_U64,
  T_U32,
  T_U16,
  T_BOOL,
  T_STR,   /* char *, owned */
  T_CHARS, /* char[size] */
} FieldType;

typedef gboolean (*StringCheck)(const char *path, const char *value, GError **error);

typedef struct {
  const char *key;
  FieldType type;
  gssize has; /* offset of the has_ flag; -1: required (no flag) */
  gsize off;
  gint64 min, max;
  gsize size;        /* T_CHARS capacity */
  StringCheck check; /* T_STR, T_CHARS */
} Field;

#define NO_FLAG (-1)
#define I64_MAX G_MAXINT64

#define MAJOR_MAX 4095    /* 12 bits */
#define MINOR_MAX 1048575 /* 20 bits */

/* The member of type @T at byte offset @off of @base. */
#define AT(base, off, T) ((T *)(void *)((char *)(base) + (off)))

/* One table per JSON object, ended by a NULL key. */
extern const Field cgfs_memory_fields[];
extern const Field cgfs_cpu_fields[];
extern const Field cgfs_pids_fields[];
extern const Field cgfs_block_io_fields[];
extern const Field cgfs_weight_device_fields[];
extern const Field cgfs_throttle_fields[];
extern const Field cgfs_hugepage_fields[];
extern const Field cgfs_network_fields[];
extern const Field cgfs_priority_fields[];
extern const Field cgfs_rdma_fields[];
extern const Field cgfs_device_fields[];

/* Set @error (CGFS_ERROR, @code) to the formatted message; FALSE. */
gboolean cgfs_res_fail(GError **error, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* @path + "." + @key, or @key at the top. */
char *cgfs_path_join(const char *path, const char *key);
/* ERANGE "<path>: <v> is out of range <min>..<max>" unless @v is in range. */
gboolean cgfs_check_range(const char *path, gint64 v, gint64 min, gint64 max, gboolean u64,
                          GError **error);
/* EINVAL naming @path unless the string is valid. */
gboolean cgfs_check_utf8(const char *path, const char *s, GError **error);
gboolean cgfs_check_name(const char *path, const char *v, GError **error);
gboolean cgfs_check_access(const char *path, const char *v, GError **error);
gboolean cgfs_check_device_type(const char *path, const char *v, GError **error);

gboolean cgfs_field_present(const Field *f, gconstpointer base);
gint64 cgfs_field_int(const Field *f, gconstpointer base);
void cgfs_field_set_int(const Field *f, gpointer base, gint64 v);
const char *cgfs_field_string(const Field *f, gconstpointer base);
