// The block compiler must be invisible: same instruction counts, registers, memory, stops and
// exits as the interpreter. Random programs (test/conformance/block-programs.ts) plus the
// cases a debugger and a hypervisor depend on: breakpoints and watchpoints inside hot loops,
// exits from inside blocks, stores into the loop's own code and data beside it.
// PARAVIRT_BLOCK_COUNT sets the number of random programs (default 120), PARAVIRT_SEED the seed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Machine } from '../../emulator/machine';
import { envInt } from '../conformance/random';
import { runBlockComparison } from '../conformance/block-programs';
import { assemble } from './harness';
import { compileErrors } from '../../emulator/cpu/block-compiler';

const CODE = 0x100000;

function boot(source: string, compile: boolean): Machine {
  const m = new Machine({ mode: 'hvm', memoryMiB: 8, blockCompiler: compile });
  // Compile on the first visit: these loops are short next to the default threshold.
  if (compile) m.cpu.blockThreshold = 1;
  m.load({ memory: [{ paddr: CODE, bytes: assemble(source, 32, CODE) }], entry: { kind: 'flat32', eip: CODE, regs: { esp: 0x90000 } }, description: 'test' });
  return m;
}

/** A loop over 256 dwords with the array in the code's page; `patch` rewrites an immediate in the loop. */
const LOOP = `
  mov ebx, 0x9e3779b9
  mov ebp, 300
outer:
  mov esi, array
inner:
  mov eax, [esi]
  add eax, ebx
  mov ecx, eax
  shl ecx, 3
  xor eax, ecx
  ror eax, 7
  mov [esi], eax
  add ebx, eax
  add esi, 4
  cmp esi, array + 1024
  jb inner
  dec ebp
  jnz outer
  hlt
align 64
array: times 256 dd 1
`;

test('random programs: compiled blocks and the interpreter agree slice by slice', () => {
  const count = envInt('PARAVIRT_BLOCK_COUNT', 120);
  const seed = envInt('PARAVIRT_SEED', 20261125);
  const r = runBlockComparison(count, seed);
  assert.equal(r.disagreed, 0, r.failures.join('\n\n'));
  assert.equal(r.checked, count);
  // The comparison means something only if the compiler actually ran.
  assert.ok(r.blocks > count * 5, `only ${r.blocks} blocks compiled`);
  assert.equal(compileErrors.count, 0, compileErrors.last);
});

test('a hot loop is compiled, gives the interpreter\'s result, and data in its page invalidates nothing', () => {
  const a = boot(LOOP, false), b = boot(LOOP, true);
  const sa = a.run(10_000_000), sb = b.run(10_000_000);
  assert.equal(sa.kind, 'halted');
  assert.deepEqual(sb, sa);
  assert.equal(b.icount, a.icount);
  assert.deepEqual(b.getRegisters(), a.getRegisters());
  assert.ok((b.cpu.blocks?.compiled ?? 0) > 0);
  assert.equal(b.cpu.blocks?.invalidated, 0, 'stores to the array beside the loop dropped compiled code');
});

test('a store into a compiled loop\'s own code takes effect on the next iteration', () => {
  // Each pass rewrites the immediate of `add ebx, 1` so the sum depends on every rewrite being seen.
  const src = `
  mov ebx, 0
  mov ecx, 1
  mov ebp, 200
again:
add_here:
  add ebx, 0x11111111
  inc ecx
  mov [add_here + 2], ecx
  dec ebp
  jnz again
  hlt
`;
  const a = boot(src, false), b = boot(src, true);
  a.run(1_000_000); b.run(1_000_000);
  assert.deepEqual(b.getRegisters(), a.getRegisters());
  // 0x11111111 on the first pass, then 2, 3, ..., 200.
  let want = 0x11111111;
  for (let i = 2; i <= 200; i++) want = (want + i) >>> 0;
  assert.equal(b.getRegisters().ebx >>> 0, want);
  assert.ok((b.cpu.blocks?.invalidated ?? 0) > 0);
});

test('a breakpoint set inside a compiled loop stops there after exactly as many instructions', () => {
  const a = boot(LOOP, false), b = boot(LOOP, true);
  a.run(50_000); b.run(50_000);
  // The address of `add ebx, eax` (01 C3), in the middle of the inner loop.
  const bytes = b.readPhysical(CODE, 128);
  let at = -1;
  for (let i = 0; i < bytes.length - 1; i++) if (bytes[i] === 0x01 && bytes[i + 1] === 0xc3) { at = CODE + i; break; }
  assert.ok(at > 0);
  for (const m of [a, b]) m.addBreakpoint(at);
  const sa = a.run(10_000_000), sb = b.run(10_000_000);
  assert.equal(sa.kind, 'breakpoint');
  assert.deepEqual(sb, sa);
  assert.equal(b.icount, a.icount);
  assert.deepEqual(b.getRegisters(), a.getRegisters());
  // Resume: the next stop is one iteration later, in both.
  const ta = a.run(10_000_000), tb = b.run(10_000_000);
  assert.deepEqual(tb, ta);
  assert.equal(b.icount, a.icount);
});

test('a watchpoint on data written by a compiled loop stops at the same instruction', () => {
  const a = boot(LOOP, false), b = boot(LOOP, true);
  a.run(200_000); b.run(200_000);
  // An element this pass already wrote: the next write to it is on the next pass.
  const target = (a.getRegisters().esi - 8) >>> 0;
  for (const m of [a, b]) m.addWatchpoint(target, 4, 'write');
  const sa = a.run(10_000_000), sb = b.run(10_000_000);
  assert.equal(sa.kind, 'watchpoint');
  assert.deepEqual(sb, sa);
  assert.equal(b.icount, a.icount);
  assert.deepEqual(b.getRegisters(), a.getRegisters());
});

test('exits taken inside compiled code are the same exits, at the same instructions', () => {
  // A loop reading the local APIC (an MMIO page: EPT-violation exits) and CPUID via the interpreter path.
  const src = `
  mov ebp, 500
again:
  mov eax, [0xfee00030]
  add ebx, eax
  mov eax, 1
  cpuid
  add esi, eax
  dec ebp
  jnz again
  hlt
`;
  const a = boot(src, false), b = boot(src, true);
  a.run(1_000_000); b.run(1_000_000);
  assert.deepEqual(b.getRegisters(), a.getRegisters());
  assert.deepEqual(b.exits.byReason, a.exits.byReason);
  assert.equal(b.exits.total, a.exits.total);
  const la = a.exits.recent(5), lb = b.exits.recent(5);
  assert.deepEqual(lb.map((e) => [e.reason, e.eip, e.icount]), la.map((e) => [e.reason, e.eip, e.icount]));
});

test('restoring a snapshot drops code compiled after it', () => {
  const m = boot(LOOP, true);
  m.run(1000);
  const snap = m.snapshot();
  const regs = m.getRegisters(), ic = m.icount;
  m.run(1_000_000);
  m.restore(snap);
  assert.deepEqual(m.getRegisters(), regs);
  assert.equal(m.icount, ic);
  const again = boot(LOOP, false);
  again.run(1000); again.run(1_000_000); m.run(1_000_000);
  assert.deepEqual(m.getRegisters(), again.getRegisters());
});
