// The DWARF sections of an ELF image (ELF32 through the loader's reader, ELF64 through
// elf64.ts), by the names the readers use, with the machine that fixes the register numbering.

import type { ElfImage } from '../elf';
import type { KernelImage } from '../kernel-image';
import type { DwarfSections } from './debug-info';
import { isElf64, readElf64Tables } from './elf64';
import { DwarfError } from './reader';

const SECTION_NAMES: Record<string, keyof DwarfSections> = {
  '.debug_info': 'info', '.debug_abbrev': 'abbrev', '.debug_str': 'str', '.debug_line_str': 'lineStr',
  '.debug_str_offsets': 'strOffsets', '.debug_addr': 'addr', '.debug_ranges': 'ranges', '.debug_rnglists': 'rnglists',
  '.debug_loc': 'loc', '.debug_loclists': 'loclists', '.debug_frame': 'frame', '.eh_frame': 'ehFrame', '.debug_line': 'line',
  '.debug_types': 'types',
};

interface SectionLike { name: string; type: number; offset: number; size: number; addr: number }

function collect(bytes: Uint8Array, sections: readonly SectionLike[]): DwarfSections {
  const s: DwarfSections = {};
  for (const sh of sections) {
    const key = SECTION_NAMES[sh.name];
    if (!key || sh.type === 8 /* NOBITS */) continue;
    if (sh.offset + sh.size > bytes.length) throw new DwarfError(`section ${sh.name} extends past the end of the file`);
    (s as Record<string, unknown>)[key] = bytes.subarray(sh.offset, sh.offset + sh.size);
    if (key === 'ehFrame') s.ehFrameAddr = sh.addr;
  }
  return s;
}

export function sectionsOf(elf: ElfImage): DwarfSections {
  return collect(elf.reader.bytes, elf.sections);
}

/** The DWARF sections of an ELF image of either class, its e_machine (3 i386, 62 x86-64) and e_entry. */
export function sectionsOfImage(image: KernelImage): { sections: DwarfSections; machine: number; entry: number } {
  if (isElf64(image.bytes)) {
    const t = readElf64Tables(image.bytes);
    return { sections: collect(image.bytes, t.sections), machine: t.machine, entry: t.entry };
  }
  if (image.format !== 'elf') throw new DwarfError('not an ELF file');
  const elf = image.elf();
  return { sections: collect(elf.reader.bytes, elf.sections), machine: elf.header.machine, entry: elf.header.entry };
}
