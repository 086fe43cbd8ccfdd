// The start of day's x86_32 PAE parts (domain-builder.ts has the rest): 3-level bootstrap
// tables whose L3 entries carry only P (a PAE PDPTE has no RW/US), Xen's area as PDEs in the
// top of the L2 that L3 slot 3 points at (the M2P from 0xF5800000, the GDT at 0xF6800000),
// the `int 0x82` hypercall page (Xen's hypercall_page_initialise_ring1_kernel) and a vCPU
// in ring 1 on flat segments (libxc's vcpu_x86_32).

import { CS, SS, DS, ES, FS, GS } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';
import { FLAT_RING1_CS, FLAT_RING1_DS, GDT_VIRT, HV_L2_FIRST, HYPERVISOR_VIRT_START, MACH2PHYS_VIRT_START, PAGE } from './abi';
import { BuildError } from './build-error';
import type { WidthBuilder } from './width-builder';
import { reservedGdtEntries } from './descriptors';
import { PageTypes, T_L3 } from './page-types';

const L3_PROT = 0x01;     // a PDPTE: present, nothing else
const L2_PROT = 0x67;     // present, writable, user, accessed, dirty
const HV_PDE = 0x63;      // present, writable, accessed, dirty; supervisor only
const US = 4;
const GIB = 1 << 30;

export const PAE_BUILDER: WidthBuilder = {
  levels: 3,
  xenTableFrames: () => 0,
  checkRegion(virtBase, mappedEnd) {
    if (mappedEnd > HYPERVISOR_VIRT_START || mappedEnd < virtBase) {
      throw new BuildError(`the bootstrap region 0x${virtBase.toString(16)}..0x${mappedEnd.toString(16)} reaches the hypervisor's area at 0x${HYPERVISOR_VIRT_START.toString(16)}`);
    }
  },
  // One L3, an L2 per 1 GiB slot touched and slot 3's (it holds Xen's PDEs), an L1 per 2 MiB.
  tablesFor(virtBase, end) {
    const l2s = Math.floor((end - 1) / GIB) - Math.floor(virtBase / GIB) + 1 + (Math.floor((end - 1) / GIB) < 3 ? 1 : 0);
    return 1 + l2s + Math.ceil(end / (2 << 20)) - Math.floor(virtBase / (2 << 20));
  },
  // libxc takes the L2s before any L1, in slot order.
  presetRootSlots(virtBase, mappedEnd) {
    const slots = new Set<number>([3]);
    for (let a = virtBase; a < mappedEnd; a += 2 << 20) slots.add(Math.floor(a / GIB));
    return [...slots].sort((x, y) => x - y);
  },
  upperProt: (level) => (level === 3 ? L3_PROT : L2_PROT),
  fillHypercallPage,
  reservedGdtEntries,
  xenArea(_d, f, totalFrames, nrPages, mappable) {
    // Xen's PDEs from HV_L2_FIRST, copied into every slot-3 L2 the guest validates.
    const hvPdes: Array<[number, number]> = [];
    for (let i = 0; i < 512 - HV_L2_FIRST; i++) hvPdes.push([0, 0]);
    const m2pL2Index = (MACH2PHYS_VIRT_START - 3 * GIB) >>> 21, gdtL2Index = (GDT_VIRT - 3 * GIB) >>> 21;
    f.m2pL1.forEach((l1, i) => { hvPdes[m2pL2Index + i - HV_L2_FIRST] = [l1 * PAGE | HV_PDE | US, 0]; });
    hvPdes[gdtL2Index - HV_L2_FIRST] = [f.gdtL1 * PAGE | HV_PDE, 0];
    const types = new PageTypes(_d.mem, totalFrames, nrPages, mappable);
    types.hvPdes = hvPdes;
    return types;
  },
  pinRoot(_d, types, root) {
    if (!types.getType(root, T_L3)) return false;
    types.pinned[root] = 1; types.typeRefs[root]++; // Xen pins the bootstrap L3 and holds it as the base pointer
    return true;
  },
  enter(d, root, entry, startInfoVa, stackTop) {
    const cpu = d.cpu;
    cpu.regs.fill(0);
    cpu.writeCr4(0x20);
    cpu.cr3 = root * PAGE;
    cpu.writeCr0(0x80050033 | 0); // PG, AM, WP, NE, ET, MP, PE
    cpu.writeCr3(root * PAGE);
    cpu.gdtBase = GDT_VIRT | 0; cpu.gdtLimit = 0xffff;
    cpu.idtBase = 0; cpu.idtLimit = 0;
    // No TSS: ring-1 I/O without a granted IOPL must fault (#GP) at once.
    cpu.trSel = 0; cpu.trBase = 0; cpu.trLimit = 0; cpu.trAttr = 0x8b;
    cpu.ldtSel = 0; cpu.ldtBase = 0; cpu.ldtLimit = 0; cpu.ldtAttr = 0x10000;
    cpu.flushTlb();
    if (!d.loadSegment(CS, FLAT_RING1_CS, 1)) throw new BuildError('internal: cannot load the ring-1 code segment');
    for (const s of [SS, DS, ES, FS, GS]) if (!d.loadSegment(s, FLAT_RING1_DS, 1)) throw new BuildError('internal: cannot load the ring-1 data segment');
    cpu.eip = entry | 0;
    cpu.regs[6] = startInfoVa | 0;
    cpu.regs[4] = stackTop | 0;
    cpu.flags = 0x202; cpu.ccOp = 0;
    cpu.invalidateFetch();
  },
};

/** 32-byte slots: `mov eax, N; int 0x82; ret`, slot 23 (iret) `push eax; mov eax, 23; int 0x82`; the rest int3. */
export function fillHypercallPage(mem: PhysicalMemory, pa: number): void {
  mem.u8.fill(0xcc, pa, pa + PAGE);
  mem.markWritten(pa, PAGE);
  for (let n = 0; n < PAGE / 32; n++) {
    const code = n === 23 ? [0x50, 0xb8, 23, 0, 0, 0, 0xcd, 0x82] : [0xb8, n & 0xff, (n >>> 8) & 0xff, 0, 0, 0xcd, 0x82, 0xc3];
    mem.u8.set(code, pa + n * 32);
  }
}
