// The reverse-execution store on its own: snapshots thinned as a run outgrows the memory
// budget, whose page copies are shared and freed, must still put every point of the run back
// exactly (registers and all of guest RAM), however often the store was thinned; and what it
// holds never goes past the budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Machine } from '../../emulator/machine';
import { History } from '../../debug-adapter/engine/history';
import { assemble } from '../cpu/harness';

const CODE = 0x100000;
// Every iteration changes registers and writes RAM in a moving place, so a snapshot restored
// with another snapshot's RAM (a reuse gone wrong) differs from the forward run.
const PROGRAM = `
  mov esp, 0x90000
  xor eax, eax
  mov ebx, 0x12345
top:
  inc eax
  imul ebx, ebx, 1103515245
  add ebx, 12345
  mov ecx, eax
  and ecx, 0xffff
  mov [0x200000 + ecx * 4], ebx
  jmp top
`;

function boot(): Machine {
  const m = new Machine({ mode: 'hvm', memoryMiB: 4 });
  m.load({ memory: [{ paddr: CODE, bytes: assemble(PROGRAM) }], entry: { kind: 'flat32', eip: CODE, regs: { esp: 0x90000 } }, description: 'history test' });
  return m;
}

function state(m: Machine): string {
  const r = m.getRegisters();
  const ram = m.readPhysical(0, 4 << 20)!;
  return `${m.icount} ${r.eax} ${r.ebx} ${r.ecx} ${r.eip} ${createHash('sha1').update(ram).digest('hex')}`;
}

test('snapshots thinned and reused still restore every point of the run exactly', () => {
  const m = boot();
  // The loop writes 7,777 / 7 stores into 256 KiB between snapshots (about 64 pages each
  // time, most of them again): 1 MiB holds a handful, so the store is thinned again and again.
  const budget = 1 << 20;
  const h = new History(m, budget, 10_000);
  const start = h.interval;
  const seen = new Map<number, string>();
  for (let i = 1; i <= 60; i++) {
    m.run(7_777);
    seen.set(m.icount, state(m));
    if (i % 3 === 0) h.takeNow(); else h.maybeTake();
    assert.ok(h.heldBytes <= budget, `${h.heldBytes} bytes held after snapshot ${i}`);
    if (i === 30) h.truncateAfter(m.icount - 20_000);
  }
  assert.ok(h.interval > start, 'the store was thinned');
  assert.ok(h.count >= 3, `${h.count} snapshots kept`);
  for (const [icount, want] of [...seen].reverse()) {
    h.restore(h.before(icount + 1));
    while (m.icount < icount) m.run(icount - m.icount);
    assert.equal(state(m), want, `at ${icount}`);
    // Checkpoints while going back, as stepBack leaves them: more thinning and reuse.
    if (icount % 2 === 1) h.takeNow();
    assert.ok(h.heldBytes <= budget);
  }
});

test('thinning keeps snapshots dense near the present and sparse in the past, each still exact', () => {
  // A writer sweeping a 1 MiB array: every 20,000 instructions dirty four new pages, and once the
  // sweep wraps, older snapshots hold copies nothing newer shares, so the 3 MiB budget forces
  // thinning again and again over 300 snapshots.
  const m = new Machine({ mode: 'hvm', memoryMiB: 4 });
  m.load({
    memory: [{ paddr: CODE, bytes: assemble('mov esp, 0x90000\nxor eax, eax\ntop:\ninc eax\nmov ecx, eax\nand ecx, 0x3ffff\nmov [0x200000 + ecx * 4], eax\njmp top') }],
    entry: { kind: 'flat32', eip: CODE, regs: { esp: 0x90000 } }, description: 'thinning test',
  });
  const budget = 3 << 20, EVERY = 20_000;
  const h = new History(m, budget, 10_000);
  const seen = new Map<number, string>();
  for (let i = 1; i <= 300; i++) {
    m.run(EVERY);
    if (i % 50 === 0 || i >= 297) seen.set(m.icount, state(m));
    h.takeNow();
    assert.ok(h.heldBytes <= budget, `${h.heldBytes} bytes held after snapshot ${i}`);
  }
  const at: number[] = [];
  for (let s: ReturnType<History['before']> | null = h.before(m.icount + 1); s; s = h.previous(s)) at.unshift(s.icount);
  const gaps = at.slice(1).map((x, i) => x - at[i]!);
  assert.equal(at[0], 0, 'the start of the run is kept');
  assert.ok(at.length >= 6, `${at.length} snapshots kept`);
  // The newest ones are as close as they were taken; going back, gaps only widen.
  assert.deepEqual(gaps.slice(-2), [EVERY, EVERY], `gaps ${gaps.join(' ')}`);
  for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i - 1]! >= gaps[i]!, `gaps ${gaps.join(' ')} narrow going back`);
  assert.ok(gaps[0]! >= 16 * EVERY, `gaps ${gaps.join(' ')}: the past was not thinned`);
  assert.equal(h.stats().spacing, Math.max(...gaps), 'the stats give the widest gap');
  for (const [icount, want] of seen) {
    h.restore(h.before(icount + 1));
    while (m.icount < icount) m.run(icount - m.icount);
    assert.equal(state(m), want, `at ${icount}`);
  }
});
