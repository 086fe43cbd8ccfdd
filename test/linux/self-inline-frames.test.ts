// gcc 12 at -O2 describes some out-of-line functions' bodies as the function inlined into itself,
// "called" from its own declaration line: Debian's kernel has bprm_execve inlined into
// bprm_execve at fs/exec.c:1849 (the line of its name). addr2line -i (and gdb's backtrace) list
// such a scope as a frame, so every stack through exec showed bprm_execve twice at one pc:
//   load_elf_binary <- search_binary_handler <- exec_binprm <- bprm_execve :1887 <- bprm_execve :1849
// The debugger folds it into the function (emulator/loader/dwarf/scopes.ts, foldSelfInline).
// The oracle is addr2line -i on the same vmlinux, at every return address in bprm_execve (objdump
// gives the calls), with the entries the compiler places at the function's own first line
// (gdb's declaration line for it) removed when they repeat their caller's name.
// Then, over DAP on the booting kernel (PVH, the quickest mode), a stop in load_elf_binary
// shows bprm_execve once, at the line exec_binprm is called from, with its parameter bprm
// the pointer load_elf_binary received. PARAVIRT_LINUX_DEBUG=0 skips it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DebugFile } from '../../emulator/loader/dwarf/debug-file';
import { memorySource } from '../../emulator/loader/dwarf/byte-source';
import { launch, nextStopped, ROOT } from '../debug-adapter/harness';
import { cloudDebug } from './cloud-debug';

const s = cloudDebug({ optional: true });
const skip = s.skip;
const FN = 'bprm_execve';
const hex = (a: number) => `0x${BigInt.asUintN(64, BigInt(a)).toString(16)}`;
const base = (f: string) => f.split('/').pop()!;

