// x87 floating point, the subset gcc -m32 code uses (see FPU.md). Registers hold JS doubles,
// so values have 53-bit mantissas rather than 64; m80 loads and stores convert exactly
// where the value fits a double.

import * as K from './constants';
import type { LinearAccess } from './linear-access';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { FLAG_CF, FLAG_PF, FLAG_ZF, UD } = K;

/** What the FPU uses of the CPU: memory, flags, faults, and the decoded ModR/M operand. */
export interface FpuHost extends LinearAccess {
  readonly mod: number;
  readonly reg: number;
  readonly rm: number;
  eaLin(size: number, write: boolean, extra?: number): number;
}

const SW_IE = 1, SW_ZE = 4, SW_PE = 0x20, SW_SF = 0x40;
const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;

const scratch = new DataView(new ArrayBuffer(8));

/** The x87 "real indefinite": the negative quiet NaN that invalid operations produce (JS's NaN is positive). */
const INDEFINITE = (() => { const d = new DataView(new ArrayBuffer(8)); d.setUint32(4, 0xfff80000, true); return d.getFloat64(0, true); })();

/** x*y - p exactly (Dekker's product with Veltkamp splitting), for p the rounded product. */
function productError(x: number, y: number, p: number): number {
  if (!Number.isFinite(p) || !Number.isFinite(x) || !Number.isFinite(y)) return 0;
  const SPLIT = 134217729;
  let t = SPLIT * x; const xh = t - (t - x), xl = x - xh;
  t = SPLIT * y; const yh = t - (t - y), yl = y - yh;
  return ((xh * yh - p) + xh * yl + xl * yh) + xl * yl;
}

/**
 * Whether x * y equals p exactly. Operands are first scaled by powers of two (exact) into
 * [1, 2), so the split products cannot overflow or underflow at the ends of the double range,
 * which made the unscaled test report PE for exact results such as MAX_VALUE * -1.
 */
function exactProduct(x: number, y: number, p: number): boolean {
  if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(p)) return true;
  if (x === 0 || y === 0) return p === 0;
  if (p === 0) return false;
  const ex = Math.floor(Math.log2(Math.abs(x))), ey = Math.floor(Math.log2(Math.abs(y)));
  return productError(scale2(x, -ex), scale2(y, -ey), scale2(p, -ex - ey)) === 0;
}

/** v * 2^k in two steps, so that 2^k itself never overflows (|k| up to ~2150). */
function scale2(v: number, k: number): number {
  const h = k >> 1;
  return v * Math.pow(2, h) * Math.pow(2, k - h);
}

/**
 * The exact rounding error of s = x + y (Knuth's TwoSum; no ordering of |x| and |y| needed,
 * unlike checking s - x === y, which misses the error when the smaller operand comes first).
 */
function sumError(x: number, y: number, s: number): number {
  if (!Number.isFinite(s)) return 0;
  const yv = s - x;
  return (x - (s - yv)) + (y - yv);
}

export class Fpu {
  readonly st = new Float64Array(8);
  /** Bit i set = physical register i is empty. */
  empty = 0xff;
  top = 0;
  cw = 0x37f;
  sw = 0;

  constructor(private readonly cpu: FpuHost) {}

  reset(): void { this.empty = 0xff; this.top = 0; this.cw = 0x37f; this.sw = 0; this.st.fill(0); }

  wait(): void { /* exceptions are not reported through #MF; nothing is ever pending */ }

  status(): number { return (this.sw & ~0x3800) | (this.top << 11); }

  tagWord(): number {
    let t = 0;
    for (let i = 0; i < 8; i++) {
      let tag: number;
      if (this.empty & (1 << i)) tag = 3;
      else { const v = this.st[i]; tag = v === 0 ? 1 : Number.isFinite(v) ? 0 : 2; }
      t |= tag << (2 * i);
    }
    return t;
  }

  private get(i: number): number {
    const p = (this.top + i) & 7;
    if (this.empty & (1 << p)) { this.sw |= SW_IE | SW_SF; this.sw &= ~C1; return INDEFINITE; }
    return this.st[p];
  }

  private set(i: number, v: number): void {
    const p = (this.top + i) & 7;
    this.st[p] = v; this.empty &= ~(1 << p);
  }

  push(v: number): void {
    const t = (this.top - 1) & 7;
    if (!(this.empty & (1 << t))) { this.sw |= SW_IE | SW_SF | C1; v = INDEFINITE; }
    this.top = t; this.st[t] = v; this.empty &= ~(1 << t);
  }

