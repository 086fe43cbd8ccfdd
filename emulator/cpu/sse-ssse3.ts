// SSSE3 (the 66-prefixed forms of the 0F 38 and 0F 3A maps): PSHUFB, the horizontal
// additions and subtractions (PHADDx/PHSUBx, with signed saturation for the SW forms),
// PMADDUBSW, PSIGNx, PMULHRSW, PABSx and PALIGNR. Results are built in TEMP and committed
// after every operand was read.

import type { ExecCpu, Family, Handler } from './handler';
import { TEMP, srcSlot, sseEnter } from './sse-state';

const sat16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);

function commit(cpu: ExecCpu, dest: number): void {
  const i = cpu.sse.i32;
  for (let k = 0; k < 4; k++) i[dest * 4 + k] = i[TEMP * 4 + k];
}

/** Enters a 0F 38 form: #UD for anything but its 66-prefixed form, the SSE checks, the source slot. */
function enter38(cpu: ExecCpu, op: number): number {
  sseEnter(cpu, 0x100 | op);
  return srcSlot(cpu, 16);
}

const pshufb: Handler = (cpu, op) => {
  const s = enter38(cpu, op), u = cpu.sse.u8, d = cpu.reg;
  for (let k = 0; k < 16; k++) {
    const c = u[s * 16 + k];
    u[TEMP * 16 + k] = c & 0x80 ? 0 : u[d * 16 + (c & 15)];
  }
  commit(cpu, d);
};

/** PHADDW/PHADDD/PHADDSW/PHSUBW/PHSUBD/PHSUBSW: pairs of the destination, then of the source. */
const horizontal: Handler = (cpu, op) => {
  const s = enter38(cpu, op), u = cpu.sse, d = cpu.reg;
  const sub = op >= 5, dword = op === 2 || op === 6, sat = op === 3 || op === 7;
  if (dword) {
    for (let k = 0; k < 4; k++) {
      const from = k < 2 ? d : s, j = (k & 1) * 2;
      const a = u.i32[from * 4 + j], b = u.i32[from * 4 + j + 1];
      u.i32[TEMP * 4 + k] = sub ? (a - b) | 0 : (a + b) | 0;
    }
  } else {
    for (let k = 0; k < 8; k++) {
      const from = k < 4 ? d : s, j = (k & 3) * 2;
      const a = u.i16[from * 8 + j], b = u.i16[from * 8 + j + 1];
      const r = sub ? a - b : a + b;
      u.i16[TEMP * 8 + k] = sat ? sat16(r) : r;
    }
  }
  commit(cpu, d);
};

/** PMADDUBSW: unsigned bytes of the destination times signed bytes of the source, pairs summed with saturation. */
const pmaddubsw: Handler = (cpu, op) => {
  const s = enter38(cpu, op), u = cpu.sse, d = cpu.reg;
  for (let k = 0; k < 8; k++) {
    const r = u.u8[d * 16 + 2 * k] * u.i8[s * 16 + 2 * k] + u.u8[d * 16 + 2 * k + 1] * u.i8[s * 16 + 2 * k + 1];
    u.i16[TEMP * 8 + k] = sat16(r);
  }
  commit(cpu, d);
};

/** PSIGNB/W/D: negate, zero or keep each lane of the destination by the sign of the source's. */
const psign: Handler = (cpu, op) => {
  const s = enter38(cpu, op), u = cpu.sse, d = cpu.reg;
  const [view, n] = op === 8 ? [u.i8, 16] as const : op === 9 ? [u.i16, 8] as const : [u.i32, 4] as const;
  for (let k = 0; k < n; k++) {
    const b = view[s * n + k], a = view[d * n + k];
    view[TEMP * n + k] = b < 0 ? -a : b === 0 ? 0 : a;
  }
  commit(cpu, d);
};

/** PMULHRSW: (a * b + 0x4000) >> 15 per signed word. */
const pmulhrsw: Handler = (cpu, op) => {
  const s = enter38(cpu, op), u = cpu.sse, d = cpu.reg;
  for (let k = 0; k < 8; k++) u.i16[TEMP * 8 + k] = (u.i16[d * 8 + k] * u.i16[s * 8 + k] + 0x4000) >> 15;
  commit(cpu, d);
};

/** PABSB/W/D: the absolute value (the most negative value stays as it is, unsigned). */
const pabs: Handler = (cpu, op) => {
  const s = enter38(cpu, op), u = cpu.sse, d = cpu.reg;
  const [view, n] = op === 0x1c ? [u.i8, 16] as const : op === 0x1d ? [u.i16, 8] as const : [u.i32, 4] as const;
  for (let k = 0; k < n; k++) view[TEMP * n + k] = Math.abs(view[s * n + k]);
  commit(cpu, d);
};

/** 66 0F 3A 0F: PALIGNR, the 32-byte destination:source shifted right by imm8 bytes. */
const palignr: Handler = (cpu, op) => {
  sseEnter(cpu, 0x200 | op);
  const s = srcSlot(cpu, 16), n = cpu.fetch8(), u = cpu.sse.u8, d = cpu.reg;
  for (let k = 0; k < 16; k++) {
    const at = k + n;
    u[TEMP * 16 + k] = at < 16 ? u[s * 16 + at] : at < 32 ? u[d * 16 + at - 16] : 0;
  }
  commit(cpu, d);
};

export const SSE_SSSE3: Family = {
  name: 'sse-ssse3',
  oneByte: {},
  twoByte: {},
  map0f38: {
    0x00: pshufb, 0x01: horizontal, 0x02: horizontal, 0x03: horizontal, 0x04: pmaddubsw, 0x05: horizontal, 0x06: horizontal,
    0x07: horizontal, 0x08: psign, 0x09: psign, 0x0a: psign, 0x0b: pmulhrsw, 0x1c: pabs, 0x1d: pabs, 0x1e: pabs,
  },
  map0f3a: { 0x0f: palignr },
};
