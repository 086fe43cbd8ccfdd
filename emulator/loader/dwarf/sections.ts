// The DWARF sections of an ELF32 image, by the names the readers use.

import type { Elf32Image } from '../elf32';
import type { DwarfSections } from './debug-info';
import { DwarfError } from './reader';

const SECTION_NAMES: Record<string, keyof DwarfSections> = {
  '.debug_info': 'info', '.debug_abbrev': 'abbrev', '.debug_str': 'str', '.debug_line_str': 'lineStr',
  '.debug_str_offsets': 'strOffsets', '.debug_addr': 'addr', '.debug_ranges': 'ranges', '.debug_rnglists': 'rnglists',
  '.debug_loc': 'loc', '.debug_loclists': 'loclists', '.debug_frame': 'frame', '.eh_frame': 'ehFrame', '.debug_line': 'line',
  '.debug_types': 'types',
};

export function sectionsOf(elf: Elf32Image): DwarfSections {
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

