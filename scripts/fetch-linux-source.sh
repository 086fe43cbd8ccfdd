#!/usr/bin/env bash
# Fetches Debian's linux-source package (6.1, or the version Debian offers when 6.1 is gone)
# with `apt-get download`, and extracts arch/x86 and init/ into a cache outside the repository:
#   ${XDG_CACHE_HOME:-~/.cache}/paravirt/linux-source/<package>_<version>/{arch/x86,init}
# Prints that arch/x86 path. A second run reuses the cache and needs no network.
# Used by the linter's real-code test (test/language-server/linux-x86.test.ts), by the bench,
# and as the source tree a debugged kernel's sourceMap points at (init/main.c holds
# start_kernel: test/e2e's Linux scenario opens it there).
set -euo pipefail

cache="${XDG_CACHE_HOME:-$HOME/.cache}/paravirt/linux-source"
mkdir -p "$cache"

# A finished extraction from an earlier run: reuse it (newest first). One made before init/ was
# extracted too is redone.
for done in $(ls -1dt "$cache"/*/.extracted 2>/dev/null); do
  [ -f "$(dirname "$done")/init/main.c" ] || continue
  echo "$(dirname "$done")/arch/x86"
  exit 0
done

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }

pkg=linux-source-6.1
ver="$(candidate "$pkg")"
if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2 || true
  ver="$(candidate "$pkg")"
fi
if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
  # 6.1 is not offered here: take the newest linux-source-X.Y Debian has, and say so.
  pkg="$(apt-cache search --names-only '^linux-source-[0-9]+\.[0-9]+$' | awk '{ print $1 }' | sort -V | tail -1)"
  [ -n "$pkg" ] || { echo "fetch-linux-source: Debian offers no linux-source package here (apt sources?)" >&2; exit 1; }
  ver="$(candidate "$pkg")"
  echo "fetch-linux-source: linux-source-6.1 is not available; using $pkg $ver" >&2
fi

dir="$cache/${pkg}_${ver}"
mkdir -p "$dir"
cd "$dir"
deb="$(ls -1 "${pkg}"_*.deb 2>/dev/null | head -1 || true)"
if [ -z "$deb" ]; then
  # apt's download sandbox user cannot write into a private home; the file is ours either way.
  apt-get download "$pkg=$ver" >&2 2> >(grep -v 'Download is performed unsandboxed' >&2)
  deb="$(ls -1 "${pkg}"_*.deb | head -1)"
fi
tarball="$(dpkg-deb -c "$deb" | awk '{ print $NF }' | grep -E '^\./usr/src/linux-source-[0-9.]+\.tar\.xz$' | head -1)"
[ -n "$tarball" ] || { echo "fetch-linux-source: no source tarball in $deb" >&2; exit 1; }
top="$(basename "$tarball" .tar.xz)"
rm -rf "$top" arch init .extracted
dpkg-deb --fsys-tarfile "$deb" | tar -xO "$tarball" | xz -dc | tar -x --wildcards "$top/arch/x86/*" "$top/init/*"
mv "$top/arch" arch
mv "$top/init" init
rmdir "$top"
rm -f "$deb"
touch .extracted
echo "$dir/arch/x86"
