// The exit-reason table (emulator/isa/exit-reasons.ts) against an independent reference and
// against every consumer: Linux's UAPI header asm/vmx.h (Debian's linux-libc-dev, written
// from the SDM by other people) for the numbers; the CPU's and the machine's exit sites
// (read from their source with the TypeScript parser) for coverage; the cost model, the
// exit filter, the debugger's conditions and the encoders for agreement.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  EXIT_REASONS, EXIT_REASON_LIMIT, ExitReason, exitReasonInfo, exitReasonName, exitReasonNumber,
  QUALIFICATION_FILTER_NAMES, qualificationField, qualificationLayout,
} from '../../emulator/isa/exit-reasons';
import {
  decodeApicAccess, decodeCrAccess, decodeDebugException, decodeEptViolation, decodeIo, decodeMovDr, decodeTaskSwitch,
  fieldBits, type QualificationLayout,
} from '../../emulator/isa/exit-qualification';
import { DEFAULT_COST_MODEL } from '../../emulator/vmm/cost-model';
import { compileExitFilter, FILTER_FIELDS } from '../../emulator/machine/exit-filter';
import { recordScope } from '../../debug-adapter/engine/exception-filters';
import type { ExitRecord } from '../../emulator/machine';

const REPO = new URL('../../', import.meta.url).pathname;

const VMX_H = ['/usr/include/x86_64-linux-gnu/asm/vmx.h', '/usr/include/asm/vmx.h'].find((p) => existsSync(p));

