// SSE state and its guards (issue 14, point 3): the #UD/#NM checks of CR0.EM/TS and
// CR4.OSFXSR, #XM versus #UD by CR4.OSXMMEXCPT, FXSAVE/FXRSTOR against the SDM's 512-byte
// layout (vol. 1, table 10-2), LDMXCSR's reserved bits, and snapshots carrying XMM and MXCSR.
// Expected values are worked out from the SDM, not taken from a run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEmulatorMachine } from '../conformance/emulator-under-test';
import { prepareFlat32, stepOne } from '../conformance/flat32-harness';

const AREA = 0x10000;
const CR0_EM = 4, CR0_TS = 8, OSFXSR = 0x200, OSXMMEXCPT = 0x400;

function machine(cr4: number, cr0Extra = 0) {
  const m = createEmulatorMachine();
  prepareFlat32(m);
  m.setRegister('cr4', cr4);
  m.setRegister('cr0', (m.getRegisters().cr0 | cr0Extra) >>> 0);
  return m;
}

const regs = (ebx = AREA): Uint32Array => Uint32Array.from([0, 0, 0, ebx, 0, 0, 0, 0]);
const ADDPS = Uint8Array.from([0x0f, 0x58, 0xc1]);
const DIVSS = Uint8Array.from([0xf3, 0x0f, 0x5e, 0xc1]);

test('SSE instructions raise #UD without CR4.OSFXSR or with CR0.EM, and #NM with CR0.TS', () => {
  assert.equal(stepOne(machine(0), ADDPS, regs(), 0).fault, 6);
  assert.equal(stepOne(machine(OSFXSR, CR0_EM), ADDPS, regs(), 0).fault, 6);
  assert.equal(stepOne(machine(OSFXSR, CR0_TS), ADDPS, regs(), 0).fault, 7);
  assert.equal(stepOne(machine(OSFXSR), ADDPS, regs(), 0).fault, -1);
  // FXSAVE needs neither OSFXSR nor a clear EM for #UD, but TS or EM give #NM.
  assert.equal(stepOne(machine(0), Uint8Array.from([0x0f, 0xae, 0x03]), regs(), 0).fault, -1);
  assert.equal(stepOne(machine(OSFXSR, CR0_TS), Uint8Array.from([0x0f, 0xae, 0x03]), regs(), 0).fault, 7);
  // An MMX form (no prefix on an SSE2 integer opcode) is not modelled: #UD.
  assert.equal(stepOne(machine(OSFXSR), Uint8Array.from([0x0f, 0xfe, 0xc1]), regs(), 0).fault, 6);
});

test('an unmasked SIMD exception is #XM with CR4.OSXMMEXCPT and #UD without; the destination is kept', () => {
  for (const [cr4, vector] of [[OSFXSR | OSXMMEXCPT, 19], [OSFXSR, 6]] as const) {
    const m = machine(cr4);
    const sse = m.cpu.sse;
    sse.mxcsr = 0x1f80 & ~0x200;                          // ZM clear
    sse.f32[0] = 1; sse.f32[4] = 0;                       // xmm0 = 1, xmm1 = 0
    assert.equal(stepOne(m, DIVSS, regs(), 0).fault, vector);
    assert.equal(sse.f32[0], 1);
    assert.equal(sse.mxcsr & 0x3f, 0x04, 'ZE recorded');
  }
});

