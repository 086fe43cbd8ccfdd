// DWARF for x86-64 (ELF64, address_size 8, the x86-64 psABI register numbering) against
// binutils and gdb on real gcc -m64 -g builds of src/frames64.c:
// - readelf --debug-dump=frames-interp: every CFA row of every FDE (.eh_frame and .debug_frame);
// - objdump --dwarf=decodedline: the line of every row's address;
// - readelf -s: the ELF64 symbol table;
// - gdb on the ELF: globals (64-bit values beyond 2^53, pointers into the top 2 GiB);
// - gdb running the program natively on the x86-64 host: at each int3 stop, every frame gdb's
//   unwinder finds (through a 64-bit interrupt frame with and without an error code, marked
//   as a signal frame) and the arguments and locals it prints, against our unwinding of the
//   same registers and memory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DebugInfo, X86_64, addressHex } from '../../emulator/loader/dwarf';
import { readImage } from '../../emulator/loader/kernel-image';
import type { CfiRow, Regs } from '../../emulator/loader/dwarf';
import { LineTable } from '../../emulator/loader/dwarf/line-table';
import { DIR, gdb, hasGdb, read, readelf } from './programs';
import { VARIANTS64, buildC64, buildEh64 } from './programs64';

/** A 64-bit hex or decimal text as the reader represents addresses: the signed value. */
const s64 = (text: string): number => Number(BigInt.asIntN(64, BigInt(text)));
/** Hex digits with or without 0x, as binutils prints addresses. */
const h64 = (text: string): number => s64(text.startsWith('0x') ? text : '0x' + text);
const REG = X86_64.regs;

interface ReadelfFde { start: number; end: number; columns: string[]; rows: Array<{ loc: number; cells: string[] }> }

function parseFramesInterp(text: string): ReadelfFde[] {
  const out: ReadelfFde[] = [];
  let cieTables = new Map<string, { columns: string[]; cells: string[] }>();
  let cur: ReadelfFde | null = null;
  let cieOff: string | null = null;
  let columns: string[] = [];
  const fdeCie = new Map<ReadelfFde, string>();
  for (const raw of text.split('\n')) {
    if (/^Contents of the/.test(raw)) { cieTables = new Map(); cur = null; cieOff = null; }
    const line = raw.replace(/r(\d+) \((\w+)\)/g, 'r$1($2)');
    let m = /^([0-9a-f]+) [0-9a-f]+ [0-9a-f]+ FDE cie=([0-9a-f]+) pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line);
    if (m) { cur = { start: h64(m[3]!), end: h64(m[4]!), columns: [], rows: [] }; out.push(cur); fdeCie.set(cur, m[2]!); cieOff = null; (cur as ReadelfFde & { tables?: unknown }).tables = cieTables; continue; }
    m = /^([0-9a-f]+) [0-9a-f]+ [0-9a-f]+ CIE/.exec(line);
    if (m) { cieOff = m[1]!; cur = null; continue; }
    if (/^\s+LOC\s+CFA/.test(line)) { columns = line.trim().split(/\s+/).slice(2); if (cur) cur.columns = columns; continue; }
    m = /^([0-9a-f]{16}) (\S+)\s*(.*)$/.exec(line);
    if (m && (cur || cieOff)) {
      const cells = [m[2]!, ...m[3]!.trim().split(/\s+/).filter(Boolean)];
      if (cieOff) cieTables.set(cieOff, { columns, cells });
      else cur!.rows.push({ loc: h64(m[1]!), cells });
    }
  }
  for (const f of out) {
    const t = ((f as ReadelfFde & { tables?: Map<string, { columns: string[]; cells: string[] }> }).tables)?.get(fdeCie.get(f)!);
    if (f.rows.length === 0 && t) { f.columns = t.columns; f.rows.push({ loc: f.start, cells: t.cells }); }
  }
  return out;
}

function cell(row: CfiRow, column: string, raReg: number): string {
  const n = column === 'ra' ? raReg : REG.indexOf(column);
  const r = row.regs.get(n);
  if (!r || r.kind === 'undefined') return 'u';
  switch (r.kind) {
    case 'same': return 's';
    case 'offset': return `c${r.offset >= 0 ? '+' : ''}${r.offset}`;
    case 'val-offset': return `v${r.offset >= 0 ? '+' : ''}${r.offset}`;
    case 'register': return `r${r.reg}(${REG[r.reg]})`;
    case 'expression': return 'exp';
    case 'val-expression': return 'vexp';
  }
}

function cfaText(row: CfiRow): string {
  return row.cfa.kind === 'reg' ? `${REG[row.cfa.reg]}${row.cfa.offset >= 0 ? '+' : ''}${row.cfa.offset}` : 'exp';
}