/** addr2line -a -i -f: each address's chain of (function, file, line), innermost first. */
function addr2lineChains(vmlinux: string, addrs: number[]): Array<Array<{ name: string; file: string; line: number }>> {
  const r = spawnSync('addr2line', ['-a', '-i', '-f', '-e', vmlinux, ...addrs.map(hex)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, r.stderr);
  const out: Array<Array<{ name: string; file: string; line: number }>> = [];
  const lines = r.stdout.trim().split('\n');
  for (let i = 0; i < lines.length;) {
    if (/^0x[0-9a-f]+$/.test(lines[i]!)) { out.push([]); i++; continue; }
    const m = /^(.*):(\d+)/.exec(lines[i + 1]!.replace(/ \(discriminator \d+\)$/, ''));
    out.at(-1)!.push({ name: lines[i]!, file: base(m?.[1] ?? '?'), line: Number(m?.[2] ?? 0) });
    i += 2;
  }
  assert.equal(out.length, addrs.length, r.stdout);
  return out;
}

/** gdb's declaration line of a function: `info functions ^NAME$` lists it as `LINE: static int NAME(...)`. */
function gdbDeclLine(vmlinux: string, fn: string): number {
  const r = spawnSync('gdb', ['-nx', '-batch', '-ex', `info functions ^${fn}$`, vmlinux], { encoding: 'utf8', timeout: 300_000 });
  const m = new RegExp(`^(\\d+):.*\\b${fn}\\(`, 'm').exec(r.stdout);
  assert.ok(m, `gdb: info functions ${fn}: ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

/** The function's symbol address and the return addresses of its calls (objdump). */
function callsIn(vmlinux: string, fn: string): { start: number; rets: number[] } {
  const sym = spawnSync('nm', ['-S', vmlinux], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout.split('\n').find((l) => / [tT] /.test(l) && l.endsWith(` ${fn}`));
  assert.ok(sym, `nm: ${fn}`);
  const [a, size] = sym.split(' ').slice(0, 2).map((x) => BigInt(`0x${x}`));
  const dis = spawnSync('objdump', ['-d', '--no-show-raw-insn', `--start-address=0x${a!.toString(16)}`, `--stop-address=0x${(a! + size!).toString(16)}`, vmlinux], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
  const insns = [...dis.matchAll(/^\s*([0-9a-f]+):\s+(\S+)/gm)].map((m) => ({ at: BigInt(`0x${m[1]}`), op: m[2]! }));
  const rets: number[] = [];
  insns.forEach((x, i) => { if (x.op === 'call' && insns[i + 1]) rets.push(Number(BigInt.asIntN(64, insns[i + 1]!.at))); });
  return { start: Number(BigInt.asIntN(64, a!)), rets };
}

test(`${FN}: one frame at each of its return addresses, as addr2line's chain without the scope gcc places at the function's own line`, { skip }, () => {
  const vmlinux = s.fixture.vmlinuxPath;
  const df = new DebugFile(memorySource(new Uint8Array(readFileSync(vmlinux)), 'vmlinux'));
  const { start, rets } = callsIn(vmlinux, FN);
  assert.ok(rets.length > 10, `objdump: calls in ${FN}: ${rets.length}`);
  const chains = addr2lineChains(vmlinux, rets.map((r) => r - 1));
  const ownLine = gdbDeclLine(vmlinux, FN);
  let folded = 0;
  rets.forEach((ret, k) => {
    const raw = chains[k]!;
    const want = raw.filter((e, i) => {
      const self = i > 0 && e.name === raw[i - 1]!.name && e.name === FN && e.line === ownLine;
      if (self) folded++;
      return !self;
    });
    const frames = df.dwarf.inlineFramesAt(ret - 1);
    const inner = df.lines.lookup(ret - 1);
    const got = frames.map((f, i) => ({ name: f.name, file: base(i === 0 ? inner?.file ?? '?' : frames[i - 1]!.callFile ?? '?'), line: i === 0 ? inner?.line ?? 0 : frames[i - 1]!.callLine ?? 0 }));
    assert.deepEqual(got, want, `at ${hex(ret)} (addr2line: ${raw.map((e) => `${e.name}:${e.line}`).join(' <- ')})`);
  });
  // The case this is about occurs: without it the comparison proves nothing about the fold.
  assert.ok(folded > 0, `addr2line shows ${FN} inside ${FN} at line ${ownLine} somewhere`);
  // A breakpoint on the name has the out-of-line copy only (the folded scope is no second entry).
  assert.deepEqual(df.dwarf.functionLocations(FN).map((l) => [hex(l.address), l.inlined]), [[hex(start), false]]);
});

test(`a stop in load_elf_binary shows ${FN} once, at its call of exec_binprm, with the bprm load_elf_binary got`, { skip, timeout: 1_200_000 }, async () => {
  const dc = await s.client();
  const script = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'linux-launch.ts')], { encoding: 'utf8', cwd: ROOT });
  assert.equal(script.status, 0, script.stderr);
  const conf = (JSON.parse(script.stdout) as { configurations: Array<Record<string, unknown> & { mode: string }> }).configurations.find((c) => c.mode === 'pvh')!;
  await launch(dc, { ...conf, profile: false, historyMemory: 0 }, async () => {
    const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'load_elf_binary' }] });
    assert.ok(r.body.breakpoints[0]!.verified, r.body.breakpoints[0]!.message);
  });
  assert.equal((await nextStopped(dc, 1_100_000)).reason, 'function breakpoint');
  const st = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const show = st.map((f) => `${f.name}:${f.line}`).join(' <- ');
  const names = st.map((f) => f.name);
  assert.deepEqual(names.slice(0, 4), ['load_elf_binary', 'search_binary_handler', 'exec_binprm', FN], show);
  assert.ok(names[4] === 'kernel_execve' || names[4] === 'do_execveat_common', show);
  assert.equal(names.filter((n) => n === FN).length, 1, show);
  // gdb's frame for the call (#3 in its backtrace): addr2line's first FN at the return address.
  const ret = Number(BigInt.asIntN(64, BigInt(st[3]!.instructionPointerReference!)));
  const chain = addr2lineChains(s.fixture.vmlinuxPath, [ret - 1])[0]!;
  assert.equal(st[3]!.line, chain.find((e) => e.name === FN)?.line, `${show}; addr2line: ${chain.map((e) => `${e.name}:${e.line}`).join(' <- ')}`);
  const value = async (frameId: number, name: string) => {
    const scopes = (await dc.scopesRequest({ frameId })).body.scopes;
    for (const sc of scopes) {
      const vars = (await dc.variablesRequest({ variablesReference: sc.variablesReference })).body.variables;
      const v = vars.find((x) => x.name === name);
      if (v) return v.value;
    }
    return undefined;
  };
  const bprm = await value(st[0]!.id, 'bprm');
  assert.ok(bprm && /0x[0-9a-f]+/.test(bprm), `load_elf_binary's bprm: ${bprm}`);
  assert.equal(await value(st[3]!.id, 'bprm'), bprm, `${FN}'s bprm`);
});
