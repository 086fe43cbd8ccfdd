// Data movement: MOV in all its forms (registers, memory, immediates, moffs, segment
// registers), XCHG, LEA, CBW/CWDE and CWD/CDQ, XLAT, CMOVcc, MOVZX/MOVSX, and the far
// pointer loads LDS/LES/LSS/LFS/LGS.

import * as K from './constants';
import type { Family, Handler } from './handler';
import { dataMove64 } from './data-move64';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { CS, DS, ES, FS, GS, SS, UD } = K;


const xchgEG: Handler = (cpu, b) => {
  cpu.modrm(); const bits = b === 0x86 ? 8 : cpu.vbits;
  if (cpu.lock && cpu.mod === 3) cpu.fault(UD);
  const a = cpu.getE(bits), g = cpu.getG(bits);
  cpu.setE(bits, g); cpu.setG(bits, a);
};

const movEbGb: Handler = (cpu) => { cpu.modrm(); cpu.setE8(cpu.r8[cpu.r8i[cpu.reg]]); };
const movEvGv: Handler = (cpu) => { cpu.modrm(); if (cpu.o32) cpu.setE32(cpu.regs[cpu.reg]); else cpu.setE16(cpu.r16[cpu.reg << 1]); };
const movGbEb: Handler = (cpu) => { cpu.modrm(); cpu.r8[cpu.r8i[cpu.reg]] = cpu.getE8(); };
const movGvEv: Handler = (cpu) => { cpu.modrm(); if (cpu.o32) cpu.regs[cpu.reg] = cpu.getE32(); else cpu.r16[cpu.reg << 1] = cpu.getE16(); };

/** 8C: MOV Ev, Sreg (a 32-bit register destination gets the selector zero-extended). */
const movEvSreg: Handler = (cpu) => {
  cpu.modrm(); if (cpu.reg > 5) cpu.fault(UD);
  const v = cpu.segSel[cpu.reg];
  if (cpu.mod === 3 && cpu.o32) cpu.regs[cpu.rm] = v; else cpu.setE16(v);
};

const lea: Handler = (cpu) => { cpu.modrm(); cpu.needMem(); cpu.setG(cpu.vbits, cpu.eaOff); };

/** 8E: MOV Sreg, Ew (not CS). */
const movSregEw: Handler = (cpu) => {
  cpu.modrm(); if (cpu.reg > 5 || cpu.reg === CS) cpu.fault(UD);
  cpu.loadSeg(cpu.reg, cpu.getE16());
  if (cpu.reg === SS) cpu.holdInterrupts();
};

/** 91-97: XCHG eAX, reg. */
const xchgAx: Handler = (cpu, b) => {
  const bits = cpu.vbits; const t = cpu.getR(bits, 0);
  cpu.setR(bits, 0, cpu.getR(bits, b & 7)); cpu.setR(bits, b & 7, t);
};

const cbw: Handler = (cpu) => { if (cpu.o32) cpu.regs[0] = (cpu.r16[0] << 16) >> 16; else cpu.r16[0] = (cpu.r8[0] << 24) >> 24; };
const cwd: Handler = (cpu) => { if (cpu.o32) cpu.regs[2] = cpu.regs[0] >> 31; else cpu.r16[4] = (cpu.r16[0] & 0x8000) ? 0xffff : 0; };

/** A0-A3: MOV AL/eAX <-> moffs. */
const movMoffs: Handler = (cpu, b) => {
  const off = cpu.a32 ? cpu.fetch32() : cpu.fetch16();
  const seg = cpu.segOvr >= 0 ? cpu.segOvr : DS;
  const bits = b & 1 ? cpu.vbits : 8;
  const lin = cpu.lin(seg, off, bits >> 3, b >= 0xa2);
  if (b < 0xa2) cpu.setR(bits, 0, cpu.readMem(bits, lin)); else cpu.writeMem(bits, lin, cpu.getR(bits, 0));
};

const movRegIb: Handler = (cpu, b) => { cpu.r8[cpu.r8i[b & 7]] = cpu.fetch8(); };
const movRegIv: Handler = (cpu, b) => { if (cpu.o32) cpu.regs[b & 7] = cpu.fetch32(); else cpu.r16[(b & 7) << 1] = cpu.fetch16(); };

/** C6/C7 /0: MOV E, imm. */
const movEImm: Handler = (cpu, b) => {
  cpu.modrm(); if (cpu.reg !== 0) cpu.fault(UD);
  const bits = b === 0xc6 ? 8 : cpu.vbits;
  cpu.setE(bits, cpu.imm(bits));
};

const les: Handler = (cpu) => cpu.loadFarPointer(ES);
const lds: Handler = (cpu) => cpu.loadFarPointer(DS);
const lss: Handler = (cpu) => cpu.loadFarPointer(SS);
const lfs: Handler = (cpu) => cpu.loadFarPointer(FS);
const lgs: Handler = (cpu) => cpu.loadFarPointer(GS);

const xlat: Handler = (cpu) => {
  const base = cpu.a32 ? (cpu.regs[3] + cpu.r8[0]) | 0 : (cpu.r16[6] + cpu.r8[0]) & 0xffff;
  cpu.r8[0] = cpu.rd8(cpu.lin(cpu.segOvr >= 0 ? cpu.segOvr : DS, base, 1, false));
};

/** 0F 40+cc: CMOVcc Gv, Ev. The source is read (and may fault) even when the condition is false. */
const cmov: Handler = (cpu, op) => {
  cpu.modrm();
  const bits = cpu.vbits;
  const v = cpu.getE(bits);
  if (cpu.cond(op & 15)) cpu.setG(bits, v);
};

const movzxB: Handler = (cpu) => { cpu.modrm(); cpu.setG(cpu.vbits, cpu.getE8()); };
const movzxW: Handler = (cpu) => { cpu.modrm(); cpu.setG(cpu.vbits, cpu.getE16()); };
const movsxB: Handler = (cpu) => { cpu.modrm(); cpu.setG(cpu.vbits, (cpu.getE8() << 24) >> 24); };
const movsxW: Handler = (cpu) => { cpu.modrm(); cpu.setG(cpu.vbits, (cpu.getE16() << 16) >> 16); };

const oneByte: Record<number, Handler> = {
  0x86: xchgEG, 0x87: xchgEG, 0x88: movEbGb, 0x89: movEvGv, 0x8a: movGbEb, 0x8b: movGvEv,
  0x8c: movEvSreg, 0x8d: lea, 0x8e: movSregEw, 0x98: cbw, 0x99: cwd,
  0xa0: movMoffs, 0xa1: movMoffs, 0xa2: movMoffs, 0xa3: movMoffs,
  0xc4: les, 0xc5: lds, 0xc6: movEImm, 0xc7: movEImm, 0xd7: xlat,
};
for (let i = 0; i < 8; i++) { oneByte[0xb0 + i] = movRegIb; oneByte[0xb8 + i] = movRegIv; }
for (let i = 1; i < 8; i++) oneByte[0x90 + i] = xchgAx;

const twoByte: Record<number, Handler> = {
  0xb2: lss, 0xb4: lfs, 0xb5: lgs, 0xb6: movzxB, 0xb7: movzxW, 0xbe: movsxB, 0xbf: movsxW,
};
for (let cc = 0; cc < 16; cc++) twoByte[0x40 + cc] = cmov;

export const DATA_MOVE: Family = { name: 'data-move', oneByte, twoByte, ...dataMove64(oneByte, twoByte) };
