// Writable page tables (Xen's ptwr emulation, ptwr_emulated_update): a PV kernel may change an
// L1 entry with an ordinary write through its read-only mapping of the table. The write
// faults; the hypervisor works out what the instruction would leave in the 8-byte entry,
// validates that entry exactly as mmu_update would, applies it and steps over the
// instruction. Xen runs its full emulator here; the forms kernels use on page-table entries
// are handled, in the guest's mode (32-bit for an x86_32 kernel, REX and 8-byte operands for
// an x86_64 one): MOV (88, 89, C6, C7), XCHG (86, 87), CMPXCHG (0F B0, 0F B1), CMPXCHG8B
// (0F C7 /1; PAE Linux's set_pte_atomic), the ALU forms ADD/OR/ADC/SBB/AND/SUB/XOR (00-31
// with a register, 80/81/83 with an immediate; Linux clears _PAGE_RW with `lock andb $0xfd`)
// and BTS/BTR/BTC (0F AB/B3/BB, 0F BA /5-7; test_and_clear_bit reads CF), LOCK allowed, with
// the flags they set. Anything else, or a result that does not validate, bounces the #PF.

import { decodeInfo } from '../isa/decode';
import type { PvDomain } from './domain';
import { T_L1 } from './page-types';
import { fetchInstruction } from './priv-op';

const P = 1;
const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
const PREFIXES = new Set([0xf0, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65]);

