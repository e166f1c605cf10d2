/* The library's version, for programs that check what they run with. */
#include <cgfs/version.h>

const char *cgfs_version(void)
{
  return CGFS_VERSION_STRING;
}
