// Builds the Multiboot (v0.6.96) boot information structure the kernel finds at EBX:
// the info block, the BIOS-style memory map, the command line, the module list and the
// boot loader name, laid out in one block, with the modules page-aligned after it.

import { ImageError } from './image-error';
import { HOLE_END, LOW_USABLE_END, MiB, RamAllocator, alignUp } from './guest-ram';
import { setSectionAddress, type ElfSectionsForInfo } from './multiboot-elf-sections';

export const MBI_FLAG_MEM = 1 << 0;
export const MBI_FLAG_CMDLINE = 1 << 2;
export const MBI_FLAG_MODS = 1 << 3;
export const MBI_FLAG_ELF_SHDR = 1 << 5;
export const MBI_FLAG_MMAP = 1 << 6;
export const MBI_FLAG_LOADER_NAME = 1 << 9;

/** Size of the info block as 0.6.96 defines it (up to vbe_interface_len). */
const INFO_SIZE = 88;
const MMAP_ENTRY_SIZE = 24;  // size field (4) + base (8) + length (8) + type (4)
const MOD_ENTRY_SIZE = 16;
const MAX_STRING = 64 * 1024;
export const LOADER_NAME = 'paravirt';

/**
 * The command line a Multiboot kernel is given for `kernelPath` run with `args`: the path,
 * a space, then the arguments, as QEMU's -kernel/-append builds it (a trailing space when
 * there are no arguments) and as GRUB's `multiboot` command does. Kernels that parse argv
 * (kvm-unit-tests among them) take argv[0] from it.
 */
export function multibootCommandLine(kernelPath: string, args = ''): string {
  return `${kernelPath} ${args}`;
}

export interface MemoryRange { base: number; length: number; type: 1 | 2 }

/** The PC memory map reported to the kernel for a machine with `ramBytes` of RAM. */
export function pcMemoryMap(ramBytes: number): MemoryRange[] {
  const map: MemoryRange[] = [];
  map.push({ base: 0, length: Math.min(ramBytes, LOW_USABLE_END), type: 1 });
  map.push({ base: LOW_USABLE_END, length: 0xa0000 - LOW_USABLE_END, type: 2 });
  map.push({ base: 0xf0000, length: HOLE_END - 0xf0000, type: 2 });
  if (ramBytes > MiB) map.push({ base: MiB, length: ramBytes - MiB, type: 1 });
  return map;
}

export interface ModuleInput { bytes: Uint8Array; cmdline?: string }

export interface MultibootInfoResult {
  infoAddr: number;
  memory: Array<{ paddr: number; bytes: Uint8Array }>;
}

