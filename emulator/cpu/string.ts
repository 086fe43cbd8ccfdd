// String instructions: MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS, with REP/REPE/REPNE. REP
// forms update ECX/ESI/EDI per element, so a fault or a yield resumes exactly; REP STOS and
// REP MOVS through flat segments copy a page at a time straight on guest RAM.

import * as K from './constants';
import * as OP from './operands';
import type { ExecCpu, Family, Handler } from './handler';
import { STRING64_ONE } from './string64';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { DS, ES, FLAG_DF } = K;
const { RUN_OK } = OP;

/** REP string instructions yield after this many iterations so interrupts and time progress. */
const REP_CHUNK = 4096;

const MOVS = 0, CMPS = 1, STOS = 2, LODS = 3, SCAS = 4, INS = 5, OUTS = 6;

const si = (cpu: ExecCpu): number => cpu.a32 ? cpu.regs[6] : cpu.r16[12];
const di = (cpu: ExecCpu): number => cpu.a32 ? cpu.regs[7] : cpu.r16[14];
function advSI(cpu: ExecCpu, d: number): void { if (cpu.a32) cpu.regs[6] = (cpu.regs[6] + d) | 0; else cpu.r16[12] = cpu.r16[12] + d; }
function advDI(cpu: ExecCpu, d: number): void { if (cpu.a32) cpu.regs[7] = (cpu.regs[7] + d) | 0; else cpu.r16[14] = cpu.r16[14] + d; }
const count = (cpu: ExecCpu): number => cpu.a32 ? cpu.regs[1] >>> 0 : cpu.r16[2];
function decCount(cpu: ExecCpu): void { if (cpu.a32) cpu.regs[1] = (cpu.regs[1] - 1) | 0; else cpu.r16[2] = cpu.r16[2] - 1; }

/** One string operation kind; REP forms loop with registers updated per element. */
function stringOp(cpu: ExecCpu, op: number, bits: number): void {
  const n = bits >> 3;
  const srcSeg = cpu.segOvr >= 0 ? cpu.segOvr : DS;
  const rep = cpu.rep;
  if (rep && count(cpu) === 0) return;
  let fastDone = 0;
  if (rep && (op === MOVS || op === STOS) && cpu.a32 && !(cpu.flags & FLAG_DF) && cpu.segChkW[ES] === 0 &&
      (op === STOS || cpu.segChkR[srcSeg] === 0)) {
    fastDone = fastRep(cpu, op, n, srcSeg);
    if (fastDone < 0) return;
  }
  // The same chunks whichever path ran the elements: where a REP yields (and so the
  // instruction count at each element) must not depend on what the TLB held, or a replay
  // from a snapshot (TLB empty) would not retire the same instructions as the first run.
  let left = REP_CHUNK - fastDone;
  for (;;) {
    const d = (cpu.flags & FLAG_DF ? -1 : 1) * n;
    switch (op) {
      case MOVS: {
        const v = cpu.readMem(bits, cpu.lin(srcSeg, si(cpu), n, false));
        cpu.writeMem(bits, cpu.lin(ES, di(cpu), n, true), v);
        advSI(cpu, d); advDI(cpu, d);
        break;
      }
      case CMPS: {
        const a = cpu.readMem(bits, cpu.lin(srcSeg, si(cpu), n, false));
        const b = cpu.readMem(bits, cpu.lin(ES, di(cpu), n, false));
        cpu.alu(7, a, b, bits);
        advSI(cpu, d); advDI(cpu, d);
        break;
      }
      case STOS:
        cpu.writeMem(bits, cpu.lin(ES, di(cpu), n, true), cpu.getR(bits, 0));
        advDI(cpu, d);
        break;
      case LODS: {
        const v = cpu.readMem(bits, cpu.lin(srcSeg, si(cpu), n, false));
        cpu.setR(bits, 0, v);
        advSI(cpu, d);
        break;
      }
      case SCAS: {
        const b = cpu.readMem(bits, cpu.lin(ES, di(cpu), n, false));
        cpu.alu(7, cpu.getR(bits, 0), b, bits);
        advDI(cpu, d);
        break;
      }
      case INS: {
        const port = cpu.r16[4];
        const lin = cpu.lin(ES, di(cpu), n, true);
        cpu.probeWrite(lin, n);
        const v = cpu.portIn(port, n as 1 | 2 | 4, true, false);
        cpu.writeMem(bits, lin, v);
        advDI(cpu, d);
        break;
      }
      default: { // OUTS
        const v = cpu.readMem(bits, cpu.lin(srcSeg, si(cpu), n, false));
        cpu.portOut(cpu.r16[4], n as 1 | 2 | 4, v, true, false);
        advSI(cpu, d);
      }
    }
    if (!rep) return;
    decCount(cpu);
    if (count(cpu) === 0) return;
    if ((op === CMPS || op === SCAS) && (cpu.getZF() === 1) !== (rep === 0xf3)) return;
    if (--left === 0 || cpu.stopCode !== RUN_OK || cpu.filterHit || cpu.requestPending) {
      // Resume later: the instruction restarts with the registers as they are now. Each
      // chunk counts as one retired instruction so that budgets always make progress.
      cpu.eip = cpu.instrEip;
      return;
    }
  }
}

