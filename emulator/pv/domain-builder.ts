// The domain builder: Xen's start of day for a 32-bit PAE PV kernel (xen.h, "Start-of-day
// memory layout"). Pseudo-physical frame N is machine frame N (the p2m list says so), the
// guest owns frames [0, nr_pages), and the hypervisor keeps the frames above for
// shared_info, the read-only M2P table, its GDT page and its own page tables. In the
// bootstrap virtual region, packed and 4 KiB aligned after the kernel: the p2m list,
// start_info, the xenstore page, the console page, the bootstrap page tables (mapped
// read-only) and the boot stack; the region ends on a 4 MiB boundary with at least 512 KiB
// to spare. The vCPU enters in ring 1 with ESI -> start_info.

import type { Cpu } from '../cpu';
import { MachineOptionError, type MachineOption } from '../option-error';
import type { PhysicalMemory } from '../memory/physical-memory';
import type { PvKernel } from '../loader/boot-plan';
import {
  FLAT_RING1_CS, FLAT_RING1_DS, GDT_VIRT, HV_L2_FIRST, HYPERVISOR_VIRT_START, MACH2PHYS_VIRT_START, PAGE,
  SI, START_INFO_MAGIC, MAX_GRANT_FRAMES, MAX_GUEST_CMDLINE, FIRST_RESERVED_GDT_PAGE,
} from './abi';
import { reservedGdtEntries } from './descriptors';
import { MAX_STATUS_FRAMES } from './grant-table';
import { PageTypes, T_L3 } from './page-types';
import type { PvDomain } from './domain';
import { CS, SS, DS, ES, FS, GS } from '../cpu';
import type { DomainLayout } from './domain-layout';

export type { DomainLayout } from './domain-layout';


const L1_PROT = 0x23;     // present, writable, accessed (Xen's libxc L1_PROT)
const L1_PROT_RO = 0x21;
const L2_PROT = 0x67;     // present, writable, user, accessed, dirty
const L3_PROT = 0x01;
const HV_PDE = 0x63;      // present, writable, accessed, dirty; supervisor only
const M2P_PTE = 0x25;     // present, user, accessed, read-only (the guest may read the M2P table)

/** The kernel cannot be built into a domain: the image's fault, or too little memory for it. */
export class BuildError extends MachineOptionError {
  override name = 'BuildError';
  constructor(message: string, option: MachineOption = 'image') { super(option, message); }
}

