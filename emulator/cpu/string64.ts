// String instructions in 64-bit mode (LONG-MODE.md, "Dispatch"): MOVS, CMPS, STOS, LODS, SCAS,
// INS, OUTS on RSI/RDI/RCX (ESI/EDI/ECX under 67, zero-extended as 32-bit writes are), with
// 64-bit elements under REX.W (INS/OUTS stay 32-bit at most) and REP/REPE/REPNE updating the
// registers per element. ES's base is not used in 64-bit mode; a DS override to FS or GS is.
// REP MOVS and REP STOS forwards over RAM copy a page at a time.

import * as K from './constants';
import * as OP from './operands';
import type { ExecCpu, Handler } from './handler';
import * as A64 from './alu64';

// Bindings read once at load (see lazy-flags.ts).
const { DS, ES, FLAG_DF } = K;
const { RUN_OK } = OP;
const { alu64 } = A64;

const REP_CHUNK = 4096;
/** One element of an overlapping copy. */
const ELEMENT = new Uint8Array(8);
const TWO32 = 4294967296;
const PAGE_RAM = 0;
const MOVS = 0, CMPS = 1, STOS = 2, LODS = 3, SCAS = 4, INS = 5, OUTS = 6;

/** Add d (|d| < 2^31) to register r as the address size says. */
function adv(cpu: ExecCpu, r: number, d: number): void {
  const regs = cpu.regs, hi = cpu.regsHi;
  const s = (regs[r] >>> 0) + d;
  regs[r] = s | 0;
  hi[r] = cpu.a64 ? (s >= TWO32 ? (hi[r] + 1) | 0 : s < 0 ? (hi[r] - 1) | 0 : hi[r]) : 0;
}

const countZero = (cpu: ExecCpu): boolean => cpu.regs[1] === 0 && (!cpu.a64 || cpu.regsHi[1] === 0);

function decCount(cpu: ExecCpu): void { adv(cpu, 1, -1); }

/** The linear address of seg:rR (64-bit, or the zero-extended 32-bit register under 67). */
function addr(cpu: ExecCpu, seg: number, r: number, n: number, write: boolean): number {
  return cpu.lin64(seg, cpu.regs[r], cpu.a64 ? cpu.regsHi[r] : 0, n, write);
}

function read(cpu: ExecCpu, bits: number, lin: number): number {
  if (bits === 64) { const v = cpu.rd64(lin); cpu.opHi = cpu.rdHi; return v; }
  return cpu.readMem(bits, lin);
}

function write(cpu: ExecCpu, bits: number, lin: number, lo: number, hi: number): void {
  if (bits === 64) cpu.wr64(lin, lo, hi); else cpu.writeMem(bits, lin, lo);
}

function stringOp(cpu: ExecCpu, op: number, bits: number): void {
  const n = bits >> 3;
  const srcSeg = cpu.segOvr >= 0 ? cpu.segOvr : DS;
  const rep = cpu.rep;
  if (rep && countZero(cpu)) return;
  let left = REP_CHUNK;
  if (rep && (op === MOVS || op === STOS) && !(cpu.flags & FLAG_DF)) {
    const done = fastRep(cpu, op, n, srcSeg);
    if (done < 0) return;
    left -= done;
  }
  for (;;) {
    const d = (cpu.flags & FLAG_DF ? -1 : 1) * n;
    switch (op) {
      case MOVS: {
        const v = read(cpu, bits, addr(cpu, srcSeg, 6, n, false)), vh = cpu.opHi;
        write(cpu, bits, addr(cpu, ES, 7, n, true), v, vh);
        adv(cpu, 6, d); adv(cpu, 7, d);
        break;
      }
      case CMPS: {
        const a = read(cpu, bits, addr(cpu, srcSeg, 6, n, false)), ah = cpu.opHi;
        const b = read(cpu, bits, addr(cpu, ES, 7, n, false)), bh = cpu.opHi;
        cmp(cpu, bits, a, ah, b, bh);
        adv(cpu, 6, d); adv(cpu, 7, d);
        break;
      }
      case STOS:
        write(cpu, bits, addr(cpu, ES, 7, n, true), cpu.regs[0], cpu.regsHi[0]);
        adv(cpu, 7, d);
        break;
      case LODS: {
        const v = read(cpu, bits, addr(cpu, srcSeg, 6, n, false));
        cpu.setRv(bits, 0, v, cpu.opHi);
        adv(cpu, 6, d);
        break;
      }
      case SCAS: {
        const b = read(cpu, bits, addr(cpu, ES, 7, n, false)), bh = cpu.opHi;
        const a = cpu.getRv(bits, 0), ah = cpu.opHi;
        cmp(cpu, bits, a, ah, b, bh);
        adv(cpu, 7, d);
        break;
      }
      case INS: {
        const lin = addr(cpu, ES, 7, n, true);
        cpu.probeWrite(lin, n);
        const v = cpu.portIn(cpu.r16[4], n as 1 | 2 | 4, true, false);
        cpu.writeMem(bits, lin, v);
        adv(cpu, 7, d);
        break;
      }
      default: { // OUTS
        const v = cpu.readMem(bits, addr(cpu, srcSeg, 6, n, false));
        cpu.portOut(cpu.r16[4], n as 1 | 2 | 4, v, true, false);
        adv(cpu, 6, d);
      }
    }
    if (!rep) return;
    decCount(cpu);
    if (countZero(cpu)) return;
    if ((op === CMPS || op === SCAS) && (cpu.getZF() === 1) !== (rep === 0xf3)) return;
    if (--left === 0 || cpu.stopCode !== RUN_OK || cpu.filterHit || cpu.requestPending) {
      cpu.restartInstruction();
      return;
    }
  }
}

