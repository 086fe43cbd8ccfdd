// Incremental analysis and the cached diagnostics encoding must never change a result. The
// oracle is a fresh document of the same final text, analysed from scratch, and
// JSON.stringify of the diagnostics built from its findings. Random edit sequences (several
// edits between analyses, line insertions and deletions, macro definitions that shadow
// instructions, target and ignore comments, GAS block comments that change later lines'
// state, C inline asm) run against one long-lived document and one long-lived encoder.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AnalyzedDocument } from '../../language-server/analyzer/document';
import { analyze } from '../../language-server/analyzer/rules';
import { type Finding, type Settings } from '../../language-server/analyzer/types';
import { DEFAULT_SETTINGS } from '../../language-server/analyzer/settings';
import { toDiagnostic, truncationNotice } from '../../language-server/diagnostics';
import { DiagnosticsEncoder } from '../../language-server/diagnostics-json';
import { scanInlineAsm } from '../../language-server/analyzer/c-inline';
import { includesOf } from '../../language-server/analyzer/symbols';
import { WordIndex } from '../../language-server/analyzer/word-index';

const COUNT = Number(process.env.PARAVIRT_FUZZ_COUNT ?? 60);
const SEED = Number(process.env.PARAVIRT_FUZZ_SEED ?? 0x1dc);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LINES: Record<string, string[]> = {
  asm: ['    hlt', '    cli', '    sti', '    mov cr3, eax', '    mov eax, cr2', '    out dx, al', '    in al, 0x60', '    pushfd', '    popfd',
    '    invlpg [eax]', '    mov dr7, ebx', '    cpuid', '    rdtsc', '    iret', '    rep outsb', '    lgdt [gdt]', '    mov eax, 1', '    add eax, ebx',
    'label:', '.local:', '    call hlt_wrapper', '    ; hlt in a comment', 'msg db "cli; sti", 0', '%macro hlt 0', '%endmacro', '%macro CLI 0',
    '%define X 1', 'X equ 2', '; paravirt: target=hvm', '    hlt ; paravirt: ignore', 'section .text', '    hlt ; x', '    mov cr0, eax', '    times 3 hlt'],
  S: ['    hlt', '    cli; sti', '    movl %eax, %cr3', '    movl %cr2, %eax', '    outb %al, %dx', '    inb $0x60, %al', '    pushfl', '    popfl',
    '    invlpg (%ebx)', '    movl %ebx, %db7', '    cpuid', '    iret', '    movl $1, %eax', '1:  jmp 1b', '/* hlt', '   cli */', '/*', '*/',
    '# cli in a comment', '.macro hlt', '.endm', '#define H 1', '.intel_syntax noprefix', '    mov cr3, eax', '.att_syntax', '    hlt # paravirt: ignore',
    '# paravirt: target=hvm', '.ascii "sti"', '    rep outsb'],
  c: ['void f(void) {', '}', '    asm volatile("hlt");', '    __asm__ __volatile__("movl %0, %%cr3" :: "r"(x));', '    asm("cli\\n\\t"', '        "sti");',
    '    asm volatile("invlpg (%0)" :: "r"(p) : "memory");', '    asm volatile("movl %%cr2, %0" : "=r"(v));', '    x = y; /* asm("hlt") */',
    '    // asm("cli")', '    s = "asm(\\"hlt\\")";', '    asm volatile("outb %%al, %%dx" :: "a"(v), "d"(port));', '    asm("hlt"); // paravirt: ignore',
    '// paravirt: target=hvm', '    asm volatile(', '        "cpuid" : "=a"(a) : "a"(0));', '/*', '*/', '    asm goto("jmp %l0" :::: out);'],
};

function randomDoc(r: () => number, kind: string, lines: number): string {
  const pool = LINES[kind];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(r() < 0.5 ? '    mov eax, [ebp + 8]' : pool[Math.floor(r() * pool.length)]);
  return out.join('\n') + '\n';
}

interface Edit { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }

function posOf(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const nl = before.lastIndexOf('\n');
  let line = 0;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
  return { line, character: offset - (nl + 1) };
}

