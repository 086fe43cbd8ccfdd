#!/usr/bin/env bash
# Developer aid: runs every built guest under QEMU and prints its output and status.
cd "$(dirname "$0")"
for k in build/${1:-*}.elf; do
  echo "=== $k"
  timeout 20 qemu-system-i386 -machine pc -cpu pentium2 -m 64 -display none -nodefaults -no-reboot \
    -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$k"
  echo "=== status $?"
done
