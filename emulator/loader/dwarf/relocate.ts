// Moving a debug file's addresses to where a relocated kernel runs (KASLR): the link-time
// values the DWARF holds are patched, in the bytes as they are read, at the places the
// file's own .rela.debug_* sections name (a vmlinux keeps them: it is linked with
// --emit-relocs). Only 64-bit absolute relocations holding an address of the kernel's
// mapping (the top 2 GiB) move; per-CPU offsets and section offsets stay.

import type { ElfFile, FileSection } from './elf-file';

const R_X86_64_64 = 1;
const ENTRY = 24;
/** The kernel's text mapping starts at -2^31 (0xffffffff80000000) as a signed address. */
const KERNEL_MAP = -(2 ** 31);

/** The address itself when outside the kernel's mapping; else moved by delta. */
export function moveKernelAddress(a: number, delta: number): number {
  return a >= KERNEL_MAP && a < 0 ? a + delta : a;
}

/**
 * Adds `delta` to every kernel-mapping address `rela` relocates inside `bytes`, which hold the
 * relocated section's contents from `offset`. Relocation sections are sorted by r_offset (ld
 * writes them so), so only the entries for this window are read.
 */
export function applyRelocations(elf: ElfFile, rela: FileSection | undefined, bytes: Uint8Array, offset: number, delta: number): void {
  if (!rela || delta === 0 || rela.size < ENTRY) return;
  const count = Math.floor(rela.size / ENTRY);
  const rOffset = (i: number): number => Number(new DataView(elf.readIn(rela, i * ENTRY, 8).buffer).getBigUint64(0, true));
  let lo = 0, hi = count;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (rOffset(mid) < offset) lo = mid + 1; else hi = mid; }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const end = offset + bytes.length;
  const CHUNK = 4096;
  for (let i = lo; i < count; i += CHUNK) {
    const n = Math.min(CHUNK, count - i);
    const chunk = elf.readIn(rela, i * ENTRY, n * ENTRY);
    const v = new DataView(chunk.buffer, chunk.byteOffset, chunk.length);
    for (let j = 0; j < n; j++) {
      const at = Number(v.getBigUint64(j * ENTRY, true));
      if (at >= end) return;
      if (at < offset || (v.getUint32(j * ENTRY + 8, true)) !== R_X86_64_64 || at + 8 > end) continue;
      const rel = at - offset;
      const value = Number(view.getBigInt64(rel, true));
      if (value >= KERNEL_MAP && value < 0) view.setBigInt64(rel, BigInt(value + delta), true);
    }
  }
}
