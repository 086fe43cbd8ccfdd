// The domain builder: Xen's start of day for a PV kernel of either width (xen.h, "Start-of-day
// memory layout"; the order is libxc's domU builder's, xc_dom_x86.c). Pseudo-physical frame N
// is machine frame N (the p2m list says so), the guest owns frames [0, nr_pages), and the
// hypervisor keeps the frames above: shared_info, its GDT page, the read-only M2P table and the
// tables that map them, grant frames. From VIRT_BASE, packed and 4 KiB aligned after the kernel
// (and its ramdisk): the p2m list, start_info, the xenstore page, the console page, the
// bootstrap page tables (mapped read-only, the root pinned) and the boot stack; the mapping ends
// on a 4 MiB boundary with at least 512 KiB to spare. A 64-bit kernel with
// XEN_ELFNOTE_INIT_P2M (Linux asks for 0x8000000000) gets its p2m list there instead, as
// libxc's p2m_base: in the frames after the initial mapping, mapped by tables of its own that
// follow it (start_info's first_p2m_pfn and nr_p2m_frames), so that the initial mapping ends
// where the kernel's cleanup of it expects. What the width changes is the size of a
// p2m/M2P entry and of start_info's `unsigned long`s (layouts.ts), the table levels, and the
// parts Xen itself does per width: its own area in the tables, the hypercall page and the vCPU
// at entry (domain-builder32.ts, domain-builder64.ts).

import type { PvKernel } from '../loader/boot-plan';
import { FIRST_RESERVED_GDT_PAGE, MAX_GRANT_FRAMES, MAX_GUEST_CMDLINE, PAGE } from './abi';
import { BuildError } from './build-error';
import type { PvDomain } from './domain';
import { hex, range, type WidthBuilder, type XenFrames } from './width-builder';
import type { DomainLayout } from './domain-layout';
import { MAX_STATUS_FRAMES } from './grant-table';
import { startInfoLayout, wordBytes } from './layouts';
import { PAE_BUILDER } from './domain-builder32';
import { X86_64_BUILDER } from './domain-builder64';

export { BuildError } from './build-error';
export type { WidthBuilder } from './width-builder';
export type { DomainLayout } from './domain-layout';

const TWO32 = 0x100000000;
/** Bootstrap leaves as libxc writes them: P|RW|A, and P|A for the page tables themselves. */
const L1_PROT = 0x23, L1_PROT_RO = 0x21;
/** The M2P's leaves: present, user, accessed, read-only. */
const M2P_PTE = 0x25;

export function widthBuilder(width: 32 | 64): WidthBuilder { return width === 64 ? X86_64_BUILDER : PAE_BUILDER; }

