// Port input and output: IN/OUT with an immediate port or DX (INS/OUTS are in string.ts).
// The checks, the VM exit and the device access are PortCpu's (port-io.ts).

import type { Family, Handler } from './handler';

const inAlIb: Handler = (cpu) => { const port = cpu.fetch8(); cpu.r8[0] = cpu.portIn(port, 1, false, true); };
const inAxIb: Handler = (cpu) => {
  const port = cpu.fetch8();
  if (cpu.o32) cpu.regs[0] = cpu.portIn(port, 4, false, true); else cpu.r16[0] = cpu.portIn(port, 2, false, true);
};
const outIbAl: Handler = (cpu) => { const port = cpu.fetch8(); cpu.portOut(port, 1, cpu.r8[0], false, true); };
const outIbAx: Handler = (cpu) => { const port = cpu.fetch8(); cpu.portOut(port, cpu.o32 ? 4 : 2, cpu.regs[0], false, true); };
const inAlDx: Handler = (cpu) => { cpu.r8[0] = cpu.portIn(cpu.r16[4], 1, false, false); };
const inAxDx: Handler = (cpu) => {
  if (cpu.o32) cpu.regs[0] = cpu.portIn(cpu.r16[4], 4, false, false); else cpu.r16[0] = cpu.portIn(cpu.r16[4], 2, false, false);
};
const outDxAl: Handler = (cpu) => cpu.portOut(cpu.r16[4], 1, cpu.r8[0], false, false);
const outDxAx: Handler = (cpu) => cpu.portOut(cpu.r16[4], cpu.o32 ? 4 : 2, cpu.regs[0], false, false);

/** 64-bit mode: IN EAX zero-extends into RAX (operand size 32 at most, REX.W changes nothing). */
const zeroExtendAx = (h: Handler): Handler => (cpu, b) => { h(cpu, b); if (cpu.o32) cpu.regsHi[0] = 0; };

export const IO: Family = {
  name: 'io',
  oneByte: { 0xe4: inAlIb, 0xe5: inAxIb, 0xe6: outIbAl, 0xe7: outIbAx, 0xec: inAlDx, 0xed: inAxDx, 0xee: outDxAl, 0xef: outDxAx },
  twoByte: {},
  oneByte64: { 0xe5: zeroExtendAx(inAxIb), 0xed: zeroExtendAx(inAxDx) },
};
