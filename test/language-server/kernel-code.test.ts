// The linter on kernel trees as they are laid out and configured: #if branches evaluated with
// the project's defines (-D/-U, paravirt.defines, compile_commands.json) and reported as
// inactive, other architectures' folders skipped, symlink loops (Mini-OS's
// include/mini-os -> .) read once, and in the editor the inactive branches greyed.
// Expectations are written by hand from the sources below.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiagnosticTag } from 'vscode-languageserver-protocol';
import { lintFiles, runLint } from '../../language-server/analyzer/lint';
import { ensureServerBuilt, TestClient } from './lsp-client';

const MINIOS_C = `#include <mini-os/os.h>
#ifndef CONFIG_PARAVIRT
static inline void irq_off(void) { asm volatile("cli"); }
static inline void halt(void) { asm volatile("hlt"); }
#else
static inline void irq_off(void) { vcpu->evtchn_upcall_mask = 1; }
#endif
#if defined(CONFIG_X86_64) && CONFIG_NR_CPUS > 1
static inline unsigned long save(void) { unsigned long f; asm volatile("pushfq; popq %0" : "=r"(f)); return f; }
#elif 0
asm("sti");
#endif
#if 0
asm("wbinvd");
#endif
static inline void flush(void) { asm volatile("invlpg (%0)" :: "r"(0)); }
`;

const PLACES_C = `#define _ASM_EXTABLE(from, to) " .pushsection __ex_table,\\"a\\"\\n .long " #from ", " #to "\\n .popsection\\n"
#define ALTERNATIVE(oldinstr, newinstr, feature) oldinstr "\\n.pushsection .altinstr_replacement\\n" newinstr "\\n.popsection\\n"
#define HALT "hlt"
#define safe_insn(insn) asm volatile("1: " insn "\\n2:\\n" _ASM_EXTABLE(1b, 2b))
static void a(void) { asm volatile(HALT); }
static void b(void) { asm volatile(HALT); }
static void c(void) { asm volatile(ALTERNATIVE("", "cli", 1)); }
static void d(void) { asm volatile("1: sti\\n2:\\n" _ASM_EXTABLE(1b, 2b)); }
static void e(void) { safe_insn("wbinvd"); }
static void f(void) { asm volatile("cli"); }
`;

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'pv-kernel-'));
  mkdirSync(join(root, 'include'), { recursive: true });
  symlinkSync('.', join(root, 'include', 'mini-os'));
  writeFileSync(join(root, 'hypervisor.c'), MINIOS_C);
  writeFileSync(join(root, 'include', 'os.h'), 'static inline void f(void) { asm volatile("cli"); }\n');
  for (const arch of ['arm', 'lib/arm64', 'powerpc', 's390x', 'riscv']) {
    mkdirSync(join(root, arch), { recursive: true });
    // ARM, POWER, s390 and RISC-V spellings that read as x86 privileged instructions.
    writeFileSync(join(root, arch, 'cstart.S'), 'start:\n\tmov cr3, r0\n\thlt\n\tcli\n\tin r1, r2\n');
  }
  return root;
}

const lines = (r: ReturnType<typeof lintFiles>, name: string) =>
  r.results.find((x) => x.file.endsWith(name))!.findings.map((f) => `${f.range.start.line + 1}:${f.code}`).sort();

