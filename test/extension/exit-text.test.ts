// The VM Exits view's texts from the exit-reason table: titles by name, and a qualification
// read field by field. Expected values are the SDM's layouts applied by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitAddress, exitAddressName, exitQualification, hypercallTitle, qualificationFields, reasonKind, reasonTitle } from '../../extension/exit-text';
import { PvKind } from '../../emulator/trace/record-kinds';

test('reason names read as the SDM titles them; PV kinds say what their fields hold', () => {
  assert.equal(reasonTitle('IO_INSTRUCTION'), 'I/O instruction (basic exit reason 30)');
  assert.equal(reasonTitle('CR_ACCESS'), 'Control-register accesses (basic exit reason 28)');
  assert.match(reasonTitle('HYPERCALL')!, /^PV record kind 256: qualification holds the hypercall number/);
  assert.equal(reasonTitle('NOT_A_REASON'), undefined);
  assert.equal(reasonKind({ reason: 12 }), 'basic exit reason 12');
  assert.equal(reasonKind({ reason: PvKind.TRAP_BOUNCE }), 'PV record kind 257');
});

test('an exit\'s qualification, field by field under its layout', () => {
  // OUT 0x80, AL: port 0x80 in bits 31:16, immediate operand (bit 6), 1 byte (size field 0), out (bit 3 clear).
  const io = qualificationFields({ reason: 30, qualification: (0x80 << 16) | 0x40 });
  assert.equal(io.length, 6);
  assert.match(io[0]!, /^bits 2:0 size of access.*\(`size`\): 0x1$/);
  assert.match(io[1]!, /^bit 3 direction.*\(`in`\): 0$/);
  assert.match(io[4]!, /^bit 6 operand encoding.*: 1$/);
  assert.match(io[5]!, /^bits 31:16 port number \(`port`\): 0x80$/);
  // MOV CR3, ECX: CR 3, access type 0 (MOV to CR), register 1 (ECX) in bits 11:8.
  const cr = qualificationFields({ reason: 28, qualification: 3 | (1 << 8) });
  assert.match(cr[0]!, /^bits 3:0 .*\(`cr`\): 0x3$/);
  assert.match(cr[1]!, /^bits 5:4 access type.*: 0x0$/);
  assert.match(cr[3]!, /^bits 11:8 general register.*\(`gpr`\): 0x1$/);
  // A #PF intercepted through the exception bitmap: the linear address; other vectors have no layout.
  assert.deepEqual(qualificationFields({ reason: 0, qualification: 0xdeadb000, vector: 14 }), ['bits 31:0 the linear address (`linear`): 0xdeadb000']);
  assert.deepEqual(qualificationFields({ reason: 0, qualification: 0, vector: 13 }), []);
  assert.deepEqual(qualificationFields({ reason: 12, qualification: 0 }), []);
  assert.deepEqual(qualificationFields({ reason: PvKind.HYPERCALL, qualification: 18 }), []);
});

test('hypercall names read with their number, summary and arguments from the hypercall table', () => {
  assert.equal(hypercallTitle('console_io'),
    'console_io (18): Write to or read from the hypervisor console. Arguments in EBX, ECX, EDX, ESI, EDI: cmd (command, CONSOLEIO_*), count (count), buffer (pointer).');
  assert.equal(hypercallTitle('iret'), 'iret (23): Return from an exception or event (jumped to, not called).');
  assert.equal(hypercallTitle('unknown'), undefined);
});

test('an exit\'s address is RIP in full in 64-bit code and EIP otherwise; a linear-address qualification keeps its high half', () => {
  const rip = 0xffffffff80101234n;
  const e64 = { eip: Number(rip & 0xffffffffn), ripHi: Number(rip >> 32n), long64: true };
  assert.equal(exitAddress(e64), `0x${rip.toString(16)}`);
  assert.equal(exitAddressName(e64), 'RIP');
  // Low code in long mode (ripHi 0) is still 64-bit: all 16 digits, named RIP.
  assert.equal(exitAddress({ eip: 0x100060, ripHi: 0, long64: true }), `0x${(0x100060n).toString(16).padStart(16, '0')}`);
  assert.equal(exitAddress({ eip: 0xc0001000, ripHi: 0, long64: false }), '0xc0001000');
  assert.equal(exitAddressName({ ripHi: 0, long64: false }), 'EIP');
  const lin = 0x00007fffdeadb000n;
  assert.equal(exitQualification({ qualification: Number(lin & 0xffffffffn), qualificationHi: Number(lin >> 32n) }), `0x${lin.toString(16).padStart(16, '0')}`);
  assert.equal(exitQualification({ qualification: 0x3f90000 }), '0x03f90000');
});
