// A restore keeps the blocks compiled from pages it does not put back (replaying the code just
// run must not recompile it), and drops those compiled from pages it does: code patched after a
// snapshot must not survive the restore in compiled
// form. Each case compares a run from the restored snapshot with the same run the first time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../emulator/machine';
import { assemble } from '../cpu/harness';

const CODE = 0x100000;

/** A hot loop adding 1 to EAX; `patch` is the offset of its `add eax, 1` immediate. */
const LOOP = `
  mov esp, 0x90000
  xor eax, eax
top:
  add eax, 1
  mov [0x200000], eax
  jmp top
`;

function machine(): { m: Machine; imm: number } {
  const m = new Machine({ mode: 'hvm', memoryMiB: 8, blockCompiler: true });
  const bytes = assemble(LOOP);
  // 83 C0 01: add eax, 1 (the immediate is the byte after 83 C0).
  let at = -1;
  for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0x83 && bytes[i + 1] === 0xc0 && bytes[i + 2] === 0x01) { at = i + 2; break; }
  assert.ok(at > 0, 'found add eax, 1');
  m.load({ memory: [{ paddr: CODE, bytes }], entry: { kind: 'flat32', eip: CODE, regs: { esp: 0x90000 } }, description: 'add loop' });
  return { m, imm: CODE + at };
}

const state = (m: Machine) => `${m.icount} ${m.getRegisters().eax >>> 0} ${m.readPhysical(0x200000, 4).join(',')}`;

test('a restore keeps the blocks of pages it leaves alone, and the replay matches the first run', () => {
  const { m } = machine();
  m.run(300_000); // hot and compiled
  const snap = m.snapshot();
  const at = state(m);
  m.run(300_000);
  const after = state(m);
  const cache = m.cpu.blocks!;
  const blocks = [];
  for (let o = 0; o < 64; o++) { const b = cache.lookup(CODE + o, 1e9); if (b) blocks.push(b); }
  assert.ok(blocks.length > 0 && blocks.every((b) => b.live), 'the loop was compiled');
  m.restore(snap);
  assert.equal(state(m), at);
  assert.ok(blocks.every((b) => b.live), 'the blocks of the code page are still live after the restore');
  m.run(300_000);
  assert.equal(state(m), after, 'the replay retires the same instructions to the same state');
});

test('code the debugger patched after a snapshot is gone after restoring it, compiled or not', () => {
  const { m, imm } = machine();
  m.run(300_000);
  const snap = m.snapshot();
  m.run(300_000);
  const original = state(m);
  m.restore(snap);
  // add eax, 3 instead of 1: hot enough to be compiled in its patched form.
  m.writePhysical(imm, new Uint8Array([3]));
  m.run(300_000);
  const patched = state(m);
  assert.notEqual(patched, original);
  m.restore(snap);
  assert.equal(m.readPhysical(imm, 1)[0], 1, 'the restored page holds the original code');
  m.run(300_000);
  assert.equal(state(m), original, 'the run after the restore executes the original code, not the patched block');
});
