// A .debug_frame that holds a zero-length entry (the terminator GNU ld keeps from NASM
// objects) reads as readelf reads it: the entry is skipped and every FDE after and before
// it is kept, so the debugger keeps the kernel's DWARF. Which sample flavour ld leaves one
// in depends on the link's layout (a rebuild moved it from the PV sample to the HVM one),
// so the first test reads every sample that has one and requires at least one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DebugInfo, sectionsOf } from '../../emulator/loader/dwarf';
import { parseFrameSection } from '../../emulator/loader/dwarf/cfi';
import { readImage } from '../../emulator/loader';

const SAMPLES = ['sample-pv.elf', 'sample-hvm.elf'].map((f) => join(import.meta.dirname, '..', '..', 'examples/sample/build', f));
const PV = SAMPLES[0];

test('a sample with a zero-length .debug_frame entry: its DWARF reads without error and it has the FDEs readelf lists', () => {
  let checked = 0;
  for (const path of SAMPLES) {
    const readelf = spawnSync('readelf', ['--debug-dump=frames', path], { encoding: 'utf8' });
    assert.equal(readelf.status, 0, readelf.stderr);
    if (!/ZERO terminator/.test(readelf.stdout)) continue;
    checked++;
    const bytes = new Uint8Array(readFileSync(path));
    const dwarf = DebugInfo.fromElf(bytes);
    assert.deepEqual(dwarf.warnings, [], path);
    assert.ok(dwarf.allFunctions().some((f) => f.name === 'kmain'), path);
    const theirs = readelf.stdout.split('\n').filter((l) => / FDE cie=/.test(l)).length;
    const image = readImage(bytes);
    assert.equal(image.format, 'elf');
    if (image.format !== 'elf') return;
    const frame = sectionsOf(image.elf()).frame!;
    assert.equal(parseFrameSection(frame, false).length, theirs, path);
  }
  assert.ok(checked > 0, 'no sample still has the zero-length entry this test is about');
});

test('a zero-length entry between FDEs is skipped, not the end of the section', () => {
  const bytes = new Uint8Array(readFileSync(PV));
  const image = readImage(bytes);
  if (image.format !== 'elf') throw new Error('not ELF');
  const frame = sectionsOf(image.elf()).frame!;
  const all = parseFrameSection(frame, false);
  // The same section with four zero bytes after its first entry (a CIE).
  const firstLen = new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0, true) + 4;
  const padded = new Uint8Array(frame.length + 4);
  padded.set(frame.subarray(0, firstLen));
  padded.set(frame.subarray(firstLen), firstLen + 4);
  // FDEs name their CIE by section offset: every FDE after the inserted entry points 4 bytes later.
  const dv = new DataView(padded.buffer);
  for (let o = firstLen + 4; o + 8 <= padded.length;) {
    const len = dv.getUint32(o, true);
    if (len === 0) { o += 4; continue; }
    const id = dv.getUint32(o + 4, true);
    if (id !== 0xffffffff && id >= firstLen) dv.setUint32(o + 4, id + 4, true);
    o += 4 + len;
  }
  assert.deepEqual(parseFrameSection(padded, false).map((f) => [f.start, f.end]), all.map((f) => [f.start, f.end]));
});
