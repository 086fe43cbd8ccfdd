#!/usr/bin/env bash
# Fetches the Debian packages the tests read as references (never installed, never committed)
# into a cache outside the repository: PARAVIRT_CACHE (default ~/.cache/paravirt)/debs, one
# directory per package unpacked with dpkg-deb. Does nothing for a package already there.
#   libxen-dev  Xen's public headers (xen/xen.h): the hypercall table is checked against them.
set -euo pipefail

cache="${PARAVIRT_CACHE:-$HOME/.cache/paravirt}/debs"
mkdir -p "$cache"
cd "$cache"

for pkg in libxen-dev; do
  [ -d "$pkg/usr/include" ] && continue
  deb=$(ls "${pkg}"_*.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    if ! apt-get download "$pkg" >/dev/null 2>&1; then
      # A fresh machine may have no package lists yet.
      sudo_cmd=""
      [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
      $sudo_cmd apt-get update -qq
      apt-get download "$pkg" >/dev/null
    fi
    deb=$(ls "${pkg}"_*.deb | head -n1)
  fi
  rm -rf "$pkg.tmp"
  dpkg-deb -x "$deb" "$pkg.tmp"
  mv "$pkg.tmp" "$pkg"
  echo "fetch-debs: $pkg unpacked into $cache/$pkg"
done