/** A random edit: whole lines from the pool inserted, lines deleted, or characters replaced. */
function randomEdit(r: () => number, kind: string, text: string): { edit: Edit; text: string } {
  const pool = LINES[kind];
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const pick = () => lineStarts[Math.floor(r() * lineStarts.length)];
  let a: number, b: number, ins: string;
  const u = r();
  if (u < 0.35) { a = b = pick(); ins = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pool[Math.floor(r() * pool.length)] + '\n').join(''); }
  else if (u < 0.55) { a = pick(); b = Math.min(text.length, a + Math.floor(r() * 80)); ins = ''; }
  else if (u < 0.8) { a = Math.floor(r() * text.length); b = Math.min(text.length, a + Math.floor(r() * 6)); ins = ['hlt', 'cli', 'nop', ' ', ';', '#', '"', '*/', '/*', 'x'][Math.floor(r() * 10)]; }
  else { a = pick(); b = a; ins = pool[Math.floor(r() * pool.length)] + (r() < 0.5 ? '\n' : ' '); }
  const edit = { range: { start: posOf(text, a), end: posOf(text, b) }, text: ins };
  return { edit, text: text.slice(0, a) + ins + text.slice(b) };
}

const shape = (f: Finding) => ({ range: f.range, severity: f.severity, code: f.code, message: f.message, href: f.href, entry: f.entry, fixable: f.fixable });

for (const kind of ['asm', 'S', 'c']) {
  describe(`incremental analysis of .${kind}`, () => {
    it('after random edit sequences equals a fresh analysis, and the encoded diagnostics equal JSON.stringify', () => {
      const r = rng(SEED ^ kind.charCodeAt(0));
      const path = `/virtual/doc.${kind}`;
      let text = randomDoc(r, kind, 400);
      const doc = AnalyzedDocument.create(path, text, undefined, kind === 'S' ? 300 : undefined)!;
      const encoder = new DiagnosticsEncoder();
      const settings: Settings = { ...DEFAULT_SETTINGS, severity: {} };
      let checks = 0;
      for (let step = 0; step < COUNT; step++) {
        // One to three edits before each analysis, as a client batches them.
        const batch = 1 + Math.floor(r() * 3);
        for (let k = 0; k < batch; k++) {
          const e = randomEdit(r, kind, text);
          doc.applyChange(e.edit);
          text = e.text;
        }
        assert.equal(doc.getText(), text);
        if (step % 17 === 16) settings.target = settings.target === 'pv' ? 'hvm' : 'pv';
        const got = analyze(doc, settings);
        const fresh = AnalyzedDocument.create(path, text, undefined, kind === 'S' ? 300 : undefined)!;
        const want = analyze(fresh, settings);
        assert.deepEqual(got.map((h) => shape(h.finding)), want.map((h) => shape(h.finding)), `${kind} step ${step} (seed ${SEED})`);
        assert.deepEqual(got.map((h) => h.hit.line), want.map((h) => h.hit.line));
        // The encoder alternates with another document now and then, as a server does.
        const extra = doc.truncated ? [truncationNotice(doc.maxLines)] : [];
        if (step % 7 === 3) encoder.release(encoder.encode('other', want.slice(0, 3).map((h) => h.finding)));
        const bytes = encoder.encode(path, got.map((h) => h.finding), extra);
        assert.equal(bytes.toString('utf8'), JSON.stringify([...want.map((h) => toDiagnostic(h.finding)), ...extra]), `${kind} step ${step} encoded`);
        if (step % 3 !== 0) encoder.release(bytes); // sometimes still being written at the next publish
        checks++;
      }
      assert.equal(checks, COUNT);
    });
  });
}

