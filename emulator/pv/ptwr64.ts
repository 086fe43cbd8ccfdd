// Writable page tables for a 64-bit PV kernel (Xen's ptwr emulation in 64-bit mode): a store
// to an L1 entry through the kernel's read-only mapping of the table faults, and the
// hypervisor validates the new entry as mmu_update would, applies it and steps over the
// instruction. Handled: MOV r/m, r (89) and MOV r/m, imm32 (C7 /0, sign-extended under
// REX.W), XCHG (87) and CMPXCHG (0F B1), 8-byte with REX.W or 4-byte halves, LOCK allowed:
// what a 64-bit kernel's set_pte and ptep_get_and_clear compile to.

import { decodeInfo } from '../isa/decode';
import type { PvDomain } from './domain';
import { T_L1 } from './page-types';
import { fetchInstruction } from './priv-op';

const P = 1, ZF = 0x40;

/** Emulates the faulting store to an L1 page of a 64-bit guest; the instruction's length, or 0 (bounce the #PF). */
export function emulatePtWrite64(d: PvDomain): number {
  const cpu = d.cpu, r = cpu.regs, rh = cpu.regsHi, m = d.mem, t = d.types;
  const pa = d.access.phys(cpu.cr2, false);
  if (pa < 0) return 0;
  const mfn = pa >>> 12;
  if (mfn >= t.totalFrames || t.type[mfn] !== T_L1) return 0;
  const b = fetchInstruction(d);
  const info = decodeInfo(new Uint8Array(b), 64);
  if (!info) return 0;
  let i = 0;
  while (b[i] === 0xf0 || b[i] === 0x2e || b[i] === 0x3e || b[i] === 0x26 || b[i] === 0x36 || b[i] === 0x64 || b[i] === 0x65) i++;
  if (b[i] === 0x66) return 0;
  let rex = 0;
  if ((b[i] & 0xf0) === 0x40) rex = b[i++];
  const wide = (rex & 8) !== 0;
  const op = b[i], op2 = b[i + 1];
  const modrm = op === 0x0f ? b[i + 2] : b[i + 1];
  const reg = ((modrm >>> 3) & 7) | ((rex & 4) << 1);
  const entry = pa & ~7, index = (pa & 0xfff) >>> 3, off = pa & 7;
  if (off !== 0 && (wide || off !== 4)) return 0;
  const curLo = m.i32[entry >>> 2], curHi = m.i32[(entry + 4) >>> 2];
  let lo = curLo, hi = curHi;
  const put = (vLo: number, vHi: number) => { if (wide) { lo = vLo; hi = vHi; } else if (off === 0) lo = vLo; else hi = vLo; };
  const cur = (): [number, number] => (wide ? [curLo, curHi] : [off === 0 ? curLo : curHi, 0]);
  const setReg = (n: number, vLo: number, vHi: number) => { r[n] = vLo; rh[n] = wide ? vHi : 0; };
  let flagsZ = -1;
  if (op === 0x89) put(r[reg], rh[reg]);
  else if (op === 0xc7 && (reg & 7) === 0) {
    const at = info.length - 4;
    const imm = b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
    put(imm, imm < 0 ? -1 : 0);
  } else if (op === 0x87) {
    const [oLo, oHi] = cur();
    put(r[reg], rh[reg]);
    setReg(reg, oLo, oHi);
  } else if (op === 0x0f && op2 === 0xb1) {
    const [oLo, oHi] = cur();
    if (oLo === r[0] && (!wide || oHi === rh[0])) { put(r[reg], rh[reg]); flagsZ = 1; } else { setReg(0, oLo, oHi); flagsZ = 0; }
  } else return 0;
  // Xen's rule for a 4-byte write of the high half while the low half says present: the
  // halves are being written in the wrong order, so the entry stays not-present for now.
  if (!wide && off === 4 && flagsZ < 0 && (lo & P) && hi !== curHi) lo &= ~P;
  if (lo !== curLo || hi !== curHi) {
    if (!t.updateEntry(mfn, index, lo, hi)) return 0;
    cpu.flushTlb();
  }
  if (flagsZ >= 0) { cpu.flags = (cpu.getFlags() & ~ZF) | (flagsZ ? ZF : 0); cpu.ccOp = 0; }
  return info.length;
}