  pop(): void { this.empty |= 1 << this.top; this.top = (this.top + 1) & 7; }

  private round(v: number): number {
    switch ((this.cw >> 10) & 3) {
      case 0: { const r = Math.round(v); return (r - v === 0.5 && (r & 1)) ? r - 1 : r; }
      case 1: return Math.floor(v);
      case 2: return Math.ceil(v);
      default: return Math.trunc(v);
    }
  }

  private arith(op: number, a: number, b: number): number {
    let r: number, inexact: boolean;
    switch (op) {
      case 0: r = a + b; inexact = sumError(a, b, r) !== 0; break;
      case 1: r = a * b; inexact = !exactProduct(a, b, r); break;
      case 4: r = a - b; inexact = sumError(a, -b, r) !== 0; break;
      case 5: r = b - a; inexact = sumError(b, -a, r) !== 0; break;
      case 6: if (b === 0 && Number.isFinite(a) && a !== 0) this.sw |= SW_ZE; r = a / b; inexact = !exactProduct(r, b, a); break;
      default: if (a === 0 && Number.isFinite(b) && b !== 0) this.sw |= SW_ZE; r = b / a; inexact = !exactProduct(r, a, b);
    }
    // Masked responses still set the sticky flags: invalid (a NaN made from numbers) and
    // precision (a result that had to be rounded).
    if (r !== r) { if (a === a && b === b) { this.sw |= SW_IE; r = INDEFINITE; } }
    else if (inexact && Number.isFinite(r)) this.sw |= SW_PE;
    return this.precision(r);
  }

  /** FSQRT: negative operands are invalid; inexact roots set PE. */
  private sqrt(v: number): number {
    if (v < 0) { this.sw |= SW_IE; return INDEFINITE; }
    const r = Math.sqrt(v);
    if (Number.isFinite(r) && r !== 0 && (r * r !== v || productError(r, r, v) !== 0)) this.sw |= SW_PE;
    return this.precision(r);
  }

  /** Precision control: 24-bit results round to single; 53 and 64 bits both stay doubles. */
  private precision(r: number): number {
    return ((this.cw >> 8) & 3) === 0 ? Math.fround(r) : r;
  }

  private compare(a: number, b: number, unordered: boolean): void {
    this.sw &= ~(C0 | C2 | C3);
    if (a !== a || b !== b) { this.sw |= C0 | C2 | C3; if (!unordered) this.sw |= SW_IE; }
    else if (a < b) this.sw |= C0;
    else if (a === b) this.sw |= C3;
  }

  private comi(a: number, b: number, unordered: boolean): void {
    let f = 0;
    if (a !== a || b !== b) { f = FLAG_ZF | FLAG_PF | FLAG_CF; if (!unordered) this.sw |= SW_IE; }
    else if (a < b) f = FLAG_CF;
    else if (a === b) f = FLAG_ZF;
    this.cpu.setArith(f, FLAG_ZF | FLAG_PF | FLAG_CF | 0x800 | 0x80 | 0x10);
  }

  // ---- memory formats --------------------------------------------------------------------

  private rdF32(): number { scratch.setInt32(0, this.cpu.rd32(this.cpu.eaLin(4, false)), true); return scratch.getFloat32(0, true); }
  private rdF64(): number {
    const c = this.cpu;
    const lo = c.rd32(c.eaLin(4, false)), hi = c.rd32(c.eaLin(4, false, 4));
    scratch.setInt32(0, lo, true); scratch.setInt32(4, hi, true);
    return scratch.getFloat64(0, true);
  }
  rdF80(at = 0): number {
    const c = this.cpu;
    const lo = c.rd32(c.eaLin(4, false, at)) >>> 0, hi = c.rd32(c.eaLin(4, false, at + 4)) >>> 0, se = c.rd16(c.eaLin(2, false, at + 8));
    const sign = se & 0x8000 ? -1 : 1, exp = se & 0x7fff;
    if (exp === 0x7fff) return (hi & 0x7fffffff) === 0 && lo === 0 ? sign * Infinity : NaN;
    const mant = hi * 4294967296 + lo;
    return sign * mant * Math.pow(2, (exp === 0 ? 1 : exp) - 16383 - 63);
  }
  private rdInt(bytes: number): number {
    const c = this.cpu;
    if (bytes === 2) return (c.rd16(c.eaLin(2, false)) << 16) >> 16;
    if (bytes === 4) return c.rd32(c.eaLin(4, false));
    const lo = c.rd32(c.eaLin(4, false)) >>> 0, hi = c.rd32(c.eaLin(4, false, 4));
    return hi * 4294967296 + lo;
  }

