// The start of day's x86_64 parts (domain-builder.ts has the rest): 4-level bootstrap tables,
// Xen's L4 slots 256-271 (slot 256 the M2P at 0xFFFF800000000000, readable by the ring-3
// kernel; slot 260 the per-domain area with the GDT, supervisor only) carried into every L4
// the guest validates, the `syscall` hypercall page (Xen's
// hypercall_page_initialise_ring3_kernel) and a vCPU in 64-bit ring 3 in kernel mode
// (libxc's vcpu_x86_64): RSI -> start_info, RSP -> the stack, CS/SS = FLAT_KERNEL_CS/SS.

import { CS, SS, DS, ES, FS, GS } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';
import { PAGE } from './abi';
import { FLAT_KERNEL_CS64, FLAT_KERNEL_SS64, XEN_L4_FIRST } from './abi64';
import { BuildError } from './build-error';
import { hex, range, spans, type WidthBuilder } from './width-builder';
import { segmentDescriptor } from './descriptors';
import { T_L4 } from './page-types';
import { PageTypes64 } from './page-types64';

/** Bootstrap upper-level entries, as libxc writes them: P|RW|US|A|D. */
const UPPER_PROT = 0x67;
/** Xen's own entries: supervisor-only tables, the M2P's readable by the ring-3 kernel. */
const HV_TABLE = 0x63, HV_TABLE_USER = 0x67;
/** L4 slot of Xen's per-domain area, where the vCPU's GDT is mapped (PERDOMAIN_VIRT_START). */
const PERDOMAIN_SLOT = 260;
/** The GDT's address: the start of the per-domain area, 0xFFFF820000000000. */
export const GDT_VIRT_64 = -(2 ** 47) + (PERDOMAIN_SLOT - XEN_L4_FIRST) * 2 ** 39;

const CR0_PV = 0x80050033;               // PG, AM, WP, NE, ET, MP, PE
const CR4_PV = 0x20 | 0x200 | 0x400;     // PAE, OSFXSR, OSXMMEXCPT
const EFER_PV = 1 | (1 << 8) | (1 << 11); // SCE, LME, NXE

const TWO32 = 0x100000000;

