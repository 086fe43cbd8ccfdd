// The test kernel runs on our Machine to breakpoints; the variables read through DebugInfo
// (locations evaluated against live registers and memory, callers' frames unwound with CFI)
// must equal what the kernel itself printed to the serial port just before.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../emulator/machine';
import { loadImage } from '../../emulator/loader/index';
import { DebugInfo } from '../../emulator/loader/dwarf';
import type { Regs } from '../../emulator/loader/dwarf';
import { VARIANTS, buildC, read } from './programs';

const RAM = 16 << 20;

function printed(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) m.set(line.slice(0, eq), Number(line.slice(eq + 1)));
  }
  return m;
}

function boot(bytes: Uint8Array): Machine {
  const m = new Machine({ mode: 'hvm', memoryMiB: RAM >> 20 });
  m.load(loadImage(bytes, { ramBytes: RAM }));
  return m;
}

for (const v of VARIANTS) {
  test(`${v.name}: variables at breakpoints equal what the kernel printed`, () => {
    const bytes = read(buildC('vars', v));
    const di = DebugInfo.fromElf(bytes);
    const m = boot(bytes);
    const readMemory = (a: number, n: number) => m.readLinear(a, n);
    const cp = di.functionByName('checkpoint');
    assert.ok(cp, 'checkpoint has a DWARF subprogram');
    m.addBreakpoint(cp.lowPc);
    const optimize = v.name.startsWith('O0') ? 0 : 1;

    // Stop 1: checkpoint(1, origin, &global_record) called from compute's last iteration.
    let stop = m.run(5_000_000);
    assert.deepEqual(stop, { kind: 'breakpoint', address: cp.lowPc });
    let said = printed(m.serialOutput());
    const regs = m.getRegisters() as unknown as Regs;
    const frames = di.stack(regs, readMemory);
    assert.deepEqual(frames.map((f) => f.function?.name), ['checkpoint', 'compute', 'kmain', '_start']);
    const value = (frame: number, name: string): { ok: boolean; n?: number; text?: string; reason?: string } => {
      const f = frames[frame]!;
      const pc = frame === 0 ? f.regs.eip! : f.regs.eip! - 1;
      const va = di.variablesAt(pc)!;
      const vr = [...va.params, ...va.locals].find((x) => x.name === name);
      assert.ok(vr, `${name} is visible in ${va.function.name} at 0x${pc.toString(16)}`);
      const r = di.readVariable(vr, { regs: f.regs, readMemory, innermost: frame === 0 }, va.function);
      if (!r.ok) return { ok: false, reason: r.reason };
      return { ok: true, n: di.scalarValue(vr.type, r.bytes) ?? undefined, text: r.text };
    };
    // At entry every parameter is where the caller put it, at any optimisation level.
    assert.equal(value(0, 'id').n, 1);
    assert.equal(value(0, 'p').text, '{x = -3, y = 9}');
    const gr = di.globals().find((g) => g.name === 'global_record')!;
    const grAddr = di.evaluateLocation(gr, { regs: {}, readMemory });
    assert.equal(grAddr.kind, 'memory');
    assert.equal(value(0, 'r').n, (grAddr as { address: number }).address);
    let readable = 0;
    for (const [name, key] of [['sq', 'sq'], ['i', 'i'], ['total', 'total'], ['scale', ''], ['n', '']] as const) {
      const got = value(1, name);
      const expected = key ? said.get(key) : name === 'scale' ? 3 : 4;
      if (!got.ok) { assert.ok(optimize, `${name} must be readable at -O0: ${got.reason}`); assert.match(got.reason!, /optimized out|not available/); continue; }
      readable++;
      assert.equal(got.n, expected, `compute's ${name}`);
    }
    assert.ok(readable >= 4, `at least 4 of compute's 5 variables are readable (got ${readable})`);

    // Stop 2: checkpoint(2, pt, &local) from kmain after compute returned.
    stop = m.run(5_000_000);
    assert.deepEqual(stop, { kind: 'breakpoint', address: cp.lowPc });
    said = printed(m.serialOutput());
    const regs2 = m.getRegisters() as unknown as Regs;
    frames.splice(0, frames.length, ...di.stack(regs2, readMemory));
    assert.deepEqual(frames.map((f) => f.function?.name), ['checkpoint', 'kmain', '_start']);
    assert.equal(value(0, 'id').n, 2);
    assert.equal(value(0, 'p').text, `{x = ${said.get('pt.x')}, y = ${said.get('pt.y')}}`);
    assert.equal(value(1, 'pt').text, `{x = ${said.get('pt.x')}, y = ${said.get('pt.y')}}`);
    assert.equal(value(1, 'letter').n, said.get('letter'));
    assert.equal(value(1, 'wide').n, said.get('wide'));
    const big = value(1, 'big');
    assert.equal(big.text, String(BigInt.asIntN(64, (BigInt(said.get('big_hi')!) << 32n) | BigInt(said.get('big_lo')! >>> 0))));
    const result = value(1, 'result');
    if (result.ok) assert.equal(result.n, said.get('result'));
    else assert.ok(optimize, 'result is readable at -O0');
    const local = value(1, 'local');
    assert.ok(local.ok, local.reason);
    assert.match(local.text!, /^\{tag = 82 'R', count = -12, values = \{100, 200, 300\}, where = \{x = 10, y = -20\}, shade = BLUE, label = 0x[0-9a-f]+ "hi", flag = 5, mode = 17, op = 0x[0-9a-f]+ <add>\}$/);
    // The r parameter points at kmain's local: the same address the local's location gives.
    const localVar = di.variablesAt(frames[1]!.regs.eip! - 1)!.locals.find((x) => x.name === 'local')!;
    const loc = di.evaluateLocation(localVar, { regs: frames[1]!.regs, readMemory, innermost: false });
    assert.deepEqual(loc, { kind: 'memory', address: value(0, 'r').n });
    // counter is volatile and only changed by checkpoint: 7 - 3 after the first stop.
    const counter = di.globals().find((g) => g.name === 'counter')!;
    const cv = di.readVariable(counter, { regs: {}, readMemory });
    assert.ok(cv.ok);
    assert.equal(cv.text, '4');
  });
}

