// `paravirt run` end to end: the bundled CLI in a child process on kernels built from
// test/cli/guests/*.asm. Expected exit counts come from the guests' own structure (their
// %define loop counts and strings), never from a previous run.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseProfile } from '../../language-server/analyzer/profile';
import { buildAll, buildGuest, paravirt, lastJsonLine, guestDefine, guestString, symbolAddress, GUEST_SRC, type Built } from './harness';

let b: Built;
before(async () => { b = await buildAll(['exits', 'paging', 'spin', 'halt', 'triple', 'reset', 'forms']); });

// Exits the `exits` kernel must take, counted from its source.
function expectedExits(): Record<string, number> {
  const out = guestString('exits', 'hello').length + guestDefine('exits', 'PORT80_LOOPS') + guestString('exits', 'good').length + 1;
  return { IO_INSTRUCTION: out, CPUID: guestDefine('exits', 'CPUID_LOOPS'), VMCALL: 1, RDMSR: 1 };
}

test('run --summary json: exit status, stop, and exit counts equal to the guest\'s exit-causing instructions', () => {
  const r = paravirt(b, ['run', b.guest('exits'), '--summary', 'json', '--serial', 'none']);
  assert.equal(r.status, (0x10 << 1) | 1, r.stderr);
  const s = lastJsonLine(r.stdout);
  assert.deepEqual(s.stop, { kind: 'debug-exit', code: 33 });
  assert.deepEqual(s.exits.byReason, expectedExits());
  assert.equal(s.exits.total, Object.values(expectedExits()).reduce((a, n) => a + n, 0));
  assert.deepEqual(Object.keys(s.exits.cyclesByReason).sort(), Object.keys(expectedExits()).sort());
  for (const v of Object.values(s.exits.cyclesByReason)) assert.ok((v as number) > 0);
  assert.ok(s.instructions > guestDefine('exits', 'PORT80_LOOPS') * 3, `instructions ${s.instructions}`);
  assert.equal(typeof s.seconds, 'number');
  assert.equal(typeof s.mips, 'number');
  assert.equal(r.stdout.trimEnd().split('\n').length, 1, 'with --serial none only the summary is printed');
});

test('run: serial output streams to stdout, then a text summary that labels cycles as estimates', () => {
  const r = paravirt(b, ['run', b.guest('exits')]);
  assert.equal(r.status, 33, r.stderr);
  assert.ok(r.stdout.startsWith(guestString('exits', 'hello') + guestString('exits', 'good')), r.stdout);
  assert.match(r.stdout, /debug-exit/);
  assert.match(r.stdout, /IO_INSTRUCTION\s+1,0\d\d/);
  assert.match(r.stdout, /estimate/);
});

test('run --serial <file> writes the guest output to the file only', () => {
  const out = join(b.dir, 'serial.txt');
  const r = paravirt(b, ['run', b.guest('exits'), '--serial', out, '--summary', 'json']);
  assert.equal(r.status, 33, r.stderr);
  assert.equal(readFileSync(out, 'utf8'), guestString('exits', 'hello') + guestString('exits', 'good'));
  assert.equal(r.stdout.trimEnd().split('\n').length, 1);
});

test('run --trace-exits: one JSON line per exit, consecutive sequence numbers, SDM qualifications', () => {
  const trace = join(b.dir, 'exits.jsonl');
  const r = paravirt(b, ['run', b.guest('exits'), '--trace-exits', trace, '--summary', 'json', '--serial', 'none']);
  assert.equal(r.status, 33, r.stderr);
  const lines = readFileSync(trace, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, lastJsonLine(r.stdout).exits.total);
  lines.forEach((l, i) => assert.equal(l.seq, lines[0].seq + i));
  const port80 = symbolAddress(b.guest('exits'), 'port80_out');
  const outs = lines.filter((l) => l.eip === port80);
  assert.equal(outs.length, guestDefine('exits', 'PORT80_LOOPS'));
  for (const l of outs) {
    assert.equal(l.name, 'IO_INSTRUCTION');
    assert.equal(l.reason, 30);
    // OUT imm8, AL: port 0x80 in 31:16, immediate (bit 6), size field 0, direction 0 (out)
    assert.equal(l.qualification, (0x80 << 16) | 0x40);
    assert.equal(l.bytes, 'e680');
  }
  const cpuids = lines.filter((l) => l.name === 'CPUID');
  assert.equal(cpuids.length, guestDefine('exits', 'CPUID_LOOPS'));
  for (const l of cpuids) assert.equal(l.bytes, '0fa2');
  const vmcall = lines.find((l) => l.name === 'VMCALL');
  assert.equal(vmcall.bytes, '0f01c1');
  assert.equal(vmcall.value, 0x7fff);
  const rdmsr = lines.find((l) => l.name === 'RDMSR');
  assert.equal(rdmsr.msr, 0x1b);
  const last = lines[lines.length - 1];
  assert.equal(last.qualification, (0xf4 << 16) | 0x40); // OUT 0xf4, AL
  // icount grows along the trace
  for (let i = 1; i < lines.length; i++) assert.ok(lines[i].icount > lines[i - 1].icount);
});

