// --profile for 64-bit kernels: an exit from a higher-half RIP is keyed by the whole address
// and finds its symbol, which the ELF64 loader gives as the signed canonical number
// (0xffffffff80001000 = -0x7ffff000); 32-bit addresses keep their eight digits, and the keys
// run in ascending unsigned order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitProfile } from '../../cli/profile';
import type { ExitRecord } from '../../emulator/machine';

function exit(eip: number, ripHi: number, reasonName = 'IO_INSTRUCTION'): ExitRecord {
  return { seq: 0, reason: 30, reasonName, qualification: 0, eip, ripHi, long64: ripHi !== 0, cs: 0x10, cpl: 0, bytes: new Uint8Array(), icount: 0, handler: 'uart', cycles: 10 };
}

test('exits from the higher half are keyed by the 64-bit RIP and symbolized through ELF64 addresses', () => {
  const p = new ExitProfile();
  p.add(exit(0x80001004, 0xffffffff));
  p.add(exit(0x80001004, 0xffffffff));
  p.add(exit(0x00100400, 0));
  const json = p.toJson({
    program: 'k.elf', mode: 'hvm', exitControls: 'ept', instructions: 1,
    symbols: [{ name: 'kmain', address: -0x7ffff000, size: 0x100 }, { name: 'start', address: 0x100400, size: 4 }],
  }) as { exitsByAddress: Record<string, { exits: number; symbol?: string }> };
  assert.deepEqual(Object.keys(json.exitsByAddress), ['0x00100400', '0xffffffff80001004']);
  assert.equal(json.exitsByAddress['0xffffffff80001004']!.exits, 2);
  assert.equal(json.exitsByAddress['0xffffffff80001004']!.symbol, 'kmain+0x4');
  assert.equal(json.exitsByAddress['0x00100400']!.symbol, 'start');
});
