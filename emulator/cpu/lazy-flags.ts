// General registers and EFLAGS with lazily computed arithmetic flags: the last ALU
// operation keeps its operands and result, and CF/PF/AF/ZF/SF/OF are derived on demand
// (most results are only ever tested for ZF or CF by the next jcc, or not at all).

import * as K from './constants';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { FLAGS_ARITH, FLAGS_FIXED, FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF } = K;

export const CC_NONE = 0;   // arithmetic flags are in `flags`
export const CC_ADD = 1;
export const CC_ADC = 2;
export const CC_SUB = 3;
export const CC_SBB = 4;
export const CC_LOGIC = 5;
export const CC_INC = 6;
export const CC_DEC = 7;
/** SHL/SHR/SAR: result in ccRes, CF in ccCF, OF in ccB, AF clear. */
export const CC_SHIFT = 8;
// 64-bit operations (LONG-MODE.md): ccA/ccB hold the operands' low halves, ccAHi/ccBHi their
// high halves, ccRLo/ccRHi the result, and ccRes a 32-bit stand-in for the result with its
// low byte (PF, AF), its sign (SF) and its zeroness (ZF), read with ccBits 32. Logic and shift
// results use CC_LOGIC and CC_SHIFT with that stand-in.
export const CC_ADD64 = 9;
export const CC_ADC64 = 10;
export const CC_SUB64 = 11;
export const CC_SBB64 = 12;
export const CC_INC64 = 13;
export const CC_DEC64 = 14;

/** The 32-bit stand-in of a 64-bit result hi:lo: same low byte, sign and zeroness. */
export function synthRes(lo: number, hi: number): number {
  const r = (lo & 0xff) | (hi & 0x80000000);
  return r !== 0 || (lo | hi) === 0 ? r : 0x100;
}

/** hi:lo < bh:bl, unsigned. */
function ltu64(ah: number, al: number, bh: number, bl: number): boolean {
  return ah !== bh ? (ah >>> 0) < (bh >>> 0) : (al >>> 0) < (bl >>> 0);
}

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let p = 1;
  for (let b = i; b; b >>= 1) p ^= b & 1;
  PARITY[i] = p;
}

export const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffffffff];

export class FlagsCore {
  /**
   * The low 32 bits of RAX..R15 in encoding order (EAX ECX EDX EBX ESP EBP ESI EDI, then
   * R8D..R15D); outside 64-bit mode only the first eight exist for the guest.
   */
  readonly regs = new Int32Array(16);
  readonly r16 = new Uint16Array(this.regs.buffer);
  readonly r8 = new Uint8Array(this.regs.buffer);
  /** The high 32 bits of RAX..R15 (LONG-MODE.md: a 32-bit write in 64-bit mode zeroes them). */
  readonly regsHi = new Int32Array(16);
  /** The low 32 bits of RIP (EIP/IP outside 64-bit mode). */
  eip = 0;
  private ripHiValue = 0;
  /**
   * The high 32 bits of RIP; 0 outside 64-bit mode. Whoever writes it (a far transfer, the
   * debugger) goes through ripHiChanged: the fetch path and a faulting instruction's undo
   * depend on it.
   */
  get ripHi(): number { return this.ripHiValue; }
  set ripHi(v: number) {
    v |= 0;
    if (v === this.ripHiValue) return;
    const old = this.ripHiValue;
    this.ripHiValue = v;
    this.ripHiChanged(old);
  }
  protected ripHiChanged(_old: number): void { /* the fetch layer overrides it */ }
  /** EFLAGS; the arithmetic bits are valid only while ccOp === CC_NONE. */
  flags = FLAGS_FIXED;
  ccOp = CC_NONE;
  ccA = 0;
  ccB = 0;
  ccRes = 0;
  /** Operand size in bits: 8, 16 or 32. */
  ccBits = 32;
  /** Carry in (ADC/SBB) or the preserved CF (INC/DEC). */
  ccCF = 0;
  ccAHi = 0;
  ccBHi = 0;
  ccRLo = 0;
  ccRHi = 0;

  /** r8 index for 8-bit register encodings 0..7 (AL CL DL BL AH CH DH BH). */
  static readonly R8 = [0, 4, 8, 12, 1, 5, 9, 13];

  setCC(op: number, a: number, b: number, res: number, bits: number): void {
    this.ccOp = op; this.ccA = a; this.ccB = b; this.ccRes = res; this.ccBits = bits;
  }

