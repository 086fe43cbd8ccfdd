// The ELF section header table a multiboot loader hands an ELF kernel (info flag bit 5), so
// the kernel can find its own symbols. As GRUB does, sections the program headers did not
// load (sh_addr 0: .symtab, .strtab, .shstrtab...) are copied into guest memory too, and the
// copy of the table gets their new addresses in sh_addr.

import { SHT_NOBITS, sectionData, type ElfImage } from './elf';

export interface ElfSectionsForInfo {
  /** A copy of the section header table, patched once the sections are placed. */
  table: Uint8Array;
  num: number;
  entsize: number;
  shndx: number;
  /** ELF class of the table: where sh_addr lies in an entry (offset 12, 4 bytes; or 16, 8 bytes). */
  cls: 32 | 64;
  /** Sections to copy into guest memory, by index. */
  loads: Array<{ index: number; data: Uint8Array }>;
}

export function elfSectionsForInfo(elf: ElfImage): ElfSectionsForInfo | undefined {
  const num = elf.sections.length;
  if (num === 0) return undefined;
  const { shoff, shentsize } = elf.header;
  const table = elf.reader.bytes.slice(shoff, shoff + num * shentsize); // bounds checked when the ELF was parsed
  const loads: ElfSectionsForInfo['loads'] = [];
  for (const s of elf.sections) {
    if (s.index === 0 || s.type === 0 || s.type === SHT_NOBITS || s.size === 0 || s.addr !== 0) continue;
    loads.push({ index: s.index, data: sectionData(elf, s, `section ${s.index} '${s.name}'`) });
  }
  return { table, num, entsize: shentsize, shndx: elf.shstrndx, cls: elf.class, loads };
}

/** Records where a section was placed, in the table copy. */
export function setSectionAddress(info: ElfSectionsForInfo, index: number, addr: number): void {
  const v = new DataView(info.table.buffer, info.table.byteOffset);
  if (info.cls === 32) v.setUint32(index * info.entsize + 12, addr, true);
  else { v.setUint32(index * info.entsize + 16, addr, true); v.setUint32(index * info.entsize + 20, 0, true); }
}
