#!/usr/bin/env bash
# Developer aid: runs every built guest under QEMU and prints its output and status
# (32-bit guests under qemu-system-i386, 64-bit ones under qemu-system-x86_64, with the CPU
# models the tests use). An argument selects guests by name pattern.
cd "$(dirname "$0")"
run() {
  local qemu=$1 cpu=$2 k=$3
  echo "=== $k"
  timeout 20 "$qemu" -machine pc -cpu "$cpu" -m 64 -display none -nodefaults -no-reboot \
    -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$k"
  echo "=== status $?"
}
for k in build/${1:-*}.elf; do [ -f "$k" ] && run qemu-system-i386 pentium2 "$k"; done
for k in build/x86_64/${1:-*}.elf; do [ -f "$k" ] && run qemu-system-x86_64 core2duo,+pdpe1gb "$k"; done
