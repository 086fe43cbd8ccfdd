// Decimal arithmetic: DAA, DAS, AAA, AAS, AAM, AAD.

import * as K from './constants';
import type { Family, Handler } from './handler';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { DE } = K;

const daa: Handler = (cpu) => {
  const al = cpu.r8[0], cf = cpu.getCF(), af = cpu.getAF();
  let r = al, ncf = 0, naf = 0;
  if ((al & 0xf) > 9 || af) { r = (r + 6) & 0xff; naf = 1; }
  if (al > 0x99 || cf) { r = (r + 0x60) & 0xff; ncf = 1; }
  cpu.r8[0] = r;
  cpu.setResultFlags(r, 8, ncf, 0, naf);
};

const das: Handler = (cpu) => {
  const al = cpu.r8[0], cf = cpu.getCF(), af = cpu.getAF();
  let r = al, ncf = 0, naf = 0;
  if ((al & 0xf) > 9 || af) { r = (r - 6) & 0xff; naf = 1; if (al < 6) ncf = 1; }
  if (al > 0x99 || cf) { r = (r - 0x60) & 0xff; ncf = 1; }
  cpu.r8[0] = r;
  cpu.setResultFlags(r, 8, ncf, 0, naf);
};

const aaa: Handler = (cpu) => {
  const af = cpu.getAF();
  if ((cpu.r8[0] & 0xf) > 9 || af) {
    cpu.r16[0] = cpu.r16[0] + 0x106;
    cpu.r8[0] &= 0xf;
    cpu.setResultFlags(cpu.r8[0], 8, 1, 0, 1);
  } else {
    cpu.r8[0] &= 0xf;
    cpu.setResultFlags(cpu.r8[0], 8, 0, 0, 0);
  }
};

const aas: Handler = (cpu) => {
  const af = cpu.getAF();
  if ((cpu.r8[0] & 0xf) > 9 || af) {
    cpu.r16[0] = cpu.r16[0] - 6;
    cpu.r8[1] = cpu.r8[1] - 1;
    cpu.r8[0] &= 0xf;
    cpu.setResultFlags(cpu.r8[0], 8, 1, 0, 1);
  } else {
    cpu.r8[0] &= 0xf;
    cpu.setResultFlags(cpu.r8[0], 8, 0, 0, 0);
  }
};

const aam: Handler = (cpu) => {
  const d = cpu.fetch8(); if (d === 0) cpu.fault(DE);
  const al = cpu.r8[0]; cpu.r8[1] = Math.floor(al / d); cpu.r8[0] = al % d;
  cpu.setResultFlags(cpu.r8[0], 8, 0, 0, 0);
};

const aad: Handler = (cpu) => {
  const d = cpu.fetch8();
  const r = (cpu.r8[0] + cpu.r8[1] * d) & 0xff;
  cpu.r16[0] = r; cpu.setResultFlags(r, 8, 0, 0, 0);
};

export const BCD: Family = {
  name: 'bcd',
  oneByte: { 0x27: daa, 0x2f: das, 0x37: aaa, 0x3f: aas, 0xd4: aam, 0xd5: aad },
  twoByte: {},
};
