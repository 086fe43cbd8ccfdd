// Stack: PUSH/POP of registers, immediates, memory and segment registers, PUSHA/POPA,
// ENTER/LEAVE. (PUSHF/POPF are in flags-control.ts, CALL/RET in control.ts.)

import * as K from './constants';
import type { ExecCpu, Family, Handler } from './handler';
import { STACK64_ONE, STACK64_TWO } from './stack64';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { FS, GS, SS, UD } = K;

/** 06 0E 16 1E: PUSH ES/CS/SS/DS. */
const pushSreg: Handler = (cpu, b) => cpu.pushV(cpu.segSel[b >> 3]);

/**
 * 07 17 1F: POP ES/SS/DS (a load of SS holds interrupts for one instruction). The stack
 * pointer moves by the width of the stack the value came from: POP SS that changes the B bit
 * still increments SP (not ESP) when the old stack was 16-bit, as hardware does.
 */
const popSreg: Handler = (cpu, b) => {
  const s = b >> 3; const n = cpu.o32 ? 4 : 2;
  const v = n === 4 ? cpu.peek32(0) : cpu.peek16(0);
  const big = cpu.ss32, esp = cpu.regs[4];
  cpu.loadSeg(s, v & 0xffff);
  cpu.regs[4] = big ? (esp + n) | 0 : (esp & ~0xffff) | ((esp + n) & 0xffff);
  if (s === SS) cpu.holdInterrupts();
};

const pushReg: Handler = (cpu, b) => { if (cpu.o32) cpu.push32(cpu.regs[b & 7]); else cpu.push16(cpu.r16[(b & 7) << 1]); };
const popReg: Handler = (cpu, b) => {
  if (cpu.o32) { const v = cpu.peek32(0); cpu.spAdd(4); cpu.regs[b & 7] = v; }
  else { const v = cpu.peek16(0); cpu.spAdd(2); cpu.r16[(b & 7) << 1] = v; }
};

const pusha: Handler = (cpu) => {
  const regs = cpu.regs;
  const n = cpu.o32 ? 4 : 2;
  const sp0 = cpu.ss32 ? regs[4] : regs[4] & 0xffff;
  const lowest = cpu.ss32 ? (sp0 - 8 * n) | 0 : (sp0 - 8 * n) & 0xffff;
  cpu.probeWrite(cpu.lin(SS, lowest, 8 * n, true), 8 * n);
  // The stores change no register (ESP is written last), so regs holds the values to push.
  let sp = sp0;
  for (let i = 0; i < 8; i++) {
    sp = cpu.ss32 ? (sp - n) | 0 : (sp - n) & 0xffff;
    const lin = cpu.lin(SS, sp, n, true);
    if (n === 4) cpu.wr32(lin, regs[i]); else cpu.wr16(lin, regs[i]);
  }
  if (cpu.ss32) regs[4] = sp; else cpu.r16[8] = sp;
};

/** POPA reads all eight values before writing any register (precise faults), without allocating. */
const popaVals = new Int32Array(8);

const popa: Handler = (cpu) => {
  const n = cpu.o32 ? 4 : 2;
  const vals = popaVals;
  for (let i = 0; i < 8; i++) vals[7 - i] = n === 4 ? cpu.peek32(i * 4) : cpu.peek16(i * 2);
  cpu.spAdd(8 * n);
  for (let i = 0; i < 8; i++) if (i !== 4) cpu.setR(n * 8, i, vals[i]);
};

const pushIz: Handler = (cpu) => cpu.pushV(cpu.imm(cpu.vbits));
const pushIb: Handler = (cpu) => cpu.pushV((cpu.fetch8() << 24) >> 24);

/** 8F /0: POP Ev. ESP is incremented before the address is used. */
const popEv: Handler = (cpu) => {
  const regs = cpu.regs;
  const v = cpu.o32 ? cpu.peek32(0) : cpu.peek16(0);
  const sp = regs[4];
  cpu.spAdd(cpu.o32 ? 4 : 2);
  try {
    cpu.modrm(); if (cpu.reg !== 0) cpu.fault(UD);
    cpu.setE(cpu.vbits, v);
  } catch (e) { regs[4] = sp; throw e; }
};

