// XENMEM_add_to_physmap of Xen's frames above the memory map, as Linux places its grant frames
// (test/guests/pvh/physmap.c): Xen's xenmem_add_to_physmap_one takes any gpfn its p2m can hold,
// so the frame shows at a page nothing populates, as plain memory (no exit); Xen reads the
// grant entries the guest writes there (GNTTABOP_copy through them), a frame placed again
// leaves its old page empty, and shared_info placed there carries the pvclock. A snapshot holds
// the mappings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Machine } from '../../emulator/machine';
import { loadPvh, readImage } from '../../emulator/loader';
import type { ExitRecord } from '../../emulator/machine';
import { ExitReason } from '../../emulator/isa/exit-reasons';
import { buildPvhGuest, field } from './harness';

const elf = buildPvhGuest('physmap');
// The run, with every VM exit kept (the filter sees each record and never stops the run).
function runRecorded(): { machine: Machine; stop: ReturnType<Machine['run']>; out: string; exits: ExitRecord[] } {
  let out = '';
  const machine = new Machine({ mode: 'pvh', memoryMiB: 64, serialOut: (b) => { out += String.fromCharCode(b); } });
  machine.load(loadPvh(readImage(new Uint8Array(readFileSync(elf))), { ramBytes: 64 << 20 }));
  const exits: ExitRecord[] = [];
  machine.setExitFilter((r) => { exits.push(r); return false; });
  let stop = machine.run(50_000_000);
  while (stop.kind === 'budget' && machine.icount < 50_000_000) stop = machine.run(50_000_000 - machine.icount);
  return { machine, stop, out, exits };
}
const run = runRecorded();
const out = run.out;
const num = (prefix: string, key: string) => Number(field(out, prefix, key));

