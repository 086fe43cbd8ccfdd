// The privilege class the instruction description gives each form, against the CPU: every
// privileged and IOPL-sensitive form, executed at CPL 3 with IOPL 0, must fault before it
// does anything (SDM Vol. 3 §5.9, §19.5.1), and their sensitive neighbours must not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKernel, u32, R_VEC, R_ERR } from './harness';
import { OPCODE_FORMS, decodeForm, formPrivilege, type OpcodeForm } from '../../emulator/isa';

/** Bytes of one encoding of the form (memory operand [ecx] when it takes one only), immediates zero. */
function encoding(f: OpcodeForm): number[] {
  for (let reg = f.reg ?? 0; reg < 8; reg++) {
    const b: number[] = [];
    if (f.rep === 'f3') b.push(0xf3);
    if (f.prefix === '66') b.push(0x66);
    if (f.map === '0f') b.push(0x0f);
    if (f.map === '0f38') b.push(0x0f, 0x38);
    b.push(f.opcode);
    if (f.modrm) b.push(f.modrmByte ?? ((f.mod === 'mem' ? 0x00 : 0xc0) | (reg << 3) | 1));
    const bytes = new Uint8Array([...b, 0, 0, 0, 0, 0, 0, 0, 0]);
    const d = decodeForm(bytes, true);
    if (d?.form === f) return [...bytes.subarray(0, d.length)];
  }
  throw new Error(`no encoding for ${String(f.mnemonic)}`);
}

/** Run the bytes at CPL 3 (IOPL 0, flat user segments, ECX pointing at user data); the vector taken. */
function atCpl3(bytes: number[]): { vec: number; err: number } {
  // CR4.OSXSAVE on: without it XSETBV is #UD before its privilege check (SDM, XSETBV).
  const r = runKernel(`
  mov word [idt + 0x80 * 8 + 4], 0xee00
  mov eax, cr4
  or eax, 1 << 18
  mov cr4, eax
  push UDATA
  push 0x70000
  push 0x002
  push UCODE
  push user
  iretd
user:
  mov ax, UDATA              ; the handlers record through DS
  mov ds, ax
  mov es, ax
  mov ecx, 0x60000
  db ${bytes.join(', ')}
  int 0x80`);
  return { vec: u32(r.m, R_VEC), err: u32(r.m, R_ERR) };
}

const UD_OUTSIDE_RING0 = new Set(['clac', 'stac']);
/** Intel makes SYSRET #UD outside 64-bit mode, before its CPL check (SDM, SYSRET). */
const UD_OUTSIDE_64BIT = new Set(['sysret']);

test('every privileged and IOPL-sensitive form is #GP(0) at CPL 3 with IOPL 0 (#UD where the SDM says so)', () => {
  const checked: string[] = [];
  for (const f of OPCODE_FORMS) {
    const cls = formPrivilege(f);
    if (cls !== 'privileged' && cls !== 'iopl-sensitive') continue;
    // Forms of 64-bit mode only (SWAPGS, MOV CR8) are held to their CPL check in test/cpu/long-system.test.ts.
    if (f.mode64 === 'only') continue;
    const name = typeof f.mnemonic === 'string' ? f.mnemonic : f.mnemonic[1];
    const bytes = encoding(f);
    const { vec, err } = atCpl3(bytes);
    const label = `${name} (${bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}, ${cls})`;
    // CLAC and STAC are ring-0 only but the SDM makes them #UD, not #GP, at CPL > 0.
    const want = UD_OUTSIDE_RING0.has(name) || UD_OUTSIDE_64BIT.has(name) ? [6, 0xffffffff] : [13, 0];
    assert.deepEqual([vec, err], want, `${label}: vector ${vec} error ${err}`);
    checked.push(name);
  }
  assert.ok(checked.length >= 30, `only ${checked.length} forms checked`);
});

test('the sensitive and unprivileged neighbours run at CPL 3 (SMSW, SGDT, LAR, PUSHF, RDTSC, CPUID, NOP)', () => {
  for (const bytes of [[0x0f, 0x01, 0xe0], [0x0f, 0x01, 0x01], [0x0f, 0x02, 0xc1], [0x9c, 0x58], [0x0f, 0x31], [0x31, 0xc0, 0x0f, 0xa2], [0x90]]) {
    assert.equal(atCpl3(bytes).vec, 0x80, bytes.map((b) => b.toString(16)).join(' '));
  }
});