test('FXSAVE writes the SDM layout and FXRSTOR reads it back', () => {
  const m = machine(OSFXSR | OSXMMEXCPT);
  // fninit; fld1; fldpi: ST(0) = pi, ST(1) = 1, TOP = 6.
  for (const insn of [[0xdb, 0xe3], [0xd9, 0xe8], [0xd9, 0xeb]]) assert.equal(stepOne(m, Uint8Array.from(insn), regs(), 0).fault, -1);
  const sse = m.cpu.sse;
  sse.mxcsr = 0x3f80 | 0x20;
  for (let i = 0; i < 128; i++) sse.u8[i] = (i * 7 + 3) & 0xff;
  assert.equal(stepOne(m, Uint8Array.from([0x0f, 0xae, 0x03]), regs(), 0).fault, -1);     // fxsave [ebx]
  const img = m.readPhysical(AREA, 512);
  const v = new DataView(img.buffer, img.byteOffset);
  assert.equal(v.getUint16(0, true), 0x037f, 'FCW');
  assert.equal(v.getUint16(2, true), 6 << 11, 'FSW with TOP = 6');
  assert.equal(img[4], 0xc0, 'abridged tag: physical registers 6 and 7 valid');
  assert.equal(v.getUint32(24, true), 0x3fa0, 'MXCSR');
  assert.equal(v.getUint32(28, true), 0xffff, 'MXCSR_MASK');
  // ST(0) = pi rounded to a double, as an 80-bit value: exponent 0x4000, mantissa 0xC90FDAA22168C000.
  assert.equal(v.getUint16(32 + 8, true), 0x4000);
  assert.equal(v.getUint32(32 + 4, true), 0xc90fdaa2);
  assert.equal(v.getUint32(32, true), 0x2168c000);
  // ST(1) = 1.0: exponent 0x3FFF, mantissa 0x8000000000000000.
  assert.equal(v.getUint16(48 + 8, true), 0x3fff);
  assert.equal(v.getUint32(48 + 4, true), 0x80000000);
  for (let i = 0; i < 128; i++) assert.equal(img[160 + i], (i * 7 + 3) & 0xff, `XMM byte ${i}`);

  // Change the image: MXCSR, XMM3's first byte, FCW; FXRSTOR loads them.
  v.setUint32(24, 0x1f80, true); img[160 + 48] = 0x5a; v.setUint16(0, 0x027f, true);
  m.writePhysical(AREA, img);
  sse.u8.fill(0, 0, 128);
  assert.equal(stepOne(m, Uint8Array.from([0x0f, 0xae, 0x0b]), regs(), 0).fault, -1);     // fxrstor [ebx]
  assert.equal(sse.mxcsr, 0x1f80);
  assert.equal(sse.u8[48], 0x5a);
  assert.equal(m.cpu.fpu.cw, 0x027f);
  assert.equal(m.cpu.fpu.top, 6);

  // Misaligned: #GP(13). Reserved MXCSR bits in the image: #GP, and nothing loaded.
  assert.equal(stepOne(m, Uint8Array.from([0x0f, 0xae, 0x03]), regs(AREA + 8), 0).fault, 13);
  v.setUint32(24, 0x10000, true);
  m.writePhysical(AREA, img);
  assert.equal(stepOne(m, Uint8Array.from([0x0f, 0xae, 0x0b]), regs(), 0).fault, 13);
  assert.equal(sse.mxcsr, 0x1f80);
});

test('LDMXCSR refuses reserved bits with #GP; snapshots carry XMM and MXCSR', () => {
  const m = machine(OSFXSR);
  m.writePhysical(AREA, Uint8Array.from([0x80, 0x3f, 0x01, 0x00]));
  assert.equal(stepOne(m, Uint8Array.from([0x0f, 0xae, 0x13]), regs(), 0).fault, 13);   // ldmxcsr [ebx] = 0x13f80
  m.writePhysical(AREA, Uint8Array.from([0x80, 0x7f, 0x00, 0x00]));
  assert.equal(stepOne(m, Uint8Array.from([0x0f, 0xae, 0x13]), regs(), 0).fault, -1);
  assert.equal(m.cpu.sse.mxcsr, 0x7f80);
  m.cpu.sse.u8[100] = 0x77;
  const snap = m.snapshot();
  m.cpu.sse.u8[100] = 0; m.cpu.sse.mxcsr = 0x1f80;
  m.restore(snap);
  assert.equal(m.cpu.sse.u8[100], 0x77);
  assert.equal(m.cpu.sse.mxcsr, 0x7f80);
});

