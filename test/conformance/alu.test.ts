// Issue 2, point 7b: integer results and flags against the host CPU, flags masked only where
// the SDM calls them undefined. PARAVIRT_ALU_COUNT (default 30,000) and PARAVIRT_SEED override.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DATA_ADDR, WINDOW_ADDR, WINDOW_SIZE, type AluCase } from './alu-cases';
import { compare, describeAluResult, runAluConformance } from './alu-conformance';
import { createEmulatorMachine } from './emulator-under-test';
import { NO_FAULT, runOnHost } from './native-oracle';
import { envInt } from './random';
import { AF, CF, OF, PF, SF, ZF } from './undefined-flags';

function hostCase(bytes: number[], regs: number[], eflags = 0): AluCase {
  return {
    name: 'fixed', bytes: Uint8Array.from(bytes), regs: Uint32Array.from(regs), eflags, undefinedFlags: 0, undefinedRegs: 0,
    window: new Uint8Array(WINDOW_SIZE), windowUndefined: false,
  };
}

test('the host oracle reproduces values from the SDM', () => {
  // Expected values are worked out by hand from the SDM's descriptions, not taken from any run.
  const memCase = hostCase([0x0f, 0xab, 0x0d, ...le32(DATA_ADDR)], [0, 0xfffffff7, 0, 0, 0, 0, 0, 0]);   // bts [DATA], ecx (= -9)
  const [add, daa, div0, bsf, aaa, sar, bts] = runOnHost([
    hostCase([0x01, 0xd8], [0xffffffff, 2, 3, 1, 0, 5, 6, 7]),                  // add eax, ebx
    hostCase([0x27], [0x0000000f, 0, 0, 0, 0, 0, 0, 0]),                         // daa: 0x0f -> 0x15, AF
    hostCase([0xf7, 0xf1], [10, 0, 0, 0, 0, 0, 0, 0]),                           // div ecx with ecx = 0
    hostCase([0x0f, 0xbc, 0xc1], [0, 0x00000100, 0, 0, 0, 0, 0, 0]),             // bsf eax, ecx
    hostCase([0x37], [0x0000000f, 0, 0, 0, 0, 0, 0, 0]),                         // aaa: AL 0x0f -> AX 0x0105
    hostCase([0xc0, 0xf8, 0x04], [0x80, 0, 0, 0, 0, 0, 0, 0]),                   // sar al, 4
    memCase,
  ]);
  assert.equal(add.fault, NO_FAULT);
  assert.equal(add.regs[0], 0);
  assert.equal(add.eflags & (CF | PF | AF | ZF | SF | OF), CF | PF | AF | ZF);
  assert.equal(add.regs[3], 1);
  assert.equal(daa.regs[0] & 0xff, 0x15);
  assert.equal(daa.eflags & AF, AF);
  assert.equal(div0.fault, 0);
  assert.equal(bsf.regs[0], 8);
  assert.equal(bsf.eflags & ZF, 0);
  assert.equal(aaa.regs[0] & 0xffff, 0x0105);
  assert.equal(aaa.eflags & (AF | CF), AF | CF);
  assert.equal(sar.regs[0] & 0xff, 0xf8);
  // Bit -9 of a bit string at DATA is bit 7 of the byte at DATA - 2 (SDM "BTS": bit offsets
  // in a register address memory outside the operand).
  const at = DATA_ADDR - WINDOW_ADDR - 2;
  assert.equal(bts.window[at], 0x80);
  assert.equal(bts.window.reduce((n, v) => n + v, 0), 0x80);
});

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

test('the comparison masks only undefined flags', () => {
  const c: AluCase = { ...hostCase([0x21, 0xd8], [1, 0, 0, 2, 0, 0, 0, 0]), undefinedFlags: AF };
  const window = new Uint8Array(WINDOW_SIZE);
  const host = { regs: Uint32Array.from([0, 0, 0, 2, 0, 0, 0, 0]), eflags: ZF | PF, fault: NO_FAULT, window };
  const same = { regs: host.regs, eflags: ZF | PF, fault: -1, length: 2 };
  assert.equal(compare(c, host, { ...same, eflags: ZF | PF | AF }, window), null);
  assert.match(compare(c, host, { ...same, eflags: PF }, window) ?? '', /flags/);
  assert.match(compare(c, host, { ...same, regs: Uint32Array.from([1, 0, 0, 2, 0, 0, 0, 0]) }, window) ?? '', /eax/);
  assert.match(compare(c, { ...host, fault: 0 }, same, window) ?? '', /exception/);
  const changed = window.slice();
  changed[5] = 1;
  assert.match(compare(c, host, same, changed) ?? '', /memory/);
});

test('ALU, shift, bit, multiply/divide, BCD, exchange, move and string instructions agree with the host CPU', (t) => {
  const count = envInt('PARAVIRT_ALU_COUNT', 30_000);
  const seed = envInt('PARAVIRT_SEED', 20261125);
  const r = runAluConformance(createEmulatorMachine, count, seed);
  const report = describeAluResult(r);
  t.diagnostic(report);
  assert.equal(r.checked, count);
  assert.equal(r.disagreed, 0, `seed ${seed}:\n${report}`);
});
