#!/usr/bin/env bash
# Fetches the Debian packages the tests read as references (never installed, never committed)
# into a cache outside the repository: PARAVIRT_CACHE (default ~/.cache/paravirt)/debs. Does
# nothing for a package already there.
#   libxen-dev       Xen's public headers (xen/xen.h): the hypercall table is checked against them.
#   linux-image      Debian's stock x86-64 kernel (the unsigned build of the version the
#                    linux-image-amd64 metapackage points at): only boot/vmlinuz-* is kept, in
#                    linux-image/vmlinuz, with its package name in linux-image/package.
#   busybox-static   a static busybox for the initramfs the tests build around that kernel:
#                    busybox-static/bin/busybox.
# Usage: fetch-debs.sh [package...]   (default: all of them)
set -euo pipefail

cache="${PARAVIRT_CACHE:-$HOME/.cache/paravirt}/debs"
mkdir -p "$cache"
cd "$cache"

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"

# apt-get download, refreshing the package lists once if this machine has none yet.
download() {
  if ! apt-get download "$1" >/dev/null 2>&1; then
    $sudo_cmd apt-get update -qq
    apt-get download "$1" >/dev/null
  fi
}

deb_of() { ls "${1}"_*.deb 2>/dev/null | head -n1 || true; }

unpack() {  # package, test path that proves it is unpacked
  local pkg=$1 marker=$2
  [ -e "$pkg/$marker" ] && return 0
  local deb
  deb=$(deb_of "$pkg")
  if [ -z "$deb" ]; then download "$pkg"; deb=$(deb_of "$pkg"); fi
  rm -rf "$pkg.tmp"
  dpkg-deb -x "$deb" "$pkg.tmp"
  rm -rf "$pkg"
  mv "$pkg.tmp" "$pkg"
  echo "fetch-debs: $pkg unpacked into $cache/$pkg"
}

# The kernel package: the one linux-image-amd64 depends on, in its unsigned build when Debian
# has one (the signed package only wraps the same image with a Secure Boot signature).
linux_package() {
  local dep
  dep=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  if [ -z "$dep" ]; then
    $sudo_cmd apt-get update -qq
    dep=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  fi
  [ -n "$dep" ] || { echo "fetch-debs: cannot resolve linux-image-amd64 to a kernel package" >&2; return 1; }
  if apt-cache show "$dep-unsigned" >/dev/null 2>&1; then echo "$dep-unsigned"; else echo "$dep"; fi
}

fetch_linux() {
  [ -s linux-image/vmlinuz ] && return 0
  local pkg deb
  pkg=$(linux_package)
  deb=$(deb_of "$pkg")
  if [ -z "$deb" ]; then download "$pkg"; deb=$(deb_of "$pkg"); fi
  # The package is mostly modules; only the compressed kernel is kept.
  rm -rf linux-image.tmp && mkdir linux-image.tmp
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C linux-image.tmp --wildcards './boot/vmlinuz-*'
  mv linux-image.tmp/boot/vmlinuz-* linux-image.tmp/vmlinuz
  rmdir linux-image.tmp/boot
  echo "$pkg" > linux-image.tmp/package
  rm -rf linux-image && mv linux-image.tmp linux-image
  rm -f "$deb"
  echo "fetch-debs: $pkg's kernel in $cache/linux-image/vmlinuz"
}

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(libxen-dev linux-image busybox-static)
for w in "${wanted[@]}"; do
  case "$w" in
    libxen-dev) unpack libxen-dev usr/include ;;
    busybox-static) unpack busybox-static bin/busybox ;;
    linux-image) fetch_linux ;;
    *) echo "fetch-debs: unknown package '$w' (libxen-dev, linux-image, busybox-static)" >&2; exit 2 ;;
  esac
done