test('exit qualifications recorded at each labelled instruction match the SDM encoding', () => {
  const trace = join(b.dir, 'forms.jsonl');
  const r = paravirt(b, ['run', b.guest('forms'), '--exit-control', 'cr0Mask=0xffffffff', '--trace-exits', trace, '--summary', 'none']);
  assert.equal(r.status, (2 << 1) | 1, r.stderr);
  const lines = readFileSync(trace, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  // [label, reason, qualification assembled by hand from the SDM's tables, instruction bytes]
  const io = (port: number, sizeField: number, bits: number) => ((port << 16) | bits | sizeField) >>> 0;
  const expected: Array<[string, number, number, string]> = [
    ['f_in_dx', 30, io(0x3fd, 0, 0x08), 'ec'],             // IN AL, DX: direction in
    ['f_out_dx_ax', 30, io(0x80, 1, 0), '66ef'],           // OUT DX, AX: size field 1
    ['f_in_imm_eax', 30, io(0x71, 3, 0x48), 'e571'],       // IN EAX, imm8: in, immediate, size field 3
    ['f_outsb', 30, io(0x3f8, 0, 0x10), '6e'],             // OUTSB: string
    ['f_rep_outsw', 30, io(0x80, 1, 0x30), 'f3666f'],      // REP OUTSW: string + REP
    ['f_insd', 30, io(0x80, 3, 0x18), '6d'],               // INSD: in + string
    ['f_apic_read', 48, 0x181, 'a13000e0fe'],              // EPT violation: data read, linear valid, translated
    ['f_apic_write', 48, 0x182, 'a38000e0fe'],             // data write
    ['f_mov_cr0_ebx', 28, 0x300, '0f22c3'],                // CR0, MOV to CR, GPR 3
    ['f_mov_cr4_ecx', 28, 0x104, '0f22e1'],                // CR4, MOV to CR, GPR 1
    ['f_clts', 28, 0x20, '0f06'],                          // access type 2
    ['f_mov_dr7_eax', 29, 0x007, '0f23f8'],                // DR7, to DR, GPR 0
    ['f_mov_ebx_dr6', 29, 0x316, '0f21f3'],                // DR6, from DR (bit 4), GPR 3
    ['f_rdmsr_pat', 31, 0, '0f32'],
    ['f_wrmsr_pat', 32, 0, '0f30'],
    ['f_cpuid', 10, 0, '0fa2'],
  ];
  for (const [label, reason, qual, bytes] of expected) {
    const at = symbolAddress(b.guest('forms'), label);
    const rec = lines.find((l) => l.eip === at);
    assert.ok(rec, `no exit at ${label}`);
    assert.equal(rec.reason, reason, label);
    assert.equal(rec.qualification, qual, `${label}: 0x${rec.qualification.toString(16)} != 0x${qual.toString(16)}`);
    assert.equal(rec.bytes, bytes, label);
  }
  assert.equal(lines.find((l) => l.eip === symbolAddress(b.guest('forms'), 'f_apic_read')).gpa, 0xfee00030);
  assert.equal(lines.find((l) => l.eip === symbolAddress(b.guest('forms'), 'f_apic_write')).gpa, 0xfee00080);
  assert.equal(lines.find((l) => l.name === 'RDMSR').msr, 0x277);
  assert.equal(lines.find((l) => l.name === 'CPUID').value, 1);
});

test('run --profile: exits keyed by the guest address that caused them', () => {
  const prof = join(b.dir, 'profile.json');
  const r = paravirt(b, ['run', b.guest('exits'), '--profile', prof, '--summary', 'none', '--serial', 'none']);
  assert.equal(r.status, 33, r.stderr);
  const p = JSON.parse(readFileSync(prof, 'utf8'));
  assert.equal(p.version, 1);
  const key = '0x' + symbolAddress(b.guest('exits'), 'port80_out').toString(16).padStart(8, '0');
  assert.equal(p.exitsByAddress[key].exits, guestDefine('exits', 'PORT80_LOOPS'));
  assert.deepEqual(p.exitsByAddress[key].byReason, { IO_INSTRUCTION: guestDefine('exits', 'PORT80_LOOPS') });
  const total = Object.values(p.exitsByAddress as Record<string, { exits: number }>).reduce((a, e) => a + e.exits, 0);
  assert.equal(total, Object.values(expectedExits()).reduce((a, n) => a + n, 0));
});

test('--profile on a C kernel built with -g: exits summed per source line (the editor\'s format)', () => {
  const elf = buildGuest(b.dir, 'cexits', true);
  const prof = join(b.dir, 'cexits-profile.json');
  const r = paravirt(b, ['run', elf, '--profile', prof, '--summary', 'none', '--serial', 'none']);
  assert.equal(r.status, 33, r.stderr);
  // The lines that exit, found in the source text itself.
  const src = readFileSync(join(GUEST_SRC, 'cexits.c'), 'utf8').split('\n');
  const outLine = src.findIndex((l) => l.includes('"outb %0, %1"')) + 1;
  const cpuidLine = src.findIndex((l) => l.includes('"cpuid"')) + 1;
  const exitLine = readFileSync(join(GUEST_SRC, 'cstart.asm'), 'utf8').split('\n').findIndex((l) => l.includes('out DEBUG_EXIT')) + 1;
  const posts = Number(/#define POST_WRITES (\d+)/.exec(src.join('\n'))![1]);
  const msg = /"([^"]*)\\n"/.exec(src.find((l) => l.includes('const char *msg'))!)![1]!;
  const p = JSON.parse(readFileSync(prof, 'utf8'));
  const lines = p.lines.map((l: { file: string; line: number; exits: number; byReason: object }) =>
    [l.file.split('/').pop(), l.line, l.exits, l.byReason]);
  assert.deepEqual(lines, [
    ['cexits.c', outLine, msg.length + 1 + posts, { IO_INSTRUCTION: msg.length + 1 + posts }],
    ['cexits.c', cpuidLine, 1, { CPUID: 1 }],
    ['cstart.asm', exitLine, 1, { IO_INSTRUCTION: 1 }],   // main's return value to isa-debug-exit
  ]);
  // The editor's reader (the language server's) sees each exit once.
  const seen = parseProfile(readFileSync(prof, 'utf8'))!;
  assert.equal(seen.lines.reduce((a, l) => a + l.exits, 0), msg.length + 1 + posts + 1 + 1);
});