describe('paravirt lint on a kernel tree', () => {
  it('with no defines every branch that a macro could select is checked; #if 0 is not', () => {
    const root = tree();
    const r = lintFiles([root], { inactive: true });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(lines(r, 'hypervisor.c'), ['16:PV023', '3:PV002', '4:PV001', '9:PV004'].sort());
    const inactive = r.results.find((x) => x.file.endsWith('hypervisor.c'))!.inactive!;
    assert.deepEqual(inactive.map((x) => [x.startLine + 1, x.endLine + 1]), [[11, 11], [14, 14]]);
  });

  it('-D CONFIG_PARAVIRT makes the native branch inactive; -U and values decide #if expressions', () => {
    const root = tree();
    const r = lintFiles([root], { inactive: true, define: ['CONFIG_PARAVIRT', 'CONFIG_X86_64', 'CONFIG_NR_CPUS=1'] });
    assert.deepEqual(lines(r, 'hypervisor.c'), ['16:PV023']);
    const inactive = r.results.find((x) => x.file.endsWith('hypervisor.c'))!.inactive!;
    assert.deepEqual(inactive.map((x) => [x.startLine + 1, x.endLine + 1]), [[3, 4], [9, 9], [11, 11], [14, 14]]);
    assert.match(inactive[0].reason, /CONFIG_PARAVIRT is defined/);
    const r2 = lintFiles([root], { inactive: true, define: ['CONFIG_X86_64', 'CONFIG_NR_CPUS=4'], undefine: ['CONFIG_PARAVIRT'] });
    assert.deepEqual(lines(r2, 'hypervisor.c'), ['16:PV023', '3:PV002', '4:PV001', '9:PV004'].sort());
    assert.deepEqual(lintFiles([root], { inactive: true, define: ['1BAD'] }).errors, ['paravirt lint: -D expects NAME or NAME=VALUE, got "1BAD"']);
  });

  it('a compile_commands.json entry gives the file its -D flags, and what it does not define is undefined', () => {
    const root = tree();
    writeFileSync(join(root, 'compile_commands.json'), JSON.stringify([
      { directory: root, file: 'hypervisor.c', command: 'gcc -m32 -DCONFIG_PARAVIRT -D "CONFIG_NR_CPUS=2" -c hypervisor.c' },
    ]));
    const r = lintFiles([root], { cwd: root, inactive: true });
    assert.deepEqual(lines(r, 'hypervisor.c'), ['16:PV023']);
    const inactive = r.results.find((x) => x.file.endsWith('hypervisor.c'))!.inactive!;
    // CONFIG_X86_64 is not on the command line, so the pushfq branch is out as well.
    assert.deepEqual(inactive.map((x) => [x.startLine + 1, x.endLine + 1]), [[3, 4], [9, 9], [11, 11], [14, 14]]);
    assert.match(inactive[0].reason, /compile_commands\.json/);
  });

  it('-include files of the compile command (a kernel\'s kconfig.h and autoconf.h) give their #defines; one that is missing leaves the set open', () => {
    const root = tree();
    mkdirSync(join(root, 'include', 'generated'), { recursive: true });
    writeFileSync(join(root, 'include', 'kconfig.h'), '#include <generated/autoconf.h>\n#define IS_ENABLED(option) __or(option)\n');
    writeFileSync(join(root, 'include', 'generated', 'autoconf.h'), '#define CONFIG_X86_64 1\n#define CONFIG_NR_CPUS 4\n#define CONFIG_PARAVIRT 1\n');
    writeFileSync(join(root, 'compile_commands.json'), JSON.stringify([
      { directory: root, file: 'hypervisor.c', arguments: ['gcc', '-Iinclude', '-include', 'include/kconfig.h', '-c', 'hypervisor.c'] },
    ]));
    const r = lintFiles([root], { cwd: root, inactive: true });
    assert.deepEqual(lines(r, 'hypervisor.c'), ['16:PV023', '9:PV004']);
    const inactive = r.results.find((x) => x.file.endsWith('hypervisor.c'))!.inactive!;
    assert.deepEqual(inactive.map((x) => [x.startLine + 1, x.endLine + 1]), [[3, 4], [11, 11], [14, 14]]);
    // Without the generated header the configuration is unknown: only what -D and the file
    // itself say is used, and the CONFIG_X86_64 branch stays checked.
    writeFileSync(join(root, 'compile_commands.json'), JSON.stringify([
      { directory: root, file: 'hypervisor.c', arguments: ['gcc', '-Iinclude', '-include', 'include/missing.h', '-DCONFIG_PARAVIRT', '-c', 'hypervisor.c'] },
    ]));
    const r2 = lintFiles([join(root, 'hypervisor.c')], { cwd: root, inactive: true });
    assert.deepEqual(lines(r2, 'hypervisor.c'), ['16:PV023', '9:PV004']);
    assert.deepEqual(r2.results[0].inactive!.map((x) => [x.startLine + 1, x.endLine + 1]), [[3, 4], [11, 11], [14, 14]]);
  });

  it('other architectures are skipped and named; a symlink loop is read once, without an error', () => {
    const root = tree();
    const r = lintFiles([root], { inactive: true });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.results.map((x) => x.file.slice(root.length + 1)).sort(), ['hypervisor.c', 'include/os.h']);
    assert.deepEqual(r.skipped.map((x) => x.slice(root.length + 1)).sort(), ['arm', 'lib/arm64', 'powerpc', 'riscv', 's390x']);
  });
});

