// The domain builder for a 64-bit PV kernel: Xen's start of day for x86_64 (xen.h,
// "Start-of-day memory layout"; the order is libxc's domU builder's). Pseudo-physical frame
// N is machine frame N, the guest owns frames [0, nr_pages), and the hypervisor keeps the
// frames above: shared_info, the read-only M2P (8 bytes per machine frame) and the page
// tables that map it, its GDT page and the tables of its per-domain area, grant frames.
// From VIRT_BASE, packed after the kernel: the p2m list (8 bytes per page), start_info, the
// xenstore and console pages, the bootstrap 4-level tables (mapped read-only, the L4
// pinned) and the boot stack; the mapping ends on a 4 MiB boundary with at least 512 KiB to
// spare. Every L4 the guest uses carries Xen's slots 256-271: slot 256 the M2P (readable
// by the ring-3 kernel), slot 260 the per-domain area with the GDT (supervisor only). The
// vCPU enters 64-bit mode in ring 3 at the ENTRY note, RSI -> start_info, RSP -> the stack,
// CS/SS = FLAT_KERNEL_CS/SS, events masked, in kernel mode.

import { CS, SS, DS, ES, FS, GS } from '../cpu';
import type { PhysicalMemory } from '../memory/physical-memory';
import type { PvKernel } from '../loader/boot-plan';
import { MAX_STATUS_FRAMES } from './grant-table';
import { EVTCHNSTAT, MAX_GRANT_FRAMES, MAX_GUEST_CMDLINE, PAGE, VI_UPCALL_MASK, FIRST_RESERVED_GDT_PAGE } from './abi';
import { FLAT_KERNEL_CS64, FLAT_KERNEL_SS64, START_INFO_MAGIC_64, XEN_L4_FIRST } from './abi64';
import { segmentDescriptor } from './descriptors';
import { BuildError } from './domain-builder';
import type { DomainLayout } from './domain-layout';
import type { PvDomain } from './domain';
import { T_L4 } from './page-types';
import { PageTypes64 } from './page-types64';

/** struct start_info on x86_64 (xen.h; the same offsets as layouts.ts's startInfoLayout(64)). */
const SI64 = {
  magic: 0, nrPages: 32, sharedInfo: 40, flags: 48, storeMfn: 56, storeEvtchn: 64, consoleMfn: 72, consoleEvtchn: 80,
  ptBase: 88, nrPtFrames: 96, mfnList: 104, modStart: 112, modLen: 120, cmdLine: 128, firstP2mPfn: 1152, nrP2mFrames: 1160,
} as const;

/** Bootstrap entries, as libxc writes them: upper levels P|RW|US|A|D, leaves P|RW|A (Xen adds US), page tables read-only. */
const UPPER_PROT = 0x67, L1_PROT = 0x23, L1_PROT_RO = 0x21;
/** Xen's own entries: supervisor-only tables, the M2P readable by the ring-3 kernel. */
const HV_TABLE = 0x63, HV_TABLE_USER = 0x67, M2P_PTE = 0x25, GDT_PTE = 0x21;
/** L4 slot of Xen's per-domain area, where the vCPU's GDT is mapped (PERDOMAIN_VIRT_START). */
const PERDOMAIN_SLOT = 260;
/** The GDT's address: the start of the per-domain area, 0xFFFF820000000000. */
export const GDT_VIRT_64 = -(2 ** 47) + (PERDOMAIN_SLOT - XEN_L4_FIRST) * 2 ** 39;

const CR0_PV = 0x80050033;               // PG, AM, WP, NE, ET, MP, PE
const CR4_PV = 0x20 | 0x200 | 0x400;     // PAE, OSFXSR, OSXMMEXCPT
const EFER_PV = 1 | (1 << 8) | (1 << 11); // SCE, LME, NXE

const TWO32 = 0x100000000;

