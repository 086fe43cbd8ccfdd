// Exit qualifications against the bit layouts of the SDM (Vol. 3, tables "Exit Qualification
// for I/O Instructions", "... for Control-Register Accesses", "... for MOV DR", "... for
// Task Switches", "... for EPT Violations", "... for APIC-Access VM Exits"). The expected
// numbers below were assembled by hand from those tables, field by field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeIo, decodeIo, encodeIoInstrInfo, decodeIoInstrInfo, encodeInvpcidInstrInfo, decodeInvpcidInstrInfo, encodeCrAccess, decodeCrAccess, encodeMovDr, decodeMovDr, encodeTaskSwitch, decodeTaskSwitch,
  encodeEptViolation, decodeEptViolation, encodeApicAccess, decodeApicAccess, CrAccessType,
} from '../../emulator/isa/exit-qualification';
import { describeExit } from '../../emulator/trace/describe-exit';

test('I/O: OUT DX, AL to 0x3F8 is size 0, OUT, DX-encoded, port in bits 31:16', () => {
  assert.equal(encodeIo(0x3f8, 1, false, false, false, false), 0x03f80000);
});

test('I/O: IN AL, 0x60 sets direction (bit 3) and immediate (bit 6)', () => {
  assert.equal(encodeIo(0x60, 1, true, false, false, true), (0x60 << 16) | 0x48);
});

test('I/O: REP OUTSW to DX=0x3F8 is size 1, string (bit 4), REP (bit 5)', () => {
  assert.equal(encodeIo(0x3f8, 2, false, true, true, false), 0x03f80031);
});

test('I/O: IN EAX, DX from 0xCFC is size field 3', () => {
  assert.equal(encodeIo(0xcfc, 4, true, false, false, false), 0x0cfc000b);
});

test('I/O: decode recovers every field, port 0xFFFF included', () => {
  for (const size of [1, 2, 4] as const) {
    for (const bits of [0, 1, 2, 3, 4, 5, 6, 7]) {
      const q = encodeIo(0xffff, size, (bits & 1) !== 0, (bits & 2) !== 0, (bits & 4) !== 0, bits === 0);
      assert.deepEqual(decodeIo(q), { size, in: (bits & 1) !== 0, string: (bits & 2) !== 0, rep: (bits & 4) !== 0, immediate: bits === 0, port: 0xffff });
    }
  }
});

test('CR access: MOV CR0, EAX is all zero; MOV CR3, EBX is CR 3 with GPR 3 in bits 11:8', () => {
  assert.equal(encodeCrAccess(0, CrAccessType.MOV_TO_CR, 0), 0);
  assert.equal(encodeCrAccess(3, CrAccessType.MOV_TO_CR, 3), 0x303);
});

test('CR access: MOV EDI, CR4 has access type 1 in bits 5:4', () => {
  assert.equal(encodeCrAccess(4, CrAccessType.MOV_FROM_CR, 7), 0x714);
});

test('CR access: CLTS is type 2; LMSW 0x0001 from memory is type 3, bit 6, data in 31:16', () => {
  assert.equal(encodeCrAccess(0, CrAccessType.CLTS, 0), 0x20);
  assert.equal(encodeCrAccess(0, CrAccessType.LMSW, 0, 1, true), 0x00010070);
  assert.deepEqual(decodeCrAccess(0x00010070), { cr: 0, accessType: 3, lmswMemory: true, gpr: 0, lmswData: 1 });
});

test('MOV DR: MOV DR7, ECX is DR 7, direction 0, GPR 1; MOV EAX, DR6 sets bit 4', () => {
  assert.equal(encodeMovDr(7, false, 1), 0x107);
  assert.equal(encodeMovDr(6, true, 0), 0x16);
  assert.deepEqual(decodeMovDr(0x516), { dr: 6, fromDr: true, gpr: 5 });
});

test('task switch: selector in 15:0, source in 31:30 (3 = IDT task gate)', () => {
  assert.equal(encodeTaskSwitch(0x28, 3), 0xc0000028);
  assert.equal(decodeTaskSwitch(0x40000030).sourceName, 'IRET');
});

test('EPT violation: a data write to a translated linear address with no permissions', () => {
  assert.equal(encodeEptViolation(false, true, false, 0, true, true), 0x182);
  const d = decodeEptViolation(0x18d); // read, fetch... bits 0, 2, 3, 7, 8
  assert.equal(d.read, true); assert.equal(d.write, false); assert.equal(d.fetch, true);
  assert.equal(d.readable, true); assert.equal(d.writable, false); assert.equal(d.linearValid, true); assert.equal(d.translated, true);
});

