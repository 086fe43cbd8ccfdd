// The arithmetic primitives the integer families share (and compiled blocks call): the
// eight ALU operations, INC/DEC, shifts and rotates, and 32x32->64 multiplies, each leaving
// its flags in the lazy-flag fields.

import * as K from './constants';
import * as LF from './lazy-flags';
import { OperandCpu } from './operands';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { FLAG_CF, FLAG_OF, UD } = K;
const { CC_ADC, CC_ADD, CC_DEC, CC_INC, CC_LOGIC, CC_SBB, CC_SHIFT, CC_SUB, SIZE_MASK } = LF;

export class AluCpu extends OperandCpu {
  /**
   * ADD OR ADC SBB AND SUB XOR CMP. Operands and results are kept as masked values that
   * fit an int32 (32-bit ones signed), so the lazy-flag fields never hold heap doubles.
   */
  alu(op: number, a: number, b: number, bits: number): number {
    const m = SIZE_MASK[bits >> 3];
    a &= m; b &= m;
    let r: number;
    switch (op) {
      case 0: r = (a + b) & m; this.setCC(CC_ADD, a, b, r, bits); break;
      case 1: r = a | b; this.setCC(CC_LOGIC, a, b, r, bits); break;
      case 2: { const c = this.getCF(); r = (a + b + c) & m; this.ccCF = c; this.setCC(CC_ADC, a, b, r, bits); break; }
      case 3: { const c = this.getCF(); r = (a - b - c) & m; this.ccCF = c; this.setCC(CC_SBB, a, b, r, bits); break; }
      case 4: r = a & b; this.setCC(CC_LOGIC, a, b, r, bits); break;
      case 6: r = a ^ b; this.setCC(CC_LOGIC, a, b, r, bits); break;
      default: r = (a - b) & m; this.setCC(CC_SUB, a, b, r, bits); break;
    }
    return r;
  }

  inc(a: number, bits: number): number {
    const m = SIZE_MASK[bits >> 3];
    const cf = this.getCF();
    const r = (a + 1) & m;
    this.ccCF = cf;
    this.setCC(CC_INC, a & m, 1, r, bits);
    return r;
  }

  dec(a: number, bits: number): number {
    const m = SIZE_MASK[bits >> 3];
    const cf = this.getCF();
    const r = (a - 1) & m;
    this.ccCF = cf;
    this.setCC(CC_DEC, a & m, 1, r, bits);
    return r;
  }

  /** Read-modify-write of the E operand by an ALU op: flags change only after the write succeeded. */
  aluE(op: number, bits: number, b: number): void {
    if (this.lock && (this.mod === 3 || op === 7)) this.fault(UD);
    const a = this.getE(bits);
    const m = SIZE_MASK[bits >> 3];
    if (op === 7) { this.alu(7, a, b, bits); return; }
    // Compute with a scratch copy of the lazy state so a faulting write leaves flags untouched.
    const sOp = this.ccOp, sA = this.ccA, sB = this.ccB, sR = this.ccRes, sBits = this.ccBits, sCF = this.ccCF;
    const r = this.alu(op, a, b, bits);
    if (this.mod !== 3) {
      const nOp = this.ccOp, nA = this.ccA, nB = this.ccB, nBits = this.ccBits, nCF = this.ccCF;
      this.ccOp = sOp; this.ccA = sA; this.ccB = sB; this.ccRes = sR; this.ccBits = sBits; this.ccCF = sCF;
      this.setE(bits, r & m);
      this.ccOp = nOp; this.ccA = nA; this.ccB = nB; this.ccRes = r; this.ccBits = nBits; this.ccCF = nCF;
    } else {
      this.setE(bits, r);
    }
  }

  /** INC/DEC of the E operand (FE /0-1, FF /0-1): the flags change only after the write succeeded. */
  incDecE(bits: number, dec: boolean): void {
    if (this.lock && this.mod === 3) this.fault(UD);
    const a = this.getE(bits);
    const sF = this.flags, sOp = this.ccOp, sA = this.ccA, sB = this.ccB, sR = this.ccRes, sBits = this.ccBits, sCF = this.ccCF;
    const r = dec ? this.dec(a, bits) : this.inc(a, bits);
    const nOp = this.ccOp, nA = this.ccA, nB = this.ccB, nCF = this.ccCF;
    this.flags = sF; this.ccOp = sOp; this.ccA = sA; this.ccB = sB; this.ccRes = sR; this.ccBits = sBits; this.ccCF = sCF;
    this.setE(bits, r);
    this.ccOp = nOp; this.ccA = nA; this.ccB = nB; this.ccRes = r; this.ccBits = bits; this.ccCF = nCF;
  }

