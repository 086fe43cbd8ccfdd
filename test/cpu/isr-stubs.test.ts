// guest/isr-stubs.inc, the entry stubs users' kernels, the sample and the test kernels share:
// assembled by nasm, each stub pushes a dummy error code exactly for the vectors whose
// delivery pushes none (the SDM's list, spelled out here), then its vector, then jumps to
// the common code; the table holds the stubs in vector order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElf32, readSymbols } from '../../emulator/loader';

const ROOT = join(import.meta.dirname, '..', '..');
// SDM Vol. 3, "Exception and Interrupt Reference": #DF, #TS, #NP, #SS, #GP, #PF, #AC.
const WITH_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17]);

test('each stub pushes a dummy error code exactly where the CPU pushes none, then its vector', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-isr-'));
  writeFileSync(join(dir, 't.asm'), 'bits 32\n%include "isr-stubs.inc"\nsection .text\nISR_STUBS 256, isr, isr_common, table\nisr_common:\n    add esp, 8\n    iret\n');
  execFileSync('nasm', ['-f', 'elf32', `-I${join(ROOT, 'guest')}/`, '-o', join(dir, 't.o'), join(dir, 't.asm')], { cwd: dir });
  const bytes = new Uint8Array(readFileSync(join(dir, 't.o')));
  const elf = parseElf32(bytes);
  const text = elf.sections.find((s) => s.name === '.text')!;
  const data = elf.sections.find((s) => s.name === '.data')!;
  const syms = new Map(readSymbols(elf).map((s) => [s.name, s.value]));
  const at = (off: number) => bytes[text.offset + off]!;
  for (let v = 0; v < 256; v++) {
    let o = syms.get(`isr_${v}`);
    assert.notEqual(o, undefined, `isr_${v}`);
    const dummy = at(o!) === 0x6a && at(o! + 1) === 0;  // push byte 0
    assert.equal(dummy, !WITH_ERROR_CODE.has(v), `vector ${v}: dummy error code`);
    if (dummy) o! += 2;
    // push imm8 (sign-extended) below 0x80, push imm32 above.
    const pushed = at(o!) === 0x6a ? at(o! + 1) : at(o!) === 0x68 ? new DataView(bytes.buffer, text.offset + o! + 1, 4).getUint32(0, true) : -1;
    assert.equal(pushed, v, `vector ${v} pushed`);
    assert.ok(at(o! + (at(o!) === 0x6a ? 2 : 5)) === 0xe9 || at(o! + (at(o!) === 0x6a ? 2 : 5)) === 0xeb, `vector ${v} jumps to common`);
    // The table: entry v is a relocation to stub v; the addend in place is the stub's offset.
    assert.equal(new DataView(bytes.buffer, data.offset + 4 * v, 4).getUint32(0, true), syms.get(`isr_${v}`), `table[${v}]`);
  }
});

test('in 64-bit code the same stubs push quadwords and the table holds 8-byte addresses', () => {
  // A flat binary (org 0): a symbol's address is its file offset, and the table's entries
  // are the stubs' addresses in place, with no relocations to read.
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-isr64-'));
  writeFileSync(join(dir, 't.asm'), 'bits 64\n[map symbols t.map]\n%include "isr-stubs.inc"\nsection .text\nISR_STUBS 256, isr, isr_common, table\nisr_common:\n    add rsp, 16\n    iretq\n');
  execFileSync('nasm', ['-f', 'bin', `-I${join(ROOT, 'guest')}/`, '-o', join(dir, 't.bin'), join(dir, 't.asm')], { cwd: dir });
  const bytes = new Uint8Array(readFileSync(join(dir, 't.bin')));
  const syms = new Map<string, number>();
  for (const m of readFileSync(join(dir, 't.map'), 'utf8').matchAll(/^\s*([0-9A-F]+)\s+[0-9A-F]+\s+(\S+)$/gim)) syms.set(m[2]!, Number.parseInt(m[1]!, 16));
  const table = syms.get('table');
  assert.notEqual(table, undefined, 'table');
  assert.equal(table! % 8, 0, 'the table is 8-byte aligned');
  const view = new DataView(bytes.buffer);
  for (let v = 0; v < 256; v++) {
    let o = syms.get(`isr_${v}`)!;
    assert.notEqual(o, undefined, `isr_${v}`);
    // push imm8 is a quadword push in 64-bit mode: the same bytes as in 32-bit code.
    const dummy = bytes[o] === 0x6a && bytes[o + 1] === 0;
    assert.equal(dummy, !WITH_ERROR_CODE.has(v), `vector ${v}: dummy error code`);
    if (dummy) o += 2;
    const pushed = bytes[o] === 0x6a ? bytes[o + 1] : bytes[o] === 0x68 ? view.getUint32(o + 1, true) : -1;
    assert.equal(pushed, v, `vector ${v} pushed`);
    assert.equal(view.getBigUint64(table! + 8 * v, true), BigInt(syms.get(`isr_${v}`)!), `table[${v}]`);
  }
});

test('the sample and the test kernels take their stubs from guest/', () => {
  for (const file of ['examples/sample/hvm/isr.asm', 'test/guests/lib/isr.asm', 'guest/boot64.inc']) {
    const src = readFileSync(join(ROOT, file), 'utf8');
    assert.match(src, /^%include "isr-stubs\.inc"$/m, file);
    assert.match(src, /^ISR_STUBS \d+,/m, file);
    assert.doesNotMatch(src, /^%rep/m, `${file} lays out no stubs of its own`);
  }
});
