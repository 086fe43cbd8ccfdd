// Control transfer: Jcc (short and near), JMP/CALL/RET near and far, LOOP/LOOPcc/JCXZ,
// INT n/INT3/INTO/INT1, IRET, BOUND, and group 5 (whose INC/DEC forms are arithmetic).

import * as K from './constants';
import * as OP from './operands';
import type { ExecCpu, Family, Handler } from './handler';
import { control64 } from './control64';
import { intV86, iretV86 } from './v86';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { BP, BR, CS, DB, FLAG_IF, GP, OF, UD } = K;
const { RUN_TRIPLE } = OP;

const jccShort: Handler = (cpu, b) => {
  const d = (cpu.fetch8() << 24) >> 24;
  if (cpu.cond(b & 15)) cpu.jumpRel(d);
};

const jccNear: Handler = (cpu, op) => {
  const d = cpu.o32 ? cpu.fetch32() : (cpu.fetch16() << 16) >> 16;
  if (cpu.cond(op & 15)) cpu.jumpRel(d);
};

/** E0 LOOPNE, E1 LOOPE, E2 LOOP, E3 JCXZ/JECXZ. */
const loop: Handler = (cpu, b) => {
  const d = (cpu.fetch8() << 24) >> 24;
  const regs = cpu.regs;
  if (b === 0xe3) {
    if ((cpu.a32 ? regs[1] >>> 0 : cpu.r16[2]) === 0) cpu.jumpRel(d);
    return;
  }
  const c = cpu.a32 ? (regs[1] - 1) | 0 : (cpu.r16[2] - 1) & 0xffff;
  const taken = c !== 0 && (b === 0xe2 || (b === 0xe1 ? cpu.getZF() === 1 : cpu.getZF() === 0));
  if (taken) cpu.jumpRel(d);
  if (cpu.a32) regs[1] = c; else cpu.r16[2] = c;
};

const callRel: Handler = (cpu) => {
  const d = cpu.o32 ? cpu.fetch32() : (cpu.fetch16() << 16) >> 16;
  const t = cpu.o32 ? (cpu.eip + d) | 0 : (cpu.eip + d) & 0xffff;
  if ((t >>> 0) > cpu.segLimit[CS]) cpu.fault(GP, 0);
  cpu.pushV(cpu.eip); cpu.eip = t;
};

const jmpRel: Handler = (cpu) => { const d = cpu.o32 ? cpu.fetch32() : (cpu.fetch16() << 16) >> 16; cpu.jumpRel(d); };
const jmpShort: Handler = (cpu) => { const d = (cpu.fetch8() << 24) >> 24; cpu.jumpRel(d); };

/** 9A CALL ptr16:16/32, EA JMP ptr16:16/32. */
const farDirect: Handler = (cpu, b) => {
  const off = cpu.o32 ? cpu.fetch32() : cpu.fetch16();
  const sel = cpu.fetch16();
  cpu.farTransfer(sel, off, b === 0x9a, cpu.o32, cpu.eip);
};

/** C2 RET Iw, C3 RET. */
const retNear: Handler = (cpu, b) => {
  const imm = b === 0xc2 ? cpu.fetch16() : 0;
  const t = cpu.o32 ? cpu.peek32(0) : cpu.peek16(0);
  if ((t >>> 0) > cpu.segLimit[CS]) cpu.fault(GP, 0);
  cpu.spAdd((cpu.o32 ? 4 : 2) + imm);
  cpu.eip = t;
};

const retFar: Handler = (cpu, b) => cpu.farReturn(cpu.o32, b === 0xca ? cpu.fetch16() : 0, cpu.o64);

/** INT n / INT3 / INTO / INT1: trap with the return address after the instruction. */
function softInt(cpu: ExecCpu, vector: number, icebp = false): void {
  // Faults while delivering are reported against this instruction, as on hardware.
  if (!cpu.raise(vector, -1, icebp ? 'exception' : 'software', cpu.eip)) cpu.stopCode = RUN_TRIPLE;
  cpu.attn = true;
}

