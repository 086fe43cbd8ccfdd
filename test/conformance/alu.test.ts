// Issue 2, point 7b: integer results and flags against the host CPU, flags masked only where
// the SDM calls them undefined. PARAVIRT_ALU_COUNT (default 30,000) and PARAVIRT_SEED override.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AluCase } from './alu-cases';
import { compare, describeAluResult, runAluConformance } from './alu-conformance';
import { createEmulatorMachine } from './emulator-under-test';
import { NO_FAULT, runOnHost } from './native-oracle';
import { envInt } from './random';
import { AF, CF, OF, PF, SF, ZF } from './undefined-flags';

function hostCase(bytes: number[], regs: number[], eflags = 0): AluCase {
  return { name: 'fixed', bytes: Uint8Array.from(bytes), regs: Uint32Array.from(regs), eflags, undefinedFlags: 0, undefinedRegs: 0 };
}

test('the host oracle reproduces values from the SDM', () => {
  // Expected values are worked out by hand from the SDM's descriptions, not taken from any run.
  const [add, daa, div0, bsf, aaa, sar] = runOnHost([
    hostCase([0x01, 0xd8], [0xffffffff, 2, 3, 1, 0, 5, 6, 7]),                  // add eax, ebx
    hostCase([0x27], [0x0000000f, 0, 0, 0, 0, 0, 0, 0]),                         // daa: 0x0f -> 0x15, AF
    hostCase([0xf7, 0xf1], [10, 0, 0, 0, 0, 0, 0, 0]),                           // div ecx with ecx = 0
    hostCase([0x0f, 0xbc, 0xc1], [0, 0x00000100, 0, 0, 0, 0, 0, 0]),             // bsf eax, ecx
    hostCase([0x37], [0x0000000f, 0, 0, 0, 0, 0, 0, 0]),                         // aaa: AL 0x0f -> AX 0x0105
    hostCase([0xc0, 0xf8, 0x04], [0x80, 0, 0, 0, 0, 0, 0, 0]),                   // sar al, 4
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
});

test('the comparison masks only undefined flags', () => {
  const c: AluCase = { ...hostCase([0x21, 0xd8], [1, 0, 0, 2, 0, 0, 0, 0]), undefinedFlags: AF };
  const host = { regs: Uint32Array.from([0, 0, 0, 2, 0, 0, 0, 0]), eflags: ZF | PF, fault: NO_FAULT };
  assert.equal(compare(c, host, { regs: host.regs, eflags: ZF | PF | AF, fault: -1, length: 2 }), null);
  assert.match(compare(c, host, { regs: host.regs, eflags: PF, fault: -1, length: 2 }) ?? '', /flags/);
  assert.match(compare(c, host, { regs: Uint32Array.from([1, 0, 0, 2, 0, 0, 0, 0]), eflags: ZF | PF, fault: -1, length: 2 }) ?? '', /eax/);
  assert.match(compare(c, { ...host, fault: 0 }, { regs: host.regs, eflags: ZF | PF, fault: -1, length: 2 }) ?? '', /exception/);
});

test('ALU, shift, bit, multiply/divide and BCD instructions agree with the host CPU', (t) => {
  const count = envInt('PARAVIRT_ALU_COUNT', 30_000);
  const seed = envInt('PARAVIRT_SEED', 20261125);
  const r = runAluConformance(createEmulatorMachine, count, seed);
  const report = describeAluResult(r);
  t.diagnostic(report);
  assert.equal(r.checked, count);
  assert.equal(r.disagreed, 0, `seed ${seed}:\n${report}`);
});
