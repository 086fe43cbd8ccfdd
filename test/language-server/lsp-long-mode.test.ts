// 64-bit code through a real LSP client over stdio: NASM `bits 64`, GAS `.code64` and C inside
// `#ifdef __x86_64__` get the 64-bit set's diagnostics (ring 3 for a 64-bit PV kernel, the
// exits VT-x gives) and fixes that insert the 64-bit wrappers. The oracle is the toolchain and
// the host CPU: the fixed files assemble and compile for x86-64 (nasm -f elf64, as --64,
// gcc -m64), and the fixed code is linked with a stand-in hypercall page (32-byte slots that
// record RAX and the argument registers RDI, RSI, RDX, R10, R8) and run, so each wrapper is
// seen calling the right hypercall with the right arguments in the 64-bit PV registers.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeAction, Diagnostic, Hover, TextEdit } from 'vscode-languageserver-protocol';
import { applyEdits, ensureServerBuilt, messageText, REPO, TestClient, uriOf } from './lsp-client';

const work = mkdtempSync(join(tmpdir(), 'pv-long-'));
const GUEST = join(REPO, 'guest');

// Hypercall numbers from Xen's xen.h.
const SCHED_OP = 29, MMUEXT_OP = 26, SET_SEGMENT_BASE = 25, CALLBACK_OP = 30, FPU_TASKSWITCH = 5;

/** A stand-in hypercall page: slot N records {N, RDI, RSI, RDX, R10, R8} and returns 0 in RAX. */
const FAKE_PAGE = `bits 64
global hypercall_page, hc_log, hc_count
section .bss
hc_log: resq 6 * 64
hc_count: resq 1
section .text
align 4096
hypercall_page:
%assign i 0
%rep 128
    align 32
    mov eax, i
    jmp record
%assign i i + 1
%endrep
record:
    push rbx
    push rcx
    mov rbx, [rel hc_count]
    imul rbx, rbx, 48
    lea rcx, [rel hc_log]
    add rbx, rcx
    mov [rbx], rax
    mov [rbx + 8], rdi
    mov [rbx + 16], rsi
    mov [rbx + 24], rdx
    mov [rbx + 32], r10
    mov [rbx + 40], r8
    inc qword [rel hc_count]
    pop rcx
    pop rbx
    xor eax, eax
    ret
section .note.GNU-stack noalloc noexec nowrite progbits
`;

/** The C side of the run: vcpu_info for the interrupt macros, the calls, and the log printed. */
const MAIN = `#include <stdio.h>
#include "paravirt.h"
extern unsigned long hc_log[64][6], hc_count;
struct vcpu_info vi;
volatile struct vcpu_info *pv_vcpu_info = &vi;
void fixed(void);
int main(void) {
    vi.arch.cr2 = 0x1234;
    fixed();
    for (unsigned long i = 0; i < hc_count; i++)
        printf("%lu %lx %lx %lx %lx %lx\\n", hc_log[i][0], hc_log[i][1], hc_log[i][2], hc_log[i][3], hc_log[i][4], hc_log[i][5]);
    printf("mask %d\\n", vi.evtchn_upcall_mask);
    return 0;
}
`;

interface Call { nr: number; args: bigint[] }

/** Link the objects with the stand-in page and the C main, run it, and read the calls back. */
function run(objs: string[], name: string): { calls: Call[]; mask: number } {
  const page = join(work, `${name}-page.asm`);
  writeFileSync(page, FAKE_PAGE);
  execFileSync('nasm', ['-f', 'elf64', page, '-o', page + '.o']);
  const main = join(work, `${name}-main.c`);
  writeFileSync(main, MAIN);
  const exe = join(work, name);
  execFileSync('gcc', ['-m64', '-O1', '-mno-red-zone', '-no-pie', '-I', GUEST, main, page + '.o', ...objs, '-o', exe]);
  const out = execFileSync(exe, { encoding: 'utf8' }).trim().split('\n');
  const mask = Number(out.pop()!.split(' ')[1]);
  return { calls: out.map((l) => { const [nr, ...a] = l.split(' '); return { nr: Number(nr), args: a.map((x) => BigInt('0x' + x)) }; }), mask };
}