export function buildDomain(d: PvDomain, k: PvKernel): DomainLayout {
  const mem = d.mem, cpu = d.cpu;
  const totalFrames = mem.ramBytes / PAGE;
  const m2pPages = Math.ceil((totalFrames * 4) / PAGE);
  const m2pL1s = Math.ceil(m2pPages / 512);
  // shared_info, reserved GDT page, a zero page, the GDT's L1, the M2P's L1s, the M2P itself.
  const hvFrames = 4 + m2pL1s + m2pPages + MAX_GRANT_FRAMES + MAX_STATUS_FRAMES;
  const nrPages = totalFrames - hvFrames;
  let nextHv = nrPages;
  const sharedInfoMfn = nextHv++, gdtReservedMfn = nextHv++, zeroMfn = nextHv++, gdtL1Mfn = nextHv++;
  const m2pL1 = [] as number[]; for (let i = 0; i < m2pL1s; i++) m2pL1.push(nextHv++);
  const m2pFrames = [] as number[]; for (let i = 0; i < m2pPages; i++) m2pFrames.push(nextHv++);
  const grantMfns = [] as number[]; for (let i = 0; i < MAX_GRANT_FRAMES; i++) grantMfns.push(nextHv++);
  const grantStatusMfns = [] as number[]; for (let i = 0; i < MAX_STATUS_FRAMES; i++) grantStatusMfns.push(nextHv++);

  const img = k.image;
  const virtBase = img.virtBase >>> 0;
  if (virtBase & 0xfff) throw new BuildError(`VIRT_BASE 0x${virtBase.toString(16)} is not page aligned`);
  if (img.virtStart & 0xfff) throw new BuildError(`the kernel starts at 0x${img.virtStart.toString(16)}, not on a page boundary`);
  const va2pfn = (va: number) => ((va - virtBase) >>> 12);
  let va = alignUp(img.virtEnd, PAGE);
  const take = (pages: number) => { const at = va; va += pages * PAGE; return at; };
  // The ramdisk comes right after the kernel (xen.h's start-of-day order), page-aligned.
  const modLen = k.module?.length ?? 0;
  const modVa = modLen ? take(Math.ceil(modLen / PAGE)) : 0;
  const p2mVa = take(Math.ceil((nrPages * 4) / PAGE));
  const startInfoVa = take(1);
  const storeVa = take(1);
  const consoleVa = take(1);
  // Page tables: one L3, an L2 per 1 GiB slot touched plus slot 3's, an L1 per 2 MiB.
  const ptBaseVa = va;
  let ptFrames = 0, mappedEnd = 0;
  for (let n = 1; ; n++) {
    const stackEnd = ptBaseVa + n * PAGE + PAGE;
    const end = alignUp(stackEnd + 512 * 1024, 4 << 20);
    const slots = new Set<number>([3]);
    for (let a = virtBase; a < end; a += 1 << 30) slots.add(a >>> 30);
    slots.add((end - 1) >>> 30);
    const l1s = Math.ceil(end / (2 << 20)) - Math.floor(virtBase / (2 << 20));
    const need = 1 + slots.size + l1s;
    if (need <= n) { ptFrames = n; mappedEnd = end; break; }
  }
  va += ptFrames * PAGE;
  const stackVa = take(1);
  const stackTop = stackVa + PAGE;
  if (mappedEnd > HYPERVISOR_VIRT_START || mappedEnd < virtBase) {
    throw new BuildError(`the bootstrap region 0x${virtBase.toString(16)}..0x${mappedEnd.toString(16)} reaches the hypervisor's area at 0x${HYPERVISOR_VIRT_START.toString(16)}`);
  }
  const mappedPages = (mappedEnd - virtBase) / PAGE;
  if (mappedPages > nrPages) {
    throw new BuildError(`the kernel and its bootstrap region need ${mappedPages * 4} KiB but the domain has ${nrPages * 4} KiB (give it more memory)`, 'memory');
  }

  // Kernel image, hypercall page included (filled below).
  // RAM is all zeroes already (the machine reset it): filling it again would make every page
  // of a large domain resident before its first instruction.
  mem.u8.set(img.image, va2pfn(img.virtStart) * PAGE);
  mem.markWritten(va2pfn(img.virtStart) * PAGE, img.image.length);
  if (img.hypercallPage !== undefined) fillHypercallPage(mem, va2pfn(img.hypercallPage) * PAGE);
  if (k.module && modLen) {
    mem.u8.set(k.module, va2pfn(modVa) * PAGE);
    mem.markWritten(va2pfn(modVa) * PAGE, modLen);
  }

  // p2m: identity.
  const p2mPa = va2pfn(p2mVa) * PAGE;
  for (let pfn = 0; pfn < nrPages; pfn++) mem.store32(p2mPa + pfn * 4, pfn);
  // M2P: identity for the guest's frames, invalid for the hypervisor's.
  for (let mfn = 0; mfn < totalFrames; mfn++) {
    const at = m2pFrames[mfn >>> 10] * PAGE + (mfn & 1023) * 4;
    mem.store32(at, mfn < nrPages ? mfn : -1);
  }

  // Page tables: L3, then L2s by slot, then L1s, in the frames after the console page.
  const ptPfn0 = va2pfn(ptBaseVa);
  const l3Mfn = ptPfn0;
  let nextPt = ptPfn0 + 1;
  const l2BySlot = new Map<number, number>();
  const slots = new Set<number>([3]);
  for (let a = virtBase; a < mappedEnd; a += 2 << 20) slots.add(a >>> 30);
  for (const s of [...slots].sort()) { l2BySlot.set(s, nextPt++); }
  const w64 = (pa: number, lo: number, hi = 0) => { mem.store32(pa, lo | 0); mem.store32(pa + 4, hi | 0); };
  for (const [slot, l2] of l2BySlot) w64(l3Mfn * PAGE + slot * 8, l2 * PAGE | L3_PROT);
  const ptEndPfn = ptPfn0 + ptFrames;
  for (let a = virtBase; a < mappedEnd; a += PAGE) {
    const l2 = l2BySlot.get(a >>> 30)!;
    const l2i = (a >>> 21) & 511;
    let l2e = mem.i32[(l2 * PAGE + l2i * 8) >>> 2];
    if (!(l2e & 1)) {
      if (nextPt >= ptEndPfn) throw new BuildError('internal: bootstrap page-table frames miscounted');
      l2e = (nextPt++ * PAGE) | L2_PROT;
      w64(l2 * PAGE + l2i * 8, l2e);
    }
    const pfn = va2pfn(a);
    const ro = pfn >= ptPfn0 && pfn < ptEndPfn;
    w64(((l2e >>> 12) * PAGE) + ((a >>> 12) & 511) * 8, (pfn * PAGE) | (ro ? L1_PROT_RO : L1_PROT));
  }

  // The hypervisor's area: the M2P table (read-only to the guest) and the GDT.
  const hvPdes: Array<[number, number]> = [];
  const gdtL2Index = (GDT_VIRT - 0xc0000000) >>> 21;
  const m2pL2Index = (MACH2PHYS_VIRT_START - 0xc0000000) >>> 21;
  for (let i = 0; i < 512 - HV_L2_FIRST; i++) hvPdes.push([0, 0]);
  m2pL1.forEach((l1, i) => { hvPdes[m2pL2Index + i - HV_L2_FIRST] = [l1 * PAGE | HV_PDE | 4, 0]; });
  m2pFrames.forEach((f, i) => w64(m2pL1[i >>> 9] * PAGE + (i & 511) * 8, f * PAGE | M2P_PTE));
  hvPdes[gdtL2Index - HV_L2_FIRST] = [gdtL1Mfn * PAGE | HV_PDE, 0];
  for (let i = 0; i < 16; i++) w64(gdtL1Mfn * PAGE + i * 8, (i === FIRST_RESERVED_GDT_PAGE ? gdtReservedMfn : zeroMfn) * PAGE | L1_PROT_RO);
  for (const [sel, lo, hi] of reservedGdtEntries()) {
    const off = (sel & 0xff8) ;
    mem.store32(gdtReservedMfn * PAGE + off, lo);
    mem.store32(gdtReservedMfn * PAGE + off + 4, hi | 0x100); // accessed: the CPU never writes this page
  }

  // Page types: the bootstrap tables are validated like any the guest installs later.
  const types = new PageTypes(mem, totalFrames, nrPages, (mfn) => mfn === sharedInfoMfn || grantMfns.includes(mfn) || grantStatusMfns.includes(mfn));
  types.hvPdes = hvPdes;
  d.types = types;
  if (!types.getType(l3Mfn, T_L3)) throw new BuildError(`internal: bootstrap page tables rejected: ${types.lastError}`);
  types.pinned[l3Mfn] = 1; types.typeRefs[l3Mfn]++; // Xen pins the bootstrap L3 and holds it as the base pointer

  // shared_info, the console and xenstore rings on their ports, the grant table, xenstore's tree.
  const storeEvtchn = 1, consoleEvtchn = 2;
  const consoleMfn = va2pfn(consoleVa), storeMfn = va2pfn(storeVa);
  d.xen.build({
    sharedInfoPa: sharedInfoMfn * PAGE, grantPas: grantMfns.map((m) => m * PAGE), grantStatusPas: grantStatusMfns.map((m) => m * PAGE),
    consolePa: consoleMfn * PAGE, consolePort: consoleEvtchn, xenstorePa: storeMfn * PAGE, xenstorePort: storeEvtchn,
    consoleFrame: consoleMfn, xenstoreFrame: storeMfn, name: 'paravirt-guest', maxPages: nrPages,
  });

  // start_info.
  const si = va2pfn(startInfoVa) * PAGE;
  for (let i = 0; i < START_INFO_MAGIC.length; i++) mem.store8(si + SI.magic + i, START_INFO_MAGIC.charCodeAt(i));
  const put = (off: number, v: number) => { mem.store32(si + off, v | 0); };
  put(SI.nr_pages, nrPages);
  put(SI.shared_info, sharedInfoMfn * PAGE);
  put(SI.flags, 0);
  put(SI.store_mfn, storeMfn); put(SI.store_evtchn, storeEvtchn);
  put(SI.console_mfn, consoleMfn); put(SI.console_evtchn, consoleEvtchn);
  put(SI.pt_base, ptBaseVa); put(SI.nr_pt_frames, ptFrames);
  put(SI.mfn_list, p2mVa);
  put(SI.mod_start, modVa); put(SI.mod_len, modLen);
  const cmd = new TextEncoder().encode(k.cmdline).subarray(0, MAX_GUEST_CMDLINE - 1);
  mem.u8.set(cmd, si + SI.cmd_line);
  mem.markWritten(si + SI.cmd_line, cmd.length);
  put(SI.first_p2m_pfn, 0); put(SI.nr_p2m_frames, 0);

  // The vCPU: PAE paging on the bootstrap tables, ring 1, flat selectors, ESI -> start_info.
  cpu.regs.fill(0);
  cpu.writeCr4(0x20);
  cpu.cr3 = l3Mfn * PAGE;
  cpu.writeCr0(0x80050033 | 0); // PG, AM, WP, NE, ET, MP, PE
  cpu.writeCr3(l3Mfn * PAGE);
  cpu.gdtBase = GDT_VIRT | 0; cpu.gdtLimit = 0xffff;
  cpu.idtBase = 0; cpu.idtLimit = 0;
  // No TSS: ring-1 I/O without a granted IOPL must fault (#GP) at once.
  cpu.trSel = 0; cpu.trBase = 0; cpu.trLimit = 0; cpu.trAttr = 0x8b;
  cpu.ldtSel = 0; cpu.ldtBase = 0; cpu.ldtLimit = 0; cpu.ldtAttr = 0x10000;
  cpu.flushTlb();
  if (!d.loadSegment(CS, FLAT_RING1_CS, 1)) throw new BuildError('internal: cannot load the ring-1 code segment');
  for (const s of [SS, DS, ES, FS, GS]) if (!d.loadSegment(s, FLAT_RING1_DS, 1)) throw new BuildError('internal: cannot load the ring-1 data segment');
  cpu.eip = img.entry | 0;
  cpu.regs[6] = startInfoVa | 0;
  cpu.regs[4] = stackTop | 0;
  cpu.flags = 0x202; cpu.ccOp = 0;
  cpu.invalidateFetch();

  const layout: DomainLayout = {
    totalFrames, nrPages, virtBase, startInfoVa, sharedInfoMfn, storeMfn, storeEvtchn, consoleMfn, consoleEvtchn,
    p2mVa, ptBaseVa, ptFrames, l3Mfn, stackTop, mappedEnd, m2pFrames, gdtL1Mfn, gdtReservedMfn, zeroMfn, grantMfns, grantStatusMfns,
    hypercallPageVa: img.hypercallPage,
  };
  d.layout = layout;
  d.updateTimeInfo();
  return layout;
}

/** 32-byte slots: `mov eax, N; int 0x82; ret`, slot 23 (iret) `push eax; mov eax, 23; int 0x82`; the rest int3. */
export function fillHypercallPage(mem: PhysicalMemory, pa: number): void {
  mem.u8.fill(0xcc, pa, pa + PAGE);
  mem.markWritten(pa, PAGE);
  for (let n = 0; n < PAGE / 32; n++) {
    const at = pa + n * 32;
    const code = n === 23 ? [0x50, 0xb8, 23, 0, 0, 0, 0xcd, 0x82] : [0xb8, n & 0xff, (n >>> 8) & 0xff, 0, 0, 0xcd, 0x82, 0xc3];
    mem.u8.set(code, at);
  }
}

function alignUp(n: number, a: number): number { return Math.ceil(n / a) * a; }
