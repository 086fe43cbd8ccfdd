#!/usr/bin/env bash
# The demo: runs the bundled, prebuilt sample guests and prints what each cost.
# Needs only Node: no toolchain, no QEMU.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund; fi
npm run -s build
shopt -s nullglob
# The 32-bit and x86-64 HVM flavours (sample-hvm.elf, sample-hvm64.elf), then PV beside HVM.
samples=(examples/*/build/*-hvm.elf examples/*/build/*-hvm64.elf)
if [ ${#samples[@]} -eq 0 ]; then echo "demo: no prebuilt samples under examples/*/build" >&2; exit 1; fi
for k in "${samples[@]}"; do
  echo "=== paravirt run $k"
  node dist/cli.js run "$k" --summary text || echo "(guest exit status $?)"
done
for k in examples/*/build/*-pv64.elf; do
  echo "=== paravirt run $k --mode pv"
  node dist/cli.js run "$k" --mode pv --summary text || echo "(guest exit status $?)"
done
for k in examples/*/build/*-pvh.elf; do
  echo "=== paravirt run $k --mode pvh"
  node dist/cli.js run "$k" --mode pvh --summary text || echo "(guest exit status $?)"
done
pv=(examples/*/build/*-pv.elf)
if [ ${#pv[@]} -gt 0 ] && node dist/cli.js compare --help >/dev/null 2>&1; then
  for k in "${pv[@]}"; do
    h="${k%-pv.elf}-hvm.elf"
    [ -f "$h" ] && { echo "=== paravirt compare $h $k"; node dist/cli.js compare "$h" "$k"; }
  done
fi
# The x86-64 flavours side by side: HVM, 64-bit PV and PVH.
for p in examples/*/build/*-pvh.elf; do
  h="${p%-pvh.elf}-hvm64.elf"; v="${p%-pvh.elf}-pv64.elf"
  [ -f "$h" ] && [ -f "$v" ] && { echo "=== paravirt compare $h $v $p"; node dist/cli.js compare "$h" "$v" "$p"; }
done
