// The `pvh` target through a real LSP client over stdio. A PVH kernel runs at ring 0 in Xen's
// HVM container with no legacy devices: instructions that exit are information (as under
// HVM, with what Xen does with the exit), instructions that do not are silent, and port I/O
// is a warning that names the device behind the port and what PVH uses instead. The list of
// legacy devices is checked against our own PC platform (every port range an HVM kernel can
// reach there must be named), and the port is found the way a kernel writes it: an immediate,
// a load of DX a few lines above (not across a label or a call), a GAS `movw $n, %dx`, a C
// asm statement's constant "Nd" input.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeAction, Diagnostic, Hover } from 'vscode-languageserver-protocol';
import { ensureServerBuilt, messageText, TestClient, uriOf } from './lsp-client';
import { PcPlatform } from '../../emulator/devices/platform';

const work = mkdtempSync(join(tmpdir(), 'pv-pvh-'));

const at = (ds: Diagnostic[], line: number) => ds.filter((d) => d.range.start.line === line)
  .map((d) => ({ ...d, message: messageText(d.message) }));
const sev = (d: { severity?: Diagnostic['severity'] }) => (['', 'error', 'warning', 'information', 'hint'] as const)[d.severity ?? 0];

describe('target=pvh', () => {
  let c: TestClient;
  before(async () => { await ensureServerBuilt(); c = new TestClient({ root: work }); await c.initialize(); });
  after(async () => { await c.close(); });

  it('NASM: exits are information, CLI/STI/INVLPG (no exit under HAP) are silent, port I/O warns and names the device', async () => {
    const body = [
      '; paravirt: target=pvh64',     // 0
      '    cli',                       // 1  no exit at ring 0
      '    sti',                       // 2  (interrupt window only: information, as HVM)
      '    invlpg [rax]',              // 3  no exit with HAP
      '    mov cr3, rax',              // 4  CR_ACCESS only for owned CR0/CR4 bits: information
      '    cpuid',                     // 5  exit: Xen's leaves
      '    hlt',                       // 6  exit: Xen blocks the vCPU
      '    vmcall',                    // 7  the hypercall instruction
      '    mov dx, 0x3f8',             // 8
      '    out dx, al',                // 9  COM1
      '    out 0x43, al',              // 10 PIT
      '    in al, 0x71',               // 11 CMOS/RTC
      '    mov edx, 0x5658',           // 12
      '    in eax, dx',                // 13 no legacy device
      '    mov dx, 0x20',              // 14
      'again:',                        // 15 a label: DX unknown after it
      '    out dx, al',                // 16
      '    rep outsb',                 // 17 port unknown, string
      '    pushf',                     // 18 runs as on bare metal at ring 0
    ].join('\n');
    const path = join(work, 'k.asm');
    const ds = await c.open(path, body, 'nasm');
    for (const l of [1, 3, 18]) assert.deepEqual(at(ds, l), [], `line ${l} is silent under PVH`);
    assert.equal(sev(at(ds, 2)[0]), 'information');
    assert.match(at(ds, 4)[0].message, /^MOV CRn.*PVH: exits \(28 CR_ACCESS\) only for CR0\/CR4 bits Xen owns, not for CR3 loads/);
    assert.equal(sev(at(ds, 4)[0]), 'information');
    assert.match(at(ds, 5)[0].message, /PVH: exits \(10 CPUID\).*XenVMMXenVMM/);
    assert.match(at(ds, 6)[0].message, /PVH: exits \(12 HLT\) and Xen blocks the vCPU/);
    assert.match(at(ds, 7)[0].message, /PVH: exits \(18 VMCALL\) and is a Xen hypercall.*No automatic rewrite: the slot to call is hypercall_page \+ nr\*32/);
    for (const l of [5, 6, 7]) assert.equal(sev(at(ds, l)[0]), 'information', `line ${l}`);
    const port = (l: number) => at(ds, l)[0].message;
    for (const l of [9, 10, 11, 13, 16, 17]) assert.equal(sev(at(ds, l)[0]), 'warning', `line ${l}`);
    assert.match(port(9), /Port 0x3F8 is the 16550 UART \(COM1\), which a PVH domain does not have\..*Use instead: console_io\(CONSOLEIO_write/);
    assert.match(port(10), /Port 0x43 is the 8254 PIT.*Use instead: vcpu_op\(VCPUOP_set_singleshot_timer\)/);
    assert.match(port(11), /Port 0x71 is the CMOS\/RTC.*Use instead: shared_info's wallclock/);
    assert.match(port(13), /Port 0x5658 is no legacy PC device\./);
    // After the label DX may hold anything: no port named, the general advice instead.
    assert.doesNotMatch(port(16), /Port 0x/);
    assert.match(port(16), /Use instead: console_io\(CONSOLEIO_write\) or the console ring for the UART; vcpu_op timers/);
    assert.match(port(17), /OUTS.*each iteration an exit/);
    for (const l of [9, 10, 11, 13, 16, 17]) assert.match(port(l), /PVH: exits \(30 IO_INSTRUCTION\) and finds no device/);

    // No rewrite is offered under PVH: the kernel keeps its instructions or changes its driver.
    const acts = await c.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: uriOf(path) }, range: { start: { line: 0, character: 0 }, end: { line: 18, character: 0 } },
      context: { diagnostics: ds, only: ['quickfix', 'source.fixAll.paravirt'] },
    });
    assert.deepEqual(acts.filter((a) => a.edit), []);

    // The hover says which target and mode it read the line for, and what PVH does.
    const hover = await c.request<Hover>('textDocument/hover', { textDocument: { uri: uriOf(path) }, position: { line: 9, character: 5 } });
    const h = messageText(hover.contents as { value: string });
    assert.match(h, /target PVH · 64-bit code/);
    assert.match(h, /\*\*PVH \(Xen, ring 0 in an HVM container, no legacy devices\):\*\* exits \(30 IO_INSTRUCTION\) and finds no device/);

    // Changing the DX load changes the device the OUT below it reaches.
    const ds2 = await c.change(path, 2, [{ range: { start: { line: 8, character: 0 }, end: { line: 8, character: 18 } }, text: '    mov dx, 0x70' }]);
    assert.match(at(ds2, 9)[0].message, /Port 0x70 is the CMOS\/RTC/);
  });

  it('GAS and C inline asm: the port from `movw $n, %dx` and from a constant "Nd" input', async () => {
    const gas = await c.open(join(work, 'io.S'), [
      '/* paravirt: target=pvh */',
      '    movw $0x40, %dx',
      '    outb %al, %dx',              // 2 PIT
      '    inb $0x64, %al',             // 3 i8042
      '    outb %al, $0xf4',            // 4 isa-debug-exit
    ].join('\n'), 'gas');
    assert.match(at(gas, 2)[0].message, /Port 0x40 is the 8254 PIT/);
    assert.match(at(gas, 3)[0].message, /Port 0x64 is the i8042 keyboard controller.*SHUTDOWN_reboot/);
    assert.match(at(gas, 4)[0].message, /Port 0xF4 is the isa-debug-exit.*sched_op\(SCHEDOP_shutdown/);
    const cds = await c.open(join(work, 'rtc.c'), [
      '// paravirt: target=pvh',
      'static inline void cmos_select(unsigned char r) {',
      '    asm volatile("outb %0, %1" :: "a"(r), "Nd"(0x70));',       // 2 CMOS
      '}',
      'static inline void port_out(unsigned short p, unsigned char v) {',
      '    asm volatile("outb %0, %1" :: "a"(v), "Nd"(p));',          // 5 unknown
      '}',
    ].join('\n'), 'c');
    assert.match(at(cds, 2)[0].message, /Port 0x70 is the CMOS\/RTC/);
    assert.equal(sev(at(cds, 2)[0]), 'warning');
    assert.doesNotMatch(at(cds, 5)[0].message, /Port 0x/);
  });

  it('every port range our PC platform gives an HVM kernel is named as a device PVH lacks', async () => {
    const pc = new PcPlatform({ now: () => 0, readPhys: () => 0, ramBytes: 16 << 20 });
    const ranges = pc.portRanges();
    assert.ok(ranges.length >= 10, 'the PC platform claims its legacy ports');
    const body = ['; paravirt: target=pvh'];
    for (const r of ranges) body.push(`    mov dx, 0x${r.first.toString(16)}`, '    in al, dx', `    mov dx, 0x${r.last.toString(16)}`, '    in al, dx');
    const ds = await c.open(join(work, 'ports.asm'), body.join('\n'), 'nasm');
    ranges.forEach((r, i) => {
      for (const [k, p] of [[0, r.first], [1, r.last]] as const) {
        const d = at(ds, 2 + i * 4 + k * 2);
        assert.equal(d.length, 1, `${r.name} port 0x${p.toString(16)}`);
        assert.match(d[0].message, new RegExp(`Port 0x${p.toString(16).toUpperCase()} is the .*, which a PVH domain does not have`), `${r.name} (0x${p.toString(16)})`);
      }
    });
  });

  it('the setting target=pvh applies without a marker; a `target=pv` marker still wins', async () => {
    const c2 = new TestClient({ root: work, settings: { target: 'pvh' } });
    try {
      await c2.initialize();
      const ds = await c2.open(join(work, 'plain.asm'), 'bits 32\n    cli\n    out 0x3f8, al\n', 'nasm');
      assert.deepEqual(at(ds, 1), []);
      assert.match(at(ds, 2)[0].message, /PVH: exits \(30 IO_INSTRUCTION\)/);
      const pv = await c2.open(join(work, 'pv.asm'), '; paravirt: target=pv\n    cli\n', 'nasm');
      assert.equal(sev(at(pv, 1)[0]), 'error');
    } finally { await c2.close(); }
  });
});
