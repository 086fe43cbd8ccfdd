// What VT-x saves beside the qualification, as the exit log keeps it: the guest-linear
// address and instruction information of INS/OUTS, the 64-bit value of WRMSR/RDMSR, and RIP's
// high half with the 64-bit flag (0 and false for 32-bit code). Expected values are worked
// out from the guest's own registers and the SDM's field layouts, not read off our output.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Machine } from '../../emulator/machine';
import { decodeIoInstrInfo } from '../../emulator/isa/exit-qualification';
import { assemble } from '../cpu/harness';

function run(source: string): Machine {
  const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
  m.load({ memory: [{ paddr: 0x100000, bytes: assemble(source, 32, 0x100000) }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: 0x90000 } }, description: 'test' });
  m.run(100_000);
  return m;
}

test('OUTS and INS exits carry the element\'s linear address and the address size and segment', () => {
  const m = run(`
    mov esi, 0x2000
    mov ecx, 2
    mov dx, 0x80
    rep outsb            ; DS:ESI, 32-bit addresses
    mov edi, 0x3000
    mov ecx, 1
    insw                 ; ES:EDI
    mov esi, 0x4000
    a16 fs outsb         ; FS:SI, 16-bit addresses
    hlt`);
  const io = m.exits.recent(50).filter((e) => e.reasonName === 'IO_INSTRUCTION');
  assert.deepEqual(io.map((e) => [e.linear, e.linearHi]), [[0x2000, 0], [0x2001, 0], [0x3000, 0], [0x4000, 0]]);
  assert.deepEqual(io.map((e) => decodeIoInstrInfo(e.instrInfo!)), [
    { addressBits: 32, segment: 3 }, { addressBits: 32, segment: 3 }, { addressBits: 32, segment: 0 }, { addressBits: 16, segment: 4 },
  ]);
  for (const e of io) { assert.equal(e.ripHi, 0); assert.equal(e.long64, false); }
});

test('WRMSR and RDMSR exits keep the whole 64-bit value (EDX:EAX)', () => {
  const m = run(`
    mov ecx, 0x277       ; PAT
    mov eax, 0x00070406
    mov edx, 0x00050104
    wrmsr
    rdmsr
    hlt`);
  const msr = m.exits.recent(50).filter((e) => e.reasonName === 'WRMSR' || e.reasonName === 'RDMSR');
  assert.deepEqual(msr.map((e) => e.reasonName), ['WRMSR', 'RDMSR']);
  for (const e of msr) {
    assert.equal(e.msr, 0x277);
    assert.equal(e.value, 0x00070406);
    assert.equal(e.valueHi, 0x00050104);
  }
});

test('an MMIO access (EPT violation) carries the guest-linear address beside the GPA', () => {
  const m = run(`
    mov esi, 0xfee00000
    mov eax, [esi + 0x30]   ; the local APIC's version register
    hlt`);
  const ept = m.exits.recent(50).filter((e) => e.reasonName === 'EPT_VIOLATION');
  assert.equal(ept.length, 1);
  assert.equal(ept[0]!.gpa, 0xfee00030);
  assert.deepEqual([ept[0]!.linear, ept[0]!.linearHi], [0xfee00030, 0]);
});
