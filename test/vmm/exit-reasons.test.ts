import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_REASONS, exitReasonName, exitReasonNumber } from '../../emulator/vmm/exit-reasons';
import { EXIT_REASON_NAMES } from '../../emulator/isa/exit-reasons';

// Numbers from the SDM's table of basic exit reasons (Vol. 3, Appendix C).
const SDM: Array<[number, string]> = [
  [0, 'EXCEPTION_NMI'], [1, 'EXTERNAL_INTERRUPT'], [2, 'TRIPLE_FAULT'], [7, 'INTERRUPT_WINDOW'], [9, 'TASK_SWITCH'],
  [10, 'CPUID'], [12, 'HLT'], [13, 'INVD'], [14, 'INVLPG'], [15, 'RDPMC'], [16, 'RDTSC'], [18, 'VMCALL'],
  [28, 'CR_ACCESS'], [29, 'DR_ACCESS'], [30, 'IO_INSTRUCTION'], [31, 'RDMSR'], [32, 'WRMSR'], [36, 'MWAIT'],
  [39, 'MONITOR'], [40, 'PAUSE'], [44, 'APIC_ACCESS'], [46, 'GDTR_IDTR_ACCESS'], [47, 'LDTR_TR_ACCESS'], [48, 'EPT_VIOLATION'],
  [49, 'EPT_MISCONFIG'], [51, 'RDTSCP'], [54, 'WBINVD'], [55, 'XSETBV'],
];

test('reason numbers and names follow the SDM', () => {
  for (const [n, name] of SDM) {
    assert.equal(exitReasonName(n), name);
    assert.equal(exitReasonNumber(name), n);
  }
});

test('numbers the SDM leaves unused (35, 38, 42) are not in the table; names are unique', () => {
  const numbers = EXIT_REASONS.map((r) => r.reason);
  for (const unused of [35, 38, 42]) assert.equal(numbers.includes(unused), false);
  assert.equal(new Set(EXIT_REASONS.map((r) => r.name)).size, EXIT_REASONS.length);
  assert.equal(exitReasonName(35), 'EXIT_35');
  assert.equal(exitReasonNumber('io_instruction'), 30);
  assert.equal(exitReasonNumber('nonsense'), undefined);
});

test('the hypervisor model names every reason exactly as the shared ISA table (the linter) does', () => {
  for (const [n, name] of Object.entries(EXIT_REASON_NAMES)) assert.equal(exitReasonName(Number(n)), name, `reason ${n}`);
});
