// NMIs under VT-x, checked against the SDM (vol. 3: 24.4.2 table "Format of Interruptibility
// State", 25.2 "Other causes of VM exits", 25.3 "NMI exiting", "virtual NMIs", "NMI-window
// exiting", 26.2.1.1 the VM-entry checks on those controls):
// - with NMI exiting, every physical NMI is an exit with basic reason 0 and vector 2 (the
//   interruption type NMI), taken at the instruction boundary where it arrives, even while the
//   guest blocks NMIs; the hypervisor then injects it;
// - with virtual NMIs and NMI-window exiting, an NMI held because the guest is inside its NMI
//   handler gives exit 8 before the first instruction after the handler's IRET, and only then
//   reaches the guest;
// - what the guest sees is the same with the controls on or off;
// - MOV SS blocks an NMI on the next boundary, the STI shadow does not;
// - HLT with IF=0 waits when an NMI can still come, and ends the run when none can.
// The guest is test/guests/src/nmihlt.c (compared with QEMU in test/guest-vs-qemu).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine, type ExitControlsSpec } from '../../emulator/machine';
import { loadImage } from '../../emulator/loader';
import { ExitControlsError } from '../../emulator/vmm/controls';
import { assemble } from '../cpu/harness';
import { kernelSource, R_COUNT, R_EIP, R_SCRATCH, R_VEC } from '../cpu/kernel-prelude';
import { GUESTS_DIR } from '../guest-vs-qemu/guest-files';

execFileSync('make', ['-s', '-C', GUESTS_DIR], { stdio: 'inherit' });
const ELF = new Uint8Array(readFileSync(join(GUESTS_DIR, 'build', 'nmihlt.elf')));

function runGuest(spec: ExitControlsSpec): { m: Machine; serial: string } {
  const out: number[] = [];
  const m = new Machine({ mode: 'hvm', memoryMiB: 64, exitControls: spec, serialOut: (b) => { out.push(b & 0xff); } });
  m.load(loadImage(ELF, { ramBytes: 64 * 1024 * 1024 }));
  let stop = m.run(2_000_000);
  for (let i = 0; i < 200 && stop.kind === 'budget'; i++) stop = m.run(2_000_000);
  assert.equal(stop.kind, 'debug-exit', JSON.stringify(stop));
  return { m, serial: Buffer.from(out).toString('latin1') };
}

const KVM_LIKE: ExitControlsSpec = { preset: 'ept' };

test('NMI exiting: each physical NMI exits with reason 0, vector 2, no error code; a held one gives one NMI-window exit after the IRET', () => {
  const { m, serial } = runGuest(KVM_LIKE);
  const ret = Number.parseInt(/nmi_ret=([0-9a-f]+)/.exec(serial)![1]!, 16);
  const recs = m.exits.recent(100_000).filter((r) => r.reasonName === 'EXCEPTION_NMI' || r.reasonName === 'NMI_WINDOW');
  // Part 1: the ICR NMI arrives at the boundary after the MOV to the ICR (nmi_ret); the one
  // sent from inside the handler exits too (the guest blocks it, the hypervisor does not);
  // the IRET back to nmi_ret opens the window: exit 8 there, then the injection.
  const [first, second, window] = recs;
  assert.equal(first!.reasonName, 'EXCEPTION_NMI');
  assert.equal(first!.vector, 2);
  assert.equal(first!.errorCode, undefined);
  assert.equal(first!.qualification, 0);
  assert.equal(first!.eip, ret);
  assert.equal(second!.reasonName, 'EXCEPTION_NMI');
  assert.equal(second!.vector, 2);
  assert.notEqual(second!.eip, ret, 'the second NMI arrives inside the handler');
  assert.equal(window!.reasonName, 'NMI_WINDOW');
  assert.equal(window!.qualification, 0);
  assert.equal(window!.eip, ret, 'the window opens where the IRET returns');
  assert.ok(window!.icount > second!.icount);
  // Part 2: three NMIs from LINT0 wake HLT with IF=0; nothing blocks them, so no window exits.
  const rest = recs.slice(3);
  assert.deepEqual(rest.map((r) => `${r.reasonName}/${r.vector}`), ['EXCEPTION_NMI/2', 'EXCEPTION_NMI/2', 'EXCEPTION_NMI/2']);
  for (const r of rest) assert.equal(m.readPhysical(r.eip - 1, 1)[0], 0xf4, 'each arrives right after a HLT');
  assert.match(serial, /NMI sent inside the handler: 2 taken, 0 nested/);
  assert.match(serial, /HLT with IF=0 woken by NMIs: 3/);
});

