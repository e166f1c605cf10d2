/* Pure parsers of cgroup statistics files: text in, counters out, no I/O. They walk the text in
 * place (no copies, no per-line allocation) because stats are read on every poll. */
#include "stats-private.h"

/* A cursor over the non-empty lines of a file. */
typedef struct {
  const char *file;
  const char *p, *end;
  const char *line, *eol; /* the current line, without its newline */
  guint no;               /* its number, from 1 */
} Lines;

static void lines_init(Lines *l, const char *file, const char *text, gsize len)
{
  *l = (Lines){ .file = file, .p = text, .end = text + len };
}

static gboolean lines_next(Lines *l)
{
  while (l->p < l->end) {
    const char *nl = memchr(l->p, '\n', (gsize)(l->end - l->p));
    l->line = l->p;
    l->eol = nl ? nl : l->end;
    l->no++;
    l->p = nl ? nl + 1 : l->end;
    while (l->eol > l->line && l->eol[-1] == ' ')
      l->eol--;
    if (l->eol > l->line)
      return TRUE;
  }
  return FALSE;
}

static gboolean bad_line(const Lines *l, const char *why, GError **error)
{
  int shown = (int)MIN(l->eol - l->line, 120);
  cgfs_set_error(error, EBADMSG, "%s line %u: invalid file format: %s: '%.*s'", l->file, l->no,
                 why, shown, l->line);
  return FALSE;
}

/* Unsigned decimal digits at *@p, not past @end; *@p moves past them. */
static gboolean parse_u64(const char **p, const char *end, guint64 *out)
{
  const char *s = *p;
  guint64 v = 0;
  if (s >= end || !g_ascii_isdigit(*s))
    return FALSE;
  for (; s < end && g_ascii_isdigit(*s); s++) {
    guint d = (guint)(*s - '0');
    if (G_UNLIKELY(v >= G_MAXUINT64 / 10) && (v > G_MAXUINT64 / 10 || d > G_MAXUINT64 % 10))
      return FALSE;
    v = v * 10 + d;
  }
  *p = s;
  *out = v;
  return TRUE;
}

/* A value that may be "max". */
static gboolean parse_u64_or_max(const char **p, const char *end, guint64 max, guint64 *out)
{
  if (end - *p >= 3 && memcmp(*p, "max", 3) == 0) {
    *p += 3;
    *out = max;
    return TRUE;
  }
  return parse_u64(p, end, out) && *out <= max;
}

/* The next space-separated token of [*p, end); FALSE at the end. */
static gboolean next_token(const char **p, const char *end, const char **tok, gsize *len)
{
  const char *s = *p;
  while (s < end && *s == ' ')
    s++;
  if (s >= end)
    return FALSE;
  const char *e = s;
  while (e < end && *e != ' ')
    e++;
  *tok = s;
  *len = (gsize)(e - s);
  *p = e;
  return TRUE;
}

/* "MAJ:MIN" */
static gboolean parse_devnum(const char *tok, gsize len, guint64 *major, guint64 *minor)
{
  const char *p = tok, *end = tok + len;
  return parse_u64(&p, end, major) && p < end && *p++ == ':' && parse_u64(&p, end, minor) &&
         p == end;
}

static gsize count_lines(const char *text, gsize len)
{
  gsize n = 0;
  for (const char *p = text; (p = memchr(p, '\n', (gsize)(text + len - p))); p++)
    n++;
  return n + (len > 0 && text[len - 1] != '\n');
}