  /** Lazy flags of a 64-bit ADD/ADC/SUB/SBB/INC/DEC (ccCF set by the caller for ADC/SBB/INC/DEC). */
  set64(op: number, al: number, ah: number, bl: number, bh: number, rl: number, rh: number): void {
    this.ccOp = op; this.ccA = al; this.ccB = bl; this.ccAHi = ah; this.ccBHi = bh; this.ccRLo = rl; this.ccRHi = rh;
    this.ccRes = synthRes(rl, rh); this.ccBits = 32;
  }

  /** Lazy flags of a 64-bit AND/OR/XOR/TEST. */
  setLogic64(rl: number, rh: number): void {
    this.ccOp = CC_LOGIC; this.ccA = 0; this.ccB = 0; this.ccRes = synthRes(rl, rh); this.ccBits = 32;
  }

  /** CF of the 64-bit operations. */
  private cf64(): number {
    const ah = this.ccAHi, al = this.ccA, bh = this.ccBHi, bl = this.ccB, rh = this.ccRHi, rl = this.ccRLo;
    switch (this.ccOp) {
      case CC_ADD64: return ltu64(rh, rl, ah, al) ? 1 : 0;
      case CC_ADC64: return (this.ccCF ? !ltu64(ah, al, rh, rl) : ltu64(rh, rl, ah, al)) ? 1 : 0;
      case CC_SUB64: return ltu64(ah, al, bh, bl) ? 1 : 0;
      case CC_SBB64: return (this.ccCF ? !ltu64(bh, bl, ah, al) : ltu64(ah, al, bh, bl)) ? 1 : 0;
      default: return this.ccCF;
    }
  }

  /** OF of the 64-bit operations. */
  private of64(): number {
    const ah = this.ccAHi, bh = this.ccBHi, rh = this.ccRHi;
    switch (this.ccOp) {
      case CC_ADD64: case CC_ADC64: case CC_INC64: return (((ah ^ rh) & (bh ^ rh)) >>> 31) & 1;
      default: return (((ah ^ bh) & (ah ^ rh)) >>> 31) & 1;
    }
  }

  getCF(): number {
    const a = this.ccA, b = this.ccB, r = this.ccRes;
    switch (this.ccOp) {
      case CC_NONE: return this.flags & 1;
      case CC_ADD: return (r >>> 0) < (a >>> 0) ? 1 : 0;
      case CC_ADC: return (this.ccCF ? (r >>> 0) <= (a >>> 0) : (r >>> 0) < (a >>> 0)) ? 1 : 0;
      case CC_SUB: return (a >>> 0) < (b >>> 0) ? 1 : 0;
      case CC_SBB: return (this.ccCF ? (a >>> 0) <= (b >>> 0) : (a >>> 0) < (b >>> 0)) ? 1 : 0;
      case CC_LOGIC: return 0;
      case CC_SHIFT: return this.ccCF;
      default: return this.ccOp >= CC_ADD64 ? this.cf64() : this.ccCF;
    }
  }

  getZF(): number {
    return this.ccOp === CC_NONE ? (this.flags >> 6) & 1 : this.ccRes === 0 ? 1 : 0;
  }

  getSF(): number {
    return this.ccOp === CC_NONE ? (this.flags >> 7) & 1 : (this.ccRes >>> (this.ccBits - 1)) & 1;
  }

  getPF(): number {
    return this.ccOp === CC_NONE ? (this.flags >> 2) & 1 : PARITY[this.ccRes & 0xff];
  }

  getAF(): number {
    switch (this.ccOp) {
      case CC_NONE: return (this.flags >> 4) & 1;
      case CC_LOGIC: case CC_SHIFT: return 0;
      default: return ((this.ccA ^ this.ccB ^ this.ccRes) >> 4) & 1;
    }
  }

  getOF(): number {
    const a = this.ccA, b = this.ccB, r = this.ccRes, sh = this.ccBits - 1;
    switch (this.ccOp) {
      case CC_NONE: return (this.flags >> 11) & 1;
      case CC_ADD: case CC_ADC: case CC_INC: return (((a ^ r) & (b ^ r)) >>> sh) & 1;
      case CC_SUB: case CC_SBB: case CC_DEC: return (((a ^ b) & (a ^ r)) >>> sh) & 1;
      case CC_SHIFT: return b;
      case CC_LOGIC: return 0;
      default: return this.of64();
    }
  }

