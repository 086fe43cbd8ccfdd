// Writes the per-rule sections of docs/rules.md from the instruction table in emulator/isa:
// each entry's facts, the opcode forms the CPU executes for it, its VM exit and its PV
// replacement. The page up to the marker line is written by hand; everything after it is
// generated. Run again (npx tsx scripts/gen-rules-doc.ts) after changing the table;
// `--check` exits 1 when the committed page is stale.

import { readFileSync, writeFileSync } from 'node:fs';
import { INSTRUCTION_TABLE } from '../emulator/isa/instruction-table';
import type { IsaEntry } from '../emulator/isa/types';
import { entryById, longModeView, pvhView } from '../emulator/isa/lookup';
import type { OpcodeForm } from '../emulator/isa/form-types';

const PAGE = 'docs/rules.md';
export const MARKER = '<!-- Generated from emulator/isa/instruction-table.ts by scripts/gen-rules-doc.ts from here on: edit the table, not this page. -->';

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

/** A form as the SDM's opcode column writes it: `0F 01 /7`, `0F 01 F9`, `F3 90`, `E4 ib`. */
function encoding(f: OpcodeForm): string {
  const parts: string[] = [];
  if (f.rep === 'f3') parts.push('F3');
  if (f.map === '0f') parts.push('0F');
  parts.push(hex2(f.opcode));
  if (f.modrmByte !== undefined) parts.push(hex2(f.modrmByte));
  else if (f.reg !== undefined) parts.push(`/${f.reg}`);
  else if (f.modrm) parts.push('/r');
  const imm: Record<OpcodeForm['imm'], string> = { none: '', b: 'ib', w: 'iw', v: 'iz', v64: 'iv', ptr: 'ptr16:32', enter: 'iw ib', moffs: 'moffs', jv: 'cd' };
  if (imm[f.imm]) parts.push(imm[f.imm]);
  const mn = typeof f.mnemonic === 'string' ? f.mnemonic : f.mnemonic.join('/');
  const where = (f.mod === 'mem' ? ' (memory operand)' : f.mod === 'reg' ? ' (register operand)' : '')
    + (f.mode64 === 'invalid' ? ' (not in 64-bit mode)' : f.mode64 === 'only' ? ' (64-bit mode only)' : '');
  return `\`${parts.join(' ')}\` ${mn}${f.operands ? ' ' + f.operands : ''}${where}`;
}

function quickFix(e: IsaEntry): string {
  const w = e.wrappers;
  const names: string[] = [];
  if (w.nasm) names.push(`NASM \`${w.nasm}\``);
  if (w.gas) names.push(`GAS \`${w.gas}\``);
  if (w.c) names.push(`C \`${w.c}()\``);
  if (w.cTemplate) names.push(`C template \`${w.cTemplate}\``);
  if (names.length === 0) return `none. Why not: ${e.refusal ?? 'no faithful replacement'}.`;
  return `${names.join(', ')}.${e.refusal ? ` Refused when: ${e.refusal}.` : ''}`;
}

/** What the `long` facts change, in the order the section gives the 32-bit ones. */
function longFacts(e: IsaEntry): string {
  const l = e.long!;
  const parts: string[] = [];
  if (l.pvBehaviour) parts.push(`PV: ${l.pvBehaviour}.`);
  if (l.pvSeverity !== undefined) parts.push(`Severity with target=pv: ${l.pvSeverity ?? 'no diagnostic'}.`);
  if (l.hvm !== undefined) parts.push(`HVM: ${l.hvm ? `exit ${l.hvm.reason} ${l.hvm.name}` : 'no exit'}.`);
  if (l.pvReplacement) parts.push(`Use instead: ${l.pvReplacement}.`);
  if (l.wrappers) parts.push(`Quick fix: ${quickFix({ ...e, wrappers: l.wrappers, refusal: l.refusal ?? e.refusal })}`);
  else if (l.refusal) {
    const w = e.wrappers;
    parts.push(w.nasm || w.gas || w.c || w.cTemplate
      ? `Quick fix: the same wrappers, from the 64-bit headers. Refused when: ${l.refusal}.`
      : `No automatic rewrite: ${l.refusal}.`);
  }
  return parts.join(' ');
}