describe('inactive branches in the editor', () => {
  let c: TestClient;
  let root: string;
  before(async () => {
    await ensureServerBuilt();
    root = tree();
    c = new TestClient({ root, settings: { defines: ['CONFIG_PARAVIRT'] } });
    await c.initialize();
  });
  after(async () => { await c.close(); });

  it('are greyed (a hint tagged unnecessary that says why) and hold no findings', async () => {
    const ds = await c.open(join(root, 'hypervisor.c'), MINIOS_C, 'c');
    const grey = ds.filter((d) => d.tags?.includes(DiagnosticTag.Unnecessary));
    assert.deepEqual(grey.map((d) => [d.range.start.line + 1, d.range.end.line + 1]), [[3, 4], [11, 11], [14, 14]]);
    assert.match(String(grey[0].message), /CONFIG_PARAVIRT is defined/);
    const findings = ds.filter((d) => d.code).map((d) => `${d.range.start.line + 1}:${d.code}`).sort();
    assert.deepEqual(findings, ['16:PV023', '9:PV004'].sort());
  });

  it('a finding in a macro body carries the macro\'s uses as related information', async () => {
    const path = join(root, 'places.c');
    writeFileSync(path, PLACES_C);
    const ds = await c.open(path, PLACES_C, 'c');
    const hlt = ds.find((d) => d.code === 'PV001')!;
    assert.equal(hlt.range.start.line, 2);
    assert.deepEqual(hlt.relatedInformation?.map((r) => [r.location.uri.endsWith('/places.c'), r.location.range.start.line, r.message]),
      [[true, 4, 'HALT used in asm here'], [true, 5, 'HALT used in asm here']]);
    assert.equal(ds.find((d) => d.code === 'PV002' && d.range.start.line === 9)?.relatedInformation, undefined);
  });

  it("a file in another architecture's folder gets no findings", async () => {
    const ds = await c.open(join(root, 'arm', 'cstart.S'), 'start:\n\thlt\n\tcli\n', 'gas');
    assert.deepEqual(ds, []);
  });
});


describe('where kernels put instructions', () => {
  it('a finding in a macro body is reported once, at the body, with the uses as related locations', () => {
    const root = mkdtempSync(join(tmpdir(), 'pv-places-'));
    writeFileSync(join(root, 'places.c'), PLACES_C);
    const r = lintFiles([root], { inactive: true });
    const fs = r.results[0].findings;
    const at = (line: number) => fs.filter((f) => f.range.start.line + 1 === line);
    assert.deepEqual(fs.map((f) => `${f.range.start.line + 1}:${f.code}`), ['3:PV001', '7:PV002', '8:PV003', '9:PV025', '10:PV002']);
    const hlt = at(3)[0];
    assert.deepEqual(hlt.range, { start: { line: 2, character: 14 }, end: { line: 2, character: 17 } });
    assert.deepEqual(hlt.related?.map((x) => [x.range.start.line + 1, x.range.start.character + 1]), [[5, 36], [6, 36]]);
    // The quick fix is offered only where a faithful rewrite exists; elsewhere the message says why not.
    assert.equal(hlt.fixable, false);
    assert.match(hlt.message, /in the body of macro HALT, which asm text uses in 2 places/);
    assert.match(at(7)[0].message, /one alternative of an ALTERNATIVE\(\)/);
    assert.match(at(8)[0].message, /exception-table entry \(_ASM_EXTABLE\)/);
    assert.match(at(9)[0].message, /text passed to macro safe_insn/);
    assert.equal(at(10)[0].fixable, true);
    assert.match(at(10)[0].message, /Quick fix: pv_irq_disable\(\)/);
    // The same related locations in the JSON and SARIF renderings.
    const json = JSON.parse(runLint(['places.c'], { cwd: root, format: 'json' }).output);
    assert.deepEqual(json.findings[0].related.map((x: { line: number; column: number }) => [x.line, x.column]), [[5, 36], [6, 36]]);
    const sarif = JSON.parse(runLint(['places.c'], { cwd: root, format: 'sarif' }).output);
    const rl = sarif.runs[0].results[0].relatedLocations;
    assert.deepEqual(rl.map((x: { physicalLocation: { region: { startLine: number } } }) => x.physicalLocation.region.startLine), [5, 6]);
    assert.equal(rl[0].physicalLocation.artifactLocation.uri, 'places.c');
  });
});

