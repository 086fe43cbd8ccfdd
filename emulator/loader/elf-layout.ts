// Where each field of the ELF file header, program header, section header and symbol lies in
// the two classes (System V gABI; ELFCLASS64 as the x86-64 psABI uses it). The reader in
// elf.ts is written once against this table.

/** A field: its offset and width in bytes (4 or 8 for words, 2 for halves, 1 for chars). */
export interface Field { at: number; size: 1 | 2 | 4 | 8 }

export interface ElfLayout {
  cls: 32 | 64;
  ehdr: { size: number; entry: Field; phoff: Field; shoff: Field; flags: Field; ehsize: Field;
    phentsize: Field; phnum: Field; shentsize: Field; shnum: Field; shstrndx: Field };
  phdr: { size: number; type: Field; flags: Field; offset: Field; vaddr: Field; paddr: Field; filesz: Field; memsz: Field; align: Field };
  shdr: { size: number; name: Field; type: Field; flags: Field; addr: Field; offset: Field; size_: Field;
    link: Field; info: Field; addralign: Field; entsize: Field };
  sym: { size: number; name: Field; value: Field; size_: Field; info: Field; shndx: Field };
}

const f = (at: number, size: Field['size']): Field => ({ at, size });

export const ELF_LAYOUT: Record<32 | 64, ElfLayout> = {
  32: {
    cls: 32,
    ehdr: { size: 52, entry: f(24, 4), phoff: f(28, 4), shoff: f(32, 4), flags: f(36, 4), ehsize: f(40, 2),
      phentsize: f(42, 2), phnum: f(44, 2), shentsize: f(46, 2), shnum: f(48, 2), shstrndx: f(50, 2) },
    phdr: { size: 32, type: f(0, 4), offset: f(4, 4), vaddr: f(8, 4), paddr: f(12, 4), filesz: f(16, 4), memsz: f(20, 4), flags: f(24, 4), align: f(28, 4) },
    shdr: { size: 40, name: f(0, 4), type: f(4, 4), flags: f(8, 4), addr: f(12, 4), offset: f(16, 4), size_: f(20, 4),
      link: f(24, 4), info: f(28, 4), addralign: f(32, 4), entsize: f(36, 4) },
    sym: { size: 16, name: f(0, 4), value: f(4, 4), size_: f(8, 4), info: f(12, 1), shndx: f(14, 2) },
  },
  64: {
    cls: 64,
    ehdr: { size: 64, entry: f(24, 8), phoff: f(32, 8), shoff: f(40, 8), flags: f(48, 4), ehsize: f(52, 2),
      phentsize: f(54, 2), phnum: f(56, 2), shentsize: f(58, 2), shnum: f(60, 2), shstrndx: f(62, 2) },
    phdr: { size: 56, type: f(0, 4), flags: f(4, 4), offset: f(8, 8), vaddr: f(16, 8), paddr: f(24, 8), filesz: f(32, 8), memsz: f(40, 8), align: f(48, 8) },
    shdr: { size: 64, name: f(0, 4), type: f(4, 4), flags: f(8, 8), addr: f(16, 8), offset: f(24, 8), size_: f(32, 8),
      link: f(40, 4), info: f(44, 4), addralign: f(48, 8), entsize: f(56, 8) },
    sym: { size: 24, name: f(0, 4), info: f(4, 1), shndx: f(6, 2), value: f(8, 8), size_: f(16, 8) },
  },
};
