// Quick fixes and fix-all through the LSP client, checked by applying the edits and then
// (a) re-analysing: the instruction is gone and a second application changes nothing, and
// (b) assembling/compiling the result with the real tools (nasm, as --32, gcc -m32) against
// guest/, and reading the object code back with objdump: the wrapper calls the right slot of
// the hypercall page (hypercall_page + nr*32, nr from Xen's xen.h).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeAction, Diagnostic, TextEdit } from 'vscode-languageserver-protocol';
import { applyEdits, ensureServerBuilt, messageText, REPO, TestClient, uriOf } from './lsp-client';

const work = mkdtempSync(join(tmpdir(), 'pv-fix-'));
const GUEST = join(REPO, 'guest');
let n = 0;
const file = (ext: string) => join(work, `f${n++}.${ext}`);

function build(path: string): string {
  const obj = path + '.o';
  if (path.endsWith('.asm')) execFileSync('nasm', ['-f', 'elf32', '-I', GUEST + '/', path, '-o', obj]);
  else if (path.endsWith('.s')) execFileSync('as', ['--32', '-I', GUEST, path, '-o', obj]);
  else execFileSync('gcc', ['-m32', '-O2', '-ffreestanding', '-fno-pic', '-c', '-I', GUEST, path, '-o', obj]);
  return execFileSync('objdump', ['-dr', obj], { encoding: 'utf8' });
}

/** call/jmp relocations against hypercall_page: the slot numbers they reach (addend + 4 for PC32). */
function hypercallSlots(objdump: string): number[] {
  const out: number[] = [];
  const lines = objdump.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /R_386_PC32\s+hypercall_page/.exec(lines[i]);
    if (!m) continue;
    const insn = lines[i - 1];
    const bytes = insn.split('\t')[1].trim().split(/\s+/).map((b) => parseInt(b, 16));
    const addend = bytes[1] | (bytes[2] << 8) | (bytes[3] << 16) | (bytes[4] << 24);
    out.push((addend + 4) / 32);
  }
  return out;
}

