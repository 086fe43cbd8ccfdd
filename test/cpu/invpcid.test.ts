// INVPCID (SDM Vol. 2): the types against the TLB, the descriptor checks, and the VM exit a
// hypervisor with "INVLPG exiting" takes (reason 58, the displacement as qualification, the
// operand's registers in the instruction information). Like pge.test.ts, a stale translation
// read after a PTE changes shows what was dropped: pages 0x300000 (global) and 0x301000 are
// remapped to 0x302000 ("new") while cached.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../emulator/machine';
import { decodeInvpcidInstrInfo } from '../../emulator/isa/exit-qualification';
import { assemble, runKernel, u32, R_VEC, R_ERR, R_SCRATCH } from './harness';
import { kernelSource } from './kernel-prelude';

const NEW = 0x6e6577;
const SETUP = `
  mov edi, 0x200000
  mov ecx, 0x800
  xor eax, eax
  rep stosd
  mov dword [0x200000], 0x201003
  mov edi, 0x201000
  mov eax, 3
  mov ecx, 1024
.fill: stosd
  add eax, 0x1000
  loop .fill
  or dword [0x201000 + 0x300 * 4], 0x100
  mov dword [0x300000], 0x300000
  mov dword [0x301000], 0x301000
  mov dword [0x302000], ${NEW}
  mov eax, cr4
  or eax, 0x80                      ; PGE
  mov cr4, eax
  mov eax, 0x200000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  mov eax, [0x300000]               ; cache both translations
  mov eax, [0x301000]
  mov dword [0x201000 + 0x300 * 4], 0x302103
  mov dword [0x201000 + 0x301 * 4], 0x302003
`;
const READ_BOTH = `
  mov eax, [0x300000]
  mov [R_SCRATCH], eax
  mov eax, [0x301000]
  mov [R_SCRATCH + 4], eax
  mov dword [R_VEC], 0x77`;
const DESC = `align 16\ndesc: dd 0, 0, 0x301000, 0\n`;

function afterType(type: number): [number, number] {
  const r = runKernel(`${SETUP}\n  mov ecx, ${type}\n  invpcid ecx, [desc]\n${READ_BOTH}`, DESC);
  assert.equal(u32(r.m, R_VEC), 0x77, `type ${type} ran`);
  return [u32(r.m, R_SCRATCH), u32(r.m, R_SCRATCH + 4)];
}

test('INVPCID types: 0 drops the descriptor\'s page, 1 and 3 the non-global translations, 2 everything', () => {
  assert.deepEqual(afterType(0), [0x300000, NEW]);
  assert.deepEqual(afterType(1), [0x300000, NEW]);
  assert.deepEqual(afterType(2), [NEW, NEW]);
  assert.deepEqual(afterType(3), [0x300000, NEW]);
});

test('INVPCID faults: type above 3, reserved descriptor bits, a PCID with CR4.PCIDE clear, ring 3, no 66 prefix', () => {
  const gp = (setup: string, data = DESC) => {
    const r = runKernel(`${setup}\n  mov dword [R_VEC], 0x77`, data);
    return [u32(r.m, R_VEC), u32(r.m, R_ERR)];
  };
  assert.deepEqual(gp('mov ecx, 4\n  invpcid ecx, [desc]'), [13, 0]);
  assert.deepEqual(gp('mov ecx, 2\n  invpcid ecx, [desc]', `align 16\ndesc: dd 0x1000, 0, 0, 0\n`), [13, 0], 'bits 63:12 reserved');
  assert.deepEqual(gp('mov ecx, 0\n  invpcid ecx, [desc]', `align 16\ndesc: dd 1, 0, 0, 0\n`), [13, 0], 'PCID 1 without PCIDE');
  assert.deepEqual(gp('mov ecx, 2\n  invpcid ecx, [desc]', `align 16\ndesc: dd 1, 0, 0, 0\n`), [0x77, 0], 'type 2 ignores the PCID');
  assert.deepEqual(gp('mov ecx, 2\n  db 0x0f, 0x38, 0x82, 0x0d\n  dd desc'), [6, 0xffffffff], 'without 66 it is not INVPCID');
  const r = runKernel(`
  mov word [idt + 0x80 * 8 + 4], 0xee00
  push UDATA
  push 0x70000
  push 0x002
  push UCODE
  push user
  iretd
user:
  mov ax, UDATA
  mov ds, ax
  mov ecx, 2
  invpcid ecx, [desc]
  int 0x80`, DESC);
  assert.deepEqual([u32(r.m, R_VEC), u32(r.m, R_ERR)], [13, 0], 'ring 3');
});

test('with INVLPG exiting INVPCID exits (58): qualification = displacement, registers in the instruction information', () => {
  const m = new Machine({ mode: 'hvm', memoryMiB: 16, exitControls: { preset: 'shadow-paging' } });
  const code = assemble(kernelSource(`
  mov ebx, desc - 0x40
  mov esi, 2
  mov edx, 2
  invpcid edx, [ebx + esi * 8 + 0x30]
  mov dword [R_VEC], 0x77`, DESC), 32, 0x100000);
  m.load({ memory: [{ paddr: 0x100000, bytes: code }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: 0x90000 } }, description: 'invpcid' });
  m.run(1_000_000);
  assert.equal(u32(m, R_VEC), 0x77);
  const e = m.exits.recent(50).filter((x) => x.reasonName === 'INVPCID');
  assert.equal(e.length, 1);
  assert.equal(e[0]!.qualification, 0x30);
  assert.deepEqual(decodeInvpcidInstrInfo(e[0]!.instrInfo!), { scale: 3, addressBits: 32, segment: 3, index: 6, base: 3, reg: 2 });
});
