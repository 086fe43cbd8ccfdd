// Loads a Linux/x86 bzImage the way a boot loader that skips the real-mode setup code does
// (Documentation/arch/x86/boot.rst): the protected-mode kernel at code32_start (1 MiB), the zero page and the
// command line in low memory, the initrd as high as initrd_addr_max and RAM allow, and entry
//   '32' (the default, GRUB's `linux` on a PC): 32-bit protected mode, paging off, a GDT with
//        4 GiB flat __BOOT_CS (0x10) and __BOOT_DS (0x18), ESI = zero page, EBP = EDI = EBX = 0,
//        at code32_start. Any bzImage since protocol 2.02 starts so, 32- or 64-bit, and a
//        64-bit kernel's own startup_32 then builds its page tables and enters long mode.
//   '64' (kexec's and EFI stubs' way in): 64-bit mode, the first 4 GiB identity-mapped with
//        2 MiB pages, the same GDT with a 64-bit __BOOT_CS, RSI = zero page, at load + 0x200.
//        Needs protocol 2.12 and XLF_KERNEL_64.

import type { BootGdt, BootPlan } from './boot-plan';
import { ByteReader } from './byte-reader';
import { LOW_USABLE_END, MiB, PAGE, checkPlacements, formatSize } from './guest-ram';
import { ImageError, hex } from './image-error';
import type { KernelImage } from './kernel-image';
import { MIN_PROTOCOL_64, XLF_KERNEL_64, protocolText, readSetupHeader } from './linux-setup-header';
import { ZERO_PAGE_SIZE, buildZeroPage } from './linux-zero-page';
import type { LoadOptions } from './load-options';

/** Where the protected-mode kernel goes by default: 1 MiB, code32_start's default, as QEMU and GRUB put it. */
export const KERNEL_ADDR = MiB;
/** Low memory the loader uses, below the EBDA: zero page, command line, GDT, page tables. */
export const ZERO_PAGE_ADDR = 0x10000;
export const CMDLINE_ADDR = 0x11000;
export const GDT_ADDR = 0x20000;
export const PAGE_TABLES_ADDR = 0x21000;

const BOOT_CS = 0x10;
const BOOT_DS = 0x18;
// Flat 4 GiB descriptors: code (32-bit, or 64-bit with L set) and data, present, DPL 0.
const CODE32 = [0x0000ffff, 0x00cf9b00];
const CODE64 = [0x0000ffff, 0x00af9b00];
const DATA = [0x0000ffff, 0x00cf9300];

export type LinuxEntry = '32' | '64';