  private wrF32(v: number): void { scratch.setFloat32(0, v, true); this.cpu.wr32(this.cpu.eaLin(4, true), scratch.getInt32(0, true)); }
  private wrF64(v: number): void {
    const c = this.cpu;
    scratch.setFloat64(0, v, true);
    c.probeWrite(c.eaLin(8, true), 8);
    c.wr32(c.eaLin(4, true), scratch.getInt32(0, true)); c.wr32(c.eaLin(4, true, 4), scratch.getInt32(4, true));
  }
  wrF80(v: number, at = 0): void {
    const c = this.cpu;
    let se = 0, hi = 0, lo = 0;
    if (v !== v) { se = 0xffff; hi = 0xc0000000; lo = 0; }
    else {
      if (v < 0 || Object.is(v, -0)) { se = 0x8000; v = -v; }
      if (v === Infinity) { se |= 0x7fff; hi = 0x80000000; }
      else if (v !== 0) {
        let e = Math.floor(Math.log2(v));
        let m = v / Math.pow(2, e);
        if (m >= 2) { m /= 2; e++; } else if (m < 1) { m *= 2; e--; }
        se |= (e + 16383) & 0x7fff;
        const mant = m * Math.pow(2, 31);
        hi = Math.floor(mant) >>> 0;
        lo = Math.round((mant - Math.floor(mant)) * 4294967296) >>> 0;
      }
    }
    c.probeWrite(c.eaLin(10, true, at), 10);
    c.wr32(c.eaLin(4, true, at), lo); c.wr32(c.eaLin(4, true, at + 4), hi); c.wr16(c.eaLin(2, true, at + 8), se);
  }
  /** FIST/FISTP by the control word's rounding, FISTTP (`truncate`, SSE3) toward zero. */
  private wrInt(bytes: number, v: number, truncate = false): void {
    const c = this.cpu;
    let r = v !== v ? NaN : truncate ? Math.trunc(v) : this.round(v);
    const lim = bytes === 2 ? 32768 : bytes === 4 ? 2147483648 : 9223372036854775808;
    if (!(r >= -lim && r < lim)) { this.sw |= SW_IE; r = NaN; }
    if (bytes === 2) { c.wr16(c.eaLin(2, true), r !== r ? 0x8000 : r); return; }
    if (bytes === 4) { c.wr32(c.eaLin(4, true), r !== r ? 0x80000000 : r); return; }
    c.probeWrite(c.eaLin(8, true), 8);
    if (r !== r) { c.wr32(c.eaLin(4, true), 0); c.wr32(c.eaLin(4, true, 4), 0x80000000); return; }
    const big = BigInt.asUintN(64, BigInt(r));
    c.wr32(c.eaLin(4, true), Number(big & 0xffffffffn)); c.wr32(c.eaLin(4, true, 4), Number(big >> 32n));
  }

  // ---- dispatch ----------------------------------------------------------------------------

