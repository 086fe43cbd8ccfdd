// The CPU, the block compiler, the instruction table and docs/rules.md against the opcode-form
// description (emulator/isa/opcode-forms.ts and the entries' forms): each derived consumer
// must agree with it.

import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { MAP_0F38_FAMILY, MAP_0F3A_FAMILY, ONE_BYTE_FAMILY, TWO_BYTE_FAMILY } from '../../emulator/cpu/dispatch';
import { compileBlock } from '../../emulator/cpu/block-compiler';
import { INSTRUCTION_TABLE, OPCODE_FORMS, decodeForm, entryById, formsOf, type OpcodeForm } from '../../emulator/isa';

const PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);
const MAP_NAME = { one: '', '0f': '0F ', '0f38': '0F 38 ', '0f3a': '0F 3A ' } as const;
const hex = (f: OpcodeForm): string => `${MAP_NAME[f.map]}${f.opcode.toString(16).padStart(2, '0')}${f.reg !== undefined ? ` /${f.reg}` : ''}`;
const mnemonics = (f: OpcodeForm): readonly string[] => (typeof f.mnemonic === 'string' ? [f.mnemonic] : f.mnemonic);

test('the dispatch tables hold a handler for exactly the opcodes with forms, in the family the forms name', () => {
  for (const [map, families] of [['one', ONE_BYTE_FAMILY], ['0f', TWO_BYTE_FAMILY], ['0f38', MAP_0F38_FAMILY], ['0f3a', MAP_0F3A_FAMILY]] as const) {
    for (let op = 0; op < 256; op++) {
      if (map === 'one' && (PREFIXES.has(op) || op === 0x0f)) continue;
      if (map === '0f' && (op === 0x38 || op === 0x3a)) continue;   // the three-byte escapes
      // Forms of 64-bit mode alone go to the 64-bit tables.
      const forms = formsOf(map, op).filter((f) => f.mode64 !== 'only');
      const name = `${MAP_NAME[map]}${op.toString(16)}`;
      if (forms.length === 0) { assert.equal(families[op], '', `${name} has a handler (${families[op]}) but no form`); continue; }
      for (const f of forms) assert.equal(families[op], f.family, `${name} (${mnemonics(f)[0]}): the form says ${f.family}, dispatch has '${families[op]}'`);
    }
  }
});

test('every form of an instruction-table entry carries a mnemonic the entry lists', () => {
  for (const f of OPCODE_FORMS) {
    if (f.isa === undefined) continue;
    const e = entryById(f.isa);
    assert.ok(e, `${hex(f)}: no instruction-table entry '${f.isa}'`);
    for (const m of mnemonics(f)) assert.ok(e!.mnemonics.includes(m), `${hex(f)} ${m}: entry ${e!.id} lists ${e!.mnemonics.join(', ')}`);
  }
  // An entry without forms is an instruction the CPU does not execute (#UD): no form may carry
  // its mnemonic. A refining entry (MOV CR8, WRMSR to a given MSR) executes through the forms
  // of the entry it refines, which must list its mnemonics.
  for (const e of INSTRUCTION_TABLE) {
    if (e.refines !== undefined) {
      const base = entryById(e.refines);
      assert.ok(base && base.forms.length > 0, `${e.id} refines '${e.refines}', which has no forms`);
      for (const m of e.mnemonics) assert.ok(base!.mnemonics.includes(m), `${e.id}: ${m} is not a mnemonic of ${base!.id}`);
      assert.equal(e.forms.length, 0, `${e.id} refines ${e.refines} and has forms of its own`);
      continue;
    }
    if (e.forms.length > 0) continue;
    for (const f of OPCODE_FORMS) for (const m of mnemonics(f)) assert.ok(!e.mnemonics.includes(m), `${hex(f)} executes ${m} but entry ${e.id} has no forms`);
  }
});

/** An encoding of the form (register or memory operand) in 32-bit or 64-bit code, its immediates zero. */
function encode(f: OpcodeForm, memory: boolean, bits: 32 | 64 = 32): Uint8Array {
  // A form with no ModR/M.reg of its own shares the opcode with more specific ones: pick a reg they leave.
  for (let reg = f.reg ?? 0; reg < 8; reg++) {
    const bytes: number[] = [];
    if (f.rep === 'f3') bytes.push(0xf3);
    // A mandatory prefix (SSE forms) comes before REX, which comes right before the opcode.
    if (f.prefix !== undefined && f.prefix !== 'np') bytes.push(f.prefix === '66' ? 0x66 : f.prefix === 'f3' ? 0xf3 : 0xf2);
    const rex = (f.rexW ? 8 : 0) | (f.rexR ? 4 : 0) | (f.rexB ? 1 : 0);
    if (bits === 64 && rex !== 0) bytes.push(0x40 | rex);
    if (f.map !== 'one') bytes.push(0x0f);
    if (f.map === '0f38') bytes.push(0x38); else if (f.map === '0f3a') bytes.push(0x3a);
    bytes.push(f.opcode);
    if (f.modrm) bytes.push(f.modrmByte ?? ((memory ? 0x00 : 0xc0) | (reg << 3) | 1));   // [ecx] or ecx
    for (let i = 0; i < 8; i++) bytes.push(0);
    const insn = new Uint8Array(bytes);
    if (decodeForm(insn, bits)?.form === f) return insn;
  }
  assert.fail(`${hex(f)} ${mnemonics(f)[0]}: no ${bits}-bit encoding decodes to this form`);
}

