// Loads a Multiboot2 kernel: an ELF (32- or 64-bit) placed by its program headers, or any file
// placed by the header's address tag; entered as the specification says, in 32-bit protected
// mode with paging off, EAX = 0x36D76289 and EBX = the physical address of the boot information.

import type { BootPlan } from './boot-plan';
import { ByteReader } from './byte-reader';
import { addressSymbols } from './elf';
import { elfMemory, plural } from './elf-load';
import { checkPlacements } from './guest-ram';
import { ImageError, hex } from './image-error';
import type { KernelImage } from './kernel-image';
import type { LoadOptions } from './load-options';
import { kludgeLayout } from './multiboot-header';
import { elfSectionsForInfo, type ElfSectionsForInfo } from './multiboot-elf-sections';
import { MULTIBOOT2_BOOTLOADER_MAGIC } from './multiboot2-header';
import { buildMultiboot2Info } from './multiboot2-info';

export function loadMultiboot2(image: KernelImage, opts: LoadOptions): BootPlan {
  const bytes = image.bytes;
  const r = new ByteReader(bytes);
  const header = image.multiboot2();
  if (!header) throw new ImageError('no multiboot2 header (magic 0xE85250D6, 8-byte aligned) in the first 32768 bytes of the image', { field: 'multiboot2 header' });

  let memory: Array<{ paddr: number; bytes: Uint8Array }>;
  let highest: number;
  let entry: number;
  let what: string;
  let symbols: BootPlan['symbols'];
  let sections: ElfSectionsForInfo | undefined;
  let loadBase: number | undefined;

  if (header.address) {
    const a = header.address;
    if (header.entry === undefined) {
      throw new ImageError('the multiboot2 header has an address tag but no entry address tag: the loader cannot tell where to start', { offset: header.offset, field: 'multiboot2 tag 3' });
    }
    // load_addr -1: the file is loaded from its beginning.
    const loadAddr = a.loadAddr === 0xffffffff ? a.headerAddr - header.offset : a.loadAddr;
    const k = kludgeLayout(r, {
      offset: header.offset, flags: 0,
      aout: { headerAddr: a.headerAddr, loadAddr, loadEndAddr: a.loadEndAddr, bssEndAddr: a.bssEndAddr, entryAddr: header.entry },
    });
    checkPlacements([{ start: k.loadAddr, size: k.loadSize + k.bssSize, what: 'multiboot2 load area', offset: header.offset, field: 'multiboot2 address tag' }], opts.ramBytes);
    const area = new Uint8Array(k.loadSize + k.bssSize); // bounded by RAM: checked above
    area.set(bytes.subarray(k.fileOffset, k.fileOffset + k.loadSize));
    memory = [{ paddr: k.loadAddr, bytes: area }];
    highest = k.loadAddr + area.length;
    entry = k.entry;
    loadBase = k.loadAddr;
    what = `multiboot2 kernel (address tag), ${hex(k.loadAddr)}..${hex(highest)}`;
    if (image.format === 'elf') {
      try { symbols = addressSymbols(image.symbols()); } catch (e) { if (!(e instanceof ImageError)) throw e; }
    }
  } else {
    if (image.format !== 'elf') {
      throw new ImageError('the multiboot2 header has no address tag and the file is not ELF: the loader cannot tell where it goes', { offset: header.offset, field: 'multiboot2 tag 2' });
    }
    const elf = image.elf();
    const m = elfMemory(elf, opts.ramBytes);
    memory = m.memory;
    highest = m.highest;
    entry = header.entry ?? m.entry;
    if (!m.segments.some((p) => entry >= p.paddr && entry < p.paddr + p.memsz)) {
      throw new ImageError(`multiboot2 entry_addr ${hex(entry)} is not inside any loaded segment`, { offset: header.offset, field: 'multiboot2 tag 3' });
    }
    loadBase = Math.min(...m.segments.map((p) => p.paddr));
    what = `ELF${elf.class} multiboot2 kernel, ${plural(m.segments.length, 'segment')}`;
    symbols = addressSymbols(image.symbols());
    sections = elfSectionsForInfo(elf);
  }
  if (header.relocatable) {
    const rl = header.relocatable;
    // Loaded where linked, which the relocatable tag allows when it lies in [min_addr, max_addr].
    if (loadBase < rl.minAddr || highest - 1 > rl.maxAddr) {
      throw new ImageError(`the image at ${hex(loadBase)}..${hex(highest)} lies outside its relocatable range ${hex(rl.minAddr)}..${hex(rl.maxAddr)}`, { offset: header.offset, field: 'multiboot2 tag 10' });
    }
  }
  const modules = opts.modules ?? [];
  const info = buildMultiboot2Info({
    ramBytes: opts.ramBytes, highestLoaded: highest, cmdline: opts.cmdline ?? '', modules, sections,
    acpiRsdp: opts.acpiRsdp, loadBase,
  });
  for (const q of header.requests) {
    if (!q.optional && (q.type === 14 || q.type === 15) && !opts.acpiRsdp) {
      throw new ImageError('the kernel requires the ACPI RSDP and the loader was not given the machine\'s tables', { field: 'multiboot2 information request' });
    }
  }
  memory.push(...info.memory);
  return {
    memory,
    entry: { kind: 'flat32', eip: entry, regs: { eax: MULTIBOOT2_BOOTLOADER_MAGIC, ebx: info.infoAddr } },
    symbols,
    description: `${what}, entry ${hex(entry)}, info at ${hex(info.infoAddr)}${modules.length ? `, ${plural(modules.length, 'module')}` : ''}`,
  };
}
