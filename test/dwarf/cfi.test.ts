// Call frame information against two oracles: readelf's interpretation of every CFA table row
// (--debug-dump=frames-interp), and a shadow call stack kept while single-stepping the test
// kernel on our Machine, which unwinding must reproduce at every instruction.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type * as Iced from 'iced-x86';
import { Machine } from '../../emulator/machine';
import { loadImage } from '../../emulator/loader/index';
import { DebugInfo, DWARF_REGS, evaluate } from '../../emulator/loader/dwarf';
import type { CfiRow, Regs } from '../../emulator/loader/dwarf';
import { VARIANTS, buildAsm, buildC, read, readelf } from './programs';

const iced = createRequire(__filename)('iced-x86') as typeof Iced;

interface ReadelfFde { start: number; end: number; columns: string[]; rows: Array<{ loc: number; cells: string[] }> }

/** The FDE tables of readelf's frames-interp output; an FDE without rows uses its CIE's. */
function parseFramesInterp(text: string): ReadelfFde[] {
  const out: ReadelfFde[] = [];
  let cieTable: { columns: string[]; cells: string[] } | null = null;
  let cur: ReadelfFde | null = null;
  let inCie = false;
  let columns: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/r(\d+) \((\w+)\)/g, 'r$1($2)');
    let m = /FDE cie=\w+ pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line);
    if (m) { cur = { start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), columns: [], rows: [] }; out.push(cur); inCie = false; continue; }
    if (/ CIE /.test(line)) { inCie = true; cur = null; continue; }
    if (/^\s+LOC\s+CFA/.test(line)) { columns = line.trim().split(/\s+/).slice(2); if (cur) cur.columns = columns; continue; }
    m = /^([0-9a-f]{8}) (\S+)\s*(.*)$/.exec(line);
    if (m && (cur || inCie)) {
      const cells = [m[2]!, ...m[3]!.trim().split(/\s+/).filter(Boolean)];
      if (inCie) cieTable = { columns, cells };
      else cur!.rows.push({ loc: parseInt(m[1]!, 16), cells });
    }
  }
  for (const f of out) {
    if (f.rows.length === 0 && cieTable) { f.columns = cieTable.columns; f.rows.push({ loc: f.start, cells: cieTable.cells }); }
  }
  return out;
}

function cell(row: CfiRow, column: string, raReg: number): string {
  const n = column === 'ra' ? raReg : DWARF_REGS.indexOf(column as typeof DWARF_REGS[number]);
  const r = row.regs.get(n);
  if (!r || r.kind === 'undefined') return 'u';
  switch (r.kind) {
    case 'same': return 's';
    case 'offset': return `c${r.offset >= 0 ? '+' : ''}${r.offset}`;
    case 'val-offset': return `v${r.offset >= 0 ? '+' : ''}${r.offset}`;
    case 'register': return `r${r.reg}(${DWARF_REGS[r.reg]})`;
    case 'expression': return 'exp';
    case 'val-expression': return 'vexp';
  }
}

function cfaText(row: CfiRow): string {
  return row.cfa.kind === 'reg' ? `${DWARF_REGS[row.cfa.reg]}${row.cfa.offset >= 0 ? '+' : ''}${row.cfa.offset}` : 'exp';
}

/** Compares every row readelf interprets (at its first and last address) with ours; returns the count. */
function compareWithReadelf(elf: string, minFdes: number): number {
    const di = DebugInfo.fromElf(read(elf));
    const expected = parseFramesInterp(readelf(elf, ['--debug-dump=frames-interp']));
    assert.ok(expected.length >= minFdes, `readelf lists the FDEs (${expected.length})`);
    assert.equal(di.frames.size, expected.length, 'one FDE each');
    let checked = 0;
    for (const f of expected) {
      const fde = di.frames.find(f.start);
      assert.ok(fde, `an FDE covers 0x${f.start.toString(16)}`);
      assert.equal(fde.start, f.start);
      assert.equal(fde.end, f.end);
      for (let i = 0; i < f.rows.length; i++) {
        const r = f.rows[i]!;
        const last = (i + 1 < f.rows.length ? f.rows[i + 1]!.loc : f.end) - 1;
        for (const pc of new Set([r.loc, last])) {
          const row = di.cfiRowAt(pc)!;
          const ra = fde.cie.raReg;
          const got: string[] = [cfaText(row), ...f.columns.map((c): string => cell(row, c, ra))];
          assert.deepEqual(got, r.cells, `row at 0x${pc.toString(16)} (FDE 0x${f.start.toString(16)})`);
          checked++;
        }
      }
    }
    return checked;
}

