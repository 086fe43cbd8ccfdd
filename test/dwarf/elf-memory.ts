// Guest memory as the ELF file describes it before it runs: PT_LOAD segments at their virtual
// addresses, bss as zeros. What gdb reads when it prints a global from the executable.

import { loadSegments, parseElf32 } from '../../emulator/loader/elf';

export function elfMemory(bytes: Uint8Array): (address: number, length: number) => Uint8Array | null {
  const elf = parseElf32(bytes);
  const segs = loadSegments(elf);
  return (address, length) => {
    for (const p of segs) {
      if (address < p.vaddr || address + length > p.vaddr + p.memsz) continue;
      const out = new Uint8Array(length);
      const rel = address - p.vaddr;
      const fileBytes = Math.max(0, Math.min(length, p.filesz - rel));
      if (fileBytes > 0) out.set(bytes.subarray(p.offset + rel, p.offset + rel + fileBytes));
      return out;
    }
    return null;
  };
}
