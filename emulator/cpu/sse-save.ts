// FXSAVE / FXRSTOR and XSAVE / XRSTOR: the x87 and SSE state in the 512-byte legacy layout
// (SDM vol. 1, 10.5.1): FCW, FSW, the abridged tag byte, FOP and the instruction and operand
// pointers (kept as zero, as FNSTENV reports them), MXCSR and MXCSR_MASK, ST(0)-ST(7) as
// 80-bit values in 16-byte slots, XMM0-XMM7 (XMM0-XMM15 in 64-bit mode), the rest left as it is; XSAVE adds the 64-byte
// header (XSTATE_BV) after it, in the standard form (vol. 1, 13.4), for components x87 (0)
// and SSE (1) as XCR0 and EDX:EAX select them.

import * as K from './constants';
import type { ExecCpu } from './handler';
import { MXCSR_MASK, XCR0_SUPPORTED } from './sse-unit';

const { CR0_EM, CR0_TS, CR4_OSXSAVE, GP, NM, UD } = K;

function check(cpu: ExecCpu, size: number, align: number, write: boolean): number {
  if (cpu.cr0 & (CR0_EM | CR0_TS)) cpu.fault(NM);
  const lin = cpu.eaLin(size, write);
  if (lin & (align - 1)) cpu.fault(GP, 0);
  return lin;
}

function saveX87(cpu: ExecCpu, lin: number): void {
  const f = cpu.fpu;
  cpu.wr32(lin, (f.cw & 0xffff) | (f.status() << 16));
  cpu.wr32(lin + 4, ~f.empty & 0xff);             // abridged tag; FOP 0
  for (let o = 8; o < 24; o += 4) cpu.wr32(lin + o, 0);
  for (let i = 0; i < 8; i++) {
    f.wrF80(f.st[(f.top + i) & 7], 32 + i * 16);
    cpu.wr16(lin + 32 + i * 16 + 10, 0); cpu.wr32(lin + 32 + i * 16 + 12, 0);
  }
}

function saveMxcsr(cpu: ExecCpu, lin: number): void {
  cpu.wr32(lin + 24, cpu.sse.mxcsr);
  cpu.wr32(lin + 28, MXCSR_MASK);
}

/** Words of XMM state FXSAVE and XSAVE move: XMM0-15 in 64-bit mode, XMM0-7 elsewhere. */
const xmmWords = (cpu: ExecCpu): number => cpu.long64 ? 64 : 32;

function saveXmm(cpu: ExecCpu, lin: number): void {
  const n = xmmWords(cpu);
  for (let w = 0; w < n; w++) cpu.wr32(lin + 160 + w * 4, cpu.sse.i32[w]);
}

interface X87Image { cw: number; sw: number; tags: number; vals: number[] }

function readX87(cpu: ExecCpu, lin: number): X87Image {
  const w0 = cpu.rd32(lin);
  const vals: number[] = [];
  for (let i = 0; i < 8; i++) vals.push(cpu.fpu.rdF80(32 + i * 16));
  return { cw: w0 & 0xffff, sw: w0 >>> 16, tags: cpu.rd8(lin + 4), vals };
}

function loadX87(cpu: ExecCpu, x: X87Image): void {
  const f = cpu.fpu, top = (x.sw >>> 11) & 7;
  f.cw = x.cw; f.sw = x.sw & ~0x3800; f.top = top; f.empty = ~x.tags & 0xff;
  for (let i = 0; i < 8; i++) f.st[(top + i) & 7] = x.vals[i];
}

function readXmm(cpu: ExecCpu, lin: number): Int32Array {
  const xmm = new Int32Array(xmmWords(cpu));
  for (let w = 0; w < xmm.length; w++) xmm[w] = cpu.rd32(lin + 160 + w * 4);
  return xmm;
}

/** 0F AE /0: FXSAVE m512 (16-byte aligned). */
export function fxsave(cpu: ExecCpu): void {
  const lin = check(cpu, 512, 16, true);
  cpu.probeWrite(lin, 512);
  saveX87(cpu, lin); saveMxcsr(cpu, lin); saveXmm(cpu, lin);
}

