// What the PVH loader refuses, with a message that says why, and what it builds: images that
// are not PVH kernels (no Xen notes, Xen notes without XEN_ELFNOTE_PHYS32_ENTRY, not an ELF),
// RAM too small for the layout or the kernel, and the start info's place after the modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPvh, readImage, ImageError } from '../../emulator/loader';
import { buildPvhGuest, ROOT } from './harness';
import { buildPvGuest } from '../pv/harness';

const pvh = readImage(new Uint8Array(readFileSync(buildPvhGuest('start'))));

test('an ELF without Xen notes is not a PVH kernel', () => {
  execFileSync('make', ['-s', '-C', join(ROOT, 'test/guests'), 'build/hello.elf']);
  const hvm = readImage(new Uint8Array(readFileSync(join(ROOT, 'test/guests/build/hello.elf'))));
  assert.throws(() => loadPvh(hvm, { ramBytes: 32 << 20 }), (e: Error) => e instanceof ImageError && /no Xen notes.*XEN_ELFNOTE_PHYS32_ENTRY \(18\)/.test(e.message));
});

test('a PV-only kernel (Xen notes, no PHYS32_ENTRY) is sent to --mode pv', () => {
  const pv = readImage(new Uint8Array(readFileSync(buildPvGuest('hello'))));
  assert.throws(() => loadPvh(pv, { ramBytes: 32 << 20 }), (e: Error) => e instanceof ImageError && /no XEN_ELFNOTE_PHYS32_ENTRY.*--mode pv/.test(e.message));
});

test('bytes that are neither an ELF nor a bzImage', () => {
  assert.throws(() => loadPvh(readImage(new Uint8Array(4096).fill(0x90)), { ramBytes: 32 << 20 }), (e: Error) => e instanceof ImageError && /not an ELF file: a PVH kernel is an ELF executable/.test(e.message));
});

test('RAM too small for the layout, or for the kernel below the ACPI area', () => {
  assert.throws(() => loadPvh(pvh, { ramBytes: 1 << 20 }), (e: Error) => e instanceof ImageError && /at least \d+ bytes/.test(e.message));
  assert.throws(() => loadPvh(pvh, { ramBytes: (1 << 20) + 40 * 4096 }), (e: Error) => e instanceof ImageError && /does not fit in the domain's RAM/.test(e.message));
});

test('entry at PHYS32_ENTRY in flat 32-bit mode with EBX = the start info, placed page-aligned after kernel and initrd', () => {
  const initrd = new Uint8Array(10000).fill(7);
  const plan = loadPvh(pvh, { ramBytes: 32 << 20, cmdline: 'x', initrd });
  const elf = pvh.format === 'elf' ? pvh.elf() : null;
  const note = pvh.format === 'elf' ? pvh.xen()!.physEntry : undefined;
  assert.ok(elf && note !== undefined);
  assert.equal(plan.entry.kind, 'flat32');
  assert.equal(plan.entry.kind === 'flat32' && plan.entry.eip, note);
  const kernelEnd = Math.max(...elf!.programHeaders.filter((p) => p.type === 1).map((p) => p.paddr + p.memsz));
  const mod = plan.pvh!.modules[0]!;
  assert.equal(mod.paddr, Math.ceil(kernelEnd / 4096) * 4096);
  assert.equal(mod.size, initrd.length);
  assert.equal(plan.pvh!.startInfo, Math.ceil((mod.paddr + mod.size) / 4096) * 4096);
  assert.deepEqual(plan.entry.kind === 'flat32' && plan.entry.regs, { ebx: plan.pvh!.startInfo });
});
