// The setup header of a Linux/x86 bzImage (Documentation/arch/x86/boot.rst, "The real-mode
// kernel header"): found at offset 0x1f1 of the file, recognised by the "HdrS" magic at 0x202,
// and checked here for what a loader that enters the protected-mode kernel directly needs:
// a bzImage (loaded high), boot protocol 2.02 or later (32-bit entry with cmd_line_ptr) and,
// for the 64-bit entry, 2.12 with XLF_KERNEL_64.

import type { ByteReader } from './byte-reader';
import { ImageError, hex } from './image-error';

export const SETUP_HEADER_OFFSET = 0x1f1;
export const HDRS_MAGIC = 0x53726448;          // "HdrS"
const BOOT_FLAG = 0xaa55;

export const LOADED_HIGH = 1 << 0;
export const XLF_KERNEL_64 = 1 << 0;
export const XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;

/** Oldest protocol entered without the real-mode setup code: 2.02 (cmd_line_ptr, protected-mode entry). */
export const MIN_PROTOCOL = 0x0202;
/** The 64-bit entry point (startup_64 at load address + 0x200) exists from 2.12 on, when XLF_KERNEL_64 says so. */
export const MIN_PROTOCOL_64 = 0x020c;

export interface SetupHeader {
  /** 512-byte sectors of real-mode setup code after the boot sector (0 means 4). */
  setupSects: number;
  /** Boot protocol, e.g. 0x020f for 2.15. */
  version: number;
  loadflags: number;
  code32Start: number;
  /** Highest address the initrd may end at (inclusive), 0x37ffffff before 2.03. */
  initrdAddrMax: number;
  kernelAlignment: number;
  relocatable: boolean;
  xloadflags: number;
  /** Longest command line, NUL excluded (255 before 2.06). */
  cmdlineSize: number;
  prefAddress: number;
  /** Bytes from the load address the kernel needs while it decompresses and boots. */
  initSize: number;
  /** File offset of the protected-mode kernel: (setup_sects + 1) * 512. */
  kernelOffset: number;
  /** Size of the protected-mode kernel in 16-byte paragraphs, as the build wrote it (syssize). */
  syssize: number;
  /** Bytes of the setup header as the file has them: 0x1f1 to the end given by the jump at 0x200. */
  headerEnd: number;
}

/** True when the file carries the "HdrS" magic of a Linux boot image. */
export function hasSetupHeader(r: ByteReader): boolean {
  return r.length >= 0x206 && r.u32(0x202, 'header') === HDRS_MAGIC;
}

export function readSetupHeader(r: ByteReader): SetupHeader {
  if (!hasSetupHeader(r)) throw new ImageError('not a Linux boot image: no "HdrS" magic at 0x202', { offset: 0x202, field: 'header' });
  const bootFlag = r.u16(0x1fe, 'boot_flag');
  if (bootFlag !== BOOT_FLAG) throw new ImageError(`boot_flag is ${hex(bootFlag)}, not 0xaa55`, { offset: 0x1fe, field: 'boot_flag' });
  const version = r.u16(0x206, 'version');
  const vtext = protocolText(version);
  if (version < MIN_PROTOCOL) {
    throw new ImageError(`boot protocol ${vtext} is older than 2.02: such a kernel can only start through its real-mode setup code, which needs a BIOS`, { offset: 0x206, field: 'version' });
  }
  const loadflags = r.u8(0x211, 'loadflags');
  if (!(loadflags & LOADED_HIGH)) {
    throw new ImageError('a zImage (loadflags.LOADED_HIGH clear): its kernel runs at 0x10000 and needs the real-mode setup; only bzImage is supported', { offset: 0x211, field: 'loadflags' });
  }
  let setupSects = r.u8(0x1f1, 'setup_sects');
  if (setupSects === 0) setupSects = 4;
  const kernelOffset = (setupSects + 1) * 512;
  if (kernelOffset >= r.length) {
    throw new ImageError(`setup_sects ${setupSects} puts the protected-mode kernel at ${hex(kernelOffset)}, past the end of the ${r.length}-byte file`, { offset: 0x1f1, field: 'setup_sects' });
  }
  const at = (v: number, o: number, f: (o: number, w: string) => number, what: string, fallback: number) => version >= v ? f(o, what) : fallback;
  const u8 = (o: number, w: string) => r.u8(o, w);
  const u16 = (o: number, w: string) => r.u16(o, w);
  const u32 = (o: number, w: string) => r.u32(o, w);
  const u64 = (o: number, w: string) => r.u64(o, w);
  const h: SetupHeader = {
    setupSects, version, loadflags,
    code32Start: u32(0x214, 'code32_start'),
    initrdAddrMax: at(0x0203, 0x22c, u32, 'initrd_addr_max', 0x37ffffff),
    kernelAlignment: at(0x0205, 0x230, u32, 'kernel_alignment', 0),
    relocatable: at(0x0205, 0x234, u8, 'relocatable_kernel', 0) !== 0,
    xloadflags: at(0x020c, 0x236, u16, 'xloadflags', 0),
    cmdlineSize: at(0x0206, 0x238, u32, 'cmdline_size', 255),
    prefAddress: at(0x020a, 0x258, u64, 'pref_address', 0x100000),
    initSize: at(0x020a, 0x260, u32, 'init_size', 0),
    kernelOffset,
    syssize: r.u32(0x1f4, 'syssize'),
    headerEnd: 0x202 + r.u8(0x201, 'jump'),
  };
  // A cut-short file (an interrupted download) is caught here rather than as a crash later.
  const have = r.length - kernelOffset;
  if (h.syssize !== 0 && have < h.syssize * 16 - 15) {
    throw new ImageError(`the file is truncated: syssize says the protected-mode kernel is ${h.syssize * 16} bytes, the file holds ${have} after the setup code`, { offset: 0x1f4, field: 'syssize' });
  }
  if (h.headerEnd > kernelOffset) throw new ImageError(`the setup header ends at ${hex(h.headerEnd)}, after the setup code (${hex(kernelOffset)})`, { offset: 0x201, field: 'jump' });
  if (h.kernelAlignment !== 0 && (h.kernelAlignment & (h.kernelAlignment - 1)) !== 0) {
    throw new ImageError(`kernel_alignment ${hex(h.kernelAlignment)} is not a power of two`, { offset: 0x230, field: 'kernel_alignment' });
  }
  return h;
}

export function protocolText(version: number): string {
  return `${version >> 8}.${(version & 0xff).toString().padStart(2, '0')}`;
}