/** 0F AE /1: FXRSTOR m512; reserved MXCSR bits are #GP(0) and nothing is loaded. */
export function fxrstor(cpu: ExecCpu): void {
  const lin = check(cpu, 512, 16, false);
  const mxcsr = cpu.rd32(lin + 24);
  if (mxcsr & ~MXCSR_MASK) cpu.fault(GP, 0);
  const x87 = readX87(cpu, lin), xmm = readXmm(cpu, lin);
  loadX87(cpu, x87);
  cpu.sse.mxcsr = mxcsr;
  cpu.sse.i32.set(xmm);
}

/** The requested-feature bitmap: XCR0 and EDX:EAX (only the low bits exist here). */
function rfbm(cpu: ExecCpu): number {
  if (!(cpu.cr4 & CR4_OSXSAVE)) cpu.fault(UD);
  return cpu.sse.xcr0 & cpu.regs[0];
}

/** 0F AE /4: XSAVE (64-byte aligned): the selected components and XSTATE_BV in the header. */
export function xsave(cpu: ExecCpu): void {
  const mask = rfbm(cpu);
  const lin = check(cpu, 576, 64, true);
  cpu.probeWrite(lin, 576);
  if (mask & 1) saveX87(cpu, lin);
  if (mask & 2) { saveMxcsr(cpu, lin); saveXmm(cpu, lin); }
  // XSTATE_BV: the saved components are marked as holding state (XSAVE may write 1 for a
  // component in its initial configuration); the others keep their bits.
  const bv = cpu.rd32(lin + 512);
  cpu.wr32(lin + 512, (bv & ~mask) | mask);
}

/**
 * 0F AE /5: XRSTOR (64-byte aligned, standard form): each selected component from memory when
 * XSTATE_BV has it, else to its initial state; MXCSR from memory whenever SSE is selected.
 * #GP(0) for a compacted header, reserved header bytes, XSTATE_BV bits outside XCR0 or
 * reserved MXCSR bits, before anything is loaded.
 */
export function xrstor(cpu: ExecCpu): void {
  const mask = rfbm(cpu);
  const lin = check(cpu, 576, 64, false);
  const bvLo = cpu.rd32(lin + 512), bvHi = cpu.rd32(lin + 516);
  if (bvHi !== 0 || (bvLo & ~cpu.sse.xcr0)) cpu.fault(GP, 0);
  for (let o = 520; o < 576; o += 4) if (cpu.rd32(lin + o) !== 0) cpu.fault(GP, 0);
  const mxcsr = mask & 2 ? cpu.rd32(lin + 24) : 0;
  if (mxcsr & ~MXCSR_MASK) cpu.fault(GP, 0);
  const x87 = mask & bvLo & 1 ? readX87(cpu, lin) : null;
  const xmm = mask & bvLo & 2 ? readXmm(cpu, lin) : null;
  if (mask & 1) {
    if (x87) loadX87(cpu, x87);
    else loadX87(cpu, { cw: 0x37f, sw: 0, tags: 0, vals: [0, 0, 0, 0, 0, 0, 0, 0] });
  }
  if (mask & 2) {
    cpu.sse.mxcsr = mxcsr;
    if (xmm) cpu.sse.i32.set(xmm); else cpu.sse.i32.fill(0, 0, xmmWords(cpu));
  }
}

/** 0F 01 D0: XGETBV, EDX:EAX = XCR[ECX] (only XCR0 exists). */
export function xgetbv(cpu: ExecCpu): void {
  if (!(cpu.cr4 & CR4_OSXSAVE)) cpu.fault(UD);
  if (cpu.regs[1] !== 0) cpu.fault(GP, 0);
  cpu.regs[0] = cpu.sse.xcr0; cpu.regs[2] = 0;
}

/**
 * 0F 01 D1: XSETBV, XCR[ECX] = EDX:EAX: CPL 0 only; a VT-x guest exits unconditionally
 * (after the #UD and privilege checks, which come first); then #GP(0) for ECX other than 0,
 * a bit this CPU lacks, or x87 cleared.
 */
export function xsetbv(cpu: ExecCpu, exit: () => void): void {
  if (!(cpu.cr4 & CR4_OSXSAVE)) cpu.fault(UD);
  if (cpu.cpl !== 0) cpu.fault(GP, 0);
  exit();
  const v = cpu.regs[0];
  if (cpu.regs[1] !== 0 || cpu.regs[2] !== 0 || (v & ~XCR0_SUPPORTED) || !(v & 1)) cpu.fault(GP, 0);
  cpu.sse.xcr0 = v;
}
