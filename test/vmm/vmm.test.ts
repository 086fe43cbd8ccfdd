import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHvmVmm } from '../../emulator/vmm/index';
import { resolveCostModel, CostModelError } from '../../emulator/vmm/cost-model';
import { KVM_ENOSYS } from '../../emulator/vmm/kvm-hypercalls';
import { makeContext } from './context';

// Every number of the model given explicitly, so the expected costs follow from the
// documented formula (round trip + handler [+ user-space round trip]) and nothing else.
const MODEL = {
  cyclesPerInstruction: 2, exitRoundTrip: 1000, userspaceRoundTrip: 5000, defaultHandlerCycles: 7,
  handlerCycles: { IO_INSTRUCTION: 100, CPUID: 40, HLT: 30, CR_ACCESS: 60 }, specialCycles: { CR3_LOAD: 900, PAGE_FAULT: 800 },
  inKernelHandlers: ['hypervisor', 'kvm', 'pic'],
};

test('exit cost: in-kernel vs user-space handlers, special CR3 and #PF prices, default handler', () => {
  const vmm = createHvmVmm({ preset: 'shadow-paging' }, { costs: MODEL });
  vmm.exit(30, 0x03f80000, 'uart', makeContext());
  vmm.exit(30, 0x00200000, 'pic', makeContext());
  vmm.exit(30, 0x00210000, 'pic-slave', makeContext());
  vmm.exit(10, 0, 'hypervisor', makeContext());
  vmm.exit(28, 0x303, 'hypervisor', makeContext());             // MOV CR3, EBX
  vmm.exit(28, 0x000, 'hypervisor', makeContext());             // MOV CR0, EAX
  vmm.exit(0, 0x1000, 'hypervisor', makeContext(), { vector: 14, errorCode: 2 });
  vmm.exit(11, 0, 'hypervisor', makeContext());                 // GETSEC: no entry, default handler
  assert.deepEqual(vmm.stats.recent(8).map((r) => r.cycles), [6100, 1100, 1100, 1040, 1900, 1060, 1800, 1007]);
  assert.deepEqual(vmm.stats.byReason, { EXCEPTION_NMI: 1, CPUID: 1, GETSEC: 1, CR_ACCESS: 2, IO_INSTRUCTION: 3 });
  assert.deepEqual(vmm.stats.cyclesByReason, { EXCEPTION_NMI: 1800, CPUID: 1040, GETSEC: 1007, CR_ACCESS: 2960, IO_INSTRUCTION: 8300 });
  assert.equal(vmm.stats.total, 8);
});

test('guestCycles follows the instruction counter times cyclesPerInstruction', () => {
  let icount = 0;
  const vmm = createHvmVmm(undefined, { costs: MODEL, icount: () => icount });
  icount = 12345;
  assert.equal(vmm.stats.guestCycles, 24690);
  const vmm2 = createHvmVmm(undefined, { costs: MODEL });
  vmm2.exit(12, 0, 'hypervisor', makeContext({ icount: 50 }));
  assert.equal(vmm2.stats.guestCycles, 100);
});

test('cost model overrides are checked: unknown keys, unknown reasons and negative cycles throw', () => {
  assert.throws(() => resolveCostModel({ exitRoundtrip: 5 }), (e: unknown) => e instanceof CostModelError && /exitRoundtrip/.test(e.message));
  assert.throws(() => resolveCostModel({ handlerCycles: { IO_INSTRUCTON: 5 } }), /IO_INSTRUCTON/);
  assert.throws(() => resolveCostModel({ exitRoundTrip: -1 }), /exitRoundTrip/);
  assert.throws(() => resolveCostModel({ cyclesPerInstruction: '1' }), /cyclesPerInstruction/);
  assert.throws(() => resolveCostModel([1]), CostModelError);
  const m = resolveCostModel({ handlerCycles: { '30': 11 } });
  assert.equal(m.handlerCycles.IO_INSTRUCTION, 11);
});

