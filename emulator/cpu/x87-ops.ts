// The x87 escape opcodes (D8-DF) and WAIT, with the CR0.EM/TS/MP checks that come before
// the FPU (x87.ts) sees them.

import * as K from './constants';
import type { Family, Handler } from './handler';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { CR0_EM, CR0_MP, CR0_TS, NM } = K;

const escape: Handler = (cpu, b) => {
  if (cpu.cr0 & (CR0_EM | CR0_TS)) cpu.fault(NM);
  cpu.modrm(); cpu.fpu.exec(b, cpu);
};

const wait: Handler = (cpu) => {
  if ((cpu.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) cpu.fault(NM);
  cpu.fpu.wait();
};

const oneByte: Record<number, Handler> = { 0x9b: wait };
for (let b = 0xd8; b <= 0xdf; b++) oneByte[b] = escape;

export const X87: Family = { name: 'x87', oneByte, twoByte: {} };