/**
 * REP STOS / REP MOVS forwards through flat segments, a page at a time straight on guest
 * RAM. Registers are updated after each page, so a fault on the next page (taken by the
 * element-wise path) sees exactly the elements done. Returns -1 when the instruction is
 * finished (or yields after REP_CHUNK elements, as the element-wise path does); else the
 * elements done, after which the element-wise path goes on.
 */
function fastRep(cpu: ExecCpu, op: number, n: number, srcSeg: number): number {
  const regs = cpu.regs, u8 = cpu.u8;
  let left = regs[1] >>> 0;
  let budget = REP_CHUNK;
  const v = op === STOS ? cpu.getR(n * 8, 0) : 0;
  while (left > 0) {
    const dl = (cpu.segBase[ES] + regs[7]) | 0;
    const de = cpu.tlbW[dl >>> 12];
    if ((de & 7) !== 1) return REP_CHUNK - budget;
    let k = Math.min(left, budget, Math.floor((0x1000 - (dl & 0xfff)) / n));
    let sp = 0;
    if (op === MOVS) {
      const sl = (cpu.segBase[srcSeg] + regs[6]) | 0;
      const se = cpu.tlbR[sl >>> 12];
      if ((se & 3) !== 1) return REP_CHUNK - budget;
      k = Math.min(k, Math.floor((0x1000 - (sl & 0xfff)) / n));
      sp = (se & ~0xfff) | (sl & 0xfff);
    }
    if (k === 0) return REP_CHUNK - budget;          // an element straddles a page boundary
    const dp = (de & ~0xfff) | (dl & 0xfff);
    const bytes = k * n;
    if (op === STOS) {
      if (n === 1) u8.fill(v, dp, dp + bytes);
      else for (let i = 0; i < bytes; i += n) { u8[dp + i] = v; u8[dp + i + 1] = v >> 8; if (n === 4) { u8[dp + i + 2] = v >> 16; u8[dp + i + 3] = v >> 24; } }
    } else if (dp >= sp + bytes || sp >= dp + bytes || dp < sp) {
      // Non-overlapping, or destination below the source: a forward copy equals memmove.
      if (dp < sp && sp < dp + bytes) for (let i = 0; i < bytes; i++) u8[dp + i] = u8[sp + i];
      else u8.copyWithin(dp, sp, sp + bytes);
    } else {
      // Overlapping forward copy: element by element, each read before its write, as the CPU does.
      for (let i = 0; i < bytes; i += n) {
        if (n === 1) { u8[dp + i] = u8[sp + i]; continue; }
        const b0 = u8[sp + i], b1 = u8[sp + i + 1];
        if (n === 2) { u8[dp + i] = b0; u8[dp + i + 1] = b1; continue; }
        const b2 = u8[sp + i + 2], b3 = u8[sp + i + 3];
        u8[dp + i] = b0; u8[dp + i + 1] = b1; u8[dp + i + 2] = b2; u8[dp + i + 3] = b3;
      }
    }
    regs[7] = (regs[7] + bytes) | 0;
    if (op === MOVS) regs[6] = (regs[6] + bytes) | 0;
    left -= k;
    regs[1] = left;
    budget -= k;
    if (left > 0 && budget <= 0) { cpu.eip = cpu.instrEip; return -1; }
  }
  return -1;
}

/** Opcode -> operation; the even opcode of each pair is the byte form. */
const KIND: Record<number, number> = {
  0x6c: INS, 0x6d: INS, 0x6e: OUTS, 0x6f: OUTS, 0xa4: MOVS, 0xa5: MOVS, 0xa6: CMPS, 0xa7: CMPS,
  0xaa: STOS, 0xab: STOS, 0xac: LODS, 0xad: LODS, 0xae: SCAS, 0xaf: SCAS,
};

const stringByte: Handler = (cpu, b) => stringOp(cpu, KIND[b], 8);
const stringWide: Handler = (cpu, b) => stringOp(cpu, KIND[b], cpu.vbits);

const oneByte: Record<number, Handler> = {};
for (const b of Object.keys(KIND).map(Number)) oneByte[b] = b & 1 ? stringWide : stringByte;

export const STRING: Family = { name: 'string', oneByte, twoByte: {}, oneByte64: STRING64_ONE };