test('setCostModel applies to later exits only', () => {
  const vmm = createHvmVmm(undefined, { costs: MODEL });
  vmm.exit(10, 0, 'hypervisor', makeContext());
  vmm.setCostModel({ ...MODEL, exitRoundTrip: 0 });
  vmm.exit(10, 0, 'hypervisor', makeContext());
  assert.deepEqual(vmm.stats.recent(2).map((r) => r.cycles), [1040, 40]);
});

test('VMCALL: KVM ABI, number in EAX, result written back to EAX', () => {
  const vmm = createHvmVmm();
  const call = (nr: number, cpl = 0, args: number[] = []) => {
    const ctx = makeContext({ cpl, regs: [nr, args[1] ?? 0, args[2] ?? 0, args[0] ?? 0, 0, 0, args[3] ?? 0, 0], bytes: [0x0f, 0x01, 0xc1] });
    vmm.exit(18, 0, 'hypervisor', ctx);
    return ctx.regs[0];
  };
  assert.equal(call(1), 0);                 // VAPIC_POLL_IRQ
  assert.equal(call(11, 0, [0]), 0);        // SCHED_YIELD
  assert.equal(call(5, 0, [0, 0]), 0);      // KICK_CPU
  assert.equal(call(3), -KVM_ENOSYS);       // FEATURES: reserved, never implemented by KVM
  assert.equal(call(12), -KVM_ENOSYS);      // MAP_GPA_RANGE not enabled
  assert.equal(call(0x1234), -KVM_ENOSYS);
  assert.equal(call(0xffffffff | 0), -KVM_ENOSYS);
  assert.equal(call(1, 3), -1);             // KVM_EPERM from user mode
  assert.equal(call(10, 0, [1, 0, 0, 0x30]), 1); // SEND_IPI to APIC ID 0 (ourselves): one target
  assert.equal(call(10, 0, [2, 0, 0, 0x30]), 0); // APIC ID 1 does not exist
  const recs = vmm.stats.recent(3);
  assert.equal(recs[0]!.handler, 'kvm');
  assert.equal(recs[0]!.value, 1);
  assert.equal(vmm.stats.byReason.VMCALL, 10);
});

test('VMCALL from 64-bit code: the number is all of RAX, the result RAX sign-extended; from 32-bit code zero-extended', () => {
  const vmm = createHvmVmm();
  const call = (nr: number, nrHi: number, long64: boolean, args: number[] = [], argsHi: number[] = []) => {
    // Outside 64-bit mode RAX's high half is not the number's: it starts stale (5) and the result must clear it.
    const hi = [long64 ? nrHi : 5, argsHi[1] ?? 0, argsHi[2] ?? 0, argsHi[0] ?? 0];
    const ctx = makeContext({ regs: [nr, args[1] ?? 0, args[2] ?? 0, args[0] ?? 0, 0, 0, args[3] ?? 0, 0], regsHi: hi, long64, bytes: [0x0f, 0x01, 0xc1] });
    vmm.exit(18, 0, 'hypervisor', ctx);
    return (BigInt(ctx.regsHi![0]! >>> 0) << 32n) | BigInt(ctx.regs[0]! >>> 0);
  };
  assert.equal(call(1, 0, true), 0n, 'VAPIC_POLL_IRQ: RAX = 0, high half cleared');
  assert.equal(call(1, 1, true), BigInt.asUintN(64, BigInt(-KVM_ENOSYS)), 'number 0x100000001: unknown, -KVM_ENOSYS in all 64 bits');
  assert.equal(call(3, 0, true), BigInt.asUintN(64, BigInt(-KVM_ENOSYS)));
  assert.equal(call(3, 0, false), BigInt.asUintN(32, BigInt(-KVM_ENOSYS)), '(u32)ret outside 64-bit mode');
  assert.equal(call(1, 0, false), 0n);
  assert.equal(call(10, 0, true, [1, 0, 0, 0x30]), 1n, 'SEND_IPI to APIC ID 0');
  assert.equal(call(10, 0, true, [1, 0, 0, 0x30], [0, 0, 1]), 0n, 'minimum APIC ID 2^32: nobody');
});