test('compiled blocks run SSE code through the interpreter with the same results', async () => {
  const { Machine } = await import('../../emulator/machine');
  // loop: movdqu xmm1,[ebx]; addps xmm0,xmm1; pshufd xmm2,xmm0,0x1b; paddd xmm3,xmm2;
  //       cvttps2dq xmm4,xmm0; pxor xmm3,xmm4; movdqu [ebx+16],xmm3; divss xmm5,xmm1; dec ecx; jnz loop; hlt
  const code = [
    0xf3, 0x0f, 0x6f, 0x0b, 0x0f, 0x58, 0xc1, 0x66, 0x0f, 0x70, 0xd0, 0x1b, 0x66, 0x0f, 0xfe, 0xda,
    0xf3, 0x0f, 0x5b, 0xe0, 0x66, 0x0f, 0xef, 0xdc, 0xf3, 0x0f, 0x7f, 0x5b, 0x10, 0xf3, 0x0f, 0x5e, 0xe9,
    0x49, 0x75, 0xdc, 0xf4,
  ];
  const results = [true, false].map((compiled) => {
    const m = new Machine({ mode: 'hvm', memoryMiB: 1, blockCompiler: compiled });
    prepareFlat32(m);
    m.setRegister('cr4', OSFXSR | OSXMMEXCPT);
    m.writePhysical(0x1000, Uint8Array.from(code));
    m.writePhysical(AREA, Uint8Array.from([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0xbf]));
    m.cpu.sse.f32[20] = 1e30;
    m.setRegister('ebx', AREA); m.setRegister('ecx', 30_000); m.setRegister('eip', 0x1000);
    m.run(1_000_000);
    return { compiled: m.cpu.blocks?.compiled ?? 0, xmm: Array.from(m.cpu.sse.registers()), mxcsr: m.cpu.sse.mxcsr, mem: Array.from(m.readPhysical(AREA, 32)), regs: m.getRegisters() };
  });
  assert.ok(results[0].compiled > 0, 'the loop was compiled');
  assert.equal(results[1].compiled, 0);
  assert.deepEqual(results[0].xmm, results[1].xmm);
  assert.equal(results[0].mxcsr, results[1].mxcsr);
  assert.deepEqual(results[0].mem, results[1].mem);
  assert.equal(results[0].regs.eip, results[1].regs.eip);
  assert.equal(results[0].regs.ecx, 0);
});

const OSXSAVE = 1 << 18;
const XGETBV = Uint8Array.from([0x0f, 0x01, 0xd0]);
const XSETBV = Uint8Array.from([0x0f, 0x01, 0xd1]);
const XSAVE = Uint8Array.from([0x0f, 0xae, 0x23]);     // xsave [ebx]
const XRSTOR = Uint8Array.from([0x0f, 0xae, 0x2b]);    // xrstor [ebx]
const gpr = (eax: number, ecx: number, edx: number, ebx = AREA): Uint32Array => Uint32Array.from([eax, ecx, edx, ebx, 0, 0, 0, 0]);

test('XGETBV/XSETBV: #UD without CR4.OSXSAVE, XCR0 bits x87 and SSE only, the XSETBV exit; CPUID leaf 0xD and OSXSAVE', () => {
  assert.equal(stepOne(machine(OSFXSR), XGETBV, gpr(0, 0, 0), 0).fault, 6);
  const m = machine(OSFXSR | OSXMMEXCPT | OSXSAVE);
  let s = stepOne(m, XGETBV, gpr(0xdead, 0, 0xbeef), 0);
  assert.deepEqual([s.fault, s.regs[0], s.regs[2]], [-1, 1, 0], 'XCR0 is 1 (x87) at reset');
  assert.equal(stepOne(m, XGETBV, gpr(0, 1, 0), 0).fault, 13, 'XCR1 does not exist here');
  const before = m.exits.byReason.XSETBV ?? 0;
  assert.equal(stepOne(m, XSETBV, gpr(3, 0, 0), 0).fault, -1);
  assert.equal(m.exits.byReason.XSETBV ?? 0, before + 1, 'XSETBV exits (reason 55) under VT-x');
  s = stepOne(m, XGETBV, gpr(0, 0, 0), 0);
  assert.equal(s.regs[0], 3);
  for (const [eax, ecx, edx] of [[2, 0, 0], [7, 0, 0], [3, 1, 0], [3, 0, 1]]) assert.equal(stepOne(m, XSETBV, gpr(eax, ecx, edx), 0).fault, 13, `xsetbv ${eax} ${ecx} ${edx}`);
  assert.equal(stepOne(m, XGETBV, gpr(0, 0, 0), 0).regs[0], 3, 'a refused XSETBV changes nothing');
  // CPUID.(EAX=0DH, ECX=0): x87|SSE, 576 bytes; CPUID.1:ECX.OSXSAVE follows CR4.
  const cpuid = Uint8Array.from([0x0f, 0xa2]);
  s = stepOne(m, cpuid, gpr(0xd, 0, 0), 0);
  assert.deepEqual([s.regs[0], s.regs[3], s.regs[1]], [3, 576, 576]);
  assert.equal((stepOne(m, cpuid, gpr(1, 0, 0), 0).regs[1] >>> 27) & 1, 1);
  assert.equal((stepOne(machine(OSFXSR), cpuid, gpr(1, 0, 0), 0).regs[1] >>> 27) & 1, 0);
});

