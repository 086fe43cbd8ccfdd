// x87 results checked against IEEE arithmetic and the SDM's data formats (packed BCD,
// FNSAVE layout, rounding control, FCOMI flags).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFlat, u32 } from './harness';

const f64 = (m: { readPhysical(a: number, n: number): Uint8Array }, a: number) =>
  new DataView(m.readPhysical(a, 8).buffer.slice(0)).getFloat64(0, true);

test('FIST rounding follows the control word; FIDIV and FILD on integers', () => {
  const r = runFlat(`
  fninit
  fild dword [seven]
  fidiv dword [two]
  fist dword [0x5000]       ; 3.5 -> 4 (nearest even)
  fldcw [trunc]
  fistp dword [0x5004]      ; 3.5 -> 3 (toward zero)
  fild dword [minus7]
  fidiv dword [two]
  fldcw [down]
  fistp dword [0x5008]      ; -3.5 -> -4 (down)
  hlt
seven: dd 7
minus7: dd -7
two: dd 2
trunc: dw 0x0f7f
down: dw 0x077f`);
  assert.deepEqual([u32(r.m, 0x5000), u32(r.m, 0x5004), u32(r.m, 0x5008) | 0], [4, 3, -4]);
});

test('FBSTP and FBLD use 18-digit packed BCD with the sign in byte 9', () => {
  const r = runFlat(`
  fninit
  fild dword [n]
  fchs
  fbstp [0x5000]
  fbld [0x5000]
  fistp dword [0x5010]
  hlt
n: dd 1234567`);
  assert.deepEqual(Array.from(r.m.readPhysical(0x5000, 10)), [0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0, 0x80]);
  assert.equal(u32(r.m, 0x5010) | 0, -1234567);
});

test('FNSAVE stores the environment and registers, reinitialises; FRSTOR brings them back', () => {
  const r = runFlat(`
  fninit
  fld1
  fldpi
  fnsave [0x5000]
  fnstcw [0x5100]
  fnstsw [0x5102]
  frstor [0x5000]
  fstp qword [0x5110]
  fstp qword [0x5118]
  hlt`);
  assert.equal(u32(r.m, 0x5000) & 0xffff, 0x37f);               // saved control word
  assert.equal((u32(r.m, 0x5004) >> 11) & 7, 6);                // saved TOP after two pushes
  assert.equal(r.m.readPhysical(0x5100, 2)[0] | (r.m.readPhysical(0x5100, 2)[1] << 8), 0x37f);
  assert.equal((r.m.readPhysical(0x5102, 2)[1] >> 3) & 7, 0);   // FNINIT state after FNSAVE
  // ST(0) = pi as an 80-bit value at offset 28: the double 0x400921fb54442d18 widens to mantissa c90fdaa2 2168c000.
  assert.equal(u32(r.m, 0x5000 + 28 + 4), 0xc90fdaa2);
  assert.equal(f64(r.m, 0x5110), Math.PI);
  assert.equal(f64(r.m, 0x5118), 1);
});

test('FCOMI sets ZF/PF/CF like an unsigned compare, and all three when unordered', () => {
  const r = runFlat(`
  fninit
  fld qword [one]
  fld qword [two]
  fcomi st0, st1            ; 2 > 1: ZF=PF=CF=0
  pushfd
  pop dword [0x5000]
  fxch
  fcomi st0, st1            ; 1 < 2: CF=1
  pushfd
  pop dword [0x5004]
  fld qword [nan]
  fucomi st0, st1           ; unordered: ZF=PF=CF=1
  pushfd
  pop dword [0x5008]
  hlt
one: dq 1.0
two: dq 2.0
nan: dq __QNaN__`);
  const mask = 0x45;
  assert.deepEqual([u32(r.m, 0x5000) & mask, u32(r.m, 0x5004) & mask, u32(r.m, 0x5008) & mask], [0, 1, 0x45]);
});
