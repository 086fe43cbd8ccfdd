// Integer arithmetic and logic: the eight ALU operations in all their forms, TEST, INC/DEC,
// NOT/NEG, MUL/IMUL/DIV/IDIV, CMPXCHG, CMPXCHG8B and XADD.

import * as K from './constants';
import * as LF from './lazy-flags';
import { cmpxchg16b } from './long-mode-ops';
import type { ExecCpu, Family, Handler } from './handler';
import { arith64 } from './arith64';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { DE, FLAG_ZF, UD } = K;
const { SIZE_MASK } = LF;


/** op Eb, Gb (00 08 ... 38). */
const aluEbGb: Handler = (cpu, b) => { cpu.modrm(); cpu.aluE(b >> 3, 8, cpu.r8[cpu.r8i[cpu.reg]]); };

/** op Ev, Gv, with the register-register 32-bit form first (the common case). */
const aluEvGv: Handler = (cpu, b) => {
  cpu.modrm();
  if (cpu.mod === 3 && cpu.o32 && !cpu.lock) {
    const regs = cpu.regs;
    const r = cpu.alu(b >> 3, regs[cpu.rm], regs[cpu.reg], 32);
    if (b !== 0x39) regs[cpu.rm] = r;
    return;
  }
  const bits = cpu.vbits; cpu.aluE(b >> 3, bits, cpu.getG(bits));
};

/** op Gb, Eb. */
const aluGbEb: Handler = (cpu, b) => {
  cpu.modrm(); const v = cpu.getE8(); const r = cpu.alu(b >> 3, cpu.r8[cpu.r8i[cpu.reg]], v, 8);
  if ((b >> 3) !== 7) cpu.r8[cpu.r8i[cpu.reg]] = r;
};

/** op Gv, Ev. */
const aluGvEv: Handler = (cpu, b) => {
  cpu.modrm();
  if (cpu.o32) {
    const regs = cpu.regs;
    const v = cpu.mod === 3 ? regs[cpu.rm] : cpu.rd32(cpu.eaLin(4, false));
    const r = cpu.alu(b >> 3, regs[cpu.reg], v, 32);
    if (b !== 0x3b) regs[cpu.reg] = r;
    return;
  }
  const bits = cpu.vbits; const v = cpu.getE(bits);
  const r = cpu.alu(b >> 3, cpu.getG(bits), v, bits);
  if ((b >> 3) !== 7) cpu.setG(bits, r);
};

/** op AL, Ib. */
const aluAlIb: Handler = (cpu, b) => {
  const r = cpu.alu(b >> 3, cpu.r8[0], cpu.fetch8(), 8); if ((b >> 3) !== 7) cpu.r8[0] = r;
};

/** op eAX, Iz. */
const aluAxIz: Handler = (cpu, b) => {
  const bits = cpu.vbits; const r = cpu.alu(b >> 3, cpu.getR(bits, 0), cpu.imm(bits), bits);
  if ((b >> 3) !== 7) cpu.setR(bits, 0, r);
};

const incReg: Handler = (cpu, b) => { const bits = cpu.vbits; cpu.setR(bits, b & 7, cpu.inc(cpu.getR(bits, b & 7), bits)); };
const decReg: Handler = (cpu, b) => { const bits = cpu.vbits; cpu.setR(bits, b & 7, cpu.dec(cpu.getR(bits, b & 7), bits)); };

/** Group 1: op Eb, Ib (80, and its alias 82). */
const group1Eb: Handler = (cpu) => { cpu.modrm(); cpu.aluE(cpu.reg, 8, cpu.fetch8()); };
const group1EvIz: Handler = (cpu) => { cpu.modrm(); const bits = cpu.vbits; cpu.aluE(cpu.reg, bits, cpu.imm(bits)); };
const group1EvIb: Handler = (cpu) => {
  cpu.modrm();
  if (cpu.mod === 3 && cpu.o32 && !cpu.lock) {
    const regs = cpu.regs;
    const r = cpu.alu(cpu.reg, regs[cpu.rm], (cpu.fetch8() << 24) >> 24, 32);
    if (cpu.reg !== 7) regs[cpu.rm] = r;
    return;
  }
  const bits = cpu.vbits; cpu.aluE(cpu.reg, bits, cpu.imm8s(bits));
};

