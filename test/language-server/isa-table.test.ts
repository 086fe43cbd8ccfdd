// The instruction table (emulator/isa) against independent references: real encodings from
// the SDM decoded and printed by iced-x86 must classify to the rule INSTRUCTIONS.md assigns;
// exit reason names must be the SDM's; every rule must be documented in docs/rules.md.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decoder, DecoderOptions, Formatter, FormatterSyntax } from 'iced-x86';
import { classify, entryByRule, EXIT_REASON_NAMES, INSTRUCTION_TABLE, stripAttSuffix } from '../../emulator/isa';
import { normalizeOperand, splitOperands } from '../../language-server/analyzer/operands';
import { REPO } from './lsp-client';

// Encodings (SDM Vol. 2) and the rule each must map to, from INSTRUCTIONS.md's rows.
const CASES: Array<[string, string | null]> = [
  ['F4', 'PV001'], ['FA', 'PV002'], ['FB', 'PV003'], ['9C', 'PV004'], ['9D', 'PV005'], ['EC', 'PV006'], ['E460', 'PV006'],
  ['EE', 'PV007'], ['E680', 'PV007'], ['6C', 'PV008'], ['6D', 'PV008'], ['6E', 'PV009'], ['F36E', 'PV009'],
  ['0F22D8', 'PV010'], ['0F22C0', 'PV010'], ['0F22E0', 'PV010'], ['0F20D0', 'PV011'], ['0F20D8', 'PV011'], ['0F06', 'PV012'],
  ['0F01F0', 'PV013'], ['0F01E0', 'PV014'], ['0F0110', 'PV015'], ['0F0118', 'PV016'], ['0F0100', 'PV017'], ['0F0108', 'PV018'],
  ['0F00D0', 'PV019'], ['0F00D8', 'PV020'], ['0F00C0', 'PV021'], ['0F00C8', 'PV022'], ['0F0138', 'PV023'], ['0F08', 'PV024'],
  ['0F09', 'PV025'], ['0F32', 'PV026'], ['0F30', 'PV027'], ['0F31', 'PV028'], ['0F01F9', 'PV029'], ['0F33', 'PV030'],
  ['0FA2', 'PV031'], ['0F23F8', 'PV032'], ['0F21F0', 'PV033'], ['CF', 'PV034'], ['CD80', 'PV035'], ['CC', 'PV035'],
  ['0F02C0', 'PV036'], ['0F03C0', 'PV037'], ['0F00E0', 'PV038'], ['0F00E8', 'PV039'], ['0E', 'PV040'], ['16', 'PV040'],
  ['8CC8', 'PV040'], ['8CD0', 'PV040'], ['0F34', 'PV041'], ['0F35', 'PV042'], ['0F01C8', 'PV043'], ['0F01C9', 'PV044'],
  ['F390', 'PV045'], ['0F01C1', 'PV046'], ['0F01D9', 'PV046'], ['0F01D1', 'PV047'], ['660F388208', 'PV048'],
  ['0F01CA', 'PV049'], ['0F01CB', 'PV049'],
  // Ordinary instructions, including the sensitive mnemonics' harmless forms.
  ['89D8', null], ['50', null], ['58', null], ['8ED8', null], ['8B03', null], ['01D8', null], ['90', null], ['E800000000', null],
  ['8CD8', null], ['1E', null], ['17', null], ['8ED0', null], ['0FC8', null],
];

// 64-bit encodings (the 64-bit set of INSTRUCTIONS.md's table style), with the MSR in ECX
// where the rule is about one: classify() is told the value, as the analyzer finds it.
const CASES64: Array<[string, string | null, number?]> = [
  ['0F01F8', 'PV050'], ['0F05', 'PV051'], ['0F07', 'PV052'], ['480F07', 'PV052'], ['48CF', 'PV034'], ['CF', 'PV034'],
  ['F30FAEC0', 'PV053'], ['F3480FAEC8', 'PV053'], ['F3480FAED0', 'PV054'], ['F3480FAED8', 'PV055'],
  ['440F22C0', 'PV056'], ['440F20C1', 'PV057'], ['0F22D8', 'PV010'], ['410F22D8', 'PV010'], ['0F20D0', 'PV011'],
  ['0F30', 'PV058', 0xc0000100], ['0F30', 'PV058', 0xc0000101], ['0F30', 'PV058', 0xc0000102],
  ['0F30', 'PV059', 0xc0000081], ['0F30', 'PV059', 0xc0000082], ['0F30', 'PV059', 0xc0000083], ['0F30', 'PV059', 0xc0000084],
  ['0F30', 'PV027', 0x1b], ['0F30', 'PV027'], ['0F32', 'PV026', 0xc0000100], ['0F01D1', 'PV047'], ['660F388201', 'PV048'],
  ['0F01F9', 'PV029'], ['F4', 'PV001'], ['FA', 'PV002'], ['0F0138', 'PV023'], ['410F0139', 'PV023'],
  ['4889D8', null], ['4C89C0', null], ['48C7C000000000', null], ['480FC70E', null], ['0F01D0', null], ['8CD8', null],
];