export function buildDomain64(d: PvDomain, k: PvKernel): DomainLayout {
  const mem = d.mem, cpu = d.cpu;
  const totalFrames = mem.ramBytes / PAGE;
  const m2pPages = Math.ceil((totalFrames * 8) / PAGE);
  const m2pL1s = Math.ceil(m2pPages / 512);
  const m2pL2s = Math.ceil(m2pL1s / 512);
  // shared_info, the reserved GDT page, a zero page, the GDT's L1, L2 and L3, the M2P's L3, L2s, L1s and pages, grant frames.
  const hvFrames = 6 + 1 + m2pL2s + m2pL1s + m2pPages + MAX_GRANT_FRAMES + MAX_STATUS_FRAMES;
  const nrPages = totalFrames - hvFrames;
  let nextHv = nrPages;
  const sharedInfoMfn = nextHv++, gdtReservedMfn = nextHv++, zeroMfn = nextHv++, gdtL1Mfn = nextHv++;
  const perdomainL2 = nextHv++, perdomainL3 = nextHv++, m2pL3 = nextHv++;
  const m2pL2 = range(m2pL2s, () => nextHv++);
  const m2pL1 = range(m2pL1s, () => nextHv++);
  const m2pFrames = range(m2pPages, () => nextHv++);
  const grantMfns = range(MAX_GRANT_FRAMES, () => nextHv++);
  const grantStatusMfns = range(MAX_STATUS_FRAMES, () => nextHv++);

  const img = k.image;
  const virtBase = img.virtBase;
  if (virtBase % PAGE !== 0) throw new BuildError(`VIRT_BASE ${hex(virtBase)} is not page aligned`);
  if (img.virtStart % PAGE !== 0) throw new BuildError(`the kernel starts at ${hex(img.virtStart)}, not on a page boundary`);
  const va2pfn = (va: number) => (va - virtBase) / PAGE;
  let va = alignUp(img.virtEnd - virtBase, PAGE) + virtBase;
  const take = (pages: number) => { const at = va; va += pages * PAGE; return at; };
  // The ramdisk comes right after the kernel (xen.h's start-of-day order), page-aligned.
  const modLen = k.module?.length ?? 0;
  const modVa = modLen ? take(Math.ceil(modLen / PAGE)) : 0;
  const p2mVa = take(Math.ceil((nrPages * 8) / PAGE));
  const startInfoVa = take(1);
  const storeVa = take(1);
  const consoleVa = take(1);
  // Page tables: one L4, an L3 per 512 GiB, an L2 per 1 GiB, an L1 per 2 MiB of the region.
  const ptBaseVa = va;
  let ptFrames = 0, mappedEnd = 0;
  for (let n = 1; ; n++) {
    const stackEnd = ptBaseVa + n * PAGE + PAGE;
    const end = alignUp(stackEnd - virtBase + 512 * 1024, 4 << 20) + virtBase;
    const need = 1 + spans(virtBase, end, 2 ** 39) + spans(virtBase, end, 2 ** 30) + spans(virtBase, end, 2 ** 21);
    if (need <= n) { ptFrames = n; mappedEnd = end; break; }
  }
  va += ptFrames * PAGE;
  const stackVa = take(1);
  const stackTop = stackVa + PAGE;
  const lowHalf = virtBase >= 0;
  if (lowHalf ? mappedEnd > 2 ** 47 : virtBase < -(2 ** 47) + 2 ** 43 || mappedEnd > 0) {
    throw new BuildError(`the bootstrap region ${hex(virtBase)}..${hex(mappedEnd)} leaves the guest's part of the address space`);
  }
  const mappedPages = (mappedEnd - virtBase) / PAGE;
  if (mappedPages > nrPages) {
    throw new BuildError(`the kernel and its bootstrap region need ${mappedPages * 4} KiB but the domain has ${nrPages * 4} KiB (give it more memory)`, 'memory');
  }

  // Kernel image (RAM is zero already), hypercall page.
  mem.u8.set(img.image, va2pfn(img.virtStart) * PAGE);
  mem.markWritten(va2pfn(img.virtStart) * PAGE, img.image.length);
  if (img.hypercallPage !== undefined) fillHypercallPage64(mem, va2pfn(img.hypercallPage) * PAGE);
  if (k.module && modLen) {
    mem.u8.set(k.module, va2pfn(modVa) * PAGE);
    mem.markWritten(va2pfn(modVa) * PAGE, modLen);
  }

  const w64 = (pa: number, lo: number, hi = 0) => { mem.store32(pa, lo | 0); mem.store32(pa + 4, hi | 0); };
  // p2m: identity, 8 bytes a page. M2P: identity for the guest's frames, INVALID_M2P_ENTRY (~0) for the hypervisor's.
  const p2mPa = va2pfn(p2mVa) * PAGE;
  for (let pfn = 0; pfn < nrPages; pfn++) w64(p2mPa + pfn * 8, pfn);
  mem.markWritten(p2mPa, nrPages * 8);
  for (let mfn = 0; mfn < totalFrames; mfn++) {
    const at = m2pFrames[Math.floor(mfn / 512)] * PAGE + (mfn % 512) * 8;
    if (mfn < nrPages) w64(at, mfn); else w64(at, -1, -1);
  }

  // Bootstrap tables in the frames after the console page: L4, then tables as the walk needs them.
  const ptPfn0 = va2pfn(ptBaseVa), ptEndPfn = ptPfn0 + ptFrames;
  const l4Mfn = ptPfn0;
  let nextPt = ptPfn0 + 1;
  const child = (table: number, index: number): number => {
    const at = table * PAGE + index * 8;
    const e = mem.i32[at >>> 2];
    if (e & 1) return e >>> 12;
    if (nextPt >= ptEndPfn) throw new BuildError('internal: bootstrap page-table frames miscounted');
    const f = nextPt++;
    w64(at, f * PAGE | UPPER_PROT);
    return f;
  };
  for (let a = virtBase; a < mappedEnd; a += PAGE) {
    const lo = a | 0, hi = Math.floor(a / TWO32) | 0;
    const l3 = child(l4Mfn, (hi >>> 7) & 0x1ff);
    const l2 = child(l3, ((hi & 0x7f) << 2) | (lo >>> 30));
    const l1 = child(l2, (lo >>> 21) & 0x1ff);
    const pfn = va2pfn(a);
    const ro = pfn >= ptPfn0 && pfn < ptEndPfn;
    w64(l1 * PAGE + ((lo >>> 12) & 0x1ff) * 8, pfn * PAGE | (ro ? L1_PROT_RO : L1_PROT));
  }

  // Xen's slots: the M2P at 0xFFFF800000000000 and the per-domain area with the GDT.
  m2pL2.forEach((l2, i) => w64(m2pL3 * PAGE + i * 8, l2 * PAGE | HV_TABLE_USER));
  m2pL1.forEach((l1, i) => w64(m2pL2[Math.floor(i / 512)] * PAGE + (i % 512) * 8, l1 * PAGE | HV_TABLE_USER));
  m2pFrames.forEach((f, i) => w64(m2pL1[Math.floor(i / 512)] * PAGE + (i % 512) * 8, f * PAGE | M2P_PTE));
  w64(perdomainL3 * PAGE, perdomainL2 * PAGE | HV_TABLE);
  w64(perdomainL2 * PAGE, gdtL1Mfn * PAGE | HV_TABLE);
  for (let i = 0; i < 16; i++) w64(gdtL1Mfn * PAGE + i * 8, (i === FIRST_RESERVED_GDT_PAGE ? gdtReservedMfn : zeroMfn) * PAGE | GDT_PTE);
  for (const [sel, lo, hi] of reservedGdtEntries64()) {
    const off = sel & 0xff8;
    mem.store32(gdtReservedMfn * PAGE + off, lo);
    mem.store32(gdtReservedMfn * PAGE + off + 4, hi | 0x100); // accessed: the CPU never writes this page
  }
  const xenL4: Array<[number, number]> = range(16, () => [0, 0] as [number, number]);
  xenL4[0] = [m2pL3 * PAGE | HV_TABLE_USER, 0];
  xenL4[PERDOMAIN_SLOT - XEN_L4_FIRST] = [perdomainL3 * PAGE | HV_TABLE, 0];

  // Page types: the bootstrap tables are validated like any the guest installs later; the L4 is pinned and is the kernel's root.
  const types = new PageTypes64(mem, totalFrames, nrPages, (mfn) => mfn === sharedInfoMfn || grantMfns.includes(mfn) || grantStatusMfns.includes(mfn));
  types.xenL4 = xenL4;
  d.types = types;
  if (!types.getType(l4Mfn, T_L4)) throw new BuildError(`internal: bootstrap page tables rejected: ${types.lastError}`);
  types.pinned[l4Mfn] = 1; types.typeRefs[l4Mfn]++;
  d.v64.kernelTable = l4Mfn;
  d.v64.kernelMode = true;

  // shared_info, the console and xenstore rings on their ports, the grant table, xenstore's tree:
  // the services set them up as for any domU (every vCPU starts with events masked).
  const sharedPa = sharedInfoMfn * PAGE;
  const storeEvtchn = 1, consoleEvtchn = 2;
  const consoleMfn = va2pfn(consoleVa), storeMfn = va2pfn(storeVa);
  d.xen.build({
    sharedInfoPa: sharedPa, grantPas: grantMfns.map((m) => m * PAGE), grantStatusPas: grantStatusMfns.map((m) => m * PAGE),
    consolePa: consoleMfn * PAGE, consolePort: consoleEvtchn, xenstorePa: storeMfn * PAGE, xenstorePort: storeEvtchn,
    consoleFrame: consoleMfn, xenstoreFrame: storeMfn, name: 'paravirt-guest', maxPages: nrPages,
  });
  for (let v = 0; v < 32; v++) mem.store8(sharedPa + v * 64 + VI_UPCALL_MASK, 1);

  // start_info.
  const si = va2pfn(startInfoVa) * PAGE;
  for (let i = 0; i < START_INFO_MAGIC_64.length; i++) mem.store8(si + SI64.magic + i, START_INFO_MAGIC_64.charCodeAt(i));
  const put64 = (off: number, v: number) => w64(si + off, v | 0, Math.floor(v / TWO32));
  const put32 = (off: number, v: number) => mem.store32(si + off, v | 0);
  put64(SI64.nrPages, nrPages);
  put64(SI64.sharedInfo, sharedPa);
  put32(SI64.flags, 0);
  put64(SI64.storeMfn, storeMfn); put32(SI64.storeEvtchn, storeEvtchn);
  put64(SI64.consoleMfn, consoleMfn); put32(SI64.consoleEvtchn, consoleEvtchn);
  put64(SI64.ptBase, ptBaseVa); put64(SI64.nrPtFrames, ptFrames);
  put64(SI64.mfnList, p2mVa);
  put64(SI64.modStart, modVa); put64(SI64.modLen, modLen);
  const cmd = new TextEncoder().encode(k.cmdline).subarray(0, MAX_GUEST_CMDLINE - 1);
  mem.u8.set(cmd, si + SI64.cmdLine);
  mem.markWritten(si + SI64.cmdLine, cmd.length);
  put64(SI64.firstP2mPfn, 0); put64(SI64.nrP2mFrames, 0);

  // The vCPU: IA-32e paging on the bootstrap L4, 64-bit ring 3, RSI -> start_info.
  cpu.regs.fill(0); cpu.regsHi.fill(0);
  cpu.writeEfer(EFER_PV);
  cpu.writeCr4(CR4_PV);
  cpu.writeCr3(l4Mfn * PAGE);
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
  const [eLo, eHi] = [img.entry | 0, Math.floor(img.entry / TWO32) | 0];
  cpu.setRip(eLo, eHi);
  const set = (r: number, v: number) => { cpu.regs[r] = v | 0; cpu.regsHi[r] = Math.floor(v / TWO32) | 0; };
  set(6, startInfoVa);
  set(4, stackTop);
  cpu.flags = 0x202; cpu.ccOp = 0;
  cpu.invalidateFetch();

  const layout: DomainLayout = {
    totalFrames, nrPages, virtBase, startInfoVa, sharedInfoMfn, storeMfn, storeEvtchn, consoleMfn, consoleEvtchn,
    p2mVa, ptBaseVa, ptFrames, l3Mfn: l4Mfn, stackTop, mappedEnd, m2pFrames, gdtL1Mfn, gdtReservedMfn, zeroMfn, grantMfns, grantStatusMfns,
    hypercallPageVa: img.hypercallPage,
  };
  d.layout = layout;
  d.updateTimeInfo();
  return layout;
}

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

function range<T>(n: number, f: () => T): T[] { const out: T[] = []; for (let i = 0; i < n; i++) out.push(f()); return out; }
function alignUp(n: number, a: number): number { return Math.ceil(n / a) * a; }
/** How many aligned blocks of `size` bytes [start, end) touches. */
function spans(start: number, end: number, size: number): number { return Math.floor((end - 1) / size) - Math.floor(start / size) + 1; }
function hex(v: number): string { return `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`; }
