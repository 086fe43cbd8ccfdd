// guest/paravirt.h, paravirt.inc and paravirt-gas.inc against Xen's x86_32 ABI as written in
// PV-ABI.md: structure offsets checked by gcc -m32 static assertions, and every
// HYPERVISOR_* wrapper in all three syntaxes built with the real tools and read back with
// objdump: its call must reach hypercall_page + nr*32 with the number of the hypercall table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSTANTS } from '../../language-server/analyzer/catalog';
import { HYPERCALL_TABLE } from '../../emulator/pv/abi';
import { REPO } from './lsp-client';

const GUEST = join(REPO, 'guest');
const work = mkdtempSync(join(tmpdir(), 'pv-hdr-'));

// The wrapped hypercalls with their numbers and argument counts, from the hypercall table
// (itself checked against Xen's xen.h in test/pv/hypercall-table.test.ts).
const HC: Array<[string, number, number]> = HYPERCALL_TABLE.filter((h) => h.wrapper).map((h) => [h.name, h.nr, h.args.length]);

/** Slot numbers reached by PC32 relocations against hypercall_page, in code order. */
function slots(obj: string): number[] {
  const dump = execFileSync('objdump', ['-dr', obj], { encoding: 'utf8' }).split('\n');
  const out: number[] = [];
  for (let i = 0; i < dump.length; i++) {
    if (!/R_386_PC32\s+hypercall_page/.test(dump[i])) continue;
    const b = dump[i - 1].split('\t')[1].trim().split(/\s+/).map((x) => parseInt(x, 16));
    out.push(((b[1] | (b[2] << 8) | (b[3] << 16) | (b[4] << 24)) + 4) / 32);
  }
  return out;
}

test('paravirt.h: structure layouts match the x86_32 ABI (gcc -m32 static assertions)', () => {
  const src = join(work, 'layout.c');
  writeFileSync(src, `#include "paravirt.h"
#include <stddef.h>
#define AT(t, f, o) _Static_assert(offsetof(struct t, f) == (o), #t "." #f)
AT(start_info, nr_pages, 32); AT(start_info, shared_info, 36); AT(start_info, flags, 40); AT(start_info, store_mfn, 44);
AT(start_info, store_evtchn, 48); AT(start_info, console.domU.mfn, 52); AT(start_info, console.domU.evtchn, 56);
AT(start_info, pt_base, 60); AT(start_info, nr_pt_frames, 64); AT(start_info, mfn_list, 68); AT(start_info, mod_start, 72);
AT(start_info, mod_len, 76); AT(start_info, cmd_line, 80); AT(start_info, first_p2m_pfn, 1104); AT(start_info, nr_p2m_frames, 1108);
_Static_assert(sizeof(struct start_info) == 1112, "start_info size");
AT(shared_info, evtchn_pending, 2048); AT(shared_info, evtchn_mask, 2176); AT(shared_info, wc_version, 2304);
AT(shared_info, wc_sec, 2308); AT(shared_info, wc_nsec, 2312);
AT(vcpu_info, evtchn_upcall_pending, 0); AT(vcpu_info, evtchn_upcall_mask, 1); AT(vcpu_info, evtchn_pending_sel, 4);
AT(vcpu_info, arch.cr2, 8); AT(vcpu_info, time, 32); _Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info size");
AT(vcpu_time_info, tsc_timestamp, 8); AT(vcpu_time_info, system_time, 16); AT(vcpu_time_info, tsc_to_system_mul, 24);
AT(vcpu_time_info, tsc_shift, 28); AT(vcpu_time_info, flags, 29);
_Static_assert(sizeof(struct trap_info) == 8, "trap_info"); _Static_assert(sizeof(struct mmu_update) == 16, "mmu_update");
_Static_assert(sizeof(struct mmuext_op) == 12, "mmuext_op");
_Static_assert(FLAT_RING1_CS == 0xE019 && FLAT_RING1_DS == 0xE021 && FLAT_RING3_CS == 0xE02B && FLAT_RING3_DS == 0xE033, "selectors");
_Static_assert(DOMID_SELF == 0x7FF0 && MMUEXT_NEW_BASEPTR == 5 && MMUEXT_INVLPG_LOCAL == 7 && MMUEXT_FLUSH_CACHE == 12, "mmuext");
_Static_assert(SCHEDOP_block == 1 && SCHEDOP_shutdown == 2 && SHUTDOWN_crash == 3 && UVMF_INVLPG == 2 && VIRQ_TIMER == 0, "misc");
`);
  execFileSync('gcc', ['-m32', '-std=gnu11', '-Wall', '-Werror', '-ffreestanding', '-fsyntax-only', '-I', GUEST, src]);
});

