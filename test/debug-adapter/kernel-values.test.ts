// Registers and values as a kernel developer reads them, on the sample HVM kernel stopped in
// kmain once its IDT and page tables are in place: gdb's `$reg` names, numbers symbolized
// only when they are addresses (nm's absolute symbols are constants), arrays of integers
// that expand, EFLAGS/CR0/CR4, GDT descriptors, IDT gates and page-table entries decoded
// (checked against the raw bytes read through readMemory and the SDM's bit positions, and
// nm's addresses), hex or decimal as the client asks, and call targets named in the
// disassembly as objdump names them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { buildAll, launch, nextStopped, nmAddress, removeBuild, ROOT, startClient, type Built } from './harness';

const SAMPLE = join(ROOT, 'examples', 'sample');
const ELF = join(SAMPLE, 'build', 'sample-hvm.elf');
let b: Built;
let dc: DebugClient;
before(async () => {
  b = await buildAll([]);
  dc = await startClient(b.adapter);
  const kmain = join(SAMPLE, 'common', 'kmain.c');
  const line = readFileSync(kmain, 'utf8').split('\n').findIndex((l) => l.includes('print("paging on')) + 1;
  const sourceFileMap = Object.fromEntries(['common/', 'hvm/', 'pv/'].map((d) => [d, join(SAMPLE, d)]));
  await launch(dc, { program: ELF, mode: 'hvm', profile: false, serial: 'none', sourceFileMap }, async () => {
    const bp = (await dc.setBreakpointsRequest({ source: { path: kmain }, breakpoints: [{ line }] })).body.breakpoints[0]!;
    assert.equal(bp.verified, true);
  });
  assert.equal((await nextStopped(dc)).reason, 'breakpoint');
});
after(async () => { await dc?.stop().catch(() => undefined); removeBuild(b); });

const evaluate = async (expression: string, format?: DebugProtocol.ValueFormat) =>
  (await dc.evaluateRequest({ expression, context: 'watch', frameId: await frameId(), format } as DebugProtocol.EvaluateArguments)).body;
async function frameId(): Promise<number> { return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.id; }
async function children(ref: number, format?: DebugProtocol.ValueFormat) {
  return (await dc.variablesRequest({ variablesReference: ref, format } as DebugProtocol.VariablesArguments)).body.variables;
}
async function registers(format?: DebugProtocol.ValueFormat) {
  const scopes = (await dc.scopesRequest({ frameId: await frameId() })).body.scopes;
  return children(scopes.find((s) => s.name === 'Registers')!.variablesReference, format);
}
async function mem(address: number, count: number): Promise<Buffer> {
  return readMem(`0x${address.toString(16)}`, count);
}
async function readMem(memoryReference: string, count: number): Promise<Buffer> {
  const r = await dc.customRequest('readMemory', { memoryReference, count }) as DebugProtocol.ReadMemoryResponse;
  return Buffer.from(r.body!.data!, 'base64');
}
const leading = (s: string) => parseInt(/^0x[0-9a-f]+/i.exec(s)![0], 16) >>> 0;
/** nm's symbols of one type letter. */
function nmOf(letters: RegExp): Array<{ name: string; address: number }> {
  return spawnSync('nm', [ELF], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => l.split(' '))
    .filter((p) => letters.test(p[1]!)).map((p) => ({ name: p[2]!, address: parseInt(p[0]!, 16) }));
}

