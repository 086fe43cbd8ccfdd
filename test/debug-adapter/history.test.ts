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

/**
 * A clock the test drives: each lap returns the running time the test says passed (then
 * nothing), and a lap with no running before it (a snapshot's own) takes SNAPSHOT_MS.
 */
class DrivenClock {
  private ran = 0;
  static readonly SNAPSHOT_MS = 20;
  run(ms: number): void { this.ran += ms; }
  lap(): number { const v = this.ran; this.ran = 0; return v > 0 ? v : DrivenClock.SNAPSHOT_MS; }
}

/** A 16 MiB guest rewriting a 4 MiB array: each pass dirties 1,024 pages, so a snapshot costs the share rule ~200 ms of running. */
function sweeper(): { m: Machine; PASS: number } {
  const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
  m.load({
    memory: [{ paddr: CODE, bytes: assemble('mov esp, 0x90000\nxor ebx, ebx\nouter:\ninc ebx\nmov edi, 0x400000\nmov ecx, 0x100000\nfill:\nmov [edi], ebx\nadd edi, 4\ndec ecx\njnz fill\njmp outer') }],
    entry: { kind: 'flat32', eip: CODE, regs: { esp: 0x90000 } }, description: 'sweeper',
  });
  return { m, PASS: 4 + 4 * 0x100000 };
}

test('a run whose snapshots the share rule spaces wide still leaves a bounded re-execution: snapshots at 50, 100, 200 ms of running', () => {
  const { m, PASS } = sweeper();
  const clock = new DrivenClock();
  const h = new History(m, 256 << 20, 10_000, clock);
  h.resumed();
  const seen = new Map<number, string>();
  // 30 slices of 10 ms of running, one pass of the sweep each.
  for (let i = 1; i <= 30; i++) {
    m.run(PASS);
    clock.run(10);
    h.maybeTake();
    seen.set(m.icount, state(m));
  }
  const at: number[] = [];
  for (let s: ReturnType<History['before']> | null = h.before(m.icount + 1); s; s = h.previous(s)) at.unshift(s.icount);
  // The start, then REWIND_MS (50 ms: slice 5) and each time the running since the newest
  // snapshot has reached the run before it: 100 ms (slice 10) and 200 ms (slice 20). The share
  // rule (a 1,024-page copy wants ~200 ms of running after it) takes none in between.
  assert.deepEqual(at, [0, 5 * PASS, 10 * PASS, 20 * PASS]);
  // A stop here (300 ms) re-executes 100 ms, a third of the run; each snapshot puts its point back exactly.
  for (const [icount, want] of [...seen].reverse().filter((_, i) => i % 7 === 0)) {
    h.restore(h.before(icount + 1));
    while (m.icount < icount) m.run(icount - m.icount);
    assert.equal(state(m), want, `at ${icount}`);
  }
});

test('the re-execution bound yields to the memory budget: no snapshot past it', () => {
  const { m, PASS } = sweeper();
  const clock = new DrivenClock();
  // Room for one 4 MiB copy of the array beside the loaded image, not two.
  const budget = 6 << 20;
  const h = new History(m, budget, 10_000, clock);
  h.resumed();
  for (let i = 1; i <= 30; i++) {
    m.run(PASS);
    clock.run(10);
    h.maybeTake();
    assert.ok(h.heldBytes <= budget, `${h.heldBytes} bytes held at slice ${i}`);
  }
  // Due at 50, 100 and 200 ms as above: the first taken, the next two found no room even with
  // the store thinned to the start (whose copy the machine's current image still shares).
  assert.deepEqual({ taken: h.taken - 1, skipped: h.stats().skipped }, { taken: 1, skipped: 2 });
  assert.equal(h.count, 1, 'thinned to the start of the run');
});
