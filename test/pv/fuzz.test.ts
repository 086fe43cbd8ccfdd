// Hypercall fuzzing: a guest calls random hypercall numbers with random arguments, and a
// host-side loop drives the dispatcher directly with random registers. Either way every
// call returns a result (errors included) or the domain crashes cleanly; the host never
// throws and never hangs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPvGuest, runPv } from './harness';
import { hypercall } from '../../emulator/pv/hypercalls';

for (const seed of [12345, 777, 4242]) {
  test(`fuzzing guest, seed ${seed}: errors or a clean domain crash`, (t) => {
    const elf = buildPvGuest('fuzz', [`SEED=${seed}`]);
    let r: ReturnType<typeof runPv> | undefined;
    assert.doesNotThrow(() => { r = runPv(elf, { budget: 20_000_000 }); });
    const { stop, machine, out } = r!;
    assert.ok(['shutdown', 'domain-crash'].includes(stop.kind), `${JSON.stringify(stop)}\n${out.slice(-400)}`);
    const st = machine.exits;
    const errors = Object.values(st.hypercallErrors ?? {}).reduce((a, b) => a + b, 0);
    assert.ok(st.total > 50, `only ${st.total} hypervisor entries`);
    assert.ok(errors > 0, 'random arguments must produce some errors');
    t.diagnostic(`${stop.kind}${'detail' in stop ? ': ' + stop.detail : ''}; ${st.total} entries, ${errors} errors`);
    if (stop.kind === 'shutdown') assert.match(out, /fuzz rounds done, errors=[0-9a-f]{8}/);
    else assert.ok(stop.kind === 'domain-crash' && stop.detail.length > 0);
  });
}

test('host-side fuzz of the dispatcher: random registers, no host exception', () => {
  const r = runPv(buildPvGuest('hello'), { budget: 100 });
  const m = r.machine;
  // Rebuild the domain without running it, then call the dispatcher as int 0x82 would.
  let x = 0x9e3779b9;
  const rand = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0; };
  const pv = m.pv!;
  let calls = 0, reloads = 0;
  for (let i = 0; i < 5000; i++) {
    if (pv.domain.dead) { m.load(m.loadedPlan!); reloads++; }
    const nr = rand() % 48;
    if (nr === 29 || nr === 6) continue;
    const regs = m.cpu.regs;
    regs[0] = nr;
    for (const k of [3, 1, 2, 6, 7]) {
      const kind = rand() % 4;
      regs[k] = kind === 0 ? rand() % 16 : kind === 1 ? 0xc0000000 + (rand() % 0x8000) : kind === 2 ? 0xf5800000 + (rand() % 0x1000000) : rand();
    }
    const esp = regs[4];
    assert.doesNotThrow(() => hypercall(pv.domain), `hypercall ${nr}`);
    regs[4] = esp;
    calls++;
  }
  assert.ok(calls > 4000);
  assert.ok(reloads < calls / 2, `${reloads} crashes in ${calls} calls`);
});