test('C wrappers call hypercall_page + nr*32 for every hypercall (-O0 and -O2)', () => {
  const src = join(work, 'calls.c');
  const body = HC.map(([name, , n]) => `    (void)HYPERVISOR_${name}(${Array.from({ length: n }, (_, i) => i + 1).join(', ')});`).join('\n');
  writeFileSync(src, `#include "paravirt.h"\nvoid all(void)\n{\n${body}\n}\n`);
  const helpers = join(work, 'helpers.c');
  writeFileSync(helpers, `#include "paravirt.h"\nvoid helpers(void *p) { pv_halt(); pv_irq_enable(); pv_write_cr3(0x1000); pv_invlpg(p); pv_clts(); pv_wbinvd(); pv_set_debugreg(7, 1); (void)pv_get_debugreg(6); pv_console_write("x", 1); pv_shutdown(SHUTDOWN_poweroff); }\n`);
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  for (const opt of ['-O0', '-O2']) {
    const cc = (f: string) => {
      const obj = `${f}${opt}.o`;
      execFileSync('gcc', ['-m32', opt, '-std=gnu11', '-Wall', '-Werror', '-ffreestanding', '-fno-pic', '-c', '-I', GUEST, f, '-o', obj]);
      return slots(obj);
    };
    assert.deepEqual(cc(src), HC.map(([, nr]) => nr));
    // pv_halt 29, pv_irq_enable 17, cr3 26, invlpg 26, clts 5, wbinvd 26, set_debugreg 8, get_debugreg 9, console_io 18, shutdown 29
    // (the optimizer may move the rarely taken xen_version call out of line, so compare as a multiset)
    assert.deepEqual(sorted(cc(helpers)), sorted([29, 17, 26, 26, 5, 26, 8, 9, 18, 29]));
  }
});

