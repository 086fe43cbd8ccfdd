// Writable page tables (Xen's ptwr emulation): a guest kernel may write an L1 entry with an
// ordinary store through its read-only mapping of the page table. The write faults, and the
// hypervisor decodes the store, validates the resulting entry exactly as mmu_update would,
// applies it and steps over the instruction. Linux relies on this for set_pte(). Handled
// stores: MOV r/m32,r32 (89), MOV r/m32,imm32 (C7 /0), XCHG (87), CMPXCHG (0F B1) and
// CMPXCHG8B (0F C7 /1), the forms kernels use on page-table entries.

import { decodeInfo } from '../isa/decode';
import type { PvDomain } from './domain';
import { T_L1 } from './page-types';
import { fetchInstruction } from './priv-op';

const P = 1, ZF = 0x40;

/** Emulates the faulting store to an L1 page-table page; false if it is not one (bounce the #PF). */
export function emulatePtWrite(d: PvDomain): number {
  const cpu = d.cpu, r = cpu.regs, m = d.mem, t = d.types;
  const pa = d.access.phys(cpu.cr2, false);
  if (pa < 0) return 0;
  const mfn = pa >>> 12;
  if (mfn >= t.totalFrames || t.type[mfn] !== T_L1) return 0;
  const b = fetchInstruction(d);
  const info = decodeInfo(new Uint8Array(b), 32);
  if (!info) return 0;
  let i = 0;
  while (b[i] === 0xf0 || b[i] === 0x2e || b[i] === 0x3e || b[i] === 0x26 || b[i] === 0x36 || b[i] === 0x64 || b[i] === 0x65) i++;
  if (b[i] === 0x66) return 0; // 16-bit stores to a PTE are not something a kernel does
  const op = b[i], op2 = b[i + 1];
  const reg = ((op === 0x0f ? b[i + 2] : b[i + 1]) >>> 3) & 7;
  const entry = pa & ~7, index = (pa & 0xfff) >>> 3, off = pa & 7;
  const curLo = m.i32[entry >>> 2], curHi = m.i32[(entry + 4) >>> 2];
  let lo = curLo, hi = curHi;
  const put4 = (v: number) => { if (off === 0) lo = v; else hi = v; };
  if (off !== 0 && off !== 4) return 0;
  let flagsZ = -1;
  if (op === 0x89) put4(r[reg]);
  else if (op === 0xc7 && reg === 0) put4(b[info.length - 4] | (b[info.length - 3] << 8) | (b[info.length - 2] << 16) | (b[info.length - 1] << 24));
  else if (op === 0x87) { const old = off === 0 ? curLo : curHi; put4(r[reg]); r[reg] = old; }
  else if (op === 0x0f && op2 === 0xb1) {
    const cur = off === 0 ? curLo : curHi;
    if (cur === r[0]) { put4(r[reg]); flagsZ = 1; } else { r[0] = cur; flagsZ = 0; }
  } else if (op === 0x0f && op2 === 0xc7 && reg === 1) {
    if (off !== 0) return 0;
    if (curLo === r[0] && curHi === r[2]) { lo = r[3]; hi = r[1]; flagsZ = 1; } else { r[0] = curLo; r[2] = curHi; flagsZ = 0; }
  } else return 0;
  // Xen's rule for a 4-byte write of the high half while the low half says present: the
  // halves are being written in the wrong order, so the entry is made not-present for now.
  if (off === 4 && flagsZ < 0 && (lo & P) && hi !== curHi) lo &= ~P;
  if (lo !== curLo || hi !== curHi) {
    if (!t.updateEntry(mfn, index, lo, hi)) return 0;
    cpu.flushTlb();
  }
  if (flagsZ >= 0) { cpu.flags = (cpu.getFlags() & ~ZF) | (flagsZ ? ZF : 0); cpu.ccOp = 0; }
  return info.length;
}
