#!/bin/sh
# After `meson install`, `pkg-config --cflags --libs cgfs` builds and links a program against the
# installed headers and library, and the program runs; the same against the build tree with the
# uninstalled cgfs.pc (meson-uninstalled/); the version macros match cgfs_version().
set -eu
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
find "$dest" -path '*/lib/systemd/system/cgfs.service' | grep -q . || { echo "cgfs.service not installed"; exit 1; }
# The API reference (docs/reference), when this build makes it (-Ddocs).
if [ -d "$build/docs/reference" ]; then
  index=$(find "$dest" -path '*/share/gtk-doc/html/cgfs/index.html' | head -n 1)
  [ -n "$index" ] || { echo "API reference not installed (share/gtk-doc/html/cgfs)"; exit 1; }
  grep -q cgfs_cgroup_new "$(dirname "$index")"/*.html || { echo "API reference lacks cgfs_cgroup_new"; exit 1; }
fi
pc=$(find "$dest" -name cgfs.pc | head -n 1)
[ -n "$pc" ] || { echo "cgfs.pc not installed"; exit 1; }
# point the installed cgfs.pc at the staging directory
sed -i "s|^prefix=|prefix=$dest|" "$pc"
export PKG_CONFIG_PATH="$(dirname "$pc")"
cat > "$dest/probe.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <cgfs/cgfs.h>
#if !CGFS_CHECK_VERSION(0, 1, 0) || CGFS_CHECK_VERSION(CGFS_MAJOR_VERSION, CGFS_MINOR_VERSION + 1, 0)
#error CGFS_CHECK_VERSION
#endif
int main(void)
{
  if (strcmp(cgfs_version(), CGFS_VERSION_STRING) != 0) {
    fprintf(stderr, "cgfs_version() %s, headers %s\n", cgfs_version(), CGFS_VERSION_STRING);
    return 1;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(CgfsSystem) sys = cgfs_system_new(&error);
  if (!sys) {
    fprintf(stderr, "%s\n", error->message);
    return 1;
  }
  printf("mode %s, %u mounts\n", cgfs_mode_to_string(cgfs_system_mode(sys)), cgfs_system_n_mounts(sys));
  return 0;
}
C
# json-glib is private: a program that uses only cgfs does not see it.
! pkg-config --print-requires cgfs | grep -q json-glib || { echo "json-glib in Requires"; exit 1; }
# shellcheck disable=SC2046
cc -Wall -Werror -o "$dest/probe" "$dest/probe.c" $(pkg-config --cflags --libs cgfs)
libdir=$(dirname "$(find "$dest" -name 'libcgfs.so*' | head -n 1)")
LD_LIBRARY_PATH="$libdir" "$dest/probe"

# The build tree, uninstalled.
# shellcheck disable=SC2046
cc -Wall -Werror -o "$dest/probe-uninstalled" "$dest/probe.c" \
  $(PKG_CONFIG_PATH="$build/meson-uninstalled" pkg-config --cflags --libs cgfs)
LD_LIBRARY_PATH="$build/lib" "$dest/probe-uninstalled"