const int3: Handler = (cpu) => { cpu.softException = true; softInt(cpu, BP); };
/** INT n; in V86 mode IOPL-sensitive, or redirected to the 8086 program's IVT under VME. */
const intN: Handler = (cpu) => {
  const vector = cpu.fetch8();
  if (cpu.v86 && intV86(cpu, vector)) return;
  softInt(cpu, vector);
};
const into: Handler = (cpu) => { if (cpu.getOF()) { cpu.softException = true; softInt(cpu, OF); } };
const int1: Handler = (cpu) => softInt(cpu, DB, true);

const iret: Handler = (cpu) => {
  const oldIf = cpu.flags & FLAG_IF;
  // IRET ends NMI blocking, even one that then faults; a waiting NMI is looked at next.
  if (cpu.nmiBlocked) { cpu.nmiBlocked = false; cpu.irqPoll = true; cpu.attn = true; }
  if (cpu.v86) iretV86(cpu); else cpu.iret(cpu.o32, cpu.o64);
  if ((cpu.flags & FLAG_IF) !== oldIf) cpu.irqPoll = true;
  cpu.attn = true;
};

const bound: Handler = (cpu) => {
  cpu.modrm(); cpu.needMem();
  const bits = cpu.vbits;
  const idx = bits === 32 ? cpu.regs[cpu.reg] : (cpu.r16[cpu.reg << 1] << 16) >> 16;
  const lo = bits === 32 ? cpu.rd32(cpu.eaLin(4, false)) : (cpu.rd16(cpu.eaLin(2, false)) << 16) >> 16;
  const hi = bits === 32 ? cpu.rd32(cpu.eaLin(4, false, 4)) : (cpu.rd16(cpu.eaLin(2, false, 2)) << 16) >> 16;
  if (idx < lo || idx > hi) cpu.fault(BR);
};

/** Group 5: INC/DEC Ev, CALL/JMP near and far indirect, PUSH Ev. */
const group5: Handler = (cpu) => {
  cpu.modrm();
  const bits = cpu.vbits;
  const reg = cpu.reg;
  if (reg <= 1) { cpu.incDecE(bits, reg === 1); return; }
  if (cpu.lock) cpu.fault(UD);
  switch (reg) {
    case 2: {
      const t = cpu.getE(bits);
      if ((t >>> 0) > cpu.segLimit[CS]) cpu.fault(GP, 0);
      cpu.pushV(cpu.eip); cpu.eip = t; return;
    }
    case 3: case 5: {
      // m16:16, m16:32, or m16:64 with REX.W in 64-bit mode.
      cpu.needMem();
      const o64 = cpu.o64 && cpu.long64;
      const size = o64 ? 8 : cpu.o32 ? 4 : 2;
      const off = size === 2 ? cpu.rd16(cpu.eaLin(2, false)) : cpu.rd32(cpu.eaLin(4, false));
      const offHi = o64 ? cpu.rd32(cpu.eaLin(4, false, 4)) : 0;
      const sel = cpu.rd16(cpu.eaLin(2, false, size));
      cpu.farTransfer(sel, off, reg === 3, cpu.o32, cpu.eip, o64, offHi); return;
    }
    case 4: cpu.jumpAbs(cpu.getE(bits)); return;
    case 6: cpu.pushV(cpu.getE(bits)); return;
    default: cpu.fault(UD);
  }
};

const oneByte: Record<number, Handler> = {
  0x62: bound, 0x9a: farDirect, 0xea: farDirect, 0xc2: retNear, 0xc3: retNear, 0xca: retFar, 0xcb: retFar,
  0xcc: int3, 0xcd: intN, 0xce: into, 0xcf: iret, 0xf1: int1,
  0xe0: loop, 0xe1: loop, 0xe2: loop, 0xe3: loop, 0xe8: callRel, 0xe9: jmpRel, 0xeb: jmpShort, 0xff: group5,
};
for (let cc = 0; cc < 16; cc++) oneByte[0x70 + cc] = jccShort;
const twoByte: Record<number, Handler> = {};
for (let cc = 0; cc < 16; cc++) twoByte[0x80 + cc] = jccNear;

export const CONTROL: Family = { name: 'control', oneByte, twoByte, ...control64(oneByte) };
