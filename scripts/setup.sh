#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, and nothing when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

have_cmd nasm || need+=(nasm)
have_cmd qemu-system-i386 || need+=(qemu-system-x86)
have_pkg gcc-multilib || need+=(gcc-multilib)
have_pkg binutils || need+=(binutils)
# Linux's UAPI headers: asm/vmx.h is the reference the exit-reason table is tested against.
have_pkg linux-libc-dev || need+=(linux-libc-dev)
have_pkg seabios || need+=(seabios)
have_cmd make || need+=(make)
# The xz and lz4 tools are the oracles the loader's decoders of a bzImage's payload (for PV/PVH Linux) are tested against.
have_cmd xz || need+=(xz-utils)
have_cmd lz4 || need+=(lz4)
# gdb is the reference the DWARF tests and the Linux symbol tests compare against (and the bench's peer).
have_cmd gdb || need+=(gdb)
# ACPICA's disassembler and AML interpreter judge the ACPI tables the machine builds.
have_cmd iasl || need+=(acpica-tools)
# clang builds the source-tree kernel's variants beside gcc's (DWARF as another compiler writes it).
have_cmd clang || need+=(clang)
# A real Xen PV kernel for the PV tests: Debian's GRUB built for i386-xen.
have_pkg grub-xen-host || need+=(grub-xen-host)
# GRUB for the PC and what grub-mkrescue needs: an independent Multiboot2 and Multiboot loader
# for the 64-bit kernels (test/guest-vs-qemu/grub-boot64.test.ts).
have_pkg grub-pc-bin || need+=(grub-pc-bin)
have_cmd xorriso || need+=(xorriso)
have_cmd mformat || need+=(mtools)
# The browser and code-server build deps are needed only by the end-to-end layer.
if [ -d test/e2e ] && [ "${PARAVIRT_E2E:-1}" != 0 ]; then
  have_cmd chromium || need+=(chromium)
  have_pkg libkrb5-dev || need+=(libkrb5-dev)
  have_cmd pkg-config || need+=(pkg-config)
  # code-server's VS Code fetches ripgrep from GitHub at install; test/e2e stages Debian's instead.
  have_cmd rg || need+=(ripgrep)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Reference packages the tests read but nobody installs (Xen's public headers), cached outside the repo.
bash scripts/fetch-debs.sh

if [ -L node_modules ]; then
  # A node_modules that is a symbolic link is another checkout's install, shared: npm ci would
  # empty that install for everyone using it. Its owner keeps it current.
  echo "setup: node_modules is a link to a shared install; not reinstalling it"
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