function encodeString(s: string, what: string): Uint8Array {
  if (s.includes('\0')) throw new ImageError(`${what} contains a NUL character`, { field: what });
  const bytes = new TextEncoder().encode(s);
  if (bytes.length > MAX_STRING) throw new ImageError(`${what} is ${bytes.length} bytes; the limit is ${MAX_STRING}`, { field: what });
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

export function buildMultibootInfo(
  ramBytes: number, highestLoaded: number, cmdline: string, modules: ModuleInput[], sections?: ElfSectionsForInfo,
): MultibootInfoResult {
  const cmd = encodeString(cmdline, 'command line');
  const name = encodeString(LOADER_NAME, 'loader name');
  const modStrings = modules.map((m, i) => encodeString(m.cmdline ?? '', `module ${i} command line`));
  const map = pcMemoryMap(ramBytes);

  const mmapOff = INFO_SIZE;
  const modsOff = mmapOff + map.length * MMAP_ENTRY_SIZE;
  const cmdOff = modsOff + modules.length * MOD_ENTRY_SIZE;
  const nameOff = cmdOff + cmd.length;
  let stringsEnd = nameOff + name.length;
  const modStringOffs = modStrings.map((s) => { const o = stringsEnd; stringsEnd += s.length; return o; });
  const blockSize = alignUp(stringsEnd, 4);

  const alloc = new RamAllocator(ramBytes, highestLoaded);
  const infoAddr = alloc.allocate(blockSize, 'multiboot information');
  const modAddrs = modules.map((m, i) => alloc.allocate(m.bytes.length, `module ${i} (${m.bytes.length} bytes)`));
  // The section table is a convenience (debug sections can be large): if it does not fit in
  // RAM the kernel still boots, without flag 5, rather than failing to load.
  let sectionPlaces: Array<{ addr: number; data: Uint8Array }> = [];
  let tableAddr = 0;
  if (sections) {
    const s = sections;
    const mark = alloc.mark();
    try {
      sectionPlaces = s.loads.map((l) => ({ addr: alloc.allocate(l.data.length, `ELF section ${l.index}`), data: l.data }));
      tableAddr = alloc.allocate(s.table.length, 'ELF section header table');
      s.loads.forEach((l, i) => setSectionAddress(s, l.index, sectionPlaces[i].addr));
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      alloc.rewind(mark);
      sections = undefined;
      sectionPlaces = [];
    }
  }

  const block = new Uint8Array(blockSize);
  const v = new DataView(block.buffer);
  const flags = MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME | (sections ? MBI_FLAG_ELF_SHDR : 0);
  v.setUint32(0, flags, true);
  if (sections) {
    v.setUint32(28, sections.num, true);                                                      // elf_sec.num
    v.setUint32(32, sections.entsize, true);                                                  // elf_sec.size
    v.setUint32(36, tableAddr, true);                                                         // elf_sec.addr
    v.setUint32(40, sections.shndx, true);                                                    // elf_sec.shndx
  }
  v.setUint32(4, Math.floor(Math.min(ramBytes, LOW_USABLE_END) / 1024), true);                    // mem_lower, KiB
  v.setUint32(8, ramBytes > MiB ? Math.floor((ramBytes - MiB) / 1024) : 0, true);               // mem_upper, KiB
  v.setUint32(16, infoAddr + cmdOff, true);                                                    // cmdline
  v.setUint32(20, modules.length, true);                                                       // mods_count
  v.setUint32(24, modules.length ? infoAddr + modsOff : 0, true);                              // mods_addr
  v.setUint32(44, map.length * MMAP_ENTRY_SIZE, true);                                         // mmap_length
  v.setUint32(48, infoAddr + mmapOff, true);                                                   // mmap_addr
  v.setUint32(64, infoAddr + nameOff, true);                                                   // boot_loader_name

  map.forEach((e, i) => {
    const o = mmapOff + i * MMAP_ENTRY_SIZE;
    v.setUint32(o, MMAP_ENTRY_SIZE - 4, true);   // size excludes the size field itself
    v.setUint32(o + 4, e.base, true);
    v.setUint32(o + 12, e.length, true);
    v.setUint32(o + 20, e.type, true);
  });
  modules.forEach((m, i) => {
    const o = modsOff + i * MOD_ENTRY_SIZE;
    v.setUint32(o, modAddrs[i], true);
    v.setUint32(o + 4, modAddrs[i] + m.bytes.length, true);    // end is exclusive, as GRUB does
    v.setUint32(o + 8, infoAddr + modStringOffs[i], true);
  });
  block.set(cmd, cmdOff);
  block.set(name, nameOff);
  modStrings.forEach((s, i) => block.set(s, modStringOffs[i]));

  const memory: Array<{ paddr: number; bytes: Uint8Array }> = [{ paddr: infoAddr, bytes: block }];
  for (const p of sectionPlaces) memory.push({ paddr: p.addr, bytes: p.data });
  if (sections) memory.push({ paddr: tableAddr, bytes: sections.table });
  modules.forEach((m, i) => memory.push({ paddr: modAddrs[i], bytes: m.bytes }));
  return { infoAddr, memory };
}
