// EFLAGS control: CLC/STC/CMC, CLD/STD, CLI/STI (IOPL-sensitive), PUSHF/POPF, SAHF/LAHF,
// SALC.

import * as K from './constants';
import type { Family, Handler } from './handler';
import { popf64 } from './stack64';
import { cliSensitive, popfV86, pushfV86, stiSensitive } from './v86';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { FLAG_CF, FLAG_DF, FLAG_IF, FLAG_OF, FLAG_RF, FLAG_VM, FLAGS_ARITH } = K;

const cmc: Handler = (cpu) => cpu.setArith(cpu.getCF() ? 0 : FLAG_CF, FLAG_CF);
const clc: Handler = (cpu) => cpu.setArith(0, FLAG_CF);
const stc: Handler = (cpu) => cpu.setArith(FLAG_CF, FLAG_CF);
const cld: Handler = (cpu) => { cpu.flags &= ~FLAG_DF; };
const std: Handler = (cpu) => { cpu.flags |= FLAG_DF; };

/** CLI: above IOPL it is VIF's (VME, PVI) or #GP (v86.ts). */
const cli: Handler = (cpu) => {
  if (cpu.protectedMode && cpu.cpl > cpu.iopl()) { cliSensitive(cpu); return; }
  cpu.flags &= ~FLAG_IF;
};

/** STI: interrupts are recognised only after the next instruction (the STI shadow). */
const sti: Handler = (cpu) => {
  if (cpu.protectedMode && cpu.cpl > cpu.iopl()) { stiSensitive(cpu); return; }
  if (!(cpu.flags & FLAG_IF)) { cpu.flags |= FLAG_IF; cpu.shadow = true; cpu.irqPoll = true; cpu.attn = true; }
};

const pushf: Handler = (cpu) => {
  if (cpu.v86 && cpu.iopl() < 3) { pushfV86(cpu); return; }
  cpu.pushV(cpu.getFlags() & ~(FLAG_VM | FLAG_RF));
};

/** POPF: which bits change depends on CPL and IOPL (writeFlags). */
const popf: Handler = (cpu) => {
  if (cpu.v86) { popfV86(cpu); return; }
  const v = cpu.o32 ? cpu.peek32(0) : cpu.peek16(0);
  cpu.spAdd(cpu.o32 ? 4 : 2);
  const oldIf = cpu.flags & FLAG_IF;
  cpu.writeFlags(v, cpu.o32 ? 0xffffffff : 0xffff, cpu.cpl, false);
  if (!oldIf && (cpu.flags & FLAG_IF)) cpu.irqPoll = true;
  cpu.attn = true;
};

const sahf: Handler = (cpu) => cpu.setArith(cpu.r8[1], FLAGS_ARITH & ~FLAG_OF);
const lahf: Handler = (cpu) => { cpu.r8[1] = (cpu.getFlags() & 0xd5) | 2; };
const salc: Handler = (cpu) => { cpu.r8[0] = cpu.getCF() ? 0xff : 0; };

export const FLAGS_CONTROL: Family = {
  name: 'flags-control',
  oneByte: {
    0xf5: cmc, 0xf8: clc, 0xf9: stc, 0xfc: cld, 0xfd: std, 0xfa: cli, 0xfb: sti,
    0x9c: pushf, 0x9d: popf, 0x9e: sahf, 0x9f: lahf, 0xd6: salc,
  },
  twoByte: {},
  oneByte64: { 0x9d: popf64 },
};