/**
 * ENTER (SDM pseudo-code): the frame pointer is operand-size wide and the stack pointer is
 * stack-size wide, independently. `o32 enter` on a 16-bit stack pushes 4 bytes at SS:SP and
 * loads all of EBP from ESP (its upper half as it was, SP already decremented); `o16 enter` on a
 * 32-bit stack loads only BP. Before anything changes, a write at the final stack pointer is
 * checked (the SDM's "#PF ... if a write using the final value of the stack pointer would cause
 * a page fault"; the width checked is the operand size, as Bochs does).
 */
function enterFrame(cpu: ExecCpu): void {
  const size = cpu.fetch16();
  const level = cpu.fetch8() & 31;
  const regs = cpu.regs;
  const n = cpu.o32 ? 4 : 2;
  const big = cpu.ss32;
  const wrap = (v: number): number => big ? v | 0 : v & 0xffff;
  let sp = big ? regs[4] : regs[4] & 0xffff;
  let bp = big ? regs[5] : regs[5] & 0xffff;
  const put = (v: number): void => { sp = wrap(sp - n); const lin = cpu.lin(SS, sp, n, true); if (n === 4) cpu.wr32(lin, v); else cpu.wr16(lin, v); };
  put(cpu.o32 ? regs[5] : cpu.r16[10]);
  const frame = sp;
  // FrameTemp is ESP after the first push: on a 16-bit stack only SP moved.
  const frameFull = big ? frame : (regs[4] & ~0xffff) | frame;
  if (level > 0) {
    for (let i = 1; i < level; i++) {
      bp = wrap(bp - n);
      const v = n === 4 ? cpu.rd32(cpu.lin(SS, bp, 4, false)) : cpu.rd16(cpu.lin(SS, bp, 2, false));
      put(v);
    }
    put(frameFull);
  }
  const newSp = wrap(sp - size);
  cpu.probeWrite(cpu.lin(SS, newSp, n, true), n);
  if (cpu.o32) regs[5] = frameFull; else cpu.r16[10] = frame;
  if (big) regs[4] = newSp; else cpu.r16[8] = newSp;
}

const enter: Handler = (cpu) => enterFrame(cpu);

const leave: Handler = (cpu) => {
  const regs = cpu.regs;
  const sp = cpu.ss32 ? regs[5] : regs[5] & 0xffff;
  const v = cpu.o32 ? cpu.rd32(cpu.lin(SS, sp, 4, false)) : cpu.rd16(cpu.lin(SS, sp, 2, false));
  if (cpu.ss32) regs[4] = (sp + (cpu.o32 ? 4 : 2)) | 0; else cpu.r16[8] = sp + (cpu.o32 ? 4 : 2);
  if (cpu.o32) regs[5] = v; else cpu.r16[10] = v;
};

/** 0F A0/A8: PUSH FS/GS; 0F A1/A9: POP FS/GS. */
const pushFsGs: Handler = (cpu, op) => cpu.pushV(cpu.segSel[op === 0xa0 ? FS : GS]);
const popFsGs: Handler = (cpu, op) => {
  const s = op === 0xa1 ? FS : GS;
  const v = cpu.o32 ? cpu.peek32(0) : cpu.peek16(0);
  cpu.loadSeg(s, v & 0xffff); cpu.spAdd(cpu.o32 ? 4 : 2);
};

const oneByte: Record<number, Handler> = {
  0x06: pushSreg, 0x0e: pushSreg, 0x16: pushSreg, 0x1e: pushSreg, 0x07: popSreg, 0x17: popSreg, 0x1f: popSreg,
  0x60: pusha, 0x61: popa, 0x68: pushIz, 0x6a: pushIb, 0x8f: popEv, 0xc8: enter, 0xc9: leave,
};
for (let i = 0; i < 8; i++) { oneByte[0x50 + i] = pushReg; oneByte[0x58 + i] = popReg; }

export const STACK: Family = {
  name: 'stack', oneByte,
  twoByte: { 0xa0: pushFsGs, 0xa8: pushFsGs, 0xa1: popFsGs, 0xa9: popFsGs },
  oneByte64: STACK64_ONE, twoByte64: STACK64_TWO,
};