test('the guest sees the same with NMI exiting off, and without NMI-window exiting there is no exit 8', () => {
  const on = runGuest(KVM_LIKE);
  const off = runGuest({ preset: 'ept', overrides: { nmiExiting: false, virtualNmis: false, nmiWindowExiting: false } });
  const noWindow = runGuest({ preset: 'ept', overrides: { nmiWindowExiting: false } });
  assert.equal(off.serial, on.serial);
  assert.equal(noWindow.serial, on.serial);
  const count = (m: Machine, name: string) => m.exits.recent(100_000).filter((r) => r.reasonName === name && (name !== 'EXCEPTION_NMI' || r.vector === 2)).length;
  assert.equal(count(off.m, 'EXCEPTION_NMI'), 0);
  assert.equal(count(off.m, 'NMI_WINDOW'), 0);
  assert.equal(count(noWindow.m, 'EXCEPTION_NMI'), 5);
  assert.equal(count(noWindow.m, 'NMI_WINDOW'), 0);
  assert.equal(count(on.m, 'NMI_WINDOW'), 1);
});

test('virtual NMIs need NMI exiting and NMI-window exiting needs virtual NMIs, as VM entry checks', () => {
  assert.throws(() => new Machine({ mode: 'hvm', memoryMiB: 16, exitControls: { preset: 'ept', overrides: { nmiExiting: false } } }), ExitControlsError);
  assert.throws(() => new Machine({ mode: 'hvm', memoryMiB: 16, exitControls: { preset: 'ept', overrides: { virtualNmis: false } } }), ExitControlsError);
  assert.doesNotThrow(() => new Machine({ mode: 'hvm', memoryMiB: 16, exitControls: { preset: 'ept', overrides: { virtualNmis: false, nmiWindowExiting: false } } }));
});

// The prelude's IDT stubs record the vector and the interrupted EIP, then resume at R_RESUME.
const SHADOWS = `
  mov dword [R_SCRATCH], after_ss
  mov dword [R_SCRATCH + 4], after_ss2
  mov dword [R_SCRATCH + 8], after_sti
  mov dword [R_SCRATCH + 12], mark_ss
  mov dword [R_SCRATCH + 16], mark_sti
  mov dword [R_RESUME], next
  mov ax, ss
mark_ss:
  mov ss, ax
after_ss:
  nop
after_ss2:
  nop
  nop
  hlt
next:
  mov dword [R_RESUME], done
  cli
mark_sti:
  sti
after_sti:
  nop
  nop
done:
  cli
  hlt
`;

function stepTo(m: Machine, eip: number): void {
  for (let i = 0; i < 100_000 && m.cpu.eip !== eip; i++) m.run(1);
  assert.equal(m.cpu.eip, eip);
}

/** Latch an NMI in the local APIC now, as its ICR or LINT pins would. */
function nmiNow(m: Machine): void {
  (m.platform as unknown as { apic: { nmiPending: boolean } }).apic.nmiPending = true;
  m.cpu.irqPoll = true; m.cpu.attn = true;
}