const testEbGb: Handler = (cpu) => { cpu.modrm(); cpu.alu(4, cpu.getE8(), cpu.r8[cpu.r8i[cpu.reg]], 8); };
const testEvGv: Handler = (cpu) => { cpu.modrm(); const bits = cpu.vbits; cpu.alu(4, cpu.getE(bits), cpu.getG(bits), bits); };
const testAlIb: Handler = (cpu) => { cpu.alu(4, cpu.r8[0], cpu.fetch8(), 8); };
const testAxIz: Handler = (cpu) => { const bits = cpu.vbits; cpu.alu(4, cpu.getR(bits, 0), cpu.imm(bits), bits); };

/** IMUL Gv, Ev, Iz / Ib. */
const imulImm: Handler = (cpu, b) => {
  cpu.modrm(); const bits = cpu.vbits; const a = cpu.getE(bits);
  const imm = b === 0x69 ? cpu.imm(bits) : cpu.imm8s(bits);
  cpu.setG(bits, cpu.imulTrunc(a, imm, bits));
};

/** Group 4: INC/DEC Eb. */
const group4: Handler = (cpu) => {
  cpu.modrm();
  if (cpu.reg > 1) cpu.fault(UD);
  cpu.incDecE(8, cpu.reg === 1);
};

/** Group 3: TEST/NOT/NEG/MUL/IMUL/DIV/IDIV E. */
function group3(cpu: ExecCpu, bits: number): void {
  const reg = cpu.reg;
  switch (reg) {
    case 0: case 1: { if (cpu.lock) cpu.fault(UD); const a = cpu.getE(bits); cpu.alu(4, a, cpu.imm(bits), bits); return; }  // TEST is not lockable
    case 2: { if (cpu.lock && cpu.mod === 3) cpu.fault(UD); const a = cpu.getE(bits); cpu.setE(bits, ~a); return; }
    case 3: {
      if (cpu.lock && cpu.mod === 3) cpu.fault(UD);
      const a = cpu.getE(bits);
      const sOp = cpu.ccOp, sA = cpu.ccA, sB = cpu.ccB, sR = cpu.ccRes, sBits = cpu.ccBits, sF = cpu.flags;
      const r = cpu.alu(5, 0, a, bits);
      const nOp = cpu.ccOp, nA = cpu.ccA, nB = cpu.ccB, nBits = cpu.ccBits;
      cpu.ccOp = sOp; cpu.ccA = sA; cpu.ccB = sB; cpu.ccRes = sR; cpu.ccBits = sBits; cpu.flags = sF;
      cpu.setE(bits, r);
      cpu.ccOp = nOp; cpu.ccA = nA; cpu.ccB = nB; cpu.ccRes = r; cpu.ccBits = nBits;
      return;
    }
  }
  if (cpu.lock) cpu.fault(UD);
  const src = cpu.getE(bits);
  if (bits === 8) mulDiv8(cpu, reg, src);
  else if (bits === 16) mulDiv16(cpu, reg, src);
  else mulDiv32(cpu, reg, src);
}

function mulDiv8(cpu: ExecCpu, reg: number, src: number): void {
  const al = cpu.r8[0];
  switch (reg) {
    case 4: { const r = al * src; cpu.r16[0] = r; cpu.mulFlags(r > 0xff, r, 8); return; }
    case 5: { const r = ((al << 24) >> 24) * ((src << 24) >> 24); cpu.r16[0] = r; cpu.mulFlags(r !== ((r << 24) >> 24), r, 8); return; }
    case 6: {
      if (src === 0) cpu.fault(DE);
      const ax = cpu.r16[0], q = Math.floor(ax / src);
      if (q > 0xff) cpu.fault(DE);
      cpu.r8[0] = q; cpu.r8[1] = ax % src; return;
    }
    default: {
      const s = (src << 24) >> 24;
      if (s === 0) cpu.fault(DE);
      const ax = (cpu.r16[0] << 16) >> 16, q = Math.trunc(ax / s);
      if (q > 127 || q < -128) cpu.fault(DE);
      cpu.r8[0] = q; cpu.r8[1] = ax % s;
    }
  }
}

