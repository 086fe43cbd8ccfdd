// What the loader produces and the machine applies at reset: the loader's output type, so it
// lives with the loader (below the machine, which imports it) rather than in the machine.

import type { XenKernelImage } from './xen-kernel';
import type { PvhLayout } from './pvh-layout';

/** What the loader produces and the machine applies at reset. */
export interface BootPlan {
  /** Bytes to place in guest RAM before the first instruction. */
  memory: Array<{ paddr: number; bytes: Uint8Array }>;
  /** A raw ROM: mapped so that it ends at 0xFFFFF and at 0xFFFFFFFF (reset vector F000:FFF0). */
  rom?: Uint8Array;
  entry:
    | { kind: 'reset' }                                    // F000:FFF0 in real mode, CS base 0xFFFF0000
    | { kind: 'real'; cs: number; ip: number; ss?: number; sp?: number }
    // CR0.PE=1, flat 4 GiB ring-0 segments, paging off, IF=0; with `gdt`, that GDT loaded and its selectors in CS and the data registers.
    | { kind: 'flat32'; eip: number; regs?: Partial<Record<GeneralRegister, number>>; gdt?: BootGdt }
    // 64-bit mode: CR4.PAE, EFER.LME/LMA, CR0.PG|PE, CR3 = `cr3` (page tables in `memory`), the GDT's
    // selectors loaded (its CS a 64-bit code segment), IF=0; registers zero-extended to 64 bits.
    | { kind: 'long64'; rip: number; cr3: number; gdt: BootGdt; regs?: Partial<Record<GeneralRegister, number>> };
  /** Symbols from the image, if any (address -> name) for reports. */
  /** `absolute`: an assembler constant (SHN_ABS, e.g. NASM's equ), a number rather than an address. */
  symbols?: Array<{ name: string; address: number; size: number; absolute?: boolean }>;
  /** Human-readable description: "ELF32 multiboot kernel, 3 segments". */
  description: string;
  /** A Xen PV kernel for mode 'pv' (from emulator/pv's loadPvImage); the domain builder applies it. */
  pv?: PvKernel;
  /** A PVH kernel for mode 'pvh' (from loadPvh): where its start info and special pages are. */
  pvh?: PvhBoot;
}

/** What the PVH hypervisor needs to know of a loaded PVH kernel. */
export interface PvhBoot {
  /** Guest-physical address of hvm_start_info (EBX at entry). */
  startInfo: number;
  layout: PvhLayout;
  cmdline: string;
  modules: Array<{ paddr: number; size: number }>;
}

/** A GDT the loader wrote into `memory`, and the selectors the entry state uses from it (flat 4 GiB, DPL 0). */
export interface BootGdt { base: number; limit: number; cs: number; ds: number }

export type GeneralRegister = 'eax' | 'ecx' | 'edx' | 'ebx' | 'esp' | 'ebp' | 'esi' | 'edi';

/** A Xen PV kernel as the PV domain builder takes it: the laid-out image and its start-of-day inputs. */
export interface PvKernel {
  image: XenKernelImage;
  cmdline: string;
  /** XENFEAT_* bits the kernel declared it supports (from its notes). */
  features: number;
  guestOs?: string;
  /** The ramdisk the domain builder places after the kernel (start_info.mod_start, mod_len). */
  module?: Uint8Array;
  /** The ABI, from the ELF class: 32 (x86_32 PAE, kernel in ring 1) or 64 (x86_64, kernel in ring 3). Absent: 32. */
  width?: 32 | 64;
}
