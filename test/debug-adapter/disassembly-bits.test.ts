// Disassembly in the bitness of the code: the CPU state picks 16, 32 or 64 (CS.L under
// EFER.LMA is 64-bit mode, CS.D 32-bit code, compatibility mode by CS.D as well), and 64-bit
// code read that way splits into the instructions objdump finds in gcc -m64 objects, while a
// 32-bit reading of the same bytes does not. The DAP-level test on a running 64-bit guest is
// in long-mode-disassembly.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeBits } from '../../debug-adapter/engine/cpu-view';
import { Disassembler } from '../../debug-adapter/disassembly';
import { decodeInfo } from '../../emulator/isa';
import { runFlat, runReal } from '../cpu/harness';
import { ROOT } from './harness';

test('the code size follows the CPU: real mode 16, CS.D 32, 64-bit mode 64, compatibility mode by CS.D', () => {
  const real = runReal('hlt').m;
  assert.equal(codeBits(real), 16);
  const flat = runFlat('hlt').m;
  assert.equal(codeBits(flat), 32);
  // The long-mode fields of the CPU contract: long64 is EFER.LMA && CS.L, lma mirrors EFER.LMA.
  const cpu = flat.cpu as unknown as { long64: boolean; lma: boolean; cs32: boolean };
  cpu.lma = true; cpu.long64 = true;
  assert.equal(codeBits(flat), 64);
  cpu.long64 = false;
  assert.equal(codeBits(flat), 32, 'compatibility mode with a 32-bit CS');
  cpu.cs32 = false;
  assert.equal(codeBits(flat), 16, 'compatibility mode with a 16-bit CS');
});

interface ObjdumpLine { offset: number; length: number; mnemonic: string }

/** objdump's instructions of an object's .text (Intel syntax), continuation lines folded in. */
function objdumpText(obj: string): ObjdumpLine[] {
  const out: ObjdumpLine[] = [];
  const r = spawnSync('objdump', ['-d', '-M', 'intel', '-j', '.text', obj], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const line of r.stdout.split('\n')) {
    const m = /^\s+([0-9a-f]+):\t([0-9a-f ]+?)\s*(?:\t(.*))?$/.exec(line);
    if (!m) continue;
    const bytes = m[2]!.split(' ').length;
    if (m[3] === undefined) { out[out.length - 1]!.length += bytes; continue; }
    out.push({ offset: parseInt(m[1]!, 16), length: bytes, mnemonic: firstWord(m[3]) });
  }
  return out;
}

/** Prefix words both tools may print before the mnemonic. */
const PREFIX_WORDS = new Set(['cs', 'ds', 'es', 'ss', 'fs', 'gs', 'data16', 'addr32', 'o16', 'a32', 'lock', 'rep', 'repe', 'repz', 'repne', 'repnz', 'bnd', 'notrack']);
/** objdump's Intel spellings that iced's NASM formatter spells otherwise. */
const SPELLING: Record<string, string> = { movabs: 'mov', sysretd: 'sysret' };

function firstWord(text: string): string {
  const words = text.trim().split(/\s+/);
  while (words.length > 1 && PREFIX_WORDS.has(words[0]!)) words.shift();
  // NASM writes SYSRETQ as `o64 sysret`.
  const w = words[0] === 'o64' && words.length > 1 ? words[1]!.toLowerCase() + 'q' : words[0]!.toLowerCase();
  return SPELLING[w] ?? w;
}

/** The .text of an object file, as objcopy extracts it. */
function textOf(obj: string, dir: string): Uint8Array {
  const out = join(dir, 'text.bin');
  const r = spawnSync('objcopy', ['-O', 'binary', '-j', '.text', obj, out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return new Uint8Array(readFileSync(out));
}

test('64-bit code disassembles and decodes where objdump splits it (gcc -m64 objects of the 64-bit test kernels)', (t) => {
  const b = spawnSync('make', ['-s', '-C', join(ROOT, 'test', 'guests')], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const dir64 = join(ROOT, 'test', 'guests', 'build', 'x86_64');
  const objects = [...readdirSync(dir64).filter((f) => f.endsWith('.o')).map((f) => join(dir64, f)),
    ...readdirSync(join(dir64, 'lib')).filter((f) => f.endsWith('.o') && !f.endsWith('.asm.o')).map((f) => join(dir64, 'lib', f))];
  assert.ok(objects.length >= 10, `only ${objects.length} objects`);
  const dis = new Disassembler('nasm');
  const tmp = mkdtempSync(join(tmpdir(), 'pv-dis64-'));
  let instructions = 0, rex = 0, ripRelative = 0, split32 = 0, withRex = 0;
  try {
    for (const obj of objects) {
      const text = textOf(obj, tmp);
      const od = objdumpText(obj);
      if (od.length === 0) continue;
      const lines = dis.decode(text, 0, od.length, 64);
      assert.equal(lines.length, od.length, obj);
      for (let i = 0; i < od.length; i++) {
        const want = od[i]!, got = lines[i]!;
        const where = `${obj} +0x${want.offset.toString(16)}`;
        assert.equal(got.address, want.offset, where);
        assert.equal(got.length, want.length, `${where}: length`);
        assert.equal(firstWord(got.text), want.mnemonic, `${where}: ${got.text}`);
        // Our decoder (what executes) splits the same way wherever it decodes.
        const ours = decodeInfo(text.subarray(want.offset, want.offset + 15), 64);
        if (ours) assert.equal(ours.length, want.length, `${where}: decodeInfo length of ${got.text}`);
        if ((text[want.offset]! & 0xf0) === 0x40) rex++;
        if (got.text.includes('rel ')) ripRelative++;
        instructions++;
      }
      // The same bytes read as 32-bit code fall apart at the first REX.
      if (od.some((l) => (text[l.offset]! & 0xf0) === 0x40)) withRex++;
      const as32 = dis.decode(text, 0, od.length, 32);
      if (as32.some((l, i) => od[i] === undefined || l.address !== od[i]!.offset || l.length !== od[i]!.length)) split32++;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  t.diagnostic(`${objects.length} objects, ${instructions} instructions (${rex} with REX, ${ripRelative} RIP-relative); ${split32} of ${withRex} objects with REX split otherwise as 32-bit code`);
  assert.ok(instructions > 1000, `${instructions} instructions`);
  assert.ok(rex > 200 && ripRelative > 20, `REX ${rex}, RIP-relative ${ripRelative}`);
  assert.ok(withRex >= 10 && split32 >= withRex, `only ${split32} of the ${withRex} objects with REX prefixes read differently as 32-bit code`);
});

test('a 64-bit call\'s target is a canonical address, the higher half as a negative number', () => {
  const dis = new Disassembler('nasm');
  // call rel32 at 0xffffffff80100000 (-0x7ff00000) to 0x10 bytes further; mov rax, imm64; jmp back.
  const code = new Uint8Array([0xe8, 0x0b, 0, 0, 0, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 0xeb, 0xef]);
  const at = -0x7ff00000;
  const lines = dis.decode(code, at, 3, 64);
  assert.deepEqual(lines.map((l) => [l.address, l.length]), [[at, 5], [at + 5, 10], [at + 15, 2]]);
  assert.equal(lines[0]!.target, at + 0x10);
  assert.equal(lines[2]!.target, at);
  assert.match(lines[1]!.text, /^mov rax,/);
});
