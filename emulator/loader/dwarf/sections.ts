// The DWARF sections of an ELF image (ELF32 or ELF64, through the loader's reader), by the
// names the readers use, with the machine that fixes the register numbering.

import type { ElfImage } from '../elf';
import type { KernelImage } from '../kernel-image';
import type { DwarfSections } from './debug-info';
import { DwarfError } from './reader';

const SECTION_NAMES: Record<string, keyof DwarfSections> = {
  '.debug_info': 'info', '.debug_abbrev': 'abbrev', '.debug_str': 'str', '.debug_line_str': 'lineStr',
  '.debug_str_offsets': 'strOffsets', '.debug_addr': 'addr', '.debug_ranges': 'ranges', '.debug_rnglists': 'rnglists',
  '.debug_loc': 'loc', '.debug_loclists': 'loclists', '.debug_frame': 'frame', '.eh_frame': 'ehFrame', '.debug_line': 'line',
  '.debug_types': 'types',
};

export function sectionsOf(elf: ElfImage): DwarfSections {
  const s: DwarfSections = {};
  const bytes = elf.reader.bytes;
  for (const sh of elf.sections) {
    const key = SECTION_NAMES[sh.name];
    if (!key || sh.type === 8 /* NOBITS */) continue;
    if (sh.offset + sh.size > bytes.length) throw new DwarfError(`section ${sh.name} extends past the end of the file`);
    (s as Record<string, unknown>)[key] = bytes.subarray(sh.offset, sh.offset + sh.size);
    if (key === 'ehFrame') s.ehFrameAddr = sh.addr;
  }
  return s;
}

/** The DWARF sections of an ELF image of either class, its e_machine (3 i386, 62 x86-64) and e_entry. */
export function sectionsOfImage(image: KernelImage): { sections: DwarfSections; machine: number; entry: number } {
  if (image.format !== 'elf') throw new DwarfError('not an ELF file');
  const elf = image.elf();
  return { sections: sectionsOf(elf), machine: elf.header.machine, entry: elf.header.entry };
}