/** Emulates the faulting write to an L1 page-table page; the instruction's length, or 0 (bounce the #PF). */
export function emulatePtWrite(d: PvDomain): number {
  const cpu = d.cpu, r = cpu.regs, rh = cpu.regsHi, m = d.mem, t = d.types;
  const wide = d.width === 64;
  const pa = d.access.phys(cpu.cr2, false);
  if (pa < 0) return 0;
  const mfn = pa >>> 12;
  if (mfn >= t.totalFrames || t.type[mfn] !== T_L1) return 0;
  const b = fetchInstruction(d);
  const info = decodeInfo(new Uint8Array(b), wide ? 64 : 32);
  if (!info) return 0;
  let i = 0;
  while (PREFIXES.has(b[i])) i++;
  if (b[i] === 0x66) return 0; // 16-bit writes to a PTE are not something a kernel does
  let rex = 0;
  if (wide && (b[i] & 0xf0) === 0x40) rex = b[i++];
  const op = b[i] === 0x0f ? 0x100 | b[i + 1] : b[i];
  const modrm = op > 0xff ? b[i + 2] : b[i + 1];
  const ext = (modrm >>> 3) & 7;
  const reg = ext | ((rex & 4) << 1);
  const cmpxchg8b = op === 0x1c7 && ext === 1;
  if (cmpxchg8b && (rex & 8)) return 0; // CMPXCHG16B: wider than an entry
  const byteOp = op === 0x88 || op === 0xc6 || op === 0x86 || op === 0x1b0 || op === 0x80 || (op < 0x40 && (op & 7) === 0);
  const size = cmpxchg8b ? 8 : byteOp ? 1 : rex & 8 ? 8 : 4;
  const entry = pa - (pa & 7), index = (pa & 0xfff) >>> 3, off = pa & 7;
  if (off + size > 8 || off % size !== 0) return 0;
  const bits = BigInt(size * 8), mask = (1n << bits) - 1n, shift = BigInt(off * 8);
  const curLo = m.i32[entry >>> 2], curHi = m.i32[(entry + 4) >>> 2];
  const cur = (BigInt(curHi >>> 0) << 32n) | BigInt(curLo >>> 0);
  const old = (cur >> shift) & mask;
  // Register operands of the operation's size (AH..BH for 4-7 without REX in byte form).
  const regVal = (n: number): bigint => {
    if (size === 1 && rex === 0 && n >= 4) return BigInt((r[n - 4] >>> 8) & 0xff);
    return ((BigInt(rh[n] >>> 0) << 32n) | BigInt(r[n] >>> 0)) & mask;
  };
  const setReg = (n: number, v: bigint) => {
    if (size === 1) {
      if (rex === 0 && n >= 4) r[n - 4] = (r[n - 4] & ~0xff00) | (Number(v) << 8);
      else r[n] = (r[n] & ~0xff) | Number(v);
    } else {
      r[n] = Number(BigInt.asIntN(32, v));
      // In 64-bit mode a 32-bit result clears the register's high half.
      if (wide) rh[n] = size === 8 ? Number(BigInt.asIntN(32, v >> 32n)) : 0;
    }
  };
  const imm = (n: number): bigint => {
    let v = 0n;
    for (let k = 0; k < n; k++) v |= BigInt(b[info.length - n + k]) << BigInt(8 * k);
    const sign = 1n << BigInt(n * 8 - 1);
    return (v & sign ? v - (sign << 1n) : v) & mask; // sign-extended to the operand size
  };
  let v = old;
  // The flags the instruction sets: which (a mask) and to what.
  let touched = 0, newFlags = 0;
  const alu = (kind: number, src: bigint): void => {
    const cin = BigInt(cpu.getFlags() & CF);
    let res: bigint;
    switch (kind) {
      case 0: res = old + src; break;                 // ADD
      case 1: res = old | src; break;                 // OR
      case 2: res = old + src + cin; break;           // ADC
      case 3: res = old - src - cin; break;           // SBB
      case 4: res = old & src; break;                 // AND
      case 5: case 7: res = old - src; break;         // SUB, CMP
      default: res = old ^ src; break;                // XOR
    }
    const out = res & mask;
    const top = 1n << (bits - 1n);
    let f = (out === 0n ? ZF : 0) | (out & top ? SF : 0) | parity(out);
    if (kind === 0 || kind === 2) f |= (res > mask ? CF : 0) | (((old ^ out) & (src ^ out) & top) ? OF : 0) | (((old ^ src ^ out) & 0x10n) ? AF : 0);
    else if (kind === 3 || kind === 5 || kind === 7) f |= (res < 0n ? CF : 0) | (((old ^ src) & (old ^ out) & top) ? OF : 0) | (((old ^ src ^ out) & 0x10n) ? AF : 0);
    touched = ARITH_FLAGS; newFlags = f;
    if (kind !== 7) v = out;
  };
  if (op === 0x88 || op === 0x89) v = regVal(reg);
  else if ((op === 0xc6 || op === 0xc7) && ext === 0) v = imm(size === 1 ? 1 : 4);
  else if (op === 0x86 || op === 0x87) { v = regVal(reg); setReg(reg, old); }
  else if (op === 0x1b0 || op === 0x1b1) {
    const acc = regVal(0);
    alu(7, acc); // CMPXCHG compares as CMP does
    if (old === acc) v = regVal(reg); else setReg(0, old);
  } else if (cmpxchg8b) {
    // EDX:EAX against the entry: equal, ECX:EBX goes in (ZF set); else the entry comes back in EDX:EAX.
    const edxEax = (BigInt(r[2] >>> 0) << 32n) | BigInt(r[0] >>> 0);
    const ecxEbx = (BigInt(r[1] >>> 0) << 32n) | BigInt(r[3] >>> 0);
    touched = ZF;
    if (old === edxEax) { v = ecxEbx; newFlags = ZF; }
    else { r[0] = curLo; r[2] = curHi; if (wide) { rh[0] = 0; rh[2] = 0; } }
  } else if (op < 0x40 && (op & 6) === 0 && (op >>> 3) !== 7) alu(op >>> 3, regVal(reg));
  else if (op === 0x80 || op === 0x81 || op === 0x83) alu(ext, imm(op === 0x81 ? 4 : 1));
  else if (op === 0x1ab || op === 0x1b3 || op === 0x1bb || (op === 0x1ba && ext >= 5)) {
    const which = op === 0x1ba ? ext - 4 : op === 0x1ab ? 1 : op === 0x1b3 ? 2 : 3; // 1 set, 2 reset, 3 complement
    const bit = (op === 0x1ba ? BigInt(b[info.length - 1]) : regVal(reg)) & (bits - 1n);
    const was = (old >> bit) & 1n;
    v = which === 1 ? old | (1n << bit) : which === 2 ? old & ~(1n << bit) : old ^ (1n << bit);
    touched = CF; newFlags = was ? CF : 0;
  } else return 0;
  const next = (cur & ~(mask << shift)) | ((v & mask) << shift);
  let lo = Number(BigInt.asIntN(32, next));
  const hi = Number(BigInt.asIntN(32, next >> 32n));
  // Xen's rule for a 32-bit guest's 4-byte write (not a CMPXCHG) of the high half while the
  // low half says present: the halves of the PAE entry are being written in the wrong order,
  // so the entry stays not-present until the low half comes (ptwr_emulated_update; a 64-bit
  // guest writes its entries whole).
  const compareExchange = op === 0x1b0 || op === 0x1b1 || cmpxchg8b;
  if (!wide && size === 4 && off === 4 && !compareExchange && (lo & P) && hi !== curHi) lo &= ~P;
  if (lo !== curLo || hi !== curHi) {
    if (!t.updateEntry(mfn, index, lo, hi)) return 0;
    cpu.flushTlb();
  }
  if (touched) { cpu.flags = (cpu.getFlags() & ~touched) | newFlags; cpu.ccOp = 0; }
  return info.length;
}

function parity(v: bigint): number {
  let x = Number(v & 0xffn), n = 0;
  while (x) { n ^= x & 1; x >>>= 1; }
  return n ? 0 : PF;
}
