// The 64-bit half of guest/: paravirt.h under __x86_64__, paravirt64.inc and
// paravirt64-gas.inc, against Xen's x86_64 PV ABI (PV-ABI.md's 64-bit section, Xen's public
// headers): structure layouts by gcc -m64 static assertions (the offsets below follow from
// Xen's C declarations and the x86-64 psABI), every HYPERVISOR_* wrapper built by the real
// tools and read back with objdump (its call must reach hypercall_page + nr*32), the
// constants equal in the three files, and the PV_* macros run on the host CPU against a
// hypercall page that clobbers what a debug Xen may clobber (guests/macro-harness64.asm).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HYPERCALL_TABLE } from '../../emulator/pv/abi';
import { REPO } from './lsp-client';

const GUEST = join(REPO, 'guest');
const work = mkdtempSync(join(tmpdir(), 'pv-hdr64-'));
// The x86_64 wrappers take the x86_64 arguments (args64 where the ABI differs).
const HC: Array<[string, number, number]> = HYPERCALL_TABLE.filter((h) => h.wrapper).map((h) => [h.name, h.nr, (h.args64 ?? h.args).length]);

/** Slots reached by calls against hypercall_page (x86-64 relocations carry the addend: slot*32 - 4). */
function slots(obj: string): number[] {
  const dump = execFileSync('objdump', ['-dr', obj], { encoding: 'utf8' });
  return [...dump.matchAll(/R_X86_64_(?:PLT32|PC32)\s+hypercall_page(?:([+-])0x([0-9a-f]+))?/g)]
    .map((m) => ((m[1] === '-' ? -1 : 1) * parseInt(m[2] ?? '0', 16) + 4) / 32);
}

test('paravirt.h with __x86_64__: 64-bit structure layouts (gcc -m64 static assertions)', () => {
  const src = join(work, 'layout.c');
  writeFileSync(src, `#include "paravirt.h"
#include <stddef.h>
#define AT(t, f, o) _Static_assert(offsetof(struct t, f) == (o), #t "." #f)
AT(start_info, nr_pages, 32); AT(start_info, shared_info, 40); AT(start_info, flags, 48); AT(start_info, store_mfn, 56);
AT(start_info, store_evtchn, 64); AT(start_info, console.domU.mfn, 72); AT(start_info, console.domU.evtchn, 80);
AT(start_info, pt_base, 88); AT(start_info, nr_pt_frames, 96); AT(start_info, mfn_list, 104); AT(start_info, mod_start, 112);
AT(start_info, mod_len, 120); AT(start_info, cmd_line, 128); AT(start_info, first_p2m_pfn, 1152); AT(start_info, nr_p2m_frames, 1160);
_Static_assert(sizeof(struct start_info) == 1168, "start_info size");
AT(shared_info, evtchn_pending, 2048); AT(shared_info, evtchn_mask, 2560); AT(shared_info, wc_version, 3072);
AT(vcpu_info, evtchn_upcall_pending, 0); AT(vcpu_info, evtchn_upcall_mask, 1); AT(vcpu_info, evtchn_pending_sel, 8);
AT(vcpu_info, arch.cr2, 16); AT(vcpu_info, time, 32); _Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info size");
AT(mmuext_op, arg1, 8); AT(mmuext_op, arg2, 16); _Static_assert(sizeof(struct mmuext_op) == 24, "mmuext_op");
AT(trap_info, address, 8); _Static_assert(sizeof(struct trap_info) == 16, "trap_info");
AT(callback_register, flags, 2); AT(callback_register, address, 8); _Static_assert(sizeof(struct callback_register) == 16, "callback_register");
_Static_assert(FLAT_KERNEL_CS == 0xE033 && FLAT_KERNEL_SS == 0xE02B && FLAT_USER_CS == 0xE033 && FLAT_RING3_CS32 == 0xE023, "selectors");
_Static_assert(SEGBASE_FS == 0 && SEGBASE_GS_USER == 1 && SEGBASE_GS_KERNEL == 2 && SEGBASE_GS_USER_SEL == 3, "segbase");
_Static_assert(CALLBACKTYPE_syscall == 2 && CALLBACKTYPE_syscall32 == 7 && CALLBACKF_mask_events == 1 && VGCF_in_syscall == 256, "callbacks");
_Static_assert(MSR_FS_BASE == 0xC0000100 && MSR_GS_BASE == 0xC0000101 && MSR_KERNEL_GS_BASE == 0xC0000102, "base MSRs");
_Static_assert(MSR_STAR == 0xC0000081 && MSR_LSTAR == 0xC0000082 && MSR_CSTAR == 0xC0000083 && MSR_SYSCALL_MASK == 0xC0000084, "syscall MSRs");
`);
  execFileSync('gcc', ['-m64', '-std=gnu11', '-Wall', '-Werror', '-ffreestanding', '-fsyntax-only', '-I', GUEST, src]);
});

