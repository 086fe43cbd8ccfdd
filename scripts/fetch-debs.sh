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
#   linux-cloud      Debian's cloud-amd64 flavour of the same kernel release (Xen PV and PVH
#                    built in, fewer drivers): linux-cloud/vmlinuz, its package name in
#                    linux-cloud/package.
#   linux-cloud-dbg  that flavour's debug package (the smallest whose kernel has CONFIG_XEN_PV
#                    and CONFIG_XEN_PVH: 283 MB against the amd64 flavour's 858 MB): only
#                    usr/lib/debug/boot/vmlinux-* is kept, in linux-cloud-dbg/vmlinux (about
#                    590 MB with DWARF 5), its package name in linux-cloud-dbg/package.
#   linux-newer-dbg  the debug vmlinux of the newest cloud-amd64 kernel of release 6.4 or later
#                    Debian offers (bookworm: linux-6.12), only its vmlinux, in
#                    linux-newer-dbg/vmlinux: a kernel with .orc_header and ORC's newer entry
#                    layout, for test/debug-adapter/orc-layouts.test.ts.
#   linux-source     Debian's linux-source of that release: arch/x86 and init/ (start_kernel's
#                    init/main.c) extracted by scripts/fetch-linux-source.sh into its cache
#                    (the tree a debugged kernel's sourceMap points at).
# Usage: fetch-debs.sh [package...]   (default: all of them)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
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

# The cloud flavour of the release linux-image-amd64 points at (one kernel version for both
# flavours, so the HVM test kernel and the debugged one are the same source).
cloud_package() {  # suffix: -unsigned or -dbg
  local amd64
  amd64=$(linux_package) || return 1
  amd64=${amd64%-unsigned}
  echo "${amd64%-amd64}-cloud-amd64$1"
}

# Extracts one member (a tar wildcard) of a package into dir/name, with the package's name in
# dir/package; the .deb is removed afterwards (the debug one is 283 MB).
fetch_member() {  # dir, package, wildcard, name
  local dir=$1 pkg=$2 pattern=$3 name=$4 deb
  [ -s "$dir/$name" ] && [ "$(cat "$dir/package" 2>/dev/null)" = "$pkg" ] && return 0
  deb=$(deb_of "$pkg")
  if [ -z "$deb" ]; then download "$pkg"; deb=$(deb_of "$pkg"); fi
  rm -rf "$dir.tmp" && mkdir "$dir.tmp"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir.tmp" --wildcards "$pattern"
  find "$dir.tmp" -type f -path "*${pattern#./}" -exec mv {} "$dir.tmp/$name" \;
  find "$dir.tmp" -mindepth 1 -type d -empty -delete
  [ -s "$dir.tmp/$name" ] || { echo "fetch-debs: $pkg holds no $pattern" >&2; return 1; }
  echo "$pkg" > "$dir.tmp/package"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  rm -f "$deb"
  echo "fetch-debs: $pkg's $name in $cache/$dir/$name"
}

# The newest cloud-amd64 debug package of a release from 6.4 on (what Debian names
# linux-image-<release>-cloud-amd64-dbg), or nothing.
newer_dbg_package() {
  apt-cache search --names-only '^linux-image-.*-cloud-amd64-dbg$' 2>/dev/null | awk '{ print $1 }' |
    grep -E '^linux-image-([7-9]|[1-9][0-9]|6\.([4-9]|[1-9][0-9]))\.' | sort -V | tail -n1
}

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(libxen-dev linux-image busybox-static linux-cloud linux-cloud-dbg linux-source)
for w in "${wanted[@]}"; do
  case "$w" in
    libxen-dev) unpack libxen-dev usr/include ;;
    busybox-static) unpack busybox-static bin/busybox ;;
    linux-image) fetch_linux ;;
    linux-cloud) fetch_member linux-cloud "$(cloud_package -unsigned)" './boot/vmlinuz-*' vmlinuz ;;
    linux-cloud-dbg) fetch_member linux-cloud-dbg "$(cloud_package -dbg)" './usr/lib/debug/boot/vmlinux-*' vmlinux ;;
    linux-source) bash "$here/fetch-linux-source.sh" >/dev/null ;;
    linux-newer-dbg)
      pkg=$(newer_dbg_package)
      [ -n "$pkg" ] || { echo "fetch-debs: Debian offers no cloud-amd64 debug package of a 6.4 or later kernel here" >&2; exit 1; }
      fetch_member linux-newer-dbg "$pkg" './usr/lib/debug/boot/vmlinux-*' vmlinux ;;
    *) echo "fetch-debs: unknown package '$w' (libxen-dev, linux-image, busybox-static, linux-cloud, linux-cloud-dbg, linux-source, linux-newer-dbg)" >&2; exit 2 ;;
  esac
done