/** The forms of legacy and compatibility mode, which the 32-bit dispatch and block compiler cover. */
const LEGACY_FORMS = OPCODE_FORMS.filter((f) => f.mode64 !== 'only');

test('every form decodes to itself in the code sizes it exists in, and to nothing in those it does not', () => {
  for (const f of OPCODE_FORMS) {
    const shapes = !f.modrm || f.modrmByte !== undefined || f.registerOnly ? [false] : f.mod === 'mem' ? [true] : f.mod === 'reg' ? [false] : [false, true];
    for (const memory of shapes) {
      if (f.mode64 !== 'only') encode(f, memory, 32);
      if (f.mode64 !== 'invalid') encode(f, memory, 64);
      // The same bytes in the other code size: another form (ARPL/MOVSXD, INC/REX) or #UD, never this one.
      if (f.mode64 === 'only') assert.notEqual(decodeForm(encode(f, memory, 64), 32)?.form, f, `${hex(f)} ${mnemonics(f)[0]} decodes in 32-bit code`);
      if (f.mode64 === 'invalid') assert.notEqual(decodeForm(encode(f, memory, 32), 64)?.form, f, `${hex(f)} ${mnemonics(f)[0]} decodes in 64-bit code`);
    }
  }
});

test('the block compiler inlines exactly the forms marked compiled (register and memory operands)', () => {
  const codeLine = new Uint8Array(64);
  for (const f of LEGACY_FORMS) {
    const shapes = !f.modrm || f.modrmByte !== undefined || f.registerOnly ? [false] : f.mod === 'mem' ? [true] : f.mod === 'reg' ? [false] : [false, true];
    for (const memory of shapes) {
      const insn = encode(f, memory);
      const d = decodeForm(insn, true);
      assert.ok(d && d.form === f, `${hex(f)} ${mnemonics(f)[0]} does not decode to itself`);
      // The instruction, then HLT (which ends a block and is never compiled).
      const u8 = new Uint8Array(4096);
      u8.set(insn.subarray(0, d!.length));
      u8[d!.length] = 0xf4;
      const block = compileBlock({ u8, hasBp: false, breakpoints: new Set() }, 0, 0, codeLine);
      const expected = f.compiled === 'always' || (f.compiled === 'register' && !memory);
      assert.equal(block !== null, expected, `${hex(f)} ${mnemonics(f)[0]} (${memory ? 'memory' : 'register'} operand): compiled ${block !== null}, the form says ${f.compiled ?? 'interpreted'}`);
    }
  }
});

test('docs/rules.md holds exactly what scripts/gen-rules-doc.ts writes from the table (--check)', () => {
  const repo = join(__dirname, '..', '..');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gen-rules-doc.ts', '--check'], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('a compiled block stops before exactly the forms marked endsBlock, and right after those marked after', () => {
  const codeLine = new Uint8Array(64);
  for (const f of LEGACY_FORMS) {
    const insn = encode(f, f.mod === 'mem');
    const len = decodeForm(insn, true)!.length;
    // NOP (compiled), the form, then NOP and HLT: the block holds the NOP alone when the form
    // ends it, and exactly NOP and the form when it ends the block after itself.
    const u8 = new Uint8Array(4096);
    u8[0] = 0x90;
    u8.set(insn.subarray(0, len), 1);
    u8[1 + len] = 0x90;
    u8[2 + len] = 0xf4;
    const block = compileBlock({ u8, hasBp: false, breakpoints: new Set() }, 0, 0, codeLine);
    assert.ok(block, `${hex(f)}: no block`);
    const after = f.endsBlock === 'after';
    assert.equal(block!.count === 1, f.endsBlock === true, `${hex(f)} ${mnemonics(f)[0]}: block of ${block!.count}, endsBlock ${f.endsBlock === true}`);
    if (after) assert.ok(block!.count === 2 && block!.end === 1 + len, `${hex(f)} ${mnemonics(f)[0]}: block of ${block!.count} ending at ${block!.end}, endsBlock 'after'`);
  }
});
