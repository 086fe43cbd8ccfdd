// The debugger keeps a PV guest's two consoles apart: the ring (the domain's console) and
// serial in the Debug Console, Xen's console (console_io) in `paravirt.hypervisorConsole`
// events, which the extension shows in an output channel of its own. The guest writes each
// line to both, as Mini-OS does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, launch, outputs, removeBuild, startClient, type Built } from './harness';
import { buildPvGuest } from '../pv/harness';

let b: Built;
let elf: string;
const clients: DebugClient[] = [];
before(async () => { b = await buildAll([]); elf = buildPvGuest('two-consoles'); });
after(async () => { for (const c of clients) await c.stop().catch(() => undefined); removeBuild(b); });

const EARLY = 'early: console_io only\n';
const line = (n: number) => `both ${n}: console_io and the ring\n`;
const RING = line(1) + line(2) + line(3);

async function session(hypervisorConsole?: string): Promise<{ debugConsole: string; xen: string }> {
  const dc = await startClient(b.adapter); clients.push(dc);
  let xen = '';
  dc.on('paravirt.hypervisorConsole', (e) => { xen += e.body.output; });
  const terminated = dc.waitForEvent('terminated');
  await launch(dc, { program: elf, mode: 'pv', profile: false, ...(hypervisorConsole ? { hypervisorConsole } : {}) });
  await terminated;
  return { debugConsole: outputs.get(dc)!.stdout ?? '', xen };
}

test('auto (the default): each line once in the Debug Console; console_io after the ring is up goes apart', async () => {
  const s = await session();
  assert.equal(s.debugConsole, EARLY + RING);
  assert.equal(s.xen, line(2) + line(3));
});

test('separate: the ring in the Debug Console, all of Xen\'s console apart; debugConsole merges them', async () => {
  const s = await session('separate');
  assert.equal(s.debugConsole, RING);
  assert.equal(s.xen, EARLY + RING);
  const m = await session('debugConsole');
  assert.equal(m.debugConsole, EARLY + line(1) + line(1) + line(2) + line(2) + line(3) + line(3));
  assert.equal(m.xen, '');
});
