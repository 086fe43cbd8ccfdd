// Shifts and rotates: group 2 (ROL ROR RCL RCR SHL SHR SAL SAR) by 1, CL or an immediate,
// and the double shifts SHLD/SHRD.

import * as LF from './lazy-flags';
import type { Family, Handler } from './handler';
import { group2 as group2w, shiftDouble as double64 } from './shift-bit64';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { SIZE_MASK } = LF;

/** Group 2: C0/C1 (by Ib), D0/D1 (by 1), D2/D3 (by CL). */
const group2: Handler = (cpu, b) => {
  cpu.modrm();
  const bits = b & 1 ? cpu.vbits : 8;
  const cnt = b <= 0xc1 ? cpu.fetch8() : b <= 0xd1 ? 1 : cpu.r8[4];
  const a = cpu.getE(bits);
  if ((cnt & 0x1f) === 0) return;
  // A memory destination is checked for writing first so that the flags change only with it.
  if (cpu.mod !== 3) cpu.probeWrite(cpu.eaLin(bits >> 3, true), bits >> 3);
  cpu.setE(bits, cpu.shift(cpu.reg, a, cnt, bits));
};

/** 0F A4/A5 SHLD, 0F AC/AD SHRD (by Ib or CL). */
const shiftDouble: Handler = (cpu, op) => {
  const right = op >= 0xac, imm = (op & 1) === 0;
  cpu.modrm();
  const bits = cpu.vbits;
  const cnt = (imm ? cpu.fetch8() : cpu.r8[4]) & 31;
  const d = cpu.getE(bits);
  if (cnt === 0) return;
  const s = cpu.getG(bits);
  const m = SIZE_MASK[bits >> 3];
  let r: number, cf: number;
  if (bits === 32) {
    if (right) { r = ((d >>> cnt) | (s << (32 - cnt))) >>> 0; cf = (d >>> (cnt - 1)) & 1; }
    else { r = ((d << cnt) | (s >>> (32 - cnt))) >>> 0; cf = (d >>> (32 - cnt)) & 1; }
  } else {
    // 16-bit operands with counts above 16 shift through the pattern d:s:d, as Intel parts do.
    const big = (d * 0x100000000) + (s * 0x10000) + d;   // d:s:d as 48 bits
    if (right) {
      r = Math.floor(big / 2 ** cnt) % 0x10000;
      cf = Math.floor(big / 2 ** (cnt - 1)) % 2;
    } else {
      r = Math.floor((big * 2 ** cnt) / 0x100000000) % 0x10000;
      cf = Math.floor((big * 2 ** (cnt - 1)) / 0x800000000000) % 2;
    }
  }
  r = (r & m) >>> 0;
  cpu.setE(bits, r);
  const of = ((r ^ d) >>> (bits - 1)) & 1;
  cpu.setResultFlags(r, bits, cf, of, 0);
};

export const SHIFT_ROTATE: Family = {
  name: 'shift-rotate',
  oneByte: { 0xc0: group2, 0xc1: group2, 0xd0: group2, 0xd1: group2, 0xd2: group2, 0xd3: group2 },
  twoByte: { 0xa4: shiftDouble, 0xa5: shiftDouble, 0xac: shiftDouble, 0xad: shiftDouble },
  oneByte64: { 0xc1: group2w(group2), 0xd1: group2w(group2), 0xd3: group2w(group2) },
  twoByte64: { 0xa4: double64(shiftDouble), 0xa5: double64(shiftDouble), 0xac: double64(shiftDouble), 0xad: double64(shiftDouble) },
};
