// The CPU state a debugger shows beyond MachineApi's register file: segment descriptor
// caches, descriptor-table registers, debug registers and the MSRs that matter, read through
// MachineApi.cpuState() and shaped for the views.

import type { MachineApi } from '../../emulator/machine';

export interface SegmentView { name: string; selector: number; base: number; limit: number; attr: number }
export interface SystemView {
  cpl: number;
  segments: SegmentView[];
  tables: Array<{ name: string; selector?: number; base: number; limit: number }>;
  debug: Array<{ name: string; value: number }>;
  msrs: Array<{ name: string; index: number; value: bigint }>;
}

const SEGS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];
const MSRS: Array<[string, number]> = [
  ['IA32_APIC_BASE', 0x1b], ['IA32_SYSENTER_CS', 0x174], ['IA32_SYSENTER_ESP', 0x175], ['IA32_SYSENTER_EIP', 0x176],
  ['IA32_PAT', 0x277], ['IA32_EFER', 0xc0000080],
];

export function systemView(m: MachineApi): SystemView {
  const c = m.cpuState();
  return {
    cpl: c.cpl,
    segments: SEGS.map((name, i) => ({ name, selector: c.segSel[i]!, base: c.segBase[i]! >>> 0, limit: c.segLimit[i]! >>> 0, attr: c.segAttr[i]! })),
    tables: [
      { name: 'gdtr', base: c.gdtBase >>> 0, limit: c.gdtLimit },
      { name: 'idtr', base: c.idtBase >>> 0, limit: c.idtLimit },
      { name: 'ldtr', selector: c.ldtSel, base: c.ldtBase >>> 0, limit: c.ldtLimit >>> 0 },
      { name: 'tr', selector: c.trSel, base: c.trBase >>> 0, limit: c.trLimit >>> 0 },
    ],
    debug: [0, 1, 2, 3, 6, 7].map((i) => ({ name: `dr${i}`, value: c.dr[i]! >>> 0 })),
    msrs: MSRS.filter(([, idx]) => c.msrs.has(idx)).map(([name, index]) => {
      const [lo, hi] = c.msrs.get(index)!;
      return { name, index, value: (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0) };
    }),
  };
}

/** Base of the CS segment: linear = base + EIP. */
export function csBase(m: MachineApi): number {
  return m.cpuState().segBase[1]! >>> 0;
}

/** True when the code segment runs 32-bit code (CS.D). */
export function code32(m: MachineApi): boolean {
  return m.cpuState().cs32;
}

/**
 * The size of the code the CPU runs, which the disassembly and the decoder use: 64 in
 * 64-bit mode (EFER.LMA with CS.L: the CPU's `long64`), else 32 or 16 by CS.D (real mode,
 * virtual-8086 mode, protected mode and long mode's compatibility mode alike).
 */
export function codeBits(m: MachineApi): 16 | 32 | 64 {
  const c = m.cpuState();
  if (c.long64) return 64;
  return c.cs32 ? 32 : 16;
}

/** XMM0-XMM7 (128 bytes, little-endian) and MXCSR, when the CPU has an SSE unit. */
export interface SseView { xmm: Uint8Array; mxcsr: number }

export function sseView(m: MachineApi): SseView {
  const sse = m.cpuState().sse;
  return { xmm: sse.bytes.slice(0, 128), mxcsr: sse.mxcsr };
}