  /** Execute D8..DF with ModR/M already decoded into cpu.mod/reg/rm. */
  exec(op: number, cpu: FpuHost): void {
    const mod = cpu.mod, reg = cpu.reg, rm = cpu.rm;
    if (mod !== 3) { this.execMem(op, reg); return; }
    switch (op) {
      case 0xd8: {
        const a = this.get(0), b = this.get(rm);
        if (reg === 2 || reg === 3) { this.compare(a, b, false); if (reg === 3) this.pop(); return; }
        this.set(0, this.arith(reg, a, b)); return;
      }
      case 0xd9: this.execD9(reg, rm); return;
      case 0xda:
        if (reg < 4) { if (this.fcmovCond(reg)) this.set(0, this.get(rm)); return; }
        if (reg === 5 && rm === 1) { this.compare(this.get(0), this.get(1), true); this.pop(); this.pop(); return; }
        return cpu.fault(UD);
      case 0xdb:
        if (reg < 4) { if (!this.fcmovCond(reg)) this.set(0, this.get(rm)); return; }
        if (reg === 4) {
          if (rm === 2) { this.sw &= 0x7f00; return; }          // FNCLEX
          if (rm === 3) { this.reset(); return; }                // FNINIT
          if (rm === 0 || rm === 1 || rm === 4) return;          // FNENI, FNDISI, FNSETPM: no-ops on a P6
          return cpu.fault(UD);
        }
        if (reg === 5 || reg === 6) { this.comi(this.get(0), this.get(rm), reg === 5); return; }
        return cpu.fault(UD);
      case 0xdc: {
        if (reg === 2 || reg === 3) { this.compare(this.get(0), this.get(rm), false); if (reg === 3) this.pop(); return; }
        // Destination ST(i); the reversed forms swap as the SDM lists them (DC E0 = FSUBR ST(i), ST).
        const a = this.get(rm), b = this.get(0);
        this.set(rm, this.arith(reg >= 4 ? reg ^ 1 : reg, a, b)); return;
      }
      case 0xdd:
        switch (reg) {
          case 0: this.empty |= 1 << ((this.top + rm) & 7); return;           // FFREE
          case 1: { const a = this.get(0), b = this.get(rm); this.set(0, b); this.set(rm, a); return; } // FXCH alias
          case 2: this.set(rm, this.get(0)); return;                          // FST ST(i)
          case 3: this.set(rm, this.get(0)); this.pop(); return;              // FSTP ST(i)
          case 4: this.compare(this.get(0), this.get(rm), true); return;      // FUCOM
          case 5: this.compare(this.get(0), this.get(rm), true); this.pop(); return;
          default: cpu.fault(UD);
        }
      case 0xde: {
        if (reg === 3) { if (rm !== 1) cpu.fault(UD); this.compare(this.get(0), this.get(1), false); this.pop(); this.pop(); return; }
        if (reg === 2) { this.compare(this.get(0), this.get(rm), false); this.pop(); return; }  // FCOMP alias
        const a = this.get(rm), b = this.get(0);
        this.set(rm, this.arith(reg >= 4 ? reg ^ 1 : reg, a, b)); this.pop(); return;
      }
      default:
        if (reg === 4 && rm === 0) { cpu.r16[0] = this.status(); return; }   // FNSTSW AX
        if (reg === 0) { this.empty |= 1 << ((this.top + rm) & 7); this.pop(); return; } // FFREEP
        if (reg === 1) { const a = this.get(0), b = this.get(rm); this.set(0, b); this.set(rm, a); return; } // FXCH alias
        if (reg === 2 || reg === 3) { this.set(rm, this.get(0)); this.pop(); return; }  // FSTP aliases
        if (reg === 5 || reg === 6) { this.comi(this.get(0), this.get(rm), reg === 5); this.pop(); return; }
        return cpu.fault(UD);
    }
  }

  private fcmovCond(reg: number): boolean {
    const c = this.cpu;
    switch (reg) {
      case 0: return c.getCF() === 1;
      case 1: return c.getZF() === 1;
      case 2: return (c.getCF() | c.getZF()) === 1;
      default: return c.getPF() === 1;
    }
  }

