// FXSAVE / FXRSTOR: the x87, MMX-less and SSE state in the 512-byte 32-bit layout (SDM vol. 1,
// 10.5.1): FCW, FSW, the abridged tag byte, FOP and the instruction and operand pointers
// (kept as zero, as FNSTENV reports them), MXCSR and MXCSR_MASK, ST(0)-ST(7) as 80-bit
// values in 16-byte slots, XMM0-XMM7, and the rest left as it is.

import * as K from './constants';
import type { ExecCpu } from './handler';
import { MXCSR_MASK } from './sse-state';

const { CR0_EM, CR0_TS, GP, NM } = K;

function check(cpu: ExecCpu, write: boolean): number {
  if (cpu.cr0 & (CR0_EM | CR0_TS)) cpu.fault(NM);
  const lin = cpu.eaLin(512, write);
  if (lin & 15) cpu.fault(GP, 0);
  return lin;
}

export function fxsave(cpu: ExecCpu): void {
  const lin = check(cpu, true);
  cpu.probeWrite(lin, 512);
  const f = cpu.fpu, u = cpu.sse;
  const tags = ~f.empty & 0xff;
  cpu.wr32(lin, (f.cw & 0xffff) | (f.status() << 16));
  cpu.wr32(lin + 4, tags);                       // abridged tag; FOP 0
  for (let o = 8; o < 24; o += 4) cpu.wr32(lin + o, 0);
  cpu.wr32(lin + 24, u.mxcsr);
  cpu.wr32(lin + 28, MXCSR_MASK);
  for (let i = 0; i < 8; i++) {
    f.wrF80(f.st[(f.top + i) & 7], 32 + i * 16);
    cpu.wr16(lin + 32 + i * 16 + 10, 0); cpu.wr32(lin + 32 + i * 16 + 12, 0);
  }
  for (let w = 0; w < 32; w++) cpu.wr32(lin + 160 + w * 4, u.i32[w]);
}

export function fxrstor(cpu: ExecCpu): void {
  const lin = check(cpu, false);
  const mxcsr = cpu.rd32(lin + 24);
  if (mxcsr & ~MXCSR_MASK) cpu.fault(GP, 0);
  const w0 = cpu.rd32(lin), tags = cpu.rd8(lin + 4);
  const f = cpu.fpu, u = cpu.sse;
  const top = (w0 >>> 27) & 7;
  const vals: number[] = [];
  for (let i = 0; i < 8; i++) vals.push(f.rdF80(32 + i * 16));
  const xmm = new Int32Array(32);
  for (let w = 0; w < 32; w++) xmm[w] = cpu.rd32(lin + 160 + w * 4);
  f.cw = w0 & 0xffff;
  f.sw = (w0 >>> 16) & ~0x3800;
  f.top = top;
  f.empty = ~tags & 0xff;
  for (let i = 0; i < 8; i++) f.st[(top + i) & 7] = vals[i];
  u.mxcsr = mxcsr;
  u.i32.set(xmm);
}
