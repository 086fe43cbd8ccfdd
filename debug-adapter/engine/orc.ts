// Linux's ORC unwind tables (.orc_unwind_ip, .orc_unwind; CONFIG_UNWINDER_ORC, x86-64), the
// way the kernel unwinds itself: for every instruction, where the caller's stack pointer is
// (an offset from SP or BP, or read through them, or a register saved in pt_regs), what kind
// of frame this is (a call frame: the return address just below that stack pointer; a pt_regs
// frame: interrupt or exception entry saved the whole register set there; a partial one: only
// the IRET frame) and where the caller's BP was saved. Entry code written in assembly has no
// DWARF CFI but has ORC entries, so this is what unwinds through interrupt entry.
// Entry layout (arch/x86/include/asm/orc_types.h): s16 sp_offset, s16 bp_offset, then a 16-bit
// word of bitfields, low bits first, in one of three layouts (`OrcLayout`; orc-file.ts picks one
// by the kernel's version).

import type { Regs } from '../../emulator/loader/dwarf';
import { uintAt } from './kernel-data';

export type OrcType = 'call' | 'regs' | 'regs-partial' | 'undefined' | 'end';
/**
 * The bitfield word's layouts: 'v1' (up to 6.2) sp_reg:4 bp_reg:4 type:2 end:1, types CALL 0,
 * REGS 1, REGS_PARTIAL 2, an undefined sp_reg without `end` meaning "no data"; 'v2' (6.3, the
 * signal bit added) sp_reg:4 bp_reg:4 type:2 signal:1 end:1; 'v3' (6.4 and later, when
 * .orc_header appeared) sp_reg:4 bp_reg:4 type:3 signal:1, types UNDEFINED 0, END_OF_STACK 1,
 * CALL 2, REGS 3, REGS_PARTIAL 4.
 */
export type OrcLayout = 'v1' | 'v2' | 'v3';
export interface OrcEntry { spOffset: number; bpOffset: number; spReg: number; bpReg: number; type: OrcType; end: boolean; signal: boolean }

const REG = { UNDEFINED: 0, PREV_SP: 1, DX: 2, DI: 3, BP: 4, SP: 5, R10: 6, R13: 7, BP_INDIRECT: 8, SP_INDIRECT: 9 } as const;

/** struct pt_regs on x86-64 (arch/x86/include/asm/ptrace.h): each register's offset. */
export const PT_REGS: Record<string, number> = {
  r15: 0, r14: 8, r13: 16, r12: 24, rbp: 32, rbx: 40, r11: 48, r10: 56, r9: 64, r8: 72,
  rax: 80, rcx: 88, rdx: 96, rsi: 104, rdi: 112, orig_ax: 120, rip: 128, cs: 136, rflags: 144, rsp: 152, ss: 160,
};
const IRET_FRAME_OFFSET = PT_REGS.rip!;

/** One step of the unwind: the caller's registers, and the pt_regs frame passed through (if any). */
export interface OrcStep { regs: Regs; ptRegs?: { address: number; full: boolean; origAx: bigint | null } }

type Read = (addr: number, len: number) => Uint8Array | null;

const add = (a: number, d: number): number => Number(BigInt.asIntN(64, BigInt(a) + BigInt(d)));

export class OrcTable {
  private readonly ips: Float64Array;

  /**
   * `ipBytes`: .orc_unwind_ip (s32 offsets, each relative to its own address, `ipAddr` the
   * section's); `entries`: .orc_unwind (6 bytes each, same order), in `layout`.
   */
  constructor(ipBytes: Uint8Array, ipAddr: number, private readonly entries: Uint8Array, readonly layout: OrcLayout = 'v1') {
    const n = Math.min(Math.floor(ipBytes.length / 4), Math.floor(entries.length / 6));
    const dv = new DataView(ipBytes.buffer, ipBytes.byteOffset, ipBytes.length);
    this.ips = new Float64Array(n);
    for (let i = 0; i < n; i++) this.ips[i] = add(ipAddr, i * 4 + dv.getInt32(i * 4, true));
  }

  get size(): number { return this.ips.length; }

  /** The kernel runs `delta` bytes from its link addresses (KASLR): every covered address moves with it. */
  relocate(delta: number): void {
    for (let i = 0; i < this.ips.length; i++) this.ips[i] = add(this.ips[i]!, delta);
  }

