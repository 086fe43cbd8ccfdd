// Data movement in 64-bit mode (LONG-MODE.md, "Dispatch"): MOV with REX.W and REX.B (MOV r64,
// imm64, moffs64), MOVSXD, LEA, XCHG with R8-R15, CBW/CWDE/CDQE and CWD/CDQ/CQO, CMOVcc,
// MOVZX/MOVSX into 64-bit registers, XLAT with RBX, LSS/LFS/LGS with a 64-bit offset. The
// 32-bit forms run the legacy handlers (data-move.ts) and zero-extend what they wrote.

import * as K from './constants';
import type { Handler, HandlerMap } from './handler';
import * as SO from './system-ops';
import * as W from './arith64';

// Bindings read once at load (see lazy-flags.ts).
const { DS, FS, GS, SS, UD } = K;
const { SYSTEM_OPS } = SO;
const { widen, zeroA, zeroE, zeroG } = W;

/** 8B: MOV Gv, Ev. */
const movGvEv = (legacy: Handler): Handler => widen(legacy, zeroG, (cpu) => {
  cpu.modrm();
  const lo = cpu.getE64();
  cpu.setG64(lo, cpu.opHi);
});

/** 89: MOV Ev, Gv (the legacy path's setE32 zero-extends already). */
const movEvGv = (legacy: Handler): Handler => widen(legacy, null, (cpu) => {
  cpu.modrm();
  cpu.setE64(cpu.regs[cpu.reg], cpu.regsHi[cpu.reg]);
});

/** 8C: MOV Ev, Sreg: a register gets the selector zero-extended to the operand size. */
const movEvSreg = (legacy: Handler): Handler => widen(legacy, zeroE, (cpu) => {
  cpu.modrm();
  if (cpu.reg > 5) cpu.fault(UD);
  const v = cpu.segSel[cpu.reg];
  if (cpu.mod === 3) cpu.setR64(cpu.rm, v, 0); else cpu.setE16(v);
});

/** 8D: LEA Gv, M: the 64-bit effective address (its low half under o32, zero-extended). */
const lea = (legacy: Handler): Handler => widen(legacy, null, (cpu) => {
  cpu.modrm();
  cpu.needMem();
  cpu.setG64(cpu.eaOff, cpu.eaOffHi);
});

/** 63: MOVSXD Gv, Ed (64-bit mode only): sign-extends under REX.W, a plain MOV otherwise. */
const movsxd: Handler = (cpu) => {
  cpu.modrm();
  if (cpu.o64) { const v = cpu.getE32(); cpu.setG64(v, v >> 31); return; }
  const bits = cpu.vbits;
  cpu.setG(bits, cpu.getE(bits));
};

/** 87: XCHG Ev, Gv (the legacy path writes through setE/setG, which zero-extend). */
const xchgEG = (legacy: Handler): Handler => widen(legacy, null, (cpu) => {
  cpu.modrm();
  if (cpu.lock && cpu.mod === 3) cpu.fault(UD);
  const al = cpu.getE64(), ah = cpu.opHi;
  const gl = cpu.regs[cpu.reg], gh = cpu.regsHi[cpu.reg];
  cpu.setE64(gl, gh);
  cpu.setG64(al, ah);
});

/** 90-97: XCHG rAX, r (REX.B reaches R8-R15); 90 without REX.B is NOP/PAUSE. */
const nopPause = SYSTEM_OPS.oneByte[0x90];
const xchgAx: Handler = (cpu, b) => {
  const r = (b & 7) | cpu.rexB;
  if (r === 0) { nopPause(cpu, b); return; }
  const bits = cpu.osize;
  const al = cpu.getRv(bits, 0), ah = cpu.opHi;
  const rl = cpu.getRv(bits, r), rh = cpu.opHi;
  cpu.setRv(bits, 0, rl, rh);
  cpu.setRv(bits, r, al, ah);
};

/** 98: CBW/CWDE/CDQE. */
const cbw = (legacy: Handler): Handler => widen(legacy, zeroA, (cpu) => {
  const v = cpu.regs[0];
  cpu.regsHi[0] = v >> 31;
});

/** 99: CWD/CDQ/CQO. */
const cwd = (legacy: Handler): Handler => widen(legacy, (cpu) => { cpu.regsHi[2] = 0; }, (cpu) => {
  const s = cpu.regsHi[0] >> 31;
  cpu.setR64(2, s, s);
});

/** A0-A3: MOV AL/rAX <-> moffs: an 8-byte absolute address (4 under 67, zero-extended). */
const movMoffs: Handler = (cpu, b) => {
  let lo: number, hi: number;
  if (cpu.a64) { lo = cpu.fetch32(); hi = cpu.fetch32(); } else { lo = cpu.fetch32(); hi = 0; }
  const seg = cpu.segOvr >= 0 ? cpu.segOvr : DS;
  const bits = b & 1 ? cpu.osize : 8;
  const lin = cpu.lin64(seg, lo, hi, bits >> 3, b >= 0xa2);
  if (b < 0xa2) {
    if (bits === 64) { const v = cpu.rd64(lin); cpu.setR64(0, v, cpu.rdHi); } else cpu.setR(bits, 0, cpu.readMem(bits, lin));
  } else if (bits === 64) cpu.wr64(lin, cpu.regs[0], cpu.regsHi[0]);
  else cpu.writeMem(bits, lin, cpu.getR(bits, 0));
};