test('O2-regparm3: parameters described by DW_OP_entry_value equal the registers recorded at function entry', () => {
  const v = VARIANTS.find((x) => x.name === 'O2-regparm3')!;
  const bytes = read(buildC('vars', v));
  const di = DebugInfo.fromElf(bytes);
  const m = boot(bytes);
  const readMemory = (a: number, n: number) => m.readLinear(a, n);
  const names = ['eax', 'ecx', 'edx'] as const;
  // Every range whose whole expression is DW_OP_entry_value(DW_OP_regN) DW_OP_stack_value.
  const probes = new Map<number, Array<{ fn: string; name: string; reg: typeof names[number] }>>();
  const entries = new Set<number>();
  for (const f of di.allFunctions()) {
    const all = [f.scope];
    for (let i = 0; i < all.length; i++) all.push(...all[i]!.children);
    for (const s of all) for (const x of s.variables) {
      for (const e of di.locationList(x) ?? []) {
        const b = e.expr;
        if (b.length === 4 && b[0] === 0xa3 && b[1] === 1 && b[2]! >= 0x50 && b[2]! <= 0x52 && b[3] === 0x9f && e.end > e.start) {
          const list = probes.get(e.start) ?? [];
          list.push({ fn: f.name, name: x.name, reg: names[b[2]! - 0x50]! });
          probes.set(e.start, list);
          entries.add(f.lowPc);
        }
      }
    }
  }
  assert.ok(probes.size >= 3, `${probes.size} entry-value ranges`);
  for (const a of [...probes.keys(), ...entries]) m.addBreakpoint(a);
  const atEntry = new Map<number, Regs>();   // by CFA: the invocation's registers at entry
  let checked = 0, unavailable = 0;
  for (let hits = 0; hits < 500; hits++) {
    const stop = m.run(5_000_000);
    if (stop.kind !== 'breakpoint') break;
    const regs = m.getRegisters() as unknown as Regs;
    if (entries.has(stop.address)) atEntry.set(regs.esp! + 4, { ...regs });
    for (const p of probes.get(stop.address) ?? []) {
      const fn = di.functionAt(stop.address)!;
      const cfa = di.cfaOf({ regs, readMemory })!;
      const entry = atEntry.get(cfa);
      assert.ok(entry, `${p.fn} was entered with CFA 0x${cfa.toString(16)}`);
      const va = di.variablesAt(stop.address)!;
      const x = [...va.params, ...va.locals].find((y) => y.name === p.name)!;
      const r = di.readVariable(x, { regs, readMemory }, fn);
      if (!r.ok) {
        // Only when the caller's call site says nothing about that register (gcc could not express it).
        assert.match(r.reason, new RegExp(`register ${p.reg} is not available`), `${p.fn}: ${p.name}`);
        unavailable++;
        continue;
      }
      const size = r.bytes.length;
      assert.equal(di.scalarValue({ kind: 'base', name: 'u', size, encoding: 7 }, r.bytes), entry[p.reg]! % 2 ** (size * 8), `${p.fn}: ${p.name} = entry ${p.reg}`);
      checked++;
    }
  }
  assert.ok(checked >= 3 && checked > unavailable, `${checked} entry values checked, ${unavailable} not recoverable`);
});