  /** The entry covering ip: the last one at or below it (the table is sorted by address). */
  find(ip: number): OrcEntry | null {
    const a = this.ips;
    let lo = 0, hi = a.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]! <= ip) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (best < 0) return null;
    const o = best * 6, e = this.entries;
    const sp = (e[o]! | (e[o + 1]! << 8)) << 16 >> 16, bp = (e[o + 2]! | (e[o + 3]! << 8)) << 16 >> 16;
    const bits = e[o + 4]! | (e[o + 5]! << 8);
    const spReg = bits & 15, bpReg = (bits >> 4) & 15;
    if (this.layout === 'v3') {
      const t = (bits >> 8) & 7;
      const type: OrcType = (['undefined', 'end', 'call', 'regs', 'regs-partial'] as const)[t] ?? 'undefined';
      return { spOffset: sp, bpOffset: bp, spReg, bpReg, type, signal: ((bits >> 11) & 1) === 1, end: type === 'end' };
    }
    const t = (bits >> 8) & 3;
    const type: OrcType = (['call', 'regs', 'regs-partial'] as const)[t] ?? 'undefined';
    const end = ((bits >> (this.layout === 'v2' ? 11 : 10)) & 1) === 1;
    // Before 6.3 a frame was a signal frame exactly when it was a pt_regs one.
    const signal = this.layout === 'v2' ? ((bits >> 10) & 1) === 1 : type !== 'call';
    return { spOffset: sp, bpOffset: bp, spReg, bpReg, type: spReg === REG.UNDEFINED ? (end ? 'end' : 'undefined') : type, end, signal };
  }

  /**
   * The caller of a frame (RIP, RSP, RBP and what a pt_regs frame saved), or null at the end of
   * the stack or where the table has no answer. `exact`: the frame's pc is the next instruction
   * (the innermost frame, or one a pt_regs frame interrupted) rather than a return address, whose
   * call instruction is the one looked up.
   */
  unwind(regs: Regs, exact: boolean, read: Read): OrcStep | null {
    const ip = regs.rip, sp0 = regs.rsp, bp0 = regs.rbp;
    if (ip === undefined || sp0 === undefined) return null;
    const e = this.find(exact ? ip : ip - 1);
    if (!e || e.type === 'end' || e.type === 'undefined') return null;
    const q = (a: number): number | null => { const b = read(a, 8); return b && b.length === 8 ? Number(BigInt.asIntN(64, uintAt(b, 0, 8))) : null; };
    let sp: number | null;
    switch (e.spReg) {
      case REG.SP: sp = add(sp0, e.spOffset); break;
      case REG.BP: sp = bp0 === undefined ? null : add(bp0, e.spOffset); break;
      case REG.SP_INDIRECT: { const v = q(sp0); sp = v === null ? null : add(v, e.spOffset); break; }
      case REG.BP_INDIRECT: sp = bp0 === undefined ? null : q(add(bp0, e.spOffset)); break;
      case REG.R10: sp = regs.r10 ?? null; break;
      case REG.R13: sp = regs.r13 ?? null; break;
      case REG.DI: sp = regs.rdi ?? null; break;
      case REG.DX: sp = regs.rdx ?? null; break;
      default: sp = null;
    }
    if (sp === null) return null;
    const out: Regs = {};
    let ptRegs: OrcStep['ptRegs'];
    if (e.type === 'call') {
      const ret = q(add(sp, -8));
      if (ret === null) return null;
      out.rip = ret; out.rsp = sp;
      // Callee-saved registers the frame did not touch stay as they were (ORC tracks only BP).
      for (const r of ['rbx', 'r12', 'r13', 'r14', 'r15'] as const) if (regs[r] !== undefined) out[r] = regs[r];
    } else if (e.type === 'regs') {
      // sp is the pt_regs the entry code saved: every register of the interrupted frame.
      for (const [name, off] of Object.entries(PT_REGS)) {
        if (name === 'orig_ax' || name === 'cs' || name === 'ss') continue;
        const v = q(add(sp, off));
        if (v !== null) out[name] = name === 'rflags' ? v >>> 0 : v;
      }
      if (out.rip === undefined || out.rsp === undefined) return null;
      const b = read(add(sp, PT_REGS.orig_ax!), 8);
      ptRegs = { address: sp, full: true, origAx: b && b.length === 8 ? BigInt.asIntN(64, uintAt(b, 0, 8)) : null };
    } else {
      // Only the IRET frame (RIP, CS, RFLAGS, RSP, SS) lies at sp.
      const rip = q(sp), rsp = q(add(sp, 24)), fl = q(add(sp, 16));
      if (rip === null || rsp === null) return null;
      out.rip = rip; out.rsp = rsp;
      if (fl !== null) out.rflags = fl >>> 0;
      for (const r of ['rbx', 'r12', 'r13', 'r14', 'r15'] as const) if (regs[r] !== undefined) out[r] = regs[r];
      ptRegs = { address: add(sp, -IRET_FRAME_OFFSET), full: false, origAx: null };
    }
    if (e.type !== 'regs' || out.rbp === undefined) {
      switch (e.bpReg) {
        case REG.UNDEFINED: if (bp0 !== undefined && out.rbp === undefined) out.rbp = bp0; break;
        case REG.PREV_SP: { const v = q(add(sp, e.bpOffset)); if (v !== null) out.rbp = v; break; }
        case REG.BP: { const v = bp0 === undefined ? null : q(add(bp0, e.bpOffset)); if (v !== null) out.rbp = v; break; }
        default: break;
      }
    }
    return ptRegs ? { regs: out, ptRegs } : { regs: out };
  }
}
