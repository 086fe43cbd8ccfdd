// What a guest width does its own way at the start of day (domain-builder.ts does the rest,
// domain-builder32.ts and domain-builder64.ts are the two widths), and the small arithmetic
// they share.

import type { PhysicalMemory } from '../memory/physical-memory';
import type { PvDomain } from './domain';
import type { PageTypes } from './page-types';

/** The hypervisor's frames above the guest's, in the order they are taken. */
export interface XenFrames {
  sharedInfo: number; gdtReserved: number; zero: number; gdtL1: number;
  /** The upper tables of Xen's own area (none for PAE, where its PDEs sit in the guest's slot-3 L2). */
  xenTables: number[];
  m2pL1: number[]; m2p: number[]; grant: number[]; grantStatus: number[];
}

/** What one guest width does its own way at start of day. */
export interface WidthBuilder {
  /** Page-table levels: 3 (PAE) or 4. */
  readonly levels: 3 | 4;
  /** Frames of Xen's upper tables for an M2P mapped by `m2pL1s` L1 tables. */
  xenTableFrames(m2pL1s: number): number;
  /** The bootstrap region must stay in the guest's part of the address space (BuildError if not). */
  checkRegion(virtBase: number, mappedEnd: number): void;
  /** Bootstrap tables needed to map [virtBase, end), the root included. */
  tablesFor(virtBase: number, end: number): number;
  /** Root slots whose tables come first, in order (PAE: every L2 slot the region touches, and slot 3). */
  presetRootSlots(virtBase: number, mappedEnd: number): number[];
  /** Flags of an entry at `level` (2 and up) pointing at a bootstrap table. */
  upperProt(level: number): number;
  fillHypercallPage(mem: PhysicalMemory, pa: number): void;
  /** Xen's own GDT entries from 0xE000 for this width: [selector, low word, high word]. */
  reservedGdtEntries(): Array<[number, number, number]>;
  /** Maps Xen's area (the M2P's L1s, the GDT's L1) and returns the page types that carry it into every root the guest validates. */
  xenArea(d: PvDomain, f: XenFrames, totalFrames: number, nrPages: number, mappable: (mfn: number) => boolean): PageTypes;
  /** Pins the bootstrap root and makes it the base pointer (false: it did not validate). */
  pinRoot(d: PvDomain, types: PageTypes, rootMfn: number): boolean;
  /** The vCPU at the kernel's entry point: paging on `rootMfn`, start_info in (R|E)SI, the stack in (R|E)SP. */
  enter(d: PvDomain, rootMfn: number, entry: number, startInfoVa: number, stackTop: number): void;
}

export function range<T>(n: number, f: () => T): T[] { const out: T[] = []; for (let i = 0; i < n; i++) out.push(f()); return out; }
/** How many aligned blocks of `size` bytes [start, end) touches. */
export function spans(start: number, end: number, size: number): number { return Math.floor((end - 1) / size) - Math.floor(start / size) + 1; }
export function hex(v: number): string { return `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`; }