guint cgfs_parse_v2_controllers(const char *text, gsize len)
{
  static const struct {
    const char *name;
    guint bit;
  } known[] = {
    { "cpu", CGFS_V2_CPU },         { "io", CGFS_V2_IO },           { "memory", CGFS_V2_MEMORY },
    { "pids", CGFS_V2_PIDS },       { "hugetlb", CGFS_V2_HUGETLB }, { "rdma", CGFS_V2_RDMA },
  };
  const char *tok, *end = text + len;
  gsize tok_len;
  guint bits = 0;
  while (end > text && (end[-1] == '\n' || end[-1] == ' '))
    end--;
  for (const char *p = text; next_token(&p, end, &tok, &tok_len);)
    for (guint i = 0; i < G_N_ELEMENTS(known); i++)
      if (strlen(known[i].name) == tok_len && memcmp(known[i].name, tok, tok_len) == 0)
        bits |= known[i].bit;
  return bits;
}

const CgfsStatsField *cgfs_stats_lookup(const CgfsStatsTable *t, const char *key, gsize len,
                                        guint *cursor)
{
  guint n = t->n_fields, start = *cursor < n ? *cursor : 0;
  for (guint k = 0; k < n; k++) {
    guint i = start + k < n ? start + k : start + k - n;
    const CgfsStatsField *f = &t->fields[i];
    if (f->key_len == len && memcmp(f->key, key, len) == 0) {
      *cursor = i + 1;
      return f;
    }
  }
  return NULL;
}

static const char *copy_string(GStringChunk **strings, const char *s, gsize len)
{
  if (!*strings)
    *strings = g_string_chunk_new(256);
  return g_string_chunk_insert_len(*strings, s, (gssize)len);
}

static void add_extra(CgfsStatsExtraSink *sink, const char *key, gsize len, guint64 value)
{
  guint n = *sink->n;
  *sink->items = g_renew(CgfsStatsCounter, *sink->items, n + 1);
  (*sink->items)[n].key = copy_string(sink->strings, key, len);
  (*sink->items)[n].value = value;
  *sink->n = n + 1;
}

gboolean cgfs_parse_flat(const char *file, const char *text, gsize len, const CgfsStatsTable *t,
                         void *base, CgfsStatsExtraSink *extra, GError **error)
{
  Lines l;
  guint cursor = 0;
  lines_init(&l, file, text, len);
  while (lines_next(&l)) {
    const char *sp = memchr(l.line, ' ', (gsize)(l.eol - l.line));
    if (!sp || sp == l.line)
      return bad_line(&l, "not 'KEY VALUE'", error);
    const char *v = sp + 1;
    guint64 value;
    if (!parse_u64(&v, l.eol, &value) || v != l.eol)
      return bad_line(&l, "the value is not an unsigned integer", error);
    gsize key_len = (gsize)(sp - l.line);
    const CgfsStatsField *f = cgfs_stats_lookup(t, l.line, key_len, &cursor);
    if (f)
      cgfs_stats_set(base, t, f, value);
    else if (extra)
      add_extra(extra, l.line, key_len, value);
  }
  return TRUE;
}

gboolean cgfs_parse_single(const char *file, const char *text, gsize len, gboolean allow_max,
                           guint64 *out, GError **error)
{
  Lines l;
  lines_init(&l, file, text, len);
  if (!lines_next(&l)) {
    cgfs_set_error(error, EBADMSG, "%s line 1: invalid file format: empty", file);
    return FALSE;
  }
  const char *p = l.line;
  gboolean ok = allow_max ? parse_u64_or_max(&p, l.eol, G_MAXUINT64, out)
                          : parse_u64(&p, l.eol, out);
  if (!ok || p != l.eol)
    return bad_line(&l, allow_max ? "not an unsigned integer or 'max'"
                                  : "not an unsigned integer", error);
  if (lines_next(&l))
    return bad_line(&l, "more than one value", error);
  return TRUE;
}

