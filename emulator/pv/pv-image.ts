// The loader entry for PV mode: a Xen PV kernel image (ELF32 or ELF64 with Xen notes, or __xen_guest)
// becomes a BootPlan whose `pv` part the domain builder applies when the Machine loads it.

import type { BootPlan } from '../loader/boot-plan';
import { ImageError, hex } from '../loader/image-error';
import { xenKernelImage } from '../loader/xen-kernel';
import { SHN_ABS } from '../loader/elf';
import { asImage, type KernelImage } from '../loader/kernel-image';
import { xenElfOf } from '../loader/linux-payload';
import { MAX_GUEST_CMDLINE } from './abi';

export interface PvLoadOptions {
  ramBytes: number;
  cmdline?: string;
  /** The ramdisk (xl's ramdisk=): start_info.mod_start/mod_len point at it. */
  initrd?: Uint8Array;
}

/** `source`: the image as read once by readImage (what front ends pass), or its bytes. */
export function loadPvImage(source: Uint8Array | KernelImage, opts: PvLoadOptions): BootPlan {
  const valid = source instanceof Uint8Array || (typeof source === 'object' && source !== null && source.bytes instanceof Uint8Array);
  if (!valid || (source instanceof Uint8Array ? source : source.bytes).length === 0) throw new ImageError('image is empty', { field: 'image' });
  // A Linux bzImage is started from the vmlinux inside it, as Xen's domain builder does.
  const kernel = xenElfOf(asImage(source), opts.ramBytes);
  const info = kernel.format === 'elf' ? kernel.xen() : null;
  if (kernel.format !== 'elf' || !info) throw new ImageError('not a Xen PV kernel: no Xen ELF notes and no __xen_guest section (run it in HVM mode)', { field: 'image' });
  // The ELF class picks the ABI, as Xen's builder does: ELF64 is an x86_64 PV kernel in ring 3, ELF32 an x86_32 PAE one in ring 1.
  const width = kernel.elf().class;
  if (width === 64) {
    if (info.physEntry !== undefined && info.entry === undefined && info.hypercallPage === undefined) {
      throw new ImageError('this is a PVH kernel (XEN_ELFNOTE_PHYS32_ENTRY and no PV entry or hypercall page), not a PV one: run it with --mode pvh', { field: 'PHYS32_ENTRY' });
    }
  } else {
    if (info.pae === 'no' && info.physEntry !== undefined && info.paeRaw === undefined) {
      throw new ImageError('this is a PVH kernel (XEN_ELFNOTE_PHYS32_ENTRY, no PAE_MODE note), not a PV one; PV mode runs 32-bit PAE and 64-bit PV kernels', { field: 'PHYS32_ENTRY' });
    }
    if (info.pae === 'no') throw new ImageError('this kernel is built for non-PAE Xen (PAE_MODE "no"); 32-bit PV guests must be PAE', { field: 'PAE_MODE' });
  }
  const cmdline = opts.cmdline ?? '';
  if (new TextEncoder().encode(cmdline).length >= MAX_GUEST_CMDLINE) throw new ImageError(`the command line is longer than ${MAX_GUEST_CMDLINE - 1} bytes`, { field: 'cmdline' });
  const image = xenKernelImage(kernel, info, opts.ramBytes);
  let symbols: BootPlan['symbols'];
  try {
    symbols = kernel.symbols().filter((s) => s.name && s.value !== 0)
      .map((s) => {
        const address = width === 64 ? s.value : s.value >>> 0;
        return s.shndx === SHN_ABS ? { name: s.name, address, size: s.size, absolute: true } : { name: s.name, address, size: s.size };
      });
  } catch { symbols = undefined; }
  return {
    memory: [],
    entry: { kind: 'flat32', eip: image.entry | 0 },
    symbols,
    description: width === 64
      ? `Xen x86_64 PV kernel (${info.source === 'notes' ? 'ELF notes' : '__xen_guest'}), ${image.virtEnd - image.virtStart} bytes at ${hex(image.virtStart)}`
      : `Xen PV kernel (${info.source === 'notes' ? 'ELF notes' : '__xen_guest'}, PAE ${info.pae}), ${image.virtEnd - image.virtStart} bytes at 0x${image.virtStart.toString(16)}`,
    pv: { image, cmdline, features: info.features.supportedMask, guestOs: info.guestOs, width, ...(opts.initrd ? { module: opts.initrd } : {}) },
  };
}
