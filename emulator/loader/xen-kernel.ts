// The kernel image a Xen-style PV domain builder places: the PT_LOAD segments laid out in one
// contiguous block at their virtual addresses (p_paddr shifted by VIRT_BASE - PADDR_OFFSET),
// after the checks Xen makes before it builds a domain. The PV builder maps this block at
// virtStart, backed by pseudo-physical frames from (virtStart - virtBase) / 4096 up.

import { loadSegments } from './elf';
import { asImage, type KernelImage } from './kernel-image';
import { ImageError, hex } from './image-error';
import { formatSize } from './guest-ram';
import type { XenGuestInfo } from './xen-notes';

export interface XenKernelImage {
  /** Virtual range the kernel occupies: [virtStart, virtEnd). */
  virtStart: number;
  virtEnd: number;
  /** virtEnd - virtStart bytes: segment data, with gaps and bss zeroed. */
  image: Uint8Array;
  entry: number;
  hypercallPage?: number;
  virtBase: number;
  /** XEN_ELFNOTE_INIT_P2M: where a 64-bit kernel wants its initial p2m list mapped, apart from the kernel's mapping. */
  initP2m?: number;
}

/** Xen's acceptance rules for the notes: a Linux or "generic" guest, built for Xen 3.0's interface. */
export function checkXenGuest(info: XenGuestInfo): void {
  const field = info.source === 'notes' ? 'XEN_ELFNOTE_LOADER / XEN_ELFNOTE_GUEST_OS' : '__xen_guest LOADER / GUEST_OS';
  if (!(info.loader ?? '').startsWith('generic') && !(info.guestOs ?? '').startsWith('linux')) {
    throw new ImageError(
      `Xen loads only kernels built for the generic loader or Linux (LOADER '${info.loader ?? ''}', GUEST_OS '${info.guestOs ?? ''}')`, { field });
  }
  if (!(info.xenVersion ?? '').startsWith('xen-3.0')) {
    throw new ImageError(`Xen loads only kernels built for the xen-3.0 interface (XEN_VERSION '${info.xenVersion ?? ''}')`,
      { field: info.source === 'notes' ? 'XEN_ELFNOTE_XEN_VERSION' : '__xen_guest XEN_VER' });
  }
  if (info.features.unknownRequired.length > 0) {
    throw new ImageError(`kernel requires Xen features this hypervisor does not know: ${info.features.unknownRequired.join(', ')}`, { field: 'FEATURES' });
  }
}

export function xenKernelImage(source: Uint8Array | KernelImage, info: XenGuestInfo, maxBytes: number): XenKernelImage {
  checkXenGuest(info);
  const kernel = asImage(source);
  if (kernel.format !== 'elf') throw new ImageError('not an ELF file: a Xen PV kernel is an ELF executable', { offset: 0, field: 'e_ident[EI_MAG]' });
  const elf = kernel.elf();
  const bytes = kernel.bytes;
  const segments = loadSegments(elf);
  const shift = info.layout.virtBase - info.layout.paddrOffset;
  const placed = segments.map((p) => ({ p, virt: p.paddr + shift })).sort((a, b) => a.virt - b.virt);
  const wide = kernel.elf().class === 64;
  for (const s of placed) {
    // A 64-bit kernel lives in one half of the canonical address space, below Xen's own range or in the top half above it.
    const bad = wide
      ? !(s.virt >= 0 ? s.virt + s.p.memsz <= 2 ** 47 : s.virt >= -(2 ** 47) + 2 ** 43 && s.virt + s.p.memsz <= 0)
      : s.virt < 0 || s.virt + s.p.memsz > 0x100000000;
    if (bad) {
      throw new ImageError(wide
        ? `segment ${s.p.index} lands at ${hex(s.virt)} after the VIRT_BASE - PADDR_OFFSET shift, outside the guest's part of the 64-bit address space`
        : `segment ${s.p.index} lands at ${hex(s.virt >>> 0)} after the VIRT_BASE - PADDR_OFFSET shift, outside the 32-bit address space`, { field: 'p_paddr' });
    }
  }
  for (let i = 1; i < placed.length; i++) {
    const a = placed[i - 1];
    const b = placed[i];
    if (b.virt < a.virt + a.p.memsz) throw new ImageError(`segment ${b.p.index} overlaps segment ${a.p.index} at ${hex(b.virt)}`, { field: 'p_paddr/p_memsz' });
  }
  const virtStart = placed[0].virt;
  const virtEnd = Math.max(...placed.map((s) => s.virt + s.p.memsz));
  const { entry, virtBase } = info.layout;
  if (virtBase > virtStart || entry < virtStart || entry > virtEnd) {
    throw new ImageError(
      `ELF start or entry out of bounds: kernel ${hex(virtStart)}..${hex(virtEnd)}, entry ${hex(entry)}, VIRT_BASE ${hex(virtBase)} (entry must lie in the kernel, VIRT_BASE at or below it)`,
      { field: 'ENTRY / VIRT_BASE / PADDR_OFFSET' });
  }
  if (info.hypercallPage !== undefined && (info.hypercallPage < virtStart || info.hypercallPage + 4096 > virtEnd)) {
    throw new ImageError(`hypercall page ${hex(info.hypercallPage)} is not inside the kernel ${hex(virtStart)}..${hex(virtEnd)}`, { field: 'HYPERCALL_PAGE' });
  }
  const size = virtEnd - virtStart;
  if (size > maxBytes) throw new ImageError(`kernel spans ${formatSize(size)} (${hex(virtStart)}..${hex(virtEnd)}), more than the domain's ${formatSize(maxBytes)}`, { field: 'p_memsz' });
  const image = new Uint8Array(size); // bounded by maxBytes above
  for (const s of placed) image.set(bytes.subarray(s.p.offset, s.p.offset + s.p.filesz), s.virt - virtStart);
  return { virtStart, virtEnd, image, entry, hypercallPage: info.hypercallPage, virtBase, initP2m: info.initP2m };
}