export function buildDomain(d: PvDomain, k: PvKernel): DomainLayout {
  const mem = d.mem, width = d.width, arch = widthBuilder(width);
  const word = wordBytes(width), perPage = PAGE / word;
  const totalFrames = mem.ramBytes / PAGE;
  const m2pPages = Math.ceil((totalFrames * word) / PAGE);
  const m2pL1s = Math.ceil(m2pPages / 512);
  // shared_info, the reserved GDT page, a zero page, the GDT's L1, Xen's upper tables, the M2P's L1s and pages, grant frames.
  const hvFrames = 4 + arch.xenTableFrames(m2pL1s) + m2pL1s + m2pPages + MAX_GRANT_FRAMES + MAX_STATUS_FRAMES;
  const nrPages = totalFrames - hvFrames;
  let nextHv = nrPages;
  const take1 = () => nextHv++;
  const f: XenFrames = {
    sharedInfo: take1(), gdtReserved: take1(), zero: take1(), gdtL1: take1(),
    xenTables: range(arch.xenTableFrames(m2pL1s), take1), m2pL1: range(m2pL1s, take1), m2p: range(m2pPages, take1),
    grant: range(MAX_GRANT_FRAMES, take1), grantStatus: range(MAX_STATUS_FRAMES, take1),
  };

  const img = k.image;
  // A 32-bit image's addresses are unsigned; a 64-bit one's top half is negative (sign-extended).
  const virtBase = width === 64 ? img.virtBase : img.virtBase >>> 0;
  if (virtBase % PAGE !== 0) throw new BuildError(`VIRT_BASE ${hex(virtBase)} is not page aligned`);
  if (img.virtStart % PAGE !== 0) throw new BuildError(`the kernel starts at ${hex(img.virtStart)}, not on a page boundary`);
  const va2pfn = (va: number) => (va - virtBase) / PAGE;
  // libxc takes p2m_base for x86_64 only (its x86_32 hooks do not support it).
  const p2mBase = width === 64 ? separateP2mBase(img.initP2m, virtBase) : undefined;
  const p2mPages = Math.ceil((nrPages * word) / PAGE);
  let va = alignUp(img.virtEnd, PAGE);
  const take = (pages: number) => { const at = va; va += pages * PAGE; return at; };
  // The ramdisk comes right after the kernel (xen.h's start-of-day order), page-aligned.
  const modLen = k.module?.length ?? 0;
  const modVa = modLen ? take(Math.ceil(modLen / PAGE)) : 0;
  const p2mVa = p2mBase ?? take(p2mPages);
  const startInfoVa = take(1);
  const storeVa = take(1);
  const consoleVa = take(1);
  // The page tables map themselves and the stack after them: grow them until they cover it all.
  const ptBaseVa = va;
  let ptFrames = 0, mappedEnd = 0;
  for (let n = 1; ; n++) {
    const stackEnd = ptBaseVa + n * PAGE + PAGE;
    const end = alignUp(stackEnd + 512 * 1024, 4 << 20);
    if (arch.tablesFor(virtBase, end) <= n) { ptFrames = n; mappedEnd = end; break; }
  }
  va += ptFrames * PAGE;
  const stackVa = take(1);
  const stackTop = stackVa + PAGE;
  arch.checkRegion(virtBase, mappedEnd);
  const mappedPages = (mappedEnd - virtBase) / PAGE;
  // The separate p2m mapping (libxc's second one): its frames right after the initial
  // mapping's, then the tables that map it, those levels the initial mapping does not provide.
  let p2mTables = 0;
  if (p2mBase !== undefined) {
    const p2mEnd = p2mBase + p2mPages * PAGE;
    arch.checkRegion(p2mBase, p2mEnd);
    if (p2mBase < mappedEnd && p2mEnd > virtBase) {
      throw new BuildError(`XEN_ELFNOTE_INIT_P2M ${hex(p2mBase)}: the p2m list would overlap the initial mapping ${hex(virtBase)}..${hex(mappedEnd)}`);
    }
    p2mTables = newTables4(p2mBase, p2mEnd, virtBase, mappedEnd);
  }
  const p2mPfn0 = p2mBase === undefined ? va2pfn(p2mVa) : mappedPages;
  const neededPages = mappedPages + (p2mBase === undefined ? 0 : p2mPages + p2mTables);
  if (neededPages > nrPages) {
    throw new BuildError(`the kernel and its bootstrap region need ${neededPages * 4} KiB but the domain has ${nrPages * 4} KiB (give it more memory)`, 'memory');
  }

  // Kernel image, hypercall page included (filled below), and the ramdisk.
  // RAM is all zeroes already (the machine reset it): filling it again would make every page
  // of a large domain resident before its first instruction.
  mem.u8.set(img.image, va2pfn(img.virtStart) * PAGE);
  mem.markWritten(va2pfn(img.virtStart) * PAGE, img.image.length);
  if (img.hypercallPage !== undefined) arch.fillHypercallPage(mem, va2pfn(img.hypercallPage) * PAGE);
  if (k.module && modLen) {
    mem.u8.set(k.module, va2pfn(modVa) * PAGE);
    mem.markWritten(va2pfn(modVa) * PAGE, modLen);
  }

  const w64 = (pa: number, lo: number, hi = 0) => { mem.store32(pa, lo | 0); mem.store32(pa + 4, hi | 0); };
  /** An `unsigned long` of the guest's width (a negative number: all ones above). */
  const putWord = (pa: number, v: number) => {
    if (word === 8) w64(pa, v | 0, Math.floor(v / TWO32)); else mem.store32(pa, v | 0);
  };
  // p2m: identity. M2P: identity for the guest's frames, INVALID_M2P_ENTRY (~0) for the hypervisor's.
  const p2mPa = p2mPfn0 * PAGE;
  for (let pfn = 0; pfn < nrPages; pfn++) putWord(p2mPa + pfn * word, pfn);
  for (let mfn = 0; mfn < totalFrames; mfn++) {
    putWord(f.m2p[Math.floor(mfn / perPage)] * PAGE + (mfn % perPage) * word, mfn < nrPages ? mfn : -1);
  }

  // Bootstrap tables in the frames after the console page: the root, then tables as the walk needs them.
  const ptPfn0 = va2pfn(ptBaseVa), ptEndPfn = ptPfn0 + ptFrames;
  const rootMfn = ptPfn0;
  let nextPt = ptPfn0 + 1, ptLimit = ptEndPfn;
  const child = (table: number, index: number, level: number): number => {
    const at = table * PAGE + index * 8;
    const e = mem.i32[at >>> 2];
    if (e & 1) return e >>> 12;
    if (nextPt >= ptLimit) throw new BuildError('internal: bootstrap page-table frames miscounted');
    const t = nextPt++;
    w64(at, t * PAGE | arch.upperProt(level));
    return t;
  };
  for (const slot of arch.presetRootSlots(virtBase, mappedEnd)) child(rootMfn, slot, arch.levels);
  const map = (from: number, to: number, pfn0: number): void => {
    for (let a = from; a < to; a += PAGE) {
      let table = rootMfn;
      for (let level = arch.levels; level > 1; level--) table = child(table, tableIndex(a, level), level);
      const pfn = pfn0 + (a - from) / PAGE;
      const ro = pfn >= ptPfn0 && pfn < ptEndPfn;
      w64(table * PAGE + tableIndex(a, 1) * 8, pfn * PAGE | (ro ? L1_PROT_RO : L1_PROT));
    }
  };
  map(virtBase, mappedEnd, 0);
  if (p2mBase !== undefined) {
    nextPt = p2mPfn0 + p2mPages; ptLimit = nextPt + p2mTables;
    map(p2mBase, p2mBase + p2mPages * PAGE, p2mPfn0);
  }

  // Xen's GDT: 16 pages, the guest's 14 (the zero page until set_gdt) and the page of its reserved entries.
  for (let i = 0; i < 16; i++) w64(f.gdtL1 * PAGE + i * 8, (i === FIRST_RESERVED_GDT_PAGE ? f.gdtReserved : f.zero) * PAGE | L1_PROT_RO);
  for (const [sel, lo, hi] of arch.reservedGdtEntries()) {
    mem.store32(f.gdtReserved * PAGE + (sel & 0xff8), lo);
    mem.store32(f.gdtReserved * PAGE + (sel & 0xff8) + 4, hi | 0x100); // accessed: the CPU never writes this page
  }
  // The M2P's leaves: read-only, readable by the guest kernel.
  f.m2p.forEach((fr, i) => w64(f.m2pL1[Math.floor(i / 512)] * PAGE + (i % 512) * 8, fr * PAGE | M2P_PTE));
  // Xen's area above the leaves, then the page types: the bootstrap tables are validated like any the guest installs later.
  // Besides its own frames the guest may map shared_info and the grant frames.
  const mappable = (mfn: number) => mfn === f.sharedInfo || f.grant.includes(mfn) || f.grantStatus.includes(mfn);
  const types = arch.xenArea(d, f, totalFrames, nrPages, mappable);
  d.types = types;
  if (!arch.pinRoot(d, types, rootMfn)) throw new BuildError(`internal: bootstrap page tables rejected: ${types.lastError}`);

  // shared_info (every vCPU's events masked), the console and xenstore rings on their ports,
  // the grant table, xenstore's tree: the services set them up as for any domU.
  const storeEvtchn = 1, consoleEvtchn = 2;
  const consoleMfn = va2pfn(consoleVa), storeMfn = va2pfn(storeVa);
  d.xen.build({
    sharedInfoPa: f.sharedInfo * PAGE, grantPas: f.grant.map((m) => m * PAGE), grantStatusPas: f.grantStatus.map((m) => m * PAGE),
    consolePa: consoleMfn * PAGE, consolePort: consoleEvtchn, xenstorePa: storeMfn * PAGE, xenstorePort: storeEvtchn,
    consoleFrame: consoleMfn, xenstoreFrame: storeMfn, name: 'paravirt-guest', maxPages: nrPages,
  });

  // start_info: `unsigned long` fields are the guest's word, event channels uint32_t.
  const SI = startInfoLayout(width);
  const si = va2pfn(startInfoVa) * PAGE;
  for (let i = 0; i < SI.magicString.length; i++) mem.store8(si + SI.magic + i, SI.magicString.charCodeAt(i));
  const put = (off: number, v: number) => putWord(si + off, v);
  const put32 = (off: number, v: number) => mem.store32(si + off, v | 0);
  put(SI.nrPages, nrPages);
  put(SI.sharedInfo, f.sharedInfo * PAGE);
  put32(SI.flags, 0);
  put(SI.storeMfn, storeMfn); put32(SI.storeEvtchn, storeEvtchn);
  put(SI.consoleMfn, consoleMfn); put32(SI.consoleEvtchn, consoleEvtchn);
  put(SI.ptBase, ptBaseVa); put(SI.nrPtFrames, ptFrames);
  put(SI.mfnList, p2mVa);
  put(SI.modStart, modVa); put(SI.modLen, modLen);
  const cmd = new TextEncoder().encode(k.cmdline).subarray(0, MAX_GUEST_CMDLINE - 1);
  mem.u8.set(cmd, si + SI.cmdLine);
  mem.markWritten(si + SI.cmdLine, cmd.length);
  put(SI.firstP2mPfn, p2mBase === undefined ? 0 : p2mPfn0);
  put(SI.nrP2mFrames, p2mBase === undefined ? 0 : p2mPages + p2mTables);

  arch.enter(d, rootMfn, img.entry, startInfoVa, stackTop);

  const layout: DomainLayout = {
    totalFrames, nrPages, virtBase, startInfoVa, sharedInfoMfn: f.sharedInfo, storeMfn, storeEvtchn, consoleMfn, consoleEvtchn,
    p2mVa, ptBaseVa, ptFrames, l3Mfn: rootMfn, stackTop, mappedEnd, m2pFrames: f.m2p, gdtL1Mfn: f.gdtL1,
    gdtReservedMfn: f.gdtReserved, zeroMfn: f.zero, grantMfns: f.grant, grantStatusMfns: f.grantStatus,
    hypercallPageVa: img.hypercallPage,
  };
  d.layout = layout;
  d.updateTimeInfo();
  return layout;
}

