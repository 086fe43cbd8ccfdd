// INVPCID (66 0F 38 82 /r, SDM Vol. 2): invalidate translations by PCID. The register operand
// is the type (64-bit in 64-bit mode, 32-bit elsewhere), the memory operand a 16-byte
// descriptor: PCID in bits 11:0 (63:12 reserved), a linear address in bits 127:64. The TLB
// keeps translations by PCID (pcid-tlb.ts): type 0 drops the descriptor's page for its PCID
// (for the current one its global translation too, which the SDM allows), type 1 the PCID's
// non-global translations, type 2 everything, type 3 every PCID's non-global ones. A VT-x hypervisor with "INVLPG
// exiting" and "enable INVPCID" takes it as exit 58, with the displacement as the
// qualification and the operand's registers (0-15) in the instruction information.

import * as K from './constants';
import { ExitReason } from '../isa/exit-reasons';
import { encodeInvpcidInstrInfo } from '../isa/exit-qualification';
import { canonical } from './long-msrs';
import { MemoryAccess } from './memory-access';
import type { ExecCpu } from './handler';

// Bindings read once at load (see memory-access.ts: imported bindings are getters under tsx).
const { CR0_PE, CR4_PCIDE, DS, FLAG_VM, GP, SS, UD } = K;

/** The ModR/M memory operand's parts, read back from the instruction's bytes for the exit. */
interface MemParts { scale: number; index: number; base: number; disp: number; seg: number }

function memParts(cpu: ExecCpu): MemParts {
  const b = new Uint8Array(15);
  const n = cpu.copyInstrBytes(b, 0, 15);
  let i = 0, rex = 0, seg = -1;
  for (; i < n; i++) {
    const x = b[i]!;
    if (x === 0x66 || x === 0x67 || x === 0xf2 || x === 0xf3 || x === 0xf0) continue;
    if (x === 0x26 || x === 0x2e || x === 0x36 || x === 0x3e || x === 0x64 || x === 0x65) { seg = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65].indexOf(x); continue; }
    if (cpu.long64 && x >= 0x40 && x <= 0x4f) { rex = x; continue; }
    break;
  }
  i += 3;                                   // 0F 38 82
  const m = b[i++]!, mod = m >> 6, rm = m & 7;
  let base = -1, index = -1, scale = 0, disp = 0, defSeg = DS;
  if (rm === 4) {
    const sib = b[i++]!;
    scale = sib >> 6;
    const idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
    if (idx !== 4) index = idx;
    if ((sib & 7) === 5 && mod === 0) { disp = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24); i += 4; }
    else { base = (sib & 7) | ((rex & 1) << 3); if (base === 4 || base === 5) defSeg = SS; }
  } else if (rm === 5 && mod === 0) {
    disp = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24); i += 4;
  } else {
    base = rm | ((rex & 1) << 3);
    if (base === 5) defSeg = SS;
  }
  if (mod === 1) disp = (b[i]! << 24) >> 24;
  else if (mod === 2) disp = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
  return { scale, index, base, disp, seg: seg >= 0 ? seg : defSeg };
}

export function invpcid(cpu: ExecCpu): void {
  if (!(cpu.cr0 & CR0_PE) || (cpu.flags & FLAG_VM) || cpu.lock || cpu.rep || cpu.o32 === cpu.cs32) cpu.fault(UD);
  cpu.modrm();
  if (cpu.mod === 3) cpu.fault(UD);
  if (cpu.cpl !== 0) cpu.fault(GP, 0);
  const r = cpu.reg;
  const type = cpu.regs[r] >>> 0, typeHi = cpu.long64 ? cpu.regsHi[r] : 0;
  const at = cpu.eaLin(16, false);
  const pcid = cpu.rd32(at), pcidHi = cpu.rd32(cpu.linAdd(at, 4));
  const linLo = cpu.rd32(cpu.linAdd(at, 8)), linHiWord = cpu.rd32(cpu.linAdd(at, 12));
  const c = cpu.controls;
  if (c?.invlpg) {
    const p = memParts(cpu);
    cpu.vmexit(ExitReason.INVPCID, p.disp >>> 0, 'hypervisor', {
      instrInfo: encodeInvpcidInstrInfo(p.scale, cpu.long64 ? (cpu.a64 ? 64 : 32) : cpu.a32 ? 32 : 16, p.seg, p.index, p.base, r),
      ...(cpu.long64 ? { qualificationHi: (p.disp >> 31) >>> 0 } : {}),
    });
  }
  if (typeHi !== 0 || type > 3) cpu.fault(GP, 0);
  if ((pcid & ~0xfff) || pcidHi) cpu.fault(GP, 0);
  const pcidOn = (cpu.cr4 & CR4_PCIDE) !== 0;
  // Without PCIDE every translation is PCID 0's, the current one.
  const current = pcidOn ? cpu.cr3 & 0xfff : 0;
  switch (type) {
    case 0: {
      if (!canonical(linHiWord) || (!pcidOn && (pcid & 0xfff))) cpu.fault(GP, 0);
      const lin = cpu.lma ? MemoryAccess.linear(linLo, linHiWord) : linLo;
      if (pcid === current) cpu.flushTlbPage(lin, false); else cpu.flushOtherPcid(pcid, lin);
      return;
    }
    case 1:
      if (!pcidOn && (pcid & 0xfff)) cpu.fault(GP, 0);
      if (pcid === current) cpu.flushNonGlobal(); else cpu.flushOtherPcid(pcid);
      return;
    case 2: cpu.flushTlb(); return;
    default: cpu.flushNonGlobalAll();
  }
}
