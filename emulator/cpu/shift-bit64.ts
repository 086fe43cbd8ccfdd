// Shifts, rotates and bit operations in 64-bit mode (LONG-MODE.md, "Dispatch"): group 2 and
// SHLD/SHRD with REX.W (counts masked to 6 bits), BT/BTS/BTR/BTC with 64-bit addressing of
// their bit strings, BSF/BSR of 64-bit operands, BSWAP of R8-R15 and of 64-bit registers.

import * as K from './constants';
import type { ExecCpu, Handler } from './handler';
import * as A64 from './alu64';
import * as W from './arith64';

// Bindings read once at load (see lazy-flags.ts).
const { FLAG_ZF, UD } = K;
const { shift64, shiftDouble64 } = A64;
const { widen, zeroE } = W;

/** C1, D1, D3: group 2 on a 64-bit operand. */
export const group2 = (legacy: Handler): Handler => widen(legacy, zeroE, (cpu, b) => {
  cpu.modrm();
  const cnt = b === 0xc1 ? cpu.fetch8() : b === 0xd1 ? 1 : cpu.r8[4];
  const al = cpu.getE64(), ah = cpu.opHi;
  if ((cnt & 0x3f) === 0) return;
  if (cpu.mod !== 3) cpu.probeWrite(cpu.eaLin(8, true), 8);
  const lo = shift64(cpu, cpu.reg, al, ah, cnt);
  cpu.setE64(lo, cpu.opHi);
});

/** 0F A4/A5 SHLD, 0F AC/AD SHRD on 64-bit operands. */
export const shiftDouble = (legacy: Handler): Handler => widen(legacy, zeroE, (cpu, op) => {
  cpu.modrm();
  const cnt = ((op & 1) === 0 ? cpu.fetch8() : cpu.r8[4]) & 0x3f;
  const dl = cpu.getE64(), dh = cpu.opHi;
  if (cnt === 0) return;
  if (cpu.mod !== 3) cpu.probeWrite(cpu.eaLin(8, true), 8);
  const lo = shiftDouble64(cpu, op < 0xac, dl, dh, cpu.regs[cpu.reg], cpu.regsHi[cpu.reg], cnt);
  cpu.setE64(lo, cpu.opHi);
});

/**
 * BT/BTS/BTR/BTC (op 0-3) in 64-bit mode, every operand size. A register bit offset is signed
 * at the operand size and addresses memory beyond the operand, in operand-size units; an
 * immediate offset is taken modulo the operand size.
 */
function bitOp(cpu: ExecCpu, op: number, immForm: boolean): void {
  cpu.modrm();
  const bits = cpu.osize;
  if (immForm) {
    if ((cpu.reg & 7) < 4) cpu.fault(UD);
    op = (cpu.reg & 7) - 4;
  }
  if (cpu.lock && (op === 0 || cpu.mod === 3)) cpu.fault(UD);
  // The bit offset: low and high halves (signed), from the immediate or the G register.
  let offLo: number, offHi: number;
  if (immForm) { offLo = cpu.fetch8() & (bits - 1); offHi = 0; }
  else if (bits === 64) { offLo = cpu.regs[cpu.reg]; offHi = cpu.regsHi[cpu.reg]; }
  else if (bits === 32) { offLo = cpu.regs[cpu.reg]; offHi = offLo >> 31; }
  else { offLo = (cpu.r16[cpu.reg << 1] << 16) >> 16; offHi = offLo >> 31; }
  const bit = offLo & (bits - 1);
  let vl: number, vh = 0, lin = 0;
  const n = bits >> 3;
  if (cpu.mod === 3) {
    vl = cpu.getRv(bits, cpu.rm); if (bits === 64) vh = cpu.opHi;
  } else {
    let al = cpu.eaOff, ah = cpu.eaOffHi;
    if (!immForm) {
      // Byte displacement = (offset >> log2(bits)) * n, as a signed 64-bit value.
      const sh = bits === 64 ? 6 : bits === 32 ? 5 : 4;
      const ql = ((offLo >>> sh) | (offHi << (32 - sh))) | 0, qh = offHi >> sh;
      const k = n === 8 ? 3 : n === 4 ? 2 : 1;
      const dl = ql << k, dh = (qh << k) | (ql >>> (32 - k));
      const s = (al >>> 0) + (dl >>> 0);
      ah = (ah + dh + (s >= 4294967296 ? 1 : 0)) | 0; al = s | 0;
      if (!cpu.a64) ah = 0;
    }
    lin = cpu.lin64(cpu.eaSeg, al, ah, n, op !== 0);
    if (bits === 64) { vl = cpu.rd64(lin); vh = cpu.rdHi; } else vl = bits === 32 ? cpu.rd32(lin) : cpu.rd16(lin);
  }
  const inHi = bit >= 32;
  const word = inHi ? vh : vl, sb = bit & 31;
  const cf = (word >>> sb) & 1;
  let nw = word;
  if (op === 1) nw = word | (1 << sb);
  else if (op === 2) nw = word & ~(1 << sb);
  else if (op === 3) nw = word ^ (1 << sb);
  if (op !== 0) {
    const nl = inHi ? vl : nw, nh = inHi ? nw : vh;
    if (cpu.mod === 3) cpu.setRv(bits, cpu.rm, nl, nh);
    else if (bits === 64) cpu.wr64(lin, nl, nh);
    else if (bits === 32) cpu.wr32(lin, nl); else cpu.wr16(lin, nl);
  }
  cpu.setArith(cf, 1);
}

const bt: Handler = (cpu, op) => bitOp(cpu, op === 0xa3 ? 0 : op === 0xab ? 1 : op === 0xb3 ? 2 : 3, false);
const group8: Handler = (cpu) => bitOp(cpu, -1, true);

/** 0F BC BSF, 0F BD BSR of a 64-bit operand (a zero source leaves the destination alone). */
const bitScan = (legacy: Handler): Handler => widen(legacy, null, (cpu, op) => {
  cpu.modrm();
  const lo = cpu.getE64(), hi = cpu.opHi;
  if ((lo | hi) === 0) { cpu.setArith(FLAG_ZF, FLAG_ZF); return; }
  let idx: number;
  if (op === 0xbc) idx = lo !== 0 ? 31 - Math.clz32(lo & -lo) : 63 - Math.clz32(hi & -hi);
  else idx = hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
  cpu.setG64(idx, 0);
  cpu.setResultFlags(idx, 32, 0, 0, 0);
  cpu.setArith(0, FLAG_ZF);
});

const swap32 = (v: number): number => (v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24);

/** 0F C8+r: BSWAP r32/r64 (REX.B reaches R8-R15; 16-bit operands are undefined and cleared). */
const bswap: Handler = (cpu, op) => {
  const r = (op & 7) | cpu.rexB;
  const regs = cpu.regs, hi = cpu.regsHi;
  if (cpu.o64) { const l = regs[r]; regs[r] = swap32(hi[r]); hi[r] = swap32(l); return; }
  if (cpu.o32) { regs[r] = swap32(regs[r]); hi[r] = 0; return; }
  cpu.r16[r << 1] = 0;
};

export function shiftBit64Two(two: Readonly<Record<number, Handler>>): Record<number, Handler> {
  const t: Record<number, Handler> = {
    0xa3: bt, 0xab: bt, 0xb3: bt, 0xbb: bt, 0xba: group8, 0xbc: bitScan(two[0xbc]), 0xbd: bitScan(two[0xbd]),
  };
  for (let i = 0; i < 8; i++) t[0xc8 + i] = bswap;
  return t;
}