/** EXIT_REASON_<NAME> <number> from Linux's asm/vmx.h. */
function linuxExitReasons(): Map<string, number> {
  assert.ok(VMX_H, 'asm/vmx.h (linux-libc-dev, installed by scripts/setup.sh) is missing');
  const out = new Map<string, number>();
  for (const m of readFileSync(VMX_H, 'utf8').matchAll(/^#define\s+EXIT_REASON_(\w+)\s+(\d+)\s*$/gm)) out.set(m[1]!, Number(m[2]));
  assert.ok(out.size > 50, `read only ${out.size} exit reasons from ${VMX_H}`);
  return out;
}

test('every reason Linux\'s asm/vmx.h defines is in the table with the same number, and shared names agree', () => {
  const linux = linuxExitReasons();
  let sameName = 0;
  for (const [name, n] of linux) {
    assert.ok(exitReasonInfo(n), `asm/vmx.h defines ${name} ${n}; the table has no row ${n}`);
    const ours = EXIT_REASONS.find((r) => r.name === name);
    if (ours) { assert.equal(ours.reason, n, name); sameName++; }
  }
  // Most of the short names are spelled alike (HLT, CPUID, CR_ACCESS, IO_INSTRUCTION, EPT_VIOLATION ...).
  assert.ok(sameName >= 30, `only ${sameName} names in common with asm/vmx.h`);
  // Reasons the SDM leaves unused stay out, and lookups by name and number agree.
  for (const unused of [35, 38, 42]) assert.equal(exitReasonInfo(unused), undefined);
  assert.equal(new Set(EXIT_REASONS.map((r) => r.name)).size, EXIT_REASONS.length);
  for (const r of EXIT_REASONS) {
    assert.equal(exitReasonName(r.reason), r.name);
    assert.equal(exitReasonNumber(r.name.toLowerCase()), r.reason);
    assert.equal((ExitReason as Record<string, number>)[r.name], r.reason);
  }
  assert.equal(exitReasonName(35), 'EXIT_35');
  assert.equal(exitReasonNumber('nonsense'), undefined);
  assert.ok(EXIT_REASON_LIMIT > Math.max(...EXIT_REASONS.map((r) => r.reason)));
});

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The first argument of each call `name(` in a source text (up to its top-level comma). */
function firstArguments(text: string, name: string): Array<{ line: number; arg: string }> {
  const out: Array<{ line: number; arg: string }> = [];
  for (let at = text.indexOf(name + '('); at >= 0; at = text.indexOf(name + '(', at + 1)) {
    if (/[\w$]/.test(text[at - 1] ?? '') && text[at - 1] !== '.') continue;
    let depth = 0, i = at + name.length + 1;
    const start = i;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') { if (depth === 0) break; depth--; }
      else if (c === ',' && depth === 0) break;
    }
    out.push({ line: text.slice(0, at).split('\n').length, arg: text.slice(start, i).trim() });
  }
  return out;
}

/**
 * Every `vmexit(reason, ...)` in emulator/ with its reason resolved: a number, a constant
 * bound to a number somewhere in emulator/, `ExitReason.NAME`, or either arm of `c ? a : b`.
 * Anything else stays text, which the test reports.
 */
function exitSites(): Array<{ where: string; reason: number | string }> {
  const files = sourceFiles(join(REPO, 'emulator')).map((f) => ({ f, text: readFileSync(f, 'utf8') }));
  const consts = new Map<string, number>();
  for (const { text } of files) for (const m of text.matchAll(/\bconst\s+([A-Z_][A-Z0-9_]*)\s*=\s*(\d+)\s*[;,]/g)) consts.set(m[1]!, Number(m[2]));
  const resolve = (e: string): Array<number | string> => {
    e = e.trim();
    const cond = /^[^?]+\?([^:]+):(.+)$/.exec(e);
    if (cond) return [...resolve(cond[1]!), ...resolve(cond[2]!)];
    if (/^\d+$/.test(e)) return [Number(e)];
    const named = /^ExitReason\.(\w+)$/.exec(e);
    if (named) return [(ExitReason as Record<string, number>)[named[1]!] ?? e];
    if (consts.has(e)) return [consts.get(e)!];
    return [e];
  };
  const sites: Array<{ where: string; reason: number | string }> = [];
  for (const { f, text } of files) {
    for (const { line, arg } of firstArguments(text, 'vmexit')) {
      if (/vmexit\(reason/.test(`vmexit(${arg}`)) continue; // the method's own declaration
      for (const reason of resolve(arg)) sites.push({ where: `${f.slice(REPO.length)}:${line}`, reason });
    }
  }
  return sites;
}

test('every exit the CPU and the machine can raise has a row in the table', () => {
  const sites = exitSites();
  // The CPU raises at least HLT, I/O, CPUID, CR/DR access, MSRs, INVLPG, exceptions, triple fault, EPT violations...
  assert.ok(sites.length >= 25, `found only ${sites.length} vmexit call sites`);
  const reasons = new Set<number>();
  for (const s of sites) {
    assert.equal(typeof s.reason, 'number', `${s.where}: cannot tell which reason '${s.reason}' is`);
    assert.ok(exitReasonInfo(s.reason as number), `${s.where}: reason ${s.reason} has no row in the exit-reason table`);
    reasons.add(s.reason as number);
  }
  for (const r of ['HLT', 'IO_INSTRUCTION', 'CPUID', 'CR_ACCESS', 'EPT_VIOLATION', 'TRIPLE_FAULT', 'EXCEPTION_NMI'] as const) {
    assert.ok(reasons.has(ExitReason[r]), `no site raises ${r}`);
  }
});

test('the cost model prices exits by names the table knows', () => {
  for (const name of Object.keys(DEFAULT_COST_MODEL.handlerCycles)) assert.ok(exitReasonNumber(name) !== undefined && exitReasonInfo(exitReasonNumber(name)!), name);
});

const record = (reason: number, qualification: number, extra: Partial<ExitRecord> = {}): ExitRecord => ({
  seq: 0, reason, reasonName: exitReasonName(reason), qualification, eip: 0, cs: 8, cpl: 0, bytes: new Uint8Array(0),
  icount: 0, handler: 'hypervisor', cycles: 0, ...extra,
});

test('the exit filter and the debugger accept every reason name and every qualification field of the table', () => {
  for (const r of EXIT_REASONS) {
    const f = compileExitFilter(r.name);
    assert.equal(f(record(r.reason, 0)), true, r.name);
    assert.equal(f(record(r.reason === 0 ? 1 : 0, 0)), false, r.name);
    const scope = recordScope(record(r.reason, 0), { read: () => null, name: () => undefined }, () => 0);
    assert.equal(scope.name(r.name), r.reason, `debugger condition name ${r.name}`);
  }
  assert.ok(QUALIFICATION_FILTER_NAMES.length >= 9, QUALIFICATION_FILTER_NAMES.join());
  for (const name of QUALIFICATION_FILTER_NAMES) {
    assert.ok(FILTER_FIELDS[name], `filter field ${name}`);
    assert.doesNotThrow(() => compileExitFilter(`${name} == 1`), name);
  }
  // A field applies only where the record's layout has it.
  const out = record(ExitReason.IO_INSTRUCTION, 0x03f80000);
  assert.equal(compileExitFilter('IO_INSTRUCTION port == 0x3f8 && size == 1 && out')(out), true);
  assert.equal(qualificationField(record(ExitReason.HLT, 0x03f80000), 'port'), undefined);
  assert.equal(qualificationField(record(ExitReason.EXCEPTION_NMI, 0x1234, { vector: 14 }), 'linear'), 0x1234);
  assert.equal(qualificationField(record(ExitReason.EXCEPTION_NMI, 0x1234, { vector: 13 }), 'linear'), undefined);
});

/** The layout's fields, read generically, against the typed decoder of the same layout. */
function checkLayout(layout: QualificationLayout, decode: (q: number) => Record<string, number | boolean | string>, fields: string[]): void {
  assert.equal(layout.fields.length, fields.length, layout.name);
  let seed = 12345;
  for (let i = 0; i < 500; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const q = (seed ^ (seed << 7)) >>> 0;
    const d = decode(q);
    layout.fields.forEach((fl, k) => {
      const want = d[fields[k]!];
      const got = fieldBits(q, fl);
      if (typeof want === 'boolean') assert.equal(got, want ? 1 : 0, `${layout.name}.${fields[k]} of ${q.toString(16)}`);
      else if (typeof want === 'number') assert.equal(fl.map ? fl.map(got) : got, want, `${layout.name}.${fields[k]} of ${q.toString(16)}`);
    });
  }
}

test('each layout in the table reads its qualification exactly as the typed decoders do', () => {
  const layoutOf = (reason: number, vector?: number) => qualificationLayout({ reason, qualification: 0, vector });
  checkLayout(layoutOf(ExitReason.IO_INSTRUCTION), (q) => ({ ...decodeIo(q) }), ['size', 'in', 'string', 'rep', 'immediate', 'port']);
  checkLayout(layoutOf(ExitReason.CR_ACCESS), (q) => ({ ...decodeCrAccess(q) }), ['cr', 'accessType', 'lmswMemory', 'gpr', 'lmswData']);
  checkLayout(layoutOf(ExitReason.DR_ACCESS), (q) => ({ ...decodeMovDr(q) }), ['dr', 'fromDr', 'gpr']);
  checkLayout(layoutOf(ExitReason.TASK_SWITCH), (q) => ({ ...decodeTaskSwitch(q) }), ['selector', 'source']);
  checkLayout(layoutOf(ExitReason.EPT_VIOLATION), (q) => ({ ...decodeEptViolation(q) }),
    ['read', 'write', 'fetch', 'readable', 'writable', 'executable', 'userExecutable', 'linearValid', 'translated', 'nmiUnblocking']);
  checkLayout(layoutOf(ExitReason.APIC_ACCESS), (q) => ({ ...decodeApicAccess(q) }), ['offset', 'type']);
  checkLayout(layoutOf(ExitReason.EXCEPTION_NMI, 1), (q) => ({ ...decodeDebugException(q), rtm: ((q >>> 16) & 1) === 1 }), ['breakpoints', 'bd', 'bs', 'rtm']);
  checkLayout(layoutOf(ExitReason.INVLPG), (q) => ({ linear: q >>> 0 }), ['linear']);
});
