// The memory view's parsing and layout (no VS Code): targets, rows with unreadable bytes and
// byte edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressText, memoryReference, memoryRows, parseAddressText, parseByte, parseTarget } from '../../extension/memory-format';
import { parseAddress } from '../../debug-adapter/protocol-values';

test('addresses, physical addresses and expressions', () => {
  assert.deepEqual(parseTarget('0xB8000', false), { physical: false, address: 0xb8000 });
  assert.deepEqual(parseTarget('phys:0xb8000', false), { physical: true, address: 0xb8000 });
  assert.deepEqual(parseTarget('4096', true), { physical: true, address: 4096 });
  assert.deepEqual(parseTarget(' &idt[32] ', false), { physical: false, expression: '&idt[32]' });
  assert.deepEqual(parseTarget('$esp', false), { physical: false, expression: '$esp' });
  assert.throws(() => parseTarget('  ', false), /give an address/);
  assert.throws(() => parseTarget('phys:idt', false), /phys: takes an address/);
  // A 64-bit address (long-mode guests): no longer left to the debugger as an expression.
  assert.deepEqual(parseTarget('0x1ffffffff', false), { physical: false, address: 0x1ffffffff });
  assert.deepEqual(parseTarget('0x12345678901234567', false), { physical: false, expression: '0x12345678901234567' }, 'wider than 64 bits: the debugger refuses it');
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

test('64-bit addresses: the high half of a long-mode kernel round-trips through the adapter\'s own parser; non-canonical ones are refused', () => {
  for (const text of ['0xffffffff80100000', '0xffff800000000000', '0x00007fffffffffff', '0x0000000100000000']) {
    const t = parseTarget(text, false);
    assert.equal(t.address, Number(BigInt.asIntN(64, BigInt(text))), text);
    const ref = memoryReference(t.address!, false);
    assert.equal(ref, `0x${text.slice(2).padStart(16, '0')}`);
    assert.equal(parseAddress(ref), t.address, `the adapter reads ${ref} as the view meant it`);
    assert.equal(parseAddressText(ref), t.address);
  }
  assert.throws(() => parseTarget('0x0000800000000000', false), /not a canonical address/);
  assert.throws(() => parseTarget('phys:0xffff7fffffffffff', false), /not a canonical address/);
  // Rows in the high half: 16-digit labels, no wrap at 4 GiB; 32-bit rows keep 8 digits.
  const high = Number(BigInt.asIntN(64, 0xffffffff800ffff0n));
  const rows = memoryRows(high, new Uint8Array(32), 32);
  assert.deepEqual(rows.map((r) => r.label), ['ffffffff800ffff0', 'ffffffff80100000']);
  assert.deepEqual(memoryRows(0xfffffff8, new Uint8Array(16), 16).map((r) => r.label), ['fffffff8']);
  assert.equal(addressText(0xb8000), '000b8000');
});