function cmp(cpu: ExecCpu, bits: number, a: number, ah: number, b: number, bh: number): void {
  if (bits === 64) alu64(cpu, 7, a, ah, b, bh); else cpu.alu(7, a, b, bits);
}

/**
 * REP MOVS / REP STOS forwards: a page (of source and destination) at a time, straight on
 * guest RAM that holds no compiled code and no watchpoint; registers updated after each page.
 * Returns -1 when the instruction finished or yielded, else the elements done (the element
 * path goes on from there: a fault, a page boundary inside an element, a device page).
 */
function fastRep(cpu: ExecCpu, op: number, n: number, srcSeg: number): number {
  const regs = cpu.regs, u8 = cpu.u8;
  let budget = REP_CHUNK;
  const vl = cpu.regs[0], vh = cpu.regsHi[0];
  for (;;) {
    // Elements left in rCX (capped: a chunk is at most REP_CHUNK).
    const cnt = cpu.a64 && cpu.regsHi[1] !== 0 ? REP_CHUNK : regs[1] >>> 0;
    if (cnt === 0) return -1;
    const dl = addr(cpu, ES, 7, n, true);
    let k = Math.min(cnt, budget, Math.floor((0x1000 - (dl & 0xfff)) / n));
    if (k === 0) return REP_CHUNK - budget;
    let sp = 0;
    if (op === MOVS) {
      const sl = addr(cpu, srcSeg, 6, n, false);
      k = Math.min(k, Math.floor((0x1000 - (sl & 0xfff)) / n));
      if (k === 0 || !plainPage(cpu, sl)) return REP_CHUNK - budget;
      sp = cpu.xlate(sl, false, cpu.cpl === 3);
      if (!ramPage(cpu, sp)) return REP_CHUNK - budget;
    }
    if (!plainPage(cpu, dl)) return REP_CHUNK - budget;
    const dp = cpu.xlate(dl, true, cpu.cpl === 3);
    if (!ramPage(cpu, dp)) return REP_CHUNK - budget;
    const bytes = k * n;
    if (op === STOS) {
      if (n === 1) u8.fill(vl, dp, dp + bytes);
      else {
        for (let i = 0; i < bytes; i += n) {
          u8[dp + i] = vl; u8[dp + i + 1] = vl >> 8;
          if (n >= 4) { u8[dp + i + 2] = vl >> 16; u8[dp + i + 3] = vl >> 24; }
          if (n === 8) { u8[dp + i + 4] = vh; u8[dp + i + 5] = vh >> 8; u8[dp + i + 6] = vh >> 16; u8[dp + i + 7] = vh >> 24; }
        }
      }
    } else if (dp >= sp + bytes || sp >= dp + bytes || dp < sp) {
      if (dp < sp && sp < dp + bytes) for (let i = 0; i < bytes; i++) u8[dp + i] = u8[sp + i];
      else u8.copyWithin(dp, sp, sp + bytes);
    } else {
      // An overlapping forward copy: element by element, each element read whole before it is written.
      const t = ELEMENT;
      for (let i = 0; i < bytes; i += n) {
        for (let j = 0; j < n; j++) t[j] = u8[sp + i + j];
        for (let j = 0; j < n; j++) u8[dp + i + j] = t[j];
      }
    }
    adv(cpu, 7, bytes);
    if (op === MOVS) adv(cpu, 6, bytes);
    for (let i = 0; i < k; i++) decCount(cpu);
    budget -= k;
    if (countZero(cpu)) return -1;
    if (budget <= 0) { cpu.restartInstruction(); return -1; }
  }
}

/** A linear page the fast path may touch: no watchpoint or data breakpoint on it. */
function plainPage(cpu: ExecCpu, lin: number): boolean {
  if ((lin | 0) !== lin) return true;
  const p = lin >>> 12;
  return !cpu.noTlb[p] && !cpu.drTlb[p];
}

/** Plain RAM without compiled code (stores there must drop blocks: the element path does). */
function ramPage(cpu: ExecCpu, phys: number): boolean {
  const pg = phys >>> 12;
  return phys + 0x1000 <= cpu.ramBytes + (phys & 0xfff) && cpu.mem.pageKind[pg] === PAGE_RAM &&
    (cpu.codePage === null || cpu.codePage[pg] === 0);
}

const KIND: Record<number, number> = {
  0x6c: INS, 0x6d: INS, 0x6e: OUTS, 0x6f: OUTS, 0xa4: MOVS, 0xa5: MOVS, 0xa6: CMPS, 0xa7: CMPS,
  0xaa: STOS, 0xab: STOS, 0xac: LODS, 0xad: LODS, 0xae: SCAS, 0xaf: SCAS,
};

const stringByte: Handler = (cpu, b) => stringOp(cpu, KIND[b], 8);
const stringWide: Handler = (cpu, b) => {
  const k = KIND[b];
  stringOp(cpu, k, k === INS || k === OUTS ? (cpu.o32 ? 32 : 16) : cpu.osize);
};

export const STRING64_ONE: Record<number, Handler> = {};
for (const b of Object.keys(KIND).map(Number)) STRING64_ONE[b] = b & 1 ? stringWide : stringByte;