function mulDiv16(cpu: ExecCpu, reg: number, src: number): void {
  const ax = cpu.r16[0];
  switch (reg) {
    case 4: { const r = ax * src; cpu.r16[0] = r; cpu.r16[4] = r >>> 16; cpu.mulFlags(r > 0xffff, r, 16); return; }
    case 5: {
      const r = ((ax << 16) >> 16) * ((src << 16) >> 16);
      cpu.r16[0] = r; cpu.r16[4] = r >> 16; cpu.mulFlags(r !== ((r << 16) >> 16), r, 16); return;
    }
    case 6: {
      if (src === 0) cpu.fault(DE);
      const n = ((cpu.r16[4] << 16) | ax) >>> 0, q = Math.floor(n / src);
      if (q > 0xffff) cpu.fault(DE);
      cpu.r16[0] = q; cpu.r16[4] = n % src; return;
    }
    default: {
      const s = (src << 16) >> 16;
      if (s === 0) cpu.fault(DE);
      const n = (cpu.r16[4] << 16) | ax, q = Math.trunc(n / s);
      if (q > 32767 || q < -32768) cpu.fault(DE);
      cpu.r16[0] = q; cpu.r16[4] = n % s;
    }
  }
}

function mulDiv32(cpu: ExecCpu, reg: number, src: number): void {
  const regs = cpu.regs;
  switch (reg) {
    case 4: cpu.mul32(regs[0], src); regs[0] = cpu.mulLo; regs[2] = cpu.mulHi; cpu.mulFlags(cpu.mulHi !== 0, cpu.mulLo, 32); return;
    case 5: cpu.imul32(regs[0], src | 0); regs[0] = cpu.mulLo; regs[2] = cpu.mulHi; cpu.mulFlags(cpu.mulHi !== (cpu.mulLo >> 31), cpu.mulLo, 32); return;
    case 6: {
      const usrc = src >>> 0;
      if (usrc === 0) cpu.fault(DE);
      const hi = regs[2] >>> 0, lo = regs[0] >>> 0;
      if (hi === 0) { regs[0] = Math.floor(lo / usrc); regs[2] = lo % usrc; return; }
      const n = (BigInt(hi) << 32n) | BigInt(lo), d = BigInt(usrc);
      const q = n / d;
      if (q > 0xffffffffn) cpu.fault(DE);
      regs[0] = Number(q & 0xffffffffn); regs[2] = Number(n % d);
      return;
    }
    default: {
      const s = src | 0;
      if (s === 0) cpu.fault(DE);
      const hi = regs[2], lo = regs[0];
      if (hi === (lo >> 31) && !(lo === -0x80000000 && s === -1)) { regs[0] = Math.trunc(lo / s); regs[2] = lo % s; return; }
      const n = (BigInt(hi) << 32n) | BigInt(lo >>> 0), d = BigInt(s);
      const q = n / d;
      if (q > 0x7fffffffn || q < -0x80000000n) cpu.fault(DE);
      regs[0] = Number(BigInt.asIntN(32, q)); regs[2] = Number(BigInt.asIntN(32, n % d));
    }
  }
}

const group3Eb: Handler = (cpu) => { cpu.modrm(); group3(cpu, 8); };
const group3Ev: Handler = (cpu) => { cpu.modrm(); group3(cpu, cpu.vbits); };