/** B0-B7: MOV r8, imm8 (REX.B reaches R8B-R15B; any REX makes 4-7 SPL..DIL). */
const movRegIb: Handler = (cpu, b) => { cpu.r8[cpu.r8i[(b & 7) | cpu.rexB]] = cpu.fetch8(); };

/** B8-BF: MOV r, imm16/32, and imm64 under REX.W. */
const movRegIv: Handler = (cpu, b) => {
  const r = (b & 7) | cpu.rexB;
  if (cpu.o64) { const lo = cpu.fetch32(); cpu.setR64(r, lo, cpu.fetch32()); return; }
  if (cpu.o32) cpu.setR(32, r, cpu.fetch32()); else cpu.setR(16, r, cpu.fetch16());
};

/** C7 /0: MOV Ev, Iz: the immediate sign-extended under REX.W. */
const movEImm = (legacy: Handler): Handler => widen(legacy, null, (cpu) => {
  cpu.modrm();
  if (cpu.reg !== 0) cpu.fault(UD);
  const i = cpu.fetch32();
  cpu.setE64(i, i >> 31);
});

/** D7: XLAT: AL = [rBX + AL], with 64-bit addressing (32-bit under 67). */
const xlat: Handler = (cpu) => {
  const seg = cpu.segOvr >= 0 ? cpu.segOvr : DS;
  const bl = cpu.regs[3], al = cpu.r8[0];
  const s = (bl >>> 0) + al;
  const lo = s | 0;
  const hi = cpu.a64 ? (cpu.regsHi[3] + (s >= 4294967296 ? 1 : 0)) | 0 : 0;
  cpu.r8[0] = cpu.rd8(cpu.lin64(seg, lo, hi, 1, false));
};

/** 0F 40+cc: CMOVcc: a 32-bit destination is zero-extended whether or not the move happens. */
const cmov = (legacy: Handler): Handler => widen(legacy, zeroG, (cpu, op) => {
  cpu.modrm();
  const lo = cpu.getE64(), hi = cpu.opHi;
  if (cpu.cond(op & 15)) cpu.setG64(lo, hi);
});

/** 0F B6/B7/BE/BF: MOVZX/MOVSX into a 64-bit register. */
const movx = (legacy: Handler): Handler => widen(legacy, null, (cpu, op) => {
  cpu.modrm();
  let v: number;
  if (op === 0xb6) v = cpu.getE8();
  else if (op === 0xb7) v = cpu.getE16();
  else if (op === 0xbe) v = (cpu.getE8() << 24) >> 24;
  else v = (cpu.getE16() << 16) >> 16;
  cpu.setG64(v, op >= 0xbe ? v >> 31 : 0);
});

/** 0F B2/B4/B5: LSS/LFS/LGS with REX.W: an 8-byte offset, then the selector. */
const loadFar = (legacy: Handler, seg: number): Handler => widen(legacy, null, (cpu) => {
  cpu.modrm();
  cpu.needMem();
  const lo = cpu.rd64(cpu.eaLin(8, false)), hi = cpu.rdHi;
  const sel = cpu.rd16(cpu.eaLin(2, false, 8));
  cpu.loadSeg(seg, sel);
  if (seg === SS) cpu.holdInterrupts();
  cpu.setG64(lo, hi);
});

export function dataMove64(one: HandlerMap, two: HandlerMap): { oneByte64: HandlerMap; twoByte64: HandlerMap } {
  const o: Record<number, Handler> = {
    0x63: movsxd, 0x87: xchgEG(one[0x87]), 0x89: movEvGv(one[0x89]), 0x8b: movGvEv(one[0x8b]),
    0x8c: movEvSreg(one[0x8c]), 0x8d: lea(one[0x8d]), 0x90: xchgAx, 0x98: cbw(one[0x98]), 0x99: cwd(one[0x99]),
    0xa0: movMoffs, 0xa1: movMoffs, 0xa2: movMoffs, 0xa3: movMoffs, 0xc7: movEImm(one[0xc7]), 0xd7: xlat,
  };
  for (let i = 0; i < 8; i++) { o[0xb0 + i] = movRegIb; o[0xb8 + i] = movRegIv; }
  for (let i = 1; i < 8; i++) o[0x90 + i] = xchgAx;
  const t: Record<number, Handler> = {
    0xb2: loadFar(two[0xb2], SS), 0xb4: loadFar(two[0xb4], FS), 0xb5: loadFar(two[0xb5], GS),
    0xb6: movx(two[0xb6]), 0xb7: movx(two[0xb7]), 0xbe: movx(two[0xbe]), 0xbf: movx(two[0xbf]),
  };
  for (let cc = 0; cc < 16; cc++) t[0x40 + cc] = cmov(two[0x40 + cc]);
  return { oneByte64: o, twoByte64: t };
}
