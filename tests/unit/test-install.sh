#!/bin/sh
# After `meson install`, `pkg-config --cflags --libs cgfs` builds and links a program against the
# installed headers and library, and the program runs.
set -eu
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
find "$dest" -path '*/lib/systemd/system/cgfs.service' | grep -q . || { echo "cgfs.service not installed"; exit 1; }
pc=$(find "$dest" -name cgfs.pc | head -n 1)
[ -n "$pc" ] || { echo "cgfs.pc not installed"; exit 1; }
# point the installed cgfs.pc at the staging directory
sed -i "s|^prefix=|prefix=$dest|" "$pc"
export PKG_CONFIG_PATH="$(dirname "$pc")"
cat > "$dest/probe.c" <<'C'
#include <stdio.h>
#include <cgfs/cgfs.h>
int main(void)
{
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
# shellcheck disable=SC2046
cc -Wall -Werror -o "$dest/probe" "$dest/probe.c" $(pkg-config --cflags --libs cgfs)
libdir=$(dirname "$(find "$dest" -name 'libcgfs.so*' | head -n 1)")
LD_LIBRARY_PATH="$libdir" "$dest/probe"