/** 0F AF: IMUL Gv, Ev. */
const imulGvEv: Handler = (cpu) => {
  cpu.modrm(); const bits = cpu.vbits;
  cpu.setG(bits, cpu.imulTrunc(cpu.getG(bits), cpu.getE(bits), bits));
};

/** 0F B0/B1: CMPXCHG E, G. */
const cmpxchg: Handler = (cpu, op) => {
  cpu.modrm();
  if (cpu.lock && cpu.mod === 3) cpu.fault(UD);
  const bits = op === 0xb0 ? 8 : cpu.vbits;
  const d = cpu.getE(bits);
  const acc = cpu.getR(bits, 0);
  if (acc === d) {
    cpu.setE(bits, cpu.getG(bits));
  } else {
    if (cpu.mod !== 3) cpu.setE(bits, d);  // the destination is always written back
    cpu.setR(bits, 0, d);
  }
  cpu.alu(7, acc, d, bits);
};

/** 0F C0/C1: XADD E, G. */
const xadd: Handler = (cpu, op) => {
  cpu.modrm();
  if (cpu.lock && cpu.mod === 3) cpu.fault(UD);
  const bits = op === 0xc0 ? 8 : cpu.vbits;
  const d = cpu.getE(bits), s = cpu.getG(bits);
  const m = SIZE_MASK[bits >> 3];
  const sum = ((d + s) & m) >>> 0;
  if (cpu.mod !== 3) cpu.setE(bits, sum);
  cpu.setG(bits, d);
  if (cpu.mod === 3) cpu.setE(bits, sum);
  cpu.alu(0, d, s, bits);
};

/** 0F C7 /1: CMPXCHG8B m64, and CMPXCHG16B m128 with REX.W (long-mode-ops.ts). */
const group9: Handler = (cpu) => {
  cpu.modrm();
  if ((cpu.reg & 7) !== 1 || cpu.mod === 3) cpu.fault(UD);
  if (cpu.o64) { cmpxchg16b(cpu); return; }
  const regs = cpu.regs;
  const lo = cpu.rd32(cpu.eaLin(4, false)), hi = cpu.rd32(cpu.eaLin(4, false, 4));
  cpu.probeWrite(cpu.eaLin(8, true), 8);
  if (lo === regs[0] && hi === regs[2]) {
    cpu.wr32(cpu.eaLin(4, true), regs[3]); cpu.wr32(cpu.eaLin(4, true, 4), regs[1]);
    cpu.setArith(FLAG_ZF, FLAG_ZF);
  } else {
    cpu.wr32(cpu.eaLin(4, true), lo); cpu.wr32(cpu.eaLin(4, true, 4), hi);
    regs[0] = lo; regs[2] = hi;
    cpu.setArith(0, FLAG_ZF);
  }
};

const oneByte: Record<number, Handler> = {
  0x69: imulImm, 0x6b: imulImm,
  0x80: group1Eb, 0x81: group1EvIz, 0x82: group1Eb, 0x83: group1EvIb,
  0x84: testEbGb, 0x85: testEvGv, 0xa8: testAlIb, 0xa9: testAxIz,
  0xf6: group3Eb, 0xf7: group3Ev, 0xfe: group4,
};
for (let op = 0; op < 8; op++) {
  oneByte[op * 8] = aluEbGb; oneByte[op * 8 + 1] = aluEvGv; oneByte[op * 8 + 2] = aluGbEb;
  oneByte[op * 8 + 3] = aluGvEv; oneByte[op * 8 + 4] = aluAlIb; oneByte[op * 8 + 5] = aluAxIz;
  oneByte[0x40 + op] = incReg; oneByte[0x48 + op] = decReg;
}

const twoByte: Record<number, Handler> = { 0xaf: imulGvEv, 0xb0: cmpxchg, 0xb1: cmpxchg, 0xc0: xadd, 0xc1: xadd, 0xc7: group9 };

export const ARITH: Family = { name: 'arith', oneByte, twoByte, ...arith64(oneByte, twoByte) };