describe('quick fixes', () => {
  let c: TestClient;
  before(async () => { await ensureServerBuilt(); c = new TestClient({ root: work }); await c.initialize(); });
  after(async () => { await c.close(); });

  async function allActionsFor(path: string, d: Diagnostic): Promise<CodeAction[]> {
    return c.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: uriOf(path) }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } });
  }
  const MARK_HVM = /^Mark this file as HVM code/;
  /** The rewrites offered (the "mark as HVM" action, offered beside every PV finding, is tested on its own). */
  async function actionsFor(path: string, d: Diagnostic): Promise<CodeAction[]> {
    return (await allActionsFor(path, d)).filter((a) => !MARK_HVM.test(a.title));
  }
  async function fixAll(path: string): Promise<CodeAction[]> {
    return c.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: uriOf(path) }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.paravirt'] },
    });
  }
  const editsOf = (a: CodeAction, path: string) => a.edit!.changes![uriOf(path)] as TextEdit[];

  it('NASM: one fix keeps indentation and comment, adds the include once, and assembles to sched_op', async () => {
    const p = file('asm');
    const text = '; boot code\nbits 32\nsection .text\nstart:\n    hlt             ; wait for an interrupt\n    jmp start\n';
    const ds = await c.open(p, text, 'nasm');
    assert.equal(ds.length, 1);
    const acts = await actionsFor(p, ds[0]);
    assert.equal(acts.length, 1);
    assert.equal(acts[0].kind, 'quickfix');
    assert.equal(acts[0].isPreferred, true);
    const fixed = applyEdits(text, editsOf(acts[0], p));
    assert.equal(fixed, '; boot code\n%include "paravirt.inc"\nbits 32\nsection .text\nstart:\n    PV_HALT             ; wait for an interrupt\n    jmp start\n');
    const ds2 = await c.change(p, 2, [{ text: fixed }]);
    assert.deepEqual(ds2, []);
    assert.deepEqual(await fixAll(p), []);
    writeFileSync(p, fixed);
    assert.deepEqual(hypercallSlots(build(p)), [29]); // __HYPERVISOR_sched_op
  });

  it('every PV finding, lgdt included, offers to mark the file HVM; the marked file has no errors and still builds', async () => {
    for (const [ext, lang, text, marker] of [
      ['asm', 'nasm', 'bits 32\nsection .text\nstart:\n    cli\n    lgdt [gdtr]\n    hlt\nsection .data\ngdtr: dw 0\n    dd 0\n', '; paravirt: target=hvm\n'],
      ['S', 'gas', '.text\nstart:\n    cli\n    lgdt gdtr\n    hlt\n.data\ngdtr: .word 0\n    .long 0\n', '/* paravirt: target=hvm */\n'],
      ['c', 'c', 'void f(void) { __asm__ volatile("cli"); __asm__ volatile("lgdt %0" :: "m"(*(char *)0)); }\n', '/* paravirt: target=hvm */\n'],
    ] as const) {
      const p = file(ext);
      const ds = await c.open(p, text, lang);
      const errors = ds.filter((d) => d.severity === 1);
      assert.ok(errors.some((d) => /LGDT/.test(messageText(d.message))), `${ext}: lgdt is an error for PV`);
      for (const d of errors) {
        const mark = (await allActionsFor(p, d)).filter((a) => MARK_HVM.test(a.title));
        assert.equal(mark.length, 1, `${ext}: ${messageText(d.message)}`);
      }
      const marked = applyEdits(text, editsOf((await allActionsFor(p, errors[0])).find((a) => MARK_HVM.test(a.title))!, p));
      assert.equal(marked, marker + text);
      const after = await c.change(p, 2, [{ text: marked }]);
      assert.deepEqual(after.filter((d) => d.severity === 1), [], `${ext}: no errors once marked HVM`);
      assert.ok(after.length > 0, `${ext}: the exits are still shown, as hints`);
      for (const d of after) assert.equal((await allActionsFor(p, d)).filter((a) => MARK_HVM.test(a.title)).length, 0, 'not offered again');
      writeFileSync(p, marked);
      build(p);
    }
    // An explicit target=pv comment is turned into target=hvm, not doubled.
    const p = file('asm');
    const text = '; paravirt: target=pv\nbits 32\n    cli\n';
    const ds = await c.open(p, text, 'nasm');
    const act = (await allActionsFor(p, ds[0])).find((a) => MARK_HVM.test(a.title))!;
    assert.equal(applyEdits(text, editsOf(act, p)), '; paravirt: target=hvm\nbits 32\n    cli\n');
  });

  it('NASM: operand forms (cr3, cr2, invlpg, debug registers) and refusals with reasons', async () => {
    const p = file('asm');
    const text = [
      'bits 32', 'section .text', 'f:',
      '    mov cr3, eax', '    mov edx, cr2', '    invlpg [ebx + 4]', '    mov dr7, ecx', '    mov esi, dr6',
      '    clts', '    wbinvd', '    cpuid', '    cli', '    sti',
      '    mov cr0, eax', '    out dx, al', '    lidt [idt]', '    invlpg [esp + 4]', '    rep insb', '    pushfd',
      '    ret', 'idt: dq 0', '',
    ].join('\n');
    const ds = await c.open(p, text, 'nasm');
    const fixable = new Map<number, string>();
    for (const d of ds) {
      const acts = await actionsFor(p, d);
      if (acts.length) fixable.set(d.range.start.line, editsOf(acts[0], p).find((e) => e.range.start.line === d.range.start.line)!.newText);
      else assert.match(messageText(d.message), /No automatic rewrite: \S/, `line ${d.range.start.line} says why`);
    }
    assert.deepEqual(Object.fromEntries(fixable), {
      3: 'PV_WRITE_CR3 eax', 4: 'PV_READ_CR2 edx', 5: 'PV_INVLPG [ebx + 4]', 6: 'PV_SET_DEBUGREG 7, ecx', 7: 'PV_GET_DEBUGREG esi, 6',
      8: 'PV_CLTS', 9: 'PV_WBINVD', 10: 'PV_CPUID', 11: 'PV_CLI', 12: 'PV_STI',
    });
    assert.match(messageText(ds.find((d) => d.range.start.line === 13)!.message), /only a CR3 load has a faithful replacement/);
    assert.match(messageText(ds.find((d) => d.range.start.line === 16)!.message), /uses ESP/);
    // Fix-all, twice: the second pass has nothing to do; the result assembles.
    const all = await fixAll(p);
    assert.equal(all.length, 1);
    assert.equal(all[0].kind, 'source.fixAll.paravirt');
    const fixed = applyEdits(text, editsOf(all[0], p));
    assert.equal((fixed.match(/%include "paravirt.inc"/g) ?? []).length, 1);
    const ds2 = await c.change(p, 2, [{ text: fixed }]);
    assert.deepEqual(ds2.map((d) => d.range.start.line - 1).sort((a, b) => a - b), [13, 14, 15, 16, 17, 18]);
    assert.deepEqual(await fixAll(p), []);
    writeFileSync(p, fixed);
    const slots = hypercallSlots(build(p));
    // mmuext_op 26 (cr3, invlpg, wbinvd), set_debugreg 8, get_debugreg 9, fpu_taskswitch 5, xen_version 17 (sti)
    assert.deepEqual([...new Set(slots)].sort((a, b) => a - b), [5, 8, 9, 17, 26]);
  });

  it('GAS: AT&T fixes assemble with as --32; .intel_syntax code is refused', async () => {
    const p = file('s');
    const text = '    .text\nf:\n    cli                 # off\n    movl %eax, %cr3\n    invlpg 8(%ebx,%ecx,4)\n    movl %cr2, %edi\n    movl %ebx, %db0\n    hlt\n    iret\n    .intel_syntax noprefix\n    hlt\n';
    const ds = await c.open(p, text, 'gas');
    assert.equal(ds.length, 8);
    const intel = ds.find((d) => d.range.start.line === 10)!;
    assert.deepEqual(await actionsFor(p, intel), []);
    assert.match(messageText(intel.message), /AT&T syntax/);
    const all = await fixAll(p);
    const fixed = applyEdits(text, editsOf(all[0], p));
    assert.match(fixed, /^\.include "paravirt-gas\.inc"\n/);
    assert.match(fixed, /\n    PV_CLI                 # off\n/);
    assert.match(fixed, /\n    PV_INVLPG "8\(%ebx,%ecx,4\)"\n/);
    assert.match(fixed, /\n    PV_SET_DEBUGREG \$0, %ebx\n/);
    await c.change(p, 2, [{ text: fixed }]);
    assert.deepEqual(await fixAll(p), []);
    writeFileSync(p, fixed.replace(/    \.intel_syntax noprefix\n    hlt\n/, ''));
    const slots = hypercallSlots(build(p));
    assert.ok(slots.includes(29) && slots.includes(26) && slots.includes(8) && slots.includes(23), `slots ${slots}`);
  });

  it('C: one-instruction asm statements become calls (operands resolved), others are refused', async () => {
    const p = file('c');
    const text = [
      '#include <stdint.h>',
      '',
      'void load(unsigned long pgd, void *va)',
      '{',
      '    __asm__ __volatile__("hlt");   /* idle */',
      '    asm volatile("movl %0, %%cr3" :: "r"(pgd) : "memory");',
      '    asm volatile("invlpg (%[p])" :: [p] "r"(va) : "memory");',
      '    unsigned long fault;',
      '    asm volatile("mov %%cr2, %0" : "=r"(fault));',
      '    asm volatile("cli\\n\\tsti");',
      '    unsigned a, b, c2, d;',
      '    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c2), "=d"(d) : "0"(0));',
      '    (void)fault; (void)a; (void)b; (void)c2; (void)d;',
      '}',
      '',
    ].join('\n');
    const ds = await c.open(p, text, 'c');
    assert.equal(ds.length, 7);
    const multi = ds.filter((d) => d.range.start.line === 9);
    assert.equal(multi.length, 2);
    for (const d of multi) { assert.deepEqual(await actionsFor(p, d), []); assert.match(messageText(d.message), /holds 2 statements/); }
    const all = await fixAll(p);
    const fixed = applyEdits(text, editsOf(all[0], p));
    const lines = fixed.split('\n');
    assert.equal(lines[1], '#include "paravirt.h"');
    assert.equal(lines[5], '    pv_halt();   /* idle */');
    assert.equal(lines[6], '    pv_write_cr3(pgd);');
    assert.equal(lines[7], '    pv_invlpg((const void *)(va));');
    assert.equal(lines[9], '    fault = pv_read_cr2();');
    assert.equal(lines[12], '    asm volatile(PV_ASM_CPUID : "=a"(a), "=b"(b), "=c"(c2), "=d"(d) : "0"(0));');
    const ds2 = await c.change(p, 2, [{ text: fixed }]);
    assert.deepEqual(ds2.map((d) => d.code).sort(), ['PV002', 'PV003']);
    assert.equal(applyEdits(fixed, (await fixAll(p)).flatMap((a) => editsOf(a, p))), fixed);
    writeFileSync(p, fixed.replace('    asm volatile("cli\\n\\tsti");\n', ''));
    const slots = hypercallSlots(build(p));
    assert.ok(slots.includes(29) && slots.includes(26), `slots ${slots}`);
    assert.match(readFileSync(p, 'utf8'), /pv_halt/);
  });
});
