// The Multiboot2 boot information (specification 1.6, "Boot information format") the kernel
// finds at EBX: total_size, reserved, then 8-byte aligned tags - command line, boot loader
// name, modules, basic memory information, the memory map, the EGA text framebuffer, the ELF
// section headers, the ACPI RSDP (old and new), the image load base - and the end tag. It is
// placed page-aligned above the kernel, then the modules, then the section data, as GRUB does.

import { ImageError } from './image-error';
import { LOW_USABLE_END, MiB, RamAllocator } from './guest-ram';
import { setSectionAddress, type ElfSectionsForInfo } from './multiboot-elf-sections';
import { LOADER_NAME, pcMemoryMap, type ModuleInput } from './multiboot-info';

const MAX_STRING = 64 * 1024;
const VGA_TEXT = 0xb8000;

export interface Multiboot2InfoInputs {
  ramBytes: number;
  highestLoaded: number;
  cmdline: string;
  modules: ModuleInput[];
  sections?: ElfSectionsForInfo;
  /** The firmware's RSDP (36 bytes, revision 2: both tags; 20 bytes or revision 0: the old one). */
  acpiRsdp?: Uint8Array;
  /** Where the image's lowest byte was loaded (tag 21; GRUB gives it to every kernel). */
  loadBase: number;
}

class TagWriter {
  private parts: Array<{ type: number; body: Uint8Array }> = [];
  add(type: number, body: Uint8Array): void { this.parts.push({ type, body }); }
  get size(): number { return 8 + this.parts.reduce((n, p) => n + align8(8 + p.body.length), 0) + 8; }
  /** The whole structure: total_size, reserved, the tags, the end tag. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    const v = new DataView(out.buffer);
    v.setUint32(0, out.length, true);
    let o = 8;
    for (const p of this.parts) {
      v.setUint32(o, p.type, true);
      v.setUint32(o + 4, 8 + p.body.length, true);
      out.set(p.body, o + 8);
      o += align8(8 + p.body.length);
    }
    v.setUint32(o, 0, true);                    // end tag
    v.setUint32(o + 4, 8, true);
    return out;
  }
}

function align8(n: number): number { return Math.ceil(n / 8) * 8; }

function cstring(s: string, what: string): Uint8Array {
  if (s.includes('\0')) throw new ImageError(`${what} contains a NUL character`, { field: what });
  const b = new TextEncoder().encode(s);
  if (b.length > MAX_STRING) throw new ImageError(`${what} is ${b.length} bytes; the limit is ${MAX_STRING}`, { field: what });
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

function words(...values: Array<[number, 1 | 2 | 4 | 8]>): Uint8Array {
  const n = values.reduce((a, [, w]) => a + w, 0);
  const out = new Uint8Array(n);
  const v = new DataView(out.buffer);
  let o = 0;
  for (const [x, w] of values) {
    if (w === 1) v.setUint8(o, x);
    else if (w === 2) v.setUint16(o, x, true);
    else if (w === 4) v.setUint32(o, x >>> 0, true);
    else { v.setUint32(o, x % 2 ** 32, true); v.setUint32(o + 4, Math.floor(x / 2 ** 32), true); }
    o += w;
  }
  return out;
}

export function buildMultiboot2Info(i: Multiboot2InfoInputs): { infoAddr: number; memory: Array<{ paddr: number; bytes: Uint8Array }> } {
  const cmd = cstring(i.cmdline, 'command line');
  const name = cstring(LOADER_NAME, 'loader name');
  const modStrings = i.modules.map((m, n) => cstring(m.cmdline ?? '', `module ${n} command line`));
  const map = pcMemoryMap(i.ramBytes);

  // Sizes first (the module and section addresses are only known once the block is placed).
  const sizing = new TagWriter();
  const moduleBody = (n: number) => new Uint8Array(8 + modStrings[n].length);
  sizing.add(1, cmd); sizing.add(2, name);
  i.modules.forEach((_, n) => sizing.add(3, moduleBody(n)));
  sizing.add(4, new Uint8Array(8));
  sizing.add(6, new Uint8Array(8 + map.length * 24));
  sizing.add(8, new Uint8Array(24));
  if (i.sections) sizing.add(9, new Uint8Array(12 + i.sections.table.length));
  if (i.acpiRsdp) {
    sizing.add(14, new Uint8Array(20));
    if (i.acpiRsdp.length >= 36 && i.acpiRsdp[15] >= 2) sizing.add(15, new Uint8Array(36));
  }
  sizing.add(21, new Uint8Array(4));

  const alloc = new RamAllocator(i.ramBytes, i.highestLoaded);
  const infoAddr = alloc.allocate(sizing.size, 'multiboot2 information');
  const modAddrs = i.modules.map((m, n) => alloc.allocate(m.bytes.length, `module ${n} (${m.bytes.length} bytes)`));
  // The sections kernels do not load (symbols, strings) are copied in too, when RAM allows.
  let sections = i.sections;
  let sectionPlaces: Array<{ addr: number; data: Uint8Array }> = [];
  if (sections) {
    const mark = alloc.mark();
    try {
      sectionPlaces = sections.loads.map((l) => ({ addr: alloc.allocate(l.data.length, `ELF section ${l.index}`), data: l.data }));
      sections.loads.forEach((l, n) => setSectionAddress(sections!, l.index, sectionPlaces[n].addr));
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      alloc.rewind(mark);
      sectionPlaces = [];
    }
  }

  const w = new TagWriter();
  w.add(1, cmd);
  w.add(2, name);
  i.modules.forEach((m, n) => {
    const body = moduleBody(n);
    body.set(words([modAddrs[n], 4], [modAddrs[n] + m.bytes.length, 4]));   // mod_end exclusive, as GRUB
    body.set(modStrings[n], 8);
    w.add(3, body);
  });
  w.add(4, words([Math.floor(Math.min(i.ramBytes, LOW_USABLE_END) / 1024), 4], [i.ramBytes > MiB ? Math.floor((i.ramBytes - MiB) / 1024) : 0, 4]));
  const mmap = new Uint8Array(8 + map.length * 24);
  mmap.set(words([24, 4], [0, 4]));                                         // entry_size, entry_version
  map.forEach((e, n) => mmap.set(words([e.base, 8], [e.length, 8], [e.type, 4], [0, 4]), 8 + n * 24));
  w.add(6, mmap);
  // The VGA text screen, as GRUB describes text mode: EGA text (type 2), 80x25, 2 bytes a cell.
  w.add(8, words([VGA_TEXT, 8], [160, 4], [80, 4], [25, 4], [16, 1], [2, 1], [0, 2]));
  if (sections) {
    const body = new Uint8Array(12 + sections.table.length);
    body.set(words([sections.num, 4], [sections.entsize, 4], [sections.shndx, 4]));
    body.set(sections.table, 12);
    w.add(9, body);
  }
  if (i.acpiRsdp) {
    w.add(14, i.acpiRsdp.slice(0, 20));
    if (i.acpiRsdp.length >= 36 && i.acpiRsdp[15] >= 2) w.add(15, i.acpiRsdp.slice(0, 36));
  }
  w.add(21, words([i.loadBase, 4]));

  const memory: Array<{ paddr: number; bytes: Uint8Array }> = [{ paddr: infoAddr, bytes: w.bytes() }];
  i.modules.forEach((m, n) => memory.push({ paddr: modAddrs[n], bytes: m.bytes }));
  for (const p of sectionPlaces) memory.push({ paddr: p.addr, bytes: p.data });
  return { infoAddr, memory };
}
