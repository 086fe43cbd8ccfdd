// Turns an ELF executable (ELF32 or ELF64)'s PT_LOAD segments into bytes at physical addresses, after
// checking them against RAM, the VGA/ROM hole and each other. A plain ELF (no multiboot
// header) is entered in flat 32-bit protected mode at its entry point.

import type { BootPlan } from './boot-plan';
import { ET_EXEC, addressSymbols, loadSegments, physicalEntry, type ElfImage, type ProgramHeader } from './elf';
import type { KernelImage } from './kernel-image';
import { ImageError, hex } from './image-error';
import { checkPlacements } from './guest-ram';
import type { LoadOptions } from './load-options';

export interface ElfMemory {
  segments: ProgramHeader[];
  memory: Array<{ paddr: number; bytes: Uint8Array }>;
  /** End of the highest segment (exclusive). */
  highest: number;
  entry: number;
}

const ET_NAMES: Record<number, string> = { 0: 'ET_NONE', 1: 'ET_REL (an object file)', 3: 'ET_DYN (position-independent)', 4: 'ET_CORE (a core dump)' };

export function checkExecutable(elf: ElfImage): void {
  if (elf.header.type !== ET_EXEC) {
    const name = ET_NAMES[elf.header.type] ?? `type ${elf.header.type}`;
    throw new ImageError(`ELF file is ${name}, not an executable (ET_EXEC); link the kernel with ld (-no-pie / -static)`, { offset: 16, field: 'e_type' });
  }
}

export function elfMemory(elf: ElfImage, ramBytes: number): ElfMemory {
  checkExecutable(elf);
  const segments = loadSegments(elf);
  checkPlacements(segments.map((p) => ({
    start: p.paddr, size: p.memsz, what: `segment ${p.index}`,
    offset: elf.header.phoff + p.index * elf.header.phentsize, field: 'p_paddr/p_memsz',
  })), ramBytes);
  const memory = segments.map((p) => {
    // Sizes were checked against RAM above, so this allocation is bounded by the guest's RAM.
    const bytes = new Uint8Array(p.memsz);
    bytes.set(elf.reader.bytes.subarray(p.offset, p.offset + p.filesz));
    return { paddr: p.paddr, bytes };
  });
  const highest = Math.max(...segments.map((p) => p.paddr + p.memsz));
  const entry = physicalEntry(elf, segments);
  if (!segments.some((p) => entry >= p.paddr && entry < p.paddr + p.memsz)) {
    throw new ImageError(`entry point ${hex(entry)} is not inside any loaded segment`, { offset: 24, field: 'e_entry' });
  }
  return { segments, memory, highest, entry };
}

export function loadPlainElf(image: KernelImage, opts: LoadOptions): BootPlan {
  if (image.format !== 'elf') throw new ImageError('not an ELF file: bad magic (expected 7F 45 4C 46)', { offset: 0, field: 'e_ident[EI_MAG]' });
  const elf = image.elf();
  const m = elfMemory(elf, opts.ramBytes);
  return {
    memory: m.memory,
    entry: { kind: 'flat32', eip: m.entry },
    symbols: addressSymbols(image.symbols()),
    description: `ELF${image.elf().class} kernel, ${plural(m.segments.length, 'segment')}, entry ${hex(m.entry)}`,
  };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