test('C (gcc -m64, -O0 and -O2), NASM (elf64) and GAS (--64) HYPERVISOR_* wrappers reach hypercall_page + nr*32', () => {
  const args = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  const c = join(work, 'calls.c');
  writeFileSync(c, `#include "paravirt.h"\nvoid all(void)\n{\n${HC.map(([name, , n]) => `    (void)HYPERVISOR_${name}(${args(n).join(', ')});`).join('\n')}\n}\n`);
  for (const opt of ['-O0', '-O2']) {
    const obj = `${c}${opt}.o`;
    execFileSync('gcc', ['-m64', opt, '-std=gnu11', '-Wall', '-Werror', '-ffreestanding', '-mno-red-zone', '-mcmodel=kernel', '-fno-pic', '-c', '-I', GUEST, c, '-o', obj]);
    assert.deepEqual(slots(obj), HC.map(([, nr]) => nr), `C ${opt}`);
  }
  const nasm = join(work, 'calls.asm');
  writeFileSync(nasm, `%include "paravirt64.inc"\nbits 64\nsection .text\n${HC.map(([name, , n]) => `    HYPERVISOR_${name} ${args(n).join(', ')}`).join('\n')}\n`);
  execFileSync('nasm', ['-f', 'elf64', '-I', GUEST + '/', nasm, '-o', nasm + '.o']);
  assert.deepEqual(slots(nasm + '.o'), HC.map(([, nr]) => nr), 'NASM');
  const gas = join(work, 'calls.s');
  writeFileSync(gas, `.include "paravirt64-gas.inc"\n.code64\n.text\n${HC.map(([name, , n]) => `    HYPERVISOR_${name} ${args(n).map((a) => '$' + a).join(', ')}`).join('\n')}\n`);
  execFileSync('as', ['--64', '-I', GUEST, gas, '-o', gas + '.o']);
  assert.deepEqual(slots(gas + '.o'), HC.map(([, nr]) => nr), 'GAS');
  // The arguments go to RDI, RSI, RDX, R10, R8 in that order (the call with the most arguments,
  // read back: four in the x86_64 ABI's wrappers, update_va_mapping_otherdomain's and mmu_update's).
  const most = Math.max(...HC.map(([, , n]) => n));
  const dump = execFileSync('objdump', ['-d', '-M', 'intel', nasm + '.o'], { encoding: 'utf8' });
  assert.ok(most >= 4, 'a hypercall with four arguments or more');
  // (nasm writes a small constant with the 32-bit form, which zero-extends: edi for rdi, r10d for r10.)
  const wide = (r: string) => (r.startsWith('e') ? 'r' + r.slice(1) : r.replace(/d$/, ''));
  const lines = dump.split('\n').map((l) => /\tmov\s+(e?di|r?di|e?si|r?si|e?dx|r?dx|r10d?|r8d?),0x([1-5])\s*$/.exec(l)).filter((m) => m !== null).map((m) => `${wide(m![1])}=${m![2]}`);
  assert.ok(lines.join(' ').includes(['rdi=1', 'rsi=2', 'rdx=3', 'r10=4', 'r8=5'].slice(0, most).join(' ')), lines.join(' '));
});

