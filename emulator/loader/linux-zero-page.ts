// The "zero page" (struct boot_params, Documentation/arch/x86/zero-page.rst) a loader hands a
// Linux kernel it enters in protected or long mode: the kernel's own setup header copied in at
// 0x1f1 and filled in as the boot protocol says (type_of_loader, cmd_line_ptr, the initrd),
// the E820 memory map, screen_info for the VGA text console and the ACPI RSDP's address.

import { pcMemoryMap } from './multiboot-info';
import type { SetupHeader } from './linux-setup-header';

export const ZERO_PAGE_SIZE = 4096;
/** No boot loader ID assigned to us: 0xFF, as the protocol asks of such loaders. */
export const TYPE_OF_LOADER_UNDEFINED = 0xff;
const E820_MAX_ENTRIES = 128;

export interface ZeroPageInputs {
  header: SetupHeader;
  /** The image's bytes: the setup header is copied from them. */
  bytes: Uint8Array;
  ramBytes: number;
  cmdlineAddr: number;
  initrd?: { addr: number; size: number };
  /** Where the firmware left the RSDP (0: let the kernel scan the BIOS area for it). */
  acpiRsdpAddr: number;
  /** Load address of the protected-mode kernel (code32_start). */
  kernelAddr: number;
}

export function buildZeroPage(z: ZeroPageInputs): Uint8Array {
  const page = new Uint8Array(ZERO_PAGE_SIZE);
  const v = new DataView(page.buffer);
  page.set(z.bytes.subarray(0x1f1, z.header.headerEnd), 0x1f1);

  // screen_info: an 80x25 colour VGA text console, cursor at the bottom line as a BIOS leaves it.
  v.setUint8(0x00, 0); v.setUint8(0x01, 24);          // orig_x, orig_y
  v.setUint16(0x02, 0, true);                          // ext_mem_k (obsolete)
  v.setUint8(0x06, 3);                                 // orig_video_mode: 80x25 colour text
  v.setUint8(0x07, 80);                                // orig_video_cols
  v.setUint8(0x0e, 25);                                // orig_video_lines
  v.setUint8(0x0f, 0x22);                              // orig_video_isVGA: VIDEO_TYPE_VGAC
  v.setUint16(0x10, 16, true);                         // orig_video_points (font height)

  if (z.acpiRsdpAddr) { v.setUint32(0x70, z.acpiRsdpAddr, true); v.setUint32(0x74, 0, true); }

  const map = pcMemoryMap(z.ramBytes).slice(0, E820_MAX_ENTRIES);
  v.setUint32(0x1e0, Math.floor(Math.max(0, z.ramBytes - 0x100000) / 1024), true); // alt_mem_k: KiB above 1 MiB
  v.setUint8(0x1e8, map.length);                       // e820_entries
  map.forEach((e, i) => {
    const o = 0x2d0 + i * 20;
    v.setUint32(o, e.base, true);
    v.setUint32(o + 8, e.length, true);
    v.setUint32(o + 16, e.type, true);
  });

  // The setup header's fields a loader writes.
  v.setUint8(0x210, TYPE_OF_LOADER_UNDEFINED);          // type_of_loader
  v.setUint32(0x214, z.kernelAddr, true);               // code32_start: where we put it
  v.setUint32(0x228, z.cmdlineAddr, true);              // cmd_line_ptr
  if (z.initrd) {
    v.setUint32(0x218, z.initrd.addr, true);            // ramdisk_image
    v.setUint32(0x21c, z.initrd.size, true);            // ramdisk_size
  }
  return page;
}