  private execD9(reg: number, rm: number): void {
    const cpu = this.cpu;
    switch (reg) {
      case 0: { const v = this.get(rm); this.push(v); return; }
      case 1: { const a = this.get(0), b = this.get(rm); this.set(0, b); this.set(rm, a); return; }
      case 2: if (rm === 0) return; return cpu.fault(UD);   // FNOP
      case 4:
        switch (rm) {
          case 0: this.set(0, -this.get(0)); return;
          case 1: this.set(0, Math.abs(this.get(0))); return;
          case 4: this.compare(this.get(0), 0, false); return;
          case 5: this.xam(); return;
        }
        return cpu.fault(UD);
      case 5: {
        const k = [1, Math.log2(10), Math.LOG2E, Math.PI, Math.LOG10E === 0 ? 0 : Math.log10(2), Math.LN2, 0];
        if (rm === 7) cpu.fault(UD);
        this.push(k[rm]); return;
      }
      case 6:
        switch (rm) {
          case 0: this.set(0, Math.pow(2, this.get(0)) - 1); return;          // F2XM1
          case 1: { const v = this.get(1) * Math.log2(this.get(0)); this.pop(); this.set(0, v); return; } // FYL2X
          case 2: { this.set(0, Math.tan(this.get(0))); this.sw &= ~C2; this.push(1); return; }          // FPTAN
          case 3: { const v = Math.atan2(this.get(1), this.get(0)); this.pop(); this.set(0, v); return; } // FPATAN
          case 4: {                                                                                   // FXTRACT
            const v = this.get(0);
            if (v === 0) { this.sw |= SW_ZE; this.set(0, -Infinity); this.push(v); return; }
            if (!Number.isFinite(v)) { this.set(0, v !== v ? v : Infinity); this.push(v); return; }
            let e = Math.floor(Math.log2(Math.abs(v)));
            let m = v / Math.pow(2, e);
            if (Math.abs(m) >= 2) { m /= 2; e++; } else if (Math.abs(m) < 1) { m *= 2; e--; }
            this.set(0, e); this.push(m); return;
          }
          case 5: {                                                                                   // FPREM1
            const a = this.get(0), b = this.get(1), q = a / b;
            let n = Math.round(q);
            if (Math.abs(q - Math.trunc(q)) === 0.5 && n % 2 !== 0) n -= Math.sign(q);
            const r = a - n * b;
            this.set(0, r === 0 ? (a < 0 || Object.is(a, -0) ? -0 : 0) : r); this.sw &= ~C2; return;
          }
          case 6: this.top = (this.top - 1) & 7; return;                     // FDECSTP
          case 7: this.top = (this.top + 1) & 7; return;                     // FINCSTP
        }
        return cpu.fault(UD);
      case 7:
        switch (rm) {
          case 0: { const a = this.get(0), b = this.get(1); this.set(0, a % b); this.sw &= ~C2; return; } // FPREM (JS % truncates like FPREM)
          case 1: { const v = this.get(1) * Math.log2(this.get(0) + 1); this.pop(); this.set(0, v); return; } // FYL2XP1
          case 2: this.set(0, this.sqrt(this.get(0))); return;
          case 3: { const t = this.get(0); this.set(0, Math.sin(t)); this.sw &= ~C2; this.push(Math.cos(t)); return; } // FSINCOS
          case 4: this.set(0, this.round(this.get(0))); return;
          case 5: this.set(0, this.get(0) * Math.pow(2, Math.trunc(this.get(1)))); return;
          case 6: this.set(0, Math.sin(this.get(0))); this.sw &= ~C2; return;
          case 7: this.set(0, Math.cos(this.get(0))); this.sw &= ~C2; return;
        }
        return cpu.fault(UD);
      default: cpu.fault(UD);
    }
  }

  private xam(): void {
    this.sw &= ~(C0 | C1 | C2 | C3);
    const p = this.top;
    if (this.empty & (1 << p)) { this.sw |= C3 | C0; return; }
    const v = this.st[p];
    if (v < 0 || Object.is(v, -0)) this.sw |= C1;
    if (v !== v) this.sw |= C0;
    else if (!Number.isFinite(v)) this.sw |= C2 | C0;
    else if (v === 0) this.sw |= C3;
    else this.sw |= C2;   // every nonzero double is a normal number in the 80-bit format
  }

  private execMem(op: number, reg: number): void {
    const cpu = this.cpu;
    switch (op) {
      case 0xd8: case 0xdc: case 0xda: case 0xde: {
        const b = op === 0xd8 ? this.rdF32() : op === 0xdc ? this.rdF64() : this.rdInt(op === 0xda ? 4 : 2);
        const a = this.get(0);
        if (reg === 2 || reg === 3) { this.compare(a, b, false); if (reg === 3) this.pop(); return; }
        this.set(0, this.arith(reg, a, b)); return;
      }
      case 0xd9:
        switch (reg) {
          case 0: this.push(this.rdF32()); return;
          case 2: this.wrF32(this.get(0)); return;
          case 3: this.wrF32(this.get(0)); this.pop(); return;
          case 4: this.fldenv(); return;
          case 5: this.cw = cpu.rd16(cpu.eaLin(2, false)) | 0x40; return;
          case 6: this.fnstenv(); return;
          case 7: cpu.wr16(cpu.eaLin(2, true), this.cw); return;
        }
        return cpu.fault(UD);
      case 0xdb:
        switch (reg) {
          case 0: this.push(this.rdInt(4)); return;
          case 1: this.wrInt(4, this.get(0), true); this.pop(); return;
          case 2: this.wrInt(4, this.get(0)); return;
          case 3: this.wrInt(4, this.get(0)); this.pop(); return;
          case 5: this.push(this.rdF80()); return;
          case 7: this.wrF80(this.get(0)); this.pop(); return;
        }
        return cpu.fault(UD);
      case 0xdd:
        switch (reg) {
          case 0: this.push(this.rdF64()); return;
          case 1: this.wrInt(8, this.get(0), true); this.pop(); return;
          case 2: this.wrF64(this.get(0)); return;
          case 3: this.wrF64(this.get(0)); this.pop(); return;
          case 4: this.frstor(); return;
          case 6: this.fnsave(); return;
          case 7: cpu.wr16(cpu.eaLin(2, true), this.status()); return;
        }
        return cpu.fault(UD);
      default: // 0xdf
        switch (reg) {
          case 0: this.push(this.rdInt(2)); return;
          case 1: this.wrInt(2, this.get(0), true); this.pop(); return;
          case 2: this.wrInt(2, this.get(0)); return;
          case 3: this.wrInt(2, this.get(0)); this.pop(); return;
          case 4: this.push(this.rdBcd()); return;
          case 5: this.push(this.rdInt(8)); return;
          case 6: this.wrBcd(this.get(0)); this.pop(); return;
          case 7: this.wrInt(8, this.get(0)); this.pop(); return;
        }
        return cpu.fault(UD);
    }
  }

