// A raw ROM (a BIOS, or a test ROM made with nasm): mapped by the machine so that it ends at
// 0xFFFFF and at 0xFFFFFFFF, and entered at the reset vector F000:FFF0, i.e. its last 16 bytes.
// Size: at least 16 bytes (the reset vector) and at most 1 MiB. The reset vector executes in
// real mode with CS base 0xFFFF0000, so its jump must land in the last 64 KiB of the ROM.

import type { BootPlan } from './boot-plan';
import { ImageError, hex } from './image-error';
import { formatSize, MiB } from './guest-ram';

export const MIN_ROM_BYTES = 16;
export const MAX_ROM_BYTES = MiB;

export function loadRom(bytes: Uint8Array): BootPlan {
  if (bytes.length < MIN_ROM_BYTES) {
    throw new ImageError(`ROM image is ${bytes.length} bytes; it needs at least 16 (the reset vector is its last 16 bytes)`, { field: 'rom size' });
  }
  if (bytes.length > MAX_ROM_BYTES) {
    throw new ImageError(`ROM image is ${formatSize(bytes.length)}; the most that fits below 1 MiB is 1 MiB`, { field: 'rom size' });
  }
  const base = 0x100000000 - bytes.length;
  return {
    memory: [],
    rom: new Uint8Array(bytes),
    entry: { kind: 'reset' },
    description: `ROM image, ${formatSize(bytes.length)} at ${hex(base)}..0xffffffff (and ${hex(MiB - bytes.length)}..0xfffff), reset vector F000:FFF0`,
  };
}