test('--exit-controls: CR3 loads/stores and INVLPG exit only with shadow paging', () => {
  const reloads = guestDefine('paging', 'CR3_RELOADS');
  const reads = guestDefine('paging', 'CR3_READS');
  const invlpgs = guestDefine('paging', 'INVLPG_COUNT');
  const ept = paravirt(b, ['run', b.guest('paging'), '--summary', 'json', '--serial', 'none']);
  assert.equal(ept.status, (5 << 1) | 1, ept.stderr);
  const e = lastJsonLine(ept.stdout);
  assert.equal(e.exits.byReason.CR_ACCESS, 1);
  assert.equal(e.exits.byReason.INVLPG, undefined);
  assert.equal(e.exits.byReason.IO_INSTRUCTION, 1);
  const sh = paravirt(b, ['run', b.guest('paging'), '--exit-controls', 'shadow-paging', '--summary', 'json', '--serial', 'none']);
  assert.equal(sh.status, 11, sh.stderr);
  const s = lastJsonLine(sh.stdout);
  assert.equal(s.exitControls, 'shadow-paging');
  assert.equal(s.exits.byReason.CR_ACCESS, 1 + 1 + reloads + reads);
  assert.equal(s.exits.byReason.INVLPG, invlpgs);
  assert.equal(s.instructions, e.instructions, 'exits change the cost, not the guest\'s path');
  assert.ok(s.estimatedCycles.exits > e.estimatedCycles.exits);
});

