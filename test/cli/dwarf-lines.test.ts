// The CLI's .debug_line reader against addr2line (binutils) on guests built with line
// information by nasm (DWARF 2/3) and gcc 12 (DWARF 5).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineTable } from '../../emulator/loader/dwarf/line-table';
import { parseElf32 } from '../../emulator/loader';
import { addr2line, buildGuest, symbolAddress } from './harness';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'paravirt-dwarf-')); });

function compareEveryAddress(elf: string, from: number, to: number): number {
  const table = LineTable.fromImage(new Uint8Array(readFileSync(elf)));
  const addresses: number[] = [];
  for (let a = from; a < to; a++) addresses.push(a);
  const reference = addr2line(elf, addresses);
  let withLine = 0;
  addresses.forEach((a, i) => {
    const mine = table.lookup(a);
    const ref = reference[i];
    if (!ref) { assert.equal(mine, undefined, `0x${a.toString(16)}: addr2line has no line, we say ${JSON.stringify(mine)}`); return; }
    assert.ok(mine, `0x${a.toString(16)}: addr2line says ${ref.join(':')}, we have nothing`);
    assert.equal(mine.line, ref[1], `0x${a.toString(16)}`);
    // addr2line prefixes the compilation directory from .debug_info; the file must end the same
    assert.ok(ref[0].endsWith(mine.file.replace(/^\.\//, '')), `0x${a.toString(16)}: ${mine.file} vs ${ref[0]}`);
    withLine++;
  });
  return withLine;
}

test('nasm -g -F dwarf: every address of the kernel maps to the line addr2line gives', () => {
  const elf = buildGuest(dir, 'exits', true);
  const start = symbolAddress(elf, '_start');
  const n = compareEveryAddress(elf, start - 16, start + 0x100);
  assert.ok(n > 100, `only ${n} addresses had a line`);
});

test('gcc -g (DWARF 5): every address of main maps to the line addr2line gives', () => {
  const elf = buildGuest(dir, 'cexits', true);
  const main = symbolAddress(elf, 'main');
  const n = compareEveryAddress(elf, main, main + 0x60);
  assert.ok(n > 40, `only ${n} addresses had a line`);
});

test('images without line information, and non-ELF bytes, give an empty table', () => {
  const elf = buildGuest(dir, 'halt', false);
  assert.equal(LineTable.fromImage(new Uint8Array(readFileSync(elf))).size, 0);
  assert.equal(LineTable.fromImage(new Uint8Array(100)).size, 0);
});

test('a damaged line table costs only the lines, never an exception', () => {
  const elf = new Uint8Array(readFileSync(buildGuest(dir, 'cexits', true)));
  const sec = parseElf32(elf).sections.find((x) => x.name === '.debug_line')!;
  assert.ok(sec.size > 0);
  for (let seed = 1; seed <= 300; seed++) {
    const copy = elf.slice();
    let x = seed * 2654435761 >>> 0;
    for (let k = 0; k < 1 + (seed % 8); k++) {
      x = (x * 1103515245 + 12345) >>> 0;
      copy[sec.offset + (x % sec.size)] = x >>> 24;
    }
    const t = LineTable.fromImage(copy);
    t.lookup(0x100020);
  }
});