test('NASM and GAS wrappers reach the same slots; the PV_* macros assemble', () => {
  const nasm = join(work, 'calls.asm');
  writeFileSync(nasm, `%include "paravirt.inc"\nbits 32\nsection .text\n${HC.map(([name, , n]) => `    HYPERVISOR_${name} ${Array.from({ length: n }, (_, i) => i + 1).join(', ')}`).join('\n')}\n    PV_HALT\n    PV_CLI\n    PV_STI\n    PV_WRITE_CR3 eax\n    PV_READ_CR2 ebx\n    PV_INVLPG [esi+8]\n    PV_CLTS\n    PV_WBINVD\n    PV_CPUID\n    PV_SET_DEBUGREG 7, eax\n    PV_GET_DEBUGREG ecx, 6\n    PV_IRQ_SAVE edx\n    PV_IRQ_RESTORE edx\n    PV_IRET\n`);
  execFileSync('nasm', ['-f', 'elf32', '-I', GUEST + '/', nasm, '-o', nasm + '.o']);
  const gas = join(work, 'calls.s');
  writeFileSync(gas, `.include "paravirt-gas.inc"\n.text\n${HC.map(([name, , n]) => `    HYPERVISOR_${name} ${Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ')}`).join('\n')}\n    PV_HALT\n    PV_CLI\n    PV_STI\n    PV_WRITE_CR3 %eax\n    PV_READ_CR2 %ebx\n    PV_INVLPG 8(%esi)\n    PV_CLTS\n    PV_WBINVD\n    PV_CPUID\n    PV_SET_DEBUGREG $7, %eax\n    PV_GET_DEBUGREG %ecx, $6\n    PV_IRQ_SAVE %edx\n    PV_IRQ_RESTORE %edx\n    PV_IRET\n`);
  execFileSync('as', ['--32', '-I', GUEST, gas, '-o', gas + '.o']);
  const want = [...HC.map(([, nr]) => nr), 29, 17, 26, 26, 5, 26, 8, 9, 17, 23];
  assert.deepEqual(slots(nasm + '.o'), want);
  assert.deepEqual(slots(gas + '.o'), want);
  // PV_CPUID is Xen's forced-emulation prefix: ud2, "xen", cpuid.
  const hex = execFileSync('objdump', ['-s', '-j', '.text', nasm + '.o'], { encoding: 'utf8' }).split('\n')
    .filter((l) => /^ [0-9a-f]{4,} /.test(l)).map((l) => l.slice(1).split(/\s+/).slice(1, 5).join('')).join('');
  assert.ok(hex.includes('0f0b78656e0fa2'), 'ud2 "xen" cpuid');
});

test('constants agree across paravirt.h, paravirt.inc, paravirt-gas.inc and the completion catalog', () => {
  const h = new Map([...readFileSync(join(GUEST, 'paravirt.h'), 'utf8').matchAll(/^#define (\w+)\s+(0x[0-9A-Fa-f]+|\d+)U?L?\b/gm)].map((m) => [m[1], Number(m[2])]));
  const inc = new Map([...readFileSync(join(GUEST, 'paravirt.inc'), 'utf8').matchAll(/^%define (\w+)\s+(0x[0-9A-Fa-f]+|\d+)\b/gm)].map((m) => [m[1], Number(m[2])]));
  const gas = new Map([...readFileSync(join(GUEST, 'paravirt-gas.inc'), 'utf8').matchAll(/^\.set (\w+), (0x[0-9A-Fa-f]+|\d+)\b/gm)].map((m) => [m[1], Number(m[2])]));
  for (const [name, value] of Object.entries(CONSTANTS)) {
    assert.equal(h.get(name), value, `paravirt.h ${name}`);
    assert.equal(inc.get(name), value, `paravirt.inc ${name}`);
    assert.equal(gas.get(name), value, `paravirt-gas.inc ${name}`);
  }
  for (const { name, nr } of HYPERCALL_TABLE) {
    assert.equal(h.get(`__HYPERVISOR_${name}`), nr);
    assert.equal(inc.get(`__HYPERVISOR_${name}`), nr);
    assert.equal(gas.get(`__HYPERVISOR_${name}`), nr);
  }
});

test('PV_* macros preserve registers and flags on the host CPU, against a hypercall page that clobbers like debug Xen', () => {
  const src = join(REPO, 'test/language-server/guests/macro-harness.asm');
  const obj = join(work, 'macro-harness.o');
  const exe = join(work, 'macro-harness');
  execFileSync('nasm', ['-f', 'elf32', '-I', GUEST + '/', src, '-o', obj]);
  execFileSync('ld', ['-m', 'elf_i386', obj, '-o', exe]);
  // Exit status: 0 = every check passed; n = check n failed (see the harness).
  execFileSync(exe);
});

test('ELF note helpers emit "Xen" notes of the right type in NASM, GAS and C (readelf -n)', () => {
  const notes = (obj: string) => [...execFileSync('readelf', ['-n', obj], { encoding: 'utf8' }).matchAll(/^\s+Xen\s+0x([0-9a-f]+)\s.*\n\s+description data: ([0-9a-f ]+)/gm)]
    .map((m) => [parseInt(m[1], 16), m[2].trim()]);
  const guestOs = [9, '50 61 72 61 76 69 72 74 00']; // "Paravirt\0"
  const nasm = join(work, 'notes.asm');
  writeFileSync(nasm, '%include "paravirt.inc"\nbits 32\nsection .text\n    nop\nPV_ELFNOTE XEN_ELFNOTE_GUEST_OS, db, "Paravirt", 0\nPV_ELFNOTE XEN_ELFNOTE_PAE_MODE, db, "yes", 0\n    nop\nPV_HYPERCALL_PAGE\n');
  execFileSync('nasm', ['-f', 'elf32', '-I', GUEST + '/', nasm, '-o', nasm + '.o']);
  assert.deepEqual(notes(nasm + '.o'), [guestOs, [4, '79 65 73 00']]);
  const gas = join(work, 'notes.s');
  writeFileSync(gas, '.include "paravirt-gas.inc"\n.text\n    nop\nPV_ELFNOTE XEN_ELFNOTE_GUEST_OS, .asciz, "Paravirt"\nPV_HYPERCALL_PAGE\n');
  execFileSync('as', ['--32', '-I', GUEST, gas, '-o', gas + '.o']);
  assert.deepEqual(notes(gas + '.o'), [guestOs]);
  const c = join(work, 'notes.c');
  writeFileSync(c, '#include "paravirt.h"\nPV_ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz, "\\"Paravirt\\"");\n');
  execFileSync('gcc', ['-m32', '-c', '-I', GUEST, c, '-o', c + '.o']);
  assert.deepEqual(notes(c + '.o'), [guestOs]);
  // The note types the helpers name are elfnote.h's.
  const h = readFileSync(join(GUEST, 'paravirt.h'), 'utf8');
  assert.match(h, /XEN_ELFNOTE_HYPERCALL_PAGE\s+2\b/);
  assert.match(h, /XEN_ELFNOTE_PAE_MODE\s+9\b/);
  assert.match(h, /XEN_ELFNOTE_FEATURES\s+10\b/);
});

test('every GAS PV_* macro assembles to the same bytes and relocations as its NASM twin (which the host-CPU harness checks)', () => {
  const pairs: Array<[string, string]> = [
    ['PV_HALT', 'PV_HALT'], ['PV_CLI', 'PV_CLI'], ['PV_STI', 'PV_STI'], ['PV_WRITE_CR3 edi', 'PV_WRITE_CR3 %edi'],
    ['PV_READ_CR2 edx', 'PV_READ_CR2 %edx'], ['PV_INVLPG [esi+8]', 'PV_INVLPG 8(%esi)'], ['PV_CLTS', 'PV_CLTS'],
    ['PV_WBINVD', 'PV_WBINVD'], ['PV_CPUID', 'PV_CPUID'], ['PV_SET_DEBUGREG 7, ebx', 'PV_SET_DEBUGREG $7, %ebx'],
    ['PV_GET_DEBUGREG ecx, 6', 'PV_GET_DEBUGREG %ecx, $6'], ['PV_GET_DEBUGREG eax, 6', 'PV_GET_DEBUGREG %eax, $6'],
    ['PV_IRQ_SAVE edx', 'PV_IRQ_SAVE %edx'], ['PV_IRQ_RESTORE edx', 'PV_IRQ_RESTORE %edx'], ['PV_IRET', 'PV_IRET'],
  ];
  const text = (obj: string) => execFileSync('objdump', ['-s', '-j', '.text', obj], { encoding: 'utf8' }).split('\n')
    .filter((l) => /^ [0-9a-f]{4,} /.test(l)).map((l) => l.slice(1).split(/\s+/).slice(1, 5).join('')).join('');
  const relocs = (obj: string) => execFileSync('objdump', ['-r', '-j', '.text', obj], { encoding: 'utf8' }).split('\n')
    .filter((l) => /^[0-9a-f]{8} /.test(l)).map((l) => l.trim().split(/\s+/).join(' '));
  pairs.forEach(([nasmLine, gasLine], i) => {
    const n = join(work, `eq${i}.asm`), g = join(work, `eq${i}.s`);
    writeFileSync(n, `%include "paravirt.inc"\nbits 32\nsection .text\n    ${nasmLine}\n`);
    writeFileSync(g, `.include "paravirt-gas.inc"\n.text\n    ${gasLine}\n`);
    execFileSync('nasm', ['-f', 'elf32', '-I', GUEST + '/', n, '-o', n + '.o']);
    execFileSync('as', ['--32', '-I', GUEST, g, '-o', g + '.o']);
    assert.ok(text(n + '.o').length > 0, nasmLine);
    assert.equal(text(g + '.o'), text(n + '.o'), nasmLine);
    assert.deepEqual(relocs(g + '.o'), relocs(n + '.o'), nasmLine);
  });
});
