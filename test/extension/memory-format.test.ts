// The memory view's parsing and layout (no VS Code): targets, rows with unreadable bytes and
// byte edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryReference, memoryRows, parseByte, parseTarget } from '../../extension/memory-format';

test('addresses, physical addresses and expressions', () => {
  assert.deepEqual(parseTarget('0xB8000', false), { physical: false, address: 0xb8000 });
  assert.deepEqual(parseTarget('phys:0xb8000', false), { physical: true, address: 0xb8000 });
  assert.deepEqual(parseTarget('4096', true), { physical: true, address: 4096 });
  assert.deepEqual(parseTarget(' &idt[32] ', false), { physical: false, expression: '&idt[32]' });
  assert.deepEqual(parseTarget('$esp', false), { physical: false, expression: '$esp' });
  assert.throws(() => parseTarget('  ', false), /give an address/);
  assert.throws(() => parseTarget('phys:idt', false), /phys: takes an address/);
  assert.deepEqual(parseTarget('0x1ffffffff', false), { physical: false, expression: '0x1ffffffff' }, 'too wide for an address: left to the debugger to refuse');
  assert.equal(memoryReference(0xb8000, true), 'phys:0x000b8000');
  assert.equal(memoryReference(0xc0001000, false), '0xc0001000');
});

test('rows of 16 with their text; bytes past the readable part are unreadable', () => {
  const bytes = new Uint8Array(20).map((_, i) => [0x48, 0x69, 0x00, 0x7f, 0x20, 0x7e][i % 6]!);
  const rows = memoryRows(0x1000, bytes, 32);
  assert.deepEqual(rows.map((r) => r.address), [0x1000, 0x1010]);
  assert.equal(rows[0]!.text, 'Hi.. ~Hi.. ~Hi..');
  assert.deepEqual(rows[1]!.cells.slice(0, 5), [0x20, 0x7e, 0x48, 0x69, null]);
  assert.equal(rows[1]!.cells.filter((c) => c === null).length, 12);
  assert.deepEqual(memoryRows(0xfffffff8, new Uint8Array(16), 16).map((r) => r.address), [0xfffffff8]);
});

test('byte edits: one or two hex digits', () => {
  assert.equal(parseByte('4f'), 0x4f);
  assert.equal(parseByte('0xA'), 0x0a);
  assert.equal(parseByte(' 7 '), 7);
  for (const bad of ['', '100', 'g1', '-1']) assert.throws(() => parseByte(bad), /not a byte/);
});