export const X86_64_BUILDER: WidthBuilder = {
  levels: 4,
  // The per-domain area's L3 and L2, the M2P's L3 and an L2 per 512 of its L1s.
  xenTableFrames: (m2pL1s) => 3 + Math.ceil(m2pL1s / 512),
  checkRegion(virtBase, mappedEnd) {
    const lowHalf = virtBase >= 0;
    if (lowHalf ? mappedEnd > 2 ** 47 : virtBase < -(2 ** 47) + 2 ** 43 || mappedEnd > 0) {
      throw new BuildError(`the bootstrap region ${hex(virtBase)}..${hex(mappedEnd)} leaves the guest's part of the address space`);
    }
  },
  // One L4, an L3 per 512 GiB, an L2 per 1 GiB, an L1 per 2 MiB of the region.
  tablesFor: (virtBase, end) => 1 + spans(virtBase, end, 2 ** 39) + spans(virtBase, end, 2 ** 30) + spans(virtBase, end, 2 ** 21),
  presetRootSlots: () => [],
  upperProt: () => UPPER_PROT,
  fillHypercallPage: fillHypercallPage64,
  reservedGdtEntries: reservedGdtEntries64,
  xenArea(d, f, totalFrames, nrPages, mappable) {
    const mem = d.mem;
    const w64 = (pa: number, lo: number) => { mem.store32(pa, lo | 0); mem.store32(pa + 4, 0); };
    const [perdomainL2, perdomainL3, m2pL3, ...m2pL2] = f.xenTables;
    m2pL2.forEach((l2, i) => w64(m2pL3 * PAGE + i * 8, l2 * PAGE | HV_TABLE_USER));
    f.m2pL1.forEach((l1, i) => w64(m2pL2[Math.floor(i / 512)] * PAGE + (i % 512) * 8, l1 * PAGE | HV_TABLE_USER));
    w64(perdomainL3 * PAGE, perdomainL2 * PAGE | HV_TABLE);
    w64(perdomainL2 * PAGE, f.gdtL1 * PAGE | HV_TABLE);
    const xenL4: Array<[number, number]> = range(16, () => [0, 0] as [number, number]);
    xenL4[0] = [m2pL3 * PAGE | HV_TABLE_USER, 0];
    xenL4[PERDOMAIN_SLOT - XEN_L4_FIRST] = [perdomainL3 * PAGE | HV_TABLE, 0];
    const types = new PageTypes64(mem, totalFrames, nrPages, mappable);
    types.xenL4 = xenL4;
    return types;
  },
  // The L4 is pinned and is the kernel's root (guest_table); the vCPU starts in kernel mode.
  pinRoot(d, types, root) {
    if (!types.getType(root, T_L4)) return false;
    types.pinned[root] = 1; types.typeRefs[root]++;
    d.v64.kernelTable = root;
    d.v64.kernelMode = true;
    return true;
  },
  enter(d, root, entry, startInfoVa, stackTop) {
    const cpu = d.cpu;
    cpu.regs.fill(0); cpu.regsHi.fill(0);
    cpu.writeEfer(EFER_PV);
    cpu.writeCr4(CR4_PV);
    cpu.writeCr3(root * PAGE);
    cpu.writeCr0(CR0_PV);
    if (!cpu.lma) throw new BuildError('internal: the vCPU did not enter IA-32e mode');
    cpu.gdtBase = GDT_VIRT_64 | 0; cpu.gdtBaseHi = Math.floor(GDT_VIRT_64 / TWO32) | 0; cpu.gdtLimit = 0xffff;
    cpu.idtBase = 0; cpu.idtBaseHi = 0; cpu.idtLimit = 0;
    cpu.trSel = 0; cpu.trBase = 0; cpu.trBaseHi = 0; cpu.trLimit = 0; cpu.trAttr = 0x8b;
    cpu.ldtSel = 0; cpu.ldtBase = 0; cpu.ldtBaseHi = 0; cpu.ldtLimit = 0; cpu.ldtAttr = 0x10000;
    cpu.flushTlb();
    if (!d.loadSegment(CS, FLAT_KERNEL_CS64, 3) || !cpu.long64) throw new BuildError('internal: cannot load the 64-bit ring-3 code segment');
    if (!d.loadSegment(SS, FLAT_KERNEL_SS64, 3)) throw new BuildError('internal: cannot load the ring-3 stack segment');
    for (const s of [DS, ES, FS, GS]) cpu.setSegNull(s, 0);
    cpu.setRip(entry | 0, Math.floor(entry / TWO32) | 0);
    const set = (r: number, v: number) => { cpu.regs[r] = v | 0; cpu.regsHi[r] = Math.floor(v / TWO32) | 0; };
    set(6, startInfoVa);
    set(4, stackTop);
    cpu.flags = 0x202; cpu.ccOp = 0;
    cpu.invalidateFetch();
  },
};

/** Xen's reserved GDT entries for a 64-bit guest: ring-0 code/data (its own), FLAT_RING3_CS32, DS32/SS, CS64. */
export function reservedGdtEntries64(): Array<[number, number, number]> {
  const code64 = (dpl: number): [number, number] => {
    const [lo, hi] = segmentDescriptor(0, 0xfffff, 0xb, dpl);
    return [lo, (hi & ~(1 << 22)) | (1 << 21)]; // L = 1, D = 0
  };
  return [
    [0xe008, ...code64(0)],
    [0xe010, ...segmentDescriptor(0, 0xfffff, 0x3, 0)],
    [0xe020, ...segmentDescriptor(0, 0xfffff, 0xb, 3)],
    [0xe028, ...segmentDescriptor(0, 0xfffff, 0x3, 3)],
    [0xe030, ...code64(3)],
  ];
}

/**
 * Xen's 64-bit hypercall page: slot N `push %rcx; push %r11; mov $N, %eax; syscall; pop %r11;
 * pop %rcx; ret`; slot 23 (iret) `push %rcx; push %r11; push %rax; mov $23, %eax; syscall`
 * and is jumped to; the rest of each slot int3.
 */
export function fillHypercallPage64(mem: PhysicalMemory, pa: number): void {
  mem.u8.fill(0xcc, pa, pa + PAGE);
  mem.markWritten(pa, PAGE);
  for (let n = 0; n < PAGE / 32; n++) {
    const code = n === 23
      ? [0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05]
      : [0x51, 0x41, 0x53, 0xb8, n & 0xff, (n >>> 8) & 0xff, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3];
    mem.u8.set(code, pa + n * 32);
  }
}