describe('macros from headers reached through the include paths', () => {
  it('a call of a header macro that carries asm text is linted in the editor (#include <...> via paravirt.includePaths)', async () => {
    await ensureServerBuilt();
    const root = mkdtempSync(join(tmpdir(), 'pv-incl-'));
    mkdirSync(join(root, 'include', 'asm'), { recursive: true });
    writeFileSync(join(root, 'include', 'asm', 'alternative.h'),
      '#define ALTERNATIVE(oldinstr, newinstr, ft) oldinstr "\\n.pushsection .altinstr_replacement\\n" newinstr "\\n.popsection\\n"\n' +
      '#define alternative(oldinstr, newinstr, ft) asm volatile(ALTERNATIVE(oldinstr, newinstr, ft) ::: "memory")\n');
    writeFileSync(join(root, 'include', 'asm', 'pvops.h'),
      '#include <asm/alternative.h>\n#define PVOP_ALT_CALL(op, alt) alternative("call *" #op, alt, 1)\n');
    const text = '#include <asm/pvops.h>\n#include <stdio.h>\nstatic void write_cr3(void) { PVOP_ALT_CALL(pv_write_cr3, "mov %%rdi, %%cr3"); }\nstatic void smap(void) { alternative("", "wbinvd", 2); }\n';
    const path = join(root, 'mmu.c');
    writeFileSync(path, text);
    const c = new TestClient({ root, settings: { includePaths: ['include'] } });
    try {
      await c.initialize();
      const ds = await c.open(path, text, 'c');
      const lines = text.split('\n');
      assert.deepEqual(ds.map((d) => `${d.range.start.line}:${d.range.start.character}:${d.code}`).sort(),
        [`2:${lines[2].indexOf('mov %%rdi')}:PV010`, `3:${lines[3].indexOf('wbinvd')}:PV025`]);
      assert.match(String(ds.find((d) => d.code === 'PV010')!.message), /text passed to macro PVOP_ALT_CALL/);
      // Without the include path the header is not found, and neither are its macros.
      const bare = new TestClient({ root });
      try {
        await bare.initialize();
        assert.deepEqual(await bare.open(path, text, 'c'), []);
      } finally { await bare.close(); }
    } finally { await c.close(); }
  });
});

describe('hostile macro text', () => {
  it('thousands of unclosed and nested macro calls and an asm opened by a macro are read in linear bounds', () => {
    // Before the bounds, this file took minutes and then ran out of memory: each call's
    // arguments and each opened asm were followed to the end of the text.
    const root = mkdtempSync(join(tmpdir(), 'pv-hostile-'));
    const head = '#define OPEN(x) asm volatile("nop\\n"\n#define CLOSE )\n#define F(a, b) asm(a b)\n';
    writeFileSync(join(root, 'a.c'), head + 'OPEN(1) "cli\\n"\n'.repeat(5000) + 'F("hlt", '.repeat(5000) + '\n#if ' + '('.repeat(20000) + '1\n#endif\n');
    const r = lintFiles([root], { inactive: true });
    assert.deepEqual(r.errors, []);
    const fs = r.results[0].findings;
    // The CLIs are in the asm OPEN leaves open; the HLTs near the last of them are too.
    assert.ok(fs.every((f) => f.code === 'PV002' || (f.code === 'PV001' && f.range.start.line > 5000)));
    const cli = fs.filter((f) => f.code === 'PV002').length;
    assert.ok(cli > 4900, `${cli} of the 5000 CLIs the opened asm holds`);
  });

  it('a chain of 5,000 macros each passing its argument to the previous one is followed to a bounded depth', () => {
    const root = mkdtempSync(join(tmpdir(), 'pv-chain-'));
    let t = '#define M0(x) asm(x)\n';
    for (let i = 1; i < 5000; i++) t += `#define M${i}(x) M${i - 1}(x)\n`;
    t += 'void f(void) { M4999("cli"); M10("hlt"); }\n';
    writeFileSync(join(root, 'chain.c'), t);
    const r = lintFiles([root]);
    // Ten levels, as deep as kernels nest, are followed; five thousand are not.
    assert.deepEqual(r.results[0].findings.map((f) => `${f.range.start.line}:${f.code}`), ['5000:PV001']);
  });
});
