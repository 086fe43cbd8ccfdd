// Broken debug information gets a DwarfError (or ImageError for a broken ELF) and never a host
// exception or hang: hand-made defects first, then seeded random corruption of real images.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DebugInfo, DwarfError, evaluate } from '../../emulator/loader/dwarf';
import type { Regs } from '../../emulator/loader/dwarf';
import { ImageError } from '../../emulator/loader/image-error';
import { parseElf32 } from '../../emulator/loader/elf';
import { VARIANTS, buildC, read } from './programs';

function clearError(e: unknown): void {
  assert.ok(e instanceof DwarfError || e instanceof ImageError, `expected a DwarfError or ImageError, got ${(e as Error)?.stack ?? e}`);
  assert.ok((e as Error).message.length > 10);
}

function section(bytes: Uint8Array, name: string): { offset: number; size: number; header: number } {
  const elf = parseElf32(bytes);
  const s = elf.sections.find((x) => x.name === name);
  assert.ok(s, `${name} exists`);
  return { offset: s.offset, size: s.size, header: elf.header.shoff + s.index * elf.header.shentsize };
}

function setU32(b: Uint8Array, at: number, v: number): void { new DataView(b.buffer, b.byteOffset).setUint32(at, v, true); }

const base = () => read(buildC('vars', VARIANTS[0]!));

test('a truncated .debug_info, .debug_abbrev or .eh_frame is a DwarfError naming the section', () => {
  for (const name of ['.debug_info', '.debug_abbrev', '.eh_frame']) {
    const b = base().slice();
    const s = section(b, name);
    setU32(b, s.header + 20, Math.floor(s.size / 2));   // sh_size
    assert.throws(() => DebugInfo.fromElf(b), (e: Error) => { clearError(e); return e.message.includes(name); }, name);
  }
});

test('an undefined abbreviation code is reported with the DIE offset', () => {
  const b = base().slice();
  const s = section(b, '.debug_info');
  // The root DIE's abbreviation code follows the 12-byte DWARF 5 unit header.
  b[s.offset + 12] = 0x7f;
  assert.throws(() => DebugInfo.fromElf(b), /abbreviation code 127, which the table at 0x0 does not define/);
});

test('an unknown DWARF version and an unknown form are errors', () => {
  let b = base().slice();
  let s = section(b, '.debug_info');
  b[s.offset + 4] = 9;
  assert.throws(() => DebugInfo.fromElf(b), /unsupported DWARF version 9/);
  b = base().slice();
  s = section(b, '.debug_abbrev');
  // First abbreviation: code, tag, children flag, then (attribute, form) pairs; corrupt the first form.
  b[s.offset + 4] = 0x7e;
  assert.throws(() => DebugInfo.fromElf(b), /unknown attribute form 0x7e/);
});

test('location expressions that loop, underflow or run off the end stop with an error', () => {
  const frame = { regs: { esp: 0x1000 } as Regs, readMemory: () => null };
  assert.throws(() => evaluate(Uint8Array.of(0x2f, 0xfd, 0xff), frame), /too many steps/);      // DW_OP_skip -3: itself
  assert.throws(() => evaluate(Uint8Array.of(0x22), frame), /stack underflow/);                 // DW_OP_plus on an empty stack
  assert.throws(() => evaluate(Uint8Array.of(0x03, 0x00, 0x10), frame), /truncated/);           // DW_OP_addr cut short
  assert.throws(() => evaluate(Uint8Array.of(0x74, 0x00, 0x06), frame), /cannot read 4 bytes of memory at 0x1000/); // breg4 0; deref
  assert.throws(() => evaluate(Uint8Array.of(0x75, 0x00), frame), /register ebp is not available/);
  assert.throws(() => evaluate(Uint8Array.of(0xfe), frame), /unsupported operation 0xfe/);
  assert.deepEqual(evaluate(Uint8Array.of(0x74, 0x08, 0x9f), frame), { kind: 'value', value: 0x1008 });
});