test('the filter decides whether exit() asks the machine to stop', () => {
  const vmm = createHvmVmm();
  assert.equal(vmm.exit(30, 0x00f40000, 'debug-exit', makeContext()), false);
  vmm.setFilter((r) => r.reason === 30 && (r.qualification >>> 16) === 0xf4);
  assert.equal(vmm.exit(30, 0x03f80000, 'uart', makeContext()), false);
  assert.equal(vmm.exit(30, 0x00f40000, 'debug-exit', makeContext()), true);
  vmm.setFilter(null);
  assert.equal(vmm.exit(30, 0x00f40000, 'debug-exit', makeContext()), false);
});

test('reset() forgets exits but keeps controls', () => {
  const vmm = createHvmVmm({ preset: 'shadow-paging' });
  vmm.exit(12, 0, 'hypervisor', makeContext());
  vmm.reset();
  assert.equal(vmm.stats.total, 0);
  assert.deepEqual(vmm.stats.byReason, {});
  assert.equal(vmm.controls.cr3Load, true);
});

test('a cost model inside the exit-controls spec reaches the model (how the Machine passes it on)', () => {
  const vmm = createHvmVmm({ preset: 'ept', costModel: { ...MODEL, exitRoundTrip: 10 } });
  vmm.exit(10, 0, 'hypervisor', makeContext());
  assert.equal(vmm.stats.recent(1)[0]!.cycles, 50);
  assert.throws(() => createHvmVmm({ preset: 'ept', costModel: { exitRoundTrip: 'fast' } }), /exitRoundTrip/);
});

test('instruction bytes come through copyInstrBytes when the context offers it, else instrBytes()', () => {
  const vmm = createHvmVmm();
  const plain = makeContext({ bytes: [0x0f, 0xa2, 0x90, 0x90] });
  vmm.exit(10, 0, 'hypervisor', plain);
  const copying = {
    ...makeContext({ bytes: [] }),
    copyInstrBytes(dst: Uint8Array, offset: number, max: number) {
      const b = [0xe6, 0x80, 0x90];
      for (let i = 0; i < b.length && i < max; i++) dst[offset + i] = b[i]!;
      return Math.min(b.length, max);
    },
  };
  vmm.exit(30, (0x80 << 16) | 0x40, 'post', copying);
  assert.deepEqual(vmm.stats.recent(2).map((r) => [...r.bytes]), [[0x0f, 0xa2], [0xe6, 0x80]]);
});

test('CPUID exits keep the leaf (EAX at the exit) when the CPU passes no value', () => {
  const vmm = createHvmVmm();
  vmm.exit(10, 0, 'hypervisor', makeContext({ regs: [0x80000001], bytes: [0x0f, 0xa2] }));
  vmm.exit(10, 0, 'hypervisor', makeContext({ regs: [4], bytes: [0x0f, 0xa2] }), { value: 7 });
  assert.deepEqual(vmm.stats.recent(2).map((r) => r.value), [0x80000001, 7]);
});

test('COST-MODEL.md explains every default of the model', async () => {
  const { readFileSync } = await import('node:fs');
  const { DEFAULT_COST_MODEL } = await import('../../emulator/vmm/cost-model');
  const doc = readFileSync(new URL('../../emulator/vmm/COST-MODEL.md', import.meta.url), 'utf8');
  const keys = [
    'cyclesPerInstruction', 'exitRoundTrip', 'userspaceRoundTrip', 'defaultHandlerCycles',
    ...Object.keys(DEFAULT_COST_MODEL.specialCycles).map((k) => `specialCycles.${k}`),
  ];
  for (const k of keys) assert.ok(doc.includes('`' + k + '`'), k);
  for (const name of Object.keys(DEFAULT_COST_MODEL.handlerCycles)) assert.ok(new RegExp(`\\b${name}\\b`).test(doc), name);
});