describe('diagnostics encoding', () => {
  it('empty, single and truncation-only arrays encode as JSON.stringify does', () => {
    const enc = new DiagnosticsEncoder();
    assert.equal(enc.encode('a', []).toString(), '[]');
    assert.equal(enc.encode('a', [], [truncationNotice(5)]).toString(), JSON.stringify([truncationNotice(5)]));
    const doc = AnalyzedDocument.create('/v/x.asm', '    hlt\n')!;
    const fs = analyze(doc, DEFAULT_SETTINGS).map((h) => h.finding);
    assert.equal(enc.encode('a', fs).toString(), JSON.stringify(fs.map(toDiagnostic)));
    assert.equal(enc.encode('a', fs).toString(), JSON.stringify(fs.map(toDiagnostic)), 'unchanged, from the memo');
    assert.equal(enc.encode('a', []).toString(), '[]');
    enc.encode('a', fs);
    enc.forget('a');
    assert.equal(enc.encode('a', fs).toString(), JSON.stringify(fs.map(toDiagnostic)), 'after forget');
  });
});

describe('incremental C scan', () => {
  it('asm statements after random edits to a long file equal a fresh scan of the same text', () => {
    const r = rng(SEED + 3);
    let text = randomDoc(r, 'c', 3000);
    const doc = AnalyzedDocument.create('/virtual/long.c', text)!;
    const stmt = (d: AnalyzedDocument) => d.cStmts.map((st) => ({
      kwStart: st.kwStart, closeParen: st.closeParen, templateStart: st.templateStart, templateEnd: st.templateEnd,
      template: st.template, map: Array.from(st.map), outputs: st.outputs, inputs: st.inputs, instrs: st.instrs.length,
      positions: [doc === d ? d.positionAt(st.kwStart) : null],
    }));
    const fragments = ['asm', '__asm__', ' volatile', '("hlt")', '(', ')', '"', "'", '/*', '*/', '//', '\n', '\\\n', ':', 'x', ' ',
      '#include "a.h"\n', '#', 'include', 'in', 'clude', '// paravirt: target=hvm\n', 'paravirt', 'para', 'virt: target=pv', ' // paravirt: ignore'];
    for (let step = 0; step < COUNT * 3; step++) {
      if (r() < 0.5) {
        const e = randomEdit(r, 'c', text);
        doc.applyChange(e.edit);
        text = e.text;
      } else {
        const a = Math.floor(r() * (text.length + 1));
        const b = Math.min(text.length, a + Math.floor(r() * 4));
        const ins = fragments[Math.floor(r() * fragments.length)];
        doc.applyChange({ range: { start: posOf(text, a), end: posOf(text, b) }, text: ins });
        text = text.slice(0, a) + ins + text.slice(b);
      }
      const fresh = AnalyzedDocument.create('/virtual/long.c', text)!;
      assert.deepEqual(includesOf(doc), includesOf(fresh), `includes at step ${step}`);
      assert.deepEqual(analyze(doc, DEFAULT_SETTINGS).map((h) => shape(h.finding)), analyze(fresh, DEFAULT_SETTINGS).map((h) => shape(h.finding)), `findings at step ${step}`);
      assert.equal(doc.targetOverride(), fresh.targetOverride(), `target at step ${step}`);
      const strip = (xs: ReturnType<typeof stmt>) => xs.map(({ positions: _p, ...rest }) => rest);
      assert.deepEqual(strip(stmt(doc)), strip(stmt(fresh)), `step ${step} (seed ${SEED})`);
      if (step % 25 === 0) {
        for (let off = 0; off < text.length; off += 997) assert.deepEqual(doc.positionAt(off), fresh.positionAt(off), `positionAt(${off}) at step ${step}`);
      }
    }
  });
});

