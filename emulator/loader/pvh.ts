// Loads a kernel for a PVH domain the way Xen's toolstack does for `type = "pvh"`: the ELF's
// PT_LOAD segments at their physical addresses (p_paddr), the modules (the initrd) after
// the kernel, one hvm_start_info block after them, and entry at XEN_ELFNOTE_PHYS32_ENTRY in
// 32-bit protected mode with paging off, flat CS/DS/ES/SS, IF clear and EBX = the start
// info's address (Xen's docs/misc/pvh.pandoc). The kernel builds its own GDT, IDT and stack.

import type { BootPlan, PvhBoot } from './boot-plan';
import { loadSegments } from './elf';
import { ImageError, hex } from './image-error';
import type { KernelImage } from './kernel-image';
import { alignUp, formatSize } from './guest-ram';
import { PVH_PAGE, pvhLayout } from './pvh-layout';
import { buildStartInfo, startInfoBytes, type StartInfoModule } from './pvh-start-info';
import { addressSymbols } from './elf';
import { xenElfOf } from './linux-payload';

export interface PvhLoadOptions {
  ramBytes: number;
  cmdline?: string;
  /** The initial RAM disk: the first (and here only) module, as Xen passes a ramdisk. */
  initrd?: Uint8Array;
  /**
   * Where the firmware's RSDP lies. Default: the base of the layout's ACPI area, where the PVH
   * machine puts it (emulator/firmware/pvh-acpi-tables.ts).
   */
  acpiRsdpAddr?: number;
}

/**
 * What a PVH kernel is, from its headers: a reason it is not, or null when it is. A bzImage is
 * judged by the vmlinux inside it (see xenElfOf), as Xen's builder judges it.
 */
export function pvhRefusal(image: KernelImage): string | null {
  if (image.format !== 'elf') return 'not an ELF file: a PVH kernel is an ELF executable with the XEN_ELFNOTE_PHYS32_ENTRY note (or a Linux bzImage, whose vmlinux is entered)';
  const info = image.xen();
  if (!info) return 'this ELF has no Xen notes: a PVH kernel names its 32-bit entry in XEN_ELFNOTE_PHYS32_ENTRY (18)';
  if (info.physEntry === undefined) {
    return 'this ELF carries Xen notes but no XEN_ELFNOTE_PHYS32_ENTRY (18): it is a PV-only kernel (run it with --mode pv)';
  }
  return null;
}

export function loadPvh(source: KernelImage, opts: PvhLoadOptions): BootPlan {
  // A Linux bzImage is entered through the vmlinux inside it, as Xen's toolstack does.
  const image = xenElfOf(source, opts.ramBytes);
  const refusal = pvhRefusal(image);
  if (refusal !== null || image.format !== 'elf') throw new ImageError(refusal ?? 'not an ELF file', { field: 'XEN_ELFNOTE_PHYS32_ENTRY' });
  const info = image.xen()!;
  const entry = info.physEntry!;
  const layout = pvhLayout(opts.ramBytes);
  const elf = image.elf();
  const segments = loadSegments(elf);
  const memory: BootPlan['memory'] = [];
  let kernelEnd = 0;
  for (const p of segments) {
    const end = p.paddr + p.memsz;
    if (end > layout.usableEnd) {
      throw new ImageError(
        `segment ${p.index} ${hex(p.paddr)}..${hex(end)} does not fit in the domain's RAM below ${hex(layout.usableEnd)} (${formatSize(opts.ramBytes)} with the ACPI tables and special pages at the top); give the machine more memory`,
        { offset: elf.header.phoff + p.index * elf.header.phentsize, field: 'p_paddr/p_memsz' });
    }
    const bytes = new Uint8Array(p.memsz);
    bytes.set(image.bytes.subarray(p.offset, p.offset + p.filesz));
    memory.push({ paddr: p.paddr, bytes });
    kernelEnd = Math.max(kernelEnd, end);
  }
  const sorted = [...memory].sort((a, b) => a.paddr - b.paddr);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!, b = sorted[i]!;
    if (b.paddr < a.paddr + a.bytes.length) throw new ImageError(`PT_LOAD segments overlap at ${hex(b.paddr)}`, { field: 'p_paddr' });
  }
  if (entry >= 0x100000000 || !segments.some((p) => entry >= p.paddr && entry < p.paddr + p.memsz)) {
    throw new ImageError(`XEN_ELFNOTE_PHYS32_ENTRY ${hex(entry)} lies in no loaded segment`, { field: 'XEN_ELFNOTE_PHYS32_ENTRY' });
  }

  const cmdline = opts.cmdline ?? '';
  if (/[^\x01-\xff]/.test(cmdline)) throw new ImageError('the command line must be Latin-1 text without NUL characters', { field: 'command line' });
  let cursor = alignUp(kernelEnd, PVH_PAGE);
  const modules: StartInfoModule[] = [];
  if (opts.initrd && opts.initrd.length > 0) {
    const at = cursor;
    if (at + opts.initrd.length > layout.usableEnd) {
      throw new ImageError(`the initrd (${formatSize(opts.initrd.length)}) does not fit in RAM after the kernel (at ${hex(at)}, RAM usable to ${hex(layout.usableEnd)}); give the machine more memory`, { field: 'initrd' });
    }
    memory.push({ paddr: at, bytes: opts.initrd });
    modules.push({ paddr: at, size: opts.initrd.length });
    cursor = alignUp(at + opts.initrd.length, PVH_PAGE);
  }
  const startInfoAt = cursor;
  const size = startInfoBytes({ cmdline, modules, memmap: layout.memmap });
  if (startInfoAt + size > layout.usableEnd) {
    throw new ImageError(`no room for the start info after the kernel and modules (RAM usable to ${hex(layout.usableEnd)}); give the machine more memory`, { field: 'ramBytes' });
  }
  memory.push({ paddr: startInfoAt, bytes: buildStartInfo({ at: startInfoAt, cmdline, modules, rsdpPaddr: opts.acpiRsdpAddr ?? layout.acpiBase, memmap: layout.memmap }) });

  const pvh: PvhBoot = { startInfo: startInfoAt, layout, cmdline, modules: modules.map((m) => ({ paddr: m.paddr, size: m.size })) };
  return {
    memory,
    entry: { kind: 'flat32', eip: entry, regs: { ebx: startInfoAt } },
    symbols: addressSymbols(image.symbols()),
    description: `${image === source ? '' : 'Linux bzImage: '}ELF${elf.class} PVH kernel, entry ${hex(entry)} (XEN_ELFNOTE_PHYS32_ENTRY), start info at ${hex(startInfoAt)}`,
    pvh,
  };
}