test('the guest finds the first 128 MiB boundary above its memory map empty (all ones)', () => {
  assert.deepEqual(run.stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' });
  assert.equal(field(out, 'physmap:', 'scratch'), '8000000');             // 64 MiB of RAM: the map ends below 128 MiB
  assert.equal(field(out, 'empty before', 'before'), 'ffffffff');
});

test('a grant frame placed above RAM: Xen reads the entries the guest writes there', () => {
  assert.equal(num('grant frame 0 rc', 'rc'), 0);
  // GNTTABOP_copy through ref 8, which exists only in that page: the 16 bytes 'a'..'p' arrive.
  assert.equal(num('copy via frame at scratch', 'status'), 0);
  assert.equal(field(out, 'copy via frame at scratch', 'dst'), 'abcp');
  // Its flags cleared through the same page, the grant is gone: GNTST_general_error (-1).
  assert.equal(num('copy after revoke', 'status'), -1);
});

test('placed again, the frame leaves its old page (all ones again) and shows at the new one', () => {
  assert.equal(num('grant frame 0 again', 'rc'), 0);
  assert.equal(field(out, 'old page', 'page'), 'ffffffff');
  assert.equal(field(out, 'old page', 'frame'), '1');
  assert.equal(field(out, 'old page', 'flags'), '1');
  assert.equal(num('copy via moved frame', 'status'), 0);
  assert.equal(field(out, 'copy via moved frame', 'dst'), 'ap');
});

test('a grant frame just above 4 GiB, where Linux puts it: Xen reads the entry written there; beyond 36 bits -EINVAL', () => {
  assert.equal(field(out, 'high before', 'before'), 'ffffffff');
  assert.equal(num('grant frame 1 at 107fff', 'rc'), 0);
  assert.equal(num('copy via frame above 4g', 'status'), 0);
  assert.equal(field(out, 'copy via frame above 4g', 'dst'), 'ap');
  // The CPU's physical addresses are 36 bits (CPUID 0x80000008): Xen's EPT refuses a gfn beyond.
  assert.equal(num('beyond 36 bits', 'rc'), -22);
});

test('shared_info placed above RAM carries the pvclock Xen keeps, and nothing there made an exit', () => {
  assert.equal(num('shared_info rc', 'rc'), 0);
  assert.equal(field(out, 'pvclock above ram', 'version_even'), '1');
  assert.equal(field(out, 'pvclock above ram', 'mul_nonzero'), '1');
  assert.equal(field(out, 'pvclock above ram', 'system_time_nonzero'), '1');
  assert.equal(field(out, 'empty after', 'after'), 'ffffffff');
  // The placed frames are memory in Xen's p2m: no EPT violation there, no I/O. The only EPT
  // violations are the guest's reads of pages its p2m lacks (scratch space before and after a
  // frame is there, Xen's own frame), each completed by Xen itself.
  assert.equal(run.machine.exits.byReason.IO_INSTRUCTION, undefined);
  const ept = run.exits.filter((r) => r.reason === ExitReason.EPT_VIOLATION);
  assert.ok(ept.every((r) => r.handler === 'hypervisor'), JSON.stringify(ept.map((r) => r.handler)));
  const pages = [...new Set(ept.map((r) => Math.floor(r.gpa! / 4096)))].sort((a, b) => a - b);
  const scratch = 0x8000000 / 4096, top = Number('0x' + field(out, 'physmap:', 'end')) / 4096;
  assert.deepEqual(pages, [top, scratch, scratch + 3, 0x107fff].sort((a, b) => a - b));
  assert.equal(run.machine.exits.byReason.EPT_VIOLATION, ept.length);
});

test('Xen\'s own frames are no gfn of the guest\'s before it places them: reads all ones, a write goes nowhere, the domain runs on', () => {
  assert.equal(field(out, 'hypervisor frame', 'before'), 'ffffffff');
  assert.equal(field(out, 'hypervisor frame', 'after_write'), 'ffffffff');
  // shared_info's evtchn_pending (the frame's 0x800), as Xen keeps it: the write did not reach it.
  const top = Number('0x' + field(out, 'physmap:', 'end'));
  assert.notDeepEqual([...run.machine.readPhysical(top + 0x800, 4)], [0x78, 0x56, 0x34, 0x12]);
  const writes = run.exits.filter((r) => r.reason === ExitReason.EPT_VIOLATION && r.gpa === top + 0x800);
  assert.equal(writes.length, 3, 'read, write, read: each an EPT violation at the frame');
  assert.equal(run.stop.kind, 'shutdown');
});

test('hypercall arguments inside a placed frame: Xen follows the p2m to it (no -EFAULT), reading and writing there', () => {
  assert.equal(num('grant frame 2', 'rc'), 0);
  // GNTTABOP_copy's argument (read by copy_from_guest) and its status (written back) in the frame.
  assert.equal(num('args in placed frame', 'rc'), 0);
  assert.equal(num('args in placed frame', 'status'), 0);
  assert.equal(field(out, 'args in placed frame', 'dst'), 'ap');
  // XENVER_extraversion's 16 bytes written into the frame: Xen's extraversion starts with its dot.
  assert.equal(num('extraversion into placed frame', 'rc'), 0);
  assert.equal(field(out, 'extraversion into placed frame', 'first'), '.');
});

test('a snapshot holds the frame mappings: restored, the frame is back at its first page and the run replays', () => {
  let text = '';
  const m = new Machine({ mode: 'pvh', memoryMiB: 64, serialOut: (b) => { text += String.fromCharCode(b); } });
  m.load(loadPvh(readImage(new Uint8Array(readFileSync(elf))), { ramBytes: 64 << 20 }));
  while (!text.includes('grant frame 0 rc=') && m.icount < 50_000_000) m.run(1000);
  const snap = m.snapshot(), mark = text.length;
  // Mapped, the page reads as the grant frame (zeroes, perhaps entry 8 already); unmapped, all ones.
  const page = [...m.readPhysical(0x8000000, 4096)];
  assert.ok(page.some((b) => b !== 0xff));
  m.run(50_000_000);
  const first = text.slice(mark);
  assert.match(first, /old page=ffffffff/);
  assert.deepEqual([...m.readPhysical(0x8000000, 4)], [0xff, 0xff, 0xff, 0xff]);
  m.restore(snap);
  assert.deepEqual([...m.readPhysical(0x8000000, 4096)], page);
  text = text.slice(0, mark);
  m.run(50_000_000);
  assert.equal(text.slice(mark), first);
});