/** Every row readelf interprets (at its first and last address) against ours; the number compared. */
function compareFrames(elf: string, minFdes: number): { rows: number; di: DebugInfo } {
    const di = DebugInfo.fromElf(read(elf));
    assert.equal(di.arch.name, 'x86-64');
    const expected = parseFramesInterp(readelf(elf, ['--debug-dump=frames-interp']));
    assert.ok(expected.length >= minFdes, `readelf lists the FDEs (${expected.length})`);
    assert.equal(di.frames.size, expected.length, 'one FDE each');
    let rows = 0;
    for (const f of expected) {
      const fde = di.frames.find(f.start);
      assert.ok(fde, `an FDE covers ${addressHex(f.start)}`);
      assert.equal(fde.start, f.start);
      assert.equal(fde.end, f.end);
      for (let i = 0; i < f.rows.length; i++) {
        const r = f.rows[i]!;
        const last = (i + 1 < f.rows.length ? f.rows[i + 1]!.loc : f.end) - 1;
        for (const pc of new Set([r.loc, last])) {
          const row = di.cfiRowAt(pc)!;
          const where = `${elf} ${addressHex(pc)}`;
          assert.equal(cfaText(row), r.cells[0], `${where}: CFA`);
          f.columns.forEach((col, k) => assert.equal(cell(row, col, fde.cie.raReg), r.cells[k + 1], `${where}: ${col}`));
          rows++;
        }
      }
    }
    return { rows, di };
}

test('x86-64 .eh_frame with 8-byte pointer encodings (udata8, pcrel|sdata8, personality, LSDA, S) in the top 2 GiB equals readelf', () => {
  const elf = buildEh64();
  const { rows, di } = compareFrames(elf, 3);
  assert.ok(rows >= 6, `${rows} rows`);
  const encodings = di.frames.all().map((f) => [f.cie.fdeEncoding, f.cie.signalFrame]);
  assert.deepEqual(encodings, [[0x04, false], [0x1c, true], [0x1c, true]]);
  assert.equal(addressHex(di.frames.all()[0]!.start), '0xffffffff80001000');
});

test('x86-64 DWARF register numbers: general, XMM, x87, MMX, RFLAGS, segment and FS/GS base registers as GAS numbers and readelf names them', () => {
  const elf = buildEh64('regs64');
  const named = [...readelf(elf, ['--debug-dump=frames']).matchAll(/DW_CFA_offset(?:_extended)?: r(\d+) \(([\w.]+)\)/g)].map((m) => [Number(m[1]), m[2]!] as const);
  assert.ok(named.length >= 23, `${named.length} registers named`);
  for (const [n, name] of named) assert.equal(X86_64.regs[n], name, `DWARF register ${n}`);
  // And the rows themselves, with a column for each of them.
  const { rows } = compareFrames(elf, 1);
  assert.ok(rows >= 2);
});

for (const v of VARIANTS64) {
  test(`x86-64 ${v.name}: every CFA row equals readelf's frames-interp`, () => {
    const { rows, di } = compareFrames(buildC64(v), 8);
    // The stubs' two signal frames ('S' augmentation) are among them.
    assert.equal(di.frames.all().filter((f) => f.cie.signalFrame).length, 2, 'two signal-frame FDEs');
    assert.ok(rows > 30, `${rows} rows compared`);
  });

  test(`x86-64 ${v.name}: the line of every address objdump decodes`, () => {
    const elf = buildC64(v);
    const lines = LineTable.fromImage(read(elf));
    const text = execFileSync('objdump', ['--dwarf=decodedline', elf], { encoding: 'utf8', maxBuffer: 64 << 20 });
    // The last row at an address gives its line (addr2line's rule, and LineTable.lookup's).
    const byAddress = new Map<number, { file: string; line: number }>();
    for (const l of text.split('\n')) {
      const m = /^(\S+)\s+(\d+)\s+(0x[0-9a-f]+)(\s+\d+)?(\s+x)?\s*$/.exec(l);
      if (m) byAddress.set(h64(m[3]!), { file: m[1]!, line: Number(m[2]) });
    }
    assert.ok(byAddress.size > 40, `objdump decoded ${byAddress.size} addresses`);
    let compared = 0;
    for (const [addr, want] of byAddress) {
      const got = lines.lookup(addr);
      if (!got) continue;   // an address that only ends a sequence
      assert.equal(got.line, want.line, `${v.name} ${addressHex(addr)}: line`);
      assert.ok(got.file.endsWith('/' + want.file) || got.file === want.file, `${v.name} ${addressHex(addr)}: ${got.file} is ${want.file}`);
      compared++;
    }
    assert.ok(compared >= byAddress.size - 8, `${compared} of ${byAddress.size} compared`);
  });
}