  /** FNSAVE: the 28-byte environment, then ST(0)..ST(7) as 80-bit values; then FNINIT. */
  private fnsave(): void {
    const c = this.cpu;
    c.probeWrite(c.eaLin(108, true), 108);
    this.fnstenv();
    for (let i = 0; i < 8; i++) this.wrF80(this.st[(this.top + i) & 7], 28 + i * 10);
    this.reset();
  }

  private frstor(): void {
    const vals: number[] = [];
    for (let i = 0; i < 8; i++) vals.push(this.rdF80(28 + i * 10));
    this.fldenv();
    for (let i = 0; i < 8; i++) this.st[(this.top + i) & 7] = vals[i];
  }

  /** FBLD: 18 packed BCD digits and a sign byte. */
  private rdBcd(): number {
    const c = this.cpu;
    let v = 0;
    for (let i = 8; i >= 0; i--) {
      const b = c.rd8(c.eaLin(1, false, i));
      v = v * 100 + (b >> 4) * 10 + (b & 0xf);
    }
    return c.rd8(c.eaLin(1, false, 9)) & 0x80 ? -v : v;
  }

  /** FBSTP: round to an integer per RC; out of range stores the BCD indefinite. */
  private wrBcd(v: number): void {
    const c = this.cpu;
    c.probeWrite(c.eaLin(10, true), 10);
    const r = v !== v ? NaN : this.round(v);
    if (!(Math.abs(r) < 1e18)) {
      this.sw |= SW_IE;
      for (let i = 0; i < 7; i++) c.wr8(c.eaLin(1, true, i), 0);
      c.wr8(c.eaLin(1, true, 7), 0xc0); c.wr8(c.eaLin(1, true, 8), 0xff); c.wr8(c.eaLin(1, true, 9), 0xff);
      return;
    }
    const neg = r < 0 || Object.is(r, -0);
    let digits = BigInt(Math.abs(r));
    for (let i = 0; i < 9; i++) {
      const lo = Number(digits % 10n); digits /= 10n;
      const hi = Number(digits % 10n); digits /= 10n;
      c.wr8(c.eaLin(1, true, i), (hi << 4) | lo);
    }
    c.wr8(c.eaLin(1, true, 9), neg ? 0x80 : 0);
  }

  /** FNSTENV in the 32-bit protected-mode layout (28 bytes); pointers are reported as zero. */
  private fnstenv(): void {
    const c = this.cpu;
    c.probeWrite(c.eaLin(28, true), 28);
    const vals = [this.cw | 0xffff0000, this.status() | 0xffff0000, this.tagWord() | 0xffff0000, 0, 0, 0, 0];
    for (let i = 0; i < 7; i++) c.wr32(c.eaLin(4, true, i * 4), vals[i]);
    this.cw |= 0x3f;
  }

  private fldenv(): void {
    const c = this.cpu;
    this.cw = c.rd16(c.eaLin(2, false));
    const sw = c.rd16(c.eaLin(2, false, 4));
    const tw = c.rd16(c.eaLin(2, false, 8));
    this.sw = sw & ~0x3800; this.top = (sw >> 11) & 7;
    this.empty = 0;
    for (let i = 0; i < 8; i++) if (((tw >> (2 * i)) & 3) === 3) this.empty |= 1 << i;
  }
}