  /** The whole EFLAGS value. */
  getFlags(): number {
    const op = this.ccOp;
    if (op === CC_NONE) return this.flags;
    const a = this.ccA, b = this.ccB, r = this.ccRes, sh = this.ccBits - 1;
    let cf: number, of: number, af: number;
    switch (op) {
      case CC_ADD: cf = (r >>> 0) < (a >>> 0) ? 1 : 0; of = (((a ^ r) & (b ^ r)) >>> sh) & 1; af = (a ^ b ^ r) & 0x10; break;
      case CC_ADC: cf = (this.ccCF ? (r >>> 0) <= (a >>> 0) : (r >>> 0) < (a >>> 0)) ? 1 : 0; of = (((a ^ r) & (b ^ r)) >>> sh) & 1; af = (a ^ b ^ r) & 0x10; break;
      case CC_SUB: cf = (a >>> 0) < (b >>> 0) ? 1 : 0; of = (((a ^ b) & (a ^ r)) >>> sh) & 1; af = (a ^ b ^ r) & 0x10; break;
      case CC_SBB: cf = (this.ccCF ? (a >>> 0) <= (b >>> 0) : (a >>> 0) < (b >>> 0)) ? 1 : 0; of = (((a ^ b) & (a ^ r)) >>> sh) & 1; af = (a ^ b ^ r) & 0x10; break;
      case CC_INC: cf = this.ccCF; of = (((a ^ r) & (b ^ r)) >>> sh) & 1; af = (a ^ b ^ r) & 0x10; break;
      case CC_DEC: cf = this.ccCF; of = (((a ^ b) & (a ^ r)) >>> sh) & 1; af = (a ^ b ^ r) & 0x10; break;
      case CC_SHIFT: cf = this.ccCF; of = b; af = 0; break;
      case CC_LOGIC: cf = 0; of = 0; af = 0; break;
      default: cf = this.cf64(); of = this.of64(); af = (a ^ b ^ r) & 0x10;
    }
    return (this.flags & ~FLAGS_ARITH) | cf | (PARITY[r & 0xff] << 2) | af |
      (r === 0 ? FLAG_ZF : 0) | (((r >>> sh) & 1) << 7) | (of << 11);
  }

  /** Fold the lazy state into `flags` (before an instruction changes only some arithmetic flags). */
  materialize(): void {
    if (this.ccOp !== CC_NONE) { this.flags = this.getFlags(); this.ccOp = CC_NONE; }
  }

  /** Replace the arithmetic flags in `mask` with `bits`. */
  setArith(bits: number, mask: number): void {
    this.materialize();
    this.flags = (this.flags & ~mask) | (bits & mask);
  }

  /** Flags for a result computed eagerly: SF, ZF, PF from the result, plus the given CF/OF/AF. */
  setResultFlags(res: number, bits: number, cf: number, of: number, af: number): void {
    const m = SIZE_MASK[bits >> 3];
    const r = res & m;
    this.ccOp = CC_NONE;
    this.flags = (this.flags & ~FLAGS_ARITH) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0) | (af ? FLAG_AF : 0) |
      (r === 0 ? FLAG_ZF : 0) | ((r >>> (bits - 1)) & 1 ? FLAG_SF : 0) | (PARITY[r & 0xff] ? FLAG_PF : 0);
  }

  parity(v: number): number { return PARITY[v & 0xff]; }

  /** Condition codes 0..15 as encoded in Jcc/SETcc/CMOVcc. */
  cond(cc: number): boolean {
    switch (cc) {
      case 0: return this.getOF() === 1;
      case 1: return this.getOF() === 0;
      case 2: return this.getCF() === 1;
      case 3: return this.getCF() === 0;
      case 4: return this.getZF() === 1;
      case 5: return this.getZF() === 0;
      case 6: return (this.getCF() | this.getZF()) === 1;
      case 7: return (this.getCF() | this.getZF()) === 0;
      case 8: return this.getSF() === 1;
      case 9: return this.getSF() === 0;
      case 10: return this.getPF() === 1;
      case 11: return this.getPF() === 0;
      case 12: return this.getSF() !== this.getOF();
      case 13: return this.getSF() === this.getOF();
      case 14: return this.getZF() === 1 || this.getSF() !== this.getOF();
      default: return this.getZF() === 0 && this.getSF() === this.getOF();
    }
  }
}