gboolean cgfs_parse_u64_list(const char *file, const char *text, gsize len, guint64 **out,
                             guint *n, GError **error)
{
  Lines l;
  lines_init(&l, file, text, len);
  *out = NULL;
  *n = 0;
  if (!lines_next(&l))
    return TRUE;
  guint count = 0;
  const char *tok;
  gsize tok_len;
  for (const char *p = l.line; next_token(&p, l.eol, &tok, &tok_len);)
    count++;
  g_autofree guint64 *values = g_new(guint64, count);
  guint i = 0;
  for (const char *p = l.line; next_token(&p, l.eol, &tok, &tok_len); i++) {
    const char *q = tok;
    if (!parse_u64(&q, tok + tok_len, &values[i]) || q != tok + tok_len)
      return bad_line(&l, "not a list of unsigned integers", error);
  }
  if (lines_next(&l))
    return bad_line(&l, "more than one line", error);
  *out = g_steal_pointer(&values);
  *n = count;
  return TRUE;
}

/* The column of @name in the header line of cpuacct.usage_all, or -1. */
static int header_column(const Lines *l, const char *name)
{
  const char *tok;
  gsize len;
  int col = 0;
  for (const char *p = l->line; next_token(&p, l->eol, &tok, &len); col++)
    if (len == strlen(name) && memcmp(tok, name, len) == 0)
      return col;
  return -1;
}

gboolean cgfs_parse_cpuacct_all(const char *file, const char *text, gsize len, guint64 *user,
                                guint64 *system, GError **error)
{
  Lines l;
  lines_init(&l, file, text, len);
  if (!lines_next(&l)) {
    cgfs_set_error(error, EBADMSG, "%s line 1: invalid file format: empty", file);
    return FALSE;
  }
  if (header_column(&l, "cpu") != 0)
    return bad_line(&l, "no 'cpu user system' header", error);
  int user_col = header_column(&l, "user"), sys_col = header_column(&l, "system");
  if (user_col < 0 || sys_col < 0)
    return bad_line(&l, "no 'user' and 'system' columns", error);
  *user = *system = 0;
  while (lines_next(&l)) {
    const char *tok;
    gsize tok_len;
    int col = 0;
    for (const char *p = l.line; next_token(&p, l.eol, &tok, &tok_len); col++) {
      const char *q = tok;
      guint64 v;
      if (!parse_u64(&q, tok + tok_len, &v) || q != tok + tok_len)
        return bad_line(&l, "not 'CPU USER SYSTEM'", error);
      if (col == user_col)
        *user += v;
      else if (col == sys_col)
        *system += v;
    }
    if (col <= MAX(user_col, sys_col))
      return bad_line(&l, "too few columns", error);
  }
  return TRUE;
}

/* "12.34": the kernel prints averages with two decimals. */
static gboolean parse_decimal(const char **p, const char *end, double *out)
{
  guint64 whole, frac = 0;
  double scale = 1;
  if (!parse_u64(p, end, &whole))
    return FALSE;
  if (*p < end && **p == '.') {
    (*p)++;
    const char *start = *p;
    if (!parse_u64(p, end, &frac) || *p - start > 9)
      return FALSE;
    for (const char *s = start; s < *p; s++)
      scale *= 10;
  }
  *out = (double)whole + (double)frac / scale;
  return TRUE;
}

static gboolean parse_psi_line(const Lines *l, const char *rest, CgfsPsiData *d, GError **error)
{
  static const char *const keys[] = { "avg10", "avg60", "avg300", "total" };
  double *avgs[] = { &d->avg10, &d->avg60, &d->avg300 };
  guint seen = 0;
  const char *tok;
  gsize len;
  for (const char *p = rest; next_token(&p, l->eol, &tok, &len);) {
    const char *eq = memchr(tok, '=', len), *v, *end = tok + len;
    guint k;
    for (k = 0; k < G_N_ELEMENTS(keys); k++)
      if (eq && (gsize)(eq - tok) == strlen(keys[k]) && memcmp(tok, keys[k], (gsize)(eq - tok)) == 0)
        break;
    if (k == G_N_ELEMENTS(keys))
      continue; /* a key a newer kernel added */
    v = eq + 1;
    gboolean ok = k < 3 ? parse_decimal(&v, end, avgs[k]) : parse_u64(&v, end, &d->total);
    if (!ok || v != end)
      return bad_line(l, "a value is not a number", error);
    seen |= 1u << k;
  }
  if (seen != 0xf)
    return bad_line(l, "not 'avg10=A avg60=B avg300=C total=T'", error);
  return TRUE;
}