test('$eax, $cr3, $rip, $pc and $eflags are registers (gdb), as the bare names are; $kmain is not', async () => {
  for (const [dollar, bare] of [['$eax', 'eax'], ['$cr3', 'cr3'], ['$rip', 'eip'], ['$pc', 'eip'], ['$sp', 'esp'], ['$eflags', 'eflags'], ['$al', 'al']]) {
    assert.equal(leading((await evaluate(dollar!)).result), leading((await evaluate(bare!)).result), dollar);
  }
  const pc = leading((await evaluate('$pc')).result);
  assert.equal(pc, parseInt((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.instructionPointerReference!, 16));
  await assert.rejects(evaluate('$kmain'), /unknown name '\$kmain'/);
  await assert.rejects(evaluate('$nosuch'), /unknown name/);
});

test('constants (nm type a) never describe a number; addresses in sections do', async () => {
  const abs = nmOf(/^[aA]$/);
  assert.ok(abs.some((s) => s.name === 'MB_FLAGS'), 'the sample has its equ constants in the symbol table');
  for (const s of abs) {
    for (const v of [s.address, s.address + 0x2b]) assert.doesNotMatch((await evaluate(`0x${(v >>> 0).toString(16)}`)).result, /</, `${s.name}`);
  }
  // Past the end of the last loaded section (objdump's section table), nothing is named,
  // though the last label in .bss is within reach.
  const sections = spawnSync('objdump', ['-h', ELF], { encoding: 'utf8' }).stdout.split('\n')
    .map((l) => /^\s*\d+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(l)).filter((m): m is RegExpExecArray => !!m)
    .map((m) => parseInt(m[2]!, 16) + parseInt(m[1]!, 16));
  const end = Math.max(...sections.filter((e) => e < 0x40000000));
  const lastLabel = Math.max(...nmOf(/^[bBdDtTrR]$/).map((x) => x.address));
  assert.ok(end + 0x10 - lastLabel < 0x10000, 'a label is within reach of the address, so only the section check keeps it unnamed');
  assert.doesNotMatch((await evaluate(`0x${(end + 0x10).toString(16)}`)).result, /</);
  // Still usable by name in expressions.
  assert.equal(leading((await evaluate('MB_FLAGS')).result), 3);
  assert.match((await evaluate(`0x${(nmAddress(ELF, 'console_init') + 4).toString(16)}`)).result, /<console_init\+0x4>$/);
});

test('an array of u64 (the IDT) expands into elements equal to the memory behind them', async () => {
  const idt = (await evaluate('idt'));
  assert.ok(idt.variablesReference > 0, `idt shows as ${idt.result}`);
  const elems = await children(idt.variablesReference);
  assert.equal(elems.length, 256);
  const raw = await mem(nmAddress(ELF, 'idt'), 256 * 8);
  for (const i of [0, 14, 32, 255]) assert.equal(BigInt(elems[i]!.value), raw.readBigUInt64LE(i * 8), `idt[${i}] = ${elems[i]!.value}`);
});

test('EFLAGS, CR0 and CR4 by bit name beside the raw value, in the Registers scope and the watch', async () => {
  const regs = await registers();
  const flags = regs.find((r) => r.name === 'eflags')!;
  const v = leading(flags.value);
  // SDM Vol. 1 3.4.3: CF 0, PF 2, AF 4, ZF 6, SF 7, TF 8, IF 9, DF 10, OF 11.
  const want = [['CF', 0], ['PF', 2], ['AF', 4], ['ZF', 6], ['SF', 7], ['TF', 8], ['IF', 9], ['DF', 10], ['OF', 11]] as const;
  for (const [n, bit] of want) assert.equal(new RegExp(`\\b${n}\\b`).test(flags.value), ((v >>> bit) & 1) === 1, `${n} in ${flags.value}`);
  assert.match(flags.value, new RegExp(`IOPL=${(v >>> 12) & 3}`));
  const cr0 = (await evaluate('$cr0')).result;
  assert.match(cr0, /\bPG\b/, 'paging is on');
  assert.match(cr0, /\bPE\b/);
  assert.equal(/\bWP\b/.test(cr0), ((leading(cr0) >>> 16) & 1) === 1);
});

test('GDT descriptors and IDT gates decoded from their bytes; the timer gate names its stub', async () => {
  const regs = await registers();
  const tables = await children(regs.find((r) => r.name === 'descriptor tables')!.variablesReference);
  const gdtr = tables.find((t) => t.name === 'gdtr')!;
  const gdt = await children(gdtr.variablesReference);
  // boot.asm's flat GDT: null, ring-0 code at 0x08, ring-0 data at 0x10, base 0 limit 4 GiB.
  assert.match(gdt[0]!.value, /null/);
  assert.match(gdt[1]!.value, /^0x00cf9b000000ffff code readable accessed, 32-bit, base 0x00000000, limit 0xffffffff \(4 KiB units\), DPL 0, present$/);
  assert.match(gdt[2]!.value, /^0x00cf93000000ffff data writable accessed, 32-bit, base 0x00000000, limit 0xffffffff/);
  const idt = await children(tables.find((t) => t.name === 'idtr')!.variablesReference);
  const timer = idt.find((g) => g.name.startsWith('vector 32 '))!;
  const raw = await mem(nmAddress(ELF, 'idt') + 32 * 8, 8);
  const off = (raw.readUInt16LE(0) | (raw.readUInt16LE(6) << 16)) >>> 0;
  assert.equal(off, nmAddress(ELF, 'stub_32'));
  assert.equal(timer.value, `32-bit interrupt gate 0x0008:0x${off.toString(16).padStart(8, '0')} <stub_32>, DPL 0, present`);
  assert.equal(idt.length, 33, 'the 33 gates the sample sets, empty ones left out');
});

test('page-table entries: the walk from CR3 finds the identity map paging-x86.c writes', async () => {
  const regs = await registers();
  const control = await children(regs.find((r) => r.name === 'control')!.variablesReference);
  const cr3 = control.find((c) => c.name === 'cr3')!;
  const pdes = await children(cr3.variablesReference);
  // The first 8 MiB identity-mapped through two page tables, present and writable.
  assert.ok(pdes.length >= 2, pdes.map((p) => p.name).join(', '));
  const raw = await readMem(`phys:0x${((leading(cr3.value) & ~0xfff) >>> 0).toString(16)}`, 8);
  assert.equal(pdes[0]!.value.startsWith(`0x${raw.readUInt32LE(0).toString(16).padStart(8, '0')} → page table`), true, pdes[0]!.value);
  assert.match(pdes[0]!.value, /\[P RW\b/);
  const ptes = await children(pdes[0]!.variablesReference);
  assert.equal(ptes.length, 1024);
  const vga = ptes.find((p) => p.name === 'pte[184] 0x000b8000')!;
  assert.match(vga.value, /^0x000b80[0-9a-f]{2} → frame 0x000b8000 \[P RW/);
});

test('hex or decimal as the client asks (DAP ValueFormat)', async () => {
  assert.equal((await evaluate('0x2e', { hex: false })).result, '46');
  assert.equal((await evaluate('46', { hex: true })).result, '0x0000002e');
  assert.equal((await evaluate('0x2e')).result, '0x0000002e (46)');
  const dec = await registers({ hex: false });
  const hexRegs = await registers();
  assert.equal(dec.find((r) => r.name === 'eax')!.value, String(leading(hexRegs.find((r) => r.name === 'eax')!.value)));
});

test('the disassembly names call targets: call 0x00100400 <console_init>', async () => {
  const kmain = nmAddress(ELF, 'kmain');
  const r = await dc.disassembleRequest({ memoryReference: `0x${kmain.toString(16)}`, instructionCount: 12 });
  const call = r.body!.instructions.find((i) => /^call /.test(i.instruction))!;
  const objdump = spawnSync('objdump', ['-d', '--no-show-raw-insn', `--start-address=${call.address}`, `--stop-address=${parseInt(call.address, 16) + 8}`, ELF], { encoding: 'utf8' }).stdout;
  const want = /call\s+([0-9a-f]+)\s+<([^>]+)>/.exec(objdump)!;
  assert.equal(call.instruction, `call 0x${want[1]!.padStart(8, '0')} <${want[2]}>`);
});
