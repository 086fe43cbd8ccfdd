// Loads a Multiboot v1 kernel: either an ELF32 executable carrying a multiboot header, or any
// file whose header sets the address flag (the a.out kludge). The kernel is entered as GRUB
// enters it: flat 32-bit protected mode, EAX = 0x2BADB002, EBX = physical address of the info.

import type { BootPlan } from './boot-plan';
import { ByteReader } from './byte-reader';
import { addressSymbols } from './elf';
import { elfMemory, plural } from './elf-load';
import { checkPlacements } from './guest-ram';
import { ImageError, hex } from './image-error';
import type { LoadOptions } from './load-options';
import { buildMultibootInfo } from './multiboot-info';
import { elfSectionsForInfo, type ElfSectionsForInfo } from './multiboot-elf-sections';
import { MULTIBOOT_BOOTLOADER_MAGIC, kludgeLayout } from './multiboot-header';
import type { KernelImage } from './kernel-image';

export function loadMultiboot(image: KernelImage, opts: LoadOptions): BootPlan {
  const bytes = image.bytes;
  const r = new ByteReader(bytes);
  const header = image.multiboot();
  if (!header) throw new ImageError('no multiboot header (magic 0x1BADB002) in the first 8192 bytes of the image', { field: 'multiboot header' });

  let memory: Array<{ paddr: number; bytes: Uint8Array }>;
  let highest: number;
  let entry: number;
  let what: string;
  let symbols: BootPlan['symbols'];
  let sections: ElfSectionsForInfo | undefined;

  if (header.aout) {
    const k = kludgeLayout(r, { ...header, aout: header.aout });
    checkPlacements([{
      start: k.loadAddr, size: k.loadSize + k.bssSize, what: 'multiboot load area',
      offset: header.offset + 16, field: 'load_addr..bss_end_addr',
    }], opts.ramBytes);
    const area = new Uint8Array(k.loadSize + k.bssSize); // bounded by RAM: checked above
    area.set(bytes.subarray(k.fileOffset, k.fileOffset + k.loadSize));
    memory = [{ paddr: k.loadAddr, bytes: area }];
    highest = k.loadAddr + area.length;
    entry = k.entry;
    what = `multiboot kernel (address fields), ${hex(k.loadAddr)}..${hex(highest)}`;
    symbols = image.format === 'elf' ? bestEffortSymbols(image) : undefined;
  } else {
    if (image.format !== 'elf') {
      throw new ImageError(
        'multiboot header does not set the address flag (bit 16) and the file is not ELF: the loader cannot tell where it goes',
        { offset: header.offset + 4, field: 'multiboot flags' });
    }
    const elf = image.elf();
    const m = elfMemory(elf, opts.ramBytes);
    memory = m.memory;
    highest = m.highest;
    entry = m.entry;
    what = `ELF${elf.class} multiboot kernel, ${plural(m.segments.length, 'segment')}`;
    symbols = addressSymbols(image.symbols());
    sections = elfSectionsForInfo(elf);
  }

  const modules = opts.modules ?? [];
  const info = buildMultibootInfo(opts.ramBytes, highest, opts.cmdline ?? '', modules, sections);
  memory.push(...info.memory);
  return {
    memory,
    entry: { kind: 'flat32', eip: entry, regs: { eax: MULTIBOOT_BOOTLOADER_MAGIC, ebx: info.infoAddr } },
    symbols,
    description: `${what}, entry ${hex(entry)}, info at ${hex(info.infoAddr)}${modules.length ? `, ${plural(modules.length, 'module')}` : ''}`,
  };
}

/** An ELF64 or odd ELF booted through the address fields may still have usable symbols. */
function bestEffortSymbols(image: KernelImage & { format: 'elf' }): BootPlan['symbols'] {
  try {
    return addressSymbols(image.symbols());
  } catch (e) {
    if (e instanceof ImageError) return undefined;
    throw e;
  }
}
