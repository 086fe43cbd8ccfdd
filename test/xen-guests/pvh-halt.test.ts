// A PVH vCPU that halts with interrupts off is taken down, and a domain whose vCPUs are all
// down is powered off (Xen's hvm_hlt -> hvm_vcpu_down -> domain_shutdown(SHUTDOWN_poweroff)).
// That is how a PVH Linux without ACPI S5 ends `poweroff`: "reboot: System halted", cli; hlt.
// The kernel here is built from source by nasm: the PHYS32_ENTRY note, then CLI and HLT (the
// vCPU stops after the HLT, at 0x100002).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../../emulator/machine';
import { loadImage, loadPvh, readImage } from '../../emulator/loader';

const SOURCE = `
bits 32
section .note.Xen note alloc
  align 4
  dd 4, 4, 18            ; namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY
  db "Xen", 0
  dd start
section .text
global start
start:
  cli
  hlt
  jmp start
`;

function build(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'pvh-halt-'));
  writeFileSync(join(dir, 'k.asm'), SOURCE);
  execFileSync('nasm', ['-f', 'elf32', '-o', join(dir, 'k.o'), join(dir, 'k.asm')]);
  writeFileSync(join(dir, 'k.ld'), 'ENTRY(start) SECTIONS { . = 0x100000; .text : { *(.text) } .note.Xen : { *(.note.Xen) } }');
  execFileSync('ld', ['-m', 'elf_i386', '-T', join(dir, 'k.ld'), '--no-warn-rwx-segments', '-o', join(dir, 'k.elf'), join(dir, 'k.o')]);
  return new Uint8Array(readFileSync(join(dir, 'k.elf')));
}

test('PVH: HLT with interrupts off takes the only vCPU down and Xen powers the domain off', () => {
  const machine = new Machine({ mode: 'pvh', memoryMiB: 16 });
  machine.load(loadPvh(readImage(build()), { ramBytes: 16 << 20 }));
  const stop = machine.run(100_000);
  assert.equal(stop.kind, 'shutdown', JSON.stringify(stop));
  if (stop.kind === 'shutdown') {
    assert.equal(stop.code, 0);
    assert.match(stop.reason, /^all vCPUs down \(HLT with interrupts disabled at [0-9a-f]{4}:00100002\): poweroff$/);
  }
});

test('HVM keeps a machine that halts with interrupts off halted (no hypervisor powers a PC off)', () => {
  const elf = build();
  // The same code as a plain ELF on a PC: entered at its entry point, flat 32-bit.
  const machine = new Machine({ mode: 'hvm', memoryMiB: 16 });
  machine.load(loadImage(elf, { ramBytes: 16 << 20, format: 'elf' }));
  const stop = machine.run(100_000);
  assert.equal(stop.kind, 'halted', JSON.stringify(stop));
});
