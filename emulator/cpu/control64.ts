// Near control transfer in 64-bit mode (LONG-MODE.md, "Dispatch"): Jcc, JMP, CALL and RET with
// 64-bit RIP (operand size 64 whatever 66 says, as Intel parts do), LOOP/LOOPcc/JrCXZ on RCX
// (ECX under 67), and group 5 (INC/DEC with REX.W, near CALL/JMP through r/m64, PUSH r/m64).
// A non-canonical target is #GP(0) at the branch. Far transfers, INT and IRET stay with the
// system half (lm-system).

import * as K from './constants';
import type { ExecCpu, Handler, HandlerMap } from './handler';
import * as A64 from './alu64';

// Bindings read once at load (see lazy-flags.ts).
const { GP, UD } = K;
const { dec64, inc64 } = A64;

const jccShort: Handler = (cpu, b) => {
  const d = (cpu.fetch8() << 24) >> 24;
  if (cpu.cond(b & 15)) cpu.jumpRel64(d);
};

/** 0F 80+cc: rel32 (66 does not make it rel16 in 64-bit mode on Intel parts). */
const jccNear: Handler = (cpu, op) => {
  const d = cpu.fetch32();
  if (cpu.cond(op & 15)) cpu.jumpRel64(d);
};

const jmpShort: Handler = (cpu) => { const d = (cpu.fetch8() << 24) >> 24; cpu.jumpRel64(d); };
const jmpRel: Handler = (cpu) => { const d = cpu.fetch32(); cpu.jumpRel64(d); };

/** Push the return RIP (the next instruction's) and go to hi:lo; nothing changes on a fault. */
function call64(cpu: ExecCpu, lo: number, hi: number): void {
  if (((hi << 16) >> 16) !== hi) cpu.fault(GP, 0);
  cpu.push64(cpu.eip, cpu.ripHi);
  cpu.setRip(lo, hi);
}

const callRel: Handler = (cpu) => {
  const d = cpu.fetch32();
  const lo = cpu.ripPlus(d);
  call64(cpu, lo, cpu.opHi);
};

/** C2 RET Iw, C3 RET: the target is checked before RSP moves. */
const retNear: Handler = (cpu, b) => {
  const imm = b === 0xc2 ? cpu.fetch16() : 0;
  const lo = cpu.peek64(0), hi = cpu.rdHi;
  if (((hi << 16) >> 16) !== hi) cpu.fault(GP, 0);
  cpu.spAdd(8 + imm);
  cpu.setRip(lo, hi);
};

/** rCX for LOOP/JrCXZ: RCX, or ECX under 67. Returns whether it is zero. */
function countZero(cpu: ExecCpu): boolean {
  return cpu.regs[1] === 0 && (!cpu.a64 || cpu.regsHi[1] === 0);
}

/** E0 LOOPNE, E1 LOOPE, E2 LOOP, E3 JrCXZ. */
const loop: Handler = (cpu, b) => {
  const d = (cpu.fetch8() << 24) >> 24;
  if (b === 0xe3) { if (countZero(cpu)) cpu.jumpRel64(d); return; }
  const regs = cpu.regs, hi = cpu.regsHi;
  const lo = (regs[1] - 1) | 0;
  const h = cpu.a64 ? (regs[1] === 0 ? (hi[1] - 1) | 0 : hi[1]) : 0;
  const taken = (lo !== 0 || h !== 0) && (b === 0xe2 || (b === 0xe1 ? cpu.getZF() === 1 : cpu.getZF() === 0));
  // The branch may fault (non-canonical target) before the count changes.
  if (taken) cpu.jumpRel64(d);
  regs[1] = lo; hi[1] = h;
};

/** FF: group 5. */
const group5 = (legacy: Handler): Handler => (cpu, b) => {
  // The legacy handler decodes ModR/M itself: choose by the reg field without consuming it.
  const reg = cpu.peekModrmReg();
  if (reg === 3 || reg === 5 || reg === 7) { legacy(cpu, b); return; }
  cpu.modrm();
  if (reg <= 1) {
    const bits = cpu.osize;
    if (bits !== 64) { cpu.incDecE(bits, reg === 1); return; }
    if (cpu.lock && cpu.mod === 3) cpu.fault(UD);
    const al = cpu.getE64(), ah = cpu.opHi;
    if (cpu.mod !== 3) cpu.probeWrite(cpu.eaLin(8, true), 8);
    const lo = reg === 0 ? inc64(cpu, al, ah) : dec64(cpu, al, ah);
    cpu.setE64(lo, cpu.opHi);
    return;
  }
  if (cpu.lock) cpu.fault(UD);
  if (reg === 6) {
    // PUSH r/m: 64 bits, or 16 under 66.
    if (!cpu.o32 && !cpu.o64) { cpu.push16(cpu.getE16()); return; }
    const lo = cpu.getE64(); cpu.push64(lo, cpu.opHi);
    return;
  }
  // CALL/JMP near r/m64 (2, 4).
  const lo = cpu.getE64(), hi = cpu.opHi;
  if (reg === 2) call64(cpu, lo, hi); else cpu.jumpTo64(lo, hi);
};

export function control64(one: HandlerMap): { oneByte64: HandlerMap; twoByte64: HandlerMap } {
  const o: Record<number, Handler> = {
    0xc2: retNear, 0xc3: retNear, 0xe0: loop, 0xe1: loop, 0xe2: loop, 0xe3: loop,
    0xe8: callRel, 0xe9: jmpRel, 0xeb: jmpShort, 0xff: group5(one[0xff]),
  };
  for (let cc = 0; cc < 16; cc++) o[0x70 + cc] = jccShort;
  const t: Record<number, Handler> = {};
  for (let cc = 0; cc < 16; cc++) t[0x80 + cc] = jccNear;
  return { oneByte64: o, twoByte64: t };
}
