// What the debugger and the CLI use in PV mode: snapshots that include the hypervisor's
// state (re-running from one gives the same output and the same records), exit filters
// on PV records, the PV state view, console input into the ring, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Machine } from '../../emulator/machine';
import { loadPvImage } from '../../emulator/pv/pv-image';
import { loadImage } from '../../emulator/loader';
import { buildPvGuest } from './harness';
import { compileExitFilter } from '../../emulator/machine/exit-filter';
import { describeExit } from '../../emulator/trace/describe-exit';

function machine(elf: string, out: { s: string }): Machine {
  const m = new Machine({ mode: 'pv', memoryMiB: 16, serialOut: (b) => { out.s += String.fromCharCode(b); } });
  m.load(loadPvImage(new Uint8Array(readFileSync(elf)), { ramBytes: 16 << 20 }));
  return m;
}

function runOut(m: Machine): ReturnType<Machine['run']> {
  for (;;) { const s = m.run(5_000_000); if (s.kind !== 'budget') return s; }
}

test('a snapshot taken mid-run replays to the same output, records and stop', () => {
  const out = { s: '' };
  const m = machine(buildPvGuest('events'), out);
  m.run(300_000); // past the timer setup, while events are flowing
  const snap = m.snapshot();
  const before = out.s.length, seq = m.exits.total;
  const first = runOut(m);
  const tail1 = out.s.slice(before), recs1 = m.exits.page(seq, 100000).map((r) => `${r.reasonName}:${r.qualification}:${r.icount}`);
  m.restore(snap);
  assert.equal(m.exits.total, seq);
  out.s = out.s.slice(0, before);
  const second = runOut(m);
  assert.deepEqual(second, first);
  assert.equal(out.s.slice(before), tail1);
  assert.deepEqual(m.exits.page(seq, 100000).map((r) => `${r.reasonName}:${r.qualification}:${r.icount}`), recs1);
});

test('exit filters see PV records: stop on a hypercall number', () => {
  const out = { s: '' };
  const m = machine(buildPvGuest('events'), out);
  m.setExitFilter(compileExitFilter('HYPERCALL nr == 24')); // vcpu_op, in the filter language debuggers use
  const stop = m.run(50_000_000);
  assert.equal(stop.kind, 'filter');
  const rec = m.exits.page((stop as { exitSeq: number }).exitSeq, 1)[0];
  assert.equal(rec.handler, 'vcpu_op');
  assert.equal(describeExit(rec), 'hypercall vcpu_op (24) = 0');
  // Recorded at the guest's call into the hypercall page (call rel32 = E8), not inside the page.
  const page = m.pv!.domain.layout!.hypercallPageVa!;
  assert.ok(rec.eip < page || rec.eip >= page + 4096);
  assert.equal(rec.bytes[0], 0xe8);
  assert.equal(rec.bytes.length, 5);
  assert.equal((rec.eip + 5 + (rec.bytes[1] | (rec.bytes[2] << 8) | (rec.bytes[3] << 16) | (rec.bytes[4] << 24))) >>> 0, page + 24 * 32);
  const st = m.pvState!()!;
  assert.ok(st.eventChannels.some((c) => c.kind === 'virq' && c.virq === 0));
  assert.ok(st.timers.periodicNs === 1_000_000);
});

test('console input goes into the ring named by start_info and notifies its port', () => {
  const out = { s: '' };
  const m = machine(buildPvGuest('hello'), out);
  const lay = m.pv!.domain.layout!;
  m.serialInput(new TextEncoder().encode('hi\n'));
  const ring = m.readPhysical(lay.consoleMfn * 4096, 4096);
  const u32 = (o: number) => ring[o] | (ring[o + 1] << 8) | (ring[o + 2] << 16) | (ring[o + 3] << 24);
  assert.equal(u32(3076), 3);             // in_prod
  assert.equal(u32(3072), 0);             // in_cons
  assert.equal(String.fromCharCode(ring[0], ring[1], ring[2]), 'hi\n');
  const port = m.pvState!()!.eventChannels.find((c) => c.backend === 'console')!;
  assert.equal(port.port, lay.consoleEvtchn);
  assert.equal(port.pending, true);
});

test('loading the wrong kind of kernel is a clear error', () => {
  const pvMachine = new Machine({ mode: 'pv', memoryMiB: 16 });
  // The plain loader refuses a PV kernel and says why; an HVM plan on a PV machine is refused too.
  assert.throws(() => loadImage(new Uint8Array(readFileSync(buildPvGuest('hello'))), { ramBytes: 16 << 20 }), /PV mode/);
  assert.throws(() => pvMachine.load({ memory: [], entry: { kind: 'reset' }, description: 'a BIOS image' }), /needs a Xen PV kernel/);
  const hvmMachine = new Machine({ mode: 'hvm', memoryMiB: 16 });
  assert.throws(() => hvmMachine.load(loadPvImage(new Uint8Array(readFileSync(buildPvGuest('hello'))), { ramBytes: 16 << 20 })), /PV mode/);
  assert.throws(() => loadPvImage(new Uint8Array([1, 2, 3]), { ramBytes: 16 << 20 }), /not a Xen PV kernel|ELF/);
  assert.throws(() => new Machine({ mode: 'pv', memoryMiB: 1 }).load(loadPvImage(new Uint8Array(readFileSync(buildPvGuest('hello'))), { ramBytes: 1 << 20 })), /memory|KiB|MiB/);
});

test('a kernel with the legacy __xen_guest section and no hypercall page boots with int 0x82; the command line arrives', async () => {
  const { runPv } = await import('./harness');
  const r = runPv(buildPvGuest('legacy'), { cmdline: 'abcd efg' });
  assert.deepEqual(r.stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' });
  assert.equal(r.out, 'legacy __xen_guest kernel\nabcd\n');
  assert.equal(r.machine.exits.hypercalls!.console_io, 2);
});
