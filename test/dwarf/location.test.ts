// Location expression operations with values worked out from their definitions in the DWARF 5
// specification (section 2.5-2.6), for the operations the compiled test kernels do not reach.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../../emulator/loader/dwarf';
import type { Regs } from '../../emulator/loader/dwarf';

test('typed stack operations and bit pieces follow the DWARF 5 definitions', () => {
  const mem = Uint8Array.of(0x78, 0x56, 0x34, 0x12);
  const frame = { regs: { eax: 0xdeadbeef, esp: 0x1000 } as Regs, readMemory: (a: number, n: number) => (a === 0x1000 ? mem.subarray(0, n) : null) };
  // DW_OP_const_type <type> 2 bytes 0x34 0x12; DW_OP_stack_value
  assert.deepEqual(evaluate(Uint8Array.of(0xa4, 0x2a, 2, 0x34, 0x12, 0x9f), frame), { kind: 'value', value: 0x1234 });
  // DW_OP_regval_type eax <type>; DW_OP_convert <type>; DW_OP_stack_value
  assert.deepEqual(evaluate(Uint8Array.of(0xa5, 0, 0x2a, 0xa8, 0x2a, 0x9f), frame), { kind: 'value', value: 0xdeadbeef });
  // DW_OP_breg4 0; DW_OP_deref_type 2 <type>; DW_OP_stack_value
  assert.deepEqual(evaluate(Uint8Array.of(0x74, 0, 0xa6, 2, 0x2a, 0x9f), frame), { kind: 'value', value: 0x5678 });
  // DW_OP_reg0 DW_OP_bit_piece 32 0 DW_OP_bit_piece 32 0 (the second part optimized out)
  assert.deepEqual(evaluate(Uint8Array.of(0x50, 0x9d, 32, 0, 0x9d, 32, 0), frame),
    { kind: 'pieces', pieces: [{ size: 4, location: { kind: 'register', reg: 0, name: 'eax' } }, { size: 4, location: { kind: 'optimized-out' } }] });
  assert.throws(() => evaluate(Uint8Array.of(0x50, 0x9d, 3, 1), frame), /DW_OP_bit_piece 3 bits at bit 1 is not supported/);
});

test('stack manipulation, arithmetic and branches', () => {
  const frame = { regs: { esp: 0x1000 } as Regs, readMemory: () => null };
  const value = (...ops: number[]) => evaluate(Uint8Array.from([...ops, 0x9f]), frame);
  assert.deepEqual(value(0x35, 0x37, 0x1c), { kind: 'value', value: 0xfffffffe });            // 5 - 7
  assert.deepEqual(value(0x11, 0x79, 0x33, 0x1b), { kind: 'value', value: 0xfffffffe });      // -7 / 3 (signed, truncating)
  assert.deepEqual(value(0x11, 0x79, 0x32, 0x26), { kind: 'value', value: 0xfffffffe });      // -7 >> 2 (arithmetic)
  assert.deepEqual(value(0x31, 0x32, 0x33, 0x17, 0x1c), { kind: 'value', value: 0xffffffff }); // rot: 1 2 3 -> 3 1 2; 1 - 2
  assert.deepEqual(value(0x31, 0x32, 0x16, 0x1c), { kind: 'value', value: 1 });               // swap: 2 - 1
  assert.deepEqual(value(0x35, 0x12, 0x1e), { kind: 'value', value: 25 });                    // dup, mul
  assert.deepEqual(value(0x31, 0x32, 0x14, 0x22, 0x22), { kind: 'value', value: 4 });         // over: 1 2 1 -> 4
  assert.deepEqual(value(0x31, 0x32, 0x33, 0x15, 2, 0x22, 0x22, 0x22), { kind: 'value', value: 7 }); // pick 2
  // bra +1 over lit5: taken on 1 (leaves 9), not taken on 0 (leaves 5 + 9)
  assert.deepEqual(value(0x31, 0x28, 1, 0, 0x35, 0x39), { kind: 'value', value: 9 });
  assert.deepEqual(value(0x30, 0x28, 1, 0, 0x35, 0x39, 0x22), { kind: 'value', value: 14 });
  assert.deepEqual(value(0x10, 0xe5, 0x8e, 0x26), { kind: 'value', value: 624485 });           // constu (LEB128 example from the spec)
  assert.deepEqual(value(0x11, 0x80, 0x7f), { kind: 'value', value: (-128) >>> 0 });           // consts -128
  assert.deepEqual(evaluate(Uint8Array.of(0x9e, 2, 0x34, 0x12), frame), { kind: 'implicit', bytes: Uint8Array.of(0x34, 0x12) });
});
