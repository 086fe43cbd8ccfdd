// The Registers view's SSE node: XMM0-XMM7 and MXCSR as the guest left them, after real SSE
// instructions ran on the machine (values worked out from the SDM, not read back from the view).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registerTree, mxcsrText, type Node } from '../../debug-adapter/state-views';
import { createEmulatorMachine } from '../conformance/emulator-under-test';
import { prepareFlat32, stepOne } from '../conformance/flat32-harness';

const kids = (n: Node | undefined): Node[] => (n?.children ? n.children() : []);

test('the sse node shows XMM registers as 128-bit hex, dwords, floats and doubles, and MXCSR decoded', () => {
  const m = createEmulatorMachine();
  prepareFlat32(m);
  m.setRegister('cr4', 0x600);
  // 1.0f, 2.0f, -0.5f, 1.5 (double, high qword) at 0x10000; movups xmm3, [ebx]; addps xmm3, xmm3;
  // ldmxcsr [ebx+16] with 0x3d80 | 0x20: RC down, ZE unmasked, PE set.
  m.writePhysical(0x10000, Uint8Array.from([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0xa0, 0x3d, 0, 0]));
  const regs = Uint32Array.from([0, 0, 0, 0x10000, 0, 0, 0, 0]);
  for (const insn of [[0x0f, 0x10, 0x1b], [0x0f, 0x58, 0xdb], [0x0f, 0xae, 0x53, 0x10]]) assert.equal(stepOne(m, Uint8Array.from(insn), regs, 0).fault, -1);
  const sse = registerTree(m).find((n) => n.name === 'sse');
  assert.ok(sse, 'an sse node');
  assert.equal(sse.value, 'mxcsr=0x00003da0');
  const [mxcsr, ...xmm] = kids(sse);
  assert.equal(mxcsr!.value, mxcsrText(0x3da0));
  assert.match(mxcsr!.value, /RC down/);
  assert.match(mxcsr!.value, /PE/);
  assert.match(mxcsr!.value, /unmasked ZE/);
  assert.equal(xmm.length, 8);
  // addps doubles each float lane: 2.0f 4.0f; the high qword's floats 0 and 1.9375f double too.
  assert.equal(xmm[3]!.value, '0x40780000000000004080000040000000');
  const parts = kids(xmm[3]);
  assert.equal(parts.find((p) => p.name === 'f32')!.value, '{2, 4, 0, 3.875}');
  assert.equal(xmm[0]!.value, '0x' + '0'.repeat(32));
});
