// Every stack-touching instruction that stays in the code segment x stack B bit x operand size,
// on the host CPU (a 16-bit stack segment from the LDT) and on the emulator: registers, ESP in
// full (a 16-bit stack moves SP only), SS after, flags, the stack bytes and the fault vector.
// Far and near transfers other than CALL rel32 / RET are in the guest tests (they leave the
// host harness's code page).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODE_ADDR, STACK_BASE, WIN_OFF, WIN_SIZE, runOnEmulator, runOnHost, type StackCase, type StackOutcome } from './stack-oracle';
import { Rng } from './random';

interface Form { name: string; bytes: number[]; bytes16?: number[]; o16ok?: boolean; setup?: (c: StackCase, sp: number) => void }

const SP = 0xf80;   // the stack pointer's offset in the segment (inside the window)

const FORMS: Form[] = [
  { name: 'push eax', bytes: [0x50] }, { name: 'pop ebx', bytes: [0x5b] },
  { name: 'push esp', bytes: [0x54] }, { name: 'pop esp', bytes: [0x5c] },
  { name: 'push imm8', bytes: [0x6a, 0x85] }, { name: 'push imm', bytes: [0x68, 0x11, 0x22, 0x33, 0x44], bytes16: [0x68, 0x11, 0x22] },
  { name: 'pusha', bytes: [0x60] }, { name: 'popa', bytes: [0x61] },
  { name: 'push [ebx]', bytes: [0xff, 0x33] }, { name: 'pop [ebx]', bytes: [0x8f, 0x03] },
  { name: 'pop [ebx+4]', bytes: [0x8f, 0x43, 0x04] },
  { name: 'enter 0,0', bytes: [0xc8, 0, 0, 0] }, { name: 'enter 8,0', bytes: [0xc8, 8, 0, 0] },
  { name: 'enter 4,1', bytes: [0xc8, 4, 0, 1] }, { name: 'enter 4,3', bytes: [0xc8, 4, 0, 3] },
  { name: 'enter 1,0', bytes: [0xc8, 1, 0, 0] },
  { name: 'leave', bytes: [0xc9] },
  // POPF with a value whose TF, IF, IOPL, NT, AC and above are clear (user-mode host).
  { name: 'popf', bytes: [0x9d], setup: (c, sp) => { c.window[sp - WIN_OFF] &= 0xd5; c.window[sp - WIN_OFF + 1] &= 0x0c; c.window[sp - WIN_OFF + 2] = 0; c.window[sp - WIN_OFF + 3] = 0; } },
  { name: 'pop ss (to 32-bit)', bytes: [0x17], setup: (c, sp) => { c.selOff = sp - WIN_OFF; c.sel16 = false; } },
  { name: 'pop ss (to 16-bit)', bytes: [0x17], setup: (c, sp) => { c.selOff = sp - WIN_OFF; c.sel16 = true; } },
  { name: 'pop ds', bytes: [0x1f], setup: (c, sp) => { c.selOff = sp - WIN_OFF; c.sel16 = false; } },
  { name: 'call rel32', bytes: [0xe8, 0, 0, 0, 0], o16ok: false },
  { name: 'ret', bytes: [0xc3], o16ok: false, setup: (c, sp) => putRet(c, sp, 1) },
  { name: 'ret 6', bytes: [0xc2, 6, 0], o16ok: false, setup: (c, sp) => putRet(c, sp, 3) },
];

/** A return address pointing just past the instruction (to the harness's jump back). */
function putRet(c: StackCase, sp: number, len: number): void {
  new DataView(c.window.buffer).setUint32(sp - WIN_OFF, CODE_ADDR + len, true);
}

function makeCases(rng: Rng, rounds: number): StackCase[] {
  const cases: StackCase[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const f of FORMS) {
      for (const o16 of [false, true]) {
        if (o16 && f.o16ok === false) continue;
        for (const ss16 of [false, true]) {
          // High halves of ESP/EBP are kept by a 16-bit stack and must survive it.
          const hi = ss16 ? (round % 2 ? 0x5a5a0000 : 0) : STACK_BASE;
          const window = new Uint8Array(WIN_SIZE);
          for (let i = 0; i < WIN_SIZE; i++) window[i] = rng.u32() & 0xff;
          const regs = [rng.u32(), rng.u32(), rng.u32(), STACK_BASE + WIN_OFF + 0x10, (hi | SP) >>> 0,
            ((ss16 ? (round % 2 ? 0x3c3c0000 : 0) : STACK_BASE) | 0xfc0) >>> 0, rng.u32(), rng.u32()];
          const c: StackCase = {
            name: `${o16 ? 'o16 ' : ''}${f.name}, ${ss16 ? '16' : '32'}-bit stack, round ${round}`,
            regs, eflags: rng.u32() & 0x8d5, ss16, selOff: -1, sel16: false,
            code: new Uint8Array(o16 ? [0x66, ...(f.bytes16 ?? f.bytes)] : f.bytes), window,
          };
          f.setup?.(c, SP);
          cases.push(c);
        }
      }
    }
  }
  return cases;
}

function describe(o: StackOutcome): string {
  if (o.vector !== 0xffffffff) return `fault ${o.vector}`;
  return `regs ${Array.from(o.regs, (r) => r.toString(16)).join(' ')} flags ${o.flags.toString(16)} ss ${o.ssKind}`;
}

test('stack instructions x stack B bit x operand size agree with the host CPU', (t) => {
  const cases = makeCases(new Rng(Number(process.env.PARAVIRT_SEED ?? 0x5eed)), 4);
  let host: StackOutcome[];
  try { host = runOnHost(cases); } catch (e) {
    // The host needs a 32-bit-capable gcc and modify_ldt; say so rather than pass silently.
    t.skip(`host oracle unavailable: ${(e as Error).message}`); return;
  }
  const bad: string[] = [];
  for (const bc of [false, true]) {
    cases.forEach((c, i) => {
      const emu = runOnEmulator(c, bc);
      const h = host[i];
      // The popped selector's bytes hold each side's own selector number.
      if (c.selOff >= 0) for (const o of [emu, h]) { o.window[c.selOff] = 0; o.window[c.selOff + 1] = 0; }
      const same = emu.vector === h.vector && emu.ssKind === h.ssKind && emu.flags === h.flags &&
        emu.regs.every((r, k) => r === h.regs[k]) && emu.window.every((b, k) => b === h.window[k]);
      if (!same) {
        let at = -1; for (let k = 0; k < WIN_SIZE; k++) if (emu.window[k] !== h.window[k]) { at = k; break; }
        bad.push(`${c.name}${bc ? ' (blocks)' : ''}:\n  host ${describe(h)}\n  emu  ${describe(emu)}${at >= 0 ? `\n  window differs at +${(WIN_OFF + at).toString(16)}` : ''}`);
      }
    });
  }
  assert.equal(bad.length, 0, `${bad.length} of ${cases.length * 2} disagree:\n${bad.slice(0, 12).join('\n')}`);
  assert.ok(cases.length > 300, `${cases.length} cases`);
});