export function loadLinux(image: KernelImage, opts: LoadOptions): BootPlan {
  const bytes = image.bytes;
  const h = readSetupHeader(new ByteReader(bytes));
  const entryKind: LinuxEntry = opts.linuxEntry ?? '32';
  const is64 = (h.xloadflags & XLF_KERNEL_64) !== 0;
  if (entryKind === '64' && (h.version < MIN_PROTOCOL_64 || !is64)) {
    throw new ImageError(
      `this kernel has no 64-bit entry point (boot protocol ${protocolText(h.version)}, xloadflags ${hex(h.xloadflags)}: needs 2.12 and XLF_KERNEL_64); use the 32-bit entry`,
      { offset: 0x236, field: 'xloadflags' });
  }

  const cmdline = new TextEncoder().encode(opts.cmdline ?? '');
  if (cmdline.includes(0)) throw new ImageError('the command line contains a NUL character', { field: 'command line' });
  if (cmdline.length > h.cmdlineSize) {
    throw new ImageError(`the command line is ${cmdline.length} bytes; this kernel takes at most ${h.cmdlineSize} (cmdline_size)`, { offset: 0x238, field: 'cmdline_size' });
  }

  const kernel = bytes.subarray(h.kernelOffset);
  // code32_start is "the address to jump to in protected mode", which defaults to the kernel's
  // load address: the kernel goes there (1 MiB for every bzImage a build makes).
  const kernelAddr = h.code32Start;
  if (kernelAddr < MiB || kernelAddr % PAGE !== 0) {
    throw new ImageError(`code32_start ${hex(kernelAddr)} is not a page-aligned address at or above 1 MiB where the protected-mode kernel could be loaded`, { offset: 0x214, field: 'code32_start' });
  }
  if (entryKind === '64' && kernel.length <= 0x200) {
    throw new ImageError(`the protected-mode kernel is ${kernel.length} bytes: its 64-bit entry at +0x200 lies outside it`, { offset: 0x1f4, field: 'syssize' });
  }
  // The kernel decompresses itself and runs in [its run address, + init_size). A relocatable
  // kernel runs at its load address rounded up to kernel_alignment but never below pref_address
  // (LOAD_PHYSICAL_ADDR); one that is not runs at pref_address (1 MiB before 2.10).
  const align = Math.max(h.kernelAlignment, 1);
  const runAt = h.relocatable ? Math.max(Math.ceil(kernelAddr / align) * align, h.prefAddress) : h.prefAddress;
  const kernelEnd = Math.max(kernelAddr + kernel.length, runAt + Math.max(h.initSize, kernel.length));
  if (kernelEnd > opts.ramBytes) {
    throw new ImageError(
      `this kernel needs RAM up to ${hex(kernelEnd)} (${formatSize(Math.ceil(kernelEnd / MiB) * MiB)}: it decompresses at ${hex(runAt)} into init_size ${formatSize(h.initSize)}), more than the guest's ${formatSize(opts.ramBytes)}; give the machine more memory (--memory)`,
      { offset: 0x260, field: 'init_size' });
  }

  let initrd: { addr: number; size: number } | undefined;
  if (opts.initrd && opts.initrd.length > 0) {
    const top = Math.min(opts.ramBytes, h.initrdAddrMax + 1);
    const addr = Math.floor((top - opts.initrd.length) / PAGE) * PAGE;
    if (addr < kernelEnd) {
      throw new ImageError(
        `no room for the ${formatSize(opts.initrd.length)} initrd between the kernel's ${hex(kernelEnd)} and ${hex(top)} (RAM top or initrd_addr_max ${hex(h.initrdAddrMax)}); give the machine more memory (--memory)`,
        { field: 'initrd' });
    }
    initrd = { addr, size: opts.initrd.length };
  }

  const gdt = new Uint8Array(4 * 8);
  const gv = new DataView(gdt.buffer);
  const code = entryKind === '64' ? CODE64 : CODE32;
  gv.setUint32(BOOT_CS, code[0], true); gv.setUint32(BOOT_CS + 4, code[1], true);
  gv.setUint32(BOOT_DS, DATA[0], true); gv.setUint32(BOOT_DS + 4, DATA[1], true);
  const bootGdt: BootGdt = { base: GDT_ADDR, limit: gdt.length - 1, cs: BOOT_CS, ds: BOOT_DS };

  const zeroPage = buildZeroPage({
    header: h, bytes, ramBytes: opts.ramBytes, cmdlineAddr: CMDLINE_ADDR, initrd,
    acpiRsdpAddr: opts.acpiRsdpAddr ?? 0, kernelAddr,
  });
  const cmd = new Uint8Array(cmdline.length + 1);
  cmd.set(cmdline);
  const tables = entryKind === '64' ? identityMap4G() : undefined;

  const memory: BootPlan['memory'] = [
    { paddr: ZERO_PAGE_ADDR, bytes: zeroPage },
    { paddr: CMDLINE_ADDR, bytes: cmd },
    { paddr: GDT_ADDR, bytes: gdt },
    ...(tables ? [{ paddr: PAGE_TABLES_ADDR, bytes: tables }] : []),
    { paddr: kernelAddr, bytes: new Uint8Array(kernel) },
    ...(initrd ? [{ paddr: initrd.addr, bytes: opts.initrd! }] : []),
  ];
  checkPlacements([
    { start: ZERO_PAGE_ADDR, size: ZERO_PAGE_SIZE, what: 'zero page' },
    { start: CMDLINE_ADDR, size: cmd.length, what: 'command line' },
    { start: GDT_ADDR, size: gdt.length, what: 'boot GDT' },
    ...(tables ? [{ start: PAGE_TABLES_ADDR, size: tables.length, what: 'boot page tables' }] : []),
    { start: kernelAddr, size: kernel.length, what: 'protected-mode kernel', offset: 0x214, field: 'code32_start' },
    ...(initrd ? [{ start: initrd.addr, size: initrd.size, what: 'initrd' }] : []),
  ], opts.ramBytes);
  if (CMDLINE_ADDR + cmd.length > GDT_ADDR || PAGE_TABLES_ADDR + (tables?.length ?? 0) > LOW_USABLE_END) {
    throw new ImageError('the boot structures do not fit in low memory', { field: 'command line' });
  }

  const what = `Linux bzImage, boot protocol ${protocolText(h.version)}, ${is64 ? '64-bit' : '32-bit'} kernel at ${hex(kernelAddr)} (${formatSize(kernel.length)}, runs at ${hex(runAt)}, init_size ${formatSize(h.initSize)})`
    + `${initrd ? `, initrd ${formatSize(initrd.size)} at ${hex(initrd.addr)}` : ''}`;
  if (entryKind === '64') {
    return {
      memory,
      entry: { kind: 'long64', rip: kernelAddr + 0x200, cr3: PAGE_TABLES_ADDR, gdt: bootGdt, regs: { esi: ZERO_PAGE_ADDR } },
      description: `${what}, 64-bit entry ${hex(kernelAddr + 0x200)}, RSI = zero page ${hex(ZERO_PAGE_ADDR)}`,
    };
  }
  return {
    memory,
    entry: { kind: 'flat32', eip: kernelAddr, gdt: bootGdt, regs: { esi: ZERO_PAGE_ADDR, ebp: 0, edi: 0, ebx: 0 } },
    description: `${what}, 32-bit entry ${hex(kernelAddr)}, ESI = zero page ${hex(ZERO_PAGE_ADDR)}`,
  };
}

/** PML4, one PDPT and four page directories of 2 MiB pages: virtual = physical below 4 GiB. */
function identityMap4G(): Uint8Array {
  const t = new Uint8Array(6 * PAGE);
  const v = new DataView(t.buffer);
  const P_RW = 0x3;
  const PS = 0x80;
  v.setUint32(0, (PAGE_TABLES_ADDR + PAGE) | P_RW, true);                     // PML4[0] -> PDPT
  for (let i = 0; i < 4; i++) {
    v.setUint32(PAGE + i * 8, (PAGE_TABLES_ADDR + (2 + i) * PAGE) | P_RW, true); // PDPT[i] -> PD i
    for (let j = 0; j < 512; j++) {
      const phys = (i * 512 + j) * 2 * MiB;                                     // up to 4 GiB: high dword stays 0
      v.setUint32((2 + i) * PAGE + j * 8, (phys | P_RW | PS) >>> 0, true);
    }
  }
  return t;
}