gboolean cgfs_parse_psi(const char *file, const char *text, gsize len, CgfsPsiStats *out,
                        GError **error)
{
  Lines l;
  lines_init(&l, file, text, len);
  while (lines_next(&l)) {
    gsize n = (gsize)(l.eol - l.line);
    CgfsPsiData *d;
    if (n > 5 && memcmp(l.line, "some ", 5) == 0)
      d = &out->some;
    else if (n > 5 && memcmp(l.line, "full ", 5) == 0) {
      d = &out->full;
      out->has_full = TRUE;
    } else
      return bad_line(&l, "not a 'some' or 'full' line", error);
    if (!parse_psi_line(&l, l.line + 5, d, error))
      return FALSE;
  }
  out->present = TRUE;
  return TRUE;
}

static const char *blkio_op(const char *tok, gsize len, GStringChunk **strings)
{
  static const char *const ops[] = { "Read", "Write", "Sync", "Async", "Discard", "Total" };
  for (guint i = 0; i < G_N_ELEMENTS(ops); i++)
    if (strlen(ops[i]) == len && memcmp(ops[i], tok, len) == 0)
      return ops[i];
  return copy_string(strings, tok, len);
}

/* One line of a blkio list into @e; FALSE (no error) for the closing "Total N" line. */
static gboolean parse_blkio_line(const Lines *l, GStringChunk **strings, CgfsV1BlkioEntry *e,
                                 gboolean *ok, GError **error)
{
  const char *p = l->line, *tok[3];
  gsize len[3];
  guint n = 0;
  while (n < 3 && next_token(&p, l->eol, &tok[n], &len[n]))
    n++;
  const char *rest;
  gsize rest_len;
  *ok = FALSE;
  if (n < 2 || next_token(&p, l->eol, &rest, &rest_len))
    return bad_line(l, "not 'MAJ:MIN OP VALUE'", error);
  if (n == 2 && len[0] == 5 && memcmp(tok[0], "Total", 5) == 0) {
    *ok = TRUE;
    return FALSE;
  }
  const char *v = tok[n - 1];
  if (!parse_devnum(tok[0], len[0], &e->major, &e->minor))
    return bad_line(l, "not a MAJ:MIN device number", error);
  if (!parse_u64(&v, tok[n - 1] + len[n - 1], &e->value) || v != tok[n - 1] + len[n - 1])
    return bad_line(l, "the value is not an unsigned integer", error);
  e->op = n == 3 ? blkio_op(tok[1], len[1], strings) : "";
  e->device = NULL;
  *ok = TRUE;
  return TRUE;
}

gboolean cgfs_parse_blkio(const char *file, const char *text, gsize len, GStringChunk **strings,
                          CgfsV1BlkioList *out, GError **error)
{
  Lines l;
  gsize cap = count_lines(text, len);
  g_autofree CgfsV1BlkioEntry *entries = cap ? g_new(CgfsV1BlkioEntry, cap) : NULL;
  guint n = 0;
  lines_init(&l, file, text, len);
  while (lines_next(&l)) {
    gboolean ok;
    if (parse_blkio_line(&l, strings, &entries[n], &ok, error))
      n++;
    else if (!ok)
      return FALSE;
  }
  out->present = TRUE;
  out->entries = n ? g_steal_pointer(&entries) : NULL;
  out->n_entries = n;
  return TRUE;
}

/* The "key=value" pairs after the head token of @l into @base through @t; unknown keys are
 * skipped (iocost adds "cost.*" keys with decimal values). */
