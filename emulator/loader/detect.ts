// Decides how to load an image when the caller says 'auto', from its headers alone:
//   a Linux boot image ("HdrS" at 0x202, boot_flag 0xAA55)        -> bzimage
//   a Multiboot header (magic 0x1BADB002 in the first 8 KiB)      -> multiboot
//   else a Multiboot2 header (0xE85250D6 in the first 32 KiB)     -> multiboot2
//   (a kernel with both is loaded as Multiboot 1, as QEMU's -kernel does: --format multiboot2
//   chooses the other)
//   an ELF with Xen notes (or __xen_guest) and no PVH entry       -> xen (a PV kernel: --mode pv)
//   any other ELF (ELF32 i386 or ELF64 x86-64)                    -> elf
//   a raw file given a load address                               -> flat
// Anything else needs an explicit format. `describeImage` names what the headers say, for the
// error of a format given explicitly that does not fit.

import { ByteReader } from './byte-reader';
import { elfClass } from './elf';
import { ImageError } from './image-error';
import type { KernelImage } from './kernel-image';
import { hasSetupHeader, protocolText } from './linux-setup-header';
import type { LoadOptions } from './load-options';

export type Detected =
  | { format: 'multiboot' }
  | { format: 'multiboot2' }
  | { format: 'bzimage' }
  | { format: 'xen' }
  | { format: 'elf' }
  | { format: 'flat' }
  | { format: 'rom' };

export function detectFormat(image: KernelImage, opts: Pick<LoadOptions, 'flatAddress' | 'realMode'>): Detected {
  if (image.format === 'raw' && hasSetupHeader(new ByteReader(image.bytes))) return { format: 'bzimage' };
  if (image.multiboot()) return { format: 'multiboot' };
  if (image.multiboot2()) return { format: 'multiboot2' };
  if (image.format === 'elf') return isXenPv(image) ? { format: 'xen' } : { format: 'elf' };
  // A load address can only mean a flat binary, so it is taken as the caller's choice.
  if (opts.flatAddress !== undefined || opts.realMode) return { format: 'flat' };
  throw new ImageError(
    'unrecognised image: not ELF, not a Linux bzImage and no Multiboot or Multiboot2 header; say what it is with --format flat (and --flat-address) or --format rom',
    { offset: 0, field: 'format' });
}

/**
 * An ELF that only a Xen PV domain builder can start: Xen guest information and no PVH entry
 * point (XEN_ELFNOTE_PHYS32_ENTRY, which a PVH loader would use). Unreadable notes say nothing:
 * such a file is left to the ELF loader, whose errors are about the ELF.
 */
export function isXenPv(image: KernelImage & { format: 'elf' }): boolean {
  try {
    const x = image.xen();
    return x !== null && x.physEntry === undefined;
  } catch (e) {
    if (e instanceof ImageError) return false;
    throw e;
  }
}

/** What the headers say the file is, in words ("a Linux bzImage (boot protocol 2.15)"), or null. */
export function describeImage(image: KernelImage): string | null {
  const r = new ByteReader(image.bytes);
  const parts: string[] = [];
  try {
    if (hasSetupHeader(r)) parts.push(`a Linux bzImage (boot protocol ${protocolText(r.u16(0x206, 'version'))})`);
  } catch { /* too short to say */ }
  let mb = false;
  let mb2 = false;
  try { mb = image.multiboot() !== null; } catch { /* a broken header says nothing */ }
  try { mb2 = image.multiboot2() !== null; } catch { /* likewise */ }
  const headers = [mb ? 'a Multiboot header' : '', mb2 ? 'a Multiboot2 header' : ''].filter(Boolean).join(' and ');
  const cls = elfClass(image.bytes);
  if (image.format === 'elf') {
    let xen = false;
    try { xen = image.xen() !== null; } catch { /* likewise */ }
    parts.push(`an ELF${cls ?? ''} file${headers ? ` with ${headers}` : ''}${xen ? ' carrying Xen notes (a PV kernel)' : ''}`);
  } else if (headers) {
    parts.push(`a file with ${headers}`);
  }
  return parts.length ? parts.join(', ') : null;
}