test('--cost-model replaces the estimate: cycles by reason are count x the given per-exit cost', () => {
  const model = join(b.dir, 'costs.json');
  writeFileSync(model, JSON.stringify({
    exitRoundTrip: 0, userspaceRoundTrip: 0, cyclesPerInstruction: 0,
    handlerCycles: { IO_INSTRUCTION: 1, CPUID: 20, VMCALL: 300, RDMSR: 4000 },
  }));
  const r = paravirt(b, ['run', b.guest('exits'), '--cost-model', model, '--summary', 'json', '--serial', 'none']);
  assert.equal(r.status, 33, r.stderr);
  const s = lastJsonLine(r.stdout);
  const e = expectedExits();
  assert.deepEqual(s.exits.cyclesByReason, { IO_INSTRUCTION: e.IO_INSTRUCTION, CPUID: 20 * e.CPUID!, VMCALL: 300, RDMSR: 4000 });
  assert.equal(s.estimatedCycles.guest, 0);
  const bad = join(b.dir, 'bad-costs.json');
  writeFileSync(bad, JSON.stringify({ handlerCycles: { IO: 5 } }));
  const rb = paravirt(b, ['run', b.guest('exits'), '--cost-model', bad]);
  assert.equal(rb.status, 2);
  assert.match(rb.stderr, /--cost-model.*IO/);
});

