// The CPU's exit qualifications, read through the exit-reason table's layouts, against the
// instruction that caused each exit as iced-x86 decodes it: for every I/O, control-register
// and debug-register exit of a run, the fields the table names (size, direction, string,
// REP, immediate port; CR number, access type, register; DR number, direction, register)
// must say what the instruction does. The CPU, the table and an independent decoder agree.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decoder, DecoderOptions, Formatter, FormatterSyntax } from 'iced-x86';
import { ExitReason, qualificationField } from '../../emulator/isa/exit-reasons';
import { decodeMovDr, decodeIo } from '../../emulator/isa/exit-qualification';
import type { ExitTraceLine } from '../../cli/exit-trace';
import { buildAll, paravirt, type Built } from './harness';

const GPR = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const ACC_SIZE: Record<string, number> = { al: 1, ax: 2, eax: 4 };
const STRING_SIZE: Record<string, number> = { b: 1, w: 2, d: 4 };

/** iced-x86's Intel syntax for the instruction: "rep outsw", "mov cr4,ecx", "in eax,71h". */
function disassemble(hex: string): string {
  const bytes = new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  const decoder = new Decoder(32, bytes, DecoderOptions.None);
  const formatter = new Formatter(FormatterSyntax.Intel);
  const ins = decoder.decode();
  const text = formatter.format(ins).toLowerCase().replace(/\s+/g, ' ').trim();
  ins.free(); decoder.free(); formatter.free();
  return text;
}

let b: Built;
before(async () => { b = await buildAll(['forms', 'exits']); });

function traceOf(guest: string, extra: string[]): ExitTraceLine[] {
  const trace = join(b.dir, `${guest}-layouts.jsonl`);
  const r = paravirt(b, ['run', b.guest(guest), ...extra, '--trace-exits', trace, '--summary', 'none', '--serial', 'none']);
  assert.ok(r.status === 33 || r.status === 5, r.stderr);
  return readFileSync(trace, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as ExitTraceLine);
}

test('every I/O, CR and DR exit\'s qualification, read through the table, says what iced-x86 reads in its bytes', () => {
  const lines = [...traceOf('forms', ['--exit-control', 'cr0Mask=0xffffffff']), ...traceOf('exits', [])];
  const seen = { io: 0, cr: 0, dr: 0 };
  for (const l of lines) {
    const text = disassemble(l.bytes);
    const where = `exit #${l.seq} '${text}' qualification 0x${l.qualification.toString(16)}`;
    const field = (name: string) => qualificationField({ reason: l.reason, qualification: l.qualification, vector: l.vector }, name);
    if (l.reason === ExitReason.IO_INSTRUCTION) {
      seen.io++;
      const m = /^(rep )?(in|out|ins|outs)([bwd])?(?: ([^,]+),(.+))?$/.exec(text);
      assert.ok(m, `${where}: not an I/O instruction`);
      const [, rep, op, suffix, a, c] = m!;
      const isString = op === 'ins' || op === 'outs';
      const isIn = op === 'in' || op === 'ins';
      const portOperand = isIn ? c : a;
      const size = isString ? STRING_SIZE[suffix!] : ACC_SIZE[isIn ? a! : c!];
      assert.equal(field('size'), size, `${where}: size`);
      assert.equal(field('in'), isIn ? 1 : 0, `${where}: direction`);
      assert.equal(field('string'), isString ? 1 : 0, `${where}: string`);
      assert.equal(field('rep'), rep ? 1 : 0, `${where}: REP`);
      const immediate = portOperand !== undefined && portOperand !== 'dx';
      assert.equal(decodeIo(l.qualification).immediate, immediate, `${where}: operand encoding`);
      if (immediate) assert.equal(field('port'), parseInt(portOperand!.replace(/h$/, ''), 16), `${where}: port`);
    } else if (l.reason === ExitReason.CR_ACCESS) {
      seen.cr++;
      if (text === 'clts') { assert.equal(field('access'), 2, where); continue; }
      const to = /^mov cr(\d),(\w+)$/.exec(text), from = /^mov (\w+),cr(\d)$/.exec(text), lmsw = /^lmsw /.test(text);
      if (lmsw) { assert.equal(field('access'), 3, where); continue; }
      assert.ok(to || from, `${where}: not a control-register access`);
      assert.equal(field('access'), to ? 0 : 1, `${where}: access type`);
      assert.equal(field('cr'), Number(to ? to[1] : from![2]), `${where}: CR`);
      assert.equal(GPR[field('gpr')!], to ? to[2] : from![1], `${where}: register`);
    } else if (l.reason === ExitReason.DR_ACCESS) {
      seen.dr++;
      const to = /^mov dr(\d),(\w+)$/.exec(text), from = /^mov (\w+),dr(\d)$/.exec(text);
      assert.ok(to || from, `${where}: not a debug-register access`);
      assert.equal(decodeMovDr(l.qualification).fromDr, !to, `${where}: direction`);
      assert.equal(field('dr'), Number(to ? to[1] : from![2]), `${where}: DR`);
      assert.equal(GPR[field('gpr')!], to ? to[2] : from![1], `${where}: register`);
    }
  }
  // The forms guest has six I/O forms, three CR forms and two DR forms; the exits guest many OUTs.
  assert.ok(seen.io >= 100 && seen.cr >= 3 && seen.dr >= 2, JSON.stringify(seen));
});
