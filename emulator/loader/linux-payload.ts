// The kernel inside a Linux bzImage: the compressed vmlinux ELF that the boot code would
// decompress (boot protocol 2.08+: payload_offset and payload_length in the setup header).
// Xen's domain builder (libxc's bzImage loader) starts a PV or PVH Linux from this ELF and its
// Xen notes, not through the bzImage's own entry; `paravirt run --mode pv|pvh vmlinuz` does
// the same. Decompressed once per image and kept.
//
// Compressions: xz (Debian's amd64 kernels; the x86 branch filter included), LZ4's legacy
// frame (Debian's cloud kernels) and an uncompressed ELF. The others a kernel may be built
// with (gzip, bzip2, lzma, lzo, zstd) are named in a clear refusal.

import { ByteReader } from './byte-reader';
import { ImageError, hex } from './image-error';
import { readImage, type KernelImage } from './kernel-image';
import { hasSetupHeader, protocolText, readSetupHeader } from './linux-setup-header';
import { isElf } from './elf';
import { formatSize } from './guest-ram';
import { decodeXz, isXz, XzError } from './xz/xz';
import { decodeLz4Legacy, isLz4Legacy, Lz4Error } from './lz4-legacy';

/** payload_offset/payload_length appeared in boot protocol 2.08. */
const MIN_PAYLOAD_PROTOCOL = 0x0208;

const OTHER_COMPRESSIONS: { name: string; magic: number[] }[] = [
  { name: 'gzip', magic: [0x1f, 0x8b] },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68] },
  { name: 'lzma', magic: [0x5d, 0x00, 0x00] },
  { name: 'lzo', magic: [0x89, 0x4c, 0x5a, 0x4f] },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
];

export interface LinuxPayload {
  /** The vmlinux ELF, read as a kernel image. */
  image: KernelImage;
  compression: 'xz' | 'lz4' | 'none';
  /** File offset and length of the compressed payload in the bzImage. */
  offset: number;
  length: number;
}

const cache = new WeakMap<KernelImage, LinuxPayload>();

/** True for a Linux boot image (the bzImage a PV/PVH loader looks inside). */
export function isLinuxBootImage(image: KernelImage): boolean {
  return image.format === 'raw' && hasSetupHeader(new ByteReader(image.bytes));
}

/**
 * The vmlinux ELF inside a bzImage, decompressed (kept with the image: a second call is free).
 * `maxBytes`: the most the decompressed ELF may take (the guest's RAM: it must fit there anyway).
 */
export function linuxPayload(image: KernelImage, maxBytes: number): LinuxPayload {
  const kept = cache.get(image);
  if (kept) return kept;
  const r = new ByteReader(image.bytes);
  const header = readSetupHeader(r);
  if (header.version < MIN_PAYLOAD_PROTOCOL) {
    throw new ImageError(`boot protocol ${protocolText(header.version)} has no payload fields (2.08 added them): the kernel inside cannot be found`, { offset: 0x206, field: 'version' });
  }
  const offset = header.kernelOffset + r.u32(0x248, 'payload_offset');
  const length = r.u32(0x24c, 'payload_length');
  if (length === 0 || offset + length > image.bytes.length) {
    throw new ImageError(`payload_offset/payload_length (${hex(offset)}, ${length} bytes) lie outside the ${image.bytes.length}-byte file`, { offset: 0x248, field: 'payload_offset' });
  }
  const bytes = image.bytes;
  let elf: Uint8Array;
  let compression: LinuxPayload['compression'];
  if (isElf(bytes.subarray(offset, offset + length))) {
    elf = bytes.subarray(offset, offset + length);
    compression = 'none';
  } else if (isXz(bytes, offset)) {
    // The kernel build appends the decompressed size (le32) after the stream: a hint to size the buffer once.
    const hint = length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset + offset + length - 4, 4).getUint32(0, true) : undefined;
    try {
      elf = decodeXz(bytes, { start: offset, end: offset + length, maxBytes, sizeHint: hint && hint <= maxBytes ? hint : undefined }).data;
    } catch (e) {
      if (e instanceof XzError) {
        throw new ImageError(`the xz-compressed kernel payload cannot be decompressed: ${e.message}${e.message.includes('limit') ? ` (${formatSize(maxBytes)}, the guest's RAM)` : ''}`, { offset, field: 'payload' });
      }
      throw e;
    }
    compression = 'xz';
  } else if (isLz4Legacy(bytes, offset)) {
    const hint = new DataView(bytes.buffer, bytes.byteOffset + offset + length - 4, 4).getUint32(0, true);
    try {
      elf = decodeLz4Legacy(bytes, { start: offset, end: offset + length, maxBytes, sizeHint: hint <= maxBytes ? hint : undefined });
    } catch (e) {
      if (e instanceof Lz4Error) {
        throw new ImageError(`the lz4-compressed kernel payload cannot be decompressed: ${e.message}${e.message.includes('limit') ? ` (${formatSize(maxBytes)}, the guest's RAM)` : ''}`, { offset, field: 'payload' });
      }
      throw e;
    }
    compression = 'lz4';
  } else {
    const other = OTHER_COMPRESSIONS.find((c) => c.magic.every((b, i) => bytes[offset + i] === b));
    const head = Array.from(bytes.subarray(offset, offset + 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ImageError(other
      ? `the kernel payload is ${other.name}-compressed; only xz, lz4 (and an uncompressed vmlinux) can be unpacked for a PV or PVH boot`
      : `the kernel payload starts with ${head}, which is no compression a Linux kernel is built with`, { offset, field: 'payload' });
  }
  if (!isElf(elf)) throw new ImageError('the decompressed kernel payload is not an ELF file', { offset, field: 'payload' });
  const result: LinuxPayload = { image: readImage(elf), compression, offset, length };
  cache.set(image, result);
  return result;
}

/** The ELF a Xen domain builder (PV or PVH) loads for this image: a bzImage's vmlinux, else the image itself. */
export function xenElfOf(image: KernelImage, maxBytes: number): KernelImage {
  return isLinuxBootImage(image) ? linuxPayload(image, maxBytes).image : image;
}