test('XSAVE writes the legacy region and XSTATE_BV; XRSTOR loads or initialises each component and checks the header', () => {
  const m = machine(OSFXSR | OSXMMEXCPT | OSXSAVE);
  assert.equal(stepOne(m, XSETBV, gpr(3, 0, 0), 0).fault, -1);
  for (const insn of [[0xdb, 0xe3], [0xd9, 0xe8]]) assert.equal(stepOne(m, Uint8Array.from(insn), regs(), 0).fault, -1);   // fninit; fld1
  const sse = m.cpu.sse;
  sse.mxcsr = 0x1fa0;
  for (let i = 0; i < 128; i++) sse.u8[i] = (i * 5 + 1) & 0xff;
  m.writePhysical(AREA, new Uint8Array(576).fill(0xcc));
  assert.equal(stepOne(m, XSAVE, gpr(1, 0, 0), 0).fault, -1, 'x87 only');
  let img = m.readPhysical(AREA, 576);
  let v = new DataView(img.buffer, img.byteOffset);
  assert.equal(v.getUint16(0, true), 0x037f);
  assert.equal(img[160], 0xcc, 'XMM left alone');
  assert.equal(v.getUint32(24, true), 0xcccccccc, 'MXCSR left alone');
  assert.equal(v.getUint32(512, true), 0xcccccccd, 'XSTATE_BV: bit 0 set, the others kept');
  m.writePhysical(AREA, new Uint8Array(576));
  assert.equal(stepOne(m, XSAVE, gpr(0xffffffff, 0, 0xffffffff), 0).fault, -1, 'all of XCR0');
  img = m.readPhysical(AREA, 576);
  v = new DataView(img.buffer, img.byteOffset);
  assert.equal(v.getUint32(24, true), 0x1fa0);
  assert.equal(v.getUint32(28, true), 0xffff);
  for (let i = 0; i < 128; i++) assert.equal(img[160 + i], (i * 5 + 1) & 0xff);
  assert.equal(v.getUint32(512, true), 3);
  assert.equal(stepOne(m, XSAVE, gpr(3, 0, 0, AREA + 16), 0).fault, 13, '16-byte aligned is not enough');

  // XRSTOR with XSTATE_BV = x87 only: XMM registers to their initial zeros, MXCSR still from memory.
  v.setUint32(512, 1, true); v.setUint32(24, 0x1f80, true);
  m.writePhysical(AREA, img);
  assert.equal(stepOne(m, XRSTOR, gpr(3, 0, 0), 0).fault, -1);
  assert.equal(sse.mxcsr, 0x1f80);
  assert.ok(sse.u8.subarray(0, 128).every((b) => b === 0));
  assert.equal(m.cpu.fpu.top, 7, 'x87 from memory: one value pushed');
  // Bad headers: XSTATE_BV outside XCR0, a reserved header byte, a compacted XCOMP_BV.
  for (const [at, value] of [[512, 4], [540, 1], [524, 0x80000000]] as const) {
    const bad = img.slice();
    new DataView(bad.buffer).setUint32(512, 3, true);
    new DataView(bad.buffer).setUint32(at, value, true);
    m.writePhysical(AREA, bad);
    assert.equal(stepOne(m, XRSTOR, gpr(3, 0, 0), 0).fault, 13, `header byte ${at}`);
  }
});