describe('C scan sync points', () => {
  it('a scan resumed at any sync point agrees with a full scan after any edit at or after its reach', () => {
    const texts = [
      'int a; asm volatile x; asm("hlt"); b = "asm(\\"cli\\")"; /* asm("sti") */ asm\n goto ("jmp %l0" :::: l);',
      '__asm__ /* c */ __volatile__ /* d */ ("cli" ::: "memory"); x = y; asm; asm(\n"sti");// asm("hlt")\nasm inline("nop");',
      'asm              ; asm("hlt"); f(1)); asm /* a longer comment */ ; asm("cli"); g(1)); asm\tvolatile ; h(); x""asm ; k();"__asm"__asm__ ; m(2);',
      "char c = '\"'; asm (\"outb %%al, %%dx\" :: \"a\"(v), \"d\"(p)); myasm(1); asm_x(2); __asm ( \"hlt\" );",
    ];
    const edits = ['(', '"', '/*', 'x', ' ', ')', '\n', 'asm'];
    const key = (sts: ReturnType<typeof scanInlineAsm>['stmts']) => sts.map((st) => `${st.kwStart}-${st.closeParen}:${st.template}`);
    for (const t of texts) {
      const base = scanInlineAsm(t, 0, undefined, 1);
      for (const sp of base.sync) {
        for (let a = sp.reach; a <= t.length; a++) {
          for (const ins of edits) {
            const next = t.slice(0, a) + ins + t.slice(a);
            const full = scanInlineAsm(next).stmts.filter((st) => st.kwStart >= sp.at);
            assert.deepEqual(key(scanInlineAsm(next, sp.at).stmts), key(full), `resume at ${sp.at}, insert ${JSON.stringify(ins)} at ${a} in ${JSON.stringify(t)}`);
          }
        }
      }
    }
  });
});

describe('word index', () => {
  it('occurrences after random edits equal a fresh search, overlapping ones included', () => {
    const r = rng(SEED + 5);
    const pieces = ['a', 'b', 'ab', 'aba', 'ba', '', 'abab'];
    let text = 'abababa b aba';
    const idx = new WordIndex('aba');
    idx.reset(text);
    for (let step = 0; step < COUNT * 20; step++) {
      const a = Math.floor(r() * (text.length + 1));
      const b = Math.min(text.length, a + Math.floor(r() * 4));
      const ins = pieces[Math.floor(r() * pieces.length)];
      text = text.slice(0, a) + ins + text.slice(b);
      idx.edit(text, 0, a, b, ins.length);
      const want = new WordIndex('aba');
      want.reset(text);
      assert.deepEqual(idx.positions, want.positions, `step ${step}: ${JSON.stringify(text)}`);
    }
  });
});

describe('C findings kept per statement', () => {
  const findings = (d: AnalyzedDocument) => analyze(d, DEFAULT_SETTINGS).map((h) => shape(h.finding));
  const same = (d: AnalyzedDocument, why: string) => assert.deepEqual(findings(d), findings(AnalyzedDocument.create(d.path, d.getText())!), why);

  it('a `paravirt: ignore` typed after an unchanged statement silences it, and removing it brings it back', () => {
    const doc = AnalyzedDocument.create('/virtual/i.c', 'void f(void) {\n    asm volatile("hlt");\n}\n')!;
    assert.equal(findings(doc).length, 1);
    doc.applyChange({ range: { start: { line: 1, character: 24 }, end: { line: 1, character: 24 } }, text: ' // paravirt: ignore' });
    same(doc, 'ignore added');
    assert.equal(findings(doc).length, 0);
    doc.applyChange({ range: { start: { line: 1, character: 24 }, end: { line: 1, character: 44 } }, text: '' });
    same(doc, 'ignore removed');
    assert.equal(findings(doc).length, 1);
  });

  it('a line break moved before a statement on its line (same offset and line, other column) moves its findings', () => {
    // String literals between the edit and the statement give the rescan places to fall back
    // into step before it, so the statement itself is kept, not rescanned.
    const filler = '"s" '.repeat(3000);
    const doc = AnalyzedDocument.create('/virtual/m.c', `ab\ncd ${filler}asm("hlt");\n`)!;
    const col = findings(doc)[0].range.start.character;
    doc.applyChange({ range: { start: { line: 0, character: 2 }, end: { line: 1, character: 0 } }, text: '' });
    doc.applyChange({ range: { start: { line: 0, character: 3 }, end: { line: 0, character: 3 } }, text: '\n' });
    assert.equal(doc.getText(), `abc\nd ${filler}asm("hlt");\n`);
    same(doc, 'moved line break');
    assert.equal(findings(doc)[0].range.start.character, col - 1);
  });
});