test('MOV SS blocks an NMI on the boundary after it; the STI shadow does not', () => {
  const m = new Machine({ mode: 'hvm', memoryMiB: 16, exitControls: { preset: 'ept', overrides: { nmiExiting: false, virtualNmis: false, nmiWindowExiting: false } } });
  m.load({ memory: [{ paddr: 0x100000, bytes: assemble(kernelSource(SHADOWS), 32, 0x100000) }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: 0x90000 } }, description: 'test' });
  // Run until the label table is written, then read it.
  for (let i = 0; i < 100_000 && m.readPhysical(R_SCRATCH + 16, 4).every((b) => b === 0); i++) m.run(1);
  const word = (a: number) => new DataView(m.readPhysical(a, 4).buffer.slice(0)).getUint32(0, true);
  const [afterSs, afterSs2, afterSti, markSs, markSti] = [0, 4, 8, 12, 16].map((o) => word(R_SCRATCH + o));
  stepTo(m, markSs!);
  m.run(1);                       // MOV SS
  nmiNow(m);
  untilCount(m, 1);
  assert.equal(word(R_VEC), 2);
  // The interrupted EIP shows where it was taken: after the NOP that follows MOV SS.
  assert.equal(word(R_EIP), afterSs2, 'taken one boundary later');
  assert.notEqual(word(R_EIP), afterSs);
  stepTo(m, markSti!);
  // The IRET of the first NMI's stub ended the blocking; STI with IF=0 starts a shadow.
  m.run(1);
  nmiNow(m);
  untilCount(m, 2);
  assert.equal(word(R_EIP), afterSti, 'the NMI is taken inside the STI shadow');
});

function untilCount(m: Machine, n: number): void {
  for (let i = 0; i < 1000 && new DataView(m.readPhysical(R_COUNT, 4).buffer.slice(0)).getUint32(0, true) < n; i++) m.run(1);
  assert.equal(new DataView(m.readPhysical(R_COUNT, 4).buffer.slice(0)).getUint32(0, true), n);
}

// LINT0 as NMI (the 8259's INTR), the PIT at 1 kHz; then CLI, HLT. The prelude's stub records
// the vector and halts again inside the NMI handler, where nothing can wake it.
const LINT0_HLT = (picMask: number) => `
  mov dword [0xfee00350], 0x400
  mov al, 0x34
  out 0x43, al
  mov al, 0xa9
  out 0x40, al
  mov al, 0x04
  out 0x40, al
  mov al, 0x${picMask.toString(16)}
  out 0x21, al
  mov al, 0xff
  out 0xa1, al
  cli
  hlt
`;

test('HLT with IF=0 waits for a timer whose IRQ reaches LINT0 as an NMI; with the IRQ masked at the 8259 it ends the run', () => {
  for (const [mask, woken] of [[0xfe, true], [0xff, false]] as const) {
    const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
    m.load({ memory: [{ paddr: 0x100000, bytes: assemble(kernelSource(LINT0_HLT(mask)), 32, 0x100000) }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: 0x90000 } }, description: 'test' });
    const stop = m.run(1_000_000);
    assert.equal(stop.kind, 'halted', JSON.stringify(stop));
    const vec = new DataView(m.readPhysical(R_VEC, 4).buffer.slice(0)).getUint32(0, true);
    assert.equal(vec, woken ? 2 : 0xffffffff, `PIC mask ${mask.toString(16)}`);
  }
});

const DEAD_HLT = `
  cli
  hlt
`;

test('HLT with IF=0 ends the run when nothing routes an NMI (nmihlt.c shows it waiting when LINT0 does)', () => {
  const dead = new Machine({ mode: 'hvm', memoryMiB: 16 });
  dead.load({ memory: [{ paddr: 0x100000, bytes: assemble(kernelSource(DEAD_HLT), 32, 0x100000) }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: 0x90000 } }, description: 'test' });
  const stop = dead.run(1_000_000);
  assert.equal(stop.kind, 'halted');
  assert.match((stop as { detail: string }).detail, /interrupts disabled/);
});