static gboolean parse_pairs(const Lines *l, const char *p, const CgfsStatsTable *t, void *base,
                            GError **error)
{
  const char *tok;
  gsize len;
  guint cursor = 0;
  while (next_token(&p, l->eol, &tok, &len)) {
    const char *eq = memchr(tok, '=', len);
    if (!eq || eq == tok)
      return bad_line(l, "not 'KEY=VALUE' pairs", error);
    const CgfsStatsField *f = cgfs_stats_lookup(t, tok, (gsize)(eq - tok), &cursor);
    if (!f)
      continue;
    const char *v = eq + 1;
    guint64 value;
    if (!parse_u64(&v, tok + len, &value) || v != tok + len)
      return bad_line(l, "a value is not an unsigned integer", error);
    cgfs_stats_set(base, t, f, value);
  }
  return TRUE;
}

gboolean cgfs_parse_io_stat(const char *file, const char *text, gsize len,
                            CgfsV2IoEntry **out, guint *n, GError **error)
{
  const CgfsStatsTable *t = &cgfs_v2_io_entry_table;
  gsize cap = count_lines(text, len);
  g_autofree CgfsV2IoEntry *entries = cap ? g_new0(CgfsV2IoEntry, cap) : NULL;
  guint count = 0;
  Lines l;
  lines_init(&l, file, text, len);
  while (lines_next(&l)) {
    CgfsV2IoEntry *e = &entries[count++];
    const char *p = l.line, *tok;
    gsize tok_len;
    guint64 major, minor;
    if (!next_token(&p, l.eol, &tok, &tok_len) || !parse_devnum(tok, tok_len, &major, &minor))
      return bad_line(&l, "not 'MAJ:MIN KEY=VALUE ...'", error);
    cgfs_stats_set(e, t, &t->fields[0], major);
    cgfs_stats_set(e, t, &t->fields[1], minor);
    if (!parse_pairs(&l, p, t, e, error))
      return FALSE;
  }
  *out = count ? g_steal_pointer(&entries) : NULL;
  *n = count;
  return TRUE;
}

static gboolean parse_rdma_line(const Lines *l, GStringChunk **strings, CgfsRdmaEntry *e,
                                GError **error)
{
  const char *p = l->line, *tok;
  gsize len;
  if (!next_token(&p, l->eol, &tok, &len))
    return bad_line(l, "no device name", error);
  e->device = copy_string(strings, tok, len);
  guint seen = 0;
  while (next_token(&p, l->eol, &tok, &len)) {
    const char *eq = memchr(tok, '=', len), *v;
    guint32 *slot;
    if (!eq)
      return bad_line(l, "not 'DEVICE KEY=VALUE ...'", error);
    gsize key_len = (gsize)(eq - tok);
    if (key_len == 10 && memcmp(tok, "hca_handle", 10) == 0)
      slot = &e->hca_handles, seen |= 1;
    else if (key_len == 10 && memcmp(tok, "hca_object", 10) == 0)
      slot = &e->hca_objects, seen |= 2;
    else
      continue; /* index=N when two devices share a name */
    guint64 value;
    v = eq + 1;
    if (!parse_u64_or_max(&v, tok + len, G_MAXUINT32, &value) || v != tok + len)
      return bad_line(l, "a value is not a 32-bit unsigned integer or 'max'", error);
    *slot = (guint32)value;
  }
  if (seen != 3)
    return bad_line(l, "not 'DEVICE hca_handle=N hca_object=N'", error);
  return TRUE;
}

gboolean cgfs_parse_rdma(const char *file, const char *text, gsize len, GStringChunk **strings,
                         CgfsRdmaEntry **out, guint *n, GError **error)
{
  gsize cap = count_lines(text, len);
  g_autofree CgfsRdmaEntry *entries = cap ? g_new0(CgfsRdmaEntry, cap) : NULL;
  guint count = 0;
  Lines l;
  lines_init(&l, file, text, len);
  while (lines_next(&l))
    if (!parse_rdma_line(&l, strings, &entries[count++], error))
      return FALSE;
  *out = count ? g_steal_pointer(&entries) : NULL;
  *n = count;
  return TRUE;
}