describe('64-bit code: diagnostics, hovers and fixes', () => {
  let c: TestClient;
  before(async () => { await ensureServerBuilt(); c = new TestClient({ root: work }); await c.initialize(); });
  after(async () => { await c.close(); });

  const editsOf = (a: CodeAction, path: string) => a.edit!.changes![uriOf(path)] as TextEdit[];
  async function fixAll(path: string): Promise<string> {
    const acts = await c.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: uriOf(path) }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.paravirt'] },
    });
    // No action when nothing is left to rewrite.
    return acts.length ? applyEdits(text(path), editsOf(acts[0], path)) : text(path);
  }
  const texts = new Map<string, string>();
  const text = (p: string) => texts.get(p)!;
  async function open(name: string, body: string, lang: string): Promise<{ path: string; ds: Diagnostic[] }> {
    const path = join(work, name);
    texts.set(path, body);
    return { path, ds: await c.open(path, body, lang) };
  }
  const byLine = (ds: Diagnostic[]) => Object.fromEntries(ds.map((d) => [d.range.start.line, String(d.code)]));

  it('NASM bits 64: the 64-bit set is flagged with ring-3 PV facts; fix-all inserts the 64-bit wrappers, which assemble (elf64) and call Xen with 64-bit arguments', async () => {
    const body = [
      'bits 64',                       // 0
      'global fixed',
      'section .text',
      'fixed:',
      '    push rbx',                  // 4
      '    mov rax, 0x5000',
      '    mov cr3, rax',              // 6  PV010 -> PV_WRITE_CR3 rax
      '    mov rdx, cr2',              // 7  PV011 -> PV_READ_CR2 rdx
      '    mov rbx, 0x7fff12345000',
      '    wrfsbase rbx',              // 9  PV054 -> PV_WRFSBASE rbx
      '    mov ecx, 0xC0000101',
      '    mov eax, 0x89abcdef',
      '    mov edx, 0x7fff',
      '    wrmsr',                     // 13 PV058 -> PV_WRMSR (GS_BASE: set_segment_base GS_KERNEL)
      '    mov ecx, 0xC0000082',
      '    mov eax, 0x401000',
      '    xor edx, edx',
      '    wrmsr',                     // 17 PV059 -> PV_WRMSR (LSTAR: callback_op)
      '    cli',                       // 18 PV002 -> PV_CLI
      '    clts',                      // 19 PV012 -> PV_CLTS
      '    hlt',                       // 20 PV001 -> PV_HALT
      '    pop rbx',
      '    ret',
      'entry_end:',
      '    swapgs',                    // 24 PV050, refused
      '    mov cr8, rax',              // 25 PV056, refused
      '    sysret',                    // 26 PV052, refused
      '    iret',                      // 27 PV034 in 64-bit: IRETD, refused
      '    iretq',                     // 28 PV034 -> PV_IRET
      '',
    ].join('\n');
    const { path, ds } = await open('long.asm', body, 'nasm');
    assert.deepEqual(byLine(ds), {
      6: 'PV010', 7: 'PV011', 9: 'PV054', 13: 'PV058', 17: 'PV059', 18: 'PV002', 19: 'PV012', 20: 'PV001',
      24: 'PV050', 25: 'PV056', 26: 'PV052', 27: 'PV034', 28: 'PV034',
    });
    const msg = (line: number) => messageText(ds.find((d) => d.range.start.line === line)!.message);
    assert.match(msg(20), /ring 3/, 'a 64-bit PV kernel runs in ring 3');
    assert.doesNotMatch(msg(20), /ring 1/);
    assert.match(msg(13), /set_segment_base/);
    assert.match(msg(25), /VM exit 28 CR_ACCESS/);
    for (const l of [24, 25, 26, 27]) assert.match(msg(l), /No automatic rewrite: \S/, `line ${l} says why`);
    const hover = await c.request<Hover>('textDocument/hover', { textDocument: { uri: uriOf(path) }, position: { line: 24, character: 6 } });
    assert.match(messageText(hover.contents as { value: string }), /SWAPGS[\s\S]*64-bit code[\s\S]*ring 3/);

    const fixed = await fixAll(path);
    const lines = fixed.split('\n');
    assert.equal(lines[0], '%include "paravirt64.inc"');
    assert.equal(lines.filter((l) => /paravirt(64)?\.inc/.test(l)).length, 1, 'one include, the 64-bit one');
    assert.deepEqual([lines[7], lines[8], lines[10], lines[14], lines[18], lines[19], lines[20], lines[21], lines[29]].map((l) => l.trim()),
      ['PV_WRITE_CR3 rax', 'PV_READ_CR2 rdx', 'PV_WRFSBASE rbx', 'PV_WRMSR', 'PV_WRMSR', 'PV_CLI', 'PV_CLTS', 'PV_HALT', 'PV_IRET']);
    // Applying the fixes again changes nothing; what is left is what has no faithful rewrite.
    const after = await c.change(path, 2, [{ text: fixed }]);
    texts.set(path, fixed);
    assert.deepEqual(Object.values(byLine(after)).sort(), ['PV034', 'PV050', 'PV052', 'PV056']);
    assert.equal(await fixAll(path), fixed);

    // The toolchain: the fixed file assembles as 64-bit code; without the refused tail it runs.
    const asm = join(work, 'long-fixed.asm');
    writeFileSync(asm, fixed);
    execFileSync('nasm', ['-f', 'elf64', '-I', GUEST + '/', asm, '-o', asm + '.o']);
    const runnable = join(work, 'long-run.asm');
    writeFileSync(runnable, lines.slice(0, 24).join('\n') + '\nsection .note.GNU-stack noalloc noexec nowrite progbits\n');
    execFileSync('nasm', ['-f', 'elf64', '-I', GUEST + '/', runnable, '-o', runnable + '.o']);
    const { calls, mask } = run([runnable + '.o'], 'long-nasm');
    assert.deepEqual(calls.map((k) => k.nr), [MMUEXT_OP, SET_SEGMENT_BASE, SET_SEGMENT_BASE, CALLBACK_OP, FPU_TASKSWITCH, SCHED_OP]);
    assert.equal(calls[0].args[1], 1n, 'mmuext_op: one op (RSI)');
    assert.equal(calls[0].args[3], 0x7ff0n, 'mmuext_op: DOMID_SELF in R10');
    assert.deepEqual(calls[1].args.slice(0, 2), [0n, 0x7fff12345000n], 'wrfsbase: set_segment_base(SEGBASE_FS, rbx) in RDI, RSI');
    assert.deepEqual(calls[2].args.slice(0, 2), [2n, 0x7fff89abcdefn], 'wrmsr GS_BASE: set_segment_base(SEGBASE_GS_KERNEL, EDX:EAX)');
    assert.equal(calls[3].args[0], 0n, 'callback_op(CALLBACKOP_register, ...)');
    assert.deepEqual(calls[4].args.slice(0, 1), [0n], 'clts: fpu_taskswitch(0)');
    assert.deepEqual(calls[5].args.slice(0, 2), [1n, 0n], 'hlt: sched_op(SCHEDOP_block, 0)');
    assert.equal(mask, 1, 'cli masked events in vcpu_info');
  });

  it('GAS .code64 after .code32: each part gets its own facts and wrappers; the 64-bit part assembles with as --64', async () => {
    const body = ['.code32', 'f32:', '    hlt', '.code64', '.globl fixed', 'fixed:', '    pushq %rbx', '    movq $0x7000, %rbx', '    wrgsbase %rbx', '    movq %rbx, %cr3', '    hlt', '    popq %rbx', '    ret', ''].join('\n');
    const { path, ds } = await open('long.S', body, 'gas');
    assert.deepEqual(byLine(ds), { 2: 'PV001', 8: 'PV055', 9: 'PV010', 10: 'PV001' });
    assert.match(messageText(ds[0].message), /ring 1/, 'the .code32 part is read as 32-bit code');
    assert.match(messageText(ds[3].message), /ring 3/);
    const fixed = await fixAll(path);
    assert.match(fixed, /\.include "paravirt-gas\.inc"/);
    assert.match(fixed, /\.include "paravirt64-gas\.inc"/);
    assert.match(fixed, /PV_WRGSBASE %rbx/);
    assert.match(fixed, /PV_WRITE_CR3 %rbx/);
    // The 64-bit part on its own, with its include, assembles and runs.
    const part = ['.include "paravirt64-gas.inc"', ...fixed.split('\n').slice(fixed.split('\n').indexOf('.code64')), '.section .note.GNU-stack,"",@progbits', ''].join('\n');
    const s = join(work, 'long-run.s');
    writeFileSync(s, part);
    execFileSync('as', ['--64', '-I', GUEST, s, '-o', s + '.o']);
    const { calls } = run([s + '.o'], 'long-gas');
    assert.deepEqual(calls.map((k) => [k.nr, k.args[0], k.args[1]]), [[SET_SEGMENT_BASE, 2n, 0x7000n], [MMUEXT_OP, calls[1].args[0], 1n], [SCHED_OP, 1n, 0n]]);
  });

  it('C: __x86_64__ regions are 64-bit (the #else 32-bit); fixes call the 64-bit half of paravirt.h and compile with gcc -m64', async () => {
    const body = [
      '#include <stdint.h>',
      'void fixed(void)',
      '{',
      '#ifdef __x86_64__',
      '    unsigned long base = 0x7ffe00001000UL, lo = 0x1000, hi = 0x7ffe;',
      '    __asm__ volatile("wrfsbase %0" : : "r"(base));',
      '    __asm__ volatile("wrmsr" : : "c"(0xC0000100), "a"(lo), "d"(hi));',
      '    __asm__ volatile("hlt");',
      '#else',
      '    __asm__ volatile("hlt");',
      '#endif',
      '}',
      '',
    ].join('\n');
    const { path, ds } = await open('long.c', body, 'c');
    assert.deepEqual(byLine(ds), { 5: 'PV054', 6: 'PV058', 7: 'PV001', 9: 'PV001' });
    assert.match(messageText(ds[2].message), /ring 3/);
    assert.match(messageText(ds[3].message), /ring 1/);
    const fixed = await fixAll(path);
    assert.match(fixed, /#include "paravirt\.h"/);
    assert.match(fixed, /pv_wrfsbase\(base\);/);
    assert.match(fixed, /pv_wrmsr\(0xC0000100, \(\(unsigned long\)\(hi\) << 32\) \| \(unsigned int\)\(lo\)\);/);
    const cfile = join(work, 'long-fixed.c');
    writeFileSync(cfile, fixed);
    execFileSync('gcc', ['-m64', '-O2', '-mno-red-zone', '-ffreestanding', '-Wall', '-Werror', '-c', '-I', GUEST, cfile, '-o', cfile + '.o']);
    const { calls } = run([cfile + '.o'], 'long-c');
    assert.deepEqual(calls.map((k) => [k.nr, k.args[0], k.args[1]]), [[SET_SEGMENT_BASE, 0n, 0x7ffe00001000n], [SET_SEGMENT_BASE, 0n, 0x7ffe00001000n], [SCHED_OP, 1n, 0n]]);
  });

  it('target=hvm in 64-bit code: the exits VT-x gives (CR8 with the TPR shadow, WRMSR per the bitmap, XSETBV, INVPCID); SWAPGS and SYSRET cause none', async () => {
    const body = ['; paravirt: target=hvm', 'bits 64', '    mov cr8, rax', '    mov rbx, cr8', '    mov ecx, 0xC0000082', '    wrmsr', '    xsetbv', '    invpcid rax, [rbx]', '    swapgs', '    sysretq', '    hlt', ''].join('\n');
    const { path, ds } = await open('hvm64.asm', body, 'nasm');
    assert.deepEqual(byLine(ds), { 2: 'PV056', 3: 'PV057', 5: 'PV059', 6: 'PV047', 7: 'PV048', 10: 'PV001' });
    for (const d of ds) assert.equal(d.severity, 3, 'information under target=hvm');
    const msg = (line: number) => messageText(ds.find((d) => d.range.start.line === line)!.message);
    assert.match(msg(2), /VM exit 28 CR_ACCESS.*TPR_BELOW_THRESHOLD/);
    assert.match(msg(5), /VM exit 32 WRMSR/);
    assert.match(msg(6), /VM exit 55 XSETBV/);
    assert.match(msg(7), /VM exit 58 INVPCID/);
    const hover = await c.request<Hover>('textDocument/hover', { textDocument: { uri: uriOf(path) }, position: { line: 2, character: 6 } });
    assert.match(messageText(hover.contents as { value: string }), /Exit qualification: bits 3:0 CR number[\s\S]*CR number 8/);
  });

  it('target=pv64: a 64-bit PV kernel by its marker; marking it HVM keeps the mode (target=hvm64)', async () => {
    const { path, ds } = await open('marked.asm', '; paravirt: target=pv64\nsection .text\n    hlt\n', 'nasm');
    assert.equal(ds.length, 1);
    assert.equal(ds[0].severity, 1);
    assert.match(messageText(ds[0].message), /ring 3/);
    const acts = await c.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: uriOf(path) }, range: ds[0].range, context: { diagnostics: [ds[0]], only: ['quickfix'] } });
    const mark = acts.find((a) => /^Mark this file as HVM code/.test(a.title))!;
    assert.equal(applyEdits(text(path), editsOf(mark, path)), '; paravirt: target=hvm64\nsection .text\n    hlt\n');
  });

  it('64-bit spellings: NASM o64/a64 prefixes and GAS rex64/rex.W are prefixes, not mnemonics', async () => {
    const n = await open('prefixes.asm', 'bits 64\n    o64 sysret\n    a64 swapgs\n', 'nasm');
    assert.deepEqual(byLine(n.ds), { 1: 'PV052', 2: 'PV050' });
    const g = await open('prefixes.s', '.code64\n    rex64 sysret\n    rex.W sysretq\n    sysretl\n', 'gas');
    assert.deepEqual(byLine(g.ds), { 1: 'PV052', 2: 'PV052', 3: 'PV052' });
  });

  it('edits: a new mode directive, or a new MSR loaded into ECX, changes the findings below it', async () => {
    const body = 'bits 32\nsection .text\n    mov ecx, 0x1b\n    wrmsr\n    hlt\n';
    const { path, ds } = await open('edit.asm', body, 'nasm');
    assert.deepEqual(byLine(ds), { 3: 'PV027', 4: 'PV001' });
    assert.match(messageText(ds[1].message), /ring 1/);
    // `bits 32` -> `bits 64` on line 0 only: the hlt three lines below now reads as 64-bit code.
    const d2 = await c.change(path, 2, [{ range: { start: { line: 0, character: 5 }, end: { line: 0, character: 7 } }, text: '64' }]);
    assert.match(messageText(d2.find((d) => d.range.start.line === 4)!.message), /ring 3/);
    // The MSR number on line 2 only: the WRMSR on line 3 becomes the FS-base rule.
    const d3 = await c.change(path, 3, [{ range: { start: { line: 2, character: 13 }, end: { line: 2, character: 17 } }, text: '0xC0000100' }]);
    assert.deepEqual(byLine(d3), { 3: 'PV058', 4: 'PV001' });
    // A label between the load and the WRMSR: ECX may come from elsewhere, back to the general rule.
    const d4 = await c.change(path, 4, [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, text: 'again:\n' }]);
    assert.deepEqual(byLine(d4), { 4: 'PV027', 5: 'PV001' });
  });

  it('C edits: a line added above an __x86_64__ region keeps each statement\'s mode; flipping the test flips them', async () => {
    const body = ['void f(void)', '{', '#ifdef __x86_64__', '    __asm__ volatile("hlt");', '#else', '    __asm__ volatile("hlt");', '#endif', '}', ''].join('\n');
    const { path, ds } = await open('edit.c', body, 'c');
    const rings = (d: Diagnostic[]) => d.map((x) => `${x.range.start.line}:${/ring (\d)/.exec(messageText(x.message))![1]}`);
    assert.deepEqual(rings(ds), ['3:3', '5:1']);
    const d2 = await c.change(path, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '/* idle */\n' }]);
    assert.deepEqual(rings(d2), ['4:3', '6:1']);
    const d3 = await c.change(path, 3, [{ range: { start: { line: 3, character: 7 }, end: { line: 3, character: 17 } }, text: '__i386__' }]);
    assert.deepEqual(rings(d3), ['4:1', '6:3']);
  });

  it('32-bit code is unchanged: bits 32 still gets ring-1 facts and paravirt.inc', async () => {
    const { path, ds } = await open('short.asm', 'bits 32\nsection .text\n    hlt\n    mov cr3, eax\n', 'nasm');
    assert.deepEqual(byLine(ds), { 2: 'PV001', 3: 'PV010' });
    assert.match(messageText(ds[0].message), /ring 1/);
    const fixed = await fixAll(path);
    assert.equal(fixed, '%include "paravirt.inc"\nbits 32\nsection .text\n    PV_HALT\n    PV_WRITE_CR3 eax\n');
  });
});