/** The index of `va` in a table at `level` (1 = L1): 9 bits a level above the page offset. */
function tableIndex(va: number, level: number): number {
  const lo = va | 0, hi = Math.floor(va / TWO32) | 0;
  switch (level) {
    case 1: return (lo >>> 12) & 0x1ff;
    case 2: return (lo >>> 21) & 0x1ff;
    case 3: return ((hi & 0x7f) << 2) | (lo >>> 30);
    default: return (hi >>> 7) & 0x1ff;
  }
}

/** XEN_ELFNOTE_INIT_P2M as libxc takes it: honoured when page-aligned and below VIRT_BASE (unsigned), else ignored. */
function separateP2mBase(initP2m: number | undefined, virtBase: number): number | undefined {
  if (initP2m === undefined || !Number.isInteger(initP2m) || initP2m % PAGE !== 0) return undefined;
  return BigInt.asUintN(64, BigInt(initP2m)) < BigInt.asUintN(64, BigInt(virtBase)) ? initP2m : undefined;
}

/** 4-level tables below the root (L3, L2, L1) a mapping of [from, to) needs beyond those of the mapping [base, end). */
function newTables4(from: number, to: number, base: number, end: number): number {
  let n = 0;
  for (const size of [2 ** 39, 2 ** 30, 2 ** 21]) {
    const a0 = Math.floor(from / size), a1 = Math.floor((to - 1) / size);
    const b0 = Math.floor(base / size), b1 = Math.floor((end - 1) / size);
    n += a1 - a0 + 1 - Math.max(0, Math.min(a1, b1) - Math.max(a0, b0) + 1);
  }
  return n;
}

function alignUp(n: number, a: number): number { return Math.ceil(n / a) * a; }
