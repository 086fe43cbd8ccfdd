// Applies a BootPlan to a simulated guest RAM the way a machine would, and checks on the way
// what every plan must satisfy: writes inside RAM, outside the VGA/ROM hole, not overlapping.

import assert from 'node:assert/strict';
import type { BootPlan } from '../../emulator/machine';

export interface Ram { bytes: Uint8Array; view: DataView; u32(addr: number): number; cstring(addr: number): string }

export function checkPlan(plan: BootPlan, ramBytes: number): void {
  const ranges = plan.memory.map((m) => [m.paddr, m.paddr + m.bytes.length] as const).sort((a, b) => a[0] - b[0]);
  for (const [s, e] of ranges) {
    assert.ok(Number.isInteger(s) && s >= 0, `write start ${s} is not a RAM address`);
    assert.ok(e <= ramBytes, `write ${s.toString(16)}..${e.toString(16)} ends past RAM (${ramBytes.toString(16)})`);
    assert.ok(e <= 0xa0000 || s >= 0x100000 || s === e, `write ${s.toString(16)}..${e.toString(16)} touches the VGA/ROM hole`);
  }
  for (let i = 1; i < ranges.length; i++) {
    assert.ok(ranges[i][0] >= ranges[i - 1][1], `writes overlap at ${ranges[i][0].toString(16)}`);
  }
  assert.equal(typeof plan.description, 'string');
  assert.ok(plan.description.length > 0);
}

export function applyPlan(plan: BootPlan, ramBytes: number): Ram {
  checkPlan(plan, ramBytes);
  const bytes = new Uint8Array(ramBytes);
  for (const m of plan.memory) bytes.set(m.bytes, m.paddr);
  const view = new DataView(bytes.buffer);
  return {
    bytes, view,
    u32: (a) => view.getUint32(a, true),
    cstring: (a) => { let e = a; while (bytes[e] !== 0) e++; return new TextDecoder().decode(bytes.subarray(a, e)); },
  };
}