/** xorshift32: the same corruption on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

for (const v of [VARIANTS[0]!, VARIANTS[2]!, VARIANTS[4]!, VARIANTS[5]!]) {
  test(`${v.name}: 100 seeded corruptions of the debug sections never crash or hang`, () => {
    const clean = read(buildC('vars', v));
    const targets = ['.debug_info', '.debug_abbrev', '.debug_loclists', '.debug_loc', '.debug_rnglists', '.debug_ranges', '.debug_frame', '.eh_frame', '.debug_str', '.debug_line']
      .flatMap((n) => { try { return [section(clean, n)]; } catch { return []; } });
    let parsed = 0, refused = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const r = rng(seed * 7919 + v.name.length);
      const b = clean.slice();
      const s = targets[r() % targets.length]!;
      const mode = r() % 3;
      if (mode === 0) for (let k = 0; k < 1 + (r() % 8); k++) b[s.offset + (r() % s.size)] = r() & 0xff;   // random bytes
      else if (mode === 1) setU32(b, s.header + 20, r() % s.size);                                        // truncate
      else { const at = s.offset + (r() % Math.max(1, s.size - 4)); setU32(b, at, r()); }                  // a random word
      let di: DebugInfo;
      try { di = DebugInfo.fromElf(b, { tolerant: seed % 2 === 0 }); parsed++; } catch (e) { clearError(e); refused++; continue; }
      const mem = new Uint8Array(256).map(() => r() & 0xff);
      const readMemory = (a: number, n: number) => (n <= 256 && (a & 0xfff) < 0x800 ? mem.subarray(0, n) : null);
      const regs: Regs = { eax: r(), ecx: r(), edx: r(), ebx: r(), esp: 0x8f000, ebp: 0x8f100, esi: r(), edi: r(), eip: 0 };
      try {
        for (const f of di.allFunctions().slice(0, 20)) {
          for (const pc of [f.lowPc, f.lowPc + 3, f.highPc - 1]) {
            const state = { regs: { ...regs, eip: pc }, readMemory };
            const va = di.variablesAt(pc);
            for (const x of va ? [...va.params, ...va.locals] : []) di.readVariable(x, state, va!.function);
            di.stack(state.regs, readMemory, 8);
          }
        }
        for (const g of di.globals()) di.readVariable(g, { regs, readMemory });
      } catch (e) {
        clearError(e);
      }
    }
    assert.equal(parsed + refused, 100);
    assert.ok(refused > 0, 'some corruptions are refused');
  });
}

test('tolerant reading skips a broken unit and keeps the frame table', () => {
  const b = base().slice();
  const s = section(b, '.debug_info');
  b[s.offset + 12] = 0x7f;
  const di = DebugInfo.fromElf(b, { tolerant: true });
  assert.equal(di.units.length, 0);
  assert.match(di.warnings.join('\n'), /abbreviation code 127/);
  assert.ok(di.frames.size >= 8);
});

test('random location expressions and random frame sections end in a result or a DwarfError', () => {
  const r = rng(4242);
  const mem = new Uint8Array(64).map(() => r() & 0xff);
  const frame = { regs: { eax: 1, ecx: 2, edx: 3, ebx: 4, esp: 0x1000, ebp: 0x1010, esi: 5, edi: 6, eip: 7 } as Regs,
    readMemory: (a: number, n: number) => (a >= 0x1000 && a + n <= 0x1040 ? mem.subarray(a - 0x1000, a - 0x1000 + n) : null),
    cfa: 0x1020, frameBase: 0x1008, entryRegs: { esp: 0x101c } as Regs };
  let results = 0, errors = 0;
  for (let i = 0; i < 3000; i++) {
    const expr = new Uint8Array(1 + (r() % 12)).map(() => r() & 0xff);
    try { evaluate(expr, frame); results++; } catch (e) { clearError(e); errors++; }
  }
  assert.ok(results > 100 && errors > 100, `${results} results, ${errors} errors`);
  // A CIE and an FDE whose programs are random bytes.
  for (let i = 0; i < 500; i++) {
    const prog = Array.from({ length: 1 + (r() % 24) }, () => r() & 0xff);
    const cie = [0xff, 0xff, 0xff, 0xff, 4, 0, 4, 0, 1, 0x7c, 8, ...prog];
    const fde = [0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00, 0x40, 0, 0, 0, ...prog];
    const words = (n: number) => [n & 0xff, (n >> 8) & 0xff, 0, 0];
    const sec = Uint8Array.from([...words(cie.length), ...cie, ...words(fde.length), ...fde]);
    try {
      const di = DebugInfo.fromSections({ frame: sec });
      for (const pc of [0x100000, 0x100001, 0x100020, 0x10003f]) {
        di.cfiRowAt(pc);
        di.unwind({ ...frame.regs, eip: pc }, frame.readMemory);
      }
    } catch (e) { clearError(e); }
  }
});
