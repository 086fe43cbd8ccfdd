// RCL/RCR's OF for every count against the host CPU. The SDM defines OF only for a count of 1
// and the general ALU comparison masks it otherwise; here it is compared at every count, so
// the emulator follows one real CPU consistently (measured on the AMD EPYC this was written
// on: OF = the XOR of the result's two top bits for RCR, the result's top bit XOR CF for RCL,
// for every count, which is also the SDM's count-1 definition).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WINDOW_SIZE, type AluCase } from './alu-cases';
import { describeAluResult, runAluConformance } from './alu-conformance';
import { createEmulatorMachine } from './emulator-under-test';
import { envInt, type Rng } from './random';

function rotateCase(rng: Rng): AluCase {
  const size = ([8, 16, 32] as const)[rng.u32() % 3];
  const rcr = (rng.u32() & 1) === 1;
  const form = rng.u32() % 3;                         // by imm8, by CL, by 1
  const reg = rng.u32() % 8 === 4 ? 0 : rng.u32() % 8 === 4 ? 1 : rng.u32() % 8;
  const r = reg === 4 ? 0 : reg;
  const modrm = 0xc0 | ((rcr ? 3 : 2) << 3) | r;
  const op = size === 8 ? 0 : 1;
  const count = form === 0 ? (rng.u32() % 4 === 0 ? 7 : rng.u32() & 0xff) : form === 1 ? rng.u32() & 0xff : 1;
  const bytes = [...(size === 16 ? [0x66] : []), ...(form === 0 ? [0xc0 + op, modrm, count] : form === 1 ? [0xd2 + op, modrm] : [0xd0 + op, modrm])];
  const regs = new Uint32Array(8);
  for (let i = 0; i < 8; i++) regs[i] = rng.u32();
  if (form === 1) regs[1] = (regs[1] & ~0xff) | count;
  return {
    name: `${rcr ? 'rcr' : 'rcl'} r${size}, ${form === 0 ? 'imm8' : form === 1 ? 'cl' : '1'}`,
    bytes: Uint8Array.from(bytes), regs, eflags: rng.u32() & 0x8d5,
    undefinedFlags: 0, undefinedRegs: 0, window: new Uint8Array(WINDOW_SIZE), windowUndefined: false,
  };
}

test('RCL/RCR: result, CF and OF at every count agree with the host CPU (RCR r8 by 7 among them)', () => {
  const count = envInt('PARAVIRT_ALU_COUNT', 30_000);
  const r = runAluConformance(createEmulatorMachine, Math.max(2_000, count / 5), envInt('PARAVIRT_SEED', 14), rotateCase);
  assert.equal(r.disagreed, 0, describeAluResult(r));
  assert.ok(r.byForm.some(([name]) => name === 'rcr r8, imm8'));
});