  shift(op: number, a: number, cnt: number, bits: number): number {
    const m = SIZE_MASK[bits >> 3];
    const msb = bits - 1;
    a = (a & m) >>> 0;
    cnt &= 0x1f;
    if (cnt === 0) return a;
    let r: number, cf: number, of: number;
    switch (op) {
      case 0: { // ROL
        const c = cnt & msb;
        r = c ? (((a << c) | (a >>> (bits - c))) & m) >>> 0 : a;
        cf = r & 1; of = ((r >>> msb) & 1) ^ cf;
        this.setArith((cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
        return r;
      }
      case 1: { // ROR
        const c = cnt & msb;
        r = c ? (((a >>> c) | (a << (bits - c))) & m) >>> 0 : a;
        cf = (r >>> msb) & 1; of = cf ^ ((r >>> (msb - 1)) & 1);
        this.setArith((cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
        return r;
      }
      case 2: { // RCL
        // A count that is a whole turn (9 or 18 for bytes, 17 for words) changes no bit, but OF
        // is still written from the formula below, as on the reference CPU.
        const c = bits === 32 ? cnt : cnt % (bits + 1);
        let x = a, carry = this.getCF();
        for (let i = 0; i < c; i++) { const out = (x >>> msb) & 1; x = (((x << 1) | carry) & m) >>> 0; carry = out; }
        of = ((x >>> msb) & 1) ^ carry;
        this.setArith((carry ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
        return x;
      }
      case 3: { // RCR
        const c = bits === 32 ? cnt : cnt % (bits + 1);
        let x = a, carry = this.getCF();
        for (let i = 0; i < c; i++) { const out = x & 1; x = ((x >>> 1) | (carry << msb)) >>> 0; carry = out; }
        // OF is the XOR of the result's two top bits for every count: the SDM's count-1
        // definition, and what the reference CPU does where the SDM leaves it undefined.
        of = ((x >>> msb) ^ (x >>> (msb - 1))) & 1;
        this.setArith((carry ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
        return x;
      }
      case 4: case 6: // SHL/SAL
        r = cnt < 32 ? (a << cnt) & m : 0;
        cf = cnt <= bits ? (a >>> (bits - cnt)) & 1 : 0;
        of = ((r >>> msb) & 1) ^ cf;
        this.setShift(r, bits, cf, of);
        return r;
      case 5: // SHR
        r = a >>> cnt;
        cf = cnt <= bits ? (a >>> (cnt - 1)) & 1 : 0;
        of = (a >>> msb) & 1;
        this.setShift(r, bits, cf, of);
        return r;
      default: { // SAR
        const s = (a << (32 - bits)) >> (32 - bits);
        r = (s >> Math.min(cnt, 31)) & m;
        cf = (s >> Math.min(cnt - 1, 31)) & 1;
        this.setShift(r, bits, cf, 0);
        return r;
      }
    }
  }

  /** Lazy flags of SHL/SHR/SAR. */
  private setShift(r: number, bits: number, cf: number, of: number): void {
    this.ccOp = CC_SHIFT; this.ccRes = r | 0; this.ccBits = bits; this.ccCF = cf; this.ccB = of; this.ccA = 0;
  }

  mulHi = 0;
  mulLo = 0;

  /** Unsigned 32x32 -> 64 into mulHi:mulLo (int32 halves). */
  mul32(a: number, b: number): void {
    a >>>= 0; b >>>= 0;
    const aL = a & 0xffff, aH = a >>> 16, bL = b & 0xffff, bH = b >>> 16;
    const ll = aL * bL, lh = aL * bH, hl = aH * bL, hh = aH * bH;
    const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
    this.mulLo = ((mid & 0xffff) << 16) | (ll & 0xffff);
    this.mulHi = (hh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) | 0;
  }

  /** Signed 32x32 -> 64. */
  imul32(a: number, b: number): void {
    this.mul32(a, b);
    let hi = this.mulHi;
    if (a < 0) hi = (hi - b) | 0;
    if (b < 0) hi = (hi - a) | 0;
    this.mulHi = hi;
  }

  mulFlags(overflow: boolean, lo: number, bits: number): void {
    this.setResultFlags(lo, bits, overflow ? 1 : 0, overflow ? 1 : 0, 0);
  }

  /** IMUL r, r/m, imm and IMUL r, r/m (two- and three-operand forms). */
  imulTrunc(a: number, b: number, bits: number): number {
    if (bits === 32) {
      this.imul32(a | 0, b | 0);
      this.mulFlags(this.mulHi !== (this.mulLo >> 31), this.mulLo, 32);
      return this.mulLo;
    }
    const r = ((a << 16) >> 16) * ((b << 16) >> 16);
    this.mulFlags(r !== ((r << 16) >> 16), r, 16);
    return r & 0xffff;
  }
}