test('ELF64 symbols: every readelf -s entry, values in the top 2 GiB exact', () => {
  const elf = buildC64(VARIANTS64.find((v) => v.name === 'O2-kernel')!);
  const image = readImage(read(elf));
  assert.equal(image.format, 'elf');
  const ours = image.format === 'elf' ? image.symbols() : [];
  const rows = readelf(elf, ['-sW']).split('\n').map((l) => /^\s*\d+: ([0-9a-f]{16})\s+(\d+|0x[0-9a-f]+)\s+(\w+)\s+(\w+)\s+\w+\s+(\w+)\s*(\S*)$/.exec(l)).filter((m) => m && m[6]);
  assert.ok(rows.length >= 10);
  for (const m of rows) {
    const s = ours.find((x) => x.name === m![6] && x.value === h64(m![1]!));
    assert.ok(s, `${m![6]} at ${m![1]}`);
    assert.equal(s.size, Number(m![2]), `${m![6]} size`);
  }
  const leaf = ours.find((s) => s.name === 'leaf')!;
  assert.equal(addressHex(leaf.value).slice(0, 10), '0xffffffff', 'an upper-half address survives');
  const di = DebugInfo.fromElf(read(elf));
  assert.equal(di.functionByName('leaf')!.lowPc, leaf.value, 'DWARF and the symbol table agree');
});

/** Memory as the ELF64 file describes it before it runs (PT_LOAD at p_vaddr, bss zero). */
function elfMemory64(bytes: Uint8Array): (a: number, n: number) => Uint8Array | null {
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const phoff = Number(dv.getBigUint64(0x20, true)), phnum = dv.getUint16(0x38, true);
  const segs: Array<{ vaddr: number; offset: number; filesz: number; memsz: number }> = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * 56;
    if (dv.getUint32(o, true) !== 1) continue;
    segs.push({ offset: Number(dv.getBigUint64(o + 8, true)), vaddr: Number(dv.getBigInt64(o + 16, true)), filesz: Number(dv.getBigUint64(o + 32, true)), memsz: Number(dv.getBigUint64(o + 40, true)) });
  }
  return (a, n) => {
    for (const p of segs) {
      if (a < p.vaddr || a + n > p.vaddr + p.memsz) continue;
      const out = new Uint8Array(n), rel = a - p.vaddr;
      const k = Math.max(0, Math.min(n, p.filesz - rel));
      if (k > 0) out.set(bytes.subarray(p.offset + rel, p.offset + rel + k));
      return out;
    }
    return null;
  };
}

for (const name of ['O0', 'O2-kernel']) {
  test(`x86-64 ${name}: globals print as gdb prints them from the ELF`, { skip: !hasGdb }, () => {
    const elf = buildC64(VARIANTS64.find((v) => v.name === name)!);
    const bytes = read(elf);
    const di = DebugInfo.fromElf(bytes);
    const readMemory = elfMemory64(bytes);
    const names = ['big', 'global_pair', 'ratio', 'counters', 'label', 'sink'];
    const out = gdb(elf, names.map((n) => `print ${n}`));
    const values = [...out.matchAll(/^\$\d+ = (.*)$/gm)].map((m) => m[1]!);
    assert.equal(values.length, names.length, out);
    names.forEach((n, i) => {
      const g = di.globals().find((x) => x.name === n)!;
      const r = di.readVariable(g, { regs: {}, readMemory }, null);
      assert.ok(r.ok, `${n}: ${!r.ok && r.reason}`);
      assert.equal(r.text, values[i], n);
    });
  });
}

interface GdbFrame { pc: string; sp: string; name: string | null; signal: boolean; vars: Array<{ name: string; arg: boolean; value: string }> }
interface GdbStop { regs: Record<string, string>; memory: Array<{ start: string; hex: string }>; frames: GdbFrame[] }