function section(e: IsaEntry): string {
  const lines = [`<a id="${e.docsAnchor}"></a>`, `## ${e.rule} — ${e.title}`, ''];
  const form = e.operandForm ? ` (operand form: ${e.operandForm})` : e.alsoWritten ? ` (also written as ${e.alsoWritten})` : '';
  const msrs = e.msrs ? ` with ECX = ${e.msrs.map((m) => `${m.name} (0x${m.number.toString(16).toUpperCase()})`).join(', ')}` : '';
  const refines = e.refines ? ` — a case of [${entryById(e.refines)!.rule}](#${entryById(e.refines)!.docsAnchor})` : '';
  lines.push(`- **Matches:** ${e.mnemonics.map((m) => `\`${m}\``).join(', ')}${form}${msrs}${refines}${e.longModeOnly ? ' (64-bit mode only)' : ''}`);
  lines.push(`- **Class:** ${e.class}`);
  const executes = e.forms.length ? e.forms.map(encoding).join('; ') : e.refines ? `those of ${entryById(e.refines)!.rule}` : 'none (the CPU raises #UD)';
  lines.push(`- **Encodings the emulator executes:** ${executes}.`);
  lines.push(`- **What it does:** ${e.semantics}`);
  lines.push(`- **PV (ring 1 under 32-bit Xen; ring 3 for a 64-bit kernel):** ${e.pvBehaviour}. Severity with target=pv: ${e.pvSeverity ?? 'no diagnostic'}.`);
  const h = e.hvm;
  const hvm = h === null ? 'no exit'
    : `exit ${h.reason} ${h.name}, ${h.when}${h.condition ? ` — ${h.condition}` : ''}${h.qualification ? `. Qualification: ${h.qualification}` : ''}`;
  lines.push(`- **HVM (VT-x):** ${hvm}. Severity with target=hvm: ${h === null ? 'no diagnostic' : 'information'}.`);
  const pvh = pvhView(e);
  lines.push(`- **PVH (Xen, ring 0 in an HVM container, no legacy devices):** ${pvh.behaviour}${pvh.replacement ? `; instead: ${pvh.replacement}` : ''}. Severity with target=pvh: ${pvh.severity ?? 'no diagnostic'}.`);
  lines.push(`- **Use instead:** ${e.pvReplacement}.`);
  lines.push(`- **Quick fix:** ${quickFix(e)}`);
  if (e.long) lines.push(`- **In 64-bit code:** ${longFacts(e)}`);
  const c = e.cost;
  const costs = [`native ~${c.native}`];
  if (c.hvmExit !== undefined) costs.push(`HVM exit ~${c.hvmExit}`);
  if (c.pv !== undefined) costs.push(`PV replacement ~${c.pv}`);
  lines.push(`- **Estimated cost (cycles):** ${costs.join(', ')}${c.note ? ` (${c.note})` : ''}.`);
  return lines.join('\n');
}

/** Up to the first `; `, as a table cell (pipes escaped). */
function cell(t: string): string {
  const cut = t.indexOf('; ');
  return (cut > 0 ? t.slice(0, cut) : t).replace(/\|/g, '\\|');
}

/** INSTRUCTIONS.md's table style, one row per rule: what each mode does with it. */
function summary(): string {
  const rows = INSTRUCTION_TABLE.map((e) => {
    const l = longModeView(e);
    const exit = (h: IsaEntry['hvm']) => (h ? `${h.reason} ${h.name}${h.when === 'conditional' ? ' (when enabled)' : ''}` : '—');
    // An instruction of 64-bit mode only has nothing in a 32-bit kernel.
    const pv32 = e.longModeOnly ? '— (64-bit mode only)' : cell(e.pvReplacement);
    const pv64 = l.pvReplacement === e.pvReplacement && !e.longModeOnly ? 'as 32-bit' : cell(l.pvReplacement);
    const name = e.title.slice(0, e.title.indexOf(':'));
    return `| [${e.rule}](#${e.docsAnchor}) | ${name} | ${e.class} | ${exit(e.hvm)} | ${pv32} | ${pv64} |`;
  });
  return ['## The rules at a glance', '',
    '| rule | instruction | class | HVM (VT-x exit) | PV replacement (Xen x86_32, ring 1) | PV replacement (Xen x86_64, ring 3) |',
    '|---|---|---|---|---|---|', ...rows].join('\n');
}

export function generatedPart(): string {
  return `${MARKER}\n\n${summary()}\n\n${INSTRUCTION_TABLE.map(section).join('\n\n')}\n`;
}

function main(): void {
  const page = readFileSync(PAGE, 'utf8');
  const at = page.indexOf(MARKER);
  if (at < 0) { console.error(`${PAGE}: the marker line is missing`); process.exit(1); }
  const next = page.slice(0, at) + generatedPart();
  if (process.argv.includes('--check')) {
    if (next !== page) { console.error(`${PAGE} is stale: run npx tsx scripts/gen-rules-doc.ts`); process.exit(1); }
    return;
  }
  writeFileSync(PAGE, next);
}

if (require.main === module) main();