test('APIC access: linear write at offset 0xB0 (EOI) is type 1 in bits 15:12', () => {
  assert.equal(encodeApicAccess(0xb0, 1), 0x10b0);
  assert.deepEqual(decodeApicAccess(0x10b0), { offset: 0xb0, type: 1, typeName: 'write' });
});

test('describeExit reads like the instruction', () => {
  assert.equal(describeExit({ reason: 30, qualification: 0x03f80000 }), 'OUT dx, al port 0x3f8 size 1');
  assert.equal(describeExit({ reason: 30, qualification: (0x60 << 16) | 0x48 }), 'IN al, 0x60 port 0x60 size 1');
  assert.equal(describeExit({ reason: 28, qualification: 0 }), 'MOV to CR0 from EAX');
  assert.equal(describeExit({ reason: 28, qualification: 0x714 }), 'MOV from CR4 to EDI');
  assert.equal(describeExit({ reason: 29, qualification: 0x107 }), 'MOV to DR7 from ECX');
  assert.equal(describeExit({ reason: 14, qualification: 0xc0001000 }), 'INVLPG 0xc0001000');
  assert.equal(describeExit({ reason: 0, qualification: 0xdeadb000, vector: 14, errorCode: 2 }), '#PF (vector 14) error code 0x2 at linear 0xdeadb000');
  assert.equal(describeExit({ reason: 46, qualification: 0, bytes: new Uint8Array([0x0f, 0x01, 0x15, 0, 0, 0, 0]) }), 'LGDT');
  assert.equal(describeExit({ reason: 47, qualification: 0, bytes: new Uint8Array([0x0f, 0x00, 0xd8]) }), 'LTR');
  assert.equal(describeExit({ reason: 12, qualification: 0 }), 'HLT');
});

test('instruction information: INS/OUTS address size in 9:7 and segment in 17:15 (SDM table)', () => {
  assert.equal(encodeIoInstrInfo(64, 0), 0x100);            // rep insb in 64-bit code: ES, 64-bit addresses
  assert.equal(encodeIoInstrInfo(32, 3), 0x18080);          // outsd with DS, 32-bit addresses
  assert.equal(encodeIoInstrInfo(16, 5), 0x28000);          // gs outsw in 16-bit code
  assert.deepEqual(decodeIoInstrInfo(0x18080), { addressBits: 32, segment: 3 });
});

test('instruction information: INVPCID rax, [rbx+rcx*8+16] names registers 0-15 and invalid bits', () => {
  // scaling 3 | size 2 << 7 | DS 3 << 15 | index RCX 1 << 18 | base RBX 3 << 23 | reg RAX 0 << 28
  assert.equal(encodeInvpcidInstrInfo(3, 64, 3, 1, 3, 0), 0x01858103);
  // invpcid r15, [r12]: no index (bit 22), base 12 (<< 23), register 15 (<< 28)
  assert.equal(encodeInvpcidInstrInfo(0, 64, 3, -1, 12, 15), (0x100 | 0x18000 | (1 << 22) | (12 << 23) | (15 << 28)) >>> 0);
  assert.deepEqual(decodeInvpcidInstrInfo(0xf6418100), { scale: 0, addressBits: 64, segment: 3, index: -1, base: 12, reg: 15 });
});

test('describeExit in 64-bit code: RAX..R15, 64-bit linear addresses and MSR values', () => {
  assert.equal(describeExit({ reason: 28, qualification: encodeCrAccess(8, CrAccessType.MOV_TO_CR, 9), long64: true }), 'MOV to CR8 from R9');
  assert.equal(describeExit({ reason: 28, qualification: encodeCrAccess(3, CrAccessType.MOV_FROM_CR, 0), long64: true }), 'MOV from CR3 to RAX');
  assert.equal(describeExit({ reason: 28, qualification: encodeCrAccess(0, CrAccessType.MOV_TO_CR, 12) }), 'MOV to CR0 from R12D');
  assert.equal(describeExit({ reason: 29, qualification: encodeMovDr(7, true, 15), long64: true }), 'MOV from DR7 to R15');
  assert.equal(describeExit({ reason: 14, qualification: 0x80001000, qualificationHi: 0xffffffff }), 'INVLPG 0xffffffff80001000');
  assert.equal(describeExit({ reason: 0, qualification: 0x10, qualificationHi: 0xffff8000, vector: 14, errorCode: 0 }),
    '#PF (vector 14) error code 0x0 at linear 0xffff800000000010');
  assert.equal(describeExit({ reason: 32, qualification: 0, msr: 0xc0000082, value: 0x00401000, valueHi: 0xffffffff }),
    'WRMSR 0xc0000082 value 0xffffffff00401000');
});
