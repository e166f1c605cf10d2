#include "config-internal.h"

#include <math.h>

#include "convert.h"

#define SHARES_MIN 2
#define SHARES_MAX 262144
#define WEIGHT_MAX 10000

guint64 cgfs_cpu_shares_to_weight(guint64 shares)
{
  if (shares == 0)
    return 0;
  if (shares <= SHARES_MIN)
    return 1;
  if (shares >= SHARES_MAX)
    return WEIGHT_MAX;
  double l = log2((double)shares);
  double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return (guint64)ceil(pow(10, exponent));
}

/* The conversion is monotonic and reaches every weight (1..10000); several shares give each
 * weight (it rounds up), and the largest of them is the one whose exact value is the weight:
 * 1024 for 100, as on v1. A binary search finds the first shares past it. */
guint64 cgfs_cpu_weight_to_shares(guint64 weight)
{
  if (weight == 0)
    return 0;
  if (weight >= WEIGHT_MAX)
    return SHARES_MAX;
  guint64 lo = SHARES_MIN, hi = SHARES_MAX;
  while (lo < hi) {
    guint64 mid = lo + (hi - lo) / 2;
    if (cgfs_cpu_shares_to_weight(mid) > weight)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo - 1;
}

char *cgfs_cpu_max_format(gint64 quota, guint64 period)
{
  if (quota <= 0)
    return g_strdup_printf("max %" G_GUINT64_FORMAT, period);
  return g_strdup_printf("%" G_GINT64_FORMAT " %" G_GUINT64_FORMAT, quota, period);
}

gboolean cgfs_cpu_max_parse(const char *text, gint64 *quota, guint64 *period)
{
  g_auto(GStrv) parts = g_strsplit(text, " ", -1);
  if (g_strv_length(parts) != 2)
    return FALSE;
  if (!g_ascii_string_to_unsigned(parts[1], 10, 1, G_MAXINT64, period, NULL))
    return FALSE;
  if (strcmp(parts[0], "max") == 0) {
    *quota = -1;
    return TRUE;
  }
  return g_ascii_string_to_signed(parts[0], 10, 1, G_MAXINT64, quota, NULL);
}

gboolean cgfs_memory_swap_to_v2(gint64 swap, gint64 limit, gint64 *swap_max)
{
  if (swap == -1) {
    *swap_max = -1;
    return TRUE;
  }
  if (limit == -1 || swap < limit)
    return FALSE;
  *swap_max = swap - limit;
  return TRUE;
}

gboolean cgfs_memory_swap_from_v2(gint64 limit, gint64 swap_max, gint64 *swap)
{
  if (swap_max == -1) {
    *swap = -1;
    return TRUE;
  }
  if (limit == -1 || swap_max > G_MAXINT64 - limit)
    return FALSE;
  *swap = limit + swap_max;
  return TRUE;
}

guint64 cgfs_blkio_weight_to_io_weight(guint64 weight)
{
  if (weight <= 10)
    return 1;
  if (weight >= 1000)
    return WEIGHT_MAX;
  return 1 + (weight - 10) * 9999 / 990;
}

gboolean cgfs_io_weight_to_blkio_weight(guint64 io_weight, guint64 *weight)
{
  if (io_weight < 1 || io_weight > WEIGHT_MAX)
    return FALSE;
  /* The forward map is increasing with steps of about 10: start from its real inverse. */
  guint64 guess = 10 + (io_weight - 1) * 990 / 9999;
  for (guint64 w = guess > 10 ? guess - 1 : 10; w <= MIN(guess + 1, 1000); w++)
    if (cgfs_blkio_weight_to_io_weight(w) == io_weight) {
      *weight = w;
      return TRUE;
    }
  return FALSE;
}

const char *cgfs_limit_format_in(gint64 value, int version, char buf[CGFS_NUMBER_TEXT])
{
  if (value < 0)
    return version == 2 ? "max" : "-1";
  return cgfs_u64_format_in((guint64)value, buf);
}

char *cgfs_limit_format(gint64 value, int version)
{
  char buf[CGFS_NUMBER_TEXT];
  return g_strdup(cgfs_limit_format_in(value, version, buf));
}

const char *cgfs_u64_format_in(guint64 value, char buf[CGFS_NUMBER_TEXT])
{
  /* the decimal digits, without printf's machinery (a few per update) */
  gsize i = CGFS_NUMBER_TEXT;
  buf[--i] = '\0';
  do
    buf[--i] = (char)('0' + value % 10);
  while ((value /= 10) > 0);
  return buf + i;
}

char *cgfs_u64_format(guint64 value)
{
  char buf[CGFS_NUMBER_TEXT];
  return g_strdup(cgfs_u64_format_in(value, buf));
}

guint64 cgfs_v1_unlimited_bytes(void)
{
  guint64 page = (guint64)sysconf(_SC_PAGESIZE);
  return (G_MAXINT64 / page) * page;
}

/* What g_ascii_string_to_unsigned(@text, 10, 0, G_MAXUINT64) takes (decimal digits only: no
 * sign, no white space, at least one digit, no overflow), without its machinery: a limits
 * update parses ~4 limits (~300 instructions each that way). */
static gboolean parse_u64(const char *text, guint64 *out)
{
  if (!*text)
    return FALSE;
  guint64 v = 0;
  for (const char *c = text; *c; c++) {
    if (*c < '0' || *c > '9')
      return FALSE;
    guint digit = (guint)(*c - '0');
    if (v > (G_MAXUINT64 - digit) / 10)
      return FALSE;
    v = v * 10 + digit;
  }
  *out = v;
  return TRUE;
}

gboolean cgfs_limit_parse(const char *text, gint64 *value)
{
  if (strcmp(text, "max") == 0 || strcmp(text, "-1") == 0) {
    *value = -1;
    return TRUE;
  }
  guint64 v;
  if (!parse_u64(text, &v))
    return FALSE;
  *value = v >= cgfs_v1_unlimited_bytes() ? -1 : (gint64)v;
  return TRUE;
}

gboolean cgfs_hugepage_size_parse(const char *text, guint64 *bytes)
{
  static const struct {
    const char *suffix;
    guint64 unit;
  } units[] = { { "GB", 1 << 30 }, { "MB", 1 << 20 }, { "KB", 1 << 10 } };
  for (guint i = 0; i < G_N_ELEMENTS(units); i++) {
    if (!g_str_has_suffix(text, units[i].suffix))
      continue;
    g_autofree char *digits = g_strndup(text, strlen(text) - 2);
    guint64 n;
    if (!*digits || !g_ascii_isdigit(digits[0]) ||
        !g_ascii_string_to_unsigned(digits, 10, 1, G_MAXUINT32, &n, NULL))
      return FALSE;
    /* The kernel names a size by its largest whole unit: 2048KB is "2MB". */
    if (i > 0 && n % 1024 == 0)
      return FALSE;
    *bytes = n * units[i].unit;
    return TRUE;
  }
  return FALSE;
}
