// Faults are precise (SDM Vol. 3, 6.5): a write that crosses from a mapped page into an
// unmapped one raises #PF before any byte is written and leaves the registers unchanged; a
// REP string instruction faults after its completed iterations with ECX/ESI/EDI showing
// exactly those (so it can restart).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEmulatorMachine } from './emulator-under-test';
import { MAPPED_BYTES, prepareFlat32, stepOne } from './flat32-harness';

const PF = 14;
const PATTERN = 0x5a;

function setup() {
  const m = createEmulatorMachine();
  prepareFlat32(m, 32, true);
  return { m, start: m.snapshot() };
}

// Register order EAX ECX EDX EBX ESP EBP ESI EDI.
const STRADDLING: Array<[string, number[], (addr: number) => number[]]> = [
  ['mov [eax], ecx', [0x89, 0x08], (a) => [a, 0x11223344, 0, 0, 0, 0, 0, 0]],
  ['mov [eax], cx', [0x66, 0x89, 0x08], (a) => [a, 0x11223344, 0, 0, 0, 0, 0, 0]],
  ['add [eax], ecx', [0x01, 0x08], (a) => [a, 0x11223344, 0, 0, 0, 0, 0, 0]],
  ['xchg [eax], ecx', [0x87, 0x08], (a) => [a, 0x11223344, 0, 0, 0, 0, 0, 0]],
  ['lock xadd [eax], ecx', [0xf0, 0x0f, 0xc1, 0x08], (a) => [a, 0x11223344, 0, 0, 0, 0, 0, 0]],
  ['cmpxchg8b [ebx]', [0x0f, 0xc7, 0x0b], (a) => [0x5a5a5a5a, 1, 0x5a5a5a5a, a, 0, 0, 0, 0]],
  ['stosd', [0xab], (a) => [0x11223344, 0, 0, 0, 0, 0, 0, a]],
  ['movsd', [0xa5], (a) => [0, 0, 0, 0, 0, 0, 0x5000, a]],
];

test('a write straddling into an unmapped page faults before writing anything', () => {
  const { m, start } = setup();
  for (const [name, bytes, regsFor] of STRADDLING) {
    for (let k = 1; k < 8; k++) {
      const addr = MAPPED_BYTES - k;
      const size = name.includes('8b') ? 8 : name.includes(' cx') ? 2 : 4;
      if (k >= size) continue;                      // fits in the mapped page: no fault expected
      m.restore(start);
      m.writePhysical(MAPPED_BYTES - 16, new Uint8Array(16).fill(PATTERN));
      const regs = Uint32Array.from(regsFor(addr));
      const out = stepOne(m, Uint8Array.from(bytes), regs, 0);
      assert.equal(out.fault, PF, `${name} at ${addr.toString(16)}: expected #PF`);
      assert.deepEqual([...m.readPhysical(MAPPED_BYTES - 16, 16)], new Array(16).fill(PATTERN), `${name} at ${addr.toString(16)} wrote before faulting`);
      for (const r of [0, 1, 2, 3, 5, 6, 7]) assert.equal(out.regs[r], regs[r], `${name} at ${addr.toString(16)} changed register ${r}`);
      // CR2 is a linear address of the access inside the page that faulted (SDM Vol. 3, 4.7).
      const cr2 = m.getRegisters().cr2;
      assert.ok(cr2 >= MAPPED_BYTES && cr2 < addr + size, `${name} at ${addr.toString(16)}: CR2 ${cr2.toString(16)}`);
    }
  }
});

test('REP MOVSD faults where its source or destination runs into the unmapped page, completed elements kept', () => {
  const { m, start } = setup();
  for (const [which, dwords] of [['destination', 2], ['source', 3]] as const) {
    m.restore(start);
    const edge = MAPPED_BYTES - dwords * 4;
    const src = which === 'source' ? edge : 0x5000, dst = which === 'source' ? 0x6000 : edge;
    m.writePhysical(src, Uint8Array.from({ length: dwords * 4 }, (_, i) => i + 1));
    const regs = Uint32Array.from([0, 10, 0, 0, 0, 0, src, dst]);
    const out = stepOne(m, Uint8Array.from([0xf3, 0xa5]), regs, 0);
    assert.equal(out.fault, PF, which);
    assert.equal(out.regs[1], 10 - dwords, `${which}: ECX`);
    assert.equal(out.regs[6], src + dwords * 4, `${which}: ESI`);
    assert.equal(out.regs[7], dst + dwords * 4, `${which}: EDI`);
    assert.deepEqual([...m.readPhysical(dst, dwords * 4)], Array.from({ length: dwords * 4 }, (_, i) => i + 1), `${which}: copied elements`);
  }
});

test('REP STOSD faults at the unmapped page with the completed iterations reflected in ECX and EDI', () => {
  const { m, start } = setup();
  for (const dwords of [1, 2, 3]) {
    m.restore(start);
    const edi = MAPPED_BYTES - dwords * 4;
    const regs = Uint32Array.from([0x11223344, 10, 0, 0, 0, 0, 0, edi]);
    const out = stepOne(m, Uint8Array.from([0xf3, 0xab]), regs, 0);
    assert.equal(out.fault, PF);
    assert.equal(out.regs[7], MAPPED_BYTES, 'EDI points at the element that faulted');
    assert.equal(out.regs[1], 10 - dwords, 'ECX counts the elements still to do');
    const written = new DataView(m.readPhysical(edi, dwords * 4).buffer);
    for (let i = 0; i < dwords; i++) assert.equal(written.getUint32(i * 4, true), 0x11223344);
    assert.equal(m.getRegisters().cr2, MAPPED_BYTES);
  }
});