function decodeIntel(hex: string, bits: 32 | 64 = 32): { mnemonic: string; ops: string[] } {
  const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
  const d = new Decoder(bits, bytes, DecoderOptions.None);
  const f = new Formatter(FormatterSyntax.Nasm);
  const ins = d.decode();
  let text = f.format(ins).toLowerCase();
  ins.free(); d.free(); f.free();
  text = text.replace(/^(rep|repe|repne|lock|o64)\s+/, '');
  const sp = text.indexOf(' ');
  const mnemonic = sp < 0 ? text : text.slice(0, sp);
  const ops = sp < 0 ? [] : splitOperands(text, sp + 1, text.length).map((o) => normalizeOperand(o.text));
  return { mnemonic, ops };
}

for (const [hex, rule] of CASES) {
  test(`${hex} decodes (iced-x86) to an instruction classified as ${rule ?? 'ordinary'}`, () => {
    const { mnemonic, ops } = decodeIntel(hex);
    assert.equal(classify(mnemonic, ops)?.rule ?? null, rule, `${mnemonic} ${ops.join(', ')}`);
  });
}

for (const [hex, rule, msr] of CASES64) {
  test(`${hex} in 64-bit mode${msr !== undefined ? ` with ECX 0x${msr.toString(16)}` : ''} classifies as ${rule ?? 'ordinary'}`, () => {
    const { mnemonic, ops } = decodeIntel(hex, 64);
    assert.equal(classify(mnemonic, ops, msr)?.rule ?? null, rule, `${mnemonic} ${ops.join(', ')}`);
  });
}

test('every table entry is exercised by an encoding above', () => {
  const seen = new Set([...CASES, ...CASES64].map((c) => c[1]).filter(Boolean));
  for (const e of INSTRUCTION_TABLE) assert.ok(seen.has(e.rule), `${e.rule} ${e.id}`);
});

test('rule codes and ids are unique; exit names are the SDM names of their numbers', () => {
  assert.equal(new Set(INSTRUCTION_TABLE.map((e) => e.rule)).size, INSTRUCTION_TABLE.length);
  assert.equal(new Set(INSTRUCTION_TABLE.map((e) => e.id)).size, INSTRUCTION_TABLE.length);
  for (const e of INSTRUCTION_TABLE) if (e.hvm) assert.equal(EXIT_REASON_NAMES[e.hvm.reason], e.hvm.name, e.id);
  // Spot values from SDM Appendix C.
  assert.equal(EXIT_REASON_NAMES[12], 'HLT');
  assert.equal(EXIT_REASON_NAMES[30], 'IO_INSTRUCTION');
  assert.equal(EXIT_REASON_NAMES[48], 'EPT_VIOLATION');
  assert.equal(EXIT_REASON_NAMES[55], 'XSETBV');
});

test('severity follows the class (PV: privileged and IOPL-sensitive are errors, sensitive are warnings)', () => {
  for (const e of INSTRUCTION_TABLE) {
    if (e.class === 'privileged' || e.class === 'iopl-sensitive') assert.equal(e.pvSeverity, 'error', e.id);
    if (e.class === 'sensitive') assert.equal(e.pvSeverity, 'warning', e.id);
  }
  assert.ok(entryByRule('PV001')!.wrappers.nasm);
});

test('docs/rules.md has one anchor per rule code', () => {
  const md = readFileSync(join(REPO, 'docs', 'rules.md'), 'utf8');
  for (const e of INSTRUCTION_TABLE) {
    assert.equal((md.match(new RegExp(`<a id="${e.docsAnchor}"></a>`, 'g')) ?? []).length, 1, e.rule);
    // The section under the anchor describes this entry (title and class), so docs and table cannot drift apart.
    const section = md.slice(md.indexOf(`<a id="${e.docsAnchor}"></a>`)).split('\n<a id=')[0];
    assert.ok(section.includes(`## ${e.rule} — ${e.title}`), `${e.rule} heading`);
    assert.ok(section.includes(`**Class:** ${e.class}`), `${e.rule} class`);
    if (e.hvm) assert.ok(section.includes(`exit ${e.hvm.reason} ${e.hvm.name}`), `${e.rule} exit`);
  }
});

test('AT&T suffixes strip only to table mnemonics', () => {
  assert.equal(stripAttSuffix('outb'), 'out');
  assert.equal(stripAttSuffix('pushfl'), 'pushf');
  assert.equal(stripAttSuffix('insl'), 'ins');
  assert.equal(stripAttSuffix('lidtl'), 'lidt');
  assert.equal(stripAttSuffix('movl'), 'mov');
  assert.equal(stripAttSuffix('call'), 'call');
  assert.equal(stripAttSuffix('invlpg'), 'invlpg');
});