test('--exit-control hltExiting=off: the same guest halts without a HLT exit', () => {
  const r = paravirt(b, ['run', b.guest('halt'), '--exit-control', 'hltExiting=off', '--summary', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const s = lastJsonLine(r.stdout);
  assert.equal(s.stop.kind, 'halted');
  assert.equal(s.exits.byReason.HLT, undefined);
});

test('--stop-on ends the run at the first matching exit, status 8, with that exit in the summary', () => {
  const r = paravirt(b, ['run', b.guest('exits'), '--stop-on', 'CPUID', '--summary', 'json', '--serial', 'none']);
  assert.equal(r.status, 8, r.stderr);
  const s = lastJsonLine(r.stdout);
  assert.equal(s.stop.kind, 'filter');
  assert.equal(s.stop.exit.name, 'CPUID');
  assert.equal(s.stop.exit.bytes, '0fa2');
  // everything before the first CPUID, and that CPUID
  assert.deepEqual(s.exits.byReason, { IO_INSTRUCTION: guestString('exits', 'hello').length + guestDefine('exits', 'PORT80_LOOPS'), CPUID: 1 });
  const r2 = paravirt(b, ['run', b.guest('exits'), '--stop-on', 'IO_INSTRUCTION port == 0x80 && value == 0', '--summary', 'json', '--serial', 'none']);
  const s2 = lastJsonLine(r2.stdout);
  assert.equal(s2.stop.exit.eip, symbolAddress(b.guest('exits'), 'port80_out'));
  assert.equal(s2.exits.total, guestString('exits', 'hello').length + 1);
  const bad = paravirt(b, ['run', b.guest('exits'), '--stop-on', 'prot == 0x80']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--stop-on.*prot/);
});

test('--format flat --real-mode runs a raw real-mode program at 0x7C00', () => {
  const bin = join(b.dir, 'realmode.bin');
  const asm = spawnSync('nasm', ['-f', 'bin', '-o', bin, join(GUEST_SRC, 'realmode.asm')], { encoding: 'utf8' });
  assert.equal(asm.status, 0, asm.stderr);
  const r = paravirt(b, ['run', bin, '--format', 'flat', '--real-mode', '--summary', 'json']);
  assert.equal(r.status, (3 << 1) | 1, r.stderr);
  assert.ok(r.stdout.startsWith(guestString('realmode', 'msg')));
  assert.equal(lastJsonLine(r.stdout).exits.byReason.IO_INSTRUCTION, guestString('realmode', 'msg').length + 1);
  // the same bytes without --format: not ELF, no multiboot header, so the loader refuses them
  const refused = paravirt(b, ['run', bin]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /bad image/);
});

test('--max-instructions ends a guest that never stops, exactly at the budget, with status 124', () => {
  const r = paravirt(b, ['run', b.guest('spin'), '--max-instructions', '100000', '--summary', 'json']);
  assert.equal(r.status, 124, r.stderr);
  const s = lastJsonLine(r.stdout);
  assert.equal(s.stop.kind, 'budget');
  assert.equal(s.instructions, 100000);
  assert.deepEqual(s.exits.byReason, { IO_INSTRUCTION: guestString('spin', 'msg').length });
});

test('Ctrl-C stops a running guest cleanly: summary printed, status 130', async () => {
  const child = spawn(process.execPath, [b.cli, 'run', b.guest('spin'), '--summary', 'json', '--max-instructions', '1G'], { cwd: b.dir });
  let stdout = '';
  let signalled = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    // The guest's line arrives after the first slice: the run loop is up and owns SIGINT.
    if (!signalled && stdout.includes('spinning')) { signalled = true; child.kill('SIGINT'); }
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  assert.equal(status, 130);
  const s = lastJsonLine(stdout);
  assert.equal(s.stop.kind, 'paused');
  assert.ok(s.instructions > 0);
});

test('HLT with interrupts off ends the run with status 0', () => {
  const r = paravirt(b, ['run', b.guest('halt'), '--summary', 'json']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith(guestString('halt', 'msg')));
  const s = lastJsonLine(r.stdout);
  assert.equal(s.stop.kind, 'halted');
  assert.equal(s.exits.byReason.HLT, 1);
});

test('a triple fault ends the run with status 4 and one TRIPLE_FAULT exit', () => {
  const r = paravirt(b, ['run', b.guest('triple'), '--summary', 'json']);
  assert.equal(r.status, 4, r.stderr);
  assert.ok(r.stdout.startsWith(guestString('triple', 'msg')));
  const s = lastJsonLine(r.stdout);
  assert.equal(s.stop.kind, 'triple-fault');
  assert.equal(s.exits.byReason.TRIPLE_FAULT, 1);
});

test('a reset request (0xFE to port 0x64) ends the run with status 0', () => {
  const r = paravirt(b, ['run', b.guest('reset'), '--summary', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const s = lastJsonLine(r.stdout);
  assert.equal(s.stop.kind, 'reset');
  // the message's OUTs and the OUT to 0x64; the debug exit after it never runs
  assert.equal(s.exits.byReason.IO_INSTRUCTION, guestString('reset', 'msg').length + 1);
});

test('bad image, missing file and bad options: status 2 and one clear line naming the problem', () => {
  const junk = join(b.dir, 'junk.bin');
  writeFileSync(junk, 'this is not a kernel\n'.repeat(100));
  const bad = paravirt(b, ['run', junk]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^paravirt: bad image '.*junk\.bin': .+\n$/);
  const missing = paravirt(b, ['run', join(b.dir, 'nope.elf')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^paravirt: kernel '.*nope\.elf' not found\n$/);
  const unwritable = paravirt(b, ['run', b.guest('exits'), '--trace-exits', join(b.dir, 'no-such-dir', 't.jsonl')]);
  assert.equal(unwritable.status, 2);
  assert.match(unwritable.stderr, /^paravirt: cannot write exit trace to '.*t\.jsonl': ENOENT\n$/);
  const cases: Array<[string[], RegExp]> = [
    [['--memory', 'lots'], /--memory/],
    [['--memory', '0'], /--memory/],
    [['--exit-controls', 'npt'], /--exit-controls/],
    [['--max-instructions', '-5'], /--max-instructions/],
    [['--summary', 'xml'], /--summary/],
    [['--mode', 'kvm'], /--mode/],
    [['--bogus'], /--bogus/],
  ];
  for (const [args, re] of cases) {
    const r = paravirt(b, ['run', b.guest('exits'), ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '');
  }
});

test('--help documents every option and the exit statuses', () => {
  const r = paravirt(b, ['run', '--help']);
  assert.equal(r.status, 0);
  for (const opt of ['--stop-on', '--exit-control', '--cost-model', '--mode', '--memory', '--cmdline', '--exit-controls', '--max-instructions', '--max-time', '--serial', '--trace-exits', '--summary', '--profile']) {
    assert.ok(r.stdout.includes(opt), opt);
  }
  assert.match(r.stdout, /Exit status/);
  const top = paravirt(b, ['--help']);
  assert.equal(top.status, 0);
  assert.match(top.stdout, /run \[options\] <kernel>/);
});

test('run --no-compile: the interpreter alone reports the same run (instructions, stop, exits)', () => {
  const compiled = lastJsonLine(paravirt(b, ['run', b.guest('exits'), '--summary', 'json', '--serial', 'none']).stdout);
  const r = paravirt(b, ['run', b.guest('exits'), '--summary', 'json', '--serial', 'none', '--no-compile']);
  assert.equal(r.status, (0x10 << 1) | 1, r.stderr);
  const interpreted = lastJsonLine(r.stdout);
  assert.equal(interpreted.instructions, compiled.instructions);
  assert.deepEqual(interpreted.stop, compiled.stop);
  assert.deepEqual(interpreted.exits, compiled.exits);
});