function gdbStops(elf: string): GdbStop[] {
  const dir = mkdtempSync(join(tmpdir(), 'frames64-'));
  try {
    const out = join(dir, 'stops.json');
    const r = spawnSync('gdb', ['-nx', '-batch', '-x', join(DIR, 'gdb-frames64.py'), elf], { encoding: 'utf8', env: { ...process.env, FRAMES64_OUT: out }, timeout: 120_000 });
    try { return JSON.parse(readFileSync(out, 'utf8')) as GdbStop[]; }
    catch { throw new Error(`gdb wrote no stops: ${r.stdout}\n${r.stderr}`); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** gdb can start a process here (ptrace allowed) and runs Python. */
const canRun = hasGdb && process.arch === 'x64' && spawnSync('gdb', ['-nx', '-batch', '-ex', 'python print(1)'], { encoding: 'utf8' }).stdout.trim() === '1';

for (const v of VARIANTS64.filter((x) => x.runs)) {
  test(`x86-64 ${v.name}: frames, arguments and locals at each stop equal gdb's on the native process`, { skip: !canRun, timeout: 180_000 }, (t) => {
    const elf = buildC64(v);
    const di = DebugInfo.fromElf(read(elf));
    const stops = gdbStops(elf);
    assert.equal(stops.length, 4, 'four stops: plain calls, interrupt frame, interrupt frame with error code, a double argument');
    let frames = 0, values = 0, signal = 0, clobberedSkipped = 0;
    for (const [k, stop] of stops.entries()) {
      const regions = stop.memory.map((m) => ({ start: s64(m.start), bytes: Buffer.from(m.hex, 'hex') }));
      const readMemory = (a: number, n: number): Uint8Array | null => {
        for (const r of regions) if (a >= r.start && a + n <= r.start + r.bytes.length) return new Uint8Array(r.bytes.subarray(a - r.start, a - r.start + n));
        return null;
      };
      const regs: Regs = {};
      for (const [name, val] of Object.entries(stop.regs)) if (!name.startsWith('xmm')) regs[name === 'eflags' ? 'rflags' : name] = s64(val);
      // The registers' exact bytes: 8 for the general ones, 16 for XMM (what regBytes gives the reader).
      const exact = (name: string): Uint8Array | undefined => {
        const v = stop.regs[name === 'rflags' ? 'eflags' : name];
        if (v === undefined) return undefined;
        const b = new Uint8Array(name.startsWith('xmm') ? 16 : 8);
        const dv = new DataView(b.buffer);
        dv.setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
        if (b.length === 16) dv.setBigUint64(8, BigInt(v) >> 64n, true);
        return b;
      };
      const ours = di.stack(regs, readMemory, stop.frames.length + 2, exact);
      const where = `${v.name} stop ${k}`;
      assert.deepEqual(ours.map((f) => addressHex(f.regs.rip!)), stop.frames.map((f) => addressHex(s64(f.pc))), `${where}: frame PCs`);
      assert.deepEqual(ours.map((f) => addressHex(f.regs.rsp!)), stop.frames.map((f) => addressHex(s64(f.sp))), `${where}: frame SPs`);
      for (const [i, g] of stop.frames.entries()) {
        const f = ours[i]!;
        frames++;
        // The frame above a signal frame is the interrupted instruction itself.
        if (i > 0 && stop.frames[i - 1]!.signal) { assert.equal(f.exactPc, true, `${where} #${i}: exact pc after the interrupt frame`); signal++; }
        if (g.name && !g.signal) assert.equal(f.function?.name ?? g.name, g.name, `${where} #${i}: function`);
        const pc = f.exactPc ? f.regs.rip! : f.regs.rip! - 1;
        const at = di.variablesAt(pc);
        for (const gv of g.vars) {
          if (/optimized out|<error/.test(gv.value)) continue;
          const mine = at?.params.find((x) => x.name === gv.name) ?? at?.locals.find((x) => x.name === gv.name);
          assert.ok(mine, `${where} #${i}: ${gv.name} is visible`);
          const r = di.readVariable(mine, { regs: f.regs, readMemory, innermost: f.exactPc, ...(f.regBytes ? { regBytes: f.regBytes } : {}) }, at!.function);
          const text = r.ok ? r.text : r.reason;
          // gdb's amd64 unwinder takes a register without a CFI rule to keep its value in the
          // caller (DWARF2_FRAME_REG_UNSPECIFIED as same_value), even the call-clobbered RDI,
          // RSI, ...; the psABI says a caller's value of those is lost, and so do we.
          const clobbered = /^<(?:error: )?register (\w+) (?:is )?not available>$/.exec(text);
          if (i > 0 && clobbered && X86_64.callClobbered.has(REG.indexOf(clobbered[1]!))) { clobberedSkipped++; continue; }
          assert.equal(text, gv.value, `${where} #${i} ${g.name}: ${gv.name}`);
          values++;
        }
      }
    }
    assert.ok(signal >= 2, 'unwound through both interrupt frames');
    t.diagnostic(`${frames} frames, ${values} values equal to gdb's, ${clobberedSkipped} in call-clobbered registers of callers (gdb: same value; us: lost)`);
    assert.ok(values >= 10, `${values} values compared`);
  });
}
