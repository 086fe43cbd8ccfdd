// Bit operations: BT/BTS/BTR/BTC (register and immediate offsets), BSF/BSR, BSWAP, SETcc.

import * as K from './constants';
import type { ExecCpu, Family, Handler } from './handler';
import { shiftBit64Two } from './shift-bit64';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { FLAG_ZF, UD } = K;

/** op: 0 BT, 1 BTS, 2 BTR, 3 BTC; the immediate form (group 8) takes it from ModR/M.reg. */
function bitOp(cpu: ExecCpu, op: number, immForm: boolean): void {
  cpu.modrm();
  const bits = cpu.vbits;
  if (immForm) {
    if (cpu.reg < 4) cpu.fault(UD);
    op = cpu.reg - 4;
  }
  if (cpu.lock && (op === 0 || cpu.mod === 3)) cpu.fault(UD);
  let off: number;
  let lin = 0;
  if (immForm) off = cpu.fetch8() & (bits - 1);
  else off = bits === 32 ? cpu.regs[cpu.reg] : (cpu.r16[cpu.reg << 1] << 16) >> 16;
  let v: number, bit: number;
  if (cpu.mod === 3) {
    bit = off & (bits - 1);
    v = cpu.getR(bits, cpu.rm);
  } else {
    // A register bit offset addresses memory beyond the operand (signed, in operand-size units).
    const n = bits >> 3;
    const disp = immForm ? 0 : Math.floor(off / bits) * n;
    bit = immForm ? off : off & (bits - 1);
    const eoff = cpu.a32 ? (cpu.eaOff + disp) | 0 : (cpu.eaOff + disp) & 0xffff;
    lin = cpu.lin(cpu.eaSeg, eoff, n, op !== 0);
    v = bits === 32 ? cpu.rd32(lin) >>> 0 : cpu.rd16(lin);
  }
  const cf = (v >>> bit) & 1;
  let nv = v;
  if (op === 1) nv = v | (1 << bit);
  else if (op === 2) nv = v & ~(1 << bit);
  else if (op === 3) nv = v ^ (1 << bit);
  if (op !== 0) {
    if (cpu.mod === 3) cpu.setR(bits, cpu.rm, nv);
    else if (bits === 32) cpu.wr32(lin, nv); else cpu.wr16(lin, nv);
  }
  cpu.setArith(cf, 1);
}

const bt: Handler = (cpu, op) => bitOp(cpu, op === 0xa3 ? 0 : op === 0xab ? 1 : op === 0xb3 ? 2 : 3, false);
const group8: Handler = (cpu) => bitOp(cpu, -1, true);

/** 0F BC BSF, 0F BD BSR. */
const bitScan: Handler = (cpu, op) => {
  cpu.modrm(); const bits = cpu.vbits;
  const v = cpu.getE(bits);
  if (v === 0) { cpu.setArith(FLAG_ZF, FLAG_ZF); return; }
  const idx = op === 0xbc ? 31 - Math.clz32(v & -v) : 31 - Math.clz32(v);
  cpu.setG(bits, idx);
  cpu.setResultFlags(idx, bits, 0, 0, 0);
  cpu.setArith(0, FLAG_ZF);
};

/** 0F C8+r: BSWAP r32 (r16 is undefined; hardware clears it). */
const bswap: Handler = (cpu, op) => {
  const r = op & 7, regs = cpu.regs;
  if (cpu.o32) { const v = regs[r]; regs[r] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24); }
  else cpu.r16[r << 1] = 0;
};

/** 0F 90+cc: SETcc Eb. */
const setcc: Handler = (cpu, op) => { cpu.modrm(); cpu.setE8(cpu.cond(op & 15) ? 1 : 0); };

const twoByte: Record<number, Handler> = {
  0xa3: bt, 0xab: bt, 0xb3: bt, 0xbb: bt, 0xba: group8, 0xbc: bitScan, 0xbd: bitScan,
};
for (let i = 0; i < 8; i++) twoByte[0xc8 + i] = bswap;
for (let cc = 0; cc < 16; cc++) twoByte[0x90 + cc] = setcc;

export const BIT_OPS: Family = { name: 'bit-ops', oneByte: {}, twoByte, twoByte64: shiftBit64Two(twoByte) };