for (const v of VARIANTS) {
  test(`${v.name}: every CFA table row matches readelf --debug-dump=frames-interp`, () => {
    const checked = compareWithReadelf(buildC('vars', v), 8);
    assert.ok(checked > 20, `${checked} rows compared`);
  });
}

test('hand-written CFA instructions: rows match readelf, and unwinding follows the DWARF rules', () => {
  const elf = buildAsm('cfi-ops', false);
  assert.ok(compareWithReadelf(elf, 1) >= 14);
  const di = DebugInfo.fromElf(read(elf));
  const mem = new DataView(new ArrayBuffer(0x3000));
  const readMemory = (a: number, n: number) => (a >= 0x8000 && a + n <= 0xb000 ? new Uint8Array(mem.buffer, a - 0x8000, n).slice() : null);
  const put = (a: number, v: number) => mem.setUint32(a - 0x8000, v, true);
  const regs: Regs = { eax: 0xaaaa, ecx: 0x1111, edx: 0xdddd, ebx: 0x2222, esp: 0x8000, ebp: 0x9000, esi: 0x3333, edi: 0x4444 };
  // 0x100079: CFA = [esp+16]; eip at CFA-4; ebp saved at [ebp+8]; edi = ebp+12; esi in ecx; ebx same; eax undefined.
  put(0x8010, 0xa000); put(0x9ffc, 0x100123); put(0x9008, 0x5555);
  let up = di.unwind({ ...regs, eip: 0x100079 }, readMemory)!;
  assert.equal(up.method, 'cfi');
  assert.equal(up.cfa, 0xa000);
  assert.deepEqual(up.regs, { eip: 0x100123, esp: 0xa000, ebp: 0x5555, edi: 0x900c, esi: 0x1111, ebx: 0x2222 });
  // 0x100071: CFA = esp+12; ebx = CFA-8 and esi = CFA+4 (val_offset); edi at CFA+12; ebp at CFA-8.
  put(0x8008, 0x100456); put(0x8018, 0x7777); put(0x8004, 0x6666);
  up = di.unwind({ ...regs, eip: 0x100071 }, readMemory)!;
  assert.deepEqual(up.regs, { eip: 0x100456, esp: 0x800c, ebx: 0x8004, esi: 0x8010, edi: 0x7777, ebp: 0x6666 });
  assert.equal(di.cfiRowAt(0x100031)!.argsSize, 16);
  // A register rule whose expression uses the CFA pushed before it runs: DW_OP_plus_uconst alone.
  assert.deepEqual(evaluate(Uint8Array.of(0x23, 8), { regs: {}, readMemory }, 4, 0, [0xa000]), { kind: 'memory', address: 0xa008 });
});

for (const v of [VARIANTS[0]!, VARIANTS[3]!, VARIANTS[4]!, VARIANTS[5]!]) {
  test(`${v.name}: unwinding at every executed instruction reproduces the shadow call stack`, () => {
    const bytes = read(buildC('vars', v));
    const di = DebugInfo.fromElf(bytes);
    const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
    m.load(loadImage(bytes, { ramBytes: 16 << 20 }));
    const readMemory = (a: number, n: number) => m.readLinear(a, n);
    const shadow: number[] = [];
    const ins = new iced.Instruction();
    let steps = 0, deepest = 0;
    try {
      for (; steps < 200_000; steps++) {
        const regs = m.getRegisters() as unknown as Regs;
        const eip = regs.eip!;
        const fn = di.functionAt(eip);
        if (fn && fn.name !== '_start') {
          const frames = di.stack(regs, readMemory).map((f) => f.regs.eip);
          const want = [eip, ...shadow.slice().reverse()];
          assert.deepEqual(frames.slice(0, want.length), want, `stack at 0x${eip.toString(16)} in ${fn.name} after ${steps} steps`);
          deepest = Math.max(deepest, want.length);
        }
        const code = m.readLinear(eip, 16)!;
        const dec = new iced.Decoder(32, code, iced.DecoderOptions.None);
        dec.ip = BigInt(eip);
        dec.decodeOut(ins);
        const flow = ins.flowControl, len = ins.length;
        dec.free();
        const stop = m.step();
        if (stop.kind === 'halted') break;
        if (flow === iced.FlowControl.Call || flow === iced.FlowControl.IndirectCall) shadow.push((eip + len) >>> 0);
        else if (flow === iced.FlowControl.Return) shadow.pop();
      }
    } finally {
      ins.free();
    }
    assert.ok(steps > 1000 && steps < 200_000, `the kernel ran to its final HLT (${steps} steps)`);
    assert.ok(deepest >= 4, `calls nested ${deepest} deep`);
  });
}
