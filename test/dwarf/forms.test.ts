// DWARF 5's indexed forms (strx1-4, addrx1, rnglistx, loclistx), implicit_const, data16 and
// line_strp, from a hand-written unit (src/forms5.asm) whose bytes readelf decodes as the
// oracle; and what nasm -F dwarf emits for an assembly kernel, run on our Machine.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../emulator/machine';
import { loadImage } from '../../emulator/loader/index';
import { parseElf32, readSymbols } from '../../emulator/loader/elf';
import { DebugInfo } from '../../emulator/loader/dwarf';
import type { Regs } from '../../emulator/loader/dwarf';
import { buildAsm, read, readelf } from './programs';

test('hand-written DWARF 5 with indexed forms reads as readelf decodes it', () => {
  const elf = buildAsm('forms5', false);
  const di = DebugInfo.fromElf(read(elf));
  const info = readelf(elf, ['--debug-dump=info']);
  const attr = (name: string, nth = 0): string => {
    const all = [...info.matchAll(new RegExp(`${name}\\s*:\\s*(?:\\((?:indexed string|indirect line string, offset)[^)]*\\):\\s*)?(.*)`, 'g'))];
    return all[nth]![1]!.trim();
  };
  assert.equal(di.units.length, 1);
  const cu = di.units[0]!;
  assert.equal(cu.name, attr('DW_AT_name', 0));
  assert.equal(cu.producer, attr('DW_AT_producer'));
  assert.equal(cu.compDir, attr('DW_AT_comp_dir'));
  const low = parseInt(/DW_AT_low_pc\s*:\s*\(index: 0\):\s*0x([0-9a-f]+)/.exec(info)![1]!, 16);
  const len = parseInt(/DW_AT_high_pc\s*:\s*0x([0-9a-f]+)/.exec(info)![1]!, 16);
  assert.deepEqual(cu.ranges, [[low, low + len]]);

  const fn = di.functionByName(attr('DW_AT_name', 3));
  assert.ok(fn, 'the strx3-named subprogram');
  assert.equal(fn.declLine, Number(attr('DW_AT_decl_line')));
  const ranges = [...readelf(elf, ['--debug-dump=Ranges']).matchAll(/^\s+[0-9a-f]{8} ([0-9a-f]{8}) ([0-9a-f]{8})\s*$/gm)].map((m) => [parseInt(m[1]!, 16), parseInt(m[2]!, 16)]);
  assert.deepEqual(fn.ranges, ranges, 'rnglistx ranges');
  assert.equal(di.functionAt(ranges[0]![0]! + 5), fn);
  assert.equal(di.functionAt(ranges[0]![1]!), null, 'the gap between the ranges');
  assert.equal(di.functionAt(ranges[1]![0]!), fn);

  const va = di.variablesAt(fn.lowPc)!;
  assert.deepEqual(va.params.map((p) => p.name), [attr('DW_AT_name', 4)]);
  assert.deepEqual(va.locals.map((p) => p.name), [attr('DW_AT_name', 5)]);
  const listed = va.locals[0]!;
  const list = di.locationList(listed)!;
  // .debug_addr index 0 is the unit's low_pc; offset_pair is relative to that base.
  assert.deepEqual(list.map((e) => [e.start, e.end, [...e.expr]]), [
    [low, low + 8, [0x50]], [low + 8, low + 0x10, [0x91, 0x78]], [0x100020, 0x100024, [0x33, 0x9f, 0x93, 0x04]]]);
  const loclists = readelf(elf, ['--debug-dump=loc']);
  assert.match(loclists, /00100020 00100024 DW_OP_lit3; DW_OP_stack_value; DW_OP_piece: 4/, 'readelf agrees on the start_length entry');
  const readMemory = (a: number, n: number) => (a >= 0x8f000 && a + n <= 0x90000 ? new Uint8Array(n).fill(0x11) : null);
  const at = (eip: number) => ({ regs: { eax: 0x1234, esp: 0x8ff00, eip } as Regs, cfa: 0x8ff80, readMemory });
  assert.deepEqual(di.evaluateLocation(listed, at(low + 4)), { kind: 'register', reg: 0, name: 'eax' });
  assert.deepEqual(di.evaluateLocation(listed, at(low + 9)), { kind: 'memory', address: 0x8ff80 - 8 });
  assert.equal((di.readVariable(listed, at(0x100021)) as { text: string }).text, '3');
  assert.equal((di.readVariable(listed, at(low + 4)) as { text: string }).text, String(0x1234));
  assert.deepEqual(di.evaluateLocation(listed, at(0x100018)), { kind: 'optimized-out' }, 'outside every entry');
  assert.deepEqual(di.evaluateLocation(va.params[0]!, at(low)), { kind: 'memory', address: 0x8ff80 });

  const wide = di.globals().find((g) => g.name === 'wide_const')!;
  const hex = /DW_AT_const_value\s*:\s*0x([0-9a-f]+)/.exec(info)![1]!;
  const r = di.readVariable(wide, { regs: {}, readMemory });
  assert.ok(r.ok);
  assert.equal(r.text, BigInt.asIntN(128, BigInt('0x' + hex)).toString());
});

test('nasm -F dwarf: the compile unit and its range, and EBP-chain unwinding where there is no CFI', () => {
  const elf = buildAsm('start');
  const bytes = read(elf);
  const di = DebugInfo.fromElf(bytes);
  const info = readelf(elf, ['--debug-dump=info']);
  assert.equal(di.units.length, 1);
  assert.equal(di.units[0]!.name, /DW_AT_name\s*:\s*(.*)/.exec(info)![1]!.trim());
  assert.match(di.units[0]!.producer, /^NASM/);
  const low = parseInt(/DW_AT_low_pc\s*:\s*0x([0-9a-f]+)/.exec(info)![1]!, 16);
  const high = parseInt(/DW_AT_high_pc\s*:\s*0x([0-9a-f]+)/.exec(info)![1]!, 16);
  assert.deepEqual(di.units[0]!.ranges, [[low, high]]);
  assert.equal(di.allFunctions().length, 0, "nasm's subprogram has only a low_pc: no extent, no function");
  assert.equal(di.frames.size, 0);

  const syms = readSymbols(parseElf32(bytes));
  const start = syms.find((s) => s.name === '_start')!.value;
  const work = syms.find((s) => s.name === 'work')!.value;
  const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
  m.load(loadImage(bytes, { ramBytes: 16 << 20 }));
  m.addBreakpoint(work + 3);   // after push ebp (1 byte) and mov ebp, esp (2 bytes)
  assert.deepEqual(m.run(100_000), { kind: 'breakpoint', address: work + 3 });
  const up = di.unwind(m.getRegisters() as unknown as Regs, (a, n) => m.readLinear(a, n));
  assert.ok(up);
  assert.equal(up.method, 'ebp-chain');
  assert.equal(up.regs.eip, start + 10, 'returns after mov esp, imm32 (5 bytes) and call rel32 (5 bytes)');
  assert.equal(up.regs.esp, 0x90000);
});