test('the constants of paravirt.h (__x86_64__), paravirt64.inc and paravirt64-gas.inc agree', () => {
  const h = execFileSync('gcc', ['-m64', '-E', '-dM', '-I', GUEST, '-x', 'c', '-'], { input: '#include "paravirt.h"\n', encoding: 'utf8' });
  const cDefs = new Map([...h.matchAll(/^#define (\w+) (0x[0-9A-Fa-f]+|\d+)U?L?$/gm)].map((m) => [m[1], BigInt(m[2])]));
  const inc = new Map([...readFileSync(join(GUEST, 'paravirt64.inc'), 'utf8').matchAll(/^%define (\w+)\s+(0x[0-9A-Fa-f]+|\d+)\b/gm)].map((m) => [m[1], BigInt(m[2])]));
  const gas = new Map([...readFileSync(join(GUEST, 'paravirt64-gas.inc'), 'utf8').matchAll(/^\.set (\w+), (0x[0-9A-Fa-f]+|\d+)\b/gm)].map((m) => [m[1], BigInt(m[2])]));
  let compared = 0;
  for (const [name, v] of inc) {
    assert.equal(gas.get(name), v, `paravirt64-gas.inc ${name}`);
    if (cDefs.has(name)) { assert.equal(cDefs.get(name), v, `paravirt.h ${name}`); compared++; }
  }
  for (const { name, nr } of HYPERCALL_TABLE) assert.equal(inc.get(`__HYPERVISOR_${name}`), BigInt(nr));
  assert.ok(compared > 60, `only ${compared} constants compared with paravirt.h`);
  // The assembly offsets are the C layout's.
  execFileSync('gcc', ['-m64', '-x', 'c', '-', '-o', join(work, 'off'), '-I', GUEST], {
    input: '#include <stdio.h>\n#include <stddef.h>\n#include "paravirt.h"\nvolatile struct vcpu_info *pv_vcpu_info; char hypercall_page[4096];\nint main(void) { printf("%zu %zu %zu %zu\\n", offsetof(struct vcpu_info, evtchn_upcall_pending), offsetof(struct vcpu_info, evtchn_upcall_mask), offsetof(struct vcpu_info, evtchn_pending_sel), offsetof(struct vcpu_info, arch.cr2)); return 0; }\n',
  });
  const printed = execFileSync(join(work, 'off'), { encoding: 'utf8' }).trim().split(' ').map(BigInt);
  assert.deepEqual(printed, ['VCPU_INFO_upcall_pending', 'VCPU_INFO_upcall_mask', 'VCPU_INFO_pending_sel', 'VCPU_INFO_cr2'].map((k) => inc.get(k)));
});

test('PV_* macros of paravirt64.inc preserve registers and flags on the host CPU and pass their arguments (guests/macro-harness64.asm)', () => {
  const src = join(REPO, 'test/language-server/guests/macro-harness64.asm');
  const obj = join(work, 'macro-harness64.o');
  const exe = join(work, 'macro-harness64');
  execFileSync('nasm', ['-f', 'elf64', '-I', GUEST + '/', src, '-o', obj]);
  execFileSync('ld', ['-m', 'elf_x86_64', obj, '-o', exe]);
  // Exit status: 0 = every check passed; n = check n failed (see the harness).
  execFileSync(exe);
});

test('the x86_64 argument lists that differ from x86_32 are Linux\'s (asm/xen/hypercall.h), and the C wrapper passes them in RDI, RSI, RDX', (t) => {
  // Debian's linux-source, as test/language-server/linux-x86.test.ts fetches it.
  const root = join(homedir(), '.cache', 'paravirt', 'linux-source');
  const dir = existsSync(root) ? readdirSync(root).find((d) => d.startsWith('linux-source-')) : undefined;
  const header = dir ? join(root, dir, 'arch/x86/include/asm/xen/hypercall.h') : '';
  if (!dir || !existsSync(header)) { t.skip('Linux\'s source is not cached (scripts/fetch-linux-source.sh fetches it)'); return; }
  const text = readFileSync(header, 'utf8');
  for (const name of ['update_va_mapping', 'update_descriptor']) {
    const row = HYPERCALL_TABLE.find((h) => h.name === name)!;
    const m = new RegExp(`_hypercall(\\d)\\(\\w+, ${name}, ([^)]*)\\)`).exec(text);
    assert.ok(m, `${name} in Linux's hypercall.h`);
    assert.equal((row.args64 ?? row.args).length, Number(m[1]), name);
  }
  // update_va_mapping(va, pte, flags) in C: va in RDI, the whole PTE in RSI, the flags in RDX.
  const c = join(work, 'uvm.c');
  writeFileSync(c, '#include "paravirt.h"\nlong f(void) { return HYPERVISOR_update_va_mapping(0x1000, 0x8000000012345067UL, 2); }\n');
  execFileSync('gcc', ['-m64', '-O2', '-std=gnu11', '-Wall', '-Werror', '-ffreestanding', '-mno-red-zone', '-mcmodel=kernel', '-fno-pic', '-c', '-I', GUEST, c, '-o', c + '.o']);
  const dump = execFileSync('objdump', ['-d', '-M', 'intel', c + '.o'], { encoding: 'utf8' });
  assert.match(dump, /mov\s+(edi|rdi),0x1000/);
  assert.match(dump, /movabs\s+rsi,0x8000000012345067/);
  assert.match(dump, /mov\s+(edx|rdx),0x2/);
});
